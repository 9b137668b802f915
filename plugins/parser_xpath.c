/* SPDX-License-Identifier: MIT */
/*
 * The xpath parser: named XPath 1.0 expressions evaluated on each page's
 * tree, each result recorded as a field of its own type.  A node-set gives
 * the string value of its first node (or of every node, for fields listed
 * in `all`) with white space collapsed; a number, boolean or string gives
 * that.  Every expression is checked when the job starts, so a typo is a
 * job error pointing at the key, not a failure on every page.
 *
 * libxml2 caches function look-ups inside a compiled expression while it
 * evaluates it, so one compiled expression must not be shared between
 * workers: each parse compiles its own, which costs little next to
 * parsing the page.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <scrape/plugin.h>

#include "html.h"

#if LIBXML_VERSION >= 21200
#define XML_ERROR_ARG const xmlError *
#else
#define XML_ERROR_ARG xmlErrorPtr
#endif

struct xpath_field {
	const char *name;       /* option strings: the core keeps them */
	const char *expr;
	int all;                /* every node, as a list */
};

struct xpath_parser {
	const struct scrape_host *host;
	struct xpath_field *fields;
	size_t count;
};

/* The first error libxml2 reports while errors are caught. */
struct xpath_error {
	char message[200];
	int offset;             /* into the expression, for syntax errors */
	int set;
};

/* The error handlers in force before catch_errors(), per thread. */
struct saved_handlers {
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	xmlGenericErrorFunc generic;
	void *generic_ctx;
};

static const struct scrape_option options[] = {
	{ "fields", SCRAPE_OPT_MAP, NULL, "field name -> XPath 1.0 expression, one field each" },
	{ "all", SCRAPE_OPT_LIST, NULL, "fields whose node-set gives a list of every node, not the first" },
	{ NULL, 0, NULL, NULL },
};

/* ---- catching libxml2's errors instead of letting it print them ---- */

static void on_error(void *ctx, XML_ERROR_ARG err)
{
	struct xpath_error *e = ctx;
	size_t n;

	if (e->set || !err->message)
		return;
	snprintf(e->message, sizeof e->message, "%s", err->message);
	n = strlen(e->message);
	while (n > 0 && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
		e->message[--n] = '\0';
	e->offset = err->int1;
	e->set = 1;
}

/* Some evaluation errors bypass the structured handler; they add nothing. */
static void on_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* libxml2's handlers are per thread: this touches only the caller's. */
static void catch_errors(struct xpath_error *e, struct saved_handlers *saved)
{
	memset(e, 0, sizeof *e);
	saved->structured = xmlStructuredError;
	saved->structured_ctx = xmlStructuredErrorContext;
	saved->generic = xmlGenericError;
	saved->generic_ctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(e, on_error);
	xmlSetGenericErrorFunc(NULL, on_generic);
}

static void release_errors(const struct saved_handlers *saved)
{
	xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
	xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}

/* ---- create ---- */

/*
 * Compiles the expression, and evaluates it once on an empty page, which
 * catches unknown functions and variables and wrong argument types too.
 */
static int check_expression(const struct scrape_host *host, const struct scrape_options *opts,
                            const struct xpath_field *f)
{
	struct saved_handlers saved;
	struct xpath_error e;
	xmlXPathCompExprPtr comp;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr result = NULL;
	htmlDocPtr empty = NULL;

	catch_errors(&e, &saved);
	comp = xmlXPathCompile((const xmlChar *)f->expr);
	if (comp && (empty = htmlNewDocNoDtD(NULL, NULL)) && (ctx = xmlXPathNewContext(empty)))
		result = xmlXPathCompiledEval(comp, ctx);
	release_errors(&saved);
	xmlXPathFreeObject(result);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(empty);
	xmlXPathFreeCompExpr(comp);
	if (!comp && e.set)
		host->opt_fail(opts, "fields", "bad XPath for field \"%s\": %s at character %d of \"%s\"",
		               f->name, e.message, e.offset + 1, f->expr);
	else if (!result && e.set)
		host->opt_fail(opts, "fields", "bad XPath for field \"%s\": %s in \"%s\"", f->name,
		               e.message, f->expr);
	else if (!result)
		host->log(SCRAPE_LOG_ERROR, "xpath: out of memory");
	return result ? 0 : -1;
}

static int read_fields(const struct scrape_host *host, const struct scrape_options *opts,
                       struct xpath_parser *p)
{
	size_t i;

	p->count = host->opt_count(opts, "fields");
	if (p->count == 0) {
		host->opt_fail(opts, "fields", "give at least one field, as NAME: XPATH");
		return -1;
	}
	if (!(p->fields = calloc(p->count, sizeof *p->fields))) {
		host->log(SCRAPE_LOG_ERROR, "xpath: out of memory");
		return -1;
	}
	for (i = 0; i < p->count; i++) {
		struct xpath_field *f = &p->fields[i];

		f->name = host->opt_item(opts, "fields", i, &f->expr);
		if (!f->expr || !*f->expr) {
			host->opt_fail(opts, "fields", "field \"%s\" has no XPath", f->name);
			return -1;
		}
		if (check_expression(host, opts, f) != 0)
			return -1;
	}
	return 0;
}

static int read_all(const struct scrape_host *host, const struct scrape_options *opts,
                    struct xpath_parser *p)
{
	size_t i, j, n = host->opt_count(opts, "all");

	for (i = 0; i < n; i++) {
		const char *name = host->opt_item(opts, "all", i, NULL);

		for (j = 0; j < p->count && strcmp(p->fields[j].name, name) != 0; j++)
			;
		if (j == p->count) {
			host->opt_fail(opts, "all", "\"%s\" is not one of the fields", name);
			return -1;
		}
		p->fields[j].all = 1;
	}
	return 0;
}

static void destroy(void *state)
{
	struct xpath_parser *p = state;

	free(p->fields);
	free(p);
}

static int create(const struct scrape_host *host, const struct scrape_options *opts, void **state)
{
	struct xpath_parser *p = calloc(1, sizeof *p);

	if (!p) {
		host->log(SCRAPE_LOG_ERROR, "xpath: out of memory");
		return -1;
	}
	html_init();
	p->host = host;
	if (read_fields(host, opts, p) != 0 || read_all(host, opts, p) != 0) {
		destroy(p);
		return -1;
	}
	*state = p;
	return 0;
}

/* ---- parse ---- */

static int cannot_record(const struct xpath_parser *p, const char *name)
{
	p->host->log(SCRAPE_LOG_ERROR, "xpath: cannot record field \"%s\"", name);
	return -1;
}

/* The string value of a node (an element's text, an attribute's value),
 * white space collapsed.  NULL if memory ran out. */
static char *node_text(xmlNodePtr node)
{
	char *text = (char *)xmlXPathCastNodeToString(node);

	if (text)
		html_squeeze(text);
	return text;
}

static int record_nodes(const struct xpath_parser *p, const struct xpath_field *f,
                        xmlNodeSetPtr nodes, struct scrape_record *rec)
{
	int i, n = nodes ? nodes->nodeNr : 0, rc = 0;

	/* an empty node-set leaves the field out */
	for (i = 0; i < n && rc == 0 && (i == 0 || f->all); i++) {
		char *text = node_text(nodes->nodeTab[i]);

		if (!text) {
			p->host->log(SCRAPE_LOG_ERROR, "xpath: out of memory");
			return -1;
		}
		if ((f->all ? p->host->record_append(rec, f->name, text)
		            : p->host->record_string(rec, f->name, text)) != 0)
			rc = cannot_record(p, f->name);
		xmlFree(text);
	}
	return rc;
}

/* Whole numbers (counts, mostly) are recorded as integers. */
static int record_number(const struct scrape_host *host, struct scrape_record *rec,
                         const char *name, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) <= 9007199254740992.0)
		return host->record_int(rec, name, (int64_t)v);
	return host->record_double(rec, name, v);
}

