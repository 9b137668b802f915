/* SPDX-License-Identifier: MIT */
/*
 * The end of a run in words and numbers: the figures --compare sets side
 * by side, the run's result (results/run_result.h) that the summary, the
 * report files and the thresholds read instead of the run, and the exit
 * status; also the snapshots the progress line and the live metrics
 * (--metrics-listen) draw from.  It reads the run, never drives it.
 */
#include <config.h>

#include "engine/run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/log.h"
#include "engine/host_queues.h"
#include "report/metrics.h"
#include "report/progress.h"
#include "results/groups.h"
#include "report/report.h"
#include "results/run_result.h"

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

/* What the open model's schedule asked for in a second of the timeline,
 * requests/s; 0 for the closed model. */
static double target_rate(const struct scrape_run *run, size_t second)
{
	/* the middle of the time the second covers (timeline_cover has
	 * trimmed the last), counted like the duration from the start */
	int64_t start = run->job->warmup_ns + (int64_t)second * 1000000000;
	int64_t t = start + (int64_t)(run->timeline.seconds[second].seconds * 5e8);

	if (run->job->duration_ns && t >= run->job->duration_ns) {
		/* a second after the end (responses still arriving) asked for
		 * nothing; a last, partial one for the rate just before the end */
		if (start >= run->job->duration_ns)
			return 0;
		t = run->job->duration_ns - 1;
	}

	return run->job->open_model ? schedule_rate_at(&run->dispatch.schedule, t) : 0;
}

/* The run's result, once the strategy has returned (end_ns set, the
 * timeline closed): what the reports and thresholds read instead of the
 * run.  It points into the run, which must outlive it. */
static void result_of(struct scrape_run *run, struct run_result *r)
{
	double process, thread;
	size_t i;

	memset(r, 0, sizeof *r);
	r->job = run->job;
	r->facts = run->facts;
	r->fact_count = run->fact_count;
	r->job_path = run->settings.job_path;
	r->interrupted = run_signal != 0;
	if (segment_split(&run->settings.segment)) {
		r->segment = run->settings.segment.index + 1;
		r->segments = run->settings.segment.count;
	}
	r->run_id = run->settings.run_id;
	r->job_hash = run->settings.job_hash;
	/* how much of each second the run lasted: the last one is cut short,
	 * and read as a whole second its rate would plunge */
	timeline_cover(&run->timeline, run->end_ns - run->measure_ns);
	/* the timeline's seconds get the schedule's rates here, where the
	 * schedule is known */
	for (i = 0; i < run->timeline.count; i++)
		run->timeline.seconds[i].target_rate = target_rate(run, i);
	r->stats = &run->stats;
	r->timeline = &run->timeline;
	run_summarize(run, &r->sum);
	r->start_ns = run->start_ns;
	r->measure_ns = run->measure_ns;
	r->end_ns = run->end_ns;
	run_cpu_seconds(&process, &thread);
	r->cpu_seconds = process - run->cpu_start;
	r->main_cpu_seconds = thread - run->main_cpu_start;
	r->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	run_result_conclude(r);
}

/* autothrottle: the hosts' delays for the reports, at most
 * HOST_DELAYS_MAX of them (malloc'd; NULL when none, or out of memory). */
#define HOST_DELAYS_MAX 1000

/* The most throttled first, then by name, for a stable table. */
static int by_delay_down(const void *a, const void *b)
{
	const struct host_delay *x = a, *y = b;

	if (x->final_ns != y->final_ns)
		return x->final_ns < y->final_ns ? 1 : -1;
	return strcmp(x->host, y->host);
}

static struct host_delay *host_delays_of(const struct scrape_run *run, struct run_result *r)
{
	struct host_delay *d;
	size_t n;

	if (!run->job->autothrottle.enabled || !run->dispatch.hosts)
		return NULL;
	n = hosts_throttled(run->dispatch.hosts, NULL, 0);
	if (n == 0 || !(d = calloc(n < HOST_DELAYS_MAX ? n : HOST_DELAYS_MAX, sizeof *d)))
		return NULL;
	r->host_delay_total = n;
	r->host_delay_count = hosts_throttled(run->dispatch.hosts, d, HOST_DELAYS_MAX);
	if (r->host_delay_count > HOST_DELAYS_MAX)
		r->host_delay_count = HOST_DELAYS_MAX;
	qsort(d, r->host_delay_count, sizeof *d, by_delay_down);
	r->host_delays = d;
	return d;
}

/* The progress line's figures; the run's lock is held. */
static void progress_snapshot(void *ctx, struct progress_snapshot *out)
{
	const struct scrape_run *run = ctx;

	out->done = run->stats.ok + run->stats.failed;
	out->failed = run->stats.failed;
	out->queued = run->dispatch.frontier.queued;
	out->elapsed_ns = run_now_ns() - run->start_ns;
}

struct progress *run_progress_start(struct scrape_run *run)
{
	return progress_start(run->job, &run->lock, progress_snapshot, run);
}

