/* SPDX-License-Identifier: MIT */
/*
 * Merging --report files.  Each report is read whole into a `part`
 * (merge_read.c) and added to the merge only when it has been read and
 * checked, with every sum checked for overflow, so memory is one file's
 * text and the merged tables.  Failure and refusal reasons go straight
 * into hash tables, so a merge is linear in the reasons (merge_reasons.c);
 * groups add up by name (merge_groups.c); segments of one run are checked
 * against each other (merge_segments.c).  Histogram buckets ([low_ns,
 * high_ns, count]) must be this scrape's buckets; mean and standard
 * deviation merge exactly from each report's count, mean and stddev.
 */
#include <config.h>

#include "cli/merge.h"
#include "cli/merge_private.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/job.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "results/groups.h"
#include "results/stats.h"
#include "report/report.h"
#include "report/summary.h"
#include "results/run_result.h"
#include "results/threshold.h"

/* Reports are a few MB; a GiB is not a report, whatever it holds. */
#define MAX_REPORT_SIZE ((size_t)1 << 30)

/* ---- adding a report to the merge ---- */

int merge_add_count(struct merged *m, uint64_t *into, uint64_t n, const char *what)
{
	if (__builtin_add_overflow(*into, n, into))
		return merge_refuse(m, "%s adds up to more than " COUNT_MAX " over the reports", what);
	return 0;
}

/* Buckets into h; min, max, mean and stddev from the summary, so the
 * merged mean and stddev are exact. */
int merge_add_histogram(struct merged *m, struct histogram *h, const struct histogram *from,
                         const struct summary *sum, const char *what)
{
	double mean = sum->mean * 1e9, sd = sum->stddev * 1e9, count = (double)sum->count;
	size_t i;

	if (sum->count != from->total)
		return merge_refuse(m, "%s: the count is not the sum of the histogram's buckets", what);
	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		if (from->counts[i] && merge_add_count(m, &h->counts[i], from->counts[i], what) < 0)
			return -1;
	if (merge_add_count(m, &h->total, from->total, what) < 0)
		return -1;
	if (sum->count > 0) {
		int64_t min = (int64_t)(sum->min * 1e9 + 0.5), max = (int64_t)(sum->max * 1e9 + 0.5);
		if (min < h->min)
			h->min = min;
		if (max > h->max)
			h->max = max;
		h->sum += mean * count;
		h->sumsq += (sd * sd + mean * mean) * count;
	}
	return 0;
}

static int add_part(struct merged *m, const struct part *p)
{
	struct stats *s = &m->stats;
	uint64_t requests;
	size_t i;

	if (!p->schema)
		return merge_refuse(m, "not a scrape report of schema 2 (write it with --report)");
	if (m->reports && p->open != m->open_model)
		return merge_refuse(m, "it mixes the open and the closed model with the reports before it");
	if (!p->has_latency || (p->open && !p->has_service))
		return merge_refuse(m, "it has no histogram buckets");
	for (i = 0; i < MERGE_COUNTERS; i++)
		if (merge_add_count(m, (uint64_t *)((char *)s + merge_counters[i].offset), p->counters[i],
		                    merge_counters[i].key) < 0)
			return -1;
	/* the summaries print ok + failed as the requests */
	if (__builtin_add_overflow(s->ok, s->failed, &requests))
		return merge_refuse(m, "the requests add up to more than " COUNT_MAX " over the reports");
	for (i = 0; i < STATUS_CODES; i++)
		if (p->status[i] && merge_add_count(m, &s->status_counts[i], p->status[i], "status_counts") < 0)
			return -1;
	s->recrawl |= p->recrawl;
	if (merge_add_count(m, &s->recrawl_unchanged, p->recrawl_counts[0], "recrawl") < 0 ||
	    merge_add_count(m, &s->recrawl_changed, p->recrawl_counts[1], "recrawl") < 0 ||
	    merge_add_count(m, &s->recrawl_new, p->recrawl_counts[2], "recrawl") < 0)
		return -1;
	if (merge_add_histogram(m, &s->latency, &p->latency, &p->latency_sum, "latency_seconds") < 0)
		return -1;
	if (p->open) {
		if (merge_add_histogram(m, &s->service, &p->service, &p->service_sum, "service_time_seconds") < 0)
			return -1;
		/* the send lag has no buckets in a report: its maximum merges */
		if ((int64_t)(p->lag_sum.max * 1e9 + 0.5) > s->lag.max)
			s->lag.max = (int64_t)(p->lag_sum.max * 1e9 + 0.5);
	}
	if (merge_add_groups(m, p->groups) < 0 || merge_add_timeline(m, &p->timeline) < 0)
		return -1;
	for (i = 0; i < p->proxy_count; i++) {
		const struct host_count *e = &p->proxies[i];
		size_t k;

		for (k = 0; k < s->proxy_count && strcmp(s->proxies[k].host, e->host) != 0; k++)
			;
		if (k < s->proxy_count &&
		    (merge_add_count(m, &s->proxies[k].requests, e->requests, "proxies.requests") < 0 ||
		     merge_add_count(m, &s->proxies[k].failed, e->failed, "proxies.failed") < 0))
			return -1;
		if (k == s->proxy_count)
			stats_proxy_add(s, e->host, e->requests, e->failed);
	}
	if (p->seconds > m->seconds)
		m->seconds = p->seconds;
	m->rate += p->rate;
	m->interrupted |= p->interrupted;
	m->open_model = p->open;
	m->reports++;
	return 0;
}

