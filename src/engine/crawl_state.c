/* SPDX-License-Identifier: MIT */
/*
 * The persistent crawl store: an SQLite file (WAL) that holds everything a
 * crawl needs to go on after any kind of stop.  The
 * seen set is a table of fingerprints; the queue is a table in the order
 * URLs were queued (its row id), read into memory a window at a time, so
 * a queue of ten million URLs costs the window and SQLite's page cache,
 * not ten million strings.  Rows up to the last one read are this
 * process's (in flight, or waiting in the window); a row leaves the queue
 * when its page is done or refused, so on resume whatever is still in the
 * queue is simply queued again.  Appending and deleting in row order keep
 * the writes of each commit on a few pages; only the seen set is written
 * at random, and its rows are 8 bytes.
 *
 * Records go through the state: the records of the pages done since the
 * last commit are saved, as one row of an outbox table, in the same
 * transaction that marks those pages done and queues the links they
 * found, and written to the records' file only once that transaction is
 * durable (crawl_state_outbox / the run's checkpoint).  So
 * a kill at any point leaves either nothing of the page (fetched again) or
 * all of it: the outbox is replayed on resume, after the records' file is
 * cut back to the length the state last saw durable.  Everything runs in
 * one long transaction that each checkpoint commits.
 *
 * Commits are not synced (synchronous NORMAL): a killed process loses
 * nothing committed, and a power cut may take the last commits with it
 * but leaves the file consistent.  The records' file is synced before its
 * length is saved, so the state never counts bytes the disk may not have:
 * after a power cut, records past the saved length are cut and their pages
 * fetched again.
 */
#include <config.h>

#include "engine/crawl_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "crawl/seen.h"
#include "util/buf.h"

#define SCHEMA_VERSION 1
/* Queued URLs read into memory at a time. */
#define WINDOW 256
/* Fingerprints known to be seen, kept in memory so that the links a
 * crawl meets again and again (menus, footers) cost a table probe, not a
 * query; at most this many, 16 to 32 bytes each, so memory stays bounded
 * however large the crawl. */
#define SEEN_CACHE (1u << 20)

struct window_entry {
	int64_t seq;
	int depth;
	char *url;
};

struct state_store {
	struct crawl_store base;
	sqlite3 *db;
	char *path;
	struct seen *recent;        /* fingerprints known seen, up to SEEN_CACHE */
	sqlite3_stmt *mark_seen, *push, *window, *finish, *outbox_add, *meta_set;
	struct window_entry window_rows[WINDOW];
	size_t window_len, window_next;
	char *returned;             /* the URL last popped */
	int64_t next_seq;           /* for the next queued URL */
	int64_t read_seq;           /* queue rows up to this one are ours */
	int64_t pending;            /* rows in the queue: not yet done or refused */
	int lock_fd;                /* holds the flock that keeps other processes out */
	struct buf records;         /* records kept since the last commit, a line each */
	int failed;
};

static struct state_store *of(struct crawl_store *s)
{
	return (struct state_store *)s;
}

/* Every failure says which file and what SQLite found. */
static int fail(struct state_store *st, const char *what)
{
	const char *why = st->db ? sqlite3_errmsg(st->db) : "out of memory";
	int code = st->db ? sqlite3_errcode(st->db) : SQLITE_NOMEM;

	if (code == SQLITE_NOTADB)
		snprintf(st->base.error, sizeof st->base.error,
		         "%s: not a crawl state file (%s); name another crawl.state or start over with --fresh",
		         st->path, why);
	else if (code == SQLITE_CORRUPT)
		snprintf(st->base.error, sizeof st->base.error,
		         "%s: the crawl state file is damaged (%s); start over with --fresh", st->path, why);
	else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		snprintf(st->base.error, sizeof st->base.error,
		         "%s: the crawl state is in use by another scrape process", st->path);
	else
		snprintf(st->base.error, sizeof st->base.error, "%s: %s: %s", st->path, what, why);
	st->failed = 1;
	return -1;
}

static int exec(struct state_store *st, const char *sql, const char *what)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(st, what);
}

/* Runs a prepared statement that returns no rows; 0 or -1. */
static int step_done(struct state_store *st, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : fail(st, what);
}

static int meta_put(struct state_store *st, const char *key, const char *text, int64_t number,
                    int is_text)
{
	sqlite3_bind_text(st->meta_set, 1, key, -1, SQLITE_STATIC);
	if (is_text)
		sqlite3_bind_text(st->meta_set, 2, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st->meta_set, 2, number);
	return step_done(st, st->meta_set, "cannot save the crawl's counters");
}

