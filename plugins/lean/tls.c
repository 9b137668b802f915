/* SPDX-License-Identifier: MIT */
/*
 * TLS for the lean strategy (see tls.h): OpenSSL on two memory BIOs, so
 * that no I/O layer needs to know about it.  Verification is on unless
 * the job says insecure: the chain against ca_file or the system's CAs,
 * and the host name (or IP address) against the certificate, as libcurl
 * checks them.  Sessions are kept per peer through the context's
 * new-session callback, which sees TLS 1.2 sessions and TLS 1.3 tickets
 * alike, and offered again on the peer's next connection.  Ciphertext
 * waits in the write BIO while a send is in flight and goes out in one
 * send once it is done, so the layer only ever has one send per
 * connection.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define PLAIN_SIZE 16384        /* one TLS record's plaintext at most */

struct lean_tls_ctx {
	SSL_CTX *ssl;
	char plain[PLAIN_SIZE];     /* what SSL_read gives, for one call */
};

struct lean_tls_peer {
	char *host;
	int is_address;             /* an IP literal: no SNI, checked as an address */
	SSL_SESSION *session;       /* the last one the server gave */
};

struct lean_tls {
	SSL *ssl;
	BIO *in, *out;              /* owned by ssl */
	struct lean_tls_ctx *ctx;
	struct lean_tls_peer *peer;
	char *sending;              /* ciphertext handed to the layer */
	size_t sending_cap;
	int in_flight;
	int ready;
	int failed;
	char why[200];
};

/* ---- the context ---- */

/* OpenSSL's error in words, the queue then emptied: the system's when a
 * system call failed (a file that cannot be read), else the newest. */
static void openssl_words(char *out, size_t len, const char *fallback)
{
	const char *reason = NULL;
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		if (ERR_SYSTEM_ERROR(e)) {
			reason = strerror(ERR_GET_REASON(e));
			break;
		}
		reason = ERR_reason_error_string(e);
	}
	snprintf(out, len, "%s", reason ? reason : fallback);
	ERR_clear_error();
}

/* Keeps the newest session of each peer; the connection's peer is in the
 * SSL's app data.  1: the reference is ours. */
static int keep_session(SSL *ssl, SSL_SESSION *session)
{
	struct lean_tls *t = SSL_get_app_data(ssl);

	if (!t)
		return 0;
	if (t->peer->session)
		SSL_SESSION_free(t->peer->session);
	t->peer->session = session;
	return 1;
}

/* No passphrase prompt on the terminal, ever: the job's keys are plain
 * (the core refuses encrypted ones at load). */
static int no_passphrase(char *buf, int size, int rwflag, void *data)
{
	(void)buf, (void)size, (void)rwflag, (void)data;
	return 0;
}

