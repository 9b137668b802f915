/* SPDX-License-Identifier: MIT */
/*
 * The JSON reader.  It walks the text once, keeping only a stack of open
 * containers (each object with the keys it has seen, to refuse
 * duplicates), so its memory follows the nesting and the keys of the
 * objects open at one time, never the size of the document.  Everything
 * an untrusted file could use against a reader is refused with a reason:
 * raw control characters, bad or lone-surrogate \u escapes, invalid
 * UTF-8, numbers outside the JSON grammar (NaN, Infinity, 01, 1.) or too
 * large for a double, nesting deeper than the limit.  Reading whole
 * files and flat record objects on top of it is json_record.c's.
 */
#include <config.h>

#include "util/json.h"
#include "util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An object with more keys than this gets a hash index of them. */
#define LINEAR_KEYS 8

struct json_level {
	char close;                 /* '}' or ']' */
	size_t count;               /* members or items so far */
	size_t keys_start;          /* this object's first key in r->keys */
	uint32_t *index;            /* its keys (1 + n-th) by hash; 0: empty */
	size_t index_size;
};

/* Keys of open objects are kept as offsets of their literals in r->keys. */
static size_t key_count(const struct json_reader *r)
{
	return r->keys.len / sizeof(size_t);
}

/* ---- errors ---- */

int json_reader_fail(struct json_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->error[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	if (!r->error[0])
		snprintf(r->error, sizeof r->error, "refused");
	return -1;
}

/* A syntax error at the cursor; the end of the text says so plainly. */
static int fail_here(struct json_reader *r, const char *what)
{
	if (r->p >= r->end)
		return json_reader_fail(r, "the document ends early");
	return json_reader_fail(r, "byte %zu: %s", (size_t)(r->p - r->text), what);
}

/* ---- the reader's life ---- */

void json_reader_init(struct json_reader *r, const char *text, size_t len, unsigned max_depth)
{
	memset(r, 0, sizeof *r);
	r->text = r->p = text;
	r->end = text + len;
	r->max_depth = max_depth ? max_depth : JSON_MAX_DEPTH;
}

void json_reader_free(struct json_reader *r)
{
	unsigned i;

	for (i = 0; r->levels && i < r->depth; i++)
		free(r->levels[i].index);
	free(r->levels);
	buf_free(&r->keys);
	buf_free(&r->key);
	buf_free(&r->string);
	buf_free(&r->scratch);
	r->levels = NULL;
	r->depth = 0;
}

static void skip_space(struct json_reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

int json_reader_finish(struct json_reader *r)
{
	if (r->error[0])
		return -1;
	skip_space(r);
	if (r->p != r->end)
		return fail_here(r, "text follows the document");
	return 0;
}

/* ---- hashing ---- */

uint64_t json_hash_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	/* time and address bits: enough that a file cannot be made, in
	 * advance, to collide in a given run; not a secret */
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 16 ^
	       (uint64_t)(uintptr_t)&ts ^ 0x9e3779b97f4a7c15ULL;
	return seed ? seed : 1;
}

uint64_t json_hash(uint64_t seed, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (len * 0xff51afd7ed558ccdULL);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	/* murmur's finaliser, so every input bit moves every output bit */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* ---- strings ---- */

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char ch = p[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char s[4];

	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, s, 3);
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, s, 4);
	}
}

/* A \uXXXX escape (the cursor after the 'u'), a surrogate pair taken
 * whole; a lone half of a pair is not a character and is refused. */
static int read_unicode_escape(struct json_reader *r, struct buf *out)
{
	unsigned cp, low;

	if (r->end - r->p < 4 || hex4(r->p, &cp) < 0)
		return fail_here(r, "a \\u escape needs four hex digits");
	r->p += 4;
	if (cp >= 0xdc00 && cp < 0xe000)
		return fail_here(r, "a \\u escape is a lone low surrogate");
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, &low) < 0 ||
		    low < 0xdc00 || low >= 0xe000)
			return fail_here(r, "a \\u escape is a lone high surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		r->p += 6;
	}
	put_utf8(out, cp);
	return 0;
}

static int read_escape(struct json_reader *r, struct buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at;

	if (++r->p >= r->end)
		return fail_here(r, "");
	if (*r->p == 'u') {
		r->p++;
		return read_unicode_escape(r, out);
	}
	if (!*r->p || !(at = strchr(from, *r->p)))
		return fail_here(r, "a string has an unknown escape");
	buf_putc(out, to[at - from]);
	r->p++;
	return 0;
}

