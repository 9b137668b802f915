/* SPDX-License-Identifier: MIT */
/*
 * The validated job: every key of the job file checked, converted to its
 * unit and defaulted.  Plugin entries keep their YAML node, because their
 * keys can only be checked against the plugin's own option table once the
 * plugin is loaded (see plugin_options.c).
 */
#ifndef SCRAPE_JOB_H
#define SCRAPE_JOB_H

#include <curl/curl.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>

#include "config/tree.h"

/* per_host: the limits each target host gets (engine/host_queues.c) */
struct host_limits {
	int64_t concurrency;        /* 0: no cap */
	double rate;                /* starts per second; 0: no limit */
	int64_t burst;
	int64_t delay_ns;           /* at least this between starts; 0: none */
	int64_t jitter_ns;          /* plus a random 0..jitter */
};

/* autothrottle: each host's delay follows its latency (engine/backoff.c) */
struct autothrottle_settings {
	int enabled;
	double target_concurrency;  /* requests in flight per host; 0: target_latency */
	int64_t target_latency_ns;
	int64_t start_delay_ns;     /* a host's first delay, and the least after an error */
	int64_t min_delay_ns, max_delay_ns;
};

/* retry_backoff: how the wait before a retry grows */
enum job_backoff {
	JOB_BACKOFF_FIXED,          /* retry_delay every time (the default) */
	JOB_BACKOFF_EXPONENTIAL,    /* retry_delay doubling, up to retry_max_delay, jittered */
};

struct job_plugin {
	char *name;
	const struct node *entry;   /* the map (or scalar) that named it */
};

struct crawl_settings {
	int enabled;                /* a crawl: section was given */
	int64_t max_depth;
	int64_t max_pages;          /* 0: no limit */
	int same_host;
	char **allow_domains;
	size_t allow_domain_count;
	regex_t *allow;             /* URL patterns (POSIX extended) */
	size_t allow_count;
	regex_t *deny;
	size_t deny_count;
	int robots;
	int64_t max_crawl_delay_ns;
	char *patterns;             /* allow and deny as written, for the state file */
	char *state;                /* a resumable crawl's SQLite state file, or NULL */
	int fresh;                  /* --fresh: start the state over */
	int sitemaps;               /* read the Sitemap lines of robots.txt */
	char **sitemap_urls;        /* more sitemaps to read */
	size_t sitemap_url_count;
	char *sitemap_since;        /* as written, or NULL: no lastmod filter */
	int64_t sitemap_since_s;    /* and as seconds since the epoch */
};

/* frontier: a crawl shared by several processes through Redis. */
struct frontier_settings {
	char *redis;                /* the URL as written, or NULL: no shared frontier */
	char *redis_host;
	int redis_port;
	int redis_db;
	char *redis_user;           /* ACL user, or NULL */
	char *redis_password;       /* or NULL */
	char *key_prefix;           /* every key is KEY_PREFIX:... */
	int64_t lease_ns;           /* a page taken is another's again after this */
	int items;                  /* records also go to KEY_PREFIX:items */
};

struct job_header {
	char *name;
	char *value;
};

/* A condition checked at the end of a run, e.g. "p99 < 250ms". */
struct job_threshold {
	char metric[16];            /* p99, mean, error_rate, rate, ... */
	char group[256];            /* "p99{name=search}": of that group; "": the run's */
	char op[3];                 /* <, <=, >, >=, == */
	double value;               /* seconds, a fraction, per second or a count */
	char text[352];             /* as written, for the verdict lines */
};

/* One step of an open-model ramp: the rate moves linearly from the
 * previous step's (or the job's `rate`) to this one over its duration. */
struct job_stage {
	int64_t duration_ns;
	double rate;                /* requests/s at the end of the step */
};

/* `http2`: which HTTP version a request asks for. */
enum job_http2 {
	JOB_HTTP2_OFF,              /* HTTP/1.1 (the default) */
	JOB_HTTP2_TLS,              /* HTTP/2 over TLS by ALPN, HTTP/1.1 on http:// */
	JOB_HTTP2_PRIOR_KNOWLEDGE,  /* HTTP/2 without upgrade, also on http:// (h2c) */
};

/* `cookies`: whose cookie jar a request reads and fills. */
enum job_cookies {
	JOB_COOKIES_UNSET,          /* not given: off, or per_worker with cookie_file/cookie_jar */
	JOB_COOKIES_OFF,            /* no cookie engine: nothing sent, Set-Cookie ignored */
	JOB_COOKIES_PER_WORKER,     /* a jar per strategy worker (thread, slot, process) */
	JOB_COOKIES_SHARED,         /* one jar for the whole run (per process) */
};

/* `proxy_rotation`: which of the job's proxies a request goes through. */
enum job_proxy_rotation {
	JOB_PROXY_ROUND_ROBIN,      /* each request the next one */
	JOB_PROXY_PER_HOST,         /* a host always the same one (a hash of its name) */
	JOB_PROXY_RANDOM,           /* any, seeded by the job's seed when it has one */
};

