/* SPDX-License-Identifier: MIT */
/*
 * Splitting a job into segments (see segment.h): the arithmetic of
 * shares, the parsers of --segment, --segments and --start-at, the job's
 * hash and run id that let --merge tell the segments of one run, and the
 * division of the job's counts and limits.
 */
#include <config.h>

#include "engine/segment.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/units.h"
#include "util/hash.h"

int64_t segment_share(const struct segment *s, int64_t total)
{
	if (!segment_split(s))
		return total;
	return total / s->count + ((int64_t)s->index < total % s->count ? 1 : 0);
}

uint64_t segment_owned_before(const struct segment *s, uint64_t end)
{
	if (!segment_split(s))
		return end;
	return end > s->index ? (end - s->index - 1) / s->count + 1 : 0;
}

/* A whole number in 1..SEGMENT_MAX, all of text. */
static int parse_small(const char *text, size_t len, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 6)
		return -1;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	*out = (unsigned)v;
	return 0;
}

int segment_parse(const char *text, struct segment *s, const char **why)
{
	const char *slash = strchr(text, '/');
	unsigned i, n;

	*why = "expected I/N, segment I of N (e.g. 1/3)";
	if (!slash || parse_small(text, (size_t)(slash - text), &i) < 0 ||
	    parse_small(slash + 1, strlen(slash + 1), &n) < 0)
		return -1;
	if (n < 1 || n > SEGMENT_MAX) {
		*why = "N is 1 to 10000";
		return -1;
	}
	if (i < 1 || i > n) {
		*why = "I is 1 to N (segments count from 1)";
		return -1;
	}
	s->index = i - 1;
	s->count = n;
	return 0;
}

int segment_from_index(const char *count_text, const char *index_text, struct segment *s,
                       const char **why)
{
	unsigned n, k;

	if (parse_small(count_text, strlen(count_text), &n) < 0 || n < 1 || n > SEGMENT_MAX) {
		*why = "--segments takes a count of 1 to 10000";
		return -1;
	}
	if (!index_text || !*index_text) {
		*why = "--segments needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed "
		       "Job sets it); use --segment I/N elsewhere";
		return -1;
	}
	if (parse_small(index_text, strlen(index_text), &k) < 0) {
		*why = "JOB_COMPLETION_INDEX is not a whole number";
		return -1;
	}
	if (k >= n) {
		*why = "JOB_COMPLETION_INDEX is not below --segments (it counts from 0)";
		return -1;
	}
	s->index = k;
	s->count = n;
	return 0;
}

int64_t segment_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int segment_parse_start(const char *text, int64_t now_ns, int64_t *at_ns, char *why, size_t len)
{
	const char *reason;
	int64_t v;

	if (text[0] == '+') {
		if (units_duration(text + 1, &v, &reason) < 0) {
			snprintf(why, len, "%s", reason);
			return -1;
		}
		*at_ns = now_ns + v;
	} else {
		if (!strchr(text, 'T') || units_datetime(text, strlen(text), &v, &reason) < 0) {
			snprintf(why, len, "expected an RFC 3339 time such as 2026-01-01T12:00:00Z, or +5s");
			return -1;
		}
		if (v > INT64_MAX / 1000000000 - 1) {
			snprintf(why, len, "it is too far ahead (at most 24h)");
			return -1;
		}
		*at_ns = v * 1000000000;
	}
	if (*at_ns <= now_ns) {
		snprintf(why, len, "it is in the past");
		return -1;
	}
	if (*at_ns - now_ns > SEGMENT_START_MAX_NS) {
		snprintf(why, len, "it is too far ahead (at most 24h)");
		return -1;
	}
	return 0;
}

void segment_wait_until(int64_t at_ns, const volatile sig_atomic_t *stop)
{
	/* in slices, so SIGINT or SIGTERM is not left waiting for the start */
	while (!*stop) {
		int64_t left = at_ns - segment_wall_ns();
		struct timespec ts;

		if (left <= 0)
			return;
		if (left > 50000000)
			left = 50000000;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left;
		nanosleep(&ts, NULL);
	}
}

void segment_job_hash(struct job *job, char out[SEGMENT_HASH_LEN])
{
	uint64_t seed = job->seed, h = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!job->seed_set)
		job->seed = 0;
	f = open_memstream(&text, &len);
	if (f) {
		job_print(job, f);
		fclose(f);
	}
	job->seed = seed;
	if (text)
		h = hash_fnv1a(text);
	free(text);
	snprintf(out, SEGMENT_HASH_LEN, "%016" PRIx64, h);
}

void segment_run_id(int64_t start_at_ns, const char *job_hash, char *out, size_t len)
{
	time_t t = (time_t)(start_at_ns / 1000000000);
	struct tm tm;
	char stamp[32];

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, len, "%s-%.8s", stamp, job_hash);
}

int segment_run_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n < 1 || n > SEGMENT_RUN_ID_MAX)
		return -1;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n
	       ? 0 : -1;
}

/* A count the segments divide: each needs one at least. */
static int divide_count(int64_t *value, const char *key, const struct segment *s, char *err,
                        size_t errlen)
{
	if (*value <= 0)
		return 0;
	if (*value < (int64_t)s->count) {
		snprintf(err, errlen, "--segment: %s %lld cannot be split into %u segments (each needs 1 "
		         "at least)", key, (long long)*value, s->count);
		return -1;
	}
	*value = segment_share(s, *value);
	return 0;
}

/* A burst only shrinks to 1: a smaller one would never let a start out. */
static void divide_burst(int64_t *burst, const struct segment *s)
{
	if (*burst > 0)
		*burst = segment_share(s, *burst) > 0 ? segment_share(s, *burst) : 1;
}

int segment_divide_job(struct job *job, const struct segment *s, const char *run_id, char *err,
                       size_t errlen)
{
	int random = job->random_order || job->poisson || job->proxy_rotation == JOB_PROXY_RANDOM;

	/* also for a job run whole with a run id: it draws like its segments */
	if (random && !job->seed_set && run_id)
		job->seed = hash_fnv1a(run_id);
	if (!segment_split(s))
		return 0;
	if (job->crawl.enabled) {
		snprintf(err, errlen, "--segment: a crawl cannot be split into segments (share it "
		         "between processes with frontier.redis)");
		return -1;
	}
	if (job->url_file_stream) {
		snprintf(err, errlen, "--segment: url_file %s is a stream, read once; segments each "
		         "need the whole list (a regular file)", job->url_file);
		return -1;
	}
	if (random && !job->seed_set && !run_id) {
		snprintf(err, errlen, "--segment: the job draws at random (Poisson arrivals, random "
		         "order or proxies): give it a seed, or --run-id or --start-at to derive one");
		return -1;
	}
	/* the open model's workers are the strategy's threads, not a load */
	if ((!job->open_model && divide_count(&job->workers, "workers", s, err, errlen) < 0) ||
	    divide_count(&job->max_connections, "max_connections", s, err, errlen) < 0 ||
	    divide_count(&job->batch_size, "batch_size", s, err, errlen) < 0 ||
	    divide_count(&job->per_host.concurrency, "per_host.concurrency", s, err, errlen) < 0)
		return -1;
	job->rate_limit /= s->count;
	divide_burst(&job->burst, s);
	job->per_host.rate /= s->count;
	divide_burst(&job->per_host.burst, s);
	job->per_host.delay_ns *= s->count;
	job->per_host.jitter_ns *= s->count;
	return 0;
}
