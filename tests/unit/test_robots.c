/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/crawl/robots.c: robots.txt parsing and matching
 * against the examples of RFC 9309 and the edge cases real files have
 * (comments, BOM, CR line ends, junk, size).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "crawl/robots.h"
#include "util/buf.h"
#include "tap.h"

static struct robots *parse(const char *text, const char *product)
{
	return robots_parse(text, strlen(text), product);
}

/* Checks a list of "path" / allowed pairs against r. */
struct verdict {
	const char *path;
	int allowed;
};

static void check(const struct robots *r, const char *who, const struct verdict *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ok(robots_allowed(r, v[i].path) == v[i].allowed, "%s: %s is %s", who, v[i].path,
		   v[i].allowed ? "allowed" : "disallowed");
}

#define CHECK(r, who, ...) do { \
	static const struct verdict v_[] = { __VA_ARGS__ }; \
	check(r, who, v_, sizeof v_ / sizeof v_[0]); \
} while (0)

/* RFC 9309 5.1, verbatim. */
static const char rfc9309_simple[] =
	"User-Agent: *\n"
	"Disallow: *.gif$\n"
	"Disallow: /example/\n"
	"Allow: /publications/\n"
	"\n"
	"User-Agent: foobot\n"
	"Disallow:/\n"
	"Allow:/example/page.html\n"
	"Allow:/example/allowed.gif\n"
	"\n"
	"User-Agent: barbot\n"
	"User-Agent: bazbot\n"
	"Disallow: /example/page.html\n"
	"\n"
	"User-Agent: quxbot\n"
	"\n"
	"EOF\n";

static void test_robots_rfc(void)
{
	struct robots *r;

	r = parse(rfc9309_simple, "otherbot");
	CHECK(r, "5.1 others", { "/example/page.html", 0 }, { "/example/", 0 }, { "/cat.gif", 0 },
	      { "/cat.gif?x=1", 1 }, { "/publications/a.gif", 1 }, { "/publications/x", 1 },
	      { "/", 1 }, { "/robots.txt", 1 });
	robots_free(r);
	r = parse(rfc9309_simple, "foobot");
	CHECK(r, "5.1 foobot", { "/example/page.html", 1 }, { "/example/allowed.gif", 1 },
	      { "/example/other.html", 0 }, { "/publications/x", 0 }, { "/", 0 },
	      { "/robots.txt", 1 });
	robots_free(r);
	r = parse(rfc9309_simple, "barbot");
	CHECK(r, "5.1 barbot", { "/example/page.html", 0 }, { "/example/other.html", 1 },
	      { "/cat.gif", 1 });
	robots_free(r);
	r = parse(rfc9309_simple, "BazBot");
	CHECK(r, "5.1 bazbot", { "/example/page.html", 0 }, { "/elsewhere", 1 });
	robots_free(r);
	r = parse(rfc9309_simple, "quxbot");
	CHECK(r, "5.1 quxbot (an empty group of its own)", { "/example/page.html", 1 },
	      { "/cat.gif", 1 });
	robots_free(r);

	/* 5.2 */
	r = parse("User-Agent: foobot\n"
	          "Allow: /example/page/\n"
	          "Disallow: /example/page/disallowed.gif\n", "foobot");
	CHECK(r, "5.2 longest match", { "/example/page/", 1 }, { "/example/page/a.html", 1 },
	      { "/example/page/disallowed.gif", 0 });
	robots_free(r);

	/* 2.2.3, figures 5 and 6 */
	r = parse("user-agent: *\n"
	          "disallow: /this/*/exactly\n"
	          "disallow: /that/path/exactly$\n"
	          "disallow: /path/file-with-a-%2A.html\n"
	          "disallow: /path/foo-%24\n"
	          "disallow: /price$list\n", "scrape");
	CHECK(r, "2.2.3 special characters", { "/this/a/b/exactly", 0 }, { "/this/exactly", 1 },
	      { "/that/path/exactly", 0 }, { "/that/path/exactly/more", 1 },
	      { "/path/file-with-a-*.html", 0 }, { "/path/file-with-a-%2a.html", 0 },
	      { "/path/file-with-a-x.html", 1 }, { "/path/foo-$", 0 }, { "/path/foo-x", 1 },
	      { "/price$list", 0 }, { "/price", 1 });
	robots_free(r);

	/* 2.2.2, figure 4 */
	r = parse("user-agent: *\n"
	          "disallow: /foo/bar/\xe3\x83\x84\n"
	          "disallow: /a/%62%61%7A\n"
	          "disallow: /q?baz=https%3a%2f%2ffoo.bar\n", "scrape");
	CHECK(r, "2.2.2 percent-encoding", { "/foo/bar/%E3%83%84", 0 }, { "/foo/bar/%e3%83%84", 0 },
	      { "/a/baz", 0 }, { "/a/%62az", 0 }, { "/q?baz=https%3A%2F%2Ffoo.bar", 0 },
	      { "/q?baz=https://foo.bar", 1 });
	robots_free(r);

	r = parse("User-agent: *\nDisallow: /same\nAllow: /same\nDisallow: /x*\nAllow: /x$\n"
	          "Disallow: /fish\n", "scrape");
	CHECK(r, "ties and case", { "/same/page", 1 }, { "/x", 1 }, { "/xy", 0 },
	      { "/fish.html", 0 }, { "/Fish", 1 });
	robots_free(r);
}

