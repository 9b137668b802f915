/* SPDX-License-Identifier: MIT */
/*
 * The job's tree: nodes that remember where they were written, freeing,
 * lookup, editing by dotted path (command-line overrides), located error
 * messages, and ${VAR} expansion of scalars.  Reading YAML into a tree,
 * with the limits that make untrusted job files safe, is tree_yaml.c's.
 * There is no state here: a node's source name is shared by the nodes of
 * one parse through a reference count (struct tree_name), so trees from
 * different parses, or grafted into one another by tree_set(), free their
 * names with their last node.
 */
#include <config.h>

#include "config/tree.h"
#include "config/tree_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct tree_name *tree_name_new(const char *text)
{
	struct tree_name *name = malloc(sizeof *name + strlen(text) + 1);

	if (!name)
		return NULL;
	name->refs = 1;
	strcpy(name->text, text);
	return name;
}

void tree_name_put(struct tree_name *name)
{
	if (name && --name->refs == 0)
		free(name);
}

/* The one formatter of located errors (see tree_private.h). */
void tree_fail_where(char *err, size_t errlen, const char *where, const char *fmt, va_list ap)
{
	char message[1024];
	int used;

	used = snprintf(message, sizeof message, "%s: ", where);
	if (used < 0 || (size_t)used >= sizeof message)
		used = 0;
	vsnprintf(message + used, sizeof message - (size_t)used, fmt, ap);
	visible(err, errlen, message);
}

struct node *tree_node_new(enum node_kind kind, struct tree_name *name, const char *source,
                           int line, int col)
{
	struct node *n = calloc(1, sizeof *n);

	if (!n)
		return NULL;
	n->kind = kind;
	if (name) {
		name->refs++;
		n->name = name;
		source = name->text;
	}
	n->source = source;
	n->line = line;
	n->col = col;
	return n;
}

/* ---- ${VAR} expansion ---- */

int tree_expand_variables(const char *raw, char **out_text, char *why, size_t whylen)
{
	struct buf out = { 0 };
	const char *p = raw;

	while (*p) {
		const char *close, *dflt, *value;
		char name[256];
		size_t nlen;

		if (p[0] == '$' && p[1] == '$') {
			buf_putc(&out, '$');
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			/* copy up to the next '$' at once: byte by byte is slow */
			size_t run = strcspn(p + 1, "$") + 1;
			buf_append(&out, p, run);
			p += run;
			continue;
		}
		close = strchr(p, '}');
		if (!close) {
			snprintf(why, whylen, "unclosed ${ in \"%s\"", raw);
			buf_free(&out);
			return -1;
		}
		/* ":-" only counts inside this reference; searching the rest of a
		 * long value for every ${ would be quadratic */
		dflt = memmem(p + 2, (size_t)(close - (p + 2)), ":-", 2);
		nlen = (size_t)((dflt ? dflt : close) - (p + 2));
		if (nlen == 0 || nlen >= sizeof name) {
			snprintf(why, whylen, "bad variable reference in \"%s\"", raw);
			buf_free(&out);
			return -1;
		}
		memcpy(name, p + 2, nlen);
		name[nlen] = '\0';
		value = getenv(name);
		if (value && *value)
			buf_puts(&out, value);
		else if (dflt)
			buf_append(&out, dflt + 2, (size_t)(close - dflt - 2));
		else {
			snprintf(why, whylen,
			         "environment variable %s is not set (write ${NAME:-default} for a fallback)",
			         name);
			buf_free(&out);
			return -1;
		}
		p = close + 1;
		if (out.len > TREE_MAX_BYTES)
			break;      /* the loader's budget refuses it */
	}
	buf_putc(&out, '\0');
	if (out.oom) {
		buf_free(&out);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	*out_text = out.data;
	return 0;
}

void tree_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->count; i++) {
		if (n->keys)
			tree_free(n->keys[i]);
		if (n->items)
			tree_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->text);
	tree_name_put(n->name);
	free(n);
}

