/* SPDX-License-Identifier: MIT */
/*
 * Merging --report files.  A small JSON reader turns each report into a
 * tree; the counters are added into one struct stats, the histogram
 * buckets ([low_ns, high_ns, count]) are added bucket by bucket after
 * checking that they are this scrape's buckets, and the usual summary
 * printer does the rest.  Mean and standard deviation merge exactly from
 * each report's count, mean and stddev.
 */
#include <config.h>

#include "merge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "stats.h"

/* ---- a JSON reader for whole documents ---- */

enum jv_kind { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_kind kind;
	double number;              /* numbers and booleans */
	char *string;
	struct jv *items;           /* array items or object values */
	char **keys;                /* object keys */
	size_t count;
};

struct reader {
	const char *p, *end;
	int depth;
	const char *error;
};

static void jv_free(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->count; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
	memset(v, 0, sizeof *v);
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int fail(struct reader *r, const char *why)
{
	if (!r->error)
		r->error = why;
	return -1;
}

static int read_value(struct reader *r, struct jv *out);

/* A string body after its opening quote; escapes decoded, \u as UTF-8. */
static int read_string(struct reader *r, char **out)
{
	struct buf b = { 0 };

	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++;
		if (c != '\\') {
			buf_putc(&b, c);
			continue;
		}
		if (r->p >= r->end)
			break;
		c = *r->p++;
		if (c == 'u') {
			unsigned cp = 0;
			int i;
			if (r->end - r->p < 4)
				break;
			for (i = 0; i < 4; i++) {
				char h = *r->p++;
				cp = cp * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
			}
			/* report text is ours and mostly ASCII: the BMP is enough */
			if (cp < 0x80) {
				buf_putc(&b, (char)cp);
			} else if (cp < 0x800) {
				buf_putc(&b, (char)(0xc0 | cp >> 6));
				buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
			} else {
				buf_putc(&b, (char)(0xe0 | cp >> 12));
				buf_putc(&b, (char)(0x80 | (cp >> 6 & 0x3f)));
				buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
			}
			continue;
		}
		buf_putc(&b, c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'b' ? '\b'
		                : c == 'f' ? '\f' : c);
	}
	if (r->p >= r->end || b.oom) {
		buf_free(&b);
		return fail(r, "a string does not end");
	}
	r->p++;
	buf_putc(&b, '\0');
	*out = b.data ? b.data : strdup("");
	return *out ? 0 : fail(r, "out of memory");
}

/* Appends one item (and, for objects, its key) to v. */
static struct jv *grow(struct reader *r, struct jv *v, char *key)
{
	struct jv *items = realloc(v->items, (v->count + 1) * sizeof *items);
	char **keys = NULL;

	if (items)
		v->items = items;
	if (items && v->kind == JV_OBJECT && (keys = realloc(v->keys, (v->count + 1) * sizeof *keys)))
		v->keys = keys;
	if (!items || (v->kind == JV_OBJECT && !keys)) {
		free(key);
		fail(r, "out of memory");
		return NULL;
	}
	if (v->kind == JV_OBJECT)
		v->keys[v->count] = key;
	memset(&v->items[v->count], 0, sizeof v->items[0]);
	return &v->items[v->count++];
}

static int read_container(struct reader *r, struct jv *v, char close)
{
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		skip_space(r);
		if (v->kind == JV_OBJECT) {
			if (r->p >= r->end || *r->p != '"')
				return fail(r, "an object key is not a string");
			r->p++;
			if (read_string(r, &key) < 0)
				return -1;
			skip_space(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				return fail(r, "a colon is missing after an object key");
			}
			r->p++;
		}
		if (!(item = grow(r, v, key)) || read_value(r, item) < 0)
			return -1;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return fail(r, "a comma or closing bracket is missing");
	}
}

static int read_value(struct reader *r, struct jv *out)
{
	char *end;

	skip_space(r);
	if (r->p >= r->end)
		return fail(r, "the document ends early");
	if (++r->depth > 32)
		return fail(r, "nesting is too deep");
	switch (*r->p) {
	case '{':
	case '[':
		out->kind = *r->p == '{' ? JV_OBJECT : JV_ARRAY;
		r->p++;
		if (read_container(r, out, out->kind == JV_OBJECT ? '}' : ']') < 0)
			return -1;
		break;
	case '"':
		out->kind = JV_STRING;
		r->p++;
		if (read_string(r, &out->string) < 0)
			return -1;
		break;
	default:
		if ((size_t)(r->end - r->p) >= 4 && memcmp(r->p, "true", 4) == 0) {
			out->kind = JV_BOOL, out->number = 1, r->p += 4;
		} else if ((size_t)(r->end - r->p) >= 5 && memcmp(r->p, "false", 5) == 0) {
			out->kind = JV_BOOL, r->p += 5;
		} else if ((size_t)(r->end - r->p) >= 4 && memcmp(r->p, "null", 4) == 0) {
			out->kind = JV_NULL, r->p += 4;
		} else {
			/* the text is NUL-terminated (it is read whole into a buf) */
			out->number = strtod(r->p, &end);
			if (end == r->p)
				return fail(r, "a value is not JSON");
			out->kind = JV_NUMBER;
			r->p = end;
		}
	}
	r->depth--;
	return 0;
}