static void test_robots_groups(void)
{
	struct robots *r;

	r = parse("User-agent: *\nDisallow: /\n\nUser-agent: scrape\nDisallow: /private\n", "scrape");
	CHECK(r, "our group beats *", { "/public", 1 }, { "/private/x", 0 });
	robots_free(r);
	r = parse("User-agent: scrape\nDisallow: /a\n\nUser-agent: other\nDisallow: /b\n\n"
	          "User-agent: Scrape\nDisallow: /c\n", "scrape");
	CHECK(r, "two groups for us are merged", { "/a", 0 }, { "/b", 1 }, { "/c", 0 });
	robots_free(r);
	r = parse("User-agent: SCRAPE/1.0\nDisallow: /x\n", "scrape/0.1.0 (+https://example)");
	CHECK(r, "product tokens compared without version and case", { "/x", 0 }, { "/y", 1 });
	robots_free(r);
	r = parse("User-agent: scrapebot\nDisallow: /\nUser-agent: *\nDisallow: /star\n", "scrape");
	CHECK(r, "a longer token is another crawler", { "/x", 1 }, { "/star", 0 });
	robots_free(r);
	r = parse("User-agent: a\nSitemap: http://example.com/s.xml\nUser-agent: scrape\n"
	          "Disallow: /s\n", "scrape");
	CHECK(r, "a Sitemap line does not end the agents of a group", { "/s", 0 });
	robots_free(r);
	r = parse("Disallow: /early\nUser-agent: *\nDisallow: /late\n", "scrape");
	CHECK(r, "rules before any User-agent are ignored", { "/early", 1 }, { "/late", 0 });
	robots_free(r);
	r = parse("User-agent: scrape\nUser-agent: *\nDisallow: /both\n", "scrape");
	CHECK(r, "one group for us and *", { "/both", 0 });
	robots_free(r);
}

