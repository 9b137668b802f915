/* SPDX-License-Identifier: MIT */
/*
 * Shared by the HTML parsers: is this response a page, which character set
 * is it in, and a wrapper around libxml2's HTML parser that either builds
 * a tree or only feeds SAX callbacks.  The parser is libxml2's recovering
 * one, told never to print errors or touch the network, so any body -
 * truncated, binary, endlessly nested - yields some document and no noise.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/encoding.h>

#include "html.h"
#include "../src/util/utf8.h"

#define PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
                       HTML_PARSE_NONET | HTML_PARSE_COMPACT)

/* How far into the body a <meta> charset counts, as browsers do. */
#define META_WINDOW 1024

void html_init(void)
{
	/* libxml2 sets its global tables up lazily unless told to now; two
	 * workers doing it at once would race. */
	xmlInitParser();
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The media type alone, "text/html; charset=x" -> "text/html". */
static void media_type(const char *content_type, char *buf, size_t len)
{
	size_t n;

	while (is_space((unsigned char)*content_type))
		content_type++;
	n = strcspn(content_type, "; \t");
	if (n >= len)
		n = len - 1;
	memcpy(buf, content_type, n);
	buf[n] = '\0';
}

static int starts_with_nocase(const unsigned char *p, const unsigned char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && strncasecmp((const char *)p, word, n) == 0;
}

/* No Content-Type: believe it is HTML only if it opens like a page. */
static int looks_like_html(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	while (p < end && is_space(*p))
		p++;
	return starts_with_nocase(p, end, "<!doctype html") || starts_with_nocase(p, end, "<html");
}

int html_accept(const struct scrape_host *host, const char *who,
                const struct scrape_response *resp)
{
	char type[128];

	if (!resp->content_type) {
		if (looks_like_html(resp->body, resp->body_len))
			return 1;
		snprintf(type, sizeof type, "no Content-Type");
	} else {
		media_type(resp->content_type, type, sizeof type);
		if (strcasecmp(type, "text/html") == 0 || strcasecmp(type, "application/xhtml+xml") == 0)
			return 1;
	}
	host->log(SCRAPE_LOG_INFO, "%s: skipped a non-HTML body (%s) from %s", who, type,
	          resp->final_url ? resp->final_url : resp->url);
	return 0;
}

static int is_utf8_name(const char *name)
{
	return strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0;
}

/* Whether libxml2 (with iconv behind it) can decode this charset. */
static int known_encoding(const char *name)
{
	xmlCharEncodingHandlerPtr h;

	if (is_utf8_name(name))
		return 1;
	h = xmlFindCharEncodingHandler(name);
	if (!h)
		return 0;
	xmlCharEncCloseFunc(h);
	return 1;
}

static const char *bom_encoding(const unsigned char *p, size_t len)
{
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return "UTF-8";
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff)
		return "UTF-16BE";
	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe)
		return "UTF-16LE";
	return NULL;
}

static const unsigned char *find_nocase(const unsigned char *p, const unsigned char *end,
                                        const char *word)
{
	for (; p < end; p++)
		if (starts_with_nocase(p, end, word))
			return p;
	return NULL;
}

/*
 * The value after "charset" [space] "=" [space] [quote], if the tag
 * [p, end) has one.  This covers both <meta charset="x"> and the older
 * <meta http-equiv="Content-Type" content="text/html; charset=x">.
 */
static int tag_charset(const unsigned char *p, const unsigned char *end, char *buf, size_t len)
{
	while ((p = find_nocase(p, end, "charset"))) {
		size_t n = 0;

		p += 7;
		while (p < end && is_space(*p))
			p++;
		if (p == end || *p != '=')
			continue;
		p++;
		while (p < end && (is_space(*p) || *p == '"' || *p == '\''))
			p++;
		while (p + n < end && !is_space(p[n]) && !strchr("\"';>/", p[n]))
			n++;
		if (n == 0 || n >= len || p + n == end)
			return 0;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 1;
	}
	return 0;
}

static int meta_charset(const unsigned char *body, size_t len, char *buf, size_t buflen)
{
	const unsigned char *end = body + (len < META_WINDOW ? len : META_WINDOW);
	const unsigned char *p = body, *close;

	while ((p = find_nocase(p, end, "<meta"))) {
		p += 5;
		close = memchr(p, '>', (size_t)(end - p));
		if (!close)
			return 0;
		if (tag_charset(p, close + 1, buf, buflen))
			return 1;
		p = close;
	}
	return 0;
}

