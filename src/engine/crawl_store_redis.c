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

#include <errno.h>
#include <hiredis.h>
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

/* URLs taken from Redis at a time, at most. */
#define WINDOW_MAX 256
/* Seeds taken from P:start_urls at a time. */
#define SEED_BATCH 100
/* How long a connection attempt or a reply may take. */
#define IO_TIMEOUT_MS 2000
/* Reconnection: the first wait, doubled up to the last. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* A process fetching a host's robots.txt holds the others back this long
 * at most (seconds). */
#define ROBOTS_LOCK_S "15"
/* Nothing ready anywhere: ask again after this long at most. */
#define POLL_MS 50

struct window_entry {
	uint64_t lease;
	int depth;
	char *url;
};

struct redis_store {
	struct crawl_store base;
	const struct frontier_settings *cfg;
	int64_t max_pages;
	int64_t delay_ms;           /* per_host.delay */
	int64_t concurrency;        /* per_host.concurrency, 0: none */
	redisContext *c;
	char sha_offer[41], sha_pop[41], sha_ack[41], sha_extend[41], sha_adopt[41], sha_seeds[41];
	struct window_entry window_rows[WINDOW_MAX];
	size_t window_len, window_next, window_want;
	char *returned;
	/* leases held by this process, for extension; and acknowledgements
	 * not yet sent ("done", "refused" or "release" each) */
	uint64_t *held;
	size_t held_count, held_cap;
	struct buf acks;            /* "d ID\n", "r ID\n", "x ID\n" lines */
	struct buf items;           /* records for KEY_PREFIX:items, a line each */
	int64_t retry_ms;           /* when pop found nothing: ask again after this */
	int over;                   /* the last pop saw the whole crawl over */
	int seeds_waiting;          /* the last pop saw seeds in P:start_urls */
	int64_t reconnect_at_ns;    /* while disconnected: the next attempt */
	int64_t backoff_ms;
	int warned_down;
};

