/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the parser plugins (title, links, xpath, regex, size):
 * each is opened from the build's plugins/.libs by the core's own loader
 * (src/plugin/loader.c) and driven through the shared mock host table
 * (tests/mock), on fixtures of tests/parsers/ read from disk; the checks
 * are on the fields and links each records.  Loading the built .so files
 * rather than compiling the plugin sources in tests what ships: the
 * descriptor passes the loader's ABI checks, the plugin runs with only
 * its exported symbol and the host table (RTLD_LOCAL), and the options it
 * reads must be ones it declared.  tests/integration/parsers.sh covers
 * the same plugins through a whole run; this is the quick, networkless
 * view of one response in, one record out.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/loader.h"
#include "../mock/mock_host.h"
#include "tap.h"

static struct loader_paths paths;

/* A fixture as the core would hand it over: whole body, NUL-terminated,
 * from http://127.0.0.1/static/NAME. */
struct fixture {
	struct scrape_response resp;
	char url[256];
	char content_type[64];
	unsigned char *body;
};

static int fixture_load(struct fixture *f, const char *name, const char *charset)
{
	char path[512];
	FILE *in;
	long n;

	memset(f, 0, sizeof *f);
	snprintf(path, sizeof path, "%s/%s", PARSER_FIXTURES, name);
	if (!(in = fopen(path, "rb")))
		return -1;
	if (fseek(in, 0, SEEK_END) == 0 && (n = ftell(in)) >= 0 && fseek(in, 0, SEEK_SET) == 0 &&
	    (f->body = malloc((size_t)n + 1)) && fread(f->body, 1, (size_t)n, in) == (size_t)n) {
		f->body[n] = '\0';
		f->resp.body_len = (size_t)n;
	}
	fclose(in);
	if (!f->body)
		return -1;
	snprintf(f->url, sizeof f->url, "http://127.0.0.1/static/%s", name);
	snprintf(f->content_type, sizeof f->content_type, "text/%s; charset=%s",
	         strstr(name, ".txt") ? "plain" : "html", charset);
	f->resp.size = sizeof f->resp;
	f->resp.url = f->resp.final_url = f->url;
	f->resp.status = 200;
	f->resp.content_type = f->content_type;
	f->resp.charset = charset;
	f->resp.body = f->body;
	return 0;
}

/* Opens parser NAME, creates it with opts, parses the fixture and keeps
 * what it recorded in rec (free with mock_record_free); -1 if any step
 * fails, said in a diagnostic. */
static int parse_with(const char *name, const struct mock_opt *opts, const char *fixture,
                      const char *charset, struct mock_record *rec)
{
	struct loaded_plugin lp;
	struct fixture f;
	char err[512];
	void *state = NULL;
	int rc = -1;

	memset(rec, 0, sizeof *rec);
	rec->keep = 1;
	if (loader_open(&paths, SCRAPE_KIND_PARSER, name, &lp, err, sizeof err) != LOADER_OK) {
		printf("# %s\n", err);
		return -1;
	}
	if (fixture_load(&f, fixture, charset) < 0) {
		printf("# cannot read %s/%s\n", PARSER_FIXTURES, fixture);
	} else if (lp.desc->create &&
	           (lp.desc->create(mock_host(lp.desc, opts), NULL, &state) != 0 || mock_host_failed())) {
		printf("# %s refused its options\n", name);
	} else {
		rc = lp.desc->parser->parse(state, &f.resp, (struct scrape_record *)(void *)rec);
		if (rc != 0)
			printf("# %s: parse returned %d\n", name, rc);
		if (lp.desc->destroy)
			lp.desc->destroy(state);
	}
	free(f.body);
	loader_close(&lp);
	return rc;
}

/* Whether the parser's record, as "key=value" lines, is exactly want. */
static void record_is(const char *name, const struct mock_opt *opts, const char *fixture,
                      const char *charset, const char *want, const char *what)
{
	struct mock_record rec;

	if (parse_with(name, opts, fixture, charset, &rec) < 0)
		ok(0, "%s", what);
	else
		is_str(rec.text ? rec.text : "", want, what);
	mock_record_free(&rec);
}

static void test_loading(void)
{
	static const char *const names[] = { "title", "links", "xpath", "regex", "size" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct loaded_plugin lp;
		char err[512];
		int loaded = loader_open(&paths, SCRAPE_KIND_PARSER, names[i], &lp, err, sizeof err) ==
		             LOADER_OK;

		if (!ok(loaded && lp.desc->parser && lp.desc->parser->parse,
		        "parser %s loads and passes the ABI checks", names[i]))
			printf("# %s\n", err);
		if (loaded)
			loader_close(&lp);
	}
}

