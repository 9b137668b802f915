/* SPDX-License-Identifier: MIT */
/*
 * The multiprocess strategy: a pool of `workers` forked processes, each
 * with its own easy handle made once (the per-process initializer), fed
 * one request at a time by this parent process, which keeps the run's
 * state.  Parsers run in the workers, so CPU-heavy parsing uses every
 * core.  A worker that dies is replaced; the request it held is failed as
 * "worker died" or retried, and nothing else is lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <scrape/plugin.h>

#define SIGNAL_CHECK_NS 100000000

struct pool {
	const struct scrape_host *host;
	struct scrape_run *run;
	struct scrape_worker **workers;
	struct pollfd *fds;
	unsigned size;              /* live workers */
	unsigned wanted;
	int respawn_failures;
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct pool *p = calloc(1, sizeof *p);

	(void)opts;
	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "multiprocess: out of memory");
		return -1;
	}
	p->host = host;
	*state = p;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static void spawn_up_to_size(struct pool *p)
{
	while (p->size < p->wanted) {
		struct scrape_worker *w = p->host->worker_spawn(p->run);
		if (!w) {
			p->respawn_failures++;
			return;
		}
		p->workers[p->size++] = w;
	}
}

static void forget(struct pool *p, unsigned i)
{
	p->workers[i] = p->workers[--p->size];
}

static void stop_all(struct pool *p)
{
	while (p->size > 0)
		p->host->worker_stop(p->run, p->workers[--p->size]);
}

/* Feeds idle workers; returns 1 when the core has no more work at all. */
static int feed(struct pool *p, int64_t *wake_ns)
{
	unsigned i;

	*wake_ns = -1;
	for (i = 0; i < p->size; i++) {
		enum scrape_next next;
		if (p->host->worker_busy(p->workers[i]))
			continue;
		next = p->host->worker_dispatch(p->run, p->workers[i], wake_ns);
		if (next == SCRAPE_NEXT_WAIT)
			return 0;
		if (next == SCRAPE_NEXT_DONE) {
			/* nothing is in flight anywhere, so every worker is idle */
			return 1;
		}
	}
	return 0;
}

static int timeout_ms(const struct pool *p, int64_t wake_ns)
{
	int64_t now = p->host->now_ns(), until = now + SIGNAL_CHECK_NS;

	if (wake_ns >= 0 && wake_ns < until)
		until = wake_ns;
	return until <= now ? 0 : (int)((until - now + 999999) / 1000000);
}

/* Reads from every worker with news; replaces the ones that died. */
static void service(struct pool *p, int ready)
{
	unsigned i, count = p->size;

	for (i = 0; i < count; i++)
		p->fds[i].fd = p->host->worker_fd(p->workers[i]);
	(void)ready;
	for (i = count; i-- > 0;) {
		if (!(p->fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (p->host->worker_service(p->run, p->workers[i]) != 0) {
			forget(p, i);
			p->host->log(SCRAPE_LOG_WARNING, "multiprocess: a worker died; starting another");
		}
	}
	spawn_up_to_size(p);
}

static int run(void *state, struct scrape_run *run)
{
	struct pool *p = state;
	int failed = 0;

	p->run = run;
	p->wanted = p->host->workers(run);
	p->workers = calloc(p->wanted, sizeof *p->workers);
	p->fds = calloc(p->wanted, sizeof *p->fds);
	if (!p->workers || !p->fds) {
		p->host->log(SCRAPE_LOG_ERROR, "multiprocess: out of memory");
		free(p->workers);
		free(p->fds);
		return -1;
	}
	spawn_up_to_size(p);
	while (p->size > 0) {
		int64_t wake_ns;
		unsigned i;
		int n;

		if (p->host->stopping(run) || feed(p, &wake_ns))
			break;
		for (i = 0; i < p->size; i++) {
			p->fds[i].fd = p->host->worker_fd(p->workers[i]);
			p->fds[i].events = POLLIN;
			p->fds[i].revents = 0;
		}
		n = poll(p->fds, p->size, timeout_ms(p, wake_ns));
		if (n < 0 && errno != EINTR) {
			p->host->log(SCRAPE_LOG_ERROR, "multiprocess: poll: %s", strerror(errno));
			failed = 1;
			break;
		}
		if (n > 0)
			service(p, n);
	}
	if (p->size == 0 && !p->host->stopping(run)) {
		p->host->log(SCRAPE_LOG_ERROR, "multiprocess: no worker process could be started");
		failed = 1;
	}
	stop_all(p);
	free(p->workers);
	free(p->fds);
	return failed ? -1 : 0;
}

static const struct scrape_strategy_ops ops = { .run = run };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_STRATEGY, "multiprocess"),
	.version = SCRAPE_VERSION,
	.description = "a pool of forked worker processes fed by this one",
	.create = create,
	.destroy = destroy,
	.strategy = &ops,
};
