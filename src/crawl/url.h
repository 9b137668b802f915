/* SPDX-License-Identifier: MIT */
/*
 * URL strings for crawling: resolving the links a page contains against
 * the page's URL (RFC 3986 section 5), the canonical form the crawler
 * deduplicates on (the normalisations of RFC 3986 section 6.2.2), and the
 * per-host and robots.txt views of a URL.  Plain string code, no libcurl,
 * so the rules are the RFC's whatever libcurl is installed.  Every
 * function returning char * returns a malloc'd string the caller frees,
 * or NULL (unusable input or out of memory).
 */
#ifndef SCRAPE_URL_H
#define SCRAPE_URL_H

#include <stddef.h>

struct buf;

/* ref resolved against the absolute URL base (RFC 3986 5.2, strict: a
 * reference with its own scheme is absolute as it is).  Before parsing,
 * both strings lose surrounding whitespace and control characters, tabs
 * and line breaks inside are dropped, and octets not allowed anywhere in a
 * URI (space, non-ASCII, "<>\"{}|\\^`") are percent-encoded; existing
 * escapes are left alone.  NULL if either is NULL or base has no scheme. */
char *url_resolve(const char *base, const char *ref);

/* The crawl dedup key: http/https URLs with a host only (else NULL);
 * scheme and host lower-cased, userinfo and fragment dropped, default or
 * empty port removed (a port with leading zeros is written without them; a
 * port that is not a number up to 65535 makes the URL unusable), empty
 * path "/", dot segments removed, escapes normalised as in
 * url_normalize_escapes().  The query is kept as it is (even an empty
 * "?"), its parameters unsorted.  IPv6 literals keep their brackets. */
char *url_canonical(const char *url);

/* "scheme://host[:port]" of an http/https URL, normalised as by
 * url_canonical() (the per-host key); NULL for other schemes. */
char *url_origin(const char *url);

/* The host of any URL with an authority, lower-cased, without userinfo or
 * port ("[::1]" keeps its brackets); NULL if there is none or it is empty. */
char *url_host(const char *url);

/* Path and query as a request sends them: "/" for an empty path, the
 * fragment cut off, nothing decoded (robots.txt rules match this). */
char *url_path_query(const char *url);

/* Appends s to out with percent-encoding normalised: an escape of an
 * unreserved character (ALPHA DIGIT - . _ ~) decoded, other escapes'
 * hex upper-cased; octets not allowed in a URI, a "%" that starts no
 * escape, and any character in escape_also (may be NULL) percent-encoded.
 * Applying it twice gives what applying it once did.  Shared by
 * url_canonical() and the robots.txt matcher, which must compare paths the
 * same way. */
void url_normalize_escapes(struct buf *out, const char *s, size_t len, const char *escape_also);

#endif
