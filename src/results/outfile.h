/* SPDX-License-Identifier: MIT */
/*
 * Opening the files scrape writes (reports, records) by one set of rules,
 * so no writer can clobber what it was not asked to.  A regular file is
 * replaced atomically: the bytes go to a temporary file created
 * exclusively (O_EXCL, a random name) next to it and renamed over it at
 * commit, so a reader never sees half a file and a link planted at a
 * temporary name is never followed.  A FIFO or a device (/dev/stdout,
 * /dev/null) is written in place, never replaced.  A symbolic link is
 * followed, as a shell redirection would: its target is what gets written,
 * and the link stays; a link to nothing is refused.
 */
#ifndef SCRAPE_OUTFILE_H
#define SCRAPE_OUTFILE_H

#include <stddef.h>

/* A whole file written at once, replaced atomically when it is a regular
 * file: -1 with errno set (ELOOP for a link to nothing). */
int outfile_replace(const char *path, const void *data, size_t len);

/* For records, written as the run goes and readable while it grows: the
 * target itself (a link followed), created with the usual mode if missing
 * and truncated.  The descriptor, or -1 with errno; *regular says whether
 * it is a regular file (else a FIFO, device or socket, worth flushing
 * record by record). */
int outfile_open_stream(const char *path, int *regular);
/* The same, but kept as it is (open for reading and writing) unless
 * truncate: a resumed crawl appends to its records. */
int outfile_open_records(const char *path, int truncate, int *regular);

#endif
