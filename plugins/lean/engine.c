/* SPDX-License-Identifier: MIT */
/*
 * The lean engine's event loop, the same over every I/O layer.  Each
 * transfer place (a xfer) takes a request from the core, an idle
 * connection to its host or a new one, sends the request's bytes
 * (serialised once per distinct URL and kept in a small cache) and feeds
 * what comes back to the HTTP reader.  Timeouts are checked only when the
 * earliest deadline is due.  A reused connection that turns out closed
 * before any byte of the answer gets the request again on a new one, once,
 * as libcurl does, so a server's idle close is no failure.  https runs
 * through tls.c between this and the layer: the hooks are marked "TLS".
 * The connections and their pools are in pool.c.
 * With `pipeline` above 1 a connection carries a FIFO of transfers: the
 * head one receives, the ones behind it have been sent ("PIPELINE").  Only
 * GETs and HEADs without a body go behind another, and only on a
 * connection that already gave a keep-alive answer; when it breaks, the
 * ones not answered get their request again elsewhere, once.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "engine_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

/* ---- transfers ---- */

static void finish(struct lean_loop *loop, struct xfer *x, enum scrape_error_class error);
static int resend(struct lean_loop *loop, struct xfer *x);
static int tls_context(struct lean_loop *loop, const struct scrape_request_view *view);

static enum scrape_error_class class_of_errno(int err, int connecting)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
		return SCRAPE_ERR_NO_DESCRIPTORS;
	case ETIMEDOUT:
		return SCRAPE_ERR_TIMEOUT;
	case ENOMEM:
	case ENOBUFS:
		return SCRAPE_ERR_OUT_OF_MEMORY;
	default:
		return connecting ? SCRAPE_ERR_CONNECT : SCRAPE_ERR_RESET;
	}
}

static void send_request(struct lean_loop *loop, struct xfer *x)
{
	struct conn *c = x->conn;
	int rc;

	if (!c->tls && c->io.out) {
		/* PIPELINE: the layer still sends the requests before it; it goes
		 * with the others that wait once that is done (TLS buffers) */
		if (!c->unsent)
			c->unsent = x;
		return;
	}
	if (!c->tls) {
		rc = loop->ops->send(loop->io, &c->io, x->request->data, x->request->len);
	} else if (lean_tls_write(c->tls, x->request->data, x->request->len) == 0) {
		/* TLS: the request goes through OpenSSL, then out */
		rc = lean_tls_flush(c->tls, loop->ops, loop->io, &c->io);
	} else {
		finish(loop, x, SCRAPE_ERR_TLS);
		return;
	}
	if (rc < 0) {
		if (resend(loop, x) < 0)
			finish(loop, x, class_of_errno(-rc, 0));
		return;
	}
	x->bytes_out += x->request->len;
}

static void conn_break(struct lean_loop *loop, struct conn *c, struct xfer *except,
                       enum scrape_error_class error);

/* PIPELINE: the requests that waited for c's previous send, in one. */
static void send_unsent(struct lean_loop *loop, struct conn *c)
{
	struct xfer *y;
	int rc = 0;

	c->batch.len = 0;
	for (y = c->unsent; y && rc == 0; y = y->behind)
		rc = lean_buf_add(&c->batch, y->request->data, y->request->len);
	if (rc == 0)
		rc = loop->ops->send(loop->io, &c->io, c->batch.data, c->batch.len);
	if (rc < 0) {
		conn_break(loop, c, NULL, class_of_errno(-rc, 0));
		return;
	}
	for (y = c->unsent; y; y = y->behind)
		y->bytes_out += y->request->len;
	c->unsent = NULL;
}

/* A new connection for x; 0, or -1 after finishing x. */
static int open_conn(struct lean_loop *loop, struct xfer *x)
{
	struct conn *c;
	int rc;

	if (loop->open_conns >= loop->slots)
		evict_one(loop);
	if (!(c = loop->free_conns)) {
		finish(loop, x, SCRAPE_ERR_NO_DESCRIPTORS);
		return -1;
	}
	rc = loop->ops->connect(loop->io, &c->io, (const struct sockaddr *)&x->pool->addr, x->pool->addr_len);
	if (rc < 0) {
		finish(loop, x, class_of_errno(-rc, 1));
		return -1;
	}
	loop->free_conns = c->next;
	c->next = NULL;
	loop->open_conns++;
	c->pool = x->pool;
	c->xfer = c->tail = x;
	c->depth = 1;
	x->behind = NULL;
	c->served = 0;
	c->opened_ns = now_ns();
	x->conn = c;
	x->new_connection = 1;
	return 0;
}

