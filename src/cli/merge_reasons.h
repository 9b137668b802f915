/* SPDX-License-Identifier: MIT */
/*
 * --merge's table of failure and refusal reasons over all reports (part
 * of the merge module): a hash table with the reasons' text in chunks
 * that never move, so a merge is linear in the reasons.
 */
#ifndef SCRAPE_MERGE_REASONS_H
#define SCRAPE_MERGE_REASONS_H

#include <stddef.h>
#include <stdint.h>

#include "results/stats.h"

/* Reason strings live in chunks that never move, so the table's entries
 * can be handed to the summary printers as they are. */
struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

struct reasons {
	struct reason_count *items; /* first-seen order, as a run lists them */
	size_t count, cap;
	uint32_t *index;            /* 1 + item by hash; 0: empty */
	size_t size;
	uint64_t seed;              /* of the index's hash, taken when it is made */
	struct chunk *chunks;
};

void reasons_free(struct reasons *t);
/* The entry for a reason, added with a count of 0 if it is new; NULL
 * when out of memory. */
struct reason_count *reasons_find(struct reasons *t, const char *s, size_t len);

#endif
