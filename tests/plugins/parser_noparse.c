/* SPDX-License-Identifier: MIT */
/* Test plugin: a parser without a parse callback. */
#include <scrape/plugin.h>

static const struct scrape_parser_ops empty_ops = { .parse = NULL };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "noparse"),
	.description = "forgot its parse callback",
	.parser = &empty_ops,
};
