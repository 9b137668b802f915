/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the sitemap reader (src/crawl/sitemap.c), which reads what any
 * site serves as its sitemap: gzip, XML through libxml2's push parser, or
 * text.  Input: the body, as it would arrive.  Invariants beyond "no
 * crash" (and no out-of-bounds read, which AddressSanitizer checks):
 *  - every entry has a <loc> of 1 to SITEMAP_MAX_LOC bytes with no white
 *    space at either end, and a lastmod of at most 64 bytes;
 *  - the body fed whole and fed in small pieces (the size taken from its
 *    first byte) gives the same entries when both read it to the end;
 *  - with a cap of half the body, reading stops, and what it found is a
 *    prefix of what the whole read found.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "harness.h"
#include "crawl/sitemap.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_sitemap", cond, __VA_ARGS__)

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void found(void *ctx, enum sitemap_entry kind, const char *loc, size_t len,
                  const char *lastmod, size_t lastmod_len)
{
	struct buf *b = ctx;

	CHECK(len > 0 && len <= SITEMAP_MAX_LOC, "a <loc> of %zu bytes", len);
	CHECK(!space(loc[0]) && !space(loc[len - 1]), "a <loc> with white space at an end");
	CHECK(!lastmod || lastmod_len <= 64, "a lastmod of %zu bytes", lastmod_len);
	buf_putc(b, kind == SITEMAP_CHILD ? 'S' : 'U');
	buf_append(b, loc, len);
	buf_putc(b, '\n');
}

/* Reads body in pieces of step bytes (0: whole) with a cap: 0 when read
 * to its end, -1 when it stopped. */
static int read_body(const uint8_t *data, size_t size, size_t step, int64_t cap, struct buf *out)
{
	struct sitemap *sm = sitemap_new(cap, found, out);
	size_t off = 0;
	int rc = 0;

	if (!sm)
		return -1;
	while (rc == 0 && off < size) {
		size_t n = step && size - off > step ? step : size - off;
		rc = sitemap_feed(sm, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = sitemap_end(sm);
	CHECK(rc == 0 || sitemap_error(sm)[0] || sitemap_truncated(sm), "stopped without a reason");
	sitemap_free(sm);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole = { 0 }, pieces = { 0 }, capped = { 0 };
	int rw, rp;

	rw = read_body(data, size, 0, 0, &whole);
	rp = read_body(data, size, size ? (size_t)(data[0] % 16) + 1 : 1, 0, &pieces);
	if (rw == 0 && rp == 0 && !whole.oom && !pieces.oom)
		CHECK(whole.len == pieces.len && (!whole.len || memcmp(whole.data, pieces.data, whole.len) == 0),
		      "read whole and in pieces, the entries differ");
	if (size > 1) {
		read_body(data, size, 0, (int64_t)(size / 2), &capped);
		if (rw == 0 && !capped.oom && !whole.oom)
			CHECK(capped.len <= whole.len &&
			      (!capped.len || memcmp(capped.data, whole.data, capped.len) == 0),
			      "a capped read found what the whole one did not");
	}
	buf_free(&whole);
	buf_free(&pieces);
	buf_free(&capped);
	return 0;
}
