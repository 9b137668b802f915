/* SPDX-License-Identifier: MIT */
/*
 * The event strategy: one thread drives curl multi handles with
 * curl_multi_socket_action, epoll and timers, keeping up to `workers`
 * transfers in flight.  No busy loop: the thread sleeps in epoll_wait until
 * a socket is ready, a curl timer expires or the core's rate limit opens.
 * Easy handles are kept and reused, and each multi handle's connection
 * cache keeps connections alive between transfers.
 *
 * Why several multi handles: libcurl looks for a reusable connection by
 * walking all connections to the same host, so one multi handle with
 * thousands of connections to one server spends most of its time in that
 * walk.  Transfer places are split into shards of `shard_size` (64), each
 * with its own multi handle and connection cache, all on one epoll set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <scrape/plugin.h>

#define MAX_EVENTS 256
#define SIGNAL_CHECK_NS 100000000   /* wake at least this often to see a stop */

struct event_loop;

struct shard {
	struct event_loop *loop;
	CURLM *multi;
	uint32_t index;
	int64_t timer_ns;           /* curl's next timeout; -1: none */
};

/* One transfer place: a reusable easy handle and the request it carries. */
struct slot {
	CURL *easy;
	struct shard *shard;
	struct scrape_request *req;
	struct slot *next_free;
	size_t busy_index;
};

struct event_loop {
	const struct scrape_host *host;
	struct scrape_run *run;
	struct shard *shards;
	size_t shard_count;
	size_t shard_size;
	size_t slots_made;
	int epfd;
	struct slot *free_slots;
	struct slot **busy;         /* transfers in flight */
	size_t busy_count;
	unsigned workers;
	int precise_wait;           /* epoll_pwait2 works here */
	int failed;
};

static const struct scrape_option options[] = {
	{ "shard_size", SCRAPE_OPT_INT, "64",
	  "transfers per curl multi handle (connection cache); more shards cost less per request" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct event_loop *loop = calloc(1, sizeof *loop);
	int64_t shard_size = host->opt_int(opts, "shard_size");

	if (!loop) {
		host->log(SCRAPE_LOG_ERROR, "event: out of memory");
		return -1;
	}
	if (shard_size < 1 || shard_size > 100000) {
		host->opt_fail(opts, "shard_size", "must be between 1 and 100000");
		free(loop);
		return -1;
	}
	loop->host = host;
	loop->epfd = -1;
	loop->shard_size = (size_t)shard_size;
	loop->precise_wait = 1;
	*state = loop;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static uint64_t event_key(const struct shard *shard, curl_socket_t fd)
{
	return (uint64_t)shard->index << 32 | (uint32_t)fd;
}

/* curl tells us which sockets to watch for what. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *user, void *socket_data)
{
	struct shard *shard = user;
	struct event_loop *loop = shard->loop;
	struct epoll_event ev;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof ev);
	ev.data.u64 = event_key(shard, fd);
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	if (!socket_data) {
		if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
			epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev);
		curl_multi_assign(shard->multi, fd, shard);
	} else if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT) {
		/* a socket number reused after close: watch it afresh */
		epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *user)
{
	struct shard *shard = user;

	(void)multi;
	shard->timer_ns = timeout_ms < 0 ? -1
	                                 : shard->loop->host->now_ns() + (int64_t)timeout_ms * 1000000;
	return 0;
}

static struct slot *take_slot(struct event_loop *loop)
{
	struct slot *s = loop->free_slots;

	if (s) {
		loop->free_slots = s->next_free;
		return s;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (!(s->easy = curl_easy_init())) {
		free(s);
		return NULL;
	}
	/* new places fill one shard after another, so each cache stays small */
	s->shard = &loop->shards[loop->slots_made / loop->shard_size % loop->shard_count];
	loop->slots_made++;
	return s;
}

static void release_slot(struct event_loop *loop, struct slot *s)
{
	size_t i = s->busy_index;

	/* swap-remove from the busy list */
	loop->busy[i] = loop->busy[--loop->busy_count];
	loop->busy[i]->busy_index = i;
	s->req = NULL;
	s->next_free = loop->free_slots;
	loop->free_slots = s;
}

/* Starts one request; -1 if it could not be started. */
static int start(struct event_loop *loop, struct scrape_request *req)
{
	struct slot *s = take_slot(loop);

	if (!s) {
		loop->host->log(SCRAPE_LOG_ERROR, "event: cannot create a curl handle");
		loop->host->finish(loop->run, req, NULL, CURLE_OUT_OF_MEMORY);
		return -1;
	}
	s->req = req;
	s->busy_index = loop->busy_count;
	loop->busy[loop->busy_count++] = s;
	if (loop->host->prepare(loop->run, req, s->easy) != 0) {
		release_slot(loop, s);
		return 0;
	}
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	/* this loop ends transfers itself when the run stops (abort_all), so
	 * the core's progress callback, which costs on every transfer, can go */
	curl_easy_setopt(s->easy, CURLOPT_NOPROGRESS, 1L);
	if (curl_multi_add_handle(s->shard->multi, s->easy) != CURLM_OK) {
		loop->host->finish(loop->run, req, s->easy, CURLE_OUT_OF_MEMORY);
		release_slot(loop, s);
		return -1;
	}
	return 0;
}

/* Hands every completed transfer of a shard back to the core. */
static void collect(struct event_loop *loop, struct shard *shard)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(shard->multi, &left)) != NULL) {
		struct slot *s = NULL;
		CURLcode result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		result = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		curl_multi_remove_handle(shard->multi, s->easy);
		loop->host->finish(loop->run, s->req, s->easy, result);
		release_slot(loop, s);
	}
}

