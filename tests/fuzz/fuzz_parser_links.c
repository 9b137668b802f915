/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the links parser plugin (plugins/parser_links.c over
 * plugins/html.c): arbitrary bodies with an arbitrary Content-Type and
 * charset, from a page at FUZZ_PAGE_URL.  Input: "CONTENT-TYPE\nCHARSET\n
 * BODY" (see harness.h).  Two instances: every kind of link (a, link,
 * img, script), and a links of the page's own host only.  Invariants
 * beyond "no crash": what parser_fuzz.h checks (two parses alike), every
 * link offered to the frontier is an absolute http(s) URL without white
 * space or control bytes (the mock host checks record_link).
 */
#include <stdint.h>

#include "parser_fuzz.h"

static const struct mock_opt every_kind[] = {
	{ "link", NULL, "true" },
	{ "img", NULL, "true" },
	{ "script", NULL, "true" },
	{ NULL, NULL, NULL },
};

static const struct mock_opt same_host[] = {
	{ "field", NULL, "local" },
	{ "same_host", NULL, "true" },
	{ NULL, NULL, NULL },
};

static struct parser_instance instances[] = {
	{ .opts = every_kind },
	{ .opts = same_host },
};

const struct parser_fuzz parser_fuzz_harness = {
	.inst = instances,
	.n = sizeof instances / sizeof instances[0],
};