static void part_clear(struct part *p)
{
	struct group *scratch = p->scratch;
	size_t i;

	groups_free(p->groups);
	for (i = 0; i < p->proxy_count; i++)
		free(p->proxies[i].host);
	free(p->proxies);
	free(p->timeline.seconds);
	memset(p, 0, sizeof *p);
	p->scratch = scratch;
	histogram_init(&p->latency);
	histogram_init(&p->service);
}

/* path: the report's file, for the segments' checks (NULL: none). */
static int merge_text(struct merged *m, const char *text, size_t len, const char *path)
{
	part_clear(m->part);
	if (merge_read_report(m, m->part, text, len) < 0)
		return -1;
	if (path && merge_check_segment(m, &m->part->id, path) < 0)
		return -1;
	return add_part(m, m->part);
}

static int merged_init(struct merged *m)
{
	memset(m, 0, sizeof *m);
	stats_init(&m->stats);
	m->part = calloc(1, sizeof *m->part);
	if (!m->part || !(m->part->scratch = malloc(sizeof *m->part->scratch)))
		return -1;
	return 0;
}

static void merged_free(struct merged *m)
{
	/* the reasons belong to the tables, not to the stats */
	m->stats.reasons = m->stats.refusals = NULL;
	m->stats.reason_count = m->stats.refusal_count = 0;
	stats_free(&m->stats);
	reasons_free(&m->reasons);
	reasons_free(&m->refusals);
	groups_free(m->stats.groups);
	free(m->timeline.seconds);
	free(m->segment_paths);
	if (m->part) {
		for (size_t i = 0; i < m->part->proxy_count; i++)
			free(m->part->proxies[i].host);
		free(m->part->proxies);
		free(m->part->timeline.seconds);
		groups_free(m->part->groups);
		free(m->part->scratch);
	}
	free(m->part);
}

int merge_check_text(const char *text, size_t len, char *why, size_t why_len)
{
	struct merged m;
	int rc = -1;

	if (merged_init(&m) == 0)
		/* merged alone: a segment of several is refused as incomplete */
		rc = merge_text(&m, text, len, "the report") < 0 ? -1 : merge_check_complete(&m);
	else
		merge_refuse(&m, "out of memory");
	if (rc < 0)
		snprintf(why, why_len, "%s", m.why);
	merged_free(&m);
	return rc;
}

/* ---- printing ---- */

/* The same writer as a run's --format json: every member a report can
 * give back (no model parameters, warnings, verdicts or send lags), and
 * how many reports were merged with their rates added up. */
static void print_json(const struct merged *m)
{
	struct summary_input in = { 0 };
	struct buf extra = { 0 };

	in.stats = &m->stats;
	in.seconds = m->seconds;
	in.interrupted = m->interrupted;
	in.load = 1;
	in.open_model = m->open_model;
	buf_printf(&extra, "\"reports\":%zu,\"rates_added\":%.3f", m->reports, m->rate);
	/* the identity was checked to be plain letters, digits and .:_- */
	if (m->first_id.segments)
		buf_printf(&extra, ",\"run_id\":\"%s\",\"job_hash\":\"%s\",\"segments\":%zu",
		           m->first_id.run_id, m->first_id.job_hash, m->reports);
	buf_putc(&extra, ',');
	report_timeline(&extra, &m->timeline, m->open_model);
	if (extra.oom)
		log_error("out of memory");
	else
		summary_print_json(&in, extra.data, stdout);
	buf_free(&extra);
}

