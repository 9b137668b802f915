/* SPDX-License-Identifier: MIT */
/*
 * The links parser: records every link of a page as a list of absolute
 * URLs and offers each to the frontier for crawling.  It takes the href of
 * <a> and <area> (and optionally <link href>, <img src>, <script src>),
 * resolves it against the page's final URL and its first <base href> with
 * libcurl's URL API, drops the fragment, keeps only http and https, and
 * drops repeats, keeping the order in which links first appear.
 *
 * Link extraction is the hot path of a crawl, so the page is read with
 * libxml2's SAX interface: no tree is built, and only start tags are looked
 * at.  The raw values are kept until the end of the page, because a <base>
 * anywhere in the document applies to every link in it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include <scrape/plugin.h>

#include "../src/util/hash.h"
#include "html.h"

struct links_parser {
	const struct scrape_host *host;
	const char *field;
	int link, img, script, same_host;
};

/* One parse: the raw attribute values in document order, NUL-separated. */
struct link_scan {
	struct html_sax sax;    /* first: libxml2 hands us this as ctx */
	const struct links_parser *p;
	char *raw;
	size_t len, cap;
	char *base;             /* the first <base href>, as written */
	int oom;
};

static const struct scrape_option options[] = {
	{ "field", SCRAPE_OPT_STRING, "links", "the name of the list field to record the links in" },
	{ "link", SCRAPE_OPT_BOOL, "false", "also take <link href> (stylesheets, icons, feeds...)" },
	{ "img", SCRAPE_OPT_BOOL, "false", "also take <img src>" },
	{ "script", SCRAPE_OPT_BOOL, "false", "also take <script src>" },
	{ "same_host", SCRAPE_OPT_BOOL, "false", "keep only links to the page's own host name" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct links_parser *p;
	const char *field = html_field_option(host, opts);

	if (!field)
		return -1;
	p = malloc(sizeof *p);
	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "links: out of memory");
		return -1;
	}
	html_init();
	p->host = host;
	p->field = field;   /* the core keeps option strings until destroy() */
	p->link = host->opt_bool(opts, "link");
	p->img = host->opt_bool(opts, "img");
	p->script = host->opt_bool(opts, "script");
	p->same_host = host->opt_bool(opts, "same_host");
	*state = p;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

/* ---- collecting the raw values ---- */

static const char *attribute(const xmlChar **atts, const char *name)
{
	size_t i;

	for (i = 0; atts && atts[i]; i += 2)
		if (strcmp((const char *)atts[i], name) == 0)
			return (const char *)atts[i + 1];   /* NULL for a bare <a href> */
	return NULL;
}

/* Which attribute of this element is a link we were asked for, if any. */
static const char *wanted(const struct links_parser *p, const char *name)
{
	switch (name[0]) {
	case 'a':
		if (!name[1] || strcmp(name, "area") == 0)
			return "href";
		break;
	case 'l':
		if (p->link && strcmp(name, "link") == 0)
			return "href";
		break;
	case 'i':
		if (p->img && strcmp(name, "img") == 0)
			return "src";
		break;
	case 's':
		if (p->script && strcmp(name, "script") == 0)
			return "src";
		break;
	}
	return NULL;
}

static void keep(struct link_scan *s, const char *value)
{
	size_t n = strlen(value) + 1;

	if (s->len + n > s->cap) {
		size_t cap = (s->len + n) * 2;
		char *grown = realloc(s->raw, cap);

		if (!grown) {
			s->oom = 1;
			xmlStopParser(s->sax.ctxt);
			return;
		}
		s->raw = grown;
		s->cap = cap;
	}
	memcpy(s->raw + s->len, value, n);
	s->len += n;
}

static void on_start(void *ctx, const xmlChar *tag, const xmlChar **atts)
{
	struct link_scan *s = ctx;
	const char *name = (const char *)tag;
	const char *attr, *value;

	if (!s->base && strcmp(name, "base") == 0) {
		if ((value = attribute(atts, "href")) && !(s->base = strdup(value))) {
			s->oom = 1;
			xmlStopParser(s->sax.ctxt);
		}
		return;
	}
	if ((attr = wanted(s->p, name)) && (value = attribute(atts, attr)))
		keep(s, value);
}

static const htmlSAXHandler handler = {
	.startElement = on_start,
};

/* ---- resolving ---- */

static int is_c0_or_space(unsigned char c)
{
	return c <= ' ';
}

/*
 * The value as a browser reads it, in place: leading and trailing
 * controls and spaces stripped, tabs and newlines inside removed.
 */
static void clean(char *value)
{
	char *end = value + strlen(value), *from = value, *to = value;

	while (from < end && is_c0_or_space((unsigned char)*from))
		from++;
	while (end > from && is_c0_or_space((unsigned char)end[-1]))
		end--;
	for (; from < end; from++)
		if (*from != '\t' && *from != '\n' && *from != '\r')
			*to++ = *from;
	*to = '\0';
}

/*
 * ref resolved against base, or NULL if it is not a URL libcurl accepts.
 * An empty reference or a bare fragment means the base document itself,
 * which libcurl would get wrong (it drops the last path segment).
 */
