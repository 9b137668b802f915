/* SPDX-License-Identifier: MIT */
/*
 * The load model: how many requests (repeat, duration, requests), in
 * which order, how fast and by whom (the closed model's workers, batches
 * and rate limits, or the open model's rate, arrivals, stages and
 * connection cap), the warmup and the thresholds a run is judged by; and
 * the checks that tie these together once all are read.  The limits per
 * host are in job_per_host.c.
 */
#include <config.h>

#include "config/job_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/units.h"

static int key_duration(struct checker *c, const struct node *n)
{
	if (job_get_duration(c, "duration", n, &c->job->duration_ns) < 0)
		return -1;
	if (c->job->duration_ns <= 0)
		return job_fail(c, n, "\"duration\" must be longer than 0s");
	return 0;
}

static int key_order(struct checker *c, const struct node *n)
{
	char *order = NULL;

	if (job_get_string(c, "order", n, &order) < 0)
		return -1;
	if (strcmp(order, "sequential") == 0)
		c->job->random_order = 0;
	else if (strcmp(order, "random") == 0)
		c->job->random_order = 1;
	else {
		free(order);
		return job_fail(c, n, "\"order\" is sequential or random, not \"%s\"", n->text);
	}
	free(order);
	return 0;
}

static int key_seed(struct checker *c, const struct node *n)
{
	int64_t seed;

	if (job_get_count(c, "seed", n, 0, &seed) < 0)
		return -1;
	c->job->seed = (uint64_t)seed;
	c->job->seed_set = 1;
	return 0;
}

static int key_rate(struct checker *c, const struct node *n)
{
	c->job->open_model = 1;
	/* zero is checked once stages are known: a ramp may start from 0 */
	return job_get_rate(c, "rate", n, 1, &c->job->rate);
}

static int key_arrival(struct checker *c, const struct node *n)
{
	if (job_want_scalar(c, "arrival", n, "constant or poisson") < 0)
		return -1;
	if (strcmp(n->text, "constant") == 0)
		c->job->poisson = 0;
	else if (strcmp(n->text, "poisson") == 0)
		c->job->poisson = 1;
	else
		return job_fail(c, n, "\"arrival\" is constant or poisson, not \"%s\"", n->text);
	return 0;
}

static int stage_item(struct checker *c, const struct node *n, struct job_stage *stage)
{
	const struct node *d, *r;
	size_t i;

	if (n->kind != NODE_MAP)
		return job_fail(c, n, "a stage is a map such as {duration: 30s, rate: 500/s}");
	for (i = 0; i < n->count; i++)
		if (strcmp(n->keys[i]->text, "duration") != 0 && strcmp(n->keys[i]->text, "rate") != 0)
			return job_fail(c, n->keys[i], "unknown stage key \"%s\" (a stage has duration and rate)",
			                n->keys[i]->text);
	if (!(d = tree_get(n, "duration")) || !(r = tree_get(n, "rate")))
		return job_fail(c, n, "a stage needs both duration and rate, e.g. {duration: 30s, rate: 500/s}");
	if (job_get_duration(c, "duration", d, &stage->duration_ns) < 0)
		return -1;
	if (stage->duration_ns <= 0)
		return job_fail(c, d, "a stage must last longer than 0s");
	return job_get_rate(c, "rate", r, 1, &stage->rate);
}

static int key_stages(struct checker *c, const struct node *n)
{
	struct job *job = c->job;
	size_t i;

	if (n->kind != NODE_LIST || n->count == 0)
		return job_fail(c, n, "\"stages\" must be a list of {duration, rate} steps");
	free(job->stages);
	job->stages = calloc(n->count, sizeof *job->stages);
	if (!job->stages)
		return job_fail(c, n, "out of memory");
	job->stage_count = 0;
	job->open_model = 1;
	for (i = 0; i < n->count; i++) {
		if (stage_item(c, n->items[i], &job->stages[i]) < 0)
			return -1;
		if (job->stages[i].duration_ns > INT64_MAX / 2 - job->stages_ns)
			return job_fail(c, n->items[i], "the stages last too long");
		job->stages_ns += job->stages[i].duration_ns;
		job->stage_count++;
	}
	return 0;
}

