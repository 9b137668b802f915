/* SPDX-License-Identifier: MIT */
/*
 * Job validation: turns the tree of a job file (plus command-line
 * overrides) into a struct job, or into exactly one error message that
 * points at the offending spot as file:line:col.  Each top-level key is
 * one row of the key table (job_keys.h), kept beside the struct it fills
 * in its section's file; this file walks the table to default, check,
 * print and free a job, and checks what no one key can: how keys go
 * together.  The table is also the list of valid keys, so "did you mean"
 * hints, --dry-run and the documentation stay in step with the code.
 */
#include <config.h>

#include "config/job_keys.h"
#include "util/buf.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* In the order --dry-run prints them. */
const struct job_key *const job_key_sections[] = {
	job_urls_keys, job_model_keys, job_per_host_keys, job_transfer_keys, job_request_keys, job_proxy_keys,
	job_output_keys,
};
const size_t job_key_section_count = sizeof job_key_sections / sizeof job_key_sections[0];

const struct job_key *job_key_find(const char *name)
{
	const struct job_key *k;
	size_t s;

	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++)
			if (strcmp(k->name, name) == 0)
				return k;
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *job_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, i;

	for (i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);
		if (d < best_d || (d == best_d && !best && d <= strlen(word) / 3)) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

static int check_unknown_key(struct checker *c, const struct node *key)
{
	const char *names[64];
	const struct job_key *k;
	const char *hint;
	size_t s, n = 0;

	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name && n < sizeof names / sizeof names[0]; k++)
			names[n++] = k->name;
	hint = job_suggest(key->text, names, n);
	if (hint)
		return job_fail(c, key, "unknown key \"%s\" (did you mean \"%s\"?)", key->text, hint);
	return job_fail(c, key, "unknown key \"%s\" (see man 5 scrape-job for the keys)", key->text);
}

static void set_defaults(struct job *job)
{
	const struct job_key *k;
	size_t s;

	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++)
			job_value_default(job, k);
}

int job_is_load_test(const struct job *job)
{
	return job->open_model || job->duration_ns || job->requests || job->warmup_ns;
}

/* Defaults that are text, or that depend on other keys. */
static int fill_defaults(struct checker *c)
{
	struct job *job = c->job;
	const struct job_key *k;
	size_t s;

	/* the open model needs a strategy that keeps a schedule */
	if (!job->strategy.name && !(job->strategy.name = strdup(job->open_model ? "event" : "sequential")))
		return job_fail(c, job->tree, "out of memory");
	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++) {
			char **text = (char **)((char *)job + k->offset);
			if (k->def_text && !*text && !(*text = strdup(k->def_text)))
				return job_fail(c, job->tree, "out of memory");
		}
	/* a scrape wants the bodies its parsers read, small on the wire; a
	 * load test measures what the server sends unless asked otherwise */
	if (job->compressed < 0)
		job->compressed = !job_is_load_test(job);
	if ((job->random_order || job->poisson || job->proxy_rotation == JOB_PROXY_RANDOM) &&
	    !job->seed_set)
		job->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (job_model_check(c) < 0 || job_request_check(c) < 0 || job_proxy_check(c) < 0 ||
	    job_transfer_check(c) < 0)
		return -1;
	return job_output_check(c);
}

/* A burst lets that many requests start at once and is paid back at the
 * rate: burst x interval must fit the limiter's nanoseconds, or it
 * overflows into a limiter that never waits. */
static int check_burst(struct checker *c, const char *key, double rate, int64_t burst)
{
	const struct node *at = tree_get(c->job->tree, key);
	double span_ns;

	if (strcmp(key, "per_host.burst") == 0)
		at = tree_get(tree_get(c->job->tree, "per_host"), "burst");
	if (rate <= 0 || burst <= 1 || !at)
		return 0;
	span_ns = (double)(burst - 1) * (1e9 / rate);
	if (span_ns > 1e18)
		return job_fail(c, at, "\"%s\" %lld at this rate would take more than 30 years to pay back",
		                key, (long long)burst);
	return 0;
}

