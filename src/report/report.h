/* SPDX-License-Identifier: MIT */
/*
 * The end of a run for people and programs: --report FILE.json (the run
 * summary as one JSON document with a schema version, for CI jobs and
 * dashboards to read), --html FILE.html, and the summary printed on the
 * terminal, in text or as --format json.  All of them read a run's result
 * (results/run_result.h), a plain value, never the run.
 */
#ifndef SCRAPE_REPORT_H
#define SCRAPE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "util/buf.h"
#include "results/run_result.h"
#include "report/summary.h"

#define REPORT_SCHEMA 2

/* A run's summary, worked out once (the verdicts) so that the report and
 * --format json say the same: the writer's input and the storage it
 * points into. */
struct report_summary {
	struct summary_input in;    /* in.load: the report's; --format json sets its own */
	struct buf model, verdicts;
	const char *warning_list[RUN_WARNINGS];
	size_t thresholds_failed;
};

/* rs points into r (the warnings, the stats), which must outlive it. */
void report_summary_init(struct report_summary *rs, const struct run_result *r);
void report_summary_free(struct report_summary *rs);

/* Writes the report by outfile's rules (a regular file atomically, a
 * FIFO or device in place); -1 with a message on stderr if it could not
 * be written. */
int report_write(const char *path, const struct run_result *r, const struct report_summary *rs);

/* --html FILE: the same run as a self-contained page with charts. */
/* "timeline":[{"second":0,"sent":..,...},...]: a run's per-second
 * figures as the report has them (also --merge's, summed). */
struct timeline;
void report_timeline(struct buf *b, const struct timeline *t, int open_model);

int report_write_html(const char *path, const struct run_result *r);

/* The summary at the end of a run on out: as JSON (--format json, the
 * report's members, less the load test's for a crawl), or as text with
 * the seed and one line per threshold verdict. */
void report_print_summary(const struct run_result *r, const struct report_summary *rs, int json,
                          FILE *out);

#endif
