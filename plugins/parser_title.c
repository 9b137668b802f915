/* SPDX-License-Identifier: MIT */
/*
 * The title parser: records the text of a page's first <title>, with
 * entities decoded, converted to UTF-8 from the page's character set and
 * its white space collapsed.  It reads the page with libxml2's SAX
 * interface and stops at the end of the title, so it never builds a tree
 * and rarely reads a page to the end.  A page without a title gets no
 * field; a body that is not HTML is skipped (logged at INFO level).
 */
#include <stdlib.h>
#include <string.h>

#include <scrape/plugin.h>

#include "html.h"

struct title_parser {
	const struct scrape_host *host;
	const char *field;
};

/* One parse: where we are relative to the first <title>, and its text. */
struct title_scan {
	struct html_sax sax;    /* first: libxml2 hands us this as ctx */
	int depth;              /* elements open inside the title; -1: not in it */
	int found;
	int oom;
	char *text;
	size_t len, cap;
};

static const struct scrape_option options[] = {
	{ "field", SCRAPE_OPT_STRING, "title", "the name of the field to record the title in" },
	{ NULL, 0, NULL, NULL },
};

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct title_parser *p;
	const char *field = html_field_option(host, opts);

	if (!field)
		return -1;
	p = malloc(sizeof *p);
	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "title: out of memory");
		return -1;
	}
	html_init();
	p->host = host;
	p->field = field;   /* the core keeps option strings until destroy() */
	*state = p;
	return 0;
}

static void destroy(void *state)
{
	free(state);
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	struct title_scan *t = ctx;

	(void)atts;
	if (t->depth >= 0) {
		t->depth++;
	} else if (!t->found && strcmp((const char *)name, "title") == 0) {
		t->depth = 0;
		t->found = 1;
	}
}

static void on_end(void *ctx, const xmlChar *name)
{
	struct title_scan *t = ctx;

	(void)name;
	if (t->depth > 0) {
		t->depth--;
	} else if (t->depth == 0) {
		/* the title is all we wanted: skip the rest of the page */
		t->depth = -1;
		xmlStopParser(t->sax.ctxt);
	}
}

static void on_text(void *ctx, const xmlChar *text, int len)
{
	struct title_scan *t = ctx;
	char *grown;

	if (t->depth < 0 || t->oom)
		return;
	if (t->len + (size_t)len + 1 > t->cap) {
		size_t cap = (t->len + (size_t)len + 1) * 2;

		if (!(grown = realloc(t->text, cap))) {
			t->oom = 1;
			xmlStopParser(t->sax.ctxt);
			return;
		}
		t->text = grown;
		t->cap = cap;
	}
	memcpy(t->text + t->len, text, (size_t)len);
	t->len += (size_t)len;
	t->text[t->len] = '\0';
}

static const htmlSAXHandler handler = {
	.startElement = on_start,
	.endElement = on_end,
	.characters = on_text,
	.cdataBlock = on_text,
};

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct title_parser *p = state;
	struct title_scan t = { .depth = -1 };
	int rc = 0;

	if (!html_accept(p->host, "title", resp))
		return 0;
	if (html_parse(p->host, "title", resp, &handler, &t.sax, NULL) != 0) {
		rc = -1;
	} else if (t.oom) {
		p->host->log(SCRAPE_LOG_ERROR, "title: out of memory");
		rc = -1;
	} else if (t.found) {
		if (t.text)
			html_squeeze(t.text);
		if (p->host->record_string(rec, p->field, t.text ? t.text : "") != 0) {
			p->host->log(SCRAPE_LOG_ERROR, "title: cannot record field \"%s\"", p->field);
			rc = -1;
		}
	}
	free(t.text);
	return rc;
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "title"),
	.version = SCRAPE_VERSION,
	.description = "the text of the page's <title>",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
