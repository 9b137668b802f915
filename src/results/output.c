/* SPDX-License-Identifier: MIT */
/*
 * The output formats.  Every write either lands whole or not at all: JSON
 * lines and CSV rows are single fwrite calls into a large stdio buffer
 * flushed at close (a stopped run still closes its output), and SQLite
 * rows are committed in transactions of up to COMMIT_ROWS rows or
 * COMMIT_NS of time, so a reader of the WAL-mode database sees whole rows.
 * A pipe or device gets each record as it is made instead: its reader
 * wants them as they come, and a reader that went away (EPIPE) or a full
 * device shows at the first record, so the run can stop at once.  The
 * first failure's reason is kept for the one message the run prints.
 */
#include <config.h>

#include "results/output.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "config/job.h"
#include "util/json.h"
#include "util/log.h"
#include "results/outfile.h"
#include "results/output_recrawl.h"

#define COMMIT_ROWS 1000
#define COMMIT_NS 500000000

static const char *const output_core_columns[] = {
	"url", "final_url", "status", "content_type", "bytes", "bytes_wire", "attempts", "depth",
	"time_total", "time_dns", "time_connect", "time_tls", "time_first_byte", "error",
};
static const size_t output_core_column_count =
	sizeof output_core_columns / sizeof output_core_columns[0];
/* The upsert's first value after the core columns and the fields (the
 * recrawl columns': output_recrawl.c). */
#define RECRAWL_FIRST ((int)output_core_column_count + 2)
/* A load test's records also name their group: a CSV column after the
 * core ones when the first record has it (a crawl's header is unchanged);
 * in SQLite, a member of the fields column, which an existing table
 * already has. */
#define OUTPUT_GROUP_COLUMN "group"
/* A URL's meta (its urls entry's or url_file line's): a CSV column of
 * JSON text after them when any URL of the job has meta, as far as the
 * job knows at load, or the first record has it; in SQLite, a member of
 * the fields column. */
#define OUTPUT_META_COLUMN "meta"

enum format { FORMAT_JSONL, FORMAT_CSV, FORMAT_SQLITE };

struct output {
	enum format format;
	const struct job *job;
	FILE *file;
	int flush_each;             /* a pipe or device: every record at once */
	int regular;                /* a regular file (not standard output) */
	int failed;
	char error[160];            /* why the first failure happened */
	/* csv */
	char **columns;
	size_t column_count;
	int header_written;
	int warned_extra;
	/* sqlite */
	sqlite3 *db;
	sqlite3_stmt *upsert;
	struct recrawl_sql *recrawl; /* the rows read back and marked by recrawl */
	size_t uncommitted;
	int64_t txn_started_ns;
};

