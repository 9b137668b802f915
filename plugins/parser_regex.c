/* SPDX-License-Identifier: MIT */
/*
 * The regex parser: a PCRE2 regular expression run over the raw body of
 * every response, HTML or not.  Each named group becomes a field holding
 * its text in the first match (or, with `all`, a list with one item per
 * match); a pattern without named groups records the whole match.
 *
 * The pattern is compiled once, JIT-compiled when PCRE2 can, and shared
 * read-only by every worker; each parse has its own match data.  Bodies
 * are often not valid UTF-8, so the pattern is compiled in UTF mode with
 * PCRE2_MATCH_INVALID_UTF: invalid bytes simply never match.  A match
 * limit stops a pattern that backtracks without end (such as (a+)+$ on a
 * long run of a's): the parse then fails with a logged reason instead of
 * holding its worker forever.
 */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <scrape/plugin.h>

/* Before PCRE2 10.34 a UTF pattern could not survive invalid bytes in the
 * subject, so older libraries match bytes, not characters. */
#ifdef PCRE2_MATCH_INVALID_UTF
#define UTF_FLAGS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
#else
#define UTF_FLAGS 0
#endif

/*
 * A group name, with its entries in PCRE2's name table (2 bytes of group
 * number, then the NUL-terminated name; sorted by name, so the groups that
 * share a name are neighbours).
 */
struct regex_name {
	PCRE2_SPTR first;
	uint32_t entries;
	uint32_t lowest;                /* group number, to order the fields */
};

struct regex_parser {
	const struct scrape_host *host;
	pcre2_code *code;
	pcre2_match_context *limits;
	const char *field;              /* for the whole match, with no names */
	int all;
	struct regex_name *names;       /* in the order the pattern has them */
	uint32_t name_count;
	uint32_t entry_size;
};

static const struct scrape_option options[] = {
	{ "pattern", SCRAPE_OPT_STRING, NULL, "the PCRE2 regular expression (required)" },
	{ "all", SCRAPE_OPT_BOOL, "false", "record every match as a list, not only the first" },
	{ "ignore_case", SCRAPE_OPT_BOOL, "false", "match without regard to case" },
	{ "field", SCRAPE_OPT_STRING, "match", "the field for the whole match when no group is named" },
	{ "match_limit", SCRAPE_OPT_INT, "10000000",
	  "give up on a body after this many backtracking steps at one position" },
	{ NULL, 0, NULL, NULL },
};

static void destroy(void *state)
{
	struct regex_parser *p = state;

	pcre2_match_context_free(p->limits);
	pcre2_code_free(p->code);
	free(p->names);
	free(p);
}

static int compile(const struct scrape_host *host, const struct scrape_options *opts,
                   struct regex_parser *p)
{
	const char *pattern = host->opt_string(opts, "pattern");
	uint32_t flags = UTF_FLAGS | (host->opt_bool(opts, "ignore_case") ? PCRE2_CASELESS : 0);
	PCRE2_UCHAR message[160];
	PCRE2_SIZE offset;
	int error;

	if (!pattern || !*pattern) {
		host->opt_fail(opts, "pattern", "give a regular expression to match");
		return -1;
	}
	p->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags, &error, &offset, NULL);
	if (!p->code) {
		pcre2_get_error_message(error, message, sizeof message);
		host->opt_fail(opts, "pattern", "bad regular expression at offset %zu: %s",
		               (size_t)offset, (const char *)message);
		return -1;
	}
	/* without JIT (not built in, or no executable memory) the interpreter
	 * gives the same answers, more slowly */
	pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	return 0;
}

static uint32_t group_number(PCRE2_SPTR entry)
{
	return (uint32_t)(entry[0] << 8 | entry[1]);
}

static int by_group(const void *a, const void *b)
{
	const struct regex_name *x = a, *y = b;

	return (x->lowest > y->lowest) - (x->lowest < y->lowest);
}

