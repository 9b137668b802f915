/* SPDX-License-Identifier: MIT */
/*
 * Request-start rate limiting across the whole run, as a generic cell rate
 * algorithm: equivalent to a token bucket of `burst` tokens refilled at
 * `rate`, but kept as one timestamp, so it needs no refill ticks.
 */
#ifndef SCRAPE_RATELIMIT_H
#define SCRAPE_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	int64_t interval_ns;        /* 0: unlimited */
	int64_t tolerance_ns;       /* (burst - 1) intervals */
	int64_t next_ns;            /* theoretical arrival time of the next start */
};

void ratelimit_init(struct ratelimit *r, double per_second, int64_t burst);
/* 0 if a request may start at now (and takes the slot), otherwise the
 * earliest time it may. */
int64_t ratelimit_take(struct ratelimit *r, int64_t now);
/* The same answer without taking the slot. */
int64_t ratelimit_peek(const struct ratelimit *r, int64_t now);

#endif
