/* SPDX-License-Identifier: MIT */
/*
 * recrawl: conditional in the sqlite output (output_recrawl.h).  The
 * validators and links live in columns of their own, beside the parser
 * fields; the record members that carry them (record.h) never reach the
 * fields column.  Lookups run on the output's connection, under the
 * caller's lock, so they also see rows this run has not committed yet.
 */
#include <config.h>

#include "results/output_recrawl.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "results/record.h"

/* The record member each added column is filled from. */
static const struct {
	const char *column, *member;
} added[] = {
	{ "etag", RECORD_ETAG },
	{ "last_modified", RECORD_LAST_MODIFIED },
	{ "crawl_links", RECORD_CRAWL_LINKS },
	{ "recrawl", RECORD_RECRAWL },
};
#define ADDED (sizeof added / sizeof added[0])

const char recrawl_sql_columns[] = "etag, last_modified, crawl_links, recrawl, checked_at";
const char recrawl_sql_updates[] =
	"etag = excluded.etag, last_modified = excluded.last_modified, "
	"crawl_links = excluded.crawl_links, recrawl = excluded.recrawl, "
	"checked_at = excluded.checked_at";

/* checked_at: when the server was last asked about the page, which
 * fetched_at (when its row was written whole) is not after a 304 */
#define CHECKED_AT "checked_at"

struct recrawl_sql {
	sqlite3_stmt *validators, *links, *unchanged;
};

int output_sql_ensure_column(sqlite3 *db, const char *table, const char *column, const char *type)
{
	struct buf sql = { 0 };
	sqlite3_stmt *probe = NULL;
	int rc = SQLITE_OK;

	buf_printf(&sql, "SELECT %s FROM \"%s\" LIMIT 0", column, table);
	if (sqlite3_prepare_v2(db, sql.data, -1, &probe, NULL) != SQLITE_OK) {
		buf_reset(&sql);
		buf_printf(&sql, "ALTER TABLE \"%s\" ADD COLUMN %s %s", table, column, type);
		rc = sql.oom ? SQLITE_NOMEM : sqlite3_exec(db, sql.data, NULL, NULL, NULL);
	}
	sqlite3_finalize(probe);
	buf_free(&sql);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Prepares the statement in sql and empties it. */
static int prepare(sqlite3 *db, sqlite3_stmt **st, struct buf *sql)
{
	int rc = sql->oom ? SQLITE_NOMEM : sqlite3_prepare_v2(db, sql->data, -1, st, NULL);

	buf_free(sql);
	return rc == SQLITE_OK ? 0 : -1;
}

struct recrawl_sql *recrawl_sql_open(sqlite3 *db, const char *table)
{
	struct recrawl_sql *q = calloc(1, sizeof *q);
	struct buf sql = { 0 };
	size_t i;

	if (!q)
		return NULL;
	for (i = 0; i < ADDED; i++)
		if (output_sql_ensure_column(db, table, added[i].column, "TEXT") < 0)
			goto fail;
	if (output_sql_ensure_column(db, table, CHECKED_AT, "TEXT") < 0)
		goto fail;
	/* the row keeps the status, fields and fetched_at of the page as
	 * it was fetched; a 304 may bring newer validators (RFC 9110) */
	buf_printf(&sql, "SELECT etag, last_modified, status >= 200 AND status < 300 AND error IS NULL "
	           "FROM \"%s\" WHERE url = ?1", table);
	if (prepare(db, &q->validators, &sql) < 0)
		goto fail;
	buf_printf(&sql, "SELECT crawl_links FROM \"%s\" WHERE url = ?1", table);
	if (prepare(db, &q->links, &sql) < 0)
		goto fail;
	buf_printf(&sql, "UPDATE \"%s\" SET recrawl = 'unchanged', etag = coalesce(?2, etag), "
	           "last_modified = coalesce(?3, last_modified), "
	           "checked_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') WHERE url = ?1", table);
	if (prepare(db, &q->unchanged, &sql) < 0)
		goto fail;
	return q;
fail:
	recrawl_sql_close(q);
	return NULL;
}

void recrawl_sql_close(struct recrawl_sql *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->validators);
	sqlite3_finalize(q->links);
	sqlite3_finalize(q->unchanged);
	free(q);
}

