/* SPDX-License-Identifier: MIT */
/*
 * What to fetch: the urls and url_file keys (job_url_file.c reads the
 * file, a line at a time, at load and again at run time), a URL's own
 * request, and the one wire check every text the job sends goes through (method, URLs,
 * User-Agent, headers), so no value can add a header or a request.
 */
#include <config.h>

#include "config/job_keys.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/json.h"

/* RFC 9110 tchar: what a method or a header name is made of. */
static int is_token_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

int job_wire_ok(const char *text, enum job_wire kind, const char **why)
{
	const unsigned char *p = (const unsigned char *)text;

	if (kind == JOB_WIRE_TOKEN && !*p) {
		*why = "it is empty";
		return -1;
	}
	for (; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			*why = "it contains a line break (CR or LF), which would start a new header";
			return -1;
		}
		if (kind == JOB_WIRE_TOKEN && !is_token_char(*p)) {
			*why = "it may hold only letters, digits and !#$%&'*+-.^_`|~";
			return -1;
		}
		if (kind == JOB_WIRE_URL && (*p == ' ' || *p == '\t')) {
			*why = "it contains white space";
			return -1;
		}
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			*why = "it contains a control character";
			return -1;
		}
	}
	return 0;
}

int job_url_ok(const char *url, const char **why)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int ok = -1;

	if (job_wire_ok(url, JOB_WIRE_URL, why) < 0)
		return -1;
	*why = "out of memory";
	if (!(u = curl_url()))
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*why = "it is not an absolute URL like http://host/path";
	} else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	           (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		*why = "only http and https URLs are allowed";
	} else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		*why = "it has no host";
	} else {
		ok = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* A value the job sends as part of a request, refused at its spot. */
int job_wire_check(struct checker *c, const char *key, const struct node *n, const char *text,
                   enum job_wire kind)
{
	const char *why;

	if (job_wire_ok(text, kind, &why) < 0)
		return job_fail(c, n, "\"%s\" cannot be sent: %s", key, why);
	return 0;
}

size_t job_group_name(char *out, size_t len, const char *method, const char *url)
{
	int n = snprintf(out, len, "%s %.*s", method, (int)strcspn(url, "?#"), url);

	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

/* ---- the keys ---- */

/* ---- a URL's own request ---- */

void job_url_request_clear(struct job_url_request *req)
{
	free(req->method);
	job_free_headers(req->headers, req->header_count);
	free(req->body);
	free(req->meta);
	memset(req, 0, sizeof *req);
}

void job_url_request_free(struct job_url_request *req)
{
	if (!req)
		return;
	job_url_request_clear(req);
	free(req);
}

static char *copy_bytes(const char *from, size_t len, int *failed)
{
	char *to;

	if (!from)
		return NULL;
	if (!(to = malloc(len + 1))) {
		*failed = 1;
		return NULL;
	}
	memcpy(to, from, len);
	to[len] = '\0';
	return to;
}

struct job_url_request *job_url_request_copy(const struct job_url_request *from)
{
	struct job_url_request *to = calloc(1, sizeof *to);
	int failed = 0;
	size_t i;

	if (!to)
		return NULL;
	to->method = copy_bytes(from->method, from->method ? strlen(from->method) : 0, &failed);
	to->body = copy_bytes(from->body, from->body_len, &failed);
	to->body_len = from->body_len;
	to->meta = copy_bytes(from->meta, from->meta ? strlen(from->meta) : 0, &failed);
	if (from->header_count && !(to->headers = calloc(from->header_count, sizeof *to->headers)))
		failed = 1;
	for (i = 0; !failed && i < from->header_count; i++, to->header_count++) {
		to->headers[i].name = copy_bytes(from->headers[i].name, strlen(from->headers[i].name), &failed);
		to->headers[i].value = copy_bytes(from->headers[i].value, strlen(from->headers[i].value),
		                                  &failed);
	}
	if (failed) {
		job_url_request_free(to);
		return NULL;
	}
	return to;
}

/* A JSON number as RFC 8259 writes it: a plain YAML scalar of that shape
 * is a number in the records, anything else is text. */
static int is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return 0;
	if (*s == '.' && s[1] >= '0' && s[1] <= '9')
		s += 1 + strspn(s + 1, "0123456789");
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		s += strspn(s, "0123456789");
	}
	return *s == '\0';
}

