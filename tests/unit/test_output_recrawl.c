/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of recrawl: conditional in the sqlite output
 * (src/results/output_recrawl.c): which rows give validators back, the
 * links kept with a row, and an unchanged page's record marking its row
 * without touching its fields; a validator with a line break (a file
 * edited by hand) is never sent.
 */
#include <config.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/job.h"
#include "results/output.h"
#include "tap.h"

static struct job *recrawl_job(const char *db, char *err, size_t errlen)
{
	char path[] = "/tmp/scrape-recrawl-job-XXXXXX", yaml[512];
	int fd = mkstemp(path);
	struct job *job;
	int n;

	n = snprintf(yaml, sizeof yaml, "urls: [\"http://a/\"]\noutput: {format: sqlite, path: %s, "
	             "table: pages}\nrecrawl: conditional\n", db);
	if (fd < 0 || write(fd, yaml, (size_t)n) != n)
		return NULL;
	close(fd);
	job = job_load(path, NULL, NULL, 0, NULL, 0, err, errlen);
	unlink(path);
	return job;
}

static void put(struct output *o, const char *line)
{
	ok(output_write(o, line, strlen(line)) == 0, "written: %.40s...", line);
}

/* "known etag last_modified" of url's row, as the next run sees it */
static void validators_are(struct output *o, const char *url, const char *want)
{
	char *etag, *lm, got[256];
	int known;

	if (output_stored_validators(o, url, &known, &etag, &lm) < 0) {
		ok(0, "%s: looked up (%s)", url, output_error(o));
		return;
	}
	snprintf(got, sizeof got, "%d %s %s", known, etag ? etag : "-", lm ? lm : "-");
	is_str(got, want, url);
	free(etag);
	free(lm);
}

static void row_is(const char *db, const char *url, const char *want)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char got[512] = "(no row)";

	if (sqlite3_open(db, &h) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT status || ' ' || recrawl || ' ' || fields FROM pages "
	                          "WHERE url = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(got, sizeof got, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	is_str(got, want, url);
}

int main(void)
{
	char db[] = "/tmp/scrape-recrawl-XXXXXX", err[512] = "", wal[64];
	struct output *o;
	struct job *job;
	char **links = NULL;
	size_t n = 0;
	int fd = mkstemp(db);

	if (fd >= 0)
		close(fd);
	job = recrawl_job(db, err, sizeof err);
	if (!ok(job != NULL, "a recrawl job loads (%s)", err))
		return done_testing();
	o = output_open(job, err, sizeof err);
	if (!ok(o != NULL, "its sqlite output opens (%s)", err))
		return done_testing();
	put(o, "{\"url\":\"http://a/\",\"status\":200,\"error\":null,\"title\":\"A\",\"links\":[\"x\"],"
	       "\"recrawl\":\"new\",\"recrawl_etag\":\"\\\"1\\\"\",\"recrawl_last_modified\":\"Mon\","
	       "\"recrawl_links\":[\"http://b/\",\"http://c/\"]}\n");
	put(o, "{\"url\":\"http://e/\",\"status\":500,\"error\":\"http 500\",\"recrawl\":\"new\","
	       "\"recrawl_etag\":\"\\\"2\\\"\",\"recrawl_last_modified\":null,\"recrawl_links\":[]}\n");
	put(o, "{\"url\":\"http://n/\",\"status\":200,\"error\":null,\"recrawl\":\"new\","
	       "\"recrawl_etag\":null,\"recrawl_last_modified\":null,\"recrawl_links\":[]}\n");
	put(o, "{\"url\":\"http://x/\",\"status\":200,\"error\":null,\"recrawl\":\"new\","
	       "\"recrawl_etag\":\"\\\"1\\\"\\r\\nX-Injected: 1\",\"recrawl_last_modified\":\"Mon\"}\n");
	validators_are(o, "http://a/", "1 \"1\" Mon");
	validators_are(o, "http://x/", "1 - Mon");
	validators_are(o, "http://e/", "1 - -");
	validators_are(o, "http://n/", "1 - -");
	validators_are(o, "http://z/", "0 - -");
	ok(output_stored_links(o, "http://a/", &links, &n) == 0 && n == 2 &&
	   strcmp(links[0], "http://b/") == 0 && strcmp(links[1], "http://c/") == 0,
	   "the links kept with a row come back in order");
	while (n)
		free(links[--n]);
	free(links);
	/* run 2: a 304 with a newer ETag and no Last-Modified */
	put(o, "{\"url\":\"http://a/\",\"status\":304,\"error\":null,\"recrawl\":\"unchanged\","
	       "\"recrawl_etag\":\"\\\"3\\\"\",\"recrawl_last_modified\":null}\n");
	validators_are(o, "http://a/", "1 \"3\" Mon");
	ok(output_close(o, err, sizeof err) == 0, "the output closes (%s)", err);
	row_is(db, "http://a/", "200 unchanged {\"title\":\"A\",\"links\":[\"x\"]}");
	row_is(db, "http://e/", "500 new {}");
	job_free(job);
	unlink(db);
	snprintf(wal, sizeof wal, "%s-wal", db);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", db);
	unlink(wal);
	return done_testing();
}