static int key_warmup(struct checker *c, const struct node *n)
{
	if (job_get_duration(c, "warmup", n, &c->job->warmup_ns) < 0)
		return -1;
	if (c->job->warmup_ns <= 0)
		return job_fail(c, n, "\"warmup\" must be longer than 0s (leave it out for none)");
	return 0;
}

/* The open model and warmup against the rest of the job.  Lock-step
 * scheduling cannot honour batches, rate limits or per-host queues, so
 * those are refused rather than quietly bent. */
/* A threshold that names a group must name one the job has, when the
 * job's URLs are all known at load (a url_file is read only as it runs). */
static int check_threshold_groups(struct checker *c)
{
	const struct job *job = c->job;
	const struct node *list = tree_get(job->tree, "thresholds");
	char name[JOB_GROUP_NAME_MAX + 1], derived[256];
	size_t i, k;

	for (i = 0; i < job->threshold_count; i++) {
		const struct job_threshold *t = &job->thresholds[i];
		const struct node *n = list && list->kind == NODE_LIST ? list->items[i] : list;
		const char *hint = NULL;

		if (!t->group[0])
			continue;
		if (job->crawl.enabled)
			return job_fail(c, n, "threshold \"%s\": a crawl has no groups (they are a load "
			                "test's endpoints)", t->text);
		if (job->url_file)
			continue;
		for (k = 0; k < job->url_count; k++) {
			const char *have = job->url_names[k];
			if (!have) {
				job_group_name(derived, sizeof derived, job->method, job->urls[k]);
				have = derived;
			}
			if (strcmp(have, t->group) == 0)
				break;
			if (!hint && job->url_names[k] &&
			    job_suggest(t->group, (const char *const *)&job->url_names[k], 1)) {
				snprintf(name, sizeof name, "%s", job->url_names[k]);
				hint = name;
			}
		}
		if (k == job->url_count)
			return job_fail(c, n, "threshold \"%s\": no urls entry is in the group \"%s\"%s%s%s",
			                t->text, t->group, hint ? " (did you mean \"" : "", hint ? hint : "",
			                hint ? "\"?)" : "");
	}
	return 0;
}

int job_model_check(struct checker *c)
{
	struct job *job = c->job;
	const struct node *root = job->tree;
	static const char *const closed_only[] = { "workers", "batch_size", "rate_limit", "burst",
	                                           "per_host", "autothrottle", "crawl" };
	size_t i;

	if (check_threshold_groups(c) < 0)
		return -1;
	for (i = 0; !job->open_model && i < job->threshold_count; i++) {
		const char *metric = job->thresholds[i].metric;
		const struct node *list = tree_get(root, "thresholds");
		if (strcmp(metric, "late") == 0 || strcmp(metric, "dropped") == 0)
			return job_fail(c, list && list->kind == NODE_LIST ? list->items[i] : list,
			                "threshold \"%s\": %s starts belong to the open model: add \"rate\" or \"stages\"",
			                job->thresholds[i].text, metric);
	}
	if (!job->open_model) {
		if (tree_get(root, "arrival") || tree_get(root, "max_connections")) {
			const char *key = tree_get(root, "arrival") ? "arrival" : "max_connections";
			return job_fail(c, tree_get(root, key),
			                "\"%s\" belongs to the open model: add \"rate\" or \"stages\"", key);
		}
	} else {
		for (i = 0; i < sizeof closed_only / sizeof closed_only[0]; i++)
			if (tree_get(root, closed_only[i]))
				return job_fail(c, tree_get(root, closed_only[i]),
				                "\"%s\" does not go with \"%s\" (the open model schedules every start; %s)",
				                closed_only[i], job->stage_count ? "stages" : "rate",
				                strcmp(closed_only[i], "workers") == 0
				                ? "cap transfers in flight with max_connections"
				                : "leave it out or drop the rate");
		if (!job->stage_count && job->rate <= 0)
			return job_fail(c, tree_get(root, "rate"), "\"rate\" must be greater than zero");
		if (job->stage_count && job->duration_ns)
			return job_fail(c, tree_get(root, "duration"),
			                "\"duration\" does not go with \"stages\": the stages add up to the run's length");
		if (job->stage_count)
			job->duration_ns = job->stages_ns;
		if (!job->max_connections)
			job->max_connections = 1000;
		/* the strategy keeps this many transfers in flight at most */
		job->workers = job->max_connections;
	}
	if (job->warmup_ns) {
		if (!job->duration_ns)
			return job_fail(c, tree_get(root, "warmup"),
			                "\"warmup\" is the first part of the duration: add \"duration\"%s",
			                job->open_model ? " or \"stages\"" : "");
		if (job->warmup_ns >= job->duration_ns)
			return job_fail(c, tree_get(root, "warmup"),
			                "\"warmup\" must be shorter than the %s it is part of",
			                job->stage_count ? "stages" : "duration");
	}
	return 0;
}

