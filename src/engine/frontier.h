/* SPDX-License-Identifier: MIT */
/*
 * The frontier: where the URLs of a run come from, in order.  The job's
 * `urls` list and then its `url_file` make one pass; `repeat` makes that
 * many passes.  The URL file is streamed, one line at a time, so its size
 * does not matter; a pipe or standard input is read once, checked as it
 * goes, and ends the seeds when it ends.  When crawling, links found in responses join a queue
 * behind the seeds (breadth first), each once: a set of fingerprints of
 * canonical URLs remembers what was queued.  Callers serialise access (the
 * run's lock).
 */
#ifndef SCRAPE_FRONTIER_H
#define SCRAPE_FRONTIER_H

#include <stdint.h>
#include <stdio.h>

#include "config/job.h"

struct seen;

struct frontier {
	const struct job *job;
	int64_t pass;               /* 0-based repeat pass */
	size_t list_index;          /* next item of job->urls */
	struct job_url_reader file; /* url_file during a pass (file.f set) */
	int stream_ended;           /* a streamed url_file was read to its end */
	int64_t stream_urls;        /* URLs the stream gave */
	int exhausted;              /* seeds used up */
	int cycle;                  /* a load test: passes until duration/requests end */
	int expired;                /* the duration is over */
	int64_t weight_used;        /* of the current list URL, in order */
	uint64_t *cumulative;       /* random order: cumulative weights */
	uint64_t total_weight;
	uint64_t rng;
	int64_t issued;             /* URLs handed out, seeds and links */
	char error[600];            /* set if the URL file failed mid-run */
	/* crawling */
	struct seen *seen;          /* canonical URLs queued so far */
	struct frontier_link *head, *tail;
	struct frontier_link *returned; /* the last link handed out */
	size_t queued;
	int last_depth;             /* depth of the URL frontier_next returned */
};

struct frontier_link {
	struct frontier_link *next;
	int depth;
	char url[];
};

/* -1 if memory for the crawl's seen set could not be had. */
int frontier_init(struct frontier *f, const struct job *job);
void frontier_free(struct frontier *f);
/* The next URL (valid until the next call) and its depth in
 * f->last_depth, or NULL when there is nothing right now; f->error says
 * whether that was an I/O failure. */
const char *frontier_next(struct frontier *f);
/* Nothing more will come: the seeds are used up and no link waits (links
 * may still arrive from transfers in flight). */
int frontier_done(const struct frontier *f);
/* Marks a canonical URL as seen: 1 if it is new, 0 if it was seen
 * before, -1 out of memory.  Every URL is marked before it is queued or
 * refused, so each is counted once. */
int frontier_mark_seen(struct frontier *f, const char *canonical);
/* The job's duration is over: hand out nothing more. */
void frontier_expire(struct frontier *f);
/* A URL handed out was not fetched after all (robots.txt refused it): it
 * does not count against max_pages. */
void frontier_give_back(struct frontier *f);
/* Queues a link (already marked seen) at depth.  -1: out of memory. */
int frontier_add(struct frontier *f, const char *canonical, int depth);

#endif
