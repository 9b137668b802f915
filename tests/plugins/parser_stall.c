/* SPDX-License-Identifier: MIT */
/* Test plugin: a parser that never returns on a URL with "stall" in it,
 * standing in for a parser stuck on a hostile page. */
#include <string.h>
#include <unistd.h>

#include <scrape/plugin.h>

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	(void)state;
	(void)rec;
	while (resp->url && strstr(resp->url, "stall"))
		pause();
	return 0;
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "stall"),
	.description = "never returns on URLs that contain \"stall\"",
	.parser = &ops,
};
