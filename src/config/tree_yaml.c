/* SPDX-License-Identifier: MIT */
/*
 * Job file loading: libyaml's parser events into our own small tree (see
 * tree.c), which has to be edited (command-line overrides) and outlive the
 * parser.  Everything that makes reading untrusted YAML safe lives here:
 * the input cap, the nesting limit, the node and byte budget, and aliases
 * expanded as copies charged to that budget before they are made; a
 * scalar's tag is ignored.  A parse's state is its struct loader, made and
 * freed by one call of tree_load_file() or tree_load_string(), so two
 * parses share nothing.  The tree itself, editing it and ${VAR} expansion
 * are tree.c's.
 */
#include <config.h>

#include "config/tree.h"
#include "config/tree_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "util/buf.h"
#include "util/hash.h"

/* An anchor whose node is complete: aliases copy it.  Its size is known,
 * so a copy is charged to the budget before it is made. */
struct anchor {
	struct anchor *next;        /* in its hash bucket */
	char *name;
	struct node *node;
	size_t nodes, bytes;
};

#define ANCHOR_BUCKETS 1024

/* A list or map being built, and what its own anchor will be. */
struct frame {
	struct node *n;
	size_t cap;                 /* of n->items (and n->keys) */
	struct node *key;           /* maps: the key waiting for its value */
	char *anchor;
	size_t nodes0, bytes0;      /* the budget used when it began */
	struct node **slots;        /* maps: open-addressed set of key texts */
	size_t slot_cap;
};

struct loader {
	struct tree_name *name;     /* the source's, shared by its nodes */
	const char *source;         /* its text, or "?" out of memory */
	char *err;
	size_t errlen;
	struct frame stack[TREE_MAX_DEPTH];
	int depth;
	struct node *root;
	size_t nodes, bytes;        /* made so far, aliases expanded */
	struct anchor *anchors[ANCHOR_BUCKETS];
};

