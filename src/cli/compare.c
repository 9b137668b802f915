/* SPDX-License-Identifier: MIT */
/*
 * Strategy comparison.  Each strategy runs in a forked child that reports
 * its summary through a pipe; wait4() then gives the child's CPU time and
 * peak RSS, with its own worker processes included, which an in-process
 * run could not separate (ru_maxrss only ever grows).
 */
#include <config.h>

#include "cli/compare.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "config/units.h"

struct row {
	const char *strategy;
	struct run_summary sum;
	double cpu_seconds;
	long peak_rss_kb;
	int status;
	int ran;                    /* the child reported a summary */
};

static int run_child(const char *strategy, compare_run_fn run, void *ctx, struct row *row)
{
	struct rusage usage;
	int fds[2], wstatus = 0;
	ssize_t n;
	pid_t pid, parent;

	memset(row, 0, sizeof *row);
	row->strategy = strategy;
	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		struct run_summary sum;
		int status;

		/* a SIGKILLed parent must not leave the run going on its own */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		close(fds[0]);
		memset(&sum, 0, sizeof sum);
		status = run(strategy, &sum, ctx);
		/* no summary at all when the run never started (a plugin error) */
		if (sum.ran && write(fds[1], &sum, sizeof sum) != (ssize_t)sizeof sum)
			status = 1;
		fflush(NULL);
		_exit(status);
	}
	close(fds[1]);
	/* a signal sent to this process alone must still stop the run */
	while ((n = read(fds[0], &row->sum, sizeof row->sum)) < 0 && errno == EINTR)
		if (run_signal)
			kill(pid, run_signal);
	row->ran = n == (ssize_t)sizeof row->sum;
	close(fds[0]);
	while (wait4(pid, &wstatus, 0, &usage) < 0) {
		if (errno != EINTR)
			return -1;
	}
	row->cpu_seconds = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
	                   (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
	row->peak_rss_kb = usage.ru_maxrss;
	row->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	return 0;
}

/* The transfers the strategy kept in flight at most: the job's workers,
 * except that the sequential strategy runs one transfer at a time whatever
 * workers says, and a table that put the job's 5 beside it would credit
 * it with concurrency it never had. */
static unsigned shown_workers(const struct row *r)
{
	return strcmp(r->strategy, "sequential") == 0 ? 1 : r->sum.workers;
}

static void print_table(const struct row *rows, size_t count, FILE *out)
{
	char p50[32], p99[32];
	size_t i;

	fprintf(out, "%-13s %7s %9s %10s %9s %9s %8s %9s %7s\n", "strategy", "workers", "wall_s",
	        "req/s", "p50", "p99", "cpu_s", "rss_MiB", "failed");
	for (i = 0; i < count; i++) {
		const struct row *r = &rows[i];
		if (!r->ran) {
			fprintf(out, "%-13s  did not run (exit status %d)\n", r->strategy, r->status);
			continue;
		}
		units_format_duration(r->sum.p50_ns, p50, sizeof p50);
		units_format_duration(r->sum.p99_ns, p99, sizeof p99);
		fprintf(out, "%-13s %7u %9.3f %10.1f %9s %9s %8.2f %9.1f %7llu\n", r->strategy,
		        shown_workers(r), r->sum.seconds,
		        r->sum.seconds > 0 ? (double)r->sum.requests / r->sum.seconds : 0.0, p50, p99,
		        r->cpu_seconds, (double)r->peak_rss_kb / 1024.0,
		        (unsigned long long)r->sum.failed);
	}
}

static void print_json(const struct row *rows, size_t count, FILE *out)
{
	struct buf b = { 0 };
	size_t i;

	buf_putc(&b, '[');
	for (i = 0; i < count; i++) {
		const struct row *r = &rows[i];
		buf_puts(&b, i ? ",\n {" : "{");
		buf_puts(&b, "\"strategy\":");
		buf_json_string(&b, r->strategy);
		buf_printf(&b, ",\"ran\":%s,\"exit_status\":%d", r->ran ? "true" : "false", r->status);
		if (r->ran)
			buf_printf(&b, ",\"workers\":%u,\"requests\":%llu,\"failed\":%llu,"
			           "\"wall_seconds\":%.6f,\"requests_per_second\":%.3f,"
			           "\"p50_seconds\":%.6f,\"p99_seconds\":%.6f,\"cpu_seconds\":%.3f,"
			           "\"peak_rss_bytes\":%lld",
			           shown_workers(r), (unsigned long long)r->sum.requests,
			           (unsigned long long)r->sum.failed, r->sum.seconds,
			           r->sum.seconds > 0 ? (double)r->sum.requests / r->sum.seconds : 0.0,
			           (double)r->sum.p50_ns / 1e9, (double)r->sum.p99_ns / 1e9, r->cpu_seconds,
			           (long long)r->peak_rss_kb * 1024);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]\n");
	if (!b.oom)
		fputs(b.data, out);
	buf_free(&b);
}

int compare_strategies(char *const *names, size_t count, compare_run_fn run, void *ctx, int json,
                       FILE *out)
{
	struct row *rows = calloc(count, sizeof *rows);
	int worst = 0;
	size_t i, done = 0;

	if (!rows)
		return 1;
	for (i = 0; i < count; i++) {
		if (!json)
			log_note(LOG_NORMAL, "running the job with strategy %s", names[i]);
		if (run_child(names[i], run, ctx, &rows[i]) < 0) {
			log_error("cannot start a run for %s: %s", names[i], strerror(errno));
			worst = 1;
			break;
		}
		done = i + 1;
		if (rows[i].status > worst)
			worst = rows[i].status;
		if (rows[i].status >= 128)      /* interrupted: stop comparing */
			break;
	}
	if (json)
		print_json(rows, done, out);
	else
		print_table(rows, done, out);
	free(rows);
	return worst;
}