static void test_robots_syntax(void)
{
	struct robots *r;

	r = parse("\xEF\xBB\xBFUser-agent: *\r\nDisallow: /a # not /b\r\n# Disallow: /c\r\n"
	          "DISALLOW : /d\rAllow: /d/ok\r\n", "scrape");
	CHECK(r, "BOM, comments, CRLF, CR, key case and spaces", { "/a", 0 }, { "/b", 1 },
	      { "/c", 1 }, { "/d", 0 }, { "/d/ok", 1 });
	robots_free(r);
	r = parse("User-agent: *\nDisallow:\n", "scrape");
	CHECK(r, "an empty Disallow allows everything", { "/", 1 }, { "/anything", 1 });
	robots_free(r);
	r = parse("<html><body>Not found</body></html>\n\x01\x02\xff junk: line\n"
	          "User-agent *\nUser-agent: *\nNoindex: /x\ndisallow zzz\nDisallow: /p\n"
	          "Disallow: q\n", "scrape");
	CHECK(r, "junk, lines without a colon and unknown keys are ignored", { "/x", 1 },
	      { "/zzz", 1 }, { "/p", 0 }, { "/q", 0 });
	robots_free(r);
	r = robots_parse(NULL, 0, NULL);
	ok(r && robots_allowed(r, "/") && robots_crawl_delay_ns(r) == -1, "an empty file allows all");
	robots_free(r);

	r = parse("User-agent: *\nCrawl-delay: 7\n\nUser-agent: scrape\nCrawl-delay: 2.5\n"
	          "Disallow: /x\n", "scrape");
	ok(robots_crawl_delay_ns(r) == 2500000000LL, "Crawl-delay of our group, fractional");
	robots_free(r);
	r = parse("User-agent: *\nCrawl-delay: 7\n\nUser-agent: other\nCrawl-delay: 2\n", "scrape");
	ok(robots_crawl_delay_ns(r) == 7000000000LL, "Crawl-delay of * when no group is ours");
	robots_free(r);
	r = parse("User-agent: *\nCrawl-delay: soon\nDisallow: /x\n", "scrape");
	ok(robots_crawl_delay_ns(r) == -1 && !robots_allowed(r, "/x"),
	   "a Crawl-delay that is not a number is ignored");
	robots_free(r);
	r = parse("User-agent: *\nCrawl-delay: 1e99\nCrawl-delay: 99999999999999999999\n", "x");
	ok(robots_crawl_delay_ns(r) > 0, "a huge Crawl-delay saturates rather than overflows");
	robots_free(r);

	r = robots_allow_all();
	ok(r && robots_allowed(r, "/") && robots_allowed(r, "/any?thing") &&
	   robots_crawl_delay_ns(r) == -1, "4xx: everything allowed");
	robots_free(r);
	r = robots_deny_all();
	ok(r && !robots_allowed(r, "/") && !robots_allowed(r, "/any?thing") &&
	   robots_allowed(r, "/robots.txt"), "5xx: everything disallowed but /robots.txt");
	robots_free(r);
}

/* A 2 MB file whose rules past 500 KiB must not count, with a line cut in
 * two by the limit: read short it would say "Allow: /". */
static void test_robots_size(void)
{
	size_t limit = 500 * 1024, size = 2 * 1024 * 1024, len;
	static const char head[] = "User-agent: *\nDisallow: /\n";
	static const char cut[] = "Allow: /secret\n";
	static const char tail[] = "Allow: /late\n";
	char *body = malloc(size + 1);
	struct robots *r;

	if (!ok(body != NULL, "memory for a 2 MB robots.txt"))
		return;
	memset(body, '#', size);
	memcpy(body, head, sizeof head - 1);
	len = limit - 8;                        /* "Allow: /" ends at the limit */
	body[len - 1] = '\n';
	memcpy(body + len, cut, sizeof cut - 1);
	for (len += sizeof cut - 1; len + 100 < size; len += 100)
		body[len + 99] = '\n';
	body[size - 201] = '\n';
	memcpy(body + size - 200, tail, sizeof tail - 1);
	body[size] = '\0';
	r = robots_parse(body, size, "scrape");
	ok(r != NULL, "a 2 MB file parses");
	CHECK(r, "2 MB file", { "/page", 0 }, { "/secret", 0 }, { "/late", 0 },
	      { "/robots.txt", 1 });
	robots_free(r);
	free(body);
}

static void add_line(void *ctx, const char *url, size_t len)
{
	buf_append(ctx, url, len);
	buf_putc(ctx, '|');
}

/* Sitemap lines belong to no group: each is handed out, trimmed, in order. */
static void test_robots_sitemaps(void)
{
	static const char text[] = "\xEF\xBB\xBFSitemap: http://a/1.xml\r\nUser-agent: other\n"
	                           "Disallow: /\nSITEMAP :  http://a/2.xml.gz  # two\nsitemap:\n"
	                           "Sitemap:http://b/3.xml";
	struct buf b = { 0 };

	robots_sitemaps(text, sizeof text - 1, add_line, &b);
	is_str(b.data, "http://a/1.xml|http://a/2.xml.gz|http://b/3.xml|",
	       "Sitemap lines anywhere, any case, trimmed, empty ones skipped");
	buf_free(&b);
}

int main(void)
{
	test_robots_sitemaps();
	test_robots_rfc();
	test_robots_groups();
	test_robots_syntax();
	test_robots_size();
	return done_testing();
}
