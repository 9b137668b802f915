/* SPDX-License-Identifier: MIT */
/*
 * The mock host (see mock_host.h).  Checks that fail abort(), so that
 * under libFuzzer a plugin breaking the host contract is a crash with a
 * reproducer, not a line in a log nobody reads.
 */
#include "mock_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct scrape_plugin *plugin;
static const struct mock_opt *rows;
static int failed;
static int verbosity = -1;
static int require_utf8;

static void host_log(enum scrape_log_level level, const char *fmt, ...) SCRAPE_PRINTF(2, 3);
static void opt_fail(const struct scrape_options *opts, const char *name, const char *fmt, ...)
	SCRAPE_PRINTF(3, 4);

static void host_log(enum scrape_log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level > verbosity)
		return;
	va_start(ap, fmt);
	fputs("mock host: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The plugin's declaration of an option; asking for an undeclared one is
 * a plugin bug the real core would also refuse to serve. */
static const struct scrape_option *declared(const char *name)
{
	const struct scrape_option *o;

	for (o = plugin->options; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	fprintf(stderr, "mock host: plugin %s asked for undeclared option \"%s\"\n", plugin->name,
	        name);
	abort();
}

/* Row i (0-based) given for name, or NULL. */
static const struct mock_opt *row(const char *name, size_t i)
{
	const struct mock_opt *r;

	for (r = rows; r && r->name; r++)
		if (strcmp(r->name, name) == 0 && i-- == 0)
			return r;
	return NULL;
}

static const char *scalar(const char *name)
{
	const struct scrape_option *o = declared(name);
	const struct mock_opt *r = row(name, 0);

	return r ? r->value : o->default_value;
}

static int opt_isset(const struct scrape_options *opts, const char *name)
{
	(void)opts;
	return scalar(name) != NULL || row(name, 0) != NULL;
}

static int opt_bool(const struct scrape_options *opts, const char *name)
{
	const char *v = scalar(name);

	(void)opts;
	return v && (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	             strcasecmp(v, "on") == 0);
}

static int64_t opt_number(const struct scrape_options *opts, const char *name)
{
	const char *v = scalar(name);

	(void)opts;
	return v ? strtoll(v, NULL, 10) : 0;
}

static const char *opt_string(const struct scrape_options *opts, const char *name)
{
	(void)opts;
	return scalar(name);
}

static size_t opt_count(const struct scrape_options *opts, const char *name)
{
	size_t n = 0;

	(void)opts;
	declared(name);
	while (row(name, n))
		n++;
	return n;
}

static const char *opt_item(const struct scrape_options *opts, const char *name, size_t i,
                            const char **value)
{
	const struct scrape_option *o = declared(name);
	const struct mock_opt *r = row(name, i);

	(void)opts;
	if (value)
		*value = r && o->type == SCRAPE_OPT_MAP ? r->value : NULL;
	if (!r)
		return NULL;
	return o->type == SCRAPE_OPT_MAP ? r->key : r->value;
}

static void opt_fail(const struct scrape_options *opts, const char *name, const char *fmt, ...)
{
	va_list ap;

	(void)opts;
	failed = 1;
	if (verbosity < SCRAPE_LOG_ERROR)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "mock host: option %s: ", name ? name : "(entry)");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the record: checked, counted, kept on request ---- */

/* Appends one "key<sep>value" line to r->text when r->keep is set. */
static void keep(struct mock_record *r, const char *key, const char *sep, const char *value)
{
	size_t need;

	if (!r->keep)
		return;
	need = strlen(key) + strlen(sep) + strlen(value) + 2;
	if (r->len + need > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		while (r->len + need > cap)
			cap *= 2;
		if (!(r->text = realloc(r->text, cap))) {
			fputs("mock host: out of memory\n", stderr);
			abort();
		}
		r->cap = cap;
	}
	r->len += (size_t)sprintf(r->text + r->len, "%s%s%s\n", key, sep, value);
}

void mock_record_free(struct mock_record *r)
{
	free(r->text);
	r->text = NULL;
	r->len = r->cap = 0;
}

static void check_text(const char *what, const char *s, int may_be_empty)
{
	if (!s || (!may_be_empty && !*s)) {
		fprintf(stderr, "mock host: %s %s\n", what, s ? "is empty" : "is NULL");
		abort();
	}
}

/* Whether s is well-formed UTF-8: no stray continuation bytes, no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
static int is_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s++, need, min, cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		for (; need; need--, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return 0;
	}
	return 1;
}

/* Checks and counts one field; text, if not NULL, is what a kept record
 * shows for it (sep between key and text). */
static int field(struct scrape_record *rec, const char *key, const char *value,
                 const char *sep, const char *text)
{
	struct mock_record *r = (struct mock_record *)(void *)rec;

	check_text("record key", key, 0);
	if (require_utf8 && value && !is_utf8((const unsigned char *)value)) {
		fprintf(stderr, "mock host: field \"%s\" is not UTF-8\n", key);
		abort();
	}
	r->fields++;
	/* strlen reads every byte, so a string without its NUL shows up */
	r->bytes += strlen(key) + (value ? strlen(value) : 0);
	keep(r, key, sep, text);
	return 0;
}

static int rec_string(struct scrape_record *rec, const char *key, const char *value)
{
	check_text("record value", value, 1);
	return field(rec, key, value, "=", value);
}

static int rec_int(struct scrape_record *rec, const char *key, int64_t value)
{
	char text[32];

	snprintf(text, sizeof text, "%lld", (long long)value);
	return field(rec, key, NULL, "=", text);
}

static int rec_double(struct scrape_record *rec, const char *key, double value)
{
	char text[64];

	snprintf(text, sizeof text, "%g", value);
	return field(rec, key, NULL, "=", text);
}

static int rec_bool(struct scrape_record *rec, const char *key, int value)
{
	return field(rec, key, NULL, "=", value ? "true" : "false");
}

static int rec_append(struct scrape_record *rec, const char *key, const char *value)
{
	return field(rec, key, value, "+=", value ? value : "");
}

/* The ABI promises the frontier absolute http(s) URLs: no relative ones,
 * no other schemes, nothing a request line could not carry. */
static int rec_link(struct scrape_record *rec, const char *url)
{
	struct mock_record *r = (struct mock_record *)(void *)rec;
	const char *p;

	check_text("link", url, 0);
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		fprintf(stderr, "mock host: link is not absolute http(s): \"%s\"\n", url);
		abort();
	}
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f) {
			fprintf(stderr, "mock host: link holds byte 0x%02x: \"%s\"\n", (unsigned char)*p,
			        url);
			abort();
		}
	}
	r->links++;
	r->bytes += strlen(url);
	keep(r, "link", "=", url);
	return 0;
}

static const struct scrape_host host = {
	.abi_major = SCRAPE_ABI_MAJOR,
	.abi_minor = SCRAPE_ABI_MINOR,
	.size = sizeof(struct scrape_host),
	.log = host_log,
	.opt_isset = opt_isset,
	.opt_bool = opt_bool,
	.opt_int = opt_number,
	.opt_string = opt_string,
	.opt_duration_ns = opt_number,
	.opt_size = opt_number,
	.opt_count = opt_count,
	.opt_item = opt_item,
	.opt_fail = opt_fail,
	.record_string = rec_string,
	.record_int = rec_int,
	.record_double = rec_double,
	.record_bool = rec_bool,
	.record_append = rec_append,
	.record_link = rec_link,
};

const struct scrape_host *mock_host(const struct scrape_plugin *p, const struct mock_opt *opts)
{
	plugin = p;
	rows = opts;
	failed = 0;
	return &host;
}

int mock_host_failed(void)
{
	return failed;
}

void mock_host_require_utf8(int on)
{
	require_utf8 = on;
}

void mock_host_verbosity(int level)
{
	verbosity = level;
}