/* A threshold's value in the metric's unit: seconds, a fraction, per
 * second or a count. */
static int threshold_value(struct checker *c, const struct node *n, const char *metric,
                           const char *value, struct job_threshold *t)
{
	const char *why;

	if (metric[0] == 'p' || strcmp(metric, "min") == 0 || strcmp(metric, "mean") == 0 ||
	    strcmp(metric, "max") == 0 || strcmp(metric, "stddev") == 0) {
		int64_t ns;
		if (units_duration(value, &ns, &why) < 0)
			return job_fail(c, n, "threshold \"%s\": %s, got \"%s\"", n->text, why, value);
		t->value = (double)ns / 1e9;
	} else if (strcmp(metric, "error_rate") == 0) {
		char *rest;
		t->value = strtod(value, &rest);
		if (rest == value || (strcmp(rest, "%") != 0 && *rest) ||
		    strspn(value, "0123456789.") != (size_t)(rest - value))
			return job_fail(c, n, "threshold \"%s\": an error rate is a fraction or a percentage, got \"%s\"",
			                n->text, value);
		if (*rest == '%')
			t->value /= 100;
		/* NaN would compare false and a threshold above 100% could never fail */
		if (!(t->value >= 0 && t->value <= 1))
			return job_fail(c, n, "threshold \"%s\": an error rate is between 0 and 1 (0%% and 100%%), got \"%s\"",
			                n->text, value);
	} else if (strcmp(metric, "rate") == 0) {
		if (units_rate(value, &t->value, &why) < 0)
			return job_fail(c, n, "threshold \"%s\": %s, got \"%s\"", n->text, why, value);
	} else {
		int64_t count;
		if (units_count(value, &count, &why) < 0)
			return job_fail(c, n, "threshold \"%s\": %s, got \"%s\"", n->text, why, value);
		t->value = (double)count;
	}
	return 0;
}

/* "p99 < 250ms", "error_rate < 0.5%", "rate >= 1900/s", "requests >= 1000",
 * and of one group of a load test, "p99{name=search} < 200ms" */
static int parse_threshold(struct checker *c, const struct node *n, struct job_threshold *t)
{
	static const char *const metrics[] = {
		"min", "mean", "max", "p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99",
		"stddev", "error_rate", "rate", "requests", "failed", "late", "dropped",
	};
	char metric[16], op[3], value[64];
	const char *rest;
	size_t i;
	int end = 0;

	if (job_want_scalar(c, "thresholds", n, "a condition such as \"p99 < 250ms\"") < 0)
		return -1;
	if (strlen(n->text) >= sizeof t->text)
		return job_fail(c, n, "threshold \"%.40s...\" is longer than %zu characters", n->text,
		                sizeof t->text - 1);
	rest = n->text + strspn(n->text, " \t");
	i = strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789_.");
	if (i == 0 || i >= sizeof metric)
		goto malformed;
	memcpy(metric, rest, i);
	metric[i] = '\0';
	rest += i;
	t->group[0] = '\0';
	if (*rest == '{') {
		size_t len;
		if (strncmp(rest, "{name=", 6) != 0)
			return job_fail(c, n, "threshold \"%s\": a group is named as in \"p99{name=search}\"",
			                n->text);
		rest += 6;
		len = strcspn(rest, "}");
		if (!rest[len] || len == 0 || len >= sizeof t->group)
			return job_fail(c, n, "threshold \"%s\": a group is named as in \"p99{name=search}\"",
			                n->text);
		memcpy(t->group, rest, len);
		t->group[len] = '\0';
		rest += len + 1;
	}
	if (sscanf(rest, " %2[<>=!] %63s %n", op, value, &end) != 2 || rest[end] != '\0')
		goto malformed;
	if (t->group[0] && strcmp(metric, "dropped") == 0)
		return job_fail(c, n, "threshold \"%s\": dropped starts belong to no group (they never got a URL)",
		                n->text);
	for (i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
		if (strcmp(metric, metrics[i]) == 0)
			break;
	if (i == sizeof metrics / sizeof metrics[0]) {
		const char *hint = job_suggest(metric, metrics, sizeof metrics / sizeof metrics[0]);
		return job_fail(c, n, "threshold \"%s\": unknown metric \"%s\"%s%s%s", n->text, metric,
		                hint ? " (did you mean \"" : " (use p50, p99, mean, max, error_rate, rate, ...)",
		                hint ? hint : "", hint ? "\"?)" : "");
	}
	if (strcmp(op, "<") && strcmp(op, "<=") && strcmp(op, ">") && strcmp(op, ">=") &&
	    strcmp(op, "=="))
		return job_fail(c, n, "threshold \"%s\": the comparison is one of < <= > >= ==", n->text);
	snprintf(t->metric, sizeof t->metric, "%s", metric);
	snprintf(t->op, sizeof t->op, "%s", op);
	snprintf(t->text, sizeof t->text, "%s", n->text);
	return threshold_value(c, n, metric, value, t);
malformed:
	return job_fail(c, n, "threshold \"%s\": expected METRIC OP VALUE, e.g. \"p99 < 250ms\" "
	                "or \"p99{name=search} < 200ms\"", n->text);
}

static int key_thresholds(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return job_fail(c, n, "\"thresholds\" must be a list of conditions such as \"p99 < 250ms\"");
	c->job->thresholds = calloc(count ? count : 1, sizeof *c->job->thresholds);
	if (!c->job->thresholds)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < count; i++) {
		if (parse_threshold(c, n->kind == NODE_LIST ? n->items[i] : n, &c->job->thresholds[i]) < 0)
			return -1;
		c->job->threshold_count++;
	}
	return 0;
}

