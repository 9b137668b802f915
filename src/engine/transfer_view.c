/* SPDX-License-Identifier: MIT */
/*
 * Requests for strategies that speak HTTP themselves (plugin ABI 1.2).
 * The view says what libcurl would have sent for the same job, so that a
 * server sees the same request whichever strategy runs: the same
 * User-Agent and Accept defaults, the job's headers replacing them by
 * name and a URL's own request replacing the job's, a form Content-Type
 * for a body unless the request names one, a re-crawl's validators, the
 * job's `resolve` entries applied.  The outcome comes back as a class of
 * failure, which becomes the words transfer.c gives libcurl's codes.
 * Redirects are followed here, as libcurl follows them: a 3xx with a
 * Location (the strategy reports it) sends the same request to the next
 * hop, up to max_redirects, and one record covers the chain.  A view is
 * made for every attempt, so it costs one allocation: the headers of the
 * job's own requests are built once per run and shared.
 */
#include <config.h>

#include "engine/transfer_view.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crawl/url.h"
#include "engine/request.h"

/* One allocation per attempt: the view, then room for its headers when
 * they are its own (not the settings' shared list), then its text (host,
 * authority, target, address). */
struct transfer_view {
	struct scrape_request_view view;
	struct scrape_header headers[];
};

/* The parts of an absolute http(s) URL, as offsets into the URL. */
struct url_parts {
	size_t scheme_len;
	const char *authority;      /* after userinfo */
	size_t authority_len;
	const char *host;           /* without IPv6 brackets */
	size_t host_len;
	unsigned port;
	const char *target;         /* from the path on, without the fragment */
	size_t target_len;
};

static int split_url(const char *url, struct url_parts *p)
{
	const char *auth, *end, *at, *colon;

	memset(p, 0, sizeof p[0]);
	/* nearly every URL starts so: the first "://" without a search */
	if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 4;
	else if (strncasecmp(url, "https://", 8) == 0)
		auth = url + 5;
	else
		auth = strstr(url, "://");
	if (!auth)
		return -1;
	p->scheme_len = (size_t)(auth - url);
	if (p->scheme_len == 4 && strncasecmp(url, "http", 4) == 0)
		p->port = 80;
	else if (p->scheme_len == 5 && strncasecmp(url, "https", 5) == 0)
		p->port = 443;
	else
		return -1;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at)
		auth = at + 1;
	p->authority = auth;
	p->authority_len = (size_t)(end - auth);
	if (*auth == '[') {
		const char *close = memchr(auth, ']', (size_t)(end - auth));
		if (!close)
			return -1;
		p->host = auth + 1;
		p->host_len = (size_t)(close - auth - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(auth, ':', (size_t)(end - auth));
		p->host = auth;
		p->host_len = (size_t)((colon ? colon : end) - auth);
	}
	if (colon && colon + 1 < end) {
		const char *digit = colon + 1;
		unsigned long port = 0;
		char *stop;

		/* plain digits, read here; anything else as strtoul reads it */
		while (digit < end && digit - colon <= 5 && *digit >= '0' && *digit <= '9')
			port = port * 10 + (unsigned long)(*digit++ - '0');
		if (digit != end) {
			port = strtoul(colon + 1, &stop, 10);
			digit = stop;
		}
		if (digit != end || port == 0 || port > 65535)
			return -1;
		p->port = (unsigned)port;
	}
	if (p->host_len == 0)
		return -1;
	p->target = end;
	p->target_len = strcspn(end, "#");
	return 0;
}

/* The job's resolve entry for host:port (HOST:PORT:ADDRESS, the address
 * possibly bracketed or the first of several); NULL: none. */
static const char *resolve_entry(const struct curl_slist *resolve, const struct url_parts *p,
                                 size_t *len)
{
	for (; resolve; resolve = resolve->next) {
		const char *e = resolve->data, *c1 = strchr(e, ':'), *c2, *addr;
		if (!c1 || (size_t)(c1 - e) != p->host_len || strncasecmp(e, p->host, p->host_len) != 0)
			continue;
		if (strtoul(c1 + 1, NULL, 10) != p->port || !(c2 = strchr(c1 + 1, ':')))
			continue;
		addr = c2 + 1;
		if (*addr == '[') {
			addr++;
			*len = strcspn(addr, "]");
		} else {
			*len = strcspn(addr, ",");
		}
		return addr;
	}
	return NULL;
}

