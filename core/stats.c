/* SPDX-License-Identifier: MIT */
/*
 * Statistics.  The histogram keeps the top 8 significant bits of each
 * value, so a bucket is never wider than 1/128 of its lower bound; values
 * are reported as bucket midpoints, clamped to the exact min and max.
 */
#include <config.h>

#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "units.h"

#define MAX_TRACKED ((INT64_C(1) << 44) - 1)   /* about 4.9 hours in ns */

static size_t bucket_of(int64_t v)
{
	unsigned shift;

	if (v < 256)
		return v < 0 ? 0 : (size_t)v;
	if (v > MAX_TRACKED)
		v = MAX_TRACKED;
	shift = (unsigned)(63 - __builtin_clzll((unsigned long long)v)) - 7;
	return 256 + (shift - 1) * 128 + (size_t)((v >> shift) - 128);
}

static int64_t bucket_middle(size_t i)
{
	size_t k;
	unsigned shift;

	if (i < 256)
		return (int64_t)i;
	k = i - 256;
	shift = (unsigned)(k / 128) + 1;
	return ((int64_t)(k % 128 + 128) << shift) + ((INT64_C(1) << shift) / 2);
}

void histogram_init(struct histogram *h)
{
	memset(h, 0, sizeof *h);
	h->min = INT64_MAX;
}