/* PIPELINE: whether x may go behind other requests: one that asks for
 * keep-alive, without a body, and idempotent, so that it can be sent again
 * when the connection breaks before its answer. */
static int pipelinable(const struct lean_loop *loop, const struct xfer *x)
{
	const struct scrape_request_view *v = x->view;

	return loop->pipeline > 1 && v->keepalive && !v->body &&
	       (strcmp(v->method, "GET") == 0 || strcmp(v->method, "HEAD") == 0);
}

/* PIPELINE: a busy connection of x's pool with room behind, young enough. */
static struct conn *take_busy(struct lean_loop *loop, struct xfer *x, int64_t now)
{
	int64_t max_age = x->view->connection_max_age_ns;
	struct conn *c;

	for (c = x->pool->busy; c; c = c->next)
		if (c->depth < loop->pipeline && !(max_age && now - c->opened_ns > max_age))
			return c;
	return NULL;
}

/* Puts x on a connection: behind the requests of one that proved
 * keep-alive (PIPELINE), else an idle one, both at once, else a new one
 * once up.  Filling connections before taking idle ones is what pipelining
 * is asked for: fewer connections. */
static void attach(struct lean_loop *loop, struct xfer *x)
{
	int64_t now = now_ns();
	int pipe = pipelinable(loop, x);
	struct conn *c = pipe ? take_busy(loop, x, now) : NULL;

	x->behind = NULL;
	if (c) {
		c->tail->behind = x;
		c->tail = x;
		c->depth++;
		x->conn = c;
		send_request(loop, x);
		return;
	}
	c = x->view->keepalive ? take_idle(loop, x->pool, x->view, now) : NULL;
	if (!c) {
		open_conn(loop, x);
		return;
	}
	c->xfer = c->tail = x;
	c->depth = 1;
	x->conn = c;
	/* it was idle, so its last answer kept it alive: others may follow */
	if (pipe)
		busy_link(c);
	send_request(loop, x);
}

static void track_deadline(struct lean_loop *loop, struct xfer *x)
{
	const struct scrape_request_view *v = x->view;

	x->deadline_ns = v->timeout_ns > 0 ? x->start_ns + v->timeout_ns : NO_DEADLINE;
	x->connect_deadline_ns = v->connect_timeout_ns > 0 ? x->start_ns + v->connect_timeout_ns : NO_DEADLINE;
	if (x->connect_deadline_ns < loop->next_deadline)
		loop->next_deadline = x->connect_deadline_ns;
	if (x->deadline_ns < loop->next_deadline)
		loop->next_deadline = x->deadline_ns;
}

static void start(struct lean_loop *loop, struct scrape_request *req)
{
	const struct scrape_request_view *view = loop->host->request_view(loop->run, req);
	struct xfer *x;

	if (!view)
		return;
	x = loop->free_xfers;
	loop->free_xfers = x->next_free;
	x->req = req;
	x->view = view;
	x->conn = NULL;
	x->start_ns = now_ns();
	x->connect_ns = x->tls_ns = x->first_byte_ns = 0;
	x->new_connection = x->resent = 0;
	x->bytes_out = 0;
	x->busy_index = loop->busy_count;
	loop->busy[loop->busy_count++] = x;
	http_response_begin(&x->resp, view->wants, view->max_body, strcmp(view->method, "HEAD") == 0);
	track_deadline(loop, x);
	x->cached = NULL;
	if (!(x->pool = pool_of(loop, view)) || request_bytes(loop, x) < 0) {
		finish(loop, x, SCRAPE_ERR_OUT_OF_MEMORY);
		return;
	}
	if (x->pool->resolve_error) {
		finish(loop, x, SCRAPE_ERR_DNS);
		return;
	}
	if (x->pool->tls && tls_context(loop, view) < 0) {
		finish(loop, x, SCRAPE_ERR_TLS);
		return;
	}
	attach(loop, x);
}

/* PIPELINE: y, sent on a connection that closed before its answer began,
 * goes again on a new connection (once, like a resend: a server that
 * closes after some answers gets it as its first) or fails with error. */
