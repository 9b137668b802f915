/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the core's job handling and records: overrides on the
 * tree, "did you mean" hints, URL checks, the frontier's order with
 * repeat and a streamed URL file, and the JSON members of a record.
 */
#include <config.h>

#include <curl/curl.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/frontier.h"
#include "config/job.h"
#include "results/record.h"
#include "config/tree.h"
#include "tap.h"

static struct job *load_text(const char *yaml, char *const *overrides, size_t n, char *err,
                             size_t errlen)
{
	char path[] = "/tmp/scrape-test-XXXXXX";
	int fd = mkstemp(path);
	struct job *job;

	if (fd < 0 || write(fd, yaml, strlen(yaml)) != (ssize_t)strlen(yaml))
		return NULL;
	close(fd);
	job = job_load(path, overrides, NULL, n, NULL, 0, err, errlen);
	unlink(path);
	return job;
}

static void test_overrides(void)
{
	char *sets[] = { "workers=8", "output.path=out.jsonl", "strategy.extra=1", "urls=[http://b/]" };
	char err[512];
	struct job *job = load_text("urls: [http://a/]\nstrategy: sequential\n", sets, 4, err,
	                            sizeof err);

	if (!ok(job != NULL, "overrides apply to a valid job")) {
		printf("# %s\n", err);
		return;
	}
	ok(job->workers == 8, "--set workers=8");
	is_str(job->output_path, "out.jsonl", "--set output.path creates the output map");
	is_str(job->urls[0], "http://b/", "--set urls replaces the list");
	ok(job->strategy.entry->kind == NODE_MAP &&
	   tree_get(job->strategy.entry, "extra") != NULL &&
	   strcmp(tree_get(job->strategy.entry, "name")->text, "sequential") == 0,
	   "a dotted key turns \"strategy: NAME\" into a map that keeps the name");
	job_free(job);

	char *bad[] = { "workers" };
	job = load_text("urls: [http://a/]\n", bad, 1, err, sizeof err);
	ok(!job && strstr(err, "expected KEY=VALUE"), "--set without = is rejected");
	job_free(job);
}

static void test_defaults_and_hints(void)
{
	static const char *const words[] = { "workers", "timeout", "retries" };
	char err[512];
	struct job *job = load_text("urls: http://example.test/\n", NULL, 0, err, sizeof err);

	if (ok(job != NULL, "a single URL without brackets is accepted")) {
		ok(job->workers == 1 && job->repeat == 1 && job->max_redirects == 10 &&
		   job->timeout_ns == 30000000000LL, "defaults: 1 worker, repeat 1, 10 redirects, 30s");
		is_str(job->strategy.name, "sequential", "default strategy is sequential");
		is_str(job->method, "GET", "default method is GET");
		ok(strncmp(job->user_agent, "scrape/", 7) == 0, "default User-Agent is scrape/VERSION");
	}
	job_free(job);
	is_str(job_suggest("wrokers", words, 3), "workers", "did-you-mean for a swap");
	is_str(job_suggest("timout", words, 3), "timeout", "did-you-mean for a missing letter");
	ok(job_suggest("colour", words, 3) == NULL, "no hint for an unrelated word");
}

static void test_urls(void)
{
	const char *why;

	ok(job_url_ok("http://127.0.0.1:8080/x?y=1", &why) == 0, "http URL with port and query");
	ok(job_url_ok("https://example.test", &why) == 0, "https URL");
	ok(job_url_ok("ftp://example.test/", &why) < 0, "ftp is refused");
	ok(job_url_ok("file:///etc/passwd", &why) < 0, "file is refused");
	ok(job_url_ok("example.test/page", &why) < 0, "a URL without scheme is refused");
	ok(job_url_ok("http://exa mple/", &why) < 0, "white space is refused");
}

static void test_frontier(void)
{
	char path[] = "/tmp/scrape-urls-XXXXXX", yaml[256], err[512];
	const char *lines = "# comment\nhttp://f/1\n\n  http://f/2  \n";
	int fd = mkstemp(path);
	struct frontier f;
	struct job *job;
	const char *url;
	char order[512] = "";

	if (fd < 0 || write(fd, lines, strlen(lines)) < 0)
		return;
	close(fd);
	snprintf(yaml, sizeof yaml, "urls: [http://l/1]\nurl_file: %s\nrepeat: 2\n", path);
	job = load_text(yaml, NULL, 0, err, sizeof err);
	if (!ok(job != NULL, "a job with both urls and url_file loads")) {
		printf("# %s\n", err);
		unlink(path);
		return;
	}
	ok(job->url_file_count == 2 && job_total_requests(job) == 6,
	   "the URL file is counted at load: 2 URLs, 6 requests with repeat 2");
	frontier_init(&f, job, NULL, err, sizeof err);
	while ((url = frontier_next(&f)) != NULL) {
		strcat(order, url);
		strcat(order, " ");
	}
	is_str(order, "http://l/1 http://f/1 http://f/2 http://l/1 http://f/1 http://f/2 ",
	       "frontier order: list, then file, per pass");
	ok(frontier_next(&f) == NULL && f.exhausted, "an exhausted frontier stays exhausted");
	frontier_free(&f);
	job_free(job);
	unlink(path);
}

static void test_record(void)
{
	struct scrape_record rec;
	struct buf b = { 0 };

	record_init(&rec);
	ok(record_string(&rec, "title", "Hello \"world\"") == 0, "set a string field");
	ok(record_int(&rec, "size", 42) == 0, "set an int field");
	ok(record_bool(&rec, "ok", 1) == 0, "set a bool field");
	ok(record_append(&rec, "links", "a") == 0 && record_append(&rec, "links", "b") == 0,
	   "append to a list field");
	ok(record_int(&rec, "size", 43) == 0, "a field set twice keeps the last value");
	ok(record_string(&rec, "status", "x") < 0, "a core key is refused");
	record_json_members(&rec, &b);
	is_str(b.data, ",\"title\":\"Hello \\\"world\\\"\",\"size\":43,\"ok\":true,\"links\":[\"a\",\"b\"]",
	       "record fields as JSON members, in order");
	buf_free(&b);
	record_free(&rec);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_overrides();
	test_defaults_and_hints();
	test_urls();
	test_frontier();
	test_record();
	curl_global_cleanup();
	return done_testing();
}
