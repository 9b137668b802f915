/* SPDX-License-Identifier: MIT */
/*
 * A run: one job executed by one strategy.  The run owns everything that
 * must behave the same whatever the strategy: the frontier, batches, the
 * rate limit, retries, the parsers, records, outputs and statistics.  The
 * host table (host.c) exposes its work loop to strategy plugins.
 */
#ifndef SCRAPE_RUN_H
#define SCRAPE_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <scrape/plugin.h>

#include "util/buf.h"
#include "engine/dispatch.h"
#include "engine/transfer.h"
#include "engine/record_make.h"
#include "engine/frontier.h"
#include "config/job.h"
#include "engine/ratelimit.h"
#include "engine/schedule.h"
#include "engine/segment.h"
#include "results/run_result.h"
#include "results/stats.h"
#include "results/timeline.h"

struct progress;
struct scrape_worker;

struct run_settings {
	int quiet;                  /* no per-download lines */
	int verbose;
	int json;                   /* the summary as JSON */
	int silent;                 /* no summary at all (--compare runs) */
	const char *report_path;    /* --report FILE.json */
	const char *html_path;      /* --html FILE.html */
	const char *job_path;       /* for the report */
	int progress;               /* draw a progress line on stderr */
	FILE *lines;                /* where per-download lines and the summary go */
	/* Several processes running one job (segment.h): which part this is
	 * (the job already divided by segment_divide_job), when to start
	 * (CLOCK_REALTIME ns; 0: at once), and what ties the parts together
	 * in the reports for --merge. */
	struct segment segment;
	int64_t start_at_ns;
	const char *run_id;         /* NULL: none */
	const char *job_hash;       /* segment_job_hash; NULL: not worked out */
};

struct seen;

struct scrape_run {
	const struct job *job;
	struct run_settings settings;
	const struct parser_instance *parsers;
	size_t parser_count;

	pthread_mutex_t lock;       /* guards everything below */
	pthread_cond_t news;        /* a transfer finished, or the run stops */
	struct strategy_fact facts[SCRAPE_FACTS_MAX]; /* host->describe */
	size_t fact_count;
	struct dispatch dispatch;   /* sources, queues and limits of the work */
	char product[64];           /* our user-agent token, for robots.txt */
	struct seen *sitemaps_seen; /* sitemaps queued, each read once */
	int64_t sitemap_count;      /* and how many */
	struct stats stats;
	struct timeline timeline;   /* per second of the measured part */
	int64_t measure_ns;         /* measurement starts: start + warmup */
	int timekeeper;             /* open model: a worker waits for the next start */
	double cpu_start, main_cpu_start; /* process and main-thread CPU seconds */
	struct output *output;      /* records, or NULL */
	int output_failed;
	int lines_failed;           /* the per-download lines could not be written */
	uint64_t local_failed;      /* failed here ("local: ..."), not at the target */
	int64_t start_ns;
	int64_t end_ns;             /* when the strategy returned */
	struct progress *progress;
	/* multiprocess: the live worker processes (process_pool.c), so a new one
	 * can close its siblings' sockets; only the strategy's thread */
	struct scrape_worker *workers;

	struct transfer_settings fetch;
	/* Set under the lock but read without it (strategy threads, curl's
	 * progress callback): atomic, release on store, acquire on load. */
	atomic_int stopping;

	/* a shared crawl: the thread that keeps its leases alive (run_crawl.c) */
	pthread_t keeper;
	int keeper_running;
	pthread_cond_t keeper_wake;
};

/* Set by the signal handlers; the run polls it. */
extern volatile sig_atomic_t run_signal;

int run_init(struct scrape_run *run, const struct job *job, const struct parser_instance *parsers,
             size_t parser_count, const struct run_settings *settings, char *err, size_t errlen);
/* Flushes and closes outputs; returns -1 if records could not be written. */
int run_close_output(struct scrape_run *run);
void run_free(struct scrape_run *run);

/* Installs SIGINT/SIGTERM handlers that ask runs to stop. */
void run_install_signals(void);
/* Whether stop was requested (run_stop or a signal); safe without the lock. */
int run_stopping(const struct scrape_run *run);
/* Asks the run to stop: next() answers DONE, transfers in flight abort. */
void run_stop(struct scrape_run *run);

