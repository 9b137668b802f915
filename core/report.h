/* SPDX-License-Identifier: MIT */
/*
 * --report FILE.json: the run summary as one JSON document with a schema
 * version, for CI jobs and dashboards to read.
 */
#ifndef SCRAPE_REPORT_H
#define SCRAPE_REPORT_H

struct scrape_run;
struct run_summary;

#define REPORT_SCHEMA 1

/* Writes the report atomically (temporary file, then rename); -1 with a
 * message on stderr if it could not be written. */
int report_write(const char *path, const struct scrape_run *run, const struct run_summary *sum,
                 int interrupted);

#endif
