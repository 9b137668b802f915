/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy's I/O layers: the HTTP engine asks to connect, to send
 * a request's bytes and to close, and is told when a connection is up, a
 * send is done and bytes (or the end) arrived.  A connection always has a
 * receive armed once it is up, so a server closing an idle connection is
 * seen at once.  The epoll layer implements it over readiness, trying a
 * send at once; the io_uring layer queues every operation during the
 * callbacks and submits and reaps them in batches, one system call per
 * wait().
 */
#ifndef LEAN_IO_H
#define LEAN_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A connection as a layer sees it; the engine embeds it first in its own. */
struct io_conn {
	int fd;
	const char *out;            /* a send in progress */
	size_t out_len, out_done;
	int connecting;
	uint32_t layer_flags;       /* the layer's own bookkeeping */
	uint32_t generation;        /* bumped on close: stale events are dropped */
};

struct io_events {
	void *ctx;
	/* err: 0 or an errno value */
	void (*connected)(void *ctx, struct io_conn *c, int err);
	void (*sent)(void *ctx, struct io_conn *c, int err);
	/* n > 0 bytes arrived; 0: the peer closed; < 0: -errno */
	void (*received)(void *ctx, struct io_conn *c, const char *data, ssize_t n);
};

struct io_layer;

struct io_ops {
	const char *name;
	/* NULL with errno set when this layer cannot run here */
	struct io_layer *(*open)(const struct io_events *events, unsigned max_conns);
	void (*close)(struct io_layer *io);
	/* 0 (connected() follows), or -errno: the socket could not be made */
	int (*connect)(struct io_layer *io, struct io_conn *c, const struct sockaddr *addr,
	               socklen_t addr_len);
	/* 0 all sent now, 1 sent() follows, or -errno */
	int (*send)(struct io_layer *io, struct io_conn *c, const char *data, size_t len);
	/* closes the socket; no callback for c comes afterwards */
	void (*release)(struct io_layer *io, struct io_conn *c);
	/* waits until something happened or until_ns (CLOCK_MONOTONIC, -1:
	 * none) and runs the callbacks; -1 with errno on failure.  The open
	 * model rests on it: the wait ends at until_ns to well under a
	 * millisecond (a timeout in ns, not rounded up to whole ms), an
	 * until_ns already past only reaps what is ready, and it returns
	 * once any callback ran rather than waiting for more; what the
	 * engine asked for before the call (connects, sends) is on its way
	 * before the layer sleeps.  EINTR is no failure: return 0. */
	int (*wait)(struct io_layer *io, int64_t until_ns);
};

extern const struct io_ops io_epoll_ops;

#ifdef LEAN_HAVE_URING
/* Built with liburing: the io_uring layer, and whether a ring can be made
 * here at all (0, or -errno of io_uring_setup: seccomp, an old kernel). */
extern const struct io_ops io_uring_layer_ops;
int io_uring_layer_probe(void);
#endif

#endif
