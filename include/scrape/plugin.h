/* SPDX-License-Identifier: MIT */
/*
 * The scrape plugin ABI: the only header a plugin author includes.
 *
 * A plugin is a shared object named <kind>_<name>.so that exports exactly
 * one symbol, `scrape_plugin`, a const data descriptor.  The core reads and
 * validates the descriptor (ABI version, size, kind, name, callbacks, option
 * table) before it calls any plugin code.  From then on the plugin talks to
 * the core only through the host table handed to create(): it never resolves
 * symbols from the scrape binary.
 *
 * Versioning: a plugin built for ABI major M loads only into a core of major
 * M, and only if its minor is <= the core's minor.  Structs in this header
 * only ever grow by appending fields; the `size` fields let either side see
 * what the other was compiled with.  1.1 added `capabilities`; 1.2 added
 * the transport-neutral pair request_view()/complete() and the transport
 * capability bits, for strategies that speak HTTP themselves.
 *
 * Two kinds exist.  A strategy decides how transfers run concurrently (one
 * loop, threads, an event loop, processes): it asks the core for the next
 * request, lets the core set up the curl handle, performs it and hands the
 * finished transfer back.  A strategy with a transport of its own (ABI 1.2,
 * SCRAPE_CAP_OWN_TRANSPORT) instead reads a request_view() of the request
 * and hands back a struct scrape_outcome with complete().  A parser turns one response
 * into fields of the result record and, optionally, links for the frontier.
 */
#ifndef SCRAPE_PLUGIN_H
#define SCRAPE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include <scrape/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCRAPE_ABI_MAJOR 1
#define SCRAPE_ABI_MINOR 2

/* Put this before the descriptor so it is exported even when the plugin is
 * compiled with -fvisibility=hidden. */
#define SCRAPE_PLUGIN_EXPORT __attribute__((visibility("default")))

#if defined(__GNUC__)
#define SCRAPE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SCRAPE_PRINTF(fmt, args)
#endif

enum scrape_plugin_kind {
	SCRAPE_KIND_STRATEGY = 1,
	SCRAPE_KIND_PARSER = 2,
};

/*
 * Options: each plugin declares the YAML keys it accepts.  The core checks
 * the job against this table (unknown key, wrong type, bad unit) and reports
 * mistakes as file:line:col, so a plugin never parses YAML itself.
 */
enum scrape_option_type {
	SCRAPE_OPT_BOOL = 1,     /* true/false, yes/no, on/off */
	SCRAPE_OPT_INT,          /* a whole number (may be negative) */
	SCRAPE_OPT_STRING,       /* any scalar, kept as text */
	SCRAPE_OPT_DURATION,     /* 250ms, 10s, 2m, 1h, 500us; read in ns */
	SCRAPE_OPT_SIZE,         /* 512, 64k, 10MB, 1GiB; read in bytes */
	SCRAPE_OPT_LIST,         /* a sequence of scalars (or one scalar) */
	SCRAPE_OPT_MAP,          /* a mapping of scalar keys to scalar values */
};

struct scrape_option {
	const char *name;        /* the YAML key; NULL ends the table */
	enum scrape_option_type type;
	const char *default_value; /* as it would be written in YAML; NULL: unset */
	const char *help;        /* one line, shown by scrape --plugin-help */
};

/* The values the job gave for one plugin instance, defaults applied.
 * Opaque; read it with the host's opt_* calls during create(). */
struct scrape_options;

/* One transfer as the core tracks it.  Opaque to strategies: pass it back. */
struct scrape_request;

/* The running job as strategies see it.  Opaque. */
struct scrape_run;

/* A worker process of a process-based strategy.  Opaque. */
struct scrape_worker;

/* The result record of one response; parsers add fields to it.  Opaque. */
struct scrape_record;

/* One response header, as received (last response after redirects). */
struct scrape_header {
	const char *name;
	const char *value;
};

