/* SPDX-License-Identifier: MIT */
/*
 * The table of groups: at most GROUPS_MAX names and "other", found by a
 * small open-addressing index (a load test has a handful of endpoints,
 * the cap keeps a URL file of distinct URLs from growing it), and the
 * text table printed under a load test's summary.
 */
#include <config.h>

#include "results/groups.h"

#include <stdlib.h>
#include <string.h>

#include "config/job.h"
#include "config/units.h"
#include "util/buf.h"

#define INDEX_SIZE (sizeof ((struct groups *)0)->index / sizeof ((struct groups *)0)->index[0])

struct groups *groups_new(void)
{
	return calloc(1, sizeof(struct groups));
}

void groups_free(struct groups *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->count; i++) {
		group_free_classes(g->items[i]);
		free(g->items[i]->name);
		free(g->items[i]);
	}
	free(g);
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

/* The slot of name in the index: its entry's, or the empty one it goes in. */
static size_t slot(const struct groups *g, const char *name, size_t len)
{
	size_t i;

	for (i = hash(name, len) & (INDEX_SIZE - 1); g->index[i]; i = (i + 1) & (INDEX_SIZE - 1)) {
		const char *have = g->items[g->index[i] - 1]->name;
		if (strncmp(have, name, len) == 0 && have[len] == '\0')
			break;
	}
	return i;
}

static int add(struct groups *g, size_t at, const char *name, size_t len)
{
	struct group *e = calloc(1, sizeof *e);

	if (!e || !(e->name = strndup(name, len))) {
		free(e);
		return -1;
	}
	histogram_init(&e->latency);
	histogram_init(&e->service);
	g->items[g->count] = e;
	g->index[at] = (uint32_t)++g->count;
	return (int)g->count - 1;
}

int groups_find(struct groups *g, const char *name, size_t len, int *capped)
{
	size_t at = slot(g, name, len);

	if (g->index[at])
		return (int)g->index[at] - 1;
	/* "other" always has its place, past the cap too */
	if (g->count >= GROUPS_MAX && !(len == strlen(GROUP_OTHER) && memcmp(name, GROUP_OTHER, len) == 0)) {
		if (!g->overflowed && capped)
			*capped = 1;
		g->overflowed = 1;
		return groups_find(g, GROUP_OTHER, strlen(GROUP_OTHER), NULL);
	}
	return add(g, at, name, len);
}

const struct group *groups_get(const struct groups *g, const char *name)
{
	size_t at;

	if (!g)
		return NULL;
	at = slot(g, name, strlen(name));
	return g->index[at] ? g->items[g->index[at] - 1] : NULL;
}

size_t groups_default_name(char *out, size_t len, const char *method, const char *url)
{
	/* the job checks a threshold's group by the same rule */
	return job_group_name(out, len, method, url);
}

void group_count_class(struct group *g, const char *cls, uint64_t n)
{
	size_t i;

	/* classes are a short fixed vocabulary, but a plugin's own reasons
	 * are not: past the cap they join "other" */
	for (i = 0; i < g->class_count && strcmp(g->classes[i].reason, cls) != 0; i++)
		;
	if (i == g->class_count && g->class_count >= GROUP_CLASSES_MAX)
		cls = "other";
	reasons_add(&g->classes, &g->class_count, cls, n);
}

void group_free_classes(struct group *g)
{
	size_t i;

	for (i = 0; i < g->class_count; i++)
		free(g->classes[i].reason);
	free(g->classes);
	g->classes = NULL;
	g->class_count = 0;
}

void group_add(struct group *into, const struct group *from)
{
	size_t i;

	for (i = 0; i < from->class_count; i++)
		group_count_class(into, from->classes[i].reason, from->classes[i].count);
	into->requests += from->requests;
	into->failed += from->failed;
	into->late += from->late;
	for (i = 0; i < STATUS_CODES; i++)
		into->status_counts[i] += from->status_counts[i];
	histogram_merge(&into->latency, &from->latency);
	histogram_merge(&into->service, &from->service);
}

void groups_print(const struct groups *g, int open_model, FILE *out)
{
	static const double points[] = { 50, 90, 99 };
	size_t i, j, width = 5;
	char name[80], v[32];

	if (!g || g->count < 2)
		return;
	for (i = 0; i < g->count; i++) {
		size_t w = strlen(visible(name, sizeof name, g->items[i]->name));
		if (w > width)
			width = w;
	}
	fprintf(out, "  %-*s %9s %7s %9s %9s %9s %9s%s\n", (int)width, "group", "requests", "failed",
	        "p50", "p90", "p99", "max", open_model ? "      late" : "");
	for (i = 0; i < g->count; i++) {
		const struct group *e = g->items[i];

		/* names come from URL files: escaped, they cannot drive the terminal */
		fprintf(out, "  %-*s %9llu %7llu", (int)width, visible(name, sizeof name, e->name),
		        (unsigned long long)e->requests, (unsigned long long)e->failed);
		for (j = 0; j < sizeof points / sizeof points[0]; j++) {
			if (e->latency.total)
				units_format_duration(histogram_percentile(&e->latency, points[j]), v, sizeof v);
			else
				snprintf(v, sizeof v, "-");
			fprintf(out, " %9s", v);
		}
		if (e->latency.total)
			units_format_duration(e->latency.max, v, sizeof v);
		else
			snprintf(v, sizeof v, "-");
		fprintf(out, " %9s", v);
		if (open_model)
			fprintf(out, " %9llu", (unsigned long long)e->late);
		fputc('\n', out);
	}
}
