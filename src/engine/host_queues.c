/* SPDX-License-Identifier: MIT */
/*
 * Host queues.  Hosts live in an open-addressing table keyed by origin
 * (url_origin: scheme, lower-cased host, port unless the default); the
 * ones with requests waiting are also on an active list that hosts_pick()
 * walks round-robin from where it last stopped.  When robots.txt is obeyed, a host's first pick fetches
 * its robots.txt and its queue waits until the rules are in; from then on
 * each request is checked against them as it comes to the front.
 */
#include <config.h>

#include "engine/host_queues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/log.h"
#include "config/units.h"
#include "engine/backoff.h"
#include "engine/ratelimit.h"
#include "engine/request.h"
#include "crawl/robots.h"
#include "crawl/url.h"

enum robots_state { ROBOTS_IGNORED, ROBOTS_NEEDED, ROBOTS_FETCHING, ROBOTS_READY };

struct host {
	char *key;
	unsigned inflight;
	struct ratelimit limiter;
	int64_t next_start_ns;      /* per_host delay (or Crawl-delay), a pause */
	int64_t delay_ns;
	/* autothrottle: the delay it keeps, and what it was in the run */
	int64_t auto_delay_ns, auto_min_ns, auto_max_ns, auto_logged_ns;
	uint64_t answers;
	enum robots_state robots_state;
	struct robots *rules;
	struct scrape_request *head, *tail;
	size_t active_index;        /* in h->active while head != NULL */
};

struct hosts {
	struct host_limits limits;
	struct autothrottle_settings throttle;
	struct hosts_callbacks robots;
	int obey_robots;
	uint64_t jitter_state;
	struct host **table;
	size_t table_size, count;
	struct host **active;
	size_t active_count, active_cap, cursor;
	size_t queued;
};

struct hosts *hosts_create(const struct host_limits *limits,
                           const struct autothrottle_settings *throttle,
                           const struct hosts_callbacks *robots)
{
	struct hosts *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	h->limits = *limits;
	if (throttle)
		h->throttle = *throttle;
	if (robots) {
		h->robots = *robots;
		h->obey_robots = 1;
	}
	h->jitter_state = 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)h;
	h->table_size = 64;
	h->table = calloc(h->table_size, sizeof *h->table);
	if (!h->table) {
		free(h);
		return NULL;
	}
	return h;
}

void hosts_free(struct hosts *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->table_size; i++) {
		if (h->table[i]) {
			free(h->table[i]->key);
			robots_free(h->table[i]->rules);
			free(h->table[i]);
		}
	}
	free(h->table);
	free(h->active);
	free(h);
}

static int grow(struct hosts *h)
{
	size_t size = h->table_size * 2, i;
	struct host **table = calloc(size, sizeof *table);

	if (!table)
		return -1;
	for (i = 0; i < h->table_size; i++) {
		struct host *host = h->table[i];
		size_t j;
		if (!host)
			continue;
		for (j = hash_fnv1a(host->key) & (size - 1); table[j]; j = (j + 1) & (size - 1))
			;
		table[j] = host;
	}
	free(h->table);
	h->table = table;
	h->table_size = size;
	return 0;
}

static struct host *find_or_add(struct hosts *h, const char *url)
{
	/* the origin, so Example.COM and example.com:80 are one host; a URL
	 * that has none (the job checked it, so hardly) is a host of its own */
	char *key = url_origin(url);

	if (!key)
		key = strdup(url);
	struct host *host;
	size_t i;

	if (!key)
		return NULL;
	for (i = hash_fnv1a(key) & (h->table_size - 1); h->table[i]; i = (i + 1) & (h->table_size - 1)) {
		if (strcmp(h->table[i]->key, key) == 0) {
			free(key);
			return h->table[i];
		}
	}
	if ((h->count + 1) * 2 > h->table_size) {
		if (grow(h) < 0) {
			free(key);
			return NULL;
		}
		for (i = hash_fnv1a(key) & (h->table_size - 1); h->table[i]; i = (i + 1) & (h->table_size - 1))
			;
	}
	host = calloc(1, sizeof *host);
	if (!host) {
		free(key);
		return NULL;
	}
	host->key = key;
	ratelimit_init(&host->limiter, h->limits.rate, h->limits.burst);
	host->delay_ns = h->limits.delay_ns;
	if (h->throttle.enabled)
		host->auto_delay_ns = host->auto_min_ns = host->auto_max_ns = host->auto_logged_ns =
			h->throttle.start_delay_ns;
	host->robots_state = h->obey_robots ? ROBOTS_NEEDED : ROBOTS_IGNORED;
	h->table[i] = host;
	h->count++;
	return host;
}

static int activate(struct hosts *h, struct host *host)
{
	if (h->active_count == h->active_cap) {
		size_t cap = h->active_cap ? h->active_cap * 2 : 16;
		struct host **grown = realloc(h->active, cap * sizeof *grown);
		if (!grown)
			return -1;
		h->active = grown;
		h->active_cap = cap;
	}
	host->active_index = h->active_count;
	h->active[h->active_count++] = host;
	return 0;
}

