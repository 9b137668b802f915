/* SPDX-License-Identifier: MIT */
/*
 * The summary's JSON members, written once for the report, --format json
 * and --merge --format json.  Seconds are printed to the nanosecond the
 * histograms count in, so a report read back by --merge prints the same
 * digits.
 */
#include <config.h>

#include "report/summary.h"

#include <math.h>
#include <stdio.h>

#include "util/buf.h"
#include "results/groups.h"
#include "results/stats.h"

/* ,"name":seconds to the nanosecond; null if not finite, as "inf" and
 * "nan" are not JSON (sums of hostile merged reports could get there) */
static void summary_seconds(struct buf *b, const char *name, double ns)
{
	if (isfinite(ns))
		buf_printf(b, ",\"%s\":%.9f", name, ns / 1e9);
	else
		buf_printf(b, ",\"%s\":null", name);
}

/* "name":{count, min, mean, stddev, p50 ... p99.99, max} in seconds */
static void summary_distribution(struct buf *b, const char *name, const struct histogram *h)
{
	char point[16];
	size_t i;

	buf_printf(b, ",\"%s\":{", name);
	if (!h->total) {
		buf_puts(b, "\"count\":0}");
		return;
	}
	buf_printf(b, "\"count\":%llu", (unsigned long long)h->total);
	summary_seconds(b, "min", (double)h->min);
	summary_seconds(b, "mean", histogram_mean(h));
	summary_seconds(b, "stddev", histogram_stddev(h));
	for (i = 0; i < STATS_POINTS; i++) {
		snprintf(point, sizeof point, "p%g", stats_points[i]);
		summary_seconds(b, point, (double)histogram_percentile(h, stats_points[i]));
	}
	summary_seconds(b, "max", (double)h->max);
	buf_putc(b, '}');
}

/* ,"name":{"reason":count,...} in the order the run met them */
static void summary_reasons(struct buf *b, const char *name, const struct reason_count *r,
                            size_t n)
{
	size_t i;

	buf_printf(b, ",\"%s\":{", name);
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_string(b, r[i].reason);
		buf_printf(b, ":%llu", (unsigned long long)r[i].count);
	}
	buf_putc(b, '}');
}

void summary_buckets(struct buf *b, const char *name, const struct histogram *h)
{
	size_t i;
	int first = 1;

	buf_printf(b, "\"%s\":{\"unit\":\"ns\",\"buckets\":[", name);
	for (i = 0; i < HISTOGRAM_BUCKETS; i++) {
		int64_t low, high;
		if (!h->counts[i])
			continue;
		histogram_bucket(i, &low, &high);
		buf_printf(b, "%s[%lld,%lld,%llu]", first ? "" : ",", (long long)low, (long long)high,
		           (unsigned long long)h->counts[i]);
		first = 0;
	}
	buf_puts(b, "]}");
}

/* ,"status_counts":{"200":n,...}, 0 for no response */
static void summary_statuses(struct buf *b, const uint64_t *counts)
{
	int first = 1;
	size_t i;

	buf_puts(b, ",\"status_counts\":{");
	for (i = 0; i < STATUS_CODES; i++) {
		if (!counts[i])
			continue;
		buf_printf(b, "%s\"%zu\":%llu", first ? "" : ",", i, (unsigned long long)counts[i]);
		first = 0;
	}
	buf_putc(b, '}');
}

/* ,"groups":[{name, requests, failed, failed_by_class, statuses, distributions and the
 * buckets --merge adds up}, ...] in the order the run met them */
