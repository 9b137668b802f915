/* SPDX-License-Identifier: MIT */
/*
 * The shared crawl store: a Redis server through which several scrape
 * processes, on one machine or many, crawl one site together.  Every
 * step that must be atomic across processes is a Lua script run by the
 * server (EVALSHA), and each call is one round trip: a page's links are
 * offered together, pops take a window of URLs, acknowledgements and
 * lease extensions are batched until the next checkpoint.  Only the
 * thread holding the run's lock talks to Redis, so strategies do not
 * change.
 *
 * Keys, all under the job's key_prefix P (see scrape-job(5)):
 *   P:meta        hash: what crawl this is (scope, seeds), for refusing another job
 *   P:start_urls  list of {"url": ...} seeds pushed by any program
 *   P:seen        set of 8-byte fingerprints: SADD decides which process queues a URL
 *   P:q:ORIGIN    list per host of queued entries "DEPTH\tFP\tURL"
 *   P:ready       sorted set of hosts with queued URLs by the time (ms) their next
 *                 request may start, so per-host delays hold across processes
 *   P:next        hash of each host's next start, kept while its queue is empty
 *   P:inflight    hash of requests in flight per host, for per_host.concurrency
 *   P:leases      sorted set of lease ids by deadline; P:lease hash id -> entry
 *   P:issued, P:done, P:pending   counters: max_pages is exact across processes
 *   P:delay       hash of each host's robots.txt Crawl-delay (ms)
 *   P:robots:ORIGIN  a robots.txt answer, expiring after 24 hours
 *   P:stats       hash of counts; P:items  records, when frontier.items is on
 *
 * A lease not acknowledged before its deadline (its process died or lost
 * the network) goes back to the front of its host's queue at the next pop
 * of any process; a process extends its leases at each checkpoint while
 * their transfers run.  Times come from the server's clock (TIME), so the
 * processes' clocks need not agree.  When the connection drops, calls
 * fail softly: the run waits and reconnects with backoff, and what was
 * batched is sent once it is back.
 */
#include <config.h>

#include "engine/crawl_store_redis.h"
#include "engine/crawl_store_redis_lua.h"
#include "engine/crawl_store_redis_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crawl/seen.h"
#include "crawl/url.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/redis.h"

/* Seeds taken from P:start_urls at a time. */
#define SEED_BATCH 100
/* A page's links wait this long for a server that went away. */
#define OFFER_PATIENCE_NS (60 * 1000000000LL)
/* Nothing ready anywhere: ask again after this long at most. */
#define POLL_MS 50

/* The connection's calls, with its error copied to the store's. */
static void copy_error(struct redis_store *r)
{
	snprintf(r->base.error, sizeof r->base.error, "%s", redis_conn_error(r->conn));
}

int crawl_redis_failure(struct redis_store *r, const char *what, const char *why)
{
	redis_conn_fail(r->conn, what, why);
	copy_error(r);
	return -1;
}

redisReply *crawl_redis_command(struct redis_store *r, const char *what, int argc, const char **argv,
                           const size_t *lens)
{
	redisReply *reply = redis_conn_command(r->conn, what, argc, argv, lens);

	if (!reply)
		copy_error(r);
	return reply;
}

redisReply *crawl_redis_script(struct redis_store *r, int argc, const char **argv, const size_t *lens)
{
	redisReply *reply = redis_conn_script(r->conn, argc, argv, lens);

	if (!reply)
		copy_error(r);
	return reply;
}

static int64_t monotonic_ns(void);

/* ---- the store's operations ---- */

static void hex16(uint64_t v, char *out)
{
	snprintf(out, 17, "%016" PRIx64, v);
}

/* The fingerprint as the 8 bytes P:seen holds, big-endian. */
static void fp_bytes(uint64_t fp, char *out)
{
	int i;

	for (i = 7; i >= 0; i--, fp >>= 8)
		out[i] = (char)(fp & 0xff);
}

