/* SPDX-License-Identifier: MIT */
/*
 * Run statistics: counters, failures by reason and a log-linear latency
 * histogram (HDR style: constant memory, under 0.4% relative error from
 * 1 ns to over an hour), and the end-of-run summary.
 */
#ifndef SCRAPE_STATS_H
#define SCRAPE_STATS_H

#include <stdint.h>
#include <stdio.h>

#define HISTOGRAM_BUCKETS (256 + 128 * 36)

struct histogram {
	uint64_t counts[HISTOGRAM_BUCKETS];
	uint64_t total;
	int64_t min, max;
	double sum;
};

void histogram_init(struct histogram *h);
void histogram_record(struct histogram *h, int64_t value);
void histogram_merge(struct histogram *into, const struct histogram *from);
/* The value at percentile p (0..100); 0 when empty. */
int64_t histogram_percentile(const struct histogram *h, double p);

struct reason_count {
	char *reason;
	uint64_t count;
};

struct stats {
	uint64_t ok;
	uint64_t failed;
	uint64_t retries;
	uint64_t bytes;
	struct reason_count *reasons;
	size_t reason_count;
	struct histogram latency;   /* every transfer that got a response */
};

int stats_init(struct stats *s);
void stats_free(struct stats *s);
void stats_fail(struct stats *s, const char *reason);

/* The summary printed at the end of a run. */
void stats_print_summary(const struct stats *s, double seconds, int interrupted, FILE *out);
/* The same as one JSON object, for scripts (--format json). */
void stats_print_json(const struct stats *s, double seconds, int interrupted, FILE *out);

#endif