static struct redis_store *of(struct crawl_store *s)
{
	return (struct redis_store *)s;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the scripts ---- */

/* Links of one page: ARGV n, then n times FP (8 bytes), ORIGIN, ENTRY, QUEUE
 * ("1" to queue it if new).  Returns 1/0 per link: whether it was new. */
static const char OFFER[] =
	"local p = KEYS[1]\n"
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
	"local out = {}\n"
	"for i = 0, tonumber(ARGV[1]) - 1 do\n"
	"  local fp, origin, entry, q = ARGV[2 + i * 4], ARGV[3 + i * 4], ARGV[4 + i * 4], ARGV[5 + i * 4]\n"
	"  local fresh = redis.call('SADD', p .. ':seen', fp)\n"
	"  out[#out + 1] = fresh\n"
	"  if fresh == 1 and q == '1' then\n"
	"    redis.call('RPUSH', p .. ':q:' .. origin, entry)\n"
	"    local turn = tonumber(redis.call('HGET', p .. ':next', origin) or '0')\n"
	"    redis.call('ZADD', p .. ':ready', 'NX', math.max(now, turn), origin)\n"
	"    redis.call('INCR', p .. ':pending')\n"
	"  end\n"
	"end\n"
	"return out\n";

/* Up to ARGV[1] URLs whose hosts may start now, leased for ARGV[2] ms;
 * ARGV[3] max_pages (0: none), ARGV[4] per-host delay ms, ARGV[5]
 * per-host concurrency (0: none).  First, expired leases go back to the
 * front of their queues.  Returns {{id, entry, ...}, wake_ms, over,
 * seeds waiting in P:start_urls}. */
static const char POP[] =
	"local p = KEYS[1]\n"
	"local k, lease, maxp = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
	"local delay, conc = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
	"for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now, 'LIMIT', 0, 100)) do\n"
	"  local v = redis.call('HGET', p .. ':lease', id)\n"
	"  redis.call('ZREM', p .. ':leases', id)\n"
	"  redis.call('HDEL', p .. ':lease', id)\n"
	"  if v then\n"
	"    local origin, entry = string.match(v, '^([^\\t]*)\\t(.*)$')\n"
	"    redis.call('LPUSH', p .. ':q:' .. origin, entry)\n"
	"    local turn = tonumber(redis.call('HGET', p .. ':next', origin) or '0')\n"
	"    redis.call('ZADD', p .. ':ready', 'NX', math.max(now, turn), origin)\n"
	"    redis.call('INCR', p .. ':pending')\n"
	"    redis.call('DECR', p .. ':issued')\n"
	"    redis.call('HINCRBY', p .. ':inflight', origin, -1)\n"
	"    redis.call('HINCRBY', p .. ':stats', 'leases_expired', 1)\n"
	"  end\n"
	"end\n"
	"local got, blocked = {}, false\n"
	"local function budget()\n"
	"  return maxp == 0 or tonumber(redis.call('GET', p .. ':issued') or '0') < maxp\n"
	"end\n"
	"for _, origin in ipairs(redis.call('ZRANGEBYSCORE', p .. ':ready', '-inf', now, 'LIMIT', 0, k)) do\n"
	"  if #got >= k * 2 or not budget() then break end\n"
	"  local d = math.max(delay, tonumber(redis.call('HGET', p .. ':delay', origin) or '0'))\n"
	"  local busy = tonumber(redis.call('HGET', p .. ':inflight', origin) or '0')\n"
	"  local took = 0\n"
	"  while #got < k * 2 and budget() and (conc == 0 or busy < conc) and (took == 0 or d == 0) do\n"
	"    local entry = redis.call('LPOP', p .. ':q:' .. origin)\n"
	"    if not entry then break end\n"
	"    local id = redis.call('INCR', p .. ':lease_seq')\n"
	"    redis.call('ZADD', p .. ':leases', now + lease, id)\n"
	"    redis.call('HSET', p .. ':lease', id, origin .. '\\t' .. entry)\n"
	"    redis.call('INCR', p .. ':issued')\n"
	"    redis.call('DECR', p .. ':pending')\n"
	"    redis.call('HINCRBY', p .. ':inflight', origin, 1)\n"
	"    busy, took = busy + 1, took + 1\n"
	"    got[#got + 1] = id\n"
	"    got[#got + 1] = entry\n"
	"  end\n"
	"  if took > 0 then\n"
	"    redis.call('HSET', p .. ':next', origin, now + d)\n"
	"  end\n"
	"  if redis.call('LLEN', p .. ':q:' .. origin) == 0 then\n"
	"    redis.call('ZREM', p .. ':ready', origin)\n"
	"  elseif took > 0 then\n"
	"    redis.call('ZADD', p .. ':ready', now + d, origin)\n"
	"  else\n"
	"    blocked = true\n"
	"  end\n"
	"end\n"
	"local wake = -1\n"
	"local first = redis.call('ZRANGE', p .. ':ready', 0, 0, 'WITHSCORES')\n"
	"if first[2] then wake = math.max(0, tonumber(first[2]) - now) end\n"
	"if blocked then wake = 0 end\n"
	"local leases = redis.call('ZCARD', p .. ':leases')\n"
	"local pending = tonumber(redis.call('GET', p .. ':pending') or '0')\n"
	"local seeds = redis.call('LLEN', p .. ':start_urls')\n"
	"local over = 0\n"
	"if leases == 0 and seeds == 0 and (pending == 0 or not budget()) then over = 1 end\n"
	"return {got, wake, over, seeds}\n";

/* Acknowledgements: ARGV pairs KIND ID, KIND d (done), r (refused: it
 * does not count against max_pages) or x (released: back to the front
 * of its queue). */
static const char ACK[] =
	"local p = KEYS[1]\n"
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
	"for i = 1, #ARGV, 2 do\n"
	"  local kind, id = ARGV[i], ARGV[i + 1]\n"
	"  local v = redis.call('HGET', p .. ':lease', id)\n"
	"  if v then\n"
	"    local origin, entry = string.match(v, '^([^\\t]*)\\t(.*)$')\n"
	"    redis.call('ZREM', p .. ':leases', id)\n"
	"    redis.call('HDEL', p .. ':lease', id)\n"
	"    redis.call('HINCRBY', p .. ':inflight', origin, -1)\n"
	"    if kind == 'd' then\n"
	"      redis.call('INCR', p .. ':done')\n"
	"    else\n"
	"      redis.call('DECR', p .. ':issued')\n"
	"      if kind == 'x' then\n"
	"        redis.call('LPUSH', p .. ':q:' .. origin, entry)\n"
	"        local turn = tonumber(redis.call('HGET', p .. ':next', origin) or '0')\n"
	"        redis.call('ZADD', p .. ':ready', 'NX', math.max(now, turn), origin)\n"
	"        redis.call('INCR', p .. ':pending')\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"return 1\n";

/* Leases still held: ARGV[1] ms from now, then ids. */
static const char EXTEND[] =
	"local p = KEYS[1]\n"
	"local t = redis.call('TIME')\n"
	"local until_ms = t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[1])\n"
	"for i = 2, #ARGV do\n"
	"  redis.call('ZADD', p .. ':leases', 'XX', until_ms, ARGV[i])\n"
	"end\n"
	"return 1\n";

/* The crawl's identity: ARGV pairs FIELD VALUE.  A new prefix takes them
 * and returns {}; one in use returns what it holds, to compare. */
static const char ADOPT[] =
	"local p = KEYS[1]\n"
	"if redis.call('EXISTS', p .. ':meta') == 1 then\n"
	"  return redis.call('HGETALL', p .. ':meta')\n"
	"end\n"
	"redis.call('HSET', p .. ':meta', unpack(ARGV))\n"
	"return {}\n";

/* Up to ARGV[1] seeds pushed by other programs, taken off P:start_urls. */
static const char SEEDS[] =
	"local p = KEYS[1]\n"
	"local out = {}\n"
	"for i = 1, tonumber(ARGV[1]) do\n"
	"  local v = redis.call('LPOP', p .. ':start_urls')\n"
	"  if not v then break end\n"
	"  out[#out + 1] = v\n"
	"end\n"
	"return out\n";

/* ---- the connection ---- */

static void describe_server(const struct frontier_settings *cfg, char *out, size_t len)
{
	snprintf(out, len, "redis://%s:%d/%d", cfg->redis_host, cfg->redis_port, cfg->redis_db);
}

/* Sets error to "Redis at URL: what: why". */
static int failure(struct redis_store *r, const char *what, const char *why)
{
	char server[300];

	describe_server(r->cfg, server, sizeof server);
	snprintf(r->base.error, sizeof r->base.error, "Redis at %s: %s: %s", server, what, why);
	return -1;
}

/* A command's reply, or NULL with the connection dropped (error set). */
static redisReply *command(struct redis_store *r, const char *what, int argc, const char **argv,
                           const size_t *argvlen)
{
	redisReply *reply = r->c ? redisCommandArgv(r->c, argc, argv, argvlen) : NULL;

	if (!reply) {
		failure(r, what, r->c && r->c->errstr[0] ? r->c->errstr : "not connected");
		if (r->c) {
			redisFree(r->c);
			r->c = NULL;
		}
	}
	return reply;
}

static int load_script(struct redis_store *r, const char *source, char *sha)
{
	const char *argv[] = { "SCRIPT", "LOAD", source };
	redisReply *reply = command(r, "cannot load a script", 3, argv, NULL);
	int rc = -1;

	if (!reply)
		return -1;
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40) {
		memcpy(sha, reply->str, 41);
		rc = 0;
	} else {
		failure(r, "cannot load a script", reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
	}
	freeReplyObject(reply);
	return rc;
}

/* Connects, logs in, selects the database and loads the scripts. */
static int connect_server(struct redis_store *r)
{
	const struct frontier_settings *cfg = r->cfg;
	struct timeval tv = { IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000 };
	redisReply *reply;
	char db[16];

	r->c = redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);
	if (!r->c || r->c->err) {
		failure(r, "cannot connect", r->c ? r->c->errstr : "out of memory");
		if (r->c)
			redisFree(r->c);
		r->c = NULL;
		return -1;
	}
	redisSetTimeout(r->c, tv);
	if (cfg->redis_password) {
		const char *argv[] = { "AUTH", cfg->redis_user ? cfg->redis_user : cfg->redis_password,
		                       cfg->redis_password };
		if (!(reply = command(r, "cannot log in", cfg->redis_user ? 3 : 2, argv, NULL)))
			return -1;
		if (reply->type == REDIS_REPLY_ERROR) {
			failure(r, "cannot log in", reply->str);
			freeReplyObject(reply);
			return -1;
		}
		freeReplyObject(reply);
	}
	snprintf(db, sizeof db, "%d", cfg->redis_db);
	{
		const char *argv[] = { "SELECT", db };
		if (!(reply = command(r, "cannot select the database", 2, argv, NULL)))
			return -1;
		if (reply->type == REDIS_REPLY_ERROR) {
			/* NOAUTH: a password is needed and none was given */
			failure(r, strncmp(reply->str, "NOAUTH", 6) == 0 ? "cannot log in"
			                                                 : "cannot select the database",
			        reply->str);
			freeReplyObject(reply);
			redisFree(r->c);
			r->c = NULL;
			return -1;
		}
		freeReplyObject(reply);
	}
	if (load_script(r, OFFER, r->sha_offer) < 0 || load_script(r, POP, r->sha_pop) < 0 ||
	    load_script(r, ACK, r->sha_ack) < 0 || load_script(r, EXTEND, r->sha_extend) < 0 ||
	    load_script(r, ADOPT, r->sha_adopt) < 0 || load_script(r, SEEDS, r->sha_seeds) < 0) {
		if (r->c) {
			redisFree(r->c);
			r->c = NULL;
		}
		return -1;
	}
	return 0;
}