static void rescue(struct lean_loop *loop, struct xfer *y, enum scrape_error_class error)
{
	if (loop->aborting) {
		finish(loop, y, SCRAPE_ERR_INTERRUPTED);
		return;
	}
	if (y->resent || y->resp.started) {
		finish(loop, y, error);
		return;
	}
	/* one that never left (it waited for a send) has not used its resend */
	y->resent = y->bytes_out > 0;
	y->bytes_out = 0;
	y->first_byte_ns = 0;
	http_response_begin(&y->resp, y->view->wants, y->view->max_body, y->resp.head);
	open_conn(loop, y);
}

/* Closes c; the transfers it carried, but for except, are rescued. */
static void conn_break(struct lean_loop *loop, struct conn *c, struct xfer *except,
                       enum scrape_error_class error)
{
	struct xfer *list = c->xfer, *y;

	conn_close(loop, c);
	while ((y = list) != NULL) {
		list = y->behind;
		y->behind = NULL;
		y->conn = NULL;
		if (y != except)
			rescue(loop, y, error);
	}
}

/* Where x's connection goes once its response is settled. */
static void settle_conn(struct lean_loop *loop, struct xfer *x, enum scrape_error_class error, int64_t now)
{
	struct conn *c = x->conn;

	if (!c)
		return;
	if (c->xfer != x) {
		/* PIPELINE: ended behind the head (its timeout): its answer
		 * would still come, so the connection goes and the others too */
		conn_break(loop, c, x, SCRAPE_ERR_RESET);
		return;
	}
	x->conn = NULL;
	c->served++;
	c->xfer = x->behind;
	x->behind = NULL;
	if (c->xfer) {
		/* PIPELINE: the next answer is on its way, unless this one ends
		 * the connection; bytes past it (trailing) are the next's */
		c->depth--;
		if (!error && x->resp.complete && x->resp.keep_alive && x->view->keepalive)
			busy_link(c);
		else
			conn_break(loop, c, NULL, error ? SCRAPE_ERR_RESET : SCRAPE_ERR_EMPTY_REPLY);
		return;
	}
	/* a server that answered before the request was all sent (a 413, an
	 * early error) leaves the rest of it in flight: that connection is
	 * closed, which also stops the send before its bytes are reused */
	if (!error && !c->io.out && http_response_reusable(&x->resp) && x->view->keepalive &&
	    !(x->view->connection_max_age_ns && now - c->opened_ns > x->view->connection_max_age_ns) &&
	    (!c->tls || lean_tls_quiet(c->tls)))
		conn_idle(loop, c, now);
	else
		conn_close(loop, c);
}

static void finish(struct lean_loop *loop, struct xfer *x, enum scrape_error_class error)
{
	struct scrape_outcome o = { .size = sizeof o };
	struct scrape_request *req = x->req;
	int64_t now = now_ns();
	unsigned i;

	o.status = x->resp.status;
	o.headers = http_response_headers(&x->resp, &o.header_count);
	o.content_type = http_response_content_type(&x->resp);
	o.location = http_response_location(&x->resp);
	if (x->resp.wants & SCRAPE_WANT_BODY) {
		o.body = (const unsigned char *)(x->resp.body.data ? x->resp.body.data : "");
		o.body_len = x->resp.body.len;
	}
	o.body_bytes = x->resp.body_bytes;
	o.error = error;
	o.connect_ns = x->connect_ns;
	o.tls_ns = x->tls_ns;
	o.first_byte_ns = x->first_byte_ns;
	o.total_ns = now - x->start_ns;
	o.bytes_in = x->resp.bytes_in;
	o.bytes_out = x->bytes_out;
	o.new_connection = x->new_connection;
	settle_conn(loop, x, error, now);
	i = x->busy_index;          /* after settle_conn: a rescue may end others */
	if (x->cached)
		x->cached->users--;
	x->cached = NULL;
	loop->busy[i] = loop->busy[--loop->busy_count];
	loop->busy[i]->busy_index = i;
	x->req = NULL;
	x->next_free = loop->free_xfers;
	loop->free_xfers = x;
	/* the outcome points into x's buffers, untouched until x is reused */
	loop->host->complete(loop->run, req, &o);
}

/* A reused connection the server had closed: the request again on a new
 * one, once (and those sent behind it too).  0 if resent. */
static int resend(struct lean_loop *loop, struct xfer *x)
{
	struct conn *c = x->conn;

	if (!c || c->served == 0 || x->resent || x->resp.started || loop->aborting)
		return -1;
	conn_break(loop, c, x, SCRAPE_ERR_RESET);
	x->resent = 1;
	x->bytes_out = 0;
	http_response_begin(&x->resp, x->view->wants, x->view->max_body, x->resp.head);
	open_conn(loop, x);
	return 0;
}

