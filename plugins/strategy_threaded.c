/* SPDX-License-Identifier: MIT */
/*
 * The threaded strategy: a pool of `workers` threads, each running the
 * sequential loop on its own easy handle kept for the whole run, so every
 * thread reuses its own connections (a session per thread).  The threads
 * share nothing but the core, whose calls are thread-safe.
 */
#include <pthread.h>
#include <stdlib.h>

#include <scrape/plugin.h>

struct pool {
	const struct scrape_host *host;
	struct scrape_run *run;
	int64_t stack_size;
};

static const struct scrape_option options[] = {
	{ "stack_size", SCRAPE_OPT_SIZE, "256k", "stack size of each worker thread" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct pool *p = calloc(1, sizeof *p);

	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "threaded: out of memory");
		return -1;
	}
	p->host = host;
	p->stack_size = host->opt_size(opts, "stack_size");
	if (p->stack_size < 65536) {
		host->opt_fail(opts, "stack_size", "must be at least 64k");
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	const struct scrape_host *host = p->host;
	CURL *easy = curl_easy_init();

	if (!easy) {
		host->log(SCRAPE_LOG_ERROR, "threaded: cannot create a curl handle");
		return (void *)1;
	}
	for (;;) {
		struct scrape_request *req;
		int64_t not_before;
		enum scrape_next next = host->next(p->run, &req, &not_before);

		if (next == SCRAPE_NEXT_DONE)
			break;
		if (next == SCRAPE_NEXT_WAIT) {
			host->wait(p->run, not_before);
			continue;
		}
		if (host->prepare(p->run, req, easy) != 0)
			continue;
		host->finish(p->run, req, easy, curl_easy_perform(easy));
	}
	curl_easy_cleanup(easy);
	return NULL;
}

static int run(void *state, struct scrape_run *job)
{
	struct pool *p = state;
	unsigned n = p->host->workers(job), started = 0, i;
	pthread_t *threads = calloc(n, sizeof *threads);
	pthread_attr_t attr;
	int failed = 0;

	if (!threads) {
		p->host->log(SCRAPE_LOG_ERROR, "threaded: out of memory");
		return -1;
	}
	p->run = job;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)p->stack_size);
	for (i = 0; i < n; i++) {
		if (pthread_create(&threads[i], &attr, worker, p) != 0) {
			/* fewer threads still finish the job, just more slowly */
			p->host->log(SCRAPE_LOG_WARNING, "threaded: started only %u of %u threads", i, n);
			break;
		}
		started++;
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < started; i++) {
		void *result;
		pthread_join(threads[i], &result);
		failed |= result != NULL;
	}
	free(threads);
	return started == 0 || failed ? -1 : 0;
}

static const struct scrape_strategy_ops ops = { .run = run };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_STRATEGY, "threaded"),
	.version = SCRAPE_VERSION,
	.description = "a pool of threads, each with its own connection",
	.options = options,
	.create = create,
	.destroy = destroy,
	.strategy = &ops,
};
