/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes charset detection and the HTML check (plugins/html.c): byte
 * order mark, then the Content-Type charset, then a <meta> in the first
 * 1024 bytes, then UTF-8.  Input: "CONTENT-TYPE\nCHARSET\nBODY" (see
 * harness.h), the body allocated to its exact size so the <meta>
 * scan cannot read past it unnoticed.  Invariants beyond "no crash":
 *  - html_encoding() always names an encoding, NUL-terminated within the
 *    buffer when it is the buffer, that libxml2 can decode;
 *  - a byte order mark decides alone, whatever the headers say;
 *  - a <meta> never makes a page UTF-16 (the HTML standard's rule);
 *  - the answer does not change when asked twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/encoding.h>

#include "harness.h"
#include "html.h"
#include "../mock/mock_host.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_charset", cond, __VA_ARGS__)

static void check_decodable(const char *name)
{
	xmlCharEncodingHandlerPtr h;

	if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
		return;
	h = xmlFindCharEncodingHandler(name);
	CHECK(h, "\"%s\" is no encoding libxml2 knows", name);
	xmlCharEncCloseFunc(h);
}

/* The oracle for "a byte order mark decides alone": written again here on
 * purpose, not shared with plugins/html.c's bom_encoding(), so that a
 * mistake there is caught by the difference rather than copied into the
 * check. */
static const char *bom_of(const unsigned char *p, size_t len)
{
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return "UTF-8";
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff)
		return "UTF-16BE";
	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe)
		return "UTF-16LE";
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	html_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct scrape_plugin who = { .name = "charset" };
	struct fuzz_response r;
	char buf[64], again[64];
	const char *enc, *enc2, *bom;

	if (fuzz_response(&r, data, size) < 0)
		return 0;
	(void)html_accept(mock_host(&who, NULL), "charset", &r.resp);
	memset(buf, 0x55, sizeof buf);
	enc = html_encoding(&r.resp, buf, sizeof buf);
	CHECK(enc, "no encoding");
	if (enc == buf)
		CHECK(memchr(buf, '\0', sizeof buf), "the name fills the buffer without a NUL");
	check_decodable(enc);
	bom = bom_of(r.resp.body, r.resp.body_len);
	if (bom)
		CHECK(strcmp(enc, bom) == 0, "byte order mark %s, encoding %s", bom, enc);
	if (enc == buf)
		CHECK(strncasecmp(enc, "utf-16", 6) != 0, "a <meta> made the page %s", enc);
	enc2 = html_encoding(&r.resp, again, sizeof again);
	CHECK(strcmp(enc, enc2) == 0, "two answers: %s, %s", enc, enc2);
	fuzz_response_free(&r);
	return 0;
}
