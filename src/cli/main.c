/* SPDX-License-Identifier: MIT */
/*
 * scrape's command line: read the job, load and check the plugins, run the
 * job with its strategy, report.  Every way this can go wrong ends in one
 * line on stderr and a documented exit status: 0 all fine, 1 some requests
 * failed, 2 a usage or job error, 3 a plugin that cannot be used, 128+N
 * when stopped by signal N.  Parsing the options into a struct cli is
 * args.c's; this file is the program's flow once they are known.
 */
#include <config.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/buf.h"
#include "cli/agents.h"
#include "cli/args.h"
#include "cli/compare.h"
#include "plugin/capability.h"
#include "plugin/host.h"
#include "config/job.h"
#include "plugin/loader.h"
#include "util/log.h"
#include "cli/merge.h"
#include "config/plugin_options.h"
#include "report/metrics.h"
#include "report/progress.h"
#include "engine/run.h"
#include "engine/segment.h"

/* run_with_plugins(): check the job and plugins, and print it or not. */
enum { DRY_RUN_CHECK = 1, DRY_RUN_PRINT = 2 };

static const char *const all_strategies[] = { "sequential", "threaded", "event", "multiprocess", "lean" };

/* --metrics-listen's server, bound before the run and serving it while
 * it goes; NULL without the option. */
static struct metrics_server *metrics;

/* A plugin instance of the job: loaded, configured, created. */
struct instance {
	struct loaded_plugin loaded;
	struct scrape_options *opts;
	void *state;
	int created;
};

static int plugin_help(const struct loader_paths *paths, const char *name)
{
	static const enum scrape_plugin_kind kinds[] = { SCRAPE_KIND_STRATEGY, SCRAPE_KIND_PARSER };
	int found = 0, status = EXIT_ALL_OK;
	size_t k;

	for (k = 0; k < 2; k++) {
		struct loaded_plugin p;
		const char *base = strrchr(name, '/');

		/* a path names its kind in the file name: strategy_x.so, parser_y.so */
		if (base && strncmp(base + 1, loader_kind_name(kinds[k]), strlen(loader_kind_name(kinds[k]))) != 0)
			continue;
		char err[512];
		enum loader_status rc = loader_open(paths, kinds[k], name, &p, err, sizeof err);

		if (rc == LOADER_NOT_FOUND)
			continue;
		found = 1;
		if (rc != LOADER_OK) {
			log_fatal("%s", err);
			status = EXIT_PLUGIN;
			continue;
		}
		options_print_help(p.desc, stdout);
		loader_close(&p);
	}
	if (!found) {
		log_fatal("no strategy or parser named \"%s\" (scrape --list-plugins shows them)", name);
		return EXIT_USAGE;
	}
	return status;
}

/* The job's entry for a plugin, or a stand-in for a default. */
static const struct node *entry_of(const struct job_plugin *ref)
{
	static const struct node defaulted = {
		.kind = NODE_SCALAR, .source = "(default strategy)", .line = 1, .col = 1,
	};

	return ref->entry ? ref->entry : &defaulted;
}

static int open_instance(const struct loader_paths *paths, enum scrape_plugin_kind kind,
                         const struct job_plugin *ref, struct instance *inst)
{
	const struct node *entry = entry_of(ref);
	char err[1024];
	enum loader_status rc;

	memset(inst, 0, sizeof *inst);
	rc = loader_open(paths, kind, ref->name, &inst->loaded, err, sizeof err);
	if (rc == LOADER_NOT_FOUND) {
		size_t count;
		char **names = loader_names(paths, kind, &count);
		const char *hint = job_suggest(ref->name, (const char *const *)names, count);
		const struct node *at = entry->kind == NODE_MAP ? tree_get(entry, "name") : entry;

		if (!at)
			at = entry;
		if (strchr(ref->name, '/'))
			log_located("%s:%d:%d: %s", at->source, at->line, at->col, err);
		else if (hint)
			log_located("%s:%d:%d: %s (did you mean \"%s\"?)", at->source, at->line, at->col, err,
			            hint);
		else
			log_located("%s:%d:%d: %s (scrape --list-plugins shows what is installed)", at->source,
			            at->line, at->col, err);
		loader_free_names(names, count);
		return EXIT_USAGE;
	}
	if (rc != LOADER_OK) {
		log_fatal("%s", err);
		return EXIT_PLUGIN;
	}
	inst->opts = options_build(inst->loaded.desc, entry, err, sizeof err);
	if (!inst->opts) {
		log_located("%s", err);
		return EXIT_USAGE;
	}
	return EXIT_ALL_OK;
}