/* meta as JSON: plain null, true, false and numbers keep their type (as
 * YAML's core schema reads them), every other scalar is a string.  The
 * tree is at most TREE_MAX_DEPTH deep, so the recursion is bounded. */
static void node_json(const struct node *n, struct buf *out)
{
	size_t i;

	if (n->kind == NODE_SCALAR) {
		if (n->plain && (!*n->text || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0))
			buf_puts(out, "null");
		else if (n->plain && (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0 ||
		                      is_json_number(n->text)))
			buf_puts(out, n->text);
		else
			buf_json_string(out, n->text);
		return;
	}
	buf_putc(out, n->kind == NODE_MAP ? '{' : '[');
	for (i = 0; i < n->count; i++) {
		if (i)
			buf_putc(out, ',');
		if (n->kind == NODE_MAP) {
			buf_json_string(out, n->keys[i]->text);
			buf_putc(out, ':');
		}
		node_json(n->items[i], out);
	}
	buf_putc(out, n->kind == NODE_MAP ? '}' : ']');
}

static int item_meta(struct checker *c, const struct node *v, struct job_url_request *rq)
{
	struct buf json = { 0 };

	if (v->kind != NODE_MAP)
		return job_fail(c, v, "\"meta\" must be a map of names to values");
	node_json(v, &json);
	if (json.oom) {
		buf_free(&json);
		return job_fail(c, v, "out of memory");
	}
	free(rq->meta);
	rq->meta = json.data;
	c->job->url_meta = 1;
	return 0;
}

/* A key of a urls entry's own request: 1 when it was one (and fine), 0
 * when the key is not one of them, -1 on error. */
static int item_request_key(struct checker *c, const struct node *key, const struct node *v,
                            struct job_url_request *rq)
{
	if (strcmp(key->text, "method") == 0)
		return job_parse_method(c, v, &rq->method) < 0 ? -1 : 1;
	if (strcmp(key->text, "headers") == 0)
		return job_parse_headers(c, v, &rq->headers, &rq->header_count) < 0 ? -1 : 1;
	if (strcmp(key->text, "meta") == 0)
		return item_meta(c, v, rq) < 0 ? -1 : 1;
	if (strcmp(key->text, "body") != 0 && strcmp(key->text, "body_file") != 0)
		return 0;
	if (strcmp(key->text, "body") == 0 && job_is_null(v))
		return 1;               /* body: ~ means the job's */
	if (rq->body)
		return job_fail(c, key, "give either \"body\" or \"body_file\", not both");
	if (strcmp(key->text, "body_file") == 0)
		return job_read_body_file(c, v, &rq->body, &rq->body_len) < 0 ? -1 : 1;
	if (v->kind != NODE_SCALAR)
		return job_fail(c, v, "\"body\" must be text");
	if (!(rq->body = strdup(v->text)))
		return job_fail(c, v, "out of memory");
	rq->body_len = strlen(v->text);
	return 1;
}

static const char *const item_keys[] = {
	"url", "weight", "name", "method", "headers", "body", "body_file", "meta",
};

static int unknown_item_key(struct checker *c, const struct node *key)
{
	const char *hint = job_suggest(key->text, item_keys, sizeof item_keys / sizeof item_keys[0]);

	if (hint)
		return job_fail(c, key, "unknown key \"%s\" in a urls entry (did you mean \"%s\"?)",
		                key->text, hint);
	return job_fail(c, key, "unknown key \"%s\" in a urls entry (it takes url, weight, name, "
	                "method, headers, body, body_file and meta)", key->text);
}

static int item_name(struct checker *c, const struct node *v, char **name)
{
	const char *why;

	if (job_want_scalar(c, "name", v, "a group name") < 0)
		return -1;
	/* a name is printed in tables and JSON, and names a group in a
	 * threshold ("p99{name=search} < 200ms") */
	if (!*v->text || strlen(v->text) > JOB_GROUP_NAME_MAX || v->text[strcspn(v->text, "{}=\"")] ||
	    job_wire_ok(v->text, JOB_WIRE_VALUE, &why) < 0)
		return job_fail(c, v, "\"name\" must be 1 to %d characters without control "
		                "characters, braces, '=' or '\"', got \"%s\"", JOB_GROUP_NAME_MAX, v->text);
	free(*name);
	if (!(*name = strdup(v->text)))
		return job_fail(c, v, "out of memory");
	return 0;
}

