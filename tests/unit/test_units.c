/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the leaf modules: unit parsing, JSON string encoding, the
 * latency histogram (against exact percentiles of the same samples) and
 * the rate limiter's schedule.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/buf.h"
#include "../../core/job.h"
#include "../../core/ratelimit.h"
#include "../../core/schedule.h"
#include "../../core/stats.h"
#include "../../core/units.h"
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

static int compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_histogram(void)
{
	static const double points[] = { 1, 25, 50, 75, 90, 99, 99.9, 99.99 };
	enum { N = 100000 };
	int64_t *samples = malloc(N * sizeof *samples);
	static struct histogram h, a, b;
	unsigned seed = 12345;
	double worst = 0;
	size_t i;

	histogram_init(&h);
	histogram_init(&a);
	histogram_init(&b);
	for (i = 0; i < N; i++) {
		/* log-uniform from 1 us to 10 s: every bucket range gets used */
		double u = (double)rand_r(&seed) / RAND_MAX;
		samples[i] = (int64_t)(1000.0 * pow(1e7, u));
		histogram_record(&h, samples[i]);
		histogram_record(i % 2 ? &a : &b, samples[i]);
	}
	qsort(samples, N, sizeof *samples, compare_i64);
	for (i = 0; i < sizeof points / sizeof points[0]; i++) {
		size_t rank = (size_t)ceil(points[i] / 100.0 * N);
		double exact = (double)samples[rank - 1];
		double got = (double)histogram_percentile(&h, points[i]);
		double err = fabs(got - exact) / exact;
		if (err > worst)
			worst = err;
	}
	ok(worst < 0.01, "histogram percentiles within 1%% of exact (worst %.4f%%)", worst * 100);
	{
		double sum = 0, sumsq = 0, mean, sd;
		for (i = 0; i < N; i++) {
			sum += (double)samples[i];
			sumsq += (double)samples[i] * (double)samples[i];
		}
		mean = sum / N;
		sd = sqrt(sumsq / N - mean * mean);
		ok(fabs(histogram_mean(&h) - mean) / mean < 1e-9, "the mean is exact");
		ok(fabs(histogram_stddev(&h) - sd) / sd < 1e-6, "the standard deviation is exact");
	}
	{
		/* every value lands in a bucket that holds it and is under 1% wide */
		int bounded = 1;
		size_t k;
		for (i = 0; i < 2000 && bounded; i++) {
			static struct histogram one;
			int64_t v = samples[i * 50], low = 0, high = -1;
			histogram_init(&one);
			histogram_record(&one, v);
			for (k = 0; k < HISTOGRAM_BUCKETS; k++)
				if (one.counts[k])
					histogram_bucket(k, &low, &high);
			bounded = low <= v && v <= high && (double)(high - low + 1) <= 0.01 * (double)low + 1;
		}
		ok(bounded, "each value's bucket holds it and is at most 1%% wide");
	}
	ok(histogram_percentile(&h, 0) == samples[0], "p0 is the exact minimum");
	ok(histogram_percentile(&h, 100) == samples[N - 1], "p100 is the exact maximum");
	histogram_merge(&a, &b);
	ok(a.total == h.total && histogram_percentile(&a, 99) == histogram_percentile(&h, 99),
	   "merged halves equal the whole");
	histogram_init(&a);
	ok(histogram_percentile(&a, 50) == 0, "empty histogram reports 0");
	histogram_record(&a, INT64_C(1) << 50);
	ok(histogram_percentile(&a, 50) == INT64_C(1) << 50, "huge value clamps to its exact max");
	free(samples);
}

/* Starts of a schedule before t_ns. */
static uint64_t starts_before(struct schedule *s, int64_t t_ns)
{
	uint64_t n = 0;

	while (s->next_ns < t_ns) {
		n++;
		schedule_advance(s);
	}
	return n;
}

