/* SPDX-License-Identifier: MIT */
/*
 * robots.txt parsing and matching (RFC 9309).  One pass over the lines
 * collects two rule sets at once, the rules of groups naming us and those
 * of "*" groups, because which one applies is known only at the end of
 * the file; the other is then thrown away.  Patterns are stored with their
 * escapes normalised, so matching a path is one normalisation of the path
 * and a plain wildcard match per rule.  "Disallow everything" is itself
 * just a rule, so the constructors for missing or unreachable files need
 * no special cases in the matcher.  The same pass, asked for them, hands
 * out the Sitemap lines, which belong to no group.
 */
#include <config.h>

#include "crawl/robots.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "crawl/url.h"

/* RFC 9309 2.5: crawlers must parse at least 500 kibibytes. */
#define MAX_BYTES (500 * 1024)
/* Keeps the delay in nanoseconds inside int64_t: about 285 years. */
#define MAX_DELAY_S 9e9

struct rule {
	char *pattern;          /* escapes normalised, "*" a wildcard, no final "$" */
	size_t len;
	size_t weight;          /* length as written (normalised, "$" counted) */
	int anchored;           /* the pattern ended in "$" */
	int allow;
};

struct rules {
	struct rule *v;
	size_t count, cap;
	int64_t delay_ns;       /* -1: none */
	int named;              /* some group was for these agents, even empty */
};

struct robots {
	struct rules rules;
};

struct parser {
	const char *product;
	size_t product_len;
	struct rules ours, star;
	int agents_open;        /* last group line was a User-agent: more join its group */
	int for_us, for_star;   /* whom the current group is for */
	int oom;
	/* robots_sitemaps: each Sitemap line, whatever group it is in */
	void (*sitemap)(void *ctx, const char *url, size_t len);
	void *sitemap_ctx;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
}

static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* The product token at the start of s: "scrape/1.0 (+url)" -> "scrape". */
static size_t token_length(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_token_char(s[n]))
		n++;
	return n;
}

static int same_ci(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

static int key_is(const char *key, size_t len, const char *word)
{
	return same_ci(key, len, word, strlen(word));
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s))
		(*s)++, (*len)--;
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

static void rules_free(struct rules *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		free(set->v[i].pattern);
	free(set->v);
	memset(set, 0, sizeof *set);
}

static int rules_push(struct rules *set, const struct rule *rule)
{
	struct rule *v;
	size_t cap;

	if (set->count == set->cap) {
		cap = set->cap ? set->cap * 2 : 8;
		v = realloc(set->v, cap * sizeof *v);
		if (!v)
			return -1;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->count++] = *rule;
	return 0;
}

/* A rule from an Allow or Disallow value.  A "$" that does not end the
 * value is a literal, so it is escaped like a "$" in a path; a value that
 * starts with neither "/" nor "*" gets a "/" (the author meant a path). */
static int make_rule(struct rule *rule, const char *value, size_t len, int allow)
{
	struct buf b = { 0 };

	rule->anchored = value[len - 1] == '$';
	len -= (size_t)rule->anchored;
	buf_append(&b, "", 0);
	if (!len || (value[0] != '/' && value[0] != '*'))
		buf_putc(&b, '/');
	url_normalize_escapes(&b, value, len, "$");
	if (b.oom) {
		buf_free(&b);
		return -1;
	}
	rule->pattern = b.data;
	rule->len = b.len;
	rule->weight = b.len + (size_t)rule->anchored;
	rule->allow = allow;
	return 0;
}

static void add_rule(struct parser *ps, struct rules *set, const char *value, size_t len,
                     int allow)
{
	struct rule rule;

	if (make_rule(&rule, value, len, allow) < 0) {
		ps->oom = 1;
	} else if (rules_push(set, &rule) < 0) {
		free(rule.pattern);
		ps->oom = 1;
	}
}