static void test_title(void)
{
	static const struct mock_opt renamed[] = { { "field", NULL, "page" }, { NULL, NULL, NULL } };

	record_is("title", NULL, "title-entities.html", "utf-8",
	          "title=Fish & Chips \xc3\xa9t\xc3\xa9 <b> \xe2\x98\xba \xe2\x82\xac\n",
	          "title: entities decoded");
	record_is("title", NULL, "title-space.html", "utf-8", "title=Lots of white space\n",
	          "title: white space collapsed and trimmed");
	record_is("title", renamed, "title-plain.html", "utf-8", "page=A plain title\n",
	          "title: the first <title>, in the field named by field");
	record_is("title", NULL, "title.latin1.html", "iso-8859-1", "title=Caf\xc3\xa9 cr\xc3\xa8me \xc3\xa0 la fran\xc3\xa7" "aise\n",
	          "title: ISO-8859-1 from the charset, recorded as UTF-8");
	record_is("title", NULL, "title-mislabelled.html", "utf-8",
	          "title=Caf\xc3\xa9 cr\xc3\xa8me \xe2\x80\x94 Gr\xc3\xbc\xc3\x9f" "e, na\xc3\xafve \xe2\x82\xac\n",
	          "title: invalid UTF-8 in a UTF-8 page reads as ISO-8859-1, good UTF-8 stays");
	record_is("title", NULL, "no-title.html", "utf-8", "", "title: no <title>, no field");
}

static void test_links(void)
{
	record_is("links", NULL, "links-base.html", "utf-8",
	          "links+=\n"    /* the list starts empty, so a page without links has one */
	          "links+=http://127.0.0.1/sub/dir/early.html\n"
	          "link=http://127.0.0.1/sub/dir/early.html\n"
	          "links+=http://127.0.0.1/sub/dir/page.html\n"
	          "link=http://127.0.0.1/sub/dir/page.html\n"
	          "links+=http://127.0.0.1/sub/sibling.html\n"
	          "link=http://127.0.0.1/sub/sibling.html\n"
	          "links+=http://127.0.0.1/root.html\n"
	          "link=http://127.0.0.1/root.html\n"
	          "links+=http://127.0.0.1/sub/dir/\n"
	          "link=http://127.0.0.1/sub/dir/\n"
	          "links+=http://127.0.0.1/sub/dir/?q=1\n"
	          "link=http://127.0.0.1/sub/dir/?q=1\n"
	          "links+=http://other.example/x\n"
	          "link=http://other.example/x\n",
	          "links: the first <base href> applies to every link, each listed and offered once");
	record_is("links", NULL, "no-title.html", "utf-8", "links+=\n",
	          "links: a page without links has an empty list");
}

static void test_xpath(void)
{
	static const struct mock_opt opts[] = {
		{ "fields", "heading", "//h1" },
		{ "fields", "sku", "//li/@data-sku" },
		{ "fields", "count", "count(//li[@class=\"product\"])" },
		{ "fields", "total", "sum(//span[@class=\"price\"])" },
		{ "fields", "sold_out", "boolean(//li[contains(@class, \"sold-out\")])" },
		{ "fields", "names", "//span[@class=\"name\"]" },
		{ "fields", "missing", "//table" },
		{ "all", NULL, "names" },
		{ NULL, NULL, NULL },
	};

	record_is("xpath", opts, "xpath.html", "utf-8",
	          "heading=Today's offers\n"
	          "sku=A-1\n"
	          "count=2\n"
	          "total=46.5\n"
	          "sold_out=true\n"
	          "names+=Teapot\n"
	          "names+=Cup & saucer\n"
	          "names+=Kettle\n",
	          "xpath: text, attribute, number, boolean and list fields; an empty node-set none");
}

static void test_regex(void)
{
	static const struct mock_opt named[] = {
		{ "pattern", NULL, "order=(?<order>\\d+) total=(?<total>[\\d.]+) (?<currency>[A-Z]+)" },
		{ NULL, NULL, NULL },
	};
	static const struct mock_opt every[] = {
		{ "pattern", NULL, "(?<eur>EUR)|(?<usd>USD)" },
		{ "all", NULL, "true" },
		{ NULL, NULL, NULL },
	};
	static const struct mock_opt renamed[] = {
		{ "pattern", NULL, "shop@example\\.com" },
		{ "ignore_case", NULL, "true" },
		{ "field", NULL, "email" },
		{ NULL, NULL, NULL },
	};

	record_is("regex", named, "regex.txt", "utf-8", "order=1001\ntotal=12.50\ncurrency=EUR\n",
	          "regex: each named group is a field, from the first match");
	record_is("regex", every, "regex.txt", "utf-8",
	          "eur+=EUR\nusd+=\neur+=\nusd+=USD\neur+=EUR\nusd+=\n",
	          "regex: all gives a list per group, \"\" where a group took no part");
	record_is("regex", renamed, "regex.txt", "utf-8", "email=Shop@Example.com\n",
	          "regex: ignore_case, and field names the whole match");
}

static void test_size(void)
{
	record_is("size", NULL, "regex.txt", "utf-8", "size=106\n", "size: the body's length in bytes");
}

int main(void)
{
	char *dirs[] = { PLUGIN_BUILD_DIR };

	if (loader_paths_init(&paths, dirs, 1) < 0) {
		printf("Bail out! cannot set the plugin search path\n");
		return 1;
	}
	mock_host_verbosity(SCRAPE_LOG_WARNING);
	test_loading();
	test_title();
	test_links();
	test_xpath();
	test_regex();
	test_size();
	loader_paths_free(&paths);
	return done_testing();
}
