/* SPDX-License-Identifier: MIT */
/*
 * The plugin loader.  Everything a descriptor promises is checked before
 * any of the plugin's code runs: ABI major and minor, the descriptor's
 * size, kind, name against the file name, the required callbacks and the
 * option table.  Plugins are opened RTLD_NOW | RTLD_LOCAL so a missing
 * symbol fails here rather than mid-run, and one plugin's symbols never
 * leak into another's.  Every failure path closes the handle again.
 */
#include <config.h>

#include "plugin/loader.h"

#include <dirent.h>
#include <stdarg.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "config/plugin_options.h"

/* The smallest descriptor of ABI major 1: everything up to the parser ops. */
#define MIN_DESCRIPTOR_SIZE (offsetof(struct scrape_plugin, parser) + sizeof(void *))

const char *loader_kind_name(enum scrape_plugin_kind kind)
{
	switch (kind) {
	case SCRAPE_KIND_STRATEGY:
		return "strategy";
	case SCRAPE_KIND_PARSER:
		return "parser";
	}
	return "unknown";
}

static int add_dir(struct loader_paths *paths, const char *dir, size_t len)
{
	char **dirs;

	if (len == 0)
		return 0;
	dirs = realloc(paths->dirs, (paths->count + 1) * sizeof *dirs);
	if (!dirs)
		return -1;
	paths->dirs = dirs;
	if (!(dirs[paths->count] = strndup(dir, len)))
		return -1;
	paths->count++;
	return 0;
}

int loader_paths_init(struct loader_paths *paths, char *const *extra, size_t extra_count)
{
	const char *env = getenv("SCRAPE_PLUGIN_PATH");
	size_t i;

	paths->dirs = NULL;
	paths->count = 0;
	for (i = 0; i < extra_count; i++)
		if (add_dir(paths, extra[i], strlen(extra[i])) < 0)
			return -1;
	while (env && *env) {
		const char *colon = strchr(env, ':');
		size_t len = colon ? (size_t)(colon - env) : strlen(env);
		if (add_dir(paths, env, len) < 0)
			return -1;
		env = colon ? colon + 1 : NULL;
	}
	return add_dir(paths, PLUGINDIR, strlen(PLUGINDIR));
}

