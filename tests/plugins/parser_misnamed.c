/* SPDX-License-Identifier: MIT */
/* Test plugin: its file says "misnamed" but it calls itself "other". */
#include "common.h"

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "other"),
	.description = "a name that does not match its file",
	.parser = &nothing_ops,
};
