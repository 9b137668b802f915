/* SPDX-License-Identifier: MIT */
/*
 * The HTML run report (--html FILE): one self-contained page with inline
 * SVG charts (latency percentile curve, rate and p50/p99 over time) and
 * the summary, status and error tables.  No scripts, no network: it opens
 * the same from a CI artifact store as from a laptop.  The run fills a
 * view of plain numbers and strings; this module only draws it.
 */
#ifndef SCRAPE_REPORT_HTML_H
#define SCRAPE_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>

/* A label and its already formatted value, e.g. {"p99", "12.3ms"}. */
struct html_pair {
	const char *label;
	const char *value;
};

/* One point of a percentile curve: percentile (0..100) and latency. */
struct html_point {
	double percentile;
	double seconds;
};

/* One second of the timeline (t counts from the start of measurement). */
struct html_second {
	double t;                   /* seconds since the start, e.g. 0, 1, 2 */
	uint64_t requests;          /* completed in that second */
	uint64_t errors;            /* of them failed */
	double p50, p99;            /* seconds; 0 when requests == 0 */
	double target_rate;         /* requests/s the schedule asked for in
	                               that second; 0: closed model */
	double seconds;             /* the time it covers: 1, less for a last,
	                               partial one; 0 counts as 1 */
};

/* A row of a count table: a status code, an error reason ... */
struct html_row {
	const char *label;
	uint64_t count;
};

/* One of the job's proxies: its name (password masked) and its attempts. */
struct html_proxy {
	const char *name;
	uint64_t requests, failed;
};

/* A load test's group of requests (an endpoint), for the table by group. */
struct html_group {
	const char *name;
	uint64_t requests, failed;
	int measured;               /* has latencies: the figures below are set */
	double p50, p90, p99, max;  /* seconds */
	const struct html_row *classes; /* failures by class, largest first */
	size_t class_count;
	/* its latency by percentile, drawn beside the run's when set (the
	 * view holds at most HTML_GROUP_CURVES of them) */
	const struct html_point *curve;
	size_t curve_count;
};

/* The percentile chart draws this many groups' curves at most: more
 * lines than colours one can tell apart help nobody. */
#define HTML_GROUP_CURVES 6

struct html_verdict {
	const char *text;           /* as written in the job, e.g. "p99 < 250ms" */
	const char *actual;         /* the measured value, formatted */
	int passed;
};

struct html_report_view {
	const char *title;          /* the job file, or "scrape run" */
	const char *subtitle;       /* e.g. "event, open model at 500/s, 10 s" */
	const char *finished_at;    /* ISO 8601 UTC */
	const char *version;        /* scrape's */

	const struct html_pair *summary;   /* headline figures, in order */
	size_t summary_count;

	/* Latency by percentile.  `latency` is measured from the intended
	 * start (open model) or equals service time (closed model);
	 * `service` is from the actual send and may be empty. */
	const struct html_point *latency;
	size_t latency_count;
	const struct html_point *service;
	size_t service_count;

	const struct html_second *timeline;
	size_t timeline_count;

	const struct html_row *statuses;   /* "200", "503", "no response" */
	size_t status_count;
	const struct html_row *errors;     /* by reason */
	size_t error_count;
	const struct html_verdict *thresholds;
	size_t threshold_count;
	const char *const *warnings;       /* plain sentences */
	size_t warning_count;
	const struct html_group *groups;   /* a table of them when two or more */
	size_t group_count;
	const struct html_proxy *proxies;  /* a table of them when the job had any */
	size_t proxy_count;
};

/* Writes the page to path atomically (a temporary file renamed into
 * place).  0, or -1 after printing "scrape: error: ..." to stderr. */
int html_report_write(const char *path, const struct html_report_view *view);

#endif
