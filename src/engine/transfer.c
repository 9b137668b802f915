/* SPDX-License-Identifier: MIT */
/*
 * The curl side of a request.  Safe defaults live here: only http and
 * https, also after redirects; TLS verification on unless the job says
 * insecure; a cap on the body, enforced both from Content-Length and while
 * bytes arrive (decoded bytes, so a small compressed body that inflates
 * without end stops at the cap; a sitemap is read as it arrives, its
 * decoded bytes capped instead); no signals (threads) and a progress
 * callback that lets a SIGINT abort transfers in flight.  With cookies on,
 * each handle is put on its worker's jar (cookies.c) at every set-up.
 */
#include <config.h>

#include "engine/transfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config/units.h"
#include "crawl/sitemap.h"

/* Appends "name: value" to *list ("name;" for an empty value, curl's way
 * to send a header with nothing after the colon); -1 out of memory. */
static int append_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *grown;
	char *line;

	if (asprintf(&line, value[0] ? "%s: %s" : "%s;", name, value) < 0)
		return -1;
	grown = curl_slist_append(*list, line);
	free(line);
	if (!grown)
		return -1;
	*list = grown;
	return 0;
}

/* Adds a job's or a URL's header to a list, or sets an Accept-Encoding
 * aside in *accept: sent raw, libcurl would not decode the reply and the
 * parsers would read compressed bytes; an empty one is sent as it is. */
static int add_header(struct curl_slist **list, const struct job_header *h, const char **accept)
{
	if (strcasecmp(h->name, "Accept-Encoding") == 0 && h->value[0]) {
		*accept = h->value;
		return 0;
	}
	return append_header(list, h->name, h->value);
}

static int overridden(const struct job_url_request *own, const char *name)
{
	for (size_t i = 0; i < own->header_count; i++)
		if (strcasecmp(own->headers[i].name, name) == 0)
			return 1;
	return 0;
}

/* A request with headers of its own: the job's that it does not name
 * (in any case), then its own, in req->header_list. */
static int merge_headers(const struct transfer_settings *s, struct scrape_request *req,
                         const char **accept)
{
	const struct job *job = s->job;
	const struct job_url_request *own = req->request;
	size_t i;

	if (overridden(own, "Accept-Encoding"))
		*accept = NULL;
	for (i = 0; i < job->header_count; i++)
		if (!overridden(own, job->headers[i].name) &&
		    add_header(&req->header_list, &job->headers[i], accept) < 0)
			return -1;
	for (i = 0; i < own->header_count; i++)
		if (add_header(&req->header_list, &own->headers[i], accept) < 0)
			return -1;
	return 0;
}

int transfer_settings_init(struct transfer_settings *s, const struct job *job, const atomic_int *stopping,
                           const volatile sig_atomic_t *signal)
{
	size_t i;
	int failed;

	s->job = job;
	s->stopping = stopping;
	s->signal = signal;
	s->headers = NULL;
	s->accept_encoding = NULL;
	s->view_headers = NULL;
	s->view_header_count = 0;
	s->view_host = NULL;
	s->cookies = cookie_jars_new(job, &failed);
	if (failed)
		return -1;
	for (i = 0; i < job->header_count; i++)
		if (add_header(&s->headers, &job->headers[i], &s->accept_encoding) < 0)
			return -1;
	return 0;
}

void transfer_settings_free(struct transfer_settings *s)
{
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	free(s->view_headers);
	s->view_headers = NULL;
	cookie_jars_free(s->cookies);
	s->cookies = NULL;
}

/* A sitemap's entry, kept for the core as a tag byte and the URL, ended
 * by a NUL: 'U' a page, 'O' a page older than crawl.sitemap_since, 'S'
 * another sitemap.  A lastmod that is no date keeps its page. */
