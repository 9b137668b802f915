/* SPDX-License-Identifier: MIT */
/*
 * The controller of an ad-hoc cluster (agents.h): waits for N idle agents,
 * hands each a segment of the job and one start time, draws one progress
 * line from the figures they push, and ends with one verdict: the reports
 * merged as --merge does (same code, in this process), or "incomplete"
 * naming each segment whose agent stopped reporting.  A segment is never
 * silently left out: the merge refuses a run with a segment missing.
 */
#include <config.h>

#include "cli/agents.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/merge.h"
#include "config/job.h"
#include "config/units.h"
#include "engine/run.h"
#include "engine/segment.h"
#include "util/log.h"

/* Between the assignment and the common start: time for every agent to
 * notice its assignment (it polls five times a second) and read the job. */
#define START_DELAY_NS 2000000000LL
#define ASSIGN_TTL_TEXT "30"
/* An agent that says it is idle without having reported (not yet taken
 * its assignment, or its report is on its way) is given this long before
 * its segment is missing. */
#define IDLE_GRACE_NS 3000000000LL
/* How long the controller waits for its agents unless --agents-wait says:
 * long enough for pods to be scheduled and pull an image, short enough
 * that a cluster that never comes is said. */
#define AGENTS_WAIT_NS (300 * 1000000000LL)

enum member_state { MEMBER_RUNNING, MEMBER_DONE, MEMBER_FAILED, MEMBER_MISSING };

struct member {
	char id[140];
	enum member_state state;
	int64_t last_seen_ns;       /* wall clock: its last heartbeat seen */
	int64_t last_tick_ns;       /* and its last figures, 0 before any */
	uint64_t done, failed;
	uint64_t latency[METRICS_BOUNDS + 1];  /* cumulative buckets, then the count */
	char why[300];
};

struct cluster {
	struct redis_conn *conn;
	struct member *member;
	unsigned count, running;
	char run[SEGMENT_RUN_ID_MAX + 32];
	char events[200];
	char last_id[64];
	int progress;
	uint64_t shown_done;        /* the line's rate: done then, and when */
	int64_t shown_ns;
	double rate;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of idle agents into cl->member, sorted, at most cl->count of
 * them; how many. */
static unsigned find_idle(struct cluster *cl)
{
	redisReply *keys = agents_call(cl->conn, "KEYS", AGENTS_PREFIX "agent:*", NULL);
	const size_t skip = strlen(AGENTS_PREFIX "agent:");
	char **names;
	unsigned found = 0;

	if (!keys || keys->type != REDIS_REPLY_ARRAY || !(names = calloc(keys->elements + 1, sizeof *names))) {
		if (keys)
			freeReplyObject(keys);
		return 0;
	}
	for (size_t i = 0; i < keys->elements; i++)
		names[i] = keys->element[i]->str;
	qsort(names, keys->elements, sizeof *names, by_name);
	for (size_t i = 0; i < keys->elements && found < cl->count; i++) {
		redisReply *r = agents_call(cl->conn, "GET", names[i], NULL);
		if (r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "idle") == 0 &&
		    strlen(names[i]) > skip)
			snprintf(cl->member[found++].id, sizeof cl->member[0].id, "%s", names[i] + skip);
		if (r)
			freeReplyObject(r);
	}
	free(names);
	freeReplyObject(keys);
	return found;
}

static void key_of(char *out, size_t len, const char *kind, const char *name)
{
	snprintf(out, len, AGENTS_PREFIX "%s:%s", kind, name);
}

/* Assigns segment i to member i, each only if no other controller got it
 * first; on a refusal the ones made are taken back.  0 or -1. */