/* A string literal at the cursor (on its opening quote), decoded. */
static int read_string(struct json_reader *r, struct buf *out)
{
	buf_reset(out);
	buf_append(out, "", 0);
	if (r->p >= r->end || *r->p != '"')
		return fail_here(r, "a string was expected");
	r->p++;
	for (;;) {
		const char *run = r->p;
		size_t n;

		/* plain ASCII goes over in runs */
		while (r->p < r->end && (unsigned char)*r->p >= 0x20 && (unsigned char)*r->p < 0x80 &&
		       *r->p != '"' && *r->p != '\\')
			r->p++;
		buf_append(out, run, (size_t)(r->p - run));
		if (r->p >= r->end)
			return fail_here(r, "");
		if (*r->p == '"')
			break;
		if (*r->p == '\\') {
			if (read_escape(r, out) < 0)
				return -1;
		} else if ((unsigned char)*r->p < 0x20) {
			return fail_here(r, "a string has a raw control character");
		} else if ((n = utf8_length((const unsigned char *)r->p, (size_t)(r->end - r->p))) == 0) {
			return fail_here(r, "a string is not valid UTF-8");
		} else {
			buf_append(out, r->p, n);
			r->p += n;
		}
	}
	r->p++;
	if (out->oom)
		return json_reader_fail(r, "out of memory");
	return 0;
}

/* ---- numbers ---- */

