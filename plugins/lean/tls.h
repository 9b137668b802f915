/* SPDX-License-Identifier: MIT */
/*
 * TLS for the lean strategy, between the engine and whichever I/O layer
 * runs: OpenSSL works on memory BIOs, so the layer moves ciphertext as it
 * moves any bytes (what it receives goes in with lean_tls_received, what
 * OpenSSL has to say goes out with lean_tls_flush over the layer's send),
 * and the engine reads and writes plaintext.  One lean_tls_ctx per loop
 * holds the job's TLS settings; one lean_tls_peer per host and port holds
 * the name to verify and the session to resume; one lean_tls per
 * connection.  Nothing here is shared between threads.
 */
#ifndef LEAN_TLS_H
#define LEAN_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <scrape/plugin.h>

#include "io.h"

struct lean_tls_ctx;
struct lean_tls_peer;
struct lean_tls;

/* The job's TLS keys from the view made into a context.  NULL with a
 * one-line reason in why (a CA file or client certificate that OpenSSL
 * refuses, a key that does not match its certificate, out of memory). */
struct lean_tls_ctx *lean_tls_ctx_new(const struct scrape_request_view *view, char *why,
                                      size_t why_len);
void lean_tls_ctx_free(struct lean_tls_ctx *ctx);

/* A server as TLS sees it: host (a name or an IP literal) is sent as SNI
 * unless it is an address, and checked against the certificate; the last
 * session it gave is offered on the next connection.  NULL out of memory. */
struct lean_tls_peer *lean_tls_peer_new(const char *host);
void lean_tls_peer_free(struct lean_tls_peer *peer);

/* A client connection to peer, before its handshake; NULL out of memory.
 * The peer must outlive it. */
struct lean_tls *lean_tls_new(struct lean_tls_ctx *ctx, struct lean_tls_peer *peer);
void lean_tls_free(struct lean_tls *t);

enum lean_tls_step {
	LEAN_TLS_AGAIN = 0,     /* needs bytes from the server */
	LEAN_TLS_DONE,          /* the handshake is over */
	LEAN_TLS_FAILED,        /* see lean_tls_why */
};

/* Moves the handshake on with what arrived so far; flush afterwards. */
enum lean_tls_step lean_tls_handshake(struct lean_tls *t);
/* Whether the handshake is over. */
int lean_tls_ready(const struct lean_tls *t);
/* Whether the session was resumed rather than negotiated afresh. */
int lean_tls_resumed(const struct lean_tls *t);

/* Ciphertext the layer received; 0, or -1 out of memory. */
int lean_tls_received(struct lean_tls *t, const char *data, size_t len);
/* Plaintext decrypted from what was received: n > 0 bytes in *data (valid
 * until the next call), 0 nothing more for now, -1 the server said
 * close_notify, -2 failed (see lean_tls_why). */
ssize_t lean_tls_read(struct lean_tls *t, const char **data);
/* After a response: whether the connection may wait for the next one,
 * that is whether nothing but TLS housekeeping (session tickets) arrived
 * behind the response. */
int lean_tls_quiet(struct lean_tls *t);
/* Encrypts plaintext for sending; flush afterwards.  0, or -1 failed. */
int lean_tls_write(struct lean_tls *t, const char *data, size_t len);

/* Sends the ciphertext waiting, unless a send of it is still in flight:
 * 0 nothing left in flight, 1 the layer's sent() follows, or -errno. */
int lean_tls_flush(struct lean_tls *t, const struct io_ops *ops, struct io_layer *io,
                   struct io_conn *c);
/* The layer's sent() for a flush: ends the send in flight and flushes what
 * waits behind it, with lean_tls_flush's results. */
int lean_tls_sent(struct lean_tls *t, const struct io_ops *ops, struct io_layer *io,
                  struct io_conn *c);

/* Why the connection failed, in words (OpenSSL's, with the certificate
 * check's verdict when that is what failed). */
const char *lean_tls_why(const struct lean_tls *t);

#endif
