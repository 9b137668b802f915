/* SPDX-License-Identifier: MIT */
/*
 * The size parser: records how many body bytes arrived and the media type
 * the server declared.  The smallest useful parser, and a check that
 * records carry parser fields end to end.
 */
#include <stdlib.h>
#include <string.h>

#include <scrape/plugin.h>

struct size_parser {
	const struct scrape_host *host;
	int with_type;
};

static const struct scrape_option options[] = {
	{ "content_type", SCRAPE_OPT_BOOL, "true", "also record the media type as content_type" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct size_parser *p = malloc(sizeof *p);

	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "size: out of memory");
		return -1;
	}
	p->host = host;
	p->with_type = host->opt_bool(opts, "content_type");
	*state = p;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct size_parser *p = state;
	char type[128];
	size_t n;

	if (p->host->record_int(rec, "size", (int64_t)resp->body_len) != 0)
		return -1;
	if (!p->with_type || !resp->content_type)
		return 0;
	/* the media type alone: "text/html; charset=utf-8" -> "text/html" */
	n = strcspn(resp->content_type, "; \t");
	if (n >= sizeof type)
		n = sizeof type - 1;
	memcpy(type, resp->content_type, n);
	type[n] = '\0';
	return p->host->record_string(rec, "content_type", type);
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "size"),
	.version = SCRAPE_VERSION,
	.description = "body size in bytes and the declared media type",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