struct lean_tls_ctx *lean_tls_ctx_new(const struct scrape_request_view *view, char *why,
                                      size_t why_len)
{
	/* a core older than the TLS fields fills none: verify with the
	 * system's CAs, no client certificate */
	int has_keys = view->size >= offsetof(struct scrape_request_view, client_key) +
	                                 sizeof view->client_key;
	int insecure = has_keys && view->insecure;
	const char *ca_file = has_keys ? view->ca_file : NULL;
	const char *cert = has_keys ? view->client_cert : NULL;
	const char *key = has_keys && view->client_key ? view->client_key : cert;
	static const unsigned char alpn[] = "\x08http/1.1";
	struct lean_tls_ctx *ctx = calloc(1, sizeof *ctx);
	char words[160];

	if (!ctx || !(ctx->ssl = SSL_CTX_new(TLS_client_method()))) {
		snprintf(why, why_len, "cannot set up TLS: out of memory");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx->ssl, TLS1_2_VERSION);
	SSL_CTX_set_default_passwd_cb(ctx->ssl, no_passphrase);
	/* the server is told HTTP/1.1, as libcurl tells it without http2 */
	SSL_CTX_set_alpn_protos(ctx->ssl, alpn, sizeof alpn - 1);
	SSL_CTX_set_session_cache_mode(ctx->ssl, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx->ssl, keep_session);
	SSL_CTX_set_verify(ctx->ssl, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (!insecure && ca_file && SSL_CTX_load_verify_locations(ctx->ssl, ca_file, NULL) != 1) {
		openssl_words(words, sizeof words, "not a CA bundle");
		snprintf(why, why_len, "cannot use ca_file \"%s\": %s", ca_file, words);
		goto fail;
	}
	if (!insecure && !ca_file && SSL_CTX_set_default_verify_paths(ctx->ssl) != 1) {
		openssl_words(words, sizeof words, "not found");
		snprintf(why, why_len, "cannot load the system's CA certificates: %s", words);
		goto fail;
	}
	if (cert && SSL_CTX_use_certificate_chain_file(ctx->ssl, cert) != 1) {
		openssl_words(words, sizeof words, "not a certificate");
		snprintf(why, why_len, "cannot use client_cert \"%s\": %s", cert, words);
		goto fail;
	}
	if (cert && (SSL_CTX_use_PrivateKey_file(ctx->ssl, key, SSL_FILETYPE_PEM) != 1 ||
	             SSL_CTX_check_private_key(ctx->ssl) != 1)) {
		openssl_words(words, sizeof words, "not its private key");
		snprintf(why, why_len, "cannot use \"%s\" as the key of client_cert: %s", key, words);
		goto fail;
	}
	return ctx;
fail:
	ERR_clear_error();
	lean_tls_ctx_free(ctx);
	return NULL;
}

void lean_tls_ctx_free(struct lean_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

/* ---- peers ---- */

struct lean_tls_peer *lean_tls_peer_new(const char *host)
{
	struct lean_tls_peer *peer = calloc(1, sizeof *peer);
	unsigned char addr[sizeof(struct in6_addr)];

	if (!peer || !(peer->host = strdup(host))) {
		free(peer);
		return NULL;
	}
	peer->is_address = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	return peer;
}

void lean_tls_peer_free(struct lean_tls_peer *peer)
{
	if (!peer)
		return;
	if (peer->session)
		SSL_SESSION_free(peer->session);
	free(peer->host);
	free(peer);
}

/* ---- connections ---- */

struct lean_tls *lean_tls_new(struct lean_tls_ctx *ctx, struct lean_tls_peer *peer)
{
	struct lean_tls *t = calloc(1, sizeof *t);
	int ok;

	if (!t)
		return NULL;
	t->ctx = ctx;
	t->peer = peer;
	t->ssl = SSL_new(ctx->ssl);
	t->in = BIO_new(BIO_s_mem());
	t->out = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->in || !t->out) {
		BIO_free(t->in);
		BIO_free(t->out);
		t->in = t->out = NULL;
		lean_tls_free(t);
		return NULL;
	}
	/* empty is "not yet", never the end: the layer reports the end */
	BIO_set_mem_eof_return(t->in, -1);
	SSL_set_bio(t->ssl, t->in, t->out);
	SSL_set_app_data(t->ssl, t);
	SSL_set_connect_state(t->ssl);
	ok = 1;
	/* SNI names hosts only (RFC 6066); an address is checked as one */
	if (!peer->is_address)
		ok &= SSL_set_tlsext_host_name(t->ssl, peer->host) == 1;
	if (SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE && peer->is_address)
		ok &= X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), peer->host) == 1;
	else if (SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE)
		ok &= SSL_set1_host(t->ssl, peer->host) == 1;
	if (peer->session && SSL_SESSION_is_resumable(peer->session))
		ok &= SSL_set_session(t->ssl, peer->session) == 1;
	if (!ok) {
		ERR_clear_error();
		lean_tls_free(t);
		return NULL;
	}
	return t;
}

