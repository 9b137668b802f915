/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/crawl/sitemap.c: the entries of a urlset, an index, a
 * text sitemap and a gzipped one, whole or a byte at a time; extension
 * elements and other namespaces left alone; what stops a read (not a
 * sitemap, entities, malformed XML, broken gzip, the cap) and what it
 * says.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "crawl/sitemap.h"
#include "util/buf.h"
#include "tap.h"

static void found(void *ctx, enum sitemap_entry kind, const char *loc, size_t len,
                  const char *lastmod, size_t lastmod_len)
{
	struct buf *b = ctx;

	buf_printf(b, "%c %.*s", kind == SITEMAP_CHILD ? 'S' : 'U', (int)len, loc);
	if (lastmod)
		buf_printf(b, " @%.*s", (int)lastmod_len, lastmod);
	buf_putc(b, '\n');
}

struct result {
	struct buf entries;
	int rc;
	char error[200];
	int truncated;
	uint64_t skipped;
};

/* Reads body (step bytes at a time, 0: whole) with cap. */
static void run(const void *body, size_t len, size_t step, int64_t cap, struct result *r)
{
	struct sitemap *sm;
	size_t off = 0;

	memset(r, 0, sizeof *r);
	buf_append(&r->entries, "", 0);
	sm = sitemap_new(cap, found, &r->entries);
	while (r->rc == 0 && off < len) {
		size_t n = step && len - off > step ? step : len - off;
		r->rc = sitemap_feed(sm, (const char *)body + off, n);
		off += n;
	}
	if (r->rc == 0)
		r->rc = sitemap_end(sm);
	snprintf(r->error, sizeof r->error, "%s", sitemap_error(sm));
	r->truncated = sitemap_truncated(sm);
	r->skipped = sitemap_skipped(sm);
	sitemap_free(sm);
}

static const char urlset[] =
	"\xEF\xBB\xBF\n  <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
	"        xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\"\n"
	"        xmlns:other=\"http://other.example/ns\">\n"
	"<url>\n  <loc>\n    http://example.com/a\n  </loc>\n  <lastmod> 2026-01-02 </lastmod>\n"
	"  <image:image><image:loc>http://example.com/a.png</image:loc></image:image>\n</url>\n"
	"<url><loc><![CDATA[http://example.com/b?x=1&y=2]]></loc></url>\n"
	"<url><loc>http://example.com/c?x=1&amp;y=2</loc><other:loc>http://other/</other:loc></url>\n"
	"<url><lastmod>2026</lastmod></url>\n"
	"<other:url><loc>http://example.com/not-an-entry</loc></other:url>\n"
	"</urlset>\n";
static const char urlset_want[] =
	"U http://example.com/a @2026-01-02\nU http://example.com/b?x=1&y=2\n"
	"U http://example.com/c?x=1&y=2\n";

static void test_xml(void)
{
	static const char index[] =
		"<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
		"<sitemap><loc>http://example.com/1.xml</loc><lastmod>2026-01</lastmod></sitemap>"
		"<sitemap><loc>http://example.com/2.xml.gz</loc></sitemap></sitemapindex>";
	struct result r;

	run(urlset, sizeof urlset - 1, 0, 0, &r);
	ok(r.rc == 0, "a urlset reads to its end (%s)", r.error);
	is_str(r.entries.data, urlset_want, "its pages, trimmed, CDATA and entities read, "
	       "extensions and other namespaces left alone");
	ok(r.skipped == 1, "an entry without <loc> is counted as skipped");
	buf_free(&r.entries);
	run(urlset, sizeof urlset - 1, 1, 0, &r);
	is_str(r.entries.data, urlset_want, "a byte at a time, the same pages");
	buf_free(&r.entries);
	run(index, sizeof index - 1, 7, 0, &r);
	is_str(r.entries.data, "S http://example.com/1.xml @2026-01\nS http://example.com/2.xml.gz\n",
	       "an index lists sitemaps");
	buf_free(&r.entries);
}

