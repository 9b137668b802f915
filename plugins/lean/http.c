/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 requests and responses for the lean strategy (see http.h).
 * The parser is paused at the end of each response, so bytes after it
 * are never taken for the next one; 1xx responses are read and dropped;
 * a Content-Length past max_body fails the response before its body is
 * read, as libcurl's CURLOPT_MAXFILESIZE does.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lean_buf_add(struct lean_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;
		while (cap < b->len + len + 1)
			cap *= 2;
		if (!(grown = realloc(b->data, cap)))
			return -1;
		b->data = grown;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

void lean_buf_free(struct lean_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static int add_str(struct lean_buf *b, const char *s)
{
	return lean_buf_add(b, s, strlen(s));
}

int http_request_write(const struct scrape_request_view *view, struct lean_buf *out)
{
	char number[32];
	size_t i;
	int rc = 0;

	out->len = 0;
	rc |= add_str(out, view->method);
	rc |= add_str(out, " ");
	rc |= add_str(out, view->target);
	rc |= add_str(out, " HTTP/1.1\r\nHost: ");
	rc |= add_str(out, view->authority);
	rc |= add_str(out, "\r\n");
	for (i = 0; i < view->header_count; i++) {
		rc |= add_str(out, view->headers[i].name);
		rc |= add_str(out, view->headers[i].value[0] ? ": " : ":");
		rc |= add_str(out, view->headers[i].value);
		rc |= add_str(out, "\r\n");
	}
	if (view->body) {
		snprintf(number, sizeof number, "Content-Length: %zu\r\n", view->body_len);
		rc |= add_str(out, number);
	}
	if (!view->keepalive)
		rc |= add_str(out, "Connection: close\r\n");
	rc |= add_str(out, "\r\n");
	if (view->body)
		rc |= lean_buf_add(out, view->body, view->body_len);
	return rc ? -1 : 0;
}

static struct http_response *of(http_parser *p)
{
	return p->data;
}

/* Stops the parser where it is, with why. */
static int fail(http_parser *p, enum scrape_error_class error)
{
	of(p)->error = error;
	http_parser_pause(p, 1);
	return 0;
}

/* The end of a header's value: its pair is kept, or dropped when neither
 * all headers nor this one (Content-Type) are wanted. */
static void end_value(struct http_response *r)
{
	if (r->in_value > 0)
		lean_buf_add(&r->fields, "", 1);
	r->in_value = 0;
}

/* The status is known from the status line on, as libcurl knows it,
 * so a failure in the headers still names it. */
static int on_status(http_parser *p, const char *at, size_t len)
{
	(void)at, (void)len;
	/* HTTP/2 and later never answer on an HTTP/1.1 connection */
	if (p->http_major != 1)
		return fail(p, SCRAPE_ERR_STATUS_LINE);
	of(p)->status = p->status_code;
	return 0;
}

/* One header line longer than libcurl takes (100 KB) is refused alike. */
static int line_grows(http_parser *p, size_t len)
{
	struct http_response *r = of(p);

	r->line_len += len;
	return r->line_len > HTTP_MAX_LINE ? fail(p, SCRAPE_ERR_HEADERS_TOO_LARGE) : 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_response *r = of(p);

	if (!r->status && (on_status(p, at, 0) != 0 || r->error))
		return 0;
	if (r->in_value) {
		end_value(r);
		r->field_start = r->fields.len;
		r->line_len = 0;
	}
	if (line_grows(p, len) || r->error)
		return 0;
	return lean_buf_add(&r->fields, at, len) < 0 ? fail(p, SCRAPE_ERR_OUT_OF_MEMORY) : 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_response *r = of(p);

	if (!r->in_value) {
		const char *name = r->fields.data + r->field_start;
		size_t name_len = r->fields.len - r->field_start;
		/* Content-Type and Location are kept whatever the core wants:
		 * every record has the one, the core follows the other */
		r->keep_content_type = (name_len == 12 && strncasecmp(name, "Content-Type", 12) == 0) ||
		                       (name_len == 8 && strncasecmp(name, "Location", 8) == 0);
		if (!(r->wants & SCRAPE_WANT_HEADERS) && !r->keep_content_type) {
			r->fields.len = r->field_start;
			r->in_value = -1;       /* skipping this value */
			return 0;
		}
		r->in_value = 1;
		if (lean_buf_add(&r->fields, "", 1) < 0)
			return fail(p, SCRAPE_ERR_OUT_OF_MEMORY);
	}
	if (line_grows(p, len) || r->error || r->in_value < 0)
		return 0;
	return lean_buf_add(&r->fields, at, len) < 0 ? fail(p, SCRAPE_ERR_OUT_OF_MEMORY) : 0;
}

static int on_headers_complete(http_parser *p)
{
	struct http_response *r = of(p);

	if (r->in_value)
		end_value(r);
	else
		r->fields.len = r->field_start;    /* a name without a value */
	r->field_start = r->fields.len;
	r->line_len = 0;
	if (p->http_major != 1)
		return fail(p, SCRAPE_ERR_STATUS_LINE);
	r->status = p->status_code;
	if (r->status >= 100 && r->status < 200 && r->status != 101) {
		r->interim = 1;
		return 0;
	}
	/* no body, whatever Content-Length says (RFC 9110 6.4.1) */
	if (r->head || r->status == 204 || r->status == 304)
		return 1;
	if (p->content_length != ULLONG_MAX && (int64_t)p->content_length > r->max_body)
		return fail(p, SCRAPE_ERR_BODY_TOO_LARGE);
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_response *r = of(p);

	if ((int64_t)(r->body_bytes + len) > r->max_body)
		return fail(p, SCRAPE_ERR_BODY_TOO_LARGE);
	r->body_bytes += len;
	if ((r->wants & SCRAPE_WANT_BODY) && lean_buf_add(&r->body, at, len) < 0)
		return fail(p, SCRAPE_ERR_OUT_OF_MEMORY);
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_response *r = of(p);

	if (r->interim) {
		/* a 100 Continue or 103 Early Hints: the real one follows */
		r->interim = 0;
		r->status = 0;
		r->fields.len = r->field_start = 0;
		return 0;
	}
	r->complete = 1;
	r->keep_alive = http_should_keep_alive(p);
	http_parser_pause(p, 1);
	return 0;
}

static http_parser_settings settings = {
	.on_status = on_status,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof *r);
	r->settings = &settings;
}

