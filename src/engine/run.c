/* SPDX-License-Identifier: MIT */
/*
 * The work loop every strategy drives: next() asks dispatch (dispatch.c)
 * for a request under the run's lock; finish() turns a performed transfer
 * into a retry or a record.  One mutex guards the shared state; the slow
 * parts (parsers, JSON encoding: record_make.c) run outside it, in the
 * worker that owns the response, so parsing scales with the workers.
 * Links and robots.txt are run_crawl.c's; the summary is run_report.c's.
 */
#include <config.h>

#include "engine/run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "util/buf.h"
#include "engine/crawl_state.h"
#include "engine/crawl_store_redis.h"
#include "engine/run_crawl.h"
#include "engine/dispatch.h"
#include "engine/host_queues.h"
#include "util/log.h"
#include "results/groups.h"
#include "results/output.h"
#include "results/run_result.h"
#include "report/progress.h"
#include "results/record.h"
#include "engine/record_make.h"
#include "engine/request.h"
#include "engine/transfer_view.h"
#include "crawl/seen.h"

volatile sig_atomic_t run_signal;

static void on_signal(int sig)
{
	run_signal = sig;
}

void run_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a peer closing a connection, or the reader of -o - going away, must
	 * not kill the process: the write fails with EPIPE and is reported */
	signal(SIGPIPE, SIG_IGN);
	/* likewise an output past the file size limit (ulimit -f): EFBIG */
	signal(SIGXFSZ, SIG_IGN);
}

int64_t run_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int run_stopping(const struct scrape_run *run)
{
	return atomic_load_explicit(&run->stopping, memory_order_acquire) || run_signal != 0;
}

void run_stop(struct scrape_run *run)
{
	atomic_store_explicit(&run->stopping, 1, memory_order_release);
}


/* Dispatch, with the robots.txt callbacks its host queues use when a
 * crawl obeys robots.txt. */
static int setup_dispatch(struct scrape_run *run, char *err, size_t errlen)
{
	const struct job *job = run->job;
	struct crawl_store *store = NULL;
	struct hosts_callbacks robots = {
		.ctx = run,
		.make_request = crawl_make_robots_request,
		.refuse = crawl_refuse_queued,
		.cached = crawl_cached_robots,
		.rules_read = crawl_robots_sitemaps,
		.product = run->product,
		.max_crawl_delay_ns = job->crawl.max_crawl_delay_ns,
	};

	/* the robots.txt group to follow is named by our product token */
	snprintf(run->product, sizeof run->product, "%.*s",
	         (int)strcspn(job->user_agent, "/ "), job->user_agent);
	if (job->crawl.enabled && job->crawl.state &&
	    !(store = crawl_state_open(job->crawl.state, job->crawl.fresh, err, errlen)))
		return -1;
	if (job->crawl.enabled && job->frontier.redis && !(store = crawl_store_redis(job, &run_signal, err, errlen)))
		return -1;
	return dispatch_init(&run->dispatch, job, run, &run->stats, &run->timeline, &run->stopping,
	                     &robots, store, err, errlen);
}