/* The keys of a urls entry that is a map, into weight, name and rq. */
static int item_keys_read(struct checker *c, const struct node *u, int64_t *weight, char **name,
                          struct job_url_request *rq)
{
	size_t k;

	for (k = 0; k < u->count; k++) {
		const struct node *key = u->keys[k], *v = u->items[k];
		int rc;

		if (strcmp(key->text, "url") == 0)
			continue;
		if (strcmp(key->text, "weight") == 0) {
			if (job_get_count(c, "weight", v, 1, weight) < 0)
				return -1;
		} else if (strcmp(key->text, "name") == 0) {
			if (item_name(c, v, name) < 0)
				return -1;
		} else if ((rc = item_request_key(c, key, v, rq)) <= 0) {
			return rc < 0 ? -1 : unknown_item_key(c, key);
		}
	}
	return 0;
}

int job_url_request_given(const struct job_url_request *rq)
{
	return rq->method || rq->header_count || rq->body || rq->meta;
}

/* One item of "urls": a URL, or a map with url, weight, name and its own
 * request (method, headers, body or body_file, meta). */
static int url_item(struct checker *c, const struct node *u, size_t i)
{
	struct job_url_request rq = { 0 };
	const struct node *text = u;
	const char *why;
	int64_t weight = 1;
	char *name = NULL;

	if (u->kind == NODE_MAP) {
		text = tree_get(u, "url");
		if (!text)
			return job_fail(c, u, "this urls entry has no \"url\"");
		if (item_keys_read(c, u, &weight, &name, &rq) < 0)
			goto fail;
	}
	if (job_want_scalar(c, "urls", text, "a URL") < 0)
		goto fail;
	if (job_url_ok(text->text, &why) < 0) {
		job_fail(c, text, "malformed URL \"%s\": %s", text->text, why);
		goto fail;
	}
	if (!(c->job->urls[i] = strdup(text->text))) {
		job_fail(c, text, "out of memory");
		goto fail;
	}
	if (job_url_request_given(&rq)) {
		if (!(c->job->url_requests[i] = malloc(sizeof rq))) {
			job_fail(c, text, "out of memory");
			goto fail;
		}
		*c->job->url_requests[i] = rq;
		c->job->url_requests_given = 1;
	}
	c->job->url_weights[i] = weight;
	c->job->url_names[i] = name;
	c->job->url_count++;
	return 0;
fail:
	job_url_request_clear(&rq);
	free(name);
	return -1;
}

static int key_urls(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP || job_is_null(n))
		return job_fail(c, n, "\"urls\" must be a list of URLs");
	if (count == 0)
		return job_fail(c, n, "\"urls\" is empty: list at least one URL");
	c->job->urls = calloc(count, sizeof(char *));
	c->job->url_weights = calloc(count, sizeof(int64_t));
	c->job->url_names = calloc(count, sizeof(char *));
	c->job->url_requests = calloc(count, sizeof *c->job->url_requests);
	if (!c->job->urls || !c->job->url_weights || !c->job->url_names || !c->job->url_requests)
		return job_fail(c, n, "out of memory");
	/* one URL may be written without the list brackets */
	for (i = 0; i < count; i++)
		if (url_item(c, n->kind == NODE_LIST ? n->items[i] : n, i) < 0)
			return -1;
	return 0;
}

/*
 * A regular URL file is read line by line here to check and count it, and
 * again while the job runs: it is never held in memory, so a file of ten
 * million URLs costs nothing but two sequential reads.  Anything else (a
 * pipe, standard input, a device) can be read only once: it is not opened
 * here, so --dry-run leaves it alone, and it is checked as it streams.
 */
