/* SPDX-License-Identifier: MIT */
/*
 * The command-line parser (see args.h).  Options that only set a job key
 * are rows of one table (option, key, name in messages); the few that do
 * more each have a case in other_option().  --help's text and --version's
 * library versions are here too, being what the parser prints.
 */
#include <config.h>

#include "cli/args.h"

#include <curl/curl.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <scrape/plugin.h>

#include "config/units.h"
#include "util/redis.h"
#include "util/log.h"

static void usage(FILE *out)
{
	fputs("Usage: scrape -c JOB.yaml [OPTION]...\n"
	      "       scrape [OPTION]... URL...\n"
	      "Fetch URLs as a job describes: concurrently through a strategy plugin, parse\n"
	      "each response with parser plugins, write one record per response.\n"
	      "\n"
	      "Job:\n"
	      "  -c, --config FILE      the job file (YAML, see scrape-job(5))\n"
	      "      --set KEY=VALUE    override a job key; VALUE is YAML, KEY may be dotted\n"
	      "                         (output.path); repeatable\n"
	      "  -s, --strategy NAME    how to run transfers: sequential, ...\n"
	      "  -w, --workers N        transfers at once\n"
	      "  -r, --rate-limit RATE  requests started per second, e.g. 100/s or 6000/m\n"
	      "  -b, --batch-size N     start N requests, wait for all of them, repeat\n"
	      "  -n, --repeat N         fetch the URL list N times\n"

	      "  -t, --timeout DURATION limit for one transfer, e.g. 10s\n"
	      "      --retries N        retry a failed transfer up to N times\n"
	      "  -p, --parser NAME      run this parser (repeatable; replaces the job's list)\n"
	      "  -o, --output PATH      write records to PATH (- for standard output)\n"
	      "      --output-format F  record format: jsonl, csv or sqlite\n"
	      "      --dry-run          check the job and plugins, print the resolved job, stop\n"
	      "      --fresh            start a crawl with crawl.state over instead of resuming\n"
	      "      --compare [LIST]   run the job once per strategy (default: all four, or\n"
	      "                         e.g. sequential,event) and print a comparison table\n"
	      "\n"
	      "Load tests:\n"
	      "  -d, --duration D       run for D (e.g. 30s), cycling through the URLs\n"
	      "      --requests N       stop after N requests\n"
	      "      --rate RATE        open model: start RATE requests a second (e.g. 500/s)\n"
	      "                         on schedule, however the server answers\n"
	      "      --max-connections N  open model: transfers in flight at most\n"
	      "      --warmup D         leave the first D of the run out of the statistics\n"
	      "      --merge REPORT...  one summary for --report files of runs that went side\n"
	      "                         by side (counts add up, percentiles from the buckets);\n"
	      "                         with -c JOB, the job's thresholds on the merged figures\n"
	      "\n"
	      "Several machines (one job split into N segments that together are the job):\n"
	      "      --segment I/N      run segment I (1 to N) of N: every N-th scheduled start\n"
	      "                         or URL, a share of workers and limits (also\n"
	      "                         SCRAPE_SEGMENT=I/N in the environment)\n"
	      "      --segments N       the same, I from JOB_COMPLETION_INDEX + 1 (Kubernetes)\n"
	      "      --start-at TIME    start at TIME (2026-01-01T12:00:00Z, or +5s from now),\n"
	      "                         so the segments start together\n"
	      "      --run-id ID        the run the segments belong to (default: from\n"
	      "                         --start-at and the job), checked by --merge\n"
	      "      --schedule         print the open model's start times of this segment\n"
	      "                         (global index, nanoseconds from the start) and stop\n"
	      "      --agents URL       hand the job to agents waiting at this Redis\n"
	      "                         (redis://HOST:PORT/DB), one segment each, and print\n"
	      "                         the merged verdict (exit 4: a segment did not report)\n"
	      "      --agents-count N   how many agents: wait for N idle ones\n"
	      "      --agents-wait D    give up when they are not all there after D\n"
	      "                         (default 5m; 0s: wait for ever)\n"
	      "  scrape agent --redis URL  wait at this Redis for jobs of --agents, run the\n"
	      "                         segment given, report; repeat until SIGINT/SIGTERM\n"
	      "\n"
	      "Messages:\n"
	      "  -q, --quiet            no line per download, only the summary (and the\n"
	      "                         progress line on a terminal)\n"
	      "  -v, --verbose          more detail (twice for debug)\n"
	      "      --format FORMAT    summary and comparison as text (default) or json\n"
	      "      --report FILE      also write the run summary as JSON to FILE\n"
	      "      --html FILE        also write a self-contained HTML report with charts\n"
	      "      --progress         draw the progress line on stderr even if it is no\n"
	      "                         terminal (by default only on a terminal)\n"
	      "      --no-progress      never draw the progress line\n"
	      "      --metrics-listen ADDRESS:PORT  serve live figures for Prometheus at\n"
	      "                         http://ADDRESS:PORT/metrics while the run goes\n"
	      "                         (e.g. 127.0.0.1:9100, [::1]:9100; port 0: any free one)\n"
	      "      --metrics-linger D after the run, keep serving its final figures for D\n"
	      "                         (or until SIGINT/SIGTERM), so a last scrape sees them\n"
	      "\n"
	      "Plugins:\n"
	      "      --plugin-dir DIR   search DIR for plugins first (repeatable)\n"
	      "      --list-plugins     list the plugins that can be found\n"
	      "      --plugin-help NAME show a plugin's job keys\n"
	      "\n"
	      "  -V, --version          print versions of scrape and its libraries\n"
	      "  -h, --help             print this help\n"
	      "\n"
	      "Exit status: 0 all requests fine (or, with thresholds, all thresholds met),\n"
	      "1 some failed (a threshold failed), 2 usage or job error, 3 plugin error,\n"
	      "4 an --agents run incomplete (a segment did not report), 130/143 stopped by SIGINT/SIGTERM.  See scrape(1).\n",
	      out);
}