static int header_in(const struct job_header *list, size_t count, const char *name)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcasecmp(list[i].name, name) == 0)
			return 1;
	return 0;
}

/* The request as a URL's own (or NULL) changes the job's. */
struct request_parts {
	const struct job_header *job_headers, *own_headers;
	size_t job_count, own_count;
	const char *body;
};

static int header_given(const struct request_parts *r, const char *name)
{
	return header_in(r->job_headers, r->job_count, name) || header_in(r->own_headers, r->own_count, name);
}

/* Appends h unless it is Host (the authority's) or a non-empty
 * Accept-Encoding (the compression the transport refuses). */
static size_t add_header(const struct job_header *h, struct scrape_header *out, size_t n, const char **host)
{
	if (strcasecmp(h->name, "Host") == 0)
		*host = h->value;
	else if (strcasecmp(h->name, "Accept-Encoding") != 0 || !h->value[0])
		out[n++] = (struct scrape_header){ h->name, h->value };
	return n;
}

/* libcurl's defaults, then the job's headers, those of the URL's own
 * request replacing them by name (as transfer.c merges them), then the
 * stored validators of a conditional re-crawl.  out has room for every
 * header of both lists plus five. */
static size_t fill_headers(const struct job *job, const struct scrape_request *req,
                           struct scrape_header *out, const char **host)
{
	const struct job_url_request *own = req->request;
	struct request_parts r = {
		.job_headers = job->headers, .job_count = job->header_count,
		.own_headers = own ? own->headers : NULL, .own_count = own ? own->header_count : 0,
		/* a redirect that became a GET carries no body, nor its type */
		.body = req->hop_get ? NULL : own && own->body ? own->body : job->body,
	};
	size_t n = 0, i;

	if (job->user_agent && job->user_agent[0] && !header_given(&r, "User-Agent"))
		out[n++] = (struct scrape_header){ "User-Agent", job->user_agent };
	if (!header_given(&r, "Accept"))
		out[n++] = (struct scrape_header){ "Accept", "*/*" };
	for (i = 0; i < r.job_count; i++)
		if (!header_in(r.own_headers, r.own_count, r.job_headers[i].name))
			n = add_header(&r.job_headers[i], out, n, host);
	for (i = 0; i < r.own_count; i++)
		n = add_header(&r.own_headers[i], out, n, host);
	if (r.body && !header_given(&r, "Content-Type"))
		out[n++] = (struct scrape_header){ "Content-Type", "application/x-www-form-urlencoded" };
	if (req->if_none_match)
		out[n++] = (struct scrape_header){ "If-None-Match", req->if_none_match };
	if (req->if_modified_since)
		out[n++] = (struct scrape_header){ "If-Modified-Since", req->if_modified_since };
	return n;
}

/* Copies len bytes of s into *at, NUL-terminated; returns the copy. */
static const char *put(char **at, const char *s, size_t len)
{
	char *copy = *at;

	memcpy(copy, s, len);
	copy[len] = '\0';
	*at += len + 1;
	return copy;
}

int transfer_view_settings_init(struct transfer_settings *s)
{
	const struct job *job = s->job;
	struct scrape_request plain;

	/* the request of the job's own: no URL request, no redirect, no
	 * validators (which would only be appended) */
	memset(&plain, 0, sizeof plain);
	s->view_headers = calloc(job->header_count + 5, sizeof *s->view_headers);
	if (!s->view_headers)
		return -1;
	s->view_host = NULL;
	s->view_header_count = fill_headers(job, &plain, s->view_headers, &s->view_host);
	return 0;
}

/* Whether req sends the settings' shared headers (then only its
 * validators are appended): it has no request of its own and is no
 * redirect turned GET, what fill_headers would then build is the same. */
static int shared_headers(const struct transfer_settings *s, const struct scrape_request *req)
{
	return s->view_headers && !req->request && !req->hop_get;
}

struct transfer_view *transfer_view_new(const struct transfer_settings *s, struct scrape_request *req)
{
	const struct job *job = s->job;
	const struct job_url_request *own = req->request;
	struct transfer_view *v = NULL;
	struct scrape_request_view *view;
	const char *host_header = NULL, *address;
	struct url_parts p;
	size_t address_len = 0, header_room = 0, url_len;
	int shared = shared_headers(s, req), validators = req->if_none_match || req->if_modified_since;
	char *at;
	int as_job;

