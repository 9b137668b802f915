/* SPDX-License-Identifier: MIT */
/*
 * Dispatch: which request a strategy may start next, and when.  It owns
 * the sources of work (the frontier, the open model's schedule, the retry
 * queue, per-host queues) and the limits on handing it out (batches, the
 * run's rate limit, per-host turns), for the three models: closed (a
 * worker asks when it is free), per-host and open (the schedule says when).
 * It never reads a clock: every call is told the time, so tests drive it
 * with a fake one.  It does not lock either; the run holds its lock
 * around every call.
 */
#ifndef SCRAPE_DISPATCH_H
#define SCRAPE_DISPATCH_H

#include <stdatomic.h>
#include <stdint.h>
#include <scrape/plugin.h>

#include "engine/backoff.h"
#include "engine/frontier.h"
#include "engine/host_queues.h"
#include "config/job.h"
#include "engine/ratelimit.h"
#include "engine/request.h"
#include "engine/schedule.h"
#include "results/stats.h"
#include "results/timeline.h"

struct crawl_store;

struct dispatch {
	const struct job *job;
	struct scrape_run *run;     /* the owner, for each request's back pointer */
	struct frontier frontier;
	struct ratelimit limiter;
	struct schedule schedule;   /* open model: when each start is due */
	struct scrape_request *retry_head, *retry_tail;
	struct scrape_request *pending; /* taken from the frontier, not yet started */
	struct scrape_request *sitemap_head, *sitemap_tail; /* sitemaps to read, first */
	struct hosts *hosts;        /* per-host queues, when the job limits hosts */
	int64_t outstanding;        /* handed out (or queued) and not yet released */
	int64_t batch_started;      /* requests started in the current batch */
	uint64_t random;            /* the back-off's jitter */
	int64_t start_ns;           /* the run's start: the schedule and duration count from it */
	int64_t measure_ns;         /* measurement starts: start + warmup */
	struct stats *stats;        /* the run's: starts, lag, late, drops, retries */
	struct timeline *timeline;  /* the run's: starts per second */
	atomic_int *stopping;       /* set when memory runs out */
	uint64_t proxy_turn;        /* proxy_rotation round_robin: attempts handed out */
	uint64_t proxy_rng;         /* proxy_rotation random: splitmix64 state */
	size_t lookahead_bytes;     /* url_file lines' own requests waiting in host queues */
};

/* robots: the host queues' robots.txt callbacks, used when the crawl obeys
 * robots.txt; store: the crawl's store (frontier_init), or NULL.  -1 with a
 * message in err. */
int dispatch_init(struct dispatch *d, const struct job *job, struct scrape_run *run,
                  struct stats *stats, struct timeline *timeline, atomic_int *stopping,
                  const struct hosts_callbacks *robots, struct crawl_store *store,
                  char *err, size_t errlen);
/* A segment of the job: only its share of the schedule's starts and of
 * the URLs (segment.h).  Before dispatch_start. */
void dispatch_take_share(struct dispatch *d, const struct segment *share);
/* Sets when the run started (its duration, schedule and warmup count from then). */
void dispatch_start(struct dispatch *d, int64_t start_ns);
/* Frees every request still queued, then the sources. */
void dispatch_free(struct dispatch *d);

/* READY with *req handed out at now; WAIT until *not_before_ns (-1: until
 * something in flight is released); DONE when no work is left. */
enum scrape_next dispatch_next(struct dispatch *d, struct scrape_request **req,
                               int64_t *not_before_ns, int64_t now);
/* What an answer to req, at now, says about its host's pace: a Retry-After
 * pauses the host, autothrottle adapts its delay.  Only with host queues. */
void dispatch_observe(struct dispatch *d, struct scrape_request *req, const struct host_answer *a,
                      int64_t now);
/* Queues req, which failed at now with answer a (NULL: none, e.g. its
 * worker died), for another attempt: after the Retry-After a asks for,
 * else after retry_delay, fixed or backing off exponentially (which also
 * pauses its host).  It stays outstanding. */
void dispatch_retry(struct dispatch *d, struct scrape_request *req, const struct host_answer *a,
                    int64_t now);
/* A redirect's next hop (a strategy with its own transport): req leaves
 * the strategy's hands and its host, and waits in the queue like a retry
 * due now, without counting as one.  It stays outstanding. */
void dispatch_redirect(struct dispatch *d, struct scrape_request *req, int64_t now);
/* req is done with (recorded): its host slot and its outstanding count
 * are freed.  The caller frees req. */
void dispatch_release(struct dispatch *d, struct scrape_request *req);

/* A sitemap to read (req->sitemap set): it goes out before the next URL
 * of the frontier, and counts as outstanding until it is released. */
void dispatch_add_sitemap(struct dispatch *d, struct scrape_request *req);

/* A request for url at depth, first attempt; NULL without memory. */
struct scrape_request *dispatch_request_new(struct dispatch *d, const char *url, int depth);
void dispatch_request_free(struct scrape_request *req);

/* The second of the timeline a time falls in (second 0 starts the
 * measurement). */
size_t dispatch_second_of(const struct dispatch *d, int64_t t);

#endif
