/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/config/units.c: durations, rates, sizes, counts and booleans
 * as the job file writes them, and the limits each is held to.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "config/units.h"
#include "tap.h"

static void test_durations(void)
{
	static const struct { const char *text; int64_t ns; } good[] = {
		{ "250ms", 250000000 }, { "10s", 10000000000 }, { "2m", 120000000000 },
		{ "1h", 3600000000000 }, { "500us", 500000 }, { "1.5s", 1500000000 },
		{ " 3 s ", 3000000000 }, { "0s", 0 }, { "7ns", 7 },
	};
	static const char *const bad[] = { "10", "ten", "5 parsecs", "-1s", "", "s", "1e400s" };
	const char *why;
	int64_t ns;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ok(units_duration(good[i].text, &ns, &why) == 0 && ns == good[i].ns,
		   "duration \"%s\" = %lld ns", good[i].text, (long long)good[i].ns);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(units_duration(bad[i], &ns, &why) < 0, "duration \"%s\" rejected (%s)", bad[i],
		   why ? why : "");
	ok(units_duration("10", &ns, &why) < 0 && strstr(why, "needs a unit") != NULL,
	   "a bare number asks for a unit");
}

static void test_rates_sizes_counts(void)
{
	const char *why;
	double rate;
	int64_t v;
	int b;

	ok(units_rate("100/s", &rate, &why) == 0 && rate == 100, "rate 100/s");
	ok(units_rate("6000/m", &rate, &why) == 0 && rate == 100, "rate 6000/m is 100/s");
	ok(units_rate("36/h", &rate, &why) == 0 && fabs(rate - 0.01) < 1e-12, "rate 36/h");
	ok(units_rate("25", &rate, &why) == 0 && rate == 25, "bare rate is per second");
	ok(units_rate("5/d", &rate, &why) < 0, "rate 5/d rejected");
	ok(units_rate("0/s", &rate, &why) < 0, "rate 0/s rejected");
	ok(units_rate("fast", &rate, &why) < 0, "rate \"fast\" rejected");
	ok(units_size("512", &v, &why) == 0 && v == 512, "size 512");
	ok(units_size("64k", &v, &why) == 0 && v == 65536, "size 64k is binary");
	ok(units_size("10MB", &v, &why) == 0 && v == 10000000, "size 10MB is decimal");
	ok(units_size("1GiB", &v, &why) == 0 && v == 1073741824, "size 1GiB");
	ok(units_size("3 parsecs", &v, &why) < 0, "size with an unknown unit rejected");
	ok(units_count("42", &v, &why) == 0 && v == 42, "count 42");
	ok(units_count("-3", &v, &why) == 0 && v == -3, "count -3 parses (range is checked later)");
	ok(units_count("4.5", &v, &why) < 0, "count 4.5 rejected");
	ok(units_count("99999999999999999999", &v, &why) < 0, "count overflow rejected");
	ok(units_bool("yes", &b) == 0 && b == 1, "bool yes");
	ok(units_bool("Off", &b) == 0 && b == 0, "bool Off");
	ok(units_bool("maybe", &b) < 0, "bool maybe rejected");
}

static void test_limits(void)
{
	const char *why = "";
	int64_t v = -1;
	double r = -1;

	ok(units_duration("0.1ns", &v, &why) == 0 && v == 1, "a positive duration never rounds to 0 (%lld)",
	   (long long)v);
	ok(units_duration("8760h", &v, &why) == 0, "8760h is the longest duration");
	ok(units_duration("8761h", &v, &why) < 0, "8761h is refused (%s)", why);
	ok(units_duration("1e400s", &v, &why) < 0, "1e400s is refused");
	ok(units_duration("1e-400s", &v, &why) < 0, "1e-400s (underflow) is refused");
	ok(units_duration("0x10s", &v, &why) < 0, "a hex duration is refused");
	ok(units_duration("infs", &v, &why) < 0 && units_duration("nans", &v, &why) < 0,
	   "inf and nan durations are refused");
	ok(units_rate("1e-12/s", &r, &why) < 0, "1e-12/s is refused (%s)", why);
	ok(units_rate("0.05/h", &r, &why) == 0, "0.05/h (a little more than one a day) is fine");
	ok(units_rate("0.04/h", &r, &why) < 0, "0.04/h (less than one a day) is refused");
	ok(units_rate("1e400/s", &r, &why) < 0, "1e400/s is refused");
	ok(units_size("1e19", &v, &why) < 0, "a size over int64 is refused");
	ok(units_size("8GiB", &v, &why) == 0 && v == 8589934592LL, "8GiB");
	ok(units_count("-9223372036854775809", &v, &why) < 0, "a count under int64 is refused");
}

/* W3C datetimes, as a sitemap's <lastmod> and crawl.sitemap_since write
 * them, against seconds worked out with date -u -d. */
static void test_datetimes(void)
{
	static const struct { const char *text; int64_t s; } good[] = {
		{ "2026", 1767225600 }, { "2026-01", 1767225600 }, { "2026-01-01", 1767225600 },
		{ "2026-03-01", 1772323200 }, { "2024-02-29", 1709164800 },
		{ "2026-01-01T12:00Z", 1767268800 }, { "2026-01-01T12:00:30Z", 1767268830 },
		{ "2026-01-01T12:00:30.25Z", 1767268830 }, { "2026-01-01T10:00:00+02:00", 1767254400 },
		{ "2025-12-31T23:30:00-01:00", 1767227400 }, { "1970-01-01", 0 },
		{ "1969-12-31", -86400 },
	};
	static const struct { const char *text, *why; } bad[] = {
		{ "yesterday", "not a date" }, { "26-01-01", "not a date" }, { "2026-1-1", "not a date" },
		{ "2026-13-01", "month" }, { "2026-02-29", "not in its month" },
		{ "2026-01-01T10:00", "no zone" }, { "2026-01-01T25:00Z", "time of day" },
		{ "2026-01-01T10:00+2", "not a date" }, { "2026-01-01 ", "not a date" }, { "", "not a date" },
	};
	const char *why;
	int64_t s;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ok(units_datetime(good[i].text, strlen(good[i].text), &s, &why) == 0 && s == good[i].s,
		   "datetime \"%s\" = %lld s", good[i].text, (long long)good[i].s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(units_datetime(bad[i].text, strlen(bad[i].text), &s, &why) < 0 &&
		   strstr(why, bad[i].why) != NULL, "datetime \"%s\" rejected: %s", bad[i].text, why);
	ok(units_datetime("2026-01-01xyz", 10, &s, &why) == 0 && s == 1767225600,
	   "a datetime is read to the length given");
}

int main(void)
{
	test_datetimes();
	test_durations();
	test_rates_sizes_counts();
	test_limits();
	return done_testing();
}
