/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy's epoll layer: one epoll set per thread, level
 * triggered.  A send is written at once (a socket that is up is nearly
 * always writable) and only a short write waits for EPOLLOUT, so a
 * request costs one write, its share of an epoll_wait and one read, with
 * no epoll_ctl.  Events of a batch that name a connection closed earlier
 * in the same batch are dropped.
 */
#include "io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define READ_SIZE 65536

struct io_layer {
	struct io_events ev;
	int epfd;
	int precise;                /* epoll_pwait2 works */
	struct epoll_event events[MAX_EVENTS];
	int event_count, event_at;  /* the batch being handled */
	char in[READ_SIZE];
};

static struct io_layer *ep_open(const struct io_events *events, unsigned max_conns)
{
	struct io_layer *io = calloc(1, sizeof *io);

	(void)max_conns;
	if (!io)
		return NULL;
	io->ev = *events;
	io->precise = 1;
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (io->epfd < 0) {
		free(io);
		return NULL;
	}
	return io;
}

static void ep_close(struct io_layer *io)
{
	if (!io)
		return;
	close(io->epfd);
	free(io);
}

static int watch(struct io_layer *io, struct io_conn *c, int op, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = c };

	return epoll_ctl(io->epfd, op, c->fd, &e) < 0 ? -errno : 0;
}

static int ep_connect(struct io_layer *io, struct io_conn *c, const struct sockaddr *addr,
                      socklen_t addr_len)
{
	int one = 1, rc;

	c->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->connecting = 1;
	c->out = NULL;
	/* a refusal on loopback may come at once: reported by the event,
	 * like any other outcome, so the engine never sees a callback from
	 * inside its own call */
	if (connect(c->fd, addr, addr_len) < 0 && errno != EINPROGRESS) {
		c->layer_flags = (uint32_t)errno;
	} else {
		c->layer_flags = 0;
	}
	rc = watch(io, c, EPOLL_CTL_ADD, EPOLLIN | EPOLLOUT);
	if (rc < 0) {
		close(c->fd);
		c->fd = -1;
	}
	return rc;
}

static int write_some(struct io_conn *c)
{
	while (c->out_done < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_done, c->out_len - c->out_done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 1 : -errno;
		}
		c->out_done += (size_t)n;
	}
	return 0;
}

static int ep_send(struct io_layer *io, struct io_conn *c, const char *data, size_t len)
{
	int rc;

	c->out = data;
	c->out_len = len;
	c->out_done = 0;
	rc = write_some(c);
	if (rc == 1 && (rc = watch(io, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT)) == 0)
		return 1;
	c->out = NULL;              /* all sent now, or failed: none in progress */
	return rc;
}

static void ep_release(struct io_layer *io, struct io_conn *c)
{
	int i;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->generation++;
	for (i = io->event_at; i < io->event_count; i++)
		if (io->events[i].data.ptr == c)
			io->events[i].data.ptr = NULL;
}

static void on_connect_ready(struct io_layer *io, struct io_conn *c)
{
	int err = (int)c->layer_flags;
	socklen_t len = sizeof err;

	if (!err && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	c->connecting = 0;
	if (!err) {
		int rc = watch(io, c, EPOLL_CTL_MOD, EPOLLIN);
		err = rc < 0 ? -rc : 0;
	}
	io->ev.connected(io->ev.ctx, c, err);
}

static void on_writable(struct io_layer *io, struct io_conn *c)
{
	int rc = write_some(c);

	if (rc == 1)
		return;
	if (rc == 0)
		rc = watch(io, c, EPOLL_CTL_MOD, EPOLLIN);
	c->out = NULL;
	io->ev.sent(io->ev.ctx, c, -rc);
}

static void on_readable(struct io_layer *io, struct io_conn *c)
{
	ssize_t n = read(c->fd, io->in, sizeof io->in);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	io->ev.received(io->ev.ctx, c, io->in, n < 0 ? -errno : n);
}

static int wait_for(struct io_layer *io, int64_t until_ns)
{
	struct timespec now, left;
	int64_t ns;

	if (until_ns < 0)
		return epoll_wait(io->epfd, io->events, MAX_EVENTS, -1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = until_ns - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	if (ns < 0)
		ns = 0;
	/* the open model wants its wake-up to the microsecond */
	if (io->precise) {
		int n;
		left.tv_sec = (time_t)(ns / 1000000000);
		left.tv_nsec = (long)(ns % 1000000000);
		n = epoll_pwait2(io->epfd, io->events, MAX_EVENTS, &left, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		io->precise = 0;
	}
	return epoll_wait(io->epfd, io->events, MAX_EVENTS, (int)((ns + 999999) / 1000000));
}

static int ep_wait(struct io_layer *io, int64_t until_ns)
{
	int n = wait_for(io, until_ns);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	io->event_count = n;
	for (io->event_at = 0; io->event_at < io->event_count; io->event_at++) {
		struct epoll_event *e = &io->events[io->event_at];
		struct io_conn *c = e->data.ptr;
		uint32_t gen;

		if (!c)
			continue;
		if (c->connecting) {
			on_connect_ready(io, c);
			continue;
		}
		gen = c->generation;
		if ((e->events & (EPOLLOUT | EPOLLERR)) && c->out)
			on_writable(io, c);
		if (c->generation == gen && (e->events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			on_readable(io, c);
	}
	io->event_count = 0;
	return 0;
}

const struct io_ops io_epoll_ops = {
	.name = "epoll",
	.open = ep_open,
	.close = ep_close,
	.connect = ep_connect,
	.send = ep_send,
	.release = ep_release,
	.wait = ep_wait,
};
