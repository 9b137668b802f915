/* SPDX-License-Identifier: MIT */
/*
 * Where a crawl keeps its progress: a resumable crawl's state file (the
 * records it keeps until they are synced to the output, its checkpoints)
 * and a crawl shared through Redis (pages acknowledged done, records
 * pushed, and the keeper thread that renews this process's leases while
 * transfers run).  Every function here runs with the run's lock held,
 * except the keeper's start and stop.
 */
#include <config.h>

#include "engine/run_crawl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crawl_state.h"
#include "engine/crawl_store_redis.h"
#include "results/output.h"
#include "util/log.h"

/* ---- a resumable crawl ---- */

int crawl_persistent(const struct scrape_run *run)
{
	const struct crawl_store *store = run->dispatch.frontier.store;

	return store && store->persistent;
}

static int write_record(void *ctx, const char *line, size_t len)
{
	struct scrape_run *run = ctx;

	return output_write(run->output, line, len);
}

/* The records kept in the state go to the file, which is synced; the
 * state forgets them at its next commit.  Lock held, or before the run. */
static int flush_outbox(struct scrape_run *run)
{
	struct crawl_store *store = run->dispatch.frontier.store;
	int64_t offset = store->output_offset;

	if (run->output && !run->output_failed &&
	    (crawl_state_outbox(store, write_record, run) < 0 || output_sync(run->output, &offset) < 0)) {
		if (output_error(run->output))
			log_error("cannot write records to %s: %s; stopping the run", output_name(run->job),
			          output_error(run->output));
		else
			log_error("%s; stopping the run", frontier_store_error(&run->dispatch.frontier));
		run->output_failed = 1;
		run_stop(run);
		return -1;
	}
	if (crawl_state_written(store, offset) < 0) {
		crawl_store_failed(run);
		return -1;
	}
	return 0;
}

int crawl_open_output(struct scrape_run *run, char *err, size_t errlen)
{
	struct crawl_store *store = run->dispatch.frontier.store;
	int torn = 0;

	if (run->job->output_path &&
	    !(run->output = output_open_at(run->job, store->output_offset, &torn, err, errlen)))
		return -1;
	if (torn)
		log_warning("%s ended in the middle of a record (the last run was stopped while writing "
		            "it): cut back to the last whole record", output_name(run->job));
	if (store->resumed)
		log_note(LOG_NORMAL, "resuming the crawl in %s: %lld pages done, %zu queued",
		         run->job->crawl.state, (long long)store->done, store->queued);
	if (flush_outbox(run) < 0 || store->ops->commit(store) < 0) {
		snprintf(err, errlen, "%s", output_error(run->output) ? output_error(run->output)
		                                                    : frontier_store_error(&run->dispatch.frontier));
		return -1;
	}
	return 0;
}

void crawl_keep_record(struct scrape_run *run, struct scrape_request *req,
                       const struct request_result *res)
{
	struct crawl_store *store = run->dispatch.frontier.store;

	if (res->has_error && run_stopping(run))
		return;                 /* cut short: fetched again on resume */
	if (res->line.oom) {
		log_error("out of memory; stopping the run");
		run_stop(run);
		return;
	}
	if (crawl_state_record(store, req->lease, res->line.data ? res->line.data : "", res->line.len) < 0) {
		crawl_store_failed(run);
		return;
	}
	frontier_page_kept(&run->dispatch.frontier);
}

int crawl_checkpoint(struct scrape_run *run, int force)
{
	struct frontier *f = &run->dispatch.frontier;
	int64_t now = run_now_ns();

	if (crawl_shared(run)) {
		int64_t offset;

		if (!force && !frontier_checkpoint_due(f, now))
			return 0;
		frontier_checkpointed(f, now);
		/* the records reach the disk before Redis hears the pages are
		 * done: a process killed in between has its pages fetched again
		 * by another (at least once), never lost */
		if (run->output && !run->output_failed && output_sync(run->output, &offset) < 0) {
			log_error("cannot write records to %s: %s; stopping the run", output_name(run->job),
			          output_error(run->output));
			run->output_failed = 1;
			run_stop(run);
			return -1;
		}
		if (f->store->ops->commit(f->store) < 0) {
			crawl_store_failed(run);
			return -1;
		}
		return 0;
	}
	if (!crawl_persistent(run) || (!force && !frontier_checkpoint_due(f, now)))
		return 0;
	frontier_checkpointed(f, now);
	if (f->store->ops->commit(f->store) < 0) {
		crawl_store_failed(run);
		return -1;
	}
	if (flush_outbox(run) < 0)
		return -1;
	/* the end of the run: the outbox emptied and the file's length saved */
	if (force && f->store->ops->commit(f->store) < 0) {
		crawl_store_failed(run);
		return -1;
	}
	return 0;
}

/* ---- a crawl shared through Redis ---- */

int crawl_shared(const struct scrape_run *run)
{
	const struct crawl_store *store = run->dispatch.frontier.store;

	return store && store->shared;
}

int crawl_share_record(struct scrape_run *run, struct scrape_request *req,
                       const struct request_result *res)
{
	struct frontier *f = &run->dispatch.frontier;

	if (res->has_error && run_stopping(run)) {
		if (frontier_release(f, req->lease) < 0)
			crawl_store_failed(run);
		return 0;
	}
	if (req->lease && f->store->ops->done(f->store, req->lease) < 0)
		crawl_store_failed(run);
	if (run->job->frontier.items && res->line.len &&
	    crawl_store_redis_item(f->store, res->line.data, res->line.len) < 0)
		crawl_store_failed(run);
	frontier_page_kept(f);
	return 1;
}

/* How often the keeper looks: the acknowledgements of pages done wait for
 * it once transfers stop finishing (the end of the crawl), so not long. */
#define KEEPER_NS 250000000

/* Sends what the run batched (after syncing the records) when there is
 * any, and renews the leases three times a lease, which leaves two
 * chances to spare. */
static void *keeper_main(void *arg)
{
	struct scrape_run *run = arg;
	int64_t renew = run->job->frontier.lease_ns / 3, last = run_now_ns();

	pthread_mutex_lock(&run->lock);
	while (run->keeper_running) {
		struct timespec until;
		int64_t t = run_now_ns() + KEEPER_NS;

		until.tv_sec = t / 1000000000;
		until.tv_nsec = t % 1000000000;
		pthread_cond_timedwait(&run->keeper_wake, &run->lock, &until);
		t = run_now_ns();
		if (run->keeper_running && crawl_shared(run) &&
		    (run->dispatch.frontier.store->unsent || t - last >= renew)) {
			crawl_checkpoint(run, 1);
			last = t;
		}
	}
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

int crawl_keeper_start(struct scrape_run *run)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&run->keeper_wake, &attr);
	pthread_condattr_destroy(&attr);
	run->keeper_running = 1;
	if (pthread_create(&run->keeper, NULL, keeper_main, run) != 0) {
		run->keeper_running = 0;
		pthread_cond_destroy(&run->keeper_wake);
		return -1;
	}
	return 0;
}

void crawl_keeper_stop(struct scrape_run *run)
{
	if (!run->keeper_running)
		return;
	pthread_mutex_lock(&run->lock);
	run->keeper_running = 0;
	pthread_cond_signal(&run->keeper_wake);
	pthread_mutex_unlock(&run->lock);
	pthread_join(run->keeper, NULL);
	pthread_cond_destroy(&run->keeper_wake);
}