/* The distinct names, ordered as their groups are in the pattern, so the
 * fields come out in the order the pattern reads. */
static int read_names(const struct scrape_host *host, struct regex_parser *p)
{
	PCRE2_SPTR table, entry;
	uint32_t count, i;

	pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &p->entry_size);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
	if (count == 0)
		return 0;
	if (!(p->names = calloc(count, sizeof *p->names))) {
		host->log(SCRAPE_LOG_ERROR, "regex: out of memory");
		return -1;
	}
	for (i = 0; i < count; i++) {
		struct regex_name *last = p->name_count ? &p->names[p->name_count - 1] : NULL;

		entry = table + i * p->entry_size;
		if (last && strcmp((const char *)last->first + 2, (const char *)entry + 2) == 0) {
			last->entries++;
			if (group_number(entry) < last->lowest)
				last->lowest = group_number(entry);
			continue;
		}
		p->names[p->name_count++] = (struct regex_name){ entry, 1, group_number(entry) };
	}
	qsort(p->names, p->name_count, sizeof *p->names, by_group);
	return 0;
}

static int set_limits(const struct scrape_host *host, const struct scrape_options *opts,
                      struct regex_parser *p)
{
	int64_t limit = host->opt_int(opts, "match_limit");

	if (limit < 1 || limit > UINT32_MAX) {
		host->opt_fail(opts, "match_limit", "give a limit from 1 to %lu",
		               (unsigned long)UINT32_MAX);
		return -1;
	}
	if (!(p->limits = pcre2_match_context_create(NULL))) {
		host->log(SCRAPE_LOG_ERROR, "regex: out of memory");
		return -1;
	}
	pcre2_set_match_limit(p->limits, (uint32_t)limit);
	return 0;
}

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct regex_parser *p = calloc(1, sizeof *p);
	const char *field = host->opt_string(opts, "field");

	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "regex: out of memory");
		return -1;
	}
	p->host = host;
	p->all = host->opt_bool(opts, "all");
	p->field = field;   /* the core keeps option strings until destroy() */
	if (!field || !*field) {
		host->opt_fail(opts, "field", "the field name must not be empty");
		destroy(p);
		return -1;
	}
	if (compile(host, opts, p) != 0 || read_names(host, p) != 0 || set_limits(host, opts, p) != 0) {
		destroy(p);
		return -1;
	}
	*state = p;
	return 0;
}

/* ---- parse ---- */

/* One match's worth of what parse() needs to record it. */
struct match {
	const char *subject;
	const PCRE2_SIZE *ovector;
	uint32_t groups;                /* pairs in the ovector that were set */
};

static int record_text(const struct regex_parser *p, struct scrape_record *rec, const char *key,
                       const struct match *m, uint32_t group)
{
	PCRE2_SIZE from = 0, to = 0;
	char *text;
	int rc;

	if (group < m->groups && m->ovector[2 * group] != PCRE2_UNSET &&
	    m->ovector[2 * group] <= m->ovector[2 * group + 1]) {
		from = m->ovector[2 * group];
		to = m->ovector[2 * group + 1];
	}
	if (!(text = malloc(to - from + 1))) {
		p->host->log(SCRAPE_LOG_ERROR, "regex: out of memory");
		return -1;
	}
	memcpy(text, m->subject + from, to - from);
	text[to - from] = '\0';
	rc = p->all ? p->host->record_append(rec, key, text) : p->host->record_string(rec, key, text);
	free(text);
	if (rc != 0)
		p->host->log(SCRAPE_LOG_ERROR, "regex: cannot record field \"%s\"", key);
	return rc;
}

static int group_set(const struct match *m, uint32_t group)
{
	return group < m->groups && m->ovector[2 * group] != PCRE2_UNSET;
}

