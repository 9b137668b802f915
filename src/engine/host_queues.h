/* SPDX-License-Identifier: MIT */
/*
 * Per-host limits: requests wait in one queue per host (scheme, host and
 * port) and start only while that host has fewer than `concurrency`
 * transfers in flight and its own rate limit allows.  Hosts take turns, so
 * one slow or limited host does not hold up the others.  Callers serialise
 * access (the run's lock).
 */
#ifndef SCRAPE_HOST_QUEUES_H
#define SCRAPE_HOST_QUEUES_H

#include <stddef.h>
#include <stdint.h>

#include "config/job.h"   /* struct host_limits */
#include "engine/backoff.h"
#include "results/run_result.h" /* struct host_delay */

struct scrape_request;
struct hosts;

/* What the host queues need from the run when robots.txt is obeyed. */
struct hosts_callbacks {
	void *ctx;
	/* A new internal request for url (the robots.txt of a host). */
	struct scrape_request *(*make_request)(void *ctx, const char *url);
	/* A queued request that will not be fetched, with the reason. */
	void (*refuse)(void *ctx, struct scrape_request *req, const char *reason);
	/* A robots.txt answer kept from an earlier run (a resumed crawl) or
	 * by another process (a shared one), so it is not fetched again: 1
	 * with *status and *body (malloc'd, the caller frees it), 0 when there
	 * is none (fetch it), 2 when another process is fetching it (ask
	 * again soon).  May be NULL. */
	int (*cached)(void *ctx, const char *origin, long *status, char **body, size_t *len);
	/* The rules of a host came from a robots.txt found (2xx), fetched or
	 * kept: body is that file, for its Sitemap lines.  May be NULL. */
	void (*rules_read)(void *ctx, const char *origin, const char *body, size_t len);
	const char *product;        /* our user-agent token for robots.txt groups */
	int64_t max_crawl_delay_ns;
};

/* throttle NULL or not enabled: no autothrottle; robots NULL: robots.txt
 * is not consulted. */
struct hosts *hosts_create(const struct host_limits *limits,
                           const struct autothrottle_settings *throttle,
                           const struct hosts_callbacks *robots);
void hosts_free(struct hosts *h);

/* Queues req for its host (at the front for a retry).  -1: no memory. */
int hosts_enqueue(struct hosts *h, struct scrape_request *req, int front);
/* The next request some host may start at now, counted as in flight; NULL
 * if none may.  *wait_ns: when a rate limit opens next, or -1 if only a
 * finished transfer can help. */
struct scrape_request *hosts_pick(struct hosts *h, int64_t now, int64_t *wait_ns);
/* A request of this host is no longer in flight. */
void hosts_release(struct hosts *h, struct scrape_request *req);
/* The robots.txt request of a host came back: status 2xx parses body,
 * 4xx allows everything, anything else (5xx, no answer) disallows all. */
void hosts_robots_done(struct hosts *h, struct scrape_request *req, long status, const char *body,
                       size_t len);
/* req's host starts nothing before until_ns (a Retry-After, a back-off). */
void hosts_pause(struct hosts *h, struct scrape_request *req, int64_t until_ns);
/* autothrottle: req's host adapts its delay to the answer a (with -v a
 * line says when it changed much). */
void hosts_throttle(struct hosts *h, struct scrape_request *req, const struct host_answer *a);
/* autothrottle: each host's delay, at most max of them in out; how many
 * hosts there are. */
size_t hosts_throttled(const struct hosts *h, struct host_delay *out, size_t max);
/* Whether url's robots.txt lets it be fetched, as far as is known now: 1
 * yes, 0 no, -1 not known (its host's robots.txt is not in yet, or
 * robots.txt is not consulted). */
int hosts_robots_verdict(struct hosts *h, const char *url);
/* Requests waiting in queues. */
size_t hosts_queued(const struct hosts *h);
/* Takes any queued request out (end of a stopped run); NULL when empty. */
struct scrape_request *hosts_take_any(struct hosts *h);

#endif
