/* SPDX-License-Identifier: MIT */
/*
 * targetd: the local HTTP/1.1 target that scrape's tests, demo and
 * benchmarks aim at.  It binds only to loopback, answers a fixed set of
 * deterministic endpoints (sized bodies, exact-size HTML, a generated site
 * graph, redirects, echo, a cookie login, delays and transport faults) and records every
 * request it sees so a test can later ask what arrived, how often and in
 * which order.  It is a single-threaded libevent/evhttp program: every wait
 * is a timer, so one slow or stuck request never holds up the others, and
 * the per-request bookkeeping is kept cheap enough for benchmark load.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#define DEFAULT_SITE_SIZE 1000u
#define MAX_SITE_SIZE 10000000u
#define MAX_DELAY_MS 86400000u
#define MAX_BYTES (1ull << 30)
#define SINGLE_REPLY_BYTES (1u << 20)
#define STREAM_ROUND_BYTES (1u << 20)
#define MAX_HTML_BYTES (64u << 20)
#define MIN_HTML_BYTES 200u
#define MAX_DRIP_BYTES 1000000u
#define MAX_DRIP_MS 60000u
#define MAX_BODY_BYTES (16 << 20)
#define MAX_DISTINCT_PATHS 100000u
#define MAX_LOG_LINES 1000000u
#define RESET_DECLARED_BYTES 100000u
#define RESET_SENT_BYTES 1000u
#define RESET_ABORT_MS 50u
#define CLOSE_POLL_MS 500u
#define OTHER_PATHS "(other)"
#define MAX_SLOW_NAMES 64u
#define MAX_NAME_LEN 63u
#define MAX_BUSY_AFTER_S 100000000u
#define DEFAULT_CONTENT_TYPE "text/plain; charset=utf-8"

/* A multiple of 26 so that any slice keeps the 'a'..'z' phase. */
#define PATTERN_LEN (26 * 2520)

static char pattern[PATTERN_LEN];

struct path_count {
	char *key;
	size_t len;
	uint32_t hash;
	uint64_t count;
};

struct path_table {
	struct path_count *slots;
	size_t cap;
	size_t used;
	uint64_t total;
};

struct log_entry {
	uint64_t usec;
	char *target;
	const char *method;
};

struct arrival_log {
	struct log_entry *ring;
	size_t cap;
	size_t count;
	size_t oldest;
	uint64_t next_seq;
};

struct server {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *sigterm;
	struct event *sigint;
	char authority[64];
	const char *docroot;
	const char *robots;         /* --robots FILE, or NULL: the built-in one */
	unsigned port;
	unsigned max_conns;
	unsigned conns;
	bool listener_paused;
	struct timespec started;
	struct path_table paths;
	struct arrival_log log;
	uint64_t stall_until_us;	/* /_stall: requests before then wait */
	uint64_t stall_ms;
	struct slow_name {		/* /_slow: the delay of /slow/NAME */
		char name[MAX_NAME_LEN + 1];
		uint64_t ms;
	} slow[MAX_SLOW_NAMES];
	size_t slow_count;
};

enum pending_kind {
	PENDING_DELAY,
	PENDING_SEND,               /* a /page answer held for its ?delay= */
	PENDING_HANG,
	PENDING_CLOSE,
	PENDING_RESET,
	PENDING_DRIP,
	PENDING_STREAM,
};

/*
 * A request whose answer is not sent from the request callback.  It owns
 * the connection's close callback for as long as it lives, which is the
 * only way to learn that the client went away and free what we hold.
 */
struct pending {
	struct server *srv;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	enum pending_kind kind;
	const char *rest;
	const char *query;
	uint64_t delay_ms;
	uint64_t remaining;
	uint64_t offset;
	unsigned interval_ms;
	bool watching;
	struct event timer;
	struct event watch;
};

struct options {
	const char *host;
	const char *port_file;
	const char *docroot;
	const char *robots;
	unsigned port;
	unsigned max_conns;
	bool quiet;
};

static void route(struct server *srv, struct evhttp_request *req,
		  const char *path, const char *query);

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("targetd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static uint64_t usec_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000u +
	       (uint64_t)((now.tv_nsec - start->tv_nsec) / 1000);
}

/* Digits only, no sign, no overflow past max; *end gets the first non-digit. */
static bool parse_uint(const char *s, const char **end, uint64_t max,
		       uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return false;
	}
	if (p == s)
		return false;
	*end = p;
	*out = v;
	return true;
}

static bool parse_whole_uint(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;

	return parse_uint(s, &end, max, out) && *end == '\0';
}

static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "UNKNOWN";
}

static bool is_head(struct evhttp_request *req)
{
	return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

/* ------------------------------------------------------------------ */
/* replies                                                             */

static void set_header(struct evhttp_request *req, const char *key,
		       const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), key, value);
}

static void set_content_length(struct evhttp_request *req, uint64_t len)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, len);
	set_header(req, "Content-Length", num);
}

/*
 * evhttp appends the output buffer even to HEAD and 204/304 answers, so
 * the body has to be dropped here; HEAD still advertises the real length.
 */
static void send_output(struct evhttp_request *req, int code,
			const char *ctype)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	bool bodyless_code = code == 204 || code == 304;

	if (ctype && !bodyless_code)
		set_header(req, "Content-Type", ctype);
	if (is_head(req) && !bodyless_code)
		set_content_length(req, evbuffer_get_length(out));
	if (is_head(req) || bodyless_code)
		evbuffer_drain(out, evbuffer_get_length(out));
	evhttp_send_reply(req, code, NULL, NULL);
}