static void on_agent(struct parser *ps, const char *value, size_t len)
{
	size_t n = token_length(value, len);

	if (!ps->agents_open) {
		ps->for_us = ps->for_star = 0;
		ps->agents_open = 1;
	}
	if (len == 1 && value[0] == '*') {
		ps->for_star = ps->star.named = 1;
	} else if (n && same_ci(value, n, ps->product, ps->product_len)) {
		ps->for_us = ps->ours.named = 1;
	}
}

/* An empty value still ends the list of agents, but is no rule: RFC 9309
 * reads "Disallow:" as allowing everything. */
static void on_rule(struct parser *ps, const char *value, size_t len, int allow)
{
	ps->agents_open = 0;
	if (!len)
		return;
	if (ps->for_us)
		add_rule(ps, &ps->ours, value, len, allow);
	if (ps->for_star)
		add_rule(ps, &ps->star, value, len, allow);
}

/* Seconds, maybe with a fraction, as nanoseconds; -1 unless the whole
 * value is such a number.  By hand, as strtod() follows the locale. */
static int64_t parse_delay(const char *s, size_t len)
{
	double secs = 0, scale = 1;
	size_t i = 0, digits = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		secs = secs * 10 + (s[i] - '0');
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			secs += (s[i] - '0') * (scale /= 10);
	if (!digits || i != len)
		return -1;
	if (secs > MAX_DELAY_S)
		secs = MAX_DELAY_S;
	return (int64_t)(secs * 1e9 + 0.5);
}

static void keep_longer(int64_t *delay, int64_t d)
{
	if (d > *delay)
		*delay = d;
}

/* Crawl-delay is written inside a group, so like a rule it ends the list
 * of agents; other unknown records (Sitemap) must not touch grouping. */
static void on_delay(struct parser *ps, const char *value, size_t len)
{
	int64_t d = parse_delay(value, len);

	ps->agents_open = 0;
	if (d < 0)
		return;
	if (ps->for_us)
		keep_longer(&ps->ours.delay_ns, d);
	if (ps->for_star)
		keep_longer(&ps->star.delay_ns, d);
}

static void parse_line(struct parser *ps, const char *line, size_t len)
{
	const char *hash = memchr(line, '#', len), *colon, *value;
	size_t key_len, value_len;

	if (hash)
		len = (size_t)(hash - line);
	colon = memchr(line, ':', len);
	if (!colon)
		return;
	key_len = (size_t)(colon - line);
	value = colon + 1;
	value_len = len - key_len - 1;
	trim(&line, &key_len);
	trim(&value, &value_len);
	if (key_is(line, key_len, "user-agent"))
		on_agent(ps, value, value_len);
	else if (key_is(line, key_len, "allow"))
		on_rule(ps, value, value_len, 1);
	else if (key_is(line, key_len, "disallow"))
		on_rule(ps, value, value_len, 0);
	else if (key_is(line, key_len, "crawl-delay"))
		on_delay(ps, value, value_len);
	else if (ps->sitemap && value_len && key_is(line, key_len, "sitemap"))
		ps->sitemap(ps->sitemap_ctx, value, value_len);
}

/* How much of body to read: all of it, or up to the last line break
 * within MAX_BYTES. */
static size_t parse_limit(const char *body, size_t len)
{
	if (len <= MAX_BYTES)
		return len;
	len = MAX_BYTES;
	while (len && body[len - 1] != '\n' && body[len - 1] != '\r')
		len--;
	return len;
}

/* Lines end in CR, LF or CRLF; the empty line a CRLF seems to leave is
 * ignored like every line without a colon. */
