/* SPDX-License-Identifier: MIT */
/*
 * The logger.  A message is formatted whole into one buffer and written
 * with one write(2) under a mutex: lines from worker threads never
 * interleave, and lines from forked workers (which share the descriptor
 * but not the mutex) stay whole too, since each is a single write.  The
 * status line's erase/redraw callbacks run under the same mutex, so a
 * message can never land in the middle of the progress line.
 */
#include <config.h>

#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERASE_LINE "\r\033[K"

/* The order of the plugin ABI's levels, which index the names below. */
_Static_assert(SCRAPE_LOG_ERROR == 0 && SCRAPE_LOG_WARNING == 1 && SCRAPE_LOG_INFO == 2 &&
               SCRAPE_LOG_DEBUG == 3, "the level names follow the plugin ABI");

static const char *const level_names[] = { "error", "warning", "info", "debug" };

/*
 * The logger's state, in one place and of two kinds.  The settings
 * (verbosity, where to write) are set by log_init(), which main calls once
 * before any thread or worker exists; from then on they are read-only, so
 * they are read without the lock.  The status line's hooks change while a
 * run goes and are read and written only under `lock`; erase_blind is set
 * only in a forked worker as it starts, by the fork handler, when that
 * process has no other thread.  There is one logger per process, kept here
 * behind the functions rather than passed around, because it is what
 * standard error is: every layer and every plugin (host->log) writes to
 * it, from any thread, and lines from threads and forked workers stay
 * whole only if they all take the same mutex.
 */
struct logger {
	/* settings: log_init() only */
	int verbosity;
	int fd;
	/* run-time: under lock */
	pthread_mutex_t lock;
	pthread_once_t fork_once;
	void (*status_erase)(void *);
	void (*status_redraw)(void *);
	void *status_arg;
	void (*tap)(void *, const char *, size_t);
	void *tap_arg;
	/* In a forked worker: the parent may have a status line on the screen
	 * that this process cannot see, so each message starts by erasing the
	 * line. */
	int erase_blind;
};

static struct logger logger = {
	.verbosity = LOG_NORMAL,
	.fd = 2,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fork_once = PTHREAD_ONCE_INIT,
};

void log_init(int verbosity, int fd)
{
	logger.verbosity = verbosity;
	logger.fd = fd;
}

void log_set_tap(void (*tap)(void *arg, const char *text, size_t len), void *arg)
{
	pthread_mutex_lock(&logger.lock);
	logger.tap = tap;
	logger.tap_arg = arg;
	pthread_mutex_unlock(&logger.lock);
}

int log_enabled(enum scrape_log_level level)
{
	if (level == SCRAPE_LOG_INFO)
		return logger.verbosity >= LOG_VERBOSE;
	if (level == SCRAPE_LOG_DEBUG)
		return logger.verbosity >= LOG_DEBUG_VERBOSE;
	return 1;
}

/* A fork while another thread holds the lock would leave the child's copy
 * locked for ever: hold it across fork, so both sides start unlocked. */
static void before_fork(void)
{
	pthread_mutex_lock(&logger.lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&logger.lock);
}

static void after_fork_child(void)
{
	/* the status line belongs to the parent's threads, which are not here */
	if (logger.status_erase)
		logger.erase_blind = 1;
	logger.status_erase = NULL;
	logger.status_redraw = NULL;
	logger.status_arg = NULL;
	pthread_mutex_unlock(&logger.lock);
}

static void register_fork_handlers(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

void log_lock(void)
{
	pthread_once(&logger.fork_once, register_fork_handlers);
	pthread_mutex_lock(&logger.lock);
}

void log_unlock(void)
{
	pthread_mutex_unlock(&logger.lock);
}

void log_set_status(void (*erase)(void *arg), void (*redraw)(void *arg), void *arg)
{
	log_lock();
	logger.status_erase = erase;
	logger.status_redraw = redraw;
	logger.status_arg = arg;
	log_unlock();
}

/* All of it, through short writes and signals; a message that cannot be
 * written has nowhere else to go. */
static void write_all(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(logger.fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Lock held. */
static void write_message(const char *text, size_t len)
{
	if (logger.status_erase)
		logger.status_erase(logger.status_arg);
	write_all(text, len);
	if (logger.tap)
		logger.tap(logger.tap_arg, text, len);
	if (logger.status_redraw)
		logger.status_redraw(logger.status_arg);
}

/* Formats prefix, message and newline into one buffer (on the heap when
 * the stack's is too small, so nothing is cut), and writes it. */
static void LOG_PRINTF(2, 0) emit(const char *prefix, const char *fmt, va_list ap)
{
	char stack[2048], *text = stack;
	size_t head = logger.erase_blind ? strlen(ERASE_LINE) : 0;
	size_t plen = strlen(prefix);
	int saved = errno;
	va_list again;
	int n;

	if (head + plen + 2 > sizeof stack)
		return;
	memcpy(text, ERASE_LINE, head);
	memcpy(text + head, prefix, plen);
	va_copy(again, ap);
	n = vsnprintf(text + head + plen, sizeof stack - head - plen, fmt, ap);
	if (n >= 0 && head + plen + (size_t)n + 2 > sizeof stack) {
		text = malloc(head + plen + (size_t)n + 2);
		if (text) {
			memcpy(text, stack, head + plen);
			vsnprintf(text + head + plen, (size_t)n + 1, fmt, again);
		} else {
			text = stack;   /* out of memory: the cut message is better than none */
			n = (int)(sizeof stack - head - plen - 2);
		}
	}
	va_end(again);
	if (n < 0)
		n = 0;
	text[head + plen + (size_t)n] = '\n';
	log_lock();
	write_message(text, head + plen + (size_t)n + 1);
	log_unlock();
	if (text != stack)
		free(text);
	errno = saved;      /* callers go on to use errno, as after fprintf */
}

static void LOG_PRINTF(2, 0) log_vmsg(enum scrape_log_level level, const char *fmt, va_list ap)
{
	char prefix[32];

	if ((unsigned)level > SCRAPE_LOG_DEBUG)
		level = SCRAPE_LOG_ERROR;       /* a plugin's unknown level is not hidden */
	if (!log_enabled(level))
		return;
	snprintf(prefix, sizeof prefix, "scrape: %s: ", level_names[level]);
	emit(prefix, fmt, ap);
}

void log_msg(enum scrape_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(SCRAPE_LOG_ERROR, fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(SCRAPE_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void log_note(int from, const char *fmt, ...)
{
	va_list ap;

	if (logger.verbosity < from)
		return;
	va_start(ap, fmt);
	emit("scrape: ", fmt, ap);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("scrape: ", fmt, ap);
	va_end(ap);
}

void log_located(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}
