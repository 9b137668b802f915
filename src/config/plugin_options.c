/* SPDX-License-Identifier: MIT */
/*
 * Values of plugin options.  Every value is parsed and type-checked here,
 * before the plugin runs, so a plugin reads ready values and never has to
 * report a YAML mistake itself.  Defaults in the table are written as YAML
 * text and go through the same parsing as the job's own values.
 */
#include <config.h>

#include "config/plugin_options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "config/job.h"
#include "config/units.h"

#define MAX_OPTIONS 256

struct option_value {
	const struct scrape_option *spec;
	const struct node *node;    /* where the job set it; NULL: default */
	int set;
	int64_t number;             /* bool, int, duration (ns), size (bytes) */
	char *text;                 /* string */
	char **items;               /* list items, or map keys */
	char **values;              /* map values */
	size_t count;
};

struct scrape_options {
	const struct scrape_plugin *plugin;
	const struct node *entry;
	struct option_value *values;
	size_t count;
	char *failure;              /* from opt_fail() */
};

static const char *type_name(enum scrape_option_type t)
{
	switch (t) {
	case SCRAPE_OPT_BOOL: return "bool";
	case SCRAPE_OPT_INT: return "int";
	case SCRAPE_OPT_STRING: return "string";
	case SCRAPE_OPT_DURATION: return "duration";
	case SCRAPE_OPT_SIZE: return "size";
	case SCRAPE_OPT_LIST: return "list";
	case SCRAPE_OPT_MAP: return "map";
	}
	return NULL;
}

/* Parses one scalar for a scalar-typed option.  -1 with why set. */
static int parse_scalar(enum scrape_option_type type, const char *text, int64_t *number,
                        const char **why)
{
	int b;

	switch (type) {
	case SCRAPE_OPT_BOOL:
		if (units_bool(text, &b) < 0) {
			*why = "expected true or false";
			return -1;
		}
		*number = b;
		return 0;
	case SCRAPE_OPT_INT:
		return units_count(text, number, why);
	case SCRAPE_OPT_DURATION:
		return units_duration(text, number, why);
	case SCRAPE_OPT_SIZE:
		return units_size(text, number, why);
	default:
		return 0;
	}
}

int options_check_table(const struct scrape_option *table, char *why, size_t len)
{
	size_t i, j;

	if (!table)
		return 0;
	for (i = 0; table[i].name; i++) {
		const struct scrape_option *o = &table[i];
		const char *reason;
		int64_t dummy;

		if (i >= MAX_OPTIONS) {
			snprintf(why, len, "its option table has more than %d entries or no end marker",
			         MAX_OPTIONS);
			return -1;
		}
		if (!o->name[0] || strcmp(o->name, "name") == 0) {
			snprintf(why, len, "option %zu has an empty or reserved name", i + 1);
			return -1;
		}
		if (!type_name(o->type)) {
			snprintf(why, len, "option \"%s\" has an unknown type %d", o->name, (int)o->type);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(table[j].name, o->name) == 0) {
				snprintf(why, len, "option \"%s\" is declared twice", o->name);
				return -1;
			}
		}
		if (o->default_value && o->type != SCRAPE_OPT_LIST && o->type != SCRAPE_OPT_MAP &&
		    parse_scalar(o->type, o->default_value, &dummy, &reason) < 0) {
			snprintf(why, len, "the default of option \"%s\" (\"%s\") is invalid: %s", o->name,
			         o->default_value, reason);
			return -1;
		}
	}
	return 0;
}

static int fill_list(struct option_value *v, const struct node *n, const char *plugin,
                     char *err, size_t errlen)
{
	size_t i, count = n->kind == NODE_SCALAR ? 1 : n->count;

	v->items = calloc(count ? count : 1, sizeof *v->items);
	if (!v->items)
		return tree_fail(err, errlen, n, "out of memory");
	for (i = 0; i < count; i++) {
		const struct node *item = n->kind == NODE_SCALAR ? n : n->items[i];
		if (item->kind != NODE_SCALAR)
			return tree_fail(err, errlen, item, "%s: \"%s\" must be a list of single values",
			                 plugin, v->spec->name);
		if (!(v->items[i] = strdup(item->text)))
			return tree_fail(err, errlen, item, "out of memory");
		v->count++;
	}
	return 0;
}

