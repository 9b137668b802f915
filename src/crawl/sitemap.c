/* SPDX-License-Identifier: MIT */
/*
 * A sitemap read in three stages, each fed by the one before: the raw
 * bytes (inflated when they start with the gzip magic), the decoded bytes
 * (counted against the cap, and sniffed once: XML or plain text), then
 * libxml2's push parser or a line splitter.  The XML side only follows the
 * shape of a sitemap, by depth: the root (<urlset> or <sitemapindex>), its
 * entries (<url> or <sitemap>) and their <loc> and <lastmod>, all in the
 * root's namespace, so the <image:loc> of an extension one level down, or
 * an element of another namespace, is never taken for a page.
 */
#include <config.h>

#include "crawl/sitemap.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define LASTMOD_MAX 64
#define INFLATE_CHUNK 65536

enum mode { SNIFF, XML, TEXT, STOPPED };

struct sitemap {
	void (*found)(void *ctx, enum sitemap_entry kind, const char *loc, size_t len,
	              const char *lastmod, size_t lastmod_len);
	void *ctx;
	int64_t max_bytes, decoded;
	/* the raw stage */
	unsigned char magic[2];
	size_t magic_len;           /* raw bytes held until gzip is ruled in or out */
	int gzip;                   /* 1 inflating, 0 not, -1 not known yet */
	z_stream z;
	int member_open;            /* inside a gzip member: its end not read yet */
	unsigned char *out;         /* inflate's output */
	/* the decoded stage */
	enum mode mode;
	int bom;                    /* bytes of a UTF-8 byte order mark seen */
	/* XML */
	xmlParserCtxtPtr xml;
	int depth;
	int index;                  /* the root is a <sitemapindex> */
	char *ns;                   /* the root's namespace, or NULL */
	int in_entry, field;        /* inside <url>/<sitemap>; 1 <loc>, 2 <lastmod> */
	/* an entry's text, or a text sitemap's line */
	char loc[SITEMAP_MAX_LOC];
	size_t loc_len;
	int loc_long;
	char lastmod[LASTMOD_MAX];
	size_t lastmod_len;
	int has_lastmod;
	uint64_t skipped;
	int truncated;
	char error[200];
};

static void stop(struct sitemap *sm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void stop(struct sitemap *sm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!sm->error[0])
		vsnprintf(sm->error, sizeof sm->error, fmt, ap);
	va_end(ap);
	if (sm->xml)
		xmlStopParser(sm->xml);
	sm->mode = STOPPED;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Passes on the entry collected, its <loc> trimmed. */
static void emit(struct sitemap *sm, enum sitemap_entry kind)
{
	const char *p = sm->loc, *lm = sm->lastmod;
	size_t len = sm->loc_len, lml = sm->lastmod_len;

	while (len && is_space(*p))
		p++, len--;
	while (len && is_space(p[len - 1]))
		len--;
	while (lml && is_space(*lm))
		lm++, lml--;
	while (lml && is_space(lm[lml - 1]))
		lml--;
	if (sm->loc_long || len == 0)
		sm->skipped++;
	else
		sm->found(sm->ctx, kind, p, len, sm->has_lastmod && lml ? lm : NULL, lml);
	sm->loc_len = sm->lastmod_len = 0;
	sm->loc_long = sm->has_lastmod = 0;
}

static void add_loc(struct sitemap *sm, const char *s, size_t len)
{
	if (sm->loc_long || sm->loc_len + len > sizeof sm->loc) {
		sm->loc_long = 1;
		return;
	}
	memcpy(sm->loc + sm->loc_len, s, len);
	sm->loc_len += len;
}

/* ---- XML ---- */

static int same(const xmlChar *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return strcmp((const char *)a, b) == 0;
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes)
{
	struct sitemap *sm = ctx;
	const char *n = (const char *)name;

	(void)prefix, (void)nb_namespaces, (void)namespaces, (void)nb_attributes;
	(void)nb_defaulted, (void)attributes;
	sm->depth++;
	if (sm->depth == 1) {
		if (strcmp(n, "urlset") != 0 && strcmp(n, "sitemapindex") != 0) {
			stop(sm, "not a sitemap: its root element is <%.60s>, not <urlset> or "
			     "<sitemapindex>", n);
			return;
		}
		sm->index = n[0] == 's';
		if (uri && !(sm->ns = strdup((const char *)uri)))
			stop(sm, "out of memory");
	} else if (sm->depth == 2 && same(uri, sm->ns) &&
	           strcmp(n, sm->index ? "sitemap" : "url") == 0) {
		sm->in_entry = 1;
		sm->loc_len = sm->lastmod_len = 0;
		sm->loc_long = sm->has_lastmod = 0;
	} else if (sm->depth == 3 && sm->in_entry && same(uri, sm->ns)) {
		if (strcmp(n, "loc") == 0) {
			sm->field = 1;
			sm->loc_len = 0;
			sm->loc_long = 0;
		} else if (strcmp(n, "lastmod") == 0) {
			sm->field = 2;
			sm->lastmod_len = 0;
			sm->has_lastmod = 1;
		}
	}
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct sitemap *sm = ctx;

	(void)name, (void)prefix, (void)uri;
	if (sm->depth == 3)
		sm->field = 0;
	else if (sm->depth == 2 && sm->in_entry) {
		sm->in_entry = 0;
		emit(sm, sm->index ? SITEMAP_CHILD : SITEMAP_PAGE);
	}
	sm->depth--;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
	struct sitemap *sm = ctx;

	if (sm->field == 1) {
		add_loc(sm, (const char *)ch, (size_t)len);
	} else if (sm->field == 2) {
		size_t n = (size_t)len;
		if (n > sizeof sm->lastmod - sm->lastmod_len)
			n = sizeof sm->lastmod - sm->lastmod_len;
		memcpy(sm->lastmod + sm->lastmod_len, ch, n);
		sm->lastmod_len += n;
	}
}

/* An entity declaration: a sitemap needs none, and expanding them is how
 * a small file turns into gigabytes. */
static void on_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                      const xmlChar *system_id, xmlChar *content)
{
	(void)type, (void)public_id, (void)system_id, (void)content;
	stop(ctx, "declares the entity \"%.60s\", which a sitemap never needs (not read)",
	     (const char *)name);
}

