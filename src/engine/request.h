/* SPDX-License-Identifier: MIT */
/*
 * One request as the core tracks it from the frontier, through a strategy,
 * to its record.  Strategies see it only as an opaque pointer.
 */
#ifndef SCRAPE_REQUEST_H
#define SCRAPE_REQUEST_H

#include <stdint.h>

#include "util/buf.h"

struct job_url_request;
struct curl_slist;

struct scrape_run;
struct curl_slist;
struct host;
struct sitemap;
struct transfer_view;

struct scrape_request {
	struct scrape_run *run;
	char *url;
	int depth;
	int group;                  /* a load test: its index in the run's groups (-1: none) */
	const char *group_name;     /* and its name (the table's, which never moves) */
	/* its urls entry's or url_file line's own method, headers, body and
	 * meta (NULL: the job's alone); a url_file line's is a copy it owns */
	const struct job_url_request *request;
	struct job_url_request *own_request;
	size_t lookahead_bytes;     /* of own_request, while it waits in a host queue, */
	size_t *lookahead_total;    /* counted in this total (the dispatch's) */
	struct curl_slist *header_list; /* the job's headers merged with its own */
	int proxy;                  /* the job's proxy it goes through, or one of: */
#define REQUEST_NO_PROXY (-1)       /* the job names no proxy */
#define REQUEST_DIRECT (-2)         /* no_proxy sends it directly */
	const char *proxy_name;     /* that proxy, its password masked; else NULL */
	uint64_t lease;             /* crawling: its entry in the crawl store (0: none) */
	int attempt;                /* 1 for the first try */
	int64_t ready_ns;           /* a retry waits until then */
	int64_t intended_ns;        /* open model: when it was scheduled to start */
	int64_t sent_ns;            /* when a strategy took it */
	int warmup;                 /* started in the warmup: not measured */
	int in_flight;              /* handed to a strategy, not yet settled */
	struct buf body;            /* kept only when parsers will read it */
	uint64_t received;          /* body bytes, kept or not */
	int keep_body;
	struct buf headers;         /* raw header lines of the last response */
	int keep_headers;           /* parsers read them */
	char retry_after[48];       /* the last response's Retry-After value, */
	size_t retry_after_len;     /* 0: none; sizeof retry_after: too long */
	int64_t max_body;           /* the job's cap, for the write callback */
	int robots;                 /* an internal robots.txt request */
	int sitemap;                /* an internal sitemap request: how deep it is
	                               nested (1: named by robots.txt or the job) */
	struct sitemap *reader;     /* a sitemap's body, read as it arrives */
	struct buf found;           /* and what it listed (see run_conclude.c) */
	long reply_status;          /* a sitemap: the status of the response coming */
	int64_t sitemap_since_s;    /* crawl.sitemap_since, or INT64_MIN: none */
	int body_too_large;         /* the write callback gave up */
	int no_descriptors;         /* socket() failed with EMFILE or ENFILE */
	char last_error[64];        /* why the previous attempt failed */
	long last_status;           /* and the status it got, if any */
	char curl_error[256];       /* CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE):
	                               libcurl's words for a failure, which
	                               tell apart what one CURLcode lumps */
	/* recrawl: conditional.  What the output's row of this URL holds,
	 * looked up once (a retry sends the same), and what came back. */
	int recrawl_looked;
	int recrawl_known;          /* the output has a row of this URL */
	char *if_none_match;        /* the row's ETag, sent back (NULL: none) */
	char *if_modified_since;    /* the row's Last-Modified (NULL: none) */
	struct curl_slist *conditional; /* the job's headers and those, for curl */
	char etag[256];             /* the response's ETag ("": none or too long) */
	char last_modified[64];     /* and its Last-Modified */
	struct host *host;          /* with per-host limits: its host queue */
	struct scrape_request *next_retry; /* retry list, or its host queue */
	/* a strategy with its own transport: the attempt's view (ABI 1.2),
	 * from request_view() until complete() */
	struct transfer_view *view;
	/* and the redirects the core follows for it (libcurl follows its
	 * own): where this hop goes (NULL: url), how many were followed,
	 * whether the hop became a GET without a body (a 303, or a POST's
	 * 301/302), and the figures of the hops before it */
	char *hop_url;
	int redirects;
	int hop_get;
	int64_t hops_ns;
	uint64_t hops_bytes_in, hops_bytes_out, hops_connections;
};

/* Where the request goes now: its URL, or the redirect it follows. */
static inline const char *request_target(const struct scrape_request *req)
{
	return req->hop_url ? req->hop_url : req->url;
}

#endif
