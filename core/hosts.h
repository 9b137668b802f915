/* SPDX-License-Identifier: MIT */
/*
 * Per-host limits: requests wait in one queue per host (scheme, host and
 * port) and start only while that host has fewer than `concurrency`
 * transfers in flight and its own rate limit allows.  Hosts take turns, so
 * one slow or limited host does not hold up the others.  Callers serialise
 * access (the run's lock).
 */
#ifndef SCRAPE_HOSTS_H
#define SCRAPE_HOSTS_H

#include <stddef.h>
#include <stdint.h>

struct scrape_request;
struct hosts;

struct host_limits {
	int64_t concurrency;        /* 0: no cap */
	double rate;                /* starts per second; 0: no limit */
	int64_t burst;
};

struct hosts *hosts_create(const struct host_limits *limits);
void hosts_free(struct hosts *h);

/* Queues req for its host (at the front for a retry).  -1: no memory. */
int hosts_enqueue(struct hosts *h, struct scrape_request *req, int front);
/* The next request some host may start at now, counted as in flight; NULL
 * if none may.  *wait_ns: when a rate limit opens next, or -1 if only a
 * finished transfer can help. */
struct scrape_request *hosts_pick(struct hosts *h, int64_t now, int64_t *wait_ns);
/* A request of this host is no longer in flight. */
void hosts_release(struct hosts *h, struct scrape_request *req);
/* Requests waiting in queues. */
size_t hosts_queued(const struct hosts *h);
/* Takes any queued request out (end of a stopped run); NULL when empty. */
struct scrape_request *hosts_take_any(struct hosts *h);

#endif