static void on_error(void *ctx, xmlErrorPtr e)
{
	struct sitemap *sm = ctx;
	char what[160];
	size_t n;

	if (e->level < XML_ERR_FATAL || sm->error[0])
		return;
	snprintf(what, sizeof what, "%s", e->message ? e->message : "malformed");
	n = strlen(what);
	while (n && is_space(what[n - 1]))
		what[--n] = '\0';
	snprintf(sm->error, sizeof sm->error, "malformed XML at line %d: %s", e->line, what);
	sm->mode = STOPPED;
}

static int start_xml(struct sitemap *sm)
{
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	sax.entityDecl = on_entity;
	sax.serror = on_error;
	sm->xml = xmlCreatePushParserCtxt(&sax, sm, NULL, 0, NULL);
	if (!sm->xml) {
		stop(sm, "out of memory");
		return -1;
	}
	xmlCtxtUseOptions(sm->xml, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	return 0;
}

/* ---- text ---- */

static void text_bytes(struct sitemap *sm, const char *p, size_t len)
{
	const char *end = p + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		add_loc(sm, p, n);
		if (!eol)
			break;
		if (sm->loc_len || sm->loc_long) {
			const char *s = sm->loc;
			size_t l = sm->loc_len;
			while (l && is_space(*s))
				s++, l--;
			if (l || sm->loc_long)
				emit(sm, SITEMAP_PAGE);
			sm->loc_len = 0;
			sm->loc_long = 0;
		}
		p = eol + 1;
	}
}

/* ---- the decoded stage ---- */

static int decoded(struct sitemap *sm, const char *p, size_t len)
{
	if (sm->mode == STOPPED)
		return -1;
	if ((int64_t)len > sm->max_bytes - sm->decoded) {
		len = (size_t)(sm->max_bytes - sm->decoded);
		sm->truncated = 1;
	}
	sm->decoded += (int64_t)len;
	/* the first character decides: "<" XML, anything else a text sitemap;
	 * a byte order mark and white space before it are dropped (libxml2
	 * refuses an XML declaration that does not open the document) */
	while (sm->mode == SNIFF && len) {
		unsigned char c = (unsigned char)*p;
		if (sm->bom < 3 && c == (unsigned char)"\xEF\xBB\xBF"[sm->bom]) {
			sm->bom++;
		} else if (is_space((char)c)) {
			sm->bom = 3;
		} else if (c == '<') {
			if (start_xml(sm) < 0)
				return -1;
			sm->mode = XML;
			break;
		} else {
			sm->mode = TEXT;
			break;
		}
		p++, len--;
	}
	if (sm->mode == XML && len)
		xmlParseChunk(sm->xml, p, (int)len, 0);
	else if (sm->mode == TEXT)
		text_bytes(sm, p, len);
	if (sm->mode == STOPPED)
		return -1;
	if (sm->truncated) {
		sm->mode = STOPPED;
		return -1;
	}
	return 0;
}

