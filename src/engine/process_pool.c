/* SPDX-License-Identifier: MIT */
/*
 * Worker processes.  The protocol is a stream of frames on a socketpair,
 * each a 4-byte length and a payload that starts with a type byte:
 *
 *   parent -> worker  REQUEST id attempt depth robots proxy+2 sitemap group url
 *                             own [method headers body meta]
 *                             known if_none_match if_modified_since
 *                     | DONE
 *   worker -> parent  RESULT id status bytes time error line failed retry_after
 *                            overload recrawl links...
 *                     | RETRY id reason status traffic time retry_after overload
 *
 * A worker answers every REQUEST with exactly one RESULT or RETRY, so the
 * parent always knows which request a worker holds; if the worker dies,
 * that request is failed as "worker died" (or retried) and nothing else is
 * lost.  Workers leave with _exit so they never flush stdio buffers they
 * inherited from the parent (records would be written twice).  A worker
 * that does not answer in time (a parser that never returns) ends itself
 * with an alarm, which the parent sees as a death.  The fork happens with
 * the run's lock held, so the other threads (the crawl's
 * keeper, the progress line) are never caught halfway through a step the
 * child would wait on for ever.  A worker
 * dies with its parent (PR_SET_PDEATHSIG): a SIGKILLed parent must not
 * leave workers holding transfers for as long as they last (for ever with
 * timeout: 0s).
 */
#include <config.h>

#include "engine/process_pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "engine/request.h"
#include "engine/run.h"

enum frame_type {
	FRAME_REQUEST = 1,
	FRAME_DONE = 2,
	FRAME_RESULT = 3,
	FRAME_RETRY = 4,
};

#define MAX_FRAME (256u << 20)
/* A worker answers within the job's timeout plus this share of it, and
 * at least WORKER_GRACE_MIN_S more: the timeout bounds the transfer, the
 * rest is for the parsers. */
#define WORKER_GRACE_MIN_S 5

struct scrape_worker {
	pid_t pid;
	int fd;
	uint64_t next_id;
	struct scrape_request *current;   /* handed to this worker, unanswered */
	struct scrape_worker *next;       /* the run's list of live workers */
};

/* ---- frames ---- */

static void put_u32(struct buf *b, uint32_t v)
{
	buf_append(b, &v, sizeof v);
}

static void put_u64(struct buf *b, uint64_t v)
{
	buf_append(b, &v, sizeof v);
}

static void put_str(struct buf *b, const char *s, size_t len)
{
	put_u32(b, (uint32_t)len);
	buf_append(b, s, len);
}

struct reader {
	const char *p, *end;
	int bad;
};

static void take(struct reader *r, void *out, size_t len)
{
	if (r->bad || (size_t)(r->end - r->p) < len) {
		r->bad = 1;
		memset(out, 0, len);
		return;
	}
	memcpy(out, r->p, len);
	r->p += len;
}

static uint64_t take_u64(struct reader *r)
{
	uint64_t v;
	take(r, &v, sizeof v);
	return v;
}

/* A string inside the frame; it is NUL-terminated in place by the caller's
 * buffer layout (see read_frame), so it is returned as a pointer. */
static const char *take_str(struct reader *r, size_t *len)
{
	uint32_t n;
	const char *s;

	take(r, &n, sizeof n);
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		*len = 0;
		return "";
	}
	s = r->p;
	r->p += n;
	*len = n;
	return s;
}

/* Moves all len bytes with read() or write(), through EINTR and short
 * transfers; -1 on error or end of file. */