static int fill_map(struct option_value *v, const struct node *n, const char *plugin,
                    char *err, size_t errlen)
{
	size_t i;

	if (n->kind != NODE_MAP)
		return tree_fail(err, errlen, n, "%s: \"%s\" must be a map, not %s", plugin,
		                 v->spec->name, tree_kind_name(n->kind));
	v->items = calloc(n->count ? n->count : 1, sizeof *v->items);
	v->values = calloc(n->count ? n->count : 1, sizeof *v->values);
	if (!v->items || !v->values)
		return tree_fail(err, errlen, n, "out of memory");
	for (i = 0; i < n->count; i++) {
		if (n->items[i]->kind != NODE_SCALAR)
			return tree_fail(err, errlen, n->items[i], "%s: the values of \"%s\" must be single values",
			                 plugin, v->spec->name);
		v->items[i] = strdup(n->keys[i]->text);
		v->values[i] = strdup(n->items[i]->text);
		v->count++;
		if (!v->items[i] || !v->values[i])
			return tree_fail(err, errlen, n, "out of memory");
	}
	return 0;
}

static int fill_value(struct option_value *v, const struct node *n, const char *plugin,
                      char *err, size_t errlen)
{
	const char *why;

	v->node = n;
	v->set = 1;
	if (v->spec->type == SCRAPE_OPT_LIST) {
		if (n->kind == NODE_MAP)
			return tree_fail(err, errlen, n, "%s: \"%s\" must be a list, not a map", plugin,
			                 v->spec->name);
		return fill_list(v, n, plugin, err, errlen);
	}
	if (v->spec->type == SCRAPE_OPT_MAP)
		return fill_map(v, n, plugin, err, errlen);
	if (n->kind != NODE_SCALAR)
		return tree_fail(err, errlen, n, "%s: \"%s\" must be a single %s value, not %s", plugin,
		                 v->spec->name, type_name(v->spec->type), tree_kind_name(n->kind));
	if (v->spec->type == SCRAPE_OPT_STRING) {
		v->text = strdup(n->text);
		return v->text ? 0 : tree_fail(err, errlen, n, "out of memory");
	}
	if (parse_scalar(v->spec->type, n->text, &v->number, &why) < 0)
		return tree_fail(err, errlen, n, "%s: \"%s\": %s, got \"%s\"", plugin, v->spec->name, why,
		                 n->text);
	return 0;
}

static void fill_default(struct option_value *v)
{
	const char *why;

	if (!v->spec->default_value)
		return;
	if (v->spec->type == SCRAPE_OPT_STRING) {
		v->text = strdup(v->spec->default_value);
		v->set = v->text != NULL;
	} else if (v->spec->type == SCRAPE_OPT_LIST) {
		v->items = calloc(1, sizeof *v->items);
		if (v->items && (v->items[0] = strdup(v->spec->default_value)) != NULL) {
			v->count = 1;
			v->set = 1;
		}
	} else if (v->spec->type != SCRAPE_OPT_MAP) {
		v->set = parse_scalar(v->spec->type, v->spec->default_value, &v->number, &why) == 0;
	}
}

static int unknown_key(const struct scrape_plugin *plugin, const struct node *key, char *err,
                       size_t errlen)
{
	const char *names[MAX_OPTIONS];
	size_t n = 0;
	const char *hint;

	while (plugin->options && plugin->options[n].name && n < MAX_OPTIONS) {
		names[n] = plugin->options[n].name;
		n++;
	}
	hint = job_suggest(key->text, names, n);
	if (hint)
		return tree_fail(err, errlen, key, "unknown key \"%s\" for %s \"%s\" (did you mean \"%s\"?)",
		                 key->text, plugin->kind == SCRAPE_KIND_STRATEGY ? "strategy" : "parser",
		                 plugin->name, hint);
	return tree_fail(err, errlen, key, "unknown key \"%s\" for %s \"%s\" (scrape --plugin-help %s lists its keys)",
	                 key->text, plugin->kind == SCRAPE_KIND_STRATEGY ? "strategy" : "parser",
	                 plugin->name, plugin->name);
}

struct scrape_options *options_build(const struct scrape_plugin *plugin, const struct node *entry,
                                     char *err, size_t errlen)
{
	struct scrape_options *opts = calloc(1, sizeof *opts);
	size_t i, k;

	if (!opts) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	opts->plugin = plugin;
	opts->entry = entry;
	while (plugin->options && plugin->options[opts->count].name)
		opts->count++;
	opts->values = calloc(opts->count ? opts->count : 1, sizeof *opts->values);
	if (!opts->values) {
		free(opts);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < opts->count; i++) {
		opts->values[i].spec = &plugin->options[i];
		fill_default(&opts->values[i]);
	}
	if (entry->kind != NODE_MAP)
		return opts;
	for (k = 0; k < entry->count; k++) {
		const struct node *key = entry->keys[k];
		if (strcmp(key->text, "name") == 0)
			continue;
		for (i = 0; i < opts->count; i++)
			if (strcmp(opts->values[i].spec->name, key->text) == 0)
				break;
		if (i == opts->count) {
			unknown_key(plugin, key, err, errlen);
			options_free(opts);
			return NULL;
		}
		/* drop the default before the job's value replaces it */
		struct option_value *v = &opts->values[i];
		free(v->text);
		for (size_t j = 0; j < v->count; j++) {
			free(v->items[j]);
			if (v->values)
				free(v->values[j]);
		}
		free(v->items);
		free(v->values);
		v->text = NULL;
		v->items = v->values = NULL;
		v->count = 0;
		if (fill_value(v, entry->items[k], plugin->name, err, errlen) < 0) {
			options_free(opts);
			return NULL;
		}
	}
	return opts;
}

