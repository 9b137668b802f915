/* SPDX-License-Identifier: MIT */
/*
 * The result record of one response: the fields parsers add (through the
 * host's record_* calls) and the links they offer.  The core's own fields
 * (url, status, bytes, timings, error) are not stored here; they come from
 * the transfer when the record is written out.
 */
#ifndef SCRAPE_RECORD_H
#define SCRAPE_RECORD_H

#include <stdint.h>

#include "util/buf.h"

enum field_type { FIELD_STRING, FIELD_INT, FIELD_DOUBLE, FIELD_BOOL, FIELD_LIST };

struct field {
	char *key;
	enum field_type type;
	char *text;
	int64_t integer;
	double real;
	char **items;
	size_t count, cap;
};

/* The members a record of recrawl: conditional adds: how the page
 * compared with its stored row ("new", "changed", "unchanged"), the
 * validators of what was fetched, and every link the parsers found (a
 * JSON array), which an unchanged page's crawl follows again.  Reserved:
 * parsers cannot set them. */
#define RECORD_RECRAWL "recrawl"
#define RECORD_ETAG "recrawl_etag"
#define RECORD_LAST_MODIFIED "recrawl_last_modified"
#define RECORD_CRAWL_LINKS "recrawl_links"

/* How a response compares with the page's stored row. */
enum recrawl_class { RECRAWL_NONE, RECRAWL_NEW, RECRAWL_CHANGED, RECRAWL_UNCHANGED };

struct scrape_record {
	struct field *fields;
	size_t count, cap;
	char **links;
	size_t link_count, link_cap;
};

void record_init(struct scrape_record *r);
void record_free(struct scrape_record *r);

/* Host calls (see struct scrape_host); -1 for a reserved key or no memory. */
int record_string(struct scrape_record *r, const char *key, const char *value);
int record_int(struct scrape_record *r, const char *key, int64_t value);
int record_double(struct scrape_record *r, const char *key, double value);
int record_bool(struct scrape_record *r, const char *key, int value);
int record_append(struct scrape_record *r, const char *key, const char *value);
int record_link(struct scrape_record *r, const char *url);

/* Appends the fields as JSON members (",\"key\":value" each). */
void record_json_members(const struct scrape_record *r, struct buf *out);

#endif