static int redis_offer(struct crawl_store *s, const struct crawl_offer *items, size_t n, int *fresh)
{
	struct redis_store *r = of(s);
	size_t argc = 5 + 4 * n, i, k = 0;
	const char **argv = calloc(argc, sizeof *argv);
	size_t *lens = calloc(argc, sizeof *lens);
	char (*fps)[8] = calloc(n ? n : 1, 8), count[24];
	char **origins = calloc(n ? n : 1, sizeof *origins), **entries = calloc(n ? n : 1, sizeof *entries);
	redisReply *reply = NULL;
	int rc = -1;

	if (!argv || !lens || !fps || !origins || !entries)
		goto out;
	snprintf(count, sizeof count, "%zu", n);
	argv[k] = "EVALSHA"; lens[k++] = 7;
	argv[k] = redis_conn_sha(r->conn, CRAWL_REDIS_OFFER); lens[k++] = 40;
	argv[k] = "1"; lens[k++] = 1;
	argv[k] = r->cfg->key_prefix; lens[k++] = strlen(r->cfg->key_prefix);
	argv[k] = count; lens[k++] = strlen(count);
	for (i = 0; i < n; i++) {
		char fp[17];

		fp_bytes(items[i].fp, fps[i]);
		hex16(items[i].fp, fp);
		origins[i] = url_origin(items[i].url);
		if (!origins[i] || asprintf(&entries[i], "%d\t%s\t%s", items[i].depth, fp, items[i].url) < 0) {
			entries[i] = NULL;
			snprintf(s->error, sizeof s->error, "out of memory");
			goto out;
		}
		argv[k] = fps[i]; lens[k++] = 8;
		argv[k] = origins[i]; lens[k++] = strlen(origins[i]);
		argv[k] = entries[i]; lens[k++] = strlen(entries[i]);
		argv[k] = items[i].refused ? "0" : "1"; lens[k++] = 1;
	}
	/* The links exist only here: while the server is away (a restart),
	 * wait for it, up to OFFER_PATIENCE_NS, unless the run is stopped. */
	{
		int64_t until = monotonic_ns() + OFFER_PATIENCE_NS;

		while (!(reply = crawl_redis_script(r, (int)k, argv, lens)) &&
		       monotonic_ns() < until && !(r->interrupted && *r->interrupted)) {
			struct timespec pause = { 0, 20000000 };
			nanosleep(&pause, NULL);
		}
	}
	if (!reply)
		goto out;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n) {
		crawl_redis_failure(r, "offering links", reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
		goto out;
	}
	for (i = 0; i < n; i++) {
		fresh[i] = reply->element[i]->type == REDIS_REPLY_INTEGER && reply->element[i]->integer == 1;
		if (fresh[i] && !items[i].refused)
			s->queued++;
	}
	rc = 0;
out:
	if (reply)
		freeReplyObject(reply);
	for (i = 0; origins && entries && i < n; i++) {
		free(origins[i]);
		free(entries[i]);
	}
	free(origins);
	free(entries);
	free(fps);
	free(lens);
	free(argv);
	return rc;
}

static int redis_mark_seen(struct crawl_store *s, uint64_t fp)
{
	struct crawl_offer item = { .url = "http://seen.invalid/", .fp = fp, .refused = "seen" };
	int fresh = 0;

	return redis_offer(s, &item, 1, &fresh) < 0 ? -1 : fresh;
}

/* A URL whose fingerprint was just marked seen, queued: used for the
 * job's own seeds, which offer() would mark and queue at once anyway. */
static int redis_push(struct crawl_store *s, const char *url, uint64_t fp, int depth)
{
	(void)s; (void)url; (void)fp; (void)depth;
	return 0;
}

static void clear_window(struct redis_store *r)
{
	size_t i;

	for (i = r->window_next; i < r->window_len; i++)
		free(r->window_rows[i].url);
	r->window_len = r->window_next = 0;
}

static int hold(struct redis_store *r, uint64_t lease)
{
	if (r->held_count == r->held_cap) {
		size_t cap = r->held_cap ? r->held_cap * 2 : 64;
		uint64_t *grown = realloc(r->held, cap * sizeof *grown);
		if (!grown)
			return -1;
		r->held = grown;
		r->held_cap = cap;
	}
	r->held[r->held_count++] = lease;
	return 0;
}

static void unhold(struct redis_store *r, uint64_t lease)
{
	size_t i;

	for (i = 0; i < r->held_count; i++)
		if (r->held[i] == lease) {
			r->held[i] = r->held[--r->held_count];
			return;
		}
}