static void test_text(void)
{
	static const char text[] = "\xEF\xBB\xBFhttp://example.com/1\r\n\n  http://example.com/2 \t\n"
	                           "http://example.com/3";
	struct result r;

	run(text, sizeof text - 1, 3, 0, &r);
	ok(r.rc == 0, "a text sitemap reads to its end");
	is_str(r.entries.data, "U http://example.com/1\nU http://example.com/2\nU http://example.com/3\n",
	       "one URL a line, blank lines skipped, the last line without its end");
	buf_free(&r.entries);
}

/* body gzipped, as two members. */
static size_t gzip2(const char *body, size_t len, unsigned char *out, size_t cap)
{
	size_t total = 0, half = len / 2, part;

	for (part = 0; part < 2; part++) {
		z_stream z;
		memset(&z, 0, sizeof z);
		deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		z.next_in = (unsigned char *)body + (part ? half : 0);
		z.avail_in = (uInt)(part ? len - half : half);
		z.next_out = out + total;
		z.avail_out = (uInt)(cap - total);
		deflate(&z, Z_FINISH);
		total += (size_t)(cap - total - z.avail_out);
		deflateEnd(&z);
	}
	return total;
}

static void test_gzip(void)
{
	unsigned char gz[4096];
	size_t len = gzip2(urlset, sizeof urlset - 1, gz, sizeof gz);
	struct result r;

	run(gz, len, 0, 0, &r);
	ok(r.rc == 0, "a gzipped sitemap in two members reads to its end (%s)", r.error);
	is_str(r.entries.data, urlset_want, "the same pages as the plain one");
	buf_free(&r.entries);
	run(gz, len, 1, 0, &r);
	is_str(r.entries.data, urlset_want, "the same a byte at a time");
	buf_free(&r.entries);
	run(gz, len - 20, 0, 0, &r);
	ok(r.rc < 0 && strcmp(r.error, "its gzip data ends too soon") == 0, "gzip cut short: %s", r.error);
	buf_free(&r.entries);
	gz[30] ^= 0xff;
	gz[31] ^= 0xff;
	run(gz, len, 0, 0, &r);
	ok(r.rc < 0 && strncmp(r.error, "its gzip data is damaged", 24) == 0, "gzip damaged: %s", r.error);
	buf_free(&r.entries);
}

static void test_stops(void)
{
	static const char html[] = "<!DOCTYPE html><html><body>hi</body></html>";
	static const char bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY a \"aaaa\">"
	                           "<!ENTITY b \"&a;&a;&a;&a;\">]><urlset><url><loc>&b;</loc></url></urlset>";
	static const char bad[] = "<urlset>\n<url><loc>http://example.com/1</loc></url>\n<url>\n</urlset>";
	struct result r;

	run(html, sizeof html - 1, 0, 0, &r);
	ok(r.rc < 0 && strcmp(r.error, "not a sitemap: its root element is <html>, not <urlset> or "
	                                "<sitemapindex>") == 0, "HTML: %s", r.error);
	buf_free(&r.entries);
	run(bomb, sizeof bomb - 1, 0, 0, &r);
	ok(r.rc < 0 && strstr(r.error, "declares the entity \"a\"") && !r.entries.len,
	   "entities are not expanded: %s", r.error);
	buf_free(&r.entries);
	run(bad, sizeof bad - 1, 4, 0, &r);
	ok(r.rc < 0 && strcmp(r.error, "malformed XML at line 4: Opening and ending tag mismatch: url "
	                                "line 3 and urlset") == 0, "malformed: %s", r.error);
	is_str(r.entries.data, "U http://example.com/1\n", "the page before the fault is kept");
	buf_free(&r.entries);
	run("", 0, 0, 0, &r);
	ok(r.rc < 0 && strcmp(r.error, "it is empty") == 0, "empty: %s", r.error);
	buf_free(&r.entries);
	run(urlset, sizeof urlset - 1, 16, 400, &r);
	ok(r.rc < 0 && r.truncated && !r.error[0], "the cap stops the read, without an error");
	is_str(r.entries.data, "U http://example.com/a @2026-01-02\n", "what came before the cap is kept");
	buf_free(&r.entries);
}

int main(void)
{
	test_xml();
	test_text();
	test_gzip();
	test_stops();
	return done_testing();
}
