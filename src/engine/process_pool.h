/* SPDX-License-Identifier: MIT */
/*
 * Worker processes for process-based strategies.  The parent keeps all of
 * the run's state (frontier, limits, retries, records, statistics) and
 * hands requests to forked workers over a socketpair; each worker performs
 * its transfers on its own easy handle, runs the parsers, and sends back a
 * finished, encoded result.  So a process pool has exactly the semantics
 * of the other strategies, rate limits included.
 */
#ifndef SCRAPE_PROCESS_POOL_H
#define SCRAPE_PROCESS_POOL_H

#include <scrape/plugin.h>

struct scrape_worker;

/* The host calls (see struct scrape_host). */
struct scrape_worker *worker_spawn(struct scrape_run *run);
int worker_fd(const struct scrape_worker *w);
int worker_busy(const struct scrape_worker *w);
enum scrape_next worker_dispatch(struct scrape_run *run, struct scrape_worker *w,
                                 int64_t *not_before_ns);
int worker_service(struct scrape_run *run, struct scrape_worker *w);
void worker_stop(struct scrape_run *run, struct scrape_worker *w);

#endif