int run_init(struct scrape_run *run, const struct job *job, const struct parser_instance *parsers,
             size_t parser_count, const struct run_settings *settings, char *err, size_t errlen)
{
	memset(run, 0, sizeof *run);
	run->job = job;
	run->settings = *settings;
	run->parsers = parsers;
	run->parser_count = parser_count;
	pthread_mutex_init(&run->lock, NULL);
	{
		pthread_condattr_t attr;
		/* deadlines come from CLOCK_MONOTONIC, like every time in a run */
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&run->news, &attr);
		pthread_condattr_destroy(&attr);
	}
	stats_init(&run->stats);
	run->stats.recrawl = job->recrawl;
	timeline_init(&run->timeline);
	/* results by endpoint for load tests; a crawl's pages are not endpoints */
	if (run_result_is_load_test(job) && !job->crawl.enabled && !(run->stats.groups = groups_new())) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (job->proxy_count) {
		char **names = calloc(job->proxy_count, sizeof *names);
		int failed = !names;
		for (size_t i = 0; names && i < job->proxy_count; i++)
			names[i] = job->proxies[i].shown;
		if (!failed)
			failed = stats_proxies_init(&run->stats, names, job->proxy_count) < 0;
		free(names);
		if (failed) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (setup_dispatch(run, err, errlen) < 0 || crawl_start_sitemaps(run, err, errlen) < 0)
		return -1;
	if (transfer_settings_init(&run->fetch, job, &run->stopping, &run_signal) < 0 ||
	    transfer_view_settings_init(&run->fetch) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (crawl_persistent(run) ? crawl_open_output(run, err, errlen) < 0
	                          : job->output_path && !(run->output = output_open(job, err, errlen)))
		return -1;
	dispatch_take_share(&run->dispatch, &settings->segment);
	/* everything is ready: the wait for a common start is the last step */
	if (settings->start_at_ns)
		segment_wait_until(settings->start_at_ns, &run_signal);
	run_cpu_seconds(&run->cpu_start, &run->main_cpu_start);
	run->start_ns = run_now_ns();
	run->measure_ns = run->start_ns + job->warmup_ns;
	dispatch_start(&run->dispatch, run->start_ns);
	if (crawl_shared(run) && crawl_keeper_start(run) < 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Said once, when it happens: a failure at a record stops the run, one
 * found at close (the last buffer) only reports. */
static void output_failure(const struct scrape_run *run, const char *reason, const char *then)
{
	log_error("cannot write records to %s: %s%s", output_name(run->job), reason, then);
}

int run_close_output(struct scrape_run *run)
{
	char reason[160];

	crawl_keeper_stop(run);
	if (crawl_persistent(run) || crawl_shared(run)) {
		pthread_mutex_lock(&run->lock);
		crawl_checkpoint(run, 1);
		pthread_mutex_unlock(&run->lock);
	}
	if (run->output && output_close(run->output, reason, sizeof reason) < 0 &&
	    !run->output_failed) {
		output_failure(run, reason, "");
		run->output_failed = 1;
	}
	run->output = NULL;
	return run->output_failed ? -1 : 0;
}

void run_free(struct scrape_run *run)
{
	crawl_keeper_stop(run);
	dispatch_free(&run->dispatch);
	seen_free(run->sitemaps_seen);
	run->sitemaps_seen = NULL;
	run_close_output(run);
	transfer_settings_free(&run->fetch);
	timeline_free(&run->timeline);
	groups_free(run->stats.groups);
	run->stats.groups = NULL;
	stats_free(&run->stats);
	pthread_cond_destroy(&run->news);
	pthread_mutex_destroy(&run->lock);
}

/* Lock held.  The records cannot be read back: stopping, as when they
 * cannot be written. */
static void output_read_failed(struct scrape_run *run)
{
	if (run->output_failed)
		return;
	output_failure(run, output_error(run->output), "; stopping the run");
	run->output_failed = 1;
	run_stop(run);
}

/* Lock held.  recrawl: the validators of the page's stored row, looked up
 * once (a retry sends the same), here in the parent that holds the
 * output, so the request carries them to any strategy's worker. */
static void recrawl_look_up(struct scrape_run *run, struct scrape_request *req)
{
	if (!run->job->recrawl || req->recrawl_looked || req->robots || req->sitemap ||
	    !run->output || run->output_failed)
		return;
	req->recrawl_looked = 1;
	if (output_stored_validators(run->output, req->url, &req->recrawl_known, &req->if_none_match,
	                             &req->if_modified_since) < 0)
		output_read_failed(run);
}

/* Lock held.  An unchanged page was not parsed: its links are the ones
 * stored with its row, so the crawl goes on through it as through a page
 * fetched whole. */
static void recrawl_follow_stored(struct scrape_run *run, const struct scrape_request *req)
{
	char **links;
	size_t n, i;

	if (!run->job->crawl.enabled || req->depth >= run->job->crawl.max_depth || !run->output ||
	    run->output_failed)
		return;
	if (output_stored_links(run->output, req->url, &links, &n) < 0) {
		output_read_failed(run);
		return;
	}
	if (n)
		crawl_discover(run, (const char *const *)links, n, req->depth + 1);
	for (i = 0; i < n; i++)
		free(links[i]);
	free(links);
}

enum scrape_next run_next(struct scrape_run *run, struct scrape_request **req,
                          int64_t *not_before_ns)
{
	enum scrape_next answer = SCRAPE_NEXT_DONE;

	*req = NULL;
	*not_before_ns = -1;
	pthread_mutex_lock(&run->lock);
	if (!run_stopping(run)) {
		answer = dispatch_next(&run->dispatch, req, not_before_ns, run_now_ns());
		/* A worker leaving for a start while no one keeps time wakes an
		 * idle one to take over, or the next start would wait for a
		 * sleeper's 100 ms check (see run_wait). */
		if (run->job->open_model && answer == SCRAPE_NEXT_READY && !run->timekeeper)
			pthread_cond_signal(&run->news);
		if (answer == SCRAPE_NEXT_READY)
			recrawl_look_up(run, *req);
	}
	pthread_mutex_unlock(&run->lock);
	return answer;
}

int run_prepare(struct scrape_run *run, struct scrape_request *req, CURL *easy)
{
	if (transfer_prepare(&run->fetch, req, easy) == 0)
		return 0;
	/* only an out-of-memory in curl_easy_setopt gets here */
	run_finish(run, req, easy, CURLE_OUT_OF_MEMORY);
	return -1;
}

/* Lock held.  Traffic is the whole run's, every attempt's: connections
 * opened in the warmup are the ones the measured requests reuse. */
static void count_traffic(struct scrape_run *run, const struct request_result *res)
{
	run->stats.bytes_in += res->bytes_in;
	run->stats.bytes_out += res->bytes_out;
	run->stats.connections += res->connections;
}

/* Lock held.  An attempt through one of the job's proxies, as the proxy
 * saw it: every attempt counts, unless it never left (no descriptor). */
static void count_proxy(struct scrape_run *run, const struct scrape_request *req, const char *error)
{
	struct host_count *p;

	if (req->proxy < 0 || (size_t)req->proxy >= run->stats.proxy_count)
		return;
	if (error && strncmp(error, FETCH_LOCAL_PREFIX, strlen(FETCH_LOCAL_PREFIX)) == 0)
		return;
	p = &run->stats.proxies[req->proxy];
	p->requests++;
	p->failed += error != NULL;
}

/* What a result says about its host's pace. */
static void answer_of(const struct request_result *res, struct host_answer *a)
{
	a->status = res->status;
	a->latency_ns = res->status > 0 && res->time_total > 0 ? (int64_t)(res->time_total * 1e9) : -1;
	a->overload = res->overload;
	a->retry_after_ns = res->retry_after_ns;
}

void run_retry(struct scrape_run *run, struct scrape_request *req, const char *reason,
               const struct request_result *attempt)
{
	struct host_answer a;

	snprintf(req->last_error, sizeof req->last_error, "%s", reason);
	if (attempt)
		answer_of(attempt, &a);
	pthread_mutex_lock(&run->lock);
	count_proxy(run, req, reason);
	if (attempt)
		count_traffic(run, attempt);
	dispatch_retry(&run->dispatch, req, attempt ? &a : NULL, run_now_ns());
	pthread_cond_broadcast(&run->news);
	pthread_mutex_unlock(&run->lock);
}

/* Lock held.  Lines nobody can read any more (scrape ... | head, a full
 * disk) end the run like records that cannot be written: fetching on would
 * only throw them away.  Seen when stdio flushes its buffer. */
static void check_lines(struct scrape_run *run, FILE *out)
{
	int saved = errno;

	if (!ferror(out) || run->lines_failed)
		return;
	run->lines_failed = 1;
	run_stop(run);
	log_error("cannot write to standard %s: %s; stopping the run", out == stderr ? "error" : "output",
	          strerror(saved ? saved : EIO));
}

static void print_line(struct scrape_run *run, struct scrape_request *req,
                       const struct request_result *res)
{
	FILE *out = run->settings.lines;
	char url[1024], error[512];

	if (run->settings.quiet || !out || run->lines_failed)
		return;
	progress_erase(run->progress);
	/* URLs come from files and pages: escaped, they cannot drive the terminal */
	visible(url, sizeof url, req->url);
	errno = 0;
	if (res->has_error)
		fprintf(out, "Failed %s: %s (%.3fs)\n", url, visible(error, sizeof error, res->error),
		        res->time_total);
	else if (res->recrawl == RECRAWL_UNCHANGED)
		fprintf(out, "Unchanged %s (%ld, %.3fs)\n", url, res->status, res->time_total);
	else
		fprintf(out, "Read %llu bytes from %s (%ld, %.3fs)\n", (unsigned long long)res->bytes,
		        url, res->status, res->time_total);
	check_lines(run, out);
}

void request_result_free(struct request_result *res)
{
	size_t i;

	for (i = 0; i < res->link_count; i++)
		free(res->links[i]);
	free(res->links);
	res->links = NULL;
	res->link_count = 0;
	buf_free(&res->line);
}

/* Lock held.  A transfer that failed here, not at the target (no file
 * descriptor left): counted with the requests not fetched, so it never
 * reads as the target's error or enters its error rate, and said once,
 * with the cure. */
static void count_local_failure(struct scrape_run *run, const struct request_result *res)
{
	struct rlimit limit = { 0 };

	stats_refuse(&run->stats, res->error);
	if (run->local_failed++)
		return;
	getrlimit(RLIMIT_NOFILE, &limit);
	log_warning("out of file descriptors (the limit is %llu, ulimit -n): requests that find none "
	            "are not sent; they count as \"%s\", apart from the target's failures",
	            (unsigned long long)limit.rlim_cur, res->error);
}

/* Lock held.  A measured result in its group, counted as the run counts it. */
static void count_group(struct scrape_run *run, const struct scrape_request *req,
                        const struct request_result *res, int64_t latency, int64_t service)
{
	struct group *g;

	if (req->group < 0)
		return;
	g = run->stats.groups->items[req->group];
	g->requests++;
	if (res->has_error) {
		char composed[24];

		g->failed++;
		group_count_class(g, stats_error_class(res->error, composed, sizeof composed), 1);
	}
	g->status_counts[res->status > 0 && res->status < STATUS_CODES ? res->status : 0]++;
	if (latency >= 0) {
		histogram_record(&g->latency, latency);
		if (run->job->open_model)
			histogram_record(&g->service, service);
	}
}

/* Lock held.  Counts a measured result. */
static void count_result(struct scrape_run *run, struct scrape_request *req,
                         const struct request_result *res, int64_t now)
{
	struct stats *st = &run->stats;
	int64_t service = (int64_t)(res->time_total * 1e9), latency = -1;

	if (res->has_error && strncmp(res->error, FETCH_LOCAL_PREFIX, strlen(FETCH_LOCAL_PREFIX)) == 0) {
		count_local_failure(run, res);
		return;
	}
	if (res->has_error)
		stats_fail(st, res->error);
	else
		st->ok++;
	stats_recrawl(st, res->recrawl);
	stats_status(st, res->status);
	if (run->settings.report_path)
		stats_host(st, req->url, res->has_error);
	st->bytes += res->bytes;
	/* a request settled without a transfer (stopped before its retry, or
	 * its worker died) has no latency to count */
	if (res->status > 0 && res->time_total > 0) {
		latency = service;
		if (run->job->open_model) {
			/* from the scheduled start: time spent waiting for a free
			 * connection is part of what a user would have seen */
			latency += req->sent_ns - req->intended_ns;
			histogram_record(&st->service, service);
		}
		histogram_record(&st->latency, latency);
	}
	count_group(run, req, res, latency, service);
	timeline_done(&run->timeline, dispatch_second_of(&run->dispatch, now), latency, res->has_error);
}

void run_record(struct scrape_run *run, struct scrape_request *req, struct request_result *res)
{
	int64_t now;

	pthread_mutex_lock(&run->lock);
	count_proxy(run, req, res->has_error ? res->error : NULL);
	if (req->robots || req->sitemap) {
		if (req->robots)
			crawl_record_robots(run, req, res);
		else
			crawl_record_sitemap(run, req, res);
		pthread_mutex_unlock(&run->lock);
		request_result_free(res);
		dispatch_request_free(req);
		return;
	}
	if (res->link_count)
		crawl_discover(run, (const char *const *)res->links, res->link_count, req->depth + 1);
	else if (res->recrawl == RECRAWL_UNCHANGED)
		recrawl_follow_stored(run, req);
	/* one reading of the clock serves the host's pace and the timeline */
	now = run_now_ns();
	{
		struct host_answer a;
		answer_of(res, &a);
		dispatch_observe(&run->dispatch, req, &a, now);
	}
	dispatch_release(&run->dispatch, req);
	count_traffic(run, res);
	if (req->warmup)
		run->stats.warmup++;
	else
		count_result(run, req, res, now);
	if (crawl_persistent(run)) {
		crawl_keep_record(run, req, res);
		crawl_checkpoint(run, 0);
	} else if (crawl_shared(run) && !crawl_share_record(run, req, res)) {
		/* cut short by a stop: back to the other processes, no record */
	} else if (run->output && !run->output_failed) {
		if (res->line.oom || output_write(run->output, res->line.data, res->line.len) < 0) {
			/* fetching on would only throw the records away */
			output_failure(run, res->line.oom ? "out of memory" : output_error(run->output),
			               "; stopping the run");
			run->output_failed = 1;
			run_stop(run);
		}
	}
	if (crawl_shared(run))
		crawl_checkpoint(run, 0);
	print_line(run, req, res);
	/* In the open model the schedule, not a finished transfer, frees the
	 * next start, and the thread that finished asks next() itself: waking
	 * every idle worker on each result would only make them contend. */
	if (!run->job->open_model || run->dispatch.outstanding == 0)
		pthread_cond_broadcast(&run->news);
	pthread_mutex_unlock(&run->lock);
	request_result_free(res);
	dispatch_request_free(req);
}

/* The result of a request that never got a response to parse. */
static void fill_failure(struct scrape_run *run, struct scrape_request *req, const char *reason,
                         struct request_result *res)
{
	struct scrape_record empty;
	struct transfer_outcome o;

	memset(res, 0, sizeof *res);
	memset(&o, 0, sizeof o);
	res->retry_after_ns = -1;
	o.final_url = req->url;
	o.status = req->last_status;
	res->status = req->last_status;
	res->has_error = 1;
	snprintf(res->error, sizeof res->error, "%s", reason);
	if (run->job->output_path) {
		record_init(&empty);
		record_encode(req, &o, res->error, &empty, RECRAWL_NONE, &res->line);
	}
}

void run_fail(struct scrape_run *run, struct scrape_request *req, const char *reason)
{
	struct request_result res;

	if (req->attempt <= run->job->retries && !run_stopping(run)) {
		run_retry(run, req, reason, NULL);
		return;
	}
	fill_failure(run, req, reason, &res);
	/* no attempt of its own: its proxy counted the last one */
	req->proxy = REQUEST_NO_PROXY;
	run_record(run, req, &res);
}

void run_finish(struct scrape_run *run, struct scrape_request *req, CURL *easy, CURLcode result)
{
	struct request_result res;

	if (run_conclude(run, req, easy, result, &res) == RUN_RETRY)
		run_retry(run, req, res.error, &res);
	else
		run_record(run, req, &res);
}

const struct scrape_request_view *run_view(struct scrape_run *run, struct scrape_request *req)
{
	if (!req->view && !(req->view = transfer_view_new(&run->fetch, req))) {
		struct scrape_outcome failed = { .size = sizeof failed, .error = SCRAPE_ERR_OUT_OF_MEMORY };
		run_complete(run, req, &failed);
		return NULL;
	}
	return transfer_view_get(req->view);
}

void run_complete(struct scrape_run *run, struct scrape_request *req,
                  const struct scrape_outcome *outcome)
{
	struct request_result res;
	int concluded;

	if (transfer_view_follow(&run->fetch, req, outcome)) {
		/* the next hop: back to the queue, to be taken like a retry that
		 * is due at once, but not counted as one */
		transfer_view_free(req->view);
		req->view = NULL;
		pthread_mutex_lock(&run->lock);
		dispatch_redirect(&run->dispatch, req, run_now_ns());
		pthread_cond_broadcast(&run->news);
		pthread_mutex_unlock(&run->lock);
		return;
	}
	concluded = run_conclude_outcome(run, req, outcome, &res);
	/* a retry gets a new view: its transfer starts over, from its own URL */
	transfer_view_free(req->view);
	req->view = NULL;
	if (concluded == RUN_RETRY) {
		transfer_view_restart(req);
		run_retry(run, req, res.error, &res);
	} else {
		run_record(run, req, &res);
	}
}

void run_describe(struct scrape_run *run, const char *key, const char *value)
{
	size_t i;

	if (!key || !*key || !value)
		return;
	pthread_mutex_lock(&run->lock);
	for (i = 0; i < run->fact_count && strncmp(run->facts[i].key, key, sizeof run->facts[i].key - 1); i++)
		;
	if (i < SCRAPE_FACTS_MAX) {
		snprintf(run->facts[i].key, sizeof run->facts[i].key, "%s", key);
		snprintf(run->facts[i].value, sizeof run->facts[i].value, "%s", value);
		if (i == run->fact_count)
			run->fact_count++;
	}
	pthread_mutex_unlock(&run->lock);
}

void run_drain(struct scrape_run *run)
{
	pthread_mutex_lock(&run->lock);
	while (run->dispatch.retry_head) {
		struct scrape_request *req = run->dispatch.retry_head;
		struct request_result res;

		run->dispatch.retry_head = req->next_retry;
		req->host = NULL;       /* released when the retry was queued */
		pthread_mutex_unlock(&run->lock);
		req->attempt--;         /* the retry it waited for never started */
		fill_failure(run, req, req->last_error, &res);
		run_record(run, req, &res);
		pthread_mutex_lock(&run->lock);
	}
	run->dispatch.retry_tail = NULL;
	if (run->dispatch.pending) {
		dispatch_request_free(run->dispatch.pending);
		run->dispatch.pending = NULL;
	}
	while (run->dispatch.hosts) {
		struct scrape_request *req = hosts_take_any(run->dispatch.hosts);
		struct request_result res;

		if (!req)
			break;
		if (req->attempt == 1) {
			/* never handed to a strategy: nothing to report */
			dispatch_request_free(req);
			continue;
		}
		req->host = NULL;       /* not in flight: nothing to release */
		pthread_mutex_unlock(&run->lock);
		req->attempt--;
		fill_failure(run, req, req->last_error, &res);
		run_record(run, req, &res);
		pthread_mutex_lock(&run->lock);
	}
	pthread_mutex_unlock(&run->lock);
}

void run_wait(struct scrape_run *run, int64_t until_ns)
{
	struct timespec deadline;
	int64_t now = run_now_ns();
	/* wake at least every 100 ms so a signal is noticed promptly */
	int64_t cap = now + 100000000;
	int keeper = 0;

	if (until_ns < 0 || until_ns > cap)
		until_ns = cap;
	if (until_ns <= now)
		return;
	pthread_mutex_lock(&run->lock);
	if (run->job->open_model) {
		/* One idle worker keeps time for the schedule; the others sleep
		 * until woken to take over, so a start wakes one thread, not all
		 * of them. */
		if (run->timekeeper)
			until_ns = cap;
		else
			keeper = run->timekeeper = 1;
	}
	deadline.tv_sec = (time_t)(until_ns / 1000000000);
	deadline.tv_nsec = (long)(until_ns % 1000000000);
	if (!run_stopping(run))
		pthread_cond_timedwait(&run->news, &run->lock, &deadline);
	/* The keeper goes on to ask next(): it keeps the role if nothing is
	 * due yet, and a start it takes wakes a successor (run_next).  Waking
	 * one here instead could pick a thread that also leaves for a start,
	 * leaving nobody to keep time. */
	if (keeper)
		run->timekeeper = 0;
	pthread_mutex_unlock(&run->lock);
}

