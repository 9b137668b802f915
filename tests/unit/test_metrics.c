/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/report/metrics_text.c: the run's histogram in the
 * fixed buckets, and a hand-made snapshot rendered in the Prometheus text
 * format (samples, labels escaped, histograms cumulative and ending in
 * +Inf, crawl figures only for a crawl).  The integration test
 * (tests/integration/metrics.sh) parses the output with prometheus_client.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "report/metrics.h"
#include "tap.h"

/* Whether text has line as one of its lines. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void test_bounds(void)
{
	size_t i;
	int rising = 1;

	for (i = 1; i < METRICS_BOUNDS; i++)
		rising &= metrics_bounds[i] > metrics_bounds[i - 1];
	ok(rising, "bucket bounds rise");
	ok(metrics_bounds[0] == 0.0001 && metrics_bounds[METRICS_BOUNDS - 1] == 60,
	   "bucket bounds run from 100 us to 60 s");
}

static void test_histogram(void)
{
	static struct histogram h;
	struct metrics_histogram m;
	size_t i;
	int cumulative = 1;

	histogram_init(&h);
	histogram_record(&h, 50000);          /* 50 us: first bucket */
	histogram_record(&h, 150000);         /* 150 us: le 0.0002 */
	histogram_record(&h, 3000000);        /* 3 ms: le 0.005 */
	histogram_record(&h, 900000000);      /* 900 ms: le 1 */
	histogram_record(&h, 90000000000LL);  /* 90 s: only +Inf */
	metrics_histogram_of(&m, &h);
	ok(m.count == 5, "count is every value (%llu)", (unsigned long long)m.count);
	ok(m.le[0] == 1 && m.le[1] == 2 && m.le[4] == 2 && m.le[5] == 3, "le 100us, 200us, 2ms, 5ms: 1 2 2 3");
	ok(m.le[11] == 3 && m.le[12] == 4, "le 0.5 s then 1 s: 3 then 4");
	ok(m.le[METRICS_BOUNDS - 1] == 4, "90 s is beyond the last bound");
	for (i = 1; i < METRICS_BOUNDS; i++)
		cumulative &= m.le[i] >= m.le[i - 1];
	ok(cumulative, "buckets are cumulative");
	ok(m.sum_seconds > 90.9 && m.sum_seconds < 90.91, "sum in seconds (%f)", m.sum_seconds);
}

static void test_render(void)
{
	static struct metrics_snapshot s;
	static struct histogram h;
	struct reason_count refusals[] = { { "robots.txt", 3 }, { "say \"no\"\\\nnow", 1 } };
	struct reason_count classes[] = { { "http 5xx", 2 } };
	struct buf b = { 0 };

	memset(&s, 0, sizeof s);
	s.ok = 7;
	s.failed = 2;
	s.status_counts[200] = 7;
	s.status_counts[503] = 2;
	s.sent = 9;
	s.bytes_in = 1234;
	s.in_flight = 3;
	s.target_rate = 250;
	s.late = 1;
	histogram_init(&h);
	histogram_record(&h, 1500000);
	metrics_histogram_of(&s.latency, &h);
	ok(metrics_counts_copy(&s.refusals, &s.refusal_count, refusals, 2) == 0 &&
	   metrics_counts_copy(&s.classes, &s.class_count, classes, 1) == 0, "lists copied");
	s.groups = calloc(1, sizeof *s.groups);
	s.group_count = 1;
	s.groups[0].name = strdup("GET http://127.0.0.1/a");
	s.groups[0].requests = 9;
	s.groups[0].latency = s.latency;
	metrics_render(&s, &b);
	ok(!b.oom && b.data, "rendered");
	if (!b.data)
		return;
	ok(has_line(b.data, "# TYPE scrape_requests_total counter"), "requests: a counter");
	ok(has_line(b.data, "scrape_requests_total{status=\"200\"} 7") &&
	   has_line(b.data, "scrape_requests_total{status=\"503\"} 2") &&
	   !strstr(b.data, "status=\"404\""), "requests by status, only those seen");
	ok(has_line(b.data, "scrape_failures_total{class=\"http 5xx\"} 2"), "failures by class");
	ok(has_line(b.data, "scrape_refusals_total{reason=\"robots.txt\"} 3"), "refusals by reason");
	ok(has_line(b.data, "scrape_refusals_total{reason=\"say \\\"no\\\"\\\\\\nnow\"} 1"),
	   "label values escaped: quote, backslash, newline");
	ok(has_line(b.data, "scrape_received_bytes_total 1234"), "bytes received");
	ok(has_line(b.data, "scrape_in_flight 3") && has_line(b.data, "# TYPE scrape_in_flight gauge"),
	   "in flight: a gauge");
	ok(has_line(b.data, "scrape_target_rate 250"), "target rate");
	ok(has_line(b.data, "scrape_late_starts_total 1"), "late starts");
	ok(has_line(b.data, "# TYPE scrape_latency_seconds histogram"), "latency: a histogram");
	ok(has_line(b.data, "scrape_latency_seconds_bucket{le=\"0.001\"} 0") &&
	   has_line(b.data, "scrape_latency_seconds_bucket{le=\"0.002\"} 1") &&
	   has_line(b.data, "scrape_latency_seconds_bucket{le=\"+Inf\"} 1") &&
	   has_line(b.data, "scrape_latency_seconds_count 1"), "latency buckets, +Inf and count");
	ok(has_line(b.data, "scrape_latency_seconds_bucket{le=\"0.0001\"} 0") &&
	   has_line(b.data, "scrape_latency_seconds_bucket{le=\"60\"} 1"), "bounds printed plainly");
	ok(has_line(b.data, "scrape_group_requests_total{group=\"GET http://127.0.0.1/a\"} 9"),
	   "requests by group");
	ok(has_line(b.data, "scrape_group_latency_seconds_bucket{group=\"GET http://127.0.0.1/a\",le=\"+Inf\"} 1") &&
	   has_line(b.data, "scrape_group_latency_seconds_count{group=\"GET http://127.0.0.1/a\"} 1"),
	   "group histogram labelled");
	ok(!strstr(b.data, "scrape_crawl_"), "no crawl figures for a load test");
	ok(has_line(b.data, "scrape_run_finished 0"), "not finished");
	buf_free(&b);

	s.crawl = 1;
	s.queue_length = 42;
	s.finished = 1;
	metrics_render(&s, &b);
	ok(b.data && has_line(b.data, "scrape_crawl_queue_length 42") &&
	   has_line(b.data, "scrape_crawl_pages_total 9"), "a crawl: queue length and pages");
	ok(b.data && has_line(b.data, "scrape_run_finished 1"), "finished");
	buf_free(&b);
	metrics_snapshot_free(&s);
	ok(s.groups == NULL && s.refusals == NULL, "snapshot freed");
}

int main(void)
{
	test_bounds();
	test_histogram();
	test_render();
	return done_testing();
}