const char *html_encoding(const struct scrape_response *resp, char *buf, size_t len)
{
	const char *bom = bom_encoding(resp->body, resp->body_len);

	if (bom)
		return bom;
	if (resp->charset && known_encoding(resp->charset))
		return resp->charset;
	if (meta_charset(resp->body, resp->body_len, buf, len) && known_encoding(buf)) {
		/* a page that could read its own <meta> in ASCII is not UTF-16,
		 * whatever it says (the HTML standard's rule) */
		if (strncasecmp(buf, "utf-16", 6) == 0)
			return "UTF-8";
		return buf;
	}
	return "UTF-8";
}

/*
 * A UTF-8 body with each invalid byte replaced by the UTF-8 of the
 * ISO-8859-1 character of its value, or NULL when the body is valid (the
 * usual case: no copy) or memory ran out (*oom set).  libxml2, told a page
 * is UTF-8, passes invalid bytes through (the record then shows U+FFFD)
 * or drops them (an encoded surrogate); told nothing, it reads all the
 * rest of the page as ISO-8859-1, good UTF-8 too.  A page with a few
 * invalid bytes is nearly always Latin-1 text in a page labelled UTF-8,
 * so reading just those bytes as Latin-1 gives the words the author
 * meant, and the good UTF-8 around them stays as it is.
 */
static char *latin1_repaired(const unsigned char *body, size_t len, size_t *out_len, int *oom)
{
	size_t i = 0, n, o = 0;
	char *out;

	*oom = 0;
	while (i < len && (n = utf8_length(body + i, len - i)) > 0)
		i += n;
	if (i == len)
		return NULL;
	/* each byte grows to two at most */
	if (len > (SIZE_MAX - 1) / 2 || !(out = malloc(2 * len + 1))) {
		*oom = 1;
		return NULL;
	}
	memcpy(out, body, i);
	o = i;
	while (i < len) {
		if ((n = utf8_length(body + i, len - i)) > 0) {
			memcpy(out + o, body + i, n);
			o += n, i += n;
		} else {
			out[o++] = (char)(0xc0 | body[i] >> 6);
			out[o++] = (char)(0x80 | (body[i] & 0x3f));
			i++;
		}
	}
	*out_len = o;
	return out;
}

int html_parse(const struct scrape_host *host, const char *who,
               const struct scrape_response *resp, const htmlSAXHandler *sax,
               struct html_sax *user, htmlDocPtr *doc)
{
	const char *url = resp->final_url ? resp->final_url : resp->url;
	char charset[64];
	const char *encoding = html_encoding(resp, charset, sizeof charset);
	const char *text = (const char *)resp->body;
	size_t len = resp->body_len;
	char *repaired = NULL;
	htmlParserCtxtPtr ctxt;
	htmlDocPtr tree;
	int oom = 0;

	if (is_utf8_name(encoding) && (repaired = latin1_repaired(resp->body, len, &len, &oom)))
		text = repaired;
	if (oom) {
		host->log(SCRAPE_LOG_ERROR, "%s: out of memory", who);
		return -1;
	}
	if (len > INT_MAX) {
		host->log(SCRAPE_LOG_ERROR, "%s: %s: a body of %zu bytes is more than libxml2 parses",
		          who, url, len);
		free(repaired);
		return -1;
	}
	ctxt = htmlNewParserCtxt();
	if (!ctxt) {
		host->log(SCRAPE_LOG_ERROR, "%s: out of memory", who);
		free(repaired);
		return -1;
	}
	if (sax) {
		memcpy(ctxt->sax, sax, sizeof *sax);
		ctxt->userData = user;
		user->ctxt = ctxt;
	}
	tree = htmlCtxtReadMemory(ctxt, text, (int)len, url, encoding, PARSE_OPTIONS);
	free(repaired);
	oom = ctxt->errNo == XML_ERR_NO_MEMORY;
	htmlFreeParserCtxt(ctxt);
	if (sax)
		user->ctxt = NULL;
	if (oom) {
		xmlFreeDoc(tree);
		host->log(SCRAPE_LOG_ERROR, "%s: out of memory parsing %s", who, url);
		return -1;
	}
	if (doc)
		*doc = tree;
	else
		xmlFreeDoc(tree);
	return 0;
}

size_t html_squeeze(char *s)
{
	size_t in = 0, out = 0;
	int gap = 0;

	while (s[in] && is_space((unsigned char)s[in]))
		in++;
	for (; s[in]; in++) {
		if (is_space((unsigned char)s[in])) {
			gap = 1;
			continue;
		}
		if (gap)
			s[out++] = ' ';
		gap = 0;
		s[out++] = s[in];
	}
	s[out] = '\0';
	return out;
}

const char *html_field_option(const struct scrape_host *host, const struct scrape_options *opts)
{
	const char *field = host->opt_string(opts, "field");

	if (!field || !*field) {
		host->opt_fail(opts, "field", "the field name must not be empty");
		return NULL;
	}
	return field;
}