static void on_sitemap_entry(void *ctx, enum sitemap_entry kind, const char *loc, size_t len,
                             const char *lastmod, size_t lastmod_len)
{
	struct scrape_request *req = ctx;
	const char *why;
	char tag = kind == SITEMAP_CHILD ? 'S' : 'U';
	int64_t t;

	if (kind == SITEMAP_PAGE && lastmod && req->sitemap_since_s != INT64_MIN &&
	    units_datetime(lastmod, lastmod_len, &t, &why) == 0 && t < req->sitemap_since_s)
		tag = 'O';
	buf_putc(&req->found, tag);
	buf_append(&req->found, loc, len);
	buf_putc(&req->found, '\0');
}

/* A sitemap: read as it comes when the answer is a success; an error page
 * is only counted.  The reader stops the transfer when it gives up. */
static size_t sitemap_body(struct scrape_request *req, const char *data, size_t len)
{
	req->received += len;
	if (req->reply_status < 200 || req->reply_status >= 300) {
		if ((int64_t)req->received > req->max_body) {
			req->body_too_large = 1;
			return CURL_WRITEFUNC_ERROR;
		}
		return len;
	}
	return sitemap_feed(req->reader, data, len) < 0 || req->found.oom ? CURL_WRITEFUNC_ERROR : len;
}

int transfer_take_body(struct scrape_request *req, const char *data, size_t len)
{
	if (req->reader)
		return sitemap_body(req, data, len) == len ? 0 : -1;
	if ((int64_t)(req->received + len) > req->max_body) {
		req->body_too_large = 1;
		return -1;
	}
	req->received += len;
	/* the body is kept only for parsers to read; a load test just counts */
	if (!req->keep_body)
		return 0;
	buf_append(&req->body, data, len);
	return req->body.oom ? -1 : 0;
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
	size_t len = size * count;

	return transfer_take_body(user, data, len) == 0 ? len : CURL_WRITEFUNC_ERROR;
}

/* The value of a header line whose name (with its colon) is name, blanks
 * and the line end trimmed, into out; "" when it is another header, or
 * too long to keep whole (a validator cut short would never match). */
static void keep_value(const char *data, size_t len, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(data, name, n) != 0)
		return;
	data += n;
	len -= n;
	while (len && (*data == ' ' || *data == '\t'))
		data++, len--;
	while (len && (data[len - 1] == '\r' || data[len - 1] == '\n' || data[len - 1] == ' ' ||
	               data[len - 1] == '\t'))
		len--;
	if (len >= outlen)
		len = 0;
	memcpy(out, data, len);
	out[len] = '\0';
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
	struct scrape_request *req = user;
	size_t len = size * count;

	/* a new status line starts the headers of the next response in a
	 * redirect chain: keep only the last response's */
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', len);
		buf_reset(&req->headers);
		req->reply_status = sp && sp + 4 <= data + len ? strtol(sp + 1, NULL, 10) : 0;
		req->retry_after_len = 0;
		req->etag[0] = req->last_modified[0] = '\0';
	}
	keep_value(data, len, "ETag:", req->etag, sizeof req->etag);
	keep_value(data, len, "Last-Modified:", req->last_modified, sizeof req->last_modified);
	if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		/* kept whole or marked too long; backoff.c reads it */
		size_t n = len - 12;
		req->retry_after_len = n < sizeof req->retry_after ? n : sizeof req->retry_after;
		memcpy(req->retry_after, data + 12, n < sizeof req->retry_after ? n : 0);
	}
	if (req->keep_headers)
		buf_append(&req->headers, data, len);
	return len;
}

void transfer_request_release(struct scrape_request *req)
{
	curl_slist_free_all(req->conditional);
	req->conditional = NULL;
	curl_slist_free_all(req->header_list);
	req->header_list = NULL;
	free(req->if_none_match);
	free(req->if_modified_since);
	req->if_none_match = req->if_modified_since = NULL;
}

/* recrawl: the request's headers (base: the job's, or those merged with
 * its URL's own) plus the validators of the page's stored row, built for
 * this request (the shared list is never changed); none (req->conditional
 * NULL) when there are no validators to send. */
