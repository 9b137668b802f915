/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/engine/ratelimit.c, the token bucket behind rate: one start
 * per interval, bursts, and no limit at rate 0.
 */
#include <config.h>

#include <stdint.h>

#include "engine/ratelimit.h"
#include "tap.h"

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
	test_ratelimit();
	return done_testing();
}
