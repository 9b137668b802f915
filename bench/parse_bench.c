/* SPDX-License-Identifier: MIT */
/*
 * parse_bench: how fast a parser plugin reads HTML, on one thread, with
 * no network and no file I/O in the timing.  It dlopens the plugin as the
 * core would, gives it a minimal host table (options at their defaults,
 * record calls only counted), reads every file named on standard input
 * into memory, then times parse() over all of them, several passes, and
 * prints the best pass as one line:
 *
 *   files=N bytes=B seconds=S mb_per_s=R fields=F links=L
 *
 * Each file is presented as a text/html response from
 * http://localhost/<its path>, so relative links resolve to http URLs.
 * Built and run by bench/links.sh; usage:
 *
 *   parse_bench PLUGIN.so [PASSES] < list-of-html-files
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <scrape/plugin.h>

struct page {
	struct scrape_response resp;
	char *url;
	unsigned char *body;
};

/* What the record calls saw in one pass. */
struct tally {
	size_t fields, links;
};

static const struct scrape_plugin *plugin;

/* ---- the host table: defaults for options, counters for records ---- */

static void host_log(enum scrape_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > SCRAPE_LOG_WARNING)
		return;
	va_start(ap, fmt);
	fputs("parse_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char *default_of(const char *name)
{
	const struct scrape_option *o;

	for (o = plugin->options; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->default_value;
	return NULL;
}

static int opt_isset(const struct scrape_options *opts, const char *name)
{
	(void)opts;
	return default_of(name) != NULL;
}

static int opt_bool(const struct scrape_options *opts, const char *name)
{
	const char *v = default_of(name);

	(void)opts;
	return v && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0);
}

static int64_t opt_number(const struct scrape_options *opts, const char *name)
{
	const char *v = default_of(name);

	(void)opts;
	return v ? strtoll(v, NULL, 10) : 0;
}

static const char *opt_string(const struct scrape_options *opts, const char *name)
{
	(void)opts;
	return default_of(name);
}

static size_t opt_count(const struct scrape_options *opts, const char *name)
{
	(void)opts;
	(void)name;
	return 0;
}

static const char *opt_item(const struct scrape_options *opts, const char *name, size_t i,
                            const char **value)
{
	(void)opts;
	(void)name;
	(void)i;
	if (value)
		*value = NULL;
	return NULL;
}

static void opt_fail(const struct scrape_options *opts, const char *name, const char *fmt, ...)
{
	va_list ap;

	(void)opts;
	va_start(ap, fmt);
	fprintf(stderr, "parse_bench: option %s: ", name ? name : "(entry)");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The record handed to parse() is only ever this tally. */
static int count_field(struct scrape_record *rec)
{
	((struct tally *)(void *)rec)->fields++;
	return 0;
}

static int rec_string(struct scrape_record *rec, const char *key, const char *value)
{
	(void)key;
	(void)value;
	return count_field(rec);
}

static int rec_int(struct scrape_record *rec, const char *key, int64_t value)
{
	(void)key;
	(void)value;
	return count_field(rec);
}

static int rec_double(struct scrape_record *rec, const char *key, double value)
{
	(void)key;
	(void)value;
	return count_field(rec);
}

static int rec_bool(struct scrape_record *rec, const char *key, int value)
{
	(void)key;
	(void)value;
	return count_field(rec);
}

static int rec_append(struct scrape_record *rec, const char *key, const char *value)
{
	(void)key;
	(void)value;
	return count_field(rec);
}

static int rec_link(struct scrape_record *rec, const char *url)
{
	(void)url;
	((struct tally *)(void *)rec)->links++;
	return 0;
}

static const struct scrape_host host = {
	.abi_major = SCRAPE_ABI_MAJOR,
	.abi_minor = SCRAPE_ABI_MINOR,
	.size = sizeof(struct scrape_host),
	.log = host_log,
	.opt_isset = opt_isset,
	.opt_bool = opt_bool,
	.opt_int = opt_number,
	.opt_string = opt_string,
	.opt_duration_ns = opt_number,
	.opt_size = opt_number,
	.opt_count = opt_count,
	.opt_item = opt_item,
	.opt_fail = opt_fail,
	.record_string = rec_string,
	.record_int = rec_int,
	.record_double = rec_double,
	.record_bool = rec_bool,
	.record_append = rec_append,
	.record_link = rec_link,
};

/* ---- the pages ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) && fread(data, 1, (size_t)n, f) == (size_t)n) {
		data[n] = '\0';   /* the core NUL-terminates bodies too */
		*len = (size_t)n;
	} else {
		free(data);
		data = NULL;
	}
	fclose(f);
	return data;
}

static size_t read_pages(struct page **pages)
{
	char line[4096];
	size_t n = 0, cap = 0;

	while (fgets(line, sizeof line, stdin)) {
		struct page *p;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(*pages = realloc(*pages, cap * sizeof **pages)))
				exit(1);
		}
		p = &(*pages)[n];
		memset(p, 0, sizeof *p);
		if (!(p->body = slurp(line, &p->resp.body_len))) {
			fprintf(stderr, "parse_bench: cannot read %s\n", line);
			continue;
		}
		if (asprintf(&p->url, "http://localhost%s%s", *line == '/' ? "" : "/", line) < 0)
			exit(1);
		p->resp.size = sizeof p->resp;
		p->resp.url = p->resp.final_url = p->url;
		p->resp.status = 200;
		p->resp.content_type = "text/html";
		p->resp.body = p->body;
		n++;
	}
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double one_pass(void *state, const struct page *pages, size_t n, struct tally *t)
{
	double start = now();
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < n; i++)
		plugin->parser->parse(state, &pages[i].resp, (struct scrape_record *)(void *)t);
	return now() - start;
}

int main(int argc, char **argv)
{
	struct page *pages = NULL;
	size_t n, i, bytes = 0;
	int passes = argc > 2 ? atoi(argv[2]) : 5;
	double best = 0;
	struct tally t;
	void *so, *state = NULL;

	if (argc < 2 || passes < 1) {
		fprintf(stderr, "usage: parse_bench PLUGIN.so [PASSES] < list-of-files\n");
		return 2;
	}
	if (!(so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) ||
	    !(plugin = dlsym(so, "scrape_plugin")) || plugin->kind != SCRAPE_KIND_PARSER) {
		fprintf(stderr, "parse_bench: %s is not a parser plugin (%s)\n", argv[1], dlerror());
		return 2;
	}
	if (plugin->create && plugin->create(&host, NULL, &state) != 0)
		return 3;
	n = read_pages(&pages);
	for (i = 0; i < n; i++)
		bytes += pages[i].resp.body_len;
	for (i = 0; i < (size_t)passes; i++) {
		double s = one_pass(state, pages, n, &t);
		if (i == 0 || s < best)
			best = s;
	}
	printf("files=%zu bytes=%zu seconds=%.4f mb_per_s=%.2f fields=%zu links=%zu\n", n, bytes, best,
	       (double)bytes / 1e6 / best, t.fields, t.links);
	if (plugin->destroy)
		plugin->destroy(state);
	for (i = 0; i < n; i++) {
		free(pages[i].body);
		free(pages[i].url);
	}
	free(pages);
	return 0;
}
