/* SPDX-License-Identifier: MIT */
/*
 * How long to hold off a host: the server's Retry-After (in seconds or as
 * an HTTP date), the exponential back-off of retries, and the adaptive
 * per-host delay of autothrottle.  Plain functions of their arguments (the
 * time, the random state), so tests and the fuzz harness drive them
 * without a run.
 */
#ifndef SCRAPE_BACKOFF_H
#define SCRAPE_BACKOFF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/job.h"   /* struct autothrottle_settings */

/* A Retry-After value (the header's text after the colon, len bytes,
 * white space around it allowed): 0 and the wait in *delay_ns, counted
 * from now (seconds since the epoch) for a date; a date in the past waits
 * 0.  -1 when it is neither form. */
int retry_after_parse(const char *value, size_t len, time_t now, int64_t *delay_ns);

/* The wait before retry number `retry` (1 for the first) with
 * exponential back-off: d = min(cap, base * 2^(retry-1)), then "equal
 * jitter": d/2 plus a random 0..d/2 drawn from *state. */
int64_t backoff_exponential(int64_t base_ns, int64_t cap_ns, int retry, uint64_t *state);

/* A random number from a xorshift state (never 0). */
uint64_t backoff_random(uint64_t *state);

/* What one answer tells about its host's pace. */
struct host_answer {
	int64_t latency_ns;         /* the response's total time; -1: no response */
	long status;                /* 0: none */
	int overload;               /* 429, 5xx or a timeout: the host is struggling */
	int64_t retry_after_ns;     /* the wait its Retry-After asks for; -1: none */
};

/* A host's new delay between starts after an answer, from its current
 * one (see scrape-job(5), autothrottle). */
int64_t autothrottle_next(const struct autothrottle_settings *s, int64_t delay_ns,
                          const struct host_answer *a);

#endif
