/* SPDX-License-Identifier: MIT */
/*
 * The cookie jars (see cookies.h).  Why shares even for per_worker: the
 * strategies own their easy handles and clean them up before the run
 * ends, taking any cookies kept in the handle with them; a share is ours,
 * so its cookies are still there to save.  Why a table keyed by the
 * handle: the plugin ABI names no worker, and the handle is what stays
 * the same for a worker across its requests (transfer_prepare resets the
 * options, never the handle).
 */
#include <config.h>

#include "engine/cookies.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/outfile.h"
#include "util/buf.h"

struct handle_jar {
	CURL *easy;                 /* NULL: a free slot */
	CURLSH *share;
};

struct cookie_jars {
	const struct job *job;
	CURLSH *shared;             /* cookies: shared */
	pthread_mutex_t data_lock[CURL_LOCK_DATA_LAST]; /* its lock callbacks, by data */
	pthread_mutex_t lock;       /* guards the table below */
	struct handle_jar *table;   /* per_worker: open addressing, linear probing */
	size_t size, used;          /* size a power of two, used at most half of it */
};

static void share_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *user)
{
	struct cookie_jars *jars = user;

	(void)easy, (void)access;
	pthread_mutex_lock(&jars->data_lock[data]);
}

static void share_unlock(CURL *easy, curl_lock_data data, void *user)
{
	struct cookie_jars *jars = user;

	(void)easy;
	pthread_mutex_unlock(&jars->data_lock[data]);
}

/* A jar holding cookie_file's cookies.  libcurl reads the file at
 * "RELOAD" through a handle on the share; the file was checked at load. */
static CURLSH *jar_new(const struct cookie_jars *jars, int locked)
{
	CURLSH *share = curl_share_init();
	CURLSHcode sc = share ? CURLSHE_OK : CURLSHE_NOMEM;
	CURL *easy;
	CURLcode rc = CURLE_OK;

	if (sc == CURLSHE_OK && locked) {
		sc = curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
		if (sc == CURLSHE_OK)
			sc = curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		if (sc == CURLSHE_OK)
			sc = curl_share_setopt(share, CURLSHOPT_USERDATA, (void *)jars);
	}
	if (sc == CURLSHE_OK)
		sc = curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	if (sc != CURLSHE_OK) {
		curl_share_cleanup(share);
		return NULL;
	}
	if (!jars->job->cookie_file)
		return share;
	if (!(easy = curl_easy_init())) {
		curl_share_cleanup(share);
		return NULL;
	}
	rc = curl_easy_setopt(easy, CURLOPT_SHARE, share);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_COOKIEFILE, jars->job->cookie_file);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_COOKIELIST, "RELOAD");
	curl_easy_cleanup(easy);
	if (rc != CURLE_OK) {
		curl_share_cleanup(share);
		return NULL;
	}
	return share;
}

struct cookie_jars *cookie_jars_new(const struct job *job, int *failed)
{
	struct cookie_jars *jars;

	*failed = 0;
	if (job->cookies != JOB_COOKIES_PER_WORKER && job->cookies != JOB_COOKIES_SHARED)
		return NULL;
	*failed = 1;
	if (!(jars = calloc(1, sizeof *jars)))
		return NULL;
	jars->job = job;
	pthread_mutex_init(&jars->lock, NULL);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&jars->data_lock[i], NULL);
	if (job->cookies == JOB_COOKIES_SHARED && !(jars->shared = jar_new(jars, 1))) {
		cookie_jars_free(jars);
		return NULL;
	}
	*failed = 0;
	return jars;
}

void cookie_jars_free(struct cookie_jars *jars)
{
	if (!jars)
		return;
	curl_share_cleanup(jars->shared);
	for (size_t i = 0; i < jars->size; i++)
		if (jars->table[i].easy)
			curl_share_cleanup(jars->table[i].share);
	free(jars->table);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&jars->data_lock[i]);
	pthread_mutex_destroy(&jars->lock);
	free(jars);
}

static size_t slot_of(const struct cookie_jars *jars, const CURL *easy)
{
	size_t i = (size_t)(((uintptr_t)easy >> 4) * 0x9e3779b97f4a7c15u) & (jars->size - 1);

	while (jars->table[i].easy && jars->table[i].easy != easy)
		i = (i + 1) & (jars->size - 1);
	return i;
}

/* Lock held. */
static int grow(struct cookie_jars *jars)
{
	struct handle_jar *old = jars->table;
	size_t old_size = jars->size, size = old_size ? old_size * 2 : 16;

	if (!(jars->table = calloc(size, sizeof *jars->table))) {
		jars->table = old;
		return -1;
	}
	jars->size = size;
	for (size_t i = 0; i < old_size; i++)
		if (old[i].easy)
			jars->table[slot_of(jars, old[i].easy)] = old[i];
	free(old);
	return 0;
}

/* Lock held.  The jar of easy's worker, made on its first request; a
 * handle made later at a freed one's address takes over that jar, as a
 * worker taking over the slot. */