static void send_text(struct evhttp_request *req, int code, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

static void send_text(struct evhttp_request *req, int code, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(evhttp_request_get_output_buffer(req), fmt, ap);
	va_end(ap);
	send_output(req, code, "text/plain; charset=utf-8");
}

static void send_not_found(struct evhttp_request *req)
{
	send_text(req, 404, "not found\n");
}

static void send_bad_request(struct evhttp_request *req, const char *why)
{
	send_text(req, 400, "bad request: %s\n", why);
}

/* Zero-copy: every body byte points into the shared static pattern. */
static void add_pattern(struct evbuffer *buf, uint64_t offset, uint64_t n)
{
	while (n > 0) {
		size_t at = (size_t)(offset % PATTERN_LEN);
		size_t take = PATTERN_LEN - at;

		if (take > n)
			take = (size_t)n;
		evbuffer_add_reference(buf, pattern + at, take, NULL, NULL);
		offset += take;
		n -= take;
	}
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* Length of a valid UTF-8 sequence at p, or 0 if the bytes are not one. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (avail < need)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

/* Bytes that are not UTF-8 come out as \u00XX so the JSON stays valid. */
static void json_string(struct evbuffer *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;

	evbuffer_add(out, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t seq = 1;
		const char *esc = NULL;
		char hex[8];

		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20 || c == 0x7f)
			esc = hex;
		else if (c >= 0x80 && (seq = utf8_seq_len(p + i, n - i)) == 0)
			esc = hex;
		if (esc == hex)
			snprintf(hex, sizeof(hex), "\\u%04x", c);
		if (esc) {
			evbuffer_add(out, s + run, i - run);
			evbuffer_add(out, esc, strlen(esc));
			run = ++i;
			continue;
		}
		i += seq;
	}
	evbuffer_add(out, s + run, n - run);
	evbuffer_add(out, "\"", 1);
}

static void json_cstring(struct evbuffer *out, const char *s)
{
	json_string(out, s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* per-path counters                                                   */

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static struct path_count *probe(struct path_count *slots, size_t cap,
				const char *key, size_t len, uint32_t hash)
{
	size_t i = hash & (cap - 1);

	while (slots[i].key &&
	       !(slots[i].hash == hash && slots[i].len == len &&
		 memcmp(slots[i].key, key, len) == 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow_paths(struct path_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct path_count *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		die(1, "out of memory");
	for (size_t i = 0; i < t->cap; i++) {
		struct path_count *old = &t->slots[i];

		if (old->key)
			*probe(slots, cap, old->key, old->len, old->hash) = *old;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

static void count_path(struct path_table *t, const char *key, size_t len)
{
	uint32_t hash;
	struct path_count *slot;

	/* Keep the load under one half so probes stay short. */
	if ((t->used + 1) * 2 > t->cap)
		grow_paths(t);
	hash = fnv1a(key, len);
	slot = probe(t->slots, t->cap, key, len, hash);
	if (!slot->key) {
		/* Benchmarks can mint endless distinct URLs; bound the memory. */
		if (t->used >= MAX_DISTINCT_PATHS &&
		    !(len == strlen(OTHER_PATHS) &&
		      memcmp(key, OTHER_PATHS, len) == 0)) {
			count_path(t, OTHER_PATHS, strlen(OTHER_PATHS));
			return;
		}
		slot->key = malloc(len + 1);
		if (!slot->key)
			die(1, "out of memory");
		memcpy(slot->key, key, len);
		slot->key[len] = '\0';
		slot->len = len;
		slot->hash = hash;
		t->used++;
	}
	slot->count++;
	t->total++;
}

static uint64_t lookup_path(const struct path_table *t, const char *key)
{
	size_t len = strlen(key);

	if (!t->cap)
		return 0;
	return probe(t->slots, t->cap, key, len, fnv1a(key, len))->count;
}

static void clear_paths(struct path_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* arrival log                                                         */

static void log_arrival(struct arrival_log *log, uint64_t usec,
			const char *method, const char *target)
{
	struct log_entry *e;
	char *copy = strdup(target);

	if (!copy)
		die(1, "out of memory");
	if (log->count == log->cap && log->cap < MAX_LOG_LINES) {
		/* Still unwrapped here (oldest == 0), so realloc keeps order. */
		size_t cap = log->cap ? log->cap * 2 : 4096;
		struct log_entry *ring;

		if (cap > MAX_LOG_LINES)
			cap = MAX_LOG_LINES;
		ring = realloc(log->ring, cap * sizeof(*ring));
		if (!ring)
			die(1, "out of memory");
		log->ring = ring;
		log->cap = cap;
	}
	if (log->count == log->cap) {
		e = &log->ring[log->oldest];
		free(e->target);
		log->oldest = (log->oldest + 1) % log->cap;
	} else {
		e = &log->ring[(log->oldest + log->count) % log->cap];
		log->count++;
	}
	e->usec = usec;
	e->method = method;
	e->target = copy;
	log->next_seq++;
}

static void clear_log(struct arrival_log *log)
{
	for (size_t i = 0; i < log->count; i++)
		free(log->ring[(log->oldest + i) % log->cap].target);
	free(log->ring);
	memset(log, 0, sizeof(*log));
	log->next_seq = 1;
}

/* ------------------------------------------------------------------ */
/* pending requests: delays, faults and streamed bodies                */

static void on_pending_timer(evutil_socket_t fd, short what, void *arg);
static void on_watch(evutil_socket_t fd, short what, void *arg);

static void pending_release(struct pending *p)
{
	if (p->evcon)
		evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	event_del(&p->timer);
	if (p->watching)
		event_del(&p->watch);
	free(p);
}

/*
 * Called while evhttp tears the connection down.  If it was a client
 * disconnect, evhttp has already detached the request (we had not finished
 * it), so freeing it is our job; otherwise evhttp frees it right after.
 */
static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;

	(void)evcon;
	p->evcon = NULL;
	pending_release(p);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

static struct pending *pending_new(struct server *srv,
				   struct evhttp_request *req,
				   enum pending_kind kind)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (!p)
		die(1, "out of memory");
	p->srv = srv;
	p->req = req;
	p->kind = kind;
	p->evcon = evhttp_request_get_connection(req);
	evtimer_assign(&p->timer, srv->base, on_pending_timer, p);
	evhttp_connection_set_closecb(p->evcon, on_conn_close, p);
	return p;
}

static void arm_timer(struct pending *p, uint64_t ms)
{
	struct timeval tv = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_usec = (suseconds_t)(ms % 1000) * 1000,
	};

	evtimer_add(&p->timer, &tv);
}

static evutil_socket_t conn_fd(struct evhttp_connection *evcon)
{
	return bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
}

/*
 * evhttp stops reading a connection while the application holds its
 * request, so it would never notice the client leaving during a delay or
 * a hang.  Watch the socket ourselves until we start answering.
 */
static void watch_for_close(struct pending *p)
{
	event_assign(&p->watch, p->srv->base, conn_fd(p->evcon), EV_READ,
		     on_watch, p);
	event_add(&p->watch, NULL);
	p->watching = true;
}

static void stop_watching(struct pending *p)
{
	if (p->watching)
		event_del(&p->watch);
	p->watching = false;
}

/* evhttp_connection_free runs our close callback, which frees p. */
static void drop_connection(struct pending *p)
{
	struct evhttp_connection *evcon = p->evcon;

	stop_watching(p);
	evhttp_connection_free(evcon);
}

static void on_close_poll(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	(void)fd;
	(void)what;
	if (getsockopt(conn_fd(p->evcon), IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    ti.tcpi_state != TCP_ESTABLISHED)
		drop_connection(p);
}

/*
 * Queued request bytes hide a later EOF from a peek, and EV_CLOSED alone
 * would spin on a reset socket, so fall back to asking TCP for its state.
 */
static void poll_for_close(struct pending *p)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = CLOSE_POLL_MS * 1000 };

	event_assign(&p->watch, p->srv->base, -1, EV_PERSIST, on_close_poll, p);
	event_add(&p->watch, &tv);
}

static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	(void)what;
	if (n > 0) {
		/* A pipelined request is waiting for evhttp to read it. */
		poll_for_close(p);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR)) {
		event_add(&p->watch, NULL);
		return;
	}
	drop_connection(p);
}

/* Linux: connect(AF_UNSPEC) aborts a TCP socket with a RST and no FIN. */
static void abort_connection(struct pending *p)
{
	evutil_socket_t fd = conn_fd(p->evcon);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	connect(fd, &unspec, sizeof(unspec));
	drop_connection(p);
}

static void finish_chunked(struct pending *p)
{
	struct evhttp_request *req = p->req;

	pending_release(p);
	evhttp_send_reply_end(req);
}

static void on_delay_done(struct pending *p)
{
	struct server *srv = p->srv;
	struct evhttp_request *req = p->req;
	const char *rest = p->rest;
	const char *query = p->query;
	uint64_t ms = p->delay_ms;

	pending_release(p);
	if (rest)
		route(srv, req, rest, query);
	else
		send_text(req, 200, "delayed %" PRIu64 " ms\n", ms);
}

static void drip_one(struct pending *p)
{
	struct evbuffer *buf = evbuffer_new();

	add_pattern(buf, p->offset++, 1);
	evhttp_send_reply_chunk(p->req, buf);
	evbuffer_free(buf);
	if (--p->remaining == 0)
		finish_chunked(p);
	else
		arm_timer(p, p->interval_ms);
}

static void on_pending_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;

	(void)fd;
	(void)what;
	switch (p->kind) {
	case PENDING_DELAY:
		on_delay_done(p);
		break;
	case PENDING_SEND: {
		struct evhttp_request *req = p->req;

		pending_release(p);
		send_output(req, 200, "text/html; charset=utf-8");
		break;
	}
	case PENDING_CLOSE:
		drop_connection(p);
		break;
	case PENDING_RESET:
		abort_connection(p);
		break;
	case PENDING_DRIP:
		drip_one(p);
		break;
	case PENDING_HANG:
	case PENDING_STREAM:
		break;
	}
}

static void on_stream_written(struct evhttp_connection *evcon, void *arg);

/* Refill only once the socket drained the last round: memory stays flat. */
static void stream_next(struct pending *p)
{
	struct evbuffer *buf = evbuffer_new();
	uint64_t n = p->remaining;

	if (n > STREAM_ROUND_BYTES)
		n = STREAM_ROUND_BYTES;
	add_pattern(buf, p->offset, n);
	p->offset += n;
	p->remaining -= n;
	if (p->remaining == 0) {
		evhttp_send_reply_chunk(p->req, buf);
		finish_chunked(p);
	} else {
		evhttp_send_reply_chunk_with_cb(p->req, buf, on_stream_written,
						p);
	}
	evbuffer_free(buf);
}

static void on_stream_written(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	stream_next(arg);
}

static void on_reset_written(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	/* Give the client time to read the partial body before the RST. */
	arm_timer(arg, RESET_ABORT_MS);
}

/* ------------------------------------------------------------------ */
/* endpoints                                                           */

static void serve_delay(struct server *srv, struct evhttp_request *req,
			const char *arg, const char *query)
{
	const char *end;
	uint64_t ms;
	struct pending *p;

	if (!parse_uint(arg, &end, MAX_DELAY_MS, &ms) ||
	    (*end != '\0' && *end != '/')) {
		send_bad_request(req, "delay wants /delay/MS[/rest]");
		return;
	}
	p = pending_new(srv, req, PENDING_DELAY);
	p->delay_ms = ms;
	p->query = query;
	/* "/delay/MS/" with nothing after it is just "/delay/MS". */
	p->rest = (*end == '/' && end[1] != '\0') ? end : NULL;
	watch_for_close(p);
	arm_timer(p, ms);
}

static void serve_bytes(struct server *srv, struct evhttp_request *req,
			const char *arg)
{
	uint64_t n;
	struct pending *p;

	if (!parse_whole_uint(arg, MAX_BYTES, &n)) {
		send_bad_request(req, "bytes wants /bytes/N with N <= 1 GiB");
		return;
	}
	if (n <= SINGLE_REPLY_BYTES || is_head(req)) {
		if (is_head(req))
			set_content_length(req, n);
		else
			add_pattern(evhttp_request_get_output_buffer(req), 0, n);
		set_header(req, "Content-Type", "application/octet-stream");
		evhttp_send_reply(req, 200, NULL, NULL);
		return;
	}
	set_header(req, "Content-Type", "application/octet-stream");
	set_content_length(req, n);
	evhttp_send_reply_start(req, 200, NULL);
	p = pending_new(srv, req, PENDING_STREAM);
	p->remaining = n;
	stream_next(p);
}

static const char lorem[] =
	"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
	"eiusmod tempor incididunt ut labore et dolore magna aliqua. ";

static void fill_text(char *dst, size_t n)
{
	size_t period = sizeof(lorem) - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = lorem[i % period];
}

/* Paragraphs of filler; the last one shrinks so the total is exact. */
static void fill_paragraphs(char *dst, size_t n)
{
	const size_t para_text = 160, wrap = 8; /* "<p>" + "</p>\n" */

	while (n >= wrap) {
		size_t text = n - wrap > para_text ? para_text : n - wrap;

		/* Never leave a tail too short to be a paragraph of its own. */
		if (n - wrap - text > 0 && n - wrap - text < wrap)
			text = n - wrap;
		memcpy(dst, "<p>", 3);
		fill_text(dst + 3, text);
		memcpy(dst + 3 + text, "</p>\n", 5);
		dst += wrap + text;
		n -= wrap + text;
	}
	memset(dst, '\n', n);
}

static void free_block(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

static void serve_html(struct evhttp_request *req, const char *arg)
{
	static const char tail[] = "</body></html>";
	uint64_t n;
	char head[128];
	size_t hl, tl = sizeof(tail) - 1;
	char *doc;

	if (!parse_whole_uint(arg, MAX_HTML_BYTES, &n) || n < MIN_HTML_BYTES) {
		send_bad_request(req, "html wants /html/N with 200 <= N <= 64 MiB");
		return;
	}
	hl = (size_t)snprintf(head, sizeof(head),
			      "<!DOCTYPE html><html><head><title>Page of %" PRIu64
			      " bytes</title></head><body>",
			      n);
	doc = malloc((size_t)n);
	if (!doc)
		die(1, "out of memory");
	memcpy(doc, head, hl);
	fill_paragraphs(doc + hl, (size_t)n - hl - tl);
	memcpy(doc + n - tl, tail, tl);
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), doc,
			       (size_t)n, free_block, NULL);
	send_output(req, 200, "text/html; charset=utf-8");
}

static void serve_status(struct evhttp_request *req, const char *arg)
{
	uint64_t code;

	if (!parse_whole_uint(arg, 599, &code) || code < 200) {
		send_bad_request(req, "status wants /status/CODE, 200..599");
		return;
	}
	send_text(req, (int)code, "status %d\n", (int)code);
}

/* Returns the value of key in a query string, decoded, or NULL. */
static char *query_param(const char *query, const char *key)
{
	struct evkeyvalq params;
	const char *v;
	char *copy = NULL;

	if (!query)
		return NULL;
	TAILQ_INIT(&params);
	if (evhttp_parse_query_str(query, &params) == 0 &&
	    (v = evhttp_find_header(&params, key)) != NULL)
		copy = strdup(v);
	evhttp_clear_headers(&params);
	return copy;
}

static bool site_size(struct evhttp_request *req, const char *query,
		      uint64_t *size)
{
	char *s = query_param(query, "size");
	bool ok = true;

	*size = DEFAULT_SITE_SIZE;
	if (s)
		ok = parse_whole_uint(s, MAX_SITE_SIZE, size) && *size > 0;
	free(s);
	if (!ok)
		send_bad_request(req, "size wants 1..10000000");
	return ok;
}

static void page_link(struct evbuffer *out, const char *href_prefix,
		      uint64_t target, const char *suffix, const char *label)
{
	evbuffer_add_printf(out,
			    "<li><a href=\"%s%" PRIu64 "%s\">%s %" PRIu64
			    "</a></li>\n",
			    href_prefix, target, suffix, label, target);
}

/*
 * The site graph, page N of a site of S pages (N in 0..S-1):
 *   /page/(2N+1)%S, /page/(2N+2)%S, /page/(N+7)%S    root-relative links
 *   (N+1)%S                                           relative to /page/
 *   http://HOST:PORT/page/(N+S-1)%S                   absolute link
 *   /page/(N+3)%S#section                             link with a fragment
 *   /private/N                                        disallowed by robots
 * Links carry ?size=S whenever S is not the default 1000, so a crawl stays
 * inside the site it started in.  The (N+1) link makes every page
 * reachable from /page/0.
 */
static void serve_page(struct server *srv, struct evhttp_request *req,
		       const char *arg, const char *query)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	uint64_t n, s, delay = 0;
	char sfx[64] = "", frag[80], abs[96];
	char *d = query_param(query, "delay");

	if (d && !parse_whole_uint(d, MAX_DELAY_MS, &delay)) {
		free(d);
		send_bad_request(req, "delay wants milliseconds");
		return;
	}
	free(d);
	if (!site_size(req, query, &s))
		return;
	if (!parse_whole_uint(arg, UINT64_MAX / 4, &n) || n >= s) {
		send_not_found(req);
		return;
	}
	if (s != DEFAULT_SITE_SIZE && delay)
		snprintf(sfx, sizeof(sfx), "?size=%" PRIu64 "&delay=%" PRIu64, s, delay);
	else if (s != DEFAULT_SITE_SIZE)
		snprintf(sfx, sizeof(sfx), "?size=%" PRIu64, s);
	else if (delay)
		snprintf(sfx, sizeof(sfx), "?delay=%" PRIu64, delay);
	snprintf(frag, sizeof(frag), "%s#section", sfx);
	snprintf(abs, sizeof(abs), "http://%s/page/", srv->authority);
	evbuffer_add_printf(out,
			    "<!DOCTYPE html><html><head><title>Page %" PRIu64
			    "</title></head><body>\n<h1>Page %" PRIu64
			    "</h1>\n<ul>\n",
			    n, n);
	page_link(out, "/page/", (2 * n + 1) % s, sfx, "page");
	page_link(out, "/page/", (2 * n + 2) % s, sfx, "page");
	page_link(out, "/page/", (n + 7) % s, sfx, "page");
	page_link(out, "", (n + 1) % s, sfx, "relative");
	page_link(out, abs, (n + s - 1) % s, sfx, "absolute");
	page_link(out, "/page/", (n + 3) % s, frag, "fragment");
	page_link(out, "/private/", n, "", "private");
	evbuffer_add_printf(out, "</ul>\n</body></html>\n");
	if (delay) {
		/* a slow site: the page is ready, the answer waits */
		struct pending *p = pending_new(srv, req, PENDING_SEND);

		watch_for_close(p);
		arm_timer(p, delay);
		return;
	}
	send_output(req, 200, "text/html; charset=utf-8");
}

static void serve_redirect(struct evhttp_request *req, const char *arg)
{
	uint64_t n;
	char loc[48];

	if (!parse_whole_uint(arg, UINT32_MAX, &n)) {
		send_bad_request(req, "redirect wants /redirect/N");
		return;
	}
	if (n == 0) {
		send_text(req, 200, "redirect chain done\n");
		return;
	}
	snprintf(loc, sizeof(loc), "/redirect/%" PRIu64, n - 1);
	set_header(req, "Location", loc);
	send_text(req, 302, "redirect to %s\n", loc);
}

static void serve_redirect_to(struct evhttp_request *req, const char *query)
{
	char *url = query_param(query, "url"), *code = query_param(query, "status");
	int status = code ? atoi(code) : 302;

	/* evhttp refuses header values with CR/LF, so a bad URL is a 400. */
	if (!url || status < 300 || status > 399 ||
	    evhttp_add_header(evhttp_request_get_output_headers(req), "Location", url) != 0) {
		send_bad_request(req, "redirect-to wants ?url=URL[&status=3XX]");
	} else {
		send_text(req, status, "redirect\n");
	}
	free(code);
	free(url);
}

/*
 * With --robots FILE, the file as it is when asked (a test may write it
 * once it knows the port, for Sitemap lines); a missing one is 404.
 */
static void serve_robots(struct server *srv, struct evhttp_request *req)
{
	if (srv->robots) {
		struct stat st;
		int fd = open(srv->robots, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				close(fd);
			send_not_found(req);
			return;
		}
		evbuffer_add_file(evhttp_request_get_output_buffer(req), fd, 0,
				  st.st_size);
		send_output(req, 200, "text/plain");
		return;
	}
	send_text(req, 200,
		  "User-agent: *\nDisallow: /private/\n"
		  "Allow: /private/public\nCrawl-delay: 0\n");
}

static void serve_index(struct evhttp_request *req)
{
	evbuffer_add_printf(evhttp_request_get_output_buffer(req),
			    "<!DOCTYPE html><html><head><title>targetd</title>"
			    "</head><body>\n<p><a href=\"/page/0\">site</a></p>\n"
			    "</body></html>\n");
	send_output(req, 200, "text/html; charset=utf-8");
}

/*
 * Static files live under --docroot; a path is plain names only, so no
 * ".." and no empty part (a leading or doubled '/' would make it
 * absolute) can climb out of it.
 */
static bool plain_relative(const char *path)
{
	for (;;) {
		size_t n = strcspn(path, "/");

		if (n == 0 || (n == 2 && path[0] == '.' && path[1] == '.'))
			return false;
		if (path[n] == '\0')
			return true;
		path += n + 1;
	}
}

/* By extension; ".latin1." in the name marks an ISO-8859-1 page. */
static const char *static_type(const char *path)
{
	const char *name = strrchr(path, '/');
	const char *ext;

	name = name ? name + 1 : path;
	ext = strrchr(name, '.');
	if (!ext)
		return "application/octet-stream";
	if (strcasecmp(ext, ".html") == 0 || strcasecmp(ext, ".htm") == 0)
		return strstr(name, ".latin1.") ? "text/html; charset=iso-8859-1"
						 : "text/html; charset=utf-8";
	if (strcasecmp(ext, ".txt") == 0)
		return "text/plain";
	if (strcasecmp(ext, ".json") == 0)
		return "application/json";
	if (strcasecmp(ext, ".xml") == 0)
		return "application/xml";
	return "application/octet-stream";
}

/*
 * evhttp gives every body without a type its default one, and this reply
 * must have none: lift the default while the headers are written, which
 * evhttp_send_reply does before it returns.
 */
static void send_untyped(struct server *srv, struct evhttp_request *req)
{
	evhttp_set_default_content_type(srv->http, NULL);
	send_output(req, 200, NULL);
	evhttp_set_default_content_type(srv->http, DEFAULT_CONTENT_TYPE);
}

/* Whether an If-None-Match list names tag (weak comparison, or "*"). */
static bool etag_listed(const char *list, const char *tag)
{
	size_t n = strlen(tag);

	if (strcmp(list, "*") == 0)
		return true;
	for (const char *p = list; (p = strstr(p, tag)) != NULL; p += n) {
		bool start = p == list || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/';
		bool end = p[n] == '\0' || p[n] == ',' || p[n] == ' ';
		if (start && end)
			return true;
	}
	return false;
}

/*
 * A static file's validators, as a file server sends them: an ETag of its
 * inode, size and modification time to the nanosecond, so any edit changes
 * it, and a Last-Modified to the second.  ?v=etag sends only the ETag,
 * ?v=lm only Last-Modified, ?v=none neither.  True when the request's
 * validators still match (If-None-Match first, as RFC 9110 says): the
 * answer is then a 304 without a body.
 */
static bool static_unchanged(struct evhttp_request *req, const struct stat *st,
			     const char *query)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *inm = evhttp_find_header(in, "If-None-Match");
	const char *ims = evhttp_find_header(in, "If-Modified-Since");
	char *which = query_param(query, "v");
	bool etag = !which || strcmp(which, "etag") == 0;
	bool lm = !which || strcmp(which, "lm") == 0;
	char tag[96], date[64];
	struct tm tm, since;

	free(which);
	snprintf(tag, sizeof(tag), "\"%jx-%jx-%jx.%lx\"", (uintmax_t)st->st_ino,
		 (uintmax_t)st->st_size, (uintmax_t)st->st_mtim.tv_sec,
		 (unsigned long)st->st_mtim.tv_nsec);
	gmtime_r(&st->st_mtim.tv_sec, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (etag)
		set_header(req, "ETag", tag);
	if (lm)
		set_header(req, "Last-Modified", date);
	if (etag && inm)
		return etag_listed(inm, tag);
	memset(&since, 0, sizeof(since));
	if (lm && ims && strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &since))
		return st->st_mtim.tv_sec <= timegm(&since);
	return false;
}