static void fail_at(struct loader *l, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_at(struct loader *l, int line, int col, const char *fmt, ...)
{
	/* as long as the message: a source name too long for it is cut the
	 * same way whether it is cut here or there */
	char where[1024];
	va_list ap;

	if (l->err[0])
		return;         /* the first error is the one to report */
	snprintf(where, sizeof where, "%s:%d:%d", l->source, line, col);
	va_start(ap, fmt);
	tree_fail_where(l->err, l->errlen, where, fmt, ap);
	va_end(ap);
}

static void fail_mark(struct loader *l, const yaml_mark_t *m, const char *what)
{
	fail_at(l, (int)m->line + 1, (int)m->column + 1, "%s", what);
}

/* Charges nodes and bytes to the job's budget.  Checked before memory is
 * taken, so an alias bomb is refused at its first oversized copy. */
static int charge(struct loader *l, const yaml_mark_t *m, size_t nodes, size_t bytes)
{
	char why[160];

	if (nodes > TREE_MAX_NODES - l->nodes) {
		snprintf(why, sizeof why,
		         "the job is too large: more than %d values once aliases are expanded "
		         "(put long URL lists in a url_file)", TREE_MAX_NODES);
		fail_mark(l, m, why);
		return -1;
	}
	if (bytes > TREE_MAX_BYTES - l->bytes) {
		snprintf(why, sizeof why,
		         "the job is too large: more than %d MiB of text once aliases and "
		         "variables are expanded", TREE_MAX_BYTES >> 20);
		fail_mark(l, m, why);
		return -1;
	}
	l->nodes += nodes;
	l->bytes += bytes;
	return 0;
}

/* Adds a key to the map's set; 1 if it was there already, -1 out of
 * memory.  A set rather than a scan keeps a map of many keys linear. */
static int key_seen(struct frame *f, struct node *key)
{
	size_t i;

	if (f->n->count * 2 >= f->slot_cap) {
		size_t cap = f->slot_cap ? f->slot_cap * 2 : 16, j;
		struct node **slots = calloc(cap, sizeof *slots);

		if (!slots)
			return -1;
		for (j = 0; j < f->slot_cap; j++) {
			if (!f->slots[j])
				continue;
			for (i = hash_fnv1a(f->slots[j]->text) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
				;
			slots[i] = f->slots[j];
		}
		free(f->slots);
		f->slots = slots;
		f->slot_cap = cap;
	}
	for (i = hash_fnv1a(key->text) & (f->slot_cap - 1); f->slots[i];
	     i = (i + 1) & (f->slot_cap - 1))
		if (strcmp(f->slots[i]->text, key->text) == 0)
			return 1;
	f->slots[i] = key;
	return 0;
}

/* Appends a child to the collection on top of the stack, or makes it the
 * root; takes ownership of child. */
static int attach(struct loader *l, struct node *child)
{
	struct frame *f;

	if (l->depth == 0) {
		l->root = child;
		return 0;
	}
	f = &l->stack[l->depth - 1];
	if (f->n->kind == NODE_MAP && !f->key) {
		int seen;

		if (child->kind != NODE_SCALAR) {
			fail_at(l, child->line, child->col, "a key must be a plain word, not a list or map");
			tree_free(child);
			return -1;
		}
		seen = key_seen(f, child);
		if (seen != 0) {
			if (seen > 0)
				fail_at(l, child->line, child->col, "duplicate key \"%s\"", child->text);
			else
				fail_at(l, child->line, child->col, "out of memory");
			tree_free(child);
			return -1;
		}
		f->key = child;
		return 0;
	}
	if (f->n->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct node **items = realloc(f->n->items, cap * sizeof *items);

		if (items)
			f->n->items = items;
		if (items && f->n->kind == NODE_MAP) {
			struct node **keys = realloc(f->n->keys, cap * sizeof *keys);
			if (keys)
				f->n->keys = keys;
			items = keys;
		}
		if (!items) {
			fail_at(l, child->line, child->col, "out of memory");
			tree_free(child);
			return -1;
		}
		f->cap = cap;
	}
	if (f->n->kind == NODE_MAP) {
		f->n->keys[f->n->count] = f->key;
		f->key = NULL;
	}
	f->n->items[f->n->count++] = child;
	return 0;
}

static struct anchor **anchor_slot(struct loader *l, const char *name)
{
	struct anchor **a = &l->anchors[hash_fnv1a(name) % ANCHOR_BUCKETS];

	while (*a && strcmp((*a)->name, name) != 0)
		a = &(*a)->next;
	return a;
}

/* Remembers a finished node under its anchor (a later anchor of the same
 * name replaces it, as YAML says). */
static int remember(struct loader *l, const char *name, const struct node *n, size_t nodes,
                    size_t bytes)
{
	struct anchor **slot = anchor_slot(l, name), *a = *slot;

	if (!a) {
		a = calloc(1, sizeof *a);
		if (!a || !(a->name = strdup(name))) {
			free(a);
			fail_at(l, n->line, n->col, "out of memory");
			return -1;
		}
		*slot = a;
	}
	a->node = (struct node *)n;
	a->nodes = nodes;
	a->bytes = bytes;
	return 0;
}

/* Names a list or map as it starts, with no node yet: an alias inside it
 * is then refused instead of copying a half-built tree. */
static int anchor_begin(struct loader *l, const char *name, const yaml_mark_t *m)
{
	struct anchor **slot = anchor_slot(l, name);

	if (!*slot) {
		*slot = calloc(1, sizeof **slot);
		if (!*slot || !((*slot)->name = strdup(name))) {
			free(*slot);
			*slot = NULL;
			fail_mark(l, m, "out of memory");
			return -1;
		}
	}
	(*slot)->node = NULL;
	return 0;
}

static void forget_anchors(struct loader *l)
{
	size_t i;

	for (i = 0; i < ANCHOR_BUCKETS; i++) {
		struct anchor *a, *next;
		for (a = l->anchors[i]; a; a = next) {
			next = a->next;
			free(a->name);
			free(a);
		}
		l->anchors[i] = NULL;
	}
}

/* A deep copy; the budget was charged for the whole of it already. */
static struct node *copy_tree(const struct node *n)
{
	struct node *c = tree_node_new(n->kind, n->name, n->source, n->line, n->col);
	size_t i;

	if (!c)
		return NULL;
	c->plain = n->plain;
	if (n->text && !(c->text = strdup(n->text)))
		goto fail;
	if (n->count) {
		c->items = calloc(n->count, sizeof *c->items);
		if (!c->items || (n->keys && !(c->keys = calloc(n->count, sizeof *c->keys))))
			goto fail;
	}
	for (i = 0; i < n->count; i++) {
		if ((n->keys && !(c->keys[i] = copy_tree(n->keys[i]))) ||
		    !(c->items[i] = copy_tree(n->items[i]))) {
			if (n->keys && c->keys[i])
				tree_free(c->keys[i]);
			goto fail;
		}
		c->count++;
	}
	return c;
fail:
	tree_free(c);
	return NULL;
}

static int on_scalar(struct loader *l, const yaml_event_t *e)
{
	const yaml_mark_t *m = &e->start_mark;
	char why[1024];             /* as long as a located message */
	struct node *n;

	if (charge(l, m, 1, e->data.scalar.length) < 0)
		return -1;
	n = tree_node_new(NODE_SCALAR, l->name, l->source, (int)m->line + 1, (int)m->column + 1);
	if (!n) {
		fail_mark(l, m, "out of memory");
		return -1;
	}
	n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (tree_expand_variables((const char *)e->data.scalar.value, &n->text, why,
	                          sizeof why) < 0) {
		fail_at(l, n->line, n->col, "%s", why);
		tree_free(n);
		return -1;
	}
	/* what ${VAR} added counts too */
	if (strlen(n->text) > e->data.scalar.length &&
	    charge(l, m, 0, strlen(n->text) - e->data.scalar.length) < 0) {
		tree_free(n);
		return -1;
	}
	if (e->data.scalar.anchor &&
	    remember(l, (const char *)e->data.scalar.anchor, n, 1, strlen(n->text)) < 0) {
		tree_free(n);
		return -1;
	}
	return attach(l, n);
}

static int on_alias(struct loader *l, const yaml_event_t *e)
{
	const yaml_mark_t *m = &e->start_mark;
	struct anchor *a = *anchor_slot(l, (const char *)e->data.alias.anchor);
	struct node *n;

	if (!a) {
		fail_mark(l, m, "YAML syntax error: found undefined alias");
		return -1;
	}
	if (!a->node) {
		fail_mark(l, m, "an alias cannot refer to a list or map that contains it");
		return -1;
	}
	if (charge(l, m, a->nodes, a->bytes) < 0)
		return -1;
	if (!(n = copy_tree(a->node))) {
		fail_mark(l, m, "out of memory");
		return -1;
	}
	return attach(l, n);
}

static int on_start(struct loader *l, const yaml_event_t *e, enum node_kind kind)
{
	const yaml_mark_t *m = &e->start_mark;
	const yaml_char_t *anchor = kind == NODE_LIST ? e->data.sequence_start.anchor
	                                              : e->data.mapping_start.anchor;
	struct frame *f;

	if (l->depth > 0 && l->stack[l->depth - 1].n->kind == NODE_MAP &&
	    !l->stack[l->depth - 1].key) {
		fail_mark(l, m, "a key must be a plain word, not a list or map");
		return -1;
	}
	/* checked as the parser goes, so a file of a million '[' costs no
	 * more than its first few */
	if (l->depth >= TREE_MAX_DEPTH) {
		char why[64];
		snprintf(why, sizeof why, "nesting is too deep (at most %d levels)", TREE_MAX_DEPTH);
		fail_mark(l, m, why);
		return -1;
	}
	if (charge(l, m, 1, 0) < 0)
		return -1;
	f = &l->stack[l->depth];
	memset(f, 0, sizeof *f);
	f->nodes0 = l->nodes - 1;
	f->bytes0 = l->bytes;
	f->n = tree_node_new(kind, l->name, l->source, (int)m->line + 1, (int)m->column + 1);
	if (!f->n || (anchor && !(f->anchor = strdup((const char *)anchor)))) {
		tree_free(f->n);
		fail_mark(l, m, "out of memory");
		return -1;
	}
	if (f->anchor && anchor_begin(l, f->anchor, m) < 0) {
		tree_free(f->n);
		free(f->anchor);
		return -1;
	}
	l->depth++;
	return 0;
}

static void drop_frame(struct frame *f)
{
	tree_free(f->key);
	free(f->anchor);
	free(f->slots);
	f->key = NULL;
	f->anchor = NULL;
	f->slots = NULL;
}

static int on_end(struct loader *l)
{
	struct frame *f = &l->stack[--l->depth];
	struct node *n = f->n;
	int rc = 0;

	if (f->anchor)
		rc = remember(l, f->anchor, n, l->nodes - f->nodes0, l->bytes - f->bytes0);
	drop_frame(f);
	if (rc < 0) {
		tree_free(n);
		return -1;
	}
	return attach(l, n);
}

static void unwind(struct loader *l)
{
	while (l->depth > 0) {
		struct frame *f = &l->stack[--l->depth];
		tree_free(f->n);
		drop_frame(f);
	}
	tree_free(l->root);
	l->root = NULL;
	forget_anchors(l);
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

static int is_empty_document(const struct node *root)
{
	return root->kind == NODE_SCALAR && root->text[0] == '\0' && root->plain;
}

/* One parser event into the tree.  1: go on, 0: the stream ended, -1: an
 * error (in l->err). */
static int on_event(struct loader *l, const yaml_event_t *e, int *documents)
{
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		/* a second document is a mistake, often a badly indented first line */
		if (++*documents > 1) {
			fail_mark(l, &e->start_mark, "a job file holds one YAML document; this starts another");
			return -1;
		}
		return 1;
	case YAML_SCALAR_EVENT:
		return on_scalar(l, e) < 0 ? -1 : 1;
	case YAML_ALIAS_EVENT:
		return on_alias(l, e) < 0 ? -1 : 1;
	case YAML_SEQUENCE_START_EVENT:
		return on_start(l, e, NODE_LIST) < 0 ? -1 : 1;
	case YAML_MAPPING_START_EVENT:
		return on_start(l, e, NODE_MAP) < 0 ? -1 : 1;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(l) < 0 ? -1 : 1;
	case YAML_STREAM_END_EVENT:
		return 0;
	default:
		return 1;
	}
}

/*
 * The tree is built from parser events rather than from libyaml's document
 * API, for two reasons.  The document shares an anchored node between its
 * aliases, and copying it into our tree expanded every alias of every alias:
 * a few hundred bytes of nested aliases became gigabytes.  Here a copy is
 * charged to a budget (TREE_MAX_NODES, TREE_MAX_BYTES) before it is made.
 * And nesting is limited while the parser goes, not after it has read all
 * of a file of a hundred thousand '['.
 */
static struct node *load(yaml_parser_t *parser, const struct input *in, const char *source_text,
                         char *err, size_t errlen)
{
	struct loader *l = calloc(1, sizeof *l);
	struct tree_name *name = tree_name_new(source_text);
	/* out of memory for the name: the nodes say "?" */
	const char *source = name ? name->text : "?";
	struct node *tree = NULL;
	int documents = 0, rc = 1;

	err[0] = '\0';
	if (!l) {
		snprintf(err, errlen, "%s: out of memory", source);
		tree_name_put(name);
		return NULL;
	}
	l->name = name;
	l->source = source;
	l->err = err;
	l->errlen = errlen;
	while (rc > 0) {
		yaml_event_t e;

		if (!yaml_parser_parse(parser, &e)) {
			syntax_error(parser, in, source, err, errlen);
			rc = -1;
			break;
		}
		rc = on_event(l, &e, &documents);
		yaml_event_delete(&e);
	}
	if (rc == 0 && (!l->root || is_empty_document(l->root)))
		snprintf(err, errlen, "%s:1:1: the job file is empty", source);
	else if (rc == 0)
		tree = l->root, l->root = NULL;
	unwind(l);
	free(l);
	tree_name_put(name);        /* the nodes hold their own references */
	return tree;
}

/* The job file, read through a cap: /dev/zero or a runaway generator as
 * the job must not fill memory before the parser has anything to say. */
struct capped_file {
	FILE *f;
	size_t total;
	int too_large;
	int read_errno;
};

static int read_capped(void *data, unsigned char *buffer, size_t size, size_t *size_read)
{
	struct capped_file *cf = data;

	*size_read = fread(buffer, 1, size, cf->f);
	if (ferror(cf->f)) {
		cf->read_errno = errno ? errno : EIO;
		return 0;
	}
	cf->total += *size_read;
	if (cf->total > TREE_MAX_INPUT) {
		cf->too_large = 1;
		return 0;
	}
	return 1;
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
	struct capped_file cf = { .f = f };
	yaml_parser_set_input(&parser, read_capped, &cf);
	/* a pipe cannot be read twice to locate a bad byte */
	struct input in = { .path = S_ISREG(st.st_mode) ? path : NULL };
	tree = load(&parser, &in, path, err, errlen);
	yaml_parser_delete(&parser);
	if (cf.too_large)
		snprintf(err, errlen, "%s: the job file is larger than %d MiB", path,
		         TREE_MAX_INPUT >> 20);
	else if (cf.read_errno)
		snprintf(err, errlen, "%s: cannot read the job file: %s", path, strerror(cf.read_errno));
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
	tree = load(&parser, &in, source, err, errlen);
	yaml_parser_delete(&parser);
	return tree;
}
