/* SPDX-License-Identifier: MIT */
/*
 * GCRA rate limiting.  Scheduling from the theoretical arrival time rather
 * than from "now" keeps the long-run rate exact even when the caller asks
 * a little late each time, which a sleep-based limiter would lose.
 */
#include <config.h>

#include "engine/ratelimit.h"

#define CATCH_UP_NS 20000000   /* 20 ms */

void ratelimit_init(struct ratelimit *r, double per_second, int64_t burst)
{
	r->interval_ns = per_second > 0 ? (int64_t)(1e9 / per_second) : 0;
	if (r->interval_ns == 0 && per_second > 0)
		r->interval_ns = 1;
	r->tolerance_ns = burst > 1 ? (burst - 1) * r->interval_ns : 0;
	r->next_ns = 0;
}

int64_t ratelimit_take(struct ratelimit *r, int64_t now)
{
	int64_t earliest;

	if (r->interval_ns == 0)
		return 0;
	if (r->next_ns == 0)
		r->next_ns = now;
	earliest = r->next_ns - r->tolerance_ns;
	if (now < earliest)
		return earliest;
	/* A caller that wakes a little late keeps its place in the schedule,
	 * or sleep granularity would shave a few percent off every rate; a
	 * long stall is forgiven only up to CATCH_UP_NS, so it cannot turn
	 * into a large burst. */
	if (r->next_ns < now - CATCH_UP_NS)
		r->next_ns = now - CATCH_UP_NS;
	r->next_ns += r->interval_ns;
	return 0;
}

int64_t ratelimit_peek(const struct ratelimit *r, int64_t now)
{
	int64_t earliest;

	if (r->interval_ns == 0 || r->next_ns == 0)
		return 0;
	earliest = r->next_ns - r->tolerance_ns;
	return now < earliest ? earliest : 0;
}