static void print_text(struct merged *m)
{
	struct load_facts load = { 0 };
	char model[260];

	if (m->first_id.segments)
		printf("Merged the %zu segments of run %s (one job split: together they are the job)\n",
		       m->reports, m->first_id.run_id);
	else
		printf("Merged %zu report%s (the runs went side by side: counts add up, the time is the "
		       "longest)\n", m->reports, m->reports == 1 ? "" : "s");
	if (m->first_id.segments)
		snprintf(model, sizeof model, m->open_model
		         ? "open: one schedule in %zu segments; latency from each scheduled start"
		         : "closed: %zu segments; latency from each actual send", m->reports);
	else
		snprintf(model, sizeof model, m->open_model
		         ? "open: %zu run%s, each on its own schedule; latency from each scheduled start"
		         : "closed: %zu run%s; latency from each actual send",
		         m->reports, m->reports == 1 ? "" : "s");
	load.open_model = m->open_model;
	load.model = model;
	load.schedule = m->open_model ? "the reports' schedules" : "none";
	stats_print_summary(&m->stats, m->seconds, m->interrupted, &load, stdout);
	groups_print(m->stats.groups, m->open_model, stdout);
	stats_print_proxies(&m->stats, stdout);
}

/* -c JOB: a report must be of that job when it says which it is. */
static int check_job(struct merged *m, const struct merge_settings *settings)
{
	const char *hash = m->part->id.job_hash;
	char shown[160];

	if (!settings->job_hash || !hash[0] || strcmp(hash, settings->job_hash) == 0)
		return 0;
	return merge_refuse(m, "it is of another job than %s (job hash %s, not %s)",
	                    visible(shown, sizeof shown, settings->job_path), hash, settings->job_hash);
}

/* With the job (-c): its thresholds on the merged figures (the verdict
 * lines after the summary), and --html.  The number of failed
 * thresholds, or -1 when the HTML report could not be written. */
static int conclude(struct merged *m, const struct merge_settings *settings)
{
	struct run_result r = { 0 };
	size_t failed;

	r.job = settings->job;
	r.job_path = settings->job_path;
	r.interrupted = m->interrupted;
	r.stats = &m->stats;
	r.timeline = &m->timeline;
	r.sum.ok = m->stats.ok;
	r.sum.failed = m->stats.failed;
	r.sum.requests = m->stats.ok + m->stats.failed;
	r.sum.seconds = m->seconds;
	r.load_test = 1;
	run_result_describe(r.job, r.schedule, sizeof r.schedule, r.model, sizeof r.model);
	if (m->first_id.segments) {
		r.segments = (unsigned)m->first_id.segments;
		r.run_id = m->first_id.run_id;
		r.job_hash = m->first_id.job_hash;
	}
	/* the verdicts go with the text; the JSON summary is the reports' */
	failed = threshold_check(&r, settings->json ? NULL : stdout, NULL);
	if (settings->html_path && report_write_html(settings->html_path, &r) < 0)
		return -1;
	return (int)failed;
}

int merge_reports(char *const *paths, size_t count, const struct merge_settings *settings)
{
	struct merged m;
	struct buf text = { 0 };
	char shown[160];
	size_t i;
	int status = 2, failed = 0;

	if (count == 0) {
		log_fatal("--merge needs report files (written with --report)");
		return 2;
	}
	if (merged_init(&m) < 0) {
		log_fatal("--merge: out of memory");
		merged_free(&m);
		return 2;
	}
	for (i = 0; i < count; i++) {
		const char *why = NULL;

		if (json_read_file(paths[i], MAX_REPORT_SIZE, &text, &why) < 0)
			snprintf(m.why, sizeof m.why, "%s", why);
		if (why || merge_text(&m, text.data, text.len, paths[i]) < 0 || check_job(&m, settings) < 0) {
			log_fatal("--merge: %s: %s", visible(shown, sizeof shown, paths[i]), m.why);
			goto done;
		}
	}
	if (merge_check_complete(&m) < 0) {
		log_fatal("--merge: %s", m.why);
		goto done;
	}
	/* the text is not needed any more: free it before the printers' copies */
	buf_free(&text);
	m.stats.reasons = m.reasons.items;
	m.stats.reason_count = m.reasons.count;
	m.stats.refusals = m.refusals.items;
	m.stats.refusal_count = m.refusals.count;
	if (settings->json)
		print_json(&m);
	else
		print_text(&m);
	if (settings->job && (failed = conclude(&m, settings)) < 0) {
		status = 1;
		goto done;
	}
	/* as for a run: with thresholds they decide, else any failure does */
	if (settings->job && settings->job->threshold_count)
		status = failed > 0 ? 1 : 0;
	else
		status = m.stats.failed > 0 ? 1 : 0;
done:
	buf_free(&text);
	merged_free(&m);
	return status;
}