static void summary_groups(struct buf *b, const struct summary_input *in)
{
	const struct groups *g = in->stats->groups;
	size_t i;

	buf_puts(b, ",\"groups\":[");
	for (i = 0; i < g->count; i++) {
		const struct group *e = g->items[i];

		buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		buf_json_string(b, e->name);
		buf_printf(b, ",\"requests\":%llu,\"failed\":%llu", (unsigned long long)e->requests,
		           (unsigned long long)e->failed);
		if (in->open_model)
			buf_printf(b, ",\"late\":%llu", (unsigned long long)e->late);
		summary_reasons(b, "failed_by_class", e->classes, e->class_count);
		summary_statuses(b, e->status_counts);
		summary_distribution(b, "latency_seconds", &e->latency);
		if (in->open_model)
			summary_distribution(b, "service_time_seconds", &e->service);
		buf_putc(b, ',');
		summary_buckets(b, "latency_histogram", &e->latency);
		if (in->open_model) {
			buf_putc(b, ',');
			summary_buckets(b, "service_time_histogram", &e->service);
		}
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

static void summary_counts(struct buf *b, const struct summary_input *in)
{
	const struct stats *s = in->stats;
	uint64_t done = s->ok + s->failed;

	buf_printf(b, "\"requests\":%llu,\"ok\":%llu,\"failed\":%llu,\"retries\":%llu,",
	           (unsigned long long)done, (unsigned long long)s->ok,
	           (unsigned long long)s->failed, (unsigned long long)s->retries);
	buf_printf(b, "\"seconds\":%.9f,\"interrupted\":%s,\"requests_per_second\":%.3f,",
	           in->seconds, in->interrupted ? "true" : "false",
	           in->seconds > 0 ? (double)done / in->seconds : 0.0);
	buf_printf(b, "\"bytes\":%llu", (unsigned long long)s->bytes);
	summary_statuses(b, s->status_counts);
	summary_reasons(b, "failed_by_reason", s->reasons, s->reason_count);
	summary_reasons(b, "refused_by_reason", s->refusals, s->refusal_count);
	if (s->recrawl)
		buf_printf(b, ",\"recrawl\":{\"unchanged\":%llu,\"changed\":%llu,\"new\":%llu}",
		           (unsigned long long)s->recrawl_unchanged, (unsigned long long)s->recrawl_changed,
		           (unsigned long long)s->recrawl_new);
	summary_distribution(b, "latency_seconds", &s->latency);
}

static void summary_load(struct buf *b, const struct summary_input *in)
{
	const struct stats *s = in->stats;
	struct reason_count classes[32];
	char names[32][24];
	size_t i, n;

	buf_printf(b, ",\"sent\":%llu,\"late\":%llu,\"dropped\":%llu,\"warmup_requests\":%llu,"
	           "\"bytes_in\":%llu,\"bytes_out\":%llu,\"connections_opened\":%llu,"
	           "\"peak_in_flight\":%llu",
	           (unsigned long long)s->sent, (unsigned long long)s->late,
	           (unsigned long long)s->dropped, (unsigned long long)s->warmup,
	           (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
	           (unsigned long long)s->connections, (unsigned long long)s->peak_in_flight);
	if (in->model)
		buf_printf(b, ",\"model\":%s", in->model);
	n = stats_error_classes(s, classes, 32, names);
	summary_reasons(b, "failed_by_class", classes, n);
	/* the closed model measures from the actual send: one and the same */
	summary_distribution(b, "service_time_seconds", in->open_model ? &s->service : &s->latency);
	if (in->open_model && in->send_lag)
		summary_distribution(b, "send_lag_seconds", &s->lag);
	if (!in->warnings)
		return;
	buf_puts(b, ",\"warnings\":[");
	for (i = 0; i < in->warning_count; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_string(b, in->warnings[i]);
	}
	buf_putc(b, ']');
}

/* ,"proxies":[{"proxy":NAME,"requests":n,"failed":n},...]: each proxy's
 * attempts, its password masked in the name */
static void summary_proxies(struct buf *b, const struct stats *s)
{
	size_t i;

	buf_puts(b, ",\"proxies\":[");
	for (i = 0; i < s->proxy_count; i++) {
		buf_puts(b, i ? ",{\"proxy\":" : "{\"proxy\":");
		buf_json_string(b, s->proxies[i].host);
		buf_printf(b, ",\"requests\":%llu,\"failed\":%llu}",
		           (unsigned long long)s->proxies[i].requests,
		           (unsigned long long)s->proxies[i].failed);
	}
	buf_putc(b, ']');
}

void summary_json_members(struct buf *b, const struct summary_input *in)
{
	summary_counts(b, in);
	if (in->stats->proxy_count)
		summary_proxies(b, in->stats);
	if (in->load)
		summary_load(b, in);
	if (in->load && in->stats->groups && in->stats->groups->count)
		summary_groups(b, in);
	if (in->thresholds)
		buf_printf(b, ",\"thresholds\":%s", in->thresholds);
}

int summary_print_json(const struct summary_input *in, const char *extra, FILE *out)
{
	struct buf b = { 0 };
	int rc = -1;

	buf_putc(&b, '{');
	summary_json_members(&b, in);
	if (extra)
		buf_printf(&b, ",%s", extra);
	buf_puts(&b, "}\n");
	if (!b.oom) {
		fputs(b.data, out);
		rc = 0;
	}
	buf_free(&b);
	return rc;
}
