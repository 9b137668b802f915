/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the unit-bearing values users write in jobs.  The rules are
 * strict on purpose: "10" as a duration is ambiguous, so a duration needs
 * its unit; a rate without "/unit" is per second because that is what
 * everybody means; sizes accept both SI (k = 1000) and IEC (KiB = 1024)
 * suffixes, with a bare "k"/"m"/"g" read as the binary kind, as curl does.
 */
#include "config/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Reads a non-negative decimal number and returns where the unit starts.
 * Only digits, a point and an exponent: strtod would also take hex
 * ("0x1p4"), and "inf" or "nan" must never become a limit.  Underflow
 * (1e-400) is refused like overflow rather than read as zero. */
static int leading_number(const char *text, double *value, const char **rest)
{
	const char *p;
	char *end;

	while (isspace((unsigned char)*text))
		text++;
	if (!isdigit((unsigned char)*text) && *text != '.')
		return -1;
	errno = 0;
	*value = strtod(text, &end);
	if (end == text || errno == ERANGE || !isfinite(*value) || *value < 0)
		return -1;
	for (p = text; p < end; p++)
		if (!isdigit((unsigned char)*p) && !strchr(".eE+-", *p))
			return -1;
	while (isspace((unsigned char)*end))
		end++;
	*rest = end;
	return 0;
}

static int trailing_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int units_duration(const char *text, int64_t *ns, const char **why)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	const char *rest;
	double value;
	size_t i;

	if (leading_number(text, &value, &rest) < 0) {
		*why = "expected a duration such as 250ms, 10s or 2m";
		return -1;
	}
	if (*rest == '\0') {
		*why = "a duration needs a unit (ns, us, ms, s, m or h), e.g. 10s";
		return -1;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t n = strlen(units[i].unit);
		if (strncmp(rest, units[i].unit, n) == 0 && trailing_blank(rest + n)) {
			double total = value * units[i].ns;
			if (total > (double)UNITS_MAX_DURATION_NS) {
				*why = "duration is too long (at most 8760h, a year)";
				return -1;
			}
			*ns = (int64_t)llround(total);
			/* a duration is never rounded down to 0, which often means
			 * "no limit" */
			if (*ns == 0 && total > 0)
				*ns = 1;
			return 0;
		}
	}
	*why = "unknown duration unit (use ns, us, ms, s, m or h)";
	return -1;
}

int units_rate(const char *text, double *per_second, const char **why)
{
	const char *rest;
	double value, seconds = 1;

	if (leading_number(text, &value, &rest) < 0) {
		*why = "expected a rate such as 100/s or 6000/m";
		return -1;
	}
	if (*rest == '/') {
		rest++;
		while (isspace((unsigned char)*rest))
			rest++;
		if (*rest == 's' && trailing_blank(rest + 1))
			seconds = 1;
		else if (*rest == 'm' && trailing_blank(rest + 1))
			seconds = 60;
		else if (*rest == 'h' && trailing_blank(rest + 1))
			seconds = 3600;
		else {
			*why = "unknown rate unit (use /s, /m or /h)";
			return -1;
		}
	} else if (*rest != '\0') {
		*why = "expected a rate such as 100/s or 6000/m";
		return -1;
	}
	if (value <= 0) {
		*why = "a rate must be greater than zero";
		return -1;
	}
	/* slower than one a day, the interval between requests no longer fits
	 * the schedule's nanoseconds (1e-12/s would overflow into "unlimited") */
	if (value / seconds < UNITS_MIN_RATE * (1 - 1e-9)) {
		*why = "a rate must be at least one a day (0.042/h)";
		return -1;
	}
	*per_second = value / seconds;
	return 0;
}

int units_size(const char *text, int64_t *bytes, const char **why)
{
	static const struct { const char *unit; double factor; } units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1024 }, { "kib", 1024 }, { "kb", 1e3 },
		{ "m", 1048576 }, { "mib", 1048576 }, { "mb", 1e6 },
		{ "g", 1073741824 }, { "gib", 1073741824 }, { "gb", 1e9 },
	};
	const char *rest;
	double value;
	size_t i;

	if (leading_number(text, &value, &rest) < 0) {
		*why = "expected a size such as 512, 64k or 10MB";
		return -1;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t n = strlen(units[i].unit);
		if (strncasecmp(rest, units[i].unit, n) == 0 && trailing_blank(rest + n)) {
			double total = value * units[i].factor;
			if (total > 9.2e18) {
				*why = "size is too large";
				return -1;
			}
			*bytes = (int64_t)llround(total);
			return 0;
		}
	}
	*why = "unknown size unit (use k, KB, KiB, M, MB, MiB, G, GB or GiB)";
	return -1;
}

