/* SPDX-License-Identifier: MIT */
/*
 * URL resolution and normalisation for the crawler.  A URL is split into
 * the five components of RFC 3986 appendix B as spans into the string, so
 * resolution (section 5.2) and the canonical form (section 6.2.2) are a
 * matter of picking spans and appending them to a buffer; the only
 * in-place work is removing dot segments.  Links come from arbitrary web
 * pages, so the input is tidied first rather than rejected: a crawler
 * that dropped every href with a space or a non-ASCII letter would miss
 * much of the web.
 */
#include <config.h>

#include "crawl/url.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* One component: where it is, and whether it is present at all, because
 * RFC 3986 tells "http://a/?" (empty query) from "http://a/" (none). */
struct span {
	const char *p;
	size_t len;
	int set;
};

struct uri {
	struct span scheme, authority, path, query, fragment;
};

static const char hex_digits[] = "0123456789ABCDEF";

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Unreserved, reserved (gen-delims and sub-delims) or "%": what RFC 3986
 * allows somewhere in a URI.  Everything else must travel escaped. */
static int is_uri_char(int c)
{
	return is_unreserved(c) || (c && strchr(":/?#[]@!$&'()*+,;=%", c));
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ASCII only: the C library's tolower() follows the locale. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
}

/* ASCII case-insensitive equality of a span and a lower-case word. */
static int same_word(struct span s, const char *word)
{
	size_t i;

	if (s.len != strlen(word))
		return 0;
	for (i = 0; i < s.len; i++)
		if (lower(s.p[i]) != word[i])
			return 0;
	return 1;
}

/* The octet of a valid "%HH" at s[i], or -1. */
static int escape_at(const char *s, size_t len, size_t i)
{
	if (s[i] != '%' || i + 2 >= len)
		return -1;
	if (hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
		return -1;
	return hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
}

static void put_escape(struct buf *out, unsigned char c)
{
	char e[3] = { '%', hex_digits[c >> 4], hex_digits[c & 15] };

	buf_append(out, e, sizeof e);
}

void url_normalize_escapes(struct buf *out, const char *s, size_t len, const char *escape_also)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int octet = escape_at(s, len, i);

		if (octet >= 0) {
			if (is_unreserved(octet))
				buf_putc(out, (char)octet);
			else
				put_escape(out, (unsigned char)octet);
			i += 2;
		} else if (c == '%' || !is_uri_char(c) || (c && escape_also && strchr(escape_also, c))) {
			/* A stray "%" is escaped too: left alone, "%4%41" would
			 * become "%4A", a new escape, and the next pass "J". */
			put_escape(out, c);
		} else {
			buf_putc(out, (char)c);
		}
	}
}

/* Copies a URL as found in a page into out (NUL-terminated even when
 * empty): surrounding whitespace and controls trimmed, tabs and line
 * breaks inside dropped (wrapped attributes), octets not allowed in a URI
 * escaped, existing escapes untouched (resolution must not change them). */
static void tidy(struct buf *out, const char *s)
{
	size_t len = strlen(s), i;

	while (len && (unsigned char)s[len - 1] <= ' ')
		len--;
	while (len && (unsigned char)*s <= ' ')
		s++, len--;
	buf_append(out, "", 0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (is_uri_char(c))
			buf_putc(out, (char)c);
		else
			put_escape(out, c);
	}
}

/* Length of a valid scheme followed by ":" at the start of s, else 0: a
 * first segment like "a b:c" or "1x:y" is a path, not a scheme. */
