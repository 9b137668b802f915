/* SPDX-License-Identifier: MIT */
/*
 * The work loop every strategy drives: next() hands out requests in order,
 * within the batch and rate limits; finish() turns a performed transfer
 * into a retry or a record.  One mutex guards the shared state; the slow
 * parts (parsers, JSON encoding) run outside it, in the worker that owns
 * the response, so parsing scales with the workers.
 */
#include <config.h>

#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dispatch.h"
#include "hosts.h"
#include "log.h"
#include "output.h"
#include "progress.h"
#include "record.h"
#include "report.h"
#include "seen.h"
#include "summary.h"
#include "threshold.h"
#include "units.h"
#include "url.h"
#include "request.h"

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

static void refuse(struct scrape_run *run, const char *url, const char *reason);
static void run_cpu_seconds(double *process, double *thread);

/* Lock held (called from hosts_pick): the robots.txt request of a host. */
static struct scrape_request *make_robots_request(void *ctx, const char *url)
{
	struct scrape_run *run = ctx;
	struct scrape_request *req = dispatch_request_new(&run->dispatch, url, 0);

	if (req)
		run->dispatch.outstanding++;
	return req;
}

/* Lock held (called from hosts_pick): a queued URL robots.txt disallows. */
static void refuse_queued(void *ctx, struct scrape_request *req, const char *reason)
{
	struct scrape_run *run = ctx;

	refuse(run, req->url, reason);
	if (req->attempt == 1)
		frontier_give_back(&run->dispatch.frontier);
	run->dispatch.outstanding--;
	dispatch_request_free(req);
}

/* Dispatch, with the robots.txt callbacks its host queues use when a
 * crawl obeys robots.txt. */
static int setup_dispatch(struct scrape_run *run)
{
	const struct job *job = run->job;
	struct hosts_callbacks robots = {
		.ctx = run,
		.make_request = make_robots_request,
		.refuse = refuse_queued,
		.product = run->product,
		.max_crawl_delay_ns = job->crawl.max_crawl_delay_ns,
	};

	/* the robots.txt group to follow is named by our product token */
	snprintf(run->product, sizeof run->product, "%.*s",
	         (int)strcspn(job->user_agent, "/ "), job->user_agent);
	return dispatch_init(&run->dispatch, job, run, &run->stats, &run->timeline, &run->stopping,
	                     &robots);
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
	timeline_init(&run->timeline);
	if (setup_dispatch(run) < 0 || fetch_settings_init(&run->fetch, job, &run->stopping) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (job->output_path && !(run->output = output_open(job, err, errlen)))
		return -1;
	run_cpu_seconds(&run->cpu_start, &run->main_cpu_start);
	run->start_ns = run_now_ns();
	run->measure_ns = run->start_ns + job->warmup_ns;
	dispatch_start(&run->dispatch, run->start_ns);
	return 0;
}

/* User plus system CPU seconds of who (RUSAGE_SELF, RUSAGE_THREAD). */
static double cpu_seconds(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds used so far by the process and by the calling thread. */
static void run_cpu_seconds(double *process, double *thread)
{
	*process = cpu_seconds(RUSAGE_SELF);
	*thread = cpu_seconds(RUSAGE_THREAD);
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
	dispatch_free(&run->dispatch);
	run_close_output(run);
	fetch_settings_free(&run->fetch);
	timeline_free(&run->timeline);
	stats_free(&run->stats);
	pthread_cond_destroy(&run->news);
	pthread_mutex_destroy(&run->lock);
}

/* Lock held.  Whether the crawl may follow a link: its host is in scope
 * and the URL patterns let it through.  Otherwise the reason. */
static const char *out_of_scope(struct scrape_run *run, const char *canonical)
{
	const struct crawl_settings *cr = &run->job->crawl;
	char *host = url_host(canonical);
	const char *why = NULL;
	size_t i;

	if (!host)
		return "out of scope";
	if (cr->allow_domain_count) {
		size_t hl = strlen(host);
		why = "out of scope";
		for (i = 0; i < cr->allow_domain_count && why; i++) {
			size_t dl = strlen(cr->allow_domains[i]);
			if (strcmp(host, cr->allow_domains[i]) == 0 ||
			    (hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, cr->allow_domains[i]) == 0))
				why = NULL;
		}
	} else if (cr->same_host && !seen_contains(run->dispatch.seed_hosts, host, strlen(host))) {
		why = "out of scope";
	}
	free(host);
	for (i = 0; !why && i < cr->deny_count; i++)
		if (regexec(&cr->deny[i], canonical, 0, NULL, 0) == 0)
			why = "denied by pattern";
	if (!why && cr->allow_count) {
		why = "not allowed by pattern";
		for (i = 0; i < cr->allow_count && why; i++)
			if (regexec(&cr->allow[i], canonical, 0, NULL, 0) == 0)
				why = NULL;
	}
	return why;
}

/* Lock held.  Counts a URL the crawl will not fetch; -v lists it. */
static void refuse(struct scrape_run *run, const char *url, const char *reason)
{
	char shown[512];

	stats_refuse(&run->stats, reason);
	/* a link comes from a page: escaped, it cannot drive the terminal */
	if (run->settings.verbose)
		log_note(LOG_VERBOSE, "refused %s (%s)", visible(shown, sizeof shown, url), reason);
}

/* Lock held.  A link found on a page at depth - 1. */
static void discover(struct scrape_run *run, const char *link, int depth)
{
	char *canonical = url_canonical(link);
	const char *why;
	int fresh;

	if (!canonical)
		return;                 /* not http(s): links parsers keep those out anyway */
	fresh = frontier_mark_seen(&run->dispatch.frontier, canonical);
	if (fresh > 0 && (why = out_of_scope(run, canonical)) != NULL)
		refuse(run, canonical, why);
	else if (fresh > 0 && frontier_add(&run->dispatch.frontier, canonical, depth) < 0)
		fresh = -1;
	if (fresh < 0) {
		log_error("out of memory; stopping the run");
		run_stop(run);
	}
	free(canonical);
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
	}
	pthread_mutex_unlock(&run->lock);
	return answer;
}