/* Seeds other programs pushed to P:start_urls, offered at depth 0. */
static int take_seeds(struct redis_store *r)
{
	const char *argv[] = { "EVALSHA", redis_conn_sha(r->conn, CRAWL_REDIS_SEEDS), "1", r->cfg->key_prefix, "100" };
	redisReply *reply = crawl_redis_script(r, 5, argv, NULL);
	size_t i;
	int rc = 0;

	if (!reply)
		return 0;
	if (reply->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(reply);
		return 0;
	}
	for (i = 0; i < reply->elements && rc == 0; i++) {
		struct json_object seed;
		const struct json_member *url;
		redisReply *e = reply->element[i];
		char *canonical = NULL, shown[300];

		if (e->type != REDIS_REPLY_STRING || json_parse_object(e->str, e->len, &seed) < 0) {
			log_warning("%s:start_urls: a seed that is not a JSON object is skipped",
			            r->cfg->key_prefix);
			continue;
		}
		url = json_get(&seed, "url");
		if (!url || url->kind != JSON_STRING || !(canonical = url_canonical(url->text))) {
			log_warning("%s:start_urls: %s has no http(s) \"url\"; skipped", r->cfg->key_prefix,
			            visible(shown, sizeof shown, e->str));
		} else {
			struct crawl_offer item = { .url = canonical,
			                            .fp = seen_fingerprint(canonical, strlen(canonical)) };
			int fresh;
			rc = redis_offer(&r->base, &item, 1, &fresh);
		}
		free(canonical);
		json_object_free(&seed);
	}
	freeReplyObject(reply);
	return rc;
}

