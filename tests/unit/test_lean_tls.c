/* SPDX-License-Identifier: MIT */
/*
 * The lean strategy's TLS (plugins/lean/tls.c) without sockets: an OpenSSL
 * server on memory BIOs in this process, a certificate for 127.0.0.1 made
 * here, and an I/O layer whose send() only records the bytes, either at
 * once or as a completion that comes later (as io_uring's does), so the
 * ciphertext that waits behind a send in flight is exercised too.  Covers
 * the handshake and its verification verdicts, a request and a response
 * delivered in one-byte pieces, and session resumption.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tap.h"
#include "lean/tls.h"

/* ---- a layer that records what is sent ---- */

struct io_layer {
	int later;                  /* send() answers 1, sent() comes on deliver */
	const char *pending;        /* a send in flight */
	size_t pending_len;
	BIO *to_server;             /* where the sent bytes go */
};

static int rec_send(struct io_layer *io, struct io_conn *c, const char *data, size_t len)
{
	(void)c;
	if (io->later) {
		io->pending = data;
		io->pending_len = len;
		return 1;
	}
	BIO_write(io->to_server, data, (int)len);
	return 0;
}

static const struct io_ops recording_ops = { .name = "recording", .send = rec_send };

/* Completes the send in flight, if any, as the layer's sent() would. */
static void complete_send(struct io_layer *io, struct lean_tls *t, struct io_conn *c)
{
	while (io->pending) {
		const char *data = io->pending;
		size_t len = io->pending_len;
		io->pending = NULL;
		BIO_write(io->to_server, data, (int)len);
		lean_tls_sent(t, &recording_ops, io, c);
	}
}

/* ---- the server ---- */

static EVP_PKEY *key;
static X509 *cert;

