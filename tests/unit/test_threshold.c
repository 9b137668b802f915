/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of threshold verdicts (src/results/threshold.c) from a
 * hand-made struct run_result: latency percentiles and extremes, error
 * rate, rate and counts, each operator at its boundary (a value equal to
 * the bound), latency thresholds on a run that measured nothing, and the
 * verdict lines and JSON that threshold_check writes, and thresholds on
 * one group of a load test.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/job.h"
#include "results/groups.h"
#include "results/run_result.h"
#include "results/stats.h"
#include "results/threshold.h"
#include "util/buf.h"
#include "tap.h"

static struct job_threshold threshold(const char *metric, const char *op, double value)
{
	struct job_threshold t;

	memset(&t, 0, sizeof t);
	snprintf(t.metric, sizeof t.metric, "%s", metric);
	snprintf(t.op, sizeof t.op, "%s", op);
	t.value = value;
	snprintf(t.text, sizeof t.text, "%s %s %g", metric, op, value);
	return t;
}

/* The verdict of "metric op value" on r, with what was measured. */
static int verdict(const struct run_result *r, const char *metric, const char *op, double value,
                   char *actual, size_t len, double *got)
{
	struct job_threshold t = threshold(metric, op, value);

	return threshold_verdict(&t, r, actual, len, got);
}

/* Checks one verdict and, if want_actual is not NULL, its words. */
static void expect(const struct run_result *r, const char *metric, const char *op, double value,
                   int want, const char *want_actual)
{
	char actual[48];
	double got;
	int pass = verdict(r, metric, op, value, actual, sizeof actual, &got);

	if (!ok(pass == want, "%s %s %g: %s (measured %s)", metric, op, value,
	        want ? "pass" : "fail", actual))
		printf("#   got %s, value %.17g\n", pass ? "pass" : "fail", got);
	if (want_actual)
		is_str(actual, want_actual, "  and says so as a person reads it");
}

/* 100 requests over 2 s, 2 failed; 98 latencies of 10..107 ms. */
static void fill(struct run_result *r, struct stats *st)
{
	int i;

	stats_init(st);
	for (i = 0; i < 98; i++) {
		st->ok++;
		histogram_record(&st->latency, (int64_t)(10 + i) * 1000000);
	}
	stats_fail(st, "HTTP 503");
	stats_fail(st, "HTTP 503");
	st->late = 3;
	memset(r, 0, sizeof *r);
	r->stats = st;
	r->sum.requests = 100;
	r->sum.ok = 98;
	r->sum.failed = 2;
	r->sum.seconds = 2.0;
}

static void test_counts_and_rates(void)
{
	static struct stats st;
	struct run_result r;

	fill(&r, &st);
	expect(&r, "error_rate", "<", 0.05, 1, "2%");
	expect(&r, "error_rate", "<", 0.02, 0, NULL);
	expect(&r, "error_rate", "<=", 0.02, 1, NULL);
	expect(&r, "error_rate", "==", 0.02, 1, NULL);
	expect(&r, "rate", ">=", 50, 1, "50.0/s");
	expect(&r, "rate", ">", 50, 0, NULL);
	expect(&r, "rate", "<", 50.001, 1, NULL);
	expect(&r, "requests", "==", 100, 1, "100");
	expect(&r, "requests", "<", 100, 0, NULL);
	expect(&r, "failed", "<=", 2, 1, "2");
	expect(&r, "failed", ">", 2, 0, NULL);
	expect(&r, "late", "==", 3, 1, "3");
	expect(&r, "dropped", "==", 0, 1, "0");

	/* nothing requested: no errors, no rate, but a count of zero */
	r.sum.requests = r.sum.failed = 0;
	r.sum.seconds = 0;
	expect(&r, "error_rate", "<", 0.01, 1, "0%");
	expect(&r, "rate", ">", 0, 0, "0.0/s");
	expect(&r, "requests", "==", 0, 1, NULL);
	stats_free(&st);
}

static void test_latency(void)
{
	static struct stats st;
	struct run_result r;
	char actual[48];
	double got, p99;

	fill(&r, &st);
	p99 = (double)histogram_percentile(&st.latency, 99) / 1e9;
	expect(&r, "p99", "<", 0.250, 1, NULL);
	expect(&r, "p99", "<", 0.050, 0, NULL);
	/* at the measured value itself: < fails, <= and == pass */
	expect(&r, "p99", "<", p99, 0, NULL);
	expect(&r, "p99", "<=", p99, 1, NULL);
	expect(&r, "p99", "==", p99, 1, NULL);
	verdict(&r, "p99", "<", 1, actual, sizeof actual, &got);
	ok(got > 0.105 && got < 0.109, "p99 is the histogram's, within its error (%.6f s)", got);
	/* min and max are kept exactly */
	expect(&r, "max", "<=", 0.107, 1, "107ms");
	expect(&r, "max", "<", 0.107, 0, NULL);
	expect(&r, "min", ">=", 0.010, 1, "10ms");
	expect(&r, "mean", "<", 0.060, 1, NULL);
	expect(&r, "stddev", ">", 0, 1, NULL);
	stats_free(&st);
}

/* A latency goal on a run that measured no latency fails: an empty run
 * met no goal, whichever way the comparison points. */
