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

struct buf;
struct job;
struct output;

/* NULL with a one-line message in err.  A file is opened by outfile's
 * rules for streams: in place, links followed, never a temporary file. */
struct output *output_open(const struct job *job, char *err, size_t errlen);
/* -1 once writing failed (later writes are dropped); output_error says
 * why. */
int output_write(struct output *o, const char *line, size_t len);
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
