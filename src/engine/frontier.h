/* SPDX-License-Identifier: MIT */
/*
 * The frontier: where the URLs of a run come from, in order.  The job's
 * `urls` list and then its `url_file` make one pass; `repeat` makes that
 * many passes.  The URL file is streamed, one line at a time, so its size
 * does not matter; a pipe or standard input is read once, checked as it
 * goes, and ends the seeds when it ends.  When crawling, links found in
 * responses join a queue behind the seeds (breadth first), each once: a
 * crawl store (crawl_store.h) keeps the queue and the fingerprints of the
 * canonical URLs seen, in memory or, for a crawl that resumes, in a file.
 * Callers serialise access (the run's lock).
 */
#ifndef SCRAPE_FRONTIER_H
#define SCRAPE_FRONTIER_H

#include <stdint.h>
#include <stdio.h>

#include "config/job.h"
#include "engine/segment.h"

struct seen;
struct crawl_store;
struct crawl_offer;

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
	int64_t issued;             /* URLs handed out, seeds and links (a segment:
	                               of the whole job, its own and the others') */
	struct segment share;       /* a segment of the job: its URLs of the sequence */
	unsigned share_skip;        /* the others' URLs still to pass before the next */
	char error[600];            /* set if the URL file failed mid-run */
	/* crawling */
	struct crawl_store *store;  /* the seen set and the queue of links */
	struct seen *seed_hosts;    /* hosts of the seeds, for same_host */
	size_t queued;              /* links waiting in the store's queue */
	int last_depth;             /* depth of the URL frontier_next returned */
	uint64_t last_lease;        /* and its entry in the crawl store (0: none) */
	const char *last_name;      /* and the name its urls entry gives it, or NULL */
	/* and its own request, or NULL; a url_file line's is valid only until
	 * the next call (last_request_transient) */
	const struct job_url_request *last_request;
	int last_request_transient;
	int64_t checkpoint_ns;      /* a persistent crawl: the last checkpoint */
	int64_t unsaved;            /* pages done since then */
};

/* store: where a crawl keeps its queue and seen set, owned by the
 * frontier from now on; NULL for the in-memory one.  A persistent store
 * is adopted: a new one gets the seeds, one from an earlier run of the
 * same crawl goes on where it stopped.  -1 with a message in err. */
int frontier_init(struct frontier *f, const struct job *job, struct crawl_store *store,
                  char *err, size_t errlen);
void frontier_free(struct frontier *f);
/* The next URL (valid until the next call), its depth in f->last_depth
 * and, when crawling, its entry in the store in f->last_lease, the name
 * its urls entry gives it in f->last_name; NULL when there is nothing
 * right now (f->error says whether that was an I/O failure).  A
 * crawl hands out each seed once, however often it is listed. */
const char *frontier_next(struct frontier *f);
/* A segment of the job (not a crawl): from now on the frontier hands out
 * the URLs k of the job's sequence with k mod count == index, so the
 * segments together fetch the job's URLs in the job's order. */
void frontier_take_share(struct frontier *f, const struct segment *share);
/* Nothing more will come: the seeds are used up and no link waits (links
 * may still arrive from transfers in flight). */
int frontier_done(const struct frontier *f);
/* A shared crawl's store says the crawl may go on elsewhere: when to ask
 * again, in nanoseconds from now; -1 when only this process's own work
 * can bring more. */
int64_t frontier_retry_ns(const struct frontier *f);
/* A shared crawl: a page's links at once (frontier.store->ops->offer). */
int frontier_offer(struct frontier *f, const struct crawl_offer *items, size_t n, int *fresh);
/* A shared crawl: a URL handed out that this process will not finish
 * (the run stopped) goes back for the other processes. */
int frontier_release(struct frontier *f, uint64_t lease);
/* Marks a canonical URL as seen: 1 if it is new, 0 if it was seen
 * before, -1 on failure (out of memory, or the state file failed: see
 * frontier_store_error).  Every URL is marked before it is queued or
 * refused, so each is counted once. */
int frontier_mark_seen(struct frontier *f, const char *canonical);
/* The crawl's budget (max_pages) is spent: no more pages will be handed
 * out. */
int frontier_budget_spent(const struct frontier *f);
/* The job's duration is over: hand out nothing more. */
void frontier_expire(struct frontier *f);
/* A URL handed out (lease: frontier.last_lease when it was, 0 when not
 * crawling) was not fetched after all (robots.txt refused it): it does not
 * count against max_pages. */
int frontier_give_back(struct frontier *f, uint64_t lease);
/* A link frontier_mark_seen found seen before, met again at depth: a
 * queued one keeps the shorter path. */
void frontier_seen_again(struct frontier *f, const char *canonical, int depth);
/* Queues a link (already marked seen) at depth.  -1 on failure. */
int frontier_add(struct frontier *f, const char *canonical, int depth);
/* A persistent crawl: a page's record was kept in the state; whether the
 * state is due to be made durable (a few times a second, or every few
 * hundred pages); and that it was, at now_ns. */
void frontier_page_kept(struct frontier *f);
int frontier_checkpoint_due(const struct frontier *f, int64_t now_ns);
void frontier_checkpointed(struct frontier *f, int64_t now_ns);
/* Why the crawl's store failed. */
const char *frontier_store_error(const struct frontier *f);

#endif
