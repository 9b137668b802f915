/* SPDX-License-Identifier: MIT */
/*
 * Start times of the open model.  The k-th start is where the integral of
 * the rate reaches a target: k itself for constant arrivals, a running sum
 * of exponential draws for Poisson ones (the time-rescaling view of a
 * Poisson process whose intensity follows the stages).  Each segment's
 * rate is linear, so its integral is a quadratic that is inverted in
 * closed form; the cursor only moves forward, so a start costs O(1).  A
 * segment of the job steps through the same global starts (the same draws)
 * and stops only at its own.
 */
#include <config.h>

#include "engine/schedule.h"

#include <math.h>
#include <stdlib.h>

static double area_of(const struct schedule_segment *g)
{
	if (isinf(g->t1))
		return g->r0 > 0 ? INFINITY : 0;
	return (g->r0 + g->r1) / 2 * (g->t1 - g->t0);
}

/* splitmix64: small, fast and good enough to draw arrival gaps */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* An exponential draw with mean 1. */
static double exponential(uint64_t *state)
{
	double u = (double)(next_random(state) >> 11) / 9007199254740992.0; /* [0, 1) */

	return -log1p(-u);
}

/* Places next_ns where the integral reaches s->due. */
static void place(struct schedule *s)
{
	while (s->cursor < s->count) {
		const struct schedule_segment *g = &s->segments[s->cursor];
		double rem = s->due - g->area0, area = area_of(g), x, a;

		if (rem >= area) {
			s->cursor++;
			continue;
		}
		a = isinf(g->t1) ? 0 : (g->r1 - g->r0) / (g->t1 - g->t0);
		if (fabs(a) < 1e-12) {
			x = rem / g->r0;
		} else {
			/* a/2 x^2 + r0 x = rem, in the form that keeps precision */
			double disc = g->r0 * g->r0 + 2 * a * rem;
			double denom = g->r0 + sqrt(disc > 0 ? disc : 0);
			x = denom > 0 ? 2 * rem / denom : 0;
		}
		if (x > g->t1 - g->t0)
			x = g->t1 - g->t0;
		s->next_ns = (int64_t)llround((g->t0 + x) * 1e9);
		return;
	}
	s->next_ns = SCHEDULE_END;
}

int schedule_init(struct schedule *s, const struct job *job)
{
	double t = 0, rate = job->rate, area = 0;
	size_t i;

	s->count = job->stage_count ? job->stage_count : 1;
	s->segments = calloc(s->count, sizeof *s->segments);
	if (!s->segments)
		return -1;
	if (!job->stage_count) {
		struct schedule_segment *g = &s->segments[0];
		g->t0 = 0;
		g->t1 = job->duration_ns ? (double)job->duration_ns / 1e9 : INFINITY;
		g->r0 = g->r1 = job->rate;
	}
	for (i = 0; i < job->stage_count; i++) {
		struct schedule_segment *g = &s->segments[i];
		g->t0 = t;
		g->t1 = t + (double)job->stages[i].duration_ns / 1e9;
		g->r0 = rate;
		g->r1 = job->stages[i].rate;
		g->area0 = area;
		area += area_of(g);
		t = g->t1;
		rate = g->r1;
	}
	s->cursor = 0;
	s->poisson = job->poisson;
	s->rng = job->seed;         /* drawn at load unless the job gave one */
	s->issued = 0;
	s->share.index = 0;
	s->share.count = 1;
	s->due = s->poisson ? exponential(&s->rng) : 0;
	place(s);
	return 0;
}

void schedule_free(struct schedule *s)
{
	free(s->segments);
	s->segments = NULL;
}

/* To the next start of the global schedule, whoever's it is. */
static void step(struct schedule *s)
{
	s->issued++;
	s->due += s->poisson ? exponential(&s->rng) : 1;
	place(s);
}

/* Past the starts of other segments, to this one's next. */
static void align(struct schedule *s)
{
	while (s->issued % s->share.count != s->share.index && s->next_ns != SCHEDULE_END)
		step(s);
}

void schedule_take_share(struct schedule *s, const struct segment *share)
{
	if (!segment_split(share))
		return;
	s->share = *share;
	align(s);
}

void schedule_advance(struct schedule *s)
{
	step(s);
	align(s);
}

/* The integral of the rate from 0 to t seconds: starts due before t. */
static double area_before(const struct schedule *s, double t)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		const struct schedule_segment *g = &s->segments[i];
		double x, a;

		if (t >= g->t1)
			continue;
		x = t > g->t0 ? t - g->t0 : 0;
		a = isinf(g->t1) ? 0 : (g->r1 - g->r0) / (g->t1 - g->t0);
		return g->area0 + g->r0 * x + a / 2 * x * x;
	}
	return s->count ? s->segments[s->count - 1].area0 + area_of(&s->segments[s->count - 1]) : 0;
}

/* schedule_skip over the global schedule: to the first start at or after
 * end_ns, whoever's it is. */
static void skip_global(struct schedule *s, int64_t end_ns)
{
	uint64_t n = 0;
	double left;

	if (s->poisson) {
		while (s->next_ns < end_ns && n < 1000000) {
			step(s);
			n++;
		}
		if (s->next_ns >= end_ns)
			return;
	}
	/* starts sit at due, due + 1, ... (constant) or about that densely
	 * (Poisson): those below the integral at the end are skipped */
	left = ceil(area_before(s, (double)end_ns / 1e9) - s->due);
	if (left > 0) {
		s->issued += (uint64_t)left;
		s->due += left;
	}
	if (s->poisson)
		s->due += exponential(&s->rng) - 1;
	place(s);
	/* rounding can leave the next start just short of the end */
	while (s->next_ns < end_ns)
		step(s);
}

uint64_t schedule_skip(struct schedule *s, int64_t end_ns)
{
	uint64_t first = s->issued;

	if (s->next_ns >= end_ns)
		return 0;
	skip_global(s, end_ns);
	align(s);
	return segment_owned_before(&s->share, s->issued) - segment_owned_before(&s->share, first);
}

double schedule_rate_at(const struct schedule *s, int64_t t_ns)
{
	double t = (double)t_ns / 1e9;
	size_t i;

	for (i = 0; i < s->count; i++) {
		const struct schedule_segment *g = &s->segments[i];
		/* a segment asks for its share, so the segments' rates add up */
		if (t >= g->t0 && t < g->t1)
			return (isinf(g->t1) ? g->r0 : g->r0 + (g->r1 - g->r0) * (t - g->t0) / (g->t1 - g->t0)) /
			       s->share.count;
	}
	return 0;
}
