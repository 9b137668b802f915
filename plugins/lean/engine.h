/* SPDX-License-Identifier: MIT */
/*
 * One lean event loop: a thread's share of the job's transfer places, its
 * connections (a keep-alive pool per host), and one I/O layer.  The
 * strategy runs one loop per thread; loops share nothing but the core.
 */
#ifndef LEAN_ENGINE_H
#define LEAN_ENGINE_H

#include <scrape/plugin.h>

#include "io.h"

struct lean_loop;

/* NULL (logged) when the loop cannot be set up.  pipeline: requests one
 * keep-alive connection carries at once (1: no pipelining). */
struct lean_loop *lean_loop_new(const struct scrape_host *host, struct scrape_run *run,
                                const struct io_ops *ops, unsigned slots, unsigned pipeline);
/* Runs until next() says DONE and nothing is in flight, or the run stops;
 * 0, or -1 after logging why the loop failed. */
int lean_loop_run(struct lean_loop *loop);
void lean_loop_free(struct lean_loop *loop);

#endif