/* Lock held.  The group table as the metrics show it. */
static int metrics_groups(const struct scrape_run *run, struct metrics_snapshot *out)
{
	const struct groups *g = run->stats.groups;
	size_t i;

	if (!g || !g->count)
		return 0;
	if (!(out->groups = calloc(g->count, sizeof *out->groups)))
		return -1;
	for (i = 0; i < g->count; i++) {
		const struct group *e = g->items[i];
		struct metrics_group *m = &out->groups[i];

		out->group_count++;
		if (!(m->name = strdup(e->name)) ||
		    metrics_counts_copy(&m->classes, &m->class_count, e->classes, e->class_count) < 0)
			return -1;
		m->requests = e->requests;
		m->failed = e->failed;
		metrics_histogram_of(&m->latency, &e->latency);
	}
	return 0;
}

/* Lock held.  The live figures of the open model: the schedule's rate
 * now, and the starts of the last whole second. */
static void metrics_rates(const struct scrape_run *run, int64_t now, struct metrics_snapshot *out)
{
	size_t second = dispatch_second_of(&run->dispatch, now);

	if (run->job->open_model && !run->end_ns && run->dispatch.schedule.next_ns != SCHEDULE_END &&
	    !run_stopping(run))
		out->target_rate = schedule_rate_at(&run->dispatch.schedule, now - run->start_ns);
	if (now > run->measure_ns && second >= 1 && second - 1 < run->timeline.count)
		out->achieved_rate = (double)run->timeline.seconds[second - 1].sent;
}

/* Lock held.  The figures the live metrics serve, from the same counters
 * the report reads, so that at the end the two agree. */
static int metrics_fill(const struct scrape_run *run, struct metrics_snapshot *out)
{
	const struct stats *st = &run->stats;
	struct reason_count classes[32];
	char names[32][24];
	int64_t now = run_now_ns();
	size_t n;

	/* not finished yet, even once the strategy returned: the retries left
	 * are still drained and the report written after that; the server
	 * marks the last snapshot finished then (metrics_detach) */
	out->finished = 0;
	out->open_model = run->job->open_model;
	out->crawl = run->job->crawl.enabled;
	out->elapsed_seconds = (double)((run->end_ns ? run->end_ns : now) - run->start_ns) / 1e9;
	metrics_rates(run, now, out);
	out->ok = st->ok;
	out->failed = st->failed;
	out->retries = st->retries;
	out->sent = st->sent;
	out->warmup = st->warmup;
	out->bytes = st->bytes;
	out->bytes_in = st->bytes_in;
	out->bytes_out = st->bytes_out;
	out->connections = st->connections;
	out->in_flight = st->in_flight;
	out->peak_in_flight = st->peak_in_flight;
	out->late = st->late;
	out->dropped = st->dropped;
	out->robots_fetched = st->robots_fetched;
	out->crawl_issued = run->dispatch.frontier.issued > 0 ? (uint64_t)run->dispatch.frontier.issued : 0;
	out->queue_length = run->dispatch.frontier.queued +
	                    (run->dispatch.hosts ? hosts_queued(run->dispatch.hosts) : 0);
	memcpy(out->status_counts, st->status_counts, sizeof out->status_counts);
	metrics_histogram_of(&out->latency, &st->latency);
	/* the closed model measures from the actual send: one and the same */
	metrics_histogram_of(&out->service, run->job->open_model ? &st->service : &st->latency);
	n = stats_error_classes(st, classes, 32, names);
	if (metrics_counts_copy(&out->classes, &out->class_count, classes, n) < 0 ||
	    metrics_counts_copy(&out->refusals, &out->refusal_count, st->refusals, st->refusal_count) < 0)
		return -1;
	return metrics_groups(run, out);
}

int run_metrics_snapshot(void *ctx, struct metrics_snapshot *out)
{
	struct scrape_run *run = ctx;
	int rc;

	pthread_mutex_lock(&run->lock);
	rc = metrics_fill(run, out);
	pthread_mutex_unlock(&run->lock);
	if (rc < 0)
		metrics_snapshot_free(out);
	return rc;
}

int run_report(struct scrape_run *run)
{
	FILE *out = run->settings.lines ? run->settings.lines : stdout;
	struct run_result r;
	struct report_summary rs;
	size_t thresholds_failed, i;
	struct host_delay *delays;

	if (!run->end_ns)
		run->end_ns = run_now_ns();
	timeline_close(&run->timeline);
	result_of(run, &r);
	delays = host_delays_of(run, &r);
	report_summary_init(&rs, &r);
	thresholds_failed = rs.thresholds_failed;
	if (run->dispatch.frontier.error[0])
		log_error("%s", run->dispatch.frontier.error);
	if (run->settings.report_path &&
	    report_write(run->settings.report_path, &r, &rs) < 0)
		run->output_failed = 1;
	if (run->settings.html_path &&
	    report_write_html(run->settings.html_path, &r) < 0)
		run->output_failed = 1;
	/* silent: the verdicts decide the exit status only */
	if (!run->settings.silent)
		report_print_summary(&r, &rs, run->settings.json, out);
	fflush(out);
	if (!run->settings.silent)
		for (i = 0; i < r.warning_count; i++)
			log_warning("%s", r.warnings[i]);
	report_summary_free(&rs);
	free(delays);
	if (r.interrupted)
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