	const char *url = request_target(req);

	if (transfer_reset(s, req) < 0 || split_url(url, &p) < 0)
		return NULL;
	address = resolve_entry(job->resolve, &p, &address_len);
	if (!shared)
		header_room = job->header_count + (own ? own->header_count : 0) + 5;
	else if (validators)
		header_room = s->view_header_count + 2;
	url_len = strlen(url);
	/* host, authority, target (perhaps twice), address, their NULs */
	v = malloc(sizeof *v + header_room * sizeof v->headers[0] + url_len * 4 + address_len + 8);
	if (!v)
		return NULL;
	view = &v->view;
	memset(view, 0, sizeof *view);
	view->size = sizeof *view;
	if (!shared) {
		view->header_count = fill_headers(job, req, v->headers, &host_header);
		view->headers = v->headers;
	} else if (validators) {
		/* the shared headers, then the validators as fill_headers ends */
		size_t n = s->view_header_count;
		memcpy(v->headers, s->view_headers, n * sizeof v->headers[0]);
		if (req->if_none_match)
			v->headers[n++] = (struct scrape_header){ "If-None-Match", req->if_none_match };
		if (req->if_modified_since)
			v->headers[n++] = (struct scrape_header){ "If-Modified-Since", req->if_modified_since };
		view->header_count = n;
		view->headers = v->headers;
		host_header = s->view_host;
	} else {
		view->header_count = s->view_header_count;
		view->headers = s->view_headers;
		host_header = s->view_host;
	}
	at = (char *)(v->headers + header_room);
	view->scheme = p.scheme_len == 4 ? "http" : "https";
	view->host = put(&at, p.host, p.host_len);
	view->authority = host_header ? host_header : put(&at, p.authority, p.authority_len);
	view->target = p.target_len ? put(&at, p.target, p.target_len) : "/";
	if (view->target[0] == '?') {
		/* "http://h?q": the path is empty, sent as "/" */
		at[0] = '/';
		memcpy(at + 1, p.target, p.target_len);
		at[p.target_len + 1] = '\0';
		view->target = at;
		at += p.target_len + 2;
	}
	view->address = address ? put(&at, address, address_len) : NULL;
	view->port = p.port;
	view->url = url;
	/* a sitemap is read with a GET, whatever the pages are asked with, and
	 * so is a redirect that turned the request into a GET */
	as_job = !req->sitemap && !req->hop_get;
	view->method = !as_job ? "GET" : own && own->method ? own->method : job->method;
	if (as_job && own && own->body) {
		view->body = (const unsigned char *)own->body;
		view->body_len = own->body_len;
	} else if (as_job && job->body) {
		view->body = (const unsigned char *)job->body;
		view->body_len = job->body_len;
	}
	view->timeout_ns = job->timeout_ns;
	view->connect_timeout_ns = job->connect_timeout_ns;
	view->max_body = job->max_body;
	view->keepalive = job->keepalive;
	view->connection_max_age_ns = job->connection_max_age_ns;
	view->connection_max_idle_ns = job->connection_max_idle_ns;
	view->max_connections = job->max_connections > 0 ? (unsigned)job->max_connections
	                                                 : (unsigned)job->workers;
	view->wants = (req->keep_body || req->reader ? SCRAPE_WANT_BODY : 0u) |
	              (req->keep_headers || job->retry_after || job->recrawl ? SCRAPE_WANT_HEADERS : 0u);
	view->insecure = job->insecure;
	view->ca_file = job->ca_file;
	view->client_cert = job->client_cert;
	view->client_key = job->client_key;
	return v;
}

const struct scrape_request_view *transfer_view_get(const struct transfer_view *v)
{
	return &v->view;
}

void transfer_view_free(struct transfer_view *v)
{
	free(v);
}

/* The record's words for a failure class, and whether a retry may help;
 * the same transfer.c gives the libcurl codes that mean the same. */