static CURLU *resolve(CURLU *base, const char *ref)
{
	CURLU *u = curl_url_dup(base);

	if (!u)
		return NULL;
	if (*ref && *ref != '#' && curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

static int is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static int host_is(CURLU *u, const char *host)
{
	char *h = NULL;
	int same;

	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
		return 0;
	same = strcasecmp(h, host) == 0;
	curl_free(h);
	return same;
}

/* The link as recorded (curl_free it), or NULL if it is not one we keep. */
static char *absolute(CURLU *base, const char *ref, const char *page_host)
{
	CURLU *u = resolve(base, ref);
	char *url = NULL;

	if (!u)
		return NULL;
	/* the reference has none by now, but an empty one takes the base's */
	if (curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    (page_host && !host_is(u, page_host)) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		url = NULL;
	curl_url_cleanup(u);
	if (url && !is_http(url)) {
		curl_free(url);
		url = NULL;
	}
	return url;
}

/* ---- dropping repeats ---- */

/* A set of strings it does not own. */
struct str_set {
	struct str_slot {
		uint64_t hash;
		const char *s;
	} *slots;
	size_t cap, used;
};

static struct str_slot *probe(struct str_slot *slots, size_t cap, uint64_t h, const char *s)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i].s && !(slots[i].hash == h && strcmp(slots[i].s, s) == 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct str_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64, i;
	struct str_slot *slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (i = 0; i < set->cap; i++)
		if (set->slots[i].s)
			*probe(slots, cap, set->slots[i].hash, set->slots[i].s) = set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

/* 1: s was not in the set and is now; 0: it was; -1: no memory. */
static int add(struct str_set *set, const char *s)
{
	uint64_t h = hash_fnv1a(s);
	struct str_slot *slot;

	/* at most half full, so probes stay short */
	if ((set->used + 1) * 2 > set->cap && grow(set) != 0)
		return -1;
	slot = probe(set->slots, set->cap, h, s);
	if (slot->s)
		return 0;
	slot->hash = h;
	slot->s = s;
	set->used++;
	return 1;
}

/* ---- putting it together ---- */

/* Everything that stays the same for every link of one page. */
struct page {
	CURLU *base;            /* the page, or its <base href> resolved */
	char *host;             /* the page's host name, for same_host */
	struct str_set refs;    /* references seen, fragments cut off */
	struct str_set urls;    /* links recorded (curl_free them) */
};

static int record(const struct links_parser *p, struct scrape_record *rec, const char *url)
{
	if (p->host->record_append(rec, p->field, url) != 0 || p->host->record_link(rec, url) != 0) {
		p->host->log(SCRAPE_LOG_ERROR, "links: cannot record field \"%s\"", p->field);
		return -1;
	}
	return 0;
}

/*
 * One reference (cleaned in place).  Its fragment cannot change what the
 * rest resolves to, so a reference already seen without it - "#a" and
 * "#b" are both the page itself - skips libcurl altogether.
 */
static int take(const struct links_parser *p, struct page *pg, char *ref,
                struct scrape_record *rec)
{
	char *url;
	int fresh;

	clean(ref);
	ref[strcspn(ref, "#")] = '\0';
	fresh = add(&pg->refs, ref);
	if (fresh > 0 && (url = absolute(pg->base, ref, pg->host))) {
		if ((fresh = add(&pg->urls, url)) > 0)
			return record(p, rec, url);
		curl_free(url);
	}
	if (fresh < 0)
		p->host->log(SCRAPE_LOG_ERROR, "links: out of memory");
	return fresh < 0 ? -1 : 0;
}

static CURLU *parse_url(const char *text)
{
	CURLU *u = curl_url();

	if (u && curl_url_set(u, CURLUPART_URL, text, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* The page's base: its <base href> (a relative one resolved against the
 * page) if it has a usable one, else the page's own URL. */
static int page_open(struct page *pg, const char *url, char *base_href, int want_host)
{
	CURLU *based;

	memset(pg, 0, sizeof *pg);
	if (!(pg->base = parse_url(url)))
		return -1;
	if (want_host && curl_url_get(pg->base, CURLUPART_HOST, &pg->host, 0) != CURLUE_OK)
		return -1;
	if (base_href) {
		clean(base_href);
		/* a <base href> that is no URL is ignored, as browsers do */
		if ((based = resolve(pg->base, base_href))) {
			curl_url_cleanup(pg->base);
			pg->base = based;
		}
	}
	return 0;
}

static void page_close(struct page *pg)
{
	size_t i;

	for (i = 0; i < pg->urls.cap; i++)
		curl_free((char *)pg->urls.slots[i].s);
	free(pg->urls.slots);
	free(pg->refs.slots);
	curl_free(pg->host);
	curl_url_cleanup(pg->base);
}

/* Resolves, filters and records the links of the scan, in order. */
static int emit(const struct links_parser *p, struct link_scan *s, const char *url,
                struct scrape_record *rec)
{
	struct page pg;
	size_t at, n;
	int rc = 0;

	if (page_open(&pg, url, s->base, p->same_host) != 0) {
		p->host->log(SCRAPE_LOG_DEBUG, "links: cannot resolve links against %s", url);
		page_close(&pg);
		return 0;
	}
	/* cleaning shortens a value in place, so step by its length before */
	for (at = 0; at < s->len && rc == 0; at += n + 1) {
		n = strlen(s->raw + at);
		rc = take(p, &pg, s->raw + at, rec);
	}
	page_close(&pg);
	return rc;
}

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct links_parser *p = state;
	struct link_scan s = { .p = p };
	int rc;

	if (!html_accept(p->host, "links", resp))
		return 0;
	rc = html_parse(p->host, "links", resp, &handler, &s.sax, NULL);
	if (rc == 0 && s.oom) {
		p->host->log(SCRAPE_LOG_ERROR, "links: out of memory");
		rc = -1;
	}
	/* an HTML page without links still gets its (empty) list */
	if (rc == 0 && p->host->record_append(rec, p->field, NULL) != 0)
		rc = -1;
	if (rc == 0)
		rc = emit(p, &s, resp->final_url ? resp->final_url : resp->url, rec);
	free(s.raw);
	free(s.base);
	return rc;
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "links"),
	.version = SCRAPE_VERSION,
	.description = "the page's links as absolute URLs, also offered for crawling",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
