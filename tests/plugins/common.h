/* SPDX-License-Identifier: MIT */
/* Shared bits of the deliberately broken test plugins: a parse callback
 * that does nothing, so each plugin differs only in what it breaks. */
#include <scrape/plugin.h>

static int parse_nothing(void *state, const struct scrape_response *resp,
                         struct scrape_record *rec)
{
	(void)state, (void)resp, (void)rec;
	return 0;
}

static const struct scrape_parser_ops nothing_ops = { .parse = parse_nothing };
