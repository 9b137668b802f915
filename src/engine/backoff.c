/* SPDX-License-Identifier: MIT */
/*
 * Back-off arithmetic: Retry-After values, exponential retry waits with
 * equal jitter, and autothrottle's per-host delay, which follows the
 * latency the way Scrapy's AutoThrottle does and also doubles on 429, 5xx
 * and timeouts.  Nothing here keeps state or reads a clock; the host
 * queues and dispatch hold the delays and say what time it is.
 */
#include <config.h>

#include "engine/backoff.h"

#include <curl/curl.h>
#include <string.h>

/* Waits longer than this (about 31 years) are all the same: too long. */
#define FOREVER_S 1000000000LL
#define NS 1000000000LL

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int retry_after_parse(const char *value, size_t len, time_t now, int64_t *delay_ns)
{
	char text[64];
	size_t i;
	long long seconds = 0;
	time_t when;

	while (len > 0 && is_space(*value)) {
		value++;
		len--;
	}
	while (len > 0 && is_space(value[len - 1]))
		len--;
	if (len == 0)
		return -1;
	if (value[0] >= '0' && value[0] <= '9') {
		/* delay-seconds: 1*DIGIT (RFC 9110, 10.2.3) */
		for (i = 0; i < len; i++) {
			if (value[i] < '0' || value[i] > '9')
				return -1;
			if (seconds < FOREVER_S)
				seconds = seconds * 10 + (value[i] - '0');
		}
		if (seconds > FOREVER_S)
			seconds = FOREVER_S;
		*delay_ns = seconds * NS;
		return 0;
	}
	/* an HTTP-date, e.g. "Wed, 21 Oct 2015 07:28:00 GMT": libcurl reads
	 * the three forms RFC 9110 allows; no date is this long */
	if (len >= sizeof text || memchr(value, '\0', len))
		return -1;
	memcpy(text, value, len);
	text[len] = '\0';
	when = curl_getdate(text, NULL);
	if (when == (time_t)-1)
		return -1;
	if (when <= now)
		seconds = 0;
	else if ((long long)(when - now) > FOREVER_S)
		seconds = FOREVER_S;
	else
		seconds = (long long)(when - now);
	*delay_ns = seconds * NS;
	return 0;
}

uint64_t backoff_random(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15u;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

int64_t backoff_exponential(int64_t base_ns, int64_t cap_ns, int retry, uint64_t *state)
{
	int64_t d = base_ns, half;
	int i;

	if (d <= 0)
		return 0;
	for (i = 1; i < retry && d < cap_ns; i++)
		d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
	if (d > cap_ns)
		d = cap_ns;
	half = d / 2;
	return d - half + (int64_t)(backoff_random(state) % ((uint64_t)half + 1));
}

int64_t autothrottle_next(const struct autothrottle_settings *s, int64_t delay_ns,
                          const struct host_answer *a)
{
	int64_t target, next;

	if (a->overload) {
		/* the host is struggling: twice the wait, never less than the
		 * start, and never shorter for an error */
		next = delay_ns > s->max_delay_ns / 2 ? s->max_delay_ns : delay_ns * 2;
		if (next < s->start_delay_ns)
			next = s->start_delay_ns;
		if (next > s->max_delay_ns)
			next = s->max_delay_ns;
		return next > delay_ns ? next : delay_ns;
	}
	if (a->latency_ns < 0)
		return delay_ns;
	if (s->target_concurrency > 0)
		/* that many requests in flight at this latency */
		target = (int64_t)((double)a->latency_ns / s->target_concurrency);
	else
		/* slower than the target: wait longer by the difference */
		target = delay_ns + (a->latency_ns - s->target_latency_ns);
	next = delay_ns / 2 + target / 2;
	/* error pages and redirects are small and quick: they may slow the
	 * host down but never speed it up */
	if ((a->status < 200 || a->status >= 300) && next < delay_ns)
		next = delay_ns;
	if (next < s->min_delay_ns)
		next = s->min_delay_ns;
	if (next > s->max_delay_ns)
		next = s->max_delay_ns;
	return next;
}
