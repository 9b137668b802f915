/* SPDX-License-Identifier: MIT */
/*
 * The progress line: done/total, rate, errors and ETA on stderr, redrawn
 * four times a second by a small thread of its own, so every strategy gets
 * it for free.  Cleared when the run ends.  It reads the run's figures
 * through a snapshot the engine fills under its lock, never the run.
 */
#ifndef SCRAPE_PROGRESS_H
#define SCRAPE_PROGRESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct job;
struct progress;

/* The live figures the line shows, as they are at one moment. */
struct progress_snapshot {
	uint64_t done;              /* requests finished, failed ones too */
	uint64_t failed;
	size_t queued;              /* URLs waiting (a crawl without a total) */
	int64_t elapsed_ns;         /* since the run started */
};

/* Fills out; called with *lock held. */
typedef void (*progress_snapshot_fn)(void *ctx, struct progress_snapshot *out);

/* Starts drawing the line for job.  lock is the lock the caller prints
 * its per-download lines under: each redraw takes it (so the two never
 * interleave) and calls snapshot(ctx) while holding it. */
struct progress *progress_start(const struct job *job, pthread_mutex_t *lock,
                                progress_snapshot_fn snapshot, void *ctx);
void progress_stop(struct progress *p);
/* Erases the line before other output; call with that lock held (the
 * next redraw then waits until the caller's line is out). */
void progress_erase(struct progress *p);

#endif