/* During the run: 1 when connected (again), 0 while waiting to retry.
 * An outage is said once, and its end. */
static int ensure_connected(struct redis_store *r)
{
	int64_t now = now_ns();

	if (r->c)
		return 1;
	if (now < r->reconnect_at_ns)
		return 0;
	if (connect_server(r) == 0) {
		if (r->warned_down)
			log_warning("reconnected to Redis; the crawl goes on");
		r->warned_down = 0;
		r->backoff_ms = BACKOFF_MIN_MS;
		return 1;
	}
	if (!r->warned_down)
		log_warning("%s; retrying", r->base.error);
	r->warned_down = 1;
	r->reconnect_at_ns = now + r->backoff_ms * 1000000;
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->backoff_ms * 2;
	return 0;
}

/* Runs a script by its digest: the reply, or NULL when the connection
 * failed (the caller waits and retries).  A server that lost its scripts
 * (it restarted) gets them again. */
static redisReply *run_script(struct redis_store *r, int argc, const char **argv,
                              const size_t *argvlen)
{
	redisReply *reply;

	if (!ensure_connected(r))
		return NULL;
	reply = command(r, "a script failed", argc, argv, argvlen);
	if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(reply);
		redisFree(r->c);
		r->c = NULL;
		r->reconnect_at_ns = 0;
		if (!ensure_connected(r))
			return NULL;
		reply = command(r, "a script failed", argc, argv, argvlen);
	}
	return reply;
}

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
	size_t argc = 4 + 4 * n, i, k = 0;
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
	argv[k] = r->sha_offer; lens[k++] = 40;
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
	reply = run_script(r, (int)k, argv, lens);
	if (!reply) {
		/* the server is away: the links are lost for this process only if
		 * it never comes back; say so rather than pretend */
		goto out;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n) {
		failure(r, "offering links", reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
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
	const char *argv[] = { "EVALSHA", r->sha_seeds, "1", r->cfg->key_prefix, "100" };
	redisReply *reply = run_script(r, 5, argv, NULL);
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
	argv[1] = r->sha_pop;
	argv[2] = "1";
	argv[3] = r->cfg->key_prefix;
	argv[4] = k;
	argv[5] = lease;
	argv[6] = maxp;
	argv[7] = delay;
	argv[8] = conc;
	r->retry_ms = POLL_MS;
	r->over = 0;
	if (!(reply = run_script(r, 9, argv, NULL))) {
		r->retry_ms = BACKOFF_MIN_MS;
		return 0;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 ||
	    reply->element[0]->type != REDIS_REPLY_ARRAY) {
		failure(r, "taking URLs", reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
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

/* Sends the batched acknowledgements and records, and extends the leases
 * still held.  When the server is away they wait for the next commit. */
static int redis_commit(struct crawl_store *s)
{
	struct redis_store *r = of(s);
	size_t n = 0, i, k, cap;
	const char **argv = NULL;
	size_t *lens = NULL;
	char **texts = NULL, *copy = NULL, *p;
	char ms[24];
	redisReply *reply;
	int rc = 0;

	if (!ensure_connected(r))
		return 0;
	for (i = 0; i < r->acks.len; i++)
		n += r->acks.data[i] == '\n';
	for (i = 0; i < r->items.len; i++)
		n += r->items.data[i] == '\n';
	cap = 5 + 2 * n + r->held_count;
	argv = calloc(cap, sizeof *argv);
	lens = calloc(cap, sizeof *lens);
	texts = calloc(r->held_count + 1, sizeof *texts);
	if (!argv || !lens || !texts)
		goto out;
	argv[0] = "EVALSHA";
	argv[2] = "1";
	argv[3] = r->cfg->key_prefix;
	/* the acknowledgements: "KIND ID" lines become pairs of arguments,
	 * taken from a copy so that a failed send keeps them */
	if (r->acks.len) {
		if (!(copy = strndup(r->acks.data, r->acks.len)))
			goto out;
		argv[1] = r->sha_ack;
		for (k = 4, p = copy; *p; ) {
			char *nl = strchr(p, '\n');
			*nl = '\0';
			p[1] = '\0';
			argv[k++] = p;
			argv[k++] = p + 2;
			p = nl + 1;
		}
		if (!(reply = run_script(r, (int)k, argv, NULL)))
			goto out;
		if (reply->type == REDIS_REPLY_ERROR)
			rc = failure(r, "acknowledging pages", reply->str);
		freeReplyObject(reply);
		buf_reset(&r->acks);
	}
	/* records for KEY_PREFIX:items, one RPUSH */
	if (r->items.len && rc == 0) {
		char *key;
		if (asprintf(&key, "%s:items", r->cfg->key_prefix) < 0)
			goto out;
		argv[0] = "RPUSH";
		lens[0] = 5;
		argv[1] = key;
		lens[1] = strlen(key);
		for (k = 2, p = r->items.data; p < r->items.data + r->items.len; ) {
			char *nl = memchr(p, '\n', (size_t)(r->items.data + r->items.len - p));
			argv[k] = p;
			lens[k++] = (size_t)(nl - p);
			p = nl + 1;
		}
		reply = command(r, "pushing records", (int)k, argv, lens);
		free(key);
		if (!reply)
			goto out;
		freeReplyObject(reply);
		buf_reset(&r->items);
		argv[0] = "EVALSHA";
	}
	if (r->held_count && rc == 0) {
		snprintf(ms, sizeof ms, "%lld", (long long)(r->cfg->lease_ns / 1000000));
		argv[1] = r->sha_extend;
		argv[4] = ms;
		for (k = 5, i = 0; i < r->held_count; i++) {
			if (asprintf(&texts[i], "%" PRIu64, r->held[i]) < 0) {
				texts[i] = NULL;
				break;
			}
			argv[k++] = texts[i];
		}
		if ((reply = run_script(r, (int)k, argv, NULL)) != NULL)
			freeReplyObject(reply);
	}
	s->unsent = r->acks.len > 0 || r->items.len > 0;
out:
	for (i = 0; texts && i < r->held_count; i++)
		free(texts[i]);
	free(texts);
	free(copy);
	free(lens);
	free(argv);
	return rc;
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

static int redis_adopt(struct crawl_store *s, const struct crawl_identity *id)
{
	struct redis_store *r = of(s);
	char digest[32], count[24];
	const char *argv[] = { "EVALSHA", r->sha_adopt, "1", r->cfg->key_prefix,
	                       "seeds_digest", digest, "seed_count", count, "first_seed", id->first_seed,
	                       "scope", id->scope, "made_by", PACKAGE_STRING };
	redisReply *reply;
	const char *theirs_scope = NULL, *theirs_digest = NULL, *theirs_first = NULL;
	size_t i;
	int rc = 0;

	snprintf(digest, sizeof digest, "%016" PRIx64, id->seeds_digest);
	snprintf(count, sizeof count, "%lld", (long long)id->seed_count);
	if (!(reply = run_script(r, 14, argv, NULL)))
		return -1;
	if (reply->type != REDIS_REPLY_ARRAY) {
		rc = failure(r, "cannot read the crawl's identity",
		             reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
		freeReplyObject(reply);
		return rc;
	}
	for (i = 0; i + 1 < reply->elements; i += 2) {
		const char *k = reply->element[i]->str, *v = reply->element[i + 1]->str;
		if (strcmp(k, "scope") == 0)
			theirs_scope = v;
		else if (strcmp(k, "seeds_digest") == 0)
			theirs_digest = v;
		else if (strcmp(k, "first_seed") == 0)
			theirs_first = v;
	}
	if (reply->elements == 0) {
		rc = 1;                 /* a new crawl: this process seeds it */
	} else if (!theirs_scope || strcmp(theirs_scope, id->scope) != 0) {
		snprintf(s->error, sizeof s->error,
		         "Redis key prefix \"%s\" holds another crawl: its scope is \"%.120s\", this job's is "
		         "\"%.120s\" (choose another frontier.key_prefix, or remove its keys)",
		         r->cfg->key_prefix, theirs_scope ? theirs_scope : "", id->scope);
		rc = -1;
	} else if (id->seed_count > 0 && (!theirs_digest || strcmp(theirs_digest, digest) != 0)) {
		snprintf(s->error, sizeof s->error,
		         "Redis key prefix \"%s\" holds another crawl: its seeds start with %.120s, this "
		         "job's with %.120s (choose another frontier.key_prefix, or remove its keys)",
		         r->cfg->key_prefix, theirs_first ? theirs_first : "?", id->first_seed);
		rc = -1;
	} else {
		rc = 1;                 /* the same crawl: offering the seeds again changes nothing */
	}
	freeReplyObject(reply);
	return rc;
}

/* 1 with the answer another process kept; else 0 when this process is to
 * fetch it (it took the lock), 2 when another one is fetching it.  The
 * lock expires, so a process that dies fetching it holds no one up for
 * long. */
static int redis_robots_get(struct crawl_store *s, const char *origin, long *status, char **body,
                            size_t *len)
{
	struct redis_store *r = of(s);
	char *key = NULL, *lock = NULL;
	const char *argv[6];
	redisReply *reply;
	int found = 0;

	if (!ensure_connected(r))
		return 2;
	if (asprintf(&key, "%s:robots:%s", r->cfg->key_prefix, origin) < 0)
		return 0;
	argv[0] = "GET";
	argv[1] = key;
	reply = command(r, "reading a robots.txt", 2, argv, NULL);
	free(key);
	if (reply && reply->type == REDIS_REPLY_STRING) {
		char *nl = memchr(reply->str, '\n', reply->len);
		if (nl && (*body = malloc(reply->len + 1)) != NULL) {
			*status = atol(reply->str);
			*len = reply->len - (size_t)(nl + 1 - reply->str);
			memcpy(*body, nl + 1, *len);
			(*body)[*len] = '\0';
			found = 1;
		}
	}
	if (reply)
		freeReplyObject(reply);
	if (found || asprintf(&lock, "%s:robots_lock:%s", r->cfg->key_prefix, origin) < 0)
		return found;
	argv[0] = "SET";
	argv[1] = lock;
	argv[2] = "1";
	argv[3] = "NX";
	argv[4] = "EX";
	argv[5] = ROBOTS_LOCK_S;
	reply = command(r, "locking a robots.txt", 6, argv, NULL);
	free(lock);
	if (!reply)
		return 2;
	found = reply->type == REDIS_REPLY_NIL ? 2 : 0;
	freeReplyObject(reply);
	return found;
}

static int redis_robots_put(struct crawl_store *s, const char *origin, long status, const char *body,
                            size_t len, int64_t crawl_delay_ns)
{
	struct redis_store *r = of(s);
	struct buf value = { 0 };
	char *key = NULL, *delay_key = NULL, ms[24];
	const char *argv[5];
	size_t lens[5];
	redisReply *reply;

	if (!ensure_connected(r))
		return 0;
	buf_printf(&value, "%ld\n", status);
	buf_append(&value, body, len);
	if (value.oom || asprintf(&key, "%s:robots:%s", r->cfg->key_prefix, origin) < 0) {
		buf_free(&value);
		return 0;
	}
	argv[0] = "SET"; lens[0] = 3;
	argv[1] = key; lens[1] = strlen(key);
	argv[2] = value.data; lens[2] = value.len;
	argv[3] = "EX"; lens[3] = 2;
	argv[4] = "86400"; lens[4] = 5;
	if ((reply = command(r, "keeping a robots.txt", 5, argv, lens)) != NULL)
		freeReplyObject(reply);
	if (crawl_delay_ns > 0 && asprintf(&delay_key, "%s:delay", r->cfg->key_prefix) >= 0) {
		snprintf(ms, sizeof ms, "%lld", (long long)(crawl_delay_ns / 1000000));
		argv[0] = "HSET"; lens[0] = 4;
		argv[1] = delay_key; lens[1] = strlen(delay_key);
		argv[2] = origin; lens[2] = strlen(origin);
		argv[3] = ms; lens[3] = strlen(ms);
		if ((reply = command(r, "keeping a Crawl-delay", 4, argv, lens)) != NULL)
			freeReplyObject(reply);
	}
	free(delay_key);
	free(key);
	buf_free(&value);
	return 0;
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
	if (r->c && (r->acks.len || r->items.len))
		redis_commit(s);
	clear_window(r);
	free(r->returned);
	free(r->held);
	buf_free(&r->acks);
	buf_free(&r->items);
	if (r->c)
		redisFree(r->c);
	free(r);
}

static const struct crawl_store_ops redis_ops = {
	.mark_seen = redis_mark_seen,
	.push = redis_push,
	.pop = redis_pop,
	.done = redis_done,
	.refused = redis_refused,
	.adopt = redis_adopt,
	.commit = redis_commit,
	.close = redis_close,
	.offer = redis_offer,
	.finished = redis_finished,
	.release = redis_release,
	.robots_get = redis_robots_get,
	.robots_put = redis_robots_put,
};

struct crawl_store *crawl_store_redis(const struct job *job, char *err, size_t errlen)
{
	struct redis_store *r = calloc(1, sizeof *r);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base.ops = &redis_ops;
	r->base.shared = 1;
	r->cfg = &job->frontier;
	r->max_pages = job->crawl.max_pages;
	r->delay_ms = job->per_host.delay_ns / 1000000;
	r->concurrency = job->per_host.concurrency;
	r->window_want = job->workers > WINDOW_MAX ? WINDOW_MAX : job->workers > 0 ? (size_t)job->workers : 1;
	r->base.lookahead = r->window_want;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->retry_ms = POLL_MS;
	r->seeds_waiting = 1;       /* look once at the start */
	if (connect_server(r) < 0) {
		snprintf(err, errlen, "%s", r->base.error);
		redis_close(&r->base);
		return NULL;
	}
	return &r->base;
}
