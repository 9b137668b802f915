/* SPDX-License-Identifier: MIT */
/*
 * The set of URLs a crawl has seen, kept as 64-bit fingerprints of their
 * canonical form rather than the strings, so a crawl of millions of pages
 * costs 16 bytes a URL instead of a copy of each URL.  The price is that
 * two different URLs may share a fingerprint and the second would be taken
 * for seen: with n URLs the odds that any pair does are about n^2 / 2^65
 * (3e-8 for a million, 3e-4 for a hundred million).  Not thread-safe:
 * callers serialise access.
 */
#ifndef SCRAPE_SEEN_H
#define SCRAPE_SEEN_H

#include <stddef.h>
#include <stdint.h>

struct seen;

/* A set sized so that `expected` URLs fit without growing (at 16 bytes
 * each); it grows past that by doubling.  NULL: out of memory. */
struct seen *seen_create(size_t expected);
void seen_free(struct seen *s);

/* 1 if key was new and is now in the set, 0 if it was already there, -1
 * out of memory (the set is then unchanged). */
int seen_add(struct seen *s, const char *key, size_t len);
/* The same with a fingerprint made by seen_fingerprint. */
int seen_add_fingerprint(struct seen *s, uint64_t fp);
int seen_contains(const struct seen *s, const char *key, size_t len);
int seen_contains_fingerprint(const struct seen *s, uint64_t fp);
/* The fingerprint the set keeps for key: never zero, the same on every
 * platform and in every version (crawl state files store it). */
uint64_t seen_fingerprint(const char *key, size_t len);
size_t seen_count(const struct seen *s);
/* Bytes of the fingerprint table: 16 per URL when full to the expected
 * size, and never more than 16 a URL, also just after growing. */
size_t seen_bytes(const struct seen *s);

#endif
