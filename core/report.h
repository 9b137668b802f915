/* SPDX-License-Identifier: MIT */
/*
 * --report FILE.json: the run summary as one JSON document with a schema
 * version, for CI jobs and dashboards to read.
 */
#ifndef SCRAPE_REPORT_H
#define SCRAPE_REPORT_H

#include <stddef.h>

struct scrape_run;
struct run_summary;

#define REPORT_SCHEMA 2

/* Writes the report by outfile's rules (a regular file atomically, a
 * FIFO or device in place); -1 with a message on stderr if it could not
 * be written. */
int report_write(const char *path, const struct scrape_run *run, const struct run_summary *sum,
                 int interrupted);

struct buf;
/* The load-test members a report and a JSON summary share ("sent", ...,
 * "model", "failed_by_class", "service_time_seconds", "warnings"), each
 * followed by a comma. */
void report_load_members(struct buf *b, const struct scrape_run *run, const struct run_summary *sum);

/* --html FILE: the same run as a self-contained page with charts. */
int report_write_html(const char *path, const struct scrape_run *run, const struct run_summary *sum,
                      int interrupted);

#endif