static int conditional_headers(const struct curl_slist *base, struct scrape_request *req)
{
	const struct curl_slist *h;

	curl_slist_free_all(req->conditional);
	req->conditional = NULL;
	if (!req->if_none_match && !req->if_modified_since)
		return 0;
	for (h = base; h; h = h->next) {
		struct curl_slist *grown = curl_slist_append(req->conditional, h->data);
		if (!grown)
			return -1;
		req->conditional = grown;
	}
	if (req->if_none_match && append_header(&req->conditional, "If-None-Match", req->if_none_match) < 0)
		return -1;
	if (req->if_modified_since &&
	    append_header(&req->conditional, "If-Modified-Since", req->if_modified_since) < 0)
		return -1;
	return 0;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	const struct transfer_settings *s = user;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	/* the signal flag too: a SIGINT must end a transfer that hangs */
	return atomic_load_explicit(s->stopping, memory_order_acquire) || *s->signal ? 1 : 0;
}

/* libcurl's own socket() call, noting a lack of descriptors, which
 * libcurl reports only as a failure to connect. */
static curl_socket_t open_socket(void *user, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct scrape_request *req = user;
	curl_socket_t fd = socket(addr->family, addr->socktype, addr->protocol);

	(void)purpose;
	if (fd == CURL_SOCKET_BAD && (errno == EMFILE || errno == ENFILE))
		req->no_descriptors = 1;
	return fd;
}

static long http_version(enum job_http2 http2)
{
	switch (http2) {
	case JOB_HTTP2_TLS:
		return CURL_HTTP_VERSION_2TLS;
	case JOB_HTTP2_PRIOR_KNOWLEDGE:
		return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
	default:
		return CURL_HTTP_VERSION_1_1;
	}
}

/* Each option only while the ones before it took: rc keeps the first failure. */
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(easy, opt, val); } while (0)

/* The method and body: a urls entry's own, else the job's.  A sitemap is
 * read with a plain GET, whatever the pages are asked with. */
