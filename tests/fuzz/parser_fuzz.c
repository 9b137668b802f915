/* SPDX-License-Identifier: MIT */
/*
 * The parser harness driver and libFuzzer's entry points for every
 * parser harness (see parser_fuzz.h), so a harness holds only its
 * instances.
 */
#include "parser_fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

extern const struct scrape_plugin scrape_plugin;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parser_fuzz_init(const struct scrape_plugin *plugin, struct parser_instance *inst,
                             size_t n)
{
	size_t i;

	mock_host_verbosity(getenv("FUZZ_VERBOSE") ? SCRAPE_LOG_DEBUG : -1);
	for (i = 0; i < n; i++) {
		const struct scrape_host *host = mock_host(plugin, inst[i].opts);

		if (plugin->create && (plugin->create(host, NULL, &inst[i].state) != 0 ||
		                       mock_host_failed())) {
			fprintf(stderr, "parser_fuzz: %s instance %zu refused its options\n", plugin->name, i);
			abort();
		}
	}
}

static void parser_fuzz_one(const struct scrape_plugin *plugin, const struct parser_instance *inst,
                            size_t n, const uint8_t *data, size_t size)
{
	struct fuzz_response r;
	size_t i;

	if (fuzz_response(&r, data, size) < 0)
		return;
	for (i = 0; i < n; i++) {
		struct mock_record first = { 0 }, second = { 0 };
		int rc1 = plugin->parser->parse(inst[i].state, &r.resp, (struct scrape_record *)&first);
		int rc2 = plugin->parser->parse(inst[i].state, &r.resp, (struct scrape_record *)&second);

		if (rc1 != rc2 || first.fields != second.fields || first.links != second.links ||
		    first.bytes != second.bytes) {
			fprintf(stderr, "parser_fuzz: %s instance %zu: two parses differ: "
			        "rc %d/%d fields %zu/%zu links %zu/%zu bytes %zu/%zu\n", plugin->name, i, rc1,
			        rc2, first.fields, second.fields, first.links, second.links, first.bytes,
			        second.bytes);
			abort();
		}
	}
	fuzz_response_free(&r);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (parser_fuzz_harness.require_utf8)
		mock_host_require_utf8(1);
	parser_fuzz_init(&scrape_plugin, parser_fuzz_harness.inst, parser_fuzz_harness.n);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parser_fuzz_one(&scrape_plugin, parser_fuzz_harness.inst, parser_fuzz_harness.n, data, size);
	return 0;
}