/*
 * What a parser sees of one response.  Everything is read-only and owned
 * by the core; it stays valid only for the duration of parse().
 */
struct scrape_response {
	size_t size;                 /* sizeof(struct scrape_response) of the core */
	const char *url;             /* the URL as requested */
	const char *final_url;       /* after redirects */
	long status;                 /* HTTP status; 0 if no response arrived */
	const char *content_type;    /* Content-Type value, or NULL */
	const char *charset;         /* charset parameter of it, or NULL */
	const unsigned char *body;   /* body bytes, NUL-terminated for convenience */
	size_t body_len;             /* body length, without that NUL */
	const struct scrape_header *headers;
	size_t header_count;
	int depth;                   /* crawl depth: 0 for URLs from the job */
};

/*
 * ABI 1.2: one request as a strategy with its own transport sees it
 * (host->request_view()).  Read-only, owned by the core, valid until the
 * request is handed back with complete().  Strings are NUL-terminated.
 */
struct scrape_request_view {
	size_t size;                 /* sizeof(struct scrape_request_view) of the core */
	const char *method;          /* "GET", "HEAD", "POST", ... */
	const char *url;             /* as requested */
	const char *scheme;          /* "http" or "https", lower case */
	const char *host;            /* IPv6 literals without brackets */
	unsigned port;               /* the URL's, or the scheme's default */
	const char *authority;       /* the Host header's value: host[:port] as in the URL */
	const char *target;          /* path and query for the request line ("/" at least) */
	/* the job's resolve entry for host:port, a numeric address; NULL: look
	 * the host up */
	const char *address;
	/* headers to send besides Host, Content-Length and Connection, in
	 * order (User-Agent, Accept, the job's headers); an empty value is
	 * sent empty */
	const struct scrape_header *headers;
	size_t header_count;
	const unsigned char *body;   /* NULL: none */
	size_t body_len;
	int64_t timeout_ns;          /* the whole attempt; 0: none */
	int64_t connect_timeout_ns;  /* 0: none */
	int64_t max_body;            /* end the transfer past this many body bytes */
	int keepalive;               /* 0: a new connection, closed after the response */
	int64_t connection_max_age_ns;  /* 0: no limit */
	int64_t connection_max_idle_ns; /* 0: no limit */
	unsigned max_connections;    /* connections the strategy may hold at most */
	uint32_t wants;              /* enum scrape_want bits */
	/* The job's TLS keys, for https (added after 1.2 was out: read them
	 * only when size says the core filled them) */
	int insecure;                /* no certificate or host name checks */
	const char *ca_file;         /* PEM CAs to verify with; NULL: the system's */
	const char *client_cert;     /* PEM client certificate; NULL: none */
	const char *client_key;      /* its PEM key; NULL: in client_cert */
};

/* What the core needs back of a response beyond its figures: a strategy
 * keeps only these, so a load test copies nothing. */
enum scrape_want {
	SCRAPE_WANT_BODY = 1u << 0,     /* the body bytes (parsers, robots.txt, sitemaps) */
	SCRAPE_WANT_HEADERS = 1u << 1,  /* every response header (parsers, Retry-After) */
};

/* Why a transfer failed, as a transport-neutral class.  The core turns it
 * into the record's error (the same words the libcurl strategies give)
 * and decides about retries. */
