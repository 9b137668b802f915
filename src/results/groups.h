/* SPDX-License-Identifier: MIT */
/*
 * Per-endpoint results of a load test ("groups"): a request belongs to
 * the group its urls entry names, or else to its method and URL without
 * the query ("GET http://h/item").  Each group counts its requests,
 * failures, statuses and the same histograms as the run, so groups of
 * several reports merge exactly.  The table is capped: past GROUPS_MAX
 * names a request joins the group "other".  Entries never move once
 * made, so a request may keep a pointer to its group's name.
 */
#ifndef SCRAPE_GROUPS_H
#define SCRAPE_GROUPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results/stats.h"

#define GROUPS_MAX 100
#define GROUP_OTHER "other"
#define GROUP_NAME_MAX 1024     /* longer derived names are cut here */
#define GROUP_CLASSES_MAX 32    /* failure classes a group tells apart */

struct group {
	char *name;
	uint64_t requests, failed;  /* measured requests, as the run counts them */
	uint64_t late;              /* open model: starts that left late */
	struct reason_count *classes; /* failures by class (stats_error_class), */
	size_t class_count;         /* at most GROUP_CLASSES_MAX, then "other" */
	uint64_t status_counts[STATUS_CODES];
	struct histogram latency;
	struct histogram service;   /* open model only, as the run's */
};

struct groups {
	struct group *items[GROUPS_MAX + 1]; /* the last one only for "other" */
	size_t count;
	int overflowed;             /* a name was sent to "other" for the cap */
	uint32_t index[512];        /* 1 + item by hash of the name; 0: empty */
};

struct groups *groups_new(void);
void groups_free(struct groups *g);
/* The group named name (the first len bytes), made if new: its index,
 * or that of "other" past the cap (*capped then set, if not NULL, the
 * first time); -1 when out of memory. */
int groups_find(struct groups *g, const char *name, size_t len, int *capped);
/* The group by name, or NULL. */
const struct group *groups_get(const struct groups *g, const char *name);
/* A request's group when its entry gives no name: the method, a space and
 * the URL without its query and fragment, at most len - 1 bytes. */
size_t groups_default_name(char *out, size_t len, const char *method, const char *url);
/* Counts n failures of class cls (stats_error_class's names) in g's
 * classes; failed is the caller's to count. */
void group_count_class(struct group *g, const char *cls, uint64_t n);
/* Frees a group's classes (a group made outside a table). */
void group_free_classes(struct group *g);
/* Adds from's counts and histograms into into (same name). */
void group_add(struct group *into, const struct group *from);
/* A compact table by group on out, for two groups or more. */
void groups_print(const struct groups *g, int open_model, FILE *out);

#endif