/* Pieces of at most 1 GiB, as xmlParseChunk takes an int. */
static int decoded_all(struct sitemap *sm, const char *p, size_t len)
{
	while (len) {
		size_t n = len > (1u << 30) ? (1u << 30) : len;
		if (decoded(sm, p, n) < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* ---- the raw stage ---- */

static int inflate_bytes(struct sitemap *sm, const unsigned char *p, size_t len)
{
	sm->z.next_in = (unsigned char *)p;
	sm->z.avail_in = (uInt)len;
	while (sm->z.avail_in > 0) {
		int rc;

		sm->z.next_out = sm->out;
		sm->z.avail_out = INFLATE_CHUNK;
		sm->member_open = 1;
		rc = inflate(&sm->z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			stop(sm, "its gzip data is damaged (%s)", sm->z.msg ? sm->z.msg : "inflate failed");
			return -1;
		}
		if (decoded_all(sm, (const char *)sm->out, INFLATE_CHUNK - sm->z.avail_out) < 0)
			return -1;
		/* gzip members may follow one another */
		if (rc == Z_STREAM_END) {
			sm->member_open = 0;
			if (inflateReset(&sm->z) != Z_OK) {
				stop(sm, "its gzip data is damaged");
				return -1;
			}
		}
		if (rc == Z_BUF_ERROR && sm->z.avail_out != 0)
			break;
	}
	return 0;
}

static int raw(struct sitemap *sm, const unsigned char *p, size_t len)
{
	if (sm->gzip)
		return inflate_bytes(sm, p, len);
	return decoded_all(sm, (const char *)p, len);
}

void sitemap_global_init(void)
{
	xmlInitParser();
}

struct sitemap *sitemap_new(int64_t max_bytes,
                            void (*found)(void *ctx, enum sitemap_entry kind, const char *loc,
                                          size_t len, const char *lastmod, size_t lastmod_len),
                            void *ctx)
{
	struct sitemap *sm = calloc(1, sizeof *sm);

	if (!sm)
		return NULL;
	sm->found = found;
	sm->ctx = ctx;
	sm->max_bytes = max_bytes > 0 ? max_bytes : INT64_MAX;
	sm->gzip = -1;
	return sm;
}

void sitemap_free(struct sitemap *sm)
{
	if (!sm)
		return;
	if (sm->xml) {
		/* a document type declaration makes libxml2 start a document,
		 * even with SAX callbacks, and leave it to the caller */
		if (sm->xml->myDoc)
			xmlFreeDoc(sm->xml->myDoc);
		xmlFreeParserCtxt(sm->xml);
	}
	if (sm->gzip == 1)
		inflateEnd(&sm->z);
	free(sm->out);
	free(sm->ns);
	free(sm);
}

/* The first two raw bytes say whether this is gzip. */
static int decide_gzip(struct sitemap *sm)
{
	sm->gzip = sm->magic_len == 2 && sm->magic[0] == 0x1f && sm->magic[1] == 0x8b;
	if (sm->gzip && (!(sm->out = malloc(INFLATE_CHUNK)) ||
	                 inflateInit2(&sm->z, 16 + MAX_WBITS) != Z_OK)) {
		sm->gzip = 0;           /* nothing to end */
		stop(sm, "out of memory");
		return -1;
	}
	return raw(sm, sm->magic, sm->magic_len);
}

int sitemap_feed(struct sitemap *sm, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (sm->mode == STOPPED)
		return -1;
	while (sm->gzip < 0 && len) {
		sm->magic[sm->magic_len++] = *p++;
		len--;
		if (sm->magic_len == 2 && decide_gzip(sm) < 0)
			return -1;
	}
	return len ? raw(sm, p, len) : 0;
}

int sitemap_end(struct sitemap *sm)
{
	if (sm->gzip < 0 && sm->magic_len && decide_gzip(sm) < 0)
		return -1;
	if (sm->mode == STOPPED)
		return -1;
	if (sm->gzip == 1 && sm->member_open) {
		stop(sm, "its gzip data ends too soon");
		return -1;
	}
	switch (sm->mode) {
	case SNIFF:
		stop(sm, "it is empty");
		return -1;
	case TEXT:
		text_bytes(sm, "\n", 1);
		return 0;
	case XML:
		xmlParseChunk(sm->xml, NULL, 0, 1);
		if (sm->mode == STOPPED)
			return -1;
		if (!sm->xml->wellFormed) {
			stop(sm, "malformed XML");
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

const char *sitemap_error(const struct sitemap *sm)
{
	return sm->error;
}

int sitemap_truncated(const struct sitemap *sm)
{
	return sm->truncated;
}

uint64_t sitemap_skipped(const struct sitemap *sm)
{
	return sm->skipped;
}