static int check_url_file(struct checker *c, const struct node *n)
{
	struct job_url_reader r;
	struct stat st;
	int64_t count = 0;
	char *url;
	int rc;

	if (strcmp(c->job->url_file, "-") == 0 ||
	    (stat(c->job->url_file, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
		if (strcmp(c->job->url_file, "-") != 0 && access(c->job->url_file, R_OK) < 0)
			return job_fail(c, n, "cannot open url_file \"%s\": %s", c->job->url_file,
			                strerror(errno));
		c->job->url_file_stream = 1;
		c->job->url_file_count = -1;
		return 0;
	}
	if (stat(c->job->url_file, &st) == 0 && S_ISDIR(st.st_mode))
		return job_fail(c, n, "cannot read url_file \"%s\": %s", c->job->url_file, strerror(EISDIR));
	if (job_url_open(&r, c->job->url_file) < 0)
		return job_fail(c, n, "cannot open url_file \"%s\": %s", c->job->url_file, strerror(errno));
	while ((rc = job_url_next(&r, &url)) > 0)
		count++;
	if (rc < 0)
		snprintf(c->err, c->errlen, "%s", r.message);
	c->job->url_requests_given |= r.requests_seen > 0;
	c->job->url_meta |= r.meta_seen > 0;
	job_url_close(&r);
	if (rc < 0)
		return -1;
	if (count == 0)
		return job_fail(c, n, "url_file \"%s\" holds no URLs", c->job->url_file);
	c->job->url_file_count = count;
	return 0;
}

static int key_url_file(struct checker *c, const struct node *n)
{
	char *path = NULL;

	/* "-" is standard input, not a file beside the job */
	if (n->kind == NODE_SCALAR && strcmp(n->text, "-") == 0) {
		if (job_get_string(c, "url_file", n, &path) < 0)
			return -1;
	} else if (job_get_path(c, "url_file", n, &path) < 0) {
		return -1;
	}
	free(c->job->url_file);
	c->job->url_file = path;
	return check_url_file(c, n);
}

/* An entry with a request of its own is printed as a block map, so that
 * its headers and body print as the job's do. */
static void print_url_request(FILE *out, const char *url, int64_t weight, const char *name,
                              const struct job_url_request *rq)
{
	fputs("  - url: ", out);
	job_print_scalar(out, url);
	fputc('\n', out);
	if (weight != 1)
		fprintf(out, "    weight: %lld\n", (long long)weight);
	if (name) {
		fputs("    name: ", out);
		job_print_scalar(out, name);
		fputc('\n', out);
	}
	if (rq->method)
		fprintf(out, "    method: %s\n", rq->method);
	job_print_headers(out, rq->headers, rq->header_count, "    ");
	job_print_body(out, rq->body, rq->body_len, "    ");
	/* JSON is YAML: it reads back as the same values */
	if (rq->meta)
		fprintf(out, "    meta: %s\n", rq->meta);
}

static void print_urls(const struct job *job, FILE *out)
{
	size_t i;

	if (!job->url_count)
		return;
	fputs("urls:\n", out);
	for (i = 0; i < job->url_count; i++) {
		int map = job->url_weights[i] != 1 || job->url_names[i];

		if (job->url_requests[i]) {
			print_url_request(out, job->urls[i], job->url_weights[i], job->url_names[i],
			                  job->url_requests[i]);
			continue;
		}
		fputs("  - ", out);
		if (map)
			fputs("{url: ", out);
		job_print_scalar(out, job->urls[i]);
		if (job->url_weights[i] != 1)
			fprintf(out, ", weight: %lld", (long long)job->url_weights[i]);
		if (job->url_names[i]) {
			fputs(", name: ", out);
			job_print_scalar(out, job->url_names[i]);
		}
		if (map)
			fputc('}', out);
		fputc('\n', out);
	}
}

static void free_urls(struct job *job)
{
	size_t i;

	for (i = 0; i < job->url_count; i++) {
		free(job->urls[i]);
		free(job->url_names[i]);
		job_url_request_free(job->url_requests[i]);
	}
	free(job->urls);
	free(job->url_weights);
	free(job->url_names);
	free(job->url_requests);
}

static void print_url_file(const struct job *job, FILE *out)
{
	if (!job->url_file)
		return;
	fputs("url_file: ", out);
	job_print_scalar(out, job->url_file);
	if (job->url_file_stream)
		fputs("  # not a regular file: read once, while the job runs\n", out);
	else
		fprintf(out, "  # %lld URLs\n", (long long)job->url_file_count);
}

const struct job_key job_urls_keys[] = {
	{ .name = "urls", .parse = key_urls, .print = print_urls, .release = free_urls,
	  .help = "the URLs to fetch: a list, each a URL or {url, weight, name, method, headers, "
	          "body, body_file, meta}" },
	{ .name = "url_file", .type = JOB_KEY_PATH, .offset = offsetof(struct job, url_file),
	  .parse = key_url_file, .print = print_url_file,
	  .help = "a file of URLs, one a line, each a URL or a JSON object {url, method, headers, "
	          "body, meta} (\"-\": standard input)" },
	{ .name = NULL },
};
