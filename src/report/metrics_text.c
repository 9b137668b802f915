/* SPDX-License-Identifier: MIT */
/*
 * A metrics snapshot (metrics.h) in the Prometheus text exposition
 * format, version 0.0.4: one HELP and TYPE line per metric, then its
 * samples.  Pure: it turns a value into text, so tests feed it by hand;
 * the list of metrics here is the one man/scrape.1 documents under
 * METRICS, and the two must change together.
 */
#include <config.h>

#include "report/metrics.h"

#include <stdlib.h>
#include <string.h>

const double metrics_bounds[METRICS_BOUNDS] = {
	0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
	0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 60,
};

void metrics_histogram_of(struct metrics_histogram *out, const struct histogram *h)
{
	uint64_t per[METRICS_BOUNDS] = { 0 };
	size_t i, j = 0;

	memset(out, 0, sizeof *out);
	for (i = 0; i < HISTOGRAM_BUCKETS; i++) {
		int64_t low, high;

		if (!h->counts[i])
			continue;
		histogram_bucket(i, &low, &high);
		/* buckets come in rising order, so the bound only moves up */
		while (j < METRICS_BOUNDS && (double)high > metrics_bounds[j] * 1e9)
			j++;
		if (j < METRICS_BOUNDS)
			per[j] += h->counts[i];
		out->count += h->counts[i];
	}
	for (i = 0; i < METRICS_BOUNDS; i++)
		out->le[i] = per[i] + (i ? out->le[i - 1] : 0);
	out->sum_seconds = h->sum / 1e9;
}

int metrics_counts_copy(struct metrics_count **out, size_t *out_count, const struct reason_count *list,
                        size_t count)
{
	size_t i;

	*out = NULL;
	*out_count = 0;
	if (!count)
		return 0;
	if (!(*out = calloc(count, sizeof **out)))
		return -1;
	for (i = 0; i < count; i++) {
		if (!((*out)[i].name = strdup(list[i].reason)))
			return -1;
		(*out)[i].count = list[i].count;
		(*out_count)++;
	}
	return 0;
}

static void counts_free(struct metrics_count *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(list[i].name);
	free(list);
}

void metrics_snapshot_free(struct metrics_snapshot *s)
{
	size_t i;

	counts_free(s->classes, s->class_count);
	counts_free(s->refusals, s->refusal_count);
	for (i = 0; i < s->group_count; i++) {
		free(s->groups[i].name);
		counts_free(s->groups[i].classes, s->groups[i].class_count);
	}
	free(s->groups);
	s->classes = s->refusals = NULL;
	s->groups = NULL;
	s->class_count = s->refusal_count = s->group_count = 0;
}

/* A label value: backslash, quote and newline escaped as the format
 * wants; other control characters (from error messages or URLs) would
 * only garble a dashboard, so they become '?'. */
static void put_label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			buf_putc(b, '?');
		} else {
			buf_putc(b, (char)c);
		}
	}
}

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void plain(struct buf *b, const char *name, const char *type, const char *help, uint64_t v)
{
	head(b, name, type, help);
	buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void real(struct buf *b, const char *name, const char *help, double v)
{
	head(b, name, "gauge", help);
	buf_printf(b, "%s %.9g\n", name, v);
}

/* name{label="value"} count for each entry of list; prefix, if not NULL,
 * is a first label already composed (group="..."). */
static void labelled(struct buf *b, const char *name, const char *prefix, const char *label,
                     const struct metrics_count *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		buf_printf(b, "%s{%s%s%s=\"", name, prefix ? prefix : "", prefix ? "," : "", label);
		put_label(b, list[i].name);
		buf_printf(b, "\"} %llu\n", (unsigned long long)list[i].count);
	}
}

/* The samples of one histogram; labels is NULL or "group=\"...\"". */
static void histogram_samples(struct buf *b, const char *name, const char *labels,
                              const struct metrics_histogram *h)
{
	const char *sep = labels ? "," : "";
	size_t i;

	if (!labels)
		labels = "";
	for (i = 0; i < METRICS_BOUNDS; i++)
		buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, metrics_bounds[i],
		           (unsigned long long)h->le[i]);
	buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)h->count);
	buf_printf(b, "%s_sum%s%s%s %.9f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
	           h->sum_seconds);
	buf_printf(b, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
	           (unsigned long long)h->count);
}

static void requests(struct buf *b, const struct metrics_snapshot *s)
{
	size_t i;

	head(b, "scrape_requests_total", "counter",
	     "Requests finished (after the warmup), by HTTP status; status 0: no response.");
	for (i = 0; i < STATUS_CODES; i++)
		if (s->status_counts[i])
			buf_printf(b, "scrape_requests_total{status=\"%zu\"} %llu\n", i,
			           (unsigned long long)s->status_counts[i]);
	head(b, "scrape_failures_total", "counter",
	     "Requests that failed, by class of error (connect, timeout, http 5xx, ...).");
	labelled(b, "scrape_failures_total", NULL, "class", s->classes, s->class_count);
	plain(b, "scrape_retries_total", "counter", "Attempts that failed and were tried again.",
	      s->retries);
	plain(b, "scrape_requests_started_total", "counter",
	      "Requests started (after the warmup; retries not counted).", s->sent);
	plain(b, "scrape_warmup_requests_total", "counter",
	      "Requests finished in the warmup, left out of the other figures.", s->warmup);
	head(b, "scrape_refusals_total", "counter",
	     "URLs not fetched, by reason (robots.txt, out of scope, no file descriptor...).");
	labelled(b, "scrape_refusals_total", NULL, "reason", s->refusals, s->refusal_count);
}