/* A meta value as text (NULL when missing) or as a number (0). */
static char *meta_text(struct state_store *st, const char *key)
{
	sqlite3_stmt *q;
	char *value = NULL;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?1", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		value = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return value;
}

static int64_t meta_number(struct state_store *st, const char *key)
{
	char *text = meta_text(st, key);
	int64_t n = text ? strtoll(text, NULL, 10) : 0;

	free(text);
	return n;
}

/* ---- the store's operations ---- */

static int state_mark_seen(struct crawl_store *s, uint64_t fp)
{
	struct state_store *st = of(s);
	int fresh;

	if (seen_contains_fingerprint(st->recent, fp))
		return 0;
	sqlite3_bind_int64(st->mark_seen, 1, (sqlite3_int64)fp);
	if (step_done(st, st->mark_seen, "cannot mark a URL seen") < 0)
		return -1;
	fresh = sqlite3_changes(st->db) == 1;
	/* a full cache only means more queries */
	if (seen_count(st->recent) < SEEN_CACHE)
		seen_add_fingerprint(st->recent, fp);
	return fresh;
}

static int state_push(struct crawl_store *s, const char *url, uint64_t fp, int depth)
{
	struct state_store *st = of(s);

	sqlite3_bind_int64(st->push, 1, st->next_seq++);
	sqlite3_bind_int64(st->push, 2, (sqlite3_int64)fp);
	sqlite3_bind_int(st->push, 3, depth);
	sqlite3_bind_text(st->push, 4, url, -1, SQLITE_STATIC);
	if (step_done(st, st->push, "cannot queue a URL") < 0)
		return -1;
	s->queued++;
	st->pending++;
	return 0;
}

static void clear_window(struct state_store *st)
{
	size_t i;

	for (i = st->window_next; i < st->window_len; i++)
		free(st->window_rows[i].url);
	st->window_len = st->window_next = 0;
}

/* The next WINDOW queued URLs after the last one read. */
static int fill_window(struct state_store *st)
{
	int rc;

	st->window_len = st->window_next = 0;
	sqlite3_bind_int64(st->window, 1, st->read_seq);
	while (st->window_len < WINDOW && (rc = sqlite3_step(st->window)) == SQLITE_ROW) {
		struct window_entry *e = &st->window_rows[st->window_len];
		const unsigned char *url = sqlite3_column_text(st->window, 2);

		e->seq = sqlite3_column_int64(st->window, 0);
		e->depth = sqlite3_column_int(st->window, 1);
		if (!(e->url = strdup(url ? (const char *)url : ""))) {
			sqlite3_reset(st->window);
			snprintf(st->base.error, sizeof st->base.error, "out of memory");
			return -1;
		}
		st->read_seq = e->seq;
		st->window_len++;
	}
	if (st->window_len < WINDOW && rc != SQLITE_DONE) {
		sqlite3_reset(st->window);
		return fail(st, "cannot read the queue");
	}
	sqlite3_reset(st->window);
	return 0;
}

static int state_pop(struct crawl_store *s, const char **url, int *depth, uint64_t *lease)
{
	struct state_store *st = of(s);
	struct window_entry *e;

	free(st->returned);
	st->returned = NULL;
	if (st->window_next == st->window_len && fill_window(st) < 0)
		return -1;
	if (st->window_next == st->window_len)
		return 0;
	e = &st->window_rows[st->window_next++];
	st->returned = e->url;
	*url = e->url;
	*depth = e->depth;
	*lease = (uint64_t)e->seq;
	s->queued--;
	return 1;
}

/* A page read from the queue is done with: its row goes. */
static int finish(struct state_store *st, uint64_t lease)
{
	sqlite3_bind_int64(st->finish, 1, (sqlite3_int64)lease);
	if (step_done(st, st->finish, "cannot save a page's state") < 0)
		return -1;
	if (sqlite3_changes(st->db) == 1)
		st->pending--;
	return 0;
}

static int state_done(struct crawl_store *s, uint64_t lease)
{
	if (finish(of(s), lease) < 0)
		return -1;
	s->done++;
	return 0;
}

static int state_refused(struct crawl_store *s, uint64_t lease)
{
	return finish(of(s), lease);
}

int crawl_state_record(struct crawl_store *s, uint64_t lease, const char *line, size_t len)
{
	struct state_store *st = of(s);

	if (lease && state_done(s, lease) < 0)
		return -1;
	if (len == 0)
		return 0;               /* no records file: nothing to keep */
	/* kept in memory until the commit, which saves them as one row */
	buf_append(&st->records, line, len);
	if (line[len - 1] != '\n')
		buf_putc(&st->records, '\n');
	if (st->records.oom) {
		snprintf(st->base.error, sizeof st->base.error, "out of memory");
		return -1;
	}
	return 0;
}

