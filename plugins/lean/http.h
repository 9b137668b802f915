/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy's HTTP/1.1 code, free of any I/O: a request
 * serialised from the core's view, and a response read from bytes as they
 * arrive in pieces of any size (http_parser from Debian does the parsing).
 * The I/O layers (epoll, io_uring) move bytes; this decides what they
 * mean.  Buffers grow to the largest response seen and are then reused, so
 * a steady load allocates nothing per request.
 */
#ifndef LEAN_HTTP_H
#define LEAN_HTTP_H

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

#include <scrape/plugin.h>

#define HTTP_MAX_LINE (100 * 1024)

struct lean_buf {
	char *data;
	size_t len, cap;
};

int lean_buf_add(struct lean_buf *b, const void *data, size_t len);
void lean_buf_free(struct lean_buf *b);

/* The request as sent: request line, Host, the view's headers,
 * Content-Length, Connection: close without keep-alive, then the body.
 * 0, or -1 out of memory. */
int http_request_write(const struct scrape_request_view *view, struct lean_buf *out);

enum http_progress {
	HTTP_MORE = 0,      /* the response is not complete yet */
	HTTP_DONE,          /* complete; see http_response_reusable() */
	HTTP_FAILED,        /* see error */
};

/* One response being read. */
struct http_response {
	http_parser parser;
	http_parser_settings *settings;
	uint32_t wants;              /* SCRAPE_WANT_* */
	int64_t max_body;
	int head;                    /* a HEAD request: no body follows */
	long status;
	int started;                 /* a byte of it arrived */
	int complete;
	int interim;                 /* reading a 1xx that is skipped */
	int in_value;                /* header callbacks: reading a value */
	int keep_content_type;       /* the current header is Content-Type or Location */
	int keep_alive;              /* the connection may serve another request */
	int trailing;                /* bytes followed the response: do not reuse */
	enum scrape_error_class error;
	uint64_t body_bytes;
	uint64_t bytes_in;            /* of this response only */
	size_t used;                 /* of the last bytes fed, what was this response's */
	struct lean_buf fields;      /* "name\0value\0" pairs kept */
	size_t field_start;          /* where the current pair starts */
	size_t line_len;             /* of the current header line */
	struct lean_buf body;        /* with SCRAPE_WANT_BODY */
	struct scrape_header *headers; /* built by http_response_headers */
	size_t header_cap;
};

void http_response_init(struct http_response *r);
void http_response_free(struct http_response *r);
/* Readies r for the response to a request; keeps its buffers. */
void http_response_begin(struct http_response *r, uint32_t wants, int64_t max_body, int head);
/* Feeds bytes that arrived; len 0 says the peer closed the connection. */
enum http_progress http_response_feed(struct http_response *r, const char *data, size_t len);
/* The headers kept, as the outcome lists them; count in *n. */
const struct scrape_header *http_response_headers(struct http_response *r, size_t *n);
/* The Content-Type value, or NULL. */
const char *http_response_content_type(const struct http_response *r);
/* The Location of a 3xx, or NULL. */
const char *http_response_location(const struct http_response *r);
/* Whether the connection can carry another request after a DONE. */
int http_response_reusable(const struct http_response *r);

#endif
