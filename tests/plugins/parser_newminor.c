/* SPDX-License-Identifier: MIT */
/* Test plugin: needs a newer minor ABI than this scrape offers. */
#include "common.h"

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	.abi_major = SCRAPE_ABI_MAJOR,
	.abi_minor = SCRAPE_ABI_MINOR + 1,
	.size = sizeof(struct scrape_plugin),
	.kind = SCRAPE_KIND_PARSER,
	.name = "newminor",
	.description = "built for a newer ABI minor",
	.parser = &nothing_ops,
};
