/* SPDX-License-Identifier: MIT */
/*
 * The request: the method, headers, body (inline or from a file), DNS
 * overrides and User-Agent every request of the job is sent with, and the
 * cookies it carries (whose jar, the file it starts from, the file it is
 * saved to).  Each text that goes on the wire passes job_wire_check() at
 * its spot.
 */
#include <config.h>

#include "config/job_keys.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"

int job_method_ok(char *method)
{
	const char *why;
	char *p;

	for (p = method; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-'))
			return -1;
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	return job_wire_ok(method, JOB_WIRE_TOKEN, &why);
}

int job_parse_method(struct checker *c, const struct node *n, char **out)
{
	if (job_get_string(c, "method", n, out) < 0)
		return -1;
	if (job_method_ok(*out) < 0)
		return job_fail(c, n, "\"method\" must be a word such as GET or POST, got \"%s\"", n->text);
	return 0;
}

static int key_method(struct checker *c, const struct node *n)
{
	return job_parse_method(c, n, &c->job->method);
}

int job_header_ok(const char *name, const char *value, const char **why)
{
	if (job_wire_ok(name, JOB_WIRE_TOKEN, why) < 0)
		return -1;
	if (strpbrk(value, "\r\n")) {
		*why = "it must be on one line";
		return -2;
	}
	return job_wire_ok(value, JOB_WIRE_VALUE, why) < 0 ? -2 : 0;
}

int job_parse_headers(struct checker *c, const struct node *n, struct job_header **out,
                      size_t *count)
{
	const char *why;
	size_t i;

	if (n->kind != NODE_MAP)
		return job_fail(c, n, "\"headers\" must be a map of header names to values");
	*out = calloc(n->count ? n->count : 1, sizeof **out);
	if (!*out)
		return job_fail(c, n, "out of memory");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		struct job_header *h = &(*out)[i];

		if (job_wire_ok(k->text, JOB_WIRE_TOKEN, &why) < 0)
			return job_fail(c, k, "\"%s\" is not a valid header name", k->text);
		if (v->kind != NODE_SCALAR)
			return job_fail(c, v, "the value of header \"%s\" must be text", k->text);
		if (strpbrk(v->text, "\r\n"))
			return job_fail(c, v, "the value of header \"%s\" must be on one line", k->text);
		if (job_wire_ok(v->text, JOB_WIRE_VALUE, &why) < 0)
			return job_fail(c, v, "the value of header \"%s\": %s", k->text, why);
		h->name = strdup(k->text);
		h->value = strdup(v->text);
		++*count;
		if (!h->name || !h->value)
			return job_fail(c, n, "out of memory");
	}
	return 0;
}

static int key_headers(struct checker *c, const struct node *n)
{
	return job_parse_headers(c, n, &c->job->headers, &c->job->header_count);
}

static int key_body(struct checker *c, const struct node *n)
{
	if (job_is_null(n))
		return 0;       /* body: ~ means no body */
	if (n->kind != NODE_SCALAR)
		return job_fail(c, n, "\"body\" must be text");
	if (c->job->body)
		return job_fail(c, n, "give either \"body\" or \"body_file\", not both");
	c->job->body = strdup(n->text);
	c->job->body_len = strlen(n->text);
	return c->job->body ? 0 : job_fail(c, n, "out of memory");
}

