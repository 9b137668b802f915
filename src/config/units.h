/* SPDX-License-Identifier: MIT */
/*
 * Units in job files and on the command line: durations (250ms, 10s, 2m),
 * rates (100/s, 6000/m), sizes (64k, 10MB, 1GiB), counts and booleans.
 * Every parser takes the text as written and either fills the value or
 * returns -1 with a short reason that the caller prefixes with a location.
 */
#ifndef SCRAPE_UNITS_H
#define SCRAPE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* The longest duration anywhere (a year), so that sums of durations and
 * the monotonic clock never overflow int64 nanoseconds. */
#define UNITS_MAX_DURATION_NS (8760LL * 3600 * 1000000000)
/* The slowest rate anywhere: one a day, whose interval fits easily. */
#define UNITS_MIN_RATE (1.0 / 86400)

/* Values are never rounded to 0 (often "no limit"): a positive duration
 * shorter than 1ns becomes 1ns; rates below UNITS_MIN_RATE are refused. */
int units_duration(const char *text, int64_t *ns, const char **why);
int units_rate(const char *text, double *per_second, const char **why);
int units_size(const char *text, int64_t *bytes, const char **why);
int units_count(const char *text, int64_t *value, const char **why);
int units_bool(const char *text, int *value);

/* A W3C datetime (the form of a sitemap's <lastmod>): YYYY, YYYY-MM,
 * YYYY-MM-DD, or a day with hh:mm[:ss[.fraction]] and a zone (Z or
 * +hh:mm / -hh:mm), as seconds since 1970-01-01T00:00:00Z; a year or a
 * month counts from its first instant, a fraction is dropped.  len is the
 * text's length (it need not end there).  -1 with a short reason. */
int units_datetime(const char *text, size_t len, int64_t *seconds, const char **why);

/* "1.234s", "56.7ms", "890us": three significant digits, for reports. */
void units_format_duration(int64_t ns, char *buf, size_t len);
/* "90s", "1500ms": the exact value in the largest unit that divides it,
 * so it reads back the same (for --dry-run). */
void units_format_exact(int64_t ns, char *buf, size_t len);

#endif
