/* SPDX-License-Identifier: MIT */
/*
 * Private to the tree module: what tree.c (the tree, its edits, ${VAR}
 * expansion) gives tree_yaml.c (reading YAML into a tree).  Nothing
 * outside src/config/tree*.c includes this.
 */
#ifndef SCRAPE_CONFIG_TREE_PRIVATE_H
#define SCRAPE_CONFIG_TREE_PRIVATE_H

#include <stdarg.h>
#include <stddef.h>

#include "config/tree.h"

/* A source name ("job.yaml", "--set output.path") shared by the nodes
 * that came from it.  Trees are made, edited and freed by one thread (the
 * main one, before the run), so the count needs no atomics. */
struct tree_name {
	unsigned refs;
	char text[];
};

/* One reference to a copy of text; NULL when out of memory. */
struct tree_name *tree_name_new(const char *text);
/* Drops a reference (NULL is fine); the last one frees the name. */
void tree_name_put(struct tree_name *name);

/* A childless node.  With a name, it takes a reference and its source is
 * the name's text; without, source is kept as given (not owned). */
struct node *tree_node_new(enum node_kind kind, struct tree_name *name, const char *source,
                           int line, int col);

/* "WHERE: message" into err, the whole message escaped: it quotes the
 * job's text, which must not drive the terminal.  The one formatter of
 * located errors, for the loader and the checks (tree_fail). */
void tree_fail_where(char *err, size_t errlen, const char *where, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* Expands ${NAME} and ${NAME:-default} in raw; "$$" stands for a literal
 * "$".  0 with the new text in *out (the caller's to free), or -1 with
 * the reason in why.  Stops adding once the text passes TREE_MAX_BYTES:
 * the loader's budget refuses it. */
int tree_expand_variables(const char *raw, char **out, char *why, size_t whylen);

#endif
