/* SPDX-License-Identifier: MIT */
/*
 * Threshold verdicts.  Latencies come from the run's histogram (so within
 * its 0.4% error), rates from the summary.  A threshold on latency with no
 * transfer measured fails: an empty run has met no latency goal.  A
 * threshold that names a group ("p99{name=search} < 200ms") reads that
 * group's figures instead of the run's.
 */
#include <config.h>

#include "results/threshold.h"

#include <stdlib.h>
#include <string.h>

#include "config/job.h"
#include "results/groups.h"
#include "results/run_result.h"
#include "results/stats.h"
#include "config/units.h"

/* What a threshold reads: the run's figures or one group's. */
struct figures {
	uint64_t requests, failed, late, dropped;
	double seconds;
	const struct histogram *latency; /* NULL: nothing measured */
};

/* The measured value of a metric, in the unit thresholds use; -1 if none. */
static double measure(const char *metric, const struct figures *f)
{
	const struct histogram *h = f->latency;

	if (strcmp(metric, "error_rate") == 0)
		return f->requests ? (double)f->failed / (double)f->requests : 0;
	if (strcmp(metric, "rate") == 0)
		return f->seconds > 0 ? (double)f->requests / f->seconds : 0;
	if (strcmp(metric, "requests") == 0)
		return (double)f->requests;
	if (strcmp(metric, "failed") == 0)
		return (double)f->failed;
	if (strcmp(metric, "late") == 0)
		return (double)f->late;
	if (strcmp(metric, "dropped") == 0)
		return (double)f->dropped;
	if (!h || h->total == 0)
		return -1;
	if (strcmp(metric, "min") == 0)
		return (double)h->min / 1e9;
	if (strcmp(metric, "max") == 0)
		return (double)h->max / 1e9;
	if (strcmp(metric, "mean") == 0)
		return histogram_mean(h) / 1e9;
	if (strcmp(metric, "stddev") == 0)
		return histogram_stddev(h) / 1e9;
	return (double)histogram_percentile(h, strtod(metric + 1, NULL)) / 1e9;
}

/* The figures a threshold reads.  A group the run never met (a url_file's,
 * or a run that counted none) has measured nothing and sent nothing. */
static void figures_of(const struct job_threshold *t, const struct run_result *r,
                       struct figures *f)
{
	const struct stats *s = r->stats;
	const struct group *g;

	memset(f, 0, sizeof *f);
	f->seconds = r->sum.seconds;
	if (!t->group[0]) {
		f->requests = r->sum.requests;
		f->failed = r->sum.failed;
		f->late = s->late;
		f->dropped = s->dropped;
		f->latency = &s->latency;
	} else if ((g = groups_get(s->groups, t->group)) != NULL) {
		f->requests = g->requests;
		f->failed = g->failed;
		f->late = g->late;
		f->latency = &g->latency;
	}
}

static int holds(double got, const char *op, double want)
{
	if (strcmp(op, "<") == 0)
		return got < want;
	if (strcmp(op, "<=") == 0)
		return got <= want;
	if (strcmp(op, ">") == 0)
		return got > want;
	if (strcmp(op, ">=") == 0)
		return got >= want;
	return got == want;
}

/* The measured value as a person reads it: 180ms, 0.42%, 1931/s, 1000. */
static void describe(const char *metric, double v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "nothing measured");
	else if (strcmp(metric, "error_rate") == 0)
		snprintf(buf, len, "%.3g%%", v * 100);
	else if (strcmp(metric, "rate") == 0)
		snprintf(buf, len, "%.1f/s", v);
	else if (strcmp(metric, "requests") == 0 || strcmp(metric, "failed") == 0 ||
	         strcmp(metric, "late") == 0 || strcmp(metric, "dropped") == 0)
		snprintf(buf, len, "%.0f", v);
	else
		units_format_duration((int64_t)(v * 1e9), buf, len);
}

int threshold_verdict(const struct job_threshold *t, const struct run_result *r, char *actual,
                      size_t len, double *value)
{
	struct figures f;
	double got;

	figures_of(t, r, &f);
	got = measure(t->metric, &f);

	describe(t->metric, got, actual, len);
	if (value)
		*value = got;
	return got >= 0 && holds(got, t->op, t->value);
}

size_t threshold_check(const struct run_result *r, FILE *out, struct buf *json)
{
	const struct job *job = r->job;
	size_t i, failed = 0;

	if (json)
		buf_putc(json, '[');
	for (i = 0; i < job->threshold_count; i++) {
		const struct job_threshold *t = &job->thresholds[i];
		double got;
		char text[48];
		int pass = threshold_verdict(t, r, text, sizeof text, &got);

		failed += !pass;
		if (out)
			fprintf(out, "  threshold %s: %s (%s %s)\n", t->text, pass ? "pass" : "FAIL",
			        t->metric, text);
		if (json) {
			if (i)
				buf_putc(json, ',');
			buf_puts(json, "{\"threshold\":");
			buf_json_string(json, t->text);
			buf_printf(json, ",\"pass\":%s,\"value\":", pass ? "true" : "false");
			if (got >= 0)
				buf_json_double(json, got);
			else
				buf_puts(json, "null");
			buf_putc(json, '}');
		}
	}
	if (json)
		buf_putc(json, ']');
	return failed;
}
