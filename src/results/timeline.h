/* SPDX-License-Identifier: MIT */
/*
 * The per-second timeline of a run: requests sent and completed, errors
 * and p50/p99 latency for each second of the measured part.  Completions
 * arrive in time order (they are counted under the run's lock as they
 * happen), so one histogram for the current second suffices: memory grows
 * by a few dozen bytes a second, not by a histogram a second.  The last
 * second is usually cut short by the end of the run; once the run's
 * measured span is known, timeline_cover says how much of it each second
 * covers, so readers can turn counts into rates without a false plunge.
 */
#ifndef SCRAPE_TIMELINE_H
#define SCRAPE_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "results/stats.h"

struct timeline_second {
	uint64_t sent;              /* requests started in that second */
	uint64_t requests;          /* completed in that second */
	uint64_t errors;            /* of them failed */
	int64_t p50_ns, p99_ns;     /* latency of those completed */
	double target_rate;         /* open model: what the schedule asked for */
	double seconds;             /* the time it covers: 1, less for a last,
	                               partial one (see timeline_cover) */
};

struct timeline {
	struct timeline_second *seconds;
	size_t count, cap;
	struct histogram current;   /* latencies of the second being filled */
	size_t current_index;
};

void timeline_init(struct timeline *t);
void timeline_free(struct timeline *t);
/* A request started in second index. */
void timeline_sent(struct timeline *t, size_t index);
/* A request completed in second index with this latency (-1: none). */
void timeline_done(struct timeline *t, size_t index, int64_t latency_ns, int failed);
/* Closes the last second; call once the run is over. */
void timeline_close(struct timeline *t);
/* The measured part lasted span_ns: the seconds it cut short cover only
 * the part of them before its end (at least a millisecond, so a rate
 * stays finite); every second covers 1 until this is called.  A span of
 * 0 or less (unknown) leaves them all whole. */
void timeline_cover(struct timeline *t, int64_t span_ns);

#endif
