/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the job key table: every row is well formed and found by
 * its name, every key is documented in scrape-job(5) and set by one of
 * the every-key test jobs (tests/jobs/good/every-key*.yaml: one job
 * cannot hold them all, since some keys exclude others), and each of
 * those jobs survives --dry-run: its printed form loads and prints the
 * same text again.  A new key that misses its man page entry or its test
 * job fails here.
 */
#include <config.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/job_keys.h"
#include "config/tree.h"
#include "tap.h"

#define GOOD_JOBS "/tests/jobs/good"

static const char *srcdir(void)
{
	const char *top = getenv("TOP_SRCDIR");

	return top && *top ? top : ".";
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ch;

	if (!f)
		return NULL;
	mem = open_memstream(&text, &len);
	while (mem && (ch = getc(f)) != EOF)
		putc(ch, mem);
	if (mem)
		fclose(mem);
	fclose(f);
	return text;
}

static void test_rows(void)
{
	const struct job_key *k;
	size_t s, rows = 0, bad = 0;

	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++) {
			rows++;
			if (job_key_find(k->name) != k || !k->help || !*k->help ||
			    (k->type == JOB_KEY_CUSTOM && !k->parse) ||
			    (k->def_text && k->type != JOB_KEY_STRING)) {
				printf("# row \"%s\" is not well formed (or its name is taken)\n", k->name);
				bad++;
			}
		}
	ok(rows >= 40, "the table has a row for every key (%zu rows)", rows);
	ok(bad == 0, "every row has a unique name, help, and a check");
	ok(job_key_find("no_such_key") == NULL, "an unknown key has no row");
}

/* Whether the man page has ".TP" then ".B name" for the key. */
static int documented(const char *man, const char *name)
{
	char entry[128];

	snprintf(entry, sizeof entry, ".TP\n.B %s\n", name);
	return strstr(man, entry) != NULL;
}

static void test_man_page(void)
{
	char path[4096];
	const struct job_key *k;
	size_t s, missing = 0;
	char *man;

	snprintf(path, sizeof path, "%s/man/scrape-job.5", srcdir());
	man = read_text(path);
	if (!ok(man != NULL, "man/scrape-job.5 reads"))
		return;
	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++)
			if (!documented(man, k->name)) {
				printf("# \"%s\" has no \".TP\" \".B %s\" entry in scrape-job(5)\n", k->name, k->name);
				missing++;
			}
	ok(missing == 0, "every key in the table is documented in scrape-job(5)");
	free(man);
}