/* The file DOCROOT/PATH; ?ct=TYPE replaces its type, ?ct= sends none. */
static void serve_static(struct server *srv, struct evhttp_request *req,
			 const char *arg, const char *query)
{
	size_t len;
	char *rel = evhttp_uridecode(arg, 0, &len);
	char *full = NULL, *ct;
	struct stat st;
	int fd = -1;

	if (!rel)
		die(1, "out of memory");
	if (strlen(rel) != len || !plain_relative(rel)) {
		send_bad_request(req, "static wants a relative path without ..");
		free(rel);
		return;
	}
	if (srv->docroot && asprintf(&full, "%s/%s", srv->docroot, rel) < 0)
		die(1, "out of memory");
	if (full)
		fd = open(full, O_RDONLY | O_CLOEXEC);
	free(full);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		send_not_found(req);
		free(rel);
		return;
	}
	if (static_unchanged(req, &st, query)) {
		close(fd);
		send_output(req, 304, NULL);
		free(rel);
		return;
	}
	/* the buffer owns fd from here on */
	evbuffer_add_file(evhttp_request_get_output_buffer(req), fd, 0,
			  st.st_size);
	ct = query_param(query, "ct");
	if (ct && !*ct)
		send_untyped(srv, req);
	else
		send_output(req, 200, ct ? ct : static_type(rel));
	free(ct);
	free(rel);
}

