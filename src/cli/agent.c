/* SPDX-License-Identifier: MIT */
/*
 * `scrape agent`: a worker of an ad-hoc cluster (agents.h).  It registers
 * under a key it keeps alive with a heartbeat, takes the segments a
 * controller assigns it one after another, runs each in-process through
 * the same path as `scrape -c JOB --segment I/N --start-at T --run-id R`,
 * pushes the run's figures every second while it goes, and its report at
 * the end.  The heartbeat and the figures go from a thread of their own
 * (on a connection of their own), so they go on while the run holds the
 * main thread.
 */
#include <config.h>

#include "cli/agents.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/run.h"
#include "util/buf.h"
#include "util/log.h"

#define AGENT_POLL_US 200000
#define MAX_ARGS 16

static redisReply *call_v(struct redis_conn *c, const char *first, va_list ap)
{
	const char *argv[MAX_ARGS];
	int argc = 0;

	for (const char *a = first; a && argc < MAX_ARGS; a = va_arg(ap, const char *))
		argv[argc++] = a;
	return redis_conn_command(c, first, argc, argv, NULL);
}

redisReply *agents_call(struct redis_conn *c, const char *first, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, first);
	r = call_v(c, first, ap);
	va_end(ap);
	return r;
}

int agents_do(struct redis_conn *c, const char *first, ...)
{
	va_list ap;
	redisReply *r;
	int failed;

	va_start(ap, first);
	r = call_v(c, first, ap);
	va_end(ap);
	failed = !r || r->type == REDIS_REPLY_ERROR;
	if (r)
		freeReplyObject(r);
	return failed ? -1 : 0;
}

struct redis_conn *agents_connect(const char *option, const char *text, struct redis_url *url)
{
	struct redis_endpoint ep;
	struct redis_conn *c;
	char why[300];

	if (redis_url_parse(text, url, why, sizeof why) < 0) {
		log_fatal("%s %s", option, why);
		return NULL;
	}
	ep = redis_url_endpoint(url);
	if (!(c = redis_conn_new(&ep, NULL, 0))) {
		log_fatal("out of memory");
		return NULL;
	}
	if (redis_conn_open(c) < 0) {
		log_fatal("%s: %s", option, redis_conn_error(c));
		redis_conn_free(c);
		return NULL;
	}
	return c;
}

/* The heartbeat and the figures of the segment being run. */
static struct feed {
	pthread_mutex_t lock;
	metrics_snapshot_fn fn;     /* while a run goes */
	void *ctx;
	struct redis_conn *conn;
	char key[200];              /* agent:ID */
	char state[120];            /* "idle" or "busy RUN" */
	char events[200];           /* the running segment's stream */
	char index[16];
	char stop_key[200];         /* stop:RUN of the running segment, or "" */
	int stopped;                /* the controller asked, and run_signal was set so */
	int stop;
} feed = { .lock = PTHREAD_MUTEX_INITIALIZER };

void agent_feed_attach(metrics_snapshot_fn fn, void *ctx)
{
	pthread_mutex_lock(&feed.lock);
	feed.fn = fn;
	feed.ctx = ctx;
	pthread_mutex_unlock(&feed.lock);
}

void agent_feed_detach(void)
{
	agent_feed_attach(NULL, NULL);
}

static void set_state(const char *state, const char *events, unsigned index, const char *run)
{
	pthread_mutex_lock(&feed.lock);
	if (run)
		snprintf(feed.stop_key, sizeof feed.stop_key, AGENTS_PREFIX "stop:%s", run);
	else
		feed.stop_key[0] = '\0';
	snprintf(feed.state, sizeof feed.state, "%s", state);
	snprintf(feed.events, sizeof feed.events, "%s", events);
	snprintf(feed.index, sizeof feed.index, "%u", index);
	pthread_mutex_unlock(&feed.lock);
}

/* The cumulative latency buckets and their count, "n0,n1,...,count". */
static void format_buckets(const struct metrics_histogram *h, struct buf *out)
{
	for (size_t i = 0; i < METRICS_BOUNDS; i++)
		buf_printf(out, "%" PRIu64 ",", h->le[i]);
	buf_printf(out, "%" PRIu64, h->count);
}

/* One "tick" of the running segment; called with feed.lock held. */
static void push_figures(void)
{
	struct metrics_snapshot s;
	struct buf buckets = { 0 };
	char done[24], failed[24];

	memset(&s, 0, sizeof s);
	if (feed.fn(feed.ctx, &s) < 0)
		return;
	snprintf(done, sizeof done, "%" PRIu64, s.ok + s.failed);
	snprintf(failed, sizeof failed, "%" PRIu64, s.failed);
	format_buckets(&s.latency, &buckets);
	if (buckets.data)
		agents_do(feed.conn, "XADD", feed.events, "MAXLEN", "~", "100000", "*", "seg", feed.index,
		          "kind", "tick", "done", done, "failed", failed, "latency", buckets.data, NULL);
	buf_free(&buckets);
	metrics_snapshot_free(&s);
}