static int fill_window(struct redis_store *r)
{
	char k[16], lease[24], maxp[24], delay[24], conc[24];
	const char *argv[10];
	redisReply *reply;
	size_t i, want = r->window_want;

	r->window_len = r->window_next = 0;
	if (r->seeds_waiting && take_seeds(r) < 0)
		return -1;
	snprintf(k, sizeof k, "%zu", want);
	snprintf(lease, sizeof lease, "%lld", (long long)(r->cfg->lease_ns / 1000000));
	snprintf(maxp, sizeof maxp, "%lld", (long long)r->max_pages);
	snprintf(delay, sizeof delay, "%lld", (long long)r->delay_ms);
	snprintf(conc, sizeof conc, "%lld", (long long)r->concurrency);
	argv[0] = "EVALSHA";
	argv[1] = redis_conn_sha(r->conn, CRAWL_REDIS_POP);
	argv[2] = "1";
	argv[3] = r->cfg->key_prefix;
	argv[4] = k;
	argv[5] = lease;
	argv[6] = maxp;
	argv[7] = delay;
	argv[8] = conc;
	r->retry_ms = POLL_MS;
	r->over = 0;
	if (!(reply = crawl_redis_script(r, 9, argv, NULL))) {
		r->retry_ms = 100;
		return 0;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 ||
	    reply->element[0]->type != REDIS_REPLY_ARRAY) {
		crawl_redis_failure(r, "taking URLs", reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
		freeReplyObject(reply);
		return -1;
	}
	for (i = 0; i + 1 < reply->element[0]->elements; i += 2) {
		redisReply *id = reply->element[0]->element[i], *entry = reply->element[0]->element[i + 1];
		struct window_entry *e = &r->window_rows[r->window_len];
		char *tab1, *tab2;

		if (entry->type != REDIS_REPLY_STRING || !(tab1 = memchr(entry->str, '\t', entry->len)) ||
		    !(tab2 = strchr(tab1 + 1, '\t')))
			continue;
		e->lease = (uint64_t)id->integer;
		e->depth = atoi(entry->str);
		if (!(e->url = strdup(tab2 + 1)) || hold(r, e->lease) < 0) {
			free(e->url);
			freeReplyObject(reply);
			snprintf(r->base.error, sizeof r->base.error, "out of memory");
			return -1;
		}
		r->window_len++;
	}
	if (reply->element[1]->type == REDIS_REPLY_INTEGER && reply->element[1]->integer >= 0 &&
	    reply->element[1]->integer < POLL_MS)
		r->retry_ms = reply->element[1]->integer > 0 ? reply->element[1]->integer : 5;
	r->over = reply->element[2]->type == REDIS_REPLY_INTEGER && reply->element[2]->integer == 1;
	r->seeds_waiting = reply->element[3]->type == REDIS_REPLY_INTEGER && reply->element[3]->integer > 0;
	freeReplyObject(reply);
	return 0;
}

static int redis_pop(struct crawl_store *s, const char **url, int *depth, uint64_t *lease)
{
	struct redis_store *r = of(s);
	struct window_entry *e;

	free(r->returned);
	r->returned = NULL;
	if (r->window_next == r->window_len && fill_window(r) < 0)
		return -1;
	if (r->window_next == r->window_len)
		return 0;
	e = &r->window_rows[r->window_next++];
	r->returned = e->url;
	*url = e->url;
	*depth = e->depth;
	*lease = e->lease;
	if (s->queued > 0)
		s->queued--;
	return 1;
}

static int queue_ack(struct redis_store *r, char kind, uint64_t lease)
{
	buf_printf(&r->acks, "%c %" PRIu64 "\n", kind, lease);
	unhold(r, lease);
	r->base.unsent = 1;
	return r->acks.oom ? -1 : 0;
}

static int redis_done(struct crawl_store *s, uint64_t lease)
{
	s->done++;
	return queue_ack(of(s), 'd', lease);
}

static int redis_refused(struct crawl_store *s, uint64_t lease)
{
	return queue_ack(of(s), 'r', lease);
}

static int redis_release(struct crawl_store *s, uint64_t lease)
{
	return queue_ack(of(s), 'x', lease);
}

/* The acknowledgements: "KIND ID" lines become pairs of arguments, taken
 * from a copy so that a failed send keeps them.  0, -1 on an error reply,
 * 1 when the server is away. */
static int send_acks(struct redis_store *r)
{
	size_t n = 0, i, k = 4;
	const char **argv;
	char *copy, *p;
	redisReply *reply;
	int rc = 0;

	for (i = 0; i < r->acks.len; i++)
		n += r->acks.data[i] == '\n';
	argv = calloc(4 + 2 * n, sizeof *argv);
	copy = strndup(r->acks.data, r->acks.len);
	if (!argv || !copy) {
		free(argv);
		free(copy);
		return 1;
	}
	argv[0] = "EVALSHA";
	argv[1] = redis_conn_sha(r->conn, CRAWL_REDIS_ACK);
	argv[2] = "1";
	argv[3] = r->cfg->key_prefix;
	for (p = copy; *p; ) {
		char *nl = strchr(p, '\n');
		*nl = '\0';
		p[1] = '\0';
		argv[k++] = p;
		argv[k++] = p + 2;
		p = nl + 1;
	}
	reply = crawl_redis_script(r, (int)k, argv, NULL);
	if (!reply) {
		rc = 1;
	} else {
		if (reply->type == REDIS_REPLY_ERROR)
			rc = crawl_redis_failure(r, "acknowledging pages", reply->str);
		freeReplyObject(reply);
		buf_reset(&r->acks);
	}
	free(copy);
	free(argv);
	return rc;
}

/* The records for KEY_PREFIX:items, in one RPUSH: 0, or 1 when the server
 * is away (they wait). */
static int send_items(struct redis_store *r)
{
	size_t n = 0, i, k = 2;
	const char **argv;
	size_t *lens;
	char *key = NULL, *p;
	redisReply *reply;
	int rc = 1;

	for (i = 0; i < r->items.len; i++)
		n += r->items.data[i] == '\n';
	argv = calloc(2 + n, sizeof *argv);
	lens = calloc(2 + n, sizeof *lens);
	if (!argv || !lens || asprintf(&key, "%s:items", r->cfg->key_prefix) < 0)
		goto out;
	argv[0] = "RPUSH";
	lens[0] = 5;
	argv[1] = key;
	lens[1] = strlen(key);
	for (p = r->items.data; p < r->items.data + r->items.len; ) {
		char *nl = memchr(p, '\n', (size_t)(r->items.data + r->items.len - p));
		argv[k] = p;
		lens[k++] = (size_t)(nl - p);
		p = nl + 1;
	}
	if ((reply = crawl_redis_command(r, "pushing records", (int)k, argv, lens)) != NULL) {
		freeReplyObject(reply);
		buf_reset(&r->items);
		rc = 0;
	}
out:
	free(key);
	free(lens);
	free(argv);
	return rc;
}

/* Leases still held get another frontier.lease from now. */
static void renew_leases(struct redis_store *r)
{
	const char **argv = calloc(5 + r->held_count, sizeof *argv);
	char **texts = calloc(r->held_count + 1, sizeof *texts), ms[24];
	size_t i, k = 5;
	redisReply *reply;

	if (!argv || !texts)
		goto out;
	snprintf(ms, sizeof ms, "%lld", (long long)(r->cfg->lease_ns / 1000000));
	argv[0] = "EVALSHA";
	argv[1] = redis_conn_sha(r->conn, CRAWL_REDIS_EXTEND);
	argv[2] = "1";
	argv[3] = r->cfg->key_prefix;
	argv[4] = ms;
	for (i = 0; i < r->held_count; i++) {
		if (asprintf(&texts[i], "%" PRIu64, r->held[i]) < 0) {
			texts[i] = NULL;
			break;
		}
		argv[k++] = texts[i];
	}
	if ((reply = crawl_redis_script(r, (int)k, argv, NULL)) != NULL)
		freeReplyObject(reply);
out:
	for (i = 0; texts && i < r->held_count; i++)
		free(texts[i]);
	free(texts);
	free(argv);
}

/* Sends the batched acknowledgements and records, and renews the leases
 * still held.  When the server is away they wait for the next commit. */
static int redis_commit(struct crawl_store *s)
{
	struct redis_store *r = of(s);
	int rc = 0;

	if (!redis_conn_ready(r->conn))
		return 0;
	if (r->acks.len && (rc = send_acks(r)) != 0)
		return rc < 0 ? -1 : 0;
	if (r->items.len && send_items(r) != 0)
		return 0;
	if (r->held_count)
		renew_leases(r);
	s->unsent = r->acks.len > 0 || r->items.len > 0;
	return 0;
}

int crawl_store_redis_item(struct crawl_store *s, const char *line, size_t len)
{
	struct redis_store *r = of(s);

	while (len && line[len - 1] == '\n')
		len--;
	buf_append(&r->items, line, len);
	buf_putc(&r->items, '\n');
	r->base.unsent = 1;
	return r->items.oom ? -1 : 0;
}

static int redis_finished(struct crawl_store *s, int64_t *retry_ns)
{
	struct redis_store *r = of(s);

	*retry_ns = r->retry_ms * 1000000;
	return r->over && r->window_next == r->window_len && r->held_count == 0 && r->acks.len == 0;
}

static void redis_close(struct crawl_store *s)
{
	struct redis_store *r = of(s);
	size_t i;

	/* what this process took and will not finish goes back for others */
	for (i = r->window_next; i < r->window_len; i++)
		queue_ack(r, 'x', r->window_rows[i].lease);
	while (r->held_count)
		queue_ack(r, 'x', r->held[0]);
	if (r->acks.len || r->items.len)
		redis_commit(s);
	clear_window(r);
	free(r->returned);
	free(r->held);
	buf_free(&r->acks);
	buf_free(&r->items);
	redis_conn_free(r->conn);
	free(r);
}

static const struct crawl_store_ops redis_ops = {
	.mark_seen = redis_mark_seen,
	.push = redis_push,
	.pop = redis_pop,
	.done = redis_done,
	.refused = redis_refused,
	.adopt = crawl_redis_adopt,
	.commit = redis_commit,
	.close = redis_close,
	.offer = redis_offer,
	.finished = redis_finished,
	.release = redis_release,
	.robots_get = crawl_redis_robots_get,
	.robots_put = crawl_redis_robots_put,
};

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct crawl_store *crawl_store_redis(const struct job *job, const volatile sig_atomic_t *interrupted,
                                      char *err, size_t errlen)
{
	struct redis_store *r = calloc(1, sizeof *r);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base.ops = &redis_ops;
	r->interrupted = interrupted;
	r->base.shared = 1;
	r->cfg = &job->frontier;
	r->max_pages = job->crawl.max_pages;
	r->delay_ms = job->per_host.delay_ns / 1000000;
	r->concurrency = job->per_host.concurrency;
	r->window_want = job->workers > WINDOW_MAX ? WINDOW_MAX : job->workers > 0 ? (size_t)job->workers : 1;
	r->base.lookahead = r->window_want;
	r->retry_ms = POLL_MS;
	r->seeds_waiting = 1;       /* look once at the start */
	{
		const struct frontier_settings *cfg = &job->frontier;
		struct redis_endpoint ep = { cfg->redis_host, cfg->redis_port, cfg->redis_db,
		                             cfg->redis_user, cfg->redis_password };

		if (!(r->conn = redis_conn_new(&ep, crawl_redis_scripts, CRAWL_REDIS_SCRIPTS))) {
			snprintf(err, errlen, "out of memory");
			redis_close(&r->base);
			return NULL;
		}
	}
	if (redis_conn_open(r->conn) < 0) {
		snprintf(err, errlen, "%s", redis_conn_error(r->conn));
		redis_close(&r->base);
		return NULL;
	}
	return &r->base;
}