static void print_version(void)
{
	curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	int xml = atoi(xmlParserVersion);

	printf("scrape %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, SCRAPE_ABI_MAJOR, SCRAPE_ABI_MINOR);
	printf("libcurl %s%s%s\n", curl->version, curl->ssl_version ? ", " : "",
	       curl->ssl_version ? curl->ssl_version : "");
	printf("libxml2 %d.%d.%d\n", xml / 10000, xml / 100 % 100, xml % 100);
	printf("libyaml %s\n", yaml_get_version_string());
}

static int push(char ***list, size_t *count, const char *value)
{
	char **grown = realloc(*list, (*count + 1) * sizeof *grown);

	if (!grown)
		return -1;
	*list = grown;
	if (!(grown[*count] = strdup(value)))
		return -1;
	(*count)++;
	return 0;
}

/* KEY=VALUE for a named option such as -w: the value is text, never YAML
 * ("-o -" must not become a list), and messages name the option. */
static int push_override(struct cli *cli, const char *key, const char *value, const char *label)
{
	char *spec, *name = NULL;
	int rc;

	if (asprintf(&spec, "%s=%s", key, value) < 0)
		return -1;
	if (label && !(name = strdup(label))) {
		free(spec);
		return -1;
	}
	rc = push(&cli->overrides, &cli->override_count, spec);
	free(spec);
	if (rc == 0) {
		char **grown = realloc(cli->labels, cli->override_count * sizeof *grown);
		if (!grown) {
			free(name);
			return -1;
		}
		cli->labels = grown;
		grown[cli->override_count - 1] = name;
	} else {
		free(name);
	}
	return rc;
}

static int add_parser(struct cli *cli, const char *name)
{
	char *joined;

	if (asprintf(&joined, "%s%s%s", cli->parsers ? cli->parsers : "", cli->parsers ? ", " : "",
	             name) < 0)
		return -1;
	free(cli->parsers);
	cli->parsers = joined;
	return 0;
}

void free_cli(struct cli *cli)
{
	size_t i;

	for (i = 0; i < cli->override_count; i++) {
		free(cli->overrides[i]);
		free(cli->labels[i]);
	}
	free(cli->overrides);
	free(cli->labels);
	for (i = 0; i < cli->plugin_dir_count; i++)
		free(cli->plugin_dirs[i]);
	free(cli->plugin_dirs);
	for (i = 0; i < cli->url_count; i++)
		free(cli->urls[i]);
	free(cli->urls);
	free(cli->parsers);
	free(cli->compare_list);
}

enum {
	OPT_SET = 256, OPT_RETRIES, OPT_DRY_RUN, OPT_FRESH, OPT_PLUGIN_DIR, OPT_LIST, OPT_PLUGIN_HELP,
	OPT_OUTPUT_FORMAT, OPT_FORMAT, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_COMPARE, OPT_REPORT,
	OPT_HTML, OPT_RATE, OPT_REQUESTS, OPT_MAX_CONNECTIONS, OPT_WARMUP, OPT_MERGE, OPT_METRICS_LISTEN,
	OPT_METRICS_LINGER, OPT_SEGMENT, OPT_SEGMENTS, OPT_START_AT, OPT_RUN_ID, OPT_SCHEDULE,
	OPT_REDIS, OPT_AGENTS, OPT_AGENTS_COUNT, OPT_AGENTS_WAIT,
};

static const char short_options[] = ":c:s:w:r:b:n:d:t:p:o:qvVh";

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, OPT_SET },
	{ "strategy", required_argument, NULL, 's' },
	{ "workers", required_argument, NULL, 'w' },
	{ "rate-limit", required_argument, NULL, 'r' },
	{ "batch-size", required_argument, NULL, 'b' },
	{ "repeat", required_argument, NULL, 'n' },
	{ "duration", required_argument, NULL, 'd' },
	{ "requests", required_argument, NULL, OPT_REQUESTS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "parser", required_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
	{ "metrics-linger", required_argument, NULL, OPT_METRICS_LINGER },
	{ "segment", required_argument, NULL, OPT_SEGMENT },
	{ "segments", required_argument, NULL, OPT_SEGMENTS },
	{ "start-at", required_argument, NULL, OPT_START_AT },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	{ "schedule", no_argument, NULL, OPT_SCHEDULE },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "agents", required_argument, NULL, OPT_AGENTS },
	{ "agents-count", required_argument, NULL, OPT_AGENTS_COUNT },
	{ "agents-wait", required_argument, NULL, OPT_AGENTS_WAIT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "fresh", no_argument, NULL, OPT_FRESH },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
	{ "list-plugins", no_argument, NULL, OPT_LIST },
	{ "plugin-help", required_argument, NULL, OPT_PLUGIN_HELP },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Options that set one job key to their value, as text: the key, and the
 * option as messages about the value name it. */
