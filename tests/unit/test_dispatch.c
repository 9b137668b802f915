/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of dispatch, driven by a fake clock: DONE only when nothing is
 * in flight and no retry waits, batches that never overlap, the rate
 * limit's spacing, per-host turns and caps, the open model's schedule, and
 * the end of a run's duration.  No transfer is made: a test "finishes" a
 * request by releasing it, or fails it by queueing a retry.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/dispatch.h"
#include "config/job.h"
#include "tap.h"

#define MS 1000000LL
#define T0 (1000 * 1000 * MS)   /* the fake clock's start: any time but 0 */

struct fixture {
	struct job *job;
	struct dispatch d;
	struct stats stats;
	struct timeline timeline;
	atomic_int stop;
};

static struct job *load_text(const char *yaml)
{
	char path[] = "/tmp/scrape-test-XXXXXX", err[512];
	int fd = mkstemp(path);
	struct job *job;

	if (fd < 0 || write(fd, yaml, strlen(yaml)) != (ssize_t)strlen(yaml))
		return NULL;
	close(fd);
	job = job_load(path, NULL, NULL, 0, NULL, 0, err, sizeof err);
	unlink(path);
	if (!job)
		printf("# %s\n", err);
	return job;
}

static int setup(struct fixture *f, const char *yaml)
{
	char err[600];

	memset(f, 0, sizeof *f);
	if (!(f->job = load_text(yaml)))
		return -1;
	stats_init(&f->stats);
	timeline_init(&f->timeline);
	if (dispatch_init(&f->d, f->job, NULL, &f->stats, &f->timeline, &f->stop, NULL, NULL, err, sizeof err) < 0)
		return -1;
	dispatch_start(&f->d, T0);
	return 0;
}

static void teardown(struct fixture *f)
{
	dispatch_free(&f->d);
	timeline_free(&f->timeline);
	stats_free(&f->stats);
	job_free(f->job);
}

/* One next() at now; *nb gets not_before. */
static enum scrape_next ask(struct fixture *f, int64_t now, struct scrape_request **req, int64_t *nb)
{
	return dispatch_next(&f->d, req, nb, now);
}

/* A request comes back recorded. */
static void finish(struct fixture *f, struct scrape_request *req)
{
	dispatch_release(&f->d, req);
	dispatch_request_free(req);
}

static void test_done_waits_for_retries(void)
{
	struct fixture f;
	struct scrape_request *a = NULL, *b = NULL, *r;
	int64_t nb;

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2]\nretries: 1\nretry_delay: 1s\n") == 0,
	        "closed job loads"))
		return;
	ok(ask(&f, T0, &a, &nb) == SCRAPE_NEXT_READY && ask(&f, T0, &b, &nb) == SCRAPE_NEXT_READY,
	   "closed: both URLs READY at once");
	ok(ask(&f, T0, &r, &nb) == SCRAPE_NEXT_WAIT && nb == -1,
	   "sources used up, two in flight: WAIT until something finishes (-1)");
	dispatch_retry(&f.d, a, NULL, T0);
	finish(&f, b);
	ok(ask(&f, T0 + 500 * MS, &r, &nb) == SCRAPE_NEXT_WAIT && nb == T0 + 1000 * MS,
	   "nothing in flight but a retry queued: WAIT until its ready time, not DONE");
	ok(ask(&f, T0 + 1000 * MS, &r, &nb) == SCRAPE_NEXT_READY && r == a && r->attempt == 2,
	   "the retry is READY at its ready time, as attempt 2");
	ok(ask(&f, T0 + 1000 * MS, &b, &nb) == SCRAPE_NEXT_WAIT && nb == -1,
	   "the retry in flight: WAIT, not DONE");
	finish(&f, a);
	ok(ask(&f, T0 + 1001 * MS, &r, &nb) == SCRAPE_NEXT_DONE,
	   "DONE once nothing is in flight and no retry waits");
	ok(f.stats.retries == 1 && f.stats.sent == 2 && f.stats.in_flight == 0,
	   "one retry counted, two starts, none in flight");
	teardown(&f);
}

