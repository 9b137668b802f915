/* SPDX-License-Identifier: MIT */
/*
 * How each transfer goes: its limits (timeouts, retries, redirects, body
 * size), TLS (verification, the CA bundle, a client certificate), the HTTP
 * version, whether bodies come compressed, and what becomes of connections
 * between requests.  The PEM
 * files are read once at load, so a wrong path is one job error rather
 * than a failed request per URL.
 */
#include <config.h>

#include "config/job_keys.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/units.h"

static int key_http2(struct checker *c, const struct node *n)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	int on;

	if (job_want_scalar(c, "http2", n, "true, false or prior_knowledge") < 0)
		return -1;
	if (strcmp(n->text, "prior_knowledge") == 0)
		c->job->http2 = JOB_HTTP2_PRIOR_KNOWLEDGE;
	else if (units_bool(n->text, &on) == 0)
		c->job->http2 = on ? JOB_HTTP2_TLS : JOB_HTTP2_OFF;
	else
		return job_fail(c, n, "\"http2\" is true, false or prior_knowledge, got \"%s\"", n->text);
	if (c->job->http2 != JOB_HTTP2_OFF && !(curl->features & CURL_VERSION_HTTP2))
		return job_fail(c, n, "\"http2\": this libcurl (%s) was built without HTTP/2; use \"http2: false\"",
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
	if (job_is_null(n))
		return 0;
	if (job_get_path(c, key, n, out) < 0)
		return -1;
	/* libcurl reads it again for every connection: a pipe or a device
	 * (/dev/zero, read here for ever) cannot serve */
	if (stat(*out, &st) == 0 && !S_ISREG(st.st_mode))
		return job_fail(c, n, "%s \"%s\" is not a regular file", key, *out);
	f = fopen(*out, "r");
	if (!f)
		return job_fail(c, n, "cannot read %s \"%s\": %s", key, *out, strerror(errno));
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
		return job_fail(c, n, "cannot read %s \"%s\": %s", key, *out, strerror(e));
	}
	fclose(f);
	if (!pem)
		return job_fail(c, n, "%s \"%s\" is not a PEM file (it has no \"-----BEGIN\" line)", key, *out);
	if (encrypted)
		return job_fail(c, n, "%s \"%s\" holds an encrypted private key: decrypt it first "
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

/* libcurl counts connection ages in whole seconds; ~ leaves it unset. */
static int get_connection_age(struct checker *c, const char *key, const struct node *n,
                              int64_t *out)
{
	*out = 0;
	if (job_is_null(n))
		return 0;
	if (job_get_duration(c, key, n, out) < 0)
		return -1;
	if (*out < 1000000000LL)
		return job_fail(c, n, "\"%s\" must be at least 1s (libcurl counts whole seconds), got \"%s\"",
		                key, n->text);
	if (*out % 1000000000LL != 0)
		return job_fail(c, n, "\"%s\" must be whole seconds (libcurl counts whole seconds), got \"%s\"",
		                key, n->text);
	if (*out / 1000000000LL > LONG_MAX)
		return job_fail(c, n, "\"%s\" is too long, got \"%s\"", key, n->text);
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

static int key_retry_backoff(struct checker *c, const struct node *n)
{
	if (job_want_scalar(c, "retry_backoff", n, "fixed or exponential") < 0)
		return -1;
	if (strcmp(n->text, "fixed") == 0)
		c->job->retry_backoff = JOB_BACKOFF_FIXED;
	else if (strcmp(n->text, "exponential") == 0)
		c->job->retry_backoff = JOB_BACKOFF_EXPONENTIAL;
	else
		return job_fail(c, n, "\"retry_backoff\" is fixed or exponential, got \"%s\"", n->text);
	return 0;
}

/* A wait that must be more than nothing. */
static int get_positive_duration(struct checker *c, const char *key, const struct node *n,
                                 int64_t *out)
{
	if (job_get_duration(c, key, n, out) < 0)
		return -1;
	if (*out <= 0)
		return job_fail(c, n, "\"%s\" must be more than 0s, got \"%s\"", key, n->text);
	return 0;
}

static int key_retry_max_delay(struct checker *c, const struct node *n)
{
	return get_positive_duration(c, "retry_max_delay", n, &c->job->retry_max_delay_ns);
}

static int key_max_retry_after(struct checker *c, const struct node *n)
{
	return get_positive_duration(c, "max_retry_after", n, &c->job->max_retry_after_ns);
}

int job_transfer_check(struct checker *c)
{
	struct job *job = c->job;
	const struct node *root = job->tree;
	char a[32], b[32];

	/* a load test measures the server as it is, unless asked: a scrape
	 * is a guest and waits when told to */
	if (job->retry_after < 0)
		job->retry_after = !job_is_load_test(job);
	if (job->retry_backoff != JOB_BACKOFF_EXPONENTIAL)
		return 0;
	if (job->retry_delay_ns <= 0)
		return job_fail(c, tree_get(root, "retry_backoff"),
		                "\"retry_backoff: exponential\" doubles retry_delay from one retry to the "
		                "next: set \"retry_delay\" to more than 0s");
	if (job->retry_max_delay_ns < job->retry_delay_ns) {
		units_format_exact(job->retry_max_delay_ns, a, sizeof a);
		units_format_exact(job->retry_delay_ns, b, sizeof b);
		return job_fail(c, tree_get(root, tree_get(root, "retry_max_delay") ? "retry_max_delay"
		                                                                      : "retry_delay"),
		                "\"retry_max_delay\" (%s) is shorter than \"retry_delay\" (%s)", a, b);
	}
	return 0;
}

static void print_retry_backoff(const struct job *job, FILE *out)
{
	fprintf(out, "retry_backoff: %s\n",
	        job->retry_backoff == JOB_BACKOFF_EXPONENTIAL ? "exponential" : "fixed");
}

static void print_http2(const struct job *job, FILE *out)
{
	fprintf(out, "http2: %s%s\n", job->http2 == JOB_HTTP2_PRIOR_KNOWLEDGE ? "prior_knowledge"
	                              : job->http2 == JOB_HTTP2_TLS ? "true" : "false",
	        job->http2_fresh ? "  # this libcurl (before 7.89.0) cannot reuse h2c connections: "
	                           "one per request" : "");
}

static void print_client_key(const struct job *job, FILE *out)
{
	fputs("client_key: ", out);
	if (job->client_key)
		job_print_scalar(out, job->client_key);
	else
		fprintf(out, "~  # %s", job->client_cert ? "the key is in client_cert"
		                                         : "no client certificate");
	fputc('\n', out);
}

#define AT(field) offsetof(struct job, field)

const struct job_key job_transfer_keys[] = {
	{ .name = "timeout", .type = JOB_KEY_TIMEOUT, .offset = AT(timeout_ns),
	  .def = 30 * 1000000000LL, .help = "the longest a whole transfer may take; 0s: no limit" },
	{ .name = "connect_timeout", .type = JOB_KEY_TIMEOUT, .offset = AT(connect_timeout_ns),
	  .def = 10 * 1000000000LL, .help = "the longest connecting may take" },
	/* attempts are counted in an int */
	{ .name = "retries", .type = JOB_KEY_COUNT, .offset = AT(retries), .max = 1000000,
	  .help = "how many times a failed request is tried again" },
	{ .name = "retry_delay", .type = JOB_KEY_DURATION, .offset = AT(retry_delay_ns),
	  .help = "the wait before a retry" },
	{ .name = "retry_backoff", .parse = key_retry_backoff, .print = print_retry_backoff,
	  .help = "fixed or exponential: whether the wait before each retry doubles" },
	{ .name = "retry_max_delay", .type = JOB_KEY_DURATION, .offset = AT(retry_max_delay_ns),
	  .def = 60 * 1000000000LL, .parse = key_retry_max_delay,
	  .help = "the longest wait before a retry with exponential back-off" },
	/* -1 until read: the default depends on whether the job is a load
	 * test (job_transfer_check) */
	{ .name = "retry_after", .type = JOB_KEY_BOOL, .offset = AT(retry_after), .def = -1,
	  .help = "wait as a 429 or 503 answer's Retry-After says; default: true, false for load tests" },
	{ .name = "max_retry_after", .type = JOB_KEY_DURATION, .offset = AT(max_retry_after_ns),
	  .def = 600 * 1000000000LL, .parse = key_max_retry_after,
	  .help = "the longest Retry-After waited for; a longer one fails the request" },
	{ .name = "max_redirects", .type = JOB_KEY_COUNT, .offset = AT(max_redirects), .def = 10,
	  .help = "redirects followed at most; 0: none" },
	{ .name = "max_body", .type = JOB_KEY_SIZE, .offset = AT(max_body), .def = 64LL << 20,
	  .min = 1, .help = "the largest response body kept" },
	/* -1 until read: the default depends on whether the job is a load test
	 * (job.c, fill_defaults), which only the other sections' keys tell */
	{ .name = "compressed", .type = JOB_KEY_BOOL, .offset = AT(compressed), .def = -1,
	  .help = "ask for compressed bodies and decode them; default: true, false for load tests" },
	{ .name = "insecure", .type = JOB_KEY_BOOL, .offset = AT(insecure),
	  .help = "skip verifying servers' TLS certificates" },
	{ .name = "http2", .parse = key_http2, .print = print_http2,
	  .help = "true, false or prior_knowledge: the HTTP version asked for" },
	{ .name = "ca_file", .type = JOB_KEY_PATH, .offset = AT(ca_file), .parse = key_ca_file,
	  .unset = "the system's CA certificates", .help = "a PEM bundle to verify servers with" },
	{ .name = "client_cert", .type = JOB_KEY_PATH, .offset = AT(client_cert),
	  .parse = key_client_cert, .unset = "no client certificate",
	  .help = "a PEM client certificate, for mutual TLS" },
	{ .name = "client_key", .type = JOB_KEY_PATH, .offset = AT(client_key),
	  .parse = key_client_key, .print = print_client_key,
	  .help = "its PEM private key, unless client_cert holds it" },
	{ .name = "keepalive", .type = JOB_KEY_BOOL, .offset = AT(keepalive), .def = 1,
	  .help = "reuse connections; false: a fresh one for every request" },
	{ .name = "connection_max_age", .type = JOB_KEY_DURATION, .offset = AT(connection_max_age_ns),
	  .parse = key_connection_max_age, .unset = "libcurl's default: no limit",
	  .help = "a connection is not reused once this old" },
	{ .name = "connection_max_idle", .type = JOB_KEY_DURATION,
	  .offset = AT(connection_max_idle_ns), .parse = key_connection_max_idle,
	  .unset = "libcurl's default: 118s", .help = "a connection idle this long is not reused" },
	{ .name = NULL },
};