static int key_strategy(struct checker *c, const struct node *n)
{
	return job_plugin_entry(c, "strategy", n, &c->job->strategy);
}

static int key_rate_limit(struct checker *c, const struct node *n)
{
	const char *why;

	if (job_want_scalar(c, "rate_limit", n, "a rate such as 100/s") < 0)
		return -1;
	if (strcmp(n->text, "0") == 0) {
		c->job->rate_limit = 0;   /* explicit "no limit" */
		return 0;
	}
	if (units_rate(n->text, &c->job->rate_limit, &why) < 0)
		return job_fail(c, n, "\"rate_limit\": %s, got \"%s\"", why, n->text);
	return 0;
}

/* ---- --dry-run ---- */

static void print_duration_key(const struct job *job, FILE *out)
{
	/* with stages the duration is theirs, printed with them */
	if (job->duration_ns && !job->stage_count)
		job_print_duration(out, "duration", job->duration_ns);
}

static void print_repeat(const struct job *job, FILE *out)
{
	if (job->duration_ns || job->requests)
		return;
	if (job_total_requests(job) < 0)
		fprintf(out, "repeat: %lld  # as many requests as url_file holds\n", (long long)job->repeat);
	else
		fprintf(out, "repeat: %lld  # %lld requests in all\n", (long long)job->repeat,
		        (long long)job_total_requests(job));
}

static void print_order(const struct job *job, FILE *out)
{
	if (job->random_order)
		fputs("order: random\n", out);
}

static void print_seed(const struct job *job, FILE *out)
{
	if (job->random_order || job->poisson)
		fprintf(out, "seed: %llu\n", (unsigned long long)job->seed);
}

static void print_thresholds(const struct job *job, FILE *out)
{
	size_t i;

	if (!job->threshold_count)
		return;
	fputs("thresholds:\n", out);
	for (i = 0; i < job->threshold_count; i++) {
		fputs("  - ", out);
		job_print_scalar(out, job->thresholds[i].text);
		fputc('\n', out);
	}
}

static void free_thresholds(struct job *job)
{
	free(job->thresholds);
}

static void print_strategy(const struct job *job, FILE *out)
{
	if (job->strategy.entry && job->strategy.entry->kind == NODE_MAP) {
		fputs("strategy:", out);
		job_print_plugin_node(out, job->strategy.entry, 2);
	} else {
		fprintf(out, "strategy: %s\n", job->strategy.name);
	}
}

static void free_strategy(struct job *job)
{
	free(job->strategy.name);
}

