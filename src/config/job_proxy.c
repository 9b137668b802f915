/* SPDX-License-Identifier: MIT */
/*
 * The proxies requests go through: one (`proxy`) or several taking turns
 * (`proxies`, `proxy_rotation`), the hosts reached directly (`no_proxy`),
 * or none at all (`proxy: none`, which also ignores http_proxy and the
 * like).  A proxy URL may carry a user and password, usually from
 * ${VARIABLES}: they reach libcurl and nothing else.  Every message,
 * --dry-run and report shows the URL with the password masked, so even a
 * refused value is quoted masked.
 */
#include <config.h>

#include "config/job_keys.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

static const char *const schemes[] = { "http", "https", "socks4", "socks4a", "socks5", "socks5h" };
#define SCHEMES "http, https, socks4, socks4a, socks5 or socks5h"

static const char *const rotations[] = { "round_robin", "per_host", "random" };

/* Where the authority of url starts: after "scheme://", or at the start
 * when there is no scheme (a value refused later, but masked meanwhile). */
static const char *authority_of(const char *url)
{
	const char *sep = strstr(url, "://");

	return sep ? sep + 3 : url;
}

char *job_proxy_mask(const char *url)
{
	const char *auth = authority_of(url);
	const char *end = auth + strcspn(auth, "/?#");
	const char *at = NULL, *p, *colon;
	struct buf b = { 0 };

	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;     /* the last one: a password may hold an '@' */
	if (!at) {
		buf_puts(&b, url);
	} else {
		colon = memchr(auth, ':', (size_t)(at - auth));
		buf_append(&b, url, (size_t)(auth - url));
		/* a user alone may be a token: masked whole */
		if (colon) {
			buf_append(&b, auth, (size_t)(colon - auth));
			buf_puts(&b, ":***");
		} else {
			buf_puts(&b, "***");
		}
		buf_puts(&b, at);
	}
	buf_putc(&b, '\0');
	if (b.oom) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Checks one proxy URL, scheme://[USER[:PASSWORD]@]HOST[:PORT][/], and
 * fills p.  Messages quote it masked. */
static int get_proxy(struct checker *c, const char *key, const struct node *n, struct job_proxy *p)
{
	const char *url, *sep, *auth, *host, *end, *why;
	size_t i, scheme_len;
	int known = 0;

	if (job_want_scalar(c, key, n, "a proxy URL such as http://HOST:PORT") < 0)
		return -1;
	url = n->text;
	if (!(p->shown = job_proxy_mask(url)))
		return job_fail(c, n, "out of memory");
	if (job_wire_ok(url, JOB_WIRE_URL, &why) < 0)
		return job_fail(c, n, "\"%s\": \"%s\": %s", key, p->shown, why);
	sep = strstr(url, "://");
	if (!sep)
		return job_fail(c, n, "\"%s\" must be a URL such as http://HOST:PORT, got \"%s\"", key,
		                p->shown);
	scheme_len = (size_t)(sep - url);
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i]) == scheme_len && strncasecmp(url, schemes[i], scheme_len) == 0)
			known = 1;
	if (!known)
		return job_fail(c, n, "\"%s\": the scheme of \"%s\" must be " SCHEMES, key, p->shown);
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	host = auth;
	for (const char *q = auth; q < end; q++)
		if (*q == '@')
			host = q + 1;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		if (!close || close == host + 1)
			return job_fail(c, n, "\"%s\": \"%s\" has an unclosed or empty [IPv6 address]", key,
			                p->shown);
		host = close + 1;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		if ((colon ? colon : end) == host)
			return job_fail(c, n, "\"%s\": \"%s\" names no host", key, p->shown);
		host = colon ? colon : end;
	}
	if (*host == ':') {
		long port = 0;
		const char *d = host + 1;
		for (; d < end && *d >= '0' && *d <= '9' && port <= 65535; d++)
			port = port * 10 + (*d - '0');
		if (d == host + 1 || d != end || port < 1 || port > 65535)
			return job_fail(c, n, "\"%s\": the port of \"%s\" must be 1 to 65535", key, p->shown);
	} else if (host != end) {
		return job_fail(c, n, "\"%s\": \"%s\" names no host", key, p->shown);
	}
	if (*end && strcmp(end, "/") != 0)
		return job_fail(c, n, "\"%s\": \"%s\" must be scheme://[USER:PASSWORD@]HOST[:PORT], "
		                "with no path, query or fragment", key, p->shown);
	if (!(p->url = strdup(url)))
		return job_fail(c, n, "out of memory");
	return 0;
}

