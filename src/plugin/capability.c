/* SPDX-License-Identifier: MIT */
/*
 * The job keys each transport capability answers for.  A strategy on
 * libcurl has them all; one with its own transport lists what it has, and
 * a job that asks for more is refused at load, at the key, rather than
 * run without it.  Keys left at their defaults ask for nothing: under
 * such a strategy the default of compressed simply does not apply, nor
 * that of max_redirects unless it reports Location for the core to follow
 * (SCRAPE_CAP_REDIRECTS; scrape-job(5) says so).
 */
#include <config.h>

#include "plugin/capability.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <scrape/plugin.h>

/* The node of the first key of keys the job gives, NULL-terminated. */
static const struct node *given(const struct job *job, const char *const *keys)
{
	const struct node *n = NULL;

	for (; *keys && !n; keys++)
		n = tree_get(job->tree, *keys);
	return n;
}

static int https_url(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->url_count; i++)
		if (strncasecmp(job->urls[i], "https:", 6) == 0)
			return 1;
	return 0;
}

static int accept_encoding(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->header_count; i++)
		if (strcasecmp(job->headers[i].name, "Accept-Encoding") == 0 && job->headers[i].value[0])
			return 1;
	return 0;
}

/* The first thing the job asks of the transport that caps lacks: its
 * node and words; NULL if none. */
static const struct node *first_missing(const struct job *job, uint32_t caps, const char **what)
{
	static const char *const tls_keys[] = { "ca_file", "client_cert", "client_key", "insecure", NULL };
	static const char *const proxy_keys[] = { "proxy", "proxies", NULL };
	static const char *const cookie_keys[] = { "cookies", "cookie_file", "cookie_jar", NULL };
	const struct node *n;

	if (!(caps & SCRAPE_CAP_HTTP2) && job->http2 != JOB_HTTP2_OFF && (n = tree_get(job->tree, "http2"))) {
		*what = "HTTP/2";
		return n;
	}
	if (!(caps & SCRAPE_CAP_PROXIES) && job->proxy_count > 0 && (n = given(job, proxy_keys))) {
		*what = "proxies";
		return n;
	}
	if (!(caps & SCRAPE_CAP_COOKIES) && job->cookies != JOB_COOKIES_OFF && (n = given(job, cookie_keys))) {
		*what = "cookies";
		return n;
	}
	if (!(caps & SCRAPE_CAP_REDIRECTS) && job->max_redirects > 0 &&
	    (n = tree_get(job->tree, "max_redirects"))) {
		*what = "following redirects";
		return n;
	}
	if (!(caps & SCRAPE_CAP_COMPRESSION) && ((job->compressed > 0 && (n = tree_get(job->tree, "compressed"))) ||
	                                         (accept_encoding(job) && (n = tree_get(job->tree, "headers"))))) {
		*what = "compressed bodies";
		return n;
	}
	if (!(caps & SCRAPE_CAP_HTTPS) &&
	    ((https_url(job) && (n = tree_get(job->tree, "urls"))) || (n = given(job, tls_keys)))) {
		*what = "https";
		return n;
	}
	return NULL;
}

int capability_check(const struct job *job, const char *strategy, uint32_t caps, char *err,
                     size_t errlen)
{
	const char *what = NULL;
	const struct node *n = first_missing(job, caps, &what);
	char where[256];

	if (!n)
		return 0;
	tree_where(n, where, sizeof where);
	snprintf(err, errlen, "%s: the %s strategy does not support %s; use event, which does", where,
	         strategy, what);
	return -1;
}
