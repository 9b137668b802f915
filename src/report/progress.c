/* SPDX-License-Identifier: MIT */
/*
 * Progress drawing.  The line is drawn under the run's lock (given to
 * progress_start), the same lock that per-download lines are printed
 * under, so the two never interleave:
 * a download line first erases the progress line, and the next redraw puts
 * it back below.  Messages from any thread go through the logger, which
 * calls erase_for_message and redraw_after_message around each one; the
 * line's own writes hold the logger's lock, so no message lands in it.
 */
#include <config.h>

#include "report/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/job.h"
#include "util/log.h"

#define REDRAW_NS 250000000
#define ERASE_LINE "\r\033[K"

struct progress {
	const struct job *job;
	pthread_mutex_t *run_lock;  /* the run's, held while drawing */
	progress_snapshot_fn snapshot;
	void *snapshot_ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	/* under the log lock: */
	int drawn;                  /* a line is on the screen */
	int erased;                 /* taken away for a message: put it back */
	char line[256];             /* what was drawn last */
};

static void format_eta(double seconds, char *buf, size_t len)
{
	long s = (long)(seconds + 0.5);

	if (seconds < 0 || seconds > 359999)
		snprintf(buf, len, "--:--");
	else if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

/* Log lock held: a message is about to be written. */
static void erase_for_message(void *arg)
{
	struct progress *p = arg;

	if (p->drawn) {
		fputs(ERASE_LINE, stderr);
		p->drawn = 0;
		p->erased = 1;
	}
}

/* Log lock held: the message is out, the cursor is at the start of a
 * line; put back what erase_for_message took away, not waiting for the
 * next redraw. */
static void redraw_after_message(void *arg)
{
	struct progress *p = arg;

	if (p->erased) {
		fputs(p->line, stderr);
		fflush(stderr);
		p->drawn = 1;
		p->erased = 0;
	}
}

/* Run lock held: what the line says now. */
static void format_line(const struct progress *p, char *line, size_t len)
{
	const struct job *job = p->job;
	struct progress_snapshot now;
	uint64_t done;
	int64_t total = job_total_requests(job);
	double elapsed, rate;
	char eta[32];

	memset(&now, 0, sizeof now);
	p->snapshot(p->snapshot_ctx, &now);
	done = now.done;
	elapsed = (double)now.elapsed_ns / 1e9;
	rate = elapsed > 0 ? (double)done / elapsed : 0;
	if (total < 0 && job->duration_ns > 0) {
		/* a load test bounded by time: count the time down */
		double span = (double)job->duration_ns / 1e9;
		format_eta(span - elapsed, eta, sizeof eta);
		snprintf(line, len, "%llu done %3.0f%%  %.1f req/s  %llu errors  ends in %s",
		         (unsigned long long)done, elapsed < span ? 100.0 * elapsed / span : 100.0, rate,
		         (unsigned long long)now.failed, eta);
		return;
	}
	if (job->crawl.enabled && job->crawl.max_pages > 0) {
		total = job->crawl.max_pages;
	} else if (job->crawl.enabled || total < 0) {
		/* a crawl without a page budget, or a url_file read from a pipe,
		 * has no total to count down */
		snprintf(line, len, "%llu done, %zu queued  %.1f req/s  %llu errors",
		         (unsigned long long)done, now.queued, rate, (unsigned long long)now.failed);
		return;
	}

	format_eta(rate > 0 ? (double)(total - (int64_t)done) / rate : -1, eta, sizeof eta);
	snprintf(line, len, "%llu/%lld %3.0f%%  %.1f req/s  %llu errors  ETA %s",
	         (unsigned long long)done, (long long)total,
	         total > 0 ? 100.0 * (double)done / (double)total : 0.0, rate,
	         (unsigned long long)now.failed, eta);
}

/* Run lock held (the figures hold still); the log lock keeps messages out
 * of the middle of the line. */
static void draw(struct progress *p)
{
	char line[sizeof p->line];

	format_line(p, line, sizeof line);
	log_lock();
	memcpy(p->line, line, sizeof line);
	fputs(ERASE_LINE, stderr);
	fputs(p->line, stderr);
	fflush(stderr);
	p->drawn = 1;
	p->erased = 0;
	log_unlock();
}

void progress_erase(struct progress *p)
{
	if (!p)
		return;
	log_lock();
	if (p->drawn)
		fputs(ERASE_LINE, stderr);
	p->drawn = 0;
	p->erased = 0;
	log_unlock();
}

static void *loop(void *arg)
{
	struct progress *p = arg;
	struct timespec deadline;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += REDRAW_NS;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &deadline);
		if (p->stop)
			break;
		pthread_mutex_lock(p->run_lock);
		draw(p);
		pthread_mutex_unlock(p->run_lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_start(const struct job *job, pthread_mutex_t *lock,
                                progress_snapshot_fn snapshot, void *ctx)
{
	struct progress *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->job = job;
	p->run_lock = lock;
	p->snapshot = snapshot;
	p->snapshot_ctx = ctx;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, loop, p) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	log_set_status(erase_for_message, redraw_after_message, p);
	return p;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_lock(p->run_lock);
	log_set_status(NULL, NULL, NULL);
	progress_erase(p);
	pthread_mutex_unlock(p->run_lock);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
