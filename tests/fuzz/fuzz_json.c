/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the core's JSON reader (src/util/json.c): the pull reader --merge
 * reads whole reports with, and json_parse_object() on top of it, which
 * reads records back for the CSV and SQLite outputs.  Input: the JSON
 * text, without a terminating NUL.  Invariants beyond "no crash":
 *  - the document reader either refuses the text with a one-line reason
 *    or accepts it, and then the value's text it reports lies within the
 *    input and is accepted again on its own;
 *  - an object json_parse_object() accepts is a document the reader
 *    accepts, and its members re-serialise (keys and strings through
 *    buf_json_string, the other kinds as written) to JSON it accepts
 *    again, with the same number of members and kinds, and serialising
 *    that second reading gives the same bytes (a fixed point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "harness.h"
#include "util/json.h"

#define CHECK(cond, ...) FUZZ_CHECK("fuzz_json", cond, __VA_ARGS__)

static void serialise(struct buf *out, const struct json_object *obj)
{
	size_t i;

	buf_putc(out, '{');
	for (i = 0; i < obj->count; i++) {
		const struct json_member *m = &obj->members[i];

		if (i)
			buf_putc(out, ',');
		buf_json_string(out, m->key);
		buf_putc(out, ':');
		if (m->kind == JSON_NULL)
			buf_puts(out, "null");
		else if (m->kind == JSON_STRING)
			buf_json_string(out, m->text);
		else
			buf_puts(out, m->text);
	}
	buf_putc(out, '}');
}

static void check_round_trip(const struct json_object *first)
{
	struct json_object second;
	struct buf a = { 0 }, b = { 0 };
	size_t i;

	serialise(&a, first);
	if (a.oom)
		goto done;
	CHECK(json_parse_object(a.data, a.len, &second) == 0, "its own output refused: %s", a.data);
	CHECK(second.count == first->count, "%zu members, then %zu: %s", first->count, second.count,
	      a.data);
	for (i = 0; i < first->count; i++)
		CHECK(second.members[i].kind == first->members[i].kind, "member %zu changed kind: %s", i,
		      a.data);
	serialise(&b, &second);
	CHECK(b.oom || (b.len == a.len && memcmp(a.data, b.data, a.len) == 0),
	      "no fixed point: %s then %s", a.data, b.data);
	json_object_free(&second);
done:
	buf_free(&a);
	buf_free(&b);
}

/* 1 if the document reader accepts text[0..len), 0 if it refuses it. */
static int document_ok(const char *text, size_t len, int again)
{
	struct json_reader r;
	const char *start = NULL, *end = NULL;
	int ok;

	json_reader_init(&r, text, len, 0);
	ok = json_skip(&r, &start, &end) == 0 && json_reader_finish(&r) == 0;
	if (!ok) {
		CHECK(r.error[0] && !strchr(r.error, '\n'), "refused without a one-line reason: \"%s\"",
		      r.error);
	} else {
		CHECK(start && end && text <= start && start < end && end <= text + len,
		      "the value's text is not within the input");
		if (again)
			CHECK(document_ok(start, (size_t)(end - start), 0), "its own value refused: %.*s",
			      (int)(end - start), start);
	}
	json_reader_free(&r);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object obj;
	char *text = malloc(size ? size : 1);
	size_t i;
	int document;

	if (!text)
		return 0;
	memcpy(text, data, size);
	document = document_ok(text, size, 1);
	if (json_parse_object(text, size, &obj) == 0) {
		CHECK(document, "a flat object the document reader refuses");
		for (i = 0; i < obj.count; i++)
			CHECK(json_get(&obj, obj.members[i].key), "member \"%s\" not found",
			      obj.members[i].key);
		check_round_trip(&obj);
		json_object_free(&obj);
	}
	free(text);
	return 0;
}
