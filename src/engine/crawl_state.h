/* SPDX-License-Identifier: MIT */
/*
 * A resumable crawl's state file (crawl.state): a crawl store kept in
 * SQLite, plus the outbox through which its records reach the records'
 * file, so that a stop at any moment loses no record and fetches no
 * recorded page again.  See crawl_state.c for the guarantees.
 */
#ifndef SCRAPE_CRAWL_STATE_H
#define SCRAPE_CRAWL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/crawl_store.h"

/* Opens (creating it if missing) the state at path and locks it for this
 * process; fresh: removes an existing one first (--fresh).  NULL with a
 * one-line message in err. */
struct crawl_store *crawl_state_open(const char *path, int fresh, char *err, size_t errlen);

/* The page of lease (0: none) is done and its record is line: both
 * become durable at the next commit, after which the caller writes the
 * record out.  0 or -1. */
int crawl_state_record(struct crawl_store *s, uint64_t lease, const char *line, size_t len);

/* Calls write for each record kept since the last crawl_state_written, in
 * order: after a commit, and on resume for what the last run committed
 * but may not have written.  0, or -1 (the first failure of write, or of
 * the file). */
int crawl_state_outbox(struct crawl_store *s,
                       int (*write)(void *ctx, const char *line, size_t len), void *ctx);

/* The records kept so far are in the records' file, durable up to
 * output_offset bytes: they are dropped from the outbox at the next
 * commit. */
int crawl_state_written(struct crawl_store *s, int64_t output_offset);

/* robots.txt answers, kept for the RFC 9309 cache lifetime (24 hours):
 * put records one answered at now_s (seconds since the epoch); get
 * finds one answered after fresh_after_s: 1 with *body malloc'd, 0 when
 * none, -1 on failure. */
int crawl_state_robots_put(struct crawl_store *s, const char *origin, long status,
                           const char *body, size_t len, int64_t now_s);
int crawl_state_robots_get(struct crawl_store *s, const char *origin, int64_t fresh_after_s,
                           long *status, char **body, size_t *len);

#endif