/* The every-key*.yaml jobs, as full paths; returns how many. */
static size_t every_key_jobs(char paths[][4096], size_t max)
{
	char dir[2048];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s" GOOD_JOBS, srcdir());
	d = opendir(dir);
	while (d && (e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, "every-key", 9) == 0 && len > 5 &&
		    strcmp(e->d_name + len - 5, ".yaml") == 0)
			snprintf(paths[n++], 4096, "%s/%s", dir, e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static int set_in_some_job(struct node *const *trees, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (trees[i] && trees[i]->kind == NODE_MAP && tree_get(trees[i], name))
			return 1;
	return 0;
}

static void test_every_key_jobs(void)
{
	char paths[16][4096], err[1024];
	struct node *trees[16];
	const struct job_key *k;
	size_t n = every_key_jobs(paths, 16), i, s, missing = 0;
	int main_job = 0;

	for (i = 0; i < n; i++) {
		trees[i] = tree_load_file(paths[i], err, sizeof err);
		if (!trees[i])
			printf("# %s\n", err);
		if (strcmp(strrchr(paths[i], '/'), "/every-key.yaml") == 0)
			main_job = 1;
	}
	ok(main_job, "tests/jobs/good/every-key.yaml is there (and %zu every-key jobs in all)", n);
	for (s = 0; s < job_key_section_count; s++)
		for (k = job_key_sections[s]; k->name; k++)
			if (!set_in_some_job(trees, n, k->name)) {
				printf("# \"%s\" is set by no tests/jobs/good/every-key*.yaml\n", k->name);
				missing++;
			}
	ok(missing == 0, "every key in the table is set by an every-key test job");
	for (i = 0; i < n; i++)
		tree_free(trees[i]);
}

/* The job as --dry-run prints it. */
static char *printed(const struct job *job)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return NULL;
	job_print(job, mem);
	fclose(mem);
	return text;
}

static char *reprinted(const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/scrape-test-job-XXXXXX";
	int fd = mkstemp(path);
	struct job *job = NULL;
	char *again = NULL;

	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		job = job_load(path, NULL, NULL, 0, NULL, 0, err, errlen);
	close(fd);
	unlink(path);
	if (job)
		again = printed(job);
	job_free(job);
	return again;
}

static void test_round_trip(void)
{
	char paths[16][4096], err[1024];
	size_t n = every_key_jobs(paths, 16), i;

	for (i = 0; i < n; i++) {
		const char *name = strrchr(paths[i], '/') + 1;
		struct job *job = job_load(paths[i], NULL, NULL, 0, NULL, 0, err, sizeof err);
		char *first, *second, what[300];

		if (!ok(job != NULL, "%s loads", name)) {
			printf("# %s\n", err);
			continue;
		}
		first = printed(job);
		second = first ? reprinted(first, err, sizeof err) : NULL;
		if (!second)
			printf("# %s\n", err);
		snprintf(what, sizeof what, "%s: its --dry-run output is a job that prints the same again",
		         name);
		is_str(second, first, what);
		free(first);
		free(second);
		job_free(job);
	}
}

/* Passwords are masked in everything shown; no_proxy matches a host, a
 * domain and the names under it, in any case, and nothing else. */
static void test_proxies(void)
{
	static const char *const masked[][2] = {
		{ "http://user:pw@127.0.0.1:3128", "http://user:***@127.0.0.1:3128" },
		{ "socks5h://token@h:1080", "socks5h://***@h:1080" },
		{ "http://u:p@ss@h:1/", "http://u:***@h:1/" },
		{ "u:pw@h:3128", "u:***@h:3128" },
		{ "http://h:3128", "http://h:3128" },
		{ "http://h:3128/a@b", "http://h:3128/a@b" },
	};
	struct job job = { 0 };
	char *entries[] = { "localhost", ".example.test", "Other.Test" };
	size_t i;
	int good = 1;

	for (i = 0; i < sizeof masked / sizeof masked[0]; i++) {
		char *got = job_proxy_mask(masked[i][0]);
		if (!got || strcmp(got, masked[i][1]) != 0) {
			printf("# mask(%s) = %s, want %s\n", masked[i][0], got ? got : "NULL", masked[i][1]);
			good = 0;
		}
		free(got);
	}
	ok(good, "proxy URLs show with their password masked");
	job.no_proxy = entries;
	job.no_proxy_count = 3;
	ok(job_proxy_bypassed(&job, "localhost", 9) && job_proxy_bypassed(&job, "LOCALHOST", 9) &&
	   job_proxy_bypassed(&job, "example.test", 12) && job_proxy_bypassed(&job, "a.b.example.test", 16) &&
	   job_proxy_bypassed(&job, "other.test:80", 10) && job_proxy_bypassed(&job, "x.other.test", 12),
	   "no_proxy matches hosts, domains and the names under them");
	ok(!job_proxy_bypassed(&job, "notexample.test", 15) && !job_proxy_bypassed(&job, "localhost.evil", 14) &&
	   !job_proxy_bypassed(&job, "127.0.0.1", 9) && !job_proxy_bypassed(&job, "test", 4),
	   "and nothing else");
	entries[0] = "*";
	ok(job_proxy_bypassed(&job, "anything.test", 13), "\"*\" matches every host");
}

int main(void)
{
	test_rows();
	test_proxies();
	test_man_page();
	test_every_key_jobs();
	test_round_trip();
	return done_testing();
}