static int create_instance(struct instance *inst)
{
	const struct scrape_plugin *d = inst->loaded.desc;

	if (!d->create) {
		inst->created = 1;
		return EXIT_ALL_OK;
	}
	if (d->create(&host_table, inst->opts, &inst->state) != 0) {
		const char *why = options_failure(inst->opts);
		if (why) {
			log_located("%s", why);
			return EXIT_USAGE;
		}
		log_fatal("plugin \"%s\" (%s): could not start (its create() failed); see the messages above",
		          d->name, inst->loaded.path);
		return EXIT_PLUGIN;
	}
	inst->created = 1;
	return EXIT_ALL_OK;
}

static void close_instance(struct instance *inst)
{
	if (inst->created && inst->loaded.desc->destroy)
		inst->loaded.desc->destroy(inst->state);
	options_free(inst->opts);
	loader_close(&inst->loaded);
	memset(inst, 0, sizeof *inst);
}

static int execute(const struct job *job, struct instance *strategy, struct instance *parsers,
                   size_t parser_count, const struct run_settings *base, struct run_summary *summary)
{
	struct parser_instance *active = calloc(parser_count ? parser_count : 1, sizeof *active);
	struct run_settings settings = *base;
	struct scrape_run run;
	char err[512];
	int status, reported, strategy_failed;
	size_t i;

	if (!active) {
		log_error("out of memory");
		return EXIT_SOME_FAILED;
	}
	for (i = 0; i < parser_count; i++) {
		active[i].plugin = parsers[i].loaded.desc;
		active[i].state = parsers[i].state;
	}
	/* with records on stdout, the human-readable lines move to stderr */
	settings.lines = job->output_path && strcmp(job->output_path, "-") == 0 ? stderr : stdout;
	if (run_init(&run, job, active, parser_count, &settings, err, sizeof err) < 0) {
		log_fatal("%s", err);
		run_free(&run);
		free(active);
		return EXIT_USAGE;
	}
	if (settings.progress)
		run.progress = run_progress_start(&run);
	if (metrics)
		metrics_attach(metrics, run_metrics_snapshot, &run);
	agent_feed_attach(run_metrics_snapshot, &run);
	strategy_failed = strategy->loaded.desc->strategy->run(strategy->state, &run) != 0;
	if (strategy_failed)
		log_error("strategy \"%s\" failed; the summary covers what finished",
		          strategy->loaded.desc->name);
	run.end_ns = run_now_ns();
	run_drain(&run);
	progress_stop(run.progress);
	run.progress = NULL;
	status = run_close_output(&run) < 0 ? EXIT_SOME_FAILED : EXIT_ALL_OK;
	/* saved whatever the run's outcome: an interrupted session is still one */
	if (job->cookie_jar && run.fetch.cookies &&
	    cookie_jars_save(run.fetch.cookies, job->cookie_jar, err, sizeof err) < 0) {
		log_error("cannot write cookie_jar %s: %s", job->cookie_jar, err);
		status = EXIT_SOME_FAILED;
	}
	reported = run_report(&run);
	/* after the report, so a scraper that sees the final figures finds
	 * the report file written */
	if (metrics)
		metrics_detach(metrics);
	agent_feed_detach();
	if (reported != 0)
		status = reported;
	else if (strategy_failed)
		status = EXIT_SOME_FAILED;
	if (summary)
		run_summarize(&run, summary);
	run_free(&run);
	free(active);
	return status;
}

static struct run_settings settings_of(const struct cli *cli)
{
	struct run_settings s = {
		.quiet = cli->quiet, .verbose = cli->verbose, .json = cli->json,
		.report_path = cli->report, .html_path = cli->html, .job_path = cli->config,
	};