static int transfer_all(ssize_t (*io)(int, void *, size_t), int fd, char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = io(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t write_io(int fd, void *p, size_t len)
{
	return write(fd, p, len);
}

static int write_all(int fd, const char *p, size_t len)
{
	return transfer_all(write_io, fd, (char *)p, len);
}

static int read_all(int fd, char *p, size_t len)
{
	return transfer_all(read, fd, p, len);
}

/* Sends a frame built in b after a 4-byte length placeholder. */
static int send_frame(int fd, struct buf *b)
{
	uint32_t len = (uint32_t)(b->len - sizeof len);

	if (b->oom)
		return -1;
	memcpy(b->data, &len, sizeof len);
	return write_all(fd, b->data, b->len);
}

static void start_frame(struct buf *b, enum frame_type type)
{
	buf_reset(b);
	put_u32(b, 0);
	buf_putc(b, (char)type);
}

/* Reads one frame into b (payload only); its type in *type. */
static int read_frame(int fd, struct buf *b, int *type)
{
	uint32_t len;

	if (read_all(fd, (char *)&len, sizeof len) < 0 || len == 0 || len > MAX_FRAME)
		return -1;
	buf_reset(b);
	if (buf_reserve(b, len) < 0 || read_all(fd, b->data, len) < 0)
		return -1;
	b->len = len;
	b->data[len] = '\0';
	*type = (unsigned char)b->data[0];
	return 0;
}

/* A request's own method, headers, body and meta (its urls entry's or
 * url_file line's), after a flag that says whether it has them: the
 * worker builds the request and its record, so both need them there. */
static void put_own_request(struct buf *b, const struct job_url_request *own)
{
	size_t i;

	put_u64(b, own != NULL);
	if (!own)
		return;
	put_str(b, own->method ? own->method : "", own->method ? strlen(own->method) : 0);
	put_u32(b, (uint32_t)own->header_count);
	for (i = 0; i < own->header_count; i++) {
		put_str(b, own->headers[i].name, strlen(own->headers[i].name));
		put_str(b, own->headers[i].value, strlen(own->headers[i].value));
	}
	put_u64(b, own->body != NULL);
	put_str(b, own->body ? own->body : "", own->body_len);
	put_str(b, own->meta ? own->meta : "", own->meta ? strlen(own->meta) : 0);
}

/* A string of the frame as a C string (NULL when empty and empty_is_null,
 * or without memory: *failed). */
static char *take_text(struct reader *r, int empty_is_null, size_t *len_out, int *failed)
{
	size_t len;
	const char *s = take_str(r, &len);
	char *copy;

	if (len_out)
		*len_out = len;
	if (r->bad || (empty_is_null && len == 0))
		return NULL;
	if (!(copy = malloc(len + 1))) {
		*failed = 1;
		return NULL;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

static struct job_url_request *take_own_request(struct reader *r)
{
	struct job_url_request *own;
	uint32_t count = 0;
	int failed = 0, has_body;
	size_t len;

	if (!take_u64(r))
		return NULL;
	if (!(own = calloc(1, sizeof *own)))
		goto bad;
	own->method = take_text(r, 1, NULL, &failed);
	take(r, &count, sizeof count);
	/* each header takes 8 bytes at least: a count past the frame is bad */
	if (r->bad || count > (size_t)(r->end - r->p) / 8 ||
	    (count && !(own->headers = calloc(count, sizeof *own->headers))))
		goto bad;
	for (; own->header_count < count && !failed; own->header_count++) {
		own->headers[own->header_count].name = take_text(r, 0, NULL, &failed);
		own->headers[own->header_count].value = take_text(r, 0, NULL, &failed);
	}
	has_body = (int)take_u64(r);
	own->body = take_text(r, !has_body, &len, &failed);
	own->body_len = own->body ? len : 0;
	own->meta = take_text(r, 1, NULL, &failed);
	if (!r->bad && !failed)
		return own;
bad:
	r->bad = 1;
	job_url_request_free(own);
	return NULL;
}

/* ---- the worker side ---- */

/* recrawl: what the parent found in the page's stored row; an empty
 * string is no validator. */
static int take_validators(struct reader *r, struct scrape_request *req)
{
	const char *s;
	size_t len;

	req->recrawl_known = take_u64(r) != 0;
	s = take_str(r, &len);
	if (len && !(req->if_none_match = strndup(s, len)))
		return -1;
	s = take_str(r, &len);
	if (len && !(req->if_modified_since = strndup(s, len)))
		return -1;
	return r->bad ? -1 : 0;
}

static void put_optional(struct buf *b, const char *s)
{
	put_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* How long a worker may take over one request, in seconds; 0: no limit
 * (a job without a timeout). */
static unsigned answer_limit_s(const struct job *job)
{
	int64_t t = job->timeout_ns, grace;

	if (t <= 0)
		return 0;
	grace = t > (int64_t)WORKER_GRACE_MIN_S * 1000000000 ? t : (int64_t)WORKER_GRACE_MIN_S * 1000000000;
	t = (t + grace + 999999999) / 1000000000;
	return t > 86400 ? 86400 : (unsigned)t;
}

static int worker_request(struct scrape_run *run, CURL *easy, struct reader *r, struct buf *out,
                          int fd)
{
	struct scrape_request req;
	struct request_result res;
	uint64_t id = take_u64(r);
	size_t len;
	const char *url, *group;
	char *group_copy = NULL;
	CURLcode rc;
	int sent;

	memset(&req, 0, sizeof req);
	req.run = run;
	req.attempt = (int)take_u64(r);
	req.depth = (int)take_u64(r);
	req.robots = (int)take_u64(r);
	req.proxy = (int)take_u64(r) - 2;
	if (req.proxy >= (int)run->job->proxy_count)
		return -1;
	if (req.proxy >= 0)
		req.proxy_name = run->job->proxies[req.proxy].shown;
	req.sitemap = (int)take_u64(r);
	/* the group's name goes into the record, which is made here */
	group = take_str(r, &len);
	if (!r->bad && len && !(group_copy = strndup(group, len)))
		return -1;
	req.group_name = group_copy;
	url = take_str(r, &len);
	if (r->bad || !(req.url = strndup(url, len))) {
		free(group_copy);
		return -1;
	}
	req.request = req.own_request = take_own_request(r);
	if (r->bad || take_validators(r, &req) < 0) {
		job_url_request_free(req.own_request);
		transfer_request_release(&req);
		free(req.url);
		free(group_copy);
		return -1;
	}
	alarm(answer_limit_s(run->job));
	rc = transfer_prepare(&run->fetch, &req, easy) == 0 ? curl_easy_perform(easy) : CURLE_OUT_OF_MEMORY;
	if (run_conclude(run, &req, easy, rc, &res) == RUN_RETRY) {
		start_frame(out, FRAME_RETRY);
		put_u64(out, id);
		put_str(out, res.error, strlen(res.error));
		put_u64(out, (uint64_t)req.last_status);
		put_u64(out, res.bytes_in);
		put_u64(out, res.bytes_out);
		put_u64(out, res.connections);
		buf_append(out, &res.time_total, sizeof res.time_total);
		put_u64(out, (uint64_t)res.retry_after_ns);
		put_u64(out, (uint64_t)res.overload);
	} else {
		start_frame(out, FRAME_RESULT);
		put_u64(out, id);
		put_u64(out, (uint64_t)res.status);
		put_u64(out, res.bytes);
		put_u64(out, res.bytes_in);
		put_u64(out, res.bytes_out);
		put_u64(out, res.connections);
		buf_append(out, &res.time_total, sizeof res.time_total);
		put_str(out, res.has_error ? res.error : "", res.has_error ? strlen(res.error) : 0);
		put_str(out, res.line.data ? res.line.data : "", res.line.len);
		put_u64(out, (uint64_t)res.has_error);
		put_u64(out, (uint64_t)res.retry_after_ns);
		put_u64(out, (uint64_t)res.overload);
		put_u64(out, (uint64_t)res.recrawl);
		put_u32(out, (uint32_t)res.link_count);
		for (size_t i = 0; i < res.link_count; i++)
			put_str(out, res.links[i], strlen(res.links[i]));
	}
	request_result_free(&res);
	buf_free(&req.body);
	buf_free(&req.headers);
	buf_free(&req.found);
	transfer_request_release(&req);
	free(req.url);
	free(group_copy);
	job_url_request_free(req.own_request);
	sent = send_frame(fd, out);
	alarm(0);
	return sent;
}

static void __attribute__((noreturn)) worker_main(struct scrape_run *run, int fd)
{
	CURL *easy = curl_easy_init();
	struct buf in = { 0 }, out = { 0 };
	int type, status = 1;
	/* The parent's records, kept reachable in this frame, which lasts until
	 * the worker's _exit: closing them would flush or checkpoint the
	 * parent's file or database from here (SQLite forbids using a
	 * connection across fork), and dropping the pointer would leak them.
	 * volatile: the store must stay, although nothing reads it. */
	struct output *volatile inherited_output __attribute__((unused)) = run->output;

	/* the parent owns the records: never write them from here */
	run->output = NULL;
	signal(SIGALRM, SIG_DFL);
	while (easy && read_frame(fd, &in, &type) == 0) {
		struct reader r = { in.data + 1, in.data + in.len, 0 };

		if (type == FRAME_DONE) {
			status = 0;
			break;
		}
		if (type != FRAME_REQUEST || worker_request(run, easy, &r, &out, fd) < 0)
			break;
	}
	if (easy)
		curl_easy_cleanup(easy);
	buf_free(&in);
	buf_free(&out);
	_exit(status);
}

/* ---- the parent side ---- */

/* In a new worker: ends it with the parent, however the parent ends.
 * The signal is tied to the thread that forked, which is the strategy's
 * loop; the check after it covers a parent that died before it was set. */
static void die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
}

/* Said once: a strategy retries a worker that could not start each time
 * it looks, and the reason (out of descriptors or processes) stays the
 * same. */
static void spawn_failed(const char *what)
{
	static int said;
	struct rlimit limit = { 0 };
	int saved = errno;
	char why[64] = "";

	if (said++)
		return;
	if ((saved == EMFILE || saved == ENFILE) && getrlimit(RLIMIT_NOFILE, &limit) == 0)
		snprintf(why, sizeof why, " (the limit is %llu, ulimit -n)",
		         (unsigned long long)limit.rlim_cur);
	else if (saved == EAGAIN && getrlimit(RLIMIT_NPROC, &limit) == 0)
		snprintf(why, sizeof why, " (the limit is %llu processes, ulimit -u)",
		         (unsigned long long)limit.rlim_cur);
	log_error("cannot %s a worker: %s%s; going on with the workers there are", what,
	          strerror(saved), why);
}

struct scrape_worker *worker_spawn(struct scrape_run *run)
{
	struct scrape_worker *w = calloc(1, sizeof *w), *sibling;
	pid_t parent = getpid();
	int fds[2];

	if (!w || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
		spawn_failed("create");
		free(w);
		return NULL;
	}
	/* whatever sits in stdio buffers must not be written twice */
	fflush(NULL);
	/* (the log takes its own lock around fork, see util/log.c) */
	pthread_mutex_lock(&run->lock);
	w->pid = fork();
	pthread_mutex_unlock(&run->lock);
	if (w->pid < 0) {
		spawn_failed("fork");
		close(fds[0]);
		close(fds[1]);
		free(w);
		return NULL;
	}
	if (w->pid == 0) {
		die_with_parent(parent);
		close(fds[0]);
		for (sibling = run->workers; sibling; sibling = sibling->next)
			close(sibling->fd);
		free(w);        /* the parent's handle on this worker */
		worker_main(run, fds[1]);
	}
	close(fds[1]);
	w->fd = fds[0];
	w->next = run->workers;
	run->workers = w;
	return w;
}

int worker_fd(const struct scrape_worker *w)
{
	return w->fd;
}

int worker_busy(const struct scrape_worker *w)
{
	return w->current != NULL;
}

enum scrape_next worker_dispatch(struct scrape_run *run, struct scrape_worker *w,
                                 int64_t *not_before_ns)
{
	struct scrape_request *req;
	struct buf frame = { 0 };
	enum scrape_next next;

	*not_before_ns = -1;
	if (w->current)
		return SCRAPE_NEXT_WAIT;
	next = run_next(run, &req, not_before_ns);
	if (next == SCRAPE_NEXT_WAIT)
		return next;
	if (next == SCRAPE_NEXT_DONE) {
		start_frame(&frame, FRAME_DONE);
	} else {
		w->current = req;
		start_frame(&frame, FRAME_REQUEST);
		put_u64(&frame, ++w->next_id);
		put_u64(&frame, (uint64_t)req->attempt);
		put_u64(&frame, (uint64_t)req->depth);
		put_u64(&frame, (uint64_t)req->robots);
		/* chosen here, in the parent, so the rotation spans the workers */
		put_u64(&frame, (uint64_t)(req->proxy + 2));
		put_u64(&frame, (uint64_t)req->sitemap);
		put_str(&frame, req->group_name ? req->group_name : "",
		        req->group_name ? strlen(req->group_name) : 0);
		put_str(&frame, req->url, strlen(req->url));
		put_own_request(&frame, req->request);
		put_u64(&frame, (uint64_t)req->recrawl_known);
		put_optional(&frame, req->if_none_match);
		put_optional(&frame, req->if_modified_since);
	}
	/* a failed send means the worker died: worker_service sees the EOF
	 * and settles the request it holds */
	send_frame(w->fd, &frame);
	buf_free(&frame);
	return next;
}

static void unlink_worker(struct scrape_run *run, struct scrape_worker *w)
{
	struct scrape_worker **p;

	for (p = &run->workers; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
}

/* Reaps the worker and settles what it held with reason, or with the
 * alarm's when the worker ended itself for taking too long. */
static void bury(struct scrape_run *run, struct scrape_worker *w, const char *reason)
{
	char hung[96];
	int status = 0;

	unlink_worker(run, w);
	close(w->fd);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (w->current && WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		snprintf(hung, sizeof hung, "worker stopped answering (ended after %us)",
		         answer_limit_s(run->job));
		reason = hung;
	}
	if (w->current)
		run_fail(run, w->current, reason);
	free(w);
}

static int take_result(struct scrape_run *run, struct scrape_worker *w, struct reader *r)
{
	struct request_result res;
	const char *s;
	size_t len, i;
	uint32_t count = 0;

	memset(&res, 0, sizeof res);
	take_u64(r);                    /* id: one request at a time, so implied */
	res.status = (long)take_u64(r);
	res.bytes = take_u64(r);
	res.bytes_in = take_u64(r);
	res.bytes_out = take_u64(r);
	res.connections = take_u64(r);
	take(r, &res.time_total, sizeof res.time_total);
	s = take_str(r, &len);
	snprintf(res.error, sizeof res.error, "%.*s", (int)len, s);
	s = take_str(r, &len);
	buf_append(&res.line, s, len);
	res.has_error = take_u64(r) != 0;
	res.retry_after_ns = (int64_t)take_u64(r);
	res.overload = take_u64(r) != 0;
	res.recrawl = (enum recrawl_class)take_u64(r);
	if (res.recrawl > RECRAWL_UNCHANGED)
		r->bad = 1;
	take(r, &count, sizeof count);
	if (!r->bad && count > 0 && count <= MAX_FRAME / 4) {
		res.links = calloc(count, sizeof *res.links);
		for (i = 0; res.links && i < count && !r->bad; i++) {
			s = take_str(r, &len);
			if ((res.links[i] = strndup(s, len)) != NULL)
				res.link_count++;
		}
	}
	if (r->bad) {
		request_result_free(&res);
		return -1;
	}
	run_record(run, w->current, &res);
	w->current = NULL;
	return 0;
}

int worker_service(struct scrape_run *run, struct scrape_worker *w)
{
	struct buf in = { 0 };
	int type, rc = -1;

	if (read_frame(w->fd, &in, &type) == 0 && w->current) {
		struct reader r = { in.data + 1, in.data + in.len, 0 };
		if (type == FRAME_RESULT) {
			rc = take_result(run, w, &r);
		} else if (type == FRAME_RETRY) {
			size_t len;
			const char *reason;
			char text[96];
			struct request_result attempt;

			take_u64(&r);
			reason = take_str(&r, &len);
			snprintf(text, sizeof text, "%.*s", (int)len, reason);
			w->current->last_status = (long)take_u64(&r);
			memset(&attempt, 0, sizeof attempt);
			attempt.status = w->current->last_status;
			attempt.bytes_in = take_u64(&r);
			attempt.bytes_out = take_u64(&r);
			attempt.connections = take_u64(&r);
			take(&r, &attempt.time_total, sizeof attempt.time_total);
			attempt.retry_after_ns = (int64_t)take_u64(&r);
			attempt.overload = take_u64(&r) != 0;
			if (!r.bad) {
				run_retry(run, w->current, text, &attempt);
				w->current = NULL;
				rc = 0;
			}
		}
	}
	buf_free(&in);
	if (rc < 0)
		bury(run, w, "worker died");
	return rc;
}

void worker_stop(struct scrape_run *run, struct scrape_worker *w)
{
	struct buf frame = { 0 };

	if (w->current) {
		/* a stopped run: the transfer it holds ends now */
		kill(w->pid, SIGKILL);
		bury(run, w, "interrupted");
		return;
	}
	start_frame(&frame, FRAME_DONE);
	send_frame(w->fd, &frame);
	buf_free(&frame);
	bury(run, w, "worker died");
}
