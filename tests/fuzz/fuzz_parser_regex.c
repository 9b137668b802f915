/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the regex parser plugin (plugins/parser_regex.c) with fixed
 * patterns over arbitrary bodies (it reads any body, HTML or not, in
 * UTF-8 mode with invalid bytes allowed).  Input: "CONTENT-TYPE\nCHARSET\n
 * BODY" (see harness.h); only the body matters to this plugin.  The
 * patterns cover the whole match, named groups (with `all`, groups that
 * may not take part, duplicate names), case-insensitive matching, empty
 * matches, and a backtracking pattern under a small match limit.
 * Invariants beyond "no crash": what parser_fuzz.h checks (two parses
 * alike), and recorded text is well-formed UTF-8, since invalid bytes
 * never match.
 */
#include <stdint.h>

#include "parser_fuzz.h"

static const struct mock_opt whole[] = {
	{ "pattern", NULL, "<title>[^<]*</title>" },
	{ NULL, NULL, NULL },
};

static const struct mock_opt named_all[] = {
	{ "pattern", NULL, "(?<name>[a-z]+)=(?<value>\"[^\"]*\"|\\d+)?" },
	{ "all", NULL, "true" },
	{ NULL, NULL, NULL },
};

static const struct mock_opt duplicate_names[] = {
	{ "pattern", NULL, "(?J)(?<n>\\d+) EUR|(?<n>\\d+) USD|\\$(?<n>[\\d.]+)" },
	{ "all", NULL, "true" },
	{ "ignore_case", NULL, "true" },
	{ NULL, NULL, NULL },
};

static const struct mock_opt empty_matches[] = {
	{ "pattern", NULL, "x*|\\b" },
	{ "all", NULL, "true" },
	{ "field", NULL, "empties" },
	{ NULL, NULL, NULL },
};

static const struct mock_opt backtracking[] = {
	{ "pattern", NULL, "(a+)+$" },
	{ "match_limit", NULL, "1000" },
	{ NULL, NULL, NULL },
};

static const struct mock_opt unicode[] = {
	{ "pattern", NULL, "\\p{Lu}\\w*|.\\X" },
	{ "all", NULL, "true" },
	{ "ignore_case", NULL, "true" },
	{ NULL, NULL, NULL },
};

static struct parser_instance instances[] = {
	{ .opts = whole },
	{ .opts = named_all },
	{ .opts = duplicate_names },
	{ .opts = empty_matches },
	{ .opts = backtracking },
	{ .opts = unicode },
};

const struct parser_fuzz parser_fuzz_harness = {
	.inst = instances,
	.n = sizeof instances / sizeof instances[0],
	.require_utf8 = 1,
};