void lean_tls_free(struct lean_tls *t)
{
	if (!t)
		return;
	/* OpenSSL takes a connection freed before its shutdown for a broken
	 * one and spoils its session for resumption; one that ended well is
	 * marked shut, without a close_notify nobody would wait for */
	if (t->ready && !t->failed)
		SSL_set_shutdown(t->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(t->ssl);
	free(t->sending);
	free(t);
}

/* Why the SSL call that gave ret failed, kept in t->why.  A failed
 * handshake forgets the peer's session, which may be what failed. */
static void note_failure(struct lean_tls *t, int ret)
{
	int err = SSL_get_error(t->ssl, ret);
	long verdict = SSL_get_verify_result(t->ssl);
	int verified = SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE;
	char words[160];

	t->failed = 1;
	if (err == SSL_ERROR_SSL && verified && verdict != X509_V_OK) {
		snprintf(t->why, sizeof t->why, "certificate verify failed: %s",
		         X509_verify_cert_error_string(verdict));
		ERR_clear_error();
	} else {
		openssl_words(words, sizeof words, err == SSL_ERROR_SYSCALL ? "the connection broke"
		                                                            : "TLS failed");
		snprintf(t->why, sizeof t->why, "%s", words);
	}
	if (!t->ready && t->peer->session) {
		SSL_SESSION_free(t->peer->session);
		t->peer->session = NULL;
	}
}

enum lean_tls_step lean_tls_handshake(struct lean_tls *t)
{
	int rc;

	ERR_clear_error();
	rc = SSL_do_handshake(t->ssl);
	if (rc == 1) {
		t->ready = 1;
		return LEAN_TLS_DONE;
	}
	if (SSL_get_error(t->ssl, rc) == SSL_ERROR_WANT_READ)
		return LEAN_TLS_AGAIN;
	note_failure(t, rc);
	return LEAN_TLS_FAILED;
}

int lean_tls_ready(const struct lean_tls *t)
{
	return t->ready;
}

int lean_tls_resumed(const struct lean_tls *t)
{
	return SSL_session_reused(t->ssl);
}

int lean_tls_received(struct lean_tls *t, const char *data, size_t len)
{
	/* SSL_get_error reads this thread's error queue: it must hold nothing
	 * from before the reads that follow (failures empty it themselves) */
	ERR_clear_error();
	return len > 0 && BIO_write(t->in, data, (int)len) != (int)len ? -1 : 0;
}

ssize_t lean_tls_read(struct lean_tls *t, const char **data)
{
	int n, err;

	n = SSL_read(t->ssl, t->ctx->plain, sizeof t->ctx->plain);
	if (n > 0) {
		*data = t->ctx->plain;
		return n;
	}
	err = SSL_get_error(t->ssl, n);
	if (err == SSL_ERROR_WANT_READ)
		return 0;
	if (err == SSL_ERROR_ZERO_RETURN)
		return -1;
	note_failure(t, n);
	return -2;
}

int lean_tls_quiet(struct lean_tls *t)
{
	const char *data;

	/* nearly always nothing is left, and that needs no SSL_read */
	if (!SSL_has_pending(t->ssl) && BIO_ctrl_pending(t->in) == 0)
		return 1;
	ERR_clear_error();
	return lean_tls_read(t, &data) == 0;
}

int lean_tls_write(struct lean_tls *t, const char *data, size_t len)
{
	size_t written = 0;

	/* a memory BIO takes all: SSL_write fails only for good */
	ERR_clear_error();
	if (len > 0 && SSL_write_ex(t->ssl, data, len, &written) != 1) {
		note_failure(t, 0);
		return -1;
	}
	return 0;
}

int lean_tls_flush(struct lean_tls *t, const struct io_ops *ops, struct io_layer *io,
                   struct io_conn *c)
{
	size_t pending;
	int rc;

	if (t->in_flight)
		return 1;
	pending = BIO_ctrl_pending(t->out);
	if (pending == 0)
		return 0;
	if (pending > t->sending_cap) {
		char *grown = realloc(t->sending, pending);
		if (!grown)
			return -ENOMEM;
		t->sending = grown;
		t->sending_cap = pending;
	}
	if (BIO_read(t->out, t->sending, (int)pending) != (int)pending)
		return -EIO;
	rc = ops->send(io, c, t->sending, pending);
	t->in_flight = rc == 1;
	return rc;
}

int lean_tls_sent(struct lean_tls *t, const struct io_ops *ops, struct io_layer *io,
                  struct io_conn *c)
{
	t->in_flight = 0;
	return lean_tls_flush(t, ops, io, c);
}

const char *lean_tls_why(const struct lean_tls *t)
{
	return t->why[0] ? t->why : "TLS failed";
}
