/* SPDX-License-Identifier: MIT */
/*
 * Reading one --report file for the merge.  The report is walked once
 * with the core's pull reader (json.h), without a document tree, and its
 * numbers go into a `part` that merge.c adds to the merge only when the
 * whole report has been read and checked.  Members may come in any
 * order; every value is checked for range, and an error names the member
 * it was found in.
 */
#include <config.h>

#include "cli/merge_private.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "results/groups.h"
#include "results/stats.h"

/* Durations become int64 nanoseconds: below 9.2e9 s they fit. */
#define MAX_SECONDS 9e9
#define MAX_RATE 1e12

/* The counters a report carries at its top level and where they add up. */
const struct merge_counter merge_counters[MERGE_COUNTERS] = {
	{ "ok", offsetof(struct stats, ok) },
	{ "failed", offsetof(struct stats, failed) },
	{ "retries", offsetof(struct stats, retries) },
	{ "bytes", offsetof(struct stats, bytes) },
	{ "sent", offsetof(struct stats, sent) },
	{ "late", offsetof(struct stats, late) },
	{ "dropped", offsetof(struct stats, dropped) },
	{ "warmup_requests", offsetof(struct stats, warmup) },
	{ "bytes_in", offsetof(struct stats, bytes_in) },
	{ "bytes_out", offsetof(struct stats, bytes_out) },
	{ "connections_opened", offsetof(struct stats, connections) },
	{ "peak_in_flight", offsetof(struct stats, peak_in_flight) },
};
_Static_assert(sizeof merge_counters / sizeof merge_counters[0] == MERGE_COUNTERS,
               "MERGE_COUNTERS counts merge_counters");



int merge_refuse(struct merged *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof m->why, fmt, ap);
	va_end(ap);
	return -1;
}

/* A duration in seconds that fits int64 nanoseconds. */
static int read_seconds(struct json_reader *r, struct merged *m, const char *what, double *out)
{
	if (json_read_number(r, out) < 0)
		return -1;
	if (*out < 0 || *out > MAX_SECONDS)
		return merge_refuse(m, "%s: %g s is out of range (0 to %g s)", what, *out, MAX_SECONDS);
	return 0;
}

/* {"count":..,"min":..,"mean":..,"stddev":..,"max":..,"p50":..}: the
 * percentiles are not needed (the buckets give them) but must be JSON. */
int merge_read_summary(struct json_reader *r, struct merged *m, struct summary *s)
{
	static const char *const names[] = { "min", "mean", "stddev", "max" };
	double *fields[] = { &s->min, &s->mean, &s->stddev, &s->max };
	char what[64];
	const char *key;
	size_t i;
	int more;

	memset(s, 0, sizeof *s);
	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, NULL)) == 1) {
		if (strcmp(key, "count") == 0) {
			if (json_read_count(r, &s->count) < 0)
				return -1;
			continue;
		}
		for (i = 0; i < 4 && strcmp(key, names[i]) != 0; i++)
			;
		snprintf(what, sizeof what, "%s.%s", m->member, i < 4 ? names[i] : "");
		if (i < 4 ? read_seconds(r, m, what, fields[i]) < 0 : json_skip(r, NULL, NULL) < 0)
			return -1;
	}
	return more;
}

/* {"unit":"ns","buckets":[[low, high, count], ...]} into h. */
static int read_bucket(struct json_reader *r, struct merged *m, struct histogram *h)
{
	uint64_t v[3];
	int64_t want_low, want_high;
	size_t i, index;

	if (json_array_begin(r) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (json_array_next(r) != 1 || json_read_count(r, &v[i]) < 0)
			return r->error[0] ? -1 : merge_refuse(m, "%s: a bucket is not [low, high, count]", m->member);
	if (json_array_next(r) != 0)
		return r->error[0] ? -1 : merge_refuse(m, "%s: a bucket is not [low, high, count]", m->member);
	index = histogram_index(v[0] > INT64_MAX ? INT64_MAX : (int64_t)v[0]);
	histogram_bucket(index, &want_low, &want_high);
	if (v[0] != (uint64_t)want_low || v[1] != (uint64_t)want_high)
		return merge_refuse(m, "its histogram buckets are not this scrape's (another version?)");
	if (__builtin_add_overflow(h->counts[index], v[2], &h->counts[index]) ||
	    __builtin_add_overflow(h->total, v[2], &h->total))
		return merge_refuse(m, "%s: the bucket counts add up to more than " COUNT_MAX, m->member);
	return 0;
}

int merge_read_histogram(struct json_reader *r, struct merged *m, struct histogram *h, int *seen)
{
	const char *key;
	int more, items;

	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, NULL)) == 1) {
		if (strcmp(key, "buckets") != 0) {
			if (json_skip(r, NULL, NULL) < 0)
				return -1;
			continue;
		}
		*seen = 1;
		if (json_array_begin(r) < 0)
			return -1;
		while ((items = json_array_next(r)) == 1)
			if (read_bucket(r, m, h) < 0)
				return -1;
		if (items < 0)
			return -1;
	}
	return more;
}

