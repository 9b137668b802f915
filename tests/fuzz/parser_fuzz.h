/* SPDX-License-Identifier: MIT */
/*
 * What the parser harnesses share: create a plugin's instances once, as
 * the core does for a job, then hand each fuzzed response (see
 * fuzz_response()) to every instance twice.  Beyond "no crash" it checks
 * the record calls through the mock host and that a parse leaves its
 * state as it found it: the second parse records exactly what the first
 * did (parse() runs concurrently on shared state, so it must treat it as
 * read-only).
 */
#ifndef SCRAPE_PARSER_FUZZ_H
#define SCRAPE_PARSER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "../mock/mock_host.h"

struct parser_instance {
	const struct mock_opt *opts;    /* the job entry's keys */
	void *state;
};

/* What each parser harness defines, the only part that is its own: the
 * instances of the plugin it is built with (its scrape_plugin), and
 * whether recorded text must be UTF-8 (see mock_host_require_utf8()).
 * parser_fuzz.c holds libFuzzer's entry points: it creates the instances
 * once, aborting if the plugin refuses one since the harness's fixed
 * options are meant to be valid, then parses each input with every
 * instance. */
struct parser_fuzz {
	struct parser_instance *inst;
	size_t n;
	int require_utf8;
};

extern const struct parser_fuzz parser_fuzz_harness;

#endif
