/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy's HTTP code (plugins/lean/http.c) without sockets:
 * each response is fed whole and again one byte at a time, as a slow
 * network would cut it, and must read the same both ways; pipelined
 * answers in one read are told apart.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "lean/http.h"

struct reading {
	enum http_progress progress;
	long status;
	enum scrape_error_class error;
	uint64_t body_bytes;
	char body[256];
	char content_type[64];
	int reusable;
};

/* Feeds text in pieces of step bytes (0: whole), then the end of the
 * connection if close_after. */
static struct reading read_response(const char *text, size_t step, uint32_t wants, int64_t max_body,
                                    int head, int close_after)
{
	struct http_response r;
	struct reading out;
	size_t len = strlen(text), at = 0;
	const char *ct;

	memset(&out, 0, sizeof out);
	http_response_init(&r);
	http_response_begin(&r, wants, max_body, head);
	out.progress = HTTP_MORE;
	while (at < len && out.progress == HTTP_MORE) {
		size_t n = step && step < len - at ? step : len - at;
		out.progress = http_response_feed(&r, text + at, n);
		at += n;
	}
	if (out.progress == HTTP_MORE && close_after)
		out.progress = http_response_feed(&r, "", 0);
	out.status = r.status;
	out.error = r.error;
	out.body_bytes = r.body_bytes;
	if (r.body.data)
		snprintf(out.body, sizeof out.body, "%s", r.body.data);
	ct = http_response_content_type(&r);
	snprintf(out.content_type, sizeof out.content_type, "%s", ct ? ct : "");
	out.reusable = out.progress == HTTP_DONE && http_response_reusable(&r);
	http_response_free(&r);
	return out;
}

/* The same reading whole and byte by byte. */
static void check(const char *what, const char *text, uint32_t wants, int64_t max_body, int head,
                  int close_after, enum http_progress progress, long status, enum scrape_error_class error,
                  uint64_t body_bytes, int reusable)
{
	size_t steps[] = { 0, 1, 7 };
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct reading got = read_response(text, steps[i], wants, max_body, head, close_after);
		/* how much of a failed body came depends on the pieces */
		int same = got.progress == progress && got.status == status && got.error == error &&
		           (progress != HTTP_DONE || got.body_bytes == body_bytes) && got.reusable == reusable;
		if (!ok(same, "%s (pieces of %zu)", what, steps[i]))
			printf("#   got progress %d status %ld error %d body %llu reusable %d\n", got.progress,
			       got.status, got.error, (unsigned long long)got.body_bytes, got.reusable);
	}
}

static void bodies_and_headers(void)
{
	struct reading r = read_response("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Empty:\r\n"
	                                 "Content-Length: 5\r\n\r\nhello", 1, SCRAPE_WANT_BODY, 100, 0, 0);
	struct http_response full;
	const struct scrape_header *h;
	const char *text = "HTTP/1.1 200 OK\r\nA: 1\r\nX-Empty:\r\nB: two words\r\n\r\n";
	size_t n;

	is_str(r.body, "hello", "the body is kept when wanted, across pieces");
	is_str(r.content_type, "text/html", "Content-Type is found even when headers are not wanted");
	/* bytes in a later read reach the engine as an idle connection's */
	r = read_response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXX", 0, 0, 100, 0, 0);
	ok(r.progress == HTTP_DONE && !r.reusable, "bytes after a response in the same read: done, not reused");
	http_response_init(&full);
	http_response_begin(&full, SCRAPE_WANT_HEADERS, 100, 1);
	ok(http_response_feed(&full, text, strlen(text)) == HTTP_DONE, "a HEAD answer ends with its headers");
	h = http_response_headers(&full, &n);
	ok(n == 3, "every header is listed (%zu)", n);
	if (n == 3) {
		is_str(h[0].name, "A", "first name");
		is_str(h[1].name, "X-Empty", "an empty value keeps its name");
		is_str(h[1].value, "", "and is empty");
		is_str(h[2].value, "two words", "values keep their inner space");
	}
	http_response_free(&full);
}

/* Pipelined answers in one read: each takes its own bytes, the rest is the
 * next one's, and a HEAD's answer has no body whatever its Content-Length. */