static void parse_lines(struct parser *ps, const char *p, size_t len)
{
	const char *end = p + len, *eol;

	while (p < end && !ps->oom) {
		for (eol = p; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		parse_line(ps, p, (size_t)(eol - p));
		if (eol == end)
			break;
		p = eol + 1;
	}
}

struct robots *robots_parse(const char *body, size_t len, const char *product)
{
	struct parser ps = { 0 };
	struct robots *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	ps.product = product ? product : "";
	ps.product_len = token_length(ps.product, strlen(ps.product));
	ps.ours.delay_ns = ps.star.delay_ns = -1;
	if (!body)
		len = 0;
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
		body += 3, len -= 3;
	if (len)
		parse_lines(&ps, body, parse_limit(body, len));
	if (ps.oom) {
		rules_free(&ps.ours);
		rules_free(&ps.star);
		free(r);
		return NULL;
	}
	if (ps.ours.named) {
		r->rules = ps.ours;
		rules_free(&ps.star);
	} else {
		r->rules = ps.star;
		rules_free(&ps.ours);
	}
	return r;
}

void robots_sitemaps(const char *body, size_t len,
                     void (*each)(void *ctx, const char *url, size_t len), void *ctx)
{
	struct parser ps = { 0 };

	ps.product = "";
	ps.sitemap = each;
	ps.sitemap_ctx = ctx;
	if (!body)
		return;
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
		body += 3, len -= 3;
	parse_lines(&ps, body, parse_limit(body, len));
	rules_free(&ps.ours);
	rules_free(&ps.star);
}

struct robots *robots_allow_all(void)
{
	struct robots *r = calloc(1, sizeof *r);

	if (r)
		r->rules.delay_ns = -1;
	return r;
}

struct robots *robots_deny_all(void)
{
	struct robots *r = robots_allow_all();
	struct rule rule;

	if (!r)
		return NULL;
	if (make_rule(&rule, "*", 1, 0) < 0 || rules_push(&r->rules, &rule) < 0) {
		robots_free(r);
		return NULL;
	}
	return r;
}

void robots_free(struct robots *r)
{
	if (!r)
		return;
	rules_free(&r->rules);
	free(r);
}

/* Whether the pattern matches a prefix of s (all of s when anchored): the
 * usual one-star backtracking glob, O(len(p) * len(s)) at worst, with the
 * unanchored case being a pattern with an implicit trailing "*". */
static int match(const char *p, size_t plen, int anchored, const char *s, size_t slen)
{
	size_t i = 0, j = 0, star_i = 0, star_j = 0;
	int star = 0;

	for (;;) {
		if (i == plen && (!anchored || j == slen))
			return 1;
		if (i < plen && p[i] == '*') {
			star = 1;
			star_i = ++i;
			star_j = j;
		} else if (i < plen && j < slen && p[i] == s[j]) {
			i++;
			j++;
		} else if (star && star_j < slen) {
			i = star_i;
			j = ++star_j;
		} else {
			return 0;
		}
	}
}

/* RFC 9309 2.2.2: the longest matching pattern decides, allow winning a
 * tie; no match allows. */
static int verdict(const struct rules *set, const char *path, size_t len)
{
	const struct rule *best = NULL;
	size_t i;

	for (i = 0; i < set->count; i++) {
		const struct rule *rule = &set->v[i];

		if (!match(rule->pattern, rule->len, rule->anchored, path, len))
			continue;
		if (!best || rule->weight > best->weight ||
		    (rule->weight == best->weight && rule->allow))
			best = rule;
	}
	return !best || best->allow;
}

/* RFC 9309 2.2.2: /robots.txt is implicitly allowed. */
static int is_robots_txt(const char *path, size_t len)
{
	return len >= 11 && memcmp(path, "/robots.txt", 11) == 0 &&
	       (len == 11 || path[11] == '?');
}

int robots_allowed(const struct robots *r, const char *path)
{
	struct buf p = { 0 };
	int allowed;

	if (!r->rules.count)
		return 1;
	if (!path || !*path)
		path = "/";
	buf_append(&p, "", 0);
	url_normalize_escapes(&p, path, strlen(path), "*$");
	if (p.oom)
		allowed = 0;
	else
		allowed = is_robots_txt(p.data, p.len) || verdict(&r->rules, p.data, p.len);
	buf_free(&p);
	return allowed;
}

int64_t robots_crawl_delay_ns(const struct robots *r)
{
	return r->rules.delay_ns;
}
