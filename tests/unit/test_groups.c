/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the groups of a load test (src/results/groups.c) and of
 * their JSON in the summary (src/report/summary.c): names found and made,
 * the default name without the query, the cap and "other", adding groups,
 * and the "groups" array with its buckets.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "report/summary.h"
#include "results/groups.h"
#include "results/stats.h"
#include "tap.h"

static void test_names(void)
{
	char name[GROUP_NAME_MAX];
	size_t len;

	len = groups_default_name(name, sizeof name, "GET", "http://h/item?id=7#top");
	is_str(name, "GET http://h/item", "the default name is the method and the URL without its query");
	ok(len == strlen(name), "and its length is returned");
	groups_default_name(name, sizeof name, "POST", "http://h/a#frag");
	is_str(name, "POST http://h/a", "a fragment goes too");
	groups_default_name(name, 8, "GET", "http://h/long");
	is_str(name, "GET htt", "a name is cut to the room given");
}

static void test_table(void)
{
	struct groups *g = groups_new();
	char name[32];
	int i, capped = 0, first, again, other;

	first = groups_find(g, "search", 6, &capped);
	again = groups_find(g, "search-and-more", 6, &capped);
	ok(first == 0 && again == 0, "a name is found by its first len bytes");
	ok(groups_find(g, "item", 4, &capped) == 1, "a new name gets the next index");
	for (i = 2; i < GROUPS_MAX; i++) {
		snprintf(name, sizeof name, "g%d", i);
		groups_find(g, name, strlen(name), &capped);
	}
	ok(g->count == GROUPS_MAX && !capped, "%d names fit", GROUPS_MAX);
	other = groups_find(g, "one-too-many", 12, &capped);
	ok(capped && other == GROUPS_MAX, "past the cap a name goes to the last group, and says so");
	is_str(g->items[other]->name, GROUP_OTHER, "which is \"" GROUP_OTHER "\"");
	capped = 0;
	ok(groups_find(g, "yet-another", 11, &capped) == other && !capped,
	   "further names go there too, without another warning");
	ok(groups_get(g, "item") == g->items[1] && !groups_get(g, "one-too-many"),
	   "groups_get finds a group by name, and only one that exists");
	groups_free(g);
}

static void test_json(void)
{
	struct stats s;
	struct groups *g = groups_new();
	struct group *a, *b;
	struct summary_input in = { 0 };
	struct buf out = { 0 };
	struct group sum;
	const char *groups;

	stats_init(&s);
	s.groups = g;
	a = g->items[groups_find(g, "fast", 4, NULL)];
	b = g->items[groups_find(g, "GET http://h/slow", 17, NULL)];
	a->requests = 3;
	a->status_counts[200] = 3;
	histogram_record(&a->latency, 1000);
	histogram_record(&a->latency, 2000);
	histogram_record(&a->latency, 3000);
	b->requests = 2;
	b->failed = 1;
	group_count_class(b, "http 5xx", 1);
	b->status_counts[200] = 1;
	b->status_counts[503] = 1;
	histogram_record(&b->latency, 50000000);
	histogram_record(&b->latency, 60000000);
	in.stats = &s;
	in.load = 1;
	summary_json_members(&out, &in);
	ok(!out.oom && strstr(out.data, ",\"groups\":[{\"name\":\"fast\",\"requests\":3,\"failed\":0,"
	                                "\"failed_by_class\":{},\"status_counts\":{\"200\":3},\"latency_seconds\":{\"count\":3,") != NULL,
	   "the summary carries the groups, in the order they were met");
	ok(strstr(out.data, "\"latency_histogram\":{\"unit\":\"ns\",\"buckets\":[[1000,1003,1],") != NULL,
	   "with their buckets, as the run's histogram is written");
	ok(strstr(out.data, "{\"name\":\"GET http://h/slow\",\"requests\":2,\"failed\":1,"
	                    "\"failed_by_class\":{\"http 5xx\":1},\"status_counts\":{\"200\":1,\"503\":1}") != NULL,
	   "and each its own counts");
	groups = strstr(out.data, ",\"groups\":");
	ok(groups && !strstr(groups, "\"late\"") && !strstr(groups, "service_time"),
	   "the closed model has no late starts or service times by group");
	buf_free(&out);
	in.open_model = 1;
	summary_json_members(&out, &in);
	groups = strstr(out.data, ",\"groups\":");
	ok(groups && strstr(groups, "\"late\":0,") && strstr(groups, "\"service_time_histogram\""),
	   "the open model has them");
	buf_free(&out);
	in.load = 0;
	summary_json_members(&out, &in);
	ok(strstr(out.data, "\"groups\"") == NULL, "a summary without the load members has no groups");
	buf_free(&out);

	memset(&sum, 0, sizeof sum);
	histogram_init(&sum.latency);
	histogram_init(&sum.service);
	group_add(&sum, a);
	group_add(&sum, b);
	group_add(&sum, b);
	ok(sum.class_count == 1 && strcmp(sum.classes[0].reason, "http 5xx") == 0 &&
	   sum.classes[0].count == 2, "failure classes add up by name");
	group_free_classes(&sum);
	ok(sum.requests == 7 && sum.failed == 2 && sum.status_counts[200] == 5 &&
	   sum.latency.total == 7 && sum.latency.max == 60000000 && sum.latency.min == 1000,
	   "groups add up exactly");
	groups_free(g);
	s.groups = NULL;
	stats_free(&s);
}

int main(void)
{
	test_names();
	test_table();
	test_json();
	return done_testing();
}
