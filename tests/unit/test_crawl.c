/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the crawler's building blocks: URL resolution against
 * every example of RFC 3986 section 5.4, the canonical dedup key, origins
 * and hosts; the fingerprint set with a million URLs; and robots.txt
 * parsing and matching against the examples of RFC 9309 and the edge
 * cases real files have (comments, BOM, CR line ends, junk, size).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "crawl/robots.h"
#include "crawl/seen.h"
#include "crawl/url.h"
#include "tap.h"

/* is_str() on a malloc'd result, freed afterwards. */
static void is_own(char *got, const char *want, const char *what)
{
	is_str(got, want, what);
	free(got);
}

/* RFC 3986 5.4.1 and 5.4.2, verbatim, for the base below. */
static const char *const rfc3986_base = "http://a/b/c/d;p?q";
static const char *const rfc3986_examples[][2] = {
	/* 5.4.1 normal examples */
	{ "g:h", "g:h" },
	{ "g", "http://a/b/c/g" },
	{ "./g", "http://a/b/c/g" },
	{ "g/", "http://a/b/c/g/" },
	{ "/g", "http://a/g" },
	{ "//g", "http://g" },
	{ "?y", "http://a/b/c/d;p?y" },
	{ "g?y", "http://a/b/c/g?y" },
	{ "#s", "http://a/b/c/d;p?q#s" },
	{ "g#s", "http://a/b/c/g#s" },
	{ "g?y#s", "http://a/b/c/g?y#s" },
	{ ";x", "http://a/b/c/;x" },
	{ "g;x", "http://a/b/c/g;x" },
	{ "g;x?y#s", "http://a/b/c/g;x?y#s" },
	{ "", "http://a/b/c/d;p?q" },
	{ ".", "http://a/b/c/" },
	{ "./", "http://a/b/c/" },
	{ "..", "http://a/b/" },
	{ "../", "http://a/b/" },
	{ "../g", "http://a/b/g" },
	{ "../..", "http://a/" },
	{ "../../", "http://a/" },
	{ "../../g", "http://a/g" },
	/* 5.4.2 abnormal examples */
	{ "../../../g", "http://a/g" },
	{ "../../../../g", "http://a/g" },
	{ "/./g", "http://a/g" },
	{ "/../g", "http://a/g" },
	{ "g.", "http://a/b/c/g." },
	{ ".g", "http://a/b/c/.g" },
	{ "g..", "http://a/b/c/g.." },
	{ "..g", "http://a/b/c/..g" },
	{ "./../g", "http://a/b/g" },
	{ "./g/.", "http://a/b/c/g/" },
	{ "g/./h", "http://a/b/c/g/h" },
	{ "g/../h", "http://a/b/c/h" },
	{ "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ "g;x=1/../y", "http://a/b/c/y" },
	{ "g?y/./x", "http://a/b/c/g?y/./x" },
	{ "g?y/../x", "http://a/b/c/g?y/../x" },
	{ "g#s/./x", "http://a/b/c/g#s/./x" },
	{ "g#s/../x", "http://a/b/c/g#s/../x" },
	{ "http:g", "http:g" },     /* strict parser */
};

static void test_resolve(void)
{
	size_t i, n = sizeof rfc3986_examples / sizeof rfc3986_examples[0], good = 0;

	for (i = 0; i < n; i++) {
		char *got = url_resolve(rfc3986_base, rfc3986_examples[i][0]);
		char what[128];

		snprintf(what, sizeof what, "RFC 3986 5.4: \"%s\" -> \"%s\"", rfc3986_examples[i][0],
		         rfc3986_examples[i][1]);
		good += got && strcmp(got, rfc3986_examples[i][1]) == 0;
		is_own(got, rfc3986_examples[i][1], what);
	}
	ok(good == 42 && n == 42, "all 42 examples of RFC 3986 5.4 resolve as written");

	is_own(url_resolve("https://example.com/dir/page", "//cdn.example.com/x.js"),
	       "https://cdn.example.com/x.js", "a network-path reference keeps the base's scheme");
	is_own(url_resolve("http://example.com", "a"), "http://example.com/a",
	       "merging with an empty base path adds the \"/\" (RFC 3986 5.2.3)");
	is_own(url_resolve("http://example.com/d/", " \tnext page.html?x=\"1\"\n "),
	       "http://example.com/d/next%20page.html?x=%221%22",
	       "whitespace around a link is trimmed, octets not allowed in a URI escaped");
	is_own(url_resolve("http://example.com/d/", "caf\xc3\xa9/%7e"),
	       "http://example.com/d/caf%C3%A9/%7e", "non-ASCII is escaped, existing escapes kept");
	is_own(url_resolve("http://example.com/a/b", "/x/\n../y"), "http://example.com/y",
	       "a line break inside a wrapped attribute is dropped");
	ok(url_resolve("a/b", "g") == NULL, "a relative base is unusable");
	ok(url_resolve(NULL, "g") == NULL && url_resolve("http://a/", NULL) == NULL,
	   "NULL in, NULL out");
}

static const char *const canonical_cases[][2] = {
	{ "HTTP://Example.COM:80/a/./b/../c/%7euser/%2fx?q=%3a#frag",
	  "http://example.com/a/c/~user/%2Fx?q=%3A" },
	{ "http://example.com", "http://example.com/" },
	{ "hTTpS://EXAMPLE.com", "https://example.com/" },
	{ "https://example.com:443/x", "https://example.com/x" },
	{ "http://example.com:443/x", "http://example.com:443/x" },
	{ "https://example.com:80/", "https://example.com:80/" },
	{ "http://a:/", "http://a/" },
	{ "http://example.com:0080/", "http://example.com/" },
	{ "http://example.com:8080", "http://example.com:8080/" },
	{ "http://user:pass@Example.com/p", "http://example.com/p" },
	{ "http://[::1]:8080/a", "http://[::1]:8080/a" },
	{ "http://[FE80::1]:80/", "http://[fe80::1]/" },
	{ "http://example.com/a/b/../../../c", "http://example.com/c" },
	{ "http://example.com/a/.", "http://example.com/a/" },
	{ "http://example.com/%2e%2E/x", "http://example.com/x" },
	{ "http://example.com/%41%62%63/A/B", "http://example.com/Abc/A/B" },
	{ "http://example.com/a%2f%3f%c3%a9", "http://example.com/a%2F%3F%C3%A9" },
	{ "http://example.com/%7E%7e?q=%7e", "http://example.com/~~?q=~" },
	{ "http://example.com/?b=2&a=1", "http://example.com/?b=2&a=1" },
	{ "http://example.com?x", "http://example.com/?x" },
	{ "http://example.com/?", "http://example.com/?" },
	{ "http://example.com/#top", "http://example.com/" },
	{ "http://Ex%41mple.com/", "http://example.com/" },
	{ "  http://example.com/a b  ", "http://example.com/a%20b" },
	{ "http://example.com/caf\xc3\xa9", "http://example.com/caf%C3%A9" },
	{ "http://example.com/100%/x", "http://example.com/100%25/x" },
	{ "http://example.com/%4%41%a%42", "http://example.com/%254A%25aB" },
};

static const char *const not_canonical[] = {
	"ftp://example.com/", "mailto:a@example.com", "http:///path", "http:/path",
	"http://example.com:99999/", "http://example.com:8x/", "http://[::1/", "//example.com/",
	"example.com/a", "",
};

static void test_canonical(void)
{
	size_t i;

	for (i = 0; i < sizeof canonical_cases / sizeof canonical_cases[0]; i++) {
		char what[160];

		snprintf(what, sizeof what, "canonical \"%s\"", canonical_cases[i][0]);
		is_own(url_canonical(canonical_cases[i][0]), canonical_cases[i][1], what);
	}
	for (i = 0; i < sizeof not_canonical / sizeof not_canonical[0]; i++) {
		char *got = url_canonical(not_canonical[i]);

		ok(got == NULL, "no canonical form for \"%s\"", not_canonical[i]);
		free(got);
	}
	ok(url_canonical(NULL) == NULL, "canonical of NULL is NULL");

	int stable = 1;
	for (i = 0; i < sizeof canonical_cases / sizeof canonical_cases[0]; i++) {
		char *once = url_canonical(canonical_cases[i][0]);
		char *twice = url_canonical(once);

		stable &= once && twice && strcmp(once, twice) == 0;
		free(once);
		free(twice);
	}
	ok(stable, "the canonical form is a fixed point");
}

static void test_origin_host_path(void)
{
	is_own(url_origin("HTTPS://User@Example.COM:443/x?y#z"), "https://example.com",
	       "origin drops userinfo, path and the default port");
	is_own(url_origin("http://example.com:8080/a"), "http://example.com:8080",
	       "origin keeps another port");
	is_own(url_origin("http://[::1]/"), "http://[::1]", "origin of an IPv6 literal");
	ok(url_origin("ftp://example.com/") == NULL, "no origin for ftp");

	is_own(url_host("http://User@WWW.Example.com:8080/x"), "www.example.com",
	       "host is lower-cased, without userinfo and port");
	is_own(url_host("http://[::1]:80/"), "[::1]", "an IPv6 host keeps its brackets");
	ok(url_host("mailto:someone@example.com") == NULL, "no host without an authority");
	ok(url_host("file:///etc/passwd") == NULL, "no host for an empty one");

	is_own(url_path_query("http://a/b/c?d=e#f"), "/b/c?d=e", "path and query, fragment cut");
	is_own(url_path_query("http://a"), "/", "an empty path is /");
	is_own(url_path_query("http://a?x=1"), "/?x=1", "an empty path with a query");
	is_own(url_path_query("http://a/%7e#f"), "/%7e", "nothing is decoded");
}

/* Writes the i-th test URL into buf, returning its length. */
static size_t page_url(char *buf, size_t size, unsigned i, unsigned salt)
{
	return (size_t)snprintf(buf, size, "http://example.com/page/%u?x=%u", i, salt);
}

static void test_seen(void)
{
	enum { N = 1000000 };
	struct seen *s = seen_create(N);
	char url[64];
	size_t len, added = 0, again = 0, found = 0, false_hits = 0;
	unsigned i;

	if (!ok(s != NULL, "seen set for a million URLs"))
		return;
	for (i = 0; i < N; i++) {
		len = page_url(url, sizeof url, i, i * 7);
		added += seen_add(s, url, len) == 1;
	}
	ok(added == N && seen_count(s) == N, "a million distinct URLs are all new");
	for (i = 0; i < N; i += 997) {
		len = page_url(url, sizeof url, i, i * 7);
		again += seen_add(s, url, len) == 0;
	}
	ok(again == N / 997 + 1 && seen_count(s) == N, "adding a sample again finds them seen");
	for (i = 0; i < N; i++) {
		len = page_url(url, sizeof url, i, i * 7);
		found += seen_contains(s, url, len);
		len = page_url(url, sizeof url, i, i * 7 + 1);
		false_hits += seen_contains(s, url, len);
	}
	ok(found == N, "every added URL is contained");
	ok(false_hits == 0, "a million others are not (%zu false positives)", false_hits);
	ok(seen_bytes(s) / seen_count(s) <= 16, "a set sized for its URLs costs %zu bytes a URL",
	   seen_bytes(s) / seen_count(s));
	seen_free(s);

	s = seen_create(0);
	if (!ok(s != NULL, "a small seen set"))
		return;
	{
		double worst = 0;
		for (i = 0; i < 100000; i++) {
			len = page_url(url, sizeof url, i, 0);
			seen_add(s, url, len);
			if (i >= 1000 && (double)seen_bytes(s) / (double)seen_count(s) > worst)
				worst = (double)seen_bytes(s) / (double)seen_count(s);
		}
		ok(worst <= 16.0, "growing never costs more than 16 bytes a URL (worst %.2f)", worst);
	}
	ok(seen_count(s) == 100000 && seen_bytes(s) / seen_count(s) <= 16 &&
	   seen_contains(s, "http://example.com/page/99999?x=0", 33) &&
	   !seen_contains(s, "http://example.com/page/100000?x=0", 34),
	   "a grown set keeps its URLs in at most 16 bytes each (%zu)",
	   seen_bytes(s) / seen_count(s));
	ok(seen_add(s, "", 0) == 1 && seen_add(s, "", 0) == 0 && seen_add(s, "a", 1) == 1 &&
	   seen_add(s, "a\0", 2) == 1, "the empty key and a key with a NUL are their own");
	seen_free(s);
	ok(seen_create(SIZE_MAX / 4) == NULL, "an impossible size is refused");
}

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

int main(void)
{
	test_resolve();
	test_canonical();
	test_origin_host_path();
	test_seen();
	test_robots_rfc();
	test_robots_groups();
	test_robots_syntax();
	test_robots_size();
	return done_testing();
}
