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

struct outfile {
	char *path;         /* what is written: PATH, or the target of its link */
	char *tmp;          /* the temporary file; NULL when writing in place */
	int fd;
};

/* Opens path for a whole file written at once: a temporary file if the
 * target is (or will be) a regular file, else the target itself.  -1 with
 * errno set (ELOOP for a link to nothing). */
int outfile_open(struct outfile *f, const char *path);
/* Writes all of data through short writes and EINTR; -1 with errno. */
int outfile_write(struct outfile *f, const void *data, size_t len);
/* Syncs and renames the temporary file into place, or closes the target
 * written in place; -1 with errno set, the temporary file removed. */
int outfile_commit(struct outfile *f);
/* Closes and removes the temporary file; the target stays as it was. */
void outfile_abort(struct outfile *f);

/* open, write, commit in one: -1 with errno set. */
int outfile_replace(const char *path, const void *data, size_t len);

/* For records, written as the run goes and readable while it grows: the
 * target itself (a link followed), created with the usual mode if missing
 * and truncated.  The descriptor, or -1 with errno; *regular says whether
 * it is a regular file (else a FIFO, device or socket, worth flushing
 * record by record). */
int outfile_open_stream(const char *path, int *regular);

#endif
