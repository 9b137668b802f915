/* SPDX-License-Identifier: MIT */
/*
 * Finding, opening and validating plugins.  Search order: each
 * --plugin-dir, then $SCRAPE_PLUGIN_PATH (colon-separated), then the
 * compiled-in plugin directory; a name with a "/" is a path.  The current
 * directory is never searched implicitly.
 */
#ifndef SCRAPE_LOADER_H
#define SCRAPE_LOADER_H

#include <stdio.h>
#include <scrape/plugin.h>

struct loader_paths {
	char **dirs;
	size_t count;
};

struct loaded_plugin {
	const struct scrape_plugin *desc;
	void *handle;               /* from dlopen */
	char *path;
};

enum loader_status {
	LOADER_OK = 0,
	LOADER_NOT_FOUND = -1,      /* no such plugin: a job error */
	LOADER_INVALID = -2,        /* found but unusable: a plugin error */
};

/* extra: the --plugin-dir values, searched first. */
int loader_paths_init(struct loader_paths *paths, char *const *extra, size_t extra_count);
void loader_paths_free(struct loader_paths *paths);

/* Loads <kind>_<name>.so (or the path in name) and validates it.  On
 * failure err holds one line naming the plugin, the path and the cure. */
enum loader_status loader_open(const struct loader_paths *paths, enum scrape_plugin_kind kind,
                               const char *name, struct loaded_plugin *out, char *err,
                               size_t errlen);
void loader_close(struct loaded_plugin *p);
/* The descriptor's capability bits as the core applies them: none but
 * the libcurl transport's for plugins built before ABI 1.1, and those
 * added for every strategy that does not bring its own transport. */
uint32_t loader_capabilities(const struct scrape_plugin *d);

/* Names of the plugins of a kind that can be found, for "did you mean"
 * hints; free with loader_free_names. */
char **loader_names(const struct loader_paths *paths, enum scrape_plugin_kind kind, size_t *count);
void loader_free_names(char **names, size_t count);

/* --list-plugins.  Returns the number of plugins that failed to load. */
int loader_list(const struct loader_paths *paths, FILE *out);

const char *loader_kind_name(enum scrape_plugin_kind kind);

#endif
