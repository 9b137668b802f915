/* SPDX-License-Identifier: MIT */
/*
 * What the files of the shared crawl store share: the store's state and
 * the calls that copy the connection's error into it.  Private to
 * crawl_store_redis*.c.
 */
#ifndef SCRAPE_CRAWL_STORE_REDIS_PRIVATE_H
#define SCRAPE_CRAWL_STORE_REDIS_PRIVATE_H

#include <signal.h>
#include <stdint.h>

#include "config/job.h"
#include "engine/crawl_store.h"
#include "util/buf.h"
#include "util/redis.h"

/* URLs taken from Redis at a time, at most. */
#define WINDOW_MAX 256

struct window_entry {
	uint64_t lease;
	int depth;
	char *url;
};

struct redis_store {
	struct crawl_store base;    /* first: the store's operations cast it back */
	const volatile sig_atomic_t *interrupted; /* the run's signal flag */
	const struct frontier_settings *cfg;
	int64_t max_pages;
	int64_t delay_ms;           /* per_host.delay */
	int64_t concurrency;        /* per_host.concurrency, 0: none */
	struct redis_conn *conn;
	struct window_entry window_rows[WINDOW_MAX];
	size_t window_len, window_next, window_want;
	char *returned;
	/* leases held by this process, for extension; and acknowledgements
	 * not yet sent ("done", "refused" or "release" each) */
	uint64_t *held;
	size_t held_count, held_cap;
	struct buf acks;            /* "d ID\n", "r ID\n", "x ID\n" lines */
	struct buf items;           /* records for KEY_PREFIX:items, a line each */
	int64_t retry_ms;           /* when pop found nothing: ask again after this */
	int over;                   /* the last pop saw the whole crawl over */
	int seeds_waiting;          /* the last pop saw seeds in P:start_urls */
};

static inline struct redis_store *of(struct crawl_store *s)
{
	return (struct redis_store *)s;
}


/* The connection's calls, with its error copied to the store's. */
int crawl_redis_failure(struct redis_store *r, const char *what, const char *why);
redisReply *crawl_redis_command(struct redis_store *r, const char *what, int argc,
                                const char **argv, const size_t *lens);
redisReply *crawl_redis_script(struct redis_store *r, int argc, const char **argv,
                               const size_t *lens);

/* The crawl's identity and the robots.txt cache (crawl_store_redis_meta.c). */
int crawl_redis_adopt(struct crawl_store *s, const struct crawl_identity *id);
int crawl_redis_robots_get(struct crawl_store *s, const char *origin, long *status, char **body,
                           size_t *len);
int crawl_redis_robots_put(struct crawl_store *s, const char *origin, long status,
                           const char *body, size_t len, int64_t crawl_delay_ns);

#endif