static void test_batches(void)
{
	struct fixture f;
	struct scrape_request *r[5], *x;
	int64_t nb;

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2, http://a/3, http://a/4, http://a/5]\n"
	                  "batch_size: 2\n") == 0, "batch job loads"))
		return;
	ok(ask(&f, T0, &r[0], &nb) == SCRAPE_NEXT_READY && ask(&f, T0, &r[1], &nb) == SCRAPE_NEXT_READY,
	   "the first batch: two READY");
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT && nb == -1, "the batch is full: WAIT (-1)");
	finish(&f, r[0]);
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT && nb == -1,
	   "one of the batch still in flight: the next batch does not start");
	finish(&f, r[1]);
	ok(ask(&f, T0, &r[2], &nb) == SCRAPE_NEXT_READY && ask(&f, T0, &r[3], &nb) == SCRAPE_NEXT_READY &&
	   strcmp(r[2]->url, "http://a/3") == 0, "the previous batch finished: the next opens, in order");
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT, "the second batch is full too");
	finish(&f, r[2]);
	finish(&f, r[3]);
	ok(ask(&f, T0, &r[4], &nb) == SCRAPE_NEXT_READY, "the last, short batch");
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT, "WAIT while the last is in flight");
	finish(&f, r[4]);
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_DONE, "DONE after the last batch");
	teardown(&f);
}

static void test_rate_limit(void)
{
	struct fixture f;
	struct scrape_request *r;
	int64_t nb;
	int n = 0;

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2, http://a/3]\nrate_limit: 10/s\n") == 0,
	        "rate-limited job loads"))
		return;
	ok(ask(&f, T0, &r, &nb) == SCRAPE_NEXT_READY, "the first start is READY at once");
	finish(&f, r);
	ok(ask(&f, T0 + 1 * MS, &r, &nb) == SCRAPE_NEXT_WAIT && nb == T0 + 100 * MS,
	   "the next WAITs until 100 ms after the first (10/s)");
	ok(ask(&f, T0 + 100 * MS, &r, &nb) == SCRAPE_NEXT_READY && strcmp(r->url, "http://a/2") == 0,
	   "READY at its slot, and the URL it waited with");
	finish(&f, r);
	ok(ask(&f, T0 + 150 * MS, &r, &nb) == SCRAPE_NEXT_WAIT && nb == T0 + 200 * MS,
	   "the third WAITs until 200 ms");
	while (ask(&f, T0 + 200 * MS, &r, &nb) == SCRAPE_NEXT_READY) {
		n++;
		finish(&f, r);
	}
	ok(n == 1, "one READY at 200 ms (%d)", n);
	ok(ask(&f, T0 + 200 * MS, &r, &nb) == SCRAPE_NEXT_DONE, "then DONE");
	teardown(&f);
}

static void test_per_host(void)
{
	struct fixture f;
	struct scrape_request *a1, *b1, *a2, *x;
	enum scrape_next answer;
	int64_t nb;

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2, http://b/1]\n"
	                  "per_host: {concurrency: 1}\n") == 0, "per-host job loads"))
		return;
	ok(ask(&f, T0, &a1, &nb) == SCRAPE_NEXT_READY && strcmp(a1->url, "http://a/1") == 0,
	   "host a's first request");
	ok(ask(&f, T0, &b1, &nb) == SCRAPE_NEXT_READY && strcmp(b1->url, "http://b/1") == 0,
	   "host a at its cap: host b takes its turn, not held up");
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT && nb == -1,
	   "both hosts at their cap of 1: WAIT until a transfer finishes");
	finish(&f, b1);
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT,
	   "host b's slot freed does not let host a exceed its cap");
	finish(&f, a1);
	ok(ask(&f, T0, &a2, &nb) == SCRAPE_NEXT_READY && strcmp(a2->url, "http://a/2") == 0,
	   "host a's slot freed: its next request");
	finish(&f, a2);
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_DONE, "DONE when every host queue is empty");
	teardown(&f);

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2]\nper_host: {rate: 10/s}\n") == 0,
	        "per-host rate job loads"))
		return;
	ok(ask(&f, T0, &a1, &nb) == SCRAPE_NEXT_READY, "the host's first start");
	finish(&f, a1);
	answer = ask(&f, T0 + 1 * MS, &x, &nb);
	ok(answer == SCRAPE_NEXT_WAIT && nb > T0 + 1 * MS && nb <= T0 + 100 * MS,
	   "the host's rate: WAIT until its next slot (%lld ms)", (long long)((nb - T0) / MS));
	ok(ask(&f, nb, &a2, &nb) == SCRAPE_NEXT_READY, "READY at that slot");
	finish(&f, a2);
	teardown(&f);
}