/* One difference between the crawl in the file and this job's, said in
 * full: which part differs and both values. */
static int differs(struct state_store *st, const char *what, const char *theirs, const char *ours)
{
	snprintf(st->base.error, sizeof st->base.error,
	         "%s holds another crawl: its %s %s, this job's %s (start over with --fresh, or name "
	         "another crawl.state)", st->path, what, theirs, ours);
	return -1;
}

static int check_identity(struct state_store *st, const struct crawl_identity *id)
{
	char *digest = meta_text(st, "seeds_digest"), *first = meta_text(st, "first_seed");
	char *scope = meta_text(st, "scope"), *output = meta_text(st, "output");
	char ours[64], theirs[160], mine[160];
	int64_t count = meta_number(st, "seed_count");
	int rc = 0;

	snprintf(ours, sizeof ours, "%016" PRIx64, id->seeds_digest);
	if (!digest || strcmp(digest, ours) != 0) {
		snprintf(theirs, sizeof theirs, "are %lld seeds starting with %.100s", (long long)count,
		         first ? first : "?");
		snprintf(mine, sizeof mine, "are %lld starting with %.100s", (long long)id->seed_count,
		         id->first_seed);
		rc = differs(st, "seeds", theirs, mine);
	} else if (!scope || strcmp(scope, id->scope) != 0) {
		snprintf(theirs, sizeof theirs, "is \"%.140s\"", scope ? scope : "");
		snprintf(mine, sizeof mine, "is \"%.140s\"", id->scope);
		rc = differs(st, "scope", theirs, mine);
	} else if (!output || strcmp(output, id->output) != 0) {
		snprintf(theirs, sizeof theirs, "went to %.140s", output && output[0] ? output : "no file");
		snprintf(mine, sizeof mine, "go to %.140s", id->output[0] ? id->output : "no file");
		rc = differs(st, "records", theirs, mine);
	}
	free(digest);
	free(first);
	free(scope);
	free(output);
	return rc;
}

static int save_identity(struct state_store *st, const struct crawl_identity *id)
{
	char digest[32];

	snprintf(digest, sizeof digest, "%016" PRIx64, id->seeds_digest);
	if (meta_put(st, "schema", NULL, SCHEMA_VERSION, 0) < 0 ||
	    meta_put(st, "seeds_digest", digest, 0, 1) < 0 ||
	    meta_put(st, "seed_count", NULL, id->seed_count, 0) < 0 ||
	    meta_put(st, "first_seed", id->first_seed, 0, 1) < 0 ||
	    meta_put(st, "scope", id->scope, 0, 1) < 0 ||
	    meta_put(st, "output", id->output, 0, 1) < 0)
		return -1;
	return 0;
}

/* Whether the file already holds a crawl: 1, 0 for an empty database, -1
 * for something else (another program's database, a damaged file). */
static int holds_crawl(struct state_store *st)
{
	sqlite3_stmt *q;
	int tables = 0, meta = 0, rc;

	if (sqlite3_prepare_v2(st->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &q,
	                       NULL) != SQLITE_OK)
		return fail(st, "cannot read the file");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		tables++;
		meta |= strcmp((const char *)sqlite3_column_text(q, 0), "meta") == 0;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return fail(st, "cannot read the file");
	if (tables == 0)
		return 0;
	if (!meta) {
		snprintf(st->base.error, sizeof st->base.error,
		         "%s: not a crawl state file (an SQLite database of something else); name another "
		         "crawl.state", st->path);
		return -1;
	}
	if (meta_number(st, "schema") != SCHEMA_VERSION) {
		snprintf(st->base.error, sizeof st->base.error,
		         "%s: a crawl state of another version (schema %lld, this scrape reads %d); start "
		         "over with --fresh", st->path, (long long)meta_number(st, "schema"), SCHEMA_VERSION);
		return -1;
	}
	return 1;
}

