/* SPDX-License-Identifier: MIT */
/*
 * Statistics.  The histogram keeps the top 8 significant bits of each
 * value, so a bucket is never wider than 1/128 of its lower bound; values
 * are reported as bucket midpoints, clamped to the exact min and max.
 */
#include <config.h>

#include "results/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/units.h"
#include "util/buf.h"

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

size_t histogram_index(int64_t value)
{
	return bucket_of(value);
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
	h->sumsq += (double)value * (double)value;
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
	into->sumsq += from->sumsq;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

double histogram_mean(const struct histogram *h)
{
	return h->total ? h->sum / (double)h->total : 0;
}

double histogram_stddev(const struct histogram *h)
{
	double mean, var;

	if (h->total < 2)
		return 0;
	mean = h->sum / (double)h->total;
	var = h->sumsq / (double)h->total - mean * mean;
	return var > 0 ? sqrt(var) : 0;
}

void histogram_bucket(size_t i, int64_t *low, int64_t *high)
{
	size_t k;
	unsigned shift;

	if (i < 256) {
		*low = *high = (int64_t)i;
		return;
	}
	k = i - 256;
	shift = (unsigned)(k / 128) + 1;
	*low = (int64_t)(k % 128 + 128) << shift;
	*high = *low + (INT64_C(1) << shift) - 1;
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
	histogram_init(&s->service);
	histogram_init(&s->lag);
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
	for (i = 0; i < s->proxy_count; i++)
		free(s->proxies[i].host);
	free(s->proxies);
	s->proxies = NULL;
	s->proxy_count = 0;
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

void reasons_add(struct reason_count **list, size_t *count, const char *reason, uint64_t n)
{
	struct reason_count *grown;
	size_t i;

	for (i = 0; i < *count; i++) {
		if (strcmp((*list)[i].reason, reason) == 0) {
			(*list)[i].count += n;
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
	grown[*count].count = n;
	(*count)++;
}

void stats_fail(struct stats *s, const char *reason)
{
	s->failed++;
	reasons_add(&s->reasons, &s->reason_count, reason, 1);
}

void stats_recrawl(struct stats *s, enum recrawl_class c)
{
	if (c == RECRAWL_NEW)
		s->recrawl_new++;
	else if (c == RECRAWL_CHANGED)
		s->recrawl_changed++;
	else if (c == RECRAWL_UNCHANGED)
		s->recrawl_unchanged++;
}

void stats_refuse(struct stats *s, const char *reason)
{
	reasons_add(&s->refusals, &s->refusal_count, reason, 1);
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

static void stats_print_load(const struct stats *s, const struct load_facts *f, FILE *out);

int stats_proxies_init(struct stats *s, char *const *names, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	if (!(s->proxies = calloc(n, sizeof *s->proxies)))
		return -1;
	for (i = 0; i < n; i++) {
		if (!(s->proxies[i].host = strdup(names[i])))
			return -1;
		s->proxy_count++;
	}
	return 0;
}

void stats_proxy_add(struct stats *s, const char *name, uint64_t requests, uint64_t failed)
{
	struct host_count *grown;
	size_t i;

	for (i = 0; i < s->proxy_count; i++)
		if (strcmp(s->proxies[i].host, name) == 0)
			break;
	if (i == s->proxy_count) {
		/* a handful per job: grown one at a time */
		if (!(grown = realloc(s->proxies, (s->proxy_count + 1) * sizeof *grown)))
			return;
		s->proxies = grown;
		if (!(grown[i].host = strdup(name)))
			return;
		grown[i].requests = grown[i].failed = 0;
		s->proxy_count++;
	}
	s->proxies[i].requests += requests;
	s->proxies[i].failed += failed;
}

void stats_print_proxies(const struct stats *s, FILE *out)
{
	char name[160];
	size_t i, width = 5;

	if (!s->proxy_count)
		return;
	for (i = 0; i < s->proxy_count; i++) {
		size_t w = strlen(visible(name, sizeof name, s->proxies[i].host));
		if (w > width)
			width = w;
	}
	fprintf(out, "  %-*s %9s %7s\n", (int)width, "proxy", "requests", "failed");
	for (i = 0; i < s->proxy_count; i++)
		fprintf(out, "  %-*s %9llu %7llu\n", (int)width,
		        visible(name, sizeof name, s->proxies[i].host),
		        (unsigned long long)s->proxies[i].requests,
		        (unsigned long long)s->proxies[i].failed);
}

void stats_print_summary(const struct stats *s, double seconds, int interrupted,
                         const struct load_facts *load, FILE *out)
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
	if (s->sitemaps_read || s->sitemaps_failed)
		fprintf(out, "  sitemaps: %llu read, %llu failed, %llu URLs queued\n",
		        (unsigned long long)s->sitemaps_read, (unsigned long long)s->sitemaps_failed,
		        (unsigned long long)s->sitemap_urls);
	if (s->recrawl)
		fprintf(out, "  recrawl: %llu unchanged, %llu changed, %llu new\n",
		        (unsigned long long)s->recrawl_unchanged, (unsigned long long)s->recrawl_changed,
		        (unsigned long long)s->recrawl_new);
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
	if (load) {
		stats_print_load(s, load, out);
		return;
	}
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

const double stats_points[STATS_POINTS] = { 50, 75, 90, 95, 99, 99.9, 99.99 };

/* "  latency   min 51us  mean 420us  stddev 300us\n            p50 ..." */
static void print_distribution(const char *label, const struct histogram *h, FILE *out)
{
	char v[32];
	size_t i;

	units_format_duration(h->min, v, sizeof v);
	fprintf(out, "  %-9s min %s", label, v);
	units_format_duration((int64_t)histogram_mean(h), v, sizeof v);
	fprintf(out, "  mean %s", v);
	units_format_duration((int64_t)histogram_stddev(h), v, sizeof v);
	fprintf(out, "  stddev %s", v);
	units_format_duration(h->max, v, sizeof v);
	fprintf(out, "  max %s\n ", v);
	for (i = 0; i < STATS_POINTS; i++) {
		units_format_duration(histogram_percentile(h, stats_points[i]), v, sizeof v);
		fprintf(out, "%s p%g %s", i ? " " : "          ", stats_points[i], v);
	}
	fputc('\n', out);
}

/* The class of a failure reason for reports: "http 503" is "http 5xx",
 * a bare curl message "other", the rest (connect, timeout, tls, ...)
 * stay as they are.  buf holds the composed names. */
const char *stats_error_class(const char *reason, char *buf, size_t len)
{
	long code;

	if (strncmp(reason, "http ", 5) == 0 && (code = strtol(reason + 5, NULL, 10)) >= 100 &&
	    code < 600) {
		snprintf(buf, len, "http %ldxx", code / 100);
		return buf;
	}
	if (strncmp(reason, "curl: ", 6) == 0)
		return "other";
	return reason;
}

/* Failures by class (connect, timeout, reset, tls, dns, http 5xx, ...),
 * largest first; names holds the class names out points to. */
size_t stats_error_classes(const struct stats *s, struct reason_count *out, size_t max,
                           char names[][24])
{
	size_t i, j, n = 0;

	for (i = 0; i < s->reason_count; i++) {
		char composed[24];
		const char *cls = stats_error_class(s->reasons[i].reason, composed, sizeof composed);

		for (j = 0; j < n && strcmp(out[j].reason, cls) != 0; j++)
			;
		if (j == n) {
			if (n == max)
				continue;
			/* a composed class ("http 5xx") is kept in names; any other
			 * is the reason itself or a constant, which outlive out, and
			 * may be longer than names' 24 bytes ("invalid response (not
			 * HTTP/1.x)") */
			if (cls == composed) {
				snprintf(names[n], 24, "%s", cls);
				cls = names[n];
			}
			out[n].reason = (char *)cls;
			out[n].count = 0;
			n++;
		}
		out[j].count += s->reasons[i].count;
	}
	qsort(out, n, sizeof *out, by_count);
	return n;
}

/* The load-test lines that follow the summary: the whole latency
 * distribution, the schedule, status codes, error classes, traffic. */
static void stats_print_load(const struct stats *s, const struct load_facts *f, FILE *out)
{
	struct reason_count classes[32];
	char names[32][24], in[32], sent[32], v[32], w[32];
	size_t i, n;
	int first = 1;

	fprintf(out, "  model     %s\n", f->model);
	if (s->latency.total)
		print_distribution("latency", &s->latency, out);
	if (f->open_model && s->service.total)
		print_distribution("service", &s->service, out);
	if (f->open_model) {
		units_format_duration(histogram_percentile(&s->lag, 99), v, sizeof v);
		units_format_duration(s->lag.max, w, sizeof w);
		fprintf(out, "  schedule  %s: %llu sent, %llu late (%.2f%%), %llu dropped; send lag",
		        f->schedule, (unsigned long long)s->sent, (unsigned long long)s->late,
		        s->sent ? 100.0 * (double)s->late / (double)s->sent : 0.0,
		        (unsigned long long)s->dropped);
		/* (merged reports carry only the lag's maximum) */
		if (s->lag.total)
			fprintf(out, " p99 %s,", v);
		fprintf(out, " max %s\n", w);
	}
	fputs("  status   ", out);
	for (i = 0; i < STATUS_CODES; i++) {
		if (!s->status_counts[i])
			continue;
		if (i == 0)
			fprintf(out, "%s no response %llu", first ? "" : ",", (unsigned long long)s->status_counts[i]);
		else
			fprintf(out, "%s %zu: %llu", first ? "" : ",", i, (unsigned long long)s->status_counts[i]);
		first = 0;
	}
	fputs(first ? " none\n" : "\n", out);
	n = stats_error_classes(s, classes, 32, names);
	if (n) {
		fputs("  errors   ", out);
		for (i = 0; i < n; i++)
			fprintf(out, "%s %s %llu", i ? "," : "", classes[i].reason,
			        (unsigned long long)classes[i].count);
		fputc('\n', out);
	}
	format_bytes(s->bytes_in, in, sizeof in);
	format_bytes(s->bytes_out, sent, sizeof sent);
	fprintf(out, "  traffic   %s in, %s out; %llu connection%s opened, at most %llu in flight\n", in,
	        sent, (unsigned long long)s->connections, s->connections == 1 ? "" : "s",
	        (unsigned long long)s->peak_in_flight);
	if (f->warmup_ns) {
		units_format_duration(f->warmup_ns, v, sizeof v);
		fprintf(out, "  warmup    %s: %llu requests not counted\n", v,
		        (unsigned long long)s->warmup);
	}
}
