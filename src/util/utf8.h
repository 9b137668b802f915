/* SPDX-License-Identifier: MIT */
/*
 * The one UTF-8 validator, for the JSON reader (which refuses invalid
 * text), the core's writers (which escape it: buf_json_string,
 * buf_put_visible) and the HTML plugins (which repair a body that says it
 * is UTF-8 and is not).  Header only, static inline, for the reason given
 * in hash.h: plugins are loaded RTLD_LOCAL and reach the core only through
 * the host table, so they cannot link a core function; they include this
 * file by a relative path instead.
 */
#ifndef SCRAPE_UTF8_H
#define SCRAPE_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at p, reading at most avail
 * bytes (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF); 0 if it is not one.  A NUL ends a sequence like any other
 * non-continuation byte, so a NUL-terminated string is read safely with
 * avail = 4. */
static inline size_t utf8_length(const unsigned char *p, size_t avail)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

#endif