static void test_open_model(void)
{
	struct fixture f;
	struct scrape_request *r, *held[16];
	int64_t nb, due;
	size_t n = 0, i;

	if (!ok(setup(&f, "urls: [http://a/]\nrate: 10/s\nduration: 1s\n") == 0, "open job loads"))
		return;
	due = T0 + f.d.schedule.next_ns;
	if (due > T0)
		ok(ask(&f, T0, &r, &nb) == SCRAPE_NEXT_WAIT && nb == due,
		   "before the first start is due: WAIT until it");
	ok(ask(&f, due, &held[n], &nb) == SCRAPE_NEXT_READY && held[n]->intended_ns == due,
	   "a due start is READY, with its scheduled time");
	n++;
	ok(f.stats.late == 0, "on time: not late");
	ok(ask(&f, due, &r, &nb) == SCRAPE_NEXT_WAIT && nb == T0 + f.d.schedule.next_ns &&
	   nb - due == 100 * MS, "the next start WAITs for its own time, 100 ms on (10/s)");
	due = nb;
	ok(ask(&f, due + 5 * MS, &held[n], &nb) == SCRAPE_NEXT_READY && held[n]->intended_ns == due,
	   "a start taken 5 ms after it was due keeps its scheduled time");
	n++;
	ok(f.stats.late == 1, "and is counted late");
	finish(&f, held[0]);
	ok(ask(&f, T0 + 1000 * MS, &r, &nb) == SCRAPE_NEXT_WAIT,
	   "at the end of the duration: nothing new, WAIT for the one in flight");
	ok(f.stats.dropped > 0, "the starts the schedule wanted but never got out are dropped (%llu)",
	   (unsigned long long)f.stats.dropped);
	ok(ask(&f, T0 + 2000 * MS, &r, &nb) == SCRAPE_NEXT_WAIT, "nothing after the end");
	for (i = 1; i < n; i++)
		finish(&f, held[i]);
	ok(ask(&f, T0 + 2000 * MS, &r, &nb) == SCRAPE_NEXT_DONE,
	   "DONE when the schedule has ended and nothing is in flight");
	ok(f.stats.sent == 2, "two starts sent");
	teardown(&f);
}

static void test_expiry(void)
{
	struct fixture f;
	struct scrape_request *r, *x;
	int64_t nb;

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2]\nduration: 1s\n") == 0,
	        "closed job with a duration loads"))
		return;
	ok(ask(&f, T0, &r, &nb) == SCRAPE_NEXT_READY, "within the duration: READY");
	ok(ask(&f, T0 + 1000 * MS, &x, &nb) == SCRAPE_NEXT_WAIT,
	   "the duration is over: nothing new, WAIT for the one in flight");
	ok(f.d.frontier.expired, "the frontier expired");
	finish(&f, r);
	ok(ask(&f, T0 + 1001 * MS, &x, &nb) == SCRAPE_NEXT_DONE, "then DONE");
	teardown(&f);

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2]\nduration: 1s\n"
	                  "per_host: {concurrency: 1}\n") == 0, "per-host job with a duration loads"))
		return;
	ok(ask(&f, T0, &r, &nb) == SCRAPE_NEXT_READY, "per-host: the first start");
	ok(ask(&f, T0, &x, &nb) == SCRAPE_NEXT_WAIT && f.d.outstanding > 1,
	   "the URLs cycle for the duration: more wait in the host queue");
	ok(ask(&f, T0 + 1000 * MS, &x, &nb) == SCRAPE_NEXT_WAIT && f.d.outstanding == 1,
	   "at the end of the duration the queued requests that never started are dropped");
	finish(&f, r);
	ok(ask(&f, T0 + 1000 * MS, &x, &nb) == SCRAPE_NEXT_DONE, "then DONE");
	teardown(&f);
}

