/* SPDX-License-Identifier: MIT */
/*
 * Job validation: turns the tree of a job file (plus command-line
 * overrides) into a struct job, or into exactly one error message that
 * points at the offending spot as file:line:col.  Each top-level key has a
 * small handler; the table of handlers is also the list of valid keys, so
 * "did you mean" hints and the documentation stay in step with the code.
 */
#include <config.h>

#include "job.h"

#include <curl/curl.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "units.h"

struct checker {
	struct job *job;
	const char *path;           /* the job file, or NULL */
	char *err;
	size_t errlen;
	const char *job_dir;
};

static int fail(struct checker *c, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Messages quote the job's values, which may hold control bytes (from
 * the file or from ${VAR}): the message is escaped as a whole, so no
 * value can move the cursor or retitle the terminal. */
static int fail(struct checker *c, const struct node *n, const char *fmt, ...)
{
	char where[256], message[1024];
	va_list ap;
	int used;

	tree_where(n, where, sizeof where);
	used = snprintf(message, sizeof message, "%s: ", where);
	if (used < 0 || (size_t)used >= sizeof message)
		used = 0;
	va_start(ap, fmt);
	vsnprintf(message + used, sizeof message - (size_t)used, fmt, ap);
	va_end(ap);
	visible(c->err, c->errlen, message);
	return -1;
}

static int is_null(const struct node *n)
{
	return n->kind == NODE_SCALAR && n->plain &&
	       (n->text[0] == '\0' || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0);
}

static int want_scalar(struct checker *c, const char *key, const struct node *n, const char *what)
{
	if (n->kind != NODE_SCALAR)
		return fail(c, n, "\"%s\" must be %s, not %s", key, what, tree_kind_name(n->kind));
	if (is_null(n))
		return fail(c, n, "\"%s\" has no value (expected %s)", key, what);
	return 0;
}

static int get_count(struct checker *c, const char *key, const struct node *n, int64_t min,
                     int64_t *out)
{
	const char *why;

	if (want_scalar(c, key, n, "a whole number") < 0)
		return -1;
	if (units_count(n->text, out, &why) < 0)
		return fail(c, n, "\"%s\": %s, got \"%s\"", key, why, n->text);
	if (*out < min)
		return fail(c, n, "\"%s\" must be at least %lld, got %lld", key, (long long)min,
		            (long long)*out);
	return 0;
}

static int get_duration(struct checker *c, const char *key, const struct node *n, int64_t *out)
{
	const char *why;

	if (want_scalar(c, key, n, "a duration such as 10s") < 0)
		return -1;
	if (units_duration(n->text, out, &why) < 0)
		return fail(c, n, "\"%s\": %s, got \"%s\"", key, why, n->text);
	return 0;
}

static int get_string(struct checker *c, const char *key, const struct node *n, char **out)
{
	if (want_scalar(c, key, n, "a text value") < 0)
		return -1;
	free(*out);
	*out = strdup(n->text);
	return *out ? 0 : fail(c, n, "out of memory");
}

/* A file named in the job: relative to the job file's directory, so a job
 * and the files it names travel together. */
static int get_path(struct checker *c, const char *key, const struct node *n, char **out)
{
	char *joined;

	*out = NULL;
	if (get_string(c, key, n, out) < 0)
		return -1;
	if ((*out)[0] == '/' || !c->job_dir)
		return 0;
	if (asprintf(&joined, "%s/%s", c->job_dir, *out) < 0) {
		free(*out);
		*out = NULL;
		return fail(c, n, "out of memory");
	}
	free(*out);
	*out = joined;
	return 0;
}

static int get_bool(struct checker *c, const char *key, const struct node *n, int *out)
{
	if (want_scalar(c, key, n, "true or false") < 0)
		return -1;
	if (units_bool(n->text, out) < 0)
		return fail(c, n, "\"%s\" must be true or false, got \"%s\"", key, n->text);
	return 0;
}

/* RFC 9110 tchar: what a method or a header name is made of. */
static int is_token_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

int job_wire_ok(const char *text, enum job_wire kind, const char **why)
{
	const unsigned char *p = (const unsigned char *)text;

	if (kind == JOB_WIRE_TOKEN && !*p) {
		*why = "it is empty";
		return -1;
	}
	for (; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			*why = "it contains a line break (CR or LF), which would start a new header";
			return -1;
		}
		if (kind == JOB_WIRE_TOKEN && !is_token_char(*p)) {
			*why = "it may hold only letters, digits and !#$%&'*+-.^_`|~";
			return -1;
		}
		if (kind == JOB_WIRE_URL && (*p == ' ' || *p == '\t')) {
			*why = "it contains white space";
			return -1;
		}
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			*why = "it contains a control character";
			return -1;
		}
	}
	return 0;
}

int job_url_ok(const char *url, const char **why)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int ok = -1;

	if (job_wire_ok(url, JOB_WIRE_URL, why) < 0)
		return -1;
	*why = "out of memory";
	if (!(u = curl_url()))
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*why = "it is not an absolute URL like http://host/path";
	} else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	           (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		*why = "only http and https URLs are allowed";
	} else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		*why = "it has no host";
	} else {
		ok = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* A value the job sends as part of a request, refused at its spot. */
static int wire_check(struct checker *c, const char *key, const struct node *n, const char *text,
                      enum job_wire kind)
{
	const char *why;

	if (job_wire_ok(text, kind, &why) < 0)
		return fail(c, n, "\"%s\" cannot be sent: %s", key, why);
	return 0;
}

/* ---- the keys ---- */

/* One item of "urls": a URL, or a map with url and weight. */
static int url_item(struct checker *c, const struct node *u, size_t i)
{
	const struct node *text = u;
	const char *why;
	int64_t weight = 1;

	if (u->kind == NODE_MAP) {
		size_t k;
		text = tree_get(u, "url");
		if (!text)
			return fail(c, u, "this urls entry has no \"url\"");
		for (k = 0; k < u->count; k++) {
			const struct node *key = u->keys[k];
			if (strcmp(key->text, "weight") == 0) {
				if (get_count(c, "weight", u->items[k], 1, &weight) < 0)
					return -1;
			} else if (strcmp(key->text, "url") != 0) {
				return fail(c, key, "unknown key \"%s\" in a urls entry (it takes url and weight)",
				            key->text);
			}
		}
	}
	if (want_scalar(c, "urls", text, "a URL") < 0)
		return -1;
	if (job_url_ok(text->text, &why) < 0)
		return fail(c, text, "malformed URL \"%s\": %s", text->text, why);
	if (!(c->job->urls[i] = strdup(text->text)))
		return fail(c, text, "out of memory");
	c->job->url_weights[i] = weight;
	c->job->url_count++;
	return 0;
}

static int key_urls(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP || is_null(n))
		return fail(c, n, "\"urls\" must be a list of URLs");
	if (count == 0)
		return fail(c, n, "\"urls\" is empty: list at least one URL");
	c->job->urls = calloc(count, sizeof(char *));
	c->job->url_weights = calloc(count, sizeof(int64_t));
	if (!c->job->urls || !c->job->url_weights)
		return fail(c, n, "out of memory");
	/* one URL may be written without the list brackets */
	for (i = 0; i < count; i++)
		if (url_item(c, n->kind == NODE_LIST ? n->items[i] : n, i) < 0)
			return -1;
	return 0;
}

char *job_url_line(char *line)
{
	char *end;

	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return *line == '\0' || *line == '#' ? NULL : line;
}