/* The controller was stopped (Ctrl-C): the segment stops as if by
 * SIGINT.  Called with feed.lock held. */
static void check_stop(void)
{
	redisReply *r;

	if (!feed.stop_key[0] || feed.stopped || !(r = agents_call(feed.conn, "EXISTS", feed.stop_key, NULL)))
		return;
	if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
		log_warning("agent: the controller stopped the run; stopping the segment");
		feed.stopped = 1;
		run_signal = SIGINT;
	}
	freeReplyObject(r);
}

static void *feed_thread(void *unused)
{
	(void)unused;
	for (;;) {
		pthread_mutex_lock(&feed.lock);
		if (feed.stop) {
			pthread_mutex_unlock(&feed.lock);
			return NULL;
		}
		if (redis_conn_ready(feed.conn)) {
			agents_do(feed.conn, "SET", feed.key, feed.state, "EX", AGENT_TTL_TEXT, NULL);
			if (feed.fn)
				push_figures();
			check_stop();
		}
		pthread_mutex_unlock(&feed.lock);
		for (int i = 0; i < 10 && !__atomic_load_n(&feed.stop, __ATOMIC_ACQUIRE); i++)
			usleep(100000);
	}
}

/* What a controller asked this agent to run. */
struct assignment {
	char run[SEGMENT_RUN_ID_MAX + 32];
	unsigned index, count;
	long long start_ns;
};

/* 1 and *a when there is an assignment (taken: the key is removed), 0
 * when none. */
static int take_assignment(struct redis_conn *c, const char *id, struct assignment *a)
{
	char key[200], busy[160];
	redisReply *r;
	int found = 0;

	snprintf(key, sizeof key, AGENTS_PREFIX "assign:%s", id);
	if (!redis_conn_ready(c) || !(r = agents_call(c, "GET", key, NULL)))
		return 0;
	if (r->type == REDIS_REPLY_STRING &&
	    sscanf(r->str, "%90s %u %u %lld", a->run, &a->index, &a->count, &a->start_ns) == 4 &&
	    a->index < a->count && a->count <= SEGMENT_MAX)
		found = 1;
	else if (r->type == REDIS_REPLY_STRING)
		log_warning("agent: ignoring an assignment that cannot be read: \"%.80s\"", r->str);
	freeReplyObject(r);
	if (!found)
		return 0;
	/* busy at once, so no other controller takes this agent meanwhile */
	snprintf(busy, sizeof busy, "busy %s", a->run);
	agents_do(c, "SET", feed.key, busy, "EX", AGENT_TTL_TEXT, NULL);
	agents_do(c, "DEL", key, NULL);
	return 1;
}

/* The job's text and name from job:RUN into a file of a directory of its
 * own, named as the controller's file was, so messages about it name a
 * file the user knows.  0, or -1 with the reason in why. */
static int fetch_job(struct redis_conn *c, const char *run, char *dir, char *path, size_t len,
                     char *why, size_t why_len)
{
	char key[200];
	redisReply *r;
	FILE *f;
	int rc = -1;

	snprintf(key, sizeof key, AGENTS_PREFIX "job:%s", run);
	r = agents_call(c, "HMGET", key, "name", "text", NULL);
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
		snprintf(why, why_len, "the job of run %s is not in Redis (expired?)", run);
		goto out;
	}
	const char *name = strrchr(r->element[0]->str, '/');
	name = name ? name + 1 : r->element[0]->str;
	if (!name[0] || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
		name = "job.yaml";
	snprintf(dir, 64, "%s/scrape-agent.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(why, why_len, "cannot make a directory for the job in %s", dir);
		dir[0] = '\0';
		goto out;
	}
	snprintf(path, len, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) ||
	    fwrite(r->element[1]->str, 1, r->element[1]->len, f) != r->element[1]->len) {
		snprintf(why, why_len, "cannot write the job to %s", path);
		if (f)
			fclose(f);
		goto out;
	}
	rc = fclose(f) == 0 ? 0 : -1;
	if (rc < 0)
		snprintf(why, why_len, "cannot write the job to %s", path);
out:
	if (r)
		freeReplyObject(r);
	return rc;
}

char *agents_read_file(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.data;
}

/* The segment's end: its report (report_path, or NULL) under
 * report:RUN:INDEX and an event that says so, or, without one, an error
 * event with why. */