/* A stopped run: every transfer in flight ends as interrupted, now. */
static void abort_all(struct event_loop *loop)
{
	while (loop->busy_count > 0) {
		struct slot *s = loop->busy[loop->busy_count - 1];
		curl_multi_remove_handle(s->shard->multi, s->easy);
		loop->host->finish(loop->run, s->req, s->easy, CURLE_ABORTED_BY_CALLBACK);
		release_slot(loop, s);
	}
}

/* Fills the free places; returns 1 once the core has nothing more. */
static int top_up(struct event_loop *loop, int64_t *wake_ns)
{
	*wake_ns = -1;
	while (loop->busy_count < loop->workers) {
		struct scrape_request *req;
		enum scrape_next next = loop->host->next(loop->run, &req, wake_ns);

		if (next == SCRAPE_NEXT_DONE)
			return 1;
		if (next == SCRAPE_NEXT_WAIT)
			return 0;
		if (start(loop, req) < 0)
			loop->failed = 1;
	}
	return 0;
}

/* Sleeps in epoll until a socket is ready, a curl timer is due, the core's
 * wake-up time (wake_ns, -1: none) comes, or the stop check is due.  The
 * open model needs that wake-up to the microsecond rather than rounded up
 * to epoll_wait's milliseconds, so epoll_pwait2 is used where the kernel
 * has it (Linux 5.11). */
