/* SPDX-License-Identifier: MIT */
/*
 * Where records go: JSON lines, CSV or an SQLite table.  Records arrive as
 * encoded JSON lines (that is how they cross from worker threads and
 * processes); JSON lines are written as they are, the other formats read
 * them back.  Callers serialise access (the run's lock).
 */
#ifndef SCRAPE_OUTPUT_H
#define SCRAPE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct job;
struct output;

/* NULL with a one-line message in err.  A file is opened by outfile's
 * rules for streams: in place, links followed, never a temporary file. */
struct output *output_open(const struct job *job, char *err, size_t errlen);
/* -1 once writing failed (later writes are dropped); output_error says
 * why. */
int output_write(struct output *o, const char *line, size_t len);

/* For a resumed crawl: the records' file as the last run left it, cut back
 * to offset bytes (the length its crawl state saw durable) and appended
 * to; *torn set when the part cut off did not end with a whole record.
 * offset < 0 is output_open.  NULL with a message in err. */
struct output *output_open_at(const struct job *job, int64_t offset, int *torn, char *err,
                              size_t errlen);
/* Makes the records so far durable: a file flushed and synced (*offset
 * then its length; 0 for a pipe or standard output), a database committed.
 * 0, or -1 with the reason kept (output_error). */
int output_sync(struct output *o, int64_t *offset);
/* recrawl: conditional, for the sqlite output (else nothing is stored).
 * What the table's row of url kept from an earlier run: *known whether
 * there is one, and the validators of a page stored whole (a 2xx without
 * error), malloc'd or NULL.  0, or -1 with the reason kept (output_error). */
int output_stored_validators(struct output *o, const char *url, int *known, char **etag,
                             char **last_modified);
/* The links the parsers found on url when its row was written whole,
 * malloc'd (an array of strings); for an unchanged page's crawl. */
int output_stored_links(struct output *o, const char *url, char ***links, size_t *count);
/* Why writing failed ("No space left on device", "Broken pipe", SQLite's
 * message), or NULL while it has not. */
const char *output_error(const struct output *o);
/* The job's output path for messages: "standard output" for "-". */
const char *output_name(const struct job *job);
/* Flushes, commits and closes; -1 if any record could not be written,
 * with the reason in err (when not NULL). */
int output_close(struct output *o, char *err, size_t errlen);

/* Appends one CSV field as RFC 4180 quotes it: as it is, unless it has a
 * comma, a double quote, CR or LF, when it is put in double quotes with
 * each double quote doubled.  NULL appends nothing (an empty field).
 * Rows end in CRLF. */
void output_csv_field(struct buf *b, const char *s);

#endif
