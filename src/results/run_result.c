/* SPDX-License-Identifier: MIT */
/*
 * The words a run's figures call for: its model described, whether it
 * was a load test, and the warnings that the numbers may describe scrape
 * rather than the target.  Pure functions of the result (moved from the
 * engine's run_report.c), so they can be tested without running anything.
 */
#include <config.h>

#include "results/run_result.h"

#include <stdio.h>

#include "config/job.h"
#include "results/stats.h"

int run_result_is_load_test(const struct job *job)
{
	return job_is_load_test(job);
}

void run_result_describe(const struct job *job, char *schedule, size_t slen, char *model,
                         size_t mlen)
{
	if (!job->open_model) {
		snprintf(schedule, slen, "none");
		snprintf(model, mlen,
		         "closed: %lld workers; latency from each actual send (a stalled server also "
		         "holds back the sends, so use rate: to see what users would)",
		         (long long)job->workers);
		return;
	}
	if (job->stage_count)
		snprintf(schedule, slen, "%zu stages from %.6g/s, %s arrivals", job->stage_count, job->rate,
		         job->poisson ? "poisson" : "constant");
	else
		snprintf(schedule, slen, "%.6g/s, %s arrivals", job->rate,
		         job->poisson ? "poisson" : "constant");
	snprintf(model, mlen, "open: %s, up to %lld connections; latency from each scheduled start",
	         schedule, (long long)job->max_connections);
}

size_t run_result_warnings(const struct run_result *r, char warnings[][RUN_WARNING_LEN],
                           size_t max)
{
	const struct job *job = r->job;
	const struct stats *st = r->stats;
	double wall = (double)(r->end_ns - r->start_ns) / 1e9;
	double busy = wall > 0 ? r->cpu_seconds / wall : 0;
	double main_busy = wall > 0 ? r->main_cpu_seconds / wall : 0;
	long cpus = r->cpus < 1 ? 1 : r->cpus;
	size_t n = 0;

	if (job->open_model && st->sent &&
	    (st->dropped > 0 || (double)st->late > 0.05 * (double)st->sent) && n < max) {
		if (st->peak_in_flight >= (uint64_t)job->max_connections)
			snprintf(warnings[n++], RUN_WARNING_LEN,
			         "the schedule slipped (%llu of %llu starts late, %llu dropped): all %lld connections "
			         "were busy, so the target answered too slowly for this rate; raise max_connections "
			         "or lower the rate",
			         (unsigned long long)st->late, (unsigned long long)st->sent,
			         (unsigned long long)st->dropped, (long long)job->max_connections);
		else
			snprintf(warnings[n++], RUN_WARNING_LEN,
			         "the schedule slipped (%llu of %llu starts late, %llu dropped) although connections "
			         "were free: scrape itself could not keep up (CPU %.0f%% of one core)",
			         (unsigned long long)st->late, (unsigned long long)st->sent,
			         (unsigned long long)st->dropped, busy * 100);
	}
	/* CPU use says more once the run has lasted a while, and only a load
	 * test is about the target's limits (a crawl may well be CPU-bound) */
	if (!run_result_is_load_test(job))
		return n;
	if (wall >= 1 && busy >= 0.9 * (double)cpus && n < max)
		snprintf(warnings[n++], RUN_WARNING_LEN,
		         "scrape used %.0f%% of the machine's %ld CPUs: it may be measuring its own limits "
		         "rather than the target's",
		         100 * busy / (double)cpus, cpus);
	else if (wall >= 1 && main_busy >= 0.9 && n < max)
		snprintf(warnings[n++], RUN_WARNING_LEN,
		         "scrape's main thread was busy %.0f%% of the time: it may be measuring its own limits "
		         "rather than the target's (try the threaded strategy, or run several scrapes)",
		         100 * main_busy);
	return n;
}

void run_result_conclude(struct run_result *r)
{
	r->load_test = run_result_is_load_test(r->job);
	run_result_describe(r->job, r->schedule, sizeof r->schedule, r->model, sizeof r->model);
	r->warning_count = run_result_warnings(r, r->warnings, RUN_WARNINGS);
}
