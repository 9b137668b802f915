/* SPDX-License-Identifier: MIT */
/*
 * What the parts of --merge share (merge_read.c reads a report, merge.c
 * adds the reports up, merge_reasons.c keeps the reasons, merge_groups.c
 * the groups): the merge's state, one report's part, and the checked
 * readers and adders.
 */
#ifndef SCRAPE_MERGE_PRIVATE_H
#define SCRAPE_MERGE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "util/json.h"
#include "results/stats.h"
#include "results/timeline.h"
#include "cli/merge_reasons.h"

#define COUNT_MAX "18446744073709551615"

struct group;
struct groups;

/* A distribution's summary, in seconds. */
struct summary {
	uint64_t count;
	double min, mean, stddev, max;
};


#define MERGE_SEGMENTS_MAX 10000
/* A day and more of seconds; a timeline value (seconds, rate) above this
 * is not a report's. */
#define MERGE_TIMELINE_MAX 200000
#define MAX_TIMELINE_VALUE 1e12

/* Which run, job and segment a report is (segments: 0 for a whole run). */
struct segment_id {
	char run_id[80];
	char job_hash[24];
	uint64_t segment, segments;
};

/* A report's top-level counters and where they add up in struct stats. */
#define MERGE_COUNTERS 12
struct merge_counter {
	const char *key;
	size_t offset;
};
extern const struct merge_counter merge_counters[MERGE_COUNTERS];

/* What one report says, before it is added to the merge. */
struct part {
	uint64_t schema;
	int open, interrupted;
	uint64_t counters[MERGE_COUNTERS];
	uint64_t status[STATUS_CODES];
	struct histogram latency, service; /* counts and total from the buckets */
	int has_latency, has_service;
	int recrawl;                /* has the recrawl member: */
	uint64_t recrawl_counts[3]; /* unchanged, changed, new */
	struct summary latency_sum, service_sum, lag_sum;
	double seconds, rate;
	struct groups *groups;      /* "groups", when the report has them */
	struct group *scratch;      /* the group being read */
	struct host_count *proxies; /* "proxies", when the run had them */
	size_t proxy_count;
	struct segment_id id;       /* run_id, job_hash, segment, segments */
	struct timeline timeline;   /* "timeline" */
};

struct merged {
	struct stats stats;
	struct reasons reasons, refusals; /* failed_by_reason, refused_by_reason */
	double seconds, rate;
	int interrupted, open_model;
	size_t reports;
	struct part *part;
	const char *member;         /* the top-level member being read */
	char why[256];
	struct segment_id first_id; /* the first report's, which the others must match */
	char first_path[160];
	const char **segment_paths; /* segments: the report of each, or NULL */
	struct timeline timeline;   /* the reports' timelines, second by second */
};
/* merge_read.c: the whole document into p; -1 with m->why set. */
int merge_read_report(struct merged *m, struct part *p, const char *text, size_t len);
/* Sets m->why; -1. */
int merge_refuse(struct merged *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* {"count":..,"min":..,"mean":..,"stddev":..,"max":..} into s. */
int merge_read_summary(struct json_reader *r, struct merged *m, struct summary *s);
/* {"unit":"ns","buckets":[...]} added into h; *seen set. */
int merge_read_histogram(struct json_reader *r, struct merged *m, struct histogram *h, int *seen);
/* {"200": n, ...} added into counts[STATUS_CODES]. */
int merge_read_statuses(struct json_reader *r, struct merged *m, uint64_t *counts);
/* *into += n, refused on overflow. */
int merge_add_count(struct merged *m, uint64_t *into, uint64_t n, const char *what);
/* from's buckets into h, min, max, mean and stddev from sum. */
int merge_add_histogram(struct merged *m, struct histogram *h, const struct histogram *from,
                        const struct summary *sum, const char *what);

/* A report's "groups" array into *groups (made if NULL), scratch the room
 * to read one group in. */
int merge_read_groups(struct json_reader *r, struct merged *m, struct groups **groups,
                      struct group *scratch);
/* A read report's groups into the merge's (m->stats.groups), by name. */
int merge_add_groups(struct merged *m, const struct groups *from);

/* Whether a top-level member is one of a report's identity (run_id,
 * job_hash, segment, segments), and reading it into id. */
int merge_is_identity(const char *key);
int merge_read_identity(struct json_reader *r, struct merged *m, struct segment_id *id,
                        const char *key);
/* A read report's identity against the reports before it (path names it
 * in messages and must outlive the merge); then whether all segments came. */
int merge_check_segment(struct merged *m, const struct segment_id *id, const char *path);
int merge_check_complete(struct merged *m);
/* A report's "timeline" into t, and t added into m->timeline. */
int merge_read_timeline(struct json_reader *r, struct merged *m, struct timeline *t);
int merge_add_timeline(struct merged *m, const struct timeline *from);

#endif