	/* -q drops the per-download lines, not the progress line: a long quiet
	 * run on a terminal would otherwise show nothing until it ends */
	s.progress = cli->progress >= 0 ? cli->progress : isatty(STDERR_FILENO);
	return s;
}

/* Whether a strategy promises to keep the open model's schedule. */
static int open_model_capable(const struct loaded_plugin *p)
{
	return (loader_capabilities(p->desc) & SCRAPE_CAP_OPEN_MODEL) != 0;
}

/* Opens and creates the job's strategy and parsers, runs the job (or
 * prints it for --dry-run), and closes them again. */
static int run_with_plugins(struct job *job, const struct loader_paths *paths,
                            const struct run_settings *settings, int dry_run,
                            struct run_summary *summary)
{
	struct instance strategy, *parsers;
	char err[512];
	int status;
	size_t i, opened = 0;

	parsers = calloc(job->parser_count ? job->parser_count : 1, sizeof *parsers);
	memset(&strategy, 0, sizeof strategy);
	status = parsers ? open_instance(paths, SCRAPE_KIND_STRATEGY, &job->strategy, &strategy)
	                 : EXIT_PLUGIN;
	for (i = 0; status == EXIT_ALL_OK && i < job->parser_count; i++, opened++)
		status = open_instance(paths, SCRAPE_KIND_PARSER, &job->parsers[i], &parsers[i]);
	/* (--compare checks each of its strategies itself) */
	if (status == EXIT_ALL_OK && job->open_model && dry_run != DRY_RUN_CHECK &&
	    !open_model_capable(&strategy.loaded)) {
		char where[256];
		tree_where(tree_get(job->tree, job->stage_count ? "stages" : "rate"), where, sizeof where);
		log_located("%s: the %s strategy cannot keep a schedule (\"%s\" is the open model); use event, threaded or lean",
		            where, strategy.loaded.desc->name, job->stage_count ? "stages" : "rate");
		status = EXIT_USAGE;
	}
	if (status == EXIT_ALL_OK &&
	    capability_check(job, strategy.loaded.desc->name, loader_capabilities(strategy.loaded.desc), err,
	                     sizeof err) < 0) {
		log_located("%s", err);
		status = EXIT_USAGE;
	}
	if (status == EXIT_ALL_OK)
		status = create_instance(&strategy);
	for (i = 0; status == EXIT_ALL_OK && i < opened; i++)
		status = create_instance(&parsers[i]);
	if (status == EXIT_ALL_OK && dry_run) {
		if (dry_run == DRY_RUN_PRINT)
			job_print(job, stdout);
	} else if (status == EXIT_ALL_OK) {
		if (job->insecure)
			log_warning("insecure: true turns off TLS certificate checks");
		status = execute(job, &strategy, parsers, job->parser_count, settings, summary);
	}
	for (i = 0; parsers && i < opened; i++)
		close_instance(&parsers[i]);
	close_instance(&strategy);
	free(parsers);
	return status;
}

struct compare_context {
	struct job *job;
	const struct loader_paths *paths;
};

/* One strategy's run for --compare, in its own process: no records, no
 * per-download lines, no progress; only the figures go back. */
static int compare_one(const char *strategy, struct run_summary *out, void *ctx)
{
	struct compare_context *c = ctx;
	struct run_settings settings = { .quiet = 1, .silent = 1 };
	struct job *job = c->job;

	if (strcmp(job->strategy.name, strategy) != 0) {
		/* another strategy's keys would not fit this one */
		free(job->strategy.name);
		job->strategy.name = strdup(strategy);
		job->strategy.entry = NULL;
		if (!job->strategy.name)
			return EXIT_SOME_FAILED;
	}
	free(job->output_path);
	job->output_path = NULL;
	/* each strategy's run would replace the one before's jar */
	free(job->cookie_jar);
	job->cookie_jar = NULL;
	return run_with_plugins(job, c->paths, &settings, 0, out);
}

