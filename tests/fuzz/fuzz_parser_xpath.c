/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the xpath parser plugin (plugins/parser_xpath.c over
 * plugins/html.c) with fixed expressions over arbitrary bodies with an
 * arbitrary Content-Type and charset.  Input: "CONTENT-TYPE\nCHARSET\n
 * BODY" (see harness.h).  The expressions cover each XPath result type
 * the plugin converts: node-sets (first node and, with `all`, every
 * node; elements and attributes), strings, numbers and booleans.
 * Invariants beyond "no crash": what parser_fuzz.h checks (two parses
 * alike).
 */
#include <stdint.h>

#include "parser_fuzz.h"

static const struct mock_opt fields[] = {
	{ "fields", "title", "//title" },
	{ "fields", "heading", "normalize-space(//h1)" },
	{ "fields", "hrefs", "//a/@href" },
	{ "fields", "items", "//ul/li" },
	{ "fields", "prices", "//*[contains(@class, 'price')]/text()" },
	{ "fields", "count", "count(//p)" },
	{ "fields", "has_form", "boolean(//form)" },
	{ "fields", "lang", "string(/html/@lang)" },
	{ "all", NULL, "hrefs" },
	{ "all", NULL, "items" },
	{ NULL, NULL, NULL },
};

static struct parser_instance instances[] = {
	{ .opts = fields },
};

const struct parser_fuzz parser_fuzz_harness = {
	.inst = instances,
	.n = sizeof instances / sizeof instances[0],
};
