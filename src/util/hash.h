/* SPDX-License-Identifier: MIT */
/*
 * The one string hash for the hash tables of the core (hosts, YAML keys)
 * and of the plugins (the links parser's set of seen links): 64-bit
 * FNV-1a, short, fast on short keys, good enough for tables that probe
 * linearly.  Not for tables fed by an attacker who can pick collisions:
 * the JSON reader has its own seeded hash (json_hash) for that.  Header
 * only, static inline, because plugins cannot link core code: they are
 * loaded RTLD_LOCAL, export nothing but their descriptor and reach the
 * core only through the host table, so a core function would be an
 * unresolved symbol; they include this file by a relative path instead.
 */
#ifndef SCRAPE_HASH_H
#define SCRAPE_HASH_H

#include <stdint.h>

static inline uint64_t hash_fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

#endif