static int record_result(const struct xpath_parser *p, const struct xpath_field *f,
                         xmlXPathObjectPtr r, struct scrape_record *rec)
{
	int rc;

	switch (r->type) {
	case XPATH_NODESET:
		return record_nodes(p, f, r->nodesetval, rec);
	case XPATH_NUMBER:
		rc = record_number(p->host, rec, f->name, r->floatval);
		break;
	case XPATH_BOOLEAN:
		rc = p->host->record_bool(rec, f->name, r->boolval);
		break;
	case XPATH_STRING:
		rc = p->host->record_string(rec, f->name, r->stringval ? (const char *)r->stringval : "");
		break;
	default:
		p->host->log(SCRAPE_LOG_ERROR, "xpath: field \"%s\": a result of XPath type %d",
		             f->name, (int)r->type);
		return -1;
	}
	return rc == 0 ? 0 : cannot_record(p, f->name);
}

static int evaluate(const struct xpath_parser *p, const struct xpath_field *f,
                    xmlXPathContextPtr ctx, const char *url, struct scrape_record *rec)
{
	struct saved_handlers saved;
	struct xpath_error e;
	xmlXPathCompExprPtr comp;
	xmlXPathObjectPtr result = NULL;
	int rc;

	catch_errors(&e, &saved);
	comp = xmlXPathCompile((const xmlChar *)f->expr);
	if (comp)
		result = xmlXPathCompiledEval(comp, ctx);
	release_errors(&saved);
	xmlXPathFreeCompExpr(comp);
	if (!result) {
		p->host->log(SCRAPE_LOG_ERROR, "xpath: field \"%s\" on %s: %s", f->name, url,
		             e.set ? e.message : "out of memory");
		return -1;
	}
	rc = record_result(p, f, result, rec);
	xmlXPathFreeObject(result);
	return rc;
}

static int parse(void *state, const struct scrape_response *resp, struct scrape_record *rec)
{
	const struct xpath_parser *p = state;
	const char *url = resp->final_url ? resp->final_url : resp->url;
	xmlXPathContextPtr ctx;
	htmlDocPtr doc = NULL;
	size_t i;
	int rc = 0;

	if (!html_accept(p->host, "xpath", resp))
		return 0;
	if (html_parse(p->host, "xpath", resp, NULL, NULL, &doc) != 0)
		return -1;
	/* a body with nothing in it is an empty page: count() is 0, not absent */
	if (!doc)
		doc = htmlNewDocNoDtD(NULL, NULL);
	if (!doc || !(ctx = xmlXPathNewContext(doc))) {
		xmlFreeDoc(doc);
		p->host->log(SCRAPE_LOG_ERROR, "xpath: out of memory");
		return -1;
	}
	for (i = 0; i < p->count; i++)
		if (evaluate(p, &p->fields[i], ctx, url, rec) != 0)
			rc = -1;
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return rc;
}

static const struct scrape_parser_ops ops = { .parse = parse };

SCRAPE_PLUGIN_EXPORT const struct scrape_plugin scrape_plugin = {
	SCRAPE_PLUGIN_HEADER(SCRAPE_KIND_PARSER, "xpath"),
	.version = SCRAPE_VERSION,
	.description = "fields from XPath 1.0 expressions on the page's tree",
	.options = options,
	.create = create,
	.destroy = destroy,
	.parser = &ops,
};
