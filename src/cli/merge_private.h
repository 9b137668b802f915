/* SPDX-License-Identifier: MIT */
/*
 * What the parts of --merge share (merge.c reads and adds the reports,
 * merge_reasons.c keeps the reasons, merge_groups.c the groups): the
 * merge's state and the checked readers and adders of merge.c.
 */
#ifndef SCRAPE_MERGE_PRIVATE_H
#define SCRAPE_MERGE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "util/json.h"
#include "results/stats.h"
#include "cli/merge_reasons.h"

#define COUNT_MAX "18446744073709551615"

struct part;
struct group;
struct groups;

/* A distribution's summary, in seconds. */
struct summary {
	uint64_t count;
	double min, mean, stddev, max;
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
};
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

#endif
