/* SPDX-License-Identifier: MIT */
/*
 * Fetch set-up and take-down: the curl options every strategy gets the
 * same way, and what a finished transfer turned out to be (status,
 * timings, failure reason, whether a retry may help).
 */
#ifndef SCRAPE_TRANSFER_H
#define SCRAPE_TRANSFER_H

#include <curl/curl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config/job.h"
#include "engine/cookies.h"
#include "engine/request.h"

struct scrape_header;

struct transfer_settings {
	const struct job *job;
	struct curl_slist *headers; /* built once, shared read-only by all handles */
	/* the value of an Accept-Encoding the job's headers set by hand: given
	 * to libcurl as CURLOPT_ACCEPT_ENCODING, so it decodes what it asked
	 * for, rather than sent raw; NULL: none */
	const char *accept_encoding;
	const atomic_int *stopping; /* aborts transfers in flight */
	/* the run's signal flag (run_signal), given rather than included so
	 * that this module does not depend on the run that uses it */
	const volatile sig_atomic_t *signal;
	struct cookie_jars *cookies; /* NULL: cookies off */
	/* the headers of a strategy's view (transfer_view.c) for a request of
	 * the job's own, built once and shared read-only by every such view;
	 * and the job's Host header among them (NULL: none) */
	struct scrape_header *view_headers;
	size_t view_header_count;
	const char *view_host;
};

int transfer_settings_init(struct transfer_settings *s, const struct job *job, const atomic_int *stopping,
                           const volatile sig_atomic_t *signal);
void transfer_settings_free(struct transfer_settings *s);

/* Readies req's own state for an attempt (kept body and headers, the
 * body cap, a sitemap's reader); transfer_prepare does it too.  0, or -1
 * out of memory. */
int transfer_reset(const struct transfer_settings *s, struct scrape_request *req);

/* Takes body bytes as they arrive: counted, kept for parsers, fed to a
 * sitemap's reader, stopped at max_body.  0, or -1 to end the transfer
 * (req->body_too_large says whether the cap was why). */
int transfer_take_body(struct scrape_request *req, const char *data, size_t len);

/* Resets the easy handle (keeping its connections) and sets it up for req:
 * the job's request, with what req->request (its urls entry's or url_file
 * line's own) changes: its method and body replace the job's, its headers
 * replace the job's of the same name, in any case, and add the others. */
int transfer_prepare(const struct transfer_settings *s, struct scrape_request *req, CURL *easy);

/* Frees the header lists built for a request (its URL's own headers
 * merged with the job's, recrawl's validators) and its validators. */
void transfer_request_release(struct scrape_request *req);

struct transfer_outcome {
	long status;
	const char *final_url;      /* owned by the easy handle */
	const char *content_type;   /* owned by the easy handle */
	double time_total, time_dns, time_connect, time_tls, time_first_byte; /* seconds */
	uint64_t bytes;             /* body bytes after decoding, as parsers and max_body see them */
	uint64_t bytes_wire;        /* body bytes as they came, before content decoding */
	uint64_t bytes_in;          /* response headers and bodies, redirects too */
	uint64_t bytes_out;         /* request headers and bodies */
	uint64_t connections;       /* new connections the transfer opened */
	const char *error;          /* NULL, or the failure reason */
	char error_text[64];        /* storage for composed reasons */
	int retryable;
};

void transfer_outcome(const struct scrape_request *req, CURL *easy, CURLcode rc,
                   struct transfer_outcome *out);

/* Failures of scrape's own making start with "local: "; they are not the
 * target's and stay out of its error figures. */
#define FETCH_LOCAL_PREFIX "local: "
#define FETCH_NO_DESCRIPTORS FETCH_LOCAL_PREFIX "too many open files"

/* A 429 or 503 whose Retry-After is longer than max_retry_after. */
#define RETRY_AFTER_TOO_LONG "retry-after too long"

#endif
