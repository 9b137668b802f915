/* SPDX-License-Identifier: MIT */
/*
 * What comes back of each page: the parsers that turn a response into
 * fields and links, the crawl that follows those links, and the output the
 * records are written to (format, path, csv columns, sqlite table), with
 * the check that the output keys fit together once all are read.
 */
#include <config.h>

#include "config/job_keys.h"
#include "config/units.h"
#include "util/redis.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int key_parsers(struct checker *c, const struct node *n)
{
	size_t i;

	if (n->kind == NODE_SCALAR || n->kind == NODE_MAP) {
		c->job->parsers = calloc(1, sizeof *c->job->parsers);
		if (!c->job->parsers)
			return job_fail(c, n, "out of memory");
		c->job->parser_count = 1;
		return job_plugin_entry(c, "parsers", n, &c->job->parsers[0]);
	}
	c->job->parsers = calloc(n->count ? n->count : 1, sizeof *c->job->parsers);
	if (!c->job->parsers)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < n->count; i++) {
		c->job->parser_count++;
		if (job_plugin_entry(c, "parsers", n->items[i], &c->job->parsers[i]) < 0)
			return -1;
	}
	return 0;
}

static int output_columns(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP || count == 0)
		return job_fail(c, n, "\"output.columns\" must be a list of column names");
	c->job->output_columns = calloc(count, sizeof(char *));
	if (!c->job->output_columns)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < count; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		if (job_want_scalar(c, "output.columns", item, "a column name") < 0)
			return -1;
		if (!(c->job->output_columns[i] = strdup(item->text)))
			return job_fail(c, item, "out of memory");
		c->job->output_column_count++;
	}
	return 0;
}

static int output_table(struct checker *c, const struct node *v)
{
	if (job_get_string(c, "output.table", v, &c->job->output_table) < 0)
		return -1;
	if (strspn(c->job->output_table, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") !=
	    strlen(c->job->output_table) ||
	    (c->job->output_table[0] >= '0' && c->job->output_table[0] <= '9'))
		return job_fail(c, v, "\"output.table\" must be a plain name (letters, digits, _), got \"%s\"",
		                c->job->output_table);
	return 0;
}

static int key_output(struct checker *c, const struct node *n)
{
	static const char *const keys[] = { "format", "path", "columns", "table" };
	size_t i;

	if (n->kind == NODE_SCALAR && !job_is_null(n))
		return job_get_string(c, "output", n, &c->job->output_path);
	if (n->kind != NODE_MAP)
		return job_fail(c, n, "\"output\" must be a path or a map with \"format\" and \"path\"");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		if (strcmp(k->text, "format") == 0) {
			if (job_get_string(c, "output.format", v, &c->job->output_format) < 0)
				return -1;
			if (strcmp(c->job->output_format, "jsonl") != 0 &&
			    strcmp(c->job->output_format, "csv") != 0 &&
			    strcmp(c->job->output_format, "sqlite") != 0)
				return job_fail(c, v, "unknown output format \"%s\" (use jsonl, csv or sqlite)",
				                v->text);
		} else if (strcmp(k->text, "path") == 0) {
			if (!job_is_null(v) && job_get_string(c, "output.path", v, &c->job->output_path) < 0)
				return -1;
		} else if (strcmp(k->text, "columns") == 0) {
			if (output_columns(c, v) < 0)
				return -1;
		} else if (strcmp(k->text, "table") == 0) {
			if (output_table(c, v) < 0)
				return -1;
		} else {
			const char *hint = job_suggest(k->text, keys, 4);
			if (hint)
				return job_fail(c, k, "unknown key \"output.%s\" (did you mean \"%s\"?)", k->text, hint);
			return job_fail(c, k, "unknown key \"output.%s\" (output takes format, path, columns and table)",
			                k->text);
		}
	}
	return 0;
}

/* The output format from the path's extension when the job names none. */
static const char *format_for_path(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && strcasecmp(dot, ".csv") == 0)
		return "csv";
	if (dot && (strcasecmp(dot, ".db") == 0 || strcasecmp(dot, ".sqlite") == 0 ||
	            strcasecmp(dot, ".sqlite3") == 0))
		return "sqlite";
	return "jsonl";
}