/* The work loop (see struct scrape_host). */
enum scrape_next run_next(struct scrape_run *run, struct scrape_request **req,
                          int64_t *not_before_ns);
int run_prepare(struct scrape_run *run, struct scrape_request *req, CURL *easy);
void run_finish(struct scrape_run *run, struct scrape_request *req, CURL *easy, CURLcode result);
void run_wait(struct scrape_run *run, int64_t until_ns);
/* The same for strategies with their own transport (ABI 1.2). */
const struct scrape_request_view *run_view(struct scrape_run *run, struct scrape_request *req);
/* A fact about how the strategy runs the job, for the report (ABI 1.2). */
void run_describe(struct scrape_run *run, const char *key, const char *value);
void run_complete(struct scrape_run *run, struct scrape_request *req,
                  const struct scrape_outcome *outcome);
/* After the strategy returned: records requests still waiting for a retry
 * (a stopped run) with their last failure, so every request handed out
 * has exactly one result. */
void run_drain(struct scrape_run *run);
int64_t run_now_ns(void);

/* What became of one request, in a form that can cross a process
 * boundary: the worker processes fill it and the parent records it. */
struct request_result {
	long status;
	uint64_t bytes;
	uint64_t bytes_in, bytes_out, connections;
	double time_total;
	int has_error;
	char error[96];
	/* what the answer says about the host's pace (also of a retry) */
	int64_t retry_after_ns;     /* a 429 or 503's Retry-After obeyed; -1: none */
	int overload;               /* 429, 5xx or a timeout */
	struct buf line;            /* the encoded record, if records are written */
	char **links;               /* crawling: links the parsers offered */
	size_t link_count;
	enum recrawl_class recrawl; /* recrawl: conditional: the page's class */
};

enum { RUN_FINAL = 0, RUN_RETRY = 1 };

/* Works out a performed transfer without touching shared state: either
 * RUN_RETRY (res->error says why) or RUN_FINAL with the parsed, encoded
 * result.  Safe in a worker process. */
int run_conclude(struct scrape_run *run, struct scrape_request *req, CURL *easy,
                 CURLcode result, struct request_result *res);
/* run_conclude for a transfer a strategy performed itself (ABI 1.2). */
int run_conclude_outcome(struct scrape_run *run, struct scrape_request *req,
                         const struct scrape_outcome *outcome, struct request_result *res);
/* Counts, writes and prints a final result, then frees req and res. */
void run_record(struct scrape_run *run, struct scrape_request *req, struct request_result *res);
/* Queues req for another attempt after retry_delay; the traffic of the
 * attempt that failed (NULL: none) is counted. */
void run_retry(struct scrape_run *run, struct scrape_request *req, const char *reason,
               const struct request_result *attempt);
/* A request that ended without a transfer result (a worker died): retried
 * if attempts remain, recorded as failed with reason otherwise. */
void run_fail(struct scrape_run *run, struct scrape_request *req, const char *reason);
void request_result_free(struct request_result *res);

/* The figures --compare puts side by side (struct run_summary lives in
 * results/run_result.h, with the rest of what a run produces). */
void run_summarize(const struct scrape_run *run, struct run_summary *out);

/* Starts the progress line (report/progress.c) on this run's figures,
 * which it reads through a snapshot taken under the run's lock. */
struct progress *run_progress_start(struct scrape_run *run);

/* The live metrics' figures (report/metrics.h, a metrics_snapshot_fn):
 * takes the run's lock; ctx is the run.  0, or -1 out of memory. */
struct metrics_snapshot;
int run_metrics_snapshot(void *ctx, struct metrics_snapshot *out);

/* CPU seconds used so far by the process and by the calling thread. */
void run_cpu_seconds(double *process, double *thread);

/* Summary and exit status: 0 all fine, 1 some requests failed,
 * 128+signal when interrupted.  The reports and thresholds get the run's
 * result (results/run_result.h), filled here once the strategy returned. */
int run_report(struct scrape_run *run);

#endif
