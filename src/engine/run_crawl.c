/* SPDX-License-Identifier: MIT */
/*
 * The crawl's side of a run: links found on pages pass the scope and the
 * URL patterns or are refused (counted, listed with -v), robots.txt
 * requests and answers feed the host queues, and sitemaps seed pages
 * under the same rules, their refusals counted apart ("sitemap: ...").
 * Every function here runs with the run's lock held.
 */
#include <config.h>

#include "engine/run_crawl.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/crawl_state.h"
#include "crawl/robots.h"
#include "engine/host_queues.h"
#include "util/log.h"
#include "crawl/seen.h"
#include "crawl/sitemap.h"
#include "config/units.h"
#include "crawl/url.h"

static void refuse(struct scrape_run *run, const char *url, const char *reason);

void crawl_store_failed(struct scrape_run *run)
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

	if (req->sitemap) {
		/* not a page: nothing handed out to give back */
		refuse(run, req->url, "sitemap file: robots.txt");
		run->dispatch.outstanding--;
		dispatch_request_free(req);
		return;
	}
	refuse(run, req->url, reason);
	if (req->attempt == 1 && frontier_give_back(&run->dispatch.frontier, req->lease) < 0)
		crawl_store_failed(run);
	run->dispatch.outstanding--;
	dispatch_request_free(req);
}

/* Lock held.  Whether a URL's host is outside the crawl's scope. */
static int host_out_of_scope(struct scrape_run *run, const char *canonical)
{
	const struct crawl_settings *cr = &run->job->crawl;
	char *host = url_host(canonical);
	int out = 0;
	size_t i;

	if (!host)
		return 1;
	if (cr->allow_domain_count) {
		size_t hl = strlen(host);
		out = 1;
		for (i = 0; i < cr->allow_domain_count && out; i++) {
			size_t dl = strlen(cr->allow_domains[i]);
			if (strcmp(host, cr->allow_domains[i]) == 0 ||
			    (hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, cr->allow_domains[i]) == 0))
				out = 0;
		}
	} else if (cr->same_host && !seen_contains(run->dispatch.frontier.seed_hosts, host, strlen(host))) {
		out = 1;
	}
	free(host);
	return out;
}

/* Lock held.  Whether the crawl may follow a link: its host is in scope
 * and the URL patterns let it through.  Otherwise the reason. */
static const char *out_of_scope(struct scrape_run *run, const char *canonical)
{
	const struct crawl_settings *cr = &run->job->crawl;
	const char *why = host_out_of_scope(run, canonical) ? "out of scope" : NULL;
	size_t i;

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

/* Lock held.  One link: marked seen first, so the scope is worked out
 * only for links the crawl has not met before. */
static void discover_one(struct scrape_run *run, const char *link, int depth)
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
	else if (fresh == 0)
		frontier_seen_again(&run->dispatch.frontier, canonical, depth);
	if (fresh < 0)
		crawl_store_failed(run);
	free(canonical);
}

/* Lock held.  A page's links in one batch, for a shared store where each
 * call is a round trip: the scope is worked out first, and the store
 * marks, queues and says which were new at once. */
static const char *sitemap_refusal(struct scrape_run *run, const char *canonical);

static void discover_batch(struct scrape_run *run, const char *const *links, size_t n, int depth,
                           int from_sitemap)
{
	struct crawl_offer *items = calloc(n, sizeof *items);
	char **canonical = calloc(n, sizeof *canonical);
	int *fresh = calloc(n, sizeof *fresh);
	size_t i, count = 0;

	if (!items || !canonical || !fresh) {
		log_error("out of memory; stopping the run");
		run_stop(run);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char *c = url_canonical(links[i]);
		if (!c)
			continue;
		canonical[count] = c;
		items[count].url = c;
		items[count].fp = seen_fingerprint(c, strlen(c));
		items[count].depth = depth;
		items[count].refused = from_sitemap ? sitemap_refusal(run, c) : out_of_scope(run, c);
		count++;
	}
	if (count && frontier_offer(&run->dispatch.frontier, items, count, fresh) < 0) {
		crawl_store_failed(run);
		goto out;
	}
	for (i = 0; i < count; i++)
		if (fresh[i] && items[i].refused)
			refuse(run, items[i].url, items[i].refused);
		else if (fresh[i] && from_sitemap)
			run->stats.sitemap_urls++;
out:
	for (i = 0; canonical && i < count; i++)
		free(canonical[i]);
	free(canonical);
	free(items);
	free(fresh);
}