/* Repeated header names collapse to the last one, compared without case. */
static bool header_repeats_later(const struct evkeyval *kv)
{
	for (const struct evkeyval *o = TAILQ_NEXT(kv, next); o;
	     o = TAILQ_NEXT(o, next))
		if (strcasecmp(o->key, kv->key) == 0)
			return true;
	return false;
}

static void serve_echo(struct evhttp_request *req)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(req);
	size_t body_len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	struct evkeyval *kv;
	bool first = true;
	size_t lines = 0;

	evbuffer_add_printf(out, "{\"method\": ");
	json_cstring(out, method_name(evhttp_request_get_command(req)));
	evbuffer_add_printf(out, ", \"path\": ");
	json_cstring(out, evhttp_request_get_uri(req));
	evbuffer_add_printf(out, ", \"headers\": {");
	TAILQ_FOREACH(kv, hdrs, next) {
		if (header_repeats_later(kv))
			continue;
		evbuffer_add_printf(out, first ? "" : ", ");
		json_cstring(out, kv->key);
		evbuffer_add_printf(out, ": ");
		json_cstring(out, kv->value);
		first = false;
	}
	evbuffer_add_printf(out, "}, \"body\": ");
	json_string(out, body ? body : "", body ? body_len : 0);
	/* "headers" keeps the last of a repeated name; this counts them all,
	 * so a test can tell a header replaced from one sent twice */
	TAILQ_FOREACH(kv, hdrs, next)
		lines++;
	evbuffer_add_printf(out, ", \"body_length\": %zu, \"header_lines\": %zu}\n", body_len,
			    lines);
	send_output(req, 200, "application/json");
}