static int compare(struct job *job, const struct cli *cli, const struct loader_paths *paths)
{
	struct compare_context ctx = { .job = job, .paths = paths };
	char *names[16], *list = NULL, *save = NULL, *name;
	size_t count = 0;
	int status;

	if (cli->compare_list && !(list = strdup(cli->compare_list)))
		return EXIT_SOME_FAILED;
	if (list) {
		for (name = strtok_r(list, ",", &save); name && count < 16; name = strtok_r(NULL, ",", &save))
			names[count++] = name;
	} else {
		for (count = 0; count < sizeof all_strategies / sizeof all_strategies[0]; count++)
			names[count] = (char *)all_strategies[count];
	}
	if (count == 0) {
		log_fatal("--compare needs at least one strategy name");
		free(list);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < count; i++) {
		struct loaded_plugin p;
		char err[512];
		int capable, missing;
		if (loader_open(paths, SCRAPE_KIND_STRATEGY, names[i], &p, err, sizeof err) != LOADER_OK) {
			log_fatal("--compare: %s", err);
			free(list);
			return EXIT_USAGE;
		}
		capable = open_model_capable(&p);
		/* what the strategy's transport cannot do: named in a list, the
		 * default list just leaves it out */
		missing = capability_check(job, names[i], loader_capabilities(p.desc), err, sizeof err) < 0;
		loader_close(&p);
		if ((!job->open_model || capable) && !missing)
			continue;
		if (list && missing) {
			log_located("%s", err);
			free(list);
			return EXIT_USAGE;
		}
		if (list) {
			log_fatal("--compare: the %s strategy cannot run the open model (rate or stages)", names[i]);
			free(list);
			return EXIT_USAGE;
		}
		/* the default list: compare the strategies that can */
		memmove(&names[i], &names[i + 1], (count - i - 1) * sizeof names[0]);
		count--;
		i--;
	}
	if (job->output_path)
		log_warning("--compare writes no records (output %s is ignored)", job->output_path);
	if (job->cookie_jar)
		log_warning("--compare saves no cookies (cookie_jar %s is ignored)", job->cookie_jar);
	/* the job check refuses this pair only for the job's own strategy */
	for (size_t i = 0; i < count && job->cookies == JOB_COOKIES_SHARED; i++)
		if (strcmp(names[i], "multiprocess") == 0)
			log_warning("--compare: the multiprocess strategy keeps a cookie jar per worker "
			            "process (cookies: shared cannot span processes)");
	status = compare_strategies(names, count, compare_one, &ctx, cli->json, stdout);
	free(list);
	return status;
}

/* Descriptors beyond the transfers: stdio, plugins, the records and
 * SQLite's journal, epoll, resolver pipes. */
#define FD_MARGIN 32

/* About how many descriptors the job holds at once: a socket per transfer
 * in flight, or per worker process (its socketpair); the sequential
 * strategy has one transfer at a time whatever workers says. */
static rlim_t descriptors_needed(const struct job *job, int compare)
{
	int64_t n = job->workers;

	if (job->open_model && job->max_connections > n)
		n = job->max_connections;
	if (!compare && strcmp(job->strategy.name, "sequential") == 0)
		n = 1;
	return (rlim_t)n + FD_MARGIN;
}

/* Thousands of transfers in flight need thousands of descriptors: a soft
 * limit below the job's need (often 1024) is raised as far as the hard one
 * allows.  Beyond that, one warning now says what will happen and what to
 * do, rather than every transfer failing later as if the target refused
 * connections. */
static void fit_file_limit(const struct job *job, int compare)
{
	rlim_t need = descriptors_needed(job, compare);
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= need)
		return;
	if (limit.rlim_cur < limit.rlim_max) {
		struct rlimit raised = limit;
		raised.rlim_cur = limit.rlim_max;
		/* an unlimited hard limit is still capped by the kernel's nr_open */
		if (setrlimit(RLIMIT_NOFILE, &raised) != 0 && need < limit.rlim_max) {
			raised.rlim_cur = need;
			setrlimit(RLIMIT_NOFILE, &raised);
		}
		getrlimit(RLIMIT_NOFILE, &limit);
	}
	if (limit.rlim_cur >= need)
		return;
	log_warning("the job needs about %llu file descriptors (%llu transfers at once and %d more) "
	            "but the limit is %llu (ulimit -n); raise it (ulimit -n %llu, or LimitNOFILE= in a "
	            "systemd unit) or lower workers: requests beyond it are not sent",
	            (unsigned long long)need, (unsigned long long)(need - FD_MARGIN), FD_MARGIN,
	            (unsigned long long)limit.rlim_cur, (unsigned long long)need);
}