struct node *tree_get(const struct node *map, const char *key)
{
	size_t i;

	if (!map || map->kind != NODE_MAP)
		return NULL;
	for (i = 0; i < map->count; i++)
		if (strcmp(map->keys[i]->text, key) == 0)
			return map->items[i];
	return NULL;
}

struct node *tree_scalar(const char *text, const char *source)
{
	struct tree_name *name = tree_name_new(source);
	struct node *n = tree_node_new(NODE_SCALAR, name, "?", 1, 1);

	tree_name_put(name);        /* the node holds its own reference */
	if (n && !(n->text = strdup(text))) {
		tree_free(n);
		return NULL;
	}
	if (n)
		n->plain = 1;
	return n;
}

/* Adds key -> value to a map; takes ownership of both. */
static int map_add(struct node *map, struct node *key, struct node *value)
{
	struct node **keys = realloc(map->keys, (map->count + 1) * sizeof *keys);
	struct node **items;

	if (!keys)
		return -1;
	map->keys = keys;
	items = realloc(map->items, (map->count + 1) * sizeof *items);
	if (!items)
		return -1;
	map->items = items;
	map->keys[map->count] = key;
	map->items[map->count] = value;
	map->count++;
	return 0;
}

int tree_set(struct node *root, const char *dotted, struct node *value)
{
	const char *dot = strchr(dotted, '.');
	size_t len = dot ? (size_t)(dot - dotted) : strlen(dotted);
	struct node *key;
	size_t i;

	if (root->kind != NODE_MAP)
		return -1;
	for (i = 0; i < root->count; i++) {
		if (strlen(root->keys[i]->text) != len ||
		    strncmp(root->keys[i]->text, dotted, len) != 0)
			continue;
		if (!dot) {
			tree_free(root->items[i]);
			root->items[i] = value;
			return 0;
		}
		if (root->items[i]->kind == NODE_LIST)
			return -1;
		if (root->items[i]->kind == NODE_SCALAR) {
			/* "strategy: NAME" becomes {name: NAME} and "output: PATH"
			 * {path: PATH} before a key is added */
			const char *shorthand = len == 6 && strncmp(dotted, "output", 6) == 0 ? "path" : "name";
			struct node *map = tree_node_new(NODE_MAP, root->items[i]->name, root->items[i]->source,
			                            root->items[i]->line, root->items[i]->col);
			struct node *k = tree_scalar(shorthand, value->source);
			if (!map || !k || map_add(map, k, root->items[i]) < 0)
				return -1;
			root->items[i] = map;
		}
		return tree_set(root->items[i], dot + 1, value);
	}
	key = tree_node_new(NODE_SCALAR, value->name, value->source, value->line, value->col);
	if (!key || !(key->text = strndup(dotted, len))) {
		tree_free(key);
		return -1;
	}
	if (dot) {
		struct node *map = tree_node_new(NODE_MAP, value->name, value->source, value->line, value->col);
		if (!map || map_add(root, key, map) < 0)
			return -1;
		return tree_set(map, dot + 1, value);
	}
	return map_add(root, key, value);
}

void tree_where(const struct node *n, char *buf, size_t len)
{
	/* a value given to a named option (-w 8) has no lines or columns */
	if (n->source[0] == '-' && strncmp(n->source, "--set ", 6) != 0)
		snprintf(buf, len, "%s", n->source);
	else
		snprintf(buf, len, "%s:%d:%d", n->source, n->line, n->col);
}

int tree_vfail(char *err, size_t errlen, const struct node *n, const char *fmt, va_list ap)
{
	char where[256];

	tree_where(n, where, sizeof where);
	tree_fail_where(err, errlen, where, fmt, ap);
	return -1;
}

int tree_fail(char *err, size_t errlen, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tree_vfail(err, errlen, n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *tree_kind_name(enum node_kind kind)
{
	switch (kind) {
	case NODE_SCALAR:
		return "a single value";
	case NODE_LIST:
		return "a list";
	case NODE_MAP:
		return "a map";
	}
	return "?";
}