static void deactivate(struct hosts *h, struct host *host)
{
	size_t i = host->active_index;

	h->active[i] = h->active[--h->active_count];
	h->active[i]->active_index = i;
}

int hosts_enqueue(struct hosts *h, struct scrape_request *req, int front)
{
	struct host *host = req->host ? req->host : find_or_add(h, request_target(req));

	if (!host)
		return -1;
	if (!host->head && activate(h, host) < 0)
		return -1;
	req->host = host;
	if (!host->head) {
		req->next_retry = NULL;
		host->head = host->tail = req;
	} else if (front) {
		req->next_retry = host->head;
		host->head = req;
	} else {
		req->next_retry = NULL;
		host->tail->next_retry = req;
		host->tail = req;
	}
	h->queued++;
	return 0;
}

static struct scrape_request *dequeue(struct hosts *h, struct host *host)
{
	struct scrape_request *req = host->head;

	host->head = req->next_retry;
	if (!host->head) {
		host->tail = NULL;
		deactivate(h, host);
	}
	req->next_retry = NULL;
	h->queued--;
	return req;
}

/* A random 0..jitter (xorshift: jitter needs spread, not secrecy). */
static int64_t jitter(struct hosts *h)
{
	uint64_t x = h->jitter_state;

	if (h->limits.jitter_ns <= 0)
		return 0;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	h->jitter_state = x;
	return (int64_t)(x % (uint64_t)(h->limits.jitter_ns + 1));
}

static void earliest(int64_t *wait_ns, int64_t t)
{
	if (*wait_ns < 0 || t < *wait_ns)
		*wait_ns = t;
}

static void apply_robots(struct hosts *h, struct host *host, long status, const char *body,
                         size_t len);
static int robots_cached(struct hosts *h, struct host *host);

/* A host whose robots.txt another process is fetching is looked at again
 * after this long. */
#define ROBOTS_ELSEWHERE_NS 50000000

/* The robots.txt request for a host that has none yet. */
static struct scrape_request *robots_request(struct hosts *h, struct host *host)
{
	struct scrape_request *req;
	char *url;

	if (asprintf(&url, "%s/robots.txt", host->key) < 0)
		return NULL;
	req = h->robots.make_request(h->robots.ctx, url);
	free(url);
	if (!req)
		return NULL;
	req->robots = 1;
	req->host = host;
	host->robots_state = ROBOTS_FETCHING;
	host->inflight++;
	return req;
}

/* Drops queued requests the host's robots.txt disallows, front first. */
static void refuse_disallowed(struct hosts *h, struct host *host)
{
	while (host->head) {
		char *path = url_path_query(host->head->url);
		int allowed = !path || robots_allowed(host->rules, path);

		free(path);
		if (allowed)
			return;
		h->robots.refuse(h->robots.ctx, dequeue(h, host), "robots.txt");
	}
}

struct scrape_request *hosts_pick(struct hosts *h, int64_t now, int64_t *wait_ns)
{
	size_t left;

	*wait_ns = -1;
	for (left = h->active_count; left > 0; left--) {
		struct host *host;
		int64_t open;

		if (h->cursor >= h->active_count)
			h->cursor = 0;
		host = h->active[h->cursor++];
		if (host->robots_state == ROBOTS_NEEDED) {
			int cached = robots_cached(h, host);
			if (cached == 0)
				return robots_request(h, host);
			if (cached == 2) {
				/* another process is fetching it: look again soon */
				earliest(wait_ns, now + ROBOTS_ELSEWHERE_NS);
				continue;
			}
		}
		if (host->robots_state == ROBOTS_FETCHING)
			continue;
		if (host->robots_state == ROBOTS_READY) {
			refuse_disallowed(h, host);
			if (!host->head) {
				/* it left the active list and another host took its
				 * place at the cursor: look at that one next */
				h->cursor--;
				continue;
			}
		}
		if (h->limits.concurrency > 0 && host->inflight >= h->limits.concurrency)
			continue;
		if (host->head->ready_ns > now) {
			earliest(wait_ns, host->head->ready_ns);
			continue;
		}
		if (host->next_start_ns > now) {
			earliest(wait_ns, host->next_start_ns);
			continue;
		}
		open = ratelimit_take(&host->limiter, now);
		if (open != 0) {
			earliest(wait_ns, open);
			continue;
		}
		{
			/* the larger of the fixed delay (or Crawl-delay) and
			 * autothrottle's; a pause may still push it later */
			int64_t delay = host->delay_ns > host->auto_delay_ns ? host->delay_ns
			                                                    : host->auto_delay_ns;
			if (delay > 0 || h->limits.jitter_ns > 0)
				host->next_start_ns = now + delay + jitter(h);
		}
		host->inflight++;
		return dequeue(h, host);
	}
	return NULL;
}

