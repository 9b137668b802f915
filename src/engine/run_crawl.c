/* SPDX-License-Identifier: MIT */
/*
 * The crawl's side of a run: links found on pages pass the scope and the
 * URL patterns or are refused (counted, listed with -v), and robots.txt
 * requests and answers feed the host queues.  Every function here runs
 * with the run's lock held.
 */
#include <config.h>

#include "engine/run_crawl.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/crawl_state.h"
#include "engine/host_queues.h"
#include "results/output.h"
#include "util/log.h"
#include "crawl/seen.h"
#include "config/units.h"
#include "crawl/url.h"

static void refuse(struct scrape_run *run, const char *url, const char *reason);

/* Lock held.  The crawl cannot go on without its store (out of memory, or
 * the state file failed): said once, and the run stops. */
static void store_failed(struct scrape_run *run)
{
	if (!run_stopping(run))
		log_error("%s; stopping the run", frontier_store_error(&run->dispatch.frontier));
	run_stop(run);
}

/* Lock held (called from hosts_pick): the robots.txt request of a host. */
struct scrape_request *crawl_make_robots_request(void *ctx, const char *url)
{
	struct scrape_run *run = ctx;
	struct scrape_request *req = dispatch_request_new(&run->dispatch, url, 0);

	if (req)
		run->dispatch.outstanding++;
	return req;
}

/* Lock held (called from hosts_pick): a queued URL robots.txt disallows. */
void crawl_refuse_queued(void *ctx, struct scrape_request *req, const char *reason)
{
	struct scrape_run *run = ctx;

	refuse(run, req->url, reason);
	if (req->attempt == 1 && frontier_give_back(&run->dispatch.frontier, req->lease) < 0)
		store_failed(run);
	run->dispatch.outstanding--;
	dispatch_request_free(req);
}

/* Lock held.  Whether the crawl may follow a link: its host is in scope
 * and the URL patterns let it through.  Otherwise the reason. */
static const char *out_of_scope(struct scrape_run *run, const char *canonical)
{
	const struct crawl_settings *cr = &run->job->crawl;
	char *host = url_host(canonical);
	const char *why = NULL;
	size_t i;

	if (!host)
		return "out of scope";
	if (cr->allow_domain_count) {
		size_t hl = strlen(host);
		why = "out of scope";
		for (i = 0; i < cr->allow_domain_count && why; i++) {
			size_t dl = strlen(cr->allow_domains[i]);
			if (strcmp(host, cr->allow_domains[i]) == 0 ||
			    (hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, cr->allow_domains[i]) == 0))
				why = NULL;
		}
	} else if (cr->same_host && !seen_contains(run->dispatch.frontier.seed_hosts, host, strlen(host))) {
		why = "out of scope";
	}
	free(host);
	for (i = 0; !why && i < cr->deny_count; i++)
		if (regexec(&cr->deny[i], canonical, 0, NULL, 0) == 0)
			why = "denied by pattern";
	if (!why && cr->allow_count) {
		why = "not allowed by pattern";
		for (i = 0; i < cr->allow_count && why; i++)
			if (regexec(&cr->allow[i], canonical, 0, NULL, 0) == 0)
				why = NULL;
	}
	return why;
}

/* Lock held.  Counts a URL the crawl will not fetch; -v lists it. */
static void refuse(struct scrape_run *run, const char *url, const char *reason)
{
	char shown[512];

	stats_refuse(&run->stats, reason);
	/* a link comes from a page: escaped, it cannot drive the terminal */
	if (run->settings.verbose)
		log_note(LOG_VERBOSE, "refused %s (%s)", visible(shown, sizeof shown, url), reason);
}

/* Lock held.  A link found on a page at depth - 1. */
void crawl_discover(struct scrape_run *run, const char *link, int depth)
{
	char *canonical = url_canonical(link);
	const char *why;
	int fresh;

	if (!canonical)
		return;                 /* not http(s): links parsers keep those out anyway */
	fresh = frontier_mark_seen(&run->dispatch.frontier, canonical);
	if (fresh > 0 && (why = out_of_scope(run, canonical)) != NULL)
		refuse(run, canonical, why);
	else if (fresh > 0 && frontier_add(&run->dispatch.frontier, canonical, depth) < 0)
		fresh = -1;
	if (fresh < 0)
		store_failed(run);
	free(canonical);
}

/* Lock held.  A robots.txt that could not be had refuses its whole host
 * (RFC 9309, 2.3.1.4); without a word, a crawl would end "successfully"
 * having fetched nothing there.  Each host's robots.txt is settled once,
 * so this is said once per host. */
static void warn_robots_unreachable(const struct scrape_run *run, const struct scrape_request *req,
                                    const struct request_result *res)
{
	char url[512], why[160], limit[32] = "";

	if ((res->status >= 200 && res->status < 300) || (res->status >= 400 && res->status < 500))
		return;     /* rules, or none to follow (4xx): hosts_robots_done */
	if (res->status > 0) {
		snprintf(why, sizeof why, "answered %ld", res->status);
	} else {
		if (strcmp(res->error, "timeout") == 0 && run->job->timeout_ns > 0) {
			strcpy(limit, " after ");
			units_format_duration(run->job->timeout_ns, limit + 7, sizeof limit - 7);
		}
		snprintf(why, sizeof why, "did not answer (%s%s)", res->error[0] ? res->error : "no reply",
		         limit);
	}
	log_warning("%s %s: every URL of this host is refused, as RFC 9309 asks for an unreachable "
	            "robots.txt", visible(url, sizeof url, req->url), why);
}