static void traffic(struct buf *b, const struct metrics_snapshot *s)
{
	plain(b, "scrape_body_bytes_total", "counter", "Response body bytes (decoded) of the requests.",
	      s->bytes);
	plain(b, "scrape_received_bytes_total", "counter",
	      "Bytes received: response headers and bodies, every attempt, warmup included.", s->bytes_in);
	plain(b, "scrape_sent_bytes_total", "counter",
	      "Bytes sent: request headers and bodies, every attempt, warmup included.", s->bytes_out);
	plain(b, "scrape_connections_opened_total", "counter", "Connections opened, warmup included.",
	      s->connections);
	plain(b, "scrape_in_flight", "gauge", "Requests in flight now.", s->in_flight);
	plain(b, "scrape_peak_in_flight", "gauge", "Most requests in flight at once so far.",
	      s->peak_in_flight);
}

static void rates(struct buf *b, const struct metrics_snapshot *s)
{
	real(b, "scrape_target_rate", "Requests a second the schedule asks for now (open model; 0 otherwise).",
	     s->target_rate);
	real(b, "scrape_achieved_rate", "Requests started in the last whole second of the run.",
	     s->achieved_rate);
	plain(b, "scrape_late_starts_total", "counter",
	      "Open model: starts that left more than 1 ms after their scheduled time.", s->late);
	plain(b, "scrape_dropped_starts_total", "counter",
	      "Open model: scheduled starts that never left before the end.", s->dropped);
	head(b, "scrape_latency_seconds", "histogram",
	     "Latency of the requests with a response: from the scheduled start in the open model.");
	histogram_samples(b, "scrape_latency_seconds", NULL, &s->latency);
	head(b, "scrape_service_time_seconds", "histogram",
	     "Service time of the requests with a response: from the actual send.");
	histogram_samples(b, "scrape_service_time_seconds", NULL, &s->service);
}

static void groups(struct buf *b, const struct metrics_snapshot *s)
{
	struct buf label = { 0 };
	size_t i;

	head(b, "scrape_group_requests_total", "counter", "Requests finished, by group (endpoint).");
	for (i = 0; i < s->group_count; i++) {
		buf_puts(b, "scrape_group_requests_total{group=\"");
		put_label(b, s->groups[i].name);
		buf_printf(b, "\"} %llu\n", (unsigned long long)s->groups[i].requests);
	}
	head(b, "scrape_group_failures_total", "counter", "Requests that failed, by group and class of error.");
	for (i = 0; i < s->group_count; i++) {
		buf_reset(&label);
		buf_puts(&label, "group=\"");
		put_label(&label, s->groups[i].name);
		buf_putc(&label, '"');
		if (!label.oom)
			labelled(b, "scrape_group_failures_total", label.data, "class", s->groups[i].classes,
			         s->groups[i].class_count);
	}
	head(b, "scrape_group_latency_seconds", "histogram", "Latency of the requests with a response, by group.");
	for (i = 0; i < s->group_count; i++) {
		buf_reset(&label);
		buf_puts(&label, "group=\"");
		put_label(&label, s->groups[i].name);
		buf_putc(&label, '"');
		if (!label.oom)
			histogram_samples(b, "scrape_group_latency_seconds", label.data, &s->groups[i].latency);
	}
	b->oom |= label.oom;
	buf_free(&label);
}

static void crawl(struct buf *b, const struct metrics_snapshot *s)
{
	plain(b, "scrape_crawl_pages_total", "counter", "A crawl: pages fetched, failed ones too.",
	      s->ok + s->failed);
	plain(b, "scrape_crawl_urls_total", "counter", "A crawl: URLs handed out, seeds and links.",
	      s->crawl_issued);
	plain(b, "scrape_crawl_queue_length", "gauge",
	      "A crawl: URLs waiting, in the frontier and the per-host queues.", s->queue_length);
	plain(b, "scrape_robots_fetched_total", "counter", "A crawl: robots.txt files fetched.",
	      s->robots_fetched);
}

void metrics_render(const struct metrics_snapshot *s, struct buf *out)
{
	requests(out, s);
	traffic(out, s);
	rates(out, s);
	groups(out, s);
	if (s->crawl)
		crawl(out, s);
	real(out, "scrape_elapsed_seconds", "Seconds since the run started.", s->elapsed_seconds);
	plain(out, "scrape_run_finished", "gauge", "1 once the run is over and these are its final figures.",
	      (uint64_t)s->finished);
}
