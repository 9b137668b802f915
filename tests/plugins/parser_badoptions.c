/* SPDX-License-Identifier: MIT */
/* Test plugin: an option table with an invalid default. */
#include "common.h"

static const struct scrape_option options[] = {
	{ "limit", SCRAPE_OPT_DURATION, "ten seconds", "a default that is not a duration" },
	{ NULL, 0, NULL, NULL },
};

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "badoptions"),
	.description = "its option table is broken",
	.options = options,
	.parser = &nothing_ops,
};
