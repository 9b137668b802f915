/* SPDX-License-Identifier: MIT */
/*
 * The one path for messages on standard error, for the core and for
 * plugins (host->log).  One prefix scheme (see scrape(1), DIAGNOSTICS):
 *
 *   scrape: error: MESSAGE       something failed while a job ran
 *   scrape: warning: MESSAGE     the job goes on, but read this
 *   scrape: info|debug: MESSAGE  plugins' chatter, shown with -v / -vv
 *   scrape: MESSAGE              a line about the run (a crawl's refused
 *                                URL, a --compare run starting), or the one
 *                                line scrape ends with before any run: a
 *                                usage, job or plugin error (exit 2 or 3)
 *   WHERE: MESSAGE               an error located in the job: FILE:LINE:COL,
 *                                --set KEY or --option, compiler style
 *
 * Every message is one write(2) of whole lines, from any thread or forked
 * worker.  A line kept at the bottom of the terminal (the progress line)
 * registers an erase/redraw pair, so messages never land on it.
 */
#ifndef SCRAPE_LOG_H
#define SCRAPE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <scrape/plugin.h>

#define LOG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Verbosity: -q gives LOG_QUIET, each -v one more than LOG_NORMAL. */
enum { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1, LOG_DEBUG_VERBOSE = 2 };

/* The logger's settings: the verbosity from the command line, and where
 * messages go (standard error, 2, unless a test says otherwise).  Called
 * once by main before any thread or worker starts; read-only after that.
 * Until then: LOG_NORMAL, to standard error. */
void log_init(int verbosity, int fd);
/* Also hands every message written (text, len: whole lines) to tap, with
 * the logger's lock held (tap must not log); NULL to stop.  An agent keeps
 * a failed run's last words for the controller so. */
void log_set_tap(void (*tap)(void *arg, const char *text, size_t len), void *arg);
/* Whether a message of the plugin ABI's level would be shown. */
int log_enabled(enum scrape_log_level level);

/* "scrape: LEVEL: ..." when the level is enabled (error and warning always,
 * info from -v, debug from -vv). */
void log_msg(enum scrape_log_level level, const char *fmt, ...) LOG_PRINTF(2, 3);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warning(const char *fmt, ...) LOG_PRINTF(1, 2);
/* "scrape: ...": a line about the run, shown from this verbosity up. */
void log_note(int verbosity, const char *fmt, ...) LOG_PRINTF(2, 3);
/* "scrape: ...": the error scrape ends with before running anything. */
void log_fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
/* "...", as given: a message that starts with where in the job it is. */
void log_located(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * The status line's owner registers how to erase it and put it back (NULL,
 * NULL to let go).  Both are called with the logger's lock held and must
 * not log.  Around each message: erase, the message, redraw.
 */
void log_set_status(void (*erase)(void *arg), void (*redraw)(void *arg), void *arg);
/* Held by the status line's owner while it draws the line, so that no
 * message cuts it in two.  Takes no other lock inside: take it last. */
void log_lock(void);
void log_unlock(void);

#endif
