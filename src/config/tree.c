/* SPDX-License-Identifier: MIT */
/*
 * Job file loading from libyaml's parser events into our own small tree,
 * which has to be edited (command-line overrides) and outlive the parser.
 * Aliases are expanded here, as copies charged to a size budget, because a
 * job file is untrusted input; a scalar's tag is ignored.
 */
#include <config.h>

#include "config/tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "util/buf.h"
#include "util/hash.h"

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
	const char *source;
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

/* "WHERE: message" into err, the whole message escaped: it quotes the
 * job's text, which must not drive the terminal.  The one formatter of
 * located errors, for the loader here and the checks (tree_fail). */
static void fail_where(char *err, size_t errlen, const char *where, const char *fmt,
                       va_list ap)
	__attribute__((format(printf, 4, 0)));

static void fail_where(char *err, size_t errlen, const char *where, const char *fmt,
                       va_list ap)
{
	char message[1024];
	int used;

	used = snprintf(message, sizeof message, "%s: ", where);
	if (used < 0 || (size_t)used >= sizeof message)
		used = 0;
	vsnprintf(message + used, sizeof message - (size_t)used, fmt, ap);
	visible(err, errlen, message);
}

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
	fail_where(l->err, l->errlen, where, fmt, ap);
	va_end(ap);
}

static void fail_mark(struct loader *l, const yaml_mark_t *m, const char *what)
{
	fail_at(l, (int)m->line + 1, (int)m->column + 1, "%s", what);
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
			/* copy up to the next '$' at once: byte by byte is slow */
			size_t run = strcspn(p + 1, "$") + 1;
			buf_append(&out, p, run);
			p += run;
			continue;
		}
		close = strchr(p, '}');
		if (!close) {
			fail_at(l, n->line, n->col, "unclosed ${ in \"%s\"", raw);
			buf_free(&out);
			return -1;
		}
		/* ":-" only counts inside this reference; searching the rest of a
		 * long value for every ${ would be quadratic */
		dflt = memmem(p + 2, (size_t)(close - (p + 2)), ":-", 2);
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
		if (out.len > TREE_MAX_BYTES)
			break;      /* charge() refuses it */
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
	struct node *c = new_node(n->kind, n->source, n->line, n->col);
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
	struct node *n;

	if (charge(l, m, 1, e->data.scalar.length) < 0)
		return -1;
	n = new_node(NODE_SCALAR, l->source, (int)m->line + 1, (int)m->column + 1);
	if (!n) {
		fail_mark(l, m, "out of memory");
		return -1;
	}
	n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (expand_variables(l, n, (const char *)e->data.scalar.value) < 0) {
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
	f->n = new_node(kind, l->source, (int)m->line + 1, (int)m->column + 1);
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
static struct node *load(yaml_parser_t *parser, const struct input *in, const char *source,
                         char *err, size_t errlen)
{
	struct loader *l = calloc(1, sizeof *l);
	struct node *tree = NULL;
	int documents = 0, rc = 1;

	err[0] = '\0';
	if (!l) {
		snprintf(err, errlen, "%s: out of memory", source);
		return NULL;
	}
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
	tree = load(&parser, &in, intern_source(path), err, errlen);
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

int tree_vfail(char *err, size_t errlen, const struct node *n, const char *fmt, va_list ap)
{
	char where[256];

	tree_where(n, where, sizeof where);
	fail_where(err, errlen, where, fmt, ap);
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
