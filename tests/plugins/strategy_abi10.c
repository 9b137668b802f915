/* SPDX-License-Identifier: MIT */
/*
 * Test plugin: a strategy as ABI 1.0 built it, before capabilities and
 * the transport-neutral calls: its descriptor ends at the parser ops and
 * it drives libcurl with prepare() and finish().  It must load and run
 * unchanged, and count as able to do all libcurl does.
 */
#include <stddef.h>

#include <scrape/plugin.h>

static const struct scrape_host *host_of_run;

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	(void)opts, (void)state;
	host_of_run = host;
	return 0;
}

static int run(void *state, struct scrape_run *run)
{
	const struct scrape_host *host = host_of_run;
	CURL *easy = curl_easy_init();

	(void)state;
	if (!easy)
		return -1;
	for (;;) {
		struct scrape_request *req;
		int64_t not_before;
		enum scrape_next next = host->next(run, &req, &not_before);

		if (next == SCRAPE_NEXT_DONE)
			break;
		if (next == SCRAPE_NEXT_WAIT) {
			host->wait(run, not_before);
			continue;
		}
		if (host->prepare(run, req, easy) == 0)
			host->finish(run, req, easy, curl_easy_perform(easy));
	}
	curl_easy_cleanup(easy);
	return 0;
}

static const struct scrape_strategy_ops ops = { .run = run };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	.abi_major = 1,
	.abi_minor = 0,
	.size = offsetof(struct scrape_plugin, capabilities),
	.kind = SCRAPE_KIND_STRATEGY,
	.name = "abi10",
	.description = "a strategy built for ABI 1.0",
	.create = create,
	.strategy = &ops,
};