int job_url_open(struct job_url_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->line = malloc(JOB_URL_LINE_MAX + 1);
	if (!r->line)
		return -1;
	if (strcmp(path, "-") == 0) {
		r->f = stdin;
		r->name = "standard input";
	} else {
		r->f = fopen(path, "r");
		r->name = path;
	}
	if (!r->f) {
		int e = errno;
		free(r->line);
		r->line = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void job_url_close(struct job_url_reader *r)
{
	if (r->f && r->f != stdin)
		fclose(r->f);
	free(r->line);
	r->f = NULL;
	r->line = NULL;
}

/* "NAME:LINE:COL: ..." in r->message, escaped: the line is untrusted. */
static int url_refuse(struct job_url_reader *r, int rc, long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int url_refuse(struct job_url_reader *r, int rc, long col, const char *fmt, ...)
{
	char message[sizeof r->message];
	int used = snprintf(message, sizeof message, "%s:%ld:%ld: ", r->name, r->lineno, col);
	va_list ap;

	if (used < 0 || (size_t)used >= sizeof message)
		used = 0;
	va_start(ap, fmt);
	vsnprintf(message + used, sizeof message - (size_t)used, fmt, ap);
	va_end(ap);
	visible(r->message, sizeof r->message, message);
	return rc;
}

/* Reads one line into r->line, at most JOB_URL_LINE_MAX bytes; its length,
 * -1 at the end of the file, -2 if the line is longer. */
static long read_line(struct job_url_reader *r)
{
	long len = 0;
	int ch = 0;

	/* what is left of a line refused as too long is not a line of its own */
	while (r->rest_of_line && (ch = getc(r->f)) != EOF && ch != '\n')
		;
	r->rest_of_line = 0;
	if (ch == EOF)
		return -1;
	while ((ch = getc(r->f)) != EOF && ch != '\n') {
		if (len == JOB_URL_LINE_MAX) {
			r->rest_of_line = 1;
			return -2;
		}
		r->line[len++] = (char)ch;
	}
	if (ch == EOF && len == 0)
		return -1;
	r->line[len] = '\0';
	return len;
}

int job_url_next(struct job_url_reader *r, char **url)
{
	for (;;) {
		const char *why;
		long len;

		errno = 0;
		len = read_line(r);
		if (len == -1) {
			if (ferror(r->f))
				return url_refuse(r, -2, 1, "cannot read the file: %s",
				                  strerror(errno ? errno : EIO));
			return 0;
		}
		r->lineno++;
		if (len == -2)
			return url_refuse(r, -1, 1, "the line is longer than %d bytes", JOB_URL_LINE_MAX);
		if ((long)strlen(r->line) != len)
			return url_refuse(r, -1, (long)strlen(r->line) + 1,
			                  "the line holds a NUL byte (is this a text file?)");
		if (!(*url = job_url_line(r->line)))
			continue;
		if (job_url_ok(*url, &why) < 0)
			return url_refuse(r, -1, 1, "malformed URL \"%.200s\": %s", *url, why);
		return 1;
	}
}

/*
 * A regular URL file is read line by line here to check and count it, and
 * again while the job runs: it is never held in memory, so a file of ten
 * million URLs costs nothing but two sequential reads.  Anything else (a
 * pipe, standard input, a device) can be read only once: it is not opened
 * here, so --dry-run leaves it alone, and it is checked as it streams.
 */
static int check_url_file(struct checker *c, const struct node *n)
{
	struct job_url_reader r;
	struct stat st;
	int64_t count = 0;
	char *url;
	int rc;

	if (strcmp(c->job->url_file, "-") == 0 ||
	    (stat(c->job->url_file, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
		if (strcmp(c->job->url_file, "-") != 0 && access(c->job->url_file, R_OK) < 0)
			return fail(c, n, "cannot open url_file \"%s\": %s", c->job->url_file,
			            strerror(errno));
		c->job->url_file_stream = 1;
		c->job->url_file_count = -1;
		return 0;
	}
	if (stat(c->job->url_file, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(c, n, "cannot read url_file \"%s\": %s", c->job->url_file, strerror(EISDIR));
	if (job_url_open(&r, c->job->url_file) < 0)
		return fail(c, n, "cannot open url_file \"%s\": %s", c->job->url_file, strerror(errno));
	while ((rc = job_url_next(&r, &url)) > 0)
		count++;
	if (rc < 0)
		snprintf(c->err, c->errlen, "%s", r.message);
	job_url_close(&r);
	if (rc < 0)
		return -1;
	if (count == 0)
		return fail(c, n, "url_file \"%s\" holds no URLs", c->job->url_file);
	c->job->url_file_count = count;
	return 0;
}

static int key_url_file(struct checker *c, const struct node *n)
{
	char *path = NULL;

	/* "-" is standard input, not a file beside the job */
	if (n->kind == NODE_SCALAR && strcmp(n->text, "-") == 0) {
		if (get_string(c, "url_file", n, &path) < 0)
			return -1;
	} else if (get_path(c, "url_file", n, &path) < 0) {
		return -1;
	}
	free(c->job->url_file);
	c->job->url_file = path;
	return check_url_file(c, n);
}

static int key_repeat(struct checker *c, const struct node *n)
{
	return get_count(c, "repeat", n, 1, &c->job->repeat);
}

static int key_duration(struct checker *c, const struct node *n)
{
	if (get_duration(c, "duration", n, &c->job->duration_ns) < 0)
		return -1;
	if (c->job->duration_ns <= 0)
		return fail(c, n, "\"duration\" must be longer than 0s");
	return 0;
}

static int key_requests(struct checker *c, const struct node *n)
{
	return get_count(c, "requests", n, 1, &c->job->requests);
}

static int key_order(struct checker *c, const struct node *n)
{
	char *order = NULL;

	if (get_string(c, "order", n, &order) < 0)
		return -1;
	if (strcmp(order, "sequential") == 0)
		c->job->random_order = 0;
	else if (strcmp(order, "random") == 0)
		c->job->random_order = 1;
	else {
		free(order);
		return fail(c, n, "\"order\" is sequential or random, not \"%s\"", n->text);
	}
	free(order);
	return 0;
}

static int key_seed(struct checker *c, const struct node *n)
{
	int64_t seed;

	if (get_count(c, "seed", n, 0, &seed) < 0)
		return -1;
	c->job->seed = (uint64_t)seed;
	c->job->seed_set = 1;
	return 0;
}

/* The open model's rate: "500/s"; 0 only as the start of a ramp. */
static int get_rate(struct checker *c, const char *key, const struct node *n, int zero_ok,
                    double *out)
{
	const char *why;

	if (want_scalar(c, key, n, "a rate such as 500/s") < 0)
		return -1;
	if (zero_ok && (strcmp(n->text, "0") == 0 || strncmp(n->text, "0/", 2) == 0)) {
		*out = 0;
		return 0;
	}
	if (units_rate(n->text, out, &why) < 0)
		return fail(c, n, "\"%s\": %s, got \"%s\"", key, why, n->text);
	if (*out > 10000000)
		return fail(c, n, "\"%s\" is at most 10000000/s, got \"%s\"", key, n->text);
	return 0;
}

static int key_rate(struct checker *c, const struct node *n)
{
	c->job->open_model = 1;
	/* zero is checked once stages are known: a ramp may start from 0 */
	return get_rate(c, "rate", n, 1, &c->job->rate);
}

static int key_arrival(struct checker *c, const struct node *n)
{
	if (want_scalar(c, "arrival", n, "constant or poisson") < 0)
		return -1;
	if (strcmp(n->text, "constant") == 0)
		c->job->poisson = 0;
	else if (strcmp(n->text, "poisson") == 0)
		c->job->poisson = 1;
	else
		return fail(c, n, "\"arrival\" is constant or poisson, not \"%s\"", n->text);
	return 0;
}

static int stage_item(struct checker *c, const struct node *n, struct job_stage *stage)
{
	const struct node *d, *r;
	size_t i;

	if (n->kind != NODE_MAP)
		return fail(c, n, "a stage is a map such as {duration: 30s, rate: 500/s}");
	for (i = 0; i < n->count; i++)
		if (strcmp(n->keys[i]->text, "duration") != 0 && strcmp(n->keys[i]->text, "rate") != 0)
			return fail(c, n->keys[i], "unknown stage key \"%s\" (a stage has duration and rate)",
			            n->keys[i]->text);
	if (!(d = tree_get(n, "duration")) || !(r = tree_get(n, "rate")))
		return fail(c, n, "a stage needs both duration and rate, e.g. {duration: 30s, rate: 500/s}");
	if (get_duration(c, "duration", d, &stage->duration_ns) < 0)
		return -1;
	if (stage->duration_ns <= 0)
		return fail(c, d, "a stage must last longer than 0s");
	return get_rate(c, "rate", r, 1, &stage->rate);
}

static int key_stages(struct checker *c, const struct node *n)
{
	struct job *job = c->job;
	size_t i;

	if (n->kind != NODE_LIST || n->count == 0)
		return fail(c, n, "\"stages\" must be a list of {duration, rate} steps");
	free(job->stages);
	job->stages = calloc(n->count, sizeof *job->stages);
	if (!job->stages)
		return fail(c, n, "out of memory");
	job->stage_count = 0;
	job->open_model = 1;
	for (i = 0; i < n->count; i++) {
		if (stage_item(c, n->items[i], &job->stages[i]) < 0)
			return -1;
		if (job->stages[i].duration_ns > INT64_MAX / 2 - job->stages_ns)
			return fail(c, n->items[i], "the stages last too long");
		job->stages_ns += job->stages[i].duration_ns;
		job->stage_count++;
	}
	return 0;
}

static int key_max_connections(struct checker *c, const struct node *n)
{
	if (get_count(c, "max_connections", n, 1, &c->job->max_connections) < 0)
		return -1;
	if (c->job->max_connections > 100000)
		return fail(c, n, "\"max_connections\" is at most 100000, got %lld",
		            (long long)c->job->max_connections);
	return 0;
}

static int key_warmup(struct checker *c, const struct node *n)
{
	if (get_duration(c, "warmup", n, &c->job->warmup_ns) < 0)
		return -1;
	if (c->job->warmup_ns <= 0)
		return fail(c, n, "\"warmup\" must be longer than 0s (leave it out for none)");
	return 0;
}

/* The open model and warmup against the rest of the job.  Lock-step
 * scheduling cannot honour batches, rate limits or per-host queues, so
 * those are refused rather than quietly bent. */
static int check_load_model(struct checker *c)
{
	struct job *job = c->job;
	const struct node *root = job->tree;
	static const char *const closed_only[] = { "workers", "batch_size", "rate_limit", "burst",
	                                           "per_host", "crawl" };
	size_t i;

	for (i = 0; !job->open_model && i < job->threshold_count; i++) {
		const char *metric = job->thresholds[i].metric;
		const struct node *list = tree_get(root, "thresholds");
		if (strcmp(metric, "late") == 0 || strcmp(metric, "dropped") == 0)
			return fail(c, list && list->kind == NODE_LIST ? list->items[i] : list,
			            "threshold \"%s\": %s starts belong to the open model: add \"rate\" or \"stages\"",
			            job->thresholds[i].text, metric);
	}
	if (!job->open_model) {
		if (tree_get(root, "arrival") || tree_get(root, "max_connections")) {
			const char *key = tree_get(root, "arrival") ? "arrival" : "max_connections";
			return fail(c, tree_get(root, key),
			            "\"%s\" belongs to the open model: add \"rate\" or \"stages\"", key);
		}
	} else {
		for (i = 0; i < sizeof closed_only / sizeof closed_only[0]; i++)
			if (tree_get(root, closed_only[i]))
				return fail(c, tree_get(root, closed_only[i]),
				            "\"%s\" does not go with \"%s\" (the open model schedules every start; %s)",
				            closed_only[i], job->stage_count ? "stages" : "rate",
				            strcmp(closed_only[i], "workers") == 0
				                ? "cap transfers in flight with max_connections"
				                : "leave it out or drop the rate");
		if (!job->stage_count && job->rate <= 0)
			return fail(c, tree_get(root, "rate"), "\"rate\" must be greater than zero");
		if (job->stage_count && job->duration_ns)
			return fail(c, tree_get(root, "duration"),
			            "\"duration\" does not go with \"stages\": the stages add up to the run's length");
		if (job->stage_count)
			job->duration_ns = job->stages_ns;
		if (!job->max_connections)
			job->max_connections = 1000;
		/* the strategy keeps this many transfers in flight at most */
		job->workers = job->max_connections;
	}
	if (job->warmup_ns) {
		if (!job->duration_ns)
			return fail(c, tree_get(root, "warmup"),
			            "\"warmup\" is the first part of the duration: add \"duration\"%s",
			            job->open_model ? " or \"stages\"" : "");
		if (job->warmup_ns >= job->duration_ns)
			return fail(c, tree_get(root, "warmup"),
			            "\"warmup\" must be shorter than the %s it is part of",
			            job->stage_count ? "stages" : "duration");
	}
	return 0;
}

/* "p99 < 250ms", "error_rate < 0.5%", "rate >= 1900/s", "requests >= 1000" */
static int parse_threshold(struct checker *c, const struct node *n, struct job_threshold *t)
{
	static const char *const metrics[] = {
		"min", "mean", "max", "p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99",
		"stddev", "error_rate", "rate", "requests", "failed", "late", "dropped",
	};
	char metric[16], op[3], value[64];
	const char *why;
	size_t i;

	if (want_scalar(c, "thresholds", n, "a condition such as \"p99 < 250ms\"") < 0)
		return -1;
	int end = 0;

	if (sscanf(n->text, " %15[a-z0-9_.] %2[<>=!] %63s %n", metric, op, value, &end) != 3 ||
	    n->text[end] != '\0')
		return fail(c, n, "threshold \"%s\": expected METRIC OP VALUE, e.g. \"p99 < 250ms\"",
		            n->text);
	for (i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
		if (strcmp(metric, metrics[i]) == 0)
			break;
	if (i == sizeof metrics / sizeof metrics[0]) {
		const char *hint = job_suggest(metric, metrics, sizeof metrics / sizeof metrics[0]);
		return fail(c, n, "threshold \"%s\": unknown metric \"%s\"%s%s%s", n->text, metric,
		            hint ? " (did you mean \"" : " (use p50, p99, mean, max, error_rate, rate, ...)",
		            hint ? hint : "", hint ? "\"?)" : "");
	}
	if (strcmp(op, "<") && strcmp(op, "<=") && strcmp(op, ">") && strcmp(op, ">=") &&
	    strcmp(op, "=="))
		return fail(c, n, "threshold \"%s\": the comparison is one of < <= > >= ==", n->text);
	snprintf(t->metric, sizeof t->metric, "%s", metric);
	snprintf(t->op, sizeof t->op, "%s", op);
	snprintf(t->text, sizeof t->text, "%s", n->text);
	if (metric[0] == 'p' || strcmp(metric, "min") == 0 || strcmp(metric, "mean") == 0 ||
	    strcmp(metric, "max") == 0 || strcmp(metric, "stddev") == 0) {
		int64_t ns;
		if (units_duration(value, &ns, &why) < 0)
			return fail(c, n, "threshold \"%s\": %s, got \"%s\"", n->text, why, value);
		t->value = (double)ns / 1e9;
	} else if (strcmp(metric, "error_rate") == 0) {
		char *rest;
		t->value = strtod(value, &rest);
		if (rest == value || (strcmp(rest, "%") != 0 && *rest) ||
		    strspn(value, "0123456789.") != (size_t)(rest - value))
			return fail(c, n, "threshold \"%s\": an error rate is a fraction or a percentage, got \"%s\"",
			            n->text, value);
		if (*rest == '%')
			t->value /= 100;
		/* NaN would compare false and a threshold above 100% could never fail */
		if (!(t->value >= 0 && t->value <= 1))
			return fail(c, n, "threshold \"%s\": an error rate is between 0 and 1 (0%% and 100%%), got \"%s\"",
			            n->text, value);
	} else if (strcmp(metric, "rate") == 0) {
		if (units_rate(value, &t->value, &why) < 0)
			return fail(c, n, "threshold \"%s\": %s, got \"%s\"", n->text, why, value);
	} else {
		int64_t count;
		if (units_count(value, &count, &why) < 0)
			return fail(c, n, "threshold \"%s\": %s, got \"%s\"", n->text, why, value);
		t->value = (double)count;
	}
	return 0;
}

static int key_thresholds(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return fail(c, n, "\"thresholds\" must be a list of conditions such as \"p99 < 250ms\"");
	c->job->thresholds = calloc(count ? count : 1, sizeof *c->job->thresholds);
	if (!c->job->thresholds)
		return fail(c, n, "out of memory");
	for (i = 0; i < count; i++) {
		if (parse_threshold(c, n->kind == NODE_LIST ? n->items[i] : n, &c->job->thresholds[i]) < 0)
			return -1;
		c->job->threshold_count++;
	}
	return 0;
}

static int plugin_entry(struct checker *c, const char *key, const struct node *n,
                        struct job_plugin *out)
{
	const struct node *name = n;

	if (n->kind == NODE_MAP) {
		name = tree_get(n, "name");
		if (!name && strcmp(key, "strategy") == 0) {
			/* keys for the default strategy, e.g. from --set strategy.KEY=V */
			free(out->name);
			out->name = strdup("sequential");
			out->entry = n;
			return out->name ? 0 : fail(c, n, "out of memory");
		}
		if (!name)
			return fail(c, n, "this %s entry has no \"name\"", key);
	} else if (n->kind == NODE_LIST) {
		return fail(c, n, "\"%s\" must be a plugin name or a map with a \"name\"", key);
	}
	if (want_scalar(c, key, name, "a plugin name") < 0)
		return -1;
	if (strchr(name->text, '/') == NULL && strspn(name->text,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(name->text))
		return fail(c, name, "\"%s\" is not a valid plugin name", name->text);
	free(out->name);
	out->name = strdup(name->text);
	out->entry = n;
	return out->name ? 0 : fail(c, n, "out of memory");
}

static int key_strategy(struct checker *c, const struct node *n)
{
	return plugin_entry(c, "strategy", n, &c->job->strategy);
}

static int key_workers(struct checker *c, const struct node *n)
{
	if (get_count(c, "workers", n, 1, &c->job->workers) < 0)
		return -1;
	if (c->job->workers > 100000)
		return fail(c, n, "\"workers\" is at most 100000, got %lld", (long long)c->job->workers);
	return 0;
}

static int key_batch_size(struct checker *c, const struct node *n)
{
	return get_count(c, "batch_size", n, 0, &c->job->batch_size);
}

static int key_rate_limit(struct checker *c, const struct node *n)
{
	const char *why;

	if (want_scalar(c, "rate_limit", n, "a rate such as 100/s") < 0)
		return -1;
	if (strcmp(n->text, "0") == 0) {
		c->job->rate_limit = 0;   /* explicit "no limit" */
		return 0;
	}
	if (units_rate(n->text, &c->job->rate_limit, &why) < 0)
		return fail(c, n, "\"rate_limit\": %s, got \"%s\"", why, n->text);
	return 0;
}

static int key_burst(struct checker *c, const struct node *n)
{
	return get_count(c, "burst", n, 1, &c->job->burst);
}

static int key_per_host(struct checker *c, const struct node *n)
{
	static const char *const keys[] = { "concurrency", "rate", "burst", "delay", "jitter" };
	struct host_limits *l = &c->job->per_host;
	size_t i;

	if (n->kind != NODE_MAP)
		return fail(c, n, "\"per_host\" must be a map with concurrency, rate, burst, delay and jitter");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		const char *why;

		if (strcmp(k->text, "concurrency") == 0) {
			if (get_count(c, "per_host.concurrency", v, 1, &l->concurrency) < 0)
				return -1;
		} else if (strcmp(k->text, "rate") == 0) {
			if (want_scalar(c, "per_host.rate", v, "a rate such as 5/s") < 0)
				return -1;
			if (units_rate(v->text, &l->rate, &why) < 0)
				return fail(c, v, "\"per_host.rate\": %s, got \"%s\"", why, v->text);
		} else if (strcmp(k->text, "burst") == 0) {
			if (get_count(c, "per_host.burst", v, 1, &l->burst) < 0)
				return -1;
		} else if (strcmp(k->text, "delay") == 0) {
			if (get_duration(c, "per_host.delay", v, &l->delay_ns) < 0)
				return -1;
		} else if (strcmp(k->text, "jitter") == 0) {
			if (get_duration(c, "per_host.jitter", v, &l->jitter_ns) < 0)
				return -1;
		} else {
			const char *hint = job_suggest(k->text, keys, 5);
			if (hint)
				return fail(c, k, "unknown key \"per_host.%s\" (did you mean \"%s\"?)", k->text, hint);
			return fail(c, k, "unknown key \"per_host.%s\" (per_host takes concurrency, rate, "
			            "burst, delay and jitter)", k->text);
		}
	}
	return 0;
}

/* libcurl takes timeouts in whole milliseconds and reads 0 as "none":
 * 500us truncated would be no timeout at all, so a timeout is rounded up
 * to the next millisecond; only 0s itself means none. */
static int get_timeout(struct checker *c, const char *key, const struct node *n, int64_t *out)
{
	if (get_duration(c, key, n, out) < 0)
		return -1;
	if (*out % 1000000 != 0)
		*out += 1000000 - *out % 1000000;
	return 0;
}

static int key_timeout(struct checker *c, const struct node *n)
{
	return get_timeout(c, "timeout", n, &c->job->timeout_ns);
}

static int key_connect_timeout(struct checker *c, const struct node *n)
{
	return get_timeout(c, "connect_timeout", n, &c->job->connect_timeout_ns);
}

static int key_retries(struct checker *c, const struct node *n)
{
	if (get_count(c, "retries", n, 0, &c->job->retries) < 0)
		return -1;
	/* attempts are counted in an int */
	if (c->job->retries > 1000000)
		return fail(c, n, "\"retries\" is at most 1000000, got %lld", (long long)c->job->retries);
	return 0;
}

static int key_retry_delay(struct checker *c, const struct node *n)
{
	return get_duration(c, "retry_delay", n, &c->job->retry_delay_ns);
}

static int key_max_redirects(struct checker *c, const struct node *n)
{
	return get_count(c, "max_redirects", n, 0, &c->job->max_redirects);
}

static int key_max_body(struct checker *c, const struct node *n)
{
	const char *why;

	if (want_scalar(c, "max_body", n, "a size such as 10MB") < 0)
		return -1;
	if (units_size(n->text, &c->job->max_body, &why) < 0)
		return fail(c, n, "\"max_body\": %s, got \"%s\"", why, n->text);
	if (c->job->max_body < 1)
		return fail(c, n, "\"max_body\" must be at least 1 byte");
	return 0;
}

static int key_insecure(struct checker *c, const struct node *n)
{
	return get_bool(c, "insecure", n, &c->job->insecure);
}

static int key_http2(struct checker *c, const struct node *n)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	int on;

	if (want_scalar(c, "http2", n, "true, false or prior_knowledge") < 0)
		return -1;
	if (strcmp(n->text, "prior_knowledge") == 0)
		c->job->http2 = JOB_HTTP2_PRIOR_KNOWLEDGE;
	else if (units_bool(n->text, &on) == 0)
		c->job->http2 = on ? JOB_HTTP2_TLS : JOB_HTTP2_OFF;
	else
		return fail(c, n, "\"http2\" is true, false or prior_knowledge, got \"%s\"", n->text);
	if (c->job->http2 != JOB_HTTP2_OFF && !(curl->features & CURL_VERSION_HTTP2))
		return fail(c, n, "\"http2\": this libcurl (%s) was built without HTTP/2; use \"http2: false\"",
		            curl->version);
	/* libcurl before 7.89.0 breaks a prior-knowledge connection it reuses
	 * ("Error in the HTTP2 framing layer", curl issue #10634): there each
	 * request gets a connection of its own */
	c->job->http2_fresh = c->job->http2 == JOB_HTTP2_PRIOR_KNOWLEDGE && curl->version_num < 0x075900;
	return 0;
}

/* A PEM file named by a TLS key: resolved like url_file, and read once at
 * load so a wrong path is a job error, not a failed request per URL.  ~
 * leaves it unset.  An encrypted private key is refused: libcurl has no
 * passphrase to give, and OpenSSL would ask for one on the terminal. */
static int get_pem_file(struct checker *c, const char *key, const struct node *n, char **out)
{
	char line[512];
	int pem = 0, encrypted = 0;
	struct stat st;
	FILE *f;

	free(*out);
	*out = NULL;
	if (is_null(n))
		return 0;
	if (get_path(c, key, n, out) < 0)
		return -1;
	/* libcurl reads it again for every connection: a pipe or a device
	 * (/dev/zero, read here for ever) cannot serve */
	if (stat(*out, &st) == 0 && !S_ISREG(st.st_mode))
		return fail(c, n, "%s \"%s\" is not a regular file", key, *out);
	f = fopen(*out, "r");
	if (!f)
		return fail(c, n, "cannot read %s \"%s\": %s", key, *out, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "-----BEGIN ", 11) == 0)
			pem = 1;
		if (strncmp(line, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0 ||
		    strncmp(line, "Proc-Type: 4,ENCRYPTED", 22) == 0)
			encrypted = 1;
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		return fail(c, n, "cannot read %s \"%s\": %s", key, *out, strerror(e));
	}
	fclose(f);
	if (!pem)
		return fail(c, n, "%s \"%s\" is not a PEM file (it has no \"-----BEGIN\" line)", key, *out);
	if (encrypted)
		return fail(c, n, "%s \"%s\" holds an encrypted private key: decrypt it first "
		            "(openssl pkey -in KEY -out PLAIN.key)", key, *out);
	return 0;
}

static int key_ca_file(struct checker *c, const struct node *n)
{
	return get_pem_file(c, "ca_file", n, &c->job->ca_file);
}

static int key_client_cert(struct checker *c, const struct node *n)
{
	return get_pem_file(c, "client_cert", n, &c->job->client_cert);
}

static int key_client_key(struct checker *c, const struct node *n)
{
	return get_pem_file(c, "client_key", n, &c->job->client_key);
}

static int key_keepalive(struct checker *c, const struct node *n)
{
	return get_bool(c, "keepalive", n, &c->job->keepalive);
}

/* libcurl counts connection ages in whole seconds; ~ leaves it unset. */
static int get_connection_age(struct checker *c, const char *key, const struct node *n,
                              int64_t *out)
{
	*out = 0;
	if (is_null(n))
		return 0;
	if (get_duration(c, key, n, out) < 0)
		return -1;
	if (*out < 1000000000LL)
		return fail(c, n, "\"%s\" must be at least 1s (libcurl counts whole seconds), got \"%s\"",
		            key, n->text);
	if (*out % 1000000000LL != 0)
		return fail(c, n, "\"%s\" must be whole seconds (libcurl counts whole seconds), got \"%s\"",
		            key, n->text);
	if (*out / 1000000000LL > LONG_MAX)
		return fail(c, n, "\"%s\" is too long, got \"%s\"", key, n->text);
	return 0;
}

static int key_connection_max_age(struct checker *c, const struct node *n)
{
	return get_connection_age(c, "connection_max_age", n, &c->job->connection_max_age_ns);
}

static int key_connection_max_idle(struct checker *c, const struct node *n)
{
	return get_connection_age(c, "connection_max_idle", n, &c->job->connection_max_idle_ns);
}

static int key_method(struct checker *c, const struct node *n)
{
	char *p;

	if (get_string(c, "method", n, &c->job->method) < 0)
		return -1;
	for (p = c->job->method; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-'))
			return fail(c, n, "\"method\" must be a word such as GET or POST, got \"%s\"",
			            c->job->method);
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	return wire_check(c, "method", n, c->job->method, JOB_WIRE_TOKEN);
}

static int key_headers(struct checker *c, const struct node *n)
{
	const char *why;
	size_t i;

	if (n->kind != NODE_MAP)
		return fail(c, n, "\"headers\" must be a map of header names to values");
	c->job->headers = calloc(n->count ? n->count : 1, sizeof *c->job->headers);
	if (!c->job->headers)
		return fail(c, n, "out of memory");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		struct job_header *h = &c->job->headers[i];

		if (job_wire_ok(k->text, JOB_WIRE_TOKEN, &why) < 0)
			return fail(c, k, "\"%s\" is not a valid header name", k->text);
		if (v->kind != NODE_SCALAR)
			return fail(c, v, "the value of header \"%s\" must be text", k->text);
		if (strpbrk(v->text, "\r\n"))
			return fail(c, v, "the value of header \"%s\" must be on one line", k->text);
		if (job_wire_ok(v->text, JOB_WIRE_VALUE, &why) < 0)
			return fail(c, v, "the value of header \"%s\": %s", k->text, why);
		h->name = strdup(k->text);
		h->value = strdup(v->text);
		c->job->header_count++;
		if (!h->name || !h->value)
			return fail(c, n, "out of memory");
	}
	return 0;
}

static int key_body(struct checker *c, const struct node *n)
{
	if (is_null(n))
		return 0;       /* body: ~ means no body */
	if (n->kind != NODE_SCALAR)
		return fail(c, n, "\"body\" must be text");
	if (c->job->body)
		return fail(c, n, "give either \"body\" or \"body_file\", not both");
	c->job->body = strdup(n->text);
	c->job->body_len = strlen(n->text);
	return c->job->body ? 0 : fail(c, n, "out of memory");
}

/* The request body from a file (relative to the job file), read once at
 * load: any bytes, NULs included. */
static int key_body_file(struct checker *c, const struct node *n)
{
	char *path = NULL;
	struct buf data = { 0 };
	char chunk[65536];
	size_t got;
	FILE *f;

	if (c->job->body)
		return fail(c, n, "give either \"body\" or \"body_file\", not both");
	if (get_path(c, "body_file", n, &path) < 0)
		return -1;
	f = fopen(path, "rb");
	if (!f) {
		fail(c, n, "cannot read body_file \"%s\": %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	buf_append(&data, "", 0);
	/* held in memory and sent with every request: /dev/zero must not fill
	 * memory before it is refused */
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && data.len <= JOB_BODY_MAX)
		buf_append(&data, chunk, got);
	if (data.len > JOB_BODY_MAX) {
		fclose(f);
		buf_free(&data);
		return fail(c, n, "body_file is larger than %d MiB", JOB_BODY_MAX >> 20);
	}
	if (ferror(f) || data.oom) {
		fclose(f);
		buf_free(&data);
		return fail(c, n, "cannot read body_file: %s", data.oom ? "out of memory" : strerror(errno));
	}
	fclose(f);
	c->job->body = data.data;
	c->job->body_len = data.len;
	return 0;
}

/* "host:port:address" entries, as curl's --resolve takes them. */
static int key_resolve(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return fail(c, n, "\"resolve\" must be a list of HOST:PORT:ADDRESS entries");
	for (i = 0; i < count; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		const char *colon1, *colon2;
		struct curl_slist *grown;

		if (want_scalar(c, "resolve", item, "HOST:PORT:ADDRESS") < 0)
			return -1;
		colon1 = strchr(item->text, ':');
		colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
		if (!colon1 || !colon2 || colon1 == item->text || colon2 == colon1 + 1 || !colon2[1] ||
		    strspn(colon1 + 1, "0123456789") != (size_t)(colon2 - colon1 - 1))
			return fail(c, item, "\"resolve\": \"%s\" is not HOST:PORT:ADDRESS, e.g. "
			            "example.test:443:127.0.0.1", item->text);
		grown = curl_slist_append(c->job->resolve, item->text);
		if (!grown)
			return fail(c, item, "out of memory");
		c->job->resolve = grown;
	}
	return 0;
}

static int key_user_agent(struct checker *c, const struct node *n)
{
	if (get_string(c, "user_agent", n, &c->job->user_agent) < 0)
		return -1;
	return wire_check(c, "user_agent", n, c->job->user_agent, JOB_WIRE_VALUE);
}

static int key_parsers(struct checker *c, const struct node *n)
{
	size_t i;

	if (n->kind == NODE_SCALAR || n->kind == NODE_MAP) {
		c->job->parsers = calloc(1, sizeof *c->job->parsers);
		if (!c->job->parsers)
			return fail(c, n, "out of memory");
		c->job->parser_count = 1;
		return plugin_entry(c, "parsers", n, &c->job->parsers[0]);
	}
	c->job->parsers = calloc(n->count ? n->count : 1, sizeof *c->job->parsers);
	if (!c->job->parsers)
		return fail(c, n, "out of memory");
	for (i = 0; i < n->count; i++) {
		c->job->parser_count++;
		if (plugin_entry(c, "parsers", n->items[i], &c->job->parsers[i]) < 0)
			return -1;
	}
	return 0;
}

static int output_columns(struct checker *c, const struct node *n)
{
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP || count == 0)
		return fail(c, n, "\"output.columns\" must be a list of column names");
	c->job->output_columns = calloc(count, sizeof(char *));
	if (!c->job->output_columns)
		return fail(c, n, "out of memory");
	for (i = 0; i < count; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		if (want_scalar(c, "output.columns", item, "a column name") < 0)
			return -1;
		if (!(c->job->output_columns[i] = strdup(item->text)))
			return fail(c, item, "out of memory");
		c->job->output_column_count++;
	}
	return 0;
}

static int output_table(struct checker *c, const struct node *v)
{
	if (get_string(c, "output.table", v, &c->job->output_table) < 0)
		return -1;
	if (strspn(c->job->output_table, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") !=
	        strlen(c->job->output_table) ||
	    (c->job->output_table[0] >= '0' && c->job->output_table[0] <= '9'))
		return fail(c, v, "\"output.table\" must be a plain name (letters, digits, _), got \"%s\"",
		            c->job->output_table);
	return 0;
}

static int key_output(struct checker *c, const struct node *n)
{
	static const char *const keys[] = { "format", "path", "columns", "table" };
	size_t i;

	if (n->kind == NODE_SCALAR && !is_null(n))
		return get_string(c, "output", n, &c->job->output_path);
	if (n->kind != NODE_MAP)
		return fail(c, n, "\"output\" must be a path or a map with \"format\" and \"path\"");
	for (i = 0; i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		if (strcmp(k->text, "format") == 0) {
			if (get_string(c, "output.format", v, &c->job->output_format) < 0)
				return -1;
			if (strcmp(c->job->output_format, "jsonl") != 0 &&
			    strcmp(c->job->output_format, "csv") != 0 &&
			    strcmp(c->job->output_format, "sqlite") != 0)
				return fail(c, v, "unknown output format \"%s\" (use jsonl, csv or sqlite)",
				            v->text);
		} else if (strcmp(k->text, "path") == 0) {
			if (!is_null(v) && get_string(c, "output.path", v, &c->job->output_path) < 0)
				return -1;
		} else if (strcmp(k->text, "columns") == 0) {
			if (output_columns(c, v) < 0)
				return -1;
		} else if (strcmp(k->text, "table") == 0) {
			if (output_table(c, v) < 0)
				return -1;
		} else {
			const char *hint = job_suggest(k->text, keys, 4);
			if (hint)
				return fail(c, k, "unknown key \"output.%s\" (did you mean \"%s\"?)", k->text, hint);
			return fail(c, k, "unknown key \"output.%s\" (output takes format, path, columns and table)",
			            k->text);
		}
	}
	return 0;
}

/* The output format from the path's extension when the job names none. */
static const char *format_for_path(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && strcasecmp(dot, ".csv") == 0)
		return "csv";
	if (dot && (strcasecmp(dot, ".db") == 0 || strcasecmp(dot, ".sqlite") == 0 ||
	            strcasecmp(dot, ".sqlite3") == 0))
		return "sqlite";
	return "jsonl";
}

/* A table name from the job file: "jobs/shop-prices.yaml" -> "shop_prices". */
static char *table_for_job(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	char *name, *p;

	base = base ? base + 1 : (path ? path : "pages");
	name = strndup(base, strcspn(base, "."));
	if (!name)
		return NULL;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	if (!*name || (*name >= '0' && *name <= '9')) {
		free(name);
		return strdup("pages");
	}
	return name;
}

/* Checks that the output keys fit together, once all are known. */
static int check_output(struct checker *c)
{
	struct job *job = c->job;
	const struct node *at = tree_get(job->tree, "output");

	if (!at)
		at = job->tree;
	if (!job->output_format && !(job->output_format = strdup(format_for_path(job->output_path))))
		return fail(c, at, "out of memory");
	if (strcmp(job->output_format, "sqlite") == 0) {
		if (!job->output_path || strcmp(job->output_path, "-") == 0)
			return fail(c, at, "the sqlite output needs a file path, not standard output");
		if (!job->output_table && !(job->output_table = table_for_job(c->path)))
			return fail(c, at, "out of memory");
	} else if (job->output_table) {
		return fail(c, at, "\"output.table\" goes with format sqlite only");
	}
	if (job->output_column_count && strcmp(job->output_format, "csv") != 0)
		return fail(c, at, "\"output.columns\" goes with format csv only");
	return 0;
}

static int get_patterns(struct checker *c, const char *key, const struct node *n, regex_t **out,
                        size_t *count)
{
	size_t i, total = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return fail(c, n, "\"%s\" must be a list of regular expressions", key);
	*out = calloc(total ? total : 1, sizeof **out);
	if (!*out)
		return fail(c, n, "out of memory");
	for (i = 0; i < total; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		char why[200];
		int rc;

		if (want_scalar(c, key, item, "a regular expression") < 0)
			return -1;
		rc = regcomp(&(*out)[i], item->text, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &(*out)[i], why, sizeof why);
			return fail(c, item, "\"%s\": bad regular expression \"%s\": %s", key, item->text, why);
		}
		(*count)++;
	}
	return 0;
}

static int get_domains(struct checker *c, const struct node *n)
{
	struct crawl_settings *cr = &c->job->crawl;
	size_t i, total = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return fail(c, n, "\"crawl.allow_domains\" must be a list of domain names");
	cr->allow_domains = calloc(total ? total : 1, sizeof(char *));
	if (!cr->allow_domains)
		return fail(c, n, "out of memory");
	for (i = 0; i < total; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		char *p;

		if (want_scalar(c, "crawl.allow_domains", item, "a domain name") < 0)
			return -1;
		if (strpbrk(item->text, "/: ") || !item->text[0])
			return fail(c, item, "\"crawl.allow_domains\": \"%s\" is not a domain name such as "
			            "example.com", item->text);
		if (!(cr->allow_domains[i] = strdup(item->text)))
			return fail(c, item, "out of memory");
		for (p = cr->allow_domains[i]; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		cr->allow_domain_count++;
	}
	return 0;
}

static int key_crawl(struct checker *c, const struct node *n)
{
	static const char *const keys[] = {
		"max_depth", "max_pages", "same_host", "allow_domains", "allow", "deny", "robots",
		"max_crawl_delay",
	};
	struct crawl_settings *cr = &c->job->crawl;
	size_t i;

	if (n->kind != NODE_MAP && !is_null(n))
		return fail(c, n, "\"crawl\" must be a map (max_depth, max_pages, same_host, ...)");
	cr->enabled = 1;
	for (i = 0; n->kind == NODE_MAP && i < n->count; i++) {
		const struct node *k = n->keys[i], *v = n->items[i];
		int rc;

		if (strcmp(k->text, "max_depth") == 0)
			rc = get_count(c, "crawl.max_depth", v, 0, &cr->max_depth);
		else if (strcmp(k->text, "max_pages") == 0)
			rc = get_count(c, "crawl.max_pages", v, 0, &cr->max_pages);
		else if (strcmp(k->text, "same_host") == 0)
			rc = get_bool(c, "crawl.same_host", v, &cr->same_host);
		else if (strcmp(k->text, "allow_domains") == 0)
			rc = get_domains(c, v);
		else if (strcmp(k->text, "allow") == 0)
			rc = get_patterns(c, "crawl.allow", v, &cr->allow, &cr->allow_count);
		else if (strcmp(k->text, "deny") == 0)
			rc = get_patterns(c, "crawl.deny", v, &cr->deny, &cr->deny_count);
		else if (strcmp(k->text, "robots") == 0)
			rc = get_bool(c, "crawl.robots", v, &cr->robots);
		else if (strcmp(k->text, "max_crawl_delay") == 0)
			rc = get_duration(c, "crawl.max_crawl_delay", v, &cr->max_crawl_delay_ns);
		else {
			const char *hint = job_suggest(k->text, keys, sizeof keys / sizeof keys[0]);
			if (hint)
				return fail(c, k, "unknown key \"crawl.%s\" (did you mean \"%s\"?)", k->text, hint);
			return fail(c, k, "unknown key \"crawl.%s\" (see the CRAWLING section of scrape-job(5))",
			            k->text);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct key_handler {
	const char *name;
	int (*check)(struct checker *c, const struct node *n);
};

static const struct key_handler handlers[] = {
	{ "urls", key_urls },
	{ "url_file", key_url_file },
	{ "repeat", key_repeat },
	{ "duration", key_duration },
	{ "requests", key_requests },
	{ "order", key_order },
	{ "seed", key_seed },
	{ "rate", key_rate },
	{ "arrival", key_arrival },
	{ "stages", key_stages },
	{ "max_connections", key_max_connections },
	{ "warmup", key_warmup },
	{ "thresholds", key_thresholds },
	{ "strategy", key_strategy },
	{ "workers", key_workers },
	{ "batch_size", key_batch_size },
	{ "rate_limit", key_rate_limit },
	{ "burst", key_burst },
	{ "per_host", key_per_host },
	{ "timeout", key_timeout },
	{ "connect_timeout", key_connect_timeout },
	{ "retries", key_retries },
	{ "retry_delay", key_retry_delay },
	{ "max_redirects", key_max_redirects },
	{ "max_body", key_max_body },
	{ "insecure", key_insecure },
	{ "http2", key_http2 },
	{ "ca_file", key_ca_file },
	{ "client_cert", key_client_cert },
	{ "client_key", key_client_key },
	{ "keepalive", key_keepalive },
	{ "connection_max_age", key_connection_max_age },
	{ "connection_max_idle", key_connection_max_idle },
	{ "method", key_method },
	{ "headers", key_headers },
	{ "body", key_body },
	{ "body_file", key_body_file },
	{ "resolve", key_resolve },
	{ "user_agent", key_user_agent },
	{ "parsers", key_parsers },
	{ "output", key_output },
	{ "crawl", key_crawl },
};
#define HANDLER_COUNT (sizeof handlers / sizeof handlers[0])

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *job_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, i;

	for (i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);
		if (d < best_d || (d == best_d && !best && d <= strlen(word) / 3)) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

static int check_unknown_key(struct checker *c, const struct node *key)
{
	const char *names[HANDLER_COUNT];
	const char *hint;
	size_t i;

	for (i = 0; i < HANDLER_COUNT; i++)
		names[i] = handlers[i].name;
	hint = job_suggest(key->text, names, HANDLER_COUNT);
	if (hint)
		return fail(c, key, "unknown key \"%s\" (did you mean \"%s\"?)", key->text, hint);
	return fail(c, key, "unknown key \"%s\" (see man 5 scrape-job for the keys)", key->text);
}

static void set_defaults(struct job *job)
{
	job->repeat = 1;
	job->workers = 1;
	job->burst = 1;
	job->per_host.burst = 1;
	job->crawl.max_depth = 3;
	job->crawl.same_host = 1;
	job->crawl.robots = 1;
	job->crawl.max_crawl_delay_ns = 10 * 1000000000LL;
	job->timeout_ns = 30 * 1000000000LL;
	job->connect_timeout_ns = 10 * 1000000000LL;
	job->max_redirects = 10;
	job->max_body = 64LL << 20;
	job->keepalive = 1;
}

static int fill_defaults(struct checker *c)
{
	struct job *job = c->job;

	/* the open model needs a strategy that keeps a schedule */
	if (!job->strategy.name && !(job->strategy.name = strdup(job->open_model ? "event" : "sequential")))
		return fail(c, job->tree, "out of memory");
	if (!job->method && !(job->method = strdup("GET")))
		return fail(c, job->tree, "out of memory");
	if ((job->random_order || job->poisson) && !job->seed_set)
		job->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!job->user_agent && !(job->user_agent = strdup("scrape/" PACKAGE_VERSION)))
		return fail(c, job->tree, "out of memory");
	if (check_load_model(c) < 0)
		return -1;
	return check_output(c);
}

/* A burst lets that many requests start at once and is paid back at the
 * rate: burst x interval must fit the limiter's nanoseconds, or it
 * overflows into a limiter that never waits. */
static int check_burst(struct checker *c, const char *key, double rate, int64_t burst)
{
	const struct node *at = tree_get(c->job->tree, key);
	double span_ns;

	if (strcmp(key, "per_host.burst") == 0)
		at = tree_get(tree_get(c->job->tree, "per_host"), "burst");
	if (rate <= 0 || burst <= 1 || !at)
		return 0;
	span_ns = (double)(burst - 1) * (1e9 / rate);
	if (span_ns > 1e18)
		return fail(c, at, "\"%s\" %lld at this rate would take more than 30 years to pay back",
		            key, (long long)burst);
	return 0;
}

static int check_tree(struct checker *c)
{
	const struct node *root = c->job->tree;
	size_t i, h;

	if (root->kind != NODE_MAP)
		return fail(c, root, "a job must be a map of keys such as urls, strategy and workers, not %s",
		            tree_kind_name(root->kind));
	for (i = 0; i < root->count; i++) {
		const struct node *key = root->keys[i];
		for (h = 0; h < HANDLER_COUNT; h++)
			if (strcmp(key->text, handlers[h].name) == 0)
				break;
		if (h == HANDLER_COUNT)
			return check_unknown_key(c, key);
		if (handlers[h].check(c, root->items[i]) < 0)
			return -1;
	}
	if (c->job->client_key && !c->job->client_cert)
		return fail(c, tree_get(root, "client_key"),
		            "\"client_key\" needs \"client_cert\", the certificate the key belongs to");
	if (!c->job->urls && !c->job->url_file)
		return fail(c, root, "the job has no URLs: add \"urls\" or \"url_file\"");
	if (c->job->crawl.enabled && c->job->repeat > 1)
		return fail(c, tree_get(root, "repeat"), "a crawl fetches each page once: \"repeat\" must be 1");
	if ((c->job->duration_ns || c->job->requests) && tree_get(root, "repeat"))
		return fail(c, tree_get(root, "repeat"),
		            "\"repeat\" does not go with duration or requests (the URLs cycle until they end)");
	if (c->job->crawl.enabled && (c->job->duration_ns || c->job->requests))
		return fail(c, tree_get(root, c->job->duration_ns ? "duration" : "requests"),
		            "a crawl ends with its pages: use crawl.max_pages rather than duration or requests");
	if (c->job->url_file_stream && c->job->repeat > 1)
		return fail(c, tree_get(root, "repeat"),
		            "url_file \"%s\" is not a regular file and can be read only once: "
		            "\"repeat\" must be 1 (save it to a file to repeat it)", c->job->url_file);
	if (check_burst(c, "burst", c->job->rate_limit, c->job->burst) < 0 ||
	    check_burst(c, "per_host.burst", c->job->per_host.rate, c->job->per_host.burst) < 0)
		return -1;
	if (c->job->random_order && c->job->url_file)
		return fail(c, tree_get(root, "order"),
		            "\"order: random\" needs the URLs in \"urls\" (a url_file is read in order)");
	if (c->job->random_order && c->job->crawl.enabled)
		return fail(c, tree_get(root, "order"), "a crawl takes its pages in order: drop \"order: random\"");
	if (c->job->random_order && !c->job->duration_ns && !c->job->requests && !c->job->stage_count)
		return fail(c, tree_get(root, "order"),
		            "\"order: random\" draws URLs without end: add \"duration\" or \"requests\"");
	return fill_defaults(c);
}

/* KEY=VALUE on the command line.  From --set (label NULL) VALUE is YAML,
 * so lists work too; from a named option such as -w, VALUE is plain text
 * and messages name the option. */
static int apply_override(struct checker *c, const char *spec, const char *label)
{
	const char *eq = strchr(spec, '=');
	char key[128], source[160];
	struct node *value;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof key) {
		snprintf(c->err, c->errlen, "--set %s: expected KEY=VALUE", spec);
		return -1;
	}
	memcpy(key, spec, (size_t)(eq - spec));
	key[eq - spec] = '\0';
	snprintf(source, sizeof source, "--set %s", key);
	/* a lone "-" would be YAML for a list of one empty item, which no key
	 * takes; it means standard input (url_file) or standard output */
	if (label || strcmp(eq + 1, "-") == 0)
		value = tree_scalar(eq + 1, label ? label : source);
	else
		value = tree_load_string(eq + 1, source, c->err, c->errlen);
	if (!value) {
		if (strstr(c->err, "is empty"))
			value = tree_scalar("", source);
		if (!value)
			return -1;
	}
	if (tree_set(c->job->tree, key, value) < 0) {
		tree_free(value);
		snprintf(c->err, c->errlen, "--set %s: \"%s\" cannot take a sub-key here", spec, key);
		return -1;
	}
	return 0;
}

static int add_extra_urls(struct checker *c, char *const *urls, size_t count)
{
	struct node *list;
	size_t i;

	if (count == 0)
		return 0;
	list = calloc(1, sizeof *list);
	if (!list || !(list->items = calloc(count, sizeof *list->items))) {
		free(list);
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	list->kind = NODE_LIST;
	list->source = "command line";
	list->line = list->col = 1;
	for (i = 0; i < count; i++) {
		list->items[i] = tree_scalar(urls[i], "command line");
		if (!list->items[i]) {
			tree_free(list);
			snprintf(c->err, c->errlen, "out of memory");
			return -1;
		}
		list->count++;
	}
	if (tree_set(c->job->tree, "urls", list) < 0) {
		tree_free(list);
		return -1;
	}
	return 0;
}

struct job *job_load(const char *path, char *const *overrides, char *const *labels,
                     size_t override_count, char *const *extra_urls, size_t extra_url_count,
                     char *err, size_t errlen)
{
	struct checker c = { .err = err, .errlen = errlen, .path = path };
	char *dir_copy = NULL;
	size_t i;

	err[0] = '\0';
	c.job = calloc(1, sizeof *c.job);
	if (!c.job) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set_defaults(c.job);
	if (path) {
		c.job->tree = tree_load_file(path, err, errlen);
		if (c.job->tree && (dir_copy = strdup(path)))
			c.job_dir = dirname(dir_copy);
	} else {
		c.job->tree = tree_load_string("{}", "command line", err, errlen);
	}
	if (!c.job->tree)
		goto fail;
	for (i = 0; i < override_count; i++)
		if (apply_override(&c, overrides[i], labels ? labels[i] : NULL) < 0)
			goto fail;
	if (add_extra_urls(&c, extra_urls, extra_url_count) < 0 || check_tree(&c) < 0)
		goto fail;
	free(dir_copy);
	return c.job;
fail:
	if (!err[0])
		snprintf(err, errlen, "%s: the job could not be read", path ? path : "command line");
	free(dir_copy);
	job_free(c.job);
	return NULL;
}

void job_free(struct job *job)
{
	size_t i;

	if (!job)
		return;
	for (i = 0; i < job->url_count; i++)
		free(job->urls[i]);
	free(job->urls);
	free(job->url_weights);
	free(job->thresholds);
	free(job->stages);
	free(job->url_file);
	free(job->strategy.name);
	for (i = 0; i < job->header_count; i++) {
		free(job->headers[i].name);
		free(job->headers[i].value);
	}
	free(job->headers);
	for (i = 0; i < job->parser_count; i++)
		free(job->parsers[i].name);
	free(job->parsers);
	free(job->method);
	free(job->body);
	free(job->ca_file);
	free(job->client_cert);
	free(job->client_key);
	curl_slist_free_all(job->resolve);
	free(job->user_agent);
	free(job->output_format);
	free(job->output_path);
	for (i = 0; i < job->output_column_count; i++)
		free(job->output_columns[i]);
	free(job->output_columns);
	free(job->output_table);
	for (i = 0; i < job->crawl.allow_domain_count; i++)
		free(job->crawl.allow_domains[i]);
	free(job->crawl.allow_domains);
	for (i = 0; i < job->crawl.allow_count; i++)
		regfree(&job->crawl.allow[i]);
	free(job->crawl.allow);
	for (i = 0; i < job->crawl.deny_count; i++)
		regfree(&job->crawl.deny[i]);
	free(job->crawl.deny);
	tree_free(job->tree);
	free(job);
}

int64_t job_total_requests(const struct job *job)
{
	int64_t per_pass = (int64_t)job->url_count + job->url_file_count;

	if (job->requests)
		return job->requests;
	if (job->duration_ns)
		return -1;              /* as many as fit in the duration */
	if (job->url_file_stream)
		return -1;              /* as many as the stream holds */

	if (job->repeat > 0 && per_pass > INT64_MAX / job->repeat)
		return INT64_MAX;
	return per_pass * job->repeat;
}

static void print_duration(FILE *out, const char *key, int64_t ns)
{
	char text[32];

	units_format_exact(ns, text, sizeof text);
	fprintf(out, "%s: %s\n", key, text);
}

/* Quotes a value for YAML output when it could be misread. */
static void print_open_model(FILE *out, const struct job *job)
{
	size_t i;

	fprintf(out, "rate: %.10g/s\n", job->rate);
	fprintf(out, "arrival: %s\n", job->poisson ? "poisson" : "constant");
	if (job->stage_count) {
		char total[32];
		units_format_exact(job->stages_ns, total, sizeof total);
		fprintf(out, "stages:  # %s in all\n", total);
		for (i = 0; i < job->stage_count; i++) {
			char d[32];
			units_format_exact(job->stages[i].duration_ns, d, sizeof d);
			fprintf(out, "  - {duration: %s, rate: %.10g/s}\n", d, job->stages[i].rate);
		}
	}
	fprintf(out, "max_connections: %lld\n", (long long)job->max_connections);
}

static void print_scalar(FILE *out, const char *s)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	/* plain when it starts like a word and holds nothing YAML reads specially */
	if (*s && strchr(word, *s) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:?=&%+~@") ==
	    strlen(s) && !strstr(s, ": ")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_plugin_node(FILE *out, const struct node *n, int indent)
{
	size_t i;

	if (n->kind == NODE_SCALAR) {
		print_scalar(out, n->text);
		fputc('\n', out);
		return;
	}
	if (n->kind == NODE_LIST) {
		fputc('[', out);
		for (i = 0; i < n->count; i++) {
			if (i)
				fputs(", ", out);
			if (n->items[i]->kind == NODE_SCALAR)
				print_scalar(out, n->items[i]->text);
			else
				fputs("...", out);
		}
		fputs("]\n", out);
		return;
	}
	fputc('\n', out);
	for (i = 0; i < n->count; i++) {
		fprintf(out, "%*s%s: ", indent, "", n->keys[i]->text);
		print_plugin_node(out, n->items[i], indent + 2);
	}
}

/* A path key, or ~ with a comment saying what unset means. */
static void print_path(FILE *out, const char *key, const char *path, const char *unset)
{
	fprintf(out, "%s: ", key);
	if (path)
		print_scalar(out, path);
	else
		fprintf(out, "~  # %s", unset);
	fputc('\n', out);
}

void job_print(const struct job *job, FILE *out)
{
	size_t i;

	fputs("# resolved job (defaults filled in)\n", out);
	if (job->url_count) {
		fputs("urls:\n", out);
		for (i = 0; i < job->url_count; i++) {
			fputs("  - ", out);
			if (job->url_weights[i] != 1)
				fputs("{url: ", out);
			print_scalar(out, job->urls[i]);
			if (job->url_weights[i] != 1)
				fprintf(out, ", weight: %lld}", (long long)job->url_weights[i]);
			fputc('\n', out);
		}
	}
	if (job->url_file) {
		fputs("url_file: ", out);
		print_scalar(out, job->url_file);
		if (job->url_file_stream)
			fputs("  # not a regular file: read once, while the job runs\n", out);
		else
			fprintf(out, "  # %lld URLs\n", (long long)job->url_file_count);
	}
	if (job->duration_ns || job->requests) {
		if (job->duration_ns && !job->stage_count)
			print_duration(out, "duration", job->duration_ns);
		if (job->requests)
			fprintf(out, "requests: %lld\n", (long long)job->requests);
	} else {
		if (job_total_requests(job) < 0)
			fprintf(out, "repeat: %lld  # as many requests as url_file holds\n",
			        (long long)job->repeat);
		else
			fprintf(out, "repeat: %lld  # %lld requests in all\n", (long long)job->repeat,
			        (long long)job_total_requests(job));
	}
	if (job->random_order)
		fputs("order: random\n", out);
	if (job->random_order || job->poisson)
		fprintf(out, "seed: %llu\n", (unsigned long long)job->seed);
	if (job->threshold_count) {
		fputs("thresholds:\n", out);
		for (i = 0; i < job->threshold_count; i++) {
			fputs("  - ", out);
			print_scalar(out, job->thresholds[i].text);
			fputc('\n', out);
		}
	}
	if (job->strategy.entry && job->strategy.entry->kind == NODE_MAP) {
		fputs("strategy:", out);
		print_plugin_node(out, job->strategy.entry, 2);
	} else {
		fprintf(out, "strategy: %s\n", job->strategy.name);
	}
	if (job->open_model) {
		print_open_model(out, job);
	} else {
		fprintf(out, "workers: %lld\n", (long long)job->workers);
		fprintf(out, "batch_size: %lld\n", (long long)job->batch_size);
		if (job->rate_limit > 0)
			fprintf(out, "rate_limit: %g/s\n", job->rate_limit);
		else
			fputs("rate_limit: 0  # unlimited\n", out);
		fprintf(out, "burst: %lld\n", (long long)job->burst);
	}
	if (job->warmup_ns)
		print_duration(out, "warmup", job->warmup_ns);
	if (job->per_host.concurrency > 0 || job->per_host.rate > 0 || job->per_host.delay_ns > 0) {
		fputs("per_host:\n", out);
		if (job->per_host.concurrency > 0)
			fprintf(out, "  concurrency: %lld\n", (long long)job->per_host.concurrency);
		if (job->per_host.rate > 0)
			fprintf(out, "  rate: %g/s\n", job->per_host.rate);
		fprintf(out, "  burst: %lld\n", (long long)job->per_host.burst);
		if (job->per_host.delay_ns > 0)
			print_duration(out, "  delay", job->per_host.delay_ns);
		if (job->per_host.jitter_ns > 0)
			print_duration(out, "  jitter", job->per_host.jitter_ns);
	}
	print_duration(out, "timeout", job->timeout_ns);
	print_duration(out, "connect_timeout", job->connect_timeout_ns);
	fprintf(out, "retries: %lld\n", (long long)job->retries);
	print_duration(out, "retry_delay", job->retry_delay_ns);
	fprintf(out, "max_redirects: %lld\n", (long long)job->max_redirects);
	fprintf(out, "max_body: %lld\n", (long long)job->max_body);
	fprintf(out, "insecure: %s\n", job->insecure ? "true" : "false");
	fprintf(out, "http2: %s%s\n", job->http2 == JOB_HTTP2_PRIOR_KNOWLEDGE ? "prior_knowledge"
	                              : job->http2 == JOB_HTTP2_TLS ? "true" : "false",
	        job->http2_fresh ? "  # this libcurl (before 7.89.0) cannot reuse h2c connections: "
	                           "one per request" : "");
	print_path(out, "ca_file", job->ca_file, "the system's CA certificates");
	print_path(out, "client_cert", job->client_cert, "no client certificate");
	print_path(out, "client_key", job->client_key,
	           job->client_cert ? "the key is in client_cert" : "no client certificate");
	fprintf(out, "keepalive: %s\n", job->keepalive ? "true" : "false");
	if (job->connection_max_age_ns)
		print_duration(out, "connection_max_age", job->connection_max_age_ns);
	else
		fputs("connection_max_age: ~  # libcurl's default: no limit\n", out);
	if (job->connection_max_idle_ns)
		print_duration(out, "connection_max_idle", job->connection_max_idle_ns);
	else
		fputs("connection_max_idle: ~  # libcurl's default: 118s\n", out);
	fprintf(out, "method: %s\n", job->method);
	if (job->header_count) {
		fputs("headers:\n", out);
		for (i = 0; i < job->header_count; i++) {
			fprintf(out, "  %s: ", job->headers[i].name);
			print_scalar(out, job->headers[i].value);
			fputc('\n', out);
		}
	}
	if (job->body && strlen(job->body) == job->body_len) {
		fputs("body: ", out);
		print_scalar(out, job->body);
		fputc('\n', out);
	} else if (job->body) {
		fprintf(out, "body: ~  # %zu bytes of binary data from body_file\n", job->body_len);
	}
	if (job->resolve) {
		const struct curl_slist *r;
		fputs("resolve:\n", out);
		for (r = job->resolve; r; r = r->next)
			fprintf(out, "  - %s\n", r->data);
	}
	fputs("user_agent: ", out);
	print_scalar(out, job->user_agent);
	fputc('\n', out);
	if (job->parser_count) {
		fputs("parsers:\n", out);
		for (i = 0; i < job->parser_count; i++) {
			const struct node *e = job->parsers[i].entry;
			if (e->kind == NODE_MAP) {
				fputs("  -", out);
				print_plugin_node(out, e, 4);
			} else {
				fprintf(out, "  - %s\n", job->parsers[i].name);
			}
		}
	}
	if (job->crawl.enabled) {
		fprintf(out, "crawl:\n  max_depth: %lld\n  max_pages: %lld%s\n  same_host: %s\n",
		        (long long)job->crawl.max_depth, (long long)job->crawl.max_pages,
		        job->crawl.max_pages ? "" : "  # no limit", job->crawl.same_host ? "true" : "false");
		if (job->crawl.allow_domain_count) {
			fputs("  allow_domains: [", out);
			for (i = 0; i < job->crawl.allow_domain_count; i++)
				fprintf(out, "%s%s", i ? ", " : "", job->crawl.allow_domains[i]);
			fputs("]\n", out);
		}
		if (job->crawl.allow_count || job->crawl.deny_count)
			fprintf(out, "  # %zu allow and %zu deny patterns\n", job->crawl.allow_count,
			        job->crawl.deny_count);
		fprintf(out, "  robots: %s\n", job->crawl.robots ? "true" : "false");
		print_duration(out, "  max_crawl_delay", job->crawl.max_crawl_delay_ns);
	}
	fprintf(out, "output:\n  format: %s\n  path: %s\n", job->output_format,
	        job->output_path ? job->output_path : "~  # no records written");
	if (job->output_column_count) {
		fputs("  columns: [", out);
		for (i = 0; i < job->output_column_count; i++)
			fprintf(out, "%s%s", i ? ", " : "", job->output_columns[i]);
		fputs("]\n", out);
	}
	if (job->output_table)
		fprintf(out, "  table: %s\n", job->output_table);
}
