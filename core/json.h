/* SPDX-License-Identifier: MIT */
/*
 * A reader for the flat JSON objects scrape writes as records: string,
 * number, true/false/null, and arrays of those.  Records cross from the
 * workers to the output as JSON lines; the CSV and SQLite outputs read
 * them back with this.
 */
#ifndef SCRAPE_JSON_H
#define SCRAPE_JSON_H

#include <stddef.h>

#include "buf.h"

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY };

struct json_member {
	char *key;
	enum json_kind kind;
	char *text;                 /* string: decoded; number/bool: as written;
	                               array: its JSON text */
};

struct json_object {
	struct json_member *members;
	size_t count, cap;
};

/* Parses one object; -1 if the text is not a flat JSON object. */
int json_parse_object(const char *text, size_t len, struct json_object *out);
void json_object_free(struct json_object *obj);
const struct json_member *json_get(const struct json_object *obj, const char *key);

#endif
