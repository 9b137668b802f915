/* SPDX-License-Identifier: MIT */
/*
 * The crawl's side of a run (run_crawl.c): following links within scope, and
 * robots.txt for the host queues.  Callers hold the run's lock.
 */
#ifndef SCRAPE_RUN_CRAWL_H
#define SCRAPE_RUN_CRAWL_H

#include "engine/run.h"

/* The robots.txt request of a host (hosts_callbacks.make_request). */
struct scrape_request *crawl_make_robots_request(void *ctx, const char *url);
/* A queued URL robots.txt disallows (hosts_callbacks.refuse). */
void crawl_refuse_queued(void *ctx, struct scrape_request *req, const char *reason);
/* A link found on a page at depth - 1: queued if in scope, else refused. */
void crawl_discover(struct scrape_run *run, const char *link, int depth);
/* A robots.txt answer: rules for its host, no record. */
void crawl_record_robots(struct scrape_run *run, struct scrape_request *req,
                         struct request_result *res);

#endif
