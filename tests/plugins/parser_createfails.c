/* SPDX-License-Identifier: MIT */
/* Test plugin: valid, but its create() refuses to start, once with a
 * located reason (key "reason" set) and once without one. */
#include "common.h"

static const struct scrape_option options[] = {
	{ "reason", SCRAPE_OPT_STRING, NULL, "if set, create() fails with this reason" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	const char *reason = host->opt_string(opts, "reason");

	(void)state;
	if (reason)
		host->opt_fail(opts, "reason", "%s", reason);
	else
		host->log(SCRAPE_LOG_ERROR, "createfails: refusing to start");
	return -1;
}

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "createfails"),
	.description = "create() always fails",
	.options = options,
	.create = create,
	.parser = &nothing_ops,
};
