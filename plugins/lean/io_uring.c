/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy's io_uring layer: one ring per loop.  Connects, sends,
 * receives and cancels are queued as SQEs while the engine's callbacks run
 * and reach the kernel together, with the wait for completions, in one
 * io_uring_submit_and_wait_timeout per wait().  Receives take buffers from
 * a provided buffer ring, one multishot receive per connection where the
 * kernel has them (one-shot receives where it has only the ring), else a
 * plain receive into the socket's own buffer.  The layer's state of a
 * socket (struct sock) outlives the engine's connection until the last of
 * its operations has completed, so a completion that comes after release()
 * lands on memory the layer still owns and is dropped there; operations
 * released before they were submitted become no-ops.
 */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 16384          /* one receive buffer, provided or plain */
#define BUF_GROUP 1
#define REAP_BATCH 128

enum op { OP_CONNECT, OP_SEND, OP_RECV, OP_COUNT };

struct sock {
	struct io_conn *conn;       /* NULL once released */
	int fd;
	unsigned index;             /* in io->socks, and so in user_data */
	unsigned short busy[OP_COUNT]; /* operations in flight, queued or submitted */
	int multishot_recv;         /* its receive was armed as a multishot one */
	struct sockaddr_storage addr; /* a connect's address, read by the kernel */
	char *buf;                  /* plain receives only */
	struct sock *next_free;
};

struct io_layer {
	struct io_events ev;
	struct io_uring ring;
	unsigned max_conns;
	int disabled;               /* made with R_DISABLED: the loop's thread enables it */
	int started, start_error;
	struct sock **socks;
	unsigned sock_count, sock_cap;
	struct sock *free_socks;
	struct io_uring_buf_ring *br; /* provided buffers, or NULL: plain receives */
	size_t br_bytes;
	char *bufs;
	unsigned buf_count;
	int multishot;
};

/* user_data: the socket's index + 1 above two bits of operation; 0 (cancels,
 * no-ops) is never looked at. */
static uint64_t data_of(const struct sock *s, enum op op)
{
	return ((uint64_t)(s->index + 1) << 2) | (uint64_t)op;
}

static struct sock *sock_of(struct io_layer *io, const struct io_conn *c)
{
	return c->layer_flags < io->sock_count ? io->socks[c->layer_flags] : NULL;
}

static struct sock *sock_new(struct io_layer *io)
{
	struct sock *s = io->free_socks;

	if (s) {
		io->free_socks = s->next_free;
		return s;
	}
	if (io->sock_count == io->sock_cap) {
		unsigned cap = io->sock_cap ? io->sock_cap * 2 : 64;
		struct sock **grown = realloc(io->socks, cap * sizeof *grown);
		if (!grown)
			return NULL;
		io->socks = grown;
		io->sock_cap = cap;
	}
	if (!(s = calloc(1, sizeof *s)))
		return NULL;
	s->fd = -1;
	s->index = io->sock_count;
	io->socks[io->sock_count++] = s;
	return s;
}

/* Back to the free list once released and nothing of it is in flight. */
static void sock_settle(struct io_layer *io, struct sock *s)
{
	int op;

	if (s->conn)
		return;
	for (op = 0; op < OP_COUNT; op++)
		if (s->busy[op])
			return;
	s->next_free = io->free_socks;
	io->free_socks = s;
}

/* An SQE, submitting what is queued when the ring is full; NULL if even
 * that leaves no room. */
static struct io_uring_sqe *sqe_get(struct io_layer *io)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);

	if (!sqe && io_uring_submit(&io->ring) >= 0)
		sqe = io_uring_get_sqe(&io->ring);
	return sqe;
}

static void queued(struct sock *s, struct io_uring_sqe *sqe, enum op op)
{
	io_uring_sqe_set_data64(sqe, data_of(s, op));
	s->busy[op]++;
}

/* ---- provided buffers ---- */