/* A table name from the job file: "jobs/shop-prices.yaml" -> "shop_prices". */
static char *table_for_job(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	char *name, *p;

	base = base ? base + 1 : (path ? path : "pages");
	name = strndup(base, strcspn(base, "."));
	if (!name)
		return NULL;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	if (!*name || (*name >= '0' && *name <= '9')) {
		free(name);
		return strdup("pages");
	}
	return name;
}

static int key_recrawl(struct checker *c, const struct node *n)
{
	if (job_want_scalar(c, "recrawl", n, "conditional or off") < 0)
		return -1;
	if (strcmp(n->text, "conditional") == 0)
		c->job->recrawl = 1;
	else if (strcmp(n->text, "off") == 0)
		c->job->recrawl = 0;
	else
		return job_fail(c, n, "\"recrawl\" must be conditional or off, got \"%s\"", n->text);
	return 0;
}

static void print_recrawl(const struct job *job, FILE *out)
{
	if (job->recrawl)
		fputs("recrawl: conditional\n", out);
}

/* The validators recrawl sends, set by hand: refused rather than one of
 * the two silently winning (the stored one is per page, the hand-set one
 * the same for all). */
static int recrawl_header_check(struct checker *c)
{
	static const char *const sent[] = { "If-None-Match", "If-Modified-Since" };
	const struct node *headers = tree_get(c->job->tree, "headers");
	size_t i, j;

	for (i = 0; headers && headers->kind == NODE_MAP && i < headers->count; i++)
		for (j = 0; j < sizeof sent / sizeof sent[0]; j++)
			if (strcasecmp(headers->keys[i]->text, sent[j]) == 0)
				return job_fail(c, headers->keys[i],
				                "\"headers\": %s is what \"recrawl: conditional\" sends, page by "
				                "page, from the stored rows: drop the header or the recrawl",
				                headers->keys[i]->text);
	return 0;
}

/* recrawl reads its validators back from the sqlite output's rows, and
 * only a GET (or HEAD) can be answered "not modified". */
static int recrawl_check(struct checker *c)
{
	const struct job *job = c->job;
	const struct node *at = tree_get(job->tree, "recrawl");

	if (!job->recrawl)
		return 0;
	if (strcmp(job->output_format, "sqlite") != 0)
		return job_fail(c, at, "\"recrawl: conditional\" reads the last run's validators from the "
		                "sqlite output: write records to an SQLite file (output.format: sqlite)");
	if (strcmp(job->method, "GET") != 0 && strcmp(job->method, "HEAD") != 0)
		return job_fail(c, at, "\"recrawl: conditional\" needs method GET or HEAD (a %s is never "
		                "answered \"not modified\")", job->method);
	return recrawl_header_check(c);
}

/* Checks that the output keys fit together, once all are known. */
int job_output_check(struct checker *c)
{
	struct job *job = c->job;
	const struct node *at = tree_get(job->tree, "output");

	if (!at)
		at = job->tree;
	if (!job->output_format && !(job->output_format = strdup(format_for_path(job->output_path))))
		return job_fail(c, at, "out of memory");
	if (strcmp(job->output_format, "sqlite") == 0) {
		if (!job->output_path || strcmp(job->output_path, "-") == 0)
			return job_fail(c, at, "the sqlite output needs a file path, not standard output");
		if (!job->output_table && !(job->output_table = table_for_job(c->path)))
			return job_fail(c, at, "out of memory");
	} else if (job->output_table) {
		return job_fail(c, at, "\"output.table\" goes with format sqlite only");
	}
	if (job->output_column_count && strcmp(job->output_format, "csv") != 0)
		return job_fail(c, at, "\"output.columns\" goes with format csv only");
	return recrawl_check(c);
}

/* Appends " KEY=TEXT" to the crawl's patterns as written: a resumed crawl
 * compares them with the ones its state file was made under. */
