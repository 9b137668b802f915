/* SPDX-License-Identifier: MIT */
/*
 * The Redis connection (redis.h).  Outages are expected (a server
 * restart, a network blip), so after the first connection a failure only
 * drops the connection and schedules the next attempt: the caller waits,
 * its work stays batched, and the run goes on once the server is back.
 */
#include <config.h>

#include "util/redis.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

/* How long a connection attempt or a reply may take. */
#define IO_TIMEOUT_MS 2000
/* Reconnection: the first wait, doubled up to the last. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct redis_conn {
	struct redis_endpoint ep;
	const char *const *scripts;
	size_t script_count;
	char (*shas)[41];
	redisContext *c;
	int64_t reconnect_at_ns;    /* while disconnected: the next attempt */
	int64_t backoff_ms;
	int warned_down;
	char error[400];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct redis_conn *redis_conn_new(const struct redis_endpoint *ep, const char *const *scripts,
                                  size_t script_count)
{
	struct redis_conn *c = calloc(1, sizeof *c);

	if (!c || !(c->shas = calloc(script_count ? script_count : 1, sizeof *c->shas))) {
		free(c);
		return NULL;
	}
	c->ep = *ep;
	c->scripts = scripts;
	c->script_count = script_count;
	c->backoff_ms = BACKOFF_MIN_MS;
	return c;
}

void redis_conn_free(struct redis_conn *c)
{
	if (!c)
		return;
	if (c->c)
		redisFree(c->c);
	free(c->shas);
	free(c);
}

void redis_url_free(struct redis_url *url)
{
	free(url->host);
	free(url->user);
	free(url->password);
	memset(url, 0, sizeof *url);
}

struct redis_endpoint redis_url_endpoint(const struct redis_url *url)
{
	struct redis_endpoint ep = {
		.host = url->host, .port = url->port, .db = url->db,
		.user = url->user, .password = url->password,
	};
	return ep;
}

/* USER:PASSWORD or PASSWORD (before the '@') into url. */
static int split_userinfo(const char *p, size_t len, struct redis_url *url)
{
	const char *colon = memchr(p, ':', len);

	if (!colon)
		return (url->password = strndup(p, len)) ? 0 : -1;
	if (colon > p && !(url->user = strndup(p, (size_t)(colon - p))))
		return -1;
	return (url->password = strndup(colon + 1, len - (size_t)(colon + 1 - p))) ? 0 : -1;
}

static int url_refuse(struct redis_url *url, char *why, size_t len, const char *text,
                      const char *what)
{
	snprintf(why, len, "\"%s\" %s", text, what);
	redis_url_free(url);
	return -1;
}

int redis_url_parse(const char *text, struct redis_url *url, char *why, size_t why_len)
{
	const char *p = text, *at, *host, *end;
	long port = 6379, db = 0;

	memset(url, 0, sizeof *url);
	if (strncmp(p, "redis://", 8) != 0)
		return url_refuse(url, why, why_len, text, "is not a redis:// URL such as redis://127.0.0.1:6379/0");
	p += 8;
	at = strrchr(p, '@');
	if (at) {
		if (split_userinfo(p, (size_t)(at - p), url) < 0)
			return url_refuse(url, why, why_len, text, "cannot be read: out of memory");
		p = at + 1;
	}
	host = p;
	end = host + strcspn(host, ":/");
	if (end == host)
		return url_refuse(url, why, why_len, text, "names no host");
	p = end;
	if (*end == ':') {
		char *stop;
		port = strtol(end + 1, &stop, 10);
		if (stop == end + 1 || port < 1 || port > 65535 || (*stop && *stop != '/'))
			return url_refuse(url, why, why_len, text, "has a port that is not 1 to 65535");
		p = stop;
	}
	if (*p == '/' && p[1]) {
		char *stop;
		db = strtol(p + 1, &stop, 10);
		if (*stop || stop == p + 1 || db < 0 || db > 1000000)
			return url_refuse(url, why, why_len, text, "has a database that is not a number such as /0");
	}
	url->port = (int)port;
	url->db = (int)db;
	if (!(url->host = strndup(host, (size_t)(end - host))))
		return url_refuse(url, why, why_len, text, "cannot be read: out of memory");
	return 0;
}

const char *redis_conn_error(const struct redis_conn *c)
{
	return c->error;
}

