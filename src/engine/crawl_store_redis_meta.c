/* SPDX-License-Identifier: MIT */
/*
 * What the processes of a shared crawl share besides the queue: the
 * crawl's identity, so a key prefix holding another crawl is refused
 * before anything is fetched, and robots.txt answers, fetched by one
 * process per host under a short lock and kept for RFC 9309's 24 hours
 * with their Crawl-delay.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crawl_store_redis_lua.h"
#include "engine/crawl_store_redis_private.h"

/* A process fetching a host's robots.txt holds the others back this long
 * at most (seconds). */
#define ROBOTS_LOCK_S "15"

int crawl_redis_adopt(struct crawl_store *s, const struct crawl_identity *id)
{
	struct redis_store *r = of(s);
	char digest[32], count[24];
	const char *argv[] = { "EVALSHA", redis_conn_sha(r->conn, CRAWL_REDIS_ADOPT), "1", r->cfg->key_prefix,
	                       "seeds_digest", digest, "seed_count", count, "first_seed", id->first_seed,
	                       "scope", id->scope, "made_by", PACKAGE_STRING };
	redisReply *reply;
	const char *theirs_scope = NULL, *theirs_digest = NULL, *theirs_first = NULL;
	size_t i;
	int rc = 0;

	snprintf(digest, sizeof digest, "%016" PRIx64, id->seeds_digest);
	snprintf(count, sizeof count, "%lld", (long long)id->seed_count);
	if (!(reply = crawl_redis_script(r, 14, argv, NULL)))
		return -1;
	if (reply->type != REDIS_REPLY_ARRAY) {
		rc = crawl_redis_failure(r, "cannot read the crawl's identity",
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
int crawl_redis_robots_get(struct crawl_store *s, const char *origin, long *status, char **body,
                            size_t *len)
{
	struct redis_store *r = of(s);
	char *key = NULL, *lock = NULL;
	const char *argv[6];
	redisReply *reply;
	int found = 0;

	if (!redis_conn_ready(r->conn))
		return 2;
	if (asprintf(&key, "%s:robots:%s", r->cfg->key_prefix, origin) < 0)
		return 0;
	argv[0] = "GET";
	argv[1] = key;
	reply = crawl_redis_command(r, "reading a robots.txt", 2, argv, NULL);
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
	reply = crawl_redis_command(r, "locking a robots.txt", 6, argv, NULL);
	free(lock);
	if (!reply)
		return 2;
	found = reply->type == REDIS_REPLY_NIL ? 2 : 0;
	freeReplyObject(reply);
	return found;
}

int crawl_redis_robots_put(struct crawl_store *s, const char *origin, long status, const char *body,
                            size_t len, int64_t crawl_delay_ns)
{
	struct redis_store *r = of(s);
	struct buf value = { 0 };
	char *key = NULL, *delay_key = NULL, ms[24];
	const char *argv[5];
	size_t lens[5];
	redisReply *reply;

	if (!redis_conn_ready(r->conn))
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
	if ((reply = crawl_redis_command(r, "keeping a robots.txt", 5, argv, lens)) != NULL)
		freeReplyObject(reply);
	if (crawl_delay_ns > 0 && asprintf(&delay_key, "%s:delay", r->cfg->key_prefix) >= 0) {
		snprintf(ms, sizeof ms, "%lld", (long long)(crawl_delay_ns / 1000000));
		argv[0] = "HSET"; lens[0] = 4;
		argv[1] = delay_key; lens[1] = strlen(delay_key);
		argv[2] = origin; lens[2] = strlen(origin);
		argv[3] = ms; lens[3] = strlen(ms);
		if ((reply = crawl_redis_command(r, "keeping a Crawl-delay", 4, argv, lens)) != NULL)
			freeReplyObject(reply);
	}
	free(delay_key);
	free(key);
	buf_free(&value);
	return 0;
}

