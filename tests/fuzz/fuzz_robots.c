/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes robots.txt parsing and matching (src/crawl/robots.c), which reads a
 * file every crawled site writes as it likes.  Input: "PATH\nBODY": the
 * first line is the request path to ask about, the rest the robots.txt;
 * the body is handed over without a terminating NUL, as a response body
 * may be, so parsing that reads past len is caught.  Invariants beyond
 * "no crash" (and no out-of-bounds read while matching, which
 * AddressSanitizer checks):
 *  - answers are 0 or 1, and the same when asked twice;
 *  - /robots.txt itself is always allowed (RFC 9309 2.2.2);
 *  - a path answers as its escape-normalised form does, since the
 *    matcher normalises both sides;
 *  - the crawl delay is -1 or not negative;
 *  - our product token is compared alone: "scrape" and "scrape/9.9"
 *    read the same groups, so give the same answers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "harness.h"
#include "crawl/robots.h"
#include "crawl/url.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_robots", cond, __VA_ARGS__)

static void check_path(const struct robots *r, const struct robots *versioned, const char *path)
{
	struct buf norm = { 0 };
	int a = robots_allowed(r, path);

	CHECK(a == 0 || a == 1, "robots_allowed gave %d", a);
	CHECK(robots_allowed(r, path) == a, "two answers for \"%s\"", path);
	CHECK(robots_allowed(versioned, path) == a, "\"scrape/9.9\" differs on \"%s\"", path);
	url_normalize_escapes(&norm, path, strlen(path), NULL);
	if (!norm.oom && norm.data)
		CHECK(robots_allowed(r, norm.data) == a, "\"%s\" and its normal form \"%s\" differ", path,
		      norm.data);
	buf_free(&norm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : 0;
	size_t blen = nl ? size - plen - 1 : size;
	char *path = fuzz_string(data, plen);
	char *body = malloc(blen ? blen : 1);
	struct robots *r = NULL, *versioned = NULL;
	int64_t delay;

	if (!path || !body)
		goto done;
	memcpy(body, nl ? nl + 1 : data, blen);
	r = robots_parse(body, blen, "scrape");
	versioned = robots_parse(body, blen, "scrape/9.9");
	if (!r || !versioned)
		goto done;
	check_path(r, versioned, path);
	check_path(r, versioned, "/");
	CHECK(robots_allowed(r, "/robots.txt") == 1, "/robots.txt refused");
	CHECK(robots_allowed(r, "/robots.txt?x=1") == 1, "/robots.txt?x=1 refused");
	delay = robots_crawl_delay_ns(r);
	CHECK(delay == -1 || delay >= 0, "crawl delay %lld", (long long)delay);
	CHECK(robots_crawl_delay_ns(versioned) == delay, "versioned product, other delay");
done:
	robots_free(r);
	robots_free(versioned);
	free(path);
	free(body);
	return 0;
}
