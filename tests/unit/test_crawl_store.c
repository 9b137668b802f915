/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/engine/crawl_store_memory.c: the queue is first in,
 * first out with its depths; the seen set answers once per fingerprint;
 * a URL met again on a shorter path while it waits in the queue gets the
 * shorter depth, and one already taken does not; the index of queued URLs
 * stays right through many pushes and pops (deletion by shifting back).
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl/seen.h"
#include "engine/crawl_store.h"
#include "tap.h"

static uint64_t fp_of(const char *url)
{
	return seen_fingerprint(url, strlen(url));
}

static void test_fifo_and_depths(void)
{
	struct crawl_store *s = crawl_store_memory();
	const char *url;
	uint64_t lease;
	int depth;

	if (!ok(s != NULL, "an in-memory store"))
		return;
	ok(s->ops->mark_seen(s, fp_of("http://h/a")) == 1 && s->ops->mark_seen(s, fp_of("http://h/a")) == 0,
	   "a fingerprint is new once");
	s->ops->mark_seen(s, fp_of("http://h/b"));
	s->ops->mark_seen(s, fp_of("http://h/c"));
	ok(s->ops->push(s, "http://h/a", fp_of("http://h/a"), 2) == 0 &&
	   s->ops->push(s, "http://h/b", fp_of("http://h/b"), 3) == 0 &&
	   s->ops->push(s, "http://h/c", fp_of("http://h/c"), 3) == 0 && s->queued == 3,
	   "three URLs queued");
	s->ops->shorter_path(s, fp_of("http://h/b"), 1);
	s->ops->shorter_path(s, fp_of("http://h/c"), 4);
	ok(s->ops->pop(s, &url, &depth, &lease) == 1 && strcmp(url, "http://h/a") == 0 && depth == 2,
	   "first in, first out: a at depth 2");
	ok(s->ops->pop(s, &url, &depth, &lease) == 1 && strcmp(url, "http://h/b") == 0 && depth == 1,
	   "b, met again on a shorter path while queued, has depth 1");
	s->ops->shorter_path(s, fp_of("http://h/b"), 0);
	ok(s->ops->pop(s, &url, &depth, &lease) == 1 && strcmp(url, "http://h/c") == 0 && depth == 3,
	   "c keeps depth 3: a longer path changes nothing");
	ok(s->ops->pop(s, &url, &depth, &lease) == 0 && s->queued == 0, "then the queue is empty");
	crawl_store_close(s);
}

/* Many URLs through the queue, with shorter paths offered for every
 * third one while queued: each must come out once, in order, with the
 * lowered depth exactly where it was lowered. */
static void test_index_churn(void)
{
	enum { N = 20000 };
	struct crawl_store *s = crawl_store_memory();
	char url[64];
	const char *got;
	uint64_t lease;
	int depth, i, next = 0, wrong = 0, popped;
	static unsigned char lowered[N];

	if (!s)
		return;
	for (i = 0; i < N; i++) {
		snprintf(url, sizeof url, "http://h/%d", i);
		s->ops->mark_seen(s, fp_of(url));
		s->ops->push(s, url, fp_of(url), 5);
		if (i % 2 == 1) {       /* pop one for every two pushed */
			popped = s->ops->pop(s, &got, &depth, &lease);
			snprintf(url, sizeof url, "http://h/%d", next);
			wrong += popped != 1 || strcmp(got, url) != 0 || depth != (lowered[next] ? 1 : 5);
			next++;
		}
		if (i >= 2 && (i - 2) % 3 == 0 && i - 2 >= next) {
			snprintf(url, sizeof url, "http://h/%d", i - 2);
			s->ops->shorter_path(s, fp_of(url), 1);
			lowered[i - 2] = 1;
		}
	}
	while (s->ops->pop(s, &got, &depth, &lease) == 1) {
		snprintf(url, sizeof url, "http://h/%d", next);
		wrong += strcmp(got, url) != 0 || depth != (lowered[next] ? 1 : 5);
		next++;
	}
	ok(next == N && wrong == 0, "%d URLs through the queue in order, shorter paths where given (%d wrong)",
	   next, wrong);
	crawl_store_close(s);
}

int main(void)
{
	test_fifo_and_depths();
	test_index_churn();
	return done_testing();
}
