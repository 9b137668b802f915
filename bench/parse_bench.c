/* SPDX-License-Identifier: MIT */
/*
 * parse_bench: how fast a parser plugin reads HTML, on one thread, with
 * no network and no file I/O in the timing.  It dlopens the plugin as the
 * core would, gives it the mock host table of tests/mock (options at their
 * defaults, record calls checked and counted, nothing kept), reads every
 * file named on standard input into memory, then times parse() over all
 * of them, several passes, and prints the best pass as one line:
 *
 *   files=N bytes=B seconds=S mb_per_s=R fields=F links=L
 *
 * Each file is presented as a text/html response from
 * http://localhost/<its path>, so relative links resolve to http URLs.
 * Built (with tests/mock/mock_host.c) and run by bench/links.sh; usage:
 *
 *   parse_bench PLUGIN.so [PASSES] < list-of-html-files
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <scrape/plugin.h>

#include "../tests/mock/mock_host.h"

struct page {
	struct scrape_response resp;
	char *url;
	unsigned char *body;
};

static const struct scrape_plugin *plugin;

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

static double one_pass(void *state, const struct page *pages, size_t n, struct mock_record *t)
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
	struct mock_record t;
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
	mock_host_verbosity(SCRAPE_LOG_WARNING);
	if (plugin->create && plugin->create(mock_host(plugin, NULL), NULL, &state) != 0)
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