const char *redis_conn_sha(const struct redis_conn *c, size_t i)
{
	return c->shas[i];
}

int redis_conn_fail(struct redis_conn *c, const char *what, const char *why)
{
	snprintf(c->error, sizeof c->error, "Redis at redis://%s:%d/%d: %s: %s", c->ep.host, c->ep.port,
	         c->ep.db, what, why);
	return -1;
}

static void drop(struct redis_conn *c)
{
	if (c->c)
		redisFree(c->c);
	c->c = NULL;
}

redisReply *redis_conn_command(struct redis_conn *c, const char *what, int argc, const char **argv,
                               const size_t *lens)
{
	redisReply *reply = c->c ? redisCommandArgv(c->c, argc, argv, lens) : NULL;

	if (!reply) {
		redis_conn_fail(c, what, c->c && c->c->errstr[0] ? c->c->errstr : "not connected");
		drop(c);
	}
	return reply;
}

/* A command whose error reply fails the connection attempt. */
static int setup_command(struct redis_conn *c, const char *what, int argc, const char **argv)
{
	redisReply *reply = redis_conn_command(c, what, argc, argv, NULL);

	if (!reply)
		return -1;
	if (reply->type == REDIS_REPLY_ERROR) {
		/* NOAUTH: a password is needed and none was given */
		redis_conn_fail(c, strncmp(reply->str, "NOAUTH", 6) == 0 ? "cannot log in" : what,
		                reply->str);
		freeReplyObject(reply);
		drop(c);
		return -1;
	}
	freeReplyObject(reply);
	return 0;
}

static int load_scripts(struct redis_conn *c)
{
	size_t i;

	for (i = 0; i < c->script_count; i++) {
		const char *argv[] = { "SCRIPT", "LOAD", c->scripts[i] };
		redisReply *reply = redis_conn_command(c, "cannot load a script", 3, argv, NULL);

		if (!reply)
			return -1;
		if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
			redis_conn_fail(c, "cannot load a script",
			                reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply");
			freeReplyObject(reply);
			drop(c);
			return -1;
		}
		memcpy(c->shas[i], reply->str, 41);
		freeReplyObject(reply);
	}
	return 0;
}

int redis_conn_open(struct redis_conn *c)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000 };
	char db[16];

	drop(c);
	c->c = redisConnectWithTimeout(c->ep.host, c->ep.port, tv);
	if (!c->c || c->c->err) {
		redis_conn_fail(c, "cannot connect", c->c ? c->c->errstr : "out of memory");
		drop(c);
		return -1;
	}
	redisSetTimeout(c->c, tv);
	if (c->ep.password) {
		const char *argv[] = { "AUTH", c->ep.user ? c->ep.user : c->ep.password, c->ep.password };
		if (setup_command(c, "cannot log in", c->ep.user ? 3 : 2, argv) < 0)
			return -1;
	}
	snprintf(db, sizeof db, "%d", c->ep.db);
	{
		const char *argv[] = { "SELECT", db };
		if (setup_command(c, "cannot select the database", 2, argv) < 0)
			return -1;
	}
	return load_scripts(c);
}

int redis_conn_ready(struct redis_conn *c)
{
	int64_t now = now_ns();

	if (c->c)
		return 1;
	if (now < c->reconnect_at_ns)
		return 0;
	if (redis_conn_open(c) == 0) {
		if (c->warned_down)
			log_warning("reconnected to Redis at redis://%s:%d/%d; going on", c->ep.host,
			            c->ep.port, c->ep.db);
		c->warned_down = 0;
		c->backoff_ms = BACKOFF_MIN_MS;
		return 1;
	}
	if (!c->warned_down)
		log_warning("%s; retrying", c->error);
	c->warned_down = 1;
	c->reconnect_at_ns = now + c->backoff_ms * 1000000;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
	return 0;
}

redisReply *redis_conn_script(struct redis_conn *c, int argc, const char **argv, const size_t *lens)
{
	redisReply *reply;

	if (!redis_conn_ready(c))
		return NULL;
	reply = redis_conn_command(c, "a script failed", argc, argv, lens);
	if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(reply);
		drop(c);
		c->reconnect_at_ns = 0;
		if (!redis_conn_ready(c))
			return NULL;
		reply = redis_conn_command(c, "a script failed", argc, argv, lens);
	}
	return reply;
}