static void pipelined(void)
{
	const char *first = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n";
	const char *second = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
	const char *third = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnot";
	char all[512];
	const char *at = all;
	size_t left;
	struct http_response r;

	snprintf(all, sizeof all, "%s%s%s", first, second, third);
	left = strlen(all);
	http_response_init(&r);
	http_response_begin(&r, SCRAPE_WANT_BODY, 1000, 1);
	ok(http_response_feed(&r, at, left) == HTTP_DONE && r.used == strlen(first) &&
	   r.bytes_in == strlen(first) && r.body_bytes == 0, "a HEAD's answer: its headers only");
	at += r.used, left -= r.used;
	http_response_begin(&r, SCRAPE_WANT_BODY, 1000, 0);
	ok(http_response_feed(&r, at, left) == HTTP_DONE && r.used == strlen(second) &&
	   r.bytes_in == strlen(second) && r.body.len == 2, "the next, chunked, to its last chunk");
	at += r.used, left -= r.used;
	http_response_begin(&r, SCRAPE_WANT_BODY, 1000, 0);
	ok(http_response_feed(&r, at, left) == HTTP_DONE && r.used == left && r.status == 404 &&
	   http_response_reusable(&r), "the last, with all that is left");
	http_response_free(&r);
}

static void request_bytes(void)
{
	struct scrape_header headers[] = { { "User-Agent", "t/1" }, { "X-Empty", "" } };
	struct scrape_request_view v = {
		.size = sizeof v, .method = "POST", .target = "/p?q=1", .authority = "h:8080",
		.headers = headers, .header_count = 2, .body = (const unsigned char *)"a=b", .body_len = 3,
	};
	struct lean_buf out = { 0 };

	ok(http_request_write(&v, &out) == 0, "a request is written");
	is_str(out.data, "POST /p?q=1 HTTP/1.1\r\nHost: h:8080\r\nUser-Agent: t/1\r\nX-Empty:\r\n"
	                 "Content-Length: 3\r\nConnection: close\r\n\r\na=b",
	       "request line, Host, headers, length, close without keep-alive, body");
	lean_buf_free(&out);
}

int main(void)
{
	check("Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 100, 0, 0,
	      HTTP_DONE, 200, SCRAPE_ERR_NONE, 5, 1);
	check("chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
	      0, 100, 0, 0, HTTP_DONE, 200, SCRAPE_ERR_NONE, 5, 1);
	check("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 0, 100, 1, 0,
	      HTTP_DONE, 200, SCRAPE_ERR_NONE, 0, 1);
	check("204", "HTTP/1.1 204 No Content\r\n\r\n", 0, 100, 0, 0, HTTP_DONE, 204, SCRAPE_ERR_NONE, 0, 1);
	check("304", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0, 100, 0, 0,
	      HTTP_DONE, 304, SCRAPE_ERR_NONE, 0, 1);
	check("100 Continue skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
	      0, 100, 0, 0, HTTP_DONE, 201, SCRAPE_ERR_NONE, 2, 1);
	check("Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 0, 100,
	      0, 0, HTTP_DONE, 200, SCRAPE_ERR_NONE, 2, 0);
	check("HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 100, 0, 0,
	      HTTP_DONE, 200, SCRAPE_ERR_NONE, 2, 0);
	check("a body to the end", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 0, 100, 0, 1,
	      HTTP_DONE, 200, SCRAPE_ERR_NONE, 13, 0);
	check("Content-Length past max_body", "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 0, 100, 0, 0,
	      HTTP_FAILED, 200, SCRAPE_ERR_BODY_TOO_LARGE, 0, 0);
	check("a chunked body past max_body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n",
	      0, 5, 0, 0, HTTP_FAILED, 200, SCRAPE_ERR_BODY_TOO_LARGE, 0, 0);
	check("nothing at all", "", 0, 100, 0, 1, HTTP_FAILED, 0, SCRAPE_ERR_EMPTY_REPLY, 0, 0);
	check("cut off in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 100, 0, 1,
	      HTTP_FAILED, 200, SCRAPE_ERR_RESET, 3, 0);
	check("not HTTP", "SSH-2.0-OpenSSH\r\n", 0, 100, 0, 0, HTTP_FAILED, 0, SCRAPE_ERR_NOT_HTTP, 0, 0);
	check("HTTP/2 status line", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 100, 0, 0,
	      HTTP_FAILED, 0, SCRAPE_ERR_STATUS_LINE, 0, 0);
	check("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 100, 0, 0,
	      HTTP_FAILED, 200, SCRAPE_ERR_CHUNKED, 0, 0);
	bodies_and_headers();
	pipelined();
	request_bytes();
	return done_testing();
}
