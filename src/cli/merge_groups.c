/* SPDX-License-Identifier: MIT */
/*
 * The groups of --merge: each report's "groups" array is read into a
 * table of its own (a name met twice, or past the cap, adds up), checked
 * like the run's figures (each count against its buckets), and added to
 * the merge by name once the whole report has read, every sum checked
 * for overflow; the merged groups print as a run's do.
 */
#include <config.h>

#include "cli/merge_private.h"

#include <stdint.h>
#include <string.h>

#include "results/groups.h"

/* n failures of class cls into g, refused past the counters' range. */
static int add_class(struct merged *m, struct group *g, const char *cls, uint64_t n)
{
	size_t k;

	for (k = 0; k < g->class_count; k++)
		if (strcmp(g->classes[k].reason, cls) == 0 && g->classes[k].count > UINT64_MAX - n)
			return merge_refuse(m, "groups.failed_by_class adds up to more than " COUNT_MAX);
	group_count_class(g, cls, n);
	return 0;
}

/* {"class": n, ...} of one group into g. */
static int read_classes(struct json_reader *r, struct merged *m, struct group *g)
{
	const char *key;
	char cls[64];
	size_t len;
	uint64_t n;
	int more;

	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, &len)) == 1) {
		if (!len || len >= sizeof cls || memchr(key, '\0', len))
			return merge_refuse(m, "groups.failed_by_class: a class is empty, too long or has a NUL character");
		memcpy(cls, key, len);
		cls[len] = '\0';
		if (json_read_count(r, &n) < 0 || add_class(m, g, cls, n) < 0)
			return -1;
	}
	return more;
}

/* A group's counters, statuses and failure classes into another's. */
static int add_group_counts(struct merged *m, struct group *into, const struct group *from)
{
	size_t k;

	if (merge_add_count(m, &into->requests, from->requests, "groups.requests") < 0 ||
	    merge_add_count(m, &into->failed, from->failed, "groups.failed") < 0 ||
	    merge_add_count(m, &into->late, from->late, "groups.late") < 0)
		return -1;
	for (k = 0; k < STATUS_CODES; k++)
		if (merge_add_count(m, &into->status_counts[k], from->status_counts[k], "groups.status_counts") < 0)
			return -1;
	for (k = 0; k < from->class_count; k++)
		if (add_class(m, into, from->classes[k].reason, from->classes[k].count) < 0)
			return -1;
	return 0;
}

/* A histogram of a read report into the merge's: as histogram_merge,
 * with every count checked for overflow. */
static int add_buckets(struct merged *m, struct histogram *into, const struct histogram *from,
                       const char *what)
{
	size_t k;

	for (k = 0; k < HISTOGRAM_BUCKETS; k++)
		if (from->counts[k] && merge_add_count(m, &into->counts[k], from->counts[k], what) < 0)
			return -1;
	if (merge_add_count(m, &into->total, from->total, what) < 0)
		return -1;
	into->sum += from->sum;
	into->sumsq += from->sumsq;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	return 0;
}

/* One object of "groups" into groups: its counts, statuses, failure
 * classes and histograms, with the mean and stddev from its summaries
 * (add_histogram). */
static int read_group_into(struct json_reader *r, struct merged *m, struct groups *groups,
                           struct group *g)
{
	struct group *into;
	struct summary latency, service;
	const char *key, *text;
	char name[GROUP_NAME_MAX];
	size_t len;
	int more, named = 0, index;

	memset(g, 0, sizeof *g);
	histogram_init(&g->latency);
	histogram_init(&g->service);
	memset(&latency, 0, sizeof latency);
	memset(&service, 0, sizeof service);
	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, NULL)) == 1) {
		int rc, seen = 0;

		if (strcmp(key, "name") == 0) {
			if (json_read_string(r, &text, &len) < 0)
				return -1;
			if (!len || len >= sizeof name || memchr(text, '\0', len))
				return merge_refuse(m, "groups: a name is empty, too long or has a NUL character");
			memcpy(name, text, len);
			name[len] = '\0';
			named = 1;
			continue;
		}
		if (strcmp(key, "requests") == 0)
			rc = json_read_count(r, &g->requests);
		else if (strcmp(key, "failed") == 0)
			rc = json_read_count(r, &g->failed);
		else if (strcmp(key, "late") == 0)
			rc = json_read_count(r, &g->late);
		else if (strcmp(key, "status_counts") == 0)
			rc = merge_read_statuses(r, m, g->status_counts);
		else if (strcmp(key, "failed_by_class") == 0)
			rc = read_classes(r, m, g);
		else if (strcmp(key, "latency_seconds") == 0)
			rc = merge_read_summary(r, m, &latency);
		else if (strcmp(key, "service_time_seconds") == 0)
			rc = merge_read_summary(r, m, &service);
		else if (strcmp(key, "latency_histogram") == 0)
			rc = merge_read_histogram(r, m, &g->latency, &seen);
		else if (strcmp(key, "service_time_histogram") == 0)
			rc = merge_read_histogram(r, m, &g->service, &seen);
		else
			rc = json_skip(r, NULL, NULL);
		if (rc < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	if (!named)
		return merge_refuse(m, "groups: a group has no name");
	if ((index = groups_find(groups, name, len, NULL)) < 0)
		return merge_refuse(m, "out of memory");
	into = groups->items[index];
	/* a name met again (or past the cap, "other") adds up; add_histogram
	 * checks each count against its buckets and keeps the mean and
	 * stddev exact */
	if (add_group_counts(m, into, g) < 0 ||
	    merge_add_histogram(m, &into->latency, &g->latency, &latency, "groups.latency_seconds") < 0 ||
	    merge_add_histogram(m, &into->service, &g->service, &service, "groups.service_time_seconds") < 0)
		return -1;
	return 0;
}

/* read_group_into with g's classes freed, whatever the outcome: g is a
 * scratch group, used again for the next object. */
static int read_group(struct json_reader *r, struct merged *m, struct groups *groups,
                      struct group *g)
{
	int rc = read_group_into(r, m, groups, g);

	group_free_classes(g);
	return rc;
}

int merge_read_groups(struct json_reader *r, struct merged *m, struct groups **groups,
                      struct group *scratch)
{
	int more;

	if (!*groups && !(*groups = groups_new()))
		return merge_refuse(m, "out of memory");
	if (json_array_begin(r) < 0)
		return -1;
	while ((more = json_array_next(r)) == 1)
		if (read_group(r, m, *groups, scratch) < 0)
			return -1;
	return more;
}

int merge_add_groups(struct merged *m, const struct groups *from)
{
	struct groups *g = m->stats.groups;
	size_t i;

	if (!from)
		return 0;
	if (!g && !(g = m->stats.groups = groups_new()))
		return merge_refuse(m, "out of memory");
	for (i = 0; i < from->count; i++) {
		const struct group *e = from->items[i];
		int index = groups_find(g, e->name, strlen(e->name), NULL);
		struct group *into;

		if (index < 0)
			return merge_refuse(m, "out of memory");
		into = g->items[index];
		if (add_group_counts(m, into, e) < 0 ||
		    add_buckets(m, &into->latency, &e->latency, "groups.latency_seconds") < 0 ||
		    add_buckets(m, &into->service, &e->service, "groups.service_time_seconds") < 0)
			return -1;
	}
	return 0;
}
