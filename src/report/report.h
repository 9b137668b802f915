/* SPDX-License-Identifier: MIT */
/*
 * --report FILE.json: the run summary as one JSON document with a schema
 * version, for CI jobs and dashboards to read.
 */
#ifndef SCRAPE_REPORT_H
#define SCRAPE_REPORT_H

#include <stddef.h>

#include "util/buf.h"
#include "engine/run.h"
#include "report/summary.h"

struct scrape_run;
struct run_summary;

#define REPORT_SCHEMA 2

/* A run's summary, worked out once (the verdicts, the warnings, whose
 * CPU figures change by the moment) so that the report and --format json
 * say the same: the writer's input and the storage it points into. */
#define REPORT_WARNINGS 4
struct report_summary {
	struct summary_input in;    /* in.load: the report's; --format json sets its own */
	struct buf model, verdicts;
	char warnings[REPORT_WARNINGS][RUN_WARNING_LEN];
	const char *warning_list[REPORT_WARNINGS];
	size_t warning_count;
	size_t thresholds_failed;
};

void report_summary_init(struct report_summary *rs, const struct scrape_run *run,
                         const struct run_summary *sum, int interrupted);
void report_summary_free(struct report_summary *rs);

/* Writes the report by outfile's rules (a regular file atomically, a
 * FIFO or device in place); -1 with a message on stderr if it could not
 * be written. */
int report_write(const char *path, const struct scrape_run *run, const struct run_summary *sum,
                 const struct report_summary *rs);

/* --html FILE: the same run as a self-contained page with charts. */
int report_write_html(const char *path, const struct scrape_run *run, const struct run_summary *sum,
                      int interrupted);

#endif
