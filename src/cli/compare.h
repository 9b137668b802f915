/* SPDX-License-Identifier: MIT */
/*
 * --compare: the same job once per strategy, each in a fresh child process
 * so its CPU time and peak memory are its own, then one table side by side.
 */
#ifndef SCRAPE_COMPARE_H
#define SCRAPE_COMPARE_H

#include <stdio.h>

#include "engine/run.h"

/* Runs the job under one strategy (in the child) and fills the summary;
 * returns the run's exit status. */
typedef int (*compare_run_fn)(const char *strategy, struct run_summary *out, void *ctx);

/* Runs each named strategy and prints the table (or JSON).  Returns the
 * worst exit status of the runs (0 when all were clean). */
int compare_strategies(char *const *names, size_t count, compare_run_fn run, void *ctx, int json,
                       FILE *out);

#endif
