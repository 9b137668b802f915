/* SPDX-License-Identifier: MIT */
/*
 * Sitemaps (sitemaps.org) read as a stream: the body goes in as it
 * arrives, in pieces of any size, and each <url> or <sitemap> entry comes
 * out through a callback as soon as its end tag is read, so memory stays
 * the same whatever the sitemap's size.  A body that starts with the gzip
 * magic is inflated on the way (a .xml.gz); one whose first character is
 * not "<" is a plain-text sitemap, one URL a line.  The XML is read by
 * libxml2's push parser with SAX callbacks: no tree is ever built, nothing
 * is fetched from the network, and a sitemap that declares entities is
 * refused rather than expanded.  Pure: no I/O.
 */
#ifndef SCRAPE_SITEMAP_H
#define SCRAPE_SITEMAP_H

#include <stddef.h>
#include <stdint.h>

/* What an entry names: a page (a <url> of a <urlset>, or a line of a text
 * sitemap) or another sitemap (a <sitemap> of a <sitemapindex>). */
enum sitemap_entry { SITEMAP_PAGE, SITEMAP_CHILD };

/* The longest <loc> or line kept; a longer one is counted, not passed on. */
#define SITEMAP_MAX_LOC 8192

struct sitemap;

/* Sets libxml2's global tables up; once, before threads read sitemaps
 * (libxml2 would set them up lazily, and two threads at once would race). */
void sitemap_global_init(void);

/* max_bytes: the most decoded bytes read (after gunzip); at that point
 * reading stops (sitemap_truncated).  found gets each entry: its <loc>
 * (white space around it cut off; not NUL-terminated) and its <lastmod>
 * as written, or NULL when it has none.  NULL when out of memory. */
struct sitemap *sitemap_new(int64_t max_bytes,
                            void (*found)(void *ctx, enum sitemap_entry kind, const char *loc,
                                          size_t len, const char *lastmod, size_t lastmod_len),
                            void *ctx);
void sitemap_free(struct sitemap *sm);
/* The next piece of the body.  0: go on; -1: stop reading (an error, see
 * sitemap_error, or max_bytes reached, see sitemap_truncated).  Entries
 * found before that have been passed on. */
int sitemap_feed(struct sitemap *sm, const void *data, size_t len);
/* The body ended: a sitemap cut short or empty is an error.  0 or -1. */
int sitemap_end(struct sitemap *sm);
/* Why reading stopped, in plain words ("" when it did not). */
const char *sitemap_error(const struct sitemap *sm);
int sitemap_truncated(const struct sitemap *sm);
/* Entries whose <loc> was longer than SITEMAP_MAX_LOC, or empty. */
uint64_t sitemap_skipped(const struct sitemap *sm);

#endif
