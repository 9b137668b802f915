/* SPDX-License-Identifier: MIT */
/*
 * Request dispatch for the three models: closed (the next request as soon
 * as a worker asks, within batches and the rate limit), per-host (queues
 * that take turns within each host's limits) and open (the schedule says
 * when each start is due).  Retries go out when they fall due, whatever
 * the model.  The time comes in as an argument, so the decisions can be
 * tested with a fake clock; the run's lock is held around every call.
 */
#include <config.h>

#include "engine/dispatch.h"

#include "engine/crawl_store.h"
#include "engine/transfer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "results/groups.h"
#include "crawl/seen.h"
#include "crawl/sitemap.h"
#include "crawl/url.h"

/* Requests pulled ahead into host queues, at most; and the bytes of the
 * url_file lines' own requests (bodies) they may hold together. */
#define HOST_LOOKAHEAD 10000
#define LOOKAHEAD_REQUEST_BYTES (64u << 20)

/* The open model counts a start as late when it leaves this long after
 * its scheduled time. */
#define LATE_NS 1000000

/* Whether hosts keep their own pace (a pause for Retry-After, a back-off,
 * autothrottle), so each needs its queue.  The open model has none: its
 * schedule sets every start, and only a retry waits. */
static int paces_hosts(const struct job *job)
{
	if (job->open_model)
		return 0;
	return job->autothrottle.enabled ||
	       (job->retries > 0 && (job->retry_after || job->retry_backoff == JOB_BACKOFF_EXPONENTIAL));
}