static void test_schedule(void)
{
	struct job_stage ramp[] = { { 2000000000, 400 }, { 1000000000, 400 }, { 2000000000, 0 } };
	struct job job;
	struct schedule s;
	int64_t prev;
	int monotonic = 1;
	uint64_t n;

	memset(&job, 0, sizeof job);
	job.open_model = 1;
	job.rate = 500;
	job.duration_ns = 4000000000;
	schedule_init(&s, &job);
	ok(s.next_ns == 0, "a constant schedule starts at once");
	schedule_advance(&s);
	ok(s.next_ns == 2000000, "and spaces starts 1/rate apart (%lld ns)", (long long)s.next_ns);
	n = 1 + starts_before(&s, INT64_MAX - 1);
	ok(n == 2000 && s.next_ns == SCHEDULE_END, "500/s for 4 s is 2000 starts, then the end (%llu)",
	   (unsigned long long)n);
	schedule_free(&s);

	job.rate = 0;
	job.duration_ns = 0;
	job.stages = ramp;
	job.stage_count = 3;
	schedule_init(&s, &job);
	n = starts_before(&s, 1000000000);
	ok(n == 100, "a ramp from 0 to 400/s over 2 s starts 100 in its first second (%llu)",
	   (unsigned long long)n);
	n = starts_before(&s, 2000000000);
	ok(n == 300, "and 300 in its second (%llu)", (unsigned long long)n);
	n = starts_before(&s, 3000000000);
	ok(n == 400, "a plateau at 400/s starts 400 a second (%llu)", (unsigned long long)n);
	n = starts_before(&s, INT64_MAX - 1);
	ok(n == 400 && s.next_ns == SCHEDULE_END, "a ramp down to 0 over 2 s starts 400 and ends (%llu)",
	   (unsigned long long)n);
	ok(fabs(schedule_rate_at(&s, 2500000000) - 400) < 1e-9 &&
	   fabs(schedule_rate_at(&s, 4000000000) - 200) < 1e-9, "the rate at a time follows the ramp");
	schedule_free(&s);

	{
		/* 100 t^2 starts by t <= 2 s, then 400/s: 25 by 0.5 s, 600 by 2.5 s */
		struct schedule twin;
		uint64_t counted;
		schedule_init(&s, &job);
		schedule_init(&twin, &job);
		starts_before(&s, 500000000);
		starts_before(&twin, 500000000);
		n = schedule_skip(&s, 2500000000);
		counted = starts_before(&twin, 2500000000);
		ok(n == 575 && n == counted && s.next_ns == twin.next_ns,
		   "skipping a ramp from 0.5 s to 2.5 s passes the same 575 starts as counting them (%llu, %llu)",
		   (unsigned long long)n, (unsigned long long)counted);
		schedule_free(&twin);
		schedule_free(&s);
	}

	job.stages = NULL;
	job.stage_count = 0;
	job.rate = 10000000;
	job.duration_ns = 3600000000000LL;
	schedule_init(&s, &job);
	n = schedule_skip(&s, 3600000000000LL);
	ok(n == 36000000000ULL && s.next_ns == SCHEDULE_END,
	   "skipping an hour at 10,000,000/s counts 36,000,000,000 starts at once (%llu)", (unsigned long long)n);
	schedule_free(&s);

	job.rate = 1000;
	job.duration_ns = 100000000000LL;
	job.poisson = 1;
	job.seed = 99;
	schedule_init(&s, &job);
	prev = -1;
	for (n = 0; s.next_ns < 100000000000LL; n++) {
		monotonic &= s.next_ns >= prev;
		prev = s.next_ns;
		schedule_advance(&s);
	}
	/* 100,000 expected; a Poisson count's deviation is sqrt(100,000) = 316 */
	ok(monotonic && n > 98700 && n < 101300, "poisson arrivals at 1000/s over 100 s: %llu starts",
	   (unsigned long long)n);
	schedule_free(&s);
	job.rate = 100000;
	schedule_init(&s, &job);
	n = schedule_skip(&s, 50000000000LL);
	/* a million counted one by one, the rest by their expected number */
	ok(n > 4990000 && n < 5010000 && s.next_ns >= 50000000000LL,
	   "skipping 50 s of poisson arrivals at 100,000/s: %llu starts", (unsigned long long)n);
	schedule_free(&s);
}

static void test_ratelimit(void)
{
	struct ratelimit r;
	int64_t now = 1000000000, started = 0, t;
	int i;

	ratelimit_init(&r, 100, 1);     /* one start every 10 ms */
	ok(ratelimit_take(&r, now) == 0, "first start is immediate");
	ok(ratelimit_take(&r, now) == now + 10000000, "second waits one interval");
	/* simulate a caller that always asks back exactly when told */
	for (i = 0, t = now; i < 1000; i++) {
		int64_t wait = ratelimit_take(&r, t);
		if (wait == 0)
			started++;
		else
			t = wait;
	}
	ok(started >= 499 && started <= 501, "about one start per interval (%lld of 1000 asks)",
	   (long long)started);
	ratelimit_init(&r, 10, 5);
	for (i = 0, started = 0; i < 10; i++)
		started += ratelimit_take(&r, now) == 0;
	ok(started == 5, "burst 5 lets 5 start at once (%lld)", (long long)started);
	ratelimit_init(&r, 0, 1);
	ok(ratelimit_take(&r, now) == 0 && ratelimit_take(&r, now) == 0, "rate 0 is unlimited");
}

int main(void)
{
	test_durations();
	test_rates_sizes_counts();
	test_json();
	test_visible();
	test_limits();
	test_histogram();
	test_schedule();
	test_ratelimit();
	return done_testing();
}