static int check_tree(struct checker *c)
{
	const struct node *root = c->job->tree;
	size_t i;

	if (root->kind != NODE_MAP)
		return job_fail(c, root, "a job must be a map of keys such as urls, strategy and workers, not %s",
		                tree_kind_name(root->kind));
	for (i = 0; i < root->count; i++) {
		const struct job_key *k = job_key_find(root->keys[i]->text);
		if (!k)
			return check_unknown_key(c, root->keys[i]);
		if (job_value_parse(c, k, root->items[i]) < 0)
			return -1;
	}
	if (c->job->client_key && !c->job->client_cert)
		return job_fail(c, tree_get(root, "client_key"),
		                "\"client_key\" needs \"client_cert\", the certificate the key belongs to");
	if (c->job->frontier.redis && !c->job->crawl.enabled)
		return job_fail(c, tree_get(root, "frontier"),
		                "\"frontier\" shares a crawl: add a \"crawl\" section");
	if (c->job->frontier.redis && c->job->crawl.state)
		return job_fail(c, tree_get(tree_get(root, "crawl"), "state"),
		                "a crawl keeps its state either in a file (crawl.state) or in Redis "
		                "(frontier.redis), not both");
	if (c->job->frontier.redis && !c->job->frontier.key_prefix &&
	    !(c->job->frontier.key_prefix = strdup("scrape")))
		return job_fail(c, root, "out of memory");
	/* a shared crawl may take all its seeds from KEY_PREFIX:start_urls */
	/* ... and a crawl from sitemaps may take all of them from there */
	if (!c->job->urls && !c->job->url_file && !c->job->frontier.redis &&
	    !(c->job->crawl.enabled && c->job->crawl.sitemap_url_count))
		return job_fail(c, root, "the job has no URLs: add \"urls\" or \"url_file\"");
	if (c->job->crawl.enabled && c->job->repeat > 1)
		return job_fail(c, tree_get(root, "repeat"), "a crawl fetches each page once: \"repeat\" must be 1");
	if ((c->job->duration_ns || c->job->requests) && tree_get(root, "repeat"))
		return job_fail(c, tree_get(root, "repeat"),
		                "\"repeat\" does not go with duration or requests (the URLs cycle until they end)");
	if (c->job->crawl.enabled && (c->job->duration_ns || c->job->requests))
		return job_fail(c, tree_get(root, c->job->duration_ns ? "duration" : "requests"),
		                "a crawl ends with its pages: use crawl.max_pages rather than duration or requests");
	if (c->job->url_file_stream && c->job->repeat > 1)
		return job_fail(c, tree_get(root, "repeat"),
		                "url_file \"%s\" is not a regular file and can be read only once: "
		                "\"repeat\" must be 1 (save it to a file to repeat it)", c->job->url_file);
	if (c->job->crawl.state && c->job->url_file_stream)
		return job_fail(c, tree_get(tree_get(root, "crawl"), "state"),
		                "a crawl with \"crawl.state\" reads its seeds again when it resumes: url_file "
		                "\"%s\" is not a regular file (save it to a file first)", c->job->url_file);
	if (check_burst(c, "burst", c->job->rate_limit, c->job->burst) < 0 ||
	    check_burst(c, "per_host.burst", c->job->per_host.rate, c->job->per_host.burst) < 0)
		return -1;
	if (c->job->random_order && c->job->url_file)
		return job_fail(c, tree_get(root, "order"),
		                "\"order: random\" needs the URLs in \"urls\" (a url_file is read in order)");
	if (c->job->random_order && c->job->crawl.enabled)
		return job_fail(c, tree_get(root, "order"), "a crawl takes its pages in order: drop \"order: random\"");
	if (c->job->random_order && !c->job->duration_ns && !c->job->requests && !c->job->stage_count)
		return job_fail(c, tree_get(root, "order"),
		                "\"order: random\" draws URLs without end: add \"duration\" or \"requests\"");
	return fill_defaults(c);
}

/* KEY=VALUE on the command line.  From --set (label NULL) VALUE is YAML,
 * so lists work too; from a named option such as -w, VALUE is plain text
 * and messages name the option. */
