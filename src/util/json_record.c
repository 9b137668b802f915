/* SPDX-License-Identifier: MIT */
/*
 * What the records and --merge need on top of the pull reader in json.c:
 * reading a whole file under a size cap into one buffer, and parsing one
 * record line into a flat object (json_parse_object: scalars, arrays and
 * objects kept as their text, keyed by name) that the CSV and SQLite
 * outputs read back.  They live apart from the reader because they are its callers, not
 * part of its grammar: the reader's limits and checks stay in one file, and
 * this one only uses its public entry points.
 */
#include <config.h>

#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files ---- */

int json_read_file(const char *path, size_t max_size, struct buf *out, const char **why)
{
	struct stat st;
	ssize_t n;
	size_t size, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max_size) {
		*why = S_ISREG(st.st_mode) ? "it is larger than a report can be" : "not a regular file";
		close(fd);
		return -1;
	}
	/* one allocation of the file's size: a doubling buffer would peak at
	 * twice the text */
	size = (size_t)st.st_size;
	buf_reset(out);
	if (buf_reserve(out, size + 1) < 0) {
		*why = "out of memory";
		close(fd);
		return -1;
	}
	while (got < size && (n = read(fd, out->data + got, size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = strerror(errno);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	out->len = got;             /* a file that shrank meanwhile: what was read */
	out->data[got] = '\0';
	return 0;
}

/* ---- flat objects, on the reader ---- */

static int add_member(struct json_object *obj, const char *key, size_t key_len, int kind,
                      const char *text, size_t len)
{
	struct json_member *m;

	if (obj->count == obj->cap) {
		size_t cap = obj->cap ? obj->cap * 2 : 16;
		struct json_member *grown = realloc(obj->members, cap * sizeof *grown);
		if (!grown)
			return -1;
		obj->members = grown;
		obj->cap = cap;
	}
	m = &obj->members[obj->count];
	m->kind = (enum json_kind)kind;
	m->key = strndup(key, key_len);
	m->text = kind == JSON_NULL ? NULL : strndup(text, len);
	if (!m->key || (kind != JSON_NULL && !m->text)) {
		free(m->key);
		free(m->text);
		return -1;
	}
	obj->count++;
	return 0;
}

/* One member's value as the flat object keeps it. */
static int flat_value(struct json_reader *r, struct json_object *out, const char *key, size_t key_len)
{
	const char *start, *stop;
	size_t len;
	int kind = json_peek(r);

	if (kind == JSON_STRING) {
		if (json_read_string(r, &start, &len) < 0)
			return -1;
		return add_member(out, key, key_len, kind, start, len);
	}
	/* numbers, booleans, arrays and objects (meta) as written */
	if (json_skip(r, &start, &stop) < 0)
		return -1;
	return add_member(out, key, key_len, kind, start, (size_t)(stop - start));
}

int json_parse_object(const char *text, size_t len, struct json_object *out)
{
	struct json_reader r;
	struct buf key = { 0 };
	const char *k;
	size_t klen;
	int more, rc = -1;

	memset(out, 0, sizeof *out);
	json_reader_init(&r, text, len, 0);
	if (json_object_begin(&r) < 0)
		goto done;
	while ((more = json_object_next(&r, &k, &klen)) == 1) {
		/* keys are C strings here: two that differ after a NUL would
		 * become one */
		if (memchr(k, '\0', klen)) {
			json_reader_fail(&r, "a key has a NUL character");
			goto done;
		}
		/* the key buffer is reused by a nested array's objects */
		buf_reset(&key);
		buf_append(&key, k, klen);
		if (key.oom || flat_value(&r, out, key.data, key.len) < 0)
			goto done;
	}
	if (more == 0 && json_reader_finish(&r) == 0)
		rc = 0;
done:
	buf_free(&key);
	json_reader_free(&r);
	if (rc < 0)
		json_object_free(out);
	return rc;
}

void json_object_free(struct json_object *obj)
{
	size_t i;

	for (i = 0; i < obj->count; i++) {
		free(obj->members[i].key);
		free(obj->members[i].text);
	}
	free(obj->members);
	memset(obj, 0, sizeof *obj);
}

const struct json_member *json_get(const struct json_object *obj, const char *key)
{
	size_t i;

	for (i = 0; i < obj->count; i++)
		if (strcmp(obj->members[i].key, key) == 0)
			return &obj->members[i];
	return NULL;
}
