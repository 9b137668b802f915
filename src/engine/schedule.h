/* SPDX-License-Identifier: MIT */
/*
 * The open model's clock: when each request is meant to start, whatever
 * the server does.  The rate is a piecewise-linear function of time (a
 * constant `rate`, or `stages` ramping from one rate to the next); starts
 * are spaced evenly along its integral (constant arrivals) or drawn as a
 * Poisson process with that intensity.  Times are nanoseconds from the
 * start of the run.
 */
#ifndef SCRAPE_SCHEDULE_H
#define SCRAPE_SCHEDULE_H

#include <stdint.h>

#include "config/job.h"
#include "engine/segment.h"

#define SCHEDULE_END INT64_MAX

struct schedule_segment {
	double t0, t1;              /* seconds from the start; t1 may be +inf */
	double r0, r1;              /* requests/s at t0 and at t1 */
	double area0;               /* requests due before t0 */
};

struct schedule {
	struct schedule_segment *segments;
	size_t count;
	size_t cursor;              /* the segment of the last answer */
	int poisson;
	uint64_t rng;
	double due;                 /* the integral the next start sits at */
	int64_t next_ns;            /* when the next start is due; SCHEDULE_END */
	uint64_t issued;            /* starts of the global schedule passed */
	struct segment share;       /* this process's starts: issued mod count == index */
};

/* -1: out of memory. */
int schedule_init(struct schedule *s, const struct job *job);
void schedule_free(struct schedule *s);
/* From now on the schedule answers only segment share's starts of the
 * job's global schedule (every count-th, from the index-th): call it
 * right after schedule_init. */
void schedule_take_share(struct schedule *s, const struct segment *share);
/* Moves on to this process's start after next_ns. */
void schedule_advance(struct schedule *s);
/* Moves past every start due before end_ns without handing them out and
 * returns how many of them were this process's: exact for constant arrivals in O(stages),
 * for Poisson ones exact up to a million and expected beyond, so a long
 * backlog costs no time. */
uint64_t schedule_skip(struct schedule *s, int64_t end_ns);
/* The rate the schedule asks for at t_ns, in requests/s (a segment's
 * share of the job's). */
double schedule_rate_at(const struct schedule *s, int64_t t_ns);

#endif