/* A Retry-After pauses its host and times the retry; other hosts go on.
 * Exponential back-off pauses the host too, within its jitter bounds. */
static void test_host_pace(void)
{
	struct fixture f;
	struct scrape_request *a = NULL, *b = NULL, *r = NULL;
	struct host_answer busy = { .latency_ns = MS, .status = 429, .overload = 1,
	                            .retry_after_ns = 2000 * MS };
	int64_t nb;

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2, http://b/1, http://b/2]\nretries: 2\n") == 0,
	        "a scrape with retries loads"))
		return;
	ok(f.d.hosts != NULL, "retries and retry_after: host queues, so a host can pause");
	ok(ask(&f, T0, &a, &nb) == SCRAPE_NEXT_READY && strcmp(a->url, "http://a/1") == 0 &&
	   ask(&f, T0, &b, &nb) == SCRAPE_NEXT_READY && strcmp(b->url, "http://b/1") == 0,
	   "hosts take turns");
	dispatch_retry(&f.d, a, &busy, T0 + 10 * MS);
	ok(a->ready_ns == T0 + 2010 * MS, "the retry waits as Retry-After says");
	finish(&f, b);
	ok(ask(&f, T0 + 20 * MS, &r, &nb) == SCRAPE_NEXT_READY && strcmp(r->url, "http://b/2") == 0,
	   "the other host goes on during the pause");
	finish(&f, r);
	ok(ask(&f, T0 + 30 * MS, &r, &nb) == SCRAPE_NEXT_WAIT && nb == T0 + 2010 * MS,
	   "the paused host's other URL waits for the end of the pause");
	ok(ask(&f, T0 + 2010 * MS, &r, &nb) == SCRAPE_NEXT_READY && r == a && r->attempt == 2,
	   "at the end of the pause the retry goes first");
	finish(&f, r);
	ok(ask(&f, T0 + 2010 * MS, &r, &nb) == SCRAPE_NEXT_READY && strcmp(r->url, "http://a/2") == 0,
	   "then the host's queue goes on");
	finish(&f, r);
	teardown(&f);

	if (!ok(setup(&f, "urls: [http://a/1, http://b/1]\nretries: 2\n") == 0, "two hosts, retries"))
		return;
	ok(ask(&f, T0, &a, &nb) == SCRAPE_NEXT_READY && ask(&f, T0, &b, &nb) == SCRAPE_NEXT_READY,
	   "one request of each host");
	dispatch_retry(&f.d, a, &busy, T0);
	busy.retry_after_ns = -1;
	dispatch_retry(&f.d, b, &busy, T0);
	ok(ask(&f, T0 + MS, &r, &nb) == SCRAPE_NEXT_READY && r == b,
	   "a retry due now does not queue behind one that waits 2 s");
	finish(&f, r);
	ok(ask(&f, T0 + 2 * MS, &r, &nb) == SCRAPE_NEXT_WAIT && nb == T0 + 2000 * MS,
	   "the other retry still waits for its Retry-After");
	ok(ask(&f, T0 + 2000 * MS, &r, &nb) == SCRAPE_NEXT_READY && r == a, "and goes then");
	finish(&f, r);
	teardown(&f);

	if (!ok(setup(&f, "urls: [http://a/1, http://a/2, http://b/1]\nretries: 3\nretry_delay: 100ms\n"
	                  "retry_backoff: exponential\nretry_max_delay: 300ms\nper_host: {concurrency: 1}\n") == 0,
	        "an exponential back-off job loads"))
		return;
	{
		static const int64_t full[] = { 100 * MS, 200 * MS, 300 * MS };
		int64_t now = T0;
		int i;

		ok(ask(&f, now, &a, &nb) == SCRAPE_NEXT_READY && ask(&f, now, &b, &nb) == SCRAPE_NEXT_READY,
		   "one of each host");
		finish(&f, b);
		for (i = 0; i < 3; i++) {
			struct host_answer fail = { .latency_ns = -1, .retry_after_ns = -1 };
			int64_t wait;

			dispatch_retry(&f.d, a, &fail, now);
			wait = a->ready_ns - now;
			ok(wait >= full[i] / 2 && wait <= full[i],
			   "retry %d waits %lld ms, within [%lld, %lld]", i + 1, (long long)(wait / MS),
			   (long long)(full[i] / 2 / MS), (long long)(full[i] / MS));
			ok(ask(&f, now + 1, &r, &nb) == SCRAPE_NEXT_WAIT && nb == a->ready_ns,
			   "the host's next URL waits for the back-off too");
			now = a->ready_ns;
			ok(ask(&f, now, &r, &nb) == SCRAPE_NEXT_READY && r == a, "then the retry goes");
		}
		finish(&f, a);
	}
	teardown(&f);
}