static CURLcode set_method_and_body(CURL *easy, const struct job *job,
                                    const struct job_url_request *own)
{
	const char *method = own && own->method ? own->method : job->method;
	const char *body = own && own->body ? own->body : job->body;
	size_t body_len = own && own->body ? own->body_len : job->body_len;
	CURLcode rc = CURLE_OK;

	if (strcmp(method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		/* libcurl's own POST (not a custom method, which libcurl would
		 * keep across redirects): a 303, or a 301/302, turns it into a GET
		 * without the body, as browsers and the lean strategy do.  Always
		 * with POSTFIELDS, or libcurl would read the body from stdin. */
		SET(CURLOPT_POSTFIELDS, body ? body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
		return rc;
	} else if (strcmp(method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, method);
	}
	if (body) {
		SET(CURLOPT_POSTFIELDS, body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		/* POSTFIELDS turns the request into a POST; keep the method */
		SET(CURLOPT_CUSTOMREQUEST, method);
	}
	return rc;
}

int transfer_reset(const struct transfer_settings *s, struct scrape_request *req)
{
	const struct job *job = s->job;

	buf_reset(&req->body);
	buf_reset(&req->headers);
	req->body_too_large = 0;
	req->no_descriptors = 0;
	req->received = 0;
	req->keep_body = (job->parser_count > 0 && !req->sitemap) || req->robots;
	req->max_body = job->max_body;
	req->reply_status = 0;
	sitemap_free(req->reader);
	req->reader = NULL;
	buf_reset(&req->found);
	req->etag[0] = req->last_modified[0] = '\0';
	/* headers are kept only for parsers to read and for a sitemap's
	 * status, and looked at for a Retry-After when the job obeys it */
	req->keep_headers = job->parser_count > 0 || req->sitemap;
	req->retry_after_len = 0;
	if (req->sitemap) {
		/* max_body caps what a sitemap decodes to, gzip or not */
		req->sitemap_since_s = job->crawl.sitemap_since ? job->crawl.sitemap_since_s : INT64_MIN;
		if (!(req->reader = sitemap_new(job->max_body, on_sitemap_entry, req)))
			return -1;
	}
	return 0;
}

int transfer_prepare(const struct transfer_settings *s, struct scrape_request *req, CURL *easy)
{
	const struct job *job = s->job;
	const struct job_url_request *own = req->request;
	const char *accept_encoding = s->accept_encoding;
	const struct curl_slist *headers = s->headers;
	CURLcode rc = CURLE_OK;

	if (transfer_reset(s, req) < 0)
		return -1;
	curl_slist_free_all(req->header_list);
	req->header_list = NULL;
	if (own && own->header_count) {
		if (merge_headers(s, req, &accept_encoding) < 0)
			return -1;
		headers = req->header_list;
	}
	if (conditional_headers(headers, req) < 0)
		return -1;
	if (s->cookies)
		cookie_jars_detach(easy);
	curl_easy_reset(easy);
	/* the reset keeps the cookies but not the options that use them */
	if (s->cookies && cookie_jars_attach(s->cookies, easy) < 0)
		return -1;

	SET(CURLOPT_URL, req->url);
	req->curl_error[0] = '\0';
	SET(CURLOPT_ERRORBUFFER, req->curl_error);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, job->max_redirects > 0 ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, (long)job->max_redirects);
	SET(CURLOPT_TIMEOUT_MS, (long)(job->timeout_ns / 1000000));
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(job->connect_timeout_ns / 1000000));
	SET(CURLOPT_USERAGENT, job->user_agent);
	SET(CURLOPT_HTTPHEADER, req->conditional ? req->conditional : headers);
	/* compares Content-Length, the wire size, with the decoded cap: a
	 * body too large even compressed is refused before it arrives (a
	 * sitemap's first max_body bytes are read all the same) */
	if (!req->sitemap)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)job->max_body);
	/* "": every encoding this libcurl can decode; on_body then gets the
	 * decoded bytes, a buffer at a time, and stops them at max_body */
	if (accept_encoding)
		SET(CURLOPT_ACCEPT_ENCODING, accept_encoding);
	else if (job->compressed)
		SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, req);
	if (job->parser_count > 0 || job->retry_after || req->sitemap || job->recrawl) {
		SET(CURLOPT_HEADERFUNCTION, on_header);
		SET(CURLOPT_HEADERDATA, req);
	}
	SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
	SET(CURLOPT_OPENSOCKETDATA, req);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, (void *)s);
	SET(CURLOPT_NOPROGRESS, 0L);
	if (job->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	SET(CURLOPT_HTTP_VERSION, http_version(job->http2));
	if (job->ca_file)
		SET(CURLOPT_CAINFO, job->ca_file);
	if (job->client_cert)
		SET(CURLOPT_SSLCERT, job->client_cert);
	if (job->client_key)
		SET(CURLOPT_SSLKEY, job->client_key);
	if (!job->keepalive || job->http2_fresh) {
		/* a new connection for this request, closed after it */
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	if (job->connection_max_age_ns)
		SET(CURLOPT_MAXLIFETIME_CONN, (long)(job->connection_max_age_ns / 1000000000));
	if (job->connection_max_idle_ns)
		SET(CURLOPT_MAXAGE_CONN, (long)(job->connection_max_idle_ns / 1000000000));
	if (rc == CURLE_OK && !req->sitemap)
		rc = set_method_and_body(easy, job, own);
	if (job->resolve)
		SET(CURLOPT_RESOLVE, job->resolve);
	if (req->proxy >= 0 && (size_t)req->proxy < job->proxy_count) {
		/* the job's proxy replaces the environment's; no_proxy goes too,
		 * for the hosts redirects lead to */
		SET(CURLOPT_PROXY, job->proxies[req->proxy].url);
		if (job->no_proxy_text)
			SET(CURLOPT_NOPROXY, job->no_proxy_text);
		if (job->ca_file)
			SET(CURLOPT_PROXY_CAINFO, job->ca_file);
		if (job->insecure) {
			SET(CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
			SET(CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
		}
	} else if (job->proxy_count || job->proxy_none) {
		/* no_proxy or "proxy: none": directly, whatever http_proxy says */
		SET(CURLOPT_PROXY, "");
	}
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

static double seconds_of(CURL *easy, CURLINFO info)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(easy, info, &us) != CURLE_OK)
		return 0;
	return (double)us / 1e6;
}

_Static_assert(sizeof ((struct scrape_request *)0)->curl_error >= CURL_ERROR_SIZE,
               "CURLOPT_ERRORBUFFER needs CURL_ERROR_SIZE bytes");

static int said(const struct scrape_request *req, const char *words)
{
	return strstr(req->curl_error, words) != NULL;
}

/* What the server sent when libcurl could not read it as HTTP/1.x.  One
 * CURLcode covers several things (libcurl 7.88: a reply in HTTP/0.9 or
 * bytes that are no HTTP at all, a bad status line, and a redirect to a
 * scheme other than http/https are all CURLE_UNSUPPORTED_PROTOCOL; newer
 * ones say CURLE_WEIRD_SERVER_REPLY for some).  The URL the transfer ended
 * on tells a redirect to another scheme; libcurl's message refines the
 * rest, and without one a reply that came after a response (a redirect)
 * is the scheme and one that came first is not HTTP. */
static const char *bad_reply(const struct scrape_request *req, const struct transfer_outcome *out)
{
	const char *url = out->final_url;

	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return "protocol not allowed";
	if (said(req, "not supported") || said(req, "disabled"))
		return "protocol not allowed";
	if (said(req, "HTTP/0.9"))
		return "invalid response (not HTTP/1.x)";
	if (said(req, "HTTP version") || said(req, "response code") || said(req, "status line"))
		return "invalid status line";
	return out->status > 0 ? "protocol not allowed" : "invalid response (not HTTP/1.x)";
}

/* Through a proxy, what failed may be the proxy rather than the target:
 * said apart, so a dead proxy does not read as a dead target.  libcurl
 * connects only to the proxy, so a failure to connect is the proxy's; the
 * proxy's failure to reach the target comes back as its reply (a 502,
 * or a refused CONNECT tunnel).  Retried: the rotation may pick another. */
static const char *proxy_reason_of(CURLcode rc, const struct scrape_request *req)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return "proxy connect";
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "proxy dns";
#if LIBCURL_VERSION_NUM >= 0x074900
	case CURLE_PROXY:
		/* socks4 and socks5 resolve the target's name here first */
		return said(req, "resolve") ? "dns" : "proxy handshake";
#endif
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return said(req, "CONNECT") || said(req, "proxy") ? "proxy tunnel" : NULL;
	default:
		return NULL;
	}
}

