/* SPDX-License-Identifier: MIT */
/*
 * Per-second counters and percentiles.  A second's percentiles are taken
 * when the first completion of a later second arrives (or at the end), and
 * the histogram is cleared for the next one.  Seconds with no completions
 * keep zero percentiles.  Running out of memory only shortens the timeline.
 * A new second covers a whole one until timeline_cover trims the last.
 */
#include <config.h>

#include "results/timeline.h"

#include <stdlib.h>
#include <string.h>

void timeline_init(struct timeline *t)
{
	memset(t, 0, sizeof *t);
	histogram_init(&t->current);
}

void timeline_free(struct timeline *t)
{
	free(t->seconds);
	t->seconds = NULL;
	t->count = t->cap = 0;
}

/* Makes second index exist; 0, or -1 if memory ran out. */
static int reach(struct timeline *t, size_t index)
{
	if (index >= 10000000)
		return -1;              /* over 115 days: stop growing */
	if (index >= t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		struct timeline_second *grown;

		while (cap <= index)
			cap *= 2;
		grown = realloc(t->seconds, cap * sizeof *grown);
		if (!grown)
			return -1;
		memset(grown + t->cap, 0, (cap - t->cap) * sizeof *grown);
		t->seconds = grown;
		t->cap = cap;
	}
	while (t->count <= index)
		t->seconds[t->count++].seconds = 1;
	return 0;
}

/* Takes the percentiles of the second being filled and clears it. */
static void settle(struct timeline *t)
{
	if (t->current.total && t->current_index < t->count) {
		struct timeline_second *s = &t->seconds[t->current_index];
		s->p50_ns = histogram_percentile(&t->current, 50);
		s->p99_ns = histogram_percentile(&t->current, 99);
	}
	if (t->current.total)
		histogram_init(&t->current);
}

void timeline_sent(struct timeline *t, size_t index)
{
	if (reach(t, index) == 0)
		t->seconds[index].sent++;
}

void timeline_done(struct timeline *t, size_t index, int64_t latency_ns, int failed)
{
	if (reach(t, index) < 0)
		return;
	if (index > t->current_index) {
		settle(t);
		t->current_index = index;
	}
	t->seconds[index].requests++;
	t->seconds[index].errors += failed != 0;
	/* a completion that lags behind the current second (it cannot, while
	 * completions are counted in time order) still counts, unmeasured */
	if (latency_ns >= 0 && index == t->current_index)
		histogram_record(&t->current, latency_ns);
}

void timeline_close(struct timeline *t)
{
	settle(t);
}

/* Shorter than this, a second's rate would be one completion over almost
 * nothing: a millisecond keeps it finite. */
#define MIN_COVERED 0.001

void timeline_cover(struct timeline *t, int64_t span_ns)
{
	double span = (double)span_ns / 1e9, left;
	size_t i;

	if (span_ns <= 0)
		return;
	for (i = 0; i < t->count; i++) {
		left = span - (double)i;
		t->seconds[i].seconds = left >= 1 ? 1 : left > MIN_COVERED ? left : MIN_COVERED;
	}
}