/*
 * A login session for cookie tests.  The session value is the user name
 * and a keyed hash of it, so /account can check it without a session
 * table and a run cannot forge one by accident.
 */
#define LOGIN_PASSWORD "secret"
#define MAX_USER_LEN 64

static void session_value(char *out, size_t len, const char *user)
{
	char keyed[MAX_USER_LEN + 16];

	snprintf(keyed, sizeof(keyed), "targetd:%s", user);
	snprintf(out, len, "%s.%08" PRIx32, user, fnv1a(keyed, strlen(keyed)));
}

static bool valid_user(const char *user)
{
	size_t n = user ? strlen(user) : 0;

	return n > 0 && n <= MAX_USER_LEN &&
	       strspn(user, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* GET /login?user=U&password=P, or POST with that form as the body. */
static void serve_login(struct evhttp_request *req, const char *query)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	char *form = NULL, *user, *password;
	char session[MAX_USER_LEN + 32], cookie[MAX_USER_LEN + 64];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		size_t n = evbuffer_get_length(in);

		form = malloc(n + 1);
		if (!form)
			die(1, "out of memory");
		evbuffer_copyout(in, form, n);
		form[n] = '\0';
		query = form;
	}
	user = query_param(query, "user");
	password = query_param(query, "password");
	if (!valid_user(user)) {
		send_bad_request(req, "login wants user=NAME ([A-Za-z0-9_-], 1 to 64)");
	} else if (!password || strcmp(password, LOGIN_PASSWORD) != 0) {
		send_text(req, 403, "wrong password\n");
	} else {
		session_value(session, sizeof(session), user);
		snprintf(cookie, sizeof(cookie), "session=%s; Path=/; HttpOnly", session);
		set_header(req, "Set-Cookie", cookie);
		send_text(req, 200, "logged in as %s\n", user);
	}
	free(user);
	free(password);
	free(form);
}

/* The user whose valid session cookie came with the request, or NULL. */
static char *session_user(struct evhttp_request *req)
{
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	char expect[MAX_USER_LEN + 32];

	TAILQ_FOREACH(kv, hdrs, next) {
		const char *p = kv->value;

		if (strcasecmp(kv->key, "Cookie") != 0)
			continue;
		while (p && *p) {
			size_t n;
			const char *dot;

			p += strspn(p, " ;");
			n = strcspn(p, ";");
			dot = memchr(p, '.', n);
			if (n > 8 && strncmp(p, "session=", 8) == 0 && dot &&
			    (size_t)(dot - p - 8) <= MAX_USER_LEN) {
				char user[MAX_USER_LEN + 1];

				memcpy(user, p + 8, (size_t)(dot - p - 8));
				user[dot - p - 8] = '\0';
				session_value(expect, sizeof(expect), user);
				if (valid_user(user) && strlen(expect) == n - 8 &&
				    strncmp(expect, p + 8, n - 8) == 0)
					return strdup(user);
			}
			p += n;
		}
	}
	return NULL;
}

static void serve_account(struct evhttp_request *req)
{
	char *user = session_user(req);

	if (user)
		send_text(req, 200, "account of %s\n", user);
	else
		send_text(req, 401, "not logged in\n");
	free(user);
}

static void serve_fault_reset(struct server *srv, struct evhttp_request *req)
{
	struct evbuffer *buf;
	struct pending *p;

	set_header(req, "Content-Type", "application/octet-stream");
	set_content_length(req, RESET_DECLARED_BYTES);
	evhttp_send_reply_start(req, 200, NULL);
	p = pending_new(srv, req, PENDING_RESET);
	buf = evbuffer_new();
	add_pattern(buf, 0, RESET_SENT_BYTES);
	evhttp_send_reply_chunk_with_cb(req, buf, on_reset_written, p);
	evbuffer_free(buf);
}

