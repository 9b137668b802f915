/* SPDX-License-Identifier: MIT */
/*
 * Growable buffer and the JSON encoding of strings and numbers.  JSON
 * strings must be valid UTF-8, and web pages often are not, so the encoder
 * validates as it copies rather than trusting its input.  The same
 * validation makes untrusted text safe to print on a terminal.
 */
#include "util/buf.h"
#include "util/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(b, '"');
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p++);
		} else if (*p == '\n') {
			buf_puts(b, "\\n"), p++;
		} else if (*p == '\t') {
			buf_puts(b, "\\t"), p++;
		} else if (*p == '\r') {
			buf_puts(b, "\\r"), p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(b, "\\u%04x", *p++);
		} else if ((n = utf8_length(p, 4)) > 0) {
			buf_append(b, p, n);
			p += n;
		} else {
			buf_puts(b, "\\ufffd");
			p++;
		}
	}
	buf_putc(b, '"');
}

void buf_json_double(struct buf *b, double v)
{
	char text[32];

	if (!isfinite(v)) {
		buf_puts(b, "null");
		return;
	}
	/* the shortest of 15 or 17 digits that reads back as the same double,
	 * so a price of 1234567.5 stays 1234567.5 */
	snprintf(text, sizeof text, "%.15g", v);
	if (strtod(text, NULL) != v)
		snprintf(text, sizeof text, "%.17g", v);
	buf_puts(b, text);
}

/* The escaped form of the byte or UTF-8 sequence at p (at most avail
 * bytes), written to out (room for 16); returns how many input bytes it
 * covers. */
static size_t visible_unit(const unsigned char *p, size_t avail, char *out)
{
	size_t n;

	if (*p == '\t' || *p == '\n' || *p == '\r') {
		snprintf(out, 16, "\\%c", *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r');
		return 1;
	}
	if (*p < 0x20 || *p == 0x7f) {
		snprintf(out, 16, "\\x%02x", *p);
		return 1;
	}
	if (*p < 0x80) {
		out[0] = (char)*p;
		out[1] = '\0';
		return 1;
	}
	n = utf8_length(p, avail);
	/* C1 controls (U+0080..U+009F, e.g. CSI U+009B) act like ESC [ on
	 * some terminals, so they are escaped even though they are valid */
	if (n == 0 || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
		snprintf(out, 16, "\\x%02x", *p);
		return 1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

void buf_put_visible(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		char unit[16];

		i += visible_unit(p + i, len - i, unit);
		buf_puts(b, unit);
	}
}

/* Copies s escaped into dst while it fits in limit bytes (NUL
 * included); returns the input bytes consumed and sets *used. */
static size_t visible_copy(char *dst, size_t limit, const char *s, size_t *used)
{
	size_t len = strlen(s), i = 0;

	*used = 0;
	dst[0] = '\0';
	while (i < len) {
		char unit[16];
		size_t take = visible_unit((const unsigned char *)s + i, len - i, unit);
		size_t ulen = strlen(unit);

		if (*used + ulen >= limit)
			break;
		memcpy(dst + *used, unit, ulen + 1);
		*used += ulen;
		i += take;
	}
	return i;
}

const char *visible(char *dst, size_t dstlen, const char *s)
{
	size_t used;

	if (dstlen == 0)
		return dst;
	if (!s)
		s = "(null)";
	if (s[visible_copy(dst, dstlen, s, &used)] == '\0')
		return dst;
	/* cut short: redo with room kept for the ellipsis */
	if (dstlen > 3) {
		visible_copy(dst, dstlen - 3, s, &used);
		memcpy(dst + used, "...", 4);
	}
	return dst;
}