enum scrape_error_class {
	SCRAPE_ERR_NONE = 0,
	SCRAPE_ERR_DNS,              /* the host name did not resolve */
	SCRAPE_ERR_CONNECT,          /* refused, unreachable */
	SCRAPE_ERR_TIMEOUT,          /* connect or total timeout */
	SCRAPE_ERR_RESET,            /* the connection broke mid-exchange */
	SCRAPE_ERR_EMPTY_REPLY,      /* closed before any byte of a response */
	SCRAPE_ERR_NOT_HTTP,         /* the reply is not HTTP/1.x */
	SCRAPE_ERR_STATUS_LINE,      /* a malformed status line */
	SCRAPE_ERR_HEADERS,          /* malformed headers */
	SCRAPE_ERR_HEADERS_TOO_LARGE,
	SCRAPE_ERR_CHUNKED,          /* malformed chunked encoding */
	SCRAPE_ERR_BODY_TOO_LARGE,   /* past max_body (by Content-Length or as it came) */
	SCRAPE_ERR_TLS,
	SCRAPE_ERR_INTERRUPTED,      /* ended because stopping() said so */
	SCRAPE_ERR_NO_DESCRIPTORS,   /* out of file descriptors here */
	SCRAPE_ERR_OUT_OF_MEMORY,
	SCRAPE_ERR_OTHER,            /* error_message says what */
};

/*
 * ABI 1.2: what became of a request, handed to complete().  The core
 * copies what it keeps before complete() returns.  Times are nanoseconds
 * from the moment the strategy started the request; 0: did not happen.
 */
struct scrape_outcome {
	size_t size;                 /* sizeof(struct scrape_outcome) of the plugin */
	long status;                 /* the final (non-1xx) status; 0: none arrived */
	const struct scrape_header *headers; /* with SCRAPE_WANT_HEADERS; else may be NULL */
	size_t header_count;
	const char *content_type;    /* its Content-Type value, or NULL */
	const unsigned char *body;   /* with SCRAPE_WANT_BODY: all of it; else NULL */
	size_t body_len;
	uint64_t body_bytes;         /* body bytes received, kept or not */
	enum scrape_error_class error;
	const char *error_message;   /* details for SCRAPE_ERR_OTHER; may be NULL */
	int64_t connect_ns, tls_ns, first_byte_ns, total_ns;
	uint64_t bytes_in;           /* status line, headers and body as received */
	uint64_t bytes_out;          /* the request as sent */
	int new_connection;          /* the request opened the connection it used */
	/* The Location header of a 3xx, or NULL.  A strategy that declares
	 * SCRAPE_CAP_REDIRECTS fills it, and the core follows the redirect as
	 * libcurl would: the same request comes back from next() for the next
	 * hop (request_view() says where), and one record covers the chain. */
	const char *location;
};

/* What next() says about the work queue. */
enum scrape_next {
	SCRAPE_NEXT_READY = 0,  /* *req holds a request: prepare and perform it */
	SCRAPE_NEXT_WAIT = 1,   /* nothing may start yet (rate limit, batch
	                           boundary, crawl links may still come) */
	SCRAPE_NEXT_DONE = 2,   /* no more requests will come: finish what is in
	                           flight and return */
};

enum scrape_log_level {
	SCRAPE_LOG_ERROR = 0,
	SCRAPE_LOG_WARNING = 1,
	SCRAPE_LOG_INFO = 2,
	SCRAPE_LOG_DEBUG = 3,
};

/*
 * The host table: everything the core offers a plugin.  Unless a call says
 * otherwise it is thread-safe and may be called from any thread the plugin
 * runs (strategy workers, parser calls).  Check `size` before using a field
 * that a later minor version appended.
 */
