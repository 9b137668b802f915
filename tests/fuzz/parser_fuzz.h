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

/* Creates each instance; aborts if the plugin refuses one, since the
 * harness's fixed options are meant to be valid. */
void parser_fuzz_init(const struct scrape_plugin *plugin, struct parser_instance *inst,
                      size_t n);
/* Parses data as a response with every instance. */
void parser_fuzz_one(const struct scrape_plugin *plugin, const struct parser_instance *inst,
                     size_t n, const uint8_t *data, size_t size);

#endif