/* A url_file line's own request is copied into its request, which then
 * owns it; a urls entry's is shared.  Lines with large bodies waiting in
 * host queues are bounded in bytes, not only in count. */
#define LINES 1200
#define BODY 60000

static int write_body_lines(char *path)
{
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	char *body = malloc(BODY + 1);
	int i;

	if (!f || !body) {
		free(body);
		return -1;
	}
	memset(body, 'b', BODY);
	body[BODY] = '\0';
	for (i = 0; i < LINES; i++)
		fprintf(f, "{\"url\": \"http://h.test/%d\", \"method\": \"POST\", \"body\": \"%s\"}\n", i, body);
	free(body);
	return fclose(f);
}

static void test_own_requests(void)
{
	char path[] = "/tmp/scrape-lines-XXXXXX", yaml[256];
	struct fixture f;
	struct scrape_request *req, *first;
	int64_t nb;
	size_t most = 0;
	int n = 0, owned = 0;

	if (write_body_lines(path) < 0) {
		ok(0, "could not write the url_file");
		return;
	}
	snprintf(yaml, sizeof yaml, "urls: [{url: \"http://h.test/list\", method: PUT}]\n"
	         "url_file: %s\nper_host: {concurrency: 1}\n", path);
	if (setup(&f, yaml) < 0) {
		ok(0, "setup");
		unlink(path);
		return;
	}
	ok(ask(&f, T0, &first, &nb) == SCRAPE_NEXT_READY && first->request == f.job->url_requests[0] &&
	   !first->own_request, "a urls entry's request is the job's, shared");
	most = f.d.lookahead_bytes;
	ok(hosts_queued(f.d.hosts) < LINES && most <= (64u << 20) + BODY + 1,
	   "host queues hold at most 64 MiB of the lines' bodies (%zu queued, %zu bytes)",
	   hosts_queued(f.d.hosts), most);
	finish(&f, first);
	while (ask(&f, T0, &req, &nb) == SCRAPE_NEXT_READY) {
		owned += req->own_request && req->request == req->own_request &&
		         req->request->body_len == BODY && strcmp(req->request->method, "POST") == 0;
		if (f.d.lookahead_bytes > most)
			most = f.d.lookahead_bytes;
		n++;
		finish(&f, req);
	}
	ok(n == LINES, "every line is handed out (%d)", n);
	ok(owned == LINES, "each with its own copy of the line's method and body (%d)", owned);
	ok(most <= (64u << 20) + BODY + 1 && f.d.lookahead_bytes == 0,
	   "the bytes waiting stayed bounded and are all counted out at the end");
	teardown(&f);
	unlink(path);
}

int main(void)
{
	test_done_waits_for_retries();
	test_batches();
	test_rate_limit();
	test_per_host();
	test_open_model();
	test_expiry();
	test_host_pace();
	test_own_requests();
	return done_testing();
}
