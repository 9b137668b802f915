/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the JSON reader (src/util/json.c) and the record helpers
 * on it (src/util/json_record.c): what RFC 8259 allows is read, what an
 * untrusted file could use against a reader is refused with a reason
 * (bad grammar, duplicate keys also past the hash index, bad escapes and
 * UTF-8, numbers out of range, nesting past the limit), and records
 * become flat objects.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/json.h"
#include "tap.h"

/* 0 when the whole text is one valid document; the reason in why. */
static int check(const char *text, unsigned depth, char *why, size_t len)
{
	struct json_reader r;
	int rc;

	json_reader_init(&r, text, strlen(text), depth);
	rc = json_skip(&r, NULL, NULL) == 0 && json_reader_finish(&r) == 0 ? 0 : -1;
	snprintf(why, len, "%s", r.error);
	json_reader_free(&r);
	return rc;
}

/* The text for a test's description: control bytes and bytes past ASCII
 * as \xHH, so the TAP log stays plain text. */
static const char *shown(const char *text)
{
	static char out[256];
	size_t n = 0;

	for (; *text && n + 5 < sizeof out; text++) {
		unsigned char c = (unsigned char)*text;
		if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(out + n, sizeof out - n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
}

static void test_grammar(void)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0.5e+3", "\"\"", "true", "null", " {\"a\" : [1, {\"b\": null}]} ",
		"\"\\u00e9\\ud83d\\ude00\\n\\\"\"", "\"caf\xc3\xa9\"", "1e300",
	};
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "NaN", "Infinity", "-", "'a'",
		"{a:1}", "[1 2]", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\tb\"", "\"\xff\"",
		"\"\xc3\"", "1e400", "-1e400", "{} {}", "tru", "nul", "[1]]",
	};
	char why[128];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ok(check(good[i], 0, why, sizeof why) == 0, "valid: %s (%s)", shown(good[i]), why);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(check(bad[i], 0, why, sizeof why) < 0 && why[0], "refused: %s (%s)", shown(bad[i]), why);
	ok(check("[1", 0, why, sizeof why) < 0 && strcmp(why, "the document ends early") == 0,
	   "a cut document says so plainly (%s)", why);
}

static void test_limits(void)
{
	char text[300], why[128];
	size_t i;

	for (i = 0; i < 65; i++)
		text[i] = '[';
	for (i = 0; i < 65; i++)
		text[65 + i] = ']';
	text[130] = '\0';
	ok(check(text, 0, why, sizeof why) < 0, "65 levels are past the default limit (%s)", why);
	text[64] = ']';
	text[129] = '\0';
	memmove(text + 64, text + 65, 65);
	ok(check(text, 0, why, sizeof why) == 0, "64 levels are fine (%s)", why);
	ok(check("[[[1]]]", 2, why, sizeof why) < 0, "a caller's lower limit holds (%s)", why);
	ok(check("{\"a\":1,\"b\":2,\"a\":3}", 0, why, sizeof why) < 0, "a duplicate key is refused (%s)",
	   why);
	/* past LINEAR_KEYS the keys are found through a seeded hash index */
	ok(check("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,"
	         "\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12}", 0, why, sizeof why) == 0,
	   "thirteen distinct keys are fine (%s)", why);
	ok(check("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,"
	         "\"k9\":9,\"k10\":10,\"k11\":11,\"k3\":12}", 0, why, sizeof why) < 0,
	   "a duplicate among thirteen is refused (%s)", why);
	ok(check("{\"a\":{\"x\":1},\"b\":{\"x\":2}}", 0, why, sizeof why) == 0,
	   "the same key in two objects is fine");
	ok(check("{\"\\u0061\":1,\"a\":2}", 0, why, sizeof why) < 0,
	   "keys are compared decoded (%s)", why);
	ok(json_hash(1, "abc", 3) == json_hash(1, "abc", 3) && json_hash(1, "abc", 3) != json_hash(2, "abc", 3),
	   "the hash follows its seed");
	ok(json_hash_seed() != 0, "a seed is never 0");
}