static const char SCHEMA[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE seen (fp INTEGER PRIMARY KEY);"
	"CREATE TABLE queue (seq INTEGER PRIMARY KEY, fp INTEGER NOT NULL, depth INTEGER NOT NULL,"
	"                    url TEXT NOT NULL);"
	"CREATE TABLE outbox (id INTEGER PRIMARY KEY, line BLOB NOT NULL);"
	"CREATE TABLE robots (origin TEXT PRIMARY KEY, fetched INTEGER NOT NULL, status INTEGER,"
	"                     body BLOB) WITHOUT ROWID;";

static int prepare(struct state_store *st)
{
	static const struct {
		size_t offset;
		const char *sql;
	} statements[] = {
		{ offsetof(struct state_store, mark_seen), "INSERT OR IGNORE INTO seen VALUES (?1)" },
		{ offsetof(struct state_store, push), "INSERT INTO queue VALUES (?1, ?2, ?3, ?4)" },
		{ offsetof(struct state_store, window),
		  "SELECT seq, depth, url FROM queue WHERE seq > ?1 ORDER BY seq LIMIT 256" },
		{ offsetof(struct state_store, finish), "DELETE FROM queue WHERE seq = ?1" },
		{ offsetof(struct state_store, outbox_add), "INSERT INTO outbox (line) VALUES (?1)" },
		{ offsetof(struct state_store, meta_set),
		  "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)" },
	};
	size_t i;

	for (i = 0; i < sizeof statements / sizeof statements[0]; i++) {
		sqlite3_stmt **slot = (sqlite3_stmt **)((char *)st + statements[i].offset);
		if (sqlite3_prepare_v2(st->db, statements[i].sql, -1, slot, NULL) != SQLITE_OK)
			return fail(st, "cannot prepare its statements");
	}
	return 0;
}

/* A crawl resumed: what is left in the queue (some of it in flight when
 * the last run stopped) is queued again, and the counters are read back. */
static int resume(struct state_store *st)
{
	st->base.done = meta_number(st, "done");
	st->pending = meta_number(st, "pending");
	st->next_seq = meta_number(st, "next_seq");
	st->base.output_offset = meta_number(st, "output_offset");
	st->base.queued = (size_t)st->pending;
	st->read_seq = 0;
	return 0;
}

static int state_adopt(struct crawl_store *s, const struct crawl_identity *id)
{
	struct state_store *st = of(s);
	int held = holds_crawl(st);

	if (held < 0)
		return -1;
	if (held) {
		if (check_identity(st, id) < 0 || prepare(st) < 0 || resume(st) < 0)
			return -1;
		/* seeding cut short: seed again (seeds already queued are seen) */
		s->resumed = 1;
		return meta_number(st, "seeded") == 1 ? 0 : 1;
	}
	if (exec(st, SCHEMA, "cannot create its tables") < 0 || prepare(st) < 0 ||
	    save_identity(st, id) < 0)
		return -1;
	st->next_seq = 1;
	return 1;
}

static int save_counters(struct state_store *st)
{
	return meta_put(st, "done", NULL, st->base.done, 0) < 0 ||
	       meta_put(st, "pending", NULL, st->pending, 0) < 0 ||
	       meta_put(st, "next_seq", NULL, st->next_seq, 0) < 0 ||
	       meta_put(st, "output_offset", NULL, st->base.output_offset, 0) < 0 ? -1 : 0;
}

static int state_commit(struct crawl_store *s)
{
	struct state_store *st = of(s);

	if (st->failed)
		return -1;
	if (st->records.len) {
		sqlite3_bind_blob(st->outbox_add, 1, st->records.data, (int)st->records.len, SQLITE_STATIC);
		if (step_done(st, st->outbox_add, "cannot keep the records") < 0)
			return -1;
		buf_reset(&st->records);
	}
	if (save_counters(st) < 0 || exec(st, "COMMIT", "cannot save the crawl state") < 0 ||
	    exec(st, "BEGIN IMMEDIATE", "cannot save the crawl state") < 0)
		return -1;
	return 0;
}

int crawl_state_outbox(struct crawl_store *s,
                       int (*write)(void *ctx, const char *line, size_t len), void *ctx)
{
	struct state_store *st = of(s);
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT line FROM outbox ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return fail(st, "cannot read the records kept");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		/* a row holds the records of one commit, a line each */
		const char *p = sqlite3_column_blob(q, 0), *end = p + sqlite3_column_bytes(q, 0);

		while (p && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);

			if (write(ctx, p, n) < 0) {
				sqlite3_finalize(q);
				return -1;
			}
			p += n;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : fail(st, "cannot read the records kept");
}

int crawl_state_robots_put(struct crawl_store *s, const char *origin, long status,
                           const char *body, size_t len, int64_t now_s)
{
	struct state_store *st = of(s);
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO robots VALUES (?1, ?2, ?3, ?4)", -1, &q,
	                       NULL) != SQLITE_OK)
		return fail(st, "cannot keep a robots.txt");
	sqlite3_bind_text(q, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now_s);
	sqlite3_bind_int64(q, 3, status);
	sqlite3_bind_blob(q, 4, body ? body : "", (int)len, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : fail(st, "cannot keep a robots.txt");
}

