/* SPDX-License-Identifier: MIT */
/*
 * The run's cookie jars, on libcurl's cookie engine.  Every jar is a curl
 * share handle holding cookies: `shared` has one for the run, guarded by
 * lock callbacks; `per_worker` has one per easy handle, made the first
 * time that handle is set up.  A strategy keeps one easy handle per worker
 * (the sequential loop, a thread, an event slot, a process), so a jar per
 * handle is a jar per worker, and because the cookies sit in a share
 * rather than in the handle they outlive the handle, to be saved at the
 * end.  A jar starts from cookie_file; cookie_jar gets all of them merged.
 */
#ifndef SCRAPE_COOKIES_H
#define SCRAPE_COOKIES_H

#include <curl/curl.h>
#include <stddef.h>

#include "config/job.h"

struct cookie_jars;

/* The jars of a job, or NULL when its cookies are off.  *failed is set
 * (and NULL returned) when they are on but cannot be made (out of memory). */
struct cookie_jars *cookie_jars_new(const struct job *job, int *failed);
void cookie_jars_free(struct cookie_jars *jars);

/* Before curl_easy_reset: takes easy off its jar, the cookies staying in
 * the jar. */
void cookie_jars_detach(CURL *easy);

/* After curl_easy_reset: puts easy on its jar and turns the cookie engine
 * on.  Thread-safe.  -1 when the jar cannot be made or attached. */
int cookie_jars_attach(struct cookie_jars *jars, CURL *easy);

/* Writes every jar's cookies, merged (one per domain, path and name), to
 * path as a Netscape cookie file, replaced atomically.  Call once no
 * transfer runs.  -1 with a reason in err. */
int cookie_jars_save(struct cookie_jars *jars, const char *path, char *err, size_t errlen);

#endif