struct scrape_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t size;           /* sizeof(struct scrape_host) of the core */

	/* Messages go to stderr, prefixed with "scrape: " and the level;
	 * debug and info are shown only with -v. */
	void (*log)(enum scrape_log_level level, const char *fmt, ...) SCRAPE_PRINTF(2, 3);

	/* ---- options; call these only from create() ---- */

	/* Whether the job (or a default) gave a value for the key. */
	int (*opt_isset)(const struct scrape_options *opts, const char *name);
	int (*opt_bool)(const struct scrape_options *opts, const char *name);
	int64_t (*opt_int)(const struct scrape_options *opts, const char *name);
	/* Owned by the core and valid until destroy(); NULL when unset. */
	const char *(*opt_string)(const struct scrape_options *opts, const char *name);
	int64_t (*opt_duration_ns)(const struct scrape_options *opts, const char *name);
	int64_t (*opt_size)(const struct scrape_options *opts, const char *name);
	/* Lists and maps: item i (0-based) of count; NULL past the end.
	 * For maps, opt_item returns the key and *value the value. */
	size_t (*opt_count)(const struct scrape_options *opts, const char *name);
	const char *(*opt_item)(const struct scrape_options *opts, const char *name,
	                        size_t i, const char **value);
	/*
	 * Reject the job from create(): the core prints the message prefixed
	 * with the file:line:col of the key `name` (of the plugin's entry when
	 * name is NULL) and exits with status 2.  Return -1 from create() after
	 * calling it.
	 */
	void (*opt_fail)(const struct scrape_options *opts, const char *name,
	                 const char *fmt, ...) SCRAPE_PRINTF(3, 4);

	/* ---- strategies: the work loop ---- */

	/* The job's `workers`: how many transfers may run at once. */
	unsigned (*workers)(const struct scrape_run *run);
	/*
	 * Take the next request.  READY: *req is yours until you pass it to
	 * finish() (or prepare() fails).  WAIT: *not_before_ns is the
	 * CLOCK_MONOTONIC time at which asking again may succeed, or -1 for
	 * "when something in flight finishes".  DONE: return once everything
	 * you have in flight is finished.
	 */
	enum scrape_next (*next)(struct scrape_run *run, struct scrape_request **req,
	                         int64_t *not_before_ns);
	/*
	 * Set the easy handle up for the request: URL, method, headers, body,
	 * timeouts, redirects, protocols, the write and header callbacks.  It
	 * resets the handle first but keeps its connection cache, so reusing one
	 * handle per worker reuses connections.  The strategy may set
	 * CURLOPT_PRIVATE afterwards (the core does not use it), and
	 * CURLOPT_NOPROGRESS to 1 if it ends transfers in flight itself once
	 * stopping() says so (the core's progress callback exists only to
	 * interrupt blocking transfers).  Non-zero: the
	 * core has already recorded the request as failed; do not perform it and
	 * do not call finish().
	 */
	int (*prepare)(struct scrape_run *run, struct scrape_request *req, CURL *easy);
	/*
	 * Hand a performed transfer back with libcurl's result code.  The core
	 * collects timings, runs the parsers (in the calling thread), writes the
	 * record and may schedule a retry.  The request is gone afterwards; the
	 * easy handle is the strategy's again.  easy may be NULL for a request
	 * that could not be given a handle at all; result then says why
	 * (e.g. CURLE_OUT_OF_MEMORY).
	 */
	void (*finish)(struct scrape_run *run, struct scrape_request *req, CURL *easy,
	               CURLcode result);
	/* Non-zero once the run must wind down (SIGINT, SIGTERM, limits):
	 * start nothing new; finish or abandon what is in flight. */
	int (*stopping)(const struct scrape_run *run);
	/* CLOCK_MONOTONIC in nanoseconds. */
	int64_t (*now_ns)(void);
	/*
	 * Sleep until until_ns (CLOCK_MONOTONIC; -1: no deadline) or until the
	 * core has news for waiting workers (a transfer finished, the run is
	 * stopping), whichever comes first.  For strategies that have no event
	 * loop of their own.
	 */
	void (*wait)(struct scrape_run *run, int64_t until_ns);

	/* ---- parsers: the record of the response being parsed ---- */

	/* Set a field; a later call for the same key replaces the value.
	 * The core copies key and value.  Return 0, or -1 if the key is one the
	 * core owns (url, status, bytes, ...) or memory ran out. */
	int (*record_string)(struct scrape_record *rec, const char *key, const char *value);
	int (*record_int)(struct scrape_record *rec, const char *key, int64_t value);
	int (*record_double)(struct scrape_record *rec, const char *key, double value);
	int (*record_bool)(struct scrape_record *rec, const char *key, int value);
	/* Append a string to a list field (created empty on first use);
	 * value NULL only creates the list, so an empty one can be recorded. */
	int (*record_append)(struct scrape_record *rec, const char *key, const char *value);
	/* Offer an absolute http(s) URL to the frontier (used when crawling;
	 * ignored otherwise).  The core copies it. */
	int (*record_link)(struct scrape_record *rec, const char *url);

	/* ---- strategies: worker processes ----
	 *
	 * For strategies that run transfers in other processes.  The core
	 * forks a worker that owns an easy handle and runs the parsers; the
	 * strategy (in the parent) decides how many workers live, feeds idle
	 * ones with worker_dispatch() and calls worker_service() when a
	 * worker's descriptor is readable.  Call these from one thread only.
	 */

	/* Forks a worker.  NULL if that failed (logged). */
	struct scrape_worker *(*worker_spawn)(struct scrape_run *run);
	/* The descriptor to poll for readability. */
	int (*worker_fd)(const struct scrape_worker *w);
	/* Non-zero while the worker holds a request. */
	int (*worker_busy)(const struct scrape_worker *w);
	/* Like next() for an idle worker: READY means the request was sent to
	 * it; WAIT as for next(); DONE means the worker was told to exit (call
	 * worker_stop() to reap it). */
	enum scrape_next (*worker_dispatch)(struct scrape_run *run, struct scrape_worker *w,
	                                    int64_t *not_before_ns);
	/* Reads what the worker sent and records it.  0, or -1 if the worker
	 * is gone: it has been reaped and freed, and the request it held was
	 * failed as "worker died" (or queued for a retry).  Spawn a new one if
	 * more work may come. */
	int (*worker_service)(struct scrape_run *run, struct scrape_worker *w);
	/* Ends a worker and frees it; a request it holds is recorded as
	 * interrupted. */
	void (*worker_stop)(struct scrape_run *run, struct scrape_worker *w);

	/* ---- ABI 1.2: strategies with their own transport ---- */

	/*
	 * The request next() handed out, as the strategy is to send it.  NULL
	 * only when memory ran out: the core has then recorded the request as
	 * failed; do not call complete().  Call from the thread that took it.
	 */
	const struct scrape_request_view *(*request_view)(struct scrape_run *run,
	                                                  struct scrape_request *req);
	/*
	 * Hand a performed request back, instead of finish().  The core
	 * classifies the outcome, runs the parsers (in the calling thread),
	 * writes the record and may schedule a retry.  The request and its
	 * view are gone afterwards.
	 */
	void (*complete)(struct scrape_run *run, struct scrape_request *req,
	                 const struct scrape_outcome *outcome);

	/*
	 * A fact about how the strategy runs this job, such as ("io",
	 * "uring"): the report's "model" object lists them under
	 * "strategy_facts", so a reader can tell what ran.  A key given again
	 * replaces its value; at most SCRAPE_FACTS_MAX keys are kept, keys
	 * and values cut at 31 and 95 bytes.  Any thread.
	 */
	void (*describe)(struct scrape_run *run, const char *key, const char *value);
};

