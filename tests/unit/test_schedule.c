/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/engine/schedule.c, the open model's arrival times: constant
 * rate, ramps, skipping ahead without counting one by one, Poisson
 * arrivals, and segments (each every N-th start of the whole schedule).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "config/job.h"
#include "engine/schedule.h"
#include "tap.h"

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

/* The N segments of a schedule, merged by their global index: the whole
 * schedule's starts, start for start; and a skip counts only its own. */
static void test_segments(void)
{
	struct job_stage ramp[] = { { 1000000000, 300 }, { 1000000000, 50 } };
	struct job job;
	struct schedule whole, part[3];
	struct segment share;
	unsigned i, mismatches = 0, counted = 0;
	uint64_t skipped = 0;

	memset(&job, 0, sizeof job);
	job.open_model = 1;
	job.poisson = 1;
	job.seed = 7;
	job.stages = ramp;
	job.stage_count = 2;
	schedule_init(&whole, &job);
	for (i = 0; i < 3; i++) {
		share.index = i;
		share.count = 3;
		schedule_init(&part[i], &job);
		schedule_take_share(&part[i], &share);
	}
	for (; whole.next_ns != SCHEDULE_END; schedule_advance(&whole), counted++) {
		struct schedule *p = &part[whole.issued % 3];
		if (p->issued != whole.issued || p->next_ns != whole.next_ns)
			mismatches++;
		schedule_advance(p);
	}
	ok(counted > 100 && mismatches == 0,
	   "3 Poisson segments of a ramp are its %u starts, each at its time (%u differ)", counted,
	   mismatches);
	for (i = 0; i < 3; i++) {
		ok(part[i].next_ns == SCHEDULE_END, "segment %u ends with the schedule", i + 1);
		schedule_free(&part[i]);
	}
	schedule_free(&whole);

	job.poisson = 0;
	job.stages = NULL;
	job.stage_count = 0;
	job.rate = 1000;
	job.duration_ns = 2000000000;
	for (i = 0; i < 3; i++) {
		share.index = i;
		share.count = 3;
		schedule_init(&part[i], &job);
		schedule_take_share(&part[i], &share);
		skipped += schedule_skip(&part[i], 1000000000);
	}
	ok(skipped == 1000, "skipping a second of 1000/s in 3 segments passes 1000 starts (%llu)",
	   (unsigned long long)skipped);
	ok(part[1].issued % 3 == 1 && part[1].next_ns >= 1000000000,
	   "and leaves each at its next own start after it");
	ok(fabs(schedule_rate_at(&part[0], 500000000) - 1000.0 / 3) < 1e-9,
	   "a segment asks for its share of the rate");
	for (i = 0; i < 3; i++)
		schedule_free(&part[i]);
	ok(segment_share(&share, 100) == 33 && segment_share(&(struct segment){ 0, 3 }, 100) == 34,
	   "100 in 3 segments: 34, 33, 33");
}

int main(void)
{
	test_schedule();
	test_segments();
	return done_testing();
}