static void test_pull(void)
{
	const char *text = "{\"n\":3,\"big\":18446744073709551615,\"s\":\"a\\u00e9\",\"t\":true,"
	                   "\"l\":[1,2]}";
	struct json_reader r;
	const char *key, *s;
	uint64_t count = 0, big = 0;
	size_t len = 0, items = 0;
	int more, t = 0;
	double d = 0;

	json_reader_init(&r, text, strlen(text), 0);
	ok(json_peek(&r) == JSON_OBJECT && json_object_begin(&r) == 0, "an object begins");
	ok(json_object_next(&r, &key, &len) == 1 && strcmp(key, "n") == 0 && len == 1 &&
	   json_read_count(&r, &count) == 0 && count == 3, "a member and its count");
	ok(json_object_next(&r, &key, NULL) == 1 && json_read_count(&r, &big) == 0 &&
	   big == UINT64_MAX, "a count of 2^64-1 is exact");
	ok(json_object_next(&r, &key, NULL) == 1 && json_read_string(&r, &s, &len) == 0 &&
	   strcmp(s, "a\xc3\xa9") == 0 && len == 3, "a string is decoded to UTF-8");
	ok(json_object_next(&r, &key, NULL) == 1 && json_read_bool(&r, &t) == 0 && t == 1, "a bool");
	ok(json_object_next(&r, &key, NULL) == 1 && json_array_begin(&r) == 0, "an array begins");
	while ((more = json_array_next(&r)) == 1 && json_read_number(&r, &d) == 0)
		items++;
	ok(more == 0 && items == 2 && d == 2, "its items, then its end");
	ok(json_object_next(&r, &key, NULL) == 0 && json_reader_finish(&r) == 0, "and the object's");
	json_reader_free(&r);

	json_reader_init(&r, "[1.5]", 5, 0);
	ok(json_array_begin(&r) == 0 && json_array_next(&r) == 1 && json_read_count(&r, &count) < 0 &&
	   r.error[0], "1.5 is not a count (%s)", r.error);
	json_reader_free(&r);
	json_reader_init(&r, "[-1]", 4, 0);
	ok(json_array_begin(&r) == 0 && json_array_next(&r) == 1 && json_read_count(&r, &count) < 0,
	   "-1 is not a count");
	json_reader_free(&r);
	json_reader_init(&r, "[18446744073709551616]", 22, 0);
	ok(json_array_begin(&r) == 0 && json_array_next(&r) == 1 && json_read_count(&r, &count) < 0,
	   "2^64 is not a count");
	json_reader_free(&r);
	json_reader_init(&r, "[\"x\"]", 5, 0);
	ok(json_array_begin(&r) == 0 && json_array_next(&r) == 1 &&
	   json_reader_fail(&r, "no %s here", "strings") < 0 && json_read_string(&r, &s, NULL) < 0 &&
	   strcmp(r.error, "no strings here") == 0, "a caller's refusal stops the reader, with its reason");
	json_reader_free(&r);
}

static void test_objects(void)
{
	const char *line = "{\"url\":\"http://a/\",\"status\":200,\"ok\":true,\"title\":null,"
	                   "\"links\":[\"x\",\"y\"],\"quote\":\"a\\\"b\"}";
	struct json_object o;
	const struct json_member *m;

	if (!ok(json_parse_object(line, strlen(line), &o) == 0 && o.count == 6, "a record parses"))
		return;
	m = json_get(&o, "url");
	ok(m && m->kind == JSON_STRING && strcmp(m->text, "http://a/") == 0, "a string member");
	m = json_get(&o, "status");
	ok(m && m->kind == JSON_NUMBER && strcmp(m->text, "200") == 0, "a number, as written");
	m = json_get(&o, "ok");
	ok(m && m->kind == JSON_BOOL && strcmp(m->text, "true") == 0, "a bool, as written");
	m = json_get(&o, "title");
	ok(m && m->kind == JSON_NULL && m->text == NULL, "null has no text");
	m = json_get(&o, "links");
	ok(m && m->kind == JSON_ARRAY && strcmp(m->text, "[\"x\",\"y\"]") == 0, "an array, as its JSON");
	m = json_get(&o, "quote");
	ok(m && strcmp(m->text, "a\"b") == 0, "a string is decoded");
	ok(json_get(&o, "missing") == NULL, "a missing member is NULL");
	json_object_free(&o);
	ok(o.count == 0 && o.members == NULL, "freeing leaves an empty object");
	ok(json_parse_object("{\"a\":{\"b\": [1]}}", 16, &o) == 0 && o.count == 1 &&
	   o.members[0].kind == JSON_OBJECT && strcmp(o.members[0].text, "{\"b\": [1]}") == 0,
	   "a nested object (meta) is kept as its JSON text");
	json_object_free(&o);
	ok(json_parse_object("{\"a\":{\"b\":1,\"b\":2}}", 19, &o) < 0,
	   "a nested object is checked all the way down");
	ok(json_parse_object("{\"a\\u0000b\":1}", 14, &o) < 0, "a key with a NUL is refused");
	ok(json_parse_object("[1]", 3, &o) < 0, "an array is not a record");
	ok(json_parse_object("{\"a\":1} x", 9, &o) < 0, "nor is an object with junk after it");
	ok(json_parse_object("{\"a\":1,\"a\":2}", 13, &o) < 0, "nor one with a duplicate key");
}

static void test_files(void)
{
	char path[] = "/tmp/scrape-json-XXXXXX";
	struct buf b = { 0 };
	const char *why = NULL;
	int fd = mkstemp(path);

	if (!ok(fd >= 0 && write(fd, "{\"a\":1}\n", 8) == 8, "a file to read"))
		return;
	close(fd);
	ok(json_read_file(path, 100, &b, &why) == 0 && b.len == 8 && strcmp(b.data, "{\"a\":1}\n") == 0,
	   "a file is read whole, NUL-terminated");
	ok(json_read_file(path, 7, &b, &why) < 0 && strcmp(why, "it is larger than a report can be") == 0,
	   "one over the size cap is refused (%s)", why);
	ok(json_read_file("/tmp", 100, &b, &why) < 0 && strcmp(why, "not a regular file") == 0,
	   "a directory is refused (%s)", why);
	unlink(path);
	ok(json_read_file(path, 100, &b, &why) < 0 && strcmp(why, "No such file or directory") == 0,
	   "a missing file says why (%s)", why);
	buf_free(&b);
}

int main(void)
{
	test_grammar();
	test_limits();
	test_pull();
	test_objects();
	test_files();
	return done_testing();
}