/* --metrics-linger: the run is over; keep serving its final figures for
 * a while, or until SIGINT/SIGTERM. */
static void linger(int64_t ns)
{
	int64_t end = run_now_ns() + ns;

	while (!run_signal && run_now_ns() < end)
		usleep(20000);
}

/* --metrics-listen, before anything is sent: 0, or an exit status (the
 * reason said). */
static int start_metrics(const struct cli *cli)
{
	char err[512];

	if (!cli->metrics_listen || cli->dry_run)
		return EXIT_ALL_OK;
	if (cli->compare) {
		log_fatal("--metrics-listen cannot be used with --compare (each strategy runs in a process "
		          "of its own)");
		return EXIT_USAGE;
	}
	metrics = metrics_listen(cli->metrics_listen, err, sizeof err);
	if (!metrics) {
		log_fatal("%s", err);
		return EXIT_USAGE;
	}
	log_note(LOG_VERBOSE, "metrics at http://%s/metrics", metrics_address(metrics));
	return EXIT_ALL_OK;
}

/* What ties segments together (the job's hash, the run id) and this
 * segment's part of the job, into settings; hash and run_id hold the
 * strings settings points to.  0, or an exit status (the reason said). */
static int split_job(const struct cli *cli, struct job *job, struct run_settings *settings,
                     char *hash, char *run_id, size_t run_id_len)
{
	char err[512];

	segment_job_hash(job, hash);
	settings->job_hash = hash;
	if (cli->run_id)
		snprintf(run_id, run_id_len, "%s", cli->run_id);
	else if (cli->start_at_ns)
		segment_run_id(cli->start_at_ns, hash, run_id, run_id_len);
	settings->run_id = run_id[0] ? run_id : NULL;
	settings->segment = cli->segment;
	settings->start_at_ns = cli->start_at_ns;
	if (segment_split(&cli->segment) && cli->compare) {
		log_fatal("--segment cannot be used with --compare (each strategy runs the whole job)");
		return EXIT_USAGE;
	}
	if (segment_split(&cli->segment) && !settings->run_id) {
		log_fatal("--segment %u/%u: give --start-at TIME (the same for every segment) or "
		          "--run-id ID, so the segments' reports name one run",
		          cli->segment.index + 1, cli->segment.count);
		return EXIT_USAGE;
	}
	if (segment_divide_job(job, &cli->segment, settings->run_id, err, sizeof err) < 0) {
		log_fatal("%s", err);
		return EXIT_USAGE;
	}
	return EXIT_ALL_OK;
}

/* --schedule: this segment's starts of the open model, one a line: the
 * start's index in the whole job's schedule and its time in nanoseconds
 * from the start, so the segments' lists can be checked against the
 * whole job's. */
static int print_schedule(const struct job *job, const struct segment *segment)
{
	struct schedule s;
	int64_t end = job->duration_ns ? job->duration_ns : job->stages_ns;

	if (!job->open_model || end <= 0) {
		log_fatal("--schedule needs an open-model job (rate or stages) with an end (duration "
		          "or stages)");
		return EXIT_USAGE;
	}
	if (schedule_init(&s, job) < 0) {
		log_fatal("out of memory");
		return EXIT_SOME_FAILED;
	}
	schedule_take_share(&s, segment);
	for (; s.next_ns < end && (job->requests <= 0 || s.issued < (uint64_t)job->requests);
	     schedule_advance(&s))
		printf("%llu %lld\n", (unsigned long long)s.issued, (long long)s.next_ns);
	schedule_free(&s);
	return fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_SOME_FAILED;
}