int dispatch_init(struct dispatch *d, const struct job *job, struct scrape_run *run,
                  struct stats *stats, struct timeline *timeline, atomic_int *stopping,
                  const struct hosts_callbacks *robots, struct crawl_store *store,
                  char *err, size_t errlen)
{
	const struct host_limits *l = &job->per_host;
	int obey = job->crawl.enabled && job->crawl.robots;

	memset(d, 0, sizeof *d);
	d->job = job;
	d->run = run;
	d->stats = stats;
	d->timeline = timeline;
	d->stopping = stopping;
	/* apart from the frontier's own sequence from the same seed */
	d->proxy_rng = job->seed ^ 0x70726f7879u;
	ratelimit_init(&d->limiter, job->rate_limit, job->burst);
	d->random = 0x2545f4914f6cdd1du ^ (uint64_t)(uintptr_t)d ^ (uint64_t)time(NULL);
	if (frontier_init(&d->frontier, job, store, err, errlen) < 0)
		return -1;
	if (l->concurrency > 0 || l->rate > 0 || l->delay_ns > 0 || l->jitter_ns > 0 || obey ||
	    paces_hosts(job))
		if (!(d->hosts = hosts_create(l, &job->autothrottle, obey ? robots : NULL)))
			goto oom;
	if (job->open_model && schedule_init(&d->schedule, job) < 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void dispatch_take_share(struct dispatch *d, const struct segment *share)
{
	frontier_take_share(&d->frontier, share);
	if (d->job->open_model)
		schedule_take_share(&d->schedule, share);
}

void dispatch_start(struct dispatch *d, int64_t start_ns)
{
	d->start_ns = start_ns;
	d->measure_ns = start_ns + d->job->warmup_ns;
}

void dispatch_free(struct dispatch *d)
{
	struct scrape_request *r, *next;

	for (r = d->retry_head; r; r = next) {
		next = r->next_retry;
		dispatch_request_free(r);
	}
	d->retry_head = d->retry_tail = NULL;
	for (r = d->sitemap_head; r; r = next) {
		next = r->next_retry;
		dispatch_request_free(r);
	}
	d->sitemap_head = d->sitemap_tail = NULL;
	if (d->pending)
		dispatch_request_free(d->pending);
	d->pending = NULL;
	if (d->hosts) {
		while ((r = hosts_take_any(d->hosts)) != NULL)
			dispatch_request_free(r);
		hosts_free(d->hosts);
		d->hosts = NULL;
	}
	frontier_free(&d->frontier);
	schedule_free(&d->schedule);
}

struct scrape_request *dispatch_request_new(struct dispatch *d, const char *url, int depth)
{
	struct scrape_request *req = calloc(1, sizeof *req);

	if (!req || !(req->url = strdup(url))) {
		free(req);
		return NULL;
	}
	req->run = d->run;
	req->attempt = 1;
	req->depth = depth;
	req->group = -1;
	req->proxy = REQUEST_NO_PROXY;
	return req;
}

/* A load test's request joins its group: the name its urls entry gives,
 * or its method and URL without the query.  Lock held. */
static void join_group(struct dispatch *d, struct scrape_request *req)
{
	struct groups *g = d->stats->groups;
	const char *name = d->frontier.last_name;
	const char *method = req->request && req->request->method ? req->request->method
	                                                          : d->job->method;
	char derived[GROUP_NAME_MAX];
	size_t len;
	int capped = 0;

	if (!g)
		return;
	if (name) {
		len = strlen(name);
	} else {
		len = groups_default_name(derived, sizeof derived, method, req->url);
		name = derived;
	}
	req->group = groups_find(g, name, len, &capped);
	if (req->group >= 0)
		req->group_name = g->items[req->group]->name;
	if (capped)
		log_warning("more than %d groups of requests: the rest count as \"%s\" (name the "
		            "urls entries to group them)", GROUPS_MAX, GROUP_OTHER);
}

void dispatch_add_sitemap(struct dispatch *d, struct scrape_request *req)
{
	req->next_retry = NULL;
	if (d->sitemap_tail)
		d->sitemap_tail->next_retry = req;
	else
		d->sitemap_head = req;
	d->sitemap_tail = req;
	d->outstanding++;
}

/* The next sitemap to read, taken out of its list; NULL when none waits.
 * Once the crawl may fetch no more pages, what is left is dropped: its
 * URLs could not be fetched anyway. */
static struct scrape_request *take_sitemap(struct dispatch *d)
{
	struct scrape_request *req;

	while ((req = d->sitemap_head) != NULL) {
		d->sitemap_head = req->next_retry;
		if (!d->sitemap_head)
			d->sitemap_tail = NULL;
		req->next_retry = NULL;
		if (!frontier_budget_spent(&d->frontier))
			return req;
		dispatch_request_free(req);
		d->outstanding--;
	}
	return NULL;
}

/* A request from the frontier, with its own request, its group and its
 * lease; NULL without memory. */
static struct scrape_request *from_frontier(struct dispatch *d, const char *url, int depth,
                                            uint64_t lease)
{
	const struct frontier *f = &d->frontier;
	struct scrape_request *req = dispatch_request_new(d, url, depth);

	if (!req)
		return NULL;
	req->request = f->last_request;
	if (f->last_request && f->last_request_transient) {
		if (!(req->own_request = job_url_request_copy(f->last_request))) {
			dispatch_request_free(req);
			return NULL;
		}
		req->request = req->own_request;
		req->lookahead_bytes = req->own_request->body_len + 1;
	}
	join_group(d, req);
	req->lease = lease;
	d->outstanding++;
	d->batch_started++;
	return req;
}

/* A request leaves the lookahead: started, or dropped. */
static void left_queue(struct scrape_request *req)
{
	if (req->lookahead_total)
		*req->lookahead_total -= req->lookahead_bytes;
	req->lookahead_bytes = 0;
}

void dispatch_request_free(struct scrape_request *req)
{
	left_queue(req);
	job_url_request_free(req->own_request);
	sitemap_free(req->reader);
	buf_free(&req->found);
	buf_free(&req->body);
	buf_free(&req->headers);
	transfer_request_release(req);
	free(req->hop_url);
	free(req->url);
	free(req);
}

/* When a worker with nothing to do should ask again: at the first due
 * retry, or when a shared crawl's store says more may be ready. */
static void wake_for_more(const struct dispatch *d, int64_t *not_before_ns, int64_t now)
{
	int64_t retry = frontier_retry_ns(&d->frontier);

	if (d->retry_head)
		*not_before_ns = d->retry_head->ready_ns;
	if (retry >= 0 && (*not_before_ns < 0 || now + retry < *not_before_ns))
		*not_before_ns = now + retry;
}

/* Nothing can go on without memory: the run stops (said once per cause). */
static void out_of_memory(struct dispatch *d)
{
	log_error("out of memory; stopping the run");
	atomic_store_explicit(d->stopping, 1, memory_order_release);
}

size_t dispatch_second_of(const struct dispatch *d, int64_t t)
{
	return t > d->measure_ns ? (size_t)((t - d->measure_ns) / 1000000000) : 0;
}

/* What the batch boundary allows now. */
static int batch_is_full(struct dispatch *d)
{
	if (d->job->batch_size == 0 || d->batch_started < d->job->batch_size)
		return 0;
	if (d->outstanding > 0)
		return 1;
	d->batch_started = 0;        /* the batch is done: open the next */
	return 0;
}

/* The one end-of-work rule: the sources are exhausted (the frontier, or
 * the open model's schedule), nothing handed out is unreleased and no
 * retry waits.  A fresh request pulled but never started does not count
 * as in flight. */
static int no_work_left(const struct dispatch *d)
{
	int64_t live = d->outstanding -
	               (d->pending && d->pending->attempt == 1 && !d->pending->sitemap ? 1 : 0);
	int exhausted = frontier_done(&d->frontier) ||
	                (d->job->open_model &&
	                 (d->schedule.next_ns == SCHEDULE_END || d->frontier.expired));

	return exhausted && live == 0 && !d->retry_head;
}

/* The next URL of the frontier, with its depth and its lease in the
 * crawl store. */
static const char *next_url(struct dispatch *d, int *depth, uint64_t *lease)
{
	const char *url = frontier_next(&d->frontier);

	*depth = d->frontier.last_depth;
	*lease = d->frontier.last_lease;
	return url;
}

/* The first retry of the queue, taken out of it. */
static struct scrape_request *take_retry(struct dispatch *d)
{
	struct scrape_request *req = d->retry_head;

	d->retry_head = req->next_retry;
	if (!d->retry_head)
		d->retry_tail = NULL;
	req->next_retry = NULL;
	return req;
}

/* The request to start next, whether or not limits let it start now.
 * Pulling the URL early keeps the rate limiter from spending a slot on a
 * frontier that turns out to be empty. */
static struct scrape_request *peek(struct dispatch *d, int64_t now)
{
	const char *url;
	uint64_t lease;
	int depth;

	if (d->pending)
		return d->pending;
	if (d->retry_head && d->retry_head->ready_ns <= now)
		return d->pending = take_retry(d);
	if ((d->pending = take_sitemap(d)) != NULL)
		return d->pending;
	if (batch_is_full(d))
		return NULL;
	url = next_url(d, &depth, &lease);
	if (!url)
		return NULL;
	if (!(d->pending = from_frontier(d, url, depth, lease)))
		out_of_memory(d);
	return d->pending;
}

/* The duration is over: start nothing new.  Requests waiting in host
 * queues that never started are dropped; what is in flight and retries
 * of it still finish. */
static void expire(struct dispatch *d)
{
	struct scrape_request *req, *keep = NULL;

	frontier_expire(&d->frontier);
	if (d->job->open_model) {
		/* starts the schedule wanted within the duration that never got
		 * out (every connection was busy): dropped, and said so */
		schedule_skip(&d->schedule, d->job->warmup_ns);
		d->stats->dropped += schedule_skip(&d->schedule, d->job->duration_ns);
	}
	if (d->pending && d->pending->attempt == 1) {
		dispatch_request_free(d->pending);
		d->pending = NULL;
		d->outstanding--;
	}
	while (d->hosts && (req = hosts_take_any(d->hosts)) != NULL) {
		if (req->attempt > 1) {
			req->next_retry = keep;
			keep = req;
			continue;
		}
		dispatch_request_free(req);
		d->outstanding--;
	}
	while ((req = keep) != NULL) {
		keep = req->next_retry;
		if (hosts_enqueue(d->hosts, req, 1) < 0)
			out_of_memory(d);
	}
}

/* How many URLs to pull ahead: a shared crawl takes no more than it can
 * start, so the other processes get the rest. */
static size_t lookahead(const struct dispatch *d)
{
	const struct crawl_store *s = d->frontier.store;

	return s && s->lookahead ? s->lookahead : HOST_LOOKAHEAD;
}

/* Puts a list (linked by next_retry, in reverse order) at the front of
 * the host queues: reversed, so that several for one host keep their
 * order.  -1 when out of memory. */
static int enqueue_at_front(struct dispatch *d, struct scrape_request *reversed)
{
	while (reversed) {
		struct scrape_request *req = reversed;
		reversed = req->next_retry;
		if (hosts_enqueue(d->hosts, req, 1) < 0)
			return -1;
	}
	return 0;
}

/* Moves due retries and new URLs into the host queues, up to a bounded
 * look-ahead, so a host at its limit does not stall the others. */
static void fill_host_queues(struct dispatch *d, int64_t now)
{
	struct scrape_request *due = NULL, *sitemaps = NULL, *sitemap;

	/* due retries go to the front of their host queues */
	while (d->retry_head && d->retry_head->ready_ns <= now) {
		struct scrape_request *req = take_retry(d);
		req->next_retry = due;
		due = req;
	}
	if (enqueue_at_front(d, due) < 0)
		goto oom;
	/* sitemaps go to the front too, in their order: they bring the pages */
	while ((sitemap = take_sitemap(d)) != NULL) {
		sitemap->next_retry = sitemaps;
		sitemaps = sitemap;
	}
	if (enqueue_at_front(d, sitemaps) < 0)
		goto oom;
	/* url_file lines with bodies: what waits is bounded in bytes too */
	while (hosts_queued(d->hosts) < lookahead(d) && !batch_is_full(d) &&
	       d->lookahead_bytes < LOOKAHEAD_REQUEST_BYTES) {
		struct scrape_request *req;
		uint64_t lease;
		int depth;
		const char *url = next_url(d, &depth, &lease);

		if (!url)
			break;
		if (!(req = from_frontier(d, url, depth, lease)))
			goto oom;
		req->lookahead_total = &d->lookahead_bytes;
		d->lookahead_bytes += req->lookahead_bytes;
		if (hosts_enqueue(d->hosts, req, 0) < 0)
			goto oom;
	}
	return;
oom:
	out_of_memory(d);
}

/* A request leaves for a strategy at now. */
/* The host of url: after the scheme and any user, without the port or
 * an IPv6 address's brackets. */
static const char *host_of(const char *url, size_t *len)
{
	const char *p = strstr(url, "://"), *end, *at;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	while ((at = memchr(p, '@', (size_t)(end - p))) != NULL)
		p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close) {
			*len = (size_t)(close - p - 1);
			return p + 1;
		}
	}
	*len = strcspn(p, ":/?#");
	return p;
}

