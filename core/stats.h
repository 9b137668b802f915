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

/* Requests per host, for reports. */
struct host_count {
	char *host;
	uint64_t requests, failed;
};

#define STATUS_CODES 600

struct stats {
	uint64_t ok;
	uint64_t failed;
	uint64_t retries;
	uint64_t bytes;
	struct reason_count *reasons;
	size_t reason_count;
	struct reason_count *refusals; /* URLs a crawl did not fetch, by reason */
	size_t refusal_count;
	uint64_t robots_fetched;
	struct histogram latency;   /* every transfer that got a response */
	uint64_t status_counts[STATUS_CODES]; /* [0]: no response */
	struct host_count *hosts;   /* only when a report is wanted */
	size_t host_count, host_cap;
};

int stats_init(struct stats *s);
void stats_free(struct stats *s);
void stats_fail(struct stats *s, const char *reason);
void stats_refuse(struct stats *s, const char *reason);
void stats_status(struct stats *s, long status);
/* Counts a request against the host of url. */
void stats_host(struct stats *s, const char *url, int failed);

/* The summary printed at the end of a run. */
void stats_print_summary(const struct stats *s, double seconds, int interrupted, FILE *out);
/* The same as one JSON object, for scripts (--format json); extra, if
 * not NULL, is more members to add ("\"key\":value,..."). */
void stats_print_json(const struct stats *s, double seconds, int interrupted, const char *extra,
                      FILE *out);

#endif
