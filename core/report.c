/* SPDX-License-Identifier: MIT */
/*
 * The JSON run report.  Written to a temporary file and renamed into place,
 * so a reader never sees half a report, also when the run was interrupted.
 */
#include <config.h>

#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "run.h"
#include "threshold.h"

static void latency(struct buf *b, const struct histogram *h)
{
	static const double points[] = { 50, 75, 90, 95, 99, 99.9 };
	size_t i;

	buf_puts(b, "\"latency_seconds\":{");
	if (h->total) {
		buf_printf(b, "\"count\":%llu,\"min\":%.6f,\"mean\":%.6f", (unsigned long long)h->total,
		           (double)h->min / 1e9, h->sum / (double)h->total / 1e9);
		for (i = 0; i < sizeof points / sizeof points[0]; i++)
			buf_printf(b, ",\"p%g\":%.6f", points[i],
			           (double)histogram_percentile(h, points[i]) / 1e9);
		buf_printf(b, ",\"max\":%.6f", (double)h->max / 1e9);
	} else {
		buf_puts(b, "\"count\":0");
	}
	buf_putc(b, '}');
}

static void counts(struct buf *b, const struct stats *s)
{
	size_t i;
	int first = 1;

	buf_puts(b, "\"status_counts\":{");
	for (i = 0; i < STATUS_CODES; i++) {
		if (!s->status_counts[i])
			continue;
		buf_printf(b, "%s\"%zu\":%llu", first ? "" : ",", i,
		           (unsigned long long)s->status_counts[i]);
		first = 0;
	}
	buf_puts(b, "},\"failed_by_reason\":{");
	for (i = 0; i < s->reason_count; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_string(b, s->reasons[i].reason);
		buf_printf(b, ":%llu", (unsigned long long)s->reasons[i].count);
	}
	buf_puts(b, "},\"refused_by_reason\":{");
	for (i = 0; i < s->refusal_count; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_string(b, s->refusals[i].reason);
		buf_printf(b, ":%llu", (unsigned long long)s->refusals[i].count);
	}
	buf_printf(b, "},\"robots_fetched\":%llu", (unsigned long long)s->robots_fetched);
	buf_puts(b, ",\"hosts\":{");
	for (i = 0; i < s->host_count; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_string(b, s->hosts[i].host);
		buf_printf(b, ":{\"requests\":%llu,\"failed\":%llu}",
		           (unsigned long long)s->hosts[i].requests,
		           (unsigned long long)s->hosts[i].failed);
	}
	buf_putc(b, '}');
}

int report_write(const char *path, const struct scrape_run *run, const struct run_summary *sum,
                 int interrupted)
{
	const struct job *job = run->job;
	struct buf b = { 0 };
	char *tmp = NULL, stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int failed;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_printf(&b, "{\"schema\":%d,\"scrape_version\":\"%s\",\"finished_at\":\"%s\",", REPORT_SCHEMA,
	           PACKAGE_VERSION, stamp);
	buf_puts(&b, "\"job\":");
	if (run->settings.job_path)
		buf_json_string(&b, run->settings.job_path);
	else
		buf_puts(&b, "null");
	buf_puts(&b, ",\"strategy\":");
	buf_json_string(&b, job->strategy.name);
	buf_printf(&b, ",\"workers\":%lld,\"interrupted\":%s,", (long long)job->workers,
	           interrupted ? "true" : "false");
	buf_printf(&b, "\"seconds\":%.6f,\"requests\":%llu,\"ok\":%llu,\"failed\":%llu,"
	           "\"retries\":%llu,\"bytes\":%llu,\"requests_per_second\":%.3f,",
	           sum->seconds, (unsigned long long)sum->requests, (unsigned long long)sum->ok,
	           (unsigned long long)sum->failed, (unsigned long long)sum->retries,
	           (unsigned long long)sum->bytes,
	           sum->seconds > 0 ? (double)sum->requests / sum->seconds : 0.0);
	counts(&b, &run->stats);
	buf_putc(&b, ',');
	latency(&b, &run->stats.latency);
	buf_puts(&b, ",\"thresholds\":");
	threshold_check(job, &run->stats, sum, NULL, &b);
	buf_puts(&b, "}\n");

	if (b.oom || asprintf(&tmp, "%s.tmp", path) < 0) {
		buf_free(&b);
		fprintf(stderr, "scrape: error: out of memory writing the report\n");
		return -1;
	}
	f = fopen(tmp, "w");
	failed = !f || fwrite(b.data, 1, b.len, f) != b.len;
	if (f && fclose(f) != 0)
		failed = 1;
	if (!failed && rename(tmp, path) != 0)
		failed = 1;
	if (failed) {
		fprintf(stderr, "scrape: error: cannot write the report %s: %s\n", path, strerror(errno));
		remove(tmp);
	}
	free(tmp);
	buf_free(&b);
	return failed ? -1 : 0;
}
