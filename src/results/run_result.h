/* SPDX-License-Identifier: MIT */
/*
 * What a run produced, as a plain value: the figures, the timeline, the
 * times, the CPU it used, the warnings and the job it ran.  The engine
 * fills one once the strategy has returned and hands it to the reports
 * and the thresholds, which therefore never see a live run (and can be
 * tested from a hand-made one).
 */
#ifndef SCRAPE_RUN_RESULT_H
#define SCRAPE_RUN_RESULT_H

#include <stddef.h>
#include <stdint.h>

struct job;
struct stats;
struct timeline;

/* The figures --compare puts side by side (a child sends it whole down a
 * pipe, so: no pointers). */
struct run_summary {
	uint64_t requests, ok, failed, retries, bytes;
	double seconds;             /* measured: after warmup, within the duration */
	double tail_seconds;        /* after the duration, finishing transfers */
	int64_t p50_ns, p99_ns;
	unsigned workers;
	int ran;                    /* a run took place */
};

/* autothrottle: a host's delay between starts at the end of the run, and
 * the least and most it was */
struct host_delay {
	char host[160];
	int64_t final_ns, min_ns, max_ns;
	uint64_t answers;           /* responses it adapted to */
};

#define RUN_WARNING_LEN 320
#define RUN_WARNINGS 4

/* What a strategy said of how it ran the job (host->describe). */
struct strategy_fact {
	char key[32];
	char value[96];
};

struct run_result {
	const struct job *job;
	const struct strategy_fact *facts;
	size_t fact_count;
	const char *job_path;       /* for the reports; NULL: not from a file */
	int interrupted;            /* by a signal */
	/* one segment of a job split over several processes: which (1-based)
	 * of how many; 0 of 0 when the job ran whole */
	unsigned segment, segments;
	const char *run_id;         /* NULL: none given or derived */
	const char *job_hash;       /* NULL: not worked out */

	const struct stats *stats;
	/* per second of the measured part; with the open model each second's
	 * target_rate says what the schedule asked for */
	const struct timeline *timeline;
	struct run_summary sum;
	/* autothrottle: the hosts' delays (host_delay_count of them, out of
	 * host_delay_total hosts met) */
	const struct host_delay *host_delays;
	size_t host_delay_count, host_delay_total;

	int64_t start_ns, measure_ns, end_ns; /* CLOCK_MONOTONIC */
	double cpu_seconds;         /* used by the process during the run */
	double main_cpu_seconds;    /* of them by the thread that ran the strategy */
	long cpus;                  /* online processors */

	/* Worked out from the above by run_result_conclude, once, so every
	 * report says the same (CPU figures change by the moment). */
	int load_test;              /* the summary shows distribution and traffic */
	char schedule[96];          /* "500/s, constant arrivals", or "none" */
	char model[256];            /* the model, and how latency was measured */
	char warnings[RUN_WARNINGS][RUN_WARNING_LEN];
	size_t warning_count;
};

/* Fills load_test, schedule, model and the warnings from the rest. */
void run_result_conclude(struct run_result *r);

/* Whether the job is a load test (duration, requests, rate, stages or
 * warmup): its summary shows the whole distribution and traffic. */
int run_result_is_load_test(const struct job *job);

/* The schedule ("500/s, constant arrivals") and the model with how its
 * latency is measured, in words for summaries and reports. */
void run_result_describe(const struct job *job, char *schedule, size_t slen, char *model,
                         size_t mlen);

/* Signs that the numbers describe scrape rather than the target: a slipped
 * schedule, CPU near its limit.  Sentences, at most max of them. */
size_t run_result_warnings(const struct run_result *r, char warnings[][RUN_WARNING_LEN],
                           size_t max);

#endif
