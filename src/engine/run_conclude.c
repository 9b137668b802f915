/* SPDX-License-Identifier: MIT */
/*
 * run_conclude: what became of a performed transfer, worked out without
 * touching shared state (so also in a worker process): a retry, or the
 * final result with the parsers run and the record encoded.  Part of the
 * run module; record_make does the parsing and encoding and is given the
 * parsers, so it needs nothing of the run.
 */
#include <config.h>

#include "engine/run.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "engine/backoff.h"
#include "engine/record_make.h"
#include "engine/request.h"
#include "engine/transfer.h"
#include "results/record.h"

/* The wait a 429 or 503 asks for in its Retry-After, when the job obeys
 * it; -1 for none (or a value that is neither seconds nor a date). */
static int64_t retry_after(const struct job *job, const struct scrape_request *req,
                           const struct transfer_outcome *o)
{
	int64_t ns;

	if (!job->retry_after || (o->status != 429 && o->status != 503) || !req->retry_after_len ||
	    req->retry_after_len >= sizeof req->retry_after)
		return -1;
	if (retry_after_parse(req->retry_after, req->retry_after_len, time(NULL), &ns) < 0)
		return -1;
	return ns;
}

int run_conclude(struct scrape_run *run, struct scrape_request *req, CURL *easy,
                 CURLcode result, struct request_result *res)
{
	struct scrape_record rec;
	struct transfer_outcome o;
	const char *error, *failed_parser = NULL;
	char parser_error[96];

	memset(res, 0, sizeof *res);
	transfer_outcome(req, easy, result, &o);
	/* every attempt's traffic counts, a retried one's too */
	res->bytes_in = o.bytes_in;
	res->bytes_out = o.bytes_out;
	res->connections = o.connections;
	res->status = o.status;
	res->time_total = o.time_total;
	res->overload = o.status == 429 || o.status >= 500 ||
	                (o.error && strcmp(o.error, "timeout") == 0);
	res->retry_after_ns = retry_after(run->job, req, &o);
	if (res->retry_after_ns > run->job->max_retry_after_ns) {
		/* waiting that long is not a retry any more: the request fails,
		 * and the host goes on (the next answer may say less) */
		o.error = RETRY_AFTER_TOO_LONG;
		o.retryable = 0;
		res->retry_after_ns = -1;
	}
	if (o.retryable && req->attempt <= run->job->retries && !run_stopping(run)) {
		snprintf(res->error, sizeof res->error, "%s", o.error);
		req->last_status = o.status;
		return RUN_RETRY;
	}
	if (req->robots) {
		/* the rules travel back as the "line"; run_record reads them */
		res->status = result == CURLE_OK ? o.status : 0;
		if (result == CURLE_OK)
			buf_append(&res->line, req->body.data ? req->body.data : "", req->body.len);
		else
			res->has_error = 1;     /* why, for the warning (also from a worker) */
		if (o.error)
			snprintf(res->error, sizeof res->error, "%s", o.error);
		return RUN_FINAL;
	}
	record_init(&rec);
	error = o.error;
	/* a transfer that broke off has no body worth parsing; an HTTP error
	 * page arrived whole and may be */
	if (result == CURLE_OK && o.status > 0)
		failed_parser = record_parse(run->parsers, run->parser_count, req, &o, &rec);
	if (run->job->crawl.enabled && req->depth < run->job->crawl.max_depth) {
		/* links leave with the result, to be queued where the frontier is */
		res->links = rec.links;
		res->link_count = rec.link_count;
		rec.links = NULL;
		rec.link_count = rec.link_cap = 0;
	}
	if (!error && failed_parser) {
		snprintf(parser_error, sizeof parser_error, "parser %s failed", failed_parser);
		error = parser_error;
	}
	if (run->job->output_path)
		record_encode(req, &o, error, &rec, &res->line);
	record_free(&rec);
	res->status = o.status;
	res->bytes = o.bytes;
	res->time_total = o.time_total;
	res->has_error = error != NULL;
	if (error)
		snprintf(res->error, sizeof res->error, "%s", error);
	return RUN_FINAL;
}
