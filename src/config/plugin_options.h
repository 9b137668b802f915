/* SPDX-License-Identifier: MIT */
/*
 * Plugin options: checks a plugin's entry in the job against the option
 * table the plugin declares, applies defaults, and serves the values to
 * the plugin through the host's opt_* calls.
 */
#ifndef SCRAPE_PLUGIN_OPTIONS_H
#define SCRAPE_PLUGIN_OPTIONS_H

#include <stdio.h>
#include <scrape/plugin.h>

#include "config/tree.h"

/* Checks that a plugin's option table is well formed (names, types,
 * defaults).  -1 with a reason in why. */
int options_check_table(const struct scrape_option *table, char *why, size_t len);

/* Builds the values for one plugin instance from its job entry (a scalar
 * name, or a map with "name" and the plugin's keys).  NULL with a
 * file:line:col message in err. */
struct scrape_options *options_build(const struct scrape_plugin *plugin, const struct node *entry,
                                     char *err, size_t errlen);
void options_free(struct scrape_options *opts);

/* The message a plugin left with opt_fail(), or NULL. */
const char *options_failure(const struct scrape_options *opts);

/* --plugin-help: the plugin's keys, types, defaults and help. */
void options_print_help(const struct scrape_plugin *plugin, FILE *out);

/* The host calls (see struct scrape_host). */
int options_isset(const struct scrape_options *opts, const char *name);
int options_bool(const struct scrape_options *opts, const char *name);
int64_t options_int(const struct scrape_options *opts, const char *name);
const char *options_string(const struct scrape_options *opts, const char *name);
int64_t options_duration(const struct scrape_options *opts, const char *name);
int64_t options_size(const struct scrape_options *opts, const char *name);
size_t options_count(const struct scrape_options *opts, const char *name);
const char *options_item(const struct scrape_options *opts, const char *name, size_t i,
                         const char **value);
void options_fail(const struct scrape_options *opts, const char *name, const char *fmt, ...)
	SCRAPE_PRINTF(3, 4);

#endif
