/* SPDX-License-Identifier: MIT */
/*
 * The sqlite output's side of recrawl: conditional, private to
 * output.c.  The records' table is also the cache of the last run: its
 * rows keep each page's validators (ETag, Last-Modified) and the links
 * its parsers found, which the next run reads back; an unchanged page's
 * row is only marked, its fields left as they are.
 */
#ifndef SCRAPE_OUTPUT_RECRAWL_H
#define SCRAPE_OUTPUT_RECRAWL_H

#include <sqlite3.h>
#include <stddef.h>

struct json_object;
struct recrawl_sql;

/* Adds a column to a table from an older scrape that lacks it, so runs
 * keep upserting into the tables they have always used.  0, or -1 with
 * SQLite's reason left in db. */
int output_sql_ensure_column(sqlite3 *db, const char *table, const char *column, const char *type);

/* The columns recrawl adds, added to a table that lacks them, then its
 * statements prepared.  NULL with SQLite's reason left in db. */
struct recrawl_sql *recrawl_sql_open(sqlite3 *db, const char *table);
void recrawl_sql_close(struct recrawl_sql *q);

/* The upsert's extra columns ("etag, last_modified, ...") and their
 * values from the record's members, bound from index first on. */
extern const char recrawl_sql_columns[];
extern const char recrawl_sql_updates[];
struct buf;
/* Appends ", ?first, ..." and the check time: the values of those columns. */
void recrawl_sql_values(struct buf *sql, int first);
void recrawl_sql_bind(sqlite3_stmt *upsert, int first, const struct json_object *rec);
/* Whether a record is of a page the server said is unchanged (a 304):
 * its row is marked, not replaced. */
int recrawl_sql_is_unchanged(const struct json_object *rec);
int recrawl_sql_mark_unchanged(struct recrawl_sql *q, const struct json_object *rec);
/* Whether a record member is recrawl's (not a parser field). */
int recrawl_sql_member(const char *key);

/* The row of url: *known whether there is one; the validators of a
 * page stored whole (a 2xx without error), malloc'd, NULL for none.
 * 0, or -1 when SQLite fails. */
int recrawl_sql_validators(struct recrawl_sql *q, const char *url, int *known, char **etag,
                           char **last_modified);
/* The links kept with url's row, malloc'd (none: *count 0). */
int recrawl_sql_links(struct recrawl_sql *q, const char *url, char ***links, size_t *count);

#endif
