/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes job loading: YAML through src/config/tree.c, ${VAR} expansion, the
 * --set KEY=VALUE overrides (tree_set) and every key's check in
 * src/config/job.c.  Input: a job file; a line "#--set" (a YAML comment, so a
 * seed stays a valid job) ends it, and each later line is an override:
 * "KEY=VALUE" as --set gives it (VALUE is YAML), "@KEY=VALUE" as a named
 * option such as -w gives it (VALUE is plain text).  SCRAPE_FUZZ_HOST
 * is set to example.com and SCRAPE_FUZZ_EMPTY to "" for ${...} to find.
 * Invariants beyond "no crash":
 *  - a refused job comes with a message, on one line (job.h promises a
 *    one-line message: a value quoted in it must not break the line);
 *  - an accepted job prints (--dry-run), and the printed job loads again
 *    and prints the same, since --dry-run output is meant to be reused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "config/job.h"

#define MAX_OVERRIDES 16

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_job", cond, __VA_ARGS__)

struct overrides {
	char *spec[MAX_OVERRIDES];
	char *label[MAX_OVERRIDES];
	size_t count;
};

static char dash_w[] = "-w";

/* The overrides after the "#--set" line; text is cut there. */
static void split_overrides(char *text, struct overrides *o)
{
	char *p = strstr(text, "\n#--set\n"), *line;

	memset(o, 0, sizeof *o);
	if (!p)
		return;
	*p = '\0';
	for (line = strtok(p + 8, "\n"); line && o->count < MAX_OVERRIDES; line = strtok(NULL, "\n")) {
		if (*line == '@') {
			o->label[o->count] = dash_w;
			line++;
		}
		o->spec[o->count++] = line;
	}
}

static void check_error(const char *err)
{
	CHECK(err[0], "a job refused without a message");
	CHECK(!strchr(err, '\n') && !strchr(err, '\r'), "a message of several lines: %s", err);
}

/* The job as --dry-run prints it, in a malloc'd string. */
static char *printed(const struct job *job, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	job_print(job, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void check_reprint(const struct job *job)
{
	size_t len, len2;
	char *first = printed(job, &len), *second;
	char err[1024];
	struct job *again;

	if (!first)
		return;
	again = job_load(fuzz_file("printed.yaml", (const uint8_t *)first, len), NULL, NULL, 0, NULL,
	                 0, err, sizeof err);
	CHECK(again, "the printed job does not load: %s\n%s", err, first);
	second = printed(again, &len2);
	CHECK(second && len2 == len && memcmp(first, second, len) == 0,
	      "printed twice differently:\n%s\n---\n%s", first, second ? second : "(null)");
	free(second);
	job_free(again);
	free(first);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("SCRAPE_FUZZ_HOST", "example.com", 1);
	setenv("SCRAPE_FUZZ_EMPTY", "", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct overrides o;
	struct job *job;
	char err[1024];

	if (!text)
		return 0;
	split_overrides(text, &o);
	job = job_load(fuzz_file("job.yaml", (const uint8_t *)text, strlen(text)), o.spec, o.label,
	               o.count, NULL, 0, err, sizeof err);
	if (!job) {
		check_error(err);
	} else {
		(void)job_total_requests(job);
		check_reprint(job);
		job_free(job);
	}
	free(text);
	return 0;
}
