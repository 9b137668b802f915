/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the reports (src/report/report.c) from a hand-made
 * struct run_result: the JSON report file, the text and --format json
 * summaries and the HTML page, for a closed-model and an open-model run
 * and one whose last second is cut short, without running anything.  That is the point of the result being a
 * plain value: this program must link without the engine, which the
 * weak references below check (they stay NULL unless engine/run.o or
 * run_report.o were pulled out of the archive).
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/job.h"
#include "report/report.h"
#include "results/run_result.h"
#include "results/stats.h"
#include "results/timeline.h"
#include "tap.h"

/* The engine's entry points, declared as they are in engine/run.h but
 * weak, so that referring to them pulls nothing in. */
struct scrape_run;
extern void run_free(struct scrape_run *run) __attribute__((weak));
extern int run_report(struct scrape_run *run) __attribute__((weak));

static char dir[] = "/tmp/scrape-report-XXXXXX";

/* The whole of a file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, got;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		char *grown = realloc(text, len + got + 1);
		if (!grown) {
			free(text);
			fclose(f);
			return NULL;
		}
		text = grown;
		memcpy(text + len, chunk, got);
		len += got;
		text[len] = '\0';
	}
	fclose(f);
	return text ? text : calloc(1, 1);
}

static struct job *load_job(const char *name, const char *yaml)
{
	char path[256], err[512];
	struct job *job;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(yaml, f) == EOF || fclose(f) != 0)
		return NULL;
	job = job_load(path, NULL, NULL, 0, NULL, 0, err, sizeof err);
	if (!job)
		printf("# %s: %s\n", name, err);
	return job;
}

/* Whether text holds want; shows what it was looking for if not. */
static int has(const char *text, const char *want, const char *what)
{
	int found = text && strstr(text, want) != NULL;

	if (!ok(found, "%s", what))
		printf("#   wanted: %s\n", want);
	return found;
}

static int lacks(const char *text, const char *unwanted, const char *what)
{
	int absent = text && strstr(text, unwanted) == NULL;

	if (!ok(absent, "%s", what))
		printf("#   not wanted: %s\n", unwanted);
	return absent;
}

/* What a summary printed to a memory stream says. */
static char *printed(const struct run_result *r, const struct report_summary *rs, int json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	report_print_summary(r, rs, json, f);
	fclose(f);
	return text;
}

/* A closed-model load test of 100 requests over two seconds: 98 answered
 * 200 in 10..59 ms, 2 failed with 503. */
