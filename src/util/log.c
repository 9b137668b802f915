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

static int verbosity;
static int out_fd = 2;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static void (*status_erase)(void *);
static void (*status_redraw)(void *);
static void *status_arg;
/* In a forked worker: the parent may have a status line on the screen that
 * this process cannot see, so each message starts by erasing the line. */
static int erase_blind;

void log_set_verbosity(int level)
{
	verbosity = level;
}

int log_enabled(enum scrape_log_level level)
{
	if (level == SCRAPE_LOG_INFO)
		return verbosity >= LOG_VERBOSE;
	if (level == SCRAPE_LOG_DEBUG)
		return verbosity >= LOG_DEBUG_VERBOSE;
	return 1;
}

/* A fork while another thread holds the lock would leave the child's copy
 * locked for ever: hold it across fork, so both sides start unlocked. */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void after_fork_child(void)
{
	/* the status line belongs to the parent's threads, which are not here */
	if (status_erase)
		erase_blind = 1;
	status_erase = NULL;
	status_redraw = NULL;
	status_arg = NULL;
	pthread_mutex_unlock(&lock);
}

static void register_fork_handlers(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

void log_lock(void)
{
	pthread_once(&fork_once, register_fork_handlers);
	pthread_mutex_lock(&lock);
}

void log_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

void log_set_fd(int fd)
{
	log_lock();
	out_fd = fd;
	log_unlock();
}

void log_set_status(void (*erase)(void *arg), void (*redraw)(void *arg), void *arg)
{
	log_lock();
	status_erase = erase;
	status_redraw = redraw;
	status_arg = arg;
	log_unlock();
}

/* All of it, through short writes and signals; a message that cannot be
 * written has nowhere else to go. */
static void write_all(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(out_fd, s, len);
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
	if (status_erase)
		status_erase(status_arg);
	write_all(text, len);
	if (status_redraw)
		status_redraw(status_arg);
}

/* Formats prefix, message and newline into one buffer (on the heap when
 * the stack's is too small, so nothing is cut), and writes it. */
static void LOG_PRINTF(2, 0) emit(const char *prefix, const char *fmt, va_list ap)
{
	char stack[2048], *text = stack;
	size_t head = erase_blind ? strlen(ERASE_LINE) : 0;
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

	if (verbosity < from)
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
