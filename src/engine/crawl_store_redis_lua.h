/* SPDX-License-Identifier: MIT */
/*
 * The shared crawl store's server-side scripts (crawl_store_redis_lua.c),
 * by index, for loading and EVALSHA.
 */
#ifndef SCRAPE_CRAWL_STORE_REDIS_LUA_H
#define SCRAPE_CRAWL_STORE_REDIS_LUA_H

enum {
	CRAWL_REDIS_OFFER,          /* a page's links: seen, queued */
	CRAWL_REDIS_POP,            /* URLs whose hosts may start now, leased */
	CRAWL_REDIS_ACK,            /* pages done, refused or released */
	CRAWL_REDIS_EXTEND,         /* leases renewed */
	CRAWL_REDIS_ADOPT,          /* the crawl's identity, taken or compared */
	CRAWL_REDIS_SEEDS,          /* seeds taken off P:start_urls */
	CRAWL_REDIS_SCRIPTS
};

extern const char *const crawl_redis_scripts[CRAWL_REDIS_SCRIPTS];

#endif
