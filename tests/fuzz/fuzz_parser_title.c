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

extern const struct scrape_plugin scrape_plugin;

static const struct mock_opt renamed[] = {
	{ "field", NULL, "page_title" },
	{ NULL, NULL, NULL },
};

static struct parser_instance instances[] = {
	{ .opts = NULL },
	{ .opts = renamed },
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
