/* SPDX-License-Identifier: MIT */
/*
 * Merging --report files.  Each report is walked once with the core's
 * pull reader (json.h), without a document tree, so the memory is the
 * file's text and the merged tables; members may come in any order.  One
 * report's numbers go into a `part` first and are added to the merge only
 * when the whole report has read and checked, with every sum checked for
 * overflow.  Failure and refusal reasons go straight into hash tables
 * (the reader already refuses a reason twice in one report), so a merge
 * is linear in the reasons (merge_reasons.c); groups add up by name
 * (merge_groups.c).  Histogram buckets ([low_ns, high_ns, count]) must be this
 * scrape's buckets; mean and standard deviation merge exactly from each
 * report's count, mean and stddev.
 */
#include <config.h>

#include "cli/merge.h"
#include "cli/merge_private.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "results/groups.h"
#include "results/stats.h"
#include "report/summary.h"

/* Reports are a few MB; a GiB is not a report, whatever it holds. */
#define MAX_REPORT_SIZE ((size_t)1 << 30)
/* Durations become int64 nanoseconds: below 9.2e9 s they fit. */
#define MAX_SECONDS 9e9
#define MAX_RATE 1e12

/* ---- one report ---- */

/* The counters a report carries at its top level and where they add up. */
static const struct counter {
	const char *key;
	size_t offset;
} counters[] = {
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
#define COUNTERS (sizeof counters / sizeof counters[0])

/* What one report says, before it is added to the merge. */
struct part {
	uint64_t schema;
	int open, interrupted;
	uint64_t counters[COUNTERS];
	uint64_t status[STATUS_CODES];
	struct histogram latency, service; /* counts and total from the buckets */
	int has_latency, has_service;
	int recrawl;                /* has the recrawl member: */
	uint64_t recrawl_counts[3]; /* unchanged, changed, new */
	struct summary latency_sum, service_sum, lag_sum;
	double seconds, rate;
	struct groups *groups;      /* "groups", when the report has them */
	struct group *scratch;      /* the group being read */
	struct host_count *proxies; /* "proxies", when the run had them */
	size_t proxy_count;
};


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
	for (i = 0; i < COUNTERS; i++)
		if (strcmp(key, counters[i].key) == 0)
			return json_read_count(r, &p->counters[i]);
	if (strcmp(key, "schema") == 0) {
		/* another schema is told as such, not as whatever breaks first */
		if (json_peek(r) != JSON_NUMBER || json_read_count(r, &p->schema) < 0 || p->schema != 2)
			return merge_refuse(m, "not a scrape report of schema 2 (write it with --report)");
		return 0;
	}
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
static int read_report(struct merged *m, struct part *p, const char *text, size_t len)
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

/* ---- adding a report to the merge ---- */

int merge_add_count(struct merged *m, uint64_t *into, uint64_t n, const char *what)
{
	if (__builtin_add_overflow(*into, n, into))
		return merge_refuse(m, "%s adds up to more than " COUNT_MAX " over the reports", what);
	return 0;
}

/* Buckets into h; min, max, mean and stddev from the summary, so the
 * merged mean and stddev are exact. */
int merge_add_histogram(struct merged *m, struct histogram *h, const struct histogram *from,
                         const struct summary *sum, const char *what)
{
	double mean = sum->mean * 1e9, sd = sum->stddev * 1e9, count = (double)sum->count;
	size_t i;

	if (sum->count != from->total)
		return merge_refuse(m, "%s: the count is not the sum of the histogram's buckets", what);
	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		if (from->counts[i] && merge_add_count(m, &h->counts[i], from->counts[i], what) < 0)
			return -1;
	if (merge_add_count(m, &h->total, from->total, what) < 0)
		return -1;
	if (sum->count > 0) {
		int64_t min = (int64_t)(sum->min * 1e9 + 0.5), max = (int64_t)(sum->max * 1e9 + 0.5);
		if (min < h->min)
			h->min = min;
		if (max > h->max)
			h->max = max;
		h->sum += mean * count;
		h->sumsq += (sd * sd + mean * mean) * count;
	}
	return 0;
}

static int add_part(struct merged *m, const struct part *p)
{
	struct stats *s = &m->stats;
	uint64_t requests;
	size_t i;

	if (!p->schema)
		return merge_refuse(m, "not a scrape report of schema 2 (write it with --report)");
	if (m->reports && p->open != m->open_model)
		return merge_refuse(m, "it mixes the open and the closed model with the reports before it");
	if (!p->has_latency || (p->open && !p->has_service))
		return merge_refuse(m, "it has no histogram buckets");
	for (i = 0; i < COUNTERS; i++)
		if (merge_add_count(m, (uint64_t *)((char *)s + counters[i].offset), p->counters[i],
		              counters[i].key) < 0)
			return -1;
	/* the summaries print ok + failed as the requests */
	if (__builtin_add_overflow(s->ok, s->failed, &requests))
		return merge_refuse(m, "the requests add up to more than " COUNT_MAX " over the reports");
	for (i = 0; i < STATUS_CODES; i++)
		if (p->status[i] && merge_add_count(m, &s->status_counts[i], p->status[i], "status_counts") < 0)
			return -1;
	s->recrawl |= p->recrawl;
	if (merge_add_count(m, &s->recrawl_unchanged, p->recrawl_counts[0], "recrawl") < 0 ||
	    merge_add_count(m, &s->recrawl_changed, p->recrawl_counts[1], "recrawl") < 0 ||
	    merge_add_count(m, &s->recrawl_new, p->recrawl_counts[2], "recrawl") < 0)
		return -1;
	if (merge_add_histogram(m, &s->latency, &p->latency, &p->latency_sum, "latency_seconds") < 0)
		return -1;
	if (p->open) {
		if (merge_add_histogram(m, &s->service, &p->service, &p->service_sum, "service_time_seconds") < 0)
			return -1;
		/* the send lag has no buckets in a report: its maximum merges */
		if ((int64_t)(p->lag_sum.max * 1e9 + 0.5) > s->lag.max)
			s->lag.max = (int64_t)(p->lag_sum.max * 1e9 + 0.5);
	}
	if (merge_add_groups(m, p->groups) < 0)
		return -1;
	for (i = 0; i < p->proxy_count; i++) {
		const struct host_count *e = &p->proxies[i];
		size_t k;

		for (k = 0; k < s->proxy_count && strcmp(s->proxies[k].host, e->host) != 0; k++)
			;
		if (k < s->proxy_count &&
		    (merge_add_count(m, &s->proxies[k].requests, e->requests, "proxies.requests") < 0 ||
		     merge_add_count(m, &s->proxies[k].failed, e->failed, "proxies.failed") < 0))
			return -1;
		if (k == s->proxy_count)
			stats_proxy_add(s, e->host, e->requests, e->failed);
	}
	if (p->seconds > m->seconds)
		m->seconds = p->seconds;
	m->rate += p->rate;
	m->interrupted |= p->interrupted;
	m->open_model = p->open;
	m->reports++;
	return 0;
}

static void part_clear(struct part *p)
{
	struct group *scratch = p->scratch;
	size_t i;

	groups_free(p->groups);
	for (i = 0; i < p->proxy_count; i++)
		free(p->proxies[i].host);
	free(p->proxies);
	memset(p, 0, sizeof *p);
	p->scratch = scratch;
	histogram_init(&p->latency);
	histogram_init(&p->service);
}

static int merge_text(struct merged *m, const char *text, size_t len)
{
	part_clear(m->part);
	if (read_report(m, m->part, text, len) < 0)
		return -1;
	return add_part(m, m->part);
}

static int merged_init(struct merged *m)
{
	memset(m, 0, sizeof *m);
	stats_init(&m->stats);
	m->part = calloc(1, sizeof *m->part);
	if (!m->part || !(m->part->scratch = malloc(sizeof *m->part->scratch)))
		return -1;
	return 0;
}

static void merged_free(struct merged *m)
{
	/* the reasons belong to the tables, not to the stats */
	m->stats.reasons = m->stats.refusals = NULL;
	m->stats.reason_count = m->stats.refusal_count = 0;
	stats_free(&m->stats);
	reasons_free(&m->reasons);
	reasons_free(&m->refusals);
	groups_free(m->stats.groups);
	if (m->part) {
		for (size_t i = 0; i < m->part->proxy_count; i++)
			free(m->part->proxies[i].host);
		free(m->part->proxies);
		groups_free(m->part->groups);
		free(m->part->scratch);
	}
	free(m->part);
}

int merge_check_text(const char *text, size_t len, char *why, size_t why_len)
{
	struct merged m;
	int rc = -1;

	if (merged_init(&m) == 0)
		rc = merge_text(&m, text, len);
	else
		merge_refuse(&m, "out of memory");
	if (rc < 0)
		snprintf(why, why_len, "%s", m.why);
	merged_free(&m);
	return rc;
}

/* ---- printing ---- */

/* The same writer as a run's --format json: every member a report can
 * give back (no model parameters, warnings, verdicts or send lags), and
 * how many reports were merged with their rates added up. */
static void print_json(const struct merged *m)
{
	struct summary_input in = { 0 };
	char extra[96];

	in.stats = &m->stats;
	in.seconds = m->seconds;
	in.interrupted = m->interrupted;
	in.load = 1;
	in.open_model = m->open_model;
	snprintf(extra, sizeof extra, "\"reports\":%zu,\"rates_added\":%.3f", m->reports, m->rate);
	summary_print_json(&in, extra, stdout);
}

static void print_text(struct merged *m)
{
	struct load_facts load = { 0 };
	char model[260];

	printf("Merged %zu report%s (the runs went side by side: counts add up, the time is the "
	       "longest)\n", m->reports, m->reports == 1 ? "" : "s");
	snprintf(model, sizeof model, m->open_model
	         ? "open: %zu run%s, each on its own schedule; latency from each scheduled start"
	         : "closed: %zu run%s; latency from each actual send",
	         m->reports, m->reports == 1 ? "" : "s");
	load.open_model = m->open_model;
	load.model = model;
	load.schedule = m->open_model ? "the reports' schedules" : "none";
	stats_print_summary(&m->stats, m->seconds, m->interrupted, &load, stdout);
	groups_print(m->stats.groups, m->open_model, stdout);
	stats_print_proxies(&m->stats, stdout);
}

int merge_reports(char *const *paths, size_t count, int json)
{
	struct merged m;
	struct buf text = { 0 };
	char shown[160];
	size_t i;
	int status = 2;

	if (count == 0) {
		log_fatal("--merge needs report files (written with --report)");
		return 2;
	}
	if (merged_init(&m) < 0) {
		log_fatal("--merge: out of memory");
		merged_free(&m);
		return 2;
	}
	for (i = 0; i < count; i++) {
		const char *why = NULL;

		if (json_read_file(paths[i], MAX_REPORT_SIZE, &text, &why) < 0)
			snprintf(m.why, sizeof m.why, "%s", why);
		if (why || merge_text(&m, text.data, text.len) < 0) {
			log_fatal("--merge: %s: %s", visible(shown, sizeof shown, paths[i]), m.why);
			goto done;
		}
	}
	/* the text is not needed any more: free it before the printers' copies */
	buf_free(&text);
	m.stats.reasons = m.reasons.items;
	m.stats.reason_count = m.reasons.count;
	m.stats.refusals = m.refusals.items;
	m.stats.refusal_count = m.refusals.count;
	if (json)
		print_json(&m);
	else
		print_text(&m);
	status = m.stats.failed > 0 ? 1 : 0;
done:
	buf_free(&text);
	merged_free(&m);
	return status;
}