#define SCRAPE_FACTS_MAX 8

/*
 * What a strategy promises beyond the basic loop, in scrape_plugin's
 * `capabilities`.  The core refuses jobs that need a promise the strategy
 * does not make.
 */
enum scrape_capability {
	/*
	 * The open model (a job with `rate:` or `stages:`): the strategy asks
	 * next() whenever it has fewer than workers() transfers in flight, asks
	 * again promptly at not_before_ns (well under a millisecond late), and
	 * starts a READY request at once.  The core then schedules each start
	 * itself and measures latency from the scheduled time.
	 */
	SCRAPE_CAP_OPEN_MODEL = 1u << 0,
	/*
	 * ABI 1.2: the strategy performs requests itself with request_view()
	 * and complete(), not with libcurl.  It then can do only what the
	 * transport bits below say, and the core refuses a job that needs more
	 * (naming the key).  A strategy without this bit drives libcurl and
	 * can do all of them.
	 */
	SCRAPE_CAP_OWN_TRANSPORT = 1u << 1,
	SCRAPE_CAP_HTTPS = 1u << 2,       /* https:// URLs, TLS options */
	SCRAPE_CAP_HTTP2 = 1u << 3,       /* the http2 key */
	SCRAPE_CAP_PROXIES = 1u << 4,     /* proxy, proxies */
	SCRAPE_CAP_COMPRESSION = 1u << 5, /* compressed, Accept-Encoding decoded */
	SCRAPE_CAP_COOKIES = 1u << 6,     /* cookies, cookie_file, cookie_jar */
	SCRAPE_CAP_REDIRECTS = 1u << 7,   /* max_redirects: fills outcome.location (the core follows) */
};

