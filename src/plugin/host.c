/* SPDX-License-Identifier: MIT */
/*
 * The host table.  Plugins reach the core only through these pointers, so
 * the scrape binary exports no symbols for them and a plugin can be
 * loaded RTLD_LOCAL into any build of the same ABI major.
 */
#include <config.h>

#include "plugin/host.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/log.h"
#include "config/plugin_options.h"
#include "results/record.h"
#include "engine/run.h"
#include "engine/process_pool.h"

/* The plugin's text goes through the core's logger, escaped: plugins quote
 * pages and URLs, which must not drive the terminal. */
static void LOG_PRINTF(2, 3) host_log(enum scrape_log_level level, const char *fmt, ...)
{
	char line[1024], shown[1024];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_msg(level, "%s", visible(shown, sizeof shown, line));
}

static unsigned host_workers(const struct scrape_run *run)
{
	return (unsigned)run->job->workers;
}

static int host_stopping(const struct scrape_run *run)
{
	return run_stopping(run);
}

const struct scrape_host host_table = {
	.abi_major = SCRAPE_ABI_MAJOR,
	.abi_minor = SCRAPE_ABI_MINOR,
	.size = sizeof(struct scrape_host),
	.log = host_log,
	.opt_isset = options_isset,
	.opt_bool = options_bool,
	.opt_int = options_int,
	.opt_string = options_string,
	.opt_duration_ns = options_duration,
	.opt_size = options_size,
	.opt_count = options_count,
	.opt_item = options_item,
	.opt_fail = options_fail,
	.workers = host_workers,
	.next = run_next,
	.prepare = run_prepare,
	.finish = run_finish,
	.stopping = host_stopping,
	.now_ns = run_now_ns,
	.wait = run_wait,
	.record_string = record_string,
	.record_int = record_int,
	.record_double = record_double,
	.record_bool = record_bool,
	.record_append = record_append,
	.record_link = record_link,
	.worker_spawn = worker_spawn,
	.worker_fd = worker_fd,
	.worker_busy = worker_busy,
	.worker_dispatch = worker_dispatch,
	.worker_service = worker_service,
	.worker_stop = worker_stop,
	.request_view = run_view,
	.complete = run_complete,
	.describe = run_describe,
};
