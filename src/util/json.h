/* SPDX-License-Identifier: MIT */
/*
 * The core's one JSON reader.  A pull reader walks a whole document
 * without building a tree, so reading a report costs the text plus what
 * the caller keeps; it is strict (RFC 8259 grammar, UTF-8 text, \u
 * escapes and surrogate pairs checked, no duplicate keys, no numbers that
 * overflow a double) and bounded (nesting depth; iterative, so a deep
 * document cannot exhaust the stack).  --merge reads reports with it; the
 * CSV and SQLite outputs read records back through json_parse_object(),
 * which is built on it.
 *
 * Entry points for harnesses (tests/fuzz): json_parse_object() for
 * records, and json_reader_init() + json_skip() + json_reader_finish() to
 * check a whole document; merge_check_text() in merge.h for --merge.
 */
#ifndef SCRAPE_JSON_H
#define SCRAPE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* ---- the pull reader ---- */

#define JSON_MAX_DEPTH 64

struct json_level;

struct json_reader {
	const char *text, *p, *end;
	unsigned depth, max_depth;
	struct json_level *levels;   /* open arrays and objects */
	struct buf keys;             /* where the open objects' keys are, for
	                                refusing duplicates */
	struct buf key, string;      /* the last key, the last string (decoded) */
	struct buf scratch;
	char error[128];             /* why the text was refused; "" if not */
	uint64_t seed;               /* of the key indexes; 0 until one is made */
};

/* Reads text[0..len) (need not be NUL-terminated); max_depth 0 means
 * JSON_MAX_DEPTH.  Every call below returns -1 once the text has been
 * refused, with the reason in r->error. */
void json_reader_init(struct json_reader *r, const char *text, size_t len, unsigned max_depth);
void json_reader_free(struct json_reader *r);

/* The kind of the next value, without consuming it; -1: none or bad. */
int json_peek(struct json_reader *r);

/* Objects: json_object_begin() consumes '{'; then each json_object_next()
 * returns 1 with the next member's decoded key in *key (valid until the
 * next key is read; *len counts an embedded NUL) and the caller must
 * consume its value, or 0 when it consumed the closing '}'. */
int json_object_begin(struct json_reader *r);
int json_object_next(struct json_reader *r, const char **key, size_t *len);
/* Arrays likewise: 1 when an item follows (the caller consumes it), 0
 * when ']' was consumed. */
int json_array_begin(struct json_reader *r);
int json_array_next(struct json_reader *r);

/* Scalars.  A string is decoded to UTF-8 in r->string (valid until the
 * next string); a number must be finite as a double; json_read_count()
 * takes only a whole number from 0 to UINT64_MAX, written without a
 * fraction or exponent. */
int json_read_string(struct json_reader *r, const char **s, size_t *len);
int json_read_number(struct json_reader *r, double *out);
int json_read_count(struct json_reader *r, uint64_t *out);
int json_read_bool(struct json_reader *r, int *out);
/* Consumes any value, checked all the way down; *start and *end (either
 * may be NULL) get its text. */
int json_skip(struct json_reader *r, const char **start, const char **end);
/* 0 if only white space is left. */
int json_reader_finish(struct json_reader *r);
/* Refuses the text with a reason (the first one stays); returns -1.  For
 * callers that find a well-formed value they cannot take. */
int json_reader_fail(struct json_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The reader's string hash.  Each table takes its own seed from
 * json_hash_seed() (never 0) so that keys chosen to collide cannot make
 * it quadratic. */
uint64_t json_hash_seed(void);
uint64_t json_hash(uint64_t seed, const void *data, size_t len);

/* Reads a whole file into out (NUL-terminated, out->len without the NUL);
 * refuses one larger than max_size.  -1 with the reason in why. */
int json_read_file(const char *path, size_t max_size, struct buf *out, const char **why);

/* ---- flat objects (records) ---- */

struct json_member {
	char *key;
	enum json_kind kind;
	char *text;                 /* string: decoded; number/bool: as written;
	                               array, object: its JSON text */
};

struct json_object {
	struct json_member *members;
	size_t count, cap;
};

/* Parses one object of scalars, arrays and objects (kept as their JSON
 * text); -1 if the text is not one. */
int json_parse_object(const char *text, size_t len, struct json_object *out);
void json_object_free(struct json_object *obj);
const struct json_member *json_get(const struct json_object *obj, const char *key);

#endif