/* {"503": 7, ...}: keys are status codes, 0 for no response. */
int merge_read_statuses(struct json_reader *r, struct merged *m, uint64_t *counts)
{
	char code[16], shown[32];
	const char *key;
	size_t len;
	uint64_t n;
	long status;
	char *end;
	int more;

	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, &len)) == 1) {
		snprintf(code, sizeof code, "%s", key);
		status = strtol(code, &end, 10);
		if (len == 0 || len > 3 || strlen(code) != len || *end || code[0] < '0' || code[0] > '9' || status >= STATUS_CODES)
			return merge_refuse(m, "status_counts: \"%s\" is not a status code", visible(shown, sizeof shown, code));
		if (json_read_count(r, &n) < 0)
			return -1;
		if (__builtin_add_overflow(counts[status], n, &counts[status]))
			return merge_refuse(m, "status_counts: the counts add up to more than " COUNT_MAX);
	}
	return more;
}

/* {"reason": n, ...} added into the table t straight away: a report
 * that fails later fails the whole merge anyway. */
static int read_reasons(struct json_reader *r, struct merged *m, struct reasons *t)
{
	struct reason_count *e;
	const char *key;
	char shown[80];
	size_t len;
	uint64_t n;
	int more;

	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, &len)) == 1) {
		if (memchr(key, '\0', len))
			return merge_refuse(m, "%s: a reason has a NUL character", m->member);
		if (!(e = reasons_find(t, key, len)))
			return merge_refuse(m, "out of memory");
		if (json_read_count(r, &n) < 0)
			return -1;
		if (__builtin_add_overflow(e->count, n, &e->count))
			return merge_refuse(m, "%s: \"%s\" adds up to more than " COUNT_MAX, m->member,
			              visible(shown, sizeof shown, e->reason));
	}
	return more;
}

/* {"type":"open"|"closed", ...} */
static int read_model(struct json_reader *r, struct merged *m, struct part *p)
{
	const char *key, *type;
	char shown[40];
	int more;

	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, NULL)) == 1) {
		if (strcmp(key, "type") != 0) {
			if (json_skip(r, NULL, NULL) < 0)
				return -1;
			continue;
		}
		if (json_read_string(r, &type, NULL) < 0)
			return -1;
		if (strcmp(type, "open") != 0 && strcmp(type, "closed") != 0)
			return merge_refuse(m, "model.type \"%s\" is neither open nor closed",
			              visible(shown, sizeof shown, type));
		p->open = strcmp(type, "open") == 0;
	}
	return more;
}

/* [{"proxy":NAME,"requests":n,"failed":n},...]: each proxy's attempts,
 * added up by name. */
static int read_proxies(struct json_reader *r, struct merged *m, struct part *p)
{
	const char *key, *name;
	size_t len;
	int more, item;

	if (json_array_begin(r) < 0)
		return -1;
	while ((item = json_array_next(r)) == 1) {
		struct host_count e = { 0 }, *grown;
		int named = 0;

		if (json_object_begin(r) < 0)
			return -1;
		while ((more = json_object_next(r, &key, NULL)) == 1) {
			if (strcmp(key, "proxy") == 0) {
				if (json_read_string(r, &name, &len) < 0)
					return -1;
				if (!len || len > 4096 || memchr(name, '\0', len))
					return merge_refuse(m, "proxies: a name is empty, too long or has a NUL character");
				free(e.host);
				if (!(e.host = strndup(name, len)))
					return merge_refuse(m, "out of memory");
				named = 1;
			} else if (strcmp(key, "requests") == 0 || strcmp(key, "failed") == 0) {
				if (json_read_count(r, key[0] == 'r' ? &e.requests : &e.failed) < 0) {
					free(e.host);
					return -1;
				}
			} else if (json_skip(r, NULL, NULL) < 0) {
				free(e.host);
				return -1;
			}
		}
		if (more < 0 || !named || e.failed > e.requests) {
			free(e.host);
			return more < 0 ? -1 : merge_refuse(m, named ? "proxies: more failed than requests"
			                                             : "proxies: an entry has no \"proxy\"");
		}
		if (p->proxy_count >= 1000) {
			free(e.host);
			return merge_refuse(m, "proxies: more than 1000 entries");
		}
		if (!(grown = realloc(p->proxies, (p->proxy_count + 1) * sizeof *grown))) {
			free(e.host);
			return merge_refuse(m, "out of memory");
		}
		p->proxies = grown;
		p->proxies[p->proxy_count++] = e;
	}
	return item;
}

