/* SPDX-License-Identifier: MIT */
/*
 * The sequential strategy: one transfer at a time on one easy handle that
 * lives for the whole run, so connections are reused as in a browser
 * session.  The baseline every other strategy is compared with.
 */
#include <stdlib.h>

#include <scrape/plugin.h>

/* The host table lives in the state, not in a global: two runs in one
 * process (--compare) each keep their own. */
struct sequential {
	const struct scrape_host *host;
};

static int create(const struct scrape_host *h, const struct scrape_options *opts, void **state)
{
	struct sequential *s = calloc(1, sizeof *s);

	(void)opts;
	if (!s) {
		h->log(SCRAPE_LOG_ERROR, "sequential: out of memory");
		return -1;
	}
	s->host = h;
	*state = s;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static int run(void *state, struct scrape_run *run)
{
	const struct scrape_host *host = ((struct sequential *)state)->host;
	CURL *easy = curl_easy_init();

	if (!easy) {
		host->log(SCRAPE_LOG_ERROR, "sequential: cannot create a curl handle");
		return -1;
	}
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
		if (host->prepare(run, req, easy) != 0)
			continue;
		host->finish(run, req, easy, curl_easy_perform(easy));
	}
	curl_easy_cleanup(easy);
	return 0;
}

static const struct scrape_strategy_ops ops = { .run = run };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_STRATEGY, "sequential"),
	.version = SCRAPE_VERSION,
	.description = "one transfer at a time on one reused connection",
	.create = create,
	.destroy = destroy,
	.strategy = &ops,
};
