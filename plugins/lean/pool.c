/* SPDX-License-Identifier: MIT */
/*
 * The lean engine's connections and the pools they live in: one pool per
 * address and port (and host name, for https), each with its idle
 * connections, most recently used first, and (PIPELINE) the busy ones
 * more requests may go behind; a host is resolved once, when its pool is
 * made.  Also the cache of serialised requests, one slot per URL hash.
 * Everything here runs on the loop's own thread.
 */
#define _GNU_SOURCE
#include "engine_private.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- connections ---- */

void idle_unlink(struct lean_loop *loop, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->pool->idle = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	loop->idle_conns--;
}

/* PIPELINE: c off its pool's list of connections with room behind. */
void busy_unlink(struct conn *c)
{
	if (!c->pipelining)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->pool->busy = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->pipelining = 0;
}

void busy_link(struct conn *c)
{
	if (c->pipelining)
		return;
	c->prev = NULL;
	c->next = c->pool->busy;
	if (c->next)
		c->next->prev = c;
	c->pool->busy = c;
	c->pipelining = 1;
}

void conn_close(struct lean_loop *loop, struct conn *c)
{
	busy_unlink(c);
	loop->ops->release(loop->io, &c->io);
	lean_tls_free(c->tls);      /* TLS: after release, its send is over */
	c->tls = NULL;
	loop->open_conns--;
	c->xfer = c->tail = c->unsent = NULL;
	c->depth = 0;
	c->pool = NULL;
	c->prev = NULL;
	c->next = loop->free_conns;
	loop->free_conns = c;
}

void conn_idle(struct lean_loop *loop, struct conn *c, int64_t now)
{
	busy_unlink(c);
	c->xfer = c->tail = NULL;
	c->depth = 0;
	c->idle_since_ns = now;
	c->prev = NULL;
	c->next = c->pool->idle;
	if (c->next)
		c->next->prev = c;
	c->pool->idle = c;
	loop->idle_conns++;
}

/* The most recently used idle connection of the pool still within the
 * job's age limits (older ones are closed on the way). */
struct conn *take_idle(struct lean_loop *loop, struct pool *pool,
                       const struct scrape_request_view *view, int64_t now)
{
	struct conn *c;

	while ((c = pool->idle) != NULL) {
		idle_unlink(loop, c);
		if ((view->connection_max_idle_ns && now - c->idle_since_ns > view->connection_max_idle_ns) ||
		    (view->connection_max_age_ns && now - c->opened_ns > view->connection_max_age_ns)) {
			conn_close(loop, c);
			continue;
		}
		return c;
	}
	return NULL;
}

/* At the connection limit: an idle connection of another host makes room. */
void evict_one(struct lean_loop *loop)
{
	size_t i;

	for (i = 0; i < POOL_BUCKETS && loop->idle_conns; i++) {
		struct pool *p;
		for (p = loop->pools[i]; p; p = p->next) {
			if (p->idle) {
				struct conn *c = p->idle;
				idle_unlink(loop, c);
				conn_close(loop, c);
				return;
			}
		}
	}
}

/* ---- hosts ---- */

static void resolve(struct pool *pool, const char *name, unsigned port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *pick, *a;
	char service[8];

	snprintf(service, sizeof service, "%u", port);
	if (getaddrinfo(name, service, &hints, &res) != 0) {
		pool->resolve_error = 1;
		return;
	}
	/* IPv4 first: what a loopback server listens on most often */
	for (pick = res, a = res; a; a = a->ai_next)
		if (a->ai_family == AF_INET) {
			pick = a;
			break;
		}
	memcpy(&pool->addr, pick->ai_addr, pick->ai_addrlen);
	pool->addr_len = pick->ai_addrlen;
	freeaddrinfo(res);
}

/* The pool of the view's address and port, made (and resolved) on first
 * use; NULL out of memory. */
struct pool *pool_of(struct lean_loop *loop, const struct scrape_request_view *view)
{
	const char *name = view->address ? view->address : view->host;
	int https = strcmp(view->scheme, "https") == 0;
	char key[320];
	struct pool *p;
	uint32_t bucket;

	/* TLS: a connection is to a host name as much as to an address */
	if (https)
		snprintf(key, sizeof key, "https|%s|%s|%u", view->host, name, view->port);
	else
		snprintf(key, sizeof key, "%s|%u", name, view->port);
	bucket = hash_of(key) % POOL_BUCKETS;
	for (p = loop->pools[bucket]; p; p = p->next)
		if (strcmp(p->key, key) == 0)
			return p;
	if (!(p = calloc(1, sizeof *p)) || !(p->key = strdup(key)) ||
	    (https && !(p->tls = lean_tls_peer_new(view->host)))) {
		if (p)
			free(p->key);
		free(p);
		return NULL;
	}
	resolve(p, name, view->port);
	p->next = loop->pools[bucket];
	loop->pools[bucket] = p;
	return p;
}

/* x's request bytes, serialised on the first request for its URL and
 * method and kept in the cache; a slot that another URL's transfer in
 * flight still sends from is left alone, and x gets bytes of its own.
 * 0, or -1 out of memory. */
int request_bytes(struct lean_loop *loop, struct xfer *x)
{
	const struct scrape_request_view *view = x->view;
	struct cached_request *e = &loop->cache[hash_of(view->url) % CACHE_SIZE];

	x->cached = NULL;
	if (!(e->url && strcmp(e->url, view->url) == 0 && strcmp(e->method, view->method) == 0)) {
		if (e->users > 0) {
			x->request = &x->own;
			return http_request_write(view, &x->own);
		}
		free(e->url);
		e->url = strdup(view->url);
		e->method = view->method;
		if (!e->url || http_request_write(view, &e->bytes) < 0) {
			free(e->url);
			e->url = NULL;
			return -1;
		}
	}
	e->users++;
	x->cached = e;
	x->request = &e->bytes;
	return 0;
}
