/* SPDX-License-Identifier: MIT */
/*
 * What the lean engine's files share (engine.c, the loop and its
 * transfers; pool.c, the connections and the pools they live in): the
 * structures of a loop, and the pool's functions.  Not for the rest of
 * the plugin, which sees engine.h.
 */
#ifndef LEAN_ENGINE_PRIVATE_H
#define LEAN_ENGINE_PRIVATE_H

#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <scrape/plugin.h>

#include "http.h"
#include "io.h"
#include "tls.h"

#define POOL_BUCKETS 256
#define CACHE_SIZE 256
#define STOP_CHECK_NS 100000000   /* wake at least this often to see a stop */
#define PEER_CHECK_NS 1000000     /* idle, waiting on another loop's transfers */
#define START_BATCH 128           /* starts between looks at the I/O */
#define NO_DEADLINE INT64_MAX

struct pool;
struct xfer;

struct conn {
	struct io_conn io;          /* first: the layer's callbacks give this back */
	struct pool *pool;
	struct xfer *xfer;          /* the transfer receiving; NULL: idle or free */
	struct xfer *tail;          /* PIPELINE: the last one sent, xfer when alone */
	unsigned depth;             /* PIPELINE: transfers it carries */
	int pipelining;             /* PIPELINE: on its pool's busy list */
	struct xfer *unsent;        /* PIPELINE: the first waiting for the layer's send */
	struct lean_buf batch;      /* PIPELINE: their requests, sent as one */
	int64_t opened_ns, idle_since_ns;
	unsigned served;            /* responses it carried */
	struct lean_tls *tls;       /* TLS: made once the TCP connection is up */
	struct conn *prev, *next;   /* its pool's idle or busy list, or the free list */
};

/* Connections to one address and port (and, for https, one host name). */
struct pool {
	char *key;
	struct lean_tls_peer *tls;  /* TLS: https only */
	int tls_warned;             /* a failed handshake was logged */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int resolve_error;          /* the host did not resolve */
	struct conn *idle;
	struct conn *busy;          /* PIPELINE: connections more may go behind */
	struct pool *next;
};

struct cached_request {
	char *url;
	const char *method;
	struct lean_buf bytes;
	unsigned users;             /* transfers in flight sending these bytes */
};

struct xfer {
	struct scrape_request *req;
	const struct scrape_request_view *view;
	struct pool *pool;
	struct conn *conn;
	const struct lean_buf *request;
	struct cached_request *cached; /* where request lives, or NULL: in own */
	struct lean_buf own;         /* a request the cache could not take */
	struct http_response resp;
	int64_t start_ns, connect_ns, tls_ns, first_byte_ns, deadline_ns, connect_deadline_ns;
	int new_connection, resent;
	uint64_t bytes_out;
	unsigned busy_index;
	struct xfer *behind;         /* PIPELINE: the next one on its connection */
	struct xfer *next_free;
};

struct lean_loop {
	const struct scrape_host *host;
	struct scrape_run *run;
	const struct io_ops *ops;
	struct io_layer *io;
	unsigned slots;
	unsigned pipeline;          /* requests a connection carries at once */
	int aborting;               /* stopping: nothing is resent */
	struct xfer *xfers, *free_xfers, **busy;
	unsigned busy_count;
	struct conn *conns, *free_conns;
	unsigned open_conns, idle_conns;
	struct pool *pools[POOL_BUCKETS];
	struct cached_request cache[CACHE_SIZE];
	int64_t next_deadline;
	int failed;
	struct lean_tls_ctx *tls;   /* TLS: made for the first https request */
	int tls_failed;             /* TLS: the job's TLS keys cannot be used */
};

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline uint32_t hash_of(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* ---- pool.c: connections, hosts, the request cache ---- */

/* c off its pool's idle list (it was on it). */
void idle_unlink(struct lean_loop *loop, struct conn *c);
/* PIPELINE: c off, or on, its pool's list of connections with room behind. */
void busy_unlink(struct conn *c);
void busy_link(struct conn *c);
/* Closes c (the layer releases it, its TLS goes) and frees its place. */
void conn_close(struct lean_loop *loop, struct conn *c);
/* c, done with its transfers, waits in its pool's idle list from now. */
void conn_idle(struct lean_loop *loop, struct conn *c, int64_t now);
/* The most recently used idle connection of the pool still within the
 * job's age limits (older ones are closed on the way); NULL: none. */
struct conn *take_idle(struct lean_loop *loop, struct pool *pool,
                       const struct scrape_request_view *view, int64_t now);
/* At the connection limit: an idle connection of another host makes room. */
void evict_one(struct lean_loop *loop);
/* The pool of the view's address and port (and host name, for https),
 * made and resolved on first use; NULL out of memory. */
struct pool *pool_of(struct lean_loop *loop, const struct scrape_request_view *view);
/* x's request bytes, from the cache or its own; 0, or -1 out of memory. */
int request_bytes(struct lean_loop *loop, struct xfer *x);

#endif
