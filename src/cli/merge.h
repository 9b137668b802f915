/* SPDX-License-Identifier: MIT */
/*
 * --merge REPORT.json...: one summary for several runs that went side by
 * side (load generators on several machines, or several scrapes on one).
 * Counters add up; latency percentiles come from the reports' histogram
 * buckets added together, so they are exact to the histogram's precision,
 * not an average of percentiles.  Reports are untrusted input: they are
 * read with the core's JSON reader (json.h) and every number is checked
 * before it is used.
 */
#ifndef SCRAPE_MERGE_H
#define SCRAPE_MERGE_H

#include <stddef.h>

struct job;

struct merge_settings {
	int json;                   /* the summary as JSON */
	/* -c JOB: its thresholds are checked on the merged figures, and the
	 * reports must be of it (job_hash); NULL: none */
	struct job *job;
	const char *job_path;
	const char *job_hash;
	const char *html_path;      /* --html: needs the job */
};

/* Prints the merged summary (text, or JSON when json is set) to stdout.
 * Exit status: 0, 1 when a merged run had failures or a threshold failed,
 * 2 when a report cannot be read or the reports do not make one run (one
 * line on stderr names the file and why). */
int merge_reports(char *const *paths, size_t count, const struct merge_settings *settings);

/* Reads one report's text as --merge of it alone would and prints
 * nothing: 0, or -1 with the reason in why.  The entry point for fuzzing harnesses. */
int merge_check_text(const char *text, size_t len, char *why, size_t why_len);

#endif
