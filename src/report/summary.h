/* SPDX-License-Identifier: MIT */
/*
 * The one writer of a summary's JSON members.  --report, --format json
 * and --merge --format json all write them here, so a member has one
 * name, one shape and one number format wherever it appears, and
 * --format json is a subset of the report by construction.  The input is
 * plain values (stats, times, members already rendered), not a live run,
 * so a merge of reports is summarized exactly like a run.
 */
#ifndef SCRAPE_SUMMARY_H
#define SCRAPE_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

struct buf;
struct histogram;
struct stats;

struct summary_input {
	const struct stats *stats;
	double seconds;             /* measured: after warmup, within the duration */
	int interrupted;
	int load;                   /* a load test: traffic, model and service time */
	int open_model;             /* service time is stats->service, not the latency */
	int send_lag;               /* stats->lag has samples (a run, not a merge) */
	const char *model;          /* the "model" object as JSON; NULL: not known */
	const char *const *warnings; /* NULL: not known (no "warnings" member) */
	size_t warning_count;
	const char *thresholds;     /* the verdicts as a JSON array; NULL: none */
};

/* Appends the members, comma-separated, without braces and without a
 * leading or trailing comma. */
void summary_json_members(struct buf *b, const struct summary_input *in);

/* "name":{"unit":"ns","buckets":[[low_ns, high_ns, count], ...]}: the
 * non-empty buckets, so reports of several runs (or machines) can be
 * merged into exact percentiles. */
void summary_buckets(struct buf *b, const char *name, const struct histogram *h);

/* {members[,extra]} and a newline on out; extra, if not NULL, is more
 * members ("\"key\":value,...").  -1 if out of memory. */
int summary_print_json(const struct summary_input *in, const char *extra, FILE *out);

#endif
