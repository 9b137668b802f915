/* SPDX-License-Identifier: MIT */
/*
 * Record fields.  A record holds a handful of fields, so a small array
 * searched linearly beats any map; keys keep the order parsers set them
 * in, which keeps JSON lines stable and diffable between runs.
 */
#include <config.h>

#include "results/record.h"

#include <stdlib.h>
#include <string.h>

static const char *const reserved[] = {
	"url", "final_url", "status", "content_type", "bytes", "bytes_wire", "error", "attempts",
	"time_total", "time_dns", "time_connect", "time_tls", "time_first_byte", "depth",
	"group",                    /* a load test's records: the request's group */
	"meta",                     /* the URL's meta, from its urls entry or url_file line */
	/* recrawl: conditional (record.h): the page's class and what the
	 * sqlite output keeps for the next run */
	RECORD_RECRAWL, RECORD_ETAG, RECORD_LAST_MODIFIED, RECORD_CRAWL_LINKS,
};

/* Whether the core owns this key. */
static int record_key_reserved(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(reserved[i], key) == 0)
			return 1;
	return 0;
}

void record_init(struct scrape_record *r)
{
	memset(r, 0, sizeof *r);
}

static void clear_field(struct field *f)
{
	size_t i;

	free(f->text);
	for (i = 0; i < f->count; i++)
		free(f->items[i]);
	free(f->items);
	f->text = NULL;
	f->items = NULL;
	f->count = 0;
	f->cap = 0;
}

void record_free(struct scrape_record *r)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		clear_field(&r->fields[i]);
		free(r->fields[i].key);
	}
	free(r->fields);
	for (i = 0; i < r->link_count; i++)
		free(r->links[i]);
	free(r->links);
	memset(r, 0, sizeof *r);
}

/* The field for key, emptied of any earlier value; NULL if not allowed. */
static struct field *slot(struct scrape_record *r, const char *key, int keep)
{
	struct field *f;
	size_t i;

	if (!key || !*key || record_key_reserved(key))
		return NULL;
	for (i = 0; i < r->count; i++) {
		if (strcmp(r->fields[i].key, key) == 0) {
			if (!keep)
				clear_field(&r->fields[i]);
			return &r->fields[i];
		}
	}
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct field *grown = realloc(r->fields, cap * sizeof *grown);
		if (!grown)
			return NULL;
		r->fields = grown;
		r->cap = cap;
	}
	f = &r->fields[r->count];
	memset(f, 0, sizeof *f);
	if (!(f->key = strdup(key)))
		return NULL;
	r->count++;
	return f;
}

int record_string(struct scrape_record *r, const char *key, const char *value)
{
	struct field *f;

	if (!value)
		return -1;              /* refused before the field exists */
	f = slot(r, key, 0);
	if (!f || !(f->text = strdup(value)))
		return -1;
	f->type = FIELD_STRING;
	return 0;
}

int record_int(struct scrape_record *r, const char *key, int64_t value)
{
	struct field *f = slot(r, key, 0);

	if (!f)
		return -1;
	f->type = FIELD_INT;
	f->integer = value;
	return 0;
}

int record_double(struct scrape_record *r, const char *key, double value)
{
	struct field *f = slot(r, key, 0);

	if (!f)
		return -1;
	f->type = FIELD_DOUBLE;
	f->real = value;
	return 0;
}

int record_bool(struct scrape_record *r, const char *key, int value)
{
	struct field *f = slot(r, key, 0);

	if (!f)
		return -1;
	f->type = FIELD_BOOL;
	f->integer = value != 0;
	return 0;
}

int record_append(struct scrape_record *r, const char *key, const char *value)
{
	struct field *f = slot(r, key, 1);

	if (!f)
		return -1;
	if (f->type != FIELD_LIST) {
		clear_field(f);
		f->type = FIELD_LIST;
	}
	if (!value)
		return 0;               /* the list exists, possibly empty */
	if (f->count == f->cap) {
		/* doubling keeps long lists (every link of a page) linear */
		size_t cap = f->cap ? f->cap * 2 : 8;
		char **grown = realloc(f->items, cap * sizeof *grown);
		if (!grown)
			return -1;
		f->items = grown;
		f->cap = cap;
	}
	if (!(f->items[f->count] = strdup(value)))
		return -1;
	f->count++;
	return 0;
}

int record_link(struct scrape_record *r, const char *url)
{
	if (!url)
		return -1;
	if (r->link_count == r->link_cap) {
		size_t cap = r->link_cap ? r->link_cap * 2 : 16;
		char **grown = realloc(r->links, cap * sizeof *grown);
		if (!grown)
			return -1;
		r->links = grown;
		r->link_cap = cap;
	}
	if (!(r->links[r->link_count] = strdup(url)))
		return -1;
	r->link_count++;
	return 0;
}

void record_json_members(const struct scrape_record *r, struct buf *out)
{
	size_t i, j;

	for (i = 0; i < r->count; i++) {
		const struct field *f = &r->fields[i];

		buf_putc(out, ',');
		buf_json_string(out, f->key);
		buf_putc(out, ':');
		switch (f->type) {
		case FIELD_STRING:
			buf_json_string(out, f->text);
			break;
		case FIELD_INT:
			buf_printf(out, "%lld", (long long)f->integer);
			break;
		case FIELD_DOUBLE:
			buf_json_double(out, f->real);
			break;
		case FIELD_BOOL:
			buf_puts(out, f->integer ? "true" : "false");
			break;
		case FIELD_LIST:
			buf_putc(out, '[');
			for (j = 0; j < f->count; j++) {
				if (j)
					buf_putc(out, ',');
				buf_json_string(out, f->items[j]);
			}
			buf_putc(out, ']');
			break;
		}
	}
}
