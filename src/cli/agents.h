/* SPDX-License-Identifier: MIT */
/*
 * Ad-hoc clusters over Redis, for users without Kubernetes: `scrape agent
 * --redis URL` waits for work (agent.c), and `scrape -c JOB --agents URL
 * --agents-count N` hands the job out in N segments, draws one progress
 * line for the cluster and merges the reports into one verdict
 * (agents.c).  The keys both sides use, all under AGENTS_PREFIX and each
 * with a TTL, so a run that died cannot confuse the next:
 *   agent:ID          "idle" or "busy RUN", refreshed by the agent's heartbeat
 *   assign:ID         "RUN INDEX COUNT START_NS", set by the controller
 *   job:RUN           hash: name (the job file's name), text
 *   events:RUN        stream: per-second figures, reports and errors
 *   report:RUN:INDEX  a segment's JSON report
 *   stop:RUN          set when the controller is stopped: agents stop the run
 */
#ifndef SCRAPE_AGENTS_H
#define SCRAPE_AGENTS_H

#include <hiredis.h>

#include "cli/args.h"
#include "report/metrics.h"
#include "util/redis.h"

#define AGENTS_PREFIX "scrape:agents:"
/* An agent whose heartbeat is older than this is gone. */
#define AGENT_TTL_SECONDS 5
#define AGENT_TTL_TEXT "5"
/* How long a run's keys (job, events, reports) outlive it at most. */
#define AGENTS_RUN_TTL_SECONDS 3600
#define AGENTS_RUN_TTL_TEXT "3600"

/* Runs one segment as `scrape -c ... --segment --start-at --run-id
 * --report` would; its exit status. */
typedef int (*agent_run_fn)(const struct cli *cli, void *ctx);

/* scrape agent: serves jobs until SIGINT/SIGTERM; 0, or 2 when Redis
 * cannot be reached at the start. */
int agent_serve(const struct cli *cli, agent_run_fn run, void *ctx);
/* scrape -c JOB --agents URL --agents-count N: the merged verdict's exit
 * status, EXIT_INCOMPLETE when a segment did not report. */
int agents_control(const struct cli *cli);

/* While an agent runs a segment: where its per-second figures come from
 * (a run's run_metrics_snapshot).  No-ops outside an agent. */
void agent_feed_attach(metrics_snapshot_fn fn, void *ctx);
void agent_feed_detach(void);

/* Both sides: a connection to the Redis of option's URL, opened; NULL
 * after a one-line message. */
struct redis_conn *agents_connect(const char *option, const char *text, struct redis_url *url);
/* A command of NULL-terminated text arguments; its reply or NULL. */
redisReply *agents_call(struct redis_conn *c, const char *first, ...) __attribute__((sentinel));
/* Like agents_call, and the reply freed: 0, or -1 when it failed. */
int agents_do(struct redis_conn *c, const char *first, ...) __attribute__((sentinel));

/* A file's whole text (NUL-terminated, *len bytes), or NULL. */
char *agents_read_file(const char *path, size_t *len);

#endif