void options_free(struct scrape_options *opts)
{
	size_t i, j;

	if (!opts)
		return;
	for (i = 0; i < opts->count; i++) {
		struct option_value *v = &opts->values[i];
		free(v->text);
		for (j = 0; j < v->count; j++) {
			free(v->items[j]);
			if (v->values)
				free(v->values[j]);
		}
		free(v->items);
		free(v->values);
	}
	free(opts->values);
	free(opts->failure);
	free(opts);
}

const char *options_failure(const struct scrape_options *opts)
{
	return opts->failure;
}

static const struct option_value *find(const struct scrape_options *opts, const char *name)
{
	size_t i;

	for (i = 0; i < opts->count; i++)
		if (strcmp(opts->values[i].spec->name, name) == 0)
			return &opts->values[i];
	return NULL;
}

int options_isset(const struct scrape_options *opts, const char *name)
{
	const struct option_value *v = find(opts, name);
	return v && v->set;
}

int options_bool(const struct scrape_options *opts, const char *name)
{
	const struct option_value *v = find(opts, name);
	return v && v->set && v->spec->type == SCRAPE_OPT_BOOL ? (int)v->number : 0;
}

static int64_t number_of(const struct scrape_options *opts, const char *name,
                         enum scrape_option_type type)
{
	const struct option_value *v = find(opts, name);
	return v && v->set && v->spec->type == type ? v->number : 0;
}

int64_t options_int(const struct scrape_options *opts, const char *name)
{
	return number_of(opts, name, SCRAPE_OPT_INT);
}

int64_t options_duration(const struct scrape_options *opts, const char *name)
{
	return number_of(opts, name, SCRAPE_OPT_DURATION);
}

int64_t options_size(const struct scrape_options *opts, const char *name)
{
	return number_of(opts, name, SCRAPE_OPT_SIZE);
}

const char *options_string(const struct scrape_options *opts, const char *name)
{
	const struct option_value *v = find(opts, name);
	return v && v->set && v->spec->type == SCRAPE_OPT_STRING ? v->text : NULL;
}

size_t options_count(const struct scrape_options *opts, const char *name)
{
	const struct option_value *v = find(opts, name);
	return v && v->set ? v->count : 0;
}

const char *options_item(const struct scrape_options *opts, const char *name, size_t i,
                         const char **value)
{
	const struct option_value *v = find(opts, name);

	if (!v || !v->set || i >= v->count)
		return NULL;
	if (value)
		*value = v->values ? v->values[i] : NULL;
	return v->items[i];
}

void options_fail(const struct scrape_options *opts, const char *name, const char *fmt, ...)
{
	struct scrape_options *o = (struct scrape_options *)opts;
	const struct option_value *v = name ? find(opts, name) : NULL;
	const struct node *at = v && v->node ? v->node : opts->entry;
	char message[512], shown[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	free(o->failure);
	if (asprintf(&o->failure, "%s:%d:%d: %s: %s", at->source, at->line, at->col,
	             opts->plugin->name, visible(shown, sizeof shown, message)) < 0)
		o->failure = NULL;
}

void options_print_help(const struct scrape_plugin *plugin, FILE *out)
{
	size_t i;

	fprintf(out, "%s %s %s: %s\n", plugin->kind == SCRAPE_KIND_STRATEGY ? "strategy" : "parser",
	        plugin->name, plugin->version ? plugin->version : "", plugin->description);
	if (!plugin->options || !plugin->options[0].name) {
		fputs("  (no keys of its own)\n", out);
		return;
	}
	fputs("keys:\n", out);
	for (i = 0; plugin->options[i].name; i++) {
		const struct scrape_option *o = &plugin->options[i];
		fprintf(out, "  %-18s %-9s default %-10s %s\n", o->name, type_name(o->type),
		        o->default_value ? o->default_value : "-", o->help ? o->help : "");
	}
}
