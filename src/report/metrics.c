/* SPDX-License-Identifier: MIT */
/*
 * The --metrics-listen server: libmicrohttpd on its own thread answers
 * GET /metrics with the run's figures (metrics_text.c), 404 elsewhere,
 * 405 for other methods.  We bind the socket ourselves, before the run,
 * so a bad address or a port in use is one clear line and no request is
 * sent.  A scrape takes a fresh snapshot through the engine's callback,
 * unless the last is under 100 ms old: any number of scrapers cost the
 * run's lock at most ten short holds a second.  Once the run ends the
 * last snapshot, marked finished, is kept and served until exit.
 */
#include <config.h>

#include "report/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRESH_NS 100000000LL

struct metrics_server {
	struct MHD_Daemon *daemon;
	int fd;
	char address[80];
	pthread_mutex_t lock;       /* guards everything below */
	metrics_snapshot_fn fn;     /* NULL: no run (yet, or any more) */
	void *ctx;
	struct metrics_snapshot last;
	int have_last;
	int64_t last_ns;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Lock held.  Brings m->last up to date if a run is attached. */
static void refresh(struct metrics_server *m, int force)
{
	struct metrics_snapshot s;

	if (!m->fn || (!force && m->have_last && now_ns() - m->last_ns < FRESH_NS))
		return;
	memset(&s, 0, sizeof s);
	if (m->fn(m->ctx, &s) < 0)
		return;                 /* out of memory: keep serving the last */
	metrics_snapshot_free(&m->last);
	m->last = s;
	m->have_last = 1;
	m->last_ns = now_ns();
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text,
                             const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	                                                         MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size,
                              void **state)
{
	struct metrics_server *m = cls;
	struct MHD_Response *r;
	struct buf text = { 0 };
	enum MHD_Result rc;
	int have;

	(void)version;
	(void)upload;
	(void)state;
	/* the first call has only the headers; answer on it unless a body
	 * is coming, which is then read and ignored */
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", "GET, HEAD");
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n", NULL);
	pthread_mutex_lock(&m->lock);
	refresh(m, 0);
	have = m->have_last;
	if (have)
		metrics_render(&m->last, &text);
	pthread_mutex_unlock(&m->lock);
	if (!have || text.oom) {
		buf_free(&text);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no figures yet\n", NULL);
	}
	r = MHD_create_response_from_buffer(text.len, text.data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		buf_free(&text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* ADDRESS:PORT into host and port; [v6]:port keeps v6 without brackets. */
static int split(const char *spec, char *host, size_t hostlen, long *port)
{
	const char *colon;
	char *end;
	size_t n;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - spec - 1);
		colon = close + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || memchr(spec, ':', (size_t)(colon - spec)))
			return -1;      /* an IPv6 address wants its brackets */
		n = (size_t)(colon - spec);
	}
	if (n == 0 || n >= hostlen || !colon[1])
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	errno = 0;
	*port = strtol(colon + 1, &end, 10);
	if (*end || errno || *port < 0 || *port > 65535 || colon[1] == '-' || colon[1] == '+')
		return -1;
	return 0;
}

/* A listening socket on spec, or -1 with the reason in err. */
static int open_socket(const char *spec, char *address, size_t addrlen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[64], shown[INET6_ADDRSTRLEN];
	long port;
	int fd, one = 1, family;

	memset(&ss, 0, sizeof ss);
	if (split(spec, host, sizeof host, &port) < 0) {
		snprintf(err, errlen, "--metrics-listen \"%s\": expected ADDRESS:PORT, e.g. 127.0.0.1:9100 or "
		         "[::1]:9100", spec);
		return -1;
	}
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		len = sizeof *in;
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof *in6;
	} else {
		snprintf(err, errlen, "--metrics-listen \"%s\": \"%s\" is not an IPv4 or IPv6 address "
		         "(or localhost)", spec, host);
		return -1;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--metrics-listen %s: cannot open a socket: %s", spec, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "--metrics-listen %s: cannot listen there: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, shown, sizeof shown);
		snprintf(address, addrlen, "%s:%u", shown, ntohs(in->sin_port));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, shown, sizeof shown);
		snprintf(address, addrlen, "[%s]:%u", shown, ntohs(in6->sin6_port));
	}
	return fd;
}

struct metrics_server *metrics_listen(const char *spec, char *err, size_t errlen)
{
	struct metrics_server *m = calloc(1, sizeof *m);

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->fd = open_socket(spec, m->address, sizeof m->address, err, errlen);
	if (m->fd < 0) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	/* one thread: scrapes are rare and short; a connection left idle is
	 * dropped after 10 s so it cannot hold the server */
	m->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL,
	                             answer, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
	                             MHD_OPTION_CONNECTION_TIMEOUT, 10U,
	                             MHD_OPTION_CONNECTION_LIMIT, 32U, MHD_OPTION_END);
	if (!m->daemon) {
		snprintf(err, errlen, "--metrics-listen %s: the HTTP server did not start", spec);
		close(m->fd);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	return m;
}

const char *metrics_address(const struct metrics_server *m)
{
	return m->address;
}

void metrics_attach(struct metrics_server *m, metrics_snapshot_fn fn, void *ctx)
{
	pthread_mutex_lock(&m->lock);
	m->fn = fn;
	m->ctx = ctx;
	m->have_last = 0;
	pthread_mutex_unlock(&m->lock);
}

void metrics_detach(struct metrics_server *m)
{
	pthread_mutex_lock(&m->lock);
	refresh(m, 1);
	m->last.finished = 1;
	m->fn = NULL;
	m->ctx = NULL;
	pthread_mutex_unlock(&m->lock);
}

void metrics_close(struct metrics_server *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->daemon);   /* closes the listening socket too */
	metrics_snapshot_free(&m->last);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
