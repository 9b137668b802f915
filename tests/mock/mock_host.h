/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the core's host table, for running a parser plugin
 * outside scrape: the fuzz harnesses (tests/fuzz), the parser unit tests
 * (tests/unit/test_parsers.c) and bench/parse_bench.c share this one.
 * Options come from a small table of name/value rows, falling back to the
 * plugin's declared defaults; record calls check what the core would rely
 * on (keys are non-empty, strings are readable to their NUL, links are
 * absolute http(s) URLs) and count, so a harness can compare runs, and
 * keep what was recorded as text only when asked (unit tests), so fuzzing
 * and benchmarks do not pay for copies.
 */
#ifndef SCRAPE_MOCK_HOST_H
#define SCRAPE_MOCK_HOST_H

#include <stddef.h>

#include <scrape/plugin.h>

/*
 * One option value.  A scalar option has one row with key NULL.  A list
 * option has one row per item (key NULL); a map option one row per entry
 * (key and value).  A table ends with a row whose name is NULL.
 */
struct mock_opt {
	const char *name;
	const char *key;
	const char *value;
};

/* What the record calls of one parse saw; pass it to parse() as the
 * record.  Zero it before each parse.  With keep set, each call is also
 * written to text as a line: "key=value" ("key+=value" for a list item,
 * numbers with %lld or %g, booleans true or false) or "link=URL"; free it
 * with mock_record_free(). */
struct mock_record {
	size_t fields;
	size_t links;
	size_t bytes;               /* of every key and value, to touch them */
	int keep;
	char *text;                 /* NUL-terminated, or NULL if nothing kept */
	size_t len, cap;
};

void mock_record_free(struct mock_record *r);

/* The host table, serving opts (may be NULL) for plugin.  One instance
 * at a time: the table and plugin are remembered until the next call. */
const struct scrape_host *mock_host(const struct scrape_plugin *plugin,
                                    const struct mock_opt *opts);

/* Whether the last create() called opt_fail(). */
int mock_host_failed(void);

/* Whether string fields must be well-formed UTF-8 (parsers that decode
 * the body promise it); default: not checked. */
void mock_host_require_utf8(int on);

/* Log lines at or below this level go to stderr; default: none. */
void mock_host_verbosity(int level);

#endif