static const struct key_option {
	int code;
	const char *key;
	const char *label;
} key_options[] = {
	{ 's', "strategy", "--strategy" },
	{ 'w', "workers", "--workers" },
	{ 'r', "rate_limit", "--rate-limit" },
	{ 'b', "batch_size", "--batch-size" },
	{ 'n', "repeat", "--repeat" },
	{ 'd', "duration", "--duration" },
	{ OPT_REQUESTS, "requests", "--requests" },
	{ OPT_RATE, "rate", "--rate" },
	{ OPT_MAX_CONNECTIONS, "max_connections", "--max-connections" },
	{ OPT_WARMUP, "warmup", "--warmup" },
	{ 't', "timeout", "--timeout" },
	{ OPT_RETRIES, "retries", "--retries" },
	{ 'o', "output.path", "--output" },
	{ OPT_OUTPUT_FORMAT, "output.format", "--output-format" },
};

/* What handling one option led to: go on, out of memory (reported by the
 * caller), or stop with *status (already reported). */
enum { OPTION_OK = 0, OPTION_NO_MEMORY = -1, OPTION_STOP = 1 };

static const struct key_option *key_option(int code)
{
	size_t i;

	for (i = 0; i < sizeof key_options / sizeof key_options[0]; i++)
		if (key_options[i].code == code)
			return &key_options[i];
	return NULL;
}

/* --set KEY=VALUE: the value is YAML, and messages name the key. */
static int set_option(struct cli *cli, const char *arg)
{
	char *key;
	int rc;

	if (!strchr(arg, '=') || arg[0] == '=') {
		log_fatal("--set %s: expected KEY=VALUE", arg);
		return OPTION_STOP;
	}
	key = strndup(arg, (size_t)(strchr(arg, '=') - arg));
	rc = key ? push_override(cli, key, strchr(arg, '=') + 1, NULL) : -1;
	free(key);
	return rc < 0 ? OPTION_NO_MEMORY : OPTION_OK;
}

/* --compare [LIST]: an optional list as the next word, names and commas
 * only. */
static int compare_option(struct cli *cli, int argc, char **argv)
{
	cli->compare = 1;
	if (optind < argc && argv[optind][0] &&
	    strspn(argv[optind], "abcdefghijklmnopqrstuvwxyz0123456789_-,") == strlen(argv[optind]) &&
	    argv[optind][0] != '-') {
		free(cli->compare_list);
		cli->compare_list = strdup(argv[optind++]);
		if (!cli->compare_list)
			return OPTION_NO_MEMORY;
	}
	return OPTION_OK;
}

/* --segment, --segments, --start-at and --run-id: checked here, so a
 * mistake stops the run before any job is read. */