static int assign_all(struct cluster *cl, int64_t start_ns)
{
	char key[200], value[200];
	unsigned i;

	for (i = 0; i < cl->count; i++) {
		redisReply *r;
		int taken;
		key_of(key, sizeof key, "assign", cl->member[i].id);
		snprintf(value, sizeof value, "%s %u %u %lld", cl->run, i, cl->count, (long long)start_ns);
		r = agents_call(cl->conn, "SET", key, value, "NX", "EX", ASSIGN_TTL_TEXT, NULL);
		taken = r && r->type == REDIS_REPLY_STATUS;
		if (r)
			freeReplyObject(r);
		if (!taken)
			break;
		cl->member[i].last_seen_ns = segment_wall_ns();
	}
	if (i == cl->count)
		return 0;
	while (i-- > 0) {
		key_of(key, sizeof key, "assign", cl->member[i].id);
		agents_do(cl->conn, "DEL", key, NULL);
	}
	return -1;
}

/* The job under job:RUN for the agents. */
static int publish_job(struct cluster *cl, const char *name, const char *text, size_t len)
{
	char key[200];
	const char *argv[] = { "HSET", key, "name", name, "text", text };
	size_t lens[] = { 4, 0, 4, strlen(name), 4, len };
	redisReply *r;
	int ok;

	key_of(key, sizeof key, "job", cl->run);
	lens[1] = strlen(key);
	r = redis_conn_command(cl->conn, "HSET", 6, argv, lens);
	ok = r && r->type == REDIS_REPLY_INTEGER;
	if (r)
		freeReplyObject(r);
	return ok && agents_do(cl->conn, "EXPIRE", key, AGENTS_RUN_TTL_TEXT, NULL) == 0 ? 0 : -1;
}

/* Waits for cl->count idle agents, up to wait_ns (0: for ever), and gives
 * them the job: 0, -1 when stopped by a signal, -2 when they did not all
 * come in time (said). */
static int start_cluster(struct cluster *cl, const char *job_name, const char *text, size_t len,
                         const char *hash, int64_t wait_ns)
{
	unsigned seen = (unsigned)-1, idle = 0;
	int64_t give_up = wait_ns > 0 ? segment_wall_ns() + wait_ns : INT64_MAX;
	char waited[32];

	while (!run_signal) {
		if (segment_wall_ns() >= give_up) {
			units_format_exact(wait_ns, waited, sizeof waited);
			log_error("incomplete: after %s, %u of the %u agents asked for %s idle; nothing ran "
			          "(start more with \"scrape agent\", or lower --agents-count, or raise "
			          "--agents-wait)", waited, idle, cl->count, idle == 1 ? "was" : "were");
			return -2;
		}
		if (redis_conn_ready(cl->conn) && (idle = find_idle(cl)) >= cl->count) {
			int64_t start_ns = segment_wall_ns() + START_DELAY_NS;
			segment_run_id(start_ns, hash, cl->run, sizeof cl->run);
			if (publish_job(cl, job_name, text, len) == 0 && assign_all(cl, start_ns) == 0) {
				log_note(LOG_NORMAL, "run %s: %u agents, starting in %lld s", cl->run, cl->count,
				         START_DELAY_NS / 1000000000);
				return 0;
			}
		} else if (idle != seen) {
			log_note(LOG_NORMAL, "waiting for %u idle agents (%u now)", cl->count, idle);
			seen = idle;
		}
		usleep(500000);
	}
	return -1;
}

/* The value of field name in a stream entry's [f, v, f, v...], or NULL. */
static const char *field(const redisReply *fields, const char *name)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, name) == 0)
			return fields->element[i + 1]->str;
	return NULL;
}

/* "n0,n1,...,count" into m->latency; a malformed list leaves it. */
static void read_latency(struct member *m, const char *text)
{
	uint64_t v[METRICS_BOUNDS + 1];
	char *end;

	for (size_t i = 0; i <= METRICS_BOUNDS; i++) {
		v[i] = strtoull(text, &end, 10);
		if (end == text || (*end != ',' && i < METRICS_BOUNDS) || (i == METRICS_BOUNDS && *end))
			return;
		text = end + 1;
	}
	memcpy(m->latency, v, sizeof v);
}