int crawl_state_robots_get(struct crawl_store *s, const char *origin, int64_t fresh_after_s,
                           long *status, char **body, size_t *len)
{
	struct state_store *st = of(s);
	sqlite3_stmt *q;
	int found = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT status, body FROM robots WHERE origin = ?1 AND fetched > ?2",
	                       -1, &q, NULL) != SQLITE_OK)
		return fail(st, "cannot read a robots.txt kept");
	sqlite3_bind_text(q, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, fresh_after_s);
	if (sqlite3_step(q) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(q, 1);
		const void *data = sqlite3_column_blob(q, 1);

		*status = (long)sqlite3_column_int64(q, 0);
		*len = n;
		if ((*body = malloc(n + 1)) != NULL) {
			if (n)
				memcpy(*body, data, n);
			(*body)[n] = '\0';
			found = 1;
		}
	}
	sqlite3_finalize(q);
	return found;
}

int crawl_state_written(struct crawl_store *s, int64_t output_offset)
{
	struct state_store *st = of(s);

	s->output_offset = output_offset;
	return exec(st, "DELETE FROM outbox", "cannot clear the records written");
}

static void state_close(struct crawl_store *s)
{
	struct state_store *st = of(s);

	clear_window(st);
	free(st->returned);
	buf_free(&st->records);
	seen_free(st->recent);
	if (st->db) {
		/* a clean end: what is left of the transaction is saved (the
		 * caller committed what matters; this only ends it) */
		if (!st->failed && sqlite3_get_autocommit(st->db) == 0)
			sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		sqlite3_finalize(st->mark_seen);
		sqlite3_finalize(st->push);
		sqlite3_finalize(st->window);
		sqlite3_finalize(st->finish);
		sqlite3_finalize(st->outbox_add);
		sqlite3_finalize(st->meta_set);
		sqlite3_close(st->db);
	}
	if (st->lock_fd >= 0)
		close(st->lock_fd);         /* and the lock with it */
	free(st->path);
	free(st);
}

static int state_seeded(struct crawl_store *s)
{
	return meta_put(of(s), "seeded", NULL, 1, 0);
}

static const struct crawl_store_ops state_ops = {
	.seeded = state_seeded,
	.mark_seen = state_mark_seen,
	.push = state_push,
	.pop = state_pop,
	.done = state_done,
	.refused = state_refused,
	.adopt = state_adopt,
	.commit = state_commit,
	.close = state_close,
};

/* One process at a time: an flock(2) on the file itself, taken before
 * SQLite opens it, so another scrape is refused at once while readers
 * (sqlite3 on the command line) are not.  --fresh empties the file in
 * place, under the lock, rather than removing it, so the lock keeps
 * guarding the file the crawl then uses. */
static int lock_state(struct state_store *st, int fresh, char *err, size_t errlen)
{
	static const char *const companions[] = { "-wal", "-shm", "-journal" };
	char name[4096];
	size_t i;

	st->lock_fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (st->lock_fd < 0) {
		snprintf(err, errlen, "cannot open the crawl state %s: %s", st->path, strerror(errno));
		return -1;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "%s: the crawl state is in use by another scrape process",
			         st->path);
		else
			snprintf(err, errlen, "cannot lock the crawl state %s: %s", st->path, strerror(errno));
		return -1;
	}
	if (!fresh)
		return 0;
	if (ftruncate(st->lock_fd, 0) < 0) {
		snprintf(err, errlen, "cannot empty the crawl state %s: %s", st->path, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof companions / sizeof companions[0]; i++) {
		snprintf(name, sizeof name, "%s%s", st->path, companions[i]);
		if (unlink(name) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove %s: %s", name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct crawl_store *crawl_state_open(const char *path, int fresh, char *err, size_t errlen)
{
	struct state_store *st;

	if (!(st = calloc(1, sizeof *st)) || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->base.ops = &state_ops;
	st->base.persistent = 1;
	st->lock_fd = -1;
	if (!(st->recent = seen_create(1024))) {
		snprintf(err, errlen, "out of memory");
		state_close(&st->base);
		return NULL;
	}
	if (lock_state(st, fresh, err, errlen) < 0) {
		state_close(&st->base);
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		fail(st, "cannot open the crawl state");
	else if (sqlite3_busy_timeout(st->db, 2000) == SQLITE_OK &&
	         exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
	                  "PRAGMA cache_size = -16384", "cannot set up the crawl state") == 0)
		exec(st, "BEGIN IMMEDIATE", "cannot start a transaction");
	if (st->failed) {
		snprintf(err, errlen, "%s", st->base.error);
		state_close(&st->base);
		return NULL;
	}
	return &st->base;
}