/* Which of the job's proxies an attempt goes through.  Chosen here, on
 * the core's side, so every strategy (and every worker process) follows
 * the one rotation; a retry is chosen anew, so round_robin and random
 * move a retry off a proxy that failed it. */
static void pick_proxy(struct dispatch *d, struct scrape_request *req)
{
	const struct job *job = d->job;
	const char *host;
	size_t len, i;
	uint64_t h, z;

	req->proxy = REQUEST_NO_PROXY;
	req->proxy_name = NULL;
	if (!job->proxy_count)
		return;
	host = host_of(req->url, &len);
	if (job->no_proxy_count && job_proxy_bypassed(job, host, len)) {
		req->proxy = REQUEST_DIRECT;
		return;
	}
	switch (job->proxy_rotation) {
	case JOB_PROXY_PER_HOST:
		/* FNV-1a of the lower-cased name: the same in every process and
		 * every run, so a host keeps its proxy across them */
		h = 14695981039346656037u;
		for (i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)host[i];
			h = (h ^ (ch >= 'A' && ch <= 'Z' ? ch + 32u : ch)) * 1099511628211u;
		}
		req->proxy = (int)(h % job->proxy_count);
		break;
	case JOB_PROXY_RANDOM:
		z = (d->proxy_rng += 0x9e3779b97f4a7c15u);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		req->proxy = (int)((z ^ (z >> 31)) % job->proxy_count);
		break;
	default:
		req->proxy = (int)(d->proxy_turn++ % job->proxy_count);
	}
	req->proxy_name = job->proxies[req->proxy].shown;
}

