/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/results/stats.c's latency histogram, against the exact
 * percentiles, mean and standard deviation of the same samples.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "results/stats.h"
#include "tap.h"

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

int main(void)
{
	test_histogram();
	return done_testing();
}