static int remember_pattern(struct crawl_settings *cr, const char *key, const char *text)
{
	size_t old = cr->patterns ? strlen(cr->patterns) : 0;
	size_t add = strlen(key) + strlen(text) + 3;
	char *p = realloc(cr->patterns, old + add);

	if (!p)
		return -1;
	snprintf(p + old, add, "%s%s=%s", old ? " " : "", key, text);
	cr->patterns = p;
	return 0;
}

static int get_patterns(struct checker *c, const char *key, const struct node *n, regex_t **out,
                        size_t *count)
{
	size_t i, total = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return job_fail(c, n, "\"%s\" must be a list of regular expressions", key);
	*out = calloc(total ? total : 1, sizeof **out);
	if (!*out)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < total; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		char why[200];
		int rc;

                if (job_want_scalar(c, key, item, "a regular expression") < 0)
                        return -1;
                rc = regcomp(&(*out)[i], item->text, REG_EXTENDED | REG_NOSUB);
                if (rc != 0) {
			regerror(rc, &(*out)[i], why, sizeof why);
			return job_fail(c, item, "\"%s\": bad regular expression \"%s\": %s", key, item->text, why);
		}
		(*count)++;
		if (remember_pattern(&c->job->crawl, key, item->text) < 0)
			return job_fail(c, item, "out of memory");
	}
	return 0;
}

static int get_domains(struct checker *c, const struct node *n)
{
	struct crawl_settings *cr = &c->job->crawl;
	size_t i, total = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return job_fail(c, n, "\"crawl.allow_domains\" must be a list of domain names");
	cr->allow_domains = calloc(total ? total : 1, sizeof(char *));
	if (!cr->allow_domains)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < total; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		char *p;

                if (job_want_scalar(c, "crawl.allow_domains", item, "a domain name") < 0)
                        return -1;
                if (strpbrk(item->text, "/: ") || !item->text[0])
                        return job_fail(c, item, "\"crawl.allow_domains\": \"%s\" is not a domain name such as "
                                        "example.com", item->text);
                if (!(cr->allow_domains[i] = strdup(item->text)))
                        return job_fail(c, item, "out of memory");
                for (p = cr->allow_domains[i]; *p; p++)
                        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                cr->allow_domain_count++;
	}
	return 0;
}

static int get_sitemap_urls(struct checker *c, const struct node *n)
{
	struct crawl_settings *cr = &c->job->crawl;
	size_t i, total = n->kind == NODE_LIST ? n->count : 1;
	const char *why;

	if (n->kind == NODE_MAP || job_is_null(n))
		return job_fail(c, n, "\"crawl.sitemap_urls\" must be a list of URLs");
	cr->sitemap_urls = calloc(total ? total : 1, sizeof(char *));
	if (!cr->sitemap_urls)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < total; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;

		if (job_want_scalar(c, "crawl.sitemap_urls", item, "a URL") < 0)
			return -1;
		if (job_url_ok(item->text, &why) < 0)
			return job_fail(c, item, "\"crawl.sitemap_urls\": malformed URL \"%s\": %s",
			                item->text, why);
		if (!(cr->sitemap_urls[i] = strdup(item->text)))
			return job_fail(c, item, "out of memory");
		cr->sitemap_url_count++;
	}
	return 0;
}

static int get_since(struct checker *c, const struct node *n)
{
	struct crawl_settings *cr = &c->job->crawl;
	const char *why;

	if (job_want_scalar(c, "crawl.sitemap_since", n, "a date such as 2026-01-01") < 0)
		return -1;
	if (units_datetime(n->text, strlen(n->text), &cr->sitemap_since_s, &why) < 0)
		return job_fail(c, n, "\"crawl.sitemap_since\": \"%s\": %s", n->text, why);
	free(cr->sitemap_since);
	if (!(cr->sitemap_since = strdup(n->text)))
		return job_fail(c, n, "out of memory");
	return 0;
}