static void hand_out(struct dispatch *d, struct scrape_request *req, int64_t now)
{
	struct stats *st = d->stats;
	int64_t start = d->job->open_model ? req->intended_ns : now;

	pick_proxy(d, req);
	left_queue(req);
	req->in_flight = 1;
	if (++st->in_flight > st->peak_in_flight)
		st->peak_in_flight = st->in_flight;
	/* a redirect's next hop goes on with the request's start */
	if (req->redirects > 0)
		return;
	req->sent_ns = now;
	req->warmup = start < d->measure_ns;
	/* a retry is the same request again, not a start of its own */
	if (req->warmup || req->attempt > 1)
		return;
	st->sent++;
	timeline_sent(d->timeline, dispatch_second_of(d, start));
	if (d->job->open_model) {
		histogram_record(&st->lag, now - req->intended_ns);
		if (now - req->intended_ns > LATE_NS) {
			st->late++;
			if (req->group >= 0)
				st->groups->items[req->group]->late++;
		}
	}
}

/* A request leaves the strategy's hands (released, or queued for a retry). */
static void settle(struct dispatch *d, struct scrape_request *req)
{
	if (req->in_flight) {
		req->in_flight = 0;
		d->stats->in_flight--;
	}
}

/* The closed model: the next request as soon as a worker asks, within
 * the batch and the run's rate limit. */