int job_read_body_file(struct checker *c, const struct node *n, char **body, size_t *body_len)
{
	char *path = NULL;
	struct buf data = { 0 };
	char chunk[65536];
	size_t got;
	FILE *f;

	if (job_get_path(c, "body_file", n, &path) < 0)
		return -1;
	f = fopen(path, "rb");
	if (!f) {
		job_fail(c, n, "cannot read body_file \"%s\": %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	buf_append(&data, "", 0);
	/* held in memory and sent with every request: /dev/zero must not fill
	 * memory before it is refused */
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && data.len <= JOB_BODY_MAX)
		buf_append(&data, chunk, got);
	if (data.len > JOB_BODY_MAX) {
		fclose(f);
		buf_free(&data);
		return job_fail(c, n, "body_file is larger than %d MiB", JOB_BODY_MAX >> 20);
	}
	if (ferror(f) || data.oom) {
		fclose(f);
		buf_free(&data);
		return job_fail(c, n, "cannot read body_file: %s", data.oom ? "out of memory" : strerror(errno));
	}
	fclose(f);
	*body = data.data;
	*body_len = data.len;
	return 0;
}

/* The request body from a file (relative to the job file), read once at
 * load: any bytes, NULs included. */
static int key_body_file(struct checker *c, const struct node *n)
{
	if (c->job->body)
		return job_fail(c, n, "give either \"body\" or \"body_file\", not both");
	return job_read_body_file(c, n, &c->job->body, &c->job->body_len);
}

/* "host:port:address" entries, as curl's --resolve takes them. */
static int key_resolve(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return job_fail(c, n, "\"resolve\" must be a list of HOST:PORT:ADDRESS entries");
	for (i = 0; i < count; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		const char *colon1, *colon2;
		struct curl_slist *grown;

                if (job_want_scalar(c, "resolve", item, "HOST:PORT:ADDRESS") < 0)
                        return -1;
                colon1 = strchr(item->text, ':');
                colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
                if (!colon1 || !colon2 || colon1 == item->text || colon2 == colon1 + 1 || !colon2[1] ||
		    strspn(colon1 + 1, "0123456789") != (size_t)(colon2 - colon1 - 1))
			return job_fail(c, item, "\"resolve\": \"%s\" is not HOST:PORT:ADDRESS, e.g. "
			                "example.test:443:127.0.0.1", item->text);
		grown = curl_slist_append(c->job->resolve, item->text);
		if (!grown)
			return job_fail(c, item, "out of memory");
		c->job->resolve = grown;
	}
	return 0;
}

static int key_user_agent(struct checker *c, const struct node *n)
{
	if (job_get_string(c, "user_agent", n, &c->job->user_agent) < 0)
		return -1;
	return job_wire_check(c, "user_agent", n, c->job->user_agent, JOB_WIRE_VALUE);
}

static const char *const cookie_modes[] = { "off", "off", "per_worker", "shared" };

static int key_cookies(struct checker *c, const struct node *n)
{
	if (job_want_scalar(c, "cookies", n, "off, per_worker or shared") < 0)
		return -1;
	for (size_t i = JOB_COOKIES_OFF; i <= JOB_COOKIES_SHARED; i++)
		if (strcmp(n->text, cookie_modes[i]) == 0) {
			c->job->cookies = (enum job_cookies)i;
			return 0;
		}
	return job_fail(c, n, "\"cookies\" is off, per_worker or shared, got \"%s\"", n->text);
}

/* Read once at load, so a wrong path is one job error; libcurl itself
 * would skip a file it cannot open without a word.  ~ leaves it unset. */
static int key_cookie_file(struct checker *c, const struct node *n)
{
	struct stat st;
	FILE *f;

	free(c->job->cookie_file);
	c->job->cookie_file = NULL;
	if (job_is_null(n))
		return 0;
	if (job_get_path(c, "cookie_file", n, &c->job->cookie_file) < 0)
		return -1;
	if (stat(c->job->cookie_file, &st) == 0 && !S_ISREG(st.st_mode))
		return job_fail(c, n, "cookie_file \"%s\" is not a regular file", c->job->cookie_file);
	f = fopen(c->job->cookie_file, "r");
	if (!f)
		return job_fail(c, n, "cannot read cookie_file \"%s\": %s", c->job->cookie_file,
		                strerror(errno));
	fclose(f);
	return 0;
}

static int key_cookie_jar(struct checker *c, const struct node *n)
{
	free(c->job->cookie_jar);
	c->job->cookie_jar = NULL;
	if (job_is_null(n))
		return 0;
	return job_get_path(c, "cookie_jar", n, &c->job->cookie_jar);
}

/* Once every key is read: the cookie keys against each other and the
 * strategy.  The multiprocess strategy's workers are processes, each with
 * its own memory: one jar cannot span them, and their jars end with them. */
int job_request_check(struct checker *c)
{
	struct job *job = c->job;
	const struct node *mode = tree_get(job->tree, "cookies");
	const char *file_key = job->cookie_file ? "cookie_file" : "cookie_jar";

	if (job->cookies == JOB_COOKIES_UNSET)
		job->cookies = job->cookie_file || job->cookie_jar ? JOB_COOKIES_PER_WORKER : JOB_COOKIES_OFF;
	else if (job->cookies == JOB_COOKIES_OFF && (job->cookie_file || job->cookie_jar))
		return job_fail(c, tree_get(job->tree, file_key),
		                "\"%s\" needs cookies: drop \"cookies: off\" or say per_worker or shared",
		                file_key);
	/* a persistent or shared crawl keeps its seeds as bare URLs */
	if (job->url_requests_given && (job->crawl.state || job->frontier.redis)) {
		const struct node *at = tree_get(job->tree, job->url_count ? "urls" : "url_file");
		return job_fail(c, at ? at : job->tree, "a URL's own method, headers, body or meta "
		                "cannot be kept by %s, which keeps only URLs",
		                job->crawl.state ? "crawl.state" : "frontier.redis");
	}
	if (!job->strategy.name || strcmp(job->strategy.name, "multiprocess") != 0)
		return 0;
	if (job->cookies == JOB_COOKIES_SHARED && mode)
		return job_fail(c, mode, "\"cookies: shared\": the multiprocess strategy's workers are "
		                "processes and cannot share a jar; use per_worker (a jar per process)");
	if (job->cookie_jar)
		return job_fail(c, tree_get(job->tree, "cookie_jar"), "\"cookie_jar\": the multiprocess "
		                "strategy's cookies end with its worker processes; use threaded or event");
	return 0;
}

static void print_method(const struct job *job, FILE *out)
{
	fprintf(out, "method: %s\n", job->method);
}

void job_print_headers(FILE *out, const struct job_header *headers, size_t count,
                       const char *indent)
{
	size_t i;

	if (!count)
		return;
	fprintf(out, "%sheaders:\n", indent);
	for (i = 0; i < count; i++) {
		fprintf(out, "%s  %s: ", indent, headers[i].name);
		job_print_scalar(out, headers[i].value);
		fputc('\n', out);
	}
}

static void print_headers(const struct job *job, FILE *out)
{
	job_print_headers(out, job->headers, job->header_count, "");
}

void job_free_headers(struct job_header *headers, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(headers[i].name);
		free(headers[i].value);
	}
	free(headers);
}