/* A host's rules from a robots.txt answer; its queue may go on. */
static void apply_robots(struct hosts *h, struct host *host, long status, const char *body,
                         size_t len)
{
	int64_t delay;

	robots_free(host->rules);
	if (status >= 200 && status < 300)
		host->rules = robots_parse(body, len, h->robots.product);
	else if (status >= 400 && status < 500)
		host->rules = robots_allow_all();
	else
		host->rules = robots_deny_all();
	if (!host->rules)
		host->rules = robots_deny_all();   /* out of memory: be polite */
	host->robots_state = ROBOTS_READY;
	delay = host->rules ? robots_crawl_delay_ns(host->rules) : -1;
	if (delay > h->robots.max_crawl_delay_ns)
		delay = h->robots.max_crawl_delay_ns;
	if (delay > host->delay_ns)
		host->delay_ns = delay;
	if (status >= 200 && status < 300 && h->robots.rules_read)
		h->robots.rules_read(h->robots.ctx, host->key, body, len);
}

int hosts_robots_verdict(struct hosts *h, const char *url)
{
	char *key, *path;
	size_t i;
	int verdict = -1;

	if (!h || !h->obey_robots || !(key = url_origin(url)))
		return -1;
	for (i = hash_fnv1a(key) & (h->table_size - 1); h->table[i]; i = (i + 1) & (h->table_size - 1)) {
		struct host *host = h->table[i];

		if (strcmp(host->key, key) != 0)
			continue;
		if (host->robots_state == ROBOTS_READY && (path = url_path_query(url)) != NULL) {
			verdict = robots_allowed(host->rules, path);
			free(path);
		}
		break;
	}
	free(key);
	return verdict;
}

void hosts_robots_done(struct hosts *h, struct scrape_request *req, long status, const char *body,
                       size_t len)
{
	if (req->host)
		apply_robots(h, req->host, status, body, len);
}

/* The rules of an earlier run, when they are still fresh: 1 if applied. */
static int robots_cached(struct hosts *h, struct host *host)
{
	long status;
	char *body = NULL;
	size_t len = 0;
	int rc;

	if (!h->robots.cached ||
	    (rc = h->robots.cached(h->robots.ctx, host->key, &status, &body, &len)) == 0)
		return 0;
	if (rc == 2)
		return 2;
	apply_robots(h, host, status, body ? body : "", len);
	free(body);
	return 1;
}

void hosts_release(struct hosts *h, struct scrape_request *req)
{
	(void)h;
	if (req->host && req->host->inflight > 0)
		req->host->inflight--;
}

void hosts_pause(struct hosts *h, struct scrape_request *req, int64_t until_ns)
{
	(void)h;
	if (req->host && req->host->next_start_ns < until_ns)
		req->host->next_start_ns = until_ns;
}

/* Whether a new delay is worth a line with -v: half as long again, or
 * two thirds, as the last one said, and 10 ms apart at least. */
static int worth_saying(int64_t was, int64_t now)
{
	int64_t diff = now > was ? now - was : was - now;

	return diff >= 10000000 && (now * 2 >= was * 3 || now * 3 <= was * 2);
}

void hosts_throttle(struct hosts *h, struct scrape_request *req, const struct host_answer *a)
{
	struct host *host = req->host;
	char was[32], now[32];

	if (!host || !h->throttle.enabled)
		return;
	host->auto_delay_ns = autothrottle_next(&h->throttle, host->auto_delay_ns, a);
	host->answers++;
	if (host->auto_delay_ns < host->auto_min_ns)
		host->auto_min_ns = host->auto_delay_ns;
	if (host->auto_delay_ns > host->auto_max_ns)
		host->auto_max_ns = host->auto_delay_ns;
	if (!worth_saying(host->auto_logged_ns, host->auto_delay_ns))
		return;
	units_format_duration(host->auto_logged_ns, was, sizeof was);
	units_format_duration(host->auto_delay_ns, now, sizeof now);
	host->auto_logged_ns = host->auto_delay_ns;
	log_note(LOG_VERBOSE, "autothrottle: %s: delay %s (was %s)", host->key, now, was);
}

size_t hosts_throttled(const struct hosts *h, struct host_delay *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < h->table_size; i++) {
		const struct host *host = h->table[i];
		if (!host || !h->throttle.enabled)
			continue;
		if (n < max) {
			snprintf(out[n].host, sizeof out[n].host, "%s", host->key);
			out[n].final_ns = host->auto_delay_ns;
			out[n].min_ns = host->auto_min_ns;
			out[n].max_ns = host->auto_max_ns;
			out[n].answers = host->answers;
		}
		n++;
	}
	return n;
}

size_t hosts_queued(const struct hosts *h)
{
	return h->queued;
}

struct scrape_request *hosts_take_any(struct hosts *h)
{
	if (h->active_count == 0)
		return NULL;
	return dequeue(h, h->active[0]);
}