/* Whether a record key is one of the core columns. */
static int is_core_column(const char *key)
{
	size_t i;

	for (i = 0; i < output_core_column_count; i++)
		if (strcmp(output_core_columns[i], key) == 0)
			return 1;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static enum format format_of(const struct job *job)
{
	if (strcmp(job->output_format, "csv") == 0)
		return FORMAT_CSV;
	if (strcmp(job->output_format, "sqlite") == 0)
		return FORMAT_SQLITE;
	return FORMAT_JSONL;
}

/* Remembers the first failure's reason; later ones follow from it. */
static int fail(struct output *o, const char *reason)
{
	if (!o->failed)
		snprintf(o->error, sizeof o->error, "%s", reason);
	o->failed = 1;
	return -1;
}

static int fail_errno(struct output *o)
{
	return fail(o, strerror(errno ? errno : EIO));
}

static int resume_file(struct output *o, int fd, int64_t offset, int *torn, char *err,
                       size_t errlen);
static int add_column(struct output *o, const char *name);
static int csv_columns(struct output *o, const struct json_object *first);

static int open_file(struct output *o, int64_t resume_at, int *torn, char *err, size_t errlen)
{
	struct stat st;
	int fd = -1, regular = 1;

	if (strcmp(o->job->output_path, "-") == 0) {
		o->file = stdout;
		regular = fstat(STDOUT_FILENO, &st) != 0 || S_ISREG(st.st_mode);
	} else if ((fd = outfile_open_records(o->job->output_path, resume_at < 0, &regular)) < 0 ||
	           (resume_at >= 0 && regular && resume_file(o, fd, resume_at, torn, err, errlen) < 0) ||
	           !(o->file = fdopen(fd, resume_at >= 0 ? "r+" : "w"))) {
		if (o->failed) {        /* resume_file said why */
			close(fd);
			return -1;
		}
		snprintf(err, errlen, "cannot write the output file %s: %s", o->job->output_path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	o->flush_each = !regular;
	o->regular = regular && o->file != stdout;
	setvbuf(o->file, NULL, _IOFBF, 1 << 20);
	if (resume_at >= 0 && o->regular && fseeko(o->file, 0, SEEK_END) != 0) {
		snprintf(err, errlen, "cannot write the output file %s: %s", o->job->output_path,
		         strerror(errno));
		return -1;
	}
	return 0;
}

/* The header of a CSV file written by an earlier run, as its columns. */
static int read_csv_header(struct output *o, int fd)
{
	char line[65536], *p, *end;
	struct buf field = { 0 };
	ssize_t n = pread(fd, line, sizeof line - 1, 0);
	int quoted = 0;

	if (n <= 0 || !(end = memchr(line, '\n', (size_t)n)))
		return -1;
	if (end > line && end[-1] == '\r')
		end--;
	for (p = line; p <= end; p++) {
		if (p < end && quoted) {
			if (*p == '"' && p + 1 < end && p[1] == '"')
				buf_putc(&field, *p++);
			else if (*p == '"')
				quoted = 0;
			else
				buf_putc(&field, *p);
		} else if (p < end && *p == '"') {
			quoted = 1;
		} else if (p == end || *p == ',') {
			if (field.oom || add_column(o, field.data ? field.data : "") < 0) {
				buf_free(&field);
				return -1;
			}
			buf_reset(&field);
		} else {
			buf_putc(&field, *p);
		}
	}
	buf_free(&field);
	return 0;
}

/* A resumed crawl's file: cut back to offset, the length the crawl's
 * state saw written and durable; what lies beyond was written again from
 * the state's outbox or never counted.  A shorter file lost records the
 * state counts as done, which only a fresh start can mend. */
static int resume_file(struct output *o, int fd, int64_t offset, int *torn, char *err,
                       size_t errlen)
{
	struct stat st;
	char last;

	if (fstat(fd, &st) < 0)
		return fail(o, strerror(errno));
	if (st.st_size < offset) {
		snprintf(err, errlen, "%s has %lld bytes, but the crawl state saw %lld written: it was "
		         "changed since the last run (restore it, or start over with --fresh)",
		         o->job->output_path, (long long)st.st_size, (long long)offset);
		return fail(o, "shorter than the crawl state says");
	}
	*torn = st.st_size > offset && (pread(fd, &last, 1, st.st_size - 1) != 1 || last != '\n');
	if (st.st_size > offset && ftruncate(fd, offset) < 0) {
		snprintf(err, errlen, "cannot cut %s back to the records the crawl state saw: %s",
		         o->job->output_path, strerror(errno));
		return fail(o, strerror(errno));
	}
	if (o->format == FORMAT_CSV && offset > 0) {
		o->header_written = 1;
		if (o->job->output_column_count) {
			if (csv_columns(o, NULL) < 0)
				return fail(o, strerror(ENOMEM));
		} else if (read_csv_header(o, fd) < 0) {
			snprintf(err, errlen, "%s: the CSV header of the last run cannot be read back",
			         o->job->output_path);
			return fail(o, "no CSV header");
		}
	}
	return 0;
}

/* One encoded record or CSV row, whole; -1 with the reason kept. */
static int put(struct output *o, const char *data, size_t len)
{
	errno = 0;
	if (fwrite(data, 1, len, o->file) != len || (o->flush_each && fflush(o->file) != 0))
		return fail_errno(o);
	return 0;
}

/* ---- CSV (RFC 4180) ---- */

void output_csv_field(struct buf *b, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static int add_column(struct output *o, const char *name)
{
	char **grown = realloc(o->columns, (o->column_count + 1) * sizeof *grown);

	if (!grown)
		return -1;
	o->columns = grown;
	if (!(grown[o->column_count] = strdup(name)))
		return -1;
	o->column_count++;
	return 0;
}

/* Columns: the job's list, or the core columns plus the parser fields of
 * the first record. */
static int csv_columns(struct output *o, const struct json_object *first)
{
	size_t i;

	if (o->job->output_column_count) {
		for (i = 0; i < o->job->output_column_count; i++)
			if (add_column(o, o->job->output_columns[i]) < 0)
				return -1;
		return 0;
	}
	for (i = 0; i < output_core_column_count; i++)
		if (add_column(o, output_core_columns[i]) < 0)
			return -1;
	if (json_get(first, OUTPUT_GROUP_COLUMN) && add_column(o, OUTPUT_GROUP_COLUMN) < 0)
		return -1;
	if ((o->job->url_meta || json_get(first, OUTPUT_META_COLUMN)) &&
	    add_column(o, OUTPUT_META_COLUMN) < 0)
		return -1;
	for (i = 0; i < first->count; i++)
		if (!is_core_column(first->members[i].key) &&
		    strcmp(first->members[i].key, OUTPUT_GROUP_COLUMN) != 0 &&
		    strcmp(first->members[i].key, OUTPUT_META_COLUMN) != 0 &&
		    add_column(o, first->members[i].key) < 0)
			return -1;
	return 0;
}

static int csv_write(struct output *o, const struct json_object *rec)
{
	struct buf row = { 0 };
	size_t i;
	int rc = 0;

	if (!o->header_written) {
		if (csv_columns(o, rec) < 0)
			return -1;
		for (i = 0; i < o->column_count; i++) {
			if (i)
				buf_putc(&row, ',');
			output_csv_field(&row, o->columns[i]);
		}
		buf_puts(&row, "\r\n");
		o->header_written = 1;
	}
	for (i = 0; i < o->column_count; i++) {
		const struct json_member *m = json_get(rec, o->columns[i]);
		if (i)
			buf_putc(&row, ',');
		if (m && m->kind != JSON_NULL)
			output_csv_field(&row, m->text);
	}
	buf_puts(&row, "\r\n");
	if (!o->warned_extra && !o->job->output_column_count) {
		for (i = 0; i < rec->count; i++) {
			size_t j;
			for (j = 0; j < o->column_count; j++)
				if (strcmp(o->columns[j], rec->members[i].key) == 0)
					break;
			if (j == o->column_count) {
				log_warning("csv: field \"%s\" first appeared after the header was written "
				            "and is left out; list the columns in output.columns to keep it",
				            rec->members[i].key);
				o->warned_extra = 1;
				break;
			}
		}
	}
	if (row.oom)
		rc = fail(o, strerror(ENOMEM));
	else
		rc = put(o, row.data, row.len);
	buf_free(&row);
	return rc;
}

/* ---- SQLite ---- */

/* A failed statement while writing: SQLite's reason ("database or disk
 * is full"), kept for the run's message. */
static int sql_write_fail(struct output *o)
{
	char reason[160];
	int os = errno, code = sqlite3_errcode(o->db);

	/* "disk I/O error" alone hides whether the disk is full; SQLite's own
	 * record of errno is often reset by the rollback, errno is not */
	if (sqlite3_system_errno(o->db))
		os = sqlite3_system_errno(o->db);
	else if (code != SQLITE_IOERR && code != SQLITE_FULL && code != SQLITE_CANTOPEN)
		os = 0;
	snprintf(reason, sizeof reason, "%s%s%s%s", sqlite3_errmsg(o->db), os ? " (" : "",
	         os ? strerror(os) : "", os ? ")" : "");
	return fail(o, reason);
}

static int sql_fail(struct output *o, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "sqlite output %s: %s: %s", o->job->output_path, what,
	         o->db ? sqlite3_errmsg(o->db) : "cannot open");
	return -1;
}

static int sqlite_open(struct output *o, char *err, size_t errlen)
{
	struct buf sql = { 0 };
	const char *table = o->job->output_table;
	int rc;

	if (sqlite3_open(o->job->output_path, &o->db) != SQLITE_OK)
		return sql_fail(o, "cannot open", err, errlen);
	sqlite3_busy_timeout(o->db, 5000);
	/* WAL lets other processes query the table while the run writes it */
	if (sqlite3_exec(o->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
	                 NULL) != SQLITE_OK)
		return sql_fail(o, "cannot switch to WAL", err, errlen);
	buf_printf(&sql,
	           "CREATE TABLE IF NOT EXISTS \"%s\" (url TEXT PRIMARY KEY, final_url TEXT, "
	           "status INTEGER, content_type TEXT, bytes INTEGER, bytes_wire INTEGER, "
	           "attempts INTEGER, depth INTEGER, time_total REAL, time_dns REAL, "
	           "time_connect REAL, time_tls REAL, time_first_byte REAL, error TEXT, fields TEXT, fetched_at TEXT)", table);
	rc = sqlite3_exec(o->db, sql.data, NULL, NULL, NULL);
	buf_reset(&sql);
	if (rc != SQLITE_OK) {
		buf_free(&sql);
		return sql_fail(o, "cannot create the table", err, errlen);
	}
	/* a table from a scrape before bytes_wire or recrawl gets the columns */
	if (output_sql_ensure_column(o->db, table, "bytes_wire", "INTEGER") < 0) {
		buf_free(&sql);
		return sql_fail(o, "cannot add the bytes_wire column", err, errlen);
	}
	if (!(o->recrawl = recrawl_sql_open(o->db, table))) {
		buf_free(&sql);
		return sql_fail(o, "cannot add the recrawl columns", err, errlen);
	}
	/* columns by name: an added column is last in the table */
	buf_printf(&sql,
	           "INSERT INTO \"%s\" (url, final_url, status, content_type, bytes, bytes_wire, "
	           "attempts, depth, time_total, time_dns, time_connect, time_tls, time_first_byte, "
	           "error, fields, fetched_at, %s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	           "?15, strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now')", table, recrawl_sql_columns);
	recrawl_sql_values(&sql, RECRAWL_FIRST);
	buf_printf(&sql, ") ON CONFLICT(url) DO UPDATE SET "
	           "final_url = excluded.final_url, status = excluded.status, "
	           "content_type = excluded.content_type, bytes = excluded.bytes, "
	           "bytes_wire = excluded.bytes_wire, "
	           "attempts = excluded.attempts, depth = excluded.depth, "
	           "time_total = excluded.time_total, time_dns = excluded.time_dns, "
	           "time_connect = excluded.time_connect, time_tls = excluded.time_tls, "
	           "time_first_byte = excluded.time_first_byte, error = excluded.error, "
	           "fields = excluded.fields, fetched_at = excluded.fetched_at, %s", recrawl_sql_updates);
	rc = sqlite3_prepare_v2(o->db, sql.data, -1, &o->upsert, NULL);
	buf_free(&sql);
	if (rc != SQLITE_OK)
		return sql_fail(o, "cannot prepare the insert", err, errlen);
	return 0;
}

static void bind_member(sqlite3_stmt *st, int index, const struct json_member *m)
{
	if (!m || m->kind == JSON_NULL)
		sqlite3_bind_null(st, index);
	else if (m->kind == JSON_NUMBER && !strpbrk(m->text, ".eE"))
		sqlite3_bind_int64(st, index, strtoll(m->text, NULL, 10));
	else if (m->kind == JSON_NUMBER)
		sqlite3_bind_double(st, index, strtod(m->text, NULL));
	else
		sqlite3_bind_text(st, index, m->text, -1, SQLITE_TRANSIENT);
}

/* The parser fields as one JSON object, for the fields column. */
static void fields_json(const struct json_object *rec, struct buf *out)
{
	size_t i;
	int first = 1;

	buf_putc(out, '{');
	for (i = 0; i < rec->count; i++) {
		const struct json_member *m = &rec->members[i];
		if (is_core_column(m->key) || recrawl_sql_member(m->key))
			continue;
		if (!first)
			buf_putc(out, ',');
		first = 0;
		buf_json_string(out, m->key);
		buf_putc(out, ':');
		if (m->kind == JSON_STRING)
			buf_json_string(out, m->text);
		else
			buf_puts(out, m->kind == JSON_NULL ? "null" : m->text);
	}
	buf_putc(out, '}');
}

static int sqlite_write(struct output *o, const struct json_object *rec)
{
	struct buf fields = { 0 };
	size_t i;
	int rc;

	errno = 0;
	if (o->uncommitted == 0) {
		if (sqlite3_exec(o->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return sql_write_fail(o);
		o->txn_started_ns = now_ns();
	}
	if (recrawl_sql_is_unchanged(rec)) {
		/* the fields of the page as it was fetched stay */
		if (recrawl_sql_mark_unchanged(o->recrawl, rec) < 0)
			return sql_write_fail(o);
	} else {
		sqlite3_reset(o->upsert);
		for (i = 0; i < output_core_column_count; i++)
			bind_member(o->upsert, (int)i + 1, json_get(rec, output_core_columns[i]));
		fields_json(rec, &fields);
		sqlite3_bind_text(o->upsert, (int)output_core_column_count + 1, fields.data, -1,
		                  SQLITE_TRANSIENT);
		recrawl_sql_bind(o->upsert, RECRAWL_FIRST, rec);
		rc = sqlite3_step(o->upsert);
		buf_free(&fields);
		if (rc != SQLITE_DONE)
			return sql_write_fail(o);
	}
	if (++o->uncommitted >= COMMIT_ROWS || now_ns() - o->txn_started_ns >= COMMIT_NS) {
		if (sqlite3_exec(o->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return sql_write_fail(o);
		o->uncommitted = 0;
	}
	return 0;
}

/* ---- the interface ---- */

struct output *output_open(const struct job *job, char *err, size_t errlen)
{
	return output_open_at(job, -1, NULL, err, errlen);
}

struct output *output_open_at(const struct job *job, int64_t offset, int *torn, char *err,
                              size_t errlen)
{
	struct output *o = calloc(1, sizeof *o);
	int cut = 0;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->job = job;
	o->format = format_of(job);
	if ((o->format == FORMAT_SQLITE ? sqlite_open(o, err, errlen)
	                                : open_file(o, offset, &cut, err, errlen)) < 0) {
		output_close(o, NULL, 0);
		return NULL;
	}
	if (torn)
		*torn = cut;
	return o;
}

int output_sync(struct output *o, int64_t *offset)
{
	off_t end;

	*offset = 0;
	if (o->failed)
		return -1;
	errno = 0;
	if (o->file) {
		if (fflush(o->file) != 0)
			return fail_errno(o);
		if (!o->regular)
			return 0;
		if (fdatasync(fileno(o->file)) != 0)
			return fail_errno(o);
		if ((end = ftello(o->file)) < 0)
			return fail_errno(o);
		*offset = (int64_t)end;
	}
	if (o->db && o->uncommitted) {
		if (sqlite3_exec(o->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return sql_write_fail(o);
		o->uncommitted = 0;
	}
	return 0;
}

int output_write(struct output *o, const char *line, size_t len)
{
	struct json_object rec;

	if (o->failed)
		return -1;
	if (o->format == FORMAT_JSONL)
		return put(o, line, len);
	if (json_parse_object(line, len, &rec) < 0)
		return fail(o, "a record could not be read back (out of memory?)");
	if (o->format == FORMAT_CSV)
		csv_write(o, &rec);
	else
		sqlite_write(o, &rec);
	json_object_free(&rec);
	return o->failed ? -1 : 0;
}

int output_stored_validators(struct output *o, const char *url, int *known, char **etag,
                             char **last_modified)
{
	*known = 0;
	*etag = *last_modified = NULL;
	if (!o->recrawl)
		return 0;
	if (recrawl_sql_validators(o->recrawl, url, known, etag, last_modified) < 0)
		return sql_write_fail(o);
	return 0;
}

int output_stored_links(struct output *o, const char *url, char ***links, size_t *count)
{
	*links = NULL;
	*count = 0;
	if (!o->recrawl)
		return 0;
	if (recrawl_sql_links(o->recrawl, url, links, count) < 0)
		return sql_write_fail(o);
	return 0;
}

const char *output_error(const struct output *o)
{
	return o->failed ? o->error : NULL;
}

const char *output_name(const struct job *job)
{
	return strcmp(job->output_path, "-") == 0 ? "standard output" : job->output_path;
}

/* Flushes and closes the file or database; the reason of a failure is
 * kept like a write's. */
static void close_sink(struct output *o)
{
	if (o->file) {
		errno = 0;
		if (fflush(o->file) != 0 || ferror(o->file))
			fail_errno(o);
		if (o->file != stdout && fclose(o->file) != 0)
			fail_errno(o);
		o->file = NULL;
	}
	if (o->db) {
		errno = 0;
		if (o->uncommitted && sqlite3_exec(o->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			sql_write_fail(o);
		sqlite3_finalize(o->upsert);
		recrawl_sql_close(o->recrawl);
		o->recrawl = NULL;
		if (sqlite3_close(o->db) != SQLITE_OK)
			sql_write_fail(o);
		o->db = NULL;
	}
}

int output_close(struct output *o, char *err, size_t errlen)
{
	int failed;
	size_t i;

	if (!o)
		return 0;
	close_sink(o);
	failed = o->failed;
	if (failed && err)
		snprintf(err, errlen, "%s", o->error);
	for (i = 0; i < o->column_count; i++)
		free(o->columns[i]);
	free(o->columns);
	free(o);
	return failed ? -1 : 0;
}
