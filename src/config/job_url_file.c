/* SPDX-License-Identifier: MIT */
/*
 * The URL file reader: one line at a time, bounded, so a file of millions
 * of URLs is checked at load and fed to the frontier at run time without
 * ever being held in memory.  A line is a bare URL or a JSON object with
 * the URL's own request; a bad line is refused as FILE:LINE:COL, its text
 * escaped because the file is untrusted.
 */
#include <config.h>

#include "config/job_keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"

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
	free(r->line_url);
	job_url_request_clear(&r->line_request);
	r->f = NULL;
	r->line = NULL;
	r->line_url = NULL;
	r->request = NULL;
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

/* ---- a JSON line: {"url": ..., "method": ..., "headers": {...}, "body": ..., "meta": {...}} ---- */

static const char *const line_keys[] = { "url", "method", "headers", "body", "meta" };

/* A JSON string as C text: one with a NUL byte cannot be sent. */
static int json_text(struct json_reader *j, const char *key, char **out)
{
	const char *s;
	size_t len;

	if (json_peek(j) != JSON_STRING)
		return json_reader_fail(j, "\"%s\" must be a string", key);
	if (json_read_string(j, &s, &len) < 0)
		return -1;
	if (strlen(s) != len)
		return json_reader_fail(j, "\"%s\" holds a NUL character", key);
	free(*out);
	if (!(*out = strndup(s, len)))
		return json_reader_fail(j, "out of memory");
	return 0;
}

static int json_headers(struct json_reader *j, struct job_url_request *rq)
{
	struct job_header *grown;
	const char *key, *why;
	size_t len;
	int rc;

	if (json_peek(j) != JSON_OBJECT)
		return json_reader_fail(j, "\"headers\" must be an object of header names to values");
	if (json_object_begin(j) < 0)
		return -1;
	while ((rc = json_object_next(j, &key, &len)) > 0) {
		struct job_header h = { 0 };

		if (!(h.name = strndup(key, len)) || json_text(j, "headers", &h.value) < 0 ||
		    !(grown = realloc(rq->headers, (rq->header_count + 1) * sizeof *grown))) {
			free(h.name);
			free(h.value);
			return json_reader_fail(j, "out of memory");
		}
		rq->headers = grown;
		rq->headers[rq->header_count++] = h;
		if ((rc = job_header_ok(h.name, h.value, &why)) == -1)
			return json_reader_fail(j, "\"%s\" is not a valid header name", h.name);
		if (rc < 0)
			return json_reader_fail(j, "the value of header \"%s\": %s", h.name, why);
	}
	return rc;
}

static int json_line_member(struct json_reader *j, const char *key, struct job_url_request *rq,
                            char **url)
{
	const char *start, *end, *hint;

	if (strcmp(key, "url") == 0)
		return json_text(j, key, url);
	if (strcmp(key, "method") == 0) {
		if (json_text(j, key, &rq->method) < 0)
			return -1;
		return job_method_ok(rq->method) < 0
		       ? json_reader_fail(j, "\"method\" must be a word such as GET or POST") : 0;
	}
	if (strcmp(key, "headers") == 0)
		return json_headers(j, rq);
	if (strcmp(key, "body") == 0) {
		if (json_text(j, key, &rq->body) < 0)
			return -1;
		rq->body_len = strlen(rq->body);
		return 0;
	}
	if (strcmp(key, "meta") == 0) {
		if (json_peek(j) != JSON_OBJECT)
			return json_reader_fail(j, "\"meta\" must be an object");
		if (json_skip(j, &start, &end) < 0)
			return -1;
		free(rq->meta);
		rq->meta = strndup(start, (size_t)(end - start));
		return rq->meta ? 0 : json_reader_fail(j, "out of memory");
	}
	/* each request would hold a copy of the file: a url_file can list
	 * millions of lines, the job's urls entries are read once */
	if (strcmp(key, "body_file") == 0)
		return json_reader_fail(j, "\"body_file\" is not read from a url_file: give the body "
		                        "inline, or list the URL under urls");
	hint = job_suggest(key, line_keys, sizeof line_keys / sizeof line_keys[0]);
	if (hint)
		return json_reader_fail(j, "unknown key \"%s\" (did you mean \"%s\"?)", key, hint);
	return json_reader_fail(j, "unknown key \"%s\" (a line takes url, method, headers, body "
	                        "and meta)", key);
}

/* A line that is a JSON object: its URL in *url and its own request in
 * r->request. */
static int json_line(struct job_url_reader *r, char *line, char **url)
{
	struct json_reader j;
	const char *key, *why;
	size_t len;
	int rc;

	free(r->line_url);
	r->line_url = NULL;
	json_reader_init(&j, line, strlen(line), 0);
	if (json_object_begin(&j) == 0) {
		while ((rc = json_object_next(&j, &key, &len)) > 0)
			if (json_line_member(&j, key, &r->line_request, &r->line_url) < 0)
				break;
		json_reader_finish(&j);
	}
	if (j.error[0]) {
		/* the column says where: the reader's "byte N: " would say it twice */
		const char *said = strncmp(j.error, "byte ", 5) == 0 && strstr(j.error, ": ")
		                   ? strstr(j.error, ": ") + 2 : j.error;
		rc = url_refuse(r, -1, (long)(j.p - r->line) + 1, "%s", said);
		json_reader_free(&j);
		return rc;
	}
	json_reader_free(&j);
	if (!r->line_url)
		return url_refuse(r, -1, (long)(line - r->line) + 1, "this line has no \"url\"");
	if (job_url_ok(r->line_url, &why) < 0)
		return url_refuse(r, -1, (long)(line - r->line) + 1, "malformed URL \"%.200s\": %s",
		                  r->line_url, why);
	*url = r->line_url;
	if (job_url_request_given(&r->line_request)) {
		r->request = &r->line_request;
		r->requests_seen++;
		r->meta_seen += r->line_request.meta != NULL;
	}
	return 1;
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
		job_url_request_clear(&r->line_request);
		r->request = NULL;
		if (!(*url = job_url_line(r->line)))
			continue;
		if (**url == '{')
			return json_line(r, *url, url);
		if (job_url_ok(*url, &why) < 0)
			return url_refuse(r, -1, 1, "malformed URL \"%.200s\": %s", *url, why);
		return 1;
	}
}
