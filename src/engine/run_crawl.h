/* SPDX-License-Identifier: MIT */
/*
 * The crawl's side of a run: following links within scope, robots.txt
 * for the host queues and sitemaps (run_crawl.c); the state file of a
 * resumable crawl and the Redis store of a shared one (run_crawl_store.c).
 * Callers hold the run's lock.
 */
#ifndef SCRAPE_RUN_CRAWL_H
#define SCRAPE_RUN_CRAWL_H

#include "engine/run.h"

/* The crawl cannot go on without its store (out of memory, or the state
 * file failed): said once, and the run stops. */
void crawl_store_failed(struct scrape_run *run);
/* The robots.txt request of a host (hosts_callbacks.make_request). */
struct scrape_request *crawl_make_robots_request(void *ctx, const char *url);
/* A robots.txt kept by a resumable crawl (hosts_callbacks.cached). */
int crawl_cached_robots(void *ctx, const char *origin, long *status, char **body, size_t *len);
/* A queued URL robots.txt disallows (hosts_callbacks.refuse). */
void crawl_refuse_queued(void *ctx, struct scrape_request *req, const char *reason);
/* The links found on a page at depth - 1: each queued if in scope and
 * new, else refused (counted) or dropped (seen before). */
void crawl_discover(struct scrape_run *run, const char *const *links, size_t n, int depth);
/* A robots.txt answer: rules for its host, no record. */
void crawl_record_robots(struct scrape_run *run, struct scrape_request *req,
                         struct request_result *res);

/* Sitemaps (crawl.sitemaps, crawl.sitemap_urls): */
/* The job's sitemap_urls, queued to be read first.  Before the run
 * starts.  -1 with a message in err. */
int crawl_start_sitemaps(struct scrape_run *run, char *err, size_t errlen);
/* The Sitemap lines of a robots.txt found (hosts_callbacks.rules_read). */
void crawl_robots_sitemaps(void *ctx, const char *origin, const char *body, size_t len);
/* A sitemap read (or not): its pages seeded at depth 0 through the
 * scope, robots.txt and the seen set, its sitemaps queued, what it could
 * not give said; no record. */
void crawl_record_sitemap(struct scrape_run *run, struct scrape_request *req,
                          struct request_result *res);

/* A resumable crawl (crawl.state): */
/* Whether the run keeps its crawl in a state file. */
int crawl_persistent(const struct scrape_run *run);
/* The records' file of a resumed crawl: opened where the state left it,
 * and the records the state kept but may not have written, written.
 * Before any fetch.  -1 with a message in err. */
int crawl_open_output(struct scrape_run *run, char *err, size_t errlen);
/* A final result: the page is done and its record kept in the state, to
 * be written at the next checkpoint; a result cut short by a stop is not
 * a record (the page is fetched again when the crawl resumes). */
void crawl_keep_record(struct scrape_run *run, struct scrape_request *req,
                       const struct request_result *res);
/* Makes the state durable, then writes and syncs the records kept, when
 * it is due (force: now); a shared crawl sends what it batched.  0, or -1
 * when it failed (said; the run stops). */
int crawl_checkpoint(struct scrape_run *run, int force);

/* A crawl shared through Redis (frontier.redis): */
int crawl_shared(const struct scrape_run *run);
/* A final result: 1 when it is a record to write (the page is acknowledged
 * done, and pushed to KEY_PREFIX:items if asked), 0 when it was cut short
 * by a stop (the page goes back to the other processes). */
int crawl_share_record(struct scrape_run *run, struct scrape_request *req,
                       const struct request_result *res);
/* The thread that, while transfers run, keeps this process's leases from
 * expiring (a third of frontier.lease apart).  Lock not held. */
int crawl_keeper_start(struct scrape_run *run);
void crawl_keeper_stop(struct scrape_run *run);

#endif
