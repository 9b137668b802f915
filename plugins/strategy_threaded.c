/* SPDX-License-Identifier: MIT */
/*
 * The threaded strategy: a pool of up to `workers` threads, each running
 * the sequential loop on its own easy handle kept for the whole run, so
 * every thread reuses its own connections (a session per thread).  A
 * thread that takes a request while no other is idle starts another, so
 * the pool grows to what the load needs.  The threads share nothing but
 * the core, whose calls are thread-safe.
 */
#include <pthread.h>
#include <stdlib.h>

#include <scrape/plugin.h>

struct pool {
	const struct scrape_host *host;
	struct scrape_run *run;
	int64_t stack_size;
	pthread_attr_t attr;
	pthread_mutex_t lock;       /* guards the fields below */
	pthread_t *threads;
	unsigned started, limit;
	unsigned idle;              /* threads between transfers */
	int failed;
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

static void *worker(void *arg);

/* Starts one more thread if all are busy and the limit allows; threads
 * (and their connections) are added as the load needs them rather than
 * all at once.  Lock held. */
static void grow(struct pool *p)
{
	if (p->idle > 0 || p->started >= p->limit)
		return;
	if (pthread_create(&p->threads[p->started], &p->attr, worker, p) != 0) {
		/* fewer threads still finish the job, just more slowly */
		p->host->log(SCRAPE_LOG_WARNING, "threaded: started only %u of %u threads", p->started,
		             p->limit);
		p->limit = p->started;
		return;
	}
	p->started++;
	p->idle++;                  /* it starts idle */
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	const struct scrape_host *host = p->host;
	CURL *easy = curl_easy_init();

	if (!easy) {
		host->log(SCRAPE_LOG_ERROR, "threaded: cannot create a curl handle");
		pthread_mutex_lock(&p->lock);
		p->idle--;
		p->failed = 1;
		pthread_mutex_unlock(&p->lock);
		return NULL;
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
		pthread_mutex_lock(&p->lock);
		p->idle--;
		grow(p);
		pthread_mutex_unlock(&p->lock);
		if (host->prepare(p->run, req, easy) == 0)
			host->finish(p->run, req, easy, curl_easy_perform(easy));
		pthread_mutex_lock(&p->lock);
		p->idle++;
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_lock(&p->lock);
	p->idle--;
	pthread_mutex_unlock(&p->lock);
	curl_easy_cleanup(easy);
	return NULL;
}

static int run(void *state, struct scrape_run *run)
{
	struct pool *p = state;
	unsigned i;

	p->run = run;
	p->limit = p->host->workers(run);
	p->threads = calloc(p->limit, sizeof *p->threads);
	if (!p->threads) {
		p->host->log(SCRAPE_LOG_ERROR, "threaded: out of memory");
		return -1;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_attr_init(&p->attr);
	pthread_attr_setstacksize(&p->attr, (size_t)p->stack_size);
	pthread_mutex_lock(&p->lock);
	grow(p);
	pthread_mutex_unlock(&p->lock);
	/* threads start threads; once every started one has ended, no
	 * thread is left that could start another */
	for (i = 0;; i++) {
		pthread_t t;
		pthread_mutex_lock(&p->lock);
		if (i >= p->started) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		t = p->threads[i];
		pthread_mutex_unlock(&p->lock);
		pthread_join(t, NULL);
	}
	pthread_attr_destroy(&p->attr);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	p->threads = NULL;
	return p->started == 0 || p->failed ? -1 : 0;
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
	/* idle threads sleep in host->wait(), which wakes on time to the
	 * nanosecond, and start what next() hands them at once */
	.capabilities = SCRAPE_CAP_OPEN_MODEL,
};