static CURLSH *worker_jar(struct cookie_jars *jars, CURL *easy)
{
	size_t i;

	if (jars->size) {
		i = slot_of(jars, easy);
		if (jars->table[i].easy)
			return jars->table[i].share;
	}
	if ((jars->used + 1) * 2 > jars->size && grow(jars) < 0)
		return NULL;
	i = slot_of(jars, easy);
	if (!(jars->table[i].share = jar_new(jars, 0)))
		return NULL;
	jars->table[i].easy = easy;
	jars->used++;
	return jars->table[i].share;
}

/* Each attach adds "" to the handle's list of cookie files, which libcurl
 * (7.88) keeps after the transfer and curl_easy_reset drops without
 * freeing: a leak per request.  A NULL file frees the list; with the
 * handle on a share it leaves the share's cookies alone. */
void cookie_jars_detach(CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_COOKIEFILE, NULL);
}

int cookie_jars_attach(struct cookie_jars *jars, CURL *easy)
{
	CURLSH *share = jars->shared;
	CURLcode rc;

	if (!share) {
		pthread_mutex_lock(&jars->lock);
		share = worker_jar(jars, easy);
		pthread_mutex_unlock(&jars->lock);
		if (!share)
			return -1;
	}
	rc = curl_easy_setopt(easy, CURLOPT_SHARE, share);
	/* "": the engine on, no file read (the jar already holds cookie_file) */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");
	return rc == CURLE_OK ? 0 : -1;
}

/* One cookie of the merged jar: a line of CURLINFO_COOKIELIST (domain,
 * subdomains, path, secure, expiry, name, value, tab separated). */
struct cookie_line {
	const char *line;
	char key[768];              /* domain, path and name */
	size_t order;               /* later jars win a tie */
};

static int by_key(const void *a, const void *b)
{
	const struct cookie_line *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void key_of(struct cookie_line *c)
{
	const char *field[7] = { 0 }, *p = c->line;
	size_t n = 0;

	field[n++] = p;
	while (n < 7 && (p = strchr(p, '\t')))
		field[n++] = ++p;
	if (n < 7) {
		snprintf(c->key, sizeof c->key, "%s", c->line);
		return;
	}
	snprintf(c->key, sizeof c->key, "%.*s\t%.*s\t%.*s", (int)(field[1] - field[0] - 1), field[0],
	         (int)(field[3] - field[2] - 1), field[2], (int)(field[6] - field[5] - 1), field[5]);
}

/* Appends a jar's cookies to lists (one slist per jar). */
static int collect(CURLSH *share, struct curl_slist ***lists, size_t *count)
{
	struct curl_slist *got = NULL, **grown;
	CURL *easy = curl_easy_init();
	CURLcode rc = easy ? curl_easy_setopt(easy, CURLOPT_SHARE, share) : CURLE_OUT_OF_MEMORY;

	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(easy, CURLINFO_COOKIELIST, &got);
	curl_easy_cleanup(easy);
	if (rc != CURLE_OK || !(grown = realloc(*lists, (*count + 1) * sizeof **lists))) {
		curl_slist_free_all(got);
		return -1;
	}
	*lists = grown;
	(*lists)[(*count)++] = got;
	return 0;
}

int cookie_jars_save(struct cookie_jars *jars, const char *path, char *err, size_t errlen)
{
	struct curl_slist **lists = NULL;
	struct cookie_line *lines = NULL;
	struct buf out = { 0 };
	size_t count = 0, n = 0, i;
	int failed = 0;

	if (jars->shared)
		failed = collect(jars->shared, &lists, &count);
	for (i = 0; !failed && i < jars->size; i++)
		if (jars->table[i].easy)
			failed = collect(jars->table[i].share, &lists, &count);
	for (i = 0; i < count; i++)
		for (const struct curl_slist *l = lists[i]; l; l = l->next)
			n++;
	if (!failed && !(lines = calloc(n ? n : 1, sizeof *lines)))
		failed = 1;
	n = 0;
	for (i = 0; !failed && i < count; i++)
		for (const struct curl_slist *l = lists[i]; l; l = l->next, n++) {
			lines[n].line = l->data;
			lines[n].order = n;
			key_of(&lines[n]);
		}
	if (!failed) {
		qsort(lines, n, sizeof *lines, by_key);
		buf_puts(&out, "# Netscape HTTP Cookie File\n# Written by scrape at the end of a run.\n\n");
		for (i = 0; i < n; i++) {
			/* of several with one key, the last of them */
			if (i + 1 < n && strcmp(lines[i].key, lines[i + 1].key) == 0)
				continue;
			buf_puts(&out, lines[i].line);
			buf_puts(&out, "\n");
		}
		failed = out.oom;
	}
	if (failed)
		snprintf(err, errlen, "out of memory");
	else if (outfile_replace(path, out.data, out.len) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		failed = 1;
	}
	for (i = 0; i < count; i++)
		curl_slist_free_all(lists[i]);
	free(lists);
	free(lines);
	buf_free(&out);
	return failed ? -1 : 0;
}
