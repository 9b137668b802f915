/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes --merge (src/cli/merge.c): a report read with the core's JSON
 * reader, every number checked, and added into one summary.  Reports
 * come from other machines and other versions of scrape, so odd ones
 * must be refused in one line, never crash or overflow a counter.
 * Input: the report's bytes.  It is checked with merge_check_text(), and
 * merged as a file as --merge does, alone and twice with itself (the
 * adding path), in text and in JSON; the summaries go to /dev/null (the
 * one-line refusals still go to stderr).  Invariants beyond "no crash"
 * (UBSan included, so a number out of range of the integer it is
 * converted to is a finding):
 *  - merge_check_text() refuses exactly what merging the file refuses
 *    (status 2), with a one-line reason;
 *  - the status is 0, 1 or 2, and merging a report with itself gives the
 *    status merging it alone gives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "cli/merge.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_merge", cond, __VA_ARGS__)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *paths[2], *text = fuzz_string(data, size), why[256] = "";
	struct merge_settings text_out = { .json = 0 }, json_out = { .json = 1 };
	int checked, alone, twice, segment;

	if (!text)
		return 0;
	/* a segment merged with itself is there twice */
	segment = strstr(text, "\"segment") != NULL;
	/* the copy is NUL-terminated, but the reader is told the length */
	checked = merge_check_text(text, size, why, sizeof why);
	free(text);
	CHECK(checked == 0 || (why[0] && !strchr(why, '\n')), "refused without a one-line reason");
	paths[0] = paths[1] = (char *)fuzz_file("report.json", data, size);
	alone = merge_reports(paths, 1, &text_out);
	CHECK(alone >= 0 && alone <= 2, "merge_reports gave %d", alone);
	CHECK((checked < 0) == (alone == 2), "merge_check_text says %d (%s), --merge %d", checked,
	      why, alone);
	twice = merge_reports(paths, 2, &json_out);
	CHECK(twice == alone || (segment && twice == 2), "alone %d, with itself %d", alone, twice);
	return 0;
}