static void push_result(struct redis_conn *c, const struct assignment *a, const char *report_path,
                        int status, const char *why)
{
	char events[200], key[200], index[16], code[16];
	size_t len = 0;
	char *report = report_path ? agents_read_file(report_path, &len) : NULL;

	snprintf(events, sizeof events, AGENTS_PREFIX "events:%s", a->run);
	snprintf(key, sizeof key, AGENTS_PREFIX "report:%s:%u", a->run, a->index);
	snprintf(index, sizeof index, "%u", a->index);
	snprintf(code, sizeof code, "%d", status);
	if (report && len) {
		const char *argv[] = { "SET", key, report, "EX", AGENTS_RUN_TTL_TEXT };
		const size_t lens[] = { 3, strlen(key), len, 2, strlen(AGENTS_RUN_TTL_TEXT) };
		redisReply *r = redis_conn_command(c, "SET", 5, argv, lens);
		if (r)
			freeReplyObject(r);
		agents_do(c, "XADD", events, "*", "seg", index, "kind", "report", "status", code, NULL);
	} else {
		agents_do(c, "XADD", events, "*", "seg", index, "kind", "error", "status", code, "why", why,
		          NULL);
	}
	agents_do(c, "EXPIRE", events, AGENTS_RUN_TTL_TEXT, NULL);
	free(report);
}

/* The last line logged while a segment runs, to say why it failed. */
static void keep_last_line(void *arg, const char *text, size_t len)
{
	char *last = arg;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	const char *start = memrchr(text, '\n', len);
	start = start ? start + 1 : text;
	len -= (size_t)(start - text);
	if (len >= 300)
		len = 299;
	memcpy(last, start, len);
	last[len] = '\0';
}

/* Runs one assignment and reports how it went. */
static void serve_one(struct redis_conn *c, const struct cli *base, const struct assignment *a,
                      agent_run_fn run, void *ctx)
{
	char dir[64] = "", path[300], report[300], why[400], events[200], busy[160], last[300];
	struct cli cli = *base;
	int status = EXIT_USAGE;

	log_note(LOG_NORMAL, "agent: run %s, segment %u of %u", a->run, a->index + 1, a->count);
	snprintf(events, sizeof events, AGENTS_PREFIX "events:%s", a->run);
	snprintf(busy, sizeof busy, "busy %s", a->run);
	set_state(busy, events, a->index, a->run);
	if (fetch_job(c, a->run, dir, path, sizeof path, why, sizeof why) < 0) {
		push_result(c, a, NULL, status, why);
	} else {
		snprintf(report, sizeof report, "%s/report.json", dir);
		cli.config = path;
		cli.segment.index = a->index;
		cli.segment.count = a->count;
		cli.start_at_ns = a->start_ns;
		cli.run_id = a->run;
		cli.report = report;
		cli.progress = 0;
		last[0] = '\0';
		log_set_tap(keep_last_line, last);
		status = run(&cli, ctx);
		log_set_tap(NULL, NULL);
		if (last[0])
			snprintf(why, sizeof why, "exit %d: %s", status, last);
		else
			snprintf(why, sizeof why, "exit %d, no report (see the agent's log)", status);
		push_result(c, a, report, status, why);
		unlink(report);
	}
	if (dir[0]) {
		unlink(path);
		rmdir(dir);
	}
	pthread_mutex_lock(&feed.lock);
	if (feed.stopped)
		run_signal = 0;     /* the run's stop, not the agent's (a SIGTERM meanwhile is lost) */
	feed.stopped = 0;
	pthread_mutex_unlock(&feed.lock);
	set_state("idle", "", 0, NULL);
	log_note(LOG_NORMAL, "agent: run %s done (exit %d); waiting for work", a->run, status);
}

/* The agent's name in keys and messages: HOST:PID. */
static void agent_id(char *id, size_t len)
{
	char host[100];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(id, len, "%s:%ld", host, (long)getpid());
}

int agent_serve(const struct cli *cli, agent_run_fn run, void *ctx)
{
	struct redis_url url, feed_url;
	struct redis_conn *c;
	struct assignment a;
	pthread_t thread;
	char id[140];

	if (!(c = agents_connect("--redis", cli->redis, &url)))
		return EXIT_USAGE;
	if (!(feed.conn = agents_connect("--redis", cli->redis, &feed_url))) {
		redis_conn_free(c);
		redis_url_free(&url);
		return EXIT_USAGE;
	}
	agent_id(id, sizeof id);
	snprintf(feed.key, sizeof feed.key, AGENTS_PREFIX "agent:%s", id);
	set_state("idle", "", 0, NULL);
	if (pthread_create(&thread, NULL, feed_thread, NULL) != 0) {
		log_fatal("agent: cannot start its heartbeat thread");
		return EXIT_SOME_FAILED;
	}
	log_note(LOG_NORMAL, "agent %s waiting for work at redis://%s:%d/%d", id, url.host, url.port,
	         url.db);
	while (!run_signal) {
		if (take_assignment(c, id, &a))
			serve_one(c, cli, &a, run, ctx);
		else
			usleep(AGENT_POLL_US);
	}
	pthread_mutex_lock(&feed.lock);
	feed.stop = 1;
	pthread_mutex_unlock(&feed.lock);
	pthread_join(thread, NULL);
	agents_do(c, "DEL", feed.key, NULL);
	log_note(LOG_NORMAL, "agent %s stopped", id);
	redis_conn_free(feed.conn);
	redis_conn_free(c);
	redis_url_free(&feed_url);
	redis_url_free(&url);
	return EXIT_ALL_OK;
}