static void free_headers(struct job *job)
{
	job_free_headers(job->headers, job->header_count);
}

void job_print_body(FILE *out, const char *body, size_t len, const char *indent)
{
	/* body_file's bytes too: they may not be text */
	if (body && strlen(body) == len) {
		fprintf(out, "%sbody: ", indent);
		job_print_scalar(out, body);
		fputc('\n', out);
	} else if (body) {
		fprintf(out, "%sbody: ~  # %zu bytes of binary data from body_file\n", indent, len);
	}
}

static void print_body(const struct job *job, FILE *out)
{
	job_print_body(out, job->body, job->body_len, "");
}

static void free_body(struct job *job)
{
	free(job->body);
}

static void print_resolve(const struct job *job, FILE *out)
{
	const struct curl_slist *r;

	if (!job->resolve)
		return;
	fputs("resolve:\n", out);
	for (r = job->resolve; r; r = r->next)
		fprintf(out, "  - %s\n", r->data);
}

static void free_resolve(struct job *job)
{
	curl_slist_free_all(job->resolve);
}

static void print_cookies(const struct job *job, FILE *out)
{
	fprintf(out, "cookies: %s\n", cookie_modes[job->cookies]);
}

#define AT(field) offsetof(struct job, field)

const struct job_key job_request_keys[] = {
	{ .name = "method", .type = JOB_KEY_STRING, .offset = AT(method), .def_text = "GET",
	  .parse = key_method, .print = print_method, .help = "the HTTP method, e.g. GET or POST" },
	{ .name = "headers", .parse = key_headers, .print = print_headers, .release = free_headers,
	  .help = "a map of request header names to values" },
	{ .name = "body", .parse = key_body, .print = print_body, .release = free_body,
	  .help = "the request body, as text" },
	/* printed as body; freed with it */
	{ .name = "body_file", .parse = key_body_file,
	  .help = "a file whose bytes are the request body" },
	{ .name = "resolve", .parse = key_resolve, .print = print_resolve, .release = free_resolve,
	  .help = "HOST:PORT:ADDRESS entries that override DNS, as curl's --resolve" },
	{ .name = "user_agent", .type = JOB_KEY_STRING, .offset = AT(user_agent),
	  .def_text = "scrape/" PACKAGE_VERSION, .parse = key_user_agent,
	  .help = "the User-Agent header" },
	{ .name = "cookies", .parse = key_cookies, .print = print_cookies,
	  .help = "off, per_worker or shared: whose cookie jar requests use" },
	{ .name = "cookie_file", .type = JOB_KEY_PATH, .offset = AT(cookie_file),
	  .parse = key_cookie_file, .unset = "no cookies at the start",
	  .help = "a Netscape cookie file the jars start from" },
	{ .name = "cookie_jar", .type = JOB_KEY_PATH, .offset = AT(cookie_jar),
	  .parse = key_cookie_jar, .unset = "the cookies are not saved",
	  .help = "where the cookies are saved, as a Netscape cookie file, at the end" },
	{ .name = NULL },
};
