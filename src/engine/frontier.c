/* SPDX-License-Identifier: MIT */
/*
 * URL sources.  A regular URL file was checked line by line when the job
 * was loaded; if it changes under a running job, lines that no longer look
 * like URLs are skipped with a warning rather than handed to a strategy.
 * A streamed one (a pipe, standard input) is checked here, as it is read:
 * a bad line there ends the run with an error naming the line, because
 * the job was never checked as a whole.
 */
#include <config.h>

#include "engine/frontier.h"

#include "util/log.h"
#include "crawl/seen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int frontier_init(struct frontier *f, const struct job *job)
{
	memset(f, 0, sizeof *f);
	f->job = job;
	f->cycle = job->duration_ns > 0 || job->requests > 0;
	if (job->crawl.enabled && !(f->seen = seen_create(1024)))
		return -1;
	if (job->random_order && job->url_count) {
		size_t i;
		f->cumulative = malloc(job->url_count * sizeof *f->cumulative);
		if (!f->cumulative)
			return -1;
		for (i = 0; i < job->url_count; i++) {
			f->total_weight += (uint64_t)job->url_weights[i];
			f->cumulative[i] = f->total_weight;
		}
		f->rng = job->seed;
	}
	return 0;
}

void frontier_free(struct frontier *f)
{
	struct frontier_link *l, *next;

	job_url_close(&f->file);
	for (l = f->head; l; l = next) {
		next = l->next;
		free(l);
	}
	seen_free(f->seen);
	free(f->cumulative);
	f->cumulative = NULL;
	free(f->returned);
	f->returned = NULL;
	f->head = f->tail = NULL;
	f->seen = NULL;
}

static int page_budget_spent(const struct frontier *f)
{
	return (f->job->crawl.max_pages > 0 && f->issued >= f->job->crawl.max_pages) ||
	       (f->job->requests > 0 && f->issued >= f->job->requests) || f->expired;
}

void frontier_expire(struct frontier *f)
{
	f->expired = 1;
}

int frontier_mark_seen(struct frontier *f, const char *canonical)
{
	return f->seen ? seen_add(f->seen, canonical, strlen(canonical)) : 1;
}

int frontier_add(struct frontier *f, const char *canonical, int depth)
{
	size_t len = strlen(canonical);
	struct frontier_link *l;

	l = malloc(sizeof *l + len + 1);
	if (!l)
		return -1;
	l->next = NULL;
	l->depth = depth;
	memcpy(l->url, canonical, len + 1);
	if (f->tail)
		f->tail->next = l;
	else
		f->head = l;
	f->tail = l;
	f->queued++;
	return 1;
}

int frontier_done(const struct frontier *f)
{
	return (f->exhausted && f->head == NULL) || page_budget_spent(f);
}

void frontier_give_back(struct frontier *f)
{
	if (f->issued > 0)
		f->issued--;
}

/* The next queued link; the node stays alive until the next call so the
 * returned URL remains valid. */
static const char *next_link(struct frontier *f)
{
	struct frontier_link *l = f->head;

	free(f->returned);
	f->returned = NULL;
	if (!l)
		return NULL;
	f->head = l->next;
	if (!f->head)
		f->tail = NULL;
	f->queued--;
	f->returned = l;
	f->last_depth = l->depth;
	return l->url;
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
	return f->job->urls[lo];
}

/* The next URL of the list in order, each repeated as its weight says. */
static const char *next_in_list(struct frontier *f)
{
	const struct job *job = f->job;

	if (f->list_index >= job->url_count)
		return NULL;
	if (++f->weight_used >= job->url_weights[f->list_index]) {
		f->weight_used = 0;
		return job->urls[f->list_index++];
	}
	return job->urls[f->list_index];
}

const char *frontier_next(struct frontier *f)
{
	const struct job *job = f->job;
	const char *url;

	/* max_pages or requests reached: nothing more, unless a URL handed out
	 * is given back (robots.txt refused it) */
	if (page_budget_spent(f))
		return NULL;
	f->last_depth = 0;
	if (job->random_order && !f->exhausted) {
		f->issued++;
		return random_url(f);
	}
	while (!f->exhausted) {
		if ((url = next_in_list(f)) != NULL) {
			f->issued++;
			return url;
		}
		if (job->url_file && (url = next_from_file(f)) != NULL) {
			f->issued++;
			return url;
		}
		/* a load test (duration or requests) cycles through the URLs,
		 * but a stream is over when it ends */
		if (f->error[0] || (++f->pass >= job->repeat && !f->cycle) || f->stream_ended) {
			f->exhausted = 1;
			break;
		}
		f->list_index = 0;
	}
	if ((url = next_link(f)) != NULL)
		f->issued++;
	return url;
}