void http_response_free(struct http_response *r)
{
	lean_buf_free(&r->fields);
	lean_buf_free(&r->body);
	free(r->headers);
	r->headers = NULL;
	r->header_cap = 0;
}

void http_response_begin(struct http_response *r, uint32_t wants, int64_t max_body, int head)
{
	http_parser_init(&r->parser, HTTP_RESPONSE);
	r->parser.data = r;
	r->wants = wants;
	r->max_body = max_body;
	r->head = head;
	r->status = 0;
	r->started = r->complete = r->interim = r->in_value = 0;
	r->keep_alive = r->trailing = 0;
	r->error = SCRAPE_ERR_NONE;
	r->body_bytes = r->bytes_in = 0;
	r->fields.len = r->field_start = r->line_len = 0;
	r->body.len = 0;
}

/* http_parser's complaint as a failure class. */
static enum scrape_error_class class_of(const struct http_response *r, enum http_errno e)
{
	switch (e) {
	case HPE_INVALID_CONSTANT:
		return r->parser.http_major == 0 && r->status == 0 ? SCRAPE_ERR_NOT_HTTP : SCRAPE_ERR_HEADERS;
	case HPE_INVALID_VERSION:
	case HPE_INVALID_STATUS:
		return SCRAPE_ERR_STATUS_LINE;
	case HPE_HEADER_OVERFLOW:
		return SCRAPE_ERR_HEADERS_TOO_LARGE;
	case HPE_INVALID_CHUNK_SIZE:
		return SCRAPE_ERR_CHUNKED;
	default:
		/* past the headers of a chunked body, a bad byte is the chunks' */
		return r->status && (r->parser.flags & F_CHUNKED) ? SCRAPE_ERR_CHUNKED : SCRAPE_ERR_HEADERS;
	}
}

enum http_progress http_response_feed(struct http_response *r, const char *data, size_t len)
{
	size_t used;
	enum http_errno e;

	if (len == 0) {
		if (!r->started)
			return r->error = SCRAPE_ERR_EMPTY_REPLY, HTTP_FAILED;
		http_parser_execute(&r->parser, r->settings, NULL, 0);
		if (r->complete) {
			r->keep_alive = 0;
			return HTTP_DONE;
		}
		/* cut off mid-response, as libcurl's "partial file" */
		if (!r->error)
			r->error = SCRAPE_ERR_RESET;
		return HTTP_FAILED;
	}
	r->started = 1;
	r->bytes_in += len;
	r->used = len;
	used = http_parser_execute(&r->parser, r->settings, data, len);
	e = HTTP_PARSER_ERRNO(&r->parser);
	if (r->error)
		return HTTP_FAILED;
	if (r->complete) {
		/* what follows is the next response's, pipelined */
		r->trailing = used < len;
		r->used = used;
		r->bytes_in -= len - used;
		return HTTP_DONE;
	}
	if (e != HPE_OK) {
		r->error = class_of(r, e);
		return HTTP_FAILED;
	}
	return HTTP_MORE;
}

const struct scrape_header *http_response_headers(struct http_response *r, size_t *n)
{
	const char *p = r->fields.data, *end = p ? p + r->fields.len : NULL;

	*n = 0;
	while (p && p < end) {
		const char *name = p, *value = name + strlen(name) + 1;
		if (value >= end)
			break;
		if (*n == r->header_cap) {
			size_t cap = r->header_cap ? r->header_cap * 2 : 16;
			struct scrape_header *grown = realloc(r->headers, cap * sizeof *grown);
			if (!grown)
				break;
			r->headers = grown;
			r->header_cap = cap;
		}
		r->headers[*n].name = name;
		r->headers[*n].value = value;
		(*n)++;
		p = value + strlen(value) + 1;
	}
	return r->headers;
}

int http_response_reusable(const struct http_response *r)
{
	return r->complete && r->keep_alive && !r->trailing;
}

/* The value of the first header called name, or NULL. */
static const char *header_value(const struct http_response *r, const char *name)
{
	const char *p = r->fields.data, *end = p ? p + r->fields.len : NULL;

	while (p && p < end) {
		const char *value = p + strlen(p) + 1;
		if (value >= end)
			break;
		if (strcasecmp(p, name) == 0)
			return value;
		p = value + strlen(value) + 1;
	}
	return NULL;
}

const char *http_response_content_type(const struct http_response *r)
{
	return header_value(r, "Content-Type");
}

const char *http_response_location(const struct http_response *r)
{
	return r->status >= 300 && r->status < 400 ? header_value(r, "Location") : NULL;
}