static const char *reason_of_class(enum scrape_error_class c, int *retryable)
{
	static const struct {
		const char *reason;
		int retryable;
	} table[] = {
		[SCRAPE_ERR_DNS] = { "dns", 1 },
		[SCRAPE_ERR_CONNECT] = { "connect", 1 },
		[SCRAPE_ERR_TIMEOUT] = { "timeout", 1 },
		[SCRAPE_ERR_RESET] = { "reset", 1 },
		[SCRAPE_ERR_EMPTY_REPLY] = { "empty reply", 1 },
		[SCRAPE_ERR_NOT_HTTP] = { "invalid response (not HTTP/1.x)", 0 },
		[SCRAPE_ERR_STATUS_LINE] = { "invalid status line", 0 },
		[SCRAPE_ERR_HEADERS] = { "invalid headers", 0 },
		[SCRAPE_ERR_HEADERS_TOO_LARGE] = { "headers too large", 0 },
		[SCRAPE_ERR_CHUNKED] = { "invalid chunked encoding", 0 },
		[SCRAPE_ERR_BODY_TOO_LARGE] = { "body too large", 0 },
		[SCRAPE_ERR_TLS] = { "tls", 0 },
		[SCRAPE_ERR_INTERRUPTED] = { "interrupted", 0 },
		[SCRAPE_ERR_NO_DESCRIPTORS] = { FETCH_NO_DESCRIPTORS, 0 },
		[SCRAPE_ERR_OUT_OF_MEMORY] = { "out of memory", 0 },
	};

	*retryable = 0;
	if ((size_t)c >= sizeof table / sizeof table[0] || !table[c].reason)
		return NULL;
	*retryable = table[c].retryable;
	return table[c].reason;
}

/* A validator kept whole, or not at all: one cut short would never match. */
static void keep(const char *value, char *out, size_t len)
{
	size_t n = strlen(value);

	if (n >= len)
		n = 0;
	memcpy(out, value, n);
	out[n] = '\0';
}

/* The headers as the libcurl header callback keeps them: raw lines for
 * the parsers, the Retry-After value for the back-off, the validators for
 * a conditional re-crawl. */
static void take_headers(const struct job *job, struct scrape_request *req,
                         const struct scrape_outcome *in)
{
	size_t i;
	/* Retry-After is read only from a 429 or 503 when the job obeys it
	 * (run_conclude.c), the validators only in a re-crawl: without
	 * those, and no parser to read the lines, nobody reads the headers */
	int retry_after = job->retry_after && (in->status == 429 || in->status == 503);

	if (!req->keep_headers && !retry_after && !job->recrawl)
		return;
	for (i = 0; in->headers && i < in->header_count; i++) {
		const struct scrape_header *h = &in->headers[i];
		if (retry_after && strcasecmp(h->name, "Retry-After") == 0) {
			size_t n = strlen(h->value);
			req->retry_after_len = n < sizeof req->retry_after ? n : sizeof req->retry_after;
			memcpy(req->retry_after, h->value, n < sizeof req->retry_after ? n : 0);
		}
		if (job->recrawl && strcasecmp(h->name, "ETag") == 0)
			keep(h->value, req->etag, sizeof req->etag);
		else if (job->recrawl && strcasecmp(h->name, "Last-Modified") == 0)
			keep(h->value, req->last_modified, sizeof req->last_modified);
		if (req->keep_headers)
			buf_printf(&req->headers, "%s: %s\r\n", h->name, h->value);
	}
}