int run_prepare(struct scrape_run *run, struct scrape_request *req, CURL *easy)
{
	if (fetch_prepare(&run->fetch, req, easy) == 0)
		return 0;
	/* only an out-of-memory in curl_easy_setopt gets here */
	run_finish(run, req, easy, CURLE_OUT_OF_MEMORY);
	return -1;
}

/* Splits the raw header block of the last response into name/value pairs. */
static size_t split_headers(struct buf *raw, struct scrape_header *out, size_t max)
{
	size_t n = 0;
	char *line = raw->data, *end;

	if (!line)
		return 0;
	for (; *line && n < max; line = end) {
		char *colon, *value, *stop;

		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		stop = end;
		while (stop > line && (stop[-1] == '\n' || stop[-1] == '\r'))
			stop--;
		*stop = '\0';
		colon = strchr(line, ':');
		if (!colon || strncmp(line, "HTTP/", 5) == 0)
			continue;
		*colon = '\0';
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		out[n].name = line;
		out[n].value = value;
		n++;
	}
	return n;
}

/* The charset parameter of a Content-Type, copied into buf. */
static const char *charset_of(const char *content_type, char *buf, size_t len)
{
	const char *p = content_type ? strcasestr(content_type, "charset=") : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	n = strcspn(p, "\"; \t");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

#define MAX_HEADERS 200

/* Runs the parsers on a response; returns the name of one that failed. */
static const char *run_parsers(struct scrape_run *run, struct scrape_request *req,
                               const struct fetch_outcome *o, struct scrape_record *rec)
{
	struct scrape_header headers[MAX_HEADERS];
	struct scrape_response resp;
	const char *failed = NULL;
	char charset[64];
	size_t i;

	if (run->parser_count == 0)
		return NULL;
	memset(&resp, 0, sizeof resp);
	resp.size = sizeof resp;
	resp.url = req->url;
	resp.final_url = o->final_url;
	resp.status = o->status;
	resp.content_type = o->content_type;
	resp.charset = charset_of(o->content_type, charset, sizeof charset);
	resp.body = (const unsigned char *)(req->body.data ? req->body.data : "");
	resp.body_len = req->body.len;
	resp.header_count = split_headers(&req->headers, headers, MAX_HEADERS);
	resp.headers = headers;
	resp.depth = req->depth;
	for (i = 0; i < run->parser_count; i++) {
		const struct parser_instance *p = &run->parsers[i];
		if (p->plugin->parser->parse(p->state, &resp, rec) != 0 && !failed)
			failed = p->plugin->name;
	}
	return failed;
}

static void encode_record(struct scrape_request *req, const struct fetch_outcome *o,
                          const char *error, const struct scrape_record *rec, struct buf *line)
{
	buf_puts(line, "{\"url\":");
	buf_json_string(line, req->url);
	buf_puts(line, ",\"final_url\":");
	buf_json_string(line, o->final_url);
	buf_printf(line, ",\"status\":%ld,\"content_type\":", o->status);
	if (o->content_type)
		buf_json_string(line, o->content_type);
	else
		buf_puts(line, "null");
	buf_printf(line, ",\"bytes\":%llu,\"attempts\":%d,\"depth\":%d",
	           (unsigned long long)o->bytes, req->attempt, req->depth);
	buf_puts(line, ",\"time_total\":");
	buf_printf(line, "%.6f", o->time_total);
	buf_puts(line, ",\"time_dns\":");
	buf_printf(line, "%.6f", o->time_dns);
	buf_puts(line, ",\"time_connect\":");
	buf_printf(line, "%.6f", o->time_connect);
	buf_puts(line, ",\"time_tls\":");
	buf_printf(line, "%.6f", o->time_tls);
	buf_puts(line, ",\"time_first_byte\":");
	buf_printf(line, "%.6f", o->time_first_byte);
	buf_puts(line, ",\"error\":");
	if (error)
		buf_json_string(line, error);
	else
		buf_puts(line, "null");
	record_json_members(rec, line);
	buf_puts(line, "}\n");
}

/* Lock held.  Traffic is the whole run's, every attempt's: connections
 * opened in the warmup are the ones the measured requests reuse. */
static void count_traffic(struct scrape_run *run, const struct run_result *res)
{
	run->stats.bytes_in += res->bytes_in;
	run->stats.bytes_out += res->bytes_out;
	run->stats.connections += res->connections;
}

void run_retry(struct scrape_run *run, struct scrape_request *req, const char *reason,
               const struct run_result *attempt)
{
	snprintf(req->last_error, sizeof req->last_error, "%s", reason);
	pthread_mutex_lock(&run->lock);
	if (attempt)
		count_traffic(run, attempt);
	dispatch_retry(&run->dispatch, req, run_now_ns());
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
                       const struct run_result *res)
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
	else
		fprintf(out, "Read %llu bytes from %s (%ld, %.3fs)\n", (unsigned long long)res->bytes,
		        url, res->status, res->time_total);
	check_lines(run, out);
}

