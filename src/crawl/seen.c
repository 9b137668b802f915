/* SPDX-License-Identifier: MIT */
/*
 * Seen-URL set: an open-addressing table of 64-bit fingerprints with
 * linear probing.  Fingerprints are already uniformly spread, so a slot
 * is just the fingerprint modulo the table size (which need not be a power
 * of two).  The table is kept at most three quarters full and, when it
 * fills, grown to twice the count (half full), so it never costs more than
 * 16 bytes a URL, even right after growing, and probe runs stay short
 * (about 8.5 slots for a miss at the fullest).  Zero marks an empty slot,
 * so a fingerprint that comes out as zero is stored as one.
 */
#include <config.h>

#include "crawl/seen.h"

#include <stdint.h>
#include <stdlib.h>

#define MIN_SLOTS 16

struct seen {
	uint64_t *slots;
	size_t size;            /* slots */
	size_t count;           /* fingerprints stored, at most size * 3 / 4 */
};

/* The multipliers of splitmix64's finaliser, whose avalanche is well
 * measured: every input bit flips each output bit with odds close to 1/2. */
#define MIX1 0xbf58476d1ce4e5b9ULL
#define MIX2 0x94d049bb133111ebULL
#define GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/* Little-endian whatever the machine, so fingerprints are the same on
 * every platform. */
static uint64_t load(const unsigned char *p, size_t n)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

/* Each step is a bijection of the state for a given word, and a bijection
 * of the word for a given state, so two keys of one length that differ in
 * a single word never collide; the rotation carries high bits back down,
 * which a byte-wise FNV hash never does. */
static uint64_t absorb(uint64_t h, uint64_t w)
{
	w *= MIX1;
	w = rotl(w, 31);
	w *= MIX2;
	h ^= w;
	return rotl(h, 27) * GOLDEN + MIX1;
}

static uint64_t avalanche(uint64_t h)
{
	h ^= h >> 30;
	h *= MIX1;
	h ^= h >> 27;
	h *= MIX2;
	h ^= h >> 31;
	return h;
}

/* The length goes in first: the last word is padded with zeros, and
 * "a" must not collide with "a\0". */
uint64_t seen_fingerprint(const char *key, size_t len)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = (uint64_t)len * GOLDEN;

	for (; len >= 8; p += 8, len -= 8)
		h = absorb(h, load(p, 8));
	if (len)
		h = absorb(h, load(p, len));
	h = avalanche(h);
	return h ? h : 1;
}

/* The slot holding fp, or the empty slot where it would go; there always
 * is one, the table being at most half full. */
static size_t find(const uint64_t *slots, size_t size, uint64_t fp)
{
	size_t i = (size_t)(fp % size);

	while (slots[i] && slots[i] != fp)
		i = i + 1 == size ? 0 : i + 1;
	return i;
}

static struct seen *make(size_t size)
{
	struct seen *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->slots = calloc(size, sizeof *s->slots);
	if (!s->slots) {
		free(s);
		return NULL;
	}
	s->size = size;
	return s;
}

struct seen *seen_create(size_t expected)
{
	size_t size;

	if (expected > SIZE_MAX / 2 / sizeof(uint64_t))
		return NULL;
	size = expected / 3 * 4 + expected % 3 * 4 / 3 + 1;
	return make(size < MIN_SLOTS ? MIN_SLOTS : size);
}

void seen_free(struct seen *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s);
}

/* Grows the table to twice the count (half full); on failure the old
 * one is untouched. */
static int grow(struct seen *s)
{
	uint64_t *slots;
	size_t size, i;

	if (s->count > SIZE_MAX / 4 / sizeof *slots)
		return -1;
	size = (s->count + 1) * 2;
	slots = calloc(size, sizeof *slots);
	if (!slots)
		return -1;
	for (i = 0; i < s->size; i++)
		if (s->slots[i])
			slots[find(slots, size, s->slots[i])] = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->size = size;
	return 0;
}

int seen_add(struct seen *s, const char *key, size_t len)
{
	return seen_add_fingerprint(s, seen_fingerprint(key, len));
}

int seen_add_fingerprint(struct seen *s, uint64_t fp)
{
	size_t i;

	fp = fp ? fp : 1;
	i = find(s->slots, s->size, fp);

	if (s->slots[i] == fp)
		return 0;
	if ((s->count + 1) * 4 > s->size * 3) {
		if (grow(s) < 0)
			return -1;
		i = find(s->slots, s->size, fp);
	}
	s->slots[i] = fp;
	s->count++;
	return 1;
}

int seen_contains(const struct seen *s, const char *key, size_t len)
{
	return seen_contains_fingerprint(s, seen_fingerprint(key, len));
}

int seen_contains_fingerprint(const struct seen *s, uint64_t fp)
{
	fp = fp ? fp : 1;
	return s->slots[find(s->slots, s->size, fp)] == fp;
}

size_t seen_count(const struct seen *s)
{
	return s->count;
}

size_t seen_bytes(const struct seen *s)
{
	return s->size * sizeof *s->slots;
}