/* ---- TLS ---- */

/* The loop's TLS context, made from the job's TLS keys on the first https
 * request; 0, or -1 (logged once) when they cannot be used. */
static int tls_context(struct lean_loop *loop, const struct scrape_request_view *view)
{
	char why[300];

	if (loop->tls || loop->tls_failed)
		return loop->tls ? 0 : -1;
	if (!(loop->tls = lean_tls_ctx_new(view, why, sizeof why))) {
		loop->host->log(SCRAPE_LOG_ERROR, "lean: %s", why);
		loop->tls_failed = 1;
		return -1;
	}
	return 0;
}

/* A handshake that failed: the first of a host says why. */
static void tls_failed(struct lean_loop *loop, struct xfer *x)
{
	struct pool *pool = x->pool;

	if (!pool->tls_warned) {
		pool->tls_warned = 1;
		loop->host->log(SCRAPE_LOG_WARNING, "lean: TLS with %s port %u failed: %s", x->view->host,
		                x->view->port, lean_tls_why(x->conn->tls));
	}
	finish(loop, x, SCRAPE_ERR_TLS);
}

/* Moves the handshake of x's connection on; the request goes once it is
 * over. */
static void tls_handshake(struct lean_loop *loop, struct conn *c, struct xfer *x)
{
	int rc;

	switch (lean_tls_handshake(c->tls)) {
	case LEAN_TLS_FAILED:
		tls_failed(loop, x);
		return;
	case LEAN_TLS_DONE:
		x->tls_ns = now_ns() - x->start_ns;
		send_request(loop, x);   /* the handshake's last flight goes with it */
		return;
	case LEAN_TLS_AGAIN:
		break;
	}
	rc = lean_tls_flush(c->tls, loop->ops, loop->io, &c->io);
	if (rc < 0)
		finish(loop, x, class_of_errno(-rc, 1));
}

static void take_bytes(struct lean_loop *loop, struct conn *c, const char *data, ssize_t n);

/* Ciphertext that arrived on c: the handshake's, or a response's, whose
 * plaintext goes to take_bytes record by record; close_notify reads as the
 * end of the connection.  Stops once the response is over or the
 * connection gone. */
static void tls_received(struct lean_loop *loop, struct conn *c, const char *data, size_t len)
{
	struct xfer *x = c->xfer;
	struct lean_tls *t = c->tls;
	int rc;

	if (lean_tls_received(t, data, len) < 0) {
		take_bytes(loop, c, NULL, -ENOMEM);
		return;
	}
	if (x && !lean_tls_ready(t)) {
		tls_handshake(loop, c, x);
		return;
	}
	for (;;) {
		const char *plain = NULL;
		ssize_t n = lean_tls_read(t, &plain);

		if (n == 0)
			break;
		if (n == -2 && (x = c->xfer) != NULL) {
			if (resend(loop, x) < 0)
				finish(loop, x, SCRAPE_ERR_TLS);
			return;
		}
		take_bytes(loop, c, plain, n > 0 ? n : 0);
		/* PIPELINE: the next transfer on c reads on */
		if (n < 0 || c->tls != t || !c->xfer)
			return;
	}
	/* what OpenSSL answered meanwhile (a key update) */
	rc = lean_tls_flush(t, loop->ops, loop->io, &c->io);
	if (rc < 0)
		take_bytes(loop, c, NULL, rc);
}

/* ---- I/O events ---- */

static void on_connected(void *ctx, struct io_conn *ioc, int err)
{
	struct lean_loop *loop = ctx;
	struct conn *c = (struct conn *)ioc;
	struct xfer *x = c->xfer;

	if (err) {
		finish(loop, x, class_of_errno(err, 1));
		return;
	}
	x->connect_ns = now_ns() - x->start_ns;
	if (c->pool->tls) {
		/* TLS: the handshake comes first */
		if (!(c->tls = lean_tls_new(loop->tls, c->pool->tls))) {
			finish(loop, x, SCRAPE_ERR_OUT_OF_MEMORY);
			return;
		}
		tls_handshake(loop, c, x);
		return;
	}
	send_request(loop, x);
}