int recrawl_sql_member(const char *key)
{
	size_t i;

	for (i = 0; i < ADDED; i++)
		if (strcmp(added[i].member, key) == 0)
			return 1;
	return 0;
}

static void bind_text_member(sqlite3_stmt *st, int index, const struct json_object *rec,
                             const char *key)
{
	const struct json_member *m = json_get(rec, key);

	if (m && (m->kind == JSON_STRING || m->kind == JSON_ARRAY))
		sqlite3_bind_text(st, index, m->text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, index);
}

void recrawl_sql_values(struct buf *sql, int first)
{
	size_t i;

	for (i = 0; i < ADDED; i++)
		buf_printf(sql, ", ?%d", first + (int)i);
	buf_puts(sql, ", strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
}

void recrawl_sql_bind(sqlite3_stmt *upsert, int first, const struct json_object *rec)
{
	size_t i;

	for (i = 0; i < ADDED; i++)
		bind_text_member(upsert, first + (int)i, rec, added[i].member);
}

int recrawl_sql_is_unchanged(const struct json_object *rec)
{
	const struct json_member *m = json_get(rec, RECORD_RECRAWL);

	return m && m->kind == JSON_STRING && strcmp(m->text, "unchanged") == 0;
}

int recrawl_sql_mark_unchanged(struct recrawl_sql *q, const struct json_object *rec)
{
	const struct json_member *url = json_get(rec, "url");

	sqlite3_reset(q->unchanged);
	sqlite3_bind_text(q->unchanged, 1, url && url->text ? url->text : "", -1, SQLITE_TRANSIENT);
	bind_text_member(q->unchanged, 2, rec, RECORD_ETAG);
	bind_text_member(q->unchanged, 3, rec, RECORD_LAST_MODIFIED);
	return sqlite3_step(q->unchanged) == SQLITE_DONE ? 0 : -1;
}

/* A copy of a validator; NULL for NULL, "", no memory, or one with a
 * control character: it goes into a request header, and the file may
 * have been edited by hand. */
static char *column_validator(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col), *p;

	for (p = s; p && *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return NULL;
	return s && *s ? strdup((const char *)s) : NULL;
}

int recrawl_sql_validators(struct recrawl_sql *q, const char *url, int *known, char **etag,
                           char **last_modified)
{
	int rc;

	*known = 0;
	*etag = *last_modified = NULL;
	sqlite3_reset(q->validators);
	sqlite3_bind_text(q->validators, 1, url, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q->validators);
	if (rc == SQLITE_ROW) {
		*known = 1;
		if (sqlite3_column_int(q->validators, 2)) {
			*etag = column_validator(q->validators, 0);
			*last_modified = column_validator(q->validators, 1);
		}
		rc = SQLITE_DONE;
	}
	sqlite3_reset(q->validators);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The stored JSON array of URLs as strings; a row edited into something
 * else gives what could be read of it. */
static int read_links(const char *text, char ***links, size_t *count)
{
	struct json_reader r;
	size_t cap = 0;
	int rc = 0;

	json_reader_init(&r, text, strlen(text), 2);
	if (json_array_begin(&r) < 0) {
		json_reader_free(&r);
		return 0;
	}
	while (json_array_next(&r) == 1) {
		const char *s;
		size_t len;
		if (json_read_string(&r, &s, &len) < 0)
			break;
		if (*count == cap) {
			char **grown = realloc(*links, (cap ? cap * 2 : 16) * sizeof *grown);
			if (!grown) {
				rc = -1;
				break;
			}
			*links = grown;
			cap = cap ? cap * 2 : 16;
		}
		if (!((*links)[*count] = strndup(s, len))) {
			rc = -1;
			break;
		}
		(*count)++;
	}
	json_reader_free(&r);
	return rc;
}

int recrawl_sql_links(struct recrawl_sql *q, const char *url, char ***links, size_t *count)
{
	const unsigned char *text;
	int rc;

	*links = NULL;
	*count = 0;
	sqlite3_reset(q->links);
	sqlite3_bind_text(q->links, 1, url, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q->links);
	if (rc == SQLITE_ROW) {
		text = sqlite3_column_text(q->links, 0);
		rc = text && read_links((const char *)text, links, count) < 0 ? SQLITE_NOMEM : SQLITE_DONE;
	}
	sqlite3_reset(q->links);
	return rc == SQLITE_DONE ? 0 : -1;
}