/* A proxy of the job.  Its credentials are in url only: everything shown
 * to people (--dry-run, messages, records, reports) uses shown. */
struct job_proxy {
	char *url;                  /* as libcurl takes it, credentials and all */
	char *shown;                /* the password replaced by *** */
};

/* A urls entry's or a url_file line's own request: what it changes of
 * the job's.  Its headers replace the job's of the same name (in any
 * case) and add the others; meta is copied into every record of the URL. */
struct job_url_request {
	char *method;               /* NULL: the job's */
	struct job_header *headers;
	size_t header_count;
	char *body;                 /* NULL: the job's */
	size_t body_len;            /* a body_file may hold NUL bytes */
	char *meta;                 /* a JSON object, or NULL */
};

/* The longest name a urls entry may give its group. */
#define JOB_GROUP_NAME_MAX 64

struct job {
	struct node *tree;          /* owns every node referenced below */

	char **urls;                /* from `urls` */
	int64_t *url_weights;       /* 1 unless the entry says weight */
	char **url_names;           /* the entry's group name, or NULL */
	struct job_url_request **url_requests; /* the entry's own request, or NULL */
	size_t url_count;
	int url_meta;               /* a urls entry or url_file line has meta */
	int url_requests_given;     /* one has a request of its own */
	char *url_file;             /* from `url_file`; "-": standard input */
	int64_t url_file_count;     /* valid lines, counted at load; -1: streamed */
	int url_file_stream;        /* not a regular file: read once, while the job runs */
	int64_t repeat;
	int64_t duration_ns;        /* 0: until the URLs run out */
	int64_t requests;           /* 0: no count; else the URLs cycle */
	int random_order;
	uint64_t seed;
	int seed_set;
	struct job_threshold *thresholds;
	size_t threshold_count;

	/* the open model: the core schedules request starts (rate, stages) */
	int open_model;
	double rate;                /* requests/s; with stages, the start rate */
	int poisson;                /* arrival: poisson (else constant spacing) */
	struct job_stage *stages;
	size_t stage_count;
	int64_t stages_ns;          /* the stages' total length */
	int64_t max_connections;    /* transfers in flight at most (open model) */
	int64_t warmup_ns;          /* the first part of duration, not measured */

	struct job_plugin strategy;
	int64_t workers;
	int64_t batch_size;         /* 0: no batches */
	double rate_limit;          /* requests/s; 0: unlimited */
	int64_t burst;
	struct host_limits per_host;
	struct autothrottle_settings autothrottle;

	int64_t timeout_ns;         /* whole transfer; 0: none */
	int64_t connect_timeout_ns;
	int64_t retries;
	int64_t retry_delay_ns;
	enum job_backoff retry_backoff;
	int64_t retry_max_delay_ns;  /* exponential back-off's cap */
	int retry_after;            /* obey Retry-After on 429 and 503; -1 while loading */
	int64_t max_retry_after_ns; /* a longer Retry-After fails the request */
	int64_t max_redirects;      /* 0: do not follow */
	int64_t max_body;           /* bytes, decoded */
	int compressed;             /* offer Accept-Encoding and decode; -1 while loading */
	int insecure;
	enum job_http2 http2;
	int http2_fresh;            /* prior knowledge on a libcurl that cannot reuse it */
	char *ca_file;              /* PEM bundle to verify servers with; NULL: the system's */
	char *client_cert;          /* PEM client certificate for mutual TLS */
	char *client_key;           /* its PEM private key; NULL: in client_cert */
	int keepalive;              /* 0: a fresh connection for every request */
	int64_t connection_max_age_ns;  /* 0: unset (libcurl's default, no limit) */
	int64_t connection_max_idle_ns; /* 0: unset (libcurl's default, 118s) */

	char *method;
	struct job_header *headers;
	size_t header_count;
	char *body;
	size_t body_len;            /* a body_file may hold NUL bytes */
	struct curl_slist *resolve; /* HOST:PORT:ADDRESS overrides */
	char *user_agent;
	enum job_cookies cookies;   /* resolved at load: never UNSET afterwards */
	char *cookie_file;          /* a Netscape cookie file the jars start from */
	char *cookie_jar;           /* where the cookies are saved at the end */
	struct job_proxy *proxies;  /* `proxy` (one) or `proxies`; none: see proxy_none */
	size_t proxy_count;
	int proxy_none;             /* `proxy: none`: no proxy, whatever the environment says */
	enum job_proxy_rotation proxy_rotation;
	char **no_proxy;            /* hosts (and their subdomains) reached directly */
	size_t no_proxy_count;
	char *no_proxy_text;        /* the same, comma-separated, for CURLOPT_NOPROXY */

	struct job_plugin *parsers;
	size_t parser_count;

	char *output_format;        /* "jsonl", "csv" or "sqlite" */
	char *output_path;          /* NULL: no records written; "-": stdout */
	char **output_columns;      /* csv: the columns, if the job lists them */
	size_t output_column_count;
	char *output_table;         /* sqlite: the table */
	/* recrawl: conditional: each page is asked for with the validators
	 * (ETag, Last-Modified) its sqlite row kept from the last run */
	int recrawl;

