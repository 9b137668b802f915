/* SPDX-License-Identifier: MIT */
/*
 * Job file loading with libyaml's document API.  We copy the document into
 * our own small tree rather than keep libyaml's node arrays, because the
 * tree has to be edited (command-line overrides) and outlive the parser.
 * Anchors and aliases are expanded by libyaml; a scalar's tag is ignored.
 */
#include "tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "buf.h"

/* Source names live as long as the process: few, and nodes point to them. */
struct source_name {
	struct source_name *next;
	char name[];
};
static struct source_name *sources;

static const char *intern_source(const char *name)
{
	struct source_name *s;

	for (s = sources; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s->name;
	s = malloc(sizeof *s + strlen(name) + 1);
	if (!s)
		return "?";
	strcpy(s->name, name);
	s->next = sources;
	sources = s;
	return s->name;
}

struct loader {
	yaml_document_t *doc;
	const char *source;
	char *err;
	size_t errlen;
	int depth;
};

static void fail_at(struct loader *l, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_at(struct loader *l, int line, int col, const char *fmt, ...)
{
	int n = snprintf(l->err, l->errlen, "%s:%d:%d: ", l->source, line, col);
	va_list ap;

	if (n > 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

static struct node *new_node(enum node_kind kind, const char *source, int line, int col)
{
	struct node *n = calloc(1, sizeof *n);

	if (!n)
		return NULL;
	n->kind = kind;
	n->source = source;
	n->line = line;
	n->col = col;
	return n;
}

/* Expands ${NAME} and ${NAME:-default}; "$$" stands for a literal "$". */
static int expand_variables(struct loader *l, struct node *n, const char *raw)
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
			buf_putc(&out, *p++);
			continue;
		}
		close = strchr(p, '}');
		if (!close) {
			fail_at(l, n->line, n->col, "unclosed ${ in \"%s\"", raw);
			buf_free(&out);
			return -1;
		}
		dflt = strstr(p, ":-");
		if (dflt && dflt > close)
			dflt = NULL;
		nlen = (size_t)((dflt ? dflt : close) - (p + 2));
		if (nlen == 0 || nlen >= sizeof name) {
			fail_at(l, n->line, n->col, "bad variable reference in \"%s\"", raw);
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
			fail_at(l, n->line, n->col,
			        "environment variable %s is not set (write ${NAME:-default} for a fallback)",
			        name);
			buf_free(&out);
			return -1;
		}
		p = close + 1;
	}
	buf_putc(&out, '\0');
	if (out.oom) {
		buf_free(&out);
		fail_at(l, n->line, n->col, "out of memory");
		return -1;
	}
	n->text = out.data;
	return 0;
}

static struct node *convert(struct loader *l, yaml_node_t *yn);

static int convert_children(struct loader *l, struct node *n, yaml_node_t *yn)
{
	size_t cap;

	if (yn->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *it;
		cap = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
		n->items = calloc(cap ? cap : 1, sizeof *n->items);
		if (!n->items)
			return -1;
		for (it = yn->data.sequence.items.start; it < yn->data.sequence.items.top; it++) {
			n->items[n->count] = convert(l, yaml_document_get_node(l->doc, *it));
			if (!n->items[n->count])
				return -1;
			n->count++;
		}
		return 0;
	}
	yaml_node_pair_t *pair;
	cap = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
	n->items = calloc(cap ? cap : 1, sizeof *n->items);
	n->keys = calloc(cap ? cap : 1, sizeof *n->keys);
	if (!n->items || !n->keys)
		return -1;
	for (pair = yn->data.mapping.pairs.start; pair < yn->data.mapping.pairs.top; pair++) {
		struct node *key = convert(l, yaml_document_get_node(l->doc, pair->key));
		size_t i;

		if (!key)
			return -1;
		if (key->kind != NODE_SCALAR) {
			fail_at(l, key->line, key->col, "a key must be a plain word, not a list or map");
			tree_free(key);
			return -1;
		}
		for (i = 0; i < n->count; i++) {
			if (strcmp(n->keys[i]->text, key->text) == 0) {
				fail_at(l, key->line, key->col, "duplicate key \"%s\"", key->text);
				tree_free(key);
				return -1;
			}
		}
		n->keys[n->count] = key;
		n->items[n->count] = convert(l, yaml_document_get_node(l->doc, pair->value));
		if (!n->items[n->count]) {
			n->count++;
			return -1;
		}
		n->count++;
	}
	return 0;
}

static struct node *convert(struct loader *l, yaml_node_t *yn)
{
	static const enum node_kind kinds[] = {
		[YAML_SCALAR_NODE] = NODE_SCALAR,
		[YAML_SEQUENCE_NODE] = NODE_LIST,
		[YAML_MAPPING_NODE] = NODE_MAP,
	};
	struct node *n;
	int line, col;

	if (!yn)
		return NULL;
	line = (int)yn->start_mark.line + 1;
	col = (int)yn->start_mark.column + 1;
	if (++l->depth > 64) {
		fail_at(l, line, col, "nesting is too deep");
		return NULL;
	}
	n = new_node(kinds[yn->type], l->source, line, col);
	if (!n) {
		fail_at(l, line, col, "out of memory");
		return NULL;
	}
	if (yn->type == YAML_SCALAR_NODE) {
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (expand_variables(l, n, (const char *)yn->data.scalar.value) < 0) {
			tree_free(n);
			return NULL;
		}
	} else if (convert_children(l, n, yn) < 0) {
		if (!*l->err)
			fail_at(l, line, col, "out of memory");
		tree_free(n);
		return NULL;
	}
	l->depth--;
	return n;
}

/* Where the input is, so an error can quote the character it points at
 * and turn a byte offset into a line and column. */
struct input {
	const char *path;           /* a file, or */
	const char *text;           /* a string */
};

/* The byte at offset, or -1; counts lines and columns up to it. */
static int byte_at(const struct input *in, size_t offset, int *line, int *col)
{
	FILE *f = in->path ? fopen(in->path, "rb") : NULL;
	size_t i;
	int c = -1;

	*line = 1;
	*col = 1;
	if (!f && !in->text)
		return -1;
	for (i = 0; i <= offset; i++) {
		c = f ? getc(f) : (unsigned char)in->text[i];
		if (c == EOF || (!f && c == 0)) {
			c = -1;
			break;
		}
		if (i == offset)
			break;
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xc0) != 0x80) {
			(*col)++;       /* columns count characters, not UTF-8 bytes */
		}
	}
	if (f)
		fclose(f);
	return c;
}

