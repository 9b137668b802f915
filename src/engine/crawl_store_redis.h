/* SPDX-License-Identifier: MIT */
/*
 * The shared crawl store (frontier.redis): one crawl, several processes,
 * through a Redis server.  See crawl_store_redis.c for the keys and what
 * each guarantees.
 */
#ifndef SCRAPE_CRAWL_STORE_REDIS_H
#define SCRAPE_CRAWL_STORE_REDIS_H

#include <signal.h>
#include <stddef.h>

#include "config/job.h"
#include "engine/crawl_store.h"

/* Connects to the job's Redis (frontier.redis), logs in and loads the
 * scripts; interrupted: the run's signal flag, which cuts short a wait
 * for a server that went away.  NULL with a one-line message in err: the
 * server cannot be reached, refuses the password, or is not Redis. */
struct crawl_store *crawl_store_redis(const struct job *job, const volatile sig_atomic_t *interrupted,
                                      char *err, size_t errlen);

/* A record for KEY_PREFIX:items (frontier.items), sent at the next commit. */
int crawl_store_redis_item(struct crawl_store *s, const char *line, size_t len);

#endif
