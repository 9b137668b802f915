/* SPDX-License-Identifier: MIT */
/*
 * The closed model's limits per host: per_host (concurrency, rate, burst,
 * delay, jitter), and autothrottle, the delay per host that follows its
 * latency (a target concurrency or latency, between min_delay and
 * max_delay) and backs off on errors.
 */
#include <config.h>

#include "config/job_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/units.h"

static int key_per_host(struct checker *c, const struct node *n)
{
	static const char *const keys[] = { "concurrency", "rate", "burst", "delay", "jitter" };
	struct host_limits *l = &c->job->per_host;
	size_t i;

	if (n->kind != NODE_MAP)
		return job_fail(c, n, "\"per_host\" must be a map with concurrency, rate, burst, delay and jitter");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		const char *why;

                if (strcmp(k->text, "concurrency") == 0) {
			if (job_get_count(c, "per_host.concurrency", v, 1, &l->concurrency) < 0)
				return -1;
		} else if (strcmp(k->text, "rate") == 0) {
			if (job_want_scalar(c, "per_host.rate", v, "a rate such as 5/s") < 0)
				return -1;
			if (units_rate(v->text, &l->rate, &why) < 0)
				return job_fail(c, v, "\"per_host.rate\": %s, got \"%s\"", why, v->text);
		} else if (strcmp(k->text, "burst") == 0) {
			if (job_get_count(c, "per_host.burst", v, 1, &l->burst) < 0)
				return -1;
		} else if (strcmp(k->text, "delay") == 0) {
			if (job_get_duration(c, "per_host.delay", v, &l->delay_ns) < 0)
				return -1;
		} else if (strcmp(k->text, "jitter") == 0) {
			if (job_get_duration(c, "per_host.jitter", v, &l->jitter_ns) < 0)
				return -1;
		} else {
			const char *hint = job_suggest(k->text, keys, 5);
			if (hint)
				return job_fail(c, k, "unknown key \"per_host.%s\" (did you mean \"%s\"?)", k->text, hint);
			return job_fail(c, k, "unknown key \"per_host.%s\" (per_host takes concurrency, rate, "
			                "burst, delay and jitter)", k->text);
		}
	}
	return 0;
}

/* target_concurrency: requests in flight per host, a positive number. */
static int get_concurrency_target(struct checker *c, const struct node *v, double *out)
{
	char *end;

	if (job_want_scalar(c, "autothrottle.target_concurrency", v, "a number such as 2.0") < 0)
		return -1;
	errno = 0;
	*out = strtod(v->text, &end);
	if (end == v->text || *end || errno || !(*out > 0) || *out > 10000 ||
	    strspn(v->text, "0123456789.") != strlen(v->text))
		return job_fail(c, v, "\"autothrottle.target_concurrency\" must be a number above 0 "
		                "and at most 10000, got \"%s\"", v->text);
	return 0;
}

/* The delays must nest: min_delay <= start_delay <= max_delay. */
static int check_autothrottle(struct checker *c, const struct node *n)
{
	const struct autothrottle_settings *a = &c->job->autothrottle;
	char x[32], y[32];

	if (a->start_delay_ns > a->max_delay_ns || a->min_delay_ns > a->max_delay_ns) {
		const char *key = a->min_delay_ns > a->max_delay_ns ? "min_delay" : "start_delay";
		const struct node *at = tree_get(n, key);
		units_format_exact(a->min_delay_ns > a->max_delay_ns ? a->min_delay_ns : a->start_delay_ns,
		                   x, sizeof x);
		units_format_exact(a->max_delay_ns, y, sizeof y);
		return job_fail(c, at ? at : n, "\"autothrottle.%s\" (%s) is longer than "
		                "\"autothrottle.max_delay\" (%s)", key, x, y);
	}
	if (a->start_delay_ns < a->min_delay_ns) {
		units_format_exact(a->start_delay_ns, x, sizeof x);
		units_format_exact(a->min_delay_ns, y, sizeof y);
		return job_fail(c, tree_get(n, "start_delay") ? tree_get(n, "start_delay") : n,
		                "\"autothrottle.start_delay\" (%s) is shorter than "
		                "\"autothrottle.min_delay\" (%s)", x, y);
	}
	return 0;
}

