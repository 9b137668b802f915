/* SPDX-License-Identifier: MIT */
/*
 * The in-memory crawl store: the seen set (crawl/seen.c, 16 bytes a URL)
 * and a singly linked FIFO of queued URLs, each node holding its URL
 * inline, with an index of the queued ones by fingerprint.  The index is
 * there because transfers finish out of order: a page may first be found
 * through a longer path (a deep page answered before a shallow one), and
 * when the shorter path turns up while it still waits in the queue its
 * depth is lowered, so max_depth follows shortest paths.  Nothing of it survives the process, so "done" and "refused"
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
	/* queued links by fingerprint: open addressing, linear probing, at
	 * most half full, deleted by shifting back (no tombstones) */
	struct link **index;
	size_t index_size, index_count;
};

static size_t slot_of(const struct memory_store *m, uint64_t fp)
{
	size_t i = (size_t)(fp % m->index_size);

	while (m->index[i] && m->index[i]->fp != fp)
		i = i + 1 == m->index_size ? 0 : i + 1;
	return i;
}

static int index_grow(struct memory_store *m)
{
	struct link **old = m->index;
	size_t old_size = m->index_size, i;

	m->index_size = old_size ? old_size * 2 : 64;
	if (!(m->index = calloc(m->index_size, sizeof *m->index))) {
		m->index = old;
		m->index_size = old_size;
		return -1;
	}
	for (i = 0; i < old_size; i++)
		if (old[i])
			m->index[slot_of(m, old[i]->fp)] = old[i];
	free(old);
	return 0;
}

static int index_add(struct memory_store *m, struct link *l)
{
	if ((m->index_count + 1) * 2 > m->index_size && index_grow(m) < 0)
		return -1;
	m->index[slot_of(m, l->fp)] = l;
	m->index_count++;
	return 0;
}

/* Removes the entry at slot i, moving later ones of its run back so that
 * every entry stays reachable from its home slot. */
static void index_remove(struct memory_store *m, uint64_t fp)
{
	size_t i = slot_of(m, fp), j = i;

	if (!m->index[i])
		return;
	m->index[i] = NULL;
	m->index_count--;
	for (;;) {
		size_t home;

		j = j + 1 == m->index_size ? 0 : j + 1;
		if (!m->index[j])
			return;
		home = (size_t)(m->index[j]->fp % m->index_size);
		/* the entry at j may move to i when i lies on its probe path */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->index[i] = m->index[j];
			m->index[j] = NULL;
			i = j;
		}
	}
}

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
	if (index_add(m, l) < 0) {
		free(l);
		return -1;
	}
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
	index_remove(m, l->fp);
	s->queued--;
	m->returned = l;
	*url = l->url;
	*depth = l->depth;
	*lease = l->fp;
	return 1;
}

static void mem_shorter_path(struct crawl_store *s, uint64_t fp, int depth)
{
	struct memory_store *m = (struct memory_store *)s;
	struct link *l = m->index_size ? m->index[slot_of(m, fp)] : NULL;

	if (l && depth < l->depth)
		l->depth = depth;
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
	free(m->index);
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
	.shorter_path = mem_shorter_path,
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