/* One event of the stream: a tick's figures, a report, an error. */
static void take_event(struct cluster *cl, const redisReply *fields)
{
	const char *seg = field(fields, "seg"), *kind = field(fields, "kind"), *v;
	unsigned long index;
	struct member *m;

	if (!seg || !kind || (index = strtoul(seg, NULL, 10)) >= cl->count)
		return;
	m = &cl->member[index];
	if (m->state != MEMBER_RUNNING)
		return;
	if (strcmp(kind, "tick") == 0) {
		m->last_tick_ns = segment_wall_ns();
		if ((v = field(fields, "done")))
			m->done = strtoull(v, NULL, 10);
		if ((v = field(fields, "failed")))
			m->failed = strtoull(v, NULL, 10);
		if ((v = field(fields, "latency")))
			read_latency(m, v);
		return;
	}
	m->state = strcmp(kind, "report") == 0 ? MEMBER_DONE : MEMBER_FAILED;
	if (m->state == MEMBER_FAILED)
		snprintf(m->why, sizeof m->why, "%s", (v = field(fields, "why")) ? v : "failed");
	cl->running--;
}

/* Reads the events that came, waiting up to half a second for one. */
static void read_events(struct cluster *cl)
{
	redisReply *r = agents_call(cl->conn, "XREAD", "COUNT", "500", "BLOCK", "500", "STREAMS",
	                            cl->events, cl->last_id, NULL);

	if (!r) {
		usleep(200000);     /* Redis is away: the connection retries */
		return;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2) {
		const redisReply *entries = r->element[0]->element[1];
		for (size_t i = 0; i < entries->elements; i++) {
			const redisReply *e = entries->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			snprintf(cl->last_id, sizeof cl->last_id, "%s", e->element[0]->str);
			take_event(cl, e->element[1]);
		}
	}
	freeReplyObject(r);
}

/* Marks the running segments whose agent's heartbeat is gone missing. */
static void check_alive(struct cluster *cl)
{
	char key[200], busy[160];

	snprintf(busy, sizeof busy, "busy %s", cl->run);
	for (unsigned i = 0; i < cl->count; i++) {
		struct member *m = &cl->member[i];
		redisReply *r;
		if (m->state != MEMBER_RUNNING)
			continue;
		key_of(key, sizeof key, "agent", m->id);
		if (!(r = agents_call(cl->conn, "GET", key, NULL)))
			return;
		if (r->type == REDIS_REPLY_STRING && strcmp(r->str, busy) == 0) {
			m->last_seen_ns = segment_wall_ns();
		} else if (r->type == REDIS_REPLY_NIL ||
		           (r->type == REDIS_REPLY_STRING && strcmp(r->str, "idle") != 0) ||
		           segment_wall_ns() - m->last_seen_ns > IDLE_GRACE_NS) {
			/* gone, serving another run, or idle without a report */
			m->state = MEMBER_MISSING;
			cl->running--;
		}
		freeReplyObject(r);
	}
}

/* The smallest bucket bound holding fraction q of the merged latencies,
 * in milliseconds; 0 when none yet. */
static double merged_quantile_ms(const struct cluster *cl, double q)
{
	uint64_t sum[METRICS_BOUNDS + 1] = { 0 };

	for (unsigned i = 0; i < cl->count; i++)
		for (size_t b = 0; b <= METRICS_BOUNDS; b++)
			sum[b] += cl->member[i].latency[b];
	if (sum[METRICS_BOUNDS] == 0)
		return 0;
	for (size_t b = 0; b < METRICS_BOUNDS; b++)
		if ((double)sum[b] >= q * (double)sum[METRICS_BOUNDS])
			return metrics_bounds[b] * 1000;
	return metrics_bounds[METRICS_BOUNDS - 1] * 1000;
}

