/* SPDX-License-Identifier: MIT */
/*
 * A skeleton parser plugin to copy when writing your own.  It counts how
 * often a word occurs in each response body and records the count, with
 * the word and the matching style as job keys.  Build it outside the
 * scrape tree with:
 *
 *   cc -shared -fPIC -o parser_skeleton.so parser_skeleton.c \
 *      $(pkg-config --cflags scrape)
 *
 * and run it with --plugin-dir pointing at the directory of the .so.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <scrape/plugin.h>

struct skeleton {
	const struct scrape_host *host;
	char *word;
	size_t word_len;
	int ignore_case;
};

/* The keys this parser accepts under its entry in the job's `parsers`. */
static const struct scrape_option options[] = {
	{ "word", SCRAPE_OPT_STRING, "scrape", "the word to count" },
	{ "ignore_case", SCRAPE_OPT_BOOL, "false", "match without regard to case" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct skeleton *s;
	const char *word = host->opt_string(opts, "word");

	if (!word || !*word) {
		/* reported as job.yaml:LINE:COL, pointing at the key */
		host->opt_fail(opts, "word", "the word must not be empty");
		return -1;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->word = strdup(word))) {
		free(s);
		host->log(SCRAPE_LOG_ERROR, "skeleton: out of memory");
		return -1;
	}
	s->host = host;
	s->word_len = strlen(word);
	s->ignore_case = host->opt_bool(opts, "ignore_case");
	*state = s;
	return 0;
}

static void destroy(void *state)
{
	struct skeleton *s = state;

	free(s->word);
	free(s);
}

/* Runs in worker threads, concurrently: only read the state. */
static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct skeleton *s = state;
	const char *body = (const char *)resp->body;
	int64_t count = 0;
	size_t i;

	for (i = 0; i + s->word_len <= resp->body_len; i++) {
		int same = s->ignore_case ? strncasecmp(body + i, s->word, s->word_len) == 0
		                          : memcmp(body + i, s->word, s->word_len) == 0;
		if (same) {
			count++;
			i += s->word_len - 1;
		}
	}
	return s->host->record_int(rec, "word_count", count);
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "skeleton"),
	.version = "1.0",
	.description = "counts a word in each response (an example to copy)",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