static const char *reason_of(CURLcode rc, const struct scrape_request *req,
                             const struct transfer_outcome *out, int *retryable)
{
	const char *proxied = req->proxy >= 0 ? proxy_reason_of(rc, req) : NULL;

	*retryable = 0;
	if (proxied) {
		*retryable = 1;
		return proxied;
	}
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		*retryable = 1;
		return "connect";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*retryable = 1;
		return "dns";
	case CURLE_OPERATION_TIMEDOUT:
		*retryable = 1;
		return "timeout";
	case CURLE_GOT_NOTHING:
		*retryable = 1;
		return "empty reply";
	case CURLE_RECV_ERROR:
		/* libcurl 7.88 ends a reply whose headers pass 300 KB, or whose
		 * chunked body is garbled, as a receive error: the server's fault,
		 * no retry cures it */
		if (said(req, "response headers"))
			return "headers too large";
		if (said(req, "chunk"))
			return "invalid chunked encoding";
		*retryable = 1;
		return "reset";
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		*retryable = 1;
		return "reset";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return "tls";
	case CURLE_TOO_MANY_REDIRECTS:
		return "too many redirects";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return bad_reply(req, out);
	case CURLE_WEIRD_SERVER_REPLY:
		if (said(req, "HTTP version") || said(req, "response code") || said(req, "status line") ||
		    said(req, "HTTP/0.9"))
			return bad_reply(req, out);
		return "invalid headers";
#if LIBCURL_VERSION_NUM >= 0x080600
	case CURLE_TOO_LARGE:
		return "headers too large";
#endif
	case CURLE_OUT_OF_MEMORY:
		/* libcurl 7.88 caps one header line at 100 KB and says "out of
		 * memory" when a server sends a longer one: once connected, that
		 * is by far the likelier cause */
		return out->time_connect > 0 || out->status > 0 || said(req, "header") ? "headers too large"
		                                                                         : "out of memory";
	case CURLE_FILESIZE_EXCEEDED:
		return "body too large";
	case CURLE_WRITE_ERROR:
		return req->body_too_large ? "body too large" : "out of memory";
	case CURLE_ABORTED_BY_CALLBACK:
		return "interrupted";
	default:
		return NULL;
	}
}