/* The cluster's progress line on stderr. */
static void draw_line(struct cluster *cl)
{
	uint64_t done = 0, failed = 0;
	int64_t now = segment_wall_ns();

	for (unsigned i = 0; i < cl->count; i++) {
		done += cl->member[i].done;
		failed += cl->member[i].failed;
	}
	if (now - cl->shown_ns >= 1000000000) {
		if (cl->shown_ns)
			cl->rate = (double)(done - cl->shown_done) * 1e9 / (double)(now - cl->shown_ns);
		cl->shown_done = done;
		cl->shown_ns = now;
	}
	fprintf(stderr, "\r%u/%u agents running: %" PRIu64 " done, %.0f/s, %" PRIu64
	        " failed, p50 <= %g ms, p95 <= %g ms\033[K",
	        cl->running, cl->count, done, cl->rate, failed, merged_quantile_ms(cl, 0.5),
	        merged_quantile_ms(cl, 0.95));
	fflush(stderr);
}

/* One line per segment that did not report; EXIT_INCOMPLETE. */
static int say_incomplete(const struct cluster *cl)
{
	for (unsigned i = 0; i < cl->count; i++) {
		const struct member *m = &cl->member[i];
		char when[16];
		time_t t = (time_t)((m->last_tick_ns ? m->last_tick_ns : m->last_seen_ns) / 1000000000);
		struct tm tm;

		if (m->state == MEMBER_DONE)
			continue;
		strftime(when, sizeof when, "%H:%M:%S", localtime_r(&t, &tm));
		if (m->state == MEMBER_FAILED)
			log_error("incomplete: segment %u of %u (agent %s) failed: %s", i + 1, cl->count, m->id,
			          m->why);
		else
			log_error("incomplete: segment %u of %u (agent %s) stopped reporting at %s", i + 1,
			          cl->count, m->id, when);
	}
	log_error("run %s is incomplete: no merged verdict (exit %d)", cl->run, EXIT_INCOMPLETE);
	return EXIT_INCOMPLETE;
}

/* Every segment's report into a file of dir, then --merge of them with
 * the job's thresholds. */
static int merge_cluster(const struct cluster *cl, const struct cli *cli, struct job *job,
                         const char *hash, char *dir)
{
	char **paths = calloc(cl->count, sizeof *paths), key[200], index[16];
	struct merge_settings settings = {
		.json = cli->json, .job = job, .job_path = cli->config, .job_hash = hash,
		.html_path = cli->html,
	};
	int status = EXIT_SOME_FAILED;
	unsigned i;

	for (i = 0; paths && i < cl->count; i++) {
		redisReply *r;
		FILE *f;
		snprintf(index, sizeof index, "%u", i);
		snprintf(key, sizeof key, AGENTS_PREFIX "report:%s:%u", cl->run, i);
		if (asprintf(&paths[i], "%s/segment-%u.json", dir, i + 1) < 0) {
			paths[i] = NULL;
			break;
		}
		r = agents_call(cl->conn, "GET", key, NULL);
		f = r && r->type == REDIS_REPLY_STRING ? fopen(paths[i], "w") : NULL;
		if (f && fwrite(r->str, 1, r->len, f) != r->len) {
			fclose(f);
			f = NULL;
		}
		if (r)
			freeReplyObject(r);
		if (!f || fclose(f) != 0) {
			log_error("the report of segment %u of %u (agent %s) cannot be read from Redis",
			          i + 1, cl->count, cl->member[i].id);
			i++;
			break;
		}
	}
	if (paths && i == cl->count && paths[i - 1])
		status = merge_reports(paths, cl->count, &settings);
	for (unsigned k = 0; paths && k < cl->count; k++) {
		if (paths[k])
			unlink(paths[k]);
		free(paths[k]);
	}
	free(paths);
	return status;
}

/* The merged summary and thresholds, or why there are none. */
static int verdict(const struct cluster *cl, const struct cli *cli, struct job *job, const char *hash)
{
	char dir[300];
	int status;

	for (unsigned i = 0; i < cl->count; i++)
		if (cl->member[i].state != MEMBER_DONE)
			return say_incomplete(cl);
	snprintf(dir, sizeof dir, "%s/scrape-agents.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		log_error("cannot make a directory for the reports in %s", dir);
		return EXIT_SOME_FAILED;
	}
	status = merge_cluster(cl, cli, job, hash, dir);
	rmdir(dir);
	return status;
}