void histogram_record(struct histogram *h, int64_t value)
{
	if (value < 0)
		value = 0;
	h->counts[bucket_of(value)]++;
	h->total++;
	h->sum += (double)value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

void histogram_merge(struct histogram *into, const struct histogram *from)
{
	size_t i;

	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		into->counts[i] += from->counts[i];
	into->total += from->total;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

int64_t histogram_percentile(const struct histogram *h, double p)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (h->total == 0)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)((p / 100.0) * (double)h->total + 0.999999);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HISTOGRAM_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			int64_t v = bucket_middle(i);
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

int stats_init(struct stats *s)
{
	memset(s, 0, sizeof *s);
	histogram_init(&s->latency);
	return 0;
}

void stats_free(struct stats *s)
{
	size_t i;

	for (i = 0; i < s->host_count; i++)
		free(s->hosts[i].host);
	free(s->hosts);
	s->hosts = NULL;
	s->host_count = s->host_cap = 0;
	for (i = 0; i < s->reason_count; i++)
		free(s->reasons[i].reason);
	free(s->reasons);
	s->reasons = NULL;
	s->reason_count = 0;
	for (i = 0; i < s->refusal_count; i++)
		free(s->refusals[i].reason);
	free(s->refusals);
	s->refusals = NULL;
	s->refusal_count = 0;
}

static void count_reason(struct reason_count **list, size_t *count, const char *reason)
{
	struct reason_count *grown;
	size_t i;

	for (i = 0; i < *count; i++) {
		if (strcmp((*list)[i].reason, reason) == 0) {
			(*list)[i].count++;
			return;
		}
	}
	grown = realloc(*list, (*count + 1) * sizeof *grown);
	if (!grown)
		return;
	*list = grown;
	grown[*count].reason = strdup(reason);
	if (!grown[*count].reason)
		return;
	grown[*count].count = 1;
	(*count)++;
}

void stats_fail(struct stats *s, const char *reason)
{
	s->failed++;
	count_reason(&s->reasons, &s->reason_count, reason);
}

void stats_refuse(struct stats *s, const char *reason)
{
	count_reason(&s->refusals, &s->refusal_count, reason);
}

void stats_status(struct stats *s, long status)
{
	s->status_counts[status > 0 && status < STATUS_CODES ? status : 0]++;
}

void stats_host(struct stats *s, const char *url, int failed)
{
	const char *start = strstr(url, "://");
	size_t len, i;

	start = start ? start + 3 : url;
	len = strcspn(start, "/?#");
	/* a linear search: reports are for jobs with a handful of hosts; a
	 * crawl over thousands of hosts would want the host table */
	for (i = 0; i < s->host_count; i++) {
		if (strlen(s->hosts[i].host) == len && strncmp(s->hosts[i].host, start, len) == 0) {
			s->hosts[i].requests++;
			s->hosts[i].failed += failed != 0;
			return;
		}
	}
	if (s->host_count == s->host_cap) {
		size_t cap = s->host_cap ? s->host_cap * 2 : 8;
		struct host_count *grown = realloc(s->hosts, cap * sizeof *grown);
		if (!grown)
			return;
		s->hosts = grown;
		s->host_cap = cap;
	}
	if (!(s->hosts[s->host_count].host = strndup(start, len)))
		return;
	s->hosts[s->host_count].requests = 1;
	s->hosts[s->host_count].failed = failed != 0;
	s->host_count++;
}

static void format_bytes(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 10ULL << 30)
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ULL << 30));
	else if (bytes >= 10ULL << 20)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ULL << 20));
	else if (bytes >= 10ULL << 10)
		snprintf(buf, len, "%.1f KiB", (double)bytes / (1ULL << 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

static int by_count(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->reason, y->reason);
}

void stats_print_summary(const struct stats *s, double seconds, int interrupted, FILE *out)
{
	static const double points[] = { 50, 90, 99 };
	uint64_t done = s->ok + s->failed;
	char bytes[32], v[32];
	size_t i;

	fprintf(out, "Downloaded %llu sites in %.3f seconds%s\n", (unsigned long long)done, seconds,
	        interrupted ? " (interrupted)" : "");
	fprintf(out, "  %llu ok, %llu failed", (unsigned long long)s->ok,
	        (unsigned long long)s->failed);
	if (s->retries)
		fprintf(out, ", %llu retries", (unsigned long long)s->retries);
	fputc('\n', out);
	if (s->reason_count) {
		struct reason_count *sorted = malloc(s->reason_count * sizeof *sorted);
		if (sorted) {
			memcpy(sorted, s->reasons, s->reason_count * sizeof *sorted);
			qsort(sorted, s->reason_count, sizeof *sorted, by_count);
			fputs("  failed by reason:", out);
			for (i = 0; i < s->reason_count; i++)
				fprintf(out, "%s %s %llu", i ? "," : "", sorted[i].reason,
				        (unsigned long long)sorted[i].count);
			fputc('\n', out);
			free(sorted);
		}
	}
	if (s->refusal_count) {
		fputs("  not fetched:", out);
		for (i = 0; i < s->refusal_count; i++)
			fprintf(out, "%s %s %llu", i ? "," : "", s->refusals[i].reason,
			        (unsigned long long)s->refusals[i].count);
		fputc('\n', out);
	}
	format_bytes(s->bytes, bytes, sizeof bytes);
	fprintf(out, "  %.2f requests/s, %s received\n", seconds > 0 ? (double)done / seconds : 0.0,
	        bytes);
	if (s->latency.total == 0)
		return;
	units_format_duration(s->latency.min, v, sizeof v);
	fprintf(out, "  latency min %s", v);
	for (i = 0; i < sizeof points / sizeof points[0]; i++) {
		units_format_duration(histogram_percentile(&s->latency, points[i]), v, sizeof v);
		fprintf(out, "  p%g %s", points[i], v);
	}
	units_format_duration(s->latency.max, v, sizeof v);
	fprintf(out, "  max %s\n", v);
}

void stats_print_json(const struct stats *s, double seconds, int interrupted, const char *extra,
                      FILE *out)
{
	static const double points[] = { 50, 90, 99 };
	uint64_t done = s->ok + s->failed;
	struct buf b = { 0 };
	size_t i;

	buf_printf(&b, "{\"requests\":%llu,\"ok\":%llu,\"failed\":%llu,\"retries\":%llu,",
	           (unsigned long long)done, (unsigned long long)s->ok,
	           (unsigned long long)s->failed, (unsigned long long)s->retries);
	buf_printf(&b, "\"seconds\":%.6f,\"interrupted\":%s,\"requests_per_second\":%.3f,",
	           seconds, interrupted ? "true" : "false", seconds > 0 ? (double)done / seconds : 0.0);
	buf_printf(&b, "\"bytes\":%llu,\"failed_by_reason\":{", (unsigned long long)s->bytes);
	for (i = 0; i < s->reason_count; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_json_string(&b, s->reasons[i].reason);
		buf_printf(&b, ":%llu", (unsigned long long)s->reasons[i].count);
	}
	buf_puts(&b, "},\"refused_by_reason\":{");
	for (i = 0; i < s->refusal_count; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_json_string(&b, s->refusals[i].reason);
		buf_printf(&b, ":%llu", (unsigned long long)s->refusals[i].count);
	}
	buf_puts(&b, "},\"latency_seconds\":{");
	if (s->latency.total) {
		buf_printf(&b, "\"min\":%.6f", (double)s->latency.min / 1e9);
		for (i = 0; i < sizeof points / sizeof points[0]; i++)
			buf_printf(&b, ",\"p%g\":%.6f", points[i],
			           (double)histogram_percentile(&s->latency, points[i]) / 1e9);
		buf_printf(&b, ",\"max\":%.6f", (double)s->latency.max / 1e9);
	}
	buf_putc(&b, '}');
	if (extra)
		buf_printf(&b, ",%s", extra);
	buf_puts(&b, "}\n");
	if (!b.oom)
		fputs(b.data, out);
	buf_free(&b);
}