/* The sitemap keys that only make sense together. */
static int check_sitemaps(struct checker *c, const struct node *n)
{
	const struct crawl_settings *cr = &c->job->crawl;

	if (cr->sitemaps && !cr->robots)
		return job_fail(c, tree_get(n, "sitemaps"),
		                "\"crawl.sitemaps\" reads the Sitemap lines of robots.txt, which "
		                "\"crawl.robots: false\" does not fetch: list the sitemaps in "
		                "\"crawl.sitemap_urls\" instead");
	if (cr->sitemap_since && !cr->sitemaps && !cr->sitemap_url_count)
		return job_fail(c, tree_get(n, "sitemap_since"),
		                "\"crawl.sitemap_since\" filters the URLs of sitemaps, and this crawl "
		                "reads none: add \"crawl.sitemaps: true\" or \"crawl.sitemap_urls\"");
	return 0;
}

static int key_crawl(struct checker *c, const struct node *n)
{
	static const char *const keys[] = {
		"max_depth", "max_pages", "same_host", "allow_domains", "allow", "deny", "robots",
		"max_crawl_delay", "state", "sitemaps", "sitemap_urls", "sitemap_since",
	};
	struct crawl_settings *cr = &c->job->crawl;
	size_t i;

	if (n->kind != NODE_MAP && !job_is_null(n))
		return job_fail(c, n, "\"crawl\" must be a map (max_depth, max_pages, same_host, ...)");
	cr->enabled = 1;
	for (i = 0; n->kind == NODE_MAP && i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		int rc;

                if (strcmp(k->text, "max_depth") == 0)
                        rc = job_get_count(c, "crawl.max_depth", v, 0, &cr->max_depth);
                else if (strcmp(k->text, "max_pages") == 0)
                        rc = job_get_count(c, "crawl.max_pages", v, 0, &cr->max_pages);
                else if (strcmp(k->text, "same_host") == 0)
                        rc = job_get_bool(c, "crawl.same_host", v, &cr->same_host);
                else if (strcmp(k->text, "allow_domains") == 0)
                        rc = get_domains(c, v);
                else if (strcmp(k->text, "allow") == 0)
                        rc = get_patterns(c, "crawl.allow", v, &cr->allow, &cr->allow_count);
                else if (strcmp(k->text, "deny") == 0)
                        rc = get_patterns(c, "crawl.deny", v, &cr->deny, &cr->deny_count);
                else if (strcmp(k->text, "robots") == 0)
                        rc = job_get_bool(c, "crawl.robots", v, &cr->robots);
                else if (strcmp(k->text, "max_crawl_delay") == 0)
                        rc = job_get_duration(c, "crawl.max_crawl_delay", v, &cr->max_crawl_delay_ns);
                else if (strcmp(k->text, "state") == 0)
                        rc = job_get_path(c, "crawl.state", v, &cr->state);
                else if (strcmp(k->text, "sitemaps") == 0)
                        rc = job_get_bool(c, "crawl.sitemaps", v, &cr->sitemaps);
                else if (strcmp(k->text, "sitemap_urls") == 0)
                        rc = get_sitemap_urls(c, v);
                else if (strcmp(k->text, "sitemap_since") == 0)
                        rc = get_since(c, v);
                else {
			const char *hint = job_suggest(k->text, keys, sizeof keys / sizeof keys[0]);
			if (hint)
				return job_fail(c, k, "unknown key \"crawl.%s\" (did you mean \"%s\"?)", k->text, hint);
			return job_fail(c, k, "unknown key \"crawl.%s\" (see the CRAWLING section of scrape-job(5))",
			                k->text);
		}
		if (rc < 0)
			return -1;
	}
	return n->kind == NODE_MAP ? check_sitemaps(c, n) : 0;
}


static void print_parsers(const struct job *job, FILE *out)
{
	size_t i;

	if (!job->parser_count)
		return;
	fputs("parsers:\n", out);
	for (i = 0; i < job->parser_count; i++) {
		const struct node *e = job->parsers[i].entry;
		if (e->kind == NODE_MAP) {
			fputs("  -", out);
			job_print_plugin_node(out, e, 4);
		} else {
			fprintf(out, "  - %s\n", job->parsers[i].name);
		}
	}
}

static void free_parsers(struct job *job)
{
	size_t i;

	for (i = 0; i < job->parser_count; i++)
		free(job->parsers[i].name);
	free(job->parsers);
}

