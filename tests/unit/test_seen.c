/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/crawl/seen.c: the set of URL fingerprints with a
 * million URLs (no false positives, at most 16 bytes a URL, growing
 * included), odd keys, and an impossible size refused.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crawl/seen.h"
#include "tap.h"

/* Writes the i-th test URL into buf, returning its length. */
static size_t page_url(char *buf, size_t size, unsigned i, unsigned salt)
{
	return (size_t)snprintf(buf, size, "http://example.com/page/%u?x=%u", i, salt);
}

static void test_seen(void)
{
	enum { N = 1000000 };
	struct seen *s = seen_create(N);
	char url[64];
	size_t len, added = 0, again = 0, found = 0, false_hits = 0;
	unsigned i;

	if (!ok(s != NULL, "seen set for a million URLs"))
		return;
	for (i = 0; i < N; i++) {
		len = page_url(url, sizeof url, i, i * 7);
		added += seen_add(s, url, len) == 1;
	}
	ok(added == N && seen_count(s) == N, "a million distinct URLs are all new");
	for (i = 0; i < N; i += 997) {
		len = page_url(url, sizeof url, i, i * 7);
		again += seen_add(s, url, len) == 0;
	}
	ok(again == N / 997 + 1 && seen_count(s) == N, "adding a sample again finds them seen");
	for (i = 0; i < N; i++) {
		len = page_url(url, sizeof url, i, i * 7);
		found += seen_contains(s, url, len);
		len = page_url(url, sizeof url, i, i * 7 + 1);
		false_hits += seen_contains(s, url, len);
	}
	ok(found == N, "every added URL is contained");
	ok(false_hits == 0, "a million others are not (%zu false positives)", false_hits);
	ok(seen_bytes(s) / seen_count(s) <= 16, "a set sized for its URLs costs %zu bytes a URL",
	   seen_bytes(s) / seen_count(s));
	seen_free(s);

	s = seen_create(0);
	if (!ok(s != NULL, "a small seen set"))
		return;
	{
		double worst = 0;
		for (i = 0; i < 100000; i++) {
			len = page_url(url, sizeof url, i, 0);
			seen_add(s, url, len);
			if (i >= 1000 && (double)seen_bytes(s) / (double)seen_count(s) > worst)
				worst = (double)seen_bytes(s) / (double)seen_count(s);
		}
		ok(worst <= 16.0, "growing never costs more than 16 bytes a URL (worst %.2f)", worst);
	}
	ok(seen_count(s) == 100000 && seen_bytes(s) / seen_count(s) <= 16 &&
	   seen_contains(s, "http://example.com/page/99999?x=0", 33) &&
	   !seen_contains(s, "http://example.com/page/100000?x=0", 34),
	   "a grown set keeps its URLs in at most 16 bytes each (%zu)",
	   seen_bytes(s) / seen_count(s));
	ok(seen_add(s, "", 0) == 1 && seen_add(s, "", 0) == 0 && seen_add(s, "a", 1) == 1 &&
	   seen_add(s, "a\0", 2) == 1, "the empty key and a key with a NUL are their own");
	seen_free(s);
	ok(seen_create(SIZE_MAX / 4) == NULL, "an impossible size is refused");
}

int main(void)
{
	test_seen();
	return done_testing();
}
