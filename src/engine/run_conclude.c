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
#include "engine/transfer_view.h"
#include "crawl/sitemap.h"
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

/* A sitemap's result travels back as its "line" (also from a worker
 * process): the entries as the transfer kept them (a tag byte and a URL,
 * each ended by a NUL: 'U' a page, 'O' one older than sitemap_since, 'S'
 * a sitemap), then 'K' and how many entries were unusable (no <loc>, or
 * one too long), 'T' when max_body cut it short, and 'E' with why it
 * could not be read, if it could not; run_crawl.c reads them. */
static int conclude_sitemap(struct scrape_request *req, int completed,
                            const struct transfer_outcome *o, struct request_result *res)
{
	struct sitemap *sm = req->reader;
	int stopped = sm && (sitemap_error(sm)[0] || sitemap_truncated(sm));
	char why[240] = "";

	res->status = o->status;
	res->bytes = o->bytes;
	res->time_total = o->time_total;
	if (!completed && !stopped)
		snprintf(why, sizeof why, "%s", o->error ? o->error : "no reply");
	else if (o->status < 200 || o->status >= 300)
		snprintf(why, sizeof why, "answered %ld", o->status);
	else if (!sm || req->found.oom)
		snprintf(why, sizeof why, "out of memory");
	else if (!stopped && sitemap_end(sm) < 0)
		snprintf(why, sizeof why, "%s", sitemap_error(sm));
	else if (sitemap_error(sm)[0])
		snprintf(why, sizeof why, "%s", sitemap_error(sm));
	res->line = req->found;
	memset(&req->found, 0, sizeof req->found);
	if (sm && sitemap_skipped(sm)) {
		buf_printf(&res->line, "K%llu", (unsigned long long)sitemap_skipped(sm));
		buf_putc(&res->line, '\0');
	}
	if (sm && sitemap_truncated(sm))
		buf_append(&res->line, "T", 2);
	if (why[0]) {
		res->has_error = 1;
		snprintf(res->error, sizeof res->error, "%s", why);
		buf_putc(&res->line, 'E');
		buf_append(&res->line, why, strlen(why) + 1);
	}
	sitemap_free(sm);
	req->reader = NULL;
	return RUN_FINAL;
}

/* The rest is the same whichever transport ran: completed says the
 * response arrived whole (CURLE_OK, or an outcome without an error). */
static int conclude(struct scrape_run *run, struct scrape_request *req, int completed,
                    struct transfer_outcome *o, struct request_result *res)
{
	struct scrape_record rec;
	const char *error, *failed_parser = NULL;
	char parser_error[96];

	memset(res, 0, sizeof *res);
	/* every attempt's traffic counts, a retried one's too */
	res->bytes_in = o->bytes_in;
	res->bytes_out = o->bytes_out;
	res->connections = o->connections;
	res->status = o->status;
	res->time_total = o->time_total;
	res->overload = o->status == 429 || o->status >= 500 ||
	                (o->error && strcmp(o->error, "timeout") == 0);
	res->retry_after_ns = retry_after(run->job, req, o);
	if (res->retry_after_ns > run->job->max_retry_after_ns) {
		/* waiting that long is not a retry any more: the request fails,
		 * and the host goes on (the next answer may say less) */
		o->error = RETRY_AFTER_TOO_LONG;
		o->retryable = 0;
		res->retry_after_ns = -1;
	}
	if (o->retryable && req->attempt <= run->job->retries && !run_stopping(run)) {
		snprintf(res->error, sizeof res->error, "%s", o->error);
		req->last_status = o->status;
		sitemap_free(req->reader);      /* the next attempt reads it anew */
		req->reader = NULL;
		buf_free(&req->found);
		return RUN_RETRY;
	}
	if (req->sitemap)
		return conclude_sitemap(req, completed, o, res);
	if (req->robots) {
		/* the rules travel back as the "line"; run_record reads them */
		res->status = completed ? o->status : 0;
		if (completed)
			buf_append(&res->line, req->body.data ? req->body.data : "", req->body.len);
		else
			res->has_error = 1;     /* why, for the warning (also from a worker) */
		if (o->error)
			snprintf(res->error, sizeof res->error, "%s", o->error);
		return RUN_FINAL;
	}
	record_init(&rec);
	error = o->error;
	res->recrawl = record_recrawl_class(run->job, req, o);
	/* a transfer that broke off has no body worth parsing; an HTTP error
	 * page arrived whole and may be; an unchanged page keeps its stored
	 * fields and links, which the parent reads back */
	if (completed && o->status > 0 && res->recrawl != RECRAWL_UNCHANGED)
		failed_parser = record_parse(run->parsers, run->parser_count, req, o, &rec);
	if (!error && failed_parser) {
		snprintf(parser_error, sizeof parser_error, "parser %s failed", failed_parser);
		error = parser_error;
	}
	if (run->job->output_path)
		record_encode(req, o, error, &rec, res->recrawl, &res->line);
	if (run->job->crawl.enabled && req->depth < run->job->crawl.max_depth) {
		/* links leave with the result, to be queued where the frontier is */
		res->links = rec.links;
		res->link_count = rec.link_count;
		rec.links = NULL;
		rec.link_count = rec.link_cap = 0;
	}
	record_free(&rec);
	res->status = o->status;
	res->bytes = o->bytes;
	res->time_total = o->time_total;
	res->has_error = error != NULL;
	if (error)
		snprintf(res->error, sizeof res->error, "%s", error);
	return RUN_FINAL;
}

int run_conclude(struct scrape_run *run, struct scrape_request *req, CURL *easy,
                 CURLcode result, struct request_result *res)
{
	struct transfer_outcome o;

	transfer_outcome(req, easy, result, &o);
	return conclude(run, req, result == CURLE_OK, &o, res);
}

int run_conclude_outcome(struct scrape_run *run, struct scrape_request *req,
                         const struct scrape_outcome *outcome, struct request_result *res)
{
	struct transfer_outcome o;
	int completed = transfer_view_outcome(&run->fetch, req, outcome, &o);

	return conclude(run, req, completed, &o, res);
}
