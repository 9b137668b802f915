/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer, used for response bodies, output lines and
 * reports.  Appends that run out of memory set a sticky flag instead of
 * failing one by one, so callers check once at the end.
 */
#ifndef SCRAPE_BUF_H
#define SCRAPE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;     /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	int oom;        /* an append failed */
};

void buf_reset(struct buf *b);          /* len = 0, keeps the memory */
void buf_free(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included; invalid UTF-8 bytes
 * become U+FFFD so the output always parses. */
void buf_json_string(struct buf *b, const char *s);
/* Appends a double as JSON (null for NaN/inf). */
void buf_json_double(struct buf *b, double v);

#endif
