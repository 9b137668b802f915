/* SPDX-License-Identifier: MIT */
/*
 * Segments: one job split over N processes (or machines) so that the N
 * runs together are exactly the job.  Every segment walks the same global
 * sequence (the open model's starts, the closed model's URLs) and takes
 * the items k with k mod N == index, so each one's pace stays smooth and
 * the union is the one-process run, item for item.  What cannot be
 * interleaved (workers, connection caps, rate limits) is divided: counts
 * with the remainder to the lowest segments, rates by N.  This is the API
 * a caller that hands out segments (the command line, or an agent) uses:
 * it fills a struct segment and a start time in struct run_settings.
 */
#ifndef SCRAPE_SEGMENT_H
#define SCRAPE_SEGMENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config/job.h"

/* index is 0-based (Kubernetes' JOB_COMPLETION_INDEX); users see index+1
 * ("--segment 1/3" is index 0).  count 0 or 1: the whole job. */
struct segment {
	unsigned index, count;
};

#define SEGMENT_MAX 10000
/* How far ahead --start-at may be. */
#define SEGMENT_START_MAX_NS (24LL * 3600 * 1000000000)
#define SEGMENT_HASH_LEN 17         /* 16 hex digits and the NUL */
#define SEGMENT_RUN_ID_MAX 64

static inline int segment_split(const struct segment *s)
{
	return s->count > 1;
}

/* Of total items, how many fall to segment s: total/N, plus one for the
 * lowest total%N segments. */
int64_t segment_share(const struct segment *s, int64_t total);
/* Of the items 0..end-1 of the global sequence, how many are s's. */
uint64_t segment_owned_before(const struct segment *s, uint64_t end);

/* "I/N" with 1 <= I <= N <= SEGMENT_MAX.  -1 with a reason in why. */
int segment_parse(const char *text, struct segment *s, const char **why);
/* "N" of --segments and the 0-based index from JOB_COMPLETION_INDEX. */
int segment_from_index(const char *count_text, const char *index_text, struct segment *s,
                       const char **why);

/* --start-at: an RFC 3339 time (2026-01-01T12:00:00Z, to the second) or
 * "+DURATION" from now_ns; CLOCK_REALTIME nanoseconds into *at_ns.  A time
 * in the past or more than SEGMENT_START_MAX_NS ahead is refused.  -1
 * with a reason in why (static text, or written into buf). */
int segment_parse_start(const char *text, int64_t now_ns, int64_t *at_ns, char *why, size_t len);
/* CLOCK_REALTIME in nanoseconds. */
int64_t segment_wall_ns(void);
/* Sleeps until the wall clock reaches at_ns, or *stop becomes non-zero. */
void segment_wait_until(int64_t at_ns, const volatile sig_atomic_t *stop);

/* The job's identity for --merge: a hash of the job as --dry-run prints
 * it, with a seed drawn at load (not given) counted as 0, so every
 * segment of one job file and command line gets the same one.  Call it
 * before segment_divide_job. */
void segment_job_hash(struct job *job, char out[SEGMENT_HASH_LEN]);
/* A run id from the start time and the job hash, the same for every
 * segment started for that time. */
void segment_run_id(int64_t start_at_ns, const char *job_hash, char *out, size_t len);
/* An id given by the user: letters, digits and . _ : - only, 1 to
 * SEGMENT_RUN_ID_MAX of them.  0 or -1. */
int segment_run_id_valid(const char *id);

/* Makes job segment s's part of it: workers, max_connections,
 * batch_size, per-host concurrency divided; rate limits divided by N,
 * per-host delays multiplied by N; a seed drawn at load replaced by one
 * from run_id (also for a job run whole), so the Poisson schedule and
 * random order are the same in every segment.  -1 with a one-line reason in err when the job cannot be
 * split so (a crawl, a count below N, a random job without a run id). */
int segment_divide_job(struct job *job, const struct segment *s, const char *run_id, char *err,
                       size_t errlen);

#endif
