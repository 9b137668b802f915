/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes --merge (core/merge.c): a report file read whole, checked and
 * added into one summary.  Reports come from other machines and other
 * versions of scrape, so the reader must refuse anything odd in one line,
 * never crash or overflow a counter.  Input: the report file's bytes.
 * It is merged alone and twice with itself (the adding path), in text
 * and in JSON; the summaries go to /dev/null (the one-line refusals
 * still go to stderr).  Invariants beyond "no crash" (UBSan included, so
 * a number out of range of the integer it is converted to is a finding):
 * the exit status is 0, 1 or 2, and merging a report with itself gives
 * the status merging it alone gives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "merge.h"

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz_merge: " __VA_ARGS__);       \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

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
	char *paths[2];
	int alone, twice;

	paths[0] = paths[1] = (char *)fuzz_file("report.json", data, size);
	alone = merge_reports(paths, 1, 0);
	CHECK(alone >= 0 && alone <= 2, "merge_reports gave %d", alone);
	twice = merge_reports(paths, 2, 1);
	CHECK(twice == alone, "alone %d, with itself %d", alone, twice);
	return 0;
}