/* Lock held.  A robots.txt that could not be had refuses its whole host
 * (RFC 9309, 2.3.1.4); without a word, a crawl would end "successfully"
 * having fetched nothing there.  Each host's robots.txt is settled once,
 * so this is said once per host. */
static void warn_robots_unreachable(const struct scrape_run *run, const struct scrape_request *req,
                                    const struct run_result *res)
{
	char url[512], why[160], limit[32] = "";

	if ((res->status >= 200 && res->status < 300) || (res->status >= 400 && res->status < 500))
		return;     /* rules, or none to follow (4xx): hosts_robots_done */
	if (res->status > 0) {
		snprintf(why, sizeof why, "answered %ld", res->status);
	} else {
		if (strcmp(res->error, "timeout") == 0 && run->job->timeout_ns > 0) {
			strcpy(limit, " after ");
			units_format_duration(run->job->timeout_ns, limit + 7, sizeof limit - 7);
		}
		snprintf(why, sizeof why, "did not answer (%s%s)", res->error[0] ? res->error : "no reply",
		         limit);
	}
	log_warning("%s %s: every URL of this host is refused, as RFC 9309 asks for an unreachable "
	            "robots.txt", visible(url, sizeof url, req->url), why);
}

/* Lock held.  A robots.txt answer: rules for its host, no record. */
static void record_robots(struct scrape_run *run, struct scrape_request *req,
                          struct run_result *res)
{
	warn_robots_unreachable(run, req, res);
	hosts_robots_done(run->dispatch.hosts, req, res->status, res->line.data ? res->line.data : "",
	                  res->line.len);
	run->stats.robots_fetched++;
	dispatch_release(&run->dispatch, req);
	pthread_cond_broadcast(&run->news);
}

void run_result_free(struct run_result *res)
{
	size_t i;

	for (i = 0; i < res->link_count; i++)
		free(res->links[i]);
	free(res->links);
	res->links = NULL;
	res->link_count = 0;
	buf_free(&res->line);
}

/* Lock held.  Counts a measured result. */
/* Lock held.  A transfer that failed here, not at the target (no file
 * descriptor left): counted with the requests not fetched, so it never
 * reads as the target's error or enters its error rate, and said once,
 * with the cure. */
static void count_local_failure(struct scrape_run *run, const struct run_result *res)
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