/* A self-signed certificate for IP 127.0.0.1, written to path as PEM. */
static int make_certificate(const char *path)
{
	X509_NAME *name;
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	FILE *f;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	cert = X509_new();
	if (!key || !cert)
		return -1;
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
	X509_gmtime_adj(X509_getm_notBefore(cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"lean test", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
	if (!ext || !X509_add_ext(cert, ext, -1))
		return -1;
	X509_EXTENSION_free(ext);
	if (!X509_sign(cert, key, EVP_sha256()) || !(f = fopen(path, "w")))
		return -1;
	PEM_write_X509(f, cert);
	fclose(f);
	return 0;
}

struct server {
	SSL *ssl;
	BIO *in, *out;              /* in: what the client sent */
};

static void server_start(SSL_CTX *ctx, struct server *s)
{
	s->ssl = SSL_new(ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(s->in, -1);
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
}

/* Hands what the server wrote to the client, one byte at a time. */
static void to_client(struct server *s, struct lean_tls *t)
{
	char byte;

	while (BIO_read(s->out, &byte, 1) == 1)
		lean_tls_received(t, &byte, 1);
}

/* Runs a handshake to its end or failure; what the client sends goes to
 * the server through the layer. */
static enum lean_tls_step handshake(struct server *s, struct lean_tls *t, struct io_layer *io,
                                    struct io_conn *c)
{
	enum lean_tls_step step = LEAN_TLS_AGAIN;
	int round;

	io->to_server = s->in;
	for (round = 0; round < 10 && step == LEAN_TLS_AGAIN; round++) {
		step = lean_tls_handshake(t);
		lean_tls_flush(t, &recording_ops, io, c);
		complete_send(io, t, c);
		SSL_do_handshake(s->ssl);
		to_client(s, t);
	}
	return step;
}

/* One request and response over an established connection; 1 if the
 * server got the request whole and the client read the response whole. */
static int exchange(struct server *s, struct lean_tls *t, struct io_layer *io, struct io_conn *c)
{
	static const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char got[256], plain[256];
	size_t have = 0;
	int n;

	if (lean_tls_write(t, request, strlen(request)) < 0 ||
	    lean_tls_flush(t, &recording_ops, io, c) < 0)
		return 0;
	complete_send(io, t, c);
	n = SSL_read(s->ssl, got, sizeof got - 1);
	if (n != (int)strlen(request) || memcmp(got, request, (size_t)n) != 0)
		return 0;
	SSL_write(s->ssl, response, (int)strlen(response));
	to_client(s, t);
	for (;;) {
		const char *data;
		ssize_t m = lean_tls_read(t, &data);
		if (m <= 0 || have + (size_t)m > sizeof plain)
			break;
		memcpy(plain + have, data, (size_t)m);
		have += (size_t)m;
	}
	return have == strlen(response) && memcmp(plain, response, have) == 0 && lean_tls_quiet(t);
}

static void server_end(struct server *s)
{
	SSL_free(s->ssl);
}

/* A connection to host under the job's view; the step it ended with and,
 * if that was DONE, whether a request went through and the session was
 * resumed. */
struct outcome {
	enum lean_tls_step step;
	int exchanged, resumed;
	char why[200];
};

static struct outcome connect_to(SSL_CTX *server_ctx, struct lean_tls_ctx *ctx,
                                 struct lean_tls_peer *peer, int later)
{
	struct io_layer io = { .later = later };
	struct io_conn c = { .fd = -1 };
	struct server s;
	struct outcome o = { 0 };
	struct lean_tls *t = lean_tls_new(ctx, peer);

	server_start(server_ctx, &s);
	if (!t) {
		o.step = LEAN_TLS_FAILED;
		snprintf(o.why, sizeof o.why, "out of memory");
		server_end(&s);
		return o;
	}
	o.step = handshake(&s, t, &io, &c);
	if (o.step == LEAN_TLS_DONE) {
		o.exchanged = exchange(&s, t, &io, &c);
		o.resumed = lean_tls_resumed(t);
	}
	snprintf(o.why, sizeof o.why, "%s", lean_tls_why(t));
	lean_tls_free(t);
	server_end(&s);
	return o;
}

int main(void)
{
	char path[] = "/tmp/test_lean_tls.XXXXXX";
	struct scrape_request_view view = { .size = sizeof view };
	struct lean_tls_ctx *ctx, *insecure;
	struct lean_tls_peer *ip, *other, *name;
	SSL_CTX *server_ctx;
	struct outcome o;
	char why[300];
	int fd = mkstemp(path);

	if (fd < 0 || make_certificate(path) < 0) {
		printf("Bail out! cannot make a test certificate\n");
		return 1;
	}
	close(fd);
	server_ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(server_ctx, cert);
	SSL_CTX_use_PrivateKey(server_ctx, key);

	view.ca_file = "/nonexistent/ca.pem";
	ok(lean_tls_ctx_new(&view, why, sizeof why) == NULL && strstr(why, "cannot use ca_file"),
	   "a ca_file OpenSSL cannot read: no context, and why (%s)", why);
	view.ca_file = path;
	ctx = lean_tls_ctx_new(&view, why, sizeof why);
	ok(ctx != NULL, "a context that trusts the test certificate");
	view.ca_file = NULL;
	view.insecure = 1;
	insecure = lean_tls_ctx_new(&view, why, sizeof why);
	ok(insecure != NULL, "an insecure context");
	ip = lean_tls_peer_new("127.0.0.1");
	other = lean_tls_peer_new("127.0.0.2");
	name = lean_tls_peer_new("wrong.test");

	o = connect_to(server_ctx, ctx, ip, 0);
	ok(o.step == LEAN_TLS_DONE && o.exchanged, "verified handshake, request and response in 1-byte pieces");
	ok(!o.resumed, "the first connection negotiates a new session");
	o = connect_to(server_ctx, ctx, ip, 1);
	ok(o.step == LEAN_TLS_DONE && o.exchanged, "the same with sends that complete later");
	ok(o.resumed, "the second connection resumes the first one's session");
	o = connect_to(server_ctx, ctx, other, 0);
	ok(o.step == LEAN_TLS_FAILED, "an address the certificate does not name fails");
	is_str(o.why, "certificate verify failed: IP address mismatch", "and says why");
	o = connect_to(server_ctx, ctx, name, 1);
	ok(o.step == LEAN_TLS_FAILED, "a host name the certificate does not name fails");
	is_str(o.why, "certificate verify failed: hostname mismatch", "and says why");
	o = connect_to(server_ctx, insecure, name, 0);
	ok(o.step == LEAN_TLS_DONE && o.exchanged, "insecure: no check, the exchange works");

	lean_tls_peer_free(ip);
	lean_tls_peer_free(other);
	lean_tls_peer_free(name);
	lean_tls_ctx_free(ctx);
	lean_tls_ctx_free(insecure);
	SSL_CTX_free(server_ctx);
	X509_free(cert);
	EVP_PKEY_free(key);
	unlink(path);
	return done_testing();
}
