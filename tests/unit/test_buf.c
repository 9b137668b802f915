/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/util/buf.c's escaping: JSON string encoding (UTF-8 kept,
 * bad bytes replaced) and visible(), which makes untrusted text safe to
 * print on a terminal.
 */
#include <config.h>

#include "util/buf.h"
#include "tap.h"

static void test_json(void)
{
	struct buf b = { 0 };

	buf_json_string(&b, "a\"b\\c\nd\x01");
	is_str(b.data, "\"a\\\"b\\\\c\\nd\\u0001\"", "JSON escapes quotes, backslashes and controls");
	buf_reset(&b);
	buf_json_string(&b, "caf\xc3\xa9 \xff\xfe end");
	is_str(b.data, "\"caf\xc3\xa9 \\ufffd\\ufffd end\"", "JSON keeps UTF-8 and replaces bad bytes");
	buf_reset(&b);
	buf_json_string(&b, "\xe2\x82");   /* truncated sequence at the end */
	is_str(b.data, "\"\\ufffd\\ufffd\"", "JSON survives a truncated UTF-8 sequence");
	buf_free(&b);
}

static void test_visible(void)
{
	struct buf b = { 0 };
	char small[12];
	char big[64];

	buf_put_visible(&b, "a\x1b[31mb\x07\t\r\n\x7f", 12);
	is_str(b.data, "a\\x1b[31mb\\x07\\t\\r\\n\\x7f", "visible escapes ESC, BEL, DEL and whitespace");
	buf_reset(&b);
	buf_put_visible(&b, "caf\xc3\xa9 \xff \xc2\x9b \xe2\x82", 13);
	is_str(b.data, "caf\xc3\xa9 \\xff \\xc2\\x9b \\xe2\\x82",
	       "visible keeps UTF-8, escapes bad bytes, C1 controls and a cut sequence");
	buf_reset(&b);
	buf_put_visible(&b, "a\0b", 3);
	is_str(b.data, "a\\x00b", "visible escapes a NUL inside the length");
	buf_free(&b);
	is_str(visible(big, sizeof big, "x\x1b]0;pwned\x07"), "x\\x1b]0;pwned\\x07",
	       "visible() into a fixed buffer");
	is_str(visible(small, sizeof small, "0123456789a"), "0123456789a", "visible() exact fit");
	is_str(visible(small, sizeof small, "0123456789ab"), "01234567...", "visible() cuts with ...");
	is_str(visible(small, sizeof small, "01234567\x1b"), "01234567...",
	       "visible() never cuts an escape in half");
	is_str(visible(big, sizeof big, NULL), "(null)", "visible(NULL)");
}

int main(void)
{
	test_json();
	test_visible();
	return done_testing();
}