static size_t scheme_length(const char *s, size_t len)
{
	size_t i;

	if (!len || !is_alpha(s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == ':')
			return i;
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 0;
}

static size_t span_until(const char *s, size_t len, const char *stops)
{
	size_t i = 0;

	while (i < len && !(s[i] && strchr(stops, s[i])))
		i++;
	return i;
}

/* RFC 3986 appendix B.  Absent components still point into s, so that
 * appending one never passes a null pointer. */
static void uri_split(const char *s, size_t len, struct uri *u)
{
	struct span none = { s, 0, 0 };
	size_t i = 0, n;

	u->scheme = u->authority = u->query = u->fragment = none;
	if ((n = scheme_length(s, len)) > 0) {
		u->scheme = (struct span){ s, n, 1 };
		i = n + 1;
	}
	if (len - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		n = span_until(s + i, len - i, "/?#");
		u->authority = (struct span){ s + i, n, 1 };
		i += n;
	}
	n = span_until(s + i, len - i, "?#");
	u->path = (struct span){ s + i, n, 1 };
	i += n;
	if (i < len && s[i] == '?') {
		i++;
		n = span_until(s + i, len - i, "#");
		u->query = (struct span){ s + i, n, 1 };
		i += n;
	}
	if (i < len && s[i] == '#')
		u->fragment = (struct span){ s + i + 1, len - i - 1, 1 };
}

static int starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static int equals(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Drops the last segment and its preceding "/" from the output. */
static size_t pop_segment(const char *s, size_t out)
{
	while (out > 0 && s[out - 1] != '/')
		out--;
	return out > 0 ? out - 1 : 0;
}

/* RFC 3986 5.2.4 with both buffers in s: the output never grows faster
 * than the input is consumed, so out <= in throughout, and "replace the
 * prefix with /" is writing "/" over the last character consumed. */
static size_t remove_dots(char *s, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		char *p = s + in;
		size_t left = len - in, n;

		if (starts(p, left, "../")) {
			in += 3;
		} else if (starts(p, left, "./") || starts(p, left, "/./")) {
			in += 2;
		} else if (equals(p, left, "/.")) {
			s[++in] = '/';
		} else if (starts(p, left, "/../")) {
			in += 3;
			out = pop_segment(s, out);
		} else if (equals(p, left, "/..")) {
			in += 2;
			s[in] = '/';
			out = pop_segment(s, out);
		} else if (equals(p, left, ".") || equals(p, left, "..")) {
			in = len;
		} else {
			n = p[0] == '/';
			while (n < left && p[n] != '/')
				n++;
			memmove(s + out, p, n);
			out += n;
			in += n;
		}
	}
	return out;
}

/* Removes dot segments from what was appended to b since from. */
static void remove_dots_from(struct buf *b, size_t from)
{
	if (b->oom)
		return;
	b->len = from + remove_dots(b->data + from, b->len - from);
	b->data[b->len] = '\0';
}

/* RFC 3986 5.2.3. */
static void merge(struct buf *out, const struct uri *base, struct span ref_path)
{
	size_t n = base->path.len;

	if (base->authority.set && n == 0) {
		buf_putc(out, '/');
	} else {
		while (n && base->path.p[n - 1] != '/')
			n--;
		buf_append(out, base->path.p, n);
	}
	buf_append(out, ref_path.p, ref_path.len);
}

/* RFC 3986 5.2.2, strict; the target's path is built in path. */
static void transform(const struct uri *b, const struct uri *r, struct uri *t, struct buf *path)
{
	*t = *r;
	buf_append(path, "", 0);
	if (r->scheme.set || r->authority.set) {
		buf_append(path, r->path.p, r->path.len);
		remove_dots_from(path, 0);
	} else if (r->path.len == 0) {
		buf_append(path, b->path.p, b->path.len);
		if (!r->query.set)
			t->query = b->query;
	} else {
		if (r->path.p[0] == '/')
			buf_append(path, r->path.p, r->path.len);
		else
			merge(path, b, r->path);
		remove_dots_from(path, 0);
	}
	if (!r->scheme.set) {
		t->scheme = b->scheme;
		if (!r->authority.set)
			t->authority = b->authority;
	}
	t->path = (struct span){ path->data, path->len, 1 };
}

static void append_span(struct buf *out, const char *before, struct span s)
{
	if (!s.set)
		return;
	buf_puts(out, before);
	buf_append(out, s.p, s.len);
}

/* RFC 3986 5.3. */
static void recompose(struct buf *out, const struct uri *t)
{
	buf_append(out, "", 0);
	if (t->scheme.set) {
		buf_append(out, t->scheme.p, t->scheme.len);
		buf_putc(out, ':');
	}
	append_span(out, "//", t->authority);
	buf_append(out, t->path.p, t->path.len);
	append_span(out, "?", t->query);
	append_span(out, "#", t->fragment);
}

/* Hands the buffer's string over, or frees it after a failed append. */
static char *take(struct buf *b)
{
	char *s = b->data;

	if (b->oom) {
		buf_free(b);
		return NULL;
	}
	return s;
}

char *url_resolve(const char *base, const char *ref)
{
	struct buf b = { 0 }, r = { 0 }, path = { 0 }, out = { 0 };
	struct uri bu, ru, t;
	char *result = NULL;

	if (!base || !ref)
		return NULL;
	tidy(&b, base);
	tidy(&r, ref);
	if (!b.oom && !r.oom) {
		uri_split(b.data, b.len, &bu);
		uri_split(r.data, r.len, &ru);
		if (bu.scheme.set) {
			transform(&bu, &ru, &t, &path);
			if (!path.oom) {
				recompose(&out, &t);
				result = take(&out);
			}
		}
	}
	buf_free(&b);
	buf_free(&r);
	buf_free(&path);
	return result;
}

/* Host and port of an authority, userinfo dropped. */
struct hostport {
	struct span host, port;
};

/* RFC 3986 3.2; 0 if malformed: an unclosed "[", something other than
 * ":port" after the host, or a port that is not all digits. */
static int split_authority(struct span a, struct hostport *hp)
{
	const char *p = a.p, *end = a.p + a.len, *q, *rest;

	for (q = end; q > p; q--) {
		if (q[-1] == '@') {
			p = q;
			break;
		}
	}
	if (p < end && *p == '[') {
		q = memchr(p, ']', (size_t)(end - p));
		if (!q)
			return 0;
		rest = q + 1;
	} else {
		q = memchr(p, ':', (size_t)(end - p));
		rest = q ? q : end;
	}
	hp->host = (struct span){ p, (size_t)(rest - p), 1 };
	hp->port = (struct span){ end, 0, 0 };
	if (rest == end)
		return 1;
	if (*rest != ':')
		return 0;
	hp->port = (struct span){ rest + 1, (size_t)(end - rest - 1), 1 };
	for (q = rest + 1; q < end; q++)
		if (!is_digit(*q))
			return 0;
	return 1;
}

/* The port's number, -1 when empty, -2 when above 65535. */
static long port_number(struct span port)
{
	long n = 0;
	size_t i;

	if (!port.len)
		return -1;
	for (i = 0; i < port.len; i++) {
		n = n * 10 + (port.p[i] - '0');
		if (n > 65535)
			return -2;
	}
	return n;
}

/* Lower-cases what was appended to b since from, except the hex digits of
 * escapes, which url_normalize_escapes() has just upper-cased. */
static void lower_from(struct buf *b, size_t from)
{
	size_t i;

	if (b->oom)
		return;
	for (i = from; i < b->len; i++) {
		if (escape_at(b->data, b->len, i) >= 0)
			i += 2;
		else
			b->data[i] = lower(b->data[i]);
	}
}

/* A tidied, split http or https URL with a host: the common ground of the
 * canonical form and the origin.  0 if the URL is not one. */
static int parse_web(struct buf *tidied, const char *url, struct uri *u, struct hostport *hp,
                     int *https)
{
	if (!url)
		return 0;
	tidy(tidied, url);
	if (tidied->oom)
		return 0;
	uri_split(tidied->data, tidied->len, u);
	if (same_word(u->scheme, "http"))
		*https = 0;
	else if (same_word(u->scheme, "https"))
		*https = 1;
	else
		return 0;
	return u->authority.set && split_authority(u->authority, hp) && hp->host.len > 0;
}

/* "scheme://host[:port]", normalised.  0 if the port is out of range. */
static int put_origin(struct buf *out, const struct hostport *hp, int https)
{
	long port = port_number(hp->port);
	size_t from;

	if (port == -2)
		return 0;
	buf_puts(out, https ? "https://" : "http://");
	from = out->len;
	url_normalize_escapes(out, hp->host.p, hp->host.len, NULL);
	lower_from(out, from);
	if (port >= 0 && port != (https ? 443 : 80))
		buf_printf(out, ":%ld", port);
	return 1;
}

char *url_canonical(const char *url)
{
	struct buf tidied = { 0 }, out = { 0 };
	struct uri u;
	struct hostport hp;
	int https, ok;
	size_t from;

	ok = parse_web(&tidied, url, &u, &hp, &https) && put_origin(&out, &hp, https);
	if (ok) {
		from = out.len;
		url_normalize_escapes(&out, u.path.p, u.path.len, NULL);
		remove_dots_from(&out, from);
		if (out.len == from)
			buf_putc(&out, '/');
		if (u.query.set) {
			buf_putc(&out, '?');
			url_normalize_escapes(&out, u.query.p, u.query.len, NULL);
		}
	}
	buf_free(&tidied);
	if (!ok) {
		buf_free(&out);
		return NULL;
	}
	return take(&out);
}

char *url_origin(const char *url)
{
	struct buf tidied = { 0 }, out = { 0 };
	struct uri u;
	struct hostport hp;
	int https, ok;

	ok = parse_web(&tidied, url, &u, &hp, &https) && put_origin(&out, &hp, https);
	buf_free(&tidied);
	if (!ok) {
		buf_free(&out);
		return NULL;
	}
	return take(&out);
}

char *url_host(const char *url)
{
	struct buf tidied = { 0 }, out = { 0 };
	struct uri u;
	struct hostport hp;
	int ok = 0;

	if (url) {
		tidy(&tidied, url);
		if (!tidied.oom) {
			uri_split(tidied.data, tidied.len, &u);
			ok = u.authority.set && split_authority(u.authority, &hp) && hp.host.len > 0;
		}
	}
	if (ok) {
		buf_append(&out, "", 0);
		url_normalize_escapes(&out, hp.host.p, hp.host.len, NULL);
		lower_from(&out, 0);
	}
	buf_free(&tidied);
	return ok ? take(&out) : NULL;
}

char *url_path_query(const char *url)
{
	struct buf out = { 0 };
	struct uri u;

	if (!url)
		return NULL;
	uri_split(url, strlen(url), &u);
	buf_append(&out, "", 0);
	if (u.path.len)
		buf_append(&out, u.path.p, u.path.len);
	else
		buf_putc(&out, '/');
	append_span(&out, "?", u.query);
	return take(&out);
}