int units_count(const char *text, int64_t *value, const char **why)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*text))
		text++;
	if (!isdigit((unsigned char)*text) && *text != '-' && *text != '+') {
		*why = "expected a whole number";
		return -1;
	}
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno == ERANGE) {
		*why = "number is too large";
		return -1;
	}
	if (end == text || !trailing_blank(end)) {
		*why = "expected a whole number";
		return -1;
	}
	*value = v;
	return 0;
}

int units_bool(const char *text, int *value)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*value = 1;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*value = 0;
			return 0;
		}
	}
	return -1;
}

void units_format_duration(int64_t ns, char *buf, size_t len)
{
	double v = (double)ns;

	if (ns >= 1000000000)
		snprintf(buf, len, "%.3gs", v / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, len, "%.3gms", v / 1e6);
	else
		snprintf(buf, len, "%.3gus", v / 1e3);
}

void units_format_exact(int64_t ns, char *buf, size_t len)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "h", 3600000000000 }, { "m", 60000000000 }, { "s", 1000000000 },
		{ "ms", 1000000 }, { "us", 1000 },
	};
	size_t i;

	for (i = 0; ns != 0 && i < sizeof units / sizeof units[0]; i++) {
		if (ns % units[i].ns == 0) {
			snprintf(buf, len, "%lld%s", (long long)(ns / units[i].ns), units[i].unit);
			return;
		}
	}
	snprintf(buf, len, ns ? "%lldns" : "0s", (long long)ns);
}

/* n decimal digits at *p (advanced), or -1. */
static int digits(const char **p, const char *end, int n)
{
	int v = 0;

	if (end - *p < n)
		return -1;
	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int units_datetime(const char *text, size_t len, int64_t *seconds, const char **why)
{
	const char *p = text, *end = text + len;
	int y, mo = 1, d = 1, h = 0, mi = 0, s = 0, zone = 0;

	*why = "it is not a date such as 2026-01-01 or 2026-01-01T12:00:00Z";
	if ((y = digits(&p, end, 4)) < 0)
		return -1;
	if (p < end && *p == '-') {
		p++;
		if ((mo = digits(&p, end, 2)) < 0)
			return -1;
		if (mo < 1 || mo > 12) {
			*why = "its month is not 01 to 12";
			return -1;
		}
		if (p < end && *p == '-') {
			p++;
			if ((d = digits(&p, end, 2)) < 0)
				return -1;
			if (d < 1 || d > month_days(y, mo)) {
				*why = "that day is not in its month";
				return -1;
			}
			if (p < end && *p == 'T') {
				p++;
				if ((h = digits(&p, end, 2)) < 0 || p >= end || *p++ != ':' ||
				    (mi = digits(&p, end, 2)) < 0)
					return -1;
				if (p < end && *p == ':') {
					p++;
					if ((s = digits(&p, end, 2)) < 0)
						return -1;
					if (p < end && *p == '.') {
						for (p++; p < end && *p >= '0' && *p <= '9'; p++)
							;
					}
				}
				if (h > 23 || mi > 59 || s > 60) {
					*why = "its time is not a time of day";
					return -1;
				}
				if (p < end && *p == 'Z') {
					p++;
				} else if (p < end && (*p == '+' || *p == '-')) {
					int sign = *p++ == '-' ? -1 : 1, zh, zm;
					if ((zh = digits(&p, end, 2)) < 0 || p >= end || *p++ != ':' ||
					    (zm = digits(&p, end, 2)) < 0 || zh > 23 || zm > 59)
						return -1;
					zone = sign * (zh * 3600 + zm * 60);
				} else {
					*why = "its time has no zone (add Z for UTC, or +hh:mm)";
					return -1;
				}
			}
		}
	}
	if (p != end)
		return -1;
	*seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - zone;
	return 0;
}