/* {"unchanged":n,"changed":n,"new":n}: a re-crawl's pages by class. */
static int read_recrawl(struct json_reader *r, struct merged *m, struct part *p)
{
	static const char *const names[] = { "unchanged", "changed", "new" };
	const char *key;
	size_t len, i;
	int more;

	if (json_object_begin(r) < 0)
		return -1;
	p->recrawl = 1;
	while ((more = json_object_next(r, &key, &len)) == 1) {
		for (i = 0; i < 3 && strcmp(key, names[i]) != 0; i++)
			;
		if (i == 3) {
			if (json_skip(r, NULL, NULL) < 0)
				return -1;
		} else if (json_read_count(r, &p->recrawl_counts[i]) < 0) {
			return merge_refuse(m, "recrawl.%s must be a count", names[i]);
		}
	}
	return more;
}

/* One top-level member (key is a copy: nested reads reuse the reader's). */
static int read_member(struct json_reader *r, struct merged *m, struct part *p, const char *key)
{
	size_t i;

	m->member = key;
	for (i = 0; i < MERGE_COUNTERS; i++)
		if (strcmp(key, merge_counters[i].key) == 0)
			return json_read_count(r, &p->counters[i]);
	if (strcmp(key, "schema") == 0) {
		/* another schema is told as such, not as whatever breaks first */
		if (json_peek(r) != JSON_NUMBER || json_read_count(r, &p->schema) < 0 || p->schema != 2)
			return merge_refuse(m, "not a scrape report of schema 2 (write it with --report)");
		return 0;
	}
	if (merge_is_identity(key))
		return merge_read_identity(r, m, &p->id, key);
	if (strcmp(key, "timeline") == 0)
		return merge_read_timeline(r, m, &p->timeline);
	if (strcmp(key, "status_counts") == 0)
		return merge_read_statuses(r, m, p->status);
	if (strcmp(key, "failed_by_reason") == 0)
		return read_reasons(r, m, &m->reasons);
	if (strcmp(key, "refused_by_reason") == 0)
		return read_reasons(r, m, &m->refusals);
	if (strcmp(key, "latency_histogram") == 0)
		return merge_read_histogram(r, m, &p->latency, &p->has_latency);
	if (strcmp(key, "service_time_histogram") == 0)
		return merge_read_histogram(r, m, &p->service, &p->has_service);
	if (strcmp(key, "latency_seconds") == 0)
		return merge_read_summary(r, m, &p->latency_sum);
	if (strcmp(key, "service_time_seconds") == 0)
		return merge_read_summary(r, m, &p->service_sum);
	if (strcmp(key, "send_lag_seconds") == 0)
		return merge_read_summary(r, m, &p->lag_sum);
	if (strcmp(key, "model") == 0)
		return read_model(r, m, p);
	if (strcmp(key, "groups") == 0)
		return merge_read_groups(r, m, &p->groups, p->scratch);
	if (strcmp(key, "proxies") == 0)
		return read_proxies(r, m, p);
	if (strcmp(key, "recrawl") == 0)
		return read_recrawl(r, m, p);
	if (strcmp(key, "measured_seconds") == 0)
		return read_seconds(r, m, key, &p->seconds);
	if (strcmp(key, "interrupted") == 0)
		return json_read_bool(r, &p->interrupted);
	if (strcmp(key, "requests_per_second") == 0) {
		if (json_read_number(r, &p->rate) < 0)
			return -1;
		if (p->rate < 0 || p->rate > MAX_RATE)
			return merge_refuse(m, "requests_per_second: %g is out of range (0 to %g)", p->rate, MAX_RATE);
		return 0;
	}
	return json_skip(r, NULL, NULL);
}

/* The whole document into p.  Reader errors name the member they were
 * found in, unless the text just ends. */
int merge_read_report(struct merged *m, struct part *p, const char *text, size_t len)
{
	struct json_reader r;
	char key[64];
	const char *k;
	int more, rc = -1;

	json_reader_init(&r, text, len, 0);
	m->member = NULL;
	m->why[0] = '\0';
	if (json_peek(&r) != JSON_OBJECT) {
		if (!r.error[0] || strcmp(r.error, "the document ends early") != 0)
			merge_refuse(m, "not a scrape report of schema 2 (write it with --report)");
		goto done;
	}
	json_object_begin(&r);
	while ((more = json_object_next(&r, &k, NULL)) == 1) {
		visible(key, sizeof key, k);
		if (read_member(&r, m, p, key) < 0)
			goto done;
	}
	m->member = NULL;
	if (more == 0 && json_reader_finish(&r) == 0)
		rc = 0;
done:
	if (rc < 0 && !m->why[0]) {
		if (m->member && strncmp(r.error, "byte ", 5) == 0)
			snprintf(m->why, sizeof m->why, "%s: %s", m->member, r.error);
		else
			snprintf(m->why, sizeof m->why, "%s", r.error[0] ? r.error : "out of memory");
	}
	json_reader_free(&r);
	return rc;
}