static enum scrape_next next_closed(struct dispatch *d, struct scrape_request **req,
                                    int64_t *not_before_ns, int64_t now)
{
	struct scrape_request *candidate = peek(d, now);
	int64_t wait_until;

	if (!candidate) {
		if (no_work_left(d))
			return SCRAPE_NEXT_DONE;
		wake_for_more(d, not_before_ns, now);
		return SCRAPE_NEXT_WAIT;
	}
	wait_until = ratelimit_take(&d->limiter, now);
	if (wait_until != 0) {
		*not_before_ns = wait_until;
		return SCRAPE_NEXT_WAIT;
	}
	d->pending = NULL;
	hand_out(d, candidate, now);
	*req = candidate;
	return SCRAPE_NEXT_READY;
}

/* With per-host limits: hosts take turns within their own limits. */
static enum scrape_next next_by_host(struct dispatch *d, struct scrape_request **req,
                                     int64_t *not_before_ns, int64_t now)
{
	int64_t open, host_wait;

	/* the run's own limit first, so no host spends a slot in vain */
	open = ratelimit_peek(&d->limiter, now);
	if (open != 0) {
		*not_before_ns = open;
		return SCRAPE_NEXT_WAIT;
	}
	fill_host_queues(d, now);
	*req = hosts_pick(d->hosts, now, &host_wait);
	if (*req) {
		ratelimit_take(&d->limiter, now);
		hand_out(d, *req, now);
		return SCRAPE_NEXT_READY;
	}
	if (no_work_left(d))
		return SCRAPE_NEXT_DONE;
	*not_before_ns = host_wait;
	if (d->retry_head && (host_wait < 0 || d->retry_head->ready_ns < host_wait))
		*not_before_ns = d->retry_head->ready_ns;
	{
		int64_t retry = frontier_retry_ns(&d->frontier);
		if (retry >= 0 && (*not_before_ns < 0 || now + retry < *not_before_ns))
			*not_before_ns = now + retry;
	}
	return SCRAPE_NEXT_WAIT;
}

/* The open model: the schedule, not the finished transfers, says when the
 * next request starts. */
static enum scrape_next next_scheduled(struct dispatch *d, struct scrape_request **req,
                                       int64_t *not_before_ns, int64_t now)
{
	struct scrape_request *candidate = d->retry_head;
	int64_t due, wake = candidate ? candidate->ready_ns : -1;

	/* A retry goes as soon as it is due, outside the schedule: it is the
	 * same request as before, so it keeps its first scheduled start and
	 * its latency counts every attempt the user would have waited for. */
	if (candidate && candidate->ready_ns <= now) {
		take_retry(d);
		hand_out(d, candidate, now);
		*req = candidate;
		return SCRAPE_NEXT_READY;
	}
	if (d->schedule.next_ns == SCHEDULE_END || d->frontier.expired) {
		/* the schedule is over; a fresh request pulled before the end
		 * never starts */
		*not_before_ns = wake;
		return no_work_left(d) ? SCRAPE_NEXT_DONE : SCRAPE_NEXT_WAIT;
	}
	due = d->start_ns + d->schedule.next_ns;
	if (now < due) {
		*not_before_ns = wake >= 0 && wake < due ? wake : due;
		return SCRAPE_NEXT_WAIT;
	}
	candidate = peek(d, now);
	if (!candidate) {
		*not_before_ns = wake;
		return no_work_left(d) ? SCRAPE_NEXT_DONE : SCRAPE_NEXT_WAIT;
	}
	d->pending = NULL;
	if (candidate->attempt == 1) {
		schedule_advance(&d->schedule);
		candidate->intended_ns = due;
	}                               /* (else a retry that fell due just now) */
	hand_out(d, candidate, now);
	*req = candidate;
	return SCRAPE_NEXT_READY;
}