static int is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* The end of the number at the cursor by the JSON grammar, or NULL. */
static const char *number_end(const char *p, const char *end, int *whole)
{
	*whole = 1;
	if (p < end && *p == '-')
		p++;
	if (!is_digit(p, end))
		return NULL;
	if (*p == '0')
		p++;
	else
		while (is_digit(p, end))
			p++;
	if (p < end && *p == '.') {
		*whole = 0;
		if (!is_digit(++p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		*whole = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
	}
	return p;
}

/* The number token at the cursor: its span, checked by the grammar. */
static int number_token(struct json_reader *r, const char **start, const char **stop, int *whole)
{
	if (json_peek(r) != JSON_NUMBER)
		return r->error[0] ? -1 : fail_here(r, "a number was expected");
	*start = r->p;
	if (!(*stop = number_end(r->p, r->end, whole))) {
		/* point at the character that broke the grammar */
		r->p++;
		while (is_digit(r->p, r->end) || (r->p < r->end && strchr(".eE+-", *r->p)))
			r->p++;
		return fail_here(r, "a number is not written as JSON allows");
	}
	return 0;
}

int json_read_number(struct json_reader *r, double *out)
{
	const char *start, *stop;
	struct buf copy = { 0 };
	char *end;
	int whole;

	if (number_token(r, &start, &stop, &whole) < 0)
		return -1;
	/* strtod needs a terminated copy; the text may not be */
	buf_append(&copy, start, (size_t)(stop - start));
	if (copy.oom) {
		buf_free(&copy);
		return json_reader_fail(r, "out of memory");
	}
	errno = 0;
	*out = strtod(copy.data, &end);
	buf_free(&copy);
	if (!isfinite(*out) || (errno == ERANGE && fabs(*out) > 1))
		return fail_here(r, "a number is too large for a double");
	r->p = stop;
	return 0;
}

int json_read_count(struct json_reader *r, uint64_t *out)
{
	const char *start, *stop, *p;
	uint64_t v = 0;
	int whole;

	if (number_token(r, &start, &stop, &whole) < 0)
		return -1;
	if (!whole || *start == '-')
		return fail_here(r, "a count is not a whole number from 0 to 18446744073709551615");
	for (p = start; p < stop; p++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return fail_here(r, "a count is larger than 18446744073709551615");
	}
	*out = v;
	r->p = stop;
	return 0;
}

/* ---- literals and strings ---- */

static int literal(struct json_reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail_here(r, "not a JSON value");
	r->p += n;
	return 0;
}

int json_read_bool(struct json_reader *r, int *out)
{
	if (json_peek(r) != JSON_BOOL)
		return r->error[0] ? -1 : fail_here(r, "true or false was expected");
	*out = *r->p == 't';
	return literal(r, *out ? "true" : "false");
}

static int json_read_null(struct json_reader *r)
{
	if (json_peek(r) != JSON_NULL)
		return r->error[0] ? -1 : fail_here(r, "null was expected");
	return literal(r, "null");
}

int json_read_string(struct json_reader *r, const char **s, size_t *len)
{
	if (json_peek(r) != JSON_STRING)
		return r->error[0] ? -1 : fail_here(r, "a string was expected");
	if (read_string(r, &r->string) < 0)
		return -1;
	*s = r->string.data;
	if (len)
		*len = r->string.len;
	return 0;
}

int json_peek(struct json_reader *r)
{
	if (r->error[0])
		return -1;
	skip_space(r);
	if (r->p >= r->end)
		return fail_here(r, "");
	switch (*r->p) {
	case '{':
		return JSON_OBJECT;
	case '[':
		return JSON_ARRAY;
	case '"':
		return JSON_STRING;
	case 't':
	case 'f':
		return JSON_BOOL;
	case 'n':
		return JSON_NULL;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return JSON_NUMBER;
		return fail_here(r, "not a JSON value");
	}
}

/* ---- containers ---- */

static int open_level(struct json_reader *r, char open, char close)
{
	struct json_level *l;

	if (json_peek(r) < 0)
		return -1;
	if (*r->p != open)
		return fail_here(r, open == '{' ? "an object was expected" : "an array was expected");
	if (r->depth >= r->max_depth)
		return fail_here(r, "nesting is too deep");
	if (!r->levels && !(r->levels = calloc(r->max_depth, sizeof *r->levels)))
		return json_reader_fail(r, "out of memory");
	r->p++;
	l = &r->levels[r->depth++];
	memset(l, 0, sizeof *l);
	l->close = close;
	l->keys_start = key_count(r);
	return 0;
}

static void close_level(struct json_reader *r)
{
	struct json_level *l = &r->levels[--r->depth];

	free(l->index);
	l->index = NULL;
	r->keys.len = l->keys_start * sizeof(size_t);
	r->p++;
}

int json_object_begin(struct json_reader *r)
{
	return open_level(r, '{', '}');
}

int json_array_begin(struct json_reader *r)
{
	return open_level(r, '[', ']');
}

/* The separator before the next member or item: 1 if one follows, 0 if
 * the container closed here. */
static int next_entry(struct json_reader *r, char close)
{
	struct json_level *l;

	if (r->error[0])
		return -1;
	if (!r->depth || r->levels[r->depth - 1].close != close)
		return json_reader_fail(r, "the reader was used out of order");
	l = &r->levels[r->depth - 1];
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		close_level(r);
		return 0;
	}
	if (l->count) {
		if (r->p >= r->end || *r->p != ',')
			return fail_here(r, "a comma or a closing bracket is missing");
		r->p++;
		skip_space(r);
	}
	l->count++;
	return 1;
}

int json_array_next(struct json_reader *r)
{
	int more = next_entry(r, ']');

	/* [1,] is not JSON */
	if (more == 1 && json_peek(r) < 0)
		return -1;
	return more;
}

/* A key an open object holds, by where its literal starts in the text:
 * the raw bytes when it has no escapes (the common case, no copy), else
 * decoded again into r->scratch.  Keeping offsets instead of copies keeps
 * the reader's memory at a few bytes a key. */
static const char *stored_key(struct json_reader *r, size_t index, size_t *len)
{
	size_t off;
	const char *p, *saved = r->p;

	memcpy(&off, r->keys.data + index * sizeof off, sizeof off);
	p = r->text + off + 1;
	*len = strcspn(p, "\\\"");
	/* the literal was read whole before, so it ends in a quote in the text */
	if (p[*len] == '"')
		return p;
	r->p = r->text + off;
	read_string(r, &r->scratch);
	r->p = saved;
	*len = r->scratch.len;
	return r->scratch.data;
}

static void index_add(struct json_reader *r, struct json_level *l, size_t index)
{
	size_t len, i;
	const char *k = stored_key(r, index, &len);

	/* seeded when the first index is made: most readers never need one */
	if (!r->seed)
		r->seed = json_hash_seed();
	for (i = json_hash(r->seed, k, len) & (l->index_size - 1); l->index[i];
	     i = (i + 1) & (l->index_size - 1))
		;
	l->index[i] = (uint32_t)(index - l->keys_start + 1);
}

/* Builds (or doubles) the level's hash index of the keys it holds. */
static int index_grow(struct json_reader *r, struct json_level *l)
{
	size_t i, size = l->index_size ? l->index_size * 2 : 4 * LINEAR_KEYS;

	free(l->index);
	l->index_size = size;
	if (!(l->index = calloc(size, sizeof *l->index)))
		return json_reader_fail(r, "out of memory");
	for (i = l->keys_start; i < key_count(r); i++)
		index_add(r, l, i);
	return 0;
}

/* 1 if the open object already has this key. */
static int has_key(struct json_reader *r, const struct json_level *l, const char *key, size_t len)
{
	size_t n, i;
	const char *k;

	if (!l->index) {
		for (i = l->keys_start; i < key_count(r); i++) {
			k = stored_key(r, i, &n);
			if (n == len && memcmp(k, key, len) == 0)
				return 1;
		}
		return 0;
	}
	for (i = json_hash(r->seed, key, len) & (l->index_size - 1); l->index[i];
	     i = (i + 1) & (l->index_size - 1)) {
		k = stored_key(r, l->keys_start + l->index[i] - 1, &n);
		if (n == len && memcmp(k, key, len) == 0)
			return 1;
	}
	return 0;
}

/* Remembers a key of the innermost object (its literal starts at off);
 * refuses one it has. */
static int remember_key(struct json_reader *r, size_t off)
{
	struct json_level *l = &r->levels[r->depth - 1];

	if (has_key(r, l, r->key.data, r->key.len))
		return -1;
	buf_append(&r->keys, &off, sizeof off);
	if (r->keys.oom)
		return json_reader_fail(r, "out of memory");
	if (l->count > LINEAR_KEYS && (!l->index || l->count * 2 > l->index_size))
		return index_grow(r, l);
	if (l->index)
		index_add(r, l, key_count(r) - 1);
	return 0;
}

int json_object_next(struct json_reader *r, const char **key, size_t *len)
{
	const char *at;
	int more = next_entry(r, '}');

	if (more != 1)
		return more;
	at = r->p;
	if (read_string(r, &r->key) < 0)
		return -1;
	if (remember_key(r, (size_t)(at - r->text)) < 0) {
		if (r->error[0])
			return -1;
		r->p = at;
		return fail_here(r, "an object has the same key twice");
	}
	skip_space(r);
	if (r->p >= r->end || *r->p != ':')
		return fail_here(r, "a colon is missing after an object key");
	r->p++;
	*key = r->key.data;
	if (len)
		*len = r->key.len;
	return 1;
}

/* ---- any value ---- */

static int skip_scalar(struct json_reader *r, int kind)
{
	double d;
	int b;

	switch (kind) {
	case JSON_STRING:
		return read_string(r, &r->string);
	case JSON_NUMBER:
		return json_read_number(r, &d);
	case JSON_BOOL:
		return json_read_bool(r, &b);
	case JSON_NULL:
		return json_read_null(r);
	default:
		return -1;
	}
}

/* Iterative, so that the depth limit, not the C stack, bounds nesting. */
int json_skip(struct json_reader *r, const char **start, const char **end)
{
	unsigned base = r->depth;
	int kind = json_peek(r);
	const char *key;

	if (kind < 0)
		return -1;
	if (start)
		*start = r->p;
	if (kind != JSON_OBJECT && kind != JSON_ARRAY) {
		if (skip_scalar(r, kind) < 0)
			return -1;
	} else {
		if (open_level(r, *r->p, kind == JSON_OBJECT ? '}' : ']') < 0)
			return -1;
		while (r->depth > base) {
			int more = r->levels[r->depth - 1].close == '}' ? json_object_next(r, &key, NULL)
			                                                : json_array_next(r);
			if (more < 0)
				return -1;
			if (more == 0)
				continue;
			if ((kind = json_peek(r)) < 0)
				return -1;
			if (kind == JSON_OBJECT || kind == JSON_ARRAY) {
				if (open_level(r, *r->p, kind == JSON_OBJECT ? '}' : ']') < 0)
					return -1;
			} else if (skip_scalar(r, kind) < 0) {
				return -1;
			}
		}
	}
	if (end)
		*end = r->p;
	return 0;
}
