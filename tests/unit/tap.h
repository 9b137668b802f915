/* SPDX-License-Identifier: MIT */
/*
 * A tiny TAP producer for the unit tests: each check prints "ok N" or
 * "not ok N" with a description, and done() prints the plan, so the
 * automake TAP driver counts every check as its own test.
 */
#ifndef SCRAPE_TAP_H
#define SCRAPE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static int __attribute__((format(printf, 2, 3))) ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

/* String equality with both values shown on failure; unused is fine, as
 * not every test program compares strings. */
static int __attribute__((unused)) is_str(const char *got, const char *want, const char *what)
{
	int same = got && want ? strcmp(got, want) == 0 : got == want;

	if (!ok(same, "%s", what))
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want ? want : "(null)");
	return same;
}

static int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
