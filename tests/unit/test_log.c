/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the logger: which levels each verbosity shows, the
 * prefixes, one whole line per message however long, the status line's
 * erase/redraw around each message, whole lines from many threads at
 * once, and a forked worker's messages erasing a status line it cannot
 * see.  Messages go to a scratch file opened for appending, read back.
 */
#include <config.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "tap.h"

#define THREADS 8
#define PER_THREAD 500

static char path[] = "/tmp/scrape-test-log.XXXXXX";
static int fd = -1;

/* Empties the scratch file: each check reads only its own messages. */
static void reset(void)
{
	if (ftruncate(fd, 0) != 0)
		perror("ftruncate");
}

/* What was written since reset(); the caller frees it. */
static char *written(void)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *text = malloc((size_t)len + 1);

	if (!text || pread(fd, text, (size_t)len, 0) != (ssize_t)len) {
		free(text);
		return strdup("(unreadable)");
	}
	text[len] = '\0';
	return text;
}

static int check_written(const char *want, const char *what)
{
	char *got = written();
	int same = is_str(got, want, what);

	free(got);
	reset();
	return same;
}

static void all_levels(void)
{
	log_msg(SCRAPE_LOG_ERROR, "e%d", 1);
	log_msg(SCRAPE_LOG_WARNING, "w");
	log_msg(SCRAPE_LOG_INFO, "i");
	log_msg(SCRAPE_LOG_DEBUG, "d");
	log_note(LOG_NORMAL, "running");
	log_note(LOG_VERBOSE, "refused");
}

static void test_levels(void)
{
	log_init(LOG_QUIET, fd);
	all_levels();
	check_written("scrape: error: e1\nscrape: warning: w\n", "-q: errors and warnings only");
	log_init(LOG_NORMAL, fd);
	all_levels();
	check_written("scrape: error: e1\nscrape: warning: w\nscrape: running\n",
	              "default: and the notes about the run");
	log_init(LOG_VERBOSE, fd);
	all_levels();
	check_written("scrape: error: e1\nscrape: warning: w\nscrape: info: i\nscrape: running\n"
	              "scrape: refused\n", "-v: and info, and the verbose notes");
	log_init(LOG_DEBUG_VERBOSE, fd);
	all_levels();
	check_written("scrape: error: e1\nscrape: warning: w\nscrape: info: i\nscrape: debug: d\n"
	              "scrape: running\nscrape: refused\n", "-vv: and debug");
	ok(log_enabled(SCRAPE_LOG_DEBUG), "log_enabled agrees at -vv");
	log_init(LOG_NORMAL, fd);
	ok(!log_enabled(SCRAPE_LOG_INFO) && log_enabled(SCRAPE_LOG_WARNING), "log_enabled agrees by default");
	log_msg((enum scrape_log_level)7, "odd");
	check_written("scrape: error: odd\n", "an unknown level (from a plugin) is an error, not hidden");
	log_error("out of %s", "memory");
	log_warning("careful");
	log_fatal("no job");
	log_located("job.yaml:%d:%d: bad", 3, 1);
	check_written("scrape: error: out of memory\nscrape: warning: careful\nscrape: no job\n"
	              "job.yaml:3:1: bad\n", "the prefixes of the other calls");
}

static void test_long(void)
{
	size_t n = 10000;
	char *big = malloc(n + 1), *want = malloc(n + 32);

	memset(big, 'x', n);
	big[n] = '\0';
	snprintf(want, n + 32, "scrape: warning: %s\n", big);
	log_warning("%s", big);
	check_written(want, "a message longer than the stack buffer is written whole, one line");
	free(big);
	free(want);
}

static int erasures, redraws;

static void erase(void *arg)
{
	(void)arg;
	erasures++;
	if (write(fd, "[erase]", 7) != 7)
		perror("write");
}

static void redraw(void *arg)
{
	(void)arg;
	redraws++;
	if (write(fd, "[redraw]", 8) != 8)
		perror("write");
}

static void test_status(void)
{
	log_set_status(erase, redraw, NULL);
	log_warning("w");
	log_msg(SCRAPE_LOG_DEBUG, "hidden");
	check_written("[erase]scrape: warning: w\n[redraw]", "the status line is erased and redrawn around a message");
	ok(erasures == 1 && redraws == 1, "once each, and not for a message not shown");
	log_set_status(NULL, NULL, NULL);
	log_warning("w");
	check_written("scrape: warning: w\n", "once let go, no hook is called");
}

static void *chatter(void *arg)
{
	int t = (int)(long)arg;

	for (int i = 0; i < PER_THREAD; i++)
		log_msg(SCRAPE_LOG_INFO, "thread %d message %d %s", t, i,
		        "padding padding padding padding padding padding padding padding");
	return NULL;
}

static void test_threads(void)
{
	pthread_t threads[THREADS];
	int counts[THREADS] = { 0 }, whole = 1, lines = 0;
	char *text, *line, *save = NULL;

	log_init(LOG_VERBOSE, fd);
	for (long t = 0; t < THREADS; t++)
		pthread_create(&threads[t], NULL, chatter, (void *)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(threads[t], NULL);
	text = written();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int t, i, end = 0;
		lines++;
		if (sscanf(line, "scrape: info: thread %d message %d padding%n", &t, &i, &end) != 2 ||
		    end == 0 || t < 0 || t >= THREADS || i != counts[t]++ ||
		    strlen(line) != (size_t)end + strlen(" padding padding padding padding padding padding padding"))
			whole = 0;
	}
	ok(lines == THREADS * PER_THREAD, "every message from %d threads is there (%d lines)", THREADS, lines);
	ok(whole, "each is one whole line, in its thread's order");
	free(text);
	reset();
	log_init(LOG_NORMAL, fd);
}

static void test_fork(void)
{
	pid_t pid;
	int status = -1;

	log_set_status(erase, redraw, NULL);
	pid = fork();
	if (pid == 0) {
		log_warning("from a worker");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(status == 0, "a forked worker can log (the lock is not left held)");
	check_written("\r\033[Kscrape: warning: from a worker\n",
	              "a worker erases the parent's status line in its one write");
	log_set_status(NULL, NULL, NULL);
}

int main(void)
{
	fd = mkstemp(path);
	if (fd < 0 || fcntl(fd, F_SETFL, O_APPEND) != 0) {
		perror(path);
		return 1;
	}
	unlink(path);
	log_init(LOG_NORMAL, fd);
	test_levels();
	test_long();
	test_status();
	test_threads();
	test_fork();
	return done_testing();
}
