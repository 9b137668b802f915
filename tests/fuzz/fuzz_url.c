/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes URL resolution and canonicalisation (src/crawl/url.c), which see every
 * href of every crawled page.  Input: "BASE\nREF"; without a newline the
 * whole input is the reference, resolved against a fixed page URL.
 * Invariants beyond "no crash":
 *  - url_canonical() is idempotent: canonicalising a canonical URL gives
 *    it back unchanged;
 *  - a canonical URL is parseable by every view of it: url_origin(),
 *    url_host() and url_path_query() all answer, the origin is a prefix
 *    of the canonical URL and the path starts with "/";
 *  - resolving a reference and canonicalising gives such a URL too, and
 *    resolving the empty reference against a canonical URL changes
 *    nothing but the fragment (there is none);
 *  - url_normalize_escapes() applied twice gives what applying it once
 *    did, as url.h promises.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "harness.h"
#include "crawl/url.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_url", cond, __VA_ARGS__)

static void check_views(const char *canon)
{
	char *again = url_canonical(canon);
	char *origin = url_origin(canon), *host = url_host(canon);
	char *path = url_path_query(canon), *same = url_resolve(canon, "");

	CHECK(again && strcmp(again, canon) == 0, "not idempotent: \"%s\" -> \"%s\"", canon,
	      again ? again : "(null)");
	CHECK(origin && strncmp(canon, origin, strlen(origin)) == 0,
	      "origin \"%s\" does not start \"%s\"", origin ? origin : "(null)", canon);
	CHECK(host, "no host in canonical \"%s\"", canon);
	CHECK(path && path[0] == '/', "path \"%s\" of \"%s\"", path ? path : "(null)", canon);
	CHECK(same && strcmp(same, canon) == 0, "\"%s\" resolves \"\" to \"%s\"", canon,
	      same ? same : "(null)");
	free(again);
	free(origin);
	free(host);
	free(path);
	free(same);
}

static void check_escapes(const char *s)
{
	struct buf once = { 0 }, twice = { 0 };

	url_normalize_escapes(&once, s, strlen(s), NULL);
	if (!once.oom && once.data) {
		url_normalize_escapes(&twice, once.data, once.len, NULL);
		CHECK(!twice.oom && twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0,
		      "normalising escapes twice changed \"%s\" to \"%s\"", once.data,
		      twice.data ? twice.data : "(null)");
	}
	buf_free(&once);
	buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char *base = nl ? fuzz_string(data, (size_t)(nl - data)) : strdup(FUZZ_PAGE_URL);
	char *ref = nl ? fuzz_string(nl + 1, size - (size_t)(nl + 1 - data)) : fuzz_string(data, size);
	char *resolved, *canon;

	if (!base || !ref)
		goto done;
	check_escapes(ref);
	/* either string on its own, as a link or a seed would be */
	if ((canon = url_canonical(ref))) {
		check_views(canon);
		free(canon);
	}
	if ((resolved = url_resolve(base, ref))) {
		if ((canon = url_canonical(resolved))) {
			check_views(canon);
			free(canon);
		}
		free(resolved);
	}
	free(url_host(base));
	free(url_origin(base));
	free(url_path_query(base));
done:
	free(base);
	free(ref);
	return 0;
}
