/* SPDX-License-Identifier: MIT */
/*
 * The end of a run in words and numbers: the figures --compare sets side
 * by side, the model described, the warnings that the numbers may describe
 * scrape rather than the target, the summary in text or JSON with the
 * report files, and the exit status.  Moved out of run.c unchanged; it
 * reads the run, never drives it.
 */
#include <config.h>

#include "engine/run.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/log.h"
#include "report/report.h"
#include "report/summary.h"
#include "results/threshold.h"

/* User plus system CPU seconds of who (RUSAGE_SELF, RUSAGE_THREAD). */
static double cpu_seconds(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds used so far by the process and by the calling thread. */
void run_cpu_seconds(double *process, double *thread)
{
	*process = cpu_seconds(RUSAGE_SELF);
	*thread = cpu_seconds(RUSAGE_THREAD);
}

void run_summarize(const struct scrape_run *run, struct run_summary *out)
{
	const struct job *job = run->job;
	int64_t end = run->end_ns ? run->end_ns : run_now_ns();
	int64_t window_end = run->start_ns + job->duration_ns;

	memset(out, 0, sizeof *out);
	out->requests = run->stats.ok + run->stats.failed;
	out->ok = run->stats.ok;
	out->failed = run->stats.failed;
	out->retries = run->stats.retries;
	out->bytes = run->stats.bytes;
	out->seconds = (double)(end - run->measure_ns) / 1e9;
	/* A run bounded by a duration is measured over that window; the
	 * transfers still in flight at its end finish in a tail that would
	 * otherwise water the rate down. */
	if (job->duration_ns && end > window_end && !run_stopping(run)) {
		out->seconds = (double)(window_end - run->measure_ns) / 1e9;
		out->tail_seconds = (double)(end - window_end) / 1e9;
	} else if (job->open_model && job->duration_ns && run->dispatch.schedule.next_ns == SCHEDULE_END &&
	           !run_stopping(run)) {
		/* the schedule ran to its end: its last start falls just short
		 * of the window's end, but the window was asked for */
		out->seconds = (double)(window_end - run->measure_ns) / 1e9;
	}
	out->p50_ns = histogram_percentile(&run->stats.latency, 50);
	out->p99_ns = histogram_percentile(&run->stats.latency, 99);
	out->workers = (unsigned)job->workers;
	out->ran = 1;
}

/* Whether the job is a load test (duration, requests, rate, stages or
 * warmup): its summary shows the whole distribution and traffic. */
static int run_is_load_test(const struct scrape_run *run)
{
	const struct job *job = run->job;

	return job->open_model || job->duration_ns || job->requests || job->warmup_ns;
}

void run_describe(const struct scrape_run *run, char *schedule, size_t slen, char *model,
                  size_t mlen)
{
	const struct job *job = run->job;

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

size_t run_warnings(const struct scrape_run *run, const struct run_summary *sum,
                    char warnings[][RUN_WARNING_LEN], size_t max)
{
	const struct job *job = run->job;
	const struct stats *st = &run->stats;
	double wall = (double)((run->end_ns ? run->end_ns : run_now_ns()) - run->start_ns) / 1e9;
	double process, thread, busy, main_busy;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = 0;

	(void)sum;
	run_cpu_seconds(&process, &thread);
	busy = wall > 0 ? (process - run->cpu_start) / wall : 0;
	main_busy = wall > 0 ? (thread - run->main_cpu_start) / wall : 0;
	if (cpus < 1)
		cpus = 1;
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
	if (!run_is_load_test(run))
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

int run_report(struct scrape_run *run)
{
	FILE *out = run->settings.lines ? run->settings.lines : stdout;
	int interrupted = run_signal != 0;
	struct run_summary sum;
	struct report_summary rs;
	size_t thresholds_failed, i;
	char schedule[96], model[256];
	struct load_facts load = { 0 };

	if (!run->end_ns)
		run->end_ns = run_now_ns();
	timeline_close(&run->timeline);
	run_summarize(run, &sum);
	run_describe(run, schedule, sizeof schedule, model, sizeof model);
	load.open_model = run->job->open_model;
	load.schedule = schedule;
	load.model = model;
	load.warmup_ns = run->job->warmup_ns;
	report_summary_init(&rs, run, &sum, interrupted);
	thresholds_failed = rs.thresholds_failed;
	if (run->dispatch.frontier.error[0])
		log_error("%s", run->dispatch.frontier.error);
	if (run->settings.report_path &&
	    report_write(run->settings.report_path, run, &sum, &rs) < 0)
		run->output_failed = 1;
	if (run->settings.html_path &&
	    report_write_html(run->settings.html_path, run, &sum, interrupted) < 0)
		run->output_failed = 1;
	if (run->settings.silent) {
		/* the verdicts decide the exit status only */
	} else if (run->settings.json) {
		/* the report's members, less the load test's for a crawl */
		struct summary_input in = rs.in;
		in.load = run_is_load_test(run);
		summary_print_json(&in, NULL, out);
	} else {
		stats_print_summary(&run->stats, sum.seconds, interrupted,
		                    run_is_load_test(run) ? &load : NULL, out);
		if (run->job->random_order || run->job->poisson)
			fprintf(out, "  %s%s%s, seed %llu\n", run->job->random_order ? "random order" : "",
			        run->job->random_order && run->job->poisson ? " and " : "",
			        run->job->poisson ? "poisson arrivals" : "", (unsigned long long)run->job->seed);
		threshold_check(run->job, &run->stats, &sum, out, NULL);
	}
	fflush(out);
	if (!run->settings.silent)
		for (i = 0; i < rs.warning_count; i++)
			log_warning("%s", rs.warnings[i]);
	report_summary_free(&rs);
	if (interrupted)
		return 128 + run_signal;
	/* a load test with thresholds passes or fails by them alone: its
	 * error budget is one of them */
	if (run->job->threshold_count)
		return thresholds_failed || run->dispatch.frontier.error[0] || run->output_failed ||
		       run->lines_failed || run->local_failed ? 1 : 0;
	if (run->stats.failed > 0 || run->dispatch.frontier.error[0] || run->output_failed || run->lines_failed ||
	    run->local_failed)
		return 1;
	return 0;
}