static int key_proxy(struct checker *c, const struct node *n)
{
	struct job *job = c->job;

	if (job_is_null(n))
		return 0;
	if (job->proxy_count)
		return job_fail(c, n, "give either \"proxy\" or \"proxies\", not both");
	if (n->kind == NODE_SCALAR && strcmp(n->text, "none") == 0) {
		job->proxy_none = 1;
		return 0;
	}
	if (!(job->proxies = calloc(1, sizeof *job->proxies)))
		return job_fail(c, n, "out of memory");
	job->proxy_count = 1;
	return get_proxy(c, "proxy", n, &job->proxies[0]);
}

static int key_proxies(struct checker *c, const struct node *n)
{
	struct job *job = c->job;
	size_t i;

	if (job->proxy_count || job->proxy_none)
		return job_fail(c, n, "give either \"proxy\" or \"proxies\", not both");
	if (n->kind != NODE_LIST)
		return job_fail(c, n, "\"proxies\" must be a list of proxy URLs");
	if (n->count == 0)
		return job_fail(c, n, "\"proxies\" must list at least one proxy");
	if (!(job->proxies = calloc(n->count, sizeof *job->proxies)))
		return job_fail(c, n, "out of memory");
	job->proxy_count = n->count;
	for (i = 0; i < n->count; i++)
		if (get_proxy(c, "proxies", n->items[i], &job->proxies[i]) < 0)
			return -1;
	return 0;
}

static int key_proxy_rotation(struct checker *c, const struct node *n)
{
	size_t i;

	if (job_want_scalar(c, "proxy_rotation", n, "round_robin, per_host or random") < 0)
		return -1;
	for (i = 0; i < sizeof rotations / sizeof rotations[0]; i++)
		if (strcmp(n->text, rotations[i]) == 0) {
			c->job->proxy_rotation = (enum job_proxy_rotation)i;
			return 0;
		}
	return job_fail(c, n, "\"proxy_rotation\" is round_robin, per_host or random, got \"%s\"",
	                n->text);
}

/* One no_proxy entry: a host name, a domain (".example.com" or
 * "example.com", both with its subdomains), an address, or "*". */
static int add_no_proxy(struct checker *c, const struct node *n, const char *text, size_t len)
{
	struct job *job = c->job;
	char **grown;
	size_t i;

	while (len && (*text == ' ' || *text == '\t'))
		text++, len--;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return job_fail(c, n, "\"no_proxy\" has an empty entry");
	if (len > 2 && text[0] == '*' && text[1] == '.')
		return job_fail(c, n, "\"no_proxy\": \"%.*s\" is not a host name, domain, address or * "
		                "(write %.*s for a domain)", (int)len, text, (int)len - 1, text + 1);
	for (i = 0; i < len; i++) {
		char ch = text[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '-' || ch == '_' || ch == ':' || ch == '[' || ch == ']' ||
		      (ch == '*' && len == 1)))
			return job_fail(c, n, "\"no_proxy\": \"%.*s\" is not a host name, domain, address or *",
			                (int)len, text);
	}
	grown = realloc(job->no_proxy, (job->no_proxy_count + 1) * sizeof *grown);
	if (!grown)
		return job_fail(c, n, "out of memory");
	job->no_proxy = grown;
	if (!(job->no_proxy[job->no_proxy_count] = strndup(text, len)))
		return job_fail(c, n, "out of memory");
	job->no_proxy_count++;
	return 0;
}

/* A list, or one text of comma-separated entries as the no_proxy
 * variable holds them. */
static int key_no_proxy(struct checker *c, const struct node *n)
{
	struct job *job = c->job;
	struct buf text = { 0 };
	size_t i, count = n->kind == NODE_LIST ? n->count : 1;

	if (n->kind == NODE_MAP)
		return job_fail(c, n, "\"no_proxy\" must be a list of hosts or domains");
	for (i = 0; i < count; i++) {
		const struct node *item = n->kind == NODE_LIST ? n->items[i] : n;
		const char *p;

		if (job_want_scalar(c, "no_proxy", item, "a host or domain") < 0)
			return -1;
		for (p = item->text;; ) {
			size_t len = strcspn(p, ",");
			if (add_no_proxy(c, item, p, len) < 0)
				return -1;
			if (!p[len])
				break;
			p += len + 1;
		}
	}
	for (i = 0; i < job->no_proxy_count; i++) {
		buf_puts(&text, i ? "," : "");
		buf_puts(&text, job->no_proxy[i]);
	}
	buf_putc(&text, '\0');
	if (text.oom) {
		buf_free(&text);
		return job_fail(c, n, "out of memory");
	}
	job->no_proxy_text = text.data;
	return 0;
}