/*
 * Records each name's group.  Several groups may share a name ((?J) or
 * (?|...)): the first of them that took part in the match counts.  With
 * `all`, a name whose group did not take part gets "" so the lists stay
 * aligned match by match; without, it gets no field.
 */
static int record_names(const struct regex_parser *p, struct scrape_record *rec,
                        const struct match *m)
{
	uint32_t i, j;

	for (i = 0; i < p->name_count; i++) {
		const struct regex_name *n = &p->names[i];
		uint32_t chosen = UINT32_MAX;

		for (j = 0; j < n->entries && chosen == UINT32_MAX; j++)
			if (group_set(m, group_number(n->first + j * p->entry_size)))
				chosen = group_number(n->first + j * p->entry_size);
		if ((chosen != UINT32_MAX || p->all) &&
		    record_text(p, rec, (const char *)n->first + 2, m, chosen) != 0)
			return -1;
	}
	return 0;
}

static int record_match(const struct regex_parser *p, struct scrape_record *rec,
                        const struct match *m)
{
	if (p->name_count == 0)
		return record_text(p, rec, p->field, m, 0);
	return record_names(p, rec, m);
}

/* Past the character at offset (a UTF-8 lead byte and its continuation). */
static PCRE2_SIZE next_char(const unsigned char *s, PCRE2_SIZE len, PCRE2_SIZE at)
{
	at++;
	while ((UTF_FLAGS & PCRE2_UTF) && at < len && (s[at] & 0xc0) == 0x80)
		at++;
	return at;
}

/* pcre2_match, retried in the interpreter if the JIT ran out of stack. */
static int match_at(const struct regex_parser *p, const struct scrape_response *resp,
                    PCRE2_SIZE start, uint32_t flags, pcre2_match_data *md)
{
	int rc = pcre2_match(p->code, resp->body, resp->body_len, start, flags, md, p->limits);

#ifdef PCRE2_NO_JIT
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(p->code, resp->body, resp->body_len, start, flags | PCRE2_NO_JIT, md,
		                 p->limits);
#endif
	return rc;
}

static int failed(const struct regex_parser *p, const struct scrape_response *resp, int rc)
{
	PCRE2_UCHAR message[160];

	pcre2_get_error_message(rc, message, sizeof message);
	p->host->log(SCRAPE_LOG_ERROR, "regex: %s: %s", resp->final_url ? resp->final_url : resp->url,
	             (const char *)message);
	return -1;
}

/* Every match (or the first), the standard PCRE2 loop: after an empty
 * match, look for a non-empty one at the same place before moving on. */
static int scan(const struct regex_parser *p, const struct scrape_response *resp,
                struct scrape_record *rec, pcre2_match_data *md)
{
	struct match m = { (const char *)resp->body, pcre2_get_ovector_pointer(md), 0 };
	PCRE2_SIZE start = 0;
	uint32_t flags = 0;
	int rc;

	while (start <= resp->body_len) {
		rc = match_at(p, resp, start, flags, md);
		if (rc == PCRE2_ERROR_NOMATCH && flags) {
			start = next_char(resp->body, resp->body_len, start);
			flags = 0;
			continue;
		}
		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc < 0)
			return failed(p, resp, rc);
		m.groups = (uint32_t)rc;
		if (record_match(p, rec, &m) != 0)
			return -1;
		/* \K in a lookahead can end a match before it starts: stop there */
		if (!p->all || m.ovector[1] < m.ovector[0])
			return 0;
		flags = m.ovector[0] == m.ovector[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
		start = m.ovector[1];
	}
	return 0;
}

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct regex_parser *p = state;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code, NULL);
	int rc;

	if (!md) {
		p->host->log(SCRAPE_LOG_ERROR, "regex: out of memory");
		return -1;
	}
	rc = scan(p, resp, rec, md);
	pcre2_match_data_free(md);
	return rc;
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "regex"),
	.version = SCRAPE_VERSION,
	.description = "fields from a PCRE2 regular expression's named groups",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
