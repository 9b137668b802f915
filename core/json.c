/* SPDX-License-Identifier: MIT */
/*
 * The flat-object JSON reader.  It accepts exactly what buf_json_string()
 * and the record encoder produce (and any other well-formed flat object),
 * decoding \uXXXX escapes, surrogate pairs included, back to UTF-8.
 */
#include <config.h>

#include "json.h"

#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *p, *end;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char ch = p[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char s[4];

	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, s, 3);
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, s, 4);
	}
}

/* A string literal at c->p (on the opening quote); decoded into out. */
static int read_string(struct cursor *c, struct buf *out)
{
	buf_reset(out);
	buf_append(out, "", 0);
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned cp, low;

		if (*c->p != '\\') {
			buf_putc(out, *c->p++);
			continue;
		}
		if (++c->p >= c->end)
			return -1;
		switch (*c->p++) {
		case '"': buf_putc(out, '"'); break;
		case '\\': buf_putc(out, '\\'); break;
		case '/': buf_putc(out, '/'); break;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'n': buf_putc(out, '\n'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'u':
			if (c->end - c->p < 4 || hex4(c->p, &cp) < 0)
				return -1;
			c->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
			    c->p[1] == 'u' && hex4(c->p + 2, &low) == 0 && low >= 0xdc00 && low < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				c->p += 6;
			}
			put_utf8(out, cp);
			break;
		default:
			return -1;
		}
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	return out->oom ? -1 : 0;
}

/* A scalar or an array; its text in out, its kind returned (-1: bad). */
static int read_value(struct cursor *c, struct buf *out)
{
	const char *start = c->p;

	skip_space(c);
	if (c->p >= c->end)
		return -1;
	if (*c->p == '"')
		return read_string(c, out) < 0 ? -1 : JSON_STRING;
	if (*c->p == '[') {
		int depth = 0, in_string = 0;
		start = c->p;
		for (; c->p < c->end; c->p++) {
			if (in_string) {
				if (*c->p == '\\')
					c->p++;
				else if (*c->p == '"')
					in_string = 0;
			} else if (*c->p == '"') {
				in_string = 1;
			} else if (*c->p == '[') {
				depth++;
			} else if (*c->p == ']' && --depth == 0) {
				c->p++;
				buf_reset(out);
				buf_append(out, start, (size_t)(c->p - start));
				return JSON_ARRAY;
			}
		}
		return -1;
	}
	start = c->p;
	while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ' ')
		c->p++;
	buf_reset(out);
	buf_append(out, start, (size_t)(c->p - start));
	if (!out->data || out->len == 0)
		return -1;
	if (strcmp(out->data, "null") == 0)
		return JSON_NULL;
	if (strcmp(out->data, "true") == 0 || strcmp(out->data, "false") == 0)
		return JSON_BOOL;
	if (strspn(out->data, "-+0123456789.eE") != out->len)
		return -1;
	return JSON_NUMBER;
}

static int add_member(struct json_object *obj, const char *key, int kind, const struct buf *text)
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
	m->key = strdup(key);
	m->text = kind == JSON_NULL ? NULL : strndup(text->data ? text->data : "", text->len);
	if (!m->key || (kind != JSON_NULL && !m->text)) {
		free(m->key);
		free(m->text);
		return -1;
	}
	obj->count++;
	return 0;
}

int json_parse_object(const char *text, size_t len, struct json_object *out)
{
	struct cursor c = { text, text + len };
	struct buf key = { 0 }, value = { 0 };
	int rc = -1;

	memset(out, 0, sizeof *out);
	skip_space(&c);
	if (c.p >= c.end || *c.p++ != '{')
		goto done;
	skip_space(&c);
	if (c.p < c.end && *c.p == '}') {
		rc = 0;
		goto done;
	}
	for (;;) {
		int kind;

		skip_space(&c);
		if (read_string(&c, &key) < 0)
			goto done;
		skip_space(&c);
		if (c.p >= c.end || *c.p++ != ':')
			goto done;
		if ((kind = read_value(&c, &value)) < 0 || add_member(out, key.data, kind, &value) < 0)
			goto done;
		skip_space(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}')
			rc = 0;
		goto done;
	}
done:
	buf_free(&key);
	buf_free(&value);
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