static void serve_fault_drip(struct server *srv, struct evhttp_request *req,
			     const char *arg)
{
	const char *end;
	uint64_t n, ms;
	struct pending *p;

	if (!parse_uint(arg, &end, MAX_DRIP_BYTES, &n) || *end != '/' ||
	    !parse_whole_uint(end + 1, MAX_DRIP_MS, &ms)) {
		send_bad_request(req, "drip wants /fault/drip/N/MS");
		return;
	}
	if (is_head(req)) {
		send_output(req, 200, "application/octet-stream");
		return;
	}
	set_header(req, "Content-Type", "application/octet-stream");
	evhttp_send_reply_start(req, 200, NULL);
	p = pending_new(srv, req, PENDING_DRIP);
	p->remaining = n;
	p->interval_ms = (unsigned)ms;
	if (n == 0)
		finish_chunked(p);
	else
		arm_timer(p, ms);
}

static void serve_fault(struct server *srv, struct evhttp_request *req,
			const char *arg)
{
	const char *drip = after_prefix(arg, "drip/");
	struct pending *p;

	if (strcmp(arg, "close") == 0 ||
	    (strcmp(arg, "reset") == 0 && is_head(req))) {
		/* Deferred: freeing the connection inside its own request
		 * callback would pull it out from under evhttp. */
		p = pending_new(srv, req, PENDING_CLOSE);
		arm_timer(p, 0);
	} else if (strcmp(arg, "reset") == 0) {
		serve_fault_reset(srv, req);
	} else if (strcmp(arg, "hang") == 0) {
		p = pending_new(srv, req, PENDING_HANG);
		watch_for_close(p);
	} else if (drip) {
		serve_fault_drip(srv, req, drip);
	} else {
		send_not_found(req);
	}
}

static void serve_stats(struct server *srv, struct evhttp_request *req,
			const char *query)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const struct path_table *t = &srv->paths;
	char *one = query_param(query, "path");
	bool first = true;

	if (one) {
		evbuffer_add_printf(out, "%" PRIu64 "\n", lookup_path(t, one));
		free(one);
		send_output(req, 200, "text/plain; charset=utf-8");
		return;
	}
	evbuffer_add_printf(out, "{\"total\": %" PRIu64 ", \"paths\": {",
			    t->total);
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].key)
			continue;
		evbuffer_add_printf(out, first ? "" : ", ");
		json_string(out, t->slots[i].key, t->slots[i].len);
		evbuffer_add_printf(out, ": %" PRIu64, t->slots[i].count);
		first = false;
	}
	evbuffer_add_printf(out, "}}\n");
	send_output(req, 200, "application/json");
}

static void serve_log(struct server *srv, struct evhttp_request *req)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const struct arrival_log *log = &srv->log;
	uint64_t seq = log->next_seq - log->count;

	for (size_t i = 0; i < log->count; i++) {
		const struct log_entry *e =
			&log->ring[(log->oldest + i) % log->cap];

		evbuffer_add_printf(out, "%" PRIu64 " %" PRIu64 " %s %s\n",
				    seq + i, e->usec, e->method, e->target);
	}
	send_output(req, 200, "text/plain; charset=utf-8");
}

static void serve_reset(struct server *srv, struct evhttp_request *req)
{
	clear_paths(&srv->paths);
	clear_log(&srv->log);
	srv->stall_until_us = 0;
	srv->slow_count = 0;
	send_text(req, 200, "reset\n");
}

static bool is_private(const char *path)
{
	return strcmp(path, "/private") == 0 ||
	       after_prefix(path, "/private/") != NULL;
}

static bool is_echo(const char *path)
{
	return strcmp(path, "/echo") == 0 ||
	       after_prefix(path, "/echo/") != NULL;
}

/* /_stall/MS/FOR_MS: every request arriving in the next FOR_MS is held
 * MS before it is answered, like a server pausing (a GC, a failover). */
static void serve_stall(struct server *srv, struct evhttp_request *req,
			const char *arg)
{
	const char *end;
	uint64_t ms, window;

	if (!parse_uint(arg, &end, MAX_DELAY_MS, &ms) || *end != '/' ||
	    !parse_whole_uint(end + 1, MAX_DELAY_MS, &window)) {
		send_bad_request(req, "stall wants /_stall/MS/FOR_MS");
		return;
	}
	srv->stall_ms = ms;
	srv->stall_until_us = usec_since(&srv->started) + window * 1000;
	send_text(req, 200, "stalling for %" PRIu64 " ms\n", window);
}

/* Holds a request that arrived during a stall, then answers it. */
static void stall_request(struct server *srv, struct evhttp_request *req,
			  const char *path, const char *query)
{
	struct pending *p = pending_new(srv, req, PENDING_DELAY);

	p->delay_ms = srv->stall_ms;
	p->query = query;
	p->rest = path;
	watch_for_close(p);
	arm_timer(p, srv->stall_ms);
}

/* A NAME of /busy/ or /slow/: 1 to 63 of [A-Za-z0-9_-]. */
static bool good_name(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n > 0 && n <= MAX_NAME_LEN && name[n] == '\0';
}

/* /busy/NAME?n=K[&after=S][&code=C][&form=date]: the first K requests
 * counted under /busy/NAME get C (429 unless given) with Retry-After: S,
 * in seconds or, with form=date, as the HTTP date S seconds on (no header
 * without after); the ones after them 200 "ok NAME". */
