/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the back-off arithmetic: Retry-After in both forms and
 * what is not one, exponential waits within their jitter bounds, and
 * autothrottle's delay following latency, doubling on overload and
 * staying within its limits.
 */
#include <config.h>

#include <string.h>

#include "engine/backoff.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

static int after(const char *text, time_t now, int64_t *ns)
{
	return retry_after_parse(text, strlen(text), now, ns);
}

static void test_retry_after(void)
{
	/* Wed, 21 Oct 2015 07:28:00 GMT */
	const time_t date = 1445412480;
	int64_t ns = -7;

	ok(after(" 2", 0, &ns) == 0 && ns == 2 * S, "seconds, after the header's space");
	ok(after("0", 0, &ns) == 0 && ns == 0, "0 seconds: at once");
	ok(after("120 \r\n", 0, &ns) == 0 && ns == 120 * S, "the line end is white space");
	ok(after("99999999999999999999999", 0, &ns) == 0 && ns == 1000000000LL * S,
	   "a huge number of seconds is capped, not overflowed");
	ok(after(" Wed, 21 Oct 2015 07:28:00 GMT", date - 30, &ns) == 0 && ns == 30 * S,
	   "an IMF-fixdate 30 s ahead");
	ok(after("Wednesday, 21-Oct-15 07:28:00 GMT", date - 5, &ns) == 0 && ns == 5 * S,
	   "the obsolete RFC 850 form");
	ok(after("Wed Oct 21 07:28:00 2015", date - 1, &ns) == 0 && ns == 1 * S,
	   "the asctime form");
	ok(after("Wed, 21 Oct 2015 07:28:00 GMT", date + 100, &ns) == 0 && ns == 0,
	   "a date in the past: at once");
	ns = -7;
	ok(after("", 0, &ns) < 0 && after("  ", 0, &ns) < 0 && ns == -7, "empty: not a Retry-After");
	ok(after("-1", 0, &ns) < 0 && after("1.5", 0, &ns) < 0 && after("2s", 0, &ns) < 0 &&
	   after("+3", 0, &ns) < 0, "negative, fractional, with a unit, signed: refused");
	ok(after("soon", 0, &ns) < 0 && after("tomorrow at noon", 0, &ns) < 0,
	   "words are not a date");
	ok(retry_after_parse("12\0" "3", 4, 0, &ns) < 0, "a NUL byte is refused");
}

static void test_exponential(void)
{
	uint64_t state = 42;
	int retry, i, below_three_quarters = 0;

	for (retry = 1; retry <= 8; retry++) {
		int64_t full = 100 * MS << (retry - 1), lo, hi;
		if (full > 2 * S)
			full = 2 * S;
		lo = hi = backoff_exponential(100 * MS, 2 * S, retry, &state);
		for (i = 0; i < 200; i++) {
			int64_t w = backoff_exponential(100 * MS, 2 * S, retry, &state);
			if (w < lo)
				lo = w;
			if (w > hi)
				hi = w;
			below_three_quarters += w < full - full / 4;
		}
		ok(lo >= full - full / 2 && hi <= full,
		   "retry %d waits within [d/2, d] for d = min(2s, 100ms * 2^%d)", retry, retry - 1);
	}
	ok(below_three_quarters > 200 && below_three_quarters < 1400,
	   "the jitter spreads over its half (%d of 1600 in the lower quarter)", below_three_quarters);
	ok(backoff_exponential(0, 2 * S, 3, &state) == 0, "no base: no wait");
	ok(backoff_exponential(S, 60 * S, 200, &state) <= 60 * S, "retry 200 is capped, not overflowed");
}

static void test_autothrottle(void)
{
	struct autothrottle_settings s = { .enabled = 1, .target_concurrency = 2.0,
	                                   .start_delay_ns = S, .min_delay_ns = 50 * MS,
	                                   .max_delay_ns = 10 * S };
	struct host_answer fast = { .latency_ns = 100 * MS, .status = 200, .retry_after_ns = -1 };
	struct host_answer slow = { .latency_ns = 4 * S, .status = 200, .retry_after_ns = -1 };
	struct host_answer busy = { .latency_ns = 10 * MS, .status = 429, .overload = 1,
	                            .retry_after_ns = -1 };
	struct host_answer missing = { .latency_ns = 10 * MS, .status = 404, .retry_after_ns = -1 };
	int64_t d = s.start_delay_ns;
	int i;

	d = autothrottle_next(&s, d, &fast);
	ok(d == (S + 50 * MS) / 2, "a fast answer halves the way to latency/concurrency (%lld)",
	   (long long)d);
	for (i = 0; i < 30; i++)
		d = autothrottle_next(&s, d, &fast);
	ok(d == 50 * MS, "fast answers settle at latency/concurrency, 50ms (%lld)", (long long)d);
	d = autothrottle_next(&s, d, &slow);
	ok(d == (50 * MS + 2 * S) / 2, "a slow answer raises it half way to 2s (%lld)", (long long)d);
	d = autothrottle_next(&s, d, &busy);
	ok(d == 50 * MS + 2 * S, "a 429 doubles it (%lld)", (long long)d);
	for (i = 0; i < 10; i++)
		d = autothrottle_next(&s, d, &busy);
	ok(d == 10 * S, "overload stops at max_delay");
	ok(autothrottle_next(&s, 10 * MS, &busy) == S, "overload from below start_delay: start_delay");
	ok(autothrottle_next(&s, 3 * S, &missing) == 3 * S,
	   "a quick 404 does not speed the host up");
	s.min_delay_ns = 0;
	ok(autothrottle_next(&s, 0, &fast) == 25 * MS, "from 0 a fast answer goes half way up");
	{
		struct host_answer none = { .latency_ns = -1, .retry_after_ns = -1 };
		ok(autothrottle_next(&s, 700 * MS, &none) == 700 * MS, "no response, no timeout: unchanged");
	}

	s.target_concurrency = 0;
	s.target_latency_ns = 200 * MS;
	d = S;
	d = autothrottle_next(&s, d, &slow);
	ok(d == S + (4 * S - 200 * MS) / 2, "target_latency: slower by x, half x more delay (%lld)",
	   (long long)d);
	for (i = 0; i < 100; i++)
		d = autothrottle_next(&s, d, &fast);
	ok(d == 0, "target_latency: answers under the target bring it down to min_delay");
}

int main(void)
{
	test_retry_after();
	test_exponential();
	test_autothrottle();
	return done_testing();
}
