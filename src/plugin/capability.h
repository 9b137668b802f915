/* SPDX-License-Identifier: MIT */
/*
 * Whether a strategy can run a job: the job's keys that need a transport
 * feature (HTTP/2, proxies, compression, cookies, redirects, TLS) held
 * against the capability bits the strategy declares (plugin ABI 1.2).
 */
#ifndef SCRAPE_CAPABILITY_H
#define SCRAPE_CAPABILITY_H

#include <stddef.h>
#include <stdint.h>

#include "config/job.h"

/* 0 if a strategy with caps (loader_capabilities) can run the job; else
 * -1 with "FILE:LINE:COL: why; what to use" in err, at the key that asks
 * for what the strategy cannot do. */
int capability_check(const struct job *job, const char *strategy, uint32_t caps, char *err,
                     size_t errlen);

#endif
