/* SPDX-License-Identifier: MIT */
/*
 * The JSON run report.  Written through outfile_replace, so a reader never
 * sees half a report, also when the run was interrupted, and a FIFO or
 * device named as the report is written, not replaced.  Beside it the
 * HTML report's view and the summary on the terminal, all from the same
 * run result.
 */
#include <config.h>

#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "report/html.h"
#include "config/job.h"
#include "util/log.h"
#include "results/groups.h"
#include "results/outfile.h"
#include "report/summary.h"
#include "results/stats.h"
#include "results/threshold.h"
#include "results/timeline.h"
#include "config/units.h"

static void format_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 10ULL << 20)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ULL << 20));
	else if (bytes >= 10ULL << 10)
		snprintf(buf, len, "%.1f KiB", (double)bytes / (1ULL << 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

void report_timeline(struct buf *b, const struct timeline *t, int open_model)
{
	size_t i;

	buf_puts(b, "\"timeline\":[");
	for (i = 0; i < t->count; i++) {
		const struct timeline_second *s = &t->seconds[i];
		buf_printf(b, "%s{\"second\":%zu,\"sent\":%llu,\"requests\":%llu,\"errors\":%llu,"
		           "\"p50\":%.9f,\"p99\":%.9f",
		           i ? "," : "", i, (unsigned long long)s->sent, (unsigned long long)s->requests,
		           (unsigned long long)s->errors, (double)s->p50_ns / 1e9, (double)s->p99_ns / 1e9);
		/* the time the second covers: less than 1 for the last, cut short.
		 * The rate is worked out from the figure as printed, so that
		 * --merge, which reads that figure back, gives the same rate. */
		char covered[32];
		double seconds;
		snprintf(covered, sizeof covered, "%.9g", s->seconds);
		seconds = strtod(covered, NULL);
		buf_printf(b, ",\"seconds\":%s,\"requests_per_second\":%.3f", covered,
		           seconds > 0 ? (double)s->requests / seconds : 0.0);
		if (open_model)
			buf_printf(b, ",\"target_rate\":%.3f", s->target_rate);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* What --merge checks to tell the segments of one run: the run id and
 * the job's hash whenever they are known, the segment when it is one. */
static void segment_members(struct buf *b, const struct run_result *r)
{
	if (r->run_id) {
		buf_puts(b, ",\"run_id\":");
		buf_json_string(b, r->run_id);
	}
	if (r->job_hash) {
		buf_puts(b, ",\"job_hash\":");
		buf_json_string(b, r->job_hash);
	}
	if (r->segments)
		buf_printf(b, ",\"segment\":%u,\"segments\":%u", r->segment, r->segments);
}

/* The job as --dry-run prints it, so a report says what produced it. */
static void config_echo(struct buf *b, const struct job *job)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	buf_puts(b, "\"config\":");
	if (f) {
		job_print(job, f);
		fclose(f);
	}
	if (text)
		buf_json_string(b, text);
	else
		buf_puts(b, "null");
	free(text);
}

/* The "model" object: the load model and its parameters. */
static void model(struct buf *b, const struct run_result *r)
{
	const struct job *job = r->job;
	size_t i;

	buf_printf(b, "{\"type\":\"%s\",\"description\":", job->open_model ? "open" : "closed");
	buf_json_string(b, r->model);
	if (job->open_model) {
		buf_printf(b, ",\"rate\":%.6g,\"arrival\":\"%s\",\"max_connections\":%lld,\"stages\":[",
		           job->rate, job->poisson ? "poisson" : "constant", (long long)job->max_connections);
		for (i = 0; i < job->stage_count; i++)
			buf_printf(b, "%s{\"seconds\":%.9g,\"rate\":%.6g}", i ? "," : "",
			           (double)job->stages[i].duration_ns / 1e9, job->stages[i].rate);
		buf_putc(b, ']');
	} else {
		buf_printf(b, ",\"workers\":%lld", (long long)job->workers);
	}
	buf_printf(b, ",\"warmup_seconds\":%.9g", (double)job->warmup_ns / 1e9);
	if (r->fact_count) {
		buf_puts(b, ",\"strategy_facts\":{");
		for (i = 0; i < r->fact_count; i++) {
			if (i)
				buf_putc(b, ',');
			buf_json_string(b, r->facts[i].key);
			buf_putc(b, ':');
			buf_json_string(b, r->facts[i].value);
		}
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

/* What only a report carries: how many robots.txt were fetched, what the
 * sitemaps gave, and the
 * requests per host (a crawl may meet many hosts, too many for a
 * summary). */
static void hosts(struct buf *b, const struct stats *s)
{
	size_t i;

	buf_printf(b, ",\"robots_fetched\":%llu", (unsigned long long)s->robots_fetched);
	buf_printf(b, ",\"sitemaps\":{\"read\":%llu,\"failed\":%llu,\"urls\":%llu}",
	           (unsigned long long)s->sitemaps_read, (unsigned long long)s->sitemaps_failed,
	           (unsigned long long)s->sitemap_urls);
	buf_printf(b, ",\"hosts\":{");
	for (i = 0; i < s->host_count; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_string(b, s->hosts[i].host);
		buf_printf(b, ":{\"requests\":%llu,\"failed\":%llu}",
		           (unsigned long long)s->hosts[i].requests,
		           (unsigned long long)s->hosts[i].failed);
	}
	buf_putc(b, '}');
}

/* autothrottle: each host's delay at the end, and its range in the run. */
static void host_delays(struct buf *b, const struct run_result *r)
{
	size_t i;
	int64_t least = 0, most = 0;

	if (!r->job->autothrottle.enabled)
		return;
	for (i = 0; i < r->host_delay_count; i++) {
		const struct host_delay *d = &r->host_delays[i];
		if (i == 0 || d->final_ns < least)
			least = d->final_ns;
		if (i == 0 || d->final_ns > most)
			most = d->final_ns;
	}
	buf_printf(b, ",\"autothrottle\":{\"hosts\":%zu,\"min_delay\":%.9g,\"max_delay\":%.9g,"
	           "\"delays\":[", r->host_delay_total, (double)least / 1e9, (double)most / 1e9);
	for (i = 0; i < r->host_delay_count; i++) {
		const struct host_delay *d = &r->host_delays[i];
		buf_puts(b, i ? ",{\"host\":" : "{\"host\":");
		buf_json_string(b, d->host);
		buf_printf(b, ",\"delay\":%.9g,\"least\":%.9g,\"most\":%.9g,\"answers\":%llu}",
		           (double)d->final_ns / 1e9, (double)d->min_ns / 1e9, (double)d->max_ns / 1e9,
		           (unsigned long long)d->answers);
	}
	buf_puts(b, "]}");
}

/* A delay as the summary shows it: no delay is "0s", not "0us". */
static void delay_text(int64_t ns, char *buf, size_t len)
{
	if (ns <= 0)
		snprintf(buf, len, "0s");
	else
		units_format_duration(ns, buf, len);
}

/* The summary's table of autothrottle's delays, the most throttled hosts
 * first. */
#define HOST_DELAYS_SHOWN 10
static void print_host_delays(const struct run_result *r, FILE *out)
{
	char final[32], least[32], most[32], host[96];
	size_t i;

	if (!r->job->autothrottle.enabled || !r->host_delay_count)
		return;
	fputs("  autothrottle: delay per host at the end (least..most during the run)\n", out);
	for (i = 0; i < r->host_delay_count && i < HOST_DELAYS_SHOWN; i++) {
		const struct host_delay *d = &r->host_delays[i];
		delay_text(d->final_ns, final, sizeof final);
		delay_text(d->min_ns, least, sizeof least);
		delay_text(d->max_ns, most, sizeof most);
		fprintf(out, "    %-40s %9s  (%s..%s, %llu answers)\n", visible(host, sizeof host, d->host),
		        final, least, most, (unsigned long long)d->answers);
	}
	if (r->host_delay_total > i)
		fprintf(out, "    and %zu more hosts\n", r->host_delay_total - i);
}

void report_summary_init(struct report_summary *rs, const struct run_result *r)
{
	size_t i;

	memset(rs, 0, sizeof *rs);
	model(&rs->model, r);
	rs->thresholds_failed = threshold_check(r, NULL, &rs->verdicts);
	for (i = 0; i < r->warning_count; i++)
		rs->warning_list[i] = r->warnings[i];
	rs->in.stats = r->stats;
	rs->in.seconds = r->sum.seconds;
	rs->in.interrupted = r->interrupted;
	rs->in.load = 1;
	rs->in.open_model = r->job->open_model;
	rs->in.send_lag = 1;
	rs->in.model = rs->model.oom ? NULL : rs->model.data;
	rs->in.warnings = rs->warning_list;
	rs->in.warning_count = r->warning_count;
	rs->in.thresholds = rs->verdicts.oom ? NULL : rs->verdicts.data;
}

void report_summary_free(struct report_summary *rs)
{
	buf_free(&rs->model);
	buf_free(&rs->verdicts);
}

int report_write(const char *path, const struct run_result *r, const struct report_summary *rs)
{
	const struct job *job = r->job;
	const struct run_summary *sum = &r->sum;
	const struct stats *st = r->stats;
	struct summary_input in = rs->in;
	struct buf b = { 0 };
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int failed;

	/* every report has the load members, also a crawl's */
	in.load = 1;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_printf(&b, "{\"schema\":%d,\"scrape_version\":\"%s\",\"finished_at\":\"%s\",", REPORT_SCHEMA,
	           PACKAGE_VERSION, stamp);
	buf_puts(&b, "\"job\":");
	if (r->job_path)
		buf_json_string(&b, r->job_path);
	else
		buf_puts(&b, "null");
	segment_members(&b, r);
	buf_puts(&b, ",\"strategy\":");
	buf_json_string(&b, job->strategy.name);
	buf_printf(&b, ",\"workers\":%lld,\"measured_seconds\":%.9f,\"tail_seconds\":%.9f,",
	           (long long)job->workers, sum->seconds, sum->tail_seconds);
	summary_json_members(&b, &in);
	hosts(&b, st);
	host_delays(&b, r);
	buf_putc(&b, ',');
	report_timeline(&b, r->timeline, job->open_model);
	buf_putc(&b, ',');
	summary_buckets(&b, "latency_histogram", &st->latency);
	if (job->open_model) {
		buf_putc(&b, ',');
		summary_buckets(&b, "service_time_histogram", &st->service);
	}
	buf_putc(&b, ',');
	config_echo(&b, job);
	buf_puts(&b, "}\n");

	if (b.oom) {
		buf_free(&b);
		log_error("out of memory writing the report");
		return -1;
	}
	failed = outfile_replace(path, b.data, b.len) != 0;
	if (failed)
		log_error("cannot write the report %s: %s", path, strerror(errno));
	buf_free(&b);
	return failed ? -1 : 0;
}

/* Failure rows, the most frequent first (ties by label, for a stable page). */
static int by_count_down(const void *a, const void *b)
{
	const struct html_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->label, y->label);
}

/* Points of a percentile curve spread evenly over the "nines" (0, 90, 99,
 * 99.9 ...), where the tail lives, up to what the sample count supports. */
static size_t percentile_curve(const struct histogram *h, struct html_point *out, size_t max)
{
	size_t n = 0;
	double nines, limit = h->total > 1 ? log10((double)h->total) : 0;

	if (!h->total)
		return 0;
	for (nines = 0; nines <= limit + 1e-9 && n + 1 < max; nines += 0.05) {
		out[n].percentile = 100 * (1 - pow(10, -nines));
		out[n].seconds = (double)histogram_percentile(h, out[n].percentile) / 1e9;
		n++;
	}
	out[n].percentile = 100;
	out[n].seconds = (double)h->max / 1e9;
	return n + 1;
}

#define CURVE_POINTS 200
#define HTML_PAIRS 24

/* The page's table of headline figures; how many pairs were filled. */
static size_t summary_pairs(const struct run_result *r, struct html_pair *pairs,
                            char values[][64])
{
	const struct job *job = r->job;
	const struct run_summary *sum = &r->sum;
	const struct stats *st = r->stats;
	size_t i, n = 0;

#define PAIR(label_, ...) do { \
		if (n < HTML_PAIRS) { \
			snprintf(values[n], 64, __VA_ARGS__); \
			pairs[n].label = (label_); \
			pairs[n].value = values[n]; \
			n++; \
		} \
	} while (0)
	PAIR("requests", "%llu", (unsigned long long)sum->requests);
	PAIR("failed", "%llu (%.2f%%)", (unsigned long long)sum->failed,
	     sum->requests ? 100.0 * (double)sum->failed / (double)sum->requests : 0.0);
	PAIR("rate", "%.1f/s", sum->seconds > 0 ? (double)sum->requests / sum->seconds : 0.0);
	PAIR("measured", "%.3f s", sum->seconds);
	if (st->latency.total) {
		static const double shown[] = { 50, 90, 99, 99.9 };
		static const char *const names[] = { "p50", "p90", "p99", "p99.9" };
		char d[32];

		for (i = 0; i < 4; i++) {
			units_format_duration(histogram_percentile(&st->latency, shown[i]), d, sizeof d);
			PAIR(names[i], "%s", d);
		}
		units_format_duration(st->latency.max, d, sizeof d);
		PAIR("max", "%s", d);
	}
	if (job->open_model) {
		PAIR("sent", "%llu", (unsigned long long)st->sent);
		PAIR("late", "%llu", (unsigned long long)st->late);
		PAIR("dropped", "%llu", (unsigned long long)st->dropped);
	}
	{
		char in[32], out[32];
		format_size(st->bytes_in, in, sizeof in);
		format_size(st->bytes_out, out, sizeof out);
		PAIR("received", "%s", in);
		PAIR("sent bytes", "%s", out);
	}
	PAIR("connections", "%llu", (unsigned long long)st->connections);
	PAIR("most in flight", "%llu", (unsigned long long)st->peak_in_flight);
	if (job->warmup_ns)
		PAIR("warmup requests", "%llu", (unsigned long long)st->warmup);
	if (st->recrawl) {
		PAIR("unchanged", "%llu", (unsigned long long)st->recrawl_unchanged);
		PAIR("changed", "%llu", (unsigned long long)st->recrawl_changed);
		PAIR("new", "%llu", (unsigned long long)st->recrawl_new);
	}
#undef PAIR
	return n;
}

/* The per-second points of the charts (malloc'd; NULL for none, or when
 * memory ran out: *failed says which). */
static struct html_second *timeline_points(const struct run_result *r, int *failed)
{
	struct html_second *seconds;
	size_t i;

	*failed = 0;
	if (!r->timeline->count)
		return NULL;
	if (!(seconds = calloc(r->timeline->count, sizeof *seconds))) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < r->timeline->count; i++) {
		const struct timeline_second *t = &r->timeline->seconds[i];
		seconds[i].t = (double)i;
		seconds[i].requests = t->requests;
		seconds[i].errors = t->errors;
		seconds[i].p50 = (double)t->p50_ns / 1e9;
		seconds[i].p99 = (double)t->p99_ns / 1e9;
		seconds[i].target_rate = t->target_rate;
		seconds[i].seconds = t->seconds;
	}
	return seconds;
}

/* Statuses seen, with "no response" for 0; how many rows. */
static size_t status_rows(const struct stats *st, struct html_row *rows, char names[][16])
{
	size_t i, n = 0;

	for (i = 0; i < STATUS_CODES; i++) {
		if (!st->status_counts[i])
			continue;
		if (i == 0)
			snprintf(names[n], 16, "no response");
		else
			snprintf(names[n], 16, "%zu", i);
		rows[n].label = names[n];
		rows[n].count = st->status_counts[i];
		n++;
	}
	return n;
}

/* The view's rows of the load test's groups, with their failure classes
 * (in *class_rows, the caller's to free) and, for the first
 * HTML_GROUP_CURVES groups with latencies, their percentile curves (in
 * curves); how many rows, or -1 when out of memory. */
static long group_rows(const struct groups *g, struct html_group *rows,
                       struct html_row **class_rows, struct html_point (*curves)[CURVE_POINTS])
{
	size_t i, k, total = 0, next = 0, curved = 0;

	*class_rows = NULL;
	if (!g)
		return 0;
	for (i = 0; i < g->count; i++)
		total += g->items[i]->class_count;
	if (total && !(*class_rows = calloc(total, sizeof **class_rows)))
		return -1;
	for (i = 0; i < g->count; i++) {
		const struct group *e = g->items[i];

		memset(&rows[i], 0, sizeof rows[i]);
		rows[i].name = e->name;
		rows[i].requests = e->requests;
		rows[i].failed = e->failed;
		if (e->class_count) { /* else *class_rows may be NULL: no offset, no qsort */
			rows[i].classes = *class_rows + next;
			for (k = 0; k < e->class_count; k++) {
				(*class_rows)[next + k].label = e->classes[k].reason;
				(*class_rows)[next + k].count = e->classes[k].count;
			}
			qsort(*class_rows + next, e->class_count, sizeof **class_rows, by_count_down);
			rows[i].class_count = e->class_count;
			next += e->class_count;
		}
		rows[i].measured = e->latency.total > 0;
		if (!rows[i].measured)
			continue;
		rows[i].p50 = (double)histogram_percentile(&e->latency, 50) / 1e9;
		rows[i].p90 = (double)histogram_percentile(&e->latency, 90) / 1e9;
		rows[i].p99 = (double)histogram_percentile(&e->latency, 99) / 1e9;
		rows[i].max = (double)e->latency.max / 1e9;
		if (curved < HTML_GROUP_CURVES) {
			rows[i].curve = curves[curved];
			rows[i].curve_count = percentile_curve(&e->latency, curves[curved++], CURVE_POINTS);
		}
	}
	return (long)g->count;
}

int report_write_html(const char *path, const struct run_result *r)
{
	const struct job *job = r->job;
	struct html_report_view v;
	struct html_point latency[CURVE_POINTS], service[CURVE_POINTS];
	struct html_pair pairs[HTML_PAIRS];
	char values[HTML_PAIRS][64], subtitle[320], stamp[32];
	char status_names[STATUS_CODES][16];
	const char *warning_list[RUN_WARNINGS];
	struct html_row statuses[STATUS_CODES], errors[32];
	struct html_verdict verdicts[64];
	struct html_group groups[GROUPS_MAX + 1];
	struct html_point group_curves[HTML_GROUP_CURVES][CURVE_POINTS];
	struct html_row *group_classes;
	long group_count;
	char actual[64][48], class_names[32][24];
	struct reason_count classes[32];
	size_t i, n;
	time_t now = time(NULL);
	struct tm tm;
	int rc, failed;

	memset(&v, 0, sizeof v);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(subtitle, sizeof subtitle, "%s strategy; %s%s", job->strategy.name, r->model,
	         r->interrupted ? " (interrupted)" : "");
	v.title = r->job_path ? r->job_path : "scrape run";
	v.subtitle = subtitle;
	v.finished_at = stamp;
	v.version = PACKAGE_VERSION;
	v.summary = pairs;
	v.summary_count = summary_pairs(r, pairs, values);
	v.latency = latency;
	v.latency_count = percentile_curve(&r->stats->latency, latency, CURVE_POINTS);
	if (job->open_model) {
		v.service = service;
		v.service_count = percentile_curve(&r->stats->service, service, CURVE_POINTS);
	}
	v.timeline = timeline_points(r, &failed);
	if (failed) {
		log_error("out of memory writing the HTML report");
		return -1;
	}
	v.timeline_count = v.timeline ? r->timeline->count : 0;
	v.statuses = statuses;
	v.status_count = status_rows(r->stats, statuses, status_names);
	n = stats_error_classes(r->stats, classes, 32, class_names);
	for (i = 0; i < n; i++) {
		errors[i].label = classes[i].reason;
		errors[i].count = classes[i].count;
	}
	v.errors = errors;
	v.error_count = n;
	for (i = 0; i < job->threshold_count && i < 64; i++) {
		verdicts[i].text = job->thresholds[i].text;
		verdicts[i].passed = threshold_verdict(&job->thresholds[i], r, actual[i],
		                                       sizeof actual[i], NULL);
		verdicts[i].actual = actual[i];
	}
	v.thresholds = verdicts;
	v.threshold_count = i;
	v.warning_count = r->warning_count;
	for (i = 0; i < v.warning_count; i++)
		warning_list[i] = r->warnings[i];
	v.warnings = warning_list;
	group_count = group_rows(r->stats->groups, groups, &group_classes, group_curves);
	if (group_count < 0) {
		log_error("out of memory writing the HTML report");
		free((void *)v.timeline);
		return -1;
	}
	v.groups = groups;
	v.group_count = (size_t)group_count;
	if (r->stats->proxy_count) {
		struct html_proxy *proxies = calloc(r->stats->proxy_count, sizeof *proxies);

		if (!proxies) {
			log_error("out of memory writing the HTML report");
			free(group_classes);
			free((void *)v.timeline);
			return -1;
		}
		for (i = 0; i < r->stats->proxy_count; i++) {
			proxies[i].name = r->stats->proxies[i].host;
			proxies[i].requests = r->stats->proxies[i].requests;
			proxies[i].failed = r->stats->proxies[i].failed;
		}
		v.proxies = proxies;
		v.proxy_count = r->stats->proxy_count;
	}

	rc = html_report_write(path, &v);
	free((void *)v.proxies);
	free(group_classes);
	free((void *)v.timeline);
	return rc;
}

void report_print_summary(const struct run_result *r, const struct report_summary *rs, int json,
                          FILE *out)
{
	const struct job *job = r->job;
	struct load_facts load = { 0 };

	if (json) {
		/* the report's members, less the load test's for a crawl */
		struct summary_input in = rs->in;
		in.load = r->load_test;
		summary_print_json(&in, NULL, out);
		return;
	}
	load.open_model = job->open_model;
	load.schedule = r->schedule;
	load.model = r->model;
	load.warmup_ns = job->warmup_ns;
	stats_print_summary(r->stats, r->sum.seconds, r->interrupted, r->load_test ? &load : NULL, out);
	if (r->fact_count) {
		/* how the strategy ran it, as it said (the report's strategy_facts) */
		fprintf(out, "  %s strategy:", job->strategy.name);
		for (size_t i = 0; i < r->fact_count; i++)
			fprintf(out, "%s %s %s", i ? "," : "", r->facts[i].key, r->facts[i].value);
		fputc('\n', out);
	}
	if (r->segments)
		fprintf(out, "  segment %u of %u of the job%s%s (workers, limits and starts are its "
		        "share; scrape --merge adds the segments up)\n", r->segment, r->segments,
		        r->run_id ? ", run " : "", r->run_id ? r->run_id : "");
	if (job->random_order || job->poisson)
		fprintf(out, "  %s%s%s, seed %llu\n", job->random_order ? "random order" : "",
		        job->random_order && job->poisson ? " and " : "",
		        job->poisson ? "poisson arrivals" : "", (unsigned long long)job->seed);
	groups_print(r->stats->groups, job->open_model, out);
	stats_print_proxies(r->stats, out);
	print_host_delays(r, out);
	threshold_check(r, out, NULL);
}