static int segment_option(int c, struct cli *cli)
{
	const char *why;
	char reason[160];

	switch (c) {
	case OPT_SEGMENT:
		if (segment_parse(optarg, &cli->segment, &why) == 0)
			return OPTION_OK;
		log_fatal("--segment \"%s\": %s", optarg, why);
		return OPTION_STOP;
	case OPT_SEGMENTS:
		if (segment_from_index(optarg, getenv("JOB_COMPLETION_INDEX"), &cli->segment, &why) == 0)
			return OPTION_OK;
		log_fatal("--segments %s: %s", optarg, why);
		return OPTION_STOP;
	case OPT_START_AT:
		if (segment_parse_start(optarg, segment_wall_ns(), &cli->start_at_ns, reason,
		                        sizeof reason) == 0)
			return OPTION_OK;
		log_fatal("--start-at \"%s\": %s", optarg, reason);
		return OPTION_STOP;
	default:
		if (segment_run_id_valid(optarg) == 0) {
			cli->run_id = optarg;
			return OPTION_OK;
		}
		log_fatal("--run-id \"%s\": 1 to %d letters, digits, '.', '_', ':' or '-'", optarg,
		          SEGMENT_RUN_ID_MAX);
		return OPTION_STOP;
	}
}

/* SCRAPE_SEGMENT=I/N when no option chose a segment. */
static int segment_from_environment(struct cli *cli)
{
	const char *text = getenv("SCRAPE_SEGMENT"), *why;

	if (!text || cli->segment.count)
		return 0;
	if (segment_parse(text, &cli->segment, &why) == 0)
		return 0;
	log_fatal("SCRAPE_SEGMENT \"%s\": %s", text, why);
	return -1;
}

/* A missing value or an unknown option. */
static int bad_option(int c, char **argv)
{
	if (c == ':')
		log_fatal("option %s needs a value (try scrape --help)", argv[optind - 1]);
	else if (optopt)
		log_fatal("unknown option -%c (try scrape --help)", optopt);
	else
		log_fatal("unknown option %s (try scrape --help)", argv[optind - 1]);
	return OPTION_STOP;
}

/* Every option but those of key_options. */
static int other_option(int c, int argc, char **argv, struct cli *cli, int *status)
{
	switch (c) {
	case 'c': cli->config = optarg; break;
	case OPT_SET: return set_option(cli, optarg);
	case 'p': return add_parser(cli, optarg) < 0 ? OPTION_NO_MEMORY : OPTION_OK;
	case OPT_FORMAT:
		if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
			log_fatal("--format takes text or json, not \"%s\"", optarg);
			return OPTION_STOP;
		}
		cli->json = strcmp(optarg, "json") == 0;
		break;
	case OPT_PROGRESS: cli->progress = 1; break;
	case OPT_NO_PROGRESS: cli->progress = 0; break;
	case OPT_REPORT: cli->report = optarg; break;
	case OPT_HTML: cli->html = optarg; break;
	case OPT_MERGE: cli->merge = 1; break;
	case OPT_METRICS_LISTEN: cli->metrics_listen = optarg; break;
	case OPT_METRICS_LINGER: {
		const char *why;
		if (units_duration(optarg, &cli->metrics_linger_ns, &why) < 0) {
			log_fatal("--metrics-linger \"%s\": %s", optarg, why);
			return OPTION_STOP;
		}
		break;
	}
	case OPT_COMPARE: return compare_option(cli, argc, argv);
	case OPT_SEGMENT: case OPT_SEGMENTS: case OPT_START_AT: case OPT_RUN_ID:
		return segment_option(c, cli);
	case OPT_SCHEDULE: cli->schedule = 1; break;
	case OPT_REDIS: cli->redis = optarg; break;
	case OPT_AGENTS: cli->agents = optarg; break;
	case OPT_AGENTS_COUNT: {
		char *end;
		unsigned long n = strtoul(optarg, &end, 10);
		if (end == optarg || *end || optarg[0] == '-' || n < 1 || n > SEGMENT_MAX) {
			log_fatal("--agents-count \"%s\": a number of agents from 1 to %d", optarg, SEGMENT_MAX);
			return OPTION_STOP;
		}
		cli->agents_count = (unsigned)n;
		break;
	}
	case OPT_AGENTS_WAIT: {
		const char *why;
		if (units_duration(optarg, &cli->agents_wait_ns, &why) < 0) {
			log_fatal("--agents-wait \"%s\": %s", optarg, why);
			return OPTION_STOP;
		}
		cli->agents_wait_given = 1;
		break;
	}
	case OPT_DRY_RUN: cli->dry_run = 1; break;
	case OPT_FRESH: cli->fresh = 1; break;
	case 'q': cli->quiet = 1; break;
	case 'v': cli->verbose++; break;
	case OPT_PLUGIN_DIR:
		return push(&cli->plugin_dirs, &cli->plugin_dir_count, optarg) < 0 ? OPTION_NO_MEMORY
		                                                                   : OPTION_OK;
	case OPT_LIST: cli->list_plugins = 1; break;
	case OPT_PLUGIN_HELP: cli->plugin_help = optarg; break;
	case 'V':
		print_version();
		*status = EXIT_ALL_OK;
		return OPTION_STOP;
	case 'h':
		usage(stdout);
		*status = EXIT_ALL_OK;
		return OPTION_STOP;
	default:
		return bad_option(c, argv);
	}
	return OPTION_OK;
}

