/* SPDX-License-Identifier: MIT */
/*
 * One value of a job: the readers every key's check is built from (a
 * count, a duration, a path...), each failing with exactly one message at
 * the value's file:line:col, and the typed rows of the key table, which
 * these read, default, print for --dry-run and free without a function of
 * their own.
 */
#include <config.h>

#include "config/job_keys.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "config/units.h"

/* The checks fail through the checker's error buffer; tree_fail formats
 * and escapes the message. */
int job_fail(struct checker *c, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tree_vfail(c->err, c->errlen, n, fmt, ap);
	va_end(ap);
	return -1;
}

int job_is_null(const struct node *n)
{
	return n->kind == NODE_SCALAR && n->plain &&
	       (n->text[0] == '\0' || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0);
}

int job_want_scalar(struct checker *c, const char *key, const struct node *n, const char *what)
{
	if (n->kind != NODE_SCALAR)
		return job_fail(c, n, "\"%s\" must be %s, not %s", key, what, tree_kind_name(n->kind));
	if (job_is_null(n))
		return job_fail(c, n, "\"%s\" has no value (expected %s)", key, what);
	return 0;
}

int job_get_count(struct checker *c, const char *key, const struct node *n, int64_t min,
                  int64_t *out)
{
	const char *why;

	if (job_want_scalar(c, key, n, "a whole number") < 0)
		return -1;
	if (units_count(n->text, out, &why) < 0)
		return job_fail(c, n, "\"%s\": %s, got \"%s\"", key, why, n->text);
	if (*out < min)
		return job_fail(c, n, "\"%s\" must be at least %lld, got %lld", key, (long long)min,
		                (long long)*out);
	return 0;
}

int job_get_duration(struct checker *c, const char *key, const struct node *n, int64_t *out)
{
	const char *why;

	if (job_want_scalar(c, key, n, "a duration such as 10s") < 0)
		return -1;
	if (units_duration(n->text, out, &why) < 0)
		return job_fail(c, n, "\"%s\": %s, got \"%s\"", key, why, n->text);
	return 0;
}

/* libcurl takes timeouts in whole milliseconds and reads 0 as "none":
 * 500us truncated would be no timeout at all, so a timeout is rounded up
 * to the next millisecond; only 0s itself means none. */
static int job_get_timeout(struct checker *c, const char *key, const struct node *n,
                           int64_t *out)
{
	if (job_get_duration(c, key, n, out) < 0)
		return -1;
	if (*out % 1000000 != 0)
		*out += 1000000 - *out % 1000000;
	return 0;
}

int job_get_string(struct checker *c, const char *key, const struct node *n, char **out)
{
	if (job_want_scalar(c, key, n, "a text value") < 0)
		return -1;
	free(*out);
	*out = strdup(n->text);
	return *out ? 0 : job_fail(c, n, "out of memory");
}

/* A file named in the job: relative to the job file's directory, so a job
 * and the files it names travel together. */
int job_get_path(struct checker *c, const char *key, const struct node *n, char **out)
{
	char *joined;

	*out = NULL;
	if (job_get_string(c, key, n, out) < 0)
		return -1;
	if ((*out)[0] == '/' || !c->job_dir)
		return 0;
	if (asprintf(&joined, "%s/%s", c->job_dir, *out) < 0) {
		free(*out);
		*out = NULL;
		return job_fail(c, n, "out of memory");
	}
	free(*out);
	*out = joined;
	return 0;
}

int job_get_bool(struct checker *c, const char *key, const struct node *n, int *out)
{
	if (job_want_scalar(c, key, n, "true or false") < 0)
		return -1;
	if (units_bool(n->text, out) < 0)
		return job_fail(c, n, "\"%s\" must be true or false, got \"%s\"", key, n->text);
	return 0;
}

/* The open model's rate: "500/s"; 0 only as the start of a ramp. */
int job_get_rate(struct checker *c, const char *key, const struct node *n, int zero_ok,
                 double *out)
{
	const char *why;

	if (job_want_scalar(c, key, n, "a rate such as 500/s") < 0)
		return -1;
	if (zero_ok && (strcmp(n->text, "0") == 0 || strncmp(n->text, "0/", 2) == 0)) {
		*out = 0;
		return 0;
	}
	if (units_rate(n->text, out, &why) < 0)
		return job_fail(c, n, "\"%s\": %s, got \"%s\"", key, why, n->text);
	if (*out > 10000000)
		return job_fail(c, n, "\"%s\" is at most 10000000/s, got \"%s\"", key, n->text);
	return 0;
}

/* A strategy or parser: a name, or a map with a name and the plugin's own
 * keys, which are checked once the plugin is loaded (plugin_options.c). */
int job_plugin_entry(struct checker *c, const char *key, const struct node *n,
                     struct job_plugin *out)
{
	const struct node *name = n;

