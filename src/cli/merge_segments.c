/* SPDX-License-Identifier: MIT */
/*
 * --merge of a job's segments (engine/segment.h): each report names its
 * run, its job's hash and which segment of how many it is; the merge
 * refuses reports of different jobs or runs, a segment twice, one missing,
 * or segments mixed with whole runs, so a merged verdict is never drawn
 * from a partial or mixed run.  It also sums the reports' per-second
 * timelines, second by second (the segments started together).
 */
#include <config.h>

#include "cli/merge_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* A short string member (run_id, job_hash) into dst. */
static int read_name(struct json_reader *r, struct merged *m, const char *what, char *dst,
                     size_t size)
{
	const char *text;
	size_t len;

	if (json_read_string(r, &text, &len) < 0)
		return -1;
	if (!len || len >= size)
		return merge_refuse(m, "%s: empty or longer than %zu characters", what, size - 1);
	memcpy(dst, text, len);
	dst[len] = '\0';
	/* what scrape writes there, and so safe to print and to write back */
	if (strspn(dst, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != len)
		return merge_refuse(m, "%s: only letters, digits, '.', '_', ':' and '-' belong there", what);
	return 0;
}

int merge_read_identity(struct json_reader *r, struct merged *m, struct segment_id *id,
                        const char *key)
{
	if (strcmp(key, "run_id") == 0)
		return read_name(r, m, key, id->run_id, sizeof id->run_id);
	if (strcmp(key, "job_hash") == 0)
		return read_name(r, m, key, id->job_hash, sizeof id->job_hash);
	if (json_read_count(r, strcmp(key, "segment") == 0 ? &id->segment : &id->segments) < 0)
		return -1;
	if (id->segments > MERGE_SEGMENTS_MAX)
		return merge_refuse(m, "segments: more than %d", MERGE_SEGMENTS_MAX);
	return 0;
}

int merge_is_identity(const char *key)
{
	return strcmp(key, "run_id") == 0 || strcmp(key, "job_hash") == 0 ||
	       strcmp(key, "segment") == 0 || strcmp(key, "segments") == 0;
}

/* The first report's identity, which every other must match. */
static int first_report(struct merged *m, const struct segment_id *id, const char *path)
{
	m->first_id = *id;
	snprintf(m->first_path, sizeof m->first_path, "%s", path);
	if (!id->segments)
		return 0;
	m->segment_paths = calloc(id->segments, sizeof *m->segment_paths);
	if (!m->segment_paths)
		return merge_refuse(m, "out of memory");
	return 0;
}

int merge_check_segment(struct merged *m, const struct segment_id *id, const char *path)
{
	const struct segment_id *first = &m->first_id;
	char shown[160];

	if (id->segments && (id->segment < 1 || id->segment > id->segments))
		return merge_refuse(m, "segment %llu is not 1 to %llu", (unsigned long long)id->segment,
		                    (unsigned long long)id->segments);
	if (m->reports == 0 && first_report(m, id, path) < 0)
		return -1;
	visible(shown, sizeof shown, m->first_path);
	if (!id->segments != !first->segments)
		return merge_refuse(m, "%s, but %s %s; a merge takes the segments of one run or whole "
		                    "runs, not both", id->segments ? "it is a segment" : "it is a whole run",
		                    shown, first->segments ? "is a segment" : "is a whole run");
	if (!id->segments)
		return 0;
	if (strcmp(id->job_hash, first->job_hash) != 0)
		return merge_refuse(m, "it is of another job than %s (job hash %s, not %s)", shown,
		                    id->job_hash, first->job_hash);
	if (strcmp(id->run_id, first->run_id) != 0)
		return merge_refuse(m, "it is of another run than %s (run %s, not %s)", shown,
		                    id->run_id, first->run_id);
	if (id->segments != first->segments)
		return merge_refuse(m, "it is one of %llu segments, %s one of %llu",
		                    (unsigned long long)id->segments, shown,
		                    (unsigned long long)first->segments);
	if (m->segment_paths[id->segment - 1]) {
		visible(shown, sizeof shown, m->segment_paths[id->segment - 1]);
		return merge_refuse(m, "segment %llu of %llu is there twice (also %s)",
		                    (unsigned long long)id->segment, (unsigned long long)id->segments,
		                    shown);
	}
	m->segment_paths[id->segment - 1] = path;
	return 0;
}

int merge_check_complete(struct merged *m)
{
	uint64_t i, missing = 0, first_missing = 0;

	for (i = 0; i < m->first_id.segments; i++)
		if (!m->segment_paths[i] && missing++ == 0)
			first_missing = i + 1;
	if (!missing)
		return 0;
	return merge_refuse(m, "segment %llu of %llu of run %s is missing%s (%zu report%s given)",
	                    (unsigned long long)first_missing, (unsigned long long)m->first_id.segments,
	                    m->first_id.run_id, missing > 1 ? ", and more" : "", m->reports,
	                    m->reports == 1 ? "" : "s");
}

/* One {"second":..,"sent":..,"requests":..,...} of a report's timeline. */
static int read_second(struct json_reader *r, struct merged *m, struct timeline_second *s)
{
	const char *key;
	int more;

	if (json_object_begin(r) < 0)
		return -1;
	while ((more = json_object_next(r, &key, NULL)) == 1) {
		double v;
		int rc;

		if (strcmp(key, "sent") == 0)
			rc = json_read_count(r, &s->sent);
		else if (strcmp(key, "requests") == 0)
			rc = json_read_count(r, &s->requests);
		else if (strcmp(key, "errors") == 0)
			rc = json_read_count(r, &s->errors);
		else if (strcmp(key, "p50") == 0 || strcmp(key, "p99") == 0 ||
		         strcmp(key, "seconds") == 0 || strcmp(key, "target_rate") == 0) {
			int which = key[0] == 's' ? 0 : key[0] == 't' ? 1 : key[1] == '5' ? 2 : 3;
			if ((rc = json_read_number(r, &v)) == 0 && !(v >= 0 && v <= MAX_TIMELINE_VALUE))
				return merge_refuse(m, "timeline: %s %g is out of range", key, v);
			if (which == 0)
				s->seconds = v;
			else if (which == 1)
				s->target_rate = v;
			/* rounded: 0.004071424 s is 4071423.99... ns as a double,
			 * and would come back as 0.004071423 */
			else if (which == 2)
				s->p50_ns = llround(v * 1e9);
			else
				s->p99_ns = llround(v * 1e9);
		} else {
			rc = json_skip(r, NULL, NULL);
		}
		if (rc < 0)
			return -1;
	}
	return more;
}

int merge_read_timeline(struct json_reader *r, struct merged *m, struct timeline *t)
{
	int more;

	if (json_array_begin(r) < 0)
		return -1;
	while ((more = json_array_next(r)) == 1) {
		struct timeline_second *grown;

		if (t->count >= MERGE_TIMELINE_MAX)
			return merge_refuse(m, "timeline: more than %d seconds", MERGE_TIMELINE_MAX);
		if (t->count == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 64;
			if (!(grown = realloc(t->seconds, cap * sizeof *grown)))
				return merge_refuse(m, "out of memory");
			t->seconds = grown;
			t->cap = cap;
		}
		memset(&t->seconds[t->count], 0, sizeof t->seconds[0]);
		if (read_second(r, m, &t->seconds[t->count]) < 0)
			return -1;
		t->count++;
	}
	return more < 0 ? -1 : 0;
}

/* Counts and the schedule's rates add up; a second lasts as long as the
 * longest; p50 and p99 of a second cannot be merged without its buckets,
 * so the merge shows the highest segment's (an upper bound). */
int merge_add_timeline(struct merged *m, const struct timeline *from)
{
	struct timeline *t = &m->timeline;
	size_t i;

	if (from->count > t->count) {
		struct timeline_second *grown = realloc(t->seconds, from->count * sizeof *grown);
		if (!grown)
			return merge_refuse(m, "out of memory");
		memset(grown + t->count, 0, (from->count - t->count) * sizeof *grown);
		t->seconds = grown;
		t->count = t->cap = from->count;
	}
	for (i = 0; i < from->count; i++) {
		struct timeline_second *s = &t->seconds[i];
		const struct timeline_second *f = &from->seconds[i];

		if (merge_add_count(m, &s->sent, f->sent, "timeline.sent") < 0 ||
		    merge_add_count(m, &s->requests, f->requests, "timeline.requests") < 0 ||
		    merge_add_count(m, &s->errors, f->errors, "timeline.errors") < 0)
			return -1;
		s->target_rate += f->target_rate;
		if (f->seconds > s->seconds)
			s->seconds = f->seconds;
		if (f->p50_ns > s->p50_ns)
			s->p50_ns = f->p50_ns;
		if (f->p99_ns > s->p99_ns)
			s->p99_ns = f->p99_ns;
	}
	return 0;
}