static void on_sent(void *ctx, struct io_conn *ioc, int err)
{
	struct lean_loop *loop = ctx;
	struct conn *c = (struct conn *)ioc;
	struct xfer *x = c->xfer;

	/* TLS: what OpenSSL added meanwhile goes next */
	if (c->tls && !err) {
		int rc = lean_tls_sent(c->tls, loop->ops, loop->io, ioc);
		if (rc >= 0)
			return;
		err = -rc;
	}
	if (!err) {
		if (c->unsent)
			send_unsent(loop, c);
		return;
	}
	if (!x) {
		idle_unlink(loop, c);
		conn_close(loop, c);
	} else if (resend(loop, x) < 0) {
		finish(loop, x, class_of_errno(err, 0));
	}
}

/* Bytes of the response c carries (plaintext), or its end: n 0, the peer
 * closed; < 0, -errno. */
static void take_bytes(struct lean_loop *loop, struct conn *c, const char *data, ssize_t n)
{
	struct xfer *x = c->xfer;

	if (!x) {
		/* an idle connection closed, or talking out of turn: gone */
		idle_unlink(loop, c);
		conn_close(loop, c);
		return;
	}
	if (n <= 0 && resend(loop, x) == 0)
		return;
	if (n < 0) {
		finish(loop, x, class_of_errno((int)-n, 0));
		return;
	}
	for (;;) {
		uint32_t generation = c->io.generation;
		size_t used;

		if (!x->first_byte_ns && n > 0)
			x->first_byte_ns = now_ns() - x->start_ns;
		switch (http_response_feed(&x->resp, data, (size_t)n)) {
		case HTTP_DONE:
			used = x->resp.used;
			finish(loop, x, SCRAPE_ERR_NONE);
			break;
		case HTTP_FAILED:
			finish(loop, x, x->resp.error);
			return;
		case HTTP_MORE:
		default:
			return;
		}
		/* PIPELINE: bytes past the answer begin the next one's */
		if (n == 0 || used >= (size_t)n || c->io.generation != generation || !(x = c->xfer))
			return;
		data += used;
		n -= (ssize_t)used;
	}
}

static void on_received(void *ctx, struct io_conn *ioc, const char *data, ssize_t n)
{
	struct lean_loop *loop = ctx;
	struct conn *c = (struct conn *)ioc;

	if (c->tls && n > 0)
		tls_received(loop, c, data, (size_t)n);   /* TLS: decrypted first */
	else if (c->tls && !lean_tls_ready(c->tls))
		finish(loop, c->xfer, SCRAPE_ERR_TLS);    /* TLS: the handshake broke off */
	else
		take_bytes(loop, c, data, n);
}

/* ---- the loop ---- */

static void check_timeouts(struct lean_loop *loop)
{
	int64_t now = now_ns(), next = NO_DEADLINE;
	unsigned i;

	if (now < loop->next_deadline)
		return;
	for (i = loop->busy_count; i-- > 0;) {
		struct xfer *x;
		int64_t due;

		if (i >= loop->busy_count)
			continue;   /* a rescue ended more than one */
		x = loop->busy[i];
		due = x->deadline_ns;
		/* connecting includes the TLS handshake, as with libcurl */
		if (x->conn && (x->conn->io.connecting || (x->conn->tls && !lean_tls_ready(x->conn->tls))) &&
		    x->connect_deadline_ns < due)
			due = x->connect_deadline_ns;
		if (due <= now)
			finish(loop, x, SCRAPE_ERR_TIMEOUT);
		else if (due < next)
			next = due;
	}
	loop->next_deadline = next;
}

static void abort_all(struct lean_loop *loop)
{
	loop->aborting = 1;
	while (loop->busy_count > 0)
		finish(loop, loop->busy[loop->busy_count - 1], SCRAPE_ERR_INTERRUPTED);
}

/* Fills the free places; 1 once the core has nothing more.  *wake_ns is
 * when to ask again: the time next() named, -1 for "once a transfer
 * ends", or now after a batch of starts, so that a burst of thousands
 * (a closed model's first fill, an open model catching up) has its first
 * connections sending while the rest are still being opened. */
static int top_up(struct lean_loop *loop, int64_t *wake_ns)
{
	unsigned started = 0;

	*wake_ns = -1;
	while (loop->busy_count < loop->slots) {
		struct scrape_request *req;
		enum scrape_next next;

		if (started == START_BATCH) {
			*wake_ns = now_ns();
			return 0;
		}
		next = loop->host->next(loop->run, &req, wake_ns);
		if (next == SCRAPE_NEXT_DONE)
			return 1;
		if (next == SCRAPE_NEXT_WAIT)
			return 0;
		start(loop, req);
		started++;
	}
	return 0;
}