static void init_crawl(struct job *job)
{
	job->crawl.max_depth = 3;
	job->crawl.same_host = 1;
	job->crawl.robots = 1;
	job->crawl.max_crawl_delay_ns = 10 * 1000000000LL;
}

/* The patterns are not printed back: a count says they were read. */
static void print_crawl(const struct job *job, FILE *out)
{
	const struct crawl_settings *cr = &job->crawl;
	size_t i;

	if (!cr->enabled)
		return;
	fprintf(out, "crawl:\n  max_depth: %lld\n  max_pages: %lld%s\n  same_host: %s\n",
	        (long long)cr->max_depth, (long long)cr->max_pages,
	        cr->max_pages ? "" : "  # no limit", cr->same_host ? "true" : "false");
	if (cr->allow_domain_count) {
		fputs("  allow_domains: [", out);
		for (i = 0; i < cr->allow_domain_count; i++)
			fprintf(out, "%s%s", i ? ", " : "", cr->allow_domains[i]);
		fputs("]\n", out);
	}
	if (cr->allow_count || cr->deny_count)
		fprintf(out, "  # %zu allow and %zu deny patterns\n", cr->allow_count, cr->deny_count);
	fprintf(out, "  robots: %s\n", cr->robots ? "true" : "false");
	job_print_duration(out, "  max_crawl_delay", cr->max_crawl_delay_ns);
	if (cr->state) {
		fputs("  state: ", out);
		job_print_scalar(out, cr->state);
		fputc('\n', out);
	}
	if (cr->sitemaps)
		fputs("  sitemaps: true\n", out);
	if (cr->sitemap_url_count) {
		fputs("  sitemap_urls:\n", out);
		for (i = 0; i < cr->sitemap_url_count; i++) {
			fputs("    - ", out);
			job_print_scalar(out, cr->sitemap_urls[i]);
			fputc('\n', out);
		}
	}
	if (cr->sitemap_since) {
		fputs("  sitemap_since: ", out);
		job_print_scalar(out, cr->sitemap_since);
		fputc('\n', out);
	}
}

static void free_crawl(struct job *job)
{
	struct crawl_settings *cr = &job->crawl;
	size_t i;

	free(cr->state);
	free(cr->patterns);
	free(cr->sitemap_since);
	for (i = 0; i < cr->sitemap_url_count; i++)
		free(cr->sitemap_urls[i]);
	free(cr->sitemap_urls);
	for (i = 0; i < cr->allow_domain_count; i++)
		free(cr->allow_domains[i]);
	free(cr->allow_domains);
	for (i = 0; i < cr->allow_count; i++)
		regfree(&cr->allow[i]);
	free(cr->allow);
	for (i = 0; i < cr->deny_count; i++)
		regfree(&cr->deny[i]);
	free(cr->deny);
}

/* redis://[[USER:]PASSWORD@]HOST[:PORT][/DB] into its parts. */
static int parse_redis_url(struct checker *c, const struct node *n, struct frontier_settings *fr)
{
	struct redis_url url;
	char why[300];

	if (redis_url_parse(n->text, &url, why, sizeof why) < 0)
		return job_fail(c, n, "\"frontier.redis\": %s", why);
	fr->redis_host = url.host;
	fr->redis_port = url.port;
	fr->redis_db = url.db;
	fr->redis_user = url.user;
	fr->redis_password = url.password;
	return 0;
}

