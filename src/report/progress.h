/* SPDX-License-Identifier: MIT */
/*
 * The progress line: done/total, rate, errors and ETA on stderr, redrawn
 * four times a second by a small thread of its own, so every strategy gets
 * it for free.  Cleared when the run ends.
 */
#ifndef SCRAPE_PROGRESS_H
#define SCRAPE_PROGRESS_H

struct scrape_run;
struct progress;

struct progress *progress_start(struct scrape_run *run);
void progress_stop(struct progress *p);
/* Erases the line before other output; call with the run's lock held (the
 * next redraw then waits until the caller's line is out). */
void progress_erase(struct progress *p);

#endif
