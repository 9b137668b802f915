/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the lean strategy's response reader (plugins/lean/http.c), which
 * takes bytes straight from a server.  Input: one flags byte (bit 0: a
 * HEAD request, bit 1: keep the body, bit 2: keep the headers, bits 4-7:
 * the size of the pieces it arrives in, 1 to 16 bytes; 0 whole), then the
 * bytes the server sent; the connection closes after them.  Invariants
 * beyond "no crash":
 *  - after DONE or FAILED nothing more is fed, and FAILED names a class;
 *  - the body never passes max_body, and a kept body is every byte counted;
 *  - the headers listed are NUL-terminated pairs inside the kept bytes
 *    (the last value of a failed response may end at the buffer's own
 *    terminating NUL);
 *  - cut in pieces or whole, the response reads the same (progress,
 *    status, failure class).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lean/http.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_lean_http", cond, __VA_ARGS__)

#define MAX_BODY 4096

struct reading {
	enum http_progress progress;
	long status;
	enum scrape_error_class error;
};

static struct reading read_in_pieces(const uint8_t *data, size_t size, size_t step, uint32_t wants, int head)
{
	struct http_response r;
	struct reading out = { HTTP_MORE, 0, SCRAPE_ERR_NONE };
	size_t at = 0, n, i;
	const struct scrape_header *h;

	http_response_init(&r);
	http_response_begin(&r, wants, MAX_BODY, head);
	while (at < size && out.progress == HTTP_MORE) {
		n = step && step < size - at ? step : size - at;
		out.progress = http_response_feed(&r, (const char *)data + at, n);
		at += n;
	}
	if (out.progress == HTTP_MORE)
		out.progress = http_response_feed(&r, "", 0);
	CHECK(out.progress != HTTP_MORE, "the end of the connection ends the response");
	CHECK(out.progress != HTTP_FAILED || r.error != SCRAPE_ERR_NONE, "a failure has a class");
	CHECK(r.body_bytes <= MAX_BODY, "body %llu past max_body", (unsigned long long)r.body_bytes);
	if (out.progress == HTTP_DONE && (wants & SCRAPE_WANT_BODY))
		CHECK(r.body.len == r.body_bytes, "kept %zu of %llu body bytes", r.body.len,
		      (unsigned long long)r.body_bytes);
	h = http_response_headers(&r, &n);
	for (i = 0; i < n; i++)
		CHECK(h[i].name >= r.fields.data && h[i].value + strlen(h[i].value) <= r.fields.data + r.fields.len,
		      "header %zu lies inside the kept bytes", i);
	out.status = r.status;
	out.error = r.error;
	http_response_free(&r);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading pieces, whole;
	uint32_t wants;
	uint8_t flags;
	uint8_t *copy;

	if (size < 1)
		return 0;
	flags = data[0];
	wants = (flags & 2 ? SCRAPE_WANT_BODY : 0u) | (flags & 4 ? SCRAPE_WANT_HEADERS : 0u);
	/* an exact copy: a read past the end is an AddressSanitizer report */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	pieces = read_in_pieces(copy, size - 1, (size_t)(flags >> 4), wants, flags & 1);
	whole = read_in_pieces(copy, size - 1, 0, wants, flags & 1);
	CHECK(pieces.progress == whole.progress && pieces.status == whole.status && pieces.error == whole.error,
	      "in pieces of %u: progress %d status %ld class %d; whole: %d %ld %d", flags >> 4, pieces.progress,
	      pieces.status, pieces.error, whole.progress, whole.status, whole.error);
	free(copy);
	return 0;
}