static void test_closed(void)
{
	static struct stats st;
	struct timeline tl;
	struct run_result r;
	struct report_summary rs;
	struct job *job;
	char path[256], *text;
	int i;

	job = load_job("closed.yaml",
	               "urls:\n  - http://127.0.0.1:1/a\nworkers: 4\nrequests: 100\n"
	               "thresholds:\n  - p99 < 250ms\n  - error_rate < 1%\n  - rate >= 50/s\n");
	if (!ok(job != NULL, "closed: the job loads"))
		return;
	stats_init(&st);
	timeline_init(&tl);
	for (i = 0; i < 100; i++) {
		int failed = i % 50 == 49;
		stats_status(&st, failed ? 503 : 200);
		stats_host(&st, "http://127.0.0.1:1/a", failed);
		if (failed) {
			stats_fail(&st, "HTTP 503");
		} else {
			st.ok++;
			histogram_record(&st.latency, (int64_t)(10 + i % 50) * 1000000);
		}
		st.bytes += 1000;
		timeline_sent(&tl, (size_t)(i / 50));
		timeline_done(&tl, (size_t)(i / 50), failed ? -1 : (int64_t)(10 + i % 50) * 1000000,
		              failed);
	}
	timeline_close(&tl);

	memset(&r, 0, sizeof r);
	r.job = job;
	r.job_path = "jobs/closed.yaml";
	r.stats = &st;
	r.timeline = &tl;
	r.sum.requests = 100;
	r.sum.ok = 98;
	r.sum.failed = 2;
	r.sum.bytes = st.bytes;
	r.sum.seconds = 2.0;
	r.sum.workers = 4;
	r.sum.ran = 1;
	r.start_ns = 1000000000;
	r.measure_ns = r.start_ns;
	r.end_ns = r.start_ns + 2000000000;
	r.cpu_seconds = 0.2;
	r.main_cpu_seconds = 0.1;
	r.cpus = 2;
	run_result_conclude(&r);
	ok(r.load_test, "closed: a job with requests: is a load test");
	is_str(r.schedule, "none", "closed: no schedule");
	ok(strncmp(r.model, "closed: 4 workers;", 18) == 0, "closed: the model in words");
	ok(r.warning_count == 0, "closed: a calm run has no warnings");

	report_summary_init(&rs, &r);
	ok(rs.thresholds_failed == 1, "closed: error_rate fails; p99 and a rate at its bound pass");

	snprintf(path, sizeof path, "%s/closed.json", dir);
	ok(report_write(path, &r, &rs) == 0, "closed: the report is written");
	text = slurp(path);
	has(text, "{\"schema\":2,", "closed: the schema version comes first");
	has(text, "\"job\":\"jobs/closed.yaml\",\"strategy\":\"sequential\",\"workers\":4,"
	          "\"measured_seconds\":2.000000000,\"tail_seconds\":0.000000000,",
	    "closed: the job, strategy and measured time");
	has(text, "\"requests\":100,\"ok\":98,\"failed\":2,", "closed: the counts");
	/* the timeline's seconds have a requests_per_second of their own */
	has(text, "\"interrupted\":false,\"requests_per_second\":50.000",
	    "closed: the rate over the measured time");
	has(text, "\"status_counts\":{\"200\":98,\"503\":2}", "closed: the status counts");
	has(text, "\"failed_by_reason\":{\"HTTP 503\":2}", "closed: failures by reason");
	has(text, "\"hosts\":{\"127.0.0.1:1\":{\"requests\":100,\"failed\":2}}", "closed: the hosts");
	has(text, "\"model\":{\"type\":\"closed\",\"description\":\"closed: 4 workers;",
	    "closed: the model object");
	has(text, "\"warnings\":[]", "closed: an empty warning list");
	has(text, "\"thresholds\":[{\"threshold\":\"p99 < 250ms\",\"pass\":true,\"value\":",
	    "closed: p99 passes in the report");
	has(text, "{\"threshold\":\"error_rate < 1%\",\"pass\":false,\"value\":0.02}",
	    "closed: the error rate fails with its value");
	has(text, "{\"threshold\":\"rate >= 50/s\",\"pass\":true,\"value\":50}",
	    "closed: a rate equal to its bound passes >=");
	has(text, "\"timeline\":[{\"second\":0,\"sent\":50,\"requests\":50,\"errors\":1,",
	    "closed: the timeline's first second");
	has(text, "{\"second\":1,\"sent\":50,\"requests\":50,\"errors\":1,",
	    "closed: the timeline's second second");
	lacks(text, "target_rate", "closed: no target rate without a schedule");
	lacks(text, "service_time_histogram", "closed: no service time histogram");
	has(text, "\"latency_histogram\":{\"unit\":\"ns\",\"buckets\":[[", "closed: the buckets");
	has(text, "\"config\":\"", "closed: the job echoed");
	ok(text && text[strlen(text) - 1] == '\n' && text[strlen(text) - 2] == '}',
	   "closed: one document and a newline");
	free(text);

	text = printed(&r, &rs, 0);
	has(text, "  threshold p99 < 250ms: pass (p99 ", "closed: the text summary's p99 verdict");
	has(text, "  threshold error_rate < 1%: FAIL (error_rate 2%)",
	    "closed: the text summary's error rate verdict");
	has(text, "  threshold rate >= 50/s: pass (rate 50.0/s)", "closed: the text rate verdict");
	lacks(text, "seed", "closed: no seed line without randomness");
	free(text);

	text = printed(&r, &rs, 1);
	ok(text && text[0] == '{', "closed: --format json is one object");
	has(text, "\"requests\":100,\"ok\":98,\"failed\":2,", "closed: --format json counts");
	has(text, "\"thresholds\":[{", "closed: --format json has the verdicts");
	lacks(text, "\"timeline\"", "closed: --format json is the summary, not the report");
	free(text);

	snprintf(path, sizeof path, "%s/closed.html", dir);
	ok(report_write_html(path, &r) == 0, "closed: the HTML report is written");
	text = slurp(path);
	has(text, "jobs/closed.yaml", "closed: the page is titled by the job");
	has(text, "error_rate &lt; 1%", "closed: the page lists the thresholds");
	free(text);

	report_summary_free(&rs);
	timeline_free(&tl);
	stats_free(&st);
	job_free(job);
}

