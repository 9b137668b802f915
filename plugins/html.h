/* SPDX-License-Identifier: MIT */
/*
 * What the HTML parsers (title, links, xpath) share: deciding whether a
 * response is an HTML page at all, choosing its character set the way a
 * browser would (byte order mark, then the Content-Type charset, then a
 * <meta> in the first 1024 bytes, then UTF-8), and running libxml2's
 * forgiving HTML parser over it, either building a tree or feeding SAX
 * callbacks.  Compiled into each of those plugins; nothing here is
 * exported.
 */
#ifndef SCRAPE_PLUGIN_HTML_H
#define SCRAPE_PLUGIN_HTML_H

#include <stddef.h>

#include <libxml/HTMLparser.h>

#include <scrape/plugin.h>

/* Make libxml2 ready for use from several threads; call from create(). */
void html_init(void);

/*
 * Whether the response is an HTML page: its Content-Type is text/html or
 * application/xhtml+xml or, when there is none, the body starts like one.
 * If not, logs at INFO level that parser `who` skipped it and returns 0.
 */
int html_accept(const struct scrape_host *host, const char *who,
                const struct scrape_response *resp);

/* The encoding to decode the body with, as a name libxml2 knows. */
const char *html_encoding(const struct scrape_response *resp, char *buf, size_t len);

/*
 * The first member of the state a SAX parse hands to its callbacks as
 * their ctx; ctxt is set for the duration of the parse so a callback can
 * end it early with xmlStopParser().
 */
struct html_sax {
	htmlParserCtxtPtr ctxt;
};

/*
 * Parses the body.  With sax NULL it builds a tree and stores it in *doc
 * (NULL for a body with no content at all; free it with xmlFreeDoc);
 * otherwise it calls the handler's callbacks with user as their ctx and
 * builds nothing.  Returns 0, or -1 after logging why (no memory, or a body
 * larger than libxml2 accepts).
 */
int html_parse(const struct scrape_host *host, const char *who,
               const struct scrape_response *resp, const htmlSAXHandler *sax,
               struct html_sax *user, htmlDocPtr *doc);

/*
 * Collapses runs of ASCII white space to one space and trims both ends, in
 * place; returns the new length.
 */
size_t html_squeeze(char *s);

/* The parser's "field" option: the name to record under, or NULL after
 * reporting an empty one as a job error. */
const char *html_field_option(const struct scrape_host *host, const struct scrape_options *opts);

#endif
