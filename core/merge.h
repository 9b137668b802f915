/* SPDX-License-Identifier: MIT */
/*
 * --merge REPORT.json...: one summary for several runs that went side by
 * side (load generators on several machines, or several scrapes on one).
 * Counters add up; latency percentiles come from the reports' histogram
 * buckets added together, so they are exact to the histogram's precision,
 * not an average of percentiles.
 */
#ifndef SCRAPE_MERGE_H
#define SCRAPE_MERGE_H

#include <stddef.h>

/* Prints the merged summary (text, or JSON when json is set) to stdout.
 * Exit status: 0, 1 when a merged run had failures, 2 when a report
 * cannot be read (one line on stderr names the file and why). */
int merge_reports(char *const *paths, size_t count, int json);

#endif
