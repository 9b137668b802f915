/* SPDX-License-Identifier: MIT */
/*
 * The job's keys as a table, private to core/job*.c: one row per
 * top-level key holds its name, type, default, limits, check, printing,
 * freeing and help, as fio's option rows do.  Simple keys are typed rows
 * read, printed and freed by job_value.c; a key with its own shape names
 * its own functions in the same row.  The rows live beside the structs
 * they fill, one table per section (job_urls.c, job_model.c,
 * job_transfer.c, job_request.c, job_proxy.c, job_output.c); job.c walks the sections
 * in the order --dry-run prints them.
 */
#ifndef SCRAPE_JOB_KEYS_H
#define SCRAPE_JOB_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/job.h"
#include "config/tree.h"

/* What job_load() carries while it checks one job. */
struct checker {
	struct job *job;
	const char *path;           /* the job file, or NULL */
	char *err;
	size_t errlen;
	const char *job_dir;
};

/* How a typed row is read and printed; JOB_KEY_CUSTOM rows bring their own. */
enum job_key_type {
	JOB_KEY_CUSTOM,             /* parse (and print, free) functions of its own */
	JOB_KEY_COUNT,              /* int64_t: a whole number, min..max */
	JOB_KEY_DURATION,           /* int64_t nanoseconds */
	JOB_KEY_TIMEOUT,            /* int64_t nanoseconds, rounded up to whole ms */
	JOB_KEY_SIZE,               /* int64_t bytes, at least min */
	JOB_KEY_BOOL,               /* int */
	JOB_KEY_STRING,             /* char *, owned */
	JOB_KEY_PATH,               /* char *, owned, relative to the job file */
};

/* When --dry-run prints a row. */
enum job_key_show {
	JOB_SHOW_ALWAYS,
	JOB_SHOW_IF_SET,            /* only when not zero */
	JOB_SHOW_OPEN,              /* only in the open model (rate, stages) */
	JOB_SHOW_CLOSED,            /* only in the closed model */
};

struct job_key {
	const char *name;
	enum job_key_type type;
	size_t offset;              /* of the value in struct job (typed rows, typed printing) */
	int64_t def;                /* the default of a typed row */
	const char *def_text;       /* the default of a string, set once the keys are read */
	int64_t min, max;           /* limits of a count or size; max 0: none */
	enum job_key_show show;
	const char *unset;          /* printed as "~  # unset" when the value is 0 or NULL */
	/* NULL: by type.  A custom parse fills the job itself. */
	int (*parse)(struct checker *c, const struct node *n);
	/* NULL: by type; a custom row without one prints nothing. */
	void (*print)(const struct job *job, FILE *out);
	/* NULL: by type (strings and paths are freed, numbers need nothing). */
	void (*release)(struct job *job);
	/* defaults that are not one typed value, e.g. a section's sub-keys */
	void (*init)(struct job *job);
	const char *help;           /* one line, as scrape-job(5) says it */
};

/* The sections' tables, each ended by a row with no name, in print order. */
extern const struct job_key job_urls_keys[];
extern const struct job_key job_model_keys[];
extern const struct job_key job_per_host_keys[];
extern const struct job_key job_transfer_keys[];
extern const struct job_key job_request_keys[];
extern const struct job_key job_proxy_keys[];
extern const struct job_key job_output_keys[];
extern const struct job_key *const job_key_sections[];
extern const size_t job_key_section_count;

/* The row of a top-level key, or NULL. */
const struct job_key *job_key_find(const char *name);

/* ---- job_value.c: reading and printing one value ---- */

int job_fail(struct checker *c, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int job_is_null(const struct node *n);
int job_want_scalar(struct checker *c, const char *key, const struct node *n, const char *what);
int job_get_count(struct checker *c, const char *key, const struct node *n, int64_t min,
                  int64_t *out);
int job_get_duration(struct checker *c, const char *key, const struct node *n, int64_t *out);
int job_get_string(struct checker *c, const char *key, const struct node *n, char **out);
int job_get_path(struct checker *c, const char *key, const struct node *n, char **out);
int job_get_bool(struct checker *c, const char *key, const struct node *n, int *out);
int job_get_rate(struct checker *c, const char *key, const struct node *n, int zero_ok,
                 double *out);
int job_plugin_entry(struct checker *c, const char *key, const struct node *n,
                     struct job_plugin *out);

/* A typed row: its check, its default, its --dry-run line, its freeing. */
int job_value_parse(struct checker *c, const struct job_key *k, const struct node *n);
void job_value_default(struct job *job, const struct job_key *k);
void job_value_print(const struct job *job, const struct job_key *k, FILE *out);
void job_value_free(struct job *job, const struct job_key *k);

void job_print_scalar(FILE *out, const char *s);
void job_print_duration(FILE *out, const char *key, int64_t ns);
void job_print_plugin_node(FILE *out, const struct node *n, int indent);

/* job_urls.c: whether a URL's own request changes anything */
int job_url_request_given(const struct job_url_request *rq);
/* job_urls.c: a value the job sends, refused at its spot unless job_wire_ok() */
int job_wire_check(struct checker *c, const char *key, const struct node *n, const char *text,
                   enum job_wire kind);

/* job_request.c: the request's parts, also for a urls entry's own request */
int job_method_ok(char *method);        /* upper-cases it; -1: not a word */
int job_parse_method(struct checker *c, const struct node *n, char **out);
/* -1: the name is not a token; -2: the value cannot be sent; *why says why */
int job_header_ok(const char *name, const char *value, const char **why);
int job_parse_headers(struct checker *c, const struct node *n, struct job_header **out,
                      size_t *count);
int job_read_body_file(struct checker *c, const struct node *n, char **body, size_t *body_len);
void job_print_headers(FILE *out, const struct job_header *headers, size_t count,
                       const char *indent);
void job_print_body(FILE *out, const char *body, size_t len, const char *indent);
void job_free_headers(struct job_header *headers, size_t count);

/* ---- cross-key checks of a section, once every key is read ---- */

int job_model_check(struct checker *c);
int job_output_check(struct checker *c);
int job_request_check(struct checker *c);
int job_proxy_check(struct checker *c);
int job_transfer_check(struct checker *c);

#endif