/* A redis:// URL of option, checked now so a typo stops before anything
 * waits on it. */
static int check_redis_url(const char *option, const char *text)
{
	struct redis_url url;
	char why[300];

	if (redis_url_parse(text, &url, why, sizeof why) < 0) {
		log_fatal("%s %s", option, why);
		return -1;
	}
	redis_url_free(&url);
	return 0;
}

/* scrape agent, and --agents with what it cannot go with. */
static int check_agents(const struct cli *cli)
{
	if (cli->agent) {
		if (!cli->redis) {
			log_fatal("scrape agent needs --redis redis://HOST:PORT/DB (where the controller "
			          "hands out jobs)");
			return -1;
		}
		if (cli->config || cli->url_count || cli->override_count || cli->agents || cli->merge) {
			log_fatal("scrape agent takes its jobs from Redis: give only --redis and message or "
			          "plugin options");
			return -1;
		}
		return check_redis_url("--redis", cli->redis);
	}
	if (cli->redis) {
		log_fatal("--redis is for scrape agent; the controller's option is --agents");
		return -1;
	}
	if (cli->agents_wait_given && !cli->agents) {
		log_fatal("--agents-wait needs --agents redis://HOST:PORT/DB");
		return -1;
	}
	if (!cli->agents || !cli->agents_count) {
		log_fatal("%s", cli->agents ? "--agents needs --agents-count N (how many agents to wait for)"
		                            : "--agents-count needs --agents redis://HOST:PORT/DB");
		return -1;
	}
	if (cli->segment.count || cli->start_at_ns || cli->run_id || cli->schedule) {
		log_fatal("--agents hands out the segments and the start itself: leave out --segment, "
		          "--segments, SCRAPE_SEGMENT, --start-at, --run-id and --schedule");
		return -1;
	}
	if (cli->compare || cli->merge || cli->dry_run || cli->metrics_listen || cli->report) {
		log_fatal("--agents cannot be used with --compare, --merge, --dry-run, --metrics-listen "
		          "or --report");
		return -1;
	}
	if (!cli->config) {
		log_fatal("--agents needs the job file: -c JOB.yaml");
		return -1;
	}
	return check_redis_url("--agents", cli->agents);
}

/* After the options: the URLs, the --parser list, and whether there is a
 * job at all. */
static int finish_cli(int argc, char **argv, struct cli *cli)
{
	for (; optind < argc; optind++)
		if (push(&cli->urls, &cli->url_count, argv[optind]) < 0)
			return -1;
	if (cli->parsers) {
		char *list;
		if (asprintf(&list, "[%s]", cli->parsers) < 0 ||
		    push_override(cli, "parsers", list, NULL) < 0)
			return -1;
		free(list);
	}
	if (cli->agent || cli->agents || cli->redis || cli->agents_count || cli->agents_wait_given)
		return check_agents(cli);
	if (!cli->config && cli->url_count == 0 && cli->override_count == 0 && !cli->list_plugins &&
	    !cli->plugin_help) {
		log_fatal("no job: give -c JOB.yaml or URLs (try scrape --help)");
		return -1;
	}
	return 0;
}

int parse_cli(int argc, char **argv, struct cli *cli, int *status)
{
	const struct key_option *k;
	int c, rc;

	*status = EXIT_USAGE;
	cli->progress = -1;
	opterr = 0;
	if (argc > 1 && strcmp(argv[1], "agent") == 0) {
		/* a subcommand: getopt starts after it */
		cli->agent = 1;
		optind = 2;
	}
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		k = key_option(c);
		if (k)
			rc = push_override(cli, k->key, optarg, k->label) < 0 ? OPTION_NO_MEMORY : OPTION_OK;
		else
			rc = other_option(c, argc, argv, cli, status);
		if (rc == OPTION_STOP)
			return -1;
		if (rc == OPTION_NO_MEMORY) {
			log_fatal("out of memory");
			return -1;
		}
	}
	if (!cli->merge && !cli->list_plugins && !cli->plugin_help && !cli->agent &&
	    segment_from_environment(cli) < 0)
		return -1;
	return finish_cli(argc, argv, cli);
}