static int wait_events(struct event_loop *loop, int64_t wake_ns, struct epoll_event *events)
{
	int64_t now = loop->host->now_ns();
	int64_t until = now + SIGNAL_CHECK_NS, left;
	struct timespec ts;
	size_t i;
	int n;

	for (i = 0; i < loop->shard_count; i++)
		if (loop->shards[i].timer_ns >= 0 && loop->shards[i].timer_ns < until)
			until = loop->shards[i].timer_ns;
	if (wake_ns >= 0 && wake_ns < until)
		until = wake_ns;
	left = until > now ? until - now : 0;
	if (loop->precise_wait) {
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		n = epoll_pwait2(loop->epfd, events, MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		loop->precise_wait = 0;
	}
	return epoll_wait(loop->epfd, events, MAX_EVENTS, (int)((left + 999999) / 1000000));
}

static void dispatch(struct event_loop *loop, const struct epoll_event *events, int n)
{
	int64_t now;
	int running, i;
	size_t k;

	for (i = 0; i < n; i++) {
		struct shard *shard = &loop->shards[events[i].data.u64 >> 32];
		curl_socket_t fd = (curl_socket_t)(events[i].data.u64 & 0xffffffffu);
		int flags = 0;

		if (events[i].events & EPOLLIN)
			flags |= CURL_CSELECT_IN;
		if (events[i].events & EPOLLOUT)
			flags |= CURL_CSELECT_OUT;
		if (events[i].events & (EPOLLERR | EPOLLHUP))
			flags |= CURL_CSELECT_ERR;
		curl_multi_socket_action(shard->multi, fd, flags, &running);
		collect(loop, shard);
	}
	now = loop->host->now_ns();
	for (k = 0; k < loop->shard_count; k++) {
		struct shard *shard = &loop->shards[k];
		if (shard->timer_ns >= 0 && now >= shard->timer_ns) {
			shard->timer_ns = -1;
			curl_multi_socket_action(shard->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			collect(loop, shard);
		}
	}
}

static int setup(struct event_loop *loop, struct scrape_run *run)
{
	size_t i;

	loop->run = run;
	loop->workers = loop->host->workers(run);
	loop->shard_count = (loop->workers + loop->shard_size - 1) / loop->shard_size;
	loop->shards = calloc(loop->shard_count, sizeof *loop->shards);
	loop->busy = calloc(loop->workers, sizeof *loop->busy);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!loop->shards || !loop->busy || loop->epfd < 0)
		goto fail;
	for (i = 0; i < loop->shard_count; i++) {
		struct shard *shard = &loop->shards[i];
		shard->loop = loop;
		shard->index = (uint32_t)i;
		shard->timer_ns = -1;
		if (!(shard->multi = curl_multi_init()))
			goto fail;
		curl_multi_setopt(shard->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
		curl_multi_setopt(shard->multi, CURLMOPT_SOCKETDATA, shard);
		curl_multi_setopt(shard->multi, CURLMOPT_TIMERFUNCTION, on_timer);
		curl_multi_setopt(shard->multi, CURLMOPT_TIMERDATA, shard);
		/* keep one idle connection per place, so keep-alive survives */
		curl_multi_setopt(shard->multi, CURLMOPT_MAXCONNECTS, (long)loop->shard_size);
	}
	return 0;
fail:
	loop->host->log(SCRAPE_LOG_ERROR, "event: cannot set up the event loop: %s", strerror(errno));
	return -1;
}

static void teardown(struct event_loop *loop)
{
	struct slot *s;
	size_t i;

	if (loop->busy)
		abort_all(loop);
	while ((s = loop->free_slots) != NULL) {
		loop->free_slots = s->next_free;
		curl_easy_cleanup(s->easy);
		free(s);
	}
	for (i = 0; loop->shards && i < loop->shard_count; i++)
		if (loop->shards[i].multi)
			curl_multi_cleanup(loop->shards[i].multi);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop->shards);
	free(loop->busy);
	loop->shards = NULL;
	loop->busy = NULL;
	loop->epfd = -1;
}

static int run(void *state, struct scrape_run *run)
{
	struct event_loop *loop = state;
	struct epoll_event events[MAX_EVENTS];

	if (setup(loop, run) < 0) {
		teardown(loop);
		return -1;
	}
	for (;;) {
		int64_t wake_ns;
		int done, n;

		if (loop->host->stopping(run)) {
			abort_all(loop);
			break;
		}
		done = top_up(loop, &wake_ns);
		if (done && loop->busy_count == 0)
			break;
		n = wait_events(loop, wake_ns, events);
		if (n < 0 && errno != EINTR) {
			loop->host->log(SCRAPE_LOG_ERROR, "event: epoll_wait: %s", strerror(errno));
			loop->failed = 1;
			break;
		}
		dispatch(loop, events, n > 0 ? n : 0);
	}
	teardown(loop);
	return loop->failed ? -1 : 0;
}

static const struct scrape_strategy_ops ops = { .run = run };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_STRATEGY, "event"),
	.version = SCRAPE_VERSION,
	.description = "one thread, curl multi + epoll, many transfers in flight",
	.options = options,
	.create = create,
	.destroy = destroy,
	.strategy = &ops,
	/* top_up() asks next() whenever a place is free, and the loop sleeps
	 * exactly until the time next() names (epoll_pwait2) */
	.capabilities = SCRAPE_CAP_OPEN_MODEL,
};
