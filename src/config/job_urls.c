/* SPDX-License-Identifier: MIT */
/*
 * What to fetch: the urls and url_file keys, the bounded reader that
 * checks a URL file at load and feeds it to the frontier at run time, and
 * the one wire check every text the job sends goes through (method, URLs,
 * User-Agent, headers), so no value can add a header or a request.
 */
#include <config.h>

#include "config/job_keys.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

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

/* One item of "urls": a URL, or a map with url, weight and name. */
static int url_item(struct checker *c, const struct node *u, size_t i)
{
	const struct node *text = u;
	const char *why;
	int64_t weight = 1;
	char *name = NULL;

	if (u->kind == NODE_MAP) {
		size_t k;
		text = tree_get(u, "url");
		if (!text)
			return job_fail(c, u, "this urls entry has no \"url\"");
		for (k = 0; k < u->count; k++) {
			const struct node *key = u->keys[k], *v = u->items[k];

			if (strcmp(key->text, "weight") == 0) {
				if (job_get_count(c, "weight", v, 1, &weight) < 0)
					goto fail;
			} else if (strcmp(key->text, "name") == 0) {
				if (job_want_scalar(c, "name", v, "a group name") < 0)
					goto fail;
				/* a name is printed in tables and JSON, and names a
				 * group in a threshold ("p99{name=search} < 200ms") */
				if (!*v->text || strlen(v->text) > JOB_GROUP_NAME_MAX ||
				    v->text[strcspn(v->text, "{}=\"")] ||
				    job_wire_ok(v->text, JOB_WIRE_VALUE, &why) < 0) {
					job_fail(c, v, "\"name\" must be 1 to %d characters without control "
					         "characters, braces, '=' or '\"', got \"%s\"",
					         JOB_GROUP_NAME_MAX, v->text);
					goto fail;
				}
				free(name);
				if (!(name = strdup(v->text))) {
					job_fail(c, v, "out of memory");
					goto fail;
				}
			} else if (strcmp(key->text, "url") != 0) {
				job_fail(c, key, "unknown key \"%s\" in a urls entry (it takes url, weight and name)",
				         key->text);
				goto fail;
			}
		}
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
	c->job->url_weights[i] = weight;
	c->job->url_names[i] = name;
	c->job->url_count++;
	return 0;
fail:
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
	if (!c->job->urls || !c->job->url_weights || !c->job->url_names)
		return job_fail(c, n, "out of memory");
	/* one URL may be written without the list brackets */
	for (i = 0; i < count; i++)
		if (url_item(c, n->kind == NODE_LIST ? n->items[i] : n, i) < 0)
			return -1;
	return 0;
}

char *job_url_line(char *line)
{
	char *end;

	/* a CR is white space at either end, as it is in the trim below */
	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return *line == '\0' || *line == '#' ? NULL : line;
}

int job_url_open(struct job_url_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->line = malloc(JOB_URL_LINE_MAX + 1);
	if (!r->line)
		return -1;
	if (strcmp(path, "-") == 0) {
		r->f = stdin;
		r->name = "standard input";
	} else {
		r->f = fopen(path, "r");
		r->name = path;
	}
	if (!r->f) {
		int e = errno;
		free(r->line);
		r->line = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void job_url_close(struct job_url_reader *r)
{
	if (r->f && r->f != stdin)
		fclose(r->f);
	free(r->line);
	r->f = NULL;
	r->line = NULL;
}

/* "NAME:LINE:COL: ..." in r->message, escaped: the line is untrusted. */
static int url_refuse(struct job_url_reader *r, int rc, long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int url_refuse(struct job_url_reader *r, int rc, long col, const char *fmt, ...)
{
	char message[sizeof r->message];
	int used = snprintf(message, sizeof message, "%s:%ld:%ld: ", r->name, r->lineno, col);
	va_list ap;

	if (used < 0 || (size_t)used >= sizeof message)
		used = 0;
	va_start(ap, fmt);
	vsnprintf(message + used, sizeof message - (size_t)used, fmt, ap);
	va_end(ap);
	visible(r->message, sizeof r->message, message);
	return rc;
}

/* Reads one line into r->line, at most JOB_URL_LINE_MAX bytes; its length,
 * -1 at the end of the file, -2 if the line is longer. */
static long read_line(struct job_url_reader *r)
{
	long len = 0;
	int ch = 0;

	/* what is left of a line refused as too long is not a line of its own */
	while (r->rest_of_line && (ch = getc(r->f)) != EOF && ch != '\n')
		;
	r->rest_of_line = 0;
	if (ch == EOF)
		return -1;
	while ((ch = getc(r->f)) != EOF && ch != '\n') {
		if (len == JOB_URL_LINE_MAX) {
			r->rest_of_line = 1;
			return -2;
		}
		r->line[len++] = (char)ch;
	}
	if (ch == EOF && len == 0)
		return -1;
	r->line[len] = '\0';
	return len;
}

int job_url_next(struct job_url_reader *r, char **url)
{
	for (;;) {
		const char *why;
		long len;

                errno = 0;
                len = read_line(r);
                if (len == -1) {
			if (ferror(r->f))
				return url_refuse(r, -2, 1, "cannot read the file: %s",
				                  strerror(errno ? errno : EIO));
			return 0;
		}
		r->lineno++;
		if (len == -2)
			return url_refuse(r, -1, 1, "the line is longer than %d bytes", JOB_URL_LINE_MAX);
		if ((long)strlen(r->line) != len)
			return url_refuse(r, -1, (long)strlen(r->line) + 1,
			                  "the line holds a NUL byte (is this a text file?)");
		if (!(*url = job_url_line(r->line)))
			continue;
		if (job_url_ok(*url, &why) < 0)
			return url_refuse(r, -1, 1, "malformed URL \"%.200s\": %s", *url, why);
		return 1;
	}
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

static void print_urls(const struct job *job, FILE *out)
{
	size_t i;

	if (!job->url_count)
		return;
	fputs("urls:\n", out);
	for (i = 0; i < job->url_count; i++) {
		int map = job->url_weights[i] != 1 || job->url_names[i];

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
	}
	free(job->urls);
	free(job->url_weights);
	free(job->url_names);
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
	  .help = "the URLs to fetch: a list, each a URL or {url, weight, name}" },
	{ .name = "url_file", .type = JOB_KEY_PATH, .offset = offsetof(struct job, url_file),
	  .parse = key_url_file, .print = print_url_file,
	  .help = "a file of URLs, one a line (\"-\": standard input)" },
	{ .name = NULL },
};