static const struct jv *get(const struct jv *v, const char *key)
{
	size_t i;

	if (!v || v->kind != JV_OBJECT)
		return NULL;
	for (i = 0; i < v->count; i++)
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

static double number(const struct jv *v, const char *key)
{
	const struct jv *n = get(v, key);

	return n && (n->kind == JV_NUMBER || n->kind == JV_BOOL) ? n->number : 0;
}

static uint64_t count_of(const struct jv *v, const char *key)
{
	double n = number(v, key);

	return n > 0 ? (uint64_t)llround(n) : 0;
}

/* ---- merging ---- */

struct merged {
	struct stats stats;
	double seconds, rate;
	int interrupted, open_model;
	size_t reports;
};

/* Adds a distribution's buckets into h; min, max, mean and stddev come
 * from its summary, so the merged mean and stddev are exact. */
static int add_histogram(struct histogram *h, const struct jv *buckets, const struct jv *summary,
                         const char **why)
{
	const struct jv *list = get(buckets, "buckets");
	double count = number(summary, "count"), mean = number(summary, "mean") * 1e9;
	double sd = number(summary, "stddev") * 1e9;
	size_t i;

	if (!list || list->kind != JV_ARRAY) {
		*why = "it has no histogram buckets";
		return -1;
	}
	for (i = 0; i < list->count; i++) {
		const struct jv *b = &list->items[i];
		int64_t low, high, want_low, want_high;
		size_t index;

		if (b->kind != JV_ARRAY || b->count != 3 || b->items[0].kind != JV_NUMBER ||
		    b->items[1].kind != JV_NUMBER || b->items[2].kind != JV_NUMBER ||
		    b->items[0].number < 0 || b->items[2].number < 0 || b->items[2].number > 1e18) {
			*why = "a histogram bucket is not [low, high, count]";
			return -1;
		}
		low = (int64_t)b->items[0].number;
		high = (int64_t)b->items[1].number;
		index = histogram_index(low);
		histogram_bucket(index, &want_low, &want_high);
		if (low != want_low || high != want_high) {
			*why = "its histogram buckets are not this scrape's (another version?)";
			return -1;
		}
		h->counts[index] += (uint64_t)b->items[2].number;
		h->total += (uint64_t)b->items[2].number;
	}
	if (count > 0) {
		int64_t min = (int64_t)llround(number(summary, "min") * 1e9);
		int64_t max = (int64_t)llround(number(summary, "max") * 1e9);
		if (min < h->min)
			h->min = min;
		if (max > h->max)
			h->max = max;
		h->sum += mean * count;
		h->sumsq += (sd * sd + mean * mean) * count;
	}
	return 0;
}

static void add_counts(struct stats *s, const struct jv *map, int reasons)
{
	size_t i;

	for (i = 0; map && map->kind == JV_OBJECT && i < map->count; i++) {
		uint64_t n = map->items[i].kind == JV_NUMBER ? (uint64_t)map->items[i].number : 0;
		if (reasons) {
			stats_count_reason(s, map->keys[i], n);
		} else {
			long code = strtol(map->keys[i], NULL, 10);
			s->status_counts[code > 0 && code < STATUS_CODES ? code : 0] += n;
		}
	}
}

static int merge_one(struct merged *m, const struct jv *r, const char **why)
{
	struct stats *s = &m->stats;
	const struct jv *model = get(r, "model");
	const char *type = model && get(model, "type") && get(model, "type")->kind == JV_STRING
	                       ? get(model, "type")->string : "closed";
	int open = strcmp(type, "open") == 0;

	if (r->kind != JV_OBJECT || number(r, "schema") != 2) {
		*why = "not a scrape report of schema 2 (write it with --report)";
		return -1;
	}
	if (m->reports && open != m->open_model) {
		*why = "it mixes the open and the closed model with the reports before it";
		return -1;
	}
	m->open_model = open;
	s->ok += count_of(r, "ok");
	s->failed += count_of(r, "failed");
	s->retries += count_of(r, "retries");
	s->bytes += count_of(r, "bytes");
	s->sent += count_of(r, "sent");
	s->late += count_of(r, "late");
	s->dropped += count_of(r, "dropped");
	s->warmup += count_of(r, "warmup_requests");
	s->bytes_in += count_of(r, "bytes_in");
	s->bytes_out += count_of(r, "bytes_out");
	s->connections += count_of(r, "connections_opened");
	s->peak_in_flight += count_of(r, "peak_in_flight");
	add_counts(s, get(r, "status_counts"), 0);
	add_counts(s, get(r, "failed_by_reason"), 1);
	if (add_histogram(&s->latency, get(r, "latency_histogram"), get(r, "latency_seconds"), why) < 0)
		return -1;
	if (open && add_histogram(&s->service, get(r, "service_time_histogram"),
	                          get(r, "service_time_seconds"), why) < 0)
		return -1;
	if (open) {
		/* the send lag has no buckets in a report: its maximum merges */
		int64_t lag = (int64_t)llround(number(get(r, "send_lag_seconds"), "max") * 1e9);
		if (lag > s->lag.max)
			s->lag.max = lag;
	}
	if (number(r, "measured_seconds") > m->seconds)
		m->seconds = number(r, "measured_seconds");
	m->rate += number(r, "requests_per_second");
	m->interrupted |= number(r, "interrupted") != 0;
	m->reports++;
	return 0;
}

static int read_report(const char *path, struct jv *out, const char **why)
{
	struct buf text = { 0 };
	struct reader r;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		*why = strerror(errno);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&text, chunk, n);
	fclose(f);
	buf_putc(&text, '\0');
	if (text.oom) {
		buf_free(&text);
		*why = "out of memory";
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.p = text.data;
	r.end = text.data + text.len - 1;
	if (read_value(&r, out) == 0) {
		skip_space(&r);
		if (r.p != r.end)
			fail(&r, "text follows the document");
	}
	buf_free(&text);
	if (r.error) {
		*why = r.error;
		jv_free(out);
		return -1;
	}
	return 0;
}

static void print_json(const struct merged *m)
{
	const struct stats *s = &m->stats;
	struct buf extra = { 0 };

	buf_printf(&extra, "\"reports\":%zu,\"sent\":%llu,\"late\":%llu,\"dropped\":%llu,"
	           "\"warmup_requests\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
	           "\"connections_opened\":%llu,\"rates_added\":%.3f,",
	           m->reports, (unsigned long long)s->sent, (unsigned long long)s->late,
	           (unsigned long long)s->dropped, (unsigned long long)s->warmup,
	           (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
	           (unsigned long long)s->connections, m->rate);
	stats_json_distribution(&extra, "service_time_seconds", m->open_model ? &s->service : &s->latency);
	stats_print_json(s, m->seconds, m->interrupted, extra.oom ? NULL : extra.data, stdout);
	buf_free(&extra);
}

int merge_reports(char *const *paths, size_t count, int json)
{
	struct merged m;
	struct load_facts load = { 0 };
	char model[260];
	size_t i;
	int status;

	if (count == 0) {
		fprintf(stderr, "scrape: --merge needs report files (written with --report)\n");
		return 2;
	}
	memset(&m, 0, sizeof m);
	stats_init(&m.stats);
	for (i = 0; i < count; i++) {
		const char *why = NULL;
		struct jv report;

		memset(&report, 0, sizeof report);
		if (read_report(paths[i], &report, &why) < 0 || merge_one(&m, &report, &why) < 0) {
			fprintf(stderr, "scrape: --merge: %s: %s\n", paths[i], why);
			jv_free(&report);
			stats_free(&m.stats);
			return 2;
		}
		jv_free(&report);
	}
	if (json) {
		print_json(&m);
	} else {
		printf("Merged %zu report%s (the runs went side by side: counts add up, the time is the "
		       "longest)\n", m.reports, m.reports == 1 ? "" : "s");
		snprintf(model, sizeof model, m.open_model
		         ? "open: %zu run%s, each on its own schedule; latency from each scheduled start"
		         : "closed: %zu run%s; latency from each actual send",
		         m.reports, m.reports == 1 ? "" : "s");
		load.open_model = m.open_model;
		load.model = model;
		load.schedule = m.open_model ? "the reports' schedules" : "none";
		stats_print_summary(&m.stats, m.seconds, m.interrupted, &load, stdout);
	}
	status = m.stats.failed > 0 ? 1 : 0;
	stats_free(&m.stats);
	return status;
}
