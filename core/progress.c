/* SPDX-License-Identifier: MIT */
/*
 * Progress drawing.  The line is drawn under the run's lock, the same lock
 * that per-download lines are printed under, so the two never interleave:
 * a download line first erases the progress line, and the next redraw puts
 * it back below.
 */
#include <config.h>

#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "job.h"
#include "run.h"

#define REDRAW_NS 250000000

struct progress {
	struct scrape_run *run;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	int drawn;                  /* a line is on the screen */
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

/* Lock held. */
static void draw(struct progress *p)
{
	struct scrape_run *run = p->run;
	uint64_t done = run->stats.ok + run->stats.failed;
	int64_t total = job_total_requests(run->job);
	double elapsed = (double)(run_now_ns() - run->start_ns) / 1e9;
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	char eta[32];

	if (total < 0 && run->job->duration_ns > 0) {
		/* a load test bounded by time: count the time down */
		double span = (double)run->job->duration_ns / 1e9;
		format_eta(span - elapsed, eta, sizeof eta);
		fprintf(stderr, "\r\033[K%llu done %3.0f%%  %.1f req/s  %llu errors  ends in %s",
		        (unsigned long long)done, elapsed < span ? 100.0 * elapsed / span : 100.0, rate,
		        (unsigned long long)run->stats.failed, eta);
		fflush(stderr);
		p->drawn = 1;
		return;
	}
	if (run->job->crawl.enabled && run->job->crawl.max_pages > 0) {
		total = run->job->crawl.max_pages;
	} else if (run->job->crawl.enabled || total < 0) {
		/* a crawl without a page budget, or a url_file read from a pipe,
		 * has no total to count down */
		fprintf(stderr, "\r\033[K%llu done, %zu queued  %.1f req/s  %llu errors",
		        (unsigned long long)done, run->frontier.queued, rate,
		        (unsigned long long)run->stats.failed);
		fflush(stderr);
		p->drawn = 1;
		return;
	}

	format_eta(rate > 0 ? (double)(total - (int64_t)done) / rate : -1, eta, sizeof eta);
	fprintf(stderr, "\r\033[K%llu/%lld %3.0f%%  %.1f req/s  %llu errors  ETA %s",
	        (unsigned long long)done, (long long)total,
	        total > 0 ? 100.0 * (double)done / (double)total : 0.0, rate,
	        (unsigned long long)run->stats.failed, eta);
	fflush(stderr);
	p->drawn = 1;
}

void progress_erase(struct progress *p)
{
	if (p && p->drawn) {
		fputs("\r\033[K", stderr);
		p->drawn = 0;
	}
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
		pthread_mutex_lock(&p->run->lock);
		draw(p);
		pthread_mutex_unlock(&p->run->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_start(struct scrape_run *run)
{
	struct progress *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->run = run;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, loop, p) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
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
	pthread_mutex_lock(&p->run->lock);
	progress_erase(p);
	pthread_mutex_unlock(&p->run->lock);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
