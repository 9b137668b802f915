/* SPDX-License-Identifier: MIT */
/*
 * robots.txt as RFC 9309 reads it: the rules of the groups that name our
 * product token (or of the "*" groups when none does), matched against a
 * request's path and query with "*" and "$", the longest pattern winning
 * and allow winning a tie.  Also the non-standard Crawl-delay of those
 * groups, which many sites still rely on.
 */
#ifndef SCRAPE_ROBOTS_H
#define SCRAPE_ROBOTS_H

#include <stddef.h>
#include <stdint.h>

struct robots;

/* Parses the first 500 KiB of body (a line cut by that limit is dropped
 * rather than read short, which could turn "Allow: /x" into "Allow: /").
 * product is our user-agent, e.g. "scrape" or "scrape/1.2": only its
 * product token (letters, digits, "_" and "-") is compared, ignoring case,
 * with the product token of each User-agent line.  Never fails on junk;
 * NULL only when out of memory. */
struct robots *robots_parse(const char *body, size_t len, const char *product);
/* Each Sitemap line of body (the same first 500 KiB), in order: its value
 * with the white space around it (and a # comment) cut off, not
 * NUL-terminated.  Sitemap lines belong to no group of agents. */
void robots_sitemaps(const char *body, size_t len,
                     void (*each)(void *ctx, const char *url, size_t len), void *ctx);
/* For a robots.txt that is missing (4xx): everything allowed. */
struct robots *robots_allow_all(void);
/* For one that could not be had (5xx, no answer): everything disallowed
 * except /robots.txt itself. */
struct robots *robots_deny_all(void);
void robots_free(struct robots *r);

/* 1 if path (path and query as sent, percent-encoded; see url_path_query)
 * may be fetched, else 0.  Escapes are normalised on both sides before
 * matching, as url_normalize_escapes() does, and a literal "*" or "$" in
 * the path matches "%2A" or "%24" in a rule.  Out of memory answers 0. */
int robots_allowed(const struct robots *r, const char *path);
/* The Crawl-delay of the groups that apply, in nanoseconds (the largest
 * if several give one); -1 if none does. */
int64_t robots_crawl_delay_ns(const struct robots *r);

#endif