	struct crawl_settings crawl;
	struct frontier_settings frontier;
};

/* Reads and validates a job.  overrides are "KEY=VALUE" strings applied
 * on top of the file; labels[i] (if labels and it are not NULL) names the
 * option that gave override i, whose VALUE is then plain text rather than
 * YAML.  path may be NULL: the job is built from overrides and extra_urls
 * alone.  On failure returns NULL after writing a one-line message to err. */
struct job *job_load(const char *path, char *const *overrides, char *const *labels,
                     size_t override_count, char *const *extra_urls, size_t extra_url_count,
                     char *err, size_t errlen);
void job_free(struct job *job);

/* Whether the job is a load test (duration, requests, rate, stages or
 * warmup) rather than a scrape of its URLs. */
int job_is_load_test(const struct job *job);

/* Total requests the job will issue (URLs x repeat, or `requests`);
 * -1 when only a duration bounds it. */
int64_t job_total_requests(const struct job *job);

/* Prints the resolved configuration, as YAML, for --dry-run. */
void job_print(const struct job *job, FILE *out);

/* A line of a URL file with the white space around it cut off, or NULL
 * for a blank line or a # comment.  Modifies line. */
char *job_url_line(char *line);

/* The largest body_file: it is held in memory for the whole run. */
#define JOB_BODY_MAX (64 << 20)

/* The longest line a URL file may hold, newline not counted: a file with
 * no newline (/dev/zero) must not grow memory without end. */
#define JOB_URL_LINE_MAX 65536

/* Reads a URL file line by line, in bounded memory, for the check at load
 * and for the frontier at run time, so both see the same lines. */
struct job_url_reader {
	FILE *f;
	const char *name;           /* for messages: the path, or "standard input" */
	long lineno;
	int rest_of_line;           /* a too long line is still being read */
	char *line;                 /* JOB_URL_LINE_MAX + 1 bytes */
	char message[512];          /* why the last line was refused */
	/* a JSON line's own request, valid until the next line; NULL: none */
	struct job_url_request *request;
	struct job_url_request line_request;
	char *line_url;             /* a JSON line's url, decoded */
	int64_t requests_seen;      /* lines with a request of their own */
	int64_t meta_seen;          /* of them, lines with meta */
};

/* Opens path ("-": standard input) for reading.  -1 with errno set. */
int job_url_open(struct job_url_reader *r, const char *path);
void job_url_close(struct job_url_reader *r);
/* The next URL: 1 and *url (valid until the next call, like r->request,
 * the line's own request if it is a JSON object); 0 at the end; -1
 * for a line that is not a URL (too long, a NUL byte, malformed), with
 * "NAME:LINE:COL: why" in r->message, after which reading may go on; -2
 * for a read error, also in r->message. */
int job_url_next(struct job_url_reader *r, char **url);

/* A line of a URL file is a bare URL, or a JSON object {url, method,
 * headers, body, meta} (see job_url_next). */

/* Copies a request (for a request that outlives the line it came from);
 * NULL without memory.  job_url_request_free frees one and its parts. */
struct job_url_request *job_url_request_copy(const struct job_url_request *from);
void job_url_request_free(struct job_url_request *req);
/* Empties one in place. */
void job_url_request_clear(struct job_url_request *req);

/* Whether a URL is acceptable (absolute http/https with a host, nothing
 * job_wire_ok() refuses); on failure *why says what is wrong. */
int job_url_ok(const char *url, const char **why);

/* What may go on the wire as a request line or header. */
enum job_wire {
	JOB_WIRE_URL,               /* no white space or control bytes */
	JOB_WIRE_TOKEN,             /* a method or header name: RFC 9110 token characters */
	JOB_WIRE_VALUE,             /* a header value: no CR, LF, NUL or other control bytes but tab */
};

/* The one check for every text the job sends: the method, URLs (also
 * from url_file and the command line), User-Agent, header names and
 * values.  CR or LF in any of them would let a value add headers or a
 * second request.  0 if text is fine as kind; else -1 and *why. */
int job_wire_ok(const char *text, enum job_wire kind, const char **why);

/* A proxy URL with its password (or a user-only userinfo's token)
 * replaced by ***, for anything people see; malloc'd, NULL without memory. */
char *job_proxy_mask(const char *url);

/* Whether a request to host (its first len bytes, any case) goes
 * directly rather than through the job's proxies: the host, or a domain
 * it is in, is in no_proxy (or no_proxy is "*"). */
int job_proxy_bypassed(const struct job *job, const char *host, size_t len);

/* The closest of candidates to word within a small edit distance, or NULL:
 * for "did you mean" hints. */
/* The group of a request whose urls entry gives no name: its method, a
 * space and its URL without the query and fragment ("GET http://h/item"),
 * at most len - 1 bytes; its length. */
size_t job_group_name(char *out, size_t len, const char *method, const char *url);
const char *job_suggest(const char *word, const char *const *candidates, size_t n);

#endif