static void buffers_setup(struct io_layer *io)
{
	struct io_uring_buf_reg reg = { 0 };
	unsigned n = 64, i;
	void *mem;

	while (n < io->max_conns * 2 && n < 1024)
		n <<= 1;
	io->br_bytes = n * sizeof(struct io_uring_buf);
	mem = mmap(NULL, io->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return;
	reg.ring_addr = (uintptr_t)mem;
	reg.ring_entries = n;
	reg.bgid = BUF_GROUP;
	/* an older kernel (before 5.19) has no buffer rings: plain receives */
	if (!(io->bufs = malloc((size_t)n * BUF_SIZE)) ||
	    io_uring_register_buf_ring(&io->ring, &reg, 0) < 0) {
		free(io->bufs);
		io->bufs = NULL;
		munmap(mem, io->br_bytes);
		return;
	}
	io->br = mem;
	io->buf_count = n;
	io_uring_buf_ring_init(io->br);
	for (i = 0; i < n; i++)
		io_uring_buf_ring_add(io->br, io->bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
		                      io_uring_buf_ring_mask(n), (int)i);
	io_uring_buf_ring_advance(io->br, (int)n);
	/* multishot receives came in 6.0; a kernel without them refuses the
	 * first with EINVAL and the layer goes on with one-shot ones */
	io->multishot = 1;
}

static void buffer_recycle(struct io_layer *io, unsigned bid)
{
	io_uring_buf_ring_add(io->br, io->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
	                      io_uring_buf_ring_mask(io->buf_count), 0);
	io_uring_buf_ring_advance(io->br, 1);
}

/* io_uring_enable_rings() is declared but not exported by liburing 2.3:
 * the register call it makes, made here */
static int enable_ring(struct io_uring *ring)
{
	if (syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* The ring was made by the thread that set the loop up; the first call
 * from the loop's own thread enables it, so that thread is its single
 * issuer, and registers the buffers. */
static int start(struct io_layer *io)
{
	int rc;

	if (io->started)
		return io->start_error;
	io->started = 1;
	if (io->disabled && (rc = enable_ring(&io->ring)) < 0)
		return io->start_error = rc;
	buffers_setup(io);
	return 0;
}

/* ---- operations ---- */

static int arm_recv(struct io_layer *io, struct sock *s)
{
	struct io_uring_sqe *sqe;

	if (!io->br && !s->buf && !(s->buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	if (!(sqe = sqe_get(io)))
		return -EBUSY;
	s->multishot_recv = io->br && io->multishot;
	if (io->br) {
		if (io->multishot)
			io_uring_prep_recv_multishot(sqe, s->fd, NULL, 0, 0);
		else
			io_uring_prep_recv(sqe, s->fd, NULL, BUF_SIZE, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = BUF_GROUP;
	} else {
		io_uring_prep_recv(sqe, s->fd, s->buf, BUF_SIZE, 0);
	}
	queued(s, sqe, OP_RECV);
	return 0;
}

static int queue_send(struct io_layer *io, struct sock *s, struct io_conn *c)
{
	struct io_uring_sqe *sqe = sqe_get(io);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_send(sqe, s->fd, c->out + c->out_done, c->out_len - c->out_done, MSG_NOSIGNAL);
	queued(s, sqe, OP_SEND);
	return 0;
}

static int ur_connect(struct io_layer *io, struct io_conn *c, const struct sockaddr *addr,
                      socklen_t addr_len)
{
	struct io_uring_sqe *sqe;
	struct sock *s;
	int one = 1, fd, rc;

	if ((rc = start(io)) < 0)
		return rc;
	/* a blocking socket: the ring polls it, and nothing else touches it */
	if ((fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!(s = sock_new(io)) || !(sqe = sqe_get(io))) {
		if (s)
			sock_settle(io, s);
		close(fd);
		return s ? -EBUSY : -ENOMEM;
	}
	s->fd = fd;
	s->conn = c;
	memcpy(&s->addr, addr, addr_len);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&s->addr, addr_len);
	queued(s, sqe, OP_CONNECT);
	c->fd = fd;
	c->connecting = 1;
	c->out = NULL;
	c->layer_flags = s->index;
	return 0;
}

static int ur_send(struct io_layer *io, struct io_conn *c, const char *data, size_t len)
{
	struct sock *s = sock_of(io, c);
	int rc;

	if ((rc = start(io)) < 0)
		return rc;
	if (!s || s->conn != c)
		return -EBADF;
	c->out = data;
	c->out_len = len;
	c->out_done = 0;
	rc = queue_send(io, s, c);
	return rc < 0 ? rc : 1;
}

/* Operations of s still in the SQ, not yet submitted, become no-ops: they
 * name a descriptor about to be closed, whose number a new socket may get. */
static void drop_unsubmitted(struct io_layer *io, struct sock *s)
{
	struct io_uring_sq *sq = &io->ring.sq;
	unsigned i;

	for (i = sq->sqe_head; i != sq->sqe_tail; i++) {
		struct io_uring_sqe *sqe = &sq->sqes[i & sq->ring_mask];
		uint64_t data = sqe->user_data;
		if (data == 0 || (data >> 2) != (uint64_t)s->index + 1)
			continue;
		memset(sqe, 0, sizeof *sqe);
		sqe->opcode = IORING_OP_NOP;
		s->busy[data & 3]--;
	}
}

static void ur_release(struct io_layer *io, struct io_conn *c)
{
	struct sock *s = sock_of(io, c);
	int op, unsure = 0;

	c->generation++;
	if (c->fd < 0)
		return;
	c->fd = -1;
	c->out = NULL;
	c->connecting = 0;
	if (!s || s->conn != c)
		return;
	s->conn = NULL;
	drop_unsubmitted(io, s);
	/* what was submitted holds the socket open until it completes:
	 * cancelled, so that a receive waiting on a quiet peer ends now */
	for (op = 0; op < OP_COUNT; op++) {
		unsigned n;
		for (n = s->busy[op]; n > 0; n--) {
			struct io_uring_sqe *sqe = sqe_get(io);
			if (!sqe) {
				unsure = 1;
				break;
			}
			io_uring_prep_cancel64(sqe, data_of(s, (enum op)op), 0);
			io_uring_sqe_set_data64(sqe, 0);
		}
	}
	if (unsure)
		shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	s->fd = -1;
	sock_settle(io, s);
}

/* ---- completions ---- */

struct completion {
	uint64_t data;
	int32_t res;
	uint32_t flags;
};

static void on_connect(struct io_layer *io, struct sock *s, struct io_conn *c, int res)
{
	int err = res < 0 ? -res : 0;

	c->connecting = 0;
	if (!err)
		err = -arm_recv(io, s);
	io->ev.connected(io->ev.ctx, c, err);
}

static void on_send(struct io_layer *io, struct sock *s, struct io_conn *c, int res)
{
	if (res == -EINTR || res == -EAGAIN)
		res = 0;
	if (res >= 0 && c->out) {
		c->out_done += (size_t)res;
		/* a short send: the rest goes in the next batch */
		if (c->out_done < c->out_len) {
			if ((res = queue_send(io, s, c)) == 0)
				return;
		}
	}
	c->out = NULL;
	io->ev.sent(io->ev.ctx, c, res < 0 ? -res : 0);
}

static void on_recv(struct io_layer *io, struct sock *s, struct io_conn *c,
                    const struct completion *e, const char *data)
{
	int res = e->res, more = (e->flags & IORING_CQE_F_MORE) != 0, armed;
	uint32_t generation = c->generation;

	if (res == -EINVAL && s->multishot_recv) {
		/* a kernel before 6.0: one-shot receives from now on (other
		 * connections' multishot ones fail alike and land here too) */
		io->multishot = 0;
		s->multishot_recv = 0;
		res = -EAGAIN;
	}
	if (res == -ENOBUFS || res == -EINTR || res == -EAGAIN) {
		/* out of buffers or interrupted: nothing arrived, armed again */
		if (more || s->busy[OP_RECV] || (res = arm_recv(io, s)) == 0)
			return;
		io->ev.received(io->ev.ctx, c, data, res);
		return;
	}
	/* one receive stays armed while the connection lives */
	armed = res <= 0 || more || s->busy[OP_RECV] ? 0 : arm_recv(io, s);
	io->ev.received(io->ev.ctx, c, data, res);
	if (armed < 0 && c->generation == generation)
		io->ev.received(io->ev.ctx, c, data, armed);
}

static void complete(struct io_layer *io, const struct completion *e)
{
	unsigned index = (unsigned)(e->data >> 2) - 1, bid = e->flags >> IORING_CQE_BUFFER_SHIFT;
	enum op op = (enum op)(e->data & 3);
	int has_buf = (e->flags & IORING_CQE_F_BUFFER) != 0;
	struct sock *s;
	struct io_conn *c;

	if (e->data == 0 || e->data == LIBURING_UDATA_TIMEOUT || index >= io->sock_count ||
	    op >= OP_COUNT) {
		if (has_buf && io->br)
			buffer_recycle(io, bid);
		return;
	}
	s = io->socks[index];
	if (!(e->flags & IORING_CQE_F_MORE) && s->busy[op])
		s->busy[op]--;
	if (!(c = s->conn)) {
		/* a completion after release(): the connection is gone */
		if (has_buf)
			buffer_recycle(io, bid);
		sock_settle(io, s);
		return;
	}
	/* the callbacks may release c, and s be taken again for a new
	 * connection: s is not looked at after them */
	switch (op) {
	case OP_CONNECT:
		on_connect(io, s, c, e->res);
		break;
	case OP_SEND:
		on_send(io, s, c, e->res);
		break;
	default:
		on_recv(io, s, c, e, has_buf ? io->bufs + (size_t)bid * BUF_SIZE : s->buf);
		break;
	}
	if (has_buf)
		buffer_recycle(io, bid);
}

/* Every completion there is, copied out a batch at a time so that the CQ
 * has room again before the callbacks queue more. */
static void reap(struct io_layer *io)
{
	for (;;) {
		struct completion batch[REAP_BATCH];
		struct io_uring_cqe *cqe;
		unsigned head, n = 0, i;

		io_uring_for_each_cqe(&io->ring, head, cqe) {
			batch[n].data = cqe->user_data;
			batch[n].res = cqe->res;
			batch[n].flags = cqe->flags;
			if (++n == REAP_BATCH)
				break;
		}
		if (n == 0)
			return;
		io_uring_cq_advance(&io->ring, n);
		for (i = 0; i < n; i++)
			complete(io, &batch[i]);
	}
}

static int ur_wait(struct io_layer *io, int64_t until_ns)
{
	struct __kernel_timespec left, *timeout = NULL;
	struct io_uring_cqe *cqe;
	int rc;

	if ((rc = start(io)) < 0) {
		errno = -rc;
		return -1;
	}
	if (until_ns >= 0) {
		struct timespec now;
		int64_t ns;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ns = until_ns - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
		if (ns < 0)
			ns = 0;
		left.tv_sec = ns / 1000000000;
		left.tv_nsec = ns % 1000000000;
		timeout = &left;
	}
	rc = io_uring_submit_and_wait_timeout(&io->ring, &cqe, 1, timeout, NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
		errno = -rc;
		return -1;
	}
	reap(io);
	return 0;
}

/* ---- the ring ---- */

static int ring_make(struct io_uring *ring, unsigned entries, unsigned flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof p);
	p.flags = flags | IORING_SETUP_CQSIZE;
	p.cq_entries = entries * 4;
	return io_uring_queue_init_params(entries, ring, &p);
}

static struct io_layer *ur_open(const struct io_events *events, unsigned max_conns)
{
	/* the cheapest setup this kernel takes: completions run only when
	 * the loop waits (6.1), else at its next system call (5.19), else
	 * as they come */
	static const unsigned setups[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct io_layer *io = calloc(1, sizeof *io);
	unsigned entries = 64, i;
	int rc = -EINVAL;

	if (!io)
		return NULL;
	io->ev = *events;
	io->max_conns = max_conns;
	while (entries < max_conns * 2 && entries < 4096)
		entries <<= 1;
	for (i = 0; i < sizeof setups / sizeof *setups && rc == -EINVAL; i++)
		if ((rc = ring_make(&io->ring, entries, setups[i])) == 0)
			io->disabled = (setups[i] & IORING_SETUP_R_DISABLED) != 0;
	if (rc < 0) {
		free(io);
		errno = -rc;
		return NULL;
	}
	return io;
}

static void ur_close(struct io_layer *io)
{
	unsigned i;

	if (!io)
		return;
	/* ends whatever is still in flight before its memory goes */
	io_uring_queue_exit(&io->ring);
	for (i = 0; i < io->sock_count; i++) {
		if (io->socks[i]->fd >= 0)
			close(io->socks[i]->fd);
		free(io->socks[i]->buf);
		free(io->socks[i]);
	}
	free(io->socks);
	if (io->br)
		munmap(io->br, io->br_bytes);
	free(io->bufs);
	free(io);
}

int io_uring_layer_probe(void)
{
	static const int needed[] = { IORING_OP_CONNECT, IORING_OP_SEND, IORING_OP_RECV,
	                              IORING_OP_ASYNC_CANCEL };
	struct io_uring ring;
	struct io_uring_probe *probe;
	int rc = io_uring_queue_init(4, &ring, 0);
	size_t i;

	if (rc < 0)
		return rc;
	if (!(probe = io_uring_get_probe_ring(&ring)))
		rc = -ENOSYS;
	for (i = 0; probe && i < sizeof needed / sizeof *needed; i++)
		if (!io_uring_opcode_supported(probe, needed[i]))
			rc = -EOPNOTSUPP;
	io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	return rc;
}

const struct io_ops io_uring_layer_ops = {
	.name = "uring",
	.open = ur_open,
	.close = ur_close,
	.connect = ur_connect,
	.send = ur_send,
	.release = ur_release,
	.wait = ur_wait,
};
