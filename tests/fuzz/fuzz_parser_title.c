/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the title parser plugin (plugins/parser_title.c over
 * plugins/html.c): arbitrary bodies with an arbitrary Content-Type and
 * charset.  Input: "CONTENT-TYPE\nCHARSET\nBODY" (see harness.h).
 * Two instances: the default field and a renamed one.  Invariants beyond
 * "no crash": what parser_fuzz.h checks (records well-formed, two parses
 * alike).  The title is not required to be UTF-8: libxml2 passes invalid
 * bytes of a UTF-8 page through, and the outputs replace them (see
 * buf_json_string).
 */
#include <stdint.h>

#include "parser_fuzz.h"

static const struct mock_opt renamed[] = {
	{ "field", NULL, "page_title" },
	{ NULL, NULL, NULL },
};

static struct parser_instance instances[] = {
	{ .opts = NULL },
	{ .opts = renamed },
};

const struct parser_fuzz parser_fuzz_harness = {
	.inst = instances,
	.n = sizeof instances / sizeof instances[0],
};
