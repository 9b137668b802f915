/* SPDX-License-Identifier: MIT */
/*
 * scrape's command line as a plain value: parse_cli() turns argv into a
 * struct cli (options that set job keys become KEY=VALUE overrides, named
 * after the option for messages), prints --help and --version, and refuses
 * bad usage with one line on stderr.  It lives apart from main.c, which
 * runs what the command line asks for, so that the option table can be
 * read (and changed) in one place without the program flow around it.
 */
#ifndef SCRAPE_CLI_ARGS_H
#define SCRAPE_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/segment.h"

enum exit_status {
	EXIT_ALL_OK = 0,
	EXIT_SOME_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_PLUGIN = 3,
	EXIT_INCOMPLETE = 4,         /* --agents: a segment did not report */
};

struct cli {
	const char *config;
	char **overrides;
	char **labels;              /* per override: the option, or NULL for --set */
	size_t override_count;
	char **plugin_dirs;
	size_t plugin_dir_count;
	char **urls;
	size_t url_count;
	char *parsers;              /* --parser values, joined as a YAML list */
	int dry_run, quiet, verbose, list_plugins, json;
	int fresh;                  /* --fresh: a crawl's state starts over */
	int progress;               /* -1: when stderr is a terminal */
	int compare;
	char *compare_list;         /* NULL: all four */
	const char *plugin_help;
	const char *report;
	const char *html;
	int merge;
	const char *metrics_listen; /* --metrics-listen ADDRESS:PORT, or NULL */
	int64_t metrics_linger_ns;  /* --metrics-linger: serve the final figures so long */
	/* --segment I/N, SCRAPE_SEGMENT, or --segments N with JOB_COMPLETION_INDEX */
	struct segment segment;
	int64_t start_at_ns;        /* --start-at, CLOCK_REALTIME; 0: at once */
	const char *run_id;         /* --run-id, or NULL */
	int schedule;               /* --schedule: print the start times, run nothing */
	int agent;                  /* scrape agent: serve jobs from Redis */
	const char *redis;          /* scrape agent --redis URL */
	const char *agents;         /* --agents URL: hand the job to agents */
	unsigned agents_count;      /* --agents-count N */
	int64_t agents_wait_ns;     /* --agents-wait D: how long to wait for them (0: for ever) */
	int agents_wait_given;
};

/* 0, or -1: exit with status *status (help, version, or a usage error,
 * already reported). */
int parse_cli(int argc, char **argv, struct cli *cli, int *status);
void free_cli(struct cli *cli);

#endif
