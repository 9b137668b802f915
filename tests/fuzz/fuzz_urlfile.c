/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes URL-file lines: the url_file check when a job loads and the
 * frontier reading the same file during the run, both through the
 * bounded line reader of src/config/job.c (job_url_next: job_url_line,
 * job_url_ok) and src/engine/frontier.c.  Input: the file's bytes.  Invariants
 * beyond "no crash":
 *  - a line job_url_line() keeps is a non-empty part of the input line,
 *    with no white space at either end and no leading "#";
 *  - the job loads exactly when the file holds at least one URL and every
 *    line is blank, a comment, or a URL job_url_ok() accepts, with no NUL
 *    byte and at most JOB_URL_LINE_MAX bytes; a refusal is one line;
 *  - a line that starts with "{" is a JSON object whose checks this
 *    harness does not repeat: it may count or refuse, and the count is
 *    then bounded rather than exact;
 *  - what the load counted is what the frontier hands out, and each URL
 *    is one job_url_ok() accepts, with a request of its own only from a
 *    JSON line (a method that is a word, a body with its length).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/frontier.h"
#include "harness.h"
#include "config/job.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_urlfile", cond, __VA_ARGS__)

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Checks one line as job_url_line() cuts it; 1 if it holds a URL the
 * job accepts, 0 if it is skipped, -1 if it would refuse the job. */
static int check_line(char *line)
{
	size_t len = strlen(line);
	char *url = job_url_line(line);
	const char *why;
	size_t n;

	if (!url)
		return 0;
	if (url[0] == '{')
		return 2;
	n = strlen(url);
	CHECK(url >= line && url + n <= line + len, "the kept line is outside the input line");
	CHECK(n > 0 && url[0] != '#' && !is_blank(url[0]) && !is_blank(url[n - 1]),
	      "badly cut line \"%s\"", url);
	return job_url_ok(url, &why) == 0 ? 1 : -1;
}

/* How one line (newline included, if any) should fare: as check_line(),
 * or -1 for a NUL byte or a line that is too long. */
static int expected_line(char *line, size_t n)
{
	size_t len = n && line[n - 1] == '\n' ? n - 1 : n;

	if (memchr(line, '\0', len) || len > JOB_URL_LINE_MAX)
		return -1;
	return check_line(line);
}

/* How the lines of data should fare: the URL count, or -1 if a line
 * would refuse the job; *json the JSON lines, which may count or refuse. */
static long expected_count(const uint8_t *data, size_t size, long *json)
{
	FILE *f = fmemopen((void *)data, size, "r");
	char *line = NULL;
	size_t cap = 0;
	long count = 0;
	ssize_t n;
	int r;

	if (!f)
		return -2;
	while (count >= 0 && (n = getline(&line, &cap, f)) >= 0) {
		if ((r = expected_line(line, (size_t)n)) < 0)
			count = -1;
		else if (r == 2)
			++*json;
		else
			count += r;
	}
	free(line);
	fclose(f);
	return count;
}

static void check_frontier(const struct job *job)
{
	struct frontier f;
	const char *url, *why;
	char err[600];
	int64_t n = 0;

	CHECK(frontier_init(&f, job, NULL, err, sizeof err) == 0, "frontier_init failed");
	while ((url = frontier_next(&f)) != NULL) {
		const struct job_url_request *own = f.last_request;

		CHECK(job_url_ok(url, &why) == 0, "the frontier handed out \"%s\": %s", url, why);
		CHECK(!own || !own->method || (own->method[0] && !strpbrk(own->method, " \r\n")),
		      "a line's method \"%s\" is not a word", own->method);
		CHECK(!own || !own->body || strlen(own->body) == own->body_len, "a body's length is wrong");
		n++;
	}
	CHECK(!f.error[0], "the frontier failed: %s", f.error);
	CHECK(n == job->url_file_count, "loaded %lld URLs, the frontier gave %lld",
	      (long long)job->url_file_count, (long long)n);
	frontier_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char spec[] = "url_file=urls.txt";
	char *overrides[] = { spec };
	char err[1024];
	long json = 0, expected = expected_count(data, size, &json);
	const char *job_path;
	struct job *job;

	if (expected == -2)
		return 0;
	fuzz_file("urls.txt", data, size);
	/* the url_file is relative to the job file, so the job names it
	 * from the same directory */
	job_path = fuzz_file("job.yaml", (const uint8_t *)"{}\n", 3);
	job = job_load(job_path, overrides, NULL, 1, NULL, 0, err, sizeof err);
	CHECK(json || !job == (expected <= 0), "expected %ld URLs, the job %s: %s", expected,
	      job ? "loaded" : "was refused", job ? "" : err);
	CHECK(!job || expected >= 0, "a line that refuses the job was let by");
	CHECK(job || (err[0] && !strchr(err, '\n')), "refused without a one-line message");
	if (job) {
		CHECK(job->url_file_count >= expected && job->url_file_count <= expected + json,
		      "expected %ld URLs and %ld JSON lines, counted %lld", expected, json,
		      (long long)job->url_file_count);
		check_frontier(job);
		job_free(job);
	}
	return 0;
}