static int apply_override(struct checker *c, const char *spec, const char *label)
{
	const char *eq = strchr(spec, '=');
	char key[128], source[160], shown[200], shown_key[160];
	struct node *value;

	/* the spec is untrusted text: messages show it escaped, on one line */
	visible(shown, sizeof shown, spec);
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof key) {
		snprintf(c->err, c->errlen, "--set %s: expected KEY=VALUE", shown);
		return -1;
	}
	memcpy(key, spec, (size_t)(eq - spec));
	key[eq - spec] = '\0';
	snprintf(source, sizeof source, "--set %s", visible(shown_key, sizeof shown_key, key));
	/* a lone "-" would be YAML for a list of one empty item, which no key
	 * takes; it means standard input (url_file) or standard output */
	if (label || strcmp(eq + 1, "-") == 0)
		value = tree_scalar(eq + 1, label ? label : source);
	else
		value = tree_load_string(eq + 1, source, c->err, c->errlen);
	if (!value) {
		if (strstr(c->err, "is empty"))
			value = tree_scalar("", source);
		if (!value)
			return -1;
	}
	if (tree_set(c->job->tree, key, value) < 0) {
		tree_free(value);
		snprintf(c->err, c->errlen, "--set %s: \"%s\" cannot take a sub-key here", shown,
		         shown_key);
		return -1;
	}
	return 0;
}

static int add_extra_urls(struct checker *c, char *const *urls, size_t count)
{
	struct node *list;
	size_t i;

	if (count == 0)
		return 0;
	list = calloc(1, sizeof *list);
	if (!list || !(list->items = calloc(count, sizeof *list->items))) {
		free(list);
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	list->kind = NODE_LIST;
	list->source = "command line";
	list->line = list->col = 1;
	for (i = 0; i < count; i++) {
		list->items[i] = tree_scalar(urls[i], "command line");
		if (!list->items[i]) {
			tree_free(list);
			snprintf(c->err, c->errlen, "out of memory");
			return -1;
		}
		list->count++;
	}
	if (tree_set(c->job->tree, "urls", list) < 0) {
		tree_free(list);
		return -1;
	}
	return 0;
}

struct job *job_load(const char *path, char *const *overrides, char *const *labels,
                     size_t override_count, char *const *extra_urls, size_t extra_url_count,
                     char *err, size_t errlen)
{
	struct checker c = { .err = err, .errlen = errlen, .path = path };
	char *dir_copy = NULL;
	size_t i;

	err[0] = '\0';
	c.job = calloc(1, sizeof *c.job);
	if (!c.job) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set_defaults(c.job);
	if (path) {
		c.job->tree = tree_load_file(path, err, errlen);
		if (c.job->tree && (dir_copy = strdup(path)))
			c.job_dir = dirname(dir_copy);
	} else {
		c.job->tree = tree_load_string("{}", "command line", err, errlen);
	}
	if (!c.job->tree)
		goto fail;
	for (i = 0; i < override_count; i++)
		if (apply_override(&c, overrides[i], labels ? labels[i] : NULL) < 0)
			goto fail;
	if (add_extra_urls(&c, extra_urls, extra_url_count) < 0 || check_tree(&c) < 0)
		goto fail;
	free(dir_copy);
	return c.job;
fail:
	if (!err[0])
		snprintf(err, errlen, "%s: the job could not be read", path ? path : "command line");
	free(dir_copy);
	job_free(c.job);
	return NULL;
}


void job_free(struct job *job)
{
	const struct job_key *k;
	size_t s;

	if (!job)
		return;
	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++)
			job_value_free(job, k);
	tree_free(job->tree);
	free(job);
}

int64_t job_total_requests(const struct job *job)
{
	int64_t per_pass = (int64_t)job->url_count + job->url_file_count;

	if (job->requests)
		return job->requests;
	if (job->duration_ns)
		return -1;              /* as many as fit in the duration */
	if (job->url_file_stream)
		return -1;              /* as many as the stream holds */

	if (job->repeat > 0 && per_pass > INT64_MAX / job->repeat)
		return INT64_MAX;
	return per_pass * job->repeat;
}

/* Whether --dry-run prints a row for this job. */
static int shown(const struct job *job, const struct job_key *k)
{
	switch (k->show) {
	case JOB_SHOW_IF_SET:
		return *(const int64_t *)((const char *)job + k->offset) != 0;
	case JOB_SHOW_OPEN:
		return job->open_model;
	case JOB_SHOW_CLOSED:
		return !job->open_model;
	case JOB_SHOW_ALWAYS:
		break;
	}
	return 1;
}

void job_print(const struct job *job, FILE *out)
{
	const struct job_key *k;
	size_t s;

	fputs("# resolved job (defaults filled in)\n", out);
	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++)
			if (shown(job, k))
				job_value_print(job, k, out);
}
