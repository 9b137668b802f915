/* SPDX-License-Identifier: MIT */
/*
 * Where a crawl keeps what it knows: the set of URLs it has seen, the
 * queue of URLs still to fetch (with their depths, breadth first) and,
 * for a crawl that must outlive its process, which pages are done.  The
 * frontier (frontier.c) talks to one of these through a table of
 * operations, so the in-memory store of a one-shot crawl and the SQLite
 * file of a resumable one (crawl_state.c) are used the same way.  URLs
 * are known by the 64-bit fingerprint of their canonical form
 * (seen_fingerprint).  Callers serialise access (the run's lock).
 */
#ifndef SCRAPE_CRAWL_STORE_H
#define SCRAPE_CRAWL_STORE_H

#include <stddef.h>
#include <stdint.h>

struct crawl_store;

/* What makes two runs the same crawl: a state file made by one job is
 * refused by a job whose seeds or scope differ. */
struct crawl_identity {
	uint64_t seeds_digest;      /* of the seeds' canonical forms, in order */
	int64_t seed_count;
	const char *first_seed;
	const char *scope;          /* same_host, allow_domains, allow, deny, robots */
	const char *output;         /* the records' file and format, or "" */
};

/* A link offered to a store that takes links in batches (one round trip a
 * page): its canonical form, fingerprint and depth, and why it is not to
 * be fetched (out of scope), or NULL to queue it. */
struct crawl_offer {
	const char *url;
	uint64_t fp;
	int depth;
	const char *refused;
};

struct crawl_store_ops {
	/* 1 if fp was new and is now seen, 0 if seen before, -1 on failure. */
	int (*mark_seen)(struct crawl_store *s, uint64_t fp);
	/* Queues url (its fingerprint already marked seen) at depth: 0 or -1. */
	int (*push)(struct crawl_store *s, const char *url, uint64_t fp, int depth);
	/* The first queued URL, taken out of the queue: 1 with *url (valid
	 * until the next pop), *depth and *lease (what names this entry to
	 * done and refused, never 0); 0 when the queue is empty; -1 on
	 * failure. */
	int (*pop)(struct crawl_store *s, const char **url, int *depth, uint64_t *lease);
	/* A page popped earlier whose record was written (done) or that will
	 * not be fetched (refused by robots.txt).  Only a persistent store
	 * keeps these; 0 or -1. */
	int (*done)(struct crawl_store *s, uint64_t lease);
	int (*refused)(struct crawl_store *s, uint64_t lease);
	/* First use of a persistent store: 1 when it is new (the caller then
	 * pushes the seeds), 0 when it holds this crawl from an earlier run,
	 * -1 with a message when it holds another one. */
	int (*adopt)(struct crawl_store *s, const struct crawl_identity *id);
	/* Makes everything so far durable (a shared store: sends what it
	 * batched, and extends the leases of the pages in flight).  0 or -1. */
	int (*commit)(struct crawl_store *s);
	void (*close)(struct crawl_store *s);

	/* A persistent store: every seed is queued (a store whose seeding was
	 * cut short is seeded again when it is adopted).  May be NULL. */
	int (*seeded)(struct crawl_store *s);
	/* A URL seen before turned up again at depth: if it still waits in
	 * the queue at a greater depth, it gets this one.  May be NULL. */
	void (*shorter_path)(struct crawl_store *s, uint64_t fp, int depth);

	/* The rest only a shared store has (NULL otherwise). */
	/* Marks each link seen and queues the new ones not refused, at once:
	 * fresh[i] says whether items[i] was new.  0 or -1. */
	int (*offer)(struct crawl_store *s, const struct crawl_offer *items, size_t n, int *fresh);
	/* Whether the whole crawl is over, in every process: nothing queued,
	 * nothing in flight anywhere.  When it is not and pop found nothing,
	 * *retry_ns says when to ask again (nanoseconds from now). */
	int (*finished)(struct crawl_store *s, int64_t *retry_ns);
	/* A page popped that this process will not finish (the run stopped):
	 * back to the front of its queue for another process.  0 or -1. */
	int (*release)(struct crawl_store *s, uint64_t lease);
	/* robots.txt answers shared between processes, as crawl_state_robots_*. */
	int (*robots_get)(struct crawl_store *s, const char *origin, long *status, char **body,
	                  size_t *len);
	int (*robots_put)(struct crawl_store *s, const char *origin, long status, const char *body,
	                  size_t len, int64_t crawl_delay_ns);
};

struct crawl_store {
	const struct crawl_store_ops *ops;
	int persistent;             /* outlives the process, records through it */
	int shared;                 /* shared with other processes (Redis) */
	size_t lookahead;           /* URLs to pull ahead into host queues; 0: the default */
	int unsent;                 /* a shared store has batched what its next commit sends */
	int resumed;                /* a persistent store held this crawl from an earlier run */
	size_t queued;              /* URLs waiting in the queue */
	int64_t done;               /* pages recorded in earlier runs and this one */
	int64_t output_offset;      /* persistent: records durable up to here */
	char error[560];            /* why the last call failed */
};

/* The in-memory store of a one-shot crawl; NULL without memory. */
struct crawl_store *crawl_store_memory(void);

static inline void crawl_store_close(struct crawl_store *s)
{
	if (s)
		s->ops->close(s);
}

#endif