int job_proxy_check(struct checker *c)
{
	const struct job *job = c->job;
	const struct node *rotation = tree_get(job->tree, "proxy_rotation");
	const struct node *no_proxy = tree_get(job->tree, "no_proxy");

	if (rotation && !tree_get(job->tree, "proxies"))
		return job_fail(c, rotation, "\"proxy_rotation\" needs \"proxies\", the proxies to take "
		                "turns");
	if (no_proxy && !job->proxy_count)
		return job_fail(c, no_proxy, "\"no_proxy\" needs \"proxy\" or \"proxies\"; without them "
		                "the environment's no_proxy applies");
	return 0;
}

int job_proxy_bypassed(const struct job *job, const char *host, size_t len)
{
	size_t i;

	for (i = 0; i < job->no_proxy_count; i++) {
		const char *e = job->no_proxy[i];
		size_t elen;

		if (strcmp(e, "*") == 0)
			return 1;
		if (*e == '.')
			e++;
		elen = strlen(e);
		if (elen > len || strncasecmp(host + len - elen, e, elen) != 0)
			continue;
		if (elen == len || host[len - elen - 1] == '.')
			return 1;
	}
	return 0;
}

static void print_proxy(const struct job *job, FILE *out)
{
	size_t i;

	if (job->proxy_none) {
		fputs("proxy: none  # no proxy, whatever http_proxy and the like say\n", out);
	} else if (!job->proxy_count) {
		fputs("proxy: ~  # the environment's: http_proxy, https_proxy, all_proxy, no_proxy\n", out);
	} else if (!tree_get(job->tree, "proxies")) {
		fputs("proxy: ", out);
		job_print_scalar(out, job->proxies[0].shown);
		fputc('\n', out);
	} else {
		fputs("proxies:\n", out);
		for (i = 0; i < job->proxy_count; i++) {
			fputs("  - ", out);
			job_print_scalar(out, job->proxies[i].shown);
			fputc('\n', out);
		}
		fprintf(out, "proxy_rotation: %s\n", rotations[job->proxy_rotation]);
	}
}

static void print_no_proxy(const struct job *job, FILE *out)
{
	size_t i;

	if (!job->no_proxy_count)
		return;
	fputs("no_proxy:\n", out);
	for (i = 0; i < job->no_proxy_count; i++) {
		fputs("  - ", out);
		job_print_scalar(out, job->no_proxy[i]);
		fputc('\n', out);
	}
}

static void free_proxies(struct job *job)
{
	size_t i;

	for (i = 0; i < job->proxy_count; i++) {
		if (job->proxies[i].url)
			memset(job->proxies[i].url, 0, strlen(job->proxies[i].url));
		free(job->proxies[i].url);
		free(job->proxies[i].shown);
	}
	free(job->proxies);
}

static void free_no_proxy(struct job *job)
{
	size_t i;

	for (i = 0; i < job->no_proxy_count; i++)
		free(job->no_proxy[i]);
	free(job->no_proxy);
	free(job->no_proxy_text);
}

const struct job_key job_proxy_keys[] = {
	{ .name = "proxy", .parse = key_proxy, .print = print_proxy, .release = free_proxies,
	  .help = "the proxy every request goes through (scheme://[USER:PASSWORD@]HOST:PORT), or none" },
	/* printed, and freed, with proxy */
	{ .name = "proxies", .parse = key_proxies,
	  .help = "proxies that take turns, as proxy_rotation says" },
	{ .name = "proxy_rotation", .parse = key_proxy_rotation,
	  .help = "round_robin, per_host or random: which of the proxies a request uses" },
	{ .name = "no_proxy", .parse = key_no_proxy, .print = print_no_proxy, .release = free_no_proxy,
	  .help = "hosts and domains reached directly, not through the proxies" },
	{ .name = NULL },
};
