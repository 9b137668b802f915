/* SPDX-License-Identifier: MIT */
/*
 * Live metrics: the run's figures in the Prometheus text format, served
 * over HTTP by --metrics-listen while the run goes.  A snapshot is a
 * plain value the engine fills under its lock (engine/run_report.c), so
 * the requests themselves never pay for it; metrics_text.c renders one
 * (no sockets, unit-tested), metrics.c is the server (libmicrohttpd,
 * linked into the scrape binary only).  Histograms use one fixed set of
 * bucket boundaries, the same in every run and on every machine, so
 * dashboards can add them up across load generators.
 */
#ifndef SCRAPE_METRICS_H
#define SCRAPE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "results/stats.h"
#include "util/buf.h"

/* Upper bounds of the histogram buckets, in seconds: 1-2-5 steps from
 * 100 us to 20 s, then 60 s (and +Inf).  Never change them: dashboards
 * add buckets of runs on many machines and of many days. */
#define METRICS_BOUNDS 18
extern const double metrics_bounds[METRICS_BOUNDS];

struct metrics_histogram {
	uint64_t le[METRICS_BOUNDS];    /* cumulative: values up to bound i */
	uint64_t count;                 /* all values (the +Inf bucket) */
	double sum_seconds;
};

/* A label value and its count (failure classes, refusal reasons). */
struct metrics_count {
	char *name;
	uint64_t count;
};

struct metrics_group {
	char *name;
	uint64_t requests, failed;
	struct metrics_count *classes;
	size_t class_count;
	struct metrics_histogram latency;
};

/* The run's figures at one moment.  Counters cover the measured part of
 * the run, as the final report does (the traffic counters the whole run). */
struct metrics_snapshot {
	int finished;               /* the run is over: these are its final figures */
	int open_model, crawl;
	double elapsed_seconds;
	double target_rate;         /* open model: what the schedule asks for now */
	double achieved_rate;       /* starts in the last whole second */
	uint64_t ok, failed, retries, sent, warmup;
	uint64_t bytes, bytes_in, bytes_out, connections;
	uint64_t in_flight, peak_in_flight, late, dropped;
	uint64_t robots_fetched, crawl_issued;
	uint64_t queue_length;      /* a crawl: links and requests waiting */
	uint64_t status_counts[STATUS_CODES];
	struct metrics_count *classes, *refusals;
	size_t class_count, refusal_count;
	struct metrics_group *groups;
	size_t group_count;
	struct metrics_histogram latency, service;
};

/* The run's histogram h (nanoseconds) in the fixed buckets.  A value
 * counts under the first bound at or above the upper end of the run's own
 * fine bucket it fell in (under 0.4% off). */
void metrics_histogram_of(struct metrics_histogram *out, const struct histogram *h);
/* Copies list (count entries) into *out; -1 out of memory. */
int metrics_counts_copy(struct metrics_count **out, size_t *out_count, const struct reason_count *list,
                        size_t count);
void metrics_snapshot_free(struct metrics_snapshot *s);
/* Appends s in the Prometheus text exposition format (version 0.0.4). */
void metrics_render(const struct metrics_snapshot *s, struct buf *out);

/* Fills out with the figures of now; 0, or -1 (then out is freed). */
typedef int (*metrics_snapshot_fn)(void *ctx, struct metrics_snapshot *out);

struct metrics_server;

/* Listens on spec, ADDRESS:PORT (an IPv4 address, [IPv6] or localhost;
 * port 0 picks a free one) and serves GET /metrics from its own thread.
 * NULL with a one-line reason in err. */
struct metrics_server *metrics_listen(const char *spec, char *err, size_t errlen);
/* Where it listens, e.g. "127.0.0.1:9100" or "[::1]:9100". */
const char *metrics_address(const struct metrics_server *m);
/* Serves snapshots of ctx from now on. */
void metrics_attach(struct metrics_server *m, metrics_snapshot_fn fn, void *ctx);
/* Takes the last snapshot, marked finished, and serves it from now on;
 * ctx may go away after this. */
void metrics_detach(struct metrics_server *m);
void metrics_close(struct metrics_server *m);

#endif
