/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the Retry-After reader (src/engine/backoff.c), which takes a
 * header value straight from the server.  Input: the value as it follows
 * "Retry-After:", handed over without a terminating NUL as the header
 * callback copies it.  Invariants beyond "no crash":
 *  - the answer is 0 or -1, and the same when asked twice;
 *  - a wait is never negative nor past the cap of 10^9 s, so adding it to
 *    a clock cannot overflow;
 *  - white space around the value changes nothing;
 *  - a later clock never makes the wait longer (seconds do not depend on
 *    it, a date comes closer);
 *  - digits alone always read, as their value up to the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "engine/backoff.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_retry_after", cond, __VA_ARGS__)

#define CAP_NS (1000000000LL * 1000000000LL)
/* 2026-01-01 and a day later */
#define NOW ((time_t)1767225600)
#define LATER (NOW + 86400)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = malloc(size ? size : 1), *padded = malloc(size + 4);
	int64_t ns = -1, again = -1, spaced = -1, later = -1;
	int rc, digits = size > 0;
	size_t i;

	if (!value || !padded)
		goto done;
	memcpy(value, data, size);
	rc = retry_after_parse(value, size, NOW, &ns);
	CHECK(rc == 0 || rc == -1, "retry_after_parse gave %d", rc);
	CHECK(retry_after_parse(value, size, NOW, &again) == rc && (rc < 0 || again == ns),
	      "two answers for one value");
	if (rc == 0)
		CHECK(ns >= 0 && ns <= CAP_NS, "a wait of %lld ns", (long long)ns);
	memcpy(padded, " \t", 2);
	memcpy(padded + 2, data, size);
	memcpy(padded + 2 + size, "\r\n", 2);
	CHECK(retry_after_parse(padded, size + 4, NOW, &spaced) == rc && (rc < 0 || spaced == ns),
	      "white space around the value changed the answer");
	if (rc == 0) {
		CHECK(retry_after_parse(value, size, LATER, &later) == 0 && later <= ns,
		      "a later clock gave a longer wait (%lld > %lld)", (long long)later, (long long)ns);
	}
	for (i = 0; i < size; i++)
		digits &= data[i] >= '0' && data[i] <= '9';
	if (digits) {
		long long expect = 0;
		for (i = 0; i < size && expect < 1000000000LL; i++)
			expect = expect * 10 + (data[i] - '0');
		if (expect > 1000000000LL)
			expect = 1000000000LL;
		CHECK(rc == 0 && ns == expect * 1000000000LL, "digits read as %lld ns", (long long)ns);
	}
done:
	free(value);
	free(padded);
	return 0;
}
