/* SPDX-License-Identifier: MIT */
/*
 * The size parser: records how many body bytes the parsers saw, under a
 * field name of the job's choosing.  The smallest useful parser, and a
 * check that records carry parser fields end to end.
 */
#include <stdlib.h>
#include <string.h>

#include <scrape/plugin.h>

struct size_parser {
	const struct scrape_host *host;
	char *field;
};

static const struct scrape_option options[] = {
	{ "field", SCRAPE_OPT_STRING, "size", "the name of the field to record the size in" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct size_parser *p;
	const char *field = host->opt_string(opts, "field");

	if (!field || !*field) {
		host->opt_fail(opts, "field", "the field name must not be empty");
		return -1;
	}
	p = malloc(sizeof *p);
	if (!p || !(p->field = strdup(field))) {
		free(p);
		host->log(SCRAPE_LOG_ERROR, "size: out of memory");
		return -1;
	}
	p->host = host;
	*state = p;
	return 0;
}

static void destroy(void *state)
{
	struct size_parser *p = state;

	free(p->field);
	free(p);
}

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct size_parser *p = state;

	return p->host->record_int(rec, p->field, (int64_t)resp->body_len);
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "size"),
	.version = SCRAPE_VERSION,
	.description = "the body size in bytes",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
