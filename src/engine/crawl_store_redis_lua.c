/* SPDX-License-Identifier: MIT */
/*
 * The Lua scripts of the shared crawl store, run by the Redis server so
 * that each step is atomic across the processes sharing a crawl.  Each
 * takes the key prefix P as KEYS[1] and builds its keys from it (so a
 * crawl lives on one server, not a cluster); times come from the server's
 * TIME.  crawl_store_redis.c says what each key holds.
 */
#include <config.h>

#include "engine/crawl_store_redis_lua.h"

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

const char *const crawl_redis_scripts[CRAWL_REDIS_SCRIPTS] = {
	[CRAWL_REDIS_OFFER] = OFFER,
	[CRAWL_REDIS_POP] = POP,
	[CRAWL_REDIS_ACK] = ACK,
	[CRAWL_REDIS_EXTEND] = EXTEND,
	[CRAWL_REDIS_ADOPT] = ADOPT,
	[CRAWL_REDIS_SEEDS] = SEEDS,
};