/* Bytes both ways and connections opened, for load-test reports. */
static void traffic_of(CURL *easy, struct transfer_outcome *out)
{
	curl_off_t down = 0, up = 0;
	long header = 0, request = 0, connects = 0;

	curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header);
	curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request);
	curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
	out->bytes_in = (uint64_t)(down > 0 ? down : 0) + (uint64_t)(header > 0 ? header : 0);
	if (up < 0)
		up = 0;
	if (request < 0)
		request = 0;
	/* libcurl counts a small in-memory body (under 64 KiB) in the request
	 * size, as it goes out in one write with the headers, and a large one
	 * only in the upload size.  Headers are never that large, so a request
	 * size at least as big as the upload already holds it. */
	out->bytes_out = (uint64_t)request + (request >= up ? 0 : (uint64_t)up);
	out->connections = connects > 0 ? (uint64_t)connects : 0;
}

/* Whether the transfer failed for want of a descriptor here: scrape's
 * own failure, not the target's, and no retry helps while the others
 * hold theirs.  libcurl says "connect" and, before 8.x, no errno. */
static int out_of_descriptors(const struct scrape_request *req, CURL *easy)
{
	long os_errno = 0;

	curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
	return req->no_descriptors || os_errno == EMFILE || os_errno == ENFILE;
}

void transfer_outcome(const struct scrape_request *req, CURL *easy, CURLcode rc,
                   struct transfer_outcome *out)
{
	char *s = NULL;
	curl_off_t size = 0;

	memset(out, 0, sizeof *out);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &out->status);
	if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
		out->final_url = s;
	else
		out->final_url = req->url;
	s = NULL;
	if (curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK)
		out->content_type = s;
	curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &size);
	out->bytes = rc == CURLE_OK ? (uint64_t)req->received : (uint64_t)size;
	out->bytes_wire = size > 0 ? (uint64_t)size : 0;
	out->time_total = seconds_of(easy, CURLINFO_TOTAL_TIME_T);
	out->time_dns = seconds_of(easy, CURLINFO_NAMELOOKUP_TIME_T);
	out->time_connect = seconds_of(easy, CURLINFO_CONNECT_TIME_T);
	out->time_tls = seconds_of(easy, CURLINFO_APPCONNECT_TIME_T);
	out->time_first_byte = seconds_of(easy, CURLINFO_STARTTRANSFER_TIME_T);
	traffic_of(easy, out);

	if (rc != CURLE_OK) {
		out->error = reason_of(rc, req, out, &out->retryable);
		if (!out->error) {
			snprintf(out->error_text, sizeof out->error_text, "curl: %s", curl_easy_strerror(rc));
			out->error = out->error_text;
		}
	} else if (out->status >= 400) {
		snprintf(out->error_text, sizeof out->error_text, "http %ld", out->status);
		out->error = out->error_text;
		out->retryable = out->status >= 500 || out->status == 429;
	}
	if (rc != CURLE_OK && out_of_descriptors(req, easy)) {
		out->error = FETCH_NO_DESCRIPTORS;
		out->retryable = 0;
	}
}
