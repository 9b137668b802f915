/* SPDX-License-Identifier: MIT */
/* Test plugin: claims an ABI major this scrape does not speak. */
#include "common.h"

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	.abi_major = SCRAPE_ABI_MAJOR + 1,
	.abi_minor = 0,
	.size = sizeof(struct scrape_plugin),
	.kind = SCRAPE_KIND_PARSER,
	.name = "badmajor",
	.description = "built for a future ABI major",
	.parser = &nothing_ops,
};