static int key_frontier(struct checker *c, const struct node *n)
{
	static const char *const keys[] = { "redis", "key_prefix", "lease", "items" };
	struct frontier_settings *fr = &c->job->frontier;
	const struct node *redis = NULL;
	size_t i;

	if (n->kind != NODE_MAP)
		return job_fail(c, n, "\"frontier\" must be a map (redis, key_prefix, lease, items)");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		int rc;

		if (strcmp(k->text, "redis") == 0) {
			rc = job_get_string(c, "frontier.redis", v, &fr->redis);
			redis = v;
			if (rc == 0)
				rc = parse_redis_url(c, v, fr);
		} else if (strcmp(k->text, "key_prefix") == 0) {
			free(fr->key_prefix);
			fr->key_prefix = NULL;
			rc = job_get_string(c, "frontier.key_prefix", v, &fr->key_prefix);
			if (rc == 0 && (!fr->key_prefix[0] || strpbrk(fr->key_prefix, " \t\r\n")))
				return job_fail(c, v, "\"frontier.key_prefix\" must be a word such as docs-crawl");
		} else if (strcmp(k->text, "lease") == 0) {
			rc = job_get_duration(c, "frontier.lease", v, &fr->lease_ns);
			if (rc == 0 && fr->lease_ns < 1000000000)
				return job_fail(c, v, "\"frontier.lease\" must be at least 1s");
		} else if (strcmp(k->text, "items") == 0) {
			rc = job_get_bool(c, "frontier.items", v, &fr->items);
		} else {
			const char *hint = job_suggest(k->text, keys, sizeof keys / sizeof keys[0]);
			if (hint)
				return job_fail(c, k, "unknown key \"frontier.%s\" (did you mean \"%s\"?)", k->text,
				                hint);
			return job_fail(c, k, "unknown key \"frontier.%s\" (see the CRAWLING section of "
			                "scrape-job(5))", k->text);
		}
		if (rc < 0)
			return -1;
	}
	if (!redis)
		return job_fail(c, n, "\"frontier\" needs \"redis\", the server to share the crawl through "
		                "(redis://HOST:PORT/DB)");
	return 0;
}

static void init_frontier(struct job *job)
{
	job->frontier.lease_ns = 30 * 1000000000LL;
}

static void print_frontier(const struct job *job, FILE *out)
{
	const struct frontier_settings *fr = &job->frontier;

	if (!fr->redis)
		return;
	fprintf(out, "frontier:\n  redis: redis://%s%s%s:%d/%d\n", fr->redis_password ? "***" : "",
	        fr->redis_password ? "@" : "", fr->redis_host, fr->redis_port, fr->redis_db);
	fputs("  key_prefix: ", out);
	job_print_scalar(out, fr->key_prefix ? fr->key_prefix : "scrape");
	fputc('\n', out);
	job_print_duration(out, "  lease", fr->lease_ns);
	fprintf(out, "  items: %s\n", fr->items ? "true" : "false");
}

static void free_frontier(struct job *job)
{
	struct frontier_settings *fr = &job->frontier;

	free(fr->redis);
	free(fr->redis_host);
	free(fr->redis_user);
	free(fr->redis_password);
	free(fr->key_prefix);
}

static void print_output(const struct job *job, FILE *out)
{
	size_t i;

	fprintf(out, "output:\n  format: %s\n  path: %s\n", job->output_format,
	        job->output_path ? job->output_path : "~  # no records written");
	if (job->output_column_count) {
		fputs("  columns: [", out);
		for (i = 0; i < job->output_column_count; i++)
			fprintf(out, "%s%s", i ? ", " : "", job->output_columns[i]);
		fputs("]\n", out);
	}
	if (job->output_table)
		fprintf(out, "  table: %s\n", job->output_table);
}

static void free_output(struct job *job)
{
	size_t i;

	free(job->output_format);
	free(job->output_path);
	for (i = 0; i < job->output_column_count; i++)
		free(job->output_columns[i]);
	free(job->output_columns);
	free(job->output_table);
}

const struct job_key job_output_keys[] = {
	{ .name = "parsers", .parse = key_parsers, .print = print_parsers, .release = free_parsers,
	  .help = "the parser plugins each response goes through" },
	{ .name = "crawl", .parse = key_crawl, .print = print_crawl, .release = free_crawl,
	  .init = init_crawl, .help = "follow the links parsers find: depth, pages, scope, robots.txt" },
	{ .name = "frontier", .parse = key_frontier, .print = print_frontier, .release = free_frontier,
	  .init = init_frontier, .help = "share a crawl between processes through Redis: {redis, key_prefix}" },
	{ .name = "output", .parse = key_output, .print = print_output, .release = free_output,
	  .help = "where records go: a path, or {format, path, columns, table}" },
	{ .name = "recrawl", .parse = key_recrawl, .print = print_recrawl,
	  .help = "conditional: ask again with each page's stored ETag and Last-Modified, keep what is unchanged" },
	{ .name = NULL },
};