/* Lock held.  The links found on a page at depth - 1. */
void crawl_discover(struct scrape_run *run, const char *const *links, size_t n, int depth)
{
	const struct crawl_store *store = run->dispatch.frontier.store;
	size_t i;

	if (store && store->ops->offer) {
		discover_batch(run, links, n, depth, 0);
		return;
	}
	for (i = 0; i < n; i++)
		discover_one(run, links[i], depth);
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

/* Lock held.  A definite robots.txt answer, kept for the next runs (a
 * state file) or the other processes (Redis, with its Crawl-delay so that
 * every process spaces that host's requests alike). */
static void keep_robots(struct scrape_run *run, const struct scrape_request *req,
                        const struct request_result *res)
{
	struct crawl_store *store = run->dispatch.frontier.store;
	char *origin = url_origin(req->url);
	const char *body = res->line.data ? res->line.data : "";
	int rc = -1;

	if (origin && crawl_persistent(run)) {
		rc = crawl_state_robots_put(store, origin, res->status, body, res->line.len,
		                            (int64_t)time(NULL));
	} else if (origin) {
		struct robots *rules = res->status < 300 ? robots_parse(body, res->line.len, run->product)
		                                         : NULL;
		int64_t delay = rules ? robots_crawl_delay_ns(rules) : 0;

		if (delay > run->job->crawl.max_crawl_delay_ns)
			delay = run->job->crawl.max_crawl_delay_ns;
		robots_free(rules);
		rc = store->ops->robots_put(store, origin, res->status, body, res->line.len, delay);
	}
	if (rc < 0)
		crawl_store_failed(run);
	free(origin);
}

/* Lock held.  A robots.txt answer: rules for its host, no record.  A
 * resumable crawl keeps a definite answer (2xx rules, 4xx none) for its
 * next runs; an unreachable one is asked again. */
void crawl_record_robots(struct scrape_run *run, struct scrape_request *req,
                         struct request_result *res)
{
	warn_robots_unreachable(run, req, res);
	if ((crawl_persistent(run) || crawl_shared(run)) && req->host && res->status >= 200 &&
	    res->status < 500 && (res->status < 300 || res->status >= 400))
		keep_robots(run, req, res);
	hosts_robots_done(run->dispatch.hosts, req, res->status, res->line.data ? res->line.data : "",
	                  res->line.len);
	run->stats.robots_fetched++;
	dispatch_release(&run->dispatch, req);
	pthread_cond_broadcast(&run->news);
}

/* ---- sitemaps ---- */

/* How deep sitemap indexes may nest below a sitemap named by robots.txt
 * or the job (the protocol allows one level), and how many sitemaps one
 * crawl reads (one index's worth): a site cannot keep a crawl reading
 * sitemaps for ever. */
#define SITEMAP_MAX_NESTING 3
#define SITEMAP_MAX_COUNT 50000
/* A shared crawl offers a sitemap's pages this many at a time. */
#define SITEMAP_BATCH 1000

/* Lock held.  Why a page a sitemap lists is not to be fetched: the scope
 * and patterns of links, then robots.txt when its host's is in already
 * (otherwise the host queue asks it as for any page); NULL to queue it. */
static const char *sitemap_refusal(struct scrape_run *run, const char *canonical)
{
	const char *why = out_of_scope(run, canonical);

	if (why && strcmp(why, "out of scope") == 0)
		return "sitemap: out of scope";
	if (why && strcmp(why, "denied by pattern") == 0)
		return "sitemap: denied by pattern";
	if (why)
		return "sitemap: not allowed by pattern";
	if (hosts_robots_verdict(run->dispatch.hosts, canonical) == 0)
		return "sitemap: robots.txt";
	return NULL;
}

/* Lock held.  A sitemap to read, nested at level (1: named by robots.txt
 * or the job).  Each is read once; one that robots.txt or an index names
 * must be on a host in scope. */
static int queue_sitemap(struct scrape_run *run, const char *url, size_t len, int level, int listed)
{
	char *text = strndup(url, len), *canonical = text ? url_canonical(text) : NULL;
	struct scrape_request *req;
	const char *why = NULL;
	int fresh = 0;

	if (!text)
		goto oom;
	if (!canonical) {
		refuse(run, text, "sitemap file: not a web URL");
		free(text);
		return 0;
	}
	free(text);
	if (!run->sitemaps_seen && !(run->sitemaps_seen = seen_create(64)))
		goto oom;
	if ((fresh = seen_add(run->sitemaps_seen, canonical, strlen(canonical))) < 0)
		goto oom;
	if (fresh == 0) {
		free(canonical);
		return 0;
	}
	if (level > SITEMAP_MAX_NESTING)
		why = "sitemap file: nested too deep";
	else if (run->sitemap_count >= SITEMAP_MAX_COUNT)
		why = "sitemap file: too many";
	else if (!listed && host_out_of_scope(run, canonical))
		why = "sitemap file: out of scope";
	if (why) {
		refuse(run, canonical, why);
		free(canonical);
		return 0;
	}
	req = dispatch_request_new(&run->dispatch, canonical, 0);
	free(canonical);
	if (!req)
		goto oom;
	req->sitemap = level;
	dispatch_add_sitemap(&run->dispatch, req);
	run->sitemap_count++;
	return 0;
oom:
	free(canonical);
	log_error("out of memory; stopping the run");
	run_stop(run);
	return -1;
}

int crawl_start_sitemaps(struct scrape_run *run, char *err, size_t errlen)
{
	const struct crawl_settings *cr = &run->job->crawl;
	size_t i;

	if (!cr->enabled)
		return 0;
	if (cr->sitemaps || cr->sitemap_url_count)
		sitemap_global_init();
	for (i = 0; i < cr->sitemap_url_count; i++)
		if (queue_sitemap(run, cr->sitemap_urls[i], strlen(cr->sitemap_urls[i]), 1, 1) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return 0;
}

static void robots_sitemap_line(void *ctx, const char *url, size_t len)
{
	queue_sitemap(ctx, url, len, 1, 0);
}

void crawl_robots_sitemaps(void *ctx, const char *origin, const char *body, size_t len)
{
	struct scrape_run *run = ctx;

	(void)origin;
	if (run->job->crawl.sitemaps)
		robots_sitemaps(body, len, robots_sitemap_line, run);
}

/* Lock held.  A page a sitemap lists: a seed at depth 0, marked seen
 * first so that each is counted once. */
static void seed_page(struct scrape_run *run, const char *url)
{
	struct frontier *f = &run->dispatch.frontier;
	char *canonical = url_canonical(url);
	const char *why;
	int fresh;

	if (!canonical) {
		refuse(run, url, "sitemap: not a web URL");
		return;
	}
	fresh = frontier_mark_seen(f, canonical);
	if (fresh > 0 && (why = sitemap_refusal(run, canonical)) != NULL)
		refuse(run, canonical, why);
	else if (fresh > 0 && frontier_add(f, canonical, 0) < 0)
		fresh = -1;
	else if (fresh > 0)
		run->stats.sitemap_urls++;
	else if (fresh == 0)
		frontier_seen_again(f, canonical, 0);
	if (fresh < 0)
		crawl_store_failed(run);
	free(canonical);
}

/* Lock held.  The pages of a sitemap, one by one or, for a shared store,
 * in batches. */
static void seed_pages(struct scrape_run *run, const char *const *urls, size_t n)
{
	const struct crawl_store *store = run->dispatch.frontier.store;
	size_t i;

	if (store && store->ops->offer) {
		discover_batch(run, urls, n, 0, 1);
		return;
	}
	for (i = 0; i < n && !run_stopping(run); i++)
		seed_page(run, urls[i]);
}

/* Lock held.  Says why a sitemap gave nothing, or less than it holds. */
static void warn_sitemap(const struct scrape_run *run, const struct scrape_request *req,
                         const char *error, int truncated, uint64_t pages)
{
	char url[512], why[300];

	visible(url, sizeof url, req->url);
	if (error) {
		visible(why, sizeof why, error);
		if (pages)
			log_warning("sitemap %s: %s; the %llu URL%s read before that %s kept", url, why,
			            (unsigned long long)pages, pages == 1 ? "" : "s", pages == 1 ? "is" : "are");
		else
			log_warning("sitemap %s: %s; its URLs are not read", url, why);
	}
	if (truncated) {
		log_warning("sitemap %s: larger than max_body once decoded: only its first %lld bytes "
		            "were read", url, (long long)run->job->max_body);
	}
}

void crawl_record_sitemap(struct scrape_run *run, struct scrape_request *req,
                          struct request_result *res)
{
	const char *p = res->line.data, *end = p ? p + res->line.len : NULL, *error = NULL;
	const char *batch[SITEMAP_BATCH];
	uint64_t pages = 0, children = 0, skipped = 0;
	size_t n = 0;
	int truncated = 0;

	while (p && p < end && !run_stopping(run)) {
		const char *v = p + 1, *nul = memchr(v, '\0', (size_t)(end - v));
		char tag = *p;

		if (!nul)
			break;
		p = nul + 1;
		if (tag == 'U' || tag == 'O')
			pages++;
		if (tag == 'U') {
			batch[n++] = v;
			if (n == SITEMAP_BATCH) {
				seed_pages(run, batch, n);
				n = 0;
			}
		} else if (tag == 'O') {
			refuse(run, v, "sitemap: older than sitemap_since");
		} else if (tag == 'S') {
			children++;
			queue_sitemap(run, v, (size_t)(nul - v), req->sitemap + 1, 0);
		} else if (tag == 'K') {
			skipped = strtoull(v, NULL, 10);
		} else if (tag == 'T') {
			truncated = 1;
		} else if (tag == 'E') {
			error = v;
		}
	}
	if (n)
		seed_pages(run, batch, n);
	for (; skipped > 0; skipped--)
		stats_refuse(&run->stats, "sitemap: no usable <loc>");
	if (res->line.oom)
		error = "out of memory";
	else if (!error && res->has_error)
		error = res->error;     /* settled without a transfer (a stop, a worker died) */
	if (error)
		run->stats.sitemaps_failed++;
	else
		run->stats.sitemaps_read++;
	warn_sitemap(run, req, error, truncated, pages);
	if (run->settings.verbose) {
		char shown[512];
		log_note(LOG_VERBOSE, "sitemap %s: %llu pages and %llu sitemaps listed",
		         visible(shown, sizeof shown, req->url), (unsigned long long)pages,
		         (unsigned long long)children);
	}
	dispatch_release(&run->dispatch, req);
	pthread_cond_broadcast(&run->news);
}

int crawl_cached_robots(void *ctx, const char *origin, long *status, char **body, size_t *len)
{
	struct scrape_run *run = ctx;
	struct crawl_store *store = run->dispatch.frontier.store;

	if (crawl_shared(run))
		return store->ops->robots_get(store, origin, status, body, len);
	if (!crawl_persistent(run))
		return 0;
	return crawl_state_robots_get(run->dispatch.frontier.store, origin,
	                              (int64_t)time(NULL) - ROBOTS_CACHE_S, status, body, len) == 1;
}