/* RFC 9309, 2.4: a robots.txt may be cached for up to 24 hours. */
#define ROBOTS_CACHE_S (24 * 3600)

/* Lock held.  A robots.txt answer: rules for its host, no record.  A
 * resumable crawl keeps a definite answer (2xx rules, 4xx none) for its
 * next runs; an unreachable one is asked again. */
void crawl_record_robots(struct scrape_run *run, struct scrape_request *req,
                         struct request_result *res)
{
	warn_robots_unreachable(run, req, res);
	if (crawl_persistent(run) && req->host && res->status >= 200 && res->status < 500 &&
	    (res->status < 300 || res->status >= 400)) {
		char *origin = url_origin(req->url);
		if (!origin || crawl_state_robots_put(run->dispatch.frontier.store, origin, res->status,
		                                      res->line.data, res->line.len, (int64_t)time(NULL)) < 0)
			store_failed(run);
		free(origin);
	}
	hosts_robots_done(run->dispatch.hosts, req, res->status, res->line.data ? res->line.data : "",
	                  res->line.len);
	run->stats.robots_fetched++;
	dispatch_release(&run->dispatch, req);
	pthread_cond_broadcast(&run->news);
}

/* ---- a resumable crawl ---- */

int crawl_cached_robots(void *ctx, const char *origin, long *status, char **body, size_t *len)
{
	struct scrape_run *run = ctx;

	if (!crawl_persistent(run))
		return 0;
	return crawl_state_robots_get(run->dispatch.frontier.store, origin,
	                              (int64_t)time(NULL) - ROBOTS_CACHE_S, status, body, len) == 1;
}

int crawl_persistent(const struct scrape_run *run)
{
	const struct crawl_store *store = run->dispatch.frontier.store;

	return store && store->persistent;
}

static int write_record(void *ctx, const char *line, size_t len)
{
	struct scrape_run *run = ctx;

	return output_write(run->output, line, len);
}

/* The records kept in the state go to the file, which is synced; the
 * state forgets them at its next commit.  Lock held, or before the run. */
static int flush_outbox(struct scrape_run *run)
{
	struct crawl_store *store = run->dispatch.frontier.store;
	int64_t offset = store->output_offset;

	if (run->output && !run->output_failed &&
	    (crawl_state_outbox(store, write_record, run) < 0 || output_sync(run->output, &offset) < 0)) {
		if (output_error(run->output))
			log_error("cannot write records to %s: %s; stopping the run", output_name(run->job),
			          output_error(run->output));
		else
			log_error("%s; stopping the run", frontier_store_error(&run->dispatch.frontier));
		run->output_failed = 1;
		run_stop(run);
		return -1;
	}
	if (crawl_state_written(store, offset) < 0) {
		store_failed(run);
		return -1;
	}
	return 0;
}

int crawl_open_output(struct scrape_run *run, char *err, size_t errlen)
{
	struct crawl_store *store = run->dispatch.frontier.store;
	int torn = 0;

	if (run->job->output_path &&
	    !(run->output = output_open_at(run->job, store->output_offset, &torn, err, errlen)))
		return -1;
	if (torn)
		log_warning("%s ended in the middle of a record (the last run was stopped while writing "
		            "it): cut back to the last whole record", output_name(run->job));
	if (store->done > 0 || store->queued > 0)
		log_note(LOG_NORMAL, "resuming the crawl in %s: %lld pages done, %zu queued",
		         run->job->crawl.state, (long long)store->done, store->queued);
	if (flush_outbox(run) < 0 || store->ops->commit(store) < 0) {
		snprintf(err, errlen, "%s", output_error(run->output) ? output_error(run->output)
		                                                    : frontier_store_error(&run->dispatch.frontier));
		return -1;
	}
	return 0;
}

void crawl_keep_record(struct scrape_run *run, struct scrape_request *req,
                       const struct request_result *res)
{
	struct crawl_store *store = run->dispatch.frontier.store;

	if (res->has_error && run_stopping(run))
		return;                 /* cut short: fetched again on resume */
	if (res->line.oom) {
		log_error("out of memory; stopping the run");
		run_stop(run);
		return;
	}
	if (crawl_state_record(store, req->lease, res->line.data ? res->line.data : "", res->line.len) < 0) {
		store_failed(run);
		return;
	}
	frontier_page_kept(&run->dispatch.frontier);
}

int crawl_checkpoint(struct scrape_run *run, int force)
{
	struct frontier *f = &run->dispatch.frontier;
	int64_t now = run_now_ns();

	if (!crawl_persistent(run) || (!force && !frontier_checkpoint_due(f, now)))
		return 0;
	frontier_checkpointed(f, now);
	if (f->store->ops->commit(f->store) < 0) {
		store_failed(run);
		return -1;
	}
	if (flush_outbox(run) < 0)
		return -1;
	/* the end of the run: the outbox emptied and the file's length saved */
	if (force && f->store->ops->commit(f->store) < 0) {
		store_failed(run);
		return -1;
	}
	return 0;
}