enum scrape_next dispatch_next(struct dispatch *d, struct scrape_request **req,
                               int64_t *not_before_ns, int64_t now)
{
	*req = NULL;
	*not_before_ns = -1;
	if (d->job->duration_ns && !d->frontier.expired && now - d->start_ns >= d->job->duration_ns)
		expire(d);
	if (d->job->open_model)
		return next_scheduled(d, req, not_before_ns, now);
	if (d->hosts)
		return next_by_host(d, req, not_before_ns, now);
	return next_closed(d, req, not_before_ns, now);
}

void dispatch_observe(struct dispatch *d, struct scrape_request *req, const struct host_answer *a,
                      int64_t now)
{
	if (!d->hosts || !req->host || req->robots)
		return;
	if (a->retry_after_ns >= 0)
		hosts_pause(d->hosts, req, now + a->retry_after_ns);
	if (d->job->autothrottle.enabled)
		hosts_throttle(d->hosts, req, a);
}

/* How long req, which failed at attempt req->attempt, waits for its retry. */
static int64_t retry_wait(struct dispatch *d, struct scrape_request *req, const struct host_answer *a,
                          int64_t now)
{
	int64_t wait;

	if (a && a->retry_after_ns >= 0)
		return a->retry_after_ns;       /* the server said when */
	if (d->job->retry_backoff != JOB_BACKOFF_EXPONENTIAL)
		return d->job->retry_delay_ns;
	wait = backoff_exponential(d->job->retry_delay_ns, d->job->retry_max_delay_ns, req->attempt,
	                           &d->random);
	/* the host backs off, not only this request */
	if (d->hosts && req->host)
		hosts_pause(d->hosts, req, now + wait);
	return wait;
}

/* Into the retry queue, which stays in order of ready time: waits differ
 * (a Retry-After, a back-off), and a retry due now must not queue behind
 * one that waits for minutes.  Equal times keep their order; with a fixed
 * retry_delay every retry goes to the end at once. */
static void queue_retry(struct dispatch *d, struct scrape_request *req)
{
	struct scrape_request **at = &d->retry_head;

	req->next_retry = NULL;
	if (!d->retry_tail || d->retry_tail->ready_ns <= req->ready_ns) {
		if (d->retry_tail)
			d->retry_tail->next_retry = req;
		else
			d->retry_head = req;
		d->retry_tail = req;
		return;
	}
	while ((*at)->ready_ns <= req->ready_ns)
		at = &(*at)->next_retry;
	req->next_retry = *at;
	*at = req;
}

void dispatch_retry(struct dispatch *d, struct scrape_request *req, const struct host_answer *a,
                    int64_t now)
{
	int64_t wait;

	if (a)
		dispatch_observe(d, req, a, now);
	wait = retry_wait(d, req, a, now);
	if (d->hosts)
		hosts_release(d->hosts, req);
	settle(d, req);
	req->attempt++;
	req->ready_ns = now + wait;
	queue_retry(d, req);
	d->stats->retries++;
}

void dispatch_redirect(struct dispatch *d, struct scrape_request *req, int64_t now)
{
	if (d->hosts)
		hosts_release(d->hosts, req);
	settle(d, req);
	req->host = NULL;           /* the next hop's host may be another */
	req->ready_ns = now;
	queue_retry(d, req);
}

void dispatch_release(struct dispatch *d, struct scrape_request *req)
{
	if (d->hosts)
		hosts_release(d->hosts, req);
	settle(d, req);
	d->outstanding--;
}