	if (n->kind == NODE_MAP) {
		name = tree_get(n, "name");
		if (!name && strcmp(key, "strategy") == 0) {
			/* keys for the default strategy, e.g. from --set strategy.KEY=V */
			free(out->name);
			out->name = strdup("sequential");
			out->entry = n;
			return out->name ? 0 : job_fail(c, n, "out of memory");
		}
		if (!name)
			return job_fail(c, n, "this %s entry has no \"name\"", key);
	} else if (n->kind == NODE_LIST) {
		return job_fail(c, n, "\"%s\" must be a plugin name or a map with a \"name\"", key);
	}
	if (job_want_scalar(c, key, name, "a plugin name") < 0)
		return -1;
	if (strchr(name->text, '/') == NULL && strspn(name->text,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(name->text))
		return job_fail(c, name, "\"%s\" is not a valid plugin name", name->text);
	free(out->name);
	out->name = strdup(name->text);
	out->entry = n;
	return out->name ? 0 : job_fail(c, n, "out of memory");
}

/* ---- typed rows ---- */

static int64_t *int64_at(struct job *job, const struct job_key *k)
{
	return (int64_t *)((char *)job + k->offset);
}

static char **string_at(struct job *job, const struct job_key *k)
{
	return (char **)((char *)job + k->offset);
}

static int get_size(struct checker *c, const struct job_key *k, const struct node *n)
{
	int64_t *out = int64_at(c->job, k);
	const char *why;

	if (job_want_scalar(c, k->name, n, "a size such as 10MB") < 0)
		return -1;
	if (units_size(n->text, out, &why) < 0)
		return job_fail(c, n, "\"%s\": %s, got \"%s\"", k->name, why, n->text);
	if (*out < k->min)
		return job_fail(c, n, "\"%s\" must be at least %lld byte%s", k->name, (long long)k->min,
		                k->min == 1 ? "" : "s");
	return 0;
}

static int get_limited_count(struct checker *c, const struct job_key *k, const struct node *n)
{
	int64_t *out = int64_at(c->job, k);

	if (job_get_count(c, k->name, n, k->min, out) < 0)
		return -1;
	if (k->max && *out > k->max)
		return job_fail(c, n, "\"%s\" is at most %lld, got %lld", k->name, (long long)k->max,
		                (long long)*out);
	return 0;
}

int job_value_parse(struct checker *c, const struct job_key *k, const struct node *n)
{
	struct job *job = c->job;

	if (k->parse)
		return k->parse(c, n);
	switch (k->type) {
	case JOB_KEY_COUNT:
		return get_limited_count(c, k, n);
	case JOB_KEY_DURATION:
		return job_get_duration(c, k->name, n, int64_at(job, k));
	case JOB_KEY_TIMEOUT:
		return job_get_timeout(c, k->name, n, int64_at(job, k));
	case JOB_KEY_SIZE:
		return get_size(c, k, n);
	case JOB_KEY_BOOL:
		return job_get_bool(c, k->name, n, (int *)((char *)job + k->offset));
	case JOB_KEY_STRING:
		return job_get_string(c, k->name, n, string_at(job, k));
	case JOB_KEY_PATH:
		free(*string_at(job, k));
		return job_get_path(c, k->name, n, string_at(job, k));
	case JOB_KEY_CUSTOM:
		break;
	}
	return job_fail(c, n, "\"%s\" has no check", k->name);
}

void job_value_default(struct job *job, const struct job_key *k)
{
	if (k->init)
		k->init(job);
	if (!k->def)
		return;
	if (k->type == JOB_KEY_BOOL)
		*(int *)((char *)job + k->offset) = (int)k->def;
	else if (k->type != JOB_KEY_CUSTOM && k->type != JOB_KEY_STRING && k->type != JOB_KEY_PATH)
		*int64_at(job, k) = k->def;
}

void job_value_print(const struct job *job, const struct job_key *k, FILE *out)
{
	struct job *j = (struct job *)job;     /* only read */

	if (k->print) {
		k->print(job, out);
		return;
	}
	switch (k->type) {
	case JOB_KEY_COUNT:
	case JOB_KEY_SIZE:
		fprintf(out, "%s: %lld\n", k->name, (long long)*int64_at(j, k));
		break;
	case JOB_KEY_DURATION:
	case JOB_KEY_TIMEOUT:
		if (*int64_at(j, k) == 0 && k->unset)
			fprintf(out, "%s: ~  # %s\n", k->name, k->unset);
		else
			job_print_duration(out, k->name, *int64_at(j, k));
		break;
	case JOB_KEY_BOOL:
		fprintf(out, "%s: %s\n", k->name, *(int *)((char *)j + k->offset) ? "true" : "false");
		break;
	case JOB_KEY_STRING:
	case JOB_KEY_PATH:
		fprintf(out, "%s: ", k->name);
		if (*string_at(j, k))
			job_print_scalar(out, *string_at(j, k));
		else
			fprintf(out, "~  # %s", k->unset ? k->unset : "unset");
		fputc('\n', out);
		break;
	case JOB_KEY_CUSTOM:
		break;                  /* printed with another key, or not at all */
	}
}

void job_value_free(struct job *job, const struct job_key *k)
{
	if (k->release)
		k->release(job);
	else if (k->type == JOB_KEY_STRING || k->type == JOB_KEY_PATH)
		free(*string_at(job, k));
}

/* ---- printing for --dry-run ---- */

void job_print_duration(FILE *out, const char *key, int64_t ns)
{
	char text[32];

	units_format_exact(ns, text, sizeof text);
	fprintf(out, "%s: %s\n", key, text);
}

/* Quotes a value for YAML output when it could be misread. */
void job_print_scalar(FILE *out, const char *s)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	/* plain when it starts like a word and holds nothing YAML reads specially */
	if (*s && strchr(word, *s) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:?=&%+~@") ==
	    strlen(s) && !strstr(s, ": ")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void job_print_plugin_node(FILE *out, const struct node *n, int indent)
{
	size_t i;

	if (n->kind == NODE_SCALAR) {
		job_print_scalar(out, n->text);
		fputc('\n', out);
		return;
	}
	if (n->kind == NODE_LIST) {
		fputc('[', out);
		for (i = 0; i < n->count; i++) {
			if (i)
				fputs(", ", out);
			if (n->items[i]->kind == NODE_SCALAR)
				job_print_scalar(out, n->items[i]->text);
			else
				fputs("...", out);
		}
		fputs("]\n", out);
		return;
	}
	fputc('\n', out);
	for (i = 0; i < n->count; i++) {
		fprintf(out, "%*s%s: ", indent, "", n->keys[i]->text);
		job_print_plugin_node(out, n->items[i], indent + 2);
	}
}