static void test_no_data(void)
{
	static struct stats st;
	struct run_result r;
	char actual[48];
	double got = 0;

	stats_init(&st);
	memset(&r, 0, sizeof r);
	r.stats = &st;
	r.sum.requests = 3;
	r.sum.failed = 3;
	r.sum.seconds = 1;
	ok(!verdict(&r, "p99", "<", 1, actual, sizeof actual, &got), "no data: p99 < 1s fails");
	is_str(actual, "nothing measured", "no data: and says nothing was measured");
	ok(got == -1, "no data: the value is -1");
	ok(!verdict(&r, "max", ">", 0, actual, sizeof actual, NULL), "no data: max > 0 fails too");
	ok(!verdict(&r, "mean", ">=", 0, actual, sizeof actual, NULL), "no data: mean >= 0 fails");
	expect(&r, "error_rate", "==", 1, 1, "100%");
	stats_free(&st);
}

/* threshold_check: one line per verdict, the JSON array, the count. */
static void test_check(void)
{
	static struct stats st, empty;
	struct job_threshold list[3];
	struct run_result r;
	struct job job;
	struct buf json = { 0 };
	char *text = NULL;
	size_t len = 0, failed;
	FILE *out = open_memstream(&text, &len);

	fill(&r, &st);
	memset(&job, 0, sizeof job);
	list[0] = threshold("p99", "<", 0.25);
	snprintf(list[0].text, sizeof list[0].text, "p99 < 250ms");
	list[1] = threshold("error_rate", "<", 0.01);
	snprintf(list[1].text, sizeof list[1].text, "error_rate < 1%%");
	list[2] = threshold("requests", ">=", 100);
	snprintf(list[2].text, sizeof list[2].text, "requests >= 100");
	job.thresholds = list;
	job.threshold_count = 3;
	r.job = &job;
	failed = threshold_check(&r, out, &json);
	fclose(out);
	ok(failed == 1, "check: one of three fails");
	ok(text && strstr(text, "  threshold p99 < 250ms: pass (p99 ") == text, "check: the p99 line");
	ok(text && strstr(text, "  threshold error_rate < 1%: FAIL (error_rate 2%)\n") != NULL,
	   "check: the error rate line");
	ok(text && strstr(text, "  threshold requests >= 100: pass (requests 100)\n") != NULL,
	   "check: the requests line");
	ok(!json.oom && json.data && strncmp(json.data, "[{\"threshold\":\"p99 < 250ms\",\"pass\":true,"
	                                     "\"value\":0.", 41) == 0,
	   "check: the JSON array starts with the p99 verdict");
	ok(json.data && strstr(json.data, ",{\"threshold\":\"error_rate < 1%\",\"pass\":false,"
	                                  "\"value\":0.02},{\"threshold\":\"requests >= 100\","
	                                  "\"pass\":true,\"value\":100}]") != NULL,
	   "check: and goes on with the others");
	free(text);
	buf_free(&json);

	/* nothing measured: the JSON value is null */
	stats_init(&empty);
	r.stats = &empty;
	job.threshold_count = 1;
	failed = threshold_check(&r, NULL, &json);
	ok(failed == 1, "check: a latency goal with no data fails");
	is_str(json.data, "[{\"threshold\":\"p99 < 250ms\",\"pass\":false,\"value\":null}]",
	       "check: with a null value");
	buf_free(&json);

	/* no thresholds: an empty array, nothing failed */
	job.threshold_count = 0;
	failed = threshold_check(&r, NULL, &json);
	ok(failed == 0 && json.data && strcmp(json.data, "[]") == 0, "check: no thresholds, []");
	buf_free(&json);
	stats_free(&empty);
	stats_free(&st);
}

/* "metric{name=group} op value" reads the group's figures, and a group
 * the run never met has requests 0 and measured nothing. */
static void test_group(void)
{
	static struct stats st;
	struct run_result r;
	struct groups *g = groups_new();
	struct group *e;
	struct job_threshold t;
	char actual[48];
	int i;

	fill(&r, &st);
	st.groups = g;
	e = g->items[groups_find(g, "search", 6, NULL)];
	for (i = 0; i < 10; i++)
		histogram_record(&e->latency, 200000000);
	e->requests = 10;
	e->failed = 1;
	e->late = 2;
	t = threshold("p50", ">=", 0.199);
	snprintf(t.group, sizeof t.group, "search");
	ok(threshold_verdict(&t, &r, actual, sizeof actual, NULL) == 1,
	   "p50{name=search} >= 199ms reads the group's latency (%s), not the run's", actual);
	t = threshold("error_rate", "==", 0.1);
	snprintf(t.group, sizeof t.group, "search");
	ok(threshold_verdict(&t, &r, actual, sizeof actual, NULL) == 1, "the group's error rate (%s)", actual);
	t = threshold("rate", "==", 5);
	snprintf(t.group, sizeof t.group, "search");
	ok(threshold_verdict(&t, &r, actual, sizeof actual, NULL) == 1,
	   "the group's rate over the measured seconds (%s)", actual);
	t = threshold("late", "==", 2);
	snprintf(t.group, sizeof t.group, "search");
	ok(threshold_verdict(&t, &r, actual, sizeof actual, NULL) == 1, "the group's late starts");
	t = threshold("requests", "==", 0);
	snprintf(t.group, sizeof t.group, "never");
	ok(threshold_verdict(&t, &r, actual, sizeof actual, NULL) == 1, "a group never met had no requests");
	t = threshold("p99", "<", 1);
	snprintf(t.group, sizeof t.group, "never");
	ok(threshold_verdict(&t, &r, actual, sizeof actual, NULL) == 0 &&
	   strcmp(actual, "nothing measured") == 0, "and measured nothing: a latency goal fails");
	st.groups = NULL;
	groups_free(g);
	stats_free(&st);
}

int main(void)
{
	test_counts_and_rates();
	test_group();
	test_latency();
	test_no_data();
	test_check();
	return done_testing();
}
