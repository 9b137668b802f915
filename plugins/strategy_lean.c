/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy: scrape's own HTTP/1.1 client instead of libcurl, for
 * plain load tests and long, simple fetch lists, where libcurl's
 * per-transfer machinery is what costs.  It speaks to the core through
 * the transport-neutral calls of plugin ABI 1.2 (request_view, complete)
 * and declares what it cannot do, so the core refuses such jobs at load.
 * `threads` loops run side by side, each with its share of the places and
 * its own connections; `io` picks the I/O layer under the shared HTTP
 * code (lean/): io_uring where a ring can be made (auto probes once, at
 * load: seccomp or an old kernel refuse it), else epoll; -v says which ran.
 * `pipeline` lets that many GETs and HEADs share a keep-alive connection
 * before their answers (lean/engine.c, "PIPELINE").
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <scrape/plugin.h>

#include "lean/engine.h"
#include "lean/http.h"

#define MAX_THREADS 256
#define MAX_PIPELINE 64
#define MAX_HEADER_BYTES (300 * 1024)   /* libcurl's limit, so both refuse alike */

struct lean {
	const struct scrape_host *host;
	const struct io_ops *io;
	int io_auto;                /* chosen by io: auto */
	unsigned threads;
	unsigned pipeline;
};

struct lean_thread {
	struct lean_loop *loop;
	pthread_t id;
	int result;
};

#ifdef LEAN_HAVE_URING
static char uring_why[128];     /* why no ring can be made here, or "" */

static void uring_probe(void)
{
	int rc = io_uring_layer_probe();

	if (rc == -EOPNOTSUPP)
		snprintf(uring_why, sizeof uring_why, "the kernel's io_uring lacks socket operations");
	else if (rc < 0)
		snprintf(uring_why, sizeof uring_why, "io_uring_setup: %s", strerror(-rc));
}
#endif

/* NULL when the io_uring layer can run here, else why not; probed once */
static const char *uring_unavailable(void)
{
#ifdef LEAN_HAVE_URING
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, uring_probe);
	return uring_why[0] ? uring_why : NULL;
#else
	return "scrape was built without liburing";
#endif
}

static const struct scrape_option options[] = {
	{ "threads", SCRAPE_OPT_INT, "1", "event loops side by side, one per core at most" },
	{ "io", SCRAPE_OPT_STRING, "auto",
	  "the I/O layer: auto, uring or epoll (auto: uring where it works here, else epoll)" },
	{ "pipeline", SCRAPE_OPT_INT, "1",
	  "HTTP/1.1 pipelining: GETs and HEADs a keep-alive connection carries at once (1: off)" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct lean *l;
	int64_t threads = host->opt_int(opts, "threads");
	const char *io = host->opt_string(opts, "io");
	int64_t pipeline = host->opt_int(opts, "pipeline");

	if (host->size < offsetof(struct scrape_host, complete) + sizeof host->complete) {
		host->log(SCRAPE_LOG_ERROR, "lean: this scrape is older than plugin ABI 1.2");
		return -1;
	}
	if (threads < 1 || threads > MAX_THREADS) {
		host->opt_fail(opts, "threads", "threads must be between 1 and %d", MAX_THREADS);
		return -1;
	}
	if (pipeline < 1 || pipeline > MAX_PIPELINE) {
		host->opt_fail(opts, "pipeline", "pipeline must be between 1 (off) and %d", MAX_PIPELINE);
		return -1;
	}
	if (strcmp(io, "auto") != 0 && strcmp(io, "uring") != 0 && strcmp(io, "epoll") != 0) {
		host->opt_fail(opts, "io", "io must be auto, uring or epoll, not \"%s\"", io);
		return -1;
	}
	if (!(l = calloc(1, sizeof *l))) {
		host->log(SCRAPE_LOG_ERROR, "lean: out of memory");
		return -1;
	}
	l->host = host;
	l->threads = (unsigned)threads;
	l->pipeline = (unsigned)pipeline;
	l->io_auto = strcmp(io, "auto") == 0;
	l->io = &io_epoll_ops;
	if (strcmp(io, "epoll") != 0) {
		const char *why = uring_unavailable();
		if (!why) {
#ifdef LEAN_HAVE_URING
			l->io = &io_uring_layer_ops;
#endif
		} else if (!l->io_auto) {
			host->log(SCRAPE_LOG_ERROR, "lean: io: uring is not available here (%s); use io: epoll", why);
			free(l);
			return -1;
		}
	}
	http_parser_set_max_header_size(MAX_HEADER_BYTES);
	*state = l;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static void *thread_main(void *arg)
{
	struct lean_thread *t = arg;

	t->result = lean_loop_run(t->loop);
	return NULL;
}

/* The places split over the loops; a loop gets at least one. */
static unsigned share(unsigned workers, unsigned threads, unsigned i)
{
	return workers / threads + (i < workers % threads ? 1 : 0);
}

static int run(void *state, struct scrape_run *run)
{
	struct lean *l = state;
	unsigned workers = l->host->workers(run), n = l->threads < workers ? l->threads : workers, i;
	struct lean_thread *t = calloc(n, sizeof *t);
	int failed = 0;

	if (!t)
		return -1;
	l->host->log(SCRAPE_LOG_INFO, "lean: %u loop%s on %s%s", n, n == 1 ? "" : "s", l->io->name,
	             l->io_auto ? " (io: auto)" : "");
	/* and in the report (a core from before describe() has no room) */
	if (l->host->size >= offsetof(struct scrape_host, describe) + sizeof l->host->describe) {
		char loops[16];
		snprintf(loops, sizeof loops, "%u", n);
		l->host->describe(run, "io", l->io->name);
		l->host->describe(run, "io_chosen_by", l->io_auto ? "auto" : "the job");
		l->host->describe(run, "loops", loops);
	}
	for (i = 0; i < n && !failed; i++)
		failed = !(t[i].loop = lean_loop_new(l->host, run, l->io, share(workers, n, i),
		                                          l->pipeline));
	for (i = 1; i < n && !failed; i++)
		if (pthread_create(&t[i].id, NULL, thread_main, &t[i]) != 0) {
			l->host->log(SCRAPE_LOG_ERROR, "lean: cannot start a thread: %s", strerror(errno));
			for (; i < n; i++)
				t[i].result = 0, t[i].id = 0;
			break;
		}
	if (!failed) {
		thread_main(&t[0]);
		for (i = 1; i < n; i++)
			if (t[i].id)
				pthread_join(t[i].id, NULL);
		for (i = 0; i < n; i++)
			failed |= t[i].result != 0;
	}
	for (i = 0; i < n; i++)
		lean_loop_free(t[i].loop);
	free(t);
	return failed ? -1 : 0;
}

static const struct scrape_strategy_ops ops = { .run = run };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_STRATEGY, "lean"),
	.version = SCRAPE_VERSION,
	.description = "own HTTP/1.1 client on io_uring or epoll, no libcurl: cheapest per request",
	.options = options,
	.create = create,
	.destroy = destroy,
	.strategy = &ops,
	/* each loop asks next() whenever it has a free place of its share
	 * and sleeps exactly until the time next() names (lean/engine.c) */
	.capabilities = SCRAPE_CAP_OWN_TRANSPORT | SCRAPE_CAP_HTTPS | SCRAPE_CAP_REDIRECTS |
	                SCRAPE_CAP_OPEN_MODEL,
};