void loader_paths_free(struct loader_paths *paths)
{
	size_t i;

	for (i = 0; i < paths->count; i++)
		free(paths->dirs[i]);
	free(paths->dirs);
	paths->dirs = NULL;
	paths->count = 0;
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The name a file stands for: "dir/parser_links.so" -> "links". */
static void name_from_path(const char *path, enum scrape_plugin_kind kind, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	const char *prefix = loader_kind_name(kind);
	size_t plen = strlen(prefix), n;

	base = base ? base + 1 : path;
	if (strncmp(base, prefix, plen) == 0 && base[plen] == '_')
		base += plen + 1;
	n = strcspn(base, ".");
	if (n >= len)
		n = len - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

static int find_file(const struct loader_paths *paths, enum scrape_plugin_kind kind,
                     const char *name, char **path)
{
	size_t i;

	if (strchr(name, '/')) {
		if (!is_file(name))
			return -1;
		*path = strdup(name);
		return *path ? 0 : -1;
	}
	for (i = 0; i < paths->count; i++) {
		char *candidate;
		if (asprintf(&candidate, "%s/%s_%s.so", paths->dirs[i], loader_kind_name(kind), name) < 0)
			return -1;
		if (is_file(candidate)) {
			*path = candidate;
			return 0;
		}
		free(candidate);
	}
	return -1;
}

static enum loader_status invalid(struct loaded_plugin *p, char *err, size_t errlen,
                                  const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum loader_status invalid(struct loaded_plugin *p, char *err, size_t errlen,
                                  const char *name, const char *fmt, ...)
{
	int used = snprintf(err, errlen, "plugin \"%s\" (%s): ", name, p->path);
	va_list ap;

	if (used > 0 && (size_t)used < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
		va_end(ap);
	}
	loader_close(p);
	return LOADER_INVALID;
}

static enum loader_status validate(struct loaded_plugin *p, enum scrape_plugin_kind kind,
                                   const char *name, char *err, size_t errlen)
{
	const struct scrape_plugin *d = p->desc;
	char file_name[128], why[300];

	if (d->abi_major != SCRAPE_ABI_MAJOR)
		return invalid(p, err, errlen, name,
		               "built for ABI %u.%u, this scrape supports %u.x; rebuild it against this scrape's headers",
		               d->abi_major, d->abi_minor, SCRAPE_ABI_MAJOR);
	if (d->abi_minor > SCRAPE_ABI_MINOR)
		return invalid(p, err, errlen, name,
		               "built for ABI %u.%u, this scrape supports up to %u.%u; upgrade scrape or rebuild the plugin",
		               d->abi_major, d->abi_minor, SCRAPE_ABI_MAJOR, SCRAPE_ABI_MINOR);
	if (d->size < MIN_DESCRIPTOR_SIZE)
		return invalid(p, err, errlen, name,
		               "its descriptor is smaller than ABI %u.0 requires; rebuild it", SCRAPE_ABI_MAJOR);
	if (d->kind != (uint32_t)kind)
		return invalid(p, err, errlen, name, "it is a %s plugin, not a %s",
		               loader_kind_name((enum scrape_plugin_kind)d->kind), loader_kind_name(kind));
	name_from_path(p->path, kind, file_name, sizeof file_name);
	if (!d->name || strcmp(d->name, file_name) != 0)
		return invalid(p, err, errlen, name,
		               "it calls itself \"%.64s\" but its file is named for \"%s\"; rename the file or fix the descriptor",
		               d->name ? d->name : "(null)", file_name);
	if (!d->description)
		return invalid(p, err, errlen, name, "its descriptor has no description");
	if (kind == SCRAPE_KIND_STRATEGY && (!d->strategy || !d->strategy->run))
		return invalid(p, err, errlen, name, "it has no strategy run callback");
	if (kind == SCRAPE_KIND_PARSER && (!d->parser || !d->parser->parse))
		return invalid(p, err, errlen, name, "it has no parse callback");
	if (options_check_table(d->options, why, sizeof why) < 0)
		return invalid(p, err, errlen, name, "%s", why);
	return LOADER_OK;
}

enum loader_status loader_open(const struct loader_paths *paths, enum scrape_plugin_kind kind,
                               const char *name, struct loaded_plugin *out, char *err,
                               size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (find_file(paths, kind, name, &out->path) < 0) {
		if (strchr(name, '/'))
			snprintf(err, errlen, "%s plugin \"%s\" not found: no such file", loader_kind_name(kind),
			         name);
		else
			snprintf(err, errlen, "unknown %s \"%s\"", loader_kind_name(kind), name);
		return LOADER_NOT_FOUND;
	}
	/* RTLD_NOW: a plugin with a missing symbol fails now, not mid-run */
	out->handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
	if (!out->handle)
		return invalid(out, err, errlen, name, "cannot be loaded: %s", dlerror());
	out->desc = dlsym(out->handle, "scrape_plugin");
	if (!out->desc)
		return invalid(out, err, errlen, name,
		               "exports no \"scrape_plugin\" descriptor; is it a scrape plugin?");
	return validate(out, kind, name, err, errlen);
}

void loader_close(struct loaded_plugin *p)
{
	if (p->handle)
		dlclose(p->handle);
	free(p->path);
	memset(p, 0, sizeof *p);
}

static int add_name(char ***names, size_t *count, const char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < *count; i++)
		if (strcmp((*names)[i], name) == 0)
			return 0;
	grown = realloc(*names, (*count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	*names = grown;
	if (!(grown[*count] = strdup(name)))
		return -1;
	(*count)++;
	return 0;
}

char **loader_names(const struct loader_paths *paths, enum scrape_plugin_kind kind, size_t *count)
{
	const char *prefix = loader_kind_name(kind);
	size_t plen = strlen(prefix), i;
	char **names = NULL;

	*count = 0;
	for (i = 0; i < paths->count; i++) {
		DIR *dir = opendir(paths->dirs[i]);
		struct dirent *e;

		if (!dir)
			continue;
		while ((e = readdir(dir)) != NULL) {
			size_t len = strlen(e->d_name);
			char name[256];
			if (len < plen + 5 || strncmp(e->d_name, prefix, plen) != 0 ||
			    e->d_name[plen] != '_' || strcmp(e->d_name + len - 3, ".so") != 0)
				continue;
			name_from_path(e->d_name, kind, name, sizeof name);
			add_name(&names, count, name);
		}
		closedir(dir);
	}
	return names;
}

void loader_free_names(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int loader_list(const struct loader_paths *paths, FILE *out)
{
	static const enum scrape_plugin_kind kinds[] = { SCRAPE_KIND_STRATEGY, SCRAPE_KIND_PARSER };
	int failures = 0;
	size_t k, i, count;

	fprintf(out, "%-9s %-14s %-8s %-40s %s\n", "KIND", "NAME", "VERSION", "DESCRIPTION", "PATH");
	for (k = 0; k < 2; k++) {
		char **names = loader_names(paths, kinds[k], &count);
		for (i = 0; i < count; i++) {
			struct loaded_plugin p;
			char err[512];
			if (loader_open(paths, kinds[k], names[i], &p, err, sizeof err) != LOADER_OK) {
				log_fatal("%s", err);
				failures++;
				continue;
			}
			fprintf(out, "%-9s %-14s %-8s %-40s %s\n", loader_kind_name(kinds[k]), p.desc->name,
			        p.desc->version ? p.desc->version : "-", p.desc->description, p.path);
			loader_close(&p);
		}
		loader_free_names(names, count);
	}
	return failures;
}

uint32_t loader_capabilities(const struct scrape_plugin *d)
{
	uint32_t caps;

	if (d->abi_minor < 1 || d->size < offsetof(struct scrape_plugin, capabilities) + sizeof d->capabilities)
		return SCRAPE_CAP_CURL_TRANSPORT;
	caps = d->capabilities;
	/* bits a 1.1 plugin cannot have meant: it knew only the open model */
	if (d->abi_minor < 2)
		caps &= SCRAPE_CAP_OPEN_MODEL;
	/* a strategy on libcurl can do whatever libcurl does for the core */
	if (!(caps & SCRAPE_CAP_OWN_TRANSPORT))
		caps |= SCRAPE_CAP_CURL_TRANSPORT;
	return caps;
}
