/* SPDX-License-Identifier: MIT */
/*
 * A connection to a Redis server for the parts of scrape that share work
 * between processes: it logs in, selects the database, loads the caller's
 * Lua scripts, and when the connection drops it waits and reconnects with
 * backoff (saying so once, and when it is back) instead of failing the
 * run.  Every call is synchronous, one round trip; the caller serialises
 * them.  hiredis does the protocol.
 */
#ifndef SCRAPE_REDIS_H
#define SCRAPE_REDIS_H

#include <stddef.h>

#include <hiredis.h>

struct redis_endpoint {
	const char *host;
	int port;
	int db;
	const char *user;           /* ACL user, or NULL */
	const char *password;       /* or NULL */
};

struct redis_conn;

/* A parsed redis://[[USER:]PASSWORD@]HOST[:PORT][/DB]; host, user and
 * password are allocated (redis_url_free). */
struct redis_url {
	char *host, *user, *password;
	int port, db;
};

/* Parses text into url: 0, or -1 with a one-line reason in why (which
 * quotes text, and starts lower-case so a caller can prefix its name). */
int redis_url_parse(const char *text, struct redis_url *url, char *why, size_t why_len);
void redis_url_free(struct redis_url *url);
/* The endpoint of url (pointing into it). */
struct redis_endpoint redis_url_endpoint(const struct redis_url *url);

/* A connection (not yet made) that will load these scripts; both arrays
 * must outlive it.  NULL without memory. */
struct redis_conn *redis_conn_new(const struct redis_endpoint *ep, const char *const *scripts,
                                  size_t script_count);
void redis_conn_free(struct redis_conn *c);

/* Connects now, logs in, selects the database and loads the scripts: 0,
 * or -1 with the reason in redis_conn_error ("Redis at redis://H:P/D:
 * cannot log in: WRONGPASS ..."). */
int redis_conn_open(struct redis_conn *c);
/* Later calls: 1 when connected (again), 0 while waiting to retry. */
int redis_conn_ready(struct redis_conn *c);
const char *redis_conn_error(const struct redis_conn *c);
/* The digest of script i, for EVALSHA. */
const char *redis_conn_sha(const struct redis_conn *c, size_t i);

/* A command's reply (free it with freeReplyObject), or NULL when the
 * connection failed: it is dropped and retried later.  lens may be NULL
 * for text arguments. */
redisReply *redis_conn_command(struct redis_conn *c, const char *what, int argc, const char **argv,
                               const size_t *lens);
/* The same for an EVALSHA (argv[0] "EVALSHA", argv[1] a digest): a server
 * that lost its scripts (it restarted) gets them again and the call is
 * repeated.  NULL also while waiting to reconnect. */
redisReply *redis_conn_script(struct redis_conn *c, int argc, const char **argv, const size_t *lens);

/* Sets the error to "Redis at redis://H:P/D: what: why"; returns -1. */
int redis_conn_fail(struct redis_conn *c, const char *what, const char *why);

#endif