static void count_result(struct scrape_run *run, struct scrape_request *req,
                         const struct run_result *res)
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
	timeline_done(&run->timeline, dispatch_second_of(&run->dispatch, run_now_ns()), latency, res->has_error);
}

void run_record(struct scrape_run *run, struct scrape_request *req, struct run_result *res)
{
	size_t i;

	pthread_mutex_lock(&run->lock);
	if (req->robots) {
		record_robots(run, req, res);
		pthread_mutex_unlock(&run->lock);
		run_result_free(res);
		dispatch_request_free(req);
		return;
	}
	for (i = 0; i < res->link_count; i++)
		discover(run, res->links[i], req->depth + 1);
	dispatch_release(&run->dispatch, req);
	count_traffic(run, res);
	if (req->warmup)
		run->stats.warmup++;
	else
		count_result(run, req, res);
	if (run->output && !run->output_failed) {
		if (res->line.oom || output_write(run->output, res->line.data, res->line.len) < 0) {
			/* fetching on would only throw the records away */
			output_failure(run, res->line.oom ? "out of memory" : output_error(run->output),
			               "; stopping the run");
			run->output_failed = 1;
			run_stop(run);
		}
	}
	print_line(run, req, res);
	/* In the open model the schedule, not a finished transfer, frees the
	 * next start, and the thread that finished asks next() itself: waking
	 * every idle worker on each result would only make them contend. */
	if (!run->job->open_model || run->dispatch.outstanding == 0)
		pthread_cond_broadcast(&run->news);
	pthread_mutex_unlock(&run->lock);
	run_result_free(res);
	dispatch_request_free(req);
}

/* The result of a request that never got a response to parse. */
static void fill_failure(struct scrape_run *run, struct scrape_request *req, const char *reason,
                         struct run_result *res)
{
	struct scrape_record empty;
	struct fetch_outcome o;

	memset(res, 0, sizeof *res);
	memset(&o, 0, sizeof o);
	o.final_url = req->url;
	o.status = req->last_status;
	res->status = req->last_status;
	res->has_error = 1;
	snprintf(res->error, sizeof res->error, "%s", reason);
	if (run->job->output_path) {
		record_init(&empty);
		encode_record(req, &o, res->error, &empty, &res->line);
	}
}

void run_fail(struct scrape_run *run, struct scrape_request *req, const char *reason)
{
	struct run_result res;

	if (req->attempt <= run->job->retries && !run_stopping(run)) {
		run_retry(run, req, reason, NULL);
		return;
	}
	fill_failure(run, req, reason, &res);
	run_record(run, req, &res);
}

int run_conclude(struct scrape_run *run, struct scrape_request *req, CURL *easy,
                 CURLcode result, struct run_result *res)
{
	struct scrape_record rec;
	struct fetch_outcome o;
	const char *error, *failed_parser = NULL;
	char parser_error[96];

	memset(res, 0, sizeof *res);
	fetch_outcome(req, easy, result, &o);
	/* every attempt's traffic counts, a retried one's too */
	res->bytes_in = o.bytes_in;
	res->bytes_out = o.bytes_out;
	res->connections = o.connections;
	if (o.retryable && req->attempt <= run->job->retries && !run_stopping(run)) {
		snprintf(res->error, sizeof res->error, "%s", o.error);
		req->last_status = o.status;
		return RUN_RETRY;
	}
	if (req->robots) {
		/* the rules travel back as the "line"; run_record reads them */
		res->status = result == CURLE_OK ? o.status : 0;
		if (result == CURLE_OK)
			buf_append(&res->line, req->body.data ? req->body.data : "", req->body.len);
		else
			res->has_error = 1;     /* why, for the warning (also from a worker) */
		if (o.error)
			snprintf(res->error, sizeof res->error, "%s", o.error);
		return RUN_FINAL;
	}
	record_init(&rec);
	error = o.error;
	/* a transfer that broke off has no body worth parsing; an HTTP error
	 * page arrived whole and may be */
	if (result == CURLE_OK && o.status > 0)
		failed_parser = run_parsers(run, req, &o, &rec);
	if (run->job->crawl.enabled && req->depth < run->job->crawl.max_depth) {
		/* links leave with the result, to be queued where the frontier is */
		res->links = rec.links;
		res->link_count = rec.link_count;
		rec.links = NULL;
		rec.link_count = rec.link_cap = 0;
	}
	if (!error && failed_parser) {
		snprintf(parser_error, sizeof parser_error, "parser %s failed", failed_parser);
		error = parser_error;
	}
	if (run->job->output_path)
		encode_record(req, &o, error, &rec, &res->line);
	record_free(&rec);
	res->status = o.status;
	res->bytes = o.bytes;
	res->time_total = o.time_total;
	res->has_error = error != NULL;
	if (error)
		snprintf(res->error, sizeof res->error, "%s", error);
	return RUN_FINAL;
}