static void syntax_error(yaml_parser_t *parser, const struct input *in, const char *source,
                         char *err, size_t errlen)
{
	const yaml_mark_t *m = &parser->problem_mark;
	const char *hint = "";
	char opened[64] = "";
	int line = (int)m->line + 1, col = (int)m->column + 1, c;

	if (parser->error == YAML_READER_ERROR) {
		/* reader errors (bad UTF-8) carry only a byte offset */
		byte_at(in, parser->problem_offset, &line, &col);
		snprintf(err, errlen, "%s:%d:%d: the job file is not valid UTF-8 text (%s)", source, line,
		         col, parser->problem ? parser->problem : "unreadable input");
		return;
	}
	c = byte_at(in, m->index, &line, &col);
	line = (int)m->line + 1;
	col = (int)m->column + 1;
	if (c == '\t')
		hint = " (YAML does not allow tabs for indentation: use spaces)";
	if (parser->context && (parser->context_mark.line != m->line ||
	                        parser->context_mark.column != m->column))
		snprintf(opened, sizeof opened, " (it started at %d:%d)",
		         (int)parser->context_mark.line + 1, (int)parser->context_mark.column + 1);
	snprintf(err, errlen, "%s:%d:%d: YAML syntax error: %s%s%s%s%s", source, line, col,
	         parser->problem ? parser->problem : "unreadable input",
	         parser->context ? " " : "", parser->context ? parser->context : "", opened, hint);
}

static int is_empty_document(const yaml_node_t *root)
{
	return root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0 &&
	       root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static struct node *load(yaml_parser_t *parser, const struct input *in, const char *source,
                         char *err, size_t errlen)
{
	struct loader l = { .source = source, .err = err, .errlen = errlen };
	yaml_document_t doc, extra;
	yaml_node_t *root;
	struct node *tree = NULL;

	err[0] = '\0';
	if (!yaml_parser_load(parser, &doc)) {
		syntax_error(parser, in, source, err, errlen);
		return NULL;
	}
	l.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root || is_empty_document(root))
		snprintf(err, errlen, "%s:1:1: the job file is empty", source);
	else
		tree = convert(&l, root);
	yaml_document_delete(&doc);
	if (!tree)
		return NULL;
	/* a second document is a mistake, often a badly indented first line */
	if (!yaml_parser_load(parser, &extra)) {
		syntax_error(parser, in, source, err, errlen);
		tree_free(tree);
		return NULL;
	}
	root = yaml_document_get_root_node(&extra);
	if (root) {
		snprintf(err, errlen, "%s:%d:%d: a job file holds one YAML document; this starts another",
		         source, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1);
		tree_free(tree);
		tree = NULL;
	}
	yaml_document_delete(&extra);
	return tree;
}

struct node *tree_load_file(const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	struct node *tree;
	struct stat st;
	FILE *f;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: cannot read the job file: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a job file", path);
		return NULL;
	}
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the job file: %s", path, strerror(errno));
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	yaml_parser_set_input_file(&parser, f);
	struct input in = { .path = path };
	tree = load(&parser, &in, intern_source(path), err, errlen);
	yaml_parser_delete(&parser);
	if (ferror(f) && !*err)
		snprintf(err, errlen, "%s: cannot read the job file: %s", path, strerror(errno));
	fclose(f);
	if (*err) {
		tree_free(tree);
		return NULL;
	}
	return tree;
}

struct node *tree_load_string(const char *text, const char *source, char *err, size_t errlen)
{
	yaml_parser_t parser;
	struct node *tree;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", source);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	struct input in = { .text = text };
	tree = load(&parser, &in, intern_source(source), err, errlen);
	yaml_parser_delete(&parser);
	return tree;
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
	struct node *n = new_node(NODE_SCALAR, intern_source(source), 1, 1);

	if (n && !(n->text = strdup(text))) {
		free(n);
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
			/* "strategy: NAME" becomes {name: NAME} before a key is added */
			struct node *map = new_node(NODE_MAP, root->items[i]->source,
			                            root->items[i]->line, root->items[i]->col);
			struct node *k = tree_scalar("name", value->source);
			if (!map || !k || map_add(map, k, root->items[i]) < 0)
				return -1;
			root->items[i] = map;
		}
		return tree_set(root->items[i], dot + 1, value);
	}
	key = new_node(NODE_SCALAR, value->source, value->line, value->col);
	if (!key || !(key->text = strndup(dotted, len))) {
		free(key);
		return -1;
	}
	if (dot) {
		struct node *map = new_node(NODE_MAP, value->source, value->line, value->col);
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