static double seconds(int64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- redirects ---- */

enum hop {
	HOP_NONE,                   /* not a redirect the job follows */
	HOP_FOLLOW,                 /* *next is where it goes */
	HOP_TOO_MANY,               /* past max_redirects */
	HOP_BAD_SCHEME,             /* *next is not http or https */
};

/* What the outcome says about a redirect, as libcurl decides it: any 3xx
 * but 304 with a Location, while max_redirects allows.  *next is the
 * resolved Location (the caller frees it), or NULL without memory. */
static enum hop hop_of(const struct transfer_settings *s, const struct scrape_request *req,
                       const struct scrape_outcome *in, char **next)
{
	const char *location;

	*next = NULL;
	if (in->size < offsetof(struct scrape_outcome, location) + sizeof in->location ||
	    !(location = in->location) || !*location || in->error != SCRAPE_ERR_NONE ||
	    in->status < 300 || in->status >= 400 || in->status == 304 || s->job->max_redirects <= 0)
		return HOP_NONE;
	if (req->redirects >= s->job->max_redirects)
		return HOP_TOO_MANY;
	if (!(*next = url_resolve(request_target(req), location)))
		return HOP_NONE;
	if (strncasecmp(*next, "http://", 7) != 0 && strncasecmp(*next, "https://", 8) != 0)
		return HOP_BAD_SCHEME;
	return HOP_FOLLOW;
}

int transfer_view_follow(const struct transfer_settings *s, struct scrape_request *req,
                         const struct scrape_outcome *in)
{
	char *next;
	const char *method;

	if (hop_of(s, req, in, &next) != HOP_FOLLOW) {
		free(next);
		return 0;
	}
	/* 303 asks for a GET (a HEAD stays one); 301 and 302 turn a POST into
	 * a GET, as browsers and libcurl do; 307 and 308 keep it all */
	method = req->hop_get || req->sitemap ? "GET"
	         : req->request && req->request->method ? req->request->method : s->job->method;
	if ((in->status == 303 && strcasecmp(method, "HEAD") != 0) ||
	    ((in->status == 301 || in->status == 302) && strcasecmp(method, "POST") == 0))
		req->hop_get = 1;
	free(req->hop_url);
	req->hop_url = next;
	req->redirects++;
	req->hops_ns += in->total_ns;
	req->hops_bytes_in += in->bytes_in;
	req->hops_bytes_out += in->bytes_out;
	req->hops_connections += in->new_connection ? 1 : 0;
	return 1;
}

void transfer_view_restart(struct scrape_request *req)
{
	free(req->hop_url);
	req->hop_url = NULL;
	req->redirects = 0;
	req->hop_get = 0;
	req->hops_ns = 0;
	req->hops_bytes_in = req->hops_bytes_out = req->hops_connections = 0;
}

int transfer_view_outcome(const struct transfer_settings *s, struct scrape_request *req,
                          const struct scrape_outcome *in, struct transfer_outcome *out)
{
	enum scrape_error_class error = in->error;
	enum hop hop;
	char *next;

	memset(out, 0, sizeof *out);
	out->status = in->status;
	out->final_url = request_target(req);
	out->content_type = in->content_type;
	/* a redirect the chain could not follow fails as libcurl's would */
	hop = hop_of(s, req, in, &next);
	if (hop == HOP_BAD_SCHEME) {
		/* the URL the chain ended on, kept until the request is freed */
		free(req->hop_url);
		req->hop_url = next;
		out->final_url = next;
	} else {
		free(next);
	}
	req->reply_status = in->status;
	take_headers(s->job, req, in);
	/* a sitemap's reader that gives up says why itself (run_conclude.c) */
	if (in->body && transfer_take_body(req, (const char *)in->body, in->body_len) < 0 && !error &&
	    !req->reader)
		error = req->body_too_large ? SCRAPE_ERR_BODY_TOO_LARGE : SCRAPE_ERR_OUT_OF_MEMORY;
	if (!in->body)
		req->received = in->body_bytes;
	out->bytes = error ? in->body_bytes : req->received;
	out->bytes_wire = in->body_bytes;
	out->bytes_in = in->bytes_in + req->hops_bytes_in;
	out->bytes_out = in->bytes_out + req->hops_bytes_out;
	out->connections = (in->new_connection ? 1 : 0) + req->hops_connections;
	out->time_total = seconds(in->total_ns + req->hops_ns);
	out->time_connect = seconds(in->connect_ns);
	out->time_tls = seconds(in->tls_ns);
	/* from the start of the chain, as libcurl counts it */
	out->time_first_byte = in->first_byte_ns ? seconds(in->first_byte_ns + req->hops_ns) : 0;
	if (error) {
		out->error = reason_of_class(error, &out->retryable);
		if (!out->error) {
			snprintf(out->error_text, sizeof out->error_text, "transport: %s",
			         in->error_message ? in->error_message : "failed");
			out->error = out->error_text;
		}
	} else if (hop == HOP_TOO_MANY || hop == HOP_BAD_SCHEME) {
		out->error = hop == HOP_TOO_MANY ? "too many redirects" : "protocol not allowed";
		return 0;
	} else if (out->status >= 400) {
		snprintf(out->error_text, sizeof out->error_text, "http %ld", out->status);
		out->error = out->error_text;
		out->retryable = out->status >= 500 || out->status == 429;
	}
	return error == SCRAPE_ERR_NONE;
}