/* The run's keys, once its verdict is out. */
static void clean_up(struct cluster *cl)
{
	char key[200];

	key_of(key, sizeof key, "job", cl->run);
	agents_do(cl->conn, "DEL", key, cl->events, NULL);
	for (unsigned i = 0; i < cl->count; i++) {
		snprintf(key, sizeof key, AGENTS_PREFIX "report:%s:%u", cl->run, i);
		agents_do(cl->conn, "DEL", key, NULL);
	}
}

/* Follows the run until every segment reported or went missing. */
static void follow(struct cluster *cl)
{
	key_of(cl->events, sizeof cl->events, "events", cl->run);
	snprintf(cl->last_id, sizeof cl->last_id, "0");
	cl->running = cl->count;
	while (cl->running > 0 && !run_signal) {
		read_events(cl);
		check_alive(cl);
		if (cl->progress)
			draw_line(cl);
	}
	if (cl->progress)
		fputs("\r\033[K", stderr);
	if (run_signal) {
		/* Ctrl-C here stops the segments too, not only the waiting */
		char key[200];
		key_of(key, sizeof key, "stop", cl->run);
		agents_do(cl->conn, "SET", key, "1", "EX", AGENTS_RUN_TTL_TEXT, NULL);
		log_error("run %s stopped: the agents stop their segments", cl->run);
	}
}

/* The controller's checks of the job before any agent gets it: it loads,
 * and it can be split into count segments.  0 or an exit status. */
static int check_job(const struct cli *cli, struct job **job, char *hash)
{
	struct segment s = { .index = 0, .count = cli->agents_count };
	char err[1024];
	struct job *trial;

	if (cli->override_count || cli->url_count) {
		log_fatal("--agents sends the job file as it is: put job options (--set, -w, URLs, ...) "
		          "in the file");
		return EXIT_USAGE;
	}
	if (!(*job = job_load(cli->config, NULL, NULL, 0, NULL, 0, err, sizeof err)) ||
	    !(trial = job_load(cli->config, NULL, NULL, 0, NULL, 0, err, sizeof err))) {
		log_located("%s", err);
		return EXIT_USAGE;
	}
	segment_job_hash(*job, hash);
	if (segment_divide_job(trial, &s, "check", err, sizeof err) < 0) {
		job_free(trial);
		log_fatal("%s", err);
		return EXIT_USAGE;
	}
	job_free(trial);
	return EXIT_ALL_OK;
}

int agents_control(const struct cli *cli)
{
	struct cluster cl = { .count = cli->agents_count };
	char hash[SEGMENT_HASH_LEN];
	struct job *job = NULL;
	struct redis_url url;
	size_t len = 0;
	char *text = NULL;
	int status, started;

	cl.progress = cli->progress >= 0 ? cli->progress : isatty(STDERR_FILENO);
	if ((status = check_job(cli, &job, hash)) != EXIT_ALL_OK) {
		job_free(job);
		return status;
	}
	if (!(text = agents_read_file(cli->config, &len)) ||
	    !(cl.member = calloc(cl.count, sizeof *cl.member))) {
		log_fatal("cannot read %s", cli->config);
		free(text);
		job_free(job);
		return EXIT_USAGE;
	}
	if (!(cl.conn = agents_connect("--agents", cli->agents, &url))) {
		status = EXIT_USAGE;
	} else if ((started = start_cluster(&cl, cli->config, text, len, hash,
	                                     cli->agents_wait_given ? cli->agents_wait_ns : AGENTS_WAIT_NS)) < 0) {
		status = started == -2 ? EXIT_INCOMPLETE : 128 + run_signal;
	} else {
		follow(&cl);
		status = run_signal ? 128 + run_signal : verdict(&cl, cli, job, hash);
		clean_up(&cl);
	}
	redis_conn_free(cl.conn);
	redis_url_free(&url);
	free(cl.member);
	free(text);
	job_free(job);
	return status;
}
