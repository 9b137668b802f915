/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/crawl/url.c: URL resolution against every example of
 * RFC 3986 section 5.4, the canonical dedup key, origins, hosts and the
 * path with its query.
 */
#include <config.h>

#include <stdlib.h>

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

int main(void)
{
	test_resolve();
	test_canonical();
	test_origin_host_path();
	return done_testing();
}