void run_finish(struct scrape_run *run, struct scrape_request *req, CURL *easy, CURLcode result)
{
	struct run_result res;

	if (run_conclude(run, req, easy, result, &res) == RUN_RETRY)
		run_retry(run, req, res.error, &res);
	else
		run_record(run, req, &res);
}

void run_drain(struct scrape_run *run)
{
	pthread_mutex_lock(&run->lock);
	while (run->dispatch.retry_head) {
		struct scrape_request *req = run->dispatch.retry_head;
		struct run_result res;

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
		struct run_result res;

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

void run_summarize(const struct scrape_run *run, struct run_summary *out)
{
	const struct job *job = run->job;
	int64_t end = run->end_ns ? run->end_ns : run_now_ns();
	int64_t window_end = run->start_ns + job->duration_ns;

	memset(out, 0, sizeof *out);
	out->requests = run->stats.ok + run->stats.failed;
	out->ok = run->stats.ok;
	out->failed = run->stats.failed;
	out->retries = run->stats.retries;
	out->bytes = run->stats.bytes;
	out->seconds = (double)(end - run->measure_ns) / 1e9;
	/* A run bounded by a duration is measured over that window; the
	 * transfers still in flight at its end finish in a tail that would
	 * otherwise water the rate down. */
	if (job->duration_ns && end > window_end && !run_stopping(run)) {
		out->seconds = (double)(window_end - run->measure_ns) / 1e9;
		out->tail_seconds = (double)(end - window_end) / 1e9;
	} else if (job->open_model && job->duration_ns && run->dispatch.schedule.next_ns == SCHEDULE_END &&
	           !run_stopping(run)) {
		/* the schedule ran to its end: its last start falls just short
		 * of the window's end, but the window was asked for */
		out->seconds = (double)(window_end - run->measure_ns) / 1e9;
	}
	out->p50_ns = histogram_percentile(&run->stats.latency, 50);
	out->p99_ns = histogram_percentile(&run->stats.latency, 99);
	out->workers = (unsigned)job->workers;
	out->ran = 1;
}

/* Whether the job is a load test (duration, requests, rate, stages or
 * warmup): its summary shows the whole distribution and traffic. */
static int run_is_load_test(const struct scrape_run *run)
{
	const struct job *job = run->job;

	return job->open_model || job->duration_ns || job->requests || job->warmup_ns;
}

void run_describe(const struct scrape_run *run, char *schedule, size_t slen, char *model,
                  size_t mlen)
{
	const struct job *job = run->job;

	if (!job->open_model) {
		snprintf(schedule, slen, "none");
		snprintf(model, mlen,
		         "closed: %lld workers; latency from each actual send (a stalled server also "
		         "holds back the sends, so use rate: to see what users would)",
		         (long long)job->workers);
		return;
	}
	if (job->stage_count)
		snprintf(schedule, slen, "%zu stages from %.6g/s, %s arrivals", job->stage_count, job->rate,
		         job->poisson ? "poisson" : "constant");
	else
		snprintf(schedule, slen, "%.6g/s, %s arrivals", job->rate,
		         job->poisson ? "poisson" : "constant");
	snprintf(model, mlen, "open: %s, up to %lld connections; latency from each scheduled start",
	         schedule, (long long)job->max_connections);
}

size_t run_warnings(const struct scrape_run *run, const struct run_summary *sum,
                    char warnings[][RUN_WARNING_LEN], size_t max)
{
	const struct job *job = run->job;
	const struct stats *st = &run->stats;
	double wall = (double)((run->end_ns ? run->end_ns : run_now_ns()) - run->start_ns) / 1e9;
	double process, thread, busy, main_busy;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = 0;

	(void)sum;
	run_cpu_seconds(&process, &thread);
	busy = wall > 0 ? (process - run->cpu_start) / wall : 0;
	main_busy = wall > 0 ? (thread - run->main_cpu_start) / wall : 0;
	if (cpus < 1)
		cpus = 1;
	if (job->open_model && st->sent &&
	    (st->dropped > 0 || (double)st->late > 0.05 * (double)st->sent) && n < max) {
		if (st->peak_in_flight >= (uint64_t)job->max_connections)
			snprintf(warnings[n++], RUN_WARNING_LEN,
			         "the schedule slipped (%llu of %llu starts late, %llu dropped): all %lld connections "
			         "were busy, so the target answered too slowly for this rate; raise max_connections "
			         "or lower the rate",
			         (unsigned long long)st->late, (unsigned long long)st->sent,
			         (unsigned long long)st->dropped, (long long)job->max_connections);
		else
			snprintf(warnings[n++], RUN_WARNING_LEN,
			         "the schedule slipped (%llu of %llu starts late, %llu dropped) although connections "
			         "were free: scrape itself could not keep up (CPU %.0f%% of one core)",
			         (unsigned long long)st->late, (unsigned long long)st->sent,
			         (unsigned long long)st->dropped, busy * 100);
	}
	/* CPU use says more once the run has lasted a while, and only a load
	 * test is about the target's limits (a crawl may well be CPU-bound) */
	if (!run_is_load_test(run))
		return n;
	if (wall >= 1 && busy >= 0.9 * (double)cpus && n < max)
		snprintf(warnings[n++], RUN_WARNING_LEN,
		         "scrape used %.0f%% of the machine's %ld CPUs: it may be measuring its own limits "
		         "rather than the target's",
		         100 * busy / (double)cpus, cpus);
	else if (wall >= 1 && main_busy >= 0.9 && n < max)
		snprintf(warnings[n++], RUN_WARNING_LEN,
		         "scrape's main thread was busy %.0f%% of the time: it may be measuring its own limits "
		         "rather than the target's (try the threaded strategy, or run several scrapes)",
		         100 * main_busy);
	return n;
}

int run_report(struct scrape_run *run)
{
	FILE *out = run->settings.lines ? run->settings.lines : stdout;
	int interrupted = run_signal != 0;
	struct run_summary sum;
	struct report_summary rs;
	size_t thresholds_failed, i;
	char schedule[96], model[256];
	struct load_facts load = { 0 };

	if (!run->end_ns)
		run->end_ns = run_now_ns();
	timeline_close(&run->timeline);
	run_summarize(run, &sum);
	run_describe(run, schedule, sizeof schedule, model, sizeof model);
	load.open_model = run->job->open_model;
	load.schedule = schedule;
	load.model = model;
	load.warmup_ns = run->job->warmup_ns;
	report_summary_init(&rs, run, &sum, interrupted);
	thresholds_failed = rs.thresholds_failed;
	if (run->dispatch.frontier.error[0])
		log_error("%s", run->dispatch.frontier.error);
	if (run->settings.report_path &&
	    report_write(run->settings.report_path, run, &sum, &rs) < 0)
		run->output_failed = 1;
	if (run->settings.html_path &&
	    report_write_html(run->settings.html_path, run, &sum, interrupted) < 0)
		run->output_failed = 1;
	if (run->settings.silent) {
		/* the verdicts decide the exit status only */
	} else if (run->settings.json) {
		/* the report's members, less the load test's for a crawl */
		struct summary_input in = rs.in;
		in.load = run_is_load_test(run);
		summary_print_json(&in, NULL, out);
	} else {
		stats_print_summary(&run->stats, sum.seconds, interrupted,
		                    run_is_load_test(run) ? &load : NULL, out);
		if (run->job->random_order || run->job->poisson)
			fprintf(out, "  %s%s%s, seed %llu\n", run->job->random_order ? "random order" : "",
			        run->job->random_order && run->job->poisson ? " and " : "",
			        run->job->poisson ? "poisson arrivals" : "", (unsigned long long)run->job->seed);
		threshold_check(run->job, &run->stats, &sum, out, NULL);
	}
	fflush(out);
	if (!run->settings.silent)
		for (i = 0; i < rs.warning_count; i++)
			log_warning("%s", rs.warnings[i]);
	report_summary_free(&rs);
	if (interrupted)
		return 128 + run_signal;
	/* a load test with thresholds passes or fails by them alone: its
	 * error budget is one of them */
	if (run->job->threshold_count)
		return thresholds_failed || run->dispatch.frontier.error[0] || run->output_failed ||
		       run->lines_failed || run->local_failed ? 1 : 0;
	if (run->stats.failed > 0 || run->dispatch.frontier.error[0] || run->output_failed || run->lines_failed ||
	    run->local_failed)
		return 1;
	return 0;
}
