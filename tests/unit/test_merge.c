/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/cli/merge.c (--merge): two small hand-written reports
 * in a temporary directory merge into one summary whose counts add up and
 * whose percentiles come from the reports' histogram buckets added
 * together; bad reports are refused with their one-line message and exit
 * status 2.
 */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/merge.h"
#include "results/stats.h"
#include "tap.h"

static char dir[] = "/tmp/scrape-merge-XXXXXX";

/* Writes text as dir/name and returns the path (static, one at a time
 * per slot). */
static const char *report(int slot, const char *name, const char *text)
{
	static char paths[3][256];
	FILE *f;

	snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
	f = fopen(paths[slot], "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return paths[slot];
}

static char *slurp(int fd)
{
	char *text = calloc(1, 65536);
	ssize_t n, got = 0;

	lseek(fd, 0, SEEK_SET);
	while (text && got < 65535 && (n = read(fd, text + got, (size_t)(65535 - got))) > 0)
		got += n;
	return text;
}

/* merge_reports() with its stdout and stderr caught; both are returned
 * (the caller frees them). */
static int merge(const char *a, const char *b, int json, char **out, char **err)
{
	char *const paths[] = { (char *)a, (char *)b };
	char out_path[] = "/tmp/scrape-merge-out-XXXXXX", err_path[] = "/tmp/scrape-merge-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	int saved_out = dup(1), saved_err = dup(2), status;
	struct merge_settings settings = { .json = json };

	unlink(out_path);
	unlink(err_path);
	fflush(stdout);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	status = merge_reports(paths, b ? 2 : 1, &settings);
	fflush(stdout);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	*out = slurp(out_fd);
	*err = slurp(err_fd);
	close(out_fd);
	close(err_fd);
	return status;
}

/* ,[low,high,count] of the bucket that holds ns */
static void bucket(char *buf, size_t len, int64_t ns, unsigned count)
{
	int64_t low, high;

	histogram_bucket(histogram_index(ns), &low, &high);
	snprintf(buf + strlen(buf), len - strlen(buf), "%s[%lld,%lld,%u]", strchr(buf, '[') ? "," : "",
	         (long long)low, (long long)high, count);
}

/* A closed-model report of ok + failed requests: `fast` took 10 ms each,
 * `slow` 1 s each. */
static void closed_report(char *text, size_t len, unsigned ok, unsigned failed, unsigned fast,
                          unsigned slow, const char *reasons)
{
	char buckets[256] = "";
	unsigned n = fast + slow;
	double mean = (fast * 0.010 + slow * 1.0) / n;

	if (fast)
		bucket(buckets, sizeof buckets, 10000000, fast);
	if (slow)
		bucket(buckets, sizeof buckets, 1000000000, slow);
	snprintf(text, len,
	         "{\"schema\":2,\"requests\":%u,\"ok\":%u,\"failed\":%u,\"retries\":0,"
	         "\"seconds\":2.0,\"measured_seconds\":2.0,\"interrupted\":false,"
	         "\"requests_per_second\":%.3f,\"model\":{\"type\":\"closed\"},"
	         "\"status_counts\":{\"200\":%u%s},\"failed_by_reason\":{%s},"
	         "\"latency_seconds\":{\"count\":%u,\"min\":%s,\"mean\":%.9f,\"stddev\":0,"
	         "\"p50\":0,\"max\":%s},"
	         "\"latency_histogram\":{\"unit\":\"ns\",\"buckets\":[%s]}}",
	         ok + failed, ok, failed, (ok + failed) / 2.0, ok, failed ? ",\"503\":1" : "", reasons,
	         n, fast ? "0.010" : "1.0", mean, slow ? "1.0" : "0.010", buckets);
}

static void test_counts_and_percentiles(void)
{
	char a_text[1024], b_text[1024], expect[64];
	struct histogram h;
	char *out, *err;
	int status, i;

	/* a: 3 ok + 1 failed, all fast; b: 4 ok, 2 fast and 2 slow */
	closed_report(a_text, sizeof a_text, 3, 1, 4, 0, "\"http 503\":1");
	closed_report(b_text, sizeof b_text, 4, 0, 2, 2, "");
	status = merge(report(0, "a.json", a_text), report(1, "b.json", b_text), 1, &out, &err);
	ok(status == 1, "two reports merge; exit 1 as one had a failure");
	is_str(err, "", "and nothing on stderr");
	ok(strstr(out, "\"requests\":8,\"ok\":7,\"failed\":1,") != NULL, "the counts add up");
	ok(strstr(out, "\"200\":7") && strstr(out, "\"503\":1"), "the status counts add up");
	ok(strstr(out, "\"http 503\":1") != NULL, "the failure reasons are kept");
	ok(strstr(out, "\"reports\":2,") != NULL, "the merge says how many reports it took");
	ok(strstr(out, "\"rates_added\":4.000") != NULL, "the rates are added (2 + 2 per second)");
	ok(strstr(out, "\"latency_seconds\":{\"count\":8,") != NULL, "the latencies count 8");

	/* the merged percentiles are those of all eight latencies together:
	 * neither report alone has a p90 of a second */
	histogram_init(&h);
	for (i = 0; i < 6; i++)
		histogram_record(&h, 10000000);
	for (i = 0; i < 2; i++)
		histogram_record(&h, 1000000000);
	snprintf(expect, sizeof expect, "\"p50\":%.9f,", (double)histogram_percentile(&h, 50) / 1e9);
	ok(strstr(out, expect) != NULL, "p50 from the merged buckets (%s)", expect);
	snprintf(expect, sizeof expect, "\"p90\":%.9f,", (double)histogram_percentile(&h, 90) / 1e9);
	ok(strstr(out, expect) != NULL, "p90 from the merged buckets (%s)", expect);
	ok(histogram_percentile(&h, 90) > 900000000, "which is the slow second, from b alone");
	free(out);
	free(err);

	status = merge(report(0, "a.json", a_text), NULL, 0, &out, &err);
	ok(status == 1, "one report alone merges too");
	ok(strncmp(out, "Merged 1 report ", 16) == 0, "and the text summary says so");
	free(out);
	free(err);

	closed_report(a_text, sizeof a_text, 3, 0, 3, 0, "");
	status = merge(report(0, "a.json", a_text), report(1, "b.json", b_text), 0, &out, &err);
	ok(status == 0, "reports without failures merge with exit 0");
	free(out);
	free(err);
}

/* refused(text, message): a.json merged with bad.json holding text exits
 * 2 with exactly the one line on stderr and nothing on stdout */
static void refused(const char *text, const char *message, const char *what)
{
	char good[1024], line[512];
	char *out, *err;
	int status;

	closed_report(good, sizeof good, 1, 0, 1, 0, "");
	snprintf(line, sizeof line, "scrape: --merge: %s/bad.json: %s\n", dir, message);
	status = merge(report(0, "a.json", good), report(1, "bad.json", text), 1, &out, &err);
	ok(status == 2 && strcmp(err, line) == 0 && out[0] == '\0', "%s", what);
	if (status != 2 || strcmp(err, line) != 0)
		printf("# exit %d, stderr: %s", status, err);
	free(out);
	free(err);
}

static void test_refused(void)
{
	char text[1024], *out, *err;
	int status;

	refused("[1,2]", "not a scrape report of schema 2 (write it with --report)",
	        "an array is not a report");
	refused("{\"schema\":3}", "not a scrape report of schema 2 (write it with --report)",
	        "another schema is told as such");
	refused("{\"schema\":2,\"ok\":1,\"model\":{\"type\":\"closed\"}}", "it has no histogram buckets",
	        "a report without buckets is refused");
	refused("{\"schema\":2,\"ok\":-1}", "ok: byte 17: a count is not a whole number from 0 to "
	        "18446744073709551615", "a negative count is refused, naming its member");
	refused("{\"schema\":2,\"schema\":2}", "byte 12: an object has the same key twice",
	        "a duplicate key is refused");
	refused("{\"schema\":2,\"model\":{\"type\":\"fast\"}}",
	        "model.type \"fast\" is neither open nor closed", "an unknown model is refused");
	refused("{\"schema\":2,", "the document ends early", "a cut report is refused");
	/* the count of the summary must be the buckets' */
	closed_report(text, sizeof text, 1, 0, 1, 0, "");
	memcpy(strstr(text, "\"count\":1,"), "\"count\":2,", 10);
	refused(text, "latency_seconds: the count is not the sum of the histogram's buckets",
	        "a summary whose count is not its buckets' is refused");
	status = merge(report(0, "a.json", "{}"), NULL, 1, &out, &err);
	ok(status == 2 && strstr(err, "a.json: not a scrape report of schema 2") != NULL,
	   "an empty object is not a report");
	free(out);
	free(err);
	status = merge(report(0, "empty.json", ""), NULL, 1, &out, &err);
	ok(status == 2, "an empty file is refused");
	free(out);
	free(err);
	{
		char path[300];
		snprintf(path, sizeof path, "%s/nonexistent.json", dir);
		status = merge(path, NULL, 1, &out, &err);
		ok(status == 2 && strstr(err, "nonexistent.json: No such file or directory") != NULL,
		   "a missing file is refused with the system's reason");
		free(out);
		free(err);
	}
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	test_counts_and_percentiles();
	test_refused();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