/* A steady 100 requests/s that ended 0.4 s into its third second: the
 * timeline says that second covers 0.4 s, and its 40 requests are 100/s,
 * in the report and on the page, not a plunge to 40. */
static void test_partial(void)
{
	static struct stats st;
	struct timeline tl;
	struct run_result r;
	struct report_summary rs;
	struct job *job;
	char path[256], *text;
	int i;

	job = load_job("partial.yaml", "urls:\n  - http://127.0.0.1:1/a\nrequests: 240\n");
	if (!ok(job != NULL, "partial: the job loads"))
		return;
	stats_init(&st);
	timeline_init(&tl);
	for (i = 0; i < 240; i++) {
		stats_status(&st, 200);
		st.ok++;
		histogram_record(&st.latency, 5000000);
		timeline_sent(&tl, (size_t)(i / 100));
		timeline_done(&tl, (size_t)(i / 100), 5000000, 0);
	}
	timeline_close(&tl);
	ok(tl.count == 3 && tl.seconds[2].seconds == 1, "partial: seconds are whole until covered");
	timeline_cover(&tl, 2400000000);

	memset(&r, 0, sizeof r);
	r.job = job;
	r.stats = &st;
	r.timeline = &tl;
	r.sum.requests = r.sum.ok = 240;
	r.sum.seconds = 2.4;
	r.sum.ran = 1;
	r.start_ns = r.measure_ns = 1000000000;
	r.end_ns = r.start_ns + 2400000000;
	r.cpus = 1;
	run_result_conclude(&r);
	report_summary_init(&rs, &r);

	snprintf(path, sizeof path, "%s/partial.json", dir);
	ok(report_write(path, &r, &rs) == 0, "partial: the report is written");
	text = slurp(path);
	has(text, "{\"second\":0,\"sent\":100,\"requests\":100,\"errors\":0,",
	    "partial: a whole second keeps its counts");
	has(text, ",\"seconds\":1,\"requests_per_second\":100.000},{\"second\":1,",
	    "partial: and covers 1 s at 100/s");
	has(text, "{\"second\":2,\"sent\":40,\"requests\":40,\"errors\":0,",
	    "partial: the last second keeps its counts");
	has(text, ",\"seconds\":0.4,\"requests_per_second\":100.000}]",
	    "partial: but covers 0.4 s, which makes the same 100/s");
	free(text);

	snprintf(path, sizeof path, "%s/partial.html", dir);
	ok(report_write_html(path, &r) == 0, "partial: the HTML report is written");
	text = slurp(path);
	has(text, "the last, cut short by the end of the run, as a rate",
	    "partial: the page draws the last second as a rate");
	free(text);

	report_summary_free(&rs);
	timeline_free(&tl);
	stats_free(&st);
	job_free(job);
}

/* recrawl: the pages by class in the text and JSON summaries and the
 * HTML report, and nowhere in a run without it. */
