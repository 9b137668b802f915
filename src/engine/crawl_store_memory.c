/* SPDX-License-Identifier: MIT */
/*
 * The in-memory crawl store: the seen set (crawl/seen.c, 16 bytes a URL)
 * and a singly linked FIFO of queued URLs, each node holding its URL
 * inline.  Nothing of it survives the process, so "done" and "refused"
 * have nothing to keep.  This is the default and the fastest store: every
 * operation is a table probe or a pointer swap.
 */
#include <config.h>

#include "engine/crawl_store.h"

#include <stdlib.h>
#include <string.h>

#include "crawl/seen.h"

struct link {
	struct link *next;
	int depth;
	uint64_t fp;
	char url[];
};

struct memory_store {
	struct crawl_store base;
	struct seen *seen;
	struct link *head, *tail;
	struct link *returned;      /* the last link popped, alive until the next pop */
};

static int mem_mark_seen(struct crawl_store *s, uint64_t fp)
{
	return seen_add_fingerprint(((struct memory_store *)s)->seen, fp);
}

static int mem_push(struct crawl_store *s, const char *url, uint64_t fp, int depth)
{
	struct memory_store *m = (struct memory_store *)s;
	size_t len = strlen(url);
	struct link *l = malloc(sizeof *l + len + 1);

	if (!l)
		return -1;
	l->next = NULL;
	l->depth = depth;
	l->fp = fp;
	memcpy(l->url, url, len + 1);
	if (m->tail)
		m->tail->next = l;
	else
		m->head = l;
	m->tail = l;
	s->queued++;
	return 0;
}

static int mem_pop(struct crawl_store *s, const char **url, int *depth, uint64_t *lease)
{
	struct memory_store *m = (struct memory_store *)s;
	struct link *l = m->head;

	free(m->returned);
	m->returned = NULL;
	if (!l)
		return 0;
	m->head = l->next;
	if (!m->head)
		m->tail = NULL;
	s->queued--;
	m->returned = l;
	*url = l->url;
	*depth = l->depth;
	*lease = l->fp;
	return 1;
}

static int mem_keep_nothing(struct crawl_store *s, uint64_t lease)
{
	(void)s;
	(void)lease;
	return 0;
}

static int mem_adopt(struct crawl_store *s, const struct crawl_identity *id)
{
	(void)s;
	(void)id;
	return 1;
}

static int mem_commit(struct crawl_store *s)
{
	(void)s;
	return 0;
}

static void mem_close(struct crawl_store *s)
{
	struct memory_store *m = (struct memory_store *)s;
	struct link *l, *next;

	for (l = m->head; l; l = next) {
		next = l->next;
		free(l);
	}
	free(m->returned);
	seen_free(m->seen);
	free(m);
}

static const struct crawl_store_ops memory_ops = {
	.mark_seen = mem_mark_seen,
	.push = mem_push,
	.pop = mem_pop,
	.done = mem_keep_nothing,
	.refused = mem_keep_nothing,
	.adopt = mem_adopt,
	.commit = mem_commit,
	.close = mem_close,
};

struct crawl_store *crawl_store_memory(void)
{
	struct memory_store *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	if (!(m->seen = seen_create(1024))) {
		free(m);
		return NULL;
	}
	m->base.ops = &memory_ops;
	return &m->base;
}
