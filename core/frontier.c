/* SPDX-License-Identifier: MIT */
/*
 * URL sources.  The file was checked line by line when the job was loaded;
 * if it changes under a running job, lines that no longer look like URLs
 * are skipped with a warning rather than handed to a strategy.
 */
#include <config.h>

#include "frontier.h"

#include "seen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int frontier_init(struct frontier *f, const struct job *job)
{
	memset(f, 0, sizeof *f);
	f->job = job;
	if (job->crawl.enabled && !(f->seen = seen_create(1024)))
		return -1;
	return 0;
}

void frontier_free(struct frontier *f)
{
	struct frontier_link *l, *next;

	if (f->file)
		fclose(f->file);
	free(f->line);
	for (l = f->head; l; l = next) {
		next = l->next;
		free(l);
	}
	seen_free(f->seen);
	free(f->returned);
	f->returned = NULL;
	f->file = NULL;
	f->line = NULL;
	f->head = f->tail = NULL;
	f->seen = NULL;
}

static int page_budget_spent(const struct frontier *f)
{
	return f->job->crawl.max_pages > 0 && f->issued >= f->job->crawl.max_pages;
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
	if (!f->file) {
		f->file = fopen(f->job->url_file, "r");
		if (!f->file) {
			snprintf(f->error, sizeof f->error, "cannot open %s: %s", f->job->url_file,
			         strerror(errno));
			return NULL;
		}
	}
	while (getline(&f->line, &f->line_cap, f->file) >= 0) {
		const char *why;
		char *url = job_url_line(f->line);

		if (!url)
			continue;
		if (job_url_ok(url, &why) < 0) {
			fprintf(stderr, "scrape: warning: %s: skipping \"%.100s\": %s\n", f->job->url_file,
			        url, why);
			continue;
		}
		return url;
	}
	if (ferror(f->file))
		snprintf(f->error, sizeof f->error, "cannot read %s: %s", f->job->url_file,
		         strerror(errno));
	fclose(f->file);
	f->file = NULL;
	return NULL;
}


const char *frontier_next(struct frontier *f)
{
	const char *url;

	/* max_pages reached: nothing more, unless a URL handed out is given
	 * back (robots.txt refused it) */
	if (page_budget_spent(f))
		return NULL;
	f->last_depth = 0;
	while (!f->exhausted) {
		if (f->list_index < f->job->url_count) {
			f->issued++;
			return f->job->urls[f->list_index++];
		}
		if (f->job->url_file && (url = next_from_file(f)) != NULL) {
			f->issued++;
			return url;
		}
		if (f->error[0] || ++f->pass >= f->job->repeat) {
			f->exhausted = 1;
			break;
		}
		f->list_index = 0;
	}
	if ((url = next_link(f)) != NULL)
		f->issued++;
	return url;
}
