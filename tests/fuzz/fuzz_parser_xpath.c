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

extern const struct scrape_plugin scrape_plugin;

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

#define N (sizeof instances / sizeof instances[0])

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	parser_fuzz_init(&scrape_plugin, instances, N);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parser_fuzz_one(&scrape_plugin, instances, N, data, size);
	return 0;
}
