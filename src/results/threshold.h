/* SPDX-License-Identifier: MIT */
/*
 * Thresholds: the job's pass/fail conditions ("p99 < 250ms",
 * "error_rate < 0.5%"), checked once a run has ended, so CI can gate on a
 * load test by its exit status.  They read a run's result, a plain value
 * (results/run_result.h), never the run.
 */
#ifndef SCRAPE_THRESHOLD_H
#define SCRAPE_THRESHOLD_H

#include <stdio.h>

#include "util/buf.h"

struct job_threshold;
struct run_result;

/* Whether one threshold holds; actual gets the measured value as a person
 * reads it ("180ms", "0.42%"), *value (if not NULL) it in the threshold's
 * unit, or -1 when nothing was measured. */
int threshold_verdict(const struct job_threshold *t, const struct run_result *r, char *actual,
                      size_t len, double *value);

/* Prints one verdict line per threshold of r's job to out (if not NULL)
 * and appends a JSON array of them to json (if not NULL); returns how
 * many failed. */
size_t threshold_check(const struct run_result *r, FILE *out, struct buf *json);

#endif