/* What a strategy that drives libcurl can do. */
#define SCRAPE_CAP_CURL_TRANSPORT                                                   \
	(SCRAPE_CAP_HTTPS | SCRAPE_CAP_HTTP2 | SCRAPE_CAP_PROXIES | SCRAPE_CAP_COMPRESSION | \
	 SCRAPE_CAP_COOKIES | SCRAPE_CAP_REDIRECTS)

/* Strategy operations. */
struct scrape_strategy_ops {
	/*
	 * Run the job to the end: loop on next()/prepare()/perform/finish()
	 * until next() says DONE (or stopping() says so) and nothing is in
	 * flight.  Called once, from the main thread.  Return 0, or -1 after
	 * logging why the strategy itself failed.
	 */
	int (*run)(void *state, struct scrape_run *run);
};

/* Parser operations. */
struct scrape_parser_ops {
	/*
	 * Read one response and add fields to rec.  Called concurrently from
	 * several workers with the same state: treat state as read-only.
	 * Return 0, or -1 with a logged reason (the record gets the error
	 * "parser NAME failed" and the run goes on).
	 */
	int (*parse)(void *state, const struct scrape_response *resp,
	             struct scrape_record *rec);
};

/*
 * The descriptor, exported as `const struct scrape_plugin scrape_plugin`.
 * Fill it with SCRAPE_PLUGIN_HEADER(...) first so the ABI fields are right.
 */
struct scrape_plugin {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t size;               /* sizeof(struct scrape_plugin) */
	uint32_t kind;               /* enum scrape_plugin_kind */
	const char *name;            /* must match the file name <kind>_<name>.so */
	const char *version;         /* the plugin's own version */
	const char *description;     /* one line, for scrape --list-plugins */
	const struct scrape_option *options; /* NULL-terminated; may be NULL */

	/*
	 * Make an instance for one job.  Read options with the host's opt_*
	 * calls; store what you need in *state (may stay NULL).  Return 0, or
	 * -1 after host->opt_fail() or host->log() said why.  May be NULL.
	 */
	int (*create)(const struct scrape_host *host,
	              const struct scrape_options *opts, void **state);
	/* Free the instance; called once after the run.  May be NULL. */
	void (*destroy)(void *state);

	const struct scrape_strategy_ops *strategy; /* kind STRATEGY: required */
	const struct scrape_parser_ops *parser;     /* kind PARSER: required */

	/* ---- ABI 1.1 ---- */
	uint32_t capabilities;       /* enum scrape_capability bits; 0 if none */
};

#define SCRAPE_PLUGIN_HEADER(kind_, name_)          \
	.abi_major = SCRAPE_ABI_MAJOR,              \
	.abi_minor = SCRAPE_ABI_MINOR,              \
	.size = sizeof(struct scrape_plugin),       \
	.kind = (kind_),                            \
	.name = (name_)

#ifdef __cplusplus
}
#endif

#endif /* SCRAPE_PLUGIN_H */