static void print_rate(const struct job *job, FILE *out)
{
	fprintf(out, "rate: %.10g/s\n", job->rate);
}

static void print_arrival(const struct job *job, FILE *out)
{
	fprintf(out, "arrival: %s\n", job->poisson ? "poisson" : "constant");
}

static void print_stages(const struct job *job, FILE *out)
{
	char total[32], d[32];
	size_t i;

	if (!job->stage_count)
		return;
	units_format_exact(job->stages_ns, total, sizeof total);
	fprintf(out, "stages:  # %s in all\n", total);
	for (i = 0; i < job->stage_count; i++) {
		units_format_exact(job->stages[i].duration_ns, d, sizeof d);
		fprintf(out, "  - {duration: %s, rate: %.10g/s}\n", d, job->stages[i].rate);
	}
}

static void free_stages(struct job *job)
{
	free(job->stages);
}

static void print_rate_limit(const struct job *job, FILE *out)
{
	if (job->rate_limit > 0)
		fprintf(out, "rate_limit: %g/s\n", job->rate_limit);
	else
		fputs("rate_limit: 0  # unlimited\n", out);
}

#define AT(field) offsetof(struct job, field)

const struct job_key job_model_keys[] = {
	{ .name = "duration", .type = JOB_KEY_DURATION, .offset = AT(duration_ns),
	  .parse = key_duration, .print = print_duration_key,
	  .help = "how long the run lasts; the URLs cycle until then" },
	{ .name = "requests", .type = JOB_KEY_COUNT, .offset = AT(requests), .min = 1,
	  .show = JOB_SHOW_IF_SET, .help = "how many requests in all; the URLs cycle until then" },
	{ .name = "repeat", .type = JOB_KEY_COUNT, .offset = AT(repeat), .def = 1, .min = 1,
	  .print = print_repeat, .help = "how many times each URL is fetched" },
	{ .name = "order", .parse = key_order, .print = print_order,
	  .help = "sequential or random: the order URLs are taken in" },
	{ .name = "seed", .parse = key_seed, .print = print_seed,
	  .help = "the seed of random order and Poisson arrivals, for a repeatable run" },
	{ .name = "thresholds", .parse = key_thresholds, .print = print_thresholds,
	  .release = free_thresholds, .help = "conditions such as \"p99 < 250ms\" the run must meet" },
	{ .name = "strategy", .parse = key_strategy, .print = print_strategy,
	  .release = free_strategy, .help = "the strategy plugin that runs the transfers" },
	{ .name = "rate", .parse = key_rate, .print = print_rate, .show = JOB_SHOW_OPEN,
	  .help = "the open model: requests started per second" },
	{ .name = "arrival", .parse = key_arrival, .print = print_arrival, .show = JOB_SHOW_OPEN,
	  .help = "constant or poisson: how open-model starts are spaced" },
	{ .name = "stages", .parse = key_stages, .print = print_stages, .release = free_stages,
	  .show = JOB_SHOW_OPEN, .help = "a ramp of {duration, rate} steps" },
	{ .name = "max_connections", .type = JOB_KEY_COUNT, .offset = AT(max_connections),
	  .min = 1, .max = 100000, .show = JOB_SHOW_OPEN,
	  .help = "the open model: transfers in flight at most" },
	{ .name = "workers", .type = JOB_KEY_COUNT, .offset = AT(workers), .def = 1, .min = 1,
	  .max = 100000, .show = JOB_SHOW_CLOSED, .help = "transfers in flight at once" },
	{ .name = "batch_size", .type = JOB_KEY_COUNT, .offset = AT(batch_size),
	  .show = JOB_SHOW_CLOSED, .help = "requests per batch; a batch ends before the next starts" },
	{ .name = "rate_limit", .parse = key_rate_limit, .print = print_rate_limit,
	  .show = JOB_SHOW_CLOSED, .help = "requests per second at most; 0: unlimited" },
	{ .name = "burst", .type = JOB_KEY_COUNT, .offset = AT(burst), .def = 1, .min = 1,
	  .show = JOB_SHOW_CLOSED, .help = "requests rate_limit lets start at once" },
	{ .name = "warmup", .type = JOB_KEY_DURATION, .offset = AT(warmup_ns), .parse = key_warmup,
	  .show = JOB_SHOW_IF_SET, .help = "the first part of the run, not measured" },
	{ .name = NULL },
};
