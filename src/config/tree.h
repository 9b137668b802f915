/* SPDX-License-Identifier: MIT */
/*
 * The job file as a small tree of scalars, lists and maps, each node
 * remembering where it was written (file, line, column) so that every
 * later check can point at the exact spot.  Built from libyaml's parser
 * events; aliases and ${VAR} references in scalars are expanded here, once.
 */
#ifndef SCRAPE_TREE_H
#define SCRAPE_TREE_H

#include <stdarg.h>
#include <stddef.h>

/* A job file is untrusted input: what it may cost is bounded, and the
 * limits are documented in scrape-job(5).  Lists and maps nest at most
 * TREE_MAX_DEPTH deep; the tree, with every alias expanded, holds at most
 * TREE_MAX_NODES values (keys, scalars, lists and maps) and TREE_MAX_BYTES
 * of scalar text after ${VAR} expansion; the file is at most TREE_MAX_INPUT
 * bytes. */
#define TREE_MAX_DEPTH 64
#define TREE_MAX_NODES 100000
#define TREE_MAX_BYTES (16 << 20)
#define TREE_MAX_INPUT (16 << 20)

enum node_kind { NODE_SCALAR, NODE_LIST, NODE_MAP };

struct tree_name;

struct node {
	enum node_kind kind;
	char *text;             /* scalars: the value, ${VAR} expanded */
	int plain;              /* scalars: written without quotes */
	struct node **keys;     /* maps: key scalars, in file order */
	struct node **items;    /* lists: items; maps: values */
	size_t count;
	const char *source;     /* file name or "--set" */
	struct tree_name *name; /* when set, owns source: shared by the nodes
	                           of one parse, freed with the last of them */
	int line, col;          /* 1-based */
};

/* Reads a YAML file into a tree.  NULL on failure with a one-line message
 * (file:line:col: ...) in err. */
struct node *tree_load_file(const char *path, char *err, size_t errlen);
/* Parses text (a --set value) the same way; source names it in errors. */
struct node *tree_load_string(const char *text, const char *source, char *err,
                              size_t errlen);
void tree_free(struct node *n);

/* The value of key in a map node, or NULL. */
struct node *tree_get(const struct node *map, const char *key);
/* Replaces (or adds) the value at a dotted path such as "output.path",
 * creating maps on the way; takes ownership of value.  -1 if a non-map
 * stands in the way. */
int tree_set(struct node *root, const char *dotted, struct node *value);
/* A scalar node made from text, located at source:1:1. */
struct node *tree_scalar(const char *text, const char *source);

/* "file:line:col" for messages. */
void tree_where(const struct node *n, char *buf, size_t len);
/* Writes "file:line:col: message" about n to err, escaped whole (see
 * visible()) because messages quote the job's values; returns -1, so a
 * check can end with "return tree_fail(...)". */
int tree_fail(char *err, size_t errlen, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int tree_vfail(char *err, size_t errlen, const struct node *n, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
const char *tree_kind_name(enum node_kind kind);

#endif