static void test_recrawl(void)
{
	static struct stats st;
	struct timeline tl;
	struct run_result r;
	struct report_summary rs;
	struct job *job;
	char path[256], *text;
	int i;

	job = load_job("recrawl.yaml", "urls: [http://127.0.0.1:1/a]\noutput: pages.db\n"
	               "recrawl: conditional\n");
	if (!ok(job != NULL, "recrawl: the job loads"))
		return;
	stats_init(&st);
	timeline_init(&tl);
	timeline_close(&tl);
	for (i = 0; i < 6; i++) {
		stats_status(&st, i < 3 ? 304 : 200);
		st.ok++;
		stats_recrawl(&st, i < 3 ? RECRAWL_UNCHANGED : i < 5 ? RECRAWL_CHANGED : RECRAWL_NEW);
		histogram_record(&st.latency, 1000000);
	}
	stats_recrawl(&st, RECRAWL_NONE);
	memset(&r, 0, sizeof r);
	r.job = job;
	r.stats = &st;
	r.timeline = &tl;
	r.sum.requests = r.sum.ok = 6;
	r.sum.seconds = 1;
	r.sum.ran = 1;
	r.cpus = 1;
	run_result_conclude(&r);
	report_summary_init(&rs, &r);

	text = printed(&r, &rs, 0);
	lacks(text, "recrawl", "recrawl: a run without it shows no counts");
	free(text);
	st.recrawl = 1;
	text = printed(&r, &rs, 0);
	has(text, "\n  recrawl: 3 unchanged, 2 changed, 1 new\n", "recrawl: the text summary counts the pages");
	free(text);
	text = printed(&r, &rs, 1);
	has(text, ",\"recrawl\":{\"unchanged\":3,\"changed\":2,\"new\":1},",
	    "recrawl: and so does --format json");
	free(text);
	snprintf(path, sizeof path, "%s/recrawl.html", dir);
	ok(report_write_html(path, &r) == 0, "recrawl: the HTML report is written");
	text = slurp(path);
	has(text, ">unchanged<", "recrawl: the HTML report shows the counts");
	free(text);

	report_summary_free(&rs);
	timeline_free(&tl);
	stats_free(&st);
	job_free(job);
}

/* autothrottle: the hosts' delays in the report and the summary. */
static void test_host_delays(void)
{
	static struct stats st;
	struct timeline tl;
	struct run_result r;
	struct report_summary rs;
	struct host_delay d[2] = {
		{ "http://slow.test", 2500000000LL, 50000000LL, 3000000000LL, 40 },
		{ "http://quick.test:8080", 20000000LL, 10000000LL, 1000000000LL, 300 },
	};
	struct job *job;
	char path[256], *text;

	job = load_job("throttle.yaml", "urls: [http://slow.test/, http://quick.test:8080/]\n"
	               "autothrottle: {target_concurrency: 2}\n");
	if (!ok(job != NULL, "throttle: the job loads"))
		return;
	stats_init(&st);
	timeline_init(&tl);
	timeline_close(&tl);
	memset(&r, 0, sizeof r);
	r.job = job;
	r.stats = &st;
	r.timeline = &tl;
	r.sum.ran = 1;
	r.cpus = 1;
	r.host_delays = d;
	r.host_delay_count = 2;
	r.host_delay_total = 2;
	run_result_conclude(&r);
	report_summary_init(&rs, &r);
	snprintf(path, sizeof path, "%s/throttle.json", dir);
	ok(report_write(path, &r, &rs) == 0, "throttle: the report is written");
	text = slurp(path);
	has(text, ",\"autothrottle\":{\"hosts\":2,\"min_delay\":0.02,\"max_delay\":2.5,\"delays\":["
	    "{\"host\":\"http://slow.test\",\"delay\":2.5,\"least\":0.05,\"most\":3,\"answers\":40},"
	    "{\"host\":\"http://quick.test:8080\",\"delay\":0.02,\"least\":0.01,\"most\":1,"
	    "\"answers\":300}]}", "throttle: the report has each host's delay and range");
	free(text);
	text = printed(&r, &rs, 0);
	has(text, "  autothrottle: delay per host at the end (least..most during the run)\n",
	    "throttle: the summary has a table");
	has(text, "http://slow.test", "throttle: with the slowed host");
	has(text, "(50ms..3s, 40 answers)", "throttle: and its range");
	free(text);
	r.host_delay_total = 15;
	text = printed(&r, &rs, 0);
	has(text, "    and 13 more hosts\n", "throttle: hosts past the table are counted");
	free(text);
	report_summary_free(&rs);
	timeline_free(&tl);
	stats_free(&st);
	job_free(job);
}