static void serve_busy(struct server *srv, struct evhttp_request *req,
		       const char *path, const char *name, const char *query)
{
	char *n = query_param(query, "n"), *after = query_param(query, "after");
	char *code = query_param(query, "code"), *form = query_param(query, "form");
	uint64_t k = 0, secs = 0, status = 429;
	bool ok = good_name(name) && n && parse_whole_uint(n, UINT32_MAX, &k) &&
		  (!after || parse_whole_uint(after, MAX_BUSY_AFTER_S, &secs)) &&
		  (!code || (parse_whole_uint(code, 599, &status) && status >= 400)) &&
		  (!form || strcmp(form, "date") == 0);
	bool as_date = form != NULL, with_header = after != NULL;

	free(n);
	free(after);
	free(code);
	free(form);
	if (!ok) {
		send_bad_request(req, "busy wants /busy/NAME?n=K[&after=S][&code=400..599][&form=date]");
		return;
	}
	if (lookup_path(&srv->paths, path) > k) {
		send_text(req, 200, "ok %s\n", name);
		return;
	}
	if (with_header) {
		char value[64];

		if (as_date) {
			time_t when = time(NULL) + (time_t)secs;
			struct tm tm;

			gmtime_r(&when, &tm);
			strftime(value, sizeof(value), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		} else {
			snprintf(value, sizeof(value), "%" PRIu64, secs);
		}
		set_header(req, "Retry-After", value);
	}
	send_text(req, (int)status, "busy %s\n", name);
}

static struct slow_name *find_slow(struct server *srv, const char *name)
{
	for (size_t i = 0; i < srv->slow_count; i++)
		if (strcmp(srv->slow[i].name, name) == 0)
			return &srv->slow[i];
	return NULL;
}

/* /slow/NAME: answers after the delay /_slow/NAME/MS set (none at first). */
static void serve_slow(struct server *srv, struct evhttp_request *req,
		       const char *name)
{
	struct slow_name *slow;
	struct pending *p;

	if (!good_name(name)) {
		send_bad_request(req, "slow wants /slow/NAME");
		return;
	}
	slow = find_slow(srv, name);
	if (!slow || slow->ms == 0) {
		send_text(req, 200, "delayed 0 ms\n");
		return;
	}
	p = pending_new(srv, req, PENDING_DELAY);
	p->delay_ms = slow->ms;
	watch_for_close(p);
	arm_timer(p, slow->ms);
}

/* /_slow/NAME/MS: from now on /slow/NAME answers after MS. */
static void serve_set_slow(struct server *srv, struct evhttp_request *req,
			   const char *arg)
{
	char name[MAX_NAME_LEN + 1];
	size_t len = strcspn(arg, "/");
	uint64_t ms;
	struct slow_name *slow;

	if (len == 0 || len > MAX_NAME_LEN || arg[len] != '/' ||
	    !parse_whole_uint(arg + len + 1, MAX_DELAY_MS, &ms)) {
		send_bad_request(req, "slow wants /_slow/NAME/MS");
		return;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	if (!good_name(name)) {
		send_bad_request(req, "slow wants /_slow/NAME/MS");
		return;
	}
	if (!(slow = find_slow(srv, name))) {
		if (srv->slow_count == MAX_SLOW_NAMES) {
			send_text(req, 507, "too many slow names\n");
			return;
		}
		slow = &srv->slow[srv->slow_count++];
		snprintf(slow->name, sizeof(slow->name), "%s", name);
	}
	slow->ms = ms;
	send_text(req, 200, "slow %s: %" PRIu64 " ms\n", name, ms);
}

/* path is what is left to answer: the whole path, or what /delay/MS left. */
static void route(struct server *srv, struct evhttp_request *req,
		  const char *path, const char *query)
{
	const char *arg;

	if ((arg = after_prefix(path, "/delay/")))
		serve_delay(srv, req, arg, query);
	else if ((arg = after_prefix(path, "/bytes/")))
		serve_bytes(srv, req, arg);
	else if ((arg = after_prefix(path, "/html/")))
		serve_html(req, arg);
	else if ((arg = after_prefix(path, "/page/")))
		serve_page(srv, req, arg, query);
	else if ((arg = after_prefix(path, "/status/")))
		serve_status(req, arg);
	else if ((arg = after_prefix(path, "/static/")))
		serve_static(srv, req, arg, query);
	else if ((arg = after_prefix(path, "/redirect/")))
		serve_redirect(req, arg);
	else if (strcmp(path, "/redirect-to") == 0)
		serve_redirect_to(req, query);
	else if ((arg = after_prefix(path, "/fault/")))
		serve_fault(srv, req, arg);
	else if ((arg = after_prefix(path, "/busy/")))
		serve_busy(srv, req, path, arg, query);
	else if ((arg = after_prefix(path, "/slow/")))
		serve_slow(srv, req, arg);
	else if (is_echo(path))
		serve_echo(req);
	else if (strcmp(path, "/robots.txt") == 0)
		serve_robots(srv, req);
	else if (strcmp(path, "/login") == 0)
		serve_login(req, query);
	else if (strcmp(path, "/account") == 0)
		serve_account(req);
	else if (is_private(path))
		send_text(req, 200, "private\n");
	else if (strcmp(path, "/") == 0)
		serve_index(req);
	else if (strcmp(path, "/_stats") == 0)
		serve_stats(srv, req, query);
	else if (strcmp(path, "/_log") == 0)
		serve_log(srv, req);
	else if (strcmp(path, "/_reset") == 0)
		serve_reset(srv, req);
	else if ((arg = after_prefix(path, "/_stall/")))
		serve_stall(srv, req, arg);
	else if ((arg = after_prefix(path, "/_slow/")))
		serve_set_slow(srv, req, arg);
	else
		send_not_found(req);
}

/* The control endpoints must not disturb what they report on. */
static bool is_control(const char *path)
{
	return strcmp(path, "/_stats") == 0 || strcmp(path, "/_reset") == 0 ||
	       strcmp(path, "/_log") == 0 || after_prefix(path, "/_stall/") != NULL ||
	       after_prefix(path, "/_slow/") != NULL;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;

	if (!path || !*path)
		path = "/";
	if (!is_control(path)) {
		count_path(&srv->paths, path, strlen(path));
		log_arrival(&srv->log, usec_since(&srv->started),
			    method_name(evhttp_request_get_command(req)),
			    evhttp_request_get_uri(req));
		if (usec_since(&srv->started) < srv->stall_until_us) {
			stall_request(srv, req, path, query);
			return;
		}
	}
	route(srv, req, path, query);
}

/* ------------------------------------------------------------------ */
/* connection limit                                                    */

/*
 * evhttp 2.1 has no connection cap and no hook for a connection's end, so
 * with --max-conns each connection gets a pass-through filter bufferevent
 * whose free callback tells us it is gone.  At the cap the listener pauses
 * and new clients wait in the kernel backlog.
 */
static void on_conn_freed(void *arg)
{
	struct server *srv = arg;

	srv->conns--;
	if (srv->listener_paused && srv->listener &&
	    srv->conns < srv->max_conns) {
		evconnlistener_enable(srv->listener);
		srv->listener_paused = false;
	}
}

static struct bufferevent *make_conn_bev(struct event_base *base, void *arg)
{
	struct server *srv = arg;
	struct bufferevent *sock, *bev;

	sock = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!sock)
		return NULL;
	bev = bufferevent_filter_new(sock, NULL, NULL, BEV_OPT_CLOSE_ON_FREE,
				     on_conn_freed, srv);
	if (!bev) {
		bufferevent_free(sock);
		return NULL;
	}
	if (++srv->conns >= srv->max_conns && srv->listener) {
		evconnlistener_disable(srv->listener);
		srv->listener_paused = true;
	}
	return bev;
}

/* ------------------------------------------------------------------ */
/* startup                                                             */

static void usage(FILE *f)
{
	fputs(
"usage: targetd [--host 127.0.0.1] [--port N] [--port-file PATH]\n"
"               [--max-conns N] [--docroot DIR] [--robots FILE] [-q]\n"
"               [--help]\n"
"\n"
"Local HTTP/1.1 test target.  Binds to loopback only (127.x.x.x, ::1,\n"
"localhost); port 0 (the default) picks a free port.  Prints\n"
"'listening on HOST:PORT' once bound; --port-file gets the port number.\n"
"\n"
"endpoints (any of GET HEAD POST PUT DELETE PATCH OPTIONS):\n"
"  /delay/MS[/REST]      wait MS ms, then 'delayed MS ms' or answer /REST\n"
"  /bytes/N              N bytes 'abc..zabc..', octet-stream, N <= 1 GiB\n"
"  /html/N               HTML document of exactly N bytes, 200 <= N <= 64 MiB\n"
"  /status/CODE          that status (200..599), body 'status CODE'\n"
"  /static/PATH[?ct=T]   the file DIR/PATH of --docroot, typed by extension;\n"
"                        ?ct=T sends type T instead, ?ct= no Content-Type;\n"
"                        ETag and Last-Modified (?v=etag, ?v=lm: one only,\n"
"                        ?v=none: neither), 304 when the request's match\n"
"  /page/N[?size=S]      site graph page N of S (default 1000), see below\n"
"  /redirect/N           302 to /redirect/N-1; /redirect/0 is 200\n"
"  /redirect-to?url=URL[&status=3XX]  302 (or 3XX) with Location: URL verbatim\n"
"  /robots.txt           disallows /private/, allows /private/public\n"
"                        (--robots FILE: that file, read at each request)\n"
"  /private/...          200 'private' (a polite crawler never asks)\n"
"  /echo                 JSON of method, path, headers, body, header_lines\n"
"  /fault/close          close the connection without an answer\n"
"  /fault/reset          promise 100000 bytes, send 1000, then TCP RST\n"
"  /fault/hang           never answer\n"
"  /fault/drip/N/MS      N body bytes, one every MS ms, chunked\n"
"  /busy/NAME?n=K[&after=S][&code=C][&form=date]\n"
"                        the first K hits: C (429) with Retry-After: S\n"
"                        (seconds, or an HTTP date); then 200\n"
"  /slow/NAME            200 after the delay /_slow/NAME/MS set\n"
"  /_slow/NAME/MS        sets that delay (not counted or logged)\n"
"  /_stats[?path=P]      JSON request counts per path (or the count for P)\n"
"  /_log                 '<seq> <usec since start> <method> <target>' lines\n"
"  /_reset               zero the counts and the log\n"
"\n"
"page N of S links to /page/(2N+1)%S, /page/(2N+2)%S, /page/(N+7)%S,\n"
"relative '(N+1)%S', absolute http://HOST:PORT/page/(N+S-1)%S,\n"
"/page/(N+3)%S#section and /private/N; links carry ?size=S if S != 1000.\n",
	      f);
}

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("targetd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

static unsigned parse_option_uint(const char *opt, const char *val,
				  uint64_t max)
{
	uint64_t v;

	if (!val)
		usage_error("%s needs a value", opt);
	if (!parse_whole_uint(val, max, &v))
		usage_error("bad number for %s", opt);
	return (unsigned)v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = true;
			continue;
		} else if (strcmp(a, "--host") == 0 && v) {
			o->host = v;
		} else if (strcmp(a, "--port") == 0) {
			o->port = parse_option_uint(a, v, 65535);
		} else if (strcmp(a, "--port-file") == 0 && v) {
			o->port_file = v;
		} else if (strcmp(a, "--docroot") == 0 && v) {
			o->docroot = v;
		} else if (strcmp(a, "--robots") == 0 && v) {
			o->robots = v;
		} else if (strcmp(a, "--max-conns") == 0) {
			o->max_conns = parse_option_uint(a, v, 1000000);
		} else if (strcmp(a, "--host") == 0 ||
			   strcmp(a, "--port-file") == 0 ||
			   strcmp(a, "--docroot") == 0 ||
			   strcmp(a, "--robots") == 0) {
			usage_error("%s needs a value", a);
		} else {
			usage_error("unknown argument '%s'", a);
		}
		i++;
	}
}

