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

/* Appends len bytes of untrusted text (a URL-file line, a job value, a
 * server's header) so that echoing it cannot drive the terminal: control
 * bytes (< 0x20, 0x7f), C1 controls (U+0080..U+009F) and bytes that are not
 * valid UTF-8 become \xNN (tab, newline and CR as \t, \n, \r); valid UTF-8
 * text and backslashes are copied as they are.  NUL bytes inside len are
 * escaped too, so binary input is safe. */
void buf_put_visible(struct buf *b, const char *s, size_t len);
/* The same for a NUL-terminated s into a fixed buffer, for one-line
 * messages: returns dst, always NUL-terminated; text that does not fit is
 * cut at a character boundary and ends in "...".  NULL s gives "(null)". */
const char *visible(char *dst, size_t dstlen, const char *s);

#endif
