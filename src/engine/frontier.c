/* SPDX-License-Identifier: MIT */
/*
 * URL sources.  A regular URL file was checked line by line when the job
 * was loaded; if it changes under a running job, lines that no longer look
 * like URLs are skipped with a warning rather than handed to a strategy.
 * A streamed one (a pipe, standard input) is checked here, as it is read:
 * a bad line there ends the run with an error naming the line, because
 * the job was never checked as a whole.  A crawl keeps its queue and seen
 * set in a crawl store; a persistent one is given every seed up front, so
 * that a resumed run knows them without reading the seeds again, and the
 * frontier then only hands out what the store queues.
 */
#include <config.h>

#include "engine/frontier.h"

#include "util/buf.h"
#include "util/log.h"
#include "engine/crawl_store.h"
#include "crawl/seen.h"
#include "crawl/url.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every 300 ms or 500 pages, a persistent crawl makes its state durable:
 * a kill loses at most that much work, never a record (see
 * crawl_state.c). */
#define CHECKPOINT_NS 300000000
#define CHECKPOINT_PAGES 500

static int load_seeds(struct frontier *f, char *err, size_t errlen);

/* The hosts of crawl.sitemap_urls are in scope like the seeds' (a crawl
 * may have no other seeds). */
static int add_sitemap_hosts(struct frontier *f)
{
	size_t i;

	for (i = 0; i < f->job->crawl.sitemap_url_count; i++) {
		char *canonical = url_canonical(f->job->crawl.sitemap_urls[i]);
		char *host = canonical ? url_host(canonical) : NULL;
		int rc = host ? seen_add(f->seed_hosts, host, strlen(host)) : 0;

		free(host);
		free(canonical);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int frontier_init(struct frontier *f, const struct job *job, struct crawl_store *store,
                  char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	f->job = job;
	f->cycle = job->duration_ns > 0 || job->requests > 0;
	if (job->random_order && job->url_count) {
		size_t i;
		f->cumulative = malloc(job->url_count * sizeof *f->cumulative);
		if (!f->cumulative)
			goto oom;
		for (i = 0; i < job->url_count; i++) {
			f->total_weight += (uint64_t)job->url_weights[i];
			f->cumulative[i] = f->total_weight;
		}
		f->rng = job->seed;
	}
	if (!job->crawl.enabled) {
		crawl_store_close(store);
		return 0;
	}
	f->store = store ? store : crawl_store_memory();
	if (!f->store || !(f->seed_hosts = seen_create(64)) || add_sitemap_hosts(f) < 0)
		goto oom;
	if ((f->store->persistent || f->store->shared) && load_seeds(f, err, errlen) < 0) {
		/* a store not adopted is not this crawl's: nothing may be saved */
		crawl_store_close(f->store);
		f->store = NULL;
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void frontier_free(struct frontier *f)
{
	job_url_close(&f->file);
	crawl_store_close(f->store);
	seen_free(f->seed_hosts);
	free(f->cumulative);
	f->cumulative = NULL;
	f->store = NULL;
	f->seed_hosts = NULL;
}

const char *frontier_store_error(const struct frontier *f)
{
	return f->store && f->store->error[0] ? f->store->error : "out of memory";
}

static int page_budget_spent(const struct frontier *f)
{
	/* a shared crawl's budget is counted by the store, for every process */
	int shared = f->store && f->store->shared;

	return (!shared && f->job->crawl.max_pages > 0 && f->issued >= f->job->crawl.max_pages) ||
	       (f->job->requests > 0 && f->issued >= f->job->requests) || f->expired;
}

int frontier_budget_spent(const struct frontier *f)
{
	return page_budget_spent(f);
}

void frontier_expire(struct frontier *f)
{
	f->expired = 1;
}

static uint64_t fingerprint(const char *canonical)
{
	return seen_fingerprint(canonical, strlen(canonical));
}

int frontier_mark_seen(struct frontier *f, const char *canonical)
{
	return f->store ? f->store->ops->mark_seen(f->store, fingerprint(canonical)) : 1;
}

void frontier_seen_again(struct frontier *f, const char *canonical, int depth)
{
	if (f->store && f->store->ops->shorter_path)
		f->store->ops->shorter_path(f->store, fingerprint(canonical), depth);
}

int frontier_add(struct frontier *f, const char *canonical, int depth)
{
	if (f->store->ops->push(f->store, canonical, fingerprint(canonical), depth) < 0)
		return -1;
	f->queued = f->store->queued;
	return 1;
}

int frontier_done(const struct frontier *f)
{
	int64_t retry;

	if (f->store && f->store->shared)
		return f->expired || (f->exhausted && f->store->ops->finished(f->store, &retry));
	return (f->exhausted && f->queued == 0) || page_budget_spent(f);
}

int64_t frontier_retry_ns(const struct frontier *f)
{
	int64_t retry = -1;

	if (f->store && f->store->shared && !f->store->ops->finished(f->store, &retry))
		return retry;
	return -1;
}

int frontier_offer(struct frontier *f, const struct crawl_offer *items, size_t n, int *fresh)
{
	int rc = f->store->ops->offer(f->store, items, n, fresh);

	f->queued = f->store->queued;
	return rc;
}

int frontier_release(struct frontier *f, uint64_t lease)
{
	if (f->issued > 0)
		f->issued--;
	return f->store && lease && f->store->ops->release ? f->store->ops->release(f->store, lease) : 0;
}

int frontier_give_back(struct frontier *f, uint64_t lease)
{
	if (f->issued > 0)
		f->issued--;
	return f->store && lease ? f->store->ops->refused(f->store, lease) : 0;
}

void frontier_page_kept(struct frontier *f)
{
	f->unsaved++;
}

int frontier_checkpoint_due(const struct frontier *f, int64_t now_ns)
{
	return f->store && f->store->persistent && f->unsaved > 0 &&
	       (f->unsaved >= CHECKPOINT_PAGES || now_ns - f->checkpoint_ns >= CHECKPOINT_NS);
}

void frontier_checkpointed(struct frontier *f, int64_t now_ns)
{
	f->checkpoint_ns = now_ns;
	f->unsaved = 0;
}

/* The next queued link. */
static const char *next_link(struct frontier *f)
{
	const char *url;
	int rc = f->store->ops->pop(f->store, &url, &f->last_depth, &f->last_lease);

	f->queued = f->store->queued;
	if (rc < 0)
		snprintf(f->error, sizeof f->error, "%s", frontier_store_error(f));
	return rc > 0 ? url : NULL;
}

/* The next URL of the file in this pass, or NULL at its end. */
static const char *next_from_file(struct frontier *f)
{
	const struct job *job = f->job;
	char *url;
	int rc;

	if (f->stream_ended)
		return NULL;            /* a pipe cannot be read twice */
	if (!f->file.f && job_url_open(&f->file, job->url_file) < 0) {
		snprintf(f->error, sizeof f->error, "cannot open %s: %s", job->url_file, strerror(errno));
		return NULL;
	}
	while ((rc = job_url_next(&f->file, &url)) == -1 && !job->url_file_stream)
		log_warning("%s (skipped)", f->file.message);
	if (rc > 0) {
		f->stream_urls++;
		f->last_request = f->file.request;
		f->last_request_transient = 1;
		return url;
	}
	if (rc < 0)
		snprintf(f->error, sizeof f->error, "%s", f->file.message);
	else if (job->url_file_stream && f->stream_urls == 0)
		snprintf(f->error, sizeof f->error, "url_file %s held no URLs", f->file.name);
	if (job->url_file_stream)
		f->stream_ended = 1;
	job_url_close(&f->file);
	return NULL;
}

/* A weighted random pick from the URL list (splitmix64: fast, and the
 * same seed gives the same sequence). */
static const char *random_url(struct frontier *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15u), pick;
	size_t lo = 0, hi = f->job->url_count - 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	pick = z % f->total_weight;
	while (lo < hi) {                   /* first cumulative weight > pick */
		size_t mid = (lo + hi) / 2;
		if (f->cumulative[mid] > pick)
			hi = mid;
		else
			lo = mid + 1;
	}
	f->last_name = f->job->url_names[lo];
	f->last_request = f->job->url_requests[lo];
	return f->job->urls[lo];
}

/* The next URL of the list in order, each repeated as its weight says. */
static const char *next_in_list(struct frontier *f)
{
	const struct job *job = f->job;

	if (f->list_index >= job->url_count)
		return NULL;
	f->last_name = job->url_names[f->list_index];
	f->last_request = job->url_requests[f->list_index];
	if (++f->weight_used >= job->url_weights[f->list_index]) {
		f->weight_used = 0;
		return job->urls[f->list_index++];
	}
	return job->urls[f->list_index];
}

/* The next seed of the list or the file, in order, or NULL at the end of
 * the seeds. */
static const char *next_seed(struct frontier *f)
{
	const struct job *job = f->job;
	const char *url;

	while (!f->exhausted) {
		if ((url = next_in_list(f)) != NULL)
			return url;
		if (job->url_file && (url = next_from_file(f)) != NULL)
			return url;
		/* a load test (duration or requests) cycles through the URLs,
		 * but a stream is over when it ends */
		if (f->error[0] || (++f->pass >= job->repeat && !f->cycle) || f->stream_ended) {
			f->exhausted = 1;
			break;
		}
		f->list_index = 0;
	}
	return NULL;
}

/* A crawl's seed: its host is in scope for same_host, and its canonical
 * form is marked seen.  1 if it is new, 0 if listed before, -1 on failure;
 * *fp its fingerprint (0 for a seed with no canonical form, which the
 * crawl then cannot dedupe). */
static int take_seed(struct frontier *f, const char *url, uint64_t *fp)
{
	char *canonical = url_canonical(url), *host;
	int fresh = 1;

	*fp = 0;
	if (!canonical)
		return 1;
	host = url_host(canonical);
	if (host && seen_add(f->seed_hosts, host, strlen(host)) < 0)
		fresh = -1;
	free(host);
	*fp = fingerprint(canonical);
	free(canonical);
	return fresh < 0 ? -1 : f->store->ops->mark_seen(f->store, *fp);
}

static const char *next_of_all(struct frontier *f)
{
	const struct job *job = f->job;
	const char *url;

	/* max_pages or requests reached: nothing more, unless a URL handed out
	 * is given back (robots.txt refused it) */
	if (page_budget_spent(f))
		return NULL;
	f->last_depth = 0;
	f->last_lease = 0;
	f->last_name = NULL;
	f->last_request = NULL;
	f->last_request_transient = 0;
	if (job->random_order && !f->exhausted) {
		f->issued++;
		return random_url(f);
	}
	while ((url = next_seed(f)) != NULL) {
		if (f->store) {
			int fresh = take_seed(f, url, &f->last_lease);
			if (fresh < 0) {
				snprintf(f->error, sizeof f->error, "%s", frontier_store_error(f));
				return NULL;
			}
			if (fresh == 0)
				continue;       /* a repeated seed is not a page of its own */
		}
		f->issued++;
		return url;
	}
	f->last_request = NULL;     /* a link has none (see scrape-job(5), meta) */
	f->last_request_transient = 0;
	if (f->store && (url = next_link(f)) != NULL)
		f->issued++;
	return url;
}

/* ---- a persistent crawl's seeds ---- */

/* The scope as one line: a state file made under another scope would
 * hand out pages this job does not want. */
static void describe_scope(const struct job *job, struct buf *b)
{
	const struct crawl_settings *cr = &job->crawl;
	size_t i;

	buf_printf(b, "same_host=%s robots=%s", cr->same_host ? "true" : "false",
	           cr->robots ? "true" : "false");
	if (cr->allow_domain_count) {
		buf_puts(b, " allow_domains=");
		for (i = 0; i < cr->allow_domain_count; i++)
			buf_printf(b, "%s%s", i ? "," : "", cr->allow_domains[i]);
	}
	if (cr->patterns)
		buf_printf(b, " %s", cr->patterns);
}

/* Every seed, in order, once: the list, then a URL file (a regular file:
 * a crawl that resumes refuses a stream when the job is checked). */
static int walk_seeds(struct frontier *f, int (*each)(struct frontier *, const char *, void *),
                      void *ctx)
{
	const struct job *job = f->job;
	struct job_url_reader r;
	char *url;
	size_t i;
	int rc = 0;

	for (i = 0; i < job->url_count && rc == 0; i++)
		rc = each(f, job->urls[i], ctx);
	if (rc != 0 || !job->url_file)
		return rc;
	memset(&r, 0, sizeof r);
	if (job_url_open(&r, job->url_file) < 0) {
		snprintf(f->error, sizeof f->error, "cannot open %s: %s", job->url_file, strerror(errno));
		return -1;
	}
	while (rc == 0 && (rc = job_url_next(&r, &url)) != 0) {
		if (rc < 0) {
			snprintf(f->error, sizeof f->error, "%s", r.message);
			break;
		}
		rc = each(f, url, ctx);
	}
	job_url_close(&r);
	return rc;
}

struct seed_walk {
	uint64_t digest;
	int64_t count;
	char *first;
};

/* First pass: the identity of the seeds, and their hosts. */
static int identify_seed(struct frontier *f, const char *url, void *ctx)
{
	struct seed_walk *w = ctx;
	char *canonical = url_canonical(url), *host;
	uint64_t fp = canonical ? fingerprint(canonical) : seen_fingerprint(url, strlen(url));

	w->digest = (w->digest ^ fp) * 0x100000001b3ULL + (uint64_t)w->count;
	if (w->count++ == 0 && !(w->first = strdup(url)))
		goto oom;
	host = canonical ? url_host(canonical) : NULL;
	if (host && seen_add(f->seed_hosts, host, strlen(host)) < 0) {
		free(host);
		goto oom;
	}
	free(host);
	free(canonical);
	return 0;
oom:
	free(canonical);
	snprintf(f->error, sizeof f->error, "out of memory");
	return -1;
}

/* A persistent store commits every so many seeds while it is seeded, so a
 * large URL file does not make one huge transaction. */
#define SEEDS_PER_COMMIT 100000

/* Second pass, for a new state: each seed queued at depth 0, once. */
static int queue_seed(struct frontier *f, const char *url, void *ctx)
{
	int64_t *count = ctx;
	char *canonical = url_canonical(url);
	uint64_t fp = canonical ? fingerprint(canonical) : seen_fingerprint(url, strlen(url));
	int fresh;

	if (f->store->ops->offer) {
		/* a shared store queues the canonical form, which any process
		 * can compute; a seed that is not a web URL has none */
		struct crawl_offer item = { .url = canonical, .fp = fp };
		int rc = canonical ? frontier_offer(f, &item, 1, &fresh) : 0;

		free(canonical);
		if (rc < 0) {
			snprintf(f->error, sizeof f->error, "%s", frontier_store_error(f));
			return -1;
		}
		return 0;
	}
	fresh = f->store->ops->mark_seen(f->store, fp);
	free(canonical);
	if (fresh > 0)
		fresh = f->store->ops->push(f->store, url, fp, 0) < 0 ? -1 : 1;
	/* a commit only between seeds: one marked seen is queued with it */
	if (fresh >= 0 && f->store->persistent && ++*count % SEEDS_PER_COMMIT == 0 &&
	    f->store->ops->commit(f->store) < 0)
		fresh = -1;
	if (fresh < 0) {
		snprintf(f->error, sizeof f->error, "%s", frontier_store_error(f));
		return -1;
	}
	return 0;
}

static int load_seeds(struct frontier *f, char *err, size_t errlen)
{
	struct seed_walk w = { .digest = 0xcbf29ce484222325ULL };
	int64_t queued_seeds = 0;
	struct crawl_identity id;
	struct buf scope;
	char output[600];
	int rc;

	memset(&scope, 0, sizeof scope);
	if (walk_seeds(f, identify_seed, &w) < 0)
		goto fail;
	describe_scope(f->job, &scope);
	snprintf(output, sizeof output, "%s%s%s", f->job->output_path ? f->job->output_path : "",
	         f->job->output_path ? " as " : "", f->job->output_path ? f->job->output_format : "");
	id.seeds_digest = w.digest;
	id.seed_count = w.count;
	id.first_seed = w.first ? w.first : "";
	id.scope = scope.data ? scope.data : "";
	id.output = output;
	rc = scope.oom ? -1 : f->store->ops->adopt(f->store, &id);
	buf_free(&scope);
	free(w.first);
	if (rc < 0) {
		snprintf(err, errlen, "%s", frontier_store_error(f));
		return -1;
	}
	if (rc == 1 && (walk_seeds(f, queue_seed, &queued_seeds) < 0 ||
	                (f->store->ops->seeded && f->store->ops->seeded(f->store) < 0) ||
	                f->store->ops->commit(f->store) < 0))
		goto fail;
	f->exhausted = 1;           /* the seeds are in the store's queue */
	f->issued = f->store->done;
	f->queued = f->store->queued;
	return 0;
fail:
	snprintf(err, errlen, "%s", f->error[0] ? f->error : frontier_store_error(f));
	return -1;
}

void frontier_take_share(struct frontier *f, const struct segment *share)
{
	if (!segment_split(share))
		return;
	f->share = *share;
	f->share_skip = share->index;
}

const char *frontier_next(struct frontier *f)
{
	const char *url;

	/* what was passed stays passed, should a URL file run dry midway */
	for (; f->share_skip > 0; f->share_skip--)
		if (!next_of_all(f))
			return NULL;
	url = next_of_all(f);
	if (url && segment_split(&f->share))
		f->share_skip = f->share.count - 1;
	return url;
}