static int key_autothrottle(struct checker *c, const struct node *n)
{
	static const char *const keys[] = { "target_concurrency", "target_latency", "start_delay",
	                                    "min_delay", "max_delay" };
	struct autothrottle_settings *a = &c->job->autothrottle;
	const struct node *concurrency = NULL, *latency = NULL;
	size_t i;

	if (n->kind != NODE_MAP)
		return job_fail(c, n, "\"autothrottle\" must be a map with target_concurrency or "
		                "target_latency, start_delay, min_delay and max_delay");
	a->enabled = 1;
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];

		if (strcmp(k->text, "target_concurrency") == 0) {
			if (get_concurrency_target(c, v, &a->target_concurrency) < 0)
				return -1;
			concurrency = k;
		} else if (strcmp(k->text, "target_latency") == 0) {
			if (job_get_duration(c, "autothrottle.target_latency", v, &a->target_latency_ns) < 0)
				return -1;
			if (a->target_latency_ns <= 0)
				return job_fail(c, v, "\"autothrottle.target_latency\" must be more than 0s, "
				                "got \"%s\"", v->text);
			latency = k;
		} else if (strcmp(k->text, "start_delay") == 0) {
			if (job_get_duration(c, "autothrottle.start_delay", v, &a->start_delay_ns) < 0)
				return -1;
			if (a->start_delay_ns <= 0)
				return job_fail(c, v, "\"autothrottle.start_delay\" must be more than 0s (an "
				                "error doubles it), got \"%s\"", v->text);
		} else if (strcmp(k->text, "min_delay") == 0) {
			if (job_get_duration(c, "autothrottle.min_delay", v, &a->min_delay_ns) < 0)
				return -1;
		} else if (strcmp(k->text, "max_delay") == 0) {
			if (job_get_duration(c, "autothrottle.max_delay", v, &a->max_delay_ns) < 0)
				return -1;
		} else {
			const char *hint = job_suggest(k->text, keys, 5);
			if (hint)
				return job_fail(c, k, "unknown key \"autothrottle.%s\" (did you mean \"%s\"?)",
				                k->text, hint);
			return job_fail(c, k, "unknown key \"autothrottle.%s\" (autothrottle takes "
			                "target_concurrency or target_latency, start_delay, min_delay and "
			                "max_delay)", k->text);
		}
	}
	if (concurrency && latency)
		return job_fail(c, concurrency->line > latency->line ||
		                (concurrency->line == latency->line && concurrency->col > latency->col)
		                ? concurrency : latency,
		                "\"autothrottle\" takes target_concurrency or target_latency, not both");
	if (latency)
		a->target_concurrency = 0;
	return check_autothrottle(c, n);
}

static void init_per_host(struct job *job)
{
	job->per_host.burst = 1;
}

static void print_per_host(const struct job *job, FILE *out)
{
	const struct host_limits *l = &job->per_host;

	if (l->concurrency <= 0 && l->rate <= 0 && l->delay_ns <= 0)
		return;
	fputs("per_host:\n", out);
	if (l->concurrency > 0)
		fprintf(out, "  concurrency: %lld\n", (long long)l->concurrency);
	if (l->rate > 0)
		fprintf(out, "  rate: %g/s\n", l->rate);
	fprintf(out, "  burst: %lld\n", (long long)l->burst);
	if (l->delay_ns > 0)
		job_print_duration(out, "  delay", l->delay_ns);
	if (l->jitter_ns > 0)
		job_print_duration(out, "  jitter", l->jitter_ns);
}

static void init_autothrottle(struct job *job)
{
	struct autothrottle_settings *a = &job->autothrottle;

	a->target_concurrency = 1.0;
	a->start_delay_ns = 1000000000LL;
	a->max_delay_ns = 60 * 1000000000LL;
}

static void print_autothrottle(const struct job *job, FILE *out)
{
	const struct autothrottle_settings *a = &job->autothrottle;

	if (!a->enabled)
		return;
	fputs("autothrottle:\n", out);
	if (a->target_concurrency > 0)
		fprintf(out, "  target_concurrency: %.10g\n", a->target_concurrency);
	else
		job_print_duration(out, "  target_latency", a->target_latency_ns);
	job_print_duration(out, "  start_delay", a->start_delay_ns);
	job_print_duration(out, "  min_delay", a->min_delay_ns);
	job_print_duration(out, "  max_delay", a->max_delay_ns);
}

#define AT(field) offsetof(struct job, field)

const struct job_key job_per_host_keys[] = {
	{ .name = "per_host", .parse = key_per_host, .print = print_per_host, .init = init_per_host,
	  .help = "limits per host: concurrency, rate, burst, delay, jitter" },
	{ .name = "autothrottle", .parse = key_autothrottle, .print = print_autothrottle,
	  .init = init_autothrottle, .show = JOB_SHOW_CLOSED,
	  .help = "a delay per host that follows its latency and backs off on errors" },
	{ .name = NULL },
};