/* Fills addr for a loopback host; anything else is refused. */
static bool loopback_addr(const char *host, struct sockaddr_storage *ss,
			  socklen_t *len, char *authority, size_t alen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127)
			return false;
		v4->sin_family = AF_INET;
		*len = sizeof(*v4);
		snprintf(authority, alen, "%s", host);
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
		v6->sin6_family = AF_INET6;
		*len = sizeof(*v6);
		snprintf(authority, alen, "[::1]");
		return true;
	}
	return false;
}

static unsigned bound_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		die(1, "getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Our own socket so the backlog can absorb thousands of simultaneous
 * connects; evhttp_bind_socket hard-codes a backlog of 128. */
static evutil_socket_t listen_on(const struct sockaddr_storage *ss,
				 socklen_t len, unsigned port)
{
	int one = 1;
	evutil_socket_t fd = socket(ss->ss_family,
				    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_storage addr = *ss;

	if (fd < 0)
		die(1, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		((struct sockaddr_in6 *)&addr)->sin6_port = htons(port);
	} else {
		((struct sockaddr_in *)&addr)->sin_port = htons(port);
	}
	if (bind(fd, (struct sockaddr *)&addr, len) != 0)
		die(1, "bind port %u: %s", port, strerror(errno));
	if (listen(fd, 65535) != 0)
		die(1, "listen: %s", strerror(errno));
	return fd;
}

static void write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f)
		die(1, "%s: %s", tmp, strerror(errno));
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die(1, "%s: %s", path, strerror(errno));
}

/* Thousands of keep-alive connections need far more than the usual 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static bool quiet_logs;

static void on_libevent_log(int severity, const char *msg)
{
	if (!quiet_logs && severity >= EVENT_LOG_WARN)
		fprintf(stderr, "targetd: libevent: %s\n", msg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

static void setup_http(struct server *srv, const struct options *o,
		       evutil_socket_t fd)
{
	struct evhttp_bound_socket *bound;

	srv->http = evhttp_new(srv->base);
	if (!srv->http)
		die(1, "evhttp_new failed");
	evhttp_set_max_body_size(srv->http, MAX_BODY_BYTES);
	evhttp_set_allowed_methods(srv->http,
				   EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
				   EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(srv->http, DEFAULT_CONTENT_TYPE);
	evhttp_set_gencb(srv->http, on_request, srv);
	if (o->max_conns) {
		srv->max_conns = o->max_conns;
		evhttp_set_bevcb(srv->http, make_conn_bev, srv);
	}
	bound = evhttp_accept_socket_with_handle(srv->http, fd);
	if (!bound)
		die(1, "cannot listen with evhttp");
	srv->listener = evhttp_bound_socket_get_listener(bound);
}

static void setup_signals(struct server *srv)
{
	srv->sigterm = evsignal_new(srv->base, SIGTERM, on_signal, srv->base);
	srv->sigint = evsignal_new(srv->base, SIGINT, on_signal, srv->base);
	if (!srv->sigterm || !srv->sigint)
		die(1, "cannot set up signal events");
	evsignal_add(srv->sigterm, NULL);
	evsignal_add(srv->sigint, NULL);
}

static void shutdown_server(struct server *srv)
{
	/* evhttp_free closes the listener; late frees must not re-enable it. */
	srv->listener = NULL;
	evhttp_free(srv->http);
	event_free(srv->sigterm);
	event_free(srv->sigint);
	event_base_free(srv->base);
	clear_paths(&srv->paths);
	clear_log(&srv->log);
	free(srv->log.ring);
}

int main(int argc, char **argv)
{
	struct options o = { .host = "127.0.0.1" };
	struct server srv = { .log = { .next_seq = 1 } };
	struct sockaddr_storage ss;
	socklen_t len;
	evutil_socket_t fd;

	parse_args(argc, argv, &o);
	if (!loopback_addr(o.host, &ss, &len, srv.authority,
			   sizeof(srv.authority)))
		usage_error("refusing to bind to non-loopback address '%s'",
			    o.host);
	if (o.docroot) {
		struct stat st;

		if (stat(o.docroot, &st) != 0 || !S_ISDIR(st.st_mode))
			usage_error("--docroot %s is not a directory", o.docroot);
		srv.docroot = o.docroot;
	}
	srv.robots = o.robots;
	quiet_logs = o.quiet;
	event_set_log_callback(on_libevent_log);
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < PATTERN_LEN; i++)
		pattern[i] = (char)('a' + i % 26);
	clock_gettime(CLOCK_MONOTONIC, &srv.started);

	srv.base = event_base_new();
	if (!srv.base)
		die(1, "event_base_new failed");
	fd = listen_on(&ss, len, o.port);
	srv.port = bound_port(fd);
	snprintf(srv.authority + strlen(srv.authority),
		 sizeof(srv.authority) - strlen(srv.authority), ":%u", srv.port);
	setup_http(&srv, &o, fd);
	setup_signals(&srv);

	printf("listening on %s\n", srv.authority);
	fflush(stdout);
	if (o.port_file)
		write_port_file(o.port_file, srv.port);

	event_base_dispatch(srv.base);
	shutdown_server(&srv);
	return 0;
}