/*
 * The loop.  The open model's promise (SCRAPE_CAP_OPEN_MODEL) is kept
 * here: next() is asked on every turn that has a free place, the wait
 * ends at the time next() named (the layer's wait is precise to well
 * under a millisecond), and a READY request is started at once.  A loop
 * with nothing in flight that is told to wait for "a transfer to end"
 * waits for another loop's, which cannot wake it: it asks again within
 * PEER_CHECK_NS, so the end of a run or a retry is not a stop check late.
 * The thread's timer slack goes down to 1 ns for the same precision.
 */
int lean_loop_run(struct lean_loop *loop)
{
	/* the kernel may let a thread's timed wait run 50 us long to batch
	 * wake-ups; a schedule at 20k/s has starts 50 us apart */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (;;) {
		int64_t wake_ns, until, now;

		if (loop->host->stopping(loop->run)) {
			abort_all(loop);
			break;
		}
		if (top_up(loop, &wake_ns) && loop->busy_count == 0)
			break;
		now = now_ns();
		until = now + (wake_ns < 0 && loop->busy_count == 0 ? PEER_CHECK_NS : STOP_CHECK_NS);
		if (wake_ns >= 0 && wake_ns < until)
			until = wake_ns;
		if (loop->next_deadline < until)
			until = loop->next_deadline;
		if (loop->ops->wait(loop->io, until) < 0) {
			loop->host->log(SCRAPE_LOG_ERROR, "lean: %s: %s", loop->ops->name, strerror(errno));
			abort_all(loop);
			loop->failed = 1;
			break;
		}
		check_timeouts(loop);
	}
	return loop->failed ? -1 : 0;
}

struct lean_loop *lean_loop_new(const struct scrape_host *host, struct scrape_run *run,
                                const struct io_ops *ops, unsigned slots, unsigned pipeline)
{
	struct lean_loop *loop = calloc(1, sizeof *loop);
	struct io_events events = { .connected = on_connected, .sent = on_sent, .received = on_received };
	unsigned i;

	if (!loop)
		goto fail;
	loop->host = host;
	loop->run = run;
	loop->ops = ops;
	loop->slots = slots;
	loop->pipeline = pipeline;
	loop->next_deadline = NO_DEADLINE;
	loop->xfers = calloc(slots, sizeof *loop->xfers);
	loop->busy = calloc(slots, sizeof *loop->busy);
	loop->conns = calloc(slots, sizeof *loop->conns);
	events.ctx = loop;
	if (!loop->xfers || !loop->busy || !loop->conns || !(loop->io = ops->open(&events, slots)))
		goto fail;
	for (i = slots; i-- > 0;) {
		http_response_init(&loop->xfers[i].resp);
		loop->xfers[i].next_free = loop->free_xfers;
		loop->free_xfers = &loop->xfers[i];
		loop->conns[i].io.fd = -1;
		loop->conns[i].next = loop->free_conns;
		loop->free_conns = &loop->conns[i];
	}
	return loop;
fail:
	host->log(SCRAPE_LOG_ERROR, "lean: cannot set up the %s loop: %s", ops->name, strerror(errno));
	lean_loop_free(loop);
	return NULL;
}

void lean_loop_free(struct lean_loop *loop)
{
	size_t i;

	if (!loop)
		return;
	for (i = 0; loop->conns && i < loop->slots; i++) {
		if (loop->conns[i].io.fd >= 0)
			loop->ops->release(loop->io, &loop->conns[i].io);
		lean_tls_free(loop->conns[i].tls);
		lean_buf_free(&loop->conns[i].batch);
	}
	if (loop->io)
		loop->ops->close(loop->io);
	for (i = 0; loop->xfers && i < loop->slots; i++) {
		http_response_free(&loop->xfers[i].resp);
		lean_buf_free(&loop->xfers[i].own);
	}
	for (i = 0; i < POOL_BUCKETS; i++)
		while (loop->pools[i]) {
			struct pool *p = loop->pools[i];
			loop->pools[i] = p->next;
			lean_tls_peer_free(p->tls);
			free(p->key);
			free(p);
		}
	for (i = 0; i < CACHE_SIZE; i++) {
		free(loop->cache[i].url);
		lean_buf_free(&loop->cache[i].bytes);
	}
	lean_tls_ctx_free(loop->tls);
	free(loop->xfers);
	free(loop->busy);
	free(loop->conns);
	free(loop);
}