static int run_job(const struct cli *cli, const struct loader_paths *paths)
{
	struct run_settings settings = settings_of(cli);
	struct job *job;
	char err[1024], hash[SEGMENT_HASH_LEN], run_id[SEGMENT_RUN_ID_MAX + 32] = "";
	int status;

	job = job_load(cli->config, cli->overrides, cli->labels, cli->override_count, cli->urls,
	               cli->url_count, err, sizeof err);
	if (!job) {
		log_located("%s", err);
		return EXIT_USAGE;
	}
	job->crawl.fresh = cli->fresh;
	if ((status = split_job(cli, job, &settings, hash, run_id, sizeof run_id)) != EXIT_ALL_OK ||
	    cli->schedule) {
		if (status == EXIT_ALL_OK)
			status = print_schedule(job, &settings.segment);
		job_free(job);
		return status;
	}
	if (cli->compare && job->crawl.state) {
		log_warning("--compare keeps no crawl state (crawl.state %s is ignored)", job->crawl.state);
		free(job->crawl.state);
		job->crawl.state = NULL;
	}
	if (cli->compare && job->frontier.redis) {
		/* each strategy's run must crawl the whole site on its own */
		log_warning("--compare shares no crawl (frontier.redis is ignored)");
		free(job->frontier.redis);
		job->frontier.redis = NULL;
	}
	if (!cli->dry_run)
		fit_file_limit(job, cli->compare);
	if ((status = start_metrics(cli)) != EXIT_ALL_OK) {
		job_free(job);
		return status;
	}
	if (cli->compare && !cli->dry_run) {
		/* check every plugin once up front, so mistakes show before any run */
		status = run_with_plugins(job, paths, &settings, DRY_RUN_CHECK, NULL);
		if (status == EXIT_ALL_OK)
			status = compare(job, cli, paths);
	} else {
		status = run_with_plugins(job, paths, &settings, cli->dry_run ? DRY_RUN_PRINT : 0, NULL);
	}
	if (metrics && !run_signal)
		linger(cli->metrics_linger_ns);
	metrics_close(metrics);
	metrics = NULL;
	job_free(job);
	return status;
}

/* An agent's segment (agent_run_fn): the run of -c JOB as the agent set
 * its options. */
static int run_segment(const struct cli *cli, void *paths)
{
	return run_job(cli, paths);
}

/* --merge, with the job when -c names one (its thresholds, its hash). */
static int merge(const struct cli *cli)
{
	struct merge_settings settings = {
		.json = cli->json, .job_path = cli->config, .html_path = cli->html,
	};
	char err[1024], hash[SEGMENT_HASH_LEN];
	int status;

	if (cli->html && !cli->config) {
		log_fatal("--merge --html needs the job the reports ran (-c JOB.yaml) to draw them");
		return EXIT_USAGE;
	}
	if (cli->config) {
		settings.job = job_load(cli->config, cli->overrides, cli->labels, cli->override_count,
		                        NULL, 0, err, sizeof err);
		if (!settings.job) {
			log_located("%s", err);
			return EXIT_USAGE;
		}
		segment_job_hash(settings.job, hash);
		settings.job_hash = hash;
	}
	status = merge_reports(cli->urls, cli->url_count, &settings);
	job_free(settings.job);
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct loader_paths paths;
	int status;

	if (parse_cli(argc, argv, &cli, &status) < 0) {
		free_cli(&cli);
		return status;
	}
	log_init(cli.verbose ? cli.verbose : cli.quiet ? LOG_QUIET : LOG_NORMAL, STDERR_FILENO);
	if (loader_paths_init(&paths, cli.plugin_dirs, cli.plugin_dir_count) < 0) {
		log_fatal("out of memory");
		free_cli(&cli);
		return EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_fatal("libcurl could not be initialised");
		loader_paths_free(&paths);
		free_cli(&cli);
		return EXIT_SOME_FAILED;
	}
	run_install_signals();
	if (cli.list_plugins)
		status = loader_list(&paths, stdout) ? EXIT_PLUGIN : EXIT_ALL_OK;
	else if (cli.plugin_help)
		status = plugin_help(&paths, cli.plugin_help);
	else if (cli.merge)
		status = merge(&cli);
	else if (cli.agent)
		status = agent_serve(&cli, run_segment, &paths);
	else if (cli.agents)
		status = agents_control(&cli);
	else
		status = run_job(&cli, &paths);
	curl_global_cleanup();
	loader_paths_free(&paths);
	free_cli(&cli);
	return status;
}
