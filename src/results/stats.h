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

#include "results/record.h"

#define HISTOGRAM_BUCKETS (256 + 128 * 36)

struct histogram {
	uint64_t counts[HISTOGRAM_BUCKETS];
	uint64_t total;
	int64_t min, max;
	double sum, sumsq;
};

void histogram_init(struct histogram *h);
void histogram_record(struct histogram *h, int64_t value);
void histogram_merge(struct histogram *into, const struct histogram *from);
/* The value at percentile p (0..100); 0 when empty. */
int64_t histogram_percentile(const struct histogram *h, double p);
double histogram_mean(const struct histogram *h);
double histogram_stddev(const struct histogram *h);
/* The values bucket i holds, low..high inclusive (for reports that
 * carry the buckets so they can be merged later). */
void histogram_bucket(size_t i, int64_t *low, int64_t *high);
/* The bucket a value falls in. */
size_t histogram_index(int64_t value);

struct groups;

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
	uint64_t sitemaps_read;     /* sitemaps read whole (or to max_body) */
	uint64_t sitemaps_failed;   /* not read, or not to their end */
	uint64_t sitemap_urls;      /* pages the sitemaps queued */
	/* recrawl: conditional: the pages answered, by how they compared with
	 * their stored rows (the summary shows them when recrawl is set) */
	int recrawl;
	uint64_t recrawl_new, recrawl_changed, recrawl_unchanged;
	/* Every measured transfer that got a response.  In the open model
	 * from the scheduled start (corrected for coordinated omission),
	 * otherwise from the actual send. */
	struct histogram latency;
	struct histogram service;   /* open model: from the actual send */
	struct histogram lag;       /* open model: actual minus scheduled send */
	uint64_t sent, late, dropped; /* open model, measured part of the run */
	uint64_t warmup;            /* requests in the warmup, not counted */
	uint64_t bytes_out;         /* request headers and bodies */
	uint64_t bytes_in;          /* response headers and bodies */
	uint64_t connections;       /* opened */
	uint64_t in_flight, peak_in_flight;
	uint64_t status_counts[STATUS_CODES]; /* [0]: no response */
	struct groups *groups;      /* a load test: results by endpoint (groups.h);
	                               owned by whoever set it, not freed here */
	struct host_count *hosts;   /* only when a report is wanted */
	size_t host_count, host_cap;
	/* a job with proxies: the attempts each carried (retries and warmup
	 * too: what the proxy saw), by its name with the password masked */
	struct host_count *proxies;
	size_t proxy_count;
};

int stats_init(struct stats *s);
void stats_free(struct stats *s);
void stats_fail(struct stats *s, const char *reason);
/* Adds n to reason's entry of the list, made if new (a copy of reason);
 * out of memory the count is lost, nothing else. */
void reasons_add(struct reason_count **list, size_t *count, const char *reason, uint64_t n);
void stats_refuse(struct stats *s, const char *reason);
/* Counts a page of a recrawl by its class (record.h); RECRAWL_NONE: not. */
void stats_recrawl(struct stats *s, enum recrawl_class c);
void stats_status(struct stats *s, long status);
/* Counts a request against the host of url. */
void stats_host(struct stats *s, const char *url, int failed);

/* Makes the per-proxy counters, one per name (copied), in that order.
 * -1 without memory. */
int stats_proxies_init(struct stats *s, char *const *names, size_t n);
/* Adds n to the counters of the proxy named name, made if new (--merge);
 * out of memory the counts are lost. */
void stats_proxy_add(struct stats *s, const char *name, uint64_t requests, uint64_t failed);
/* The table of proxies under the summary, when the job had any. */
void stats_print_proxies(const struct stats *s, FILE *out);

/* The percentiles load-test reports show: 50, 75, 90, 95, 99, 99.9, 99.99. */
#define STATS_POINTS 7
extern const double stats_points[STATS_POINTS];

/* What a load-test summary says about the run besides its counters. */
struct load_facts {
	int open_model;
	const char *model;          /* how latency was measured, in words */
	const char *schedule;       /* e.g. "500/s constant" */
	int64_t warmup_ns;
};

/* The class a failure reason counts under in reports: "http 503" is
 * "http 5xx" (composed in buf), a bare curl message "other", the rest
 * (connect, timeout, reset, tls, ...) themselves. */
const char *stats_error_class(const char *reason, char *buf, size_t len);
/* Failures summed by class, largest first, at most max; the names the
 * entries point to live in names (composed ones) or in s. */
size_t stats_error_classes(const struct stats *s, struct reason_count *out, size_t max,
                           char names[][24]);

/* The summary printed at the end of a run; load, if not NULL, adds the
 * load-test lines. */
void stats_print_summary(const struct stats *s, double seconds, int interrupted,
                         const struct load_facts *load, FILE *out);

#endif
