/* SPDX-License-Identifier: MIT */
/*
 * The reasons table of --merge: open addressing on the JSON reader's
 * seeded hash (reports are untrusted, so collisions cannot be picked),
 * kept at most half full.
 */
#include <config.h>

#include "cli/merge_reasons.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

void reasons_free(struct reasons *t)
{
	while (t->chunks) {
		struct chunk *next = t->chunks->next;
		free(t->chunks);
		t->chunks = next;
	}
	free(t->items);
	free(t->index);
	memset(t, 0, sizeof *t);
}

static char *reasons_copy(struct reasons *t, const char *s, size_t len)
{
	struct chunk *c = t->chunks;

	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > (1 << 20) ? len + 1 : (1 << 20);
		if (!(c = malloc(sizeof *c + size)))
			return NULL;
		c->next = t->chunks, c->used = 0, c->size = size;
		t->chunks = c;
	}
	memcpy(c->data + c->used, s, len);
	c->data[c->used + len] = '\0';
	c->used += len + 1;
	return c->data + c->used - len - 1;
}

static void reasons_place(struct reasons *t, size_t item)
{
	const char *s = t->items[item].reason;
	size_t i;

	for (i = json_hash(t->seed, s, strlen(s)) & (t->size - 1); t->index[i]; i = (i + 1) & (t->size - 1))
		;
	t->index[i] = (uint32_t)(item + 1);
}

/* Keeps the index at most half full. */
static int reasons_grow(struct reasons *t)
{
	size_t i, size = t->size ? t->size * 2 : 64;
	uint32_t *index;

	if (t->count * 2 < t->size)
		return 0;
	if (t->count >= UINT32_MAX / 2 || !(index = calloc(size, sizeof *index)))
		return -1;
	free(t->index);
	if (!t->size)
		t->seed = json_hash_seed();
	t->index = index, t->size = size;
	for (i = 0; i < t->count; i++)
		reasons_place(t, i);
	return 0;
}

/* The entry for a reason, added with a count of 0 if it is new. */
struct reason_count *reasons_find(struct reasons *t, const char *s, size_t len)
{
	struct reason_count *e;
	size_t i;

	if (reasons_grow(t) < 0)
		return NULL;
	for (i = json_hash(t->seed, s, len) & (t->size - 1); t->index[i]; i = (i + 1) & (t->size - 1)) {
		e = &t->items[t->index[i] - 1];
		if (strncmp(e->reason, s, len) == 0 && e->reason[len] == '\0')
			return e;
	}
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct reason_count *grown = realloc(t->items, cap * sizeof *grown);
		if (!grown)
			return NULL;
		t->items = grown, t->cap = cap;
	}
	e = &t->items[t->count];
	if (!(e->reason = reasons_copy(t, s, len)))
		return NULL;
	e->count = 0;
	t->index[i] = (uint32_t)(++t->count);
	return e;
}