/* An open model at 10/s for two seconds whose schedule slipped with every
 * connection busy, then stopped by a signal. */
static void test_open(void)
{
	static struct stats st;
	struct timeline tl;
	struct run_result r;
	struct report_summary rs;
	struct job *job;
	char path[256], *text;
	int i;

	job = load_job("open.yaml",
	               "urls:\n  - http://127.0.0.1:1/a\nstrategy: event\nrate: 10/s\nduration: 2s\n"
	               "max_connections: 2\nthresholds:\n  - late == 0\n  - p50 < 1s\n");
	if (!ok(job != NULL, "open: the job loads"))
		return;
	stats_init(&st);
	timeline_init(&tl);
	for (i = 0; i < 20; i++) {
		st.ok++;
		stats_status(&st, 200);
		histogram_record(&st.latency, 300000000);
		histogram_record(&st.service, 200000000);
		timeline_sent(&tl, (size_t)(i / 10));
		timeline_done(&tl, (size_t)(i / 10), 300000000, 0);
	}
	timeline_close(&tl);
	/* the engine puts the schedule's rate into each second */
	for (i = 0; i < (int)tl.count; i++)
		tl.seconds[i].target_rate = 10;
	st.sent = 20;
	st.late = 5;
	st.peak_in_flight = 2;

	memset(&r, 0, sizeof r);
	r.job = job;
	r.stats = &st;
	r.timeline = &tl;
	r.interrupted = 1;
	r.sum.requests = 20;
	r.sum.ok = 20;
	r.sum.seconds = 2.0;
	r.sum.ran = 1;
	r.end_ns = 2000000000;
	r.cpus = 1;
	run_result_conclude(&r);
	is_str(r.schedule, "10/s, constant arrivals", "open: the schedule in words");
	ok(r.warning_count == 1 && strstr(r.warnings[0], "all 2 connections were busy"),
	   "open: a slipped schedule with every connection busy warns so");

	report_summary_init(&rs, &r);
	ok(rs.thresholds_failed == 1, "open: late == 0 fails, p50 passes");
	snprintf(path, sizeof path, "%s/open.json", dir);
	ok(report_write(path, &r, &rs) == 0, "open: the report is written");
	text = slurp(path);
	has(text, "\"job\":null,\"strategy\":\"event\",", "open: no job path");
	has(text, "\"interrupted\":true", "open: interrupted");
	has(text, "\"model\":{\"type\":\"open\",", "open: the model object");
	has(text, "\"rate\":10,\"arrival\":\"constant\",\"max_connections\":2,\"stages\":[]",
	    "open: the model's parameters");
	has(text, "\"sent\":20,\"late\":5,\"dropped\":0,", "open: the schedule's figures");
	has(text, "\"warnings\":[\"the schedule slipped (5 of 20 starts late, 0 dropped)",
	    "open: the warning in the report");
	has(text, ",\"target_rate\":10.000}", "open: the timeline's target rate");
	has(text, "\"service_time_histogram\":{", "open: the service time histogram");
	has(text, "{\"threshold\":\"late == 0\",\"pass\":false,\"value\":5}",
	    "open: the late verdict");
	free(text);

	text = printed(&r, &rs, 0);
	has(text, "  threshold late == 0: FAIL (late 5)", "open: the text verdict");
	free(text);

	report_summary_free(&rs);
	timeline_free(&tl);
	stats_free(&st);
	job_free(job);
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ok(run_free == NULL && run_report == NULL,
	   "the reports link without the engine's run (engine/run.o, run_report.o)");
	test_closed();
	test_partial();
	test_open();
	test_host_delays();
	test_recrawl();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
