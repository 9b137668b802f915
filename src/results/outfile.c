/* SPDX-License-Identifier: MIT */
/*
 * The rules every file scrape writes goes by (see outfile.h).  Why not a
 * fixed "PATH.tmp" and rename: the rename replaced FIFOs and devices with
 * regular files (as root, --report /dev/null replaced /dev/null), and a
 * symbolic link planted at PATH.tmp was followed and its target
 * overwritten.  Here the temporary name is random and created with O_EXCL
 * and O_NOFOLLOW, and only a regular file is ever renamed over.
 */
#include <config.h>

#include "results/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A whole file being written: its temporary file until commit. */
struct outfile {
	char *path;         /* what is written: PATH, or the target of its link */
	char *tmp;          /* the temporary file; NULL when writing in place */
	int fd;
};

#define TEMP_TRIES 64
/* keeps ".NAME.XXXXXXXXXXXX" within NAME_MAX for any NAME */
#define TEMP_BASE_MAX 200

/* The file path names, its links followed; *exists and *st describe it.
 * A regular file behind a link is named by its real path, so it is
 * replaced there and the link stays; a FIFO or device behind one keeps
 * the name given (/dev/stdout leads to "pipe:[N]", which has no path).
 * *nofollow says whether the name is final, so opening it must not meet a
 * link planted since.  A link to nothing is refused (ENOENT): creating
 * whatever file it points at is not what the user asked for. */
static char *resolve(const char *path, int *exists, struct stat *st, int *nofollow)
{
	struct stat link;

	*exists = 0;
	*nofollow = 1;
	if (lstat(path, &link) != 0)
		return errno == ENOENT ? strdup(path) : NULL;
	*exists = 1;
	if (!S_ISLNK(link.st_mode)) {
		*st = link;
		return strdup(path);
	}
	if (stat(path, st) != 0)
		return NULL;
	if (S_ISREG(st->st_mode))
		return realpath(path, NULL);
	*nofollow = 0;
	return strdup(path);
}

/* Twelve hex digits, unpredictable where getrandom works: the name must
 * not be guessable in advance by whoever shares the directory.  Without
 * getrandom: the time, the process, the caller's buffer (on its thread's
 * stack) and the attempt, so names made in the same nanosecond differ. */
static void random_suffix(char out[13], unsigned attempt)
{
	unsigned char bytes[6];
	struct timespec ts;
	size_t i;

	if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
		unsigned long long mix;
		clock_gettime(CLOCK_REALTIME, &ts);
		mix = (unsigned long long)ts.tv_nsec * 2654435761u ^ (unsigned long long)getpid() << 20 ^
		      (unsigned long long)(uintptr_t)out ^ attempt;
		for (i = 0; i < sizeof bytes; i++)
			bytes[i] = (unsigned char)(mix >> (8 * i));
	}
	for (i = 0; i < sizeof bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

/* Creates ".NAME.XXXXXXXXXXXX" next to target, exclusively; with mode
 * 0666 the umask applies as for any new file. */
static int create_temp(struct outfile *f)
{
	const char *slash = strrchr(f->path, '/');
	const char *base = slash ? slash + 1 : f->path;
	int dirlen = slash ? (int)(slash - f->path + 1) : 0;
	char suffix[13];
	int tries;

	for (tries = 0; tries < TEMP_TRIES; tries++) {
		random_suffix(suffix, (unsigned)tries);
		if (asprintf(&f->tmp, "%.*s.%.*s.%s", dirlen, f->path, TEMP_BASE_MAX, base, suffix) < 0) {
			f->tmp = NULL;
			errno = ENOMEM;
			return -1;
		}
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (f->fd >= 0)
			return 0;
		free(f->tmp);
		f->tmp = NULL;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static void clear(struct outfile *f)
{
	int saved = errno;

	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	f->fd = -1;
	errno = saved;
}

/* Opens path for a whole file written at once: a temporary file if the
 * target is (or will be) a regular file, else the target itself.  -1 with
 * errno set (ELOOP for a link to nothing). */
static int outfile_open(struct outfile *f, const char *path)
{
	struct stat st;
	int exists, nofollow;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	if (!(f->path = resolve(path, &exists, &st, &nofollow))) {
		clear(f);
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* a FIFO or a device is the destination itself, not a name to
		 * put a new file under */
		f->fd = open(f->path, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC |
		             (nofollow ? O_NOFOLLOW : 0));
	} else if (create_temp(f) == 0 && exists) {
		/* the replacement keeps the permissions of what it replaces */
		(void)fchmod(f->fd, st.st_mode & 07777);
	}
	if (f->fd < 0) {
		clear(f);
		return -1;
	}
	return 0;
}

/* Writes all of data through short writes and EINTR; -1 with errno. */
static int outfile_write(struct outfile *f, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Syncs and renames the temporary file into place, or closes the target
 * written in place; -1 with errno set, the temporary file removed. */
static int outfile_commit(struct outfile *f)
{
	int rc = 0;

	if (f->tmp && fsync(f->fd) != 0 && errno != EINVAL)
		rc = -1;
	if (close(f->fd) != 0 && rc == 0)
		rc = -1;
	f->fd = -1;
	if (rc == 0 && f->tmp && rename(f->tmp, f->path) != 0)
		rc = -1;
	if (rc != 0 && f->tmp) {
		int saved = errno;
		unlink(f->tmp);
		errno = saved;
	}
	clear(f);
	return rc;
}

/* Closes and removes the temporary file; the target stays as it was. */
static void outfile_abort(struct outfile *f)
{
	int saved = errno;

	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	clear(f);
	errno = saved;
}

int outfile_replace(const char *path, const void *data, size_t len)
{
	struct outfile f;

	if (outfile_open(&f, path) < 0)
		return -1;
	if (outfile_write(&f, data, len) < 0) {
		outfile_abort(&f);
		return -1;
	}
	return outfile_commit(&f);
}

int outfile_open_stream(const char *path, int *regular)
{
	return outfile_open_records(path, 1, regular);
}

int outfile_open_records(const char *path, int truncate, int *regular)
{
	struct stat st;
	char *target;
	int exists, nofollow, fd;

	if (!(target = resolve(path, &exists, &st, &nofollow)))
		return -1;
	fd = open(target, (truncate ? O_WRONLY | O_TRUNC : O_RDWR) | O_CREAT | O_NOCTTY | O_CLOEXEC |
	          (nofollow ? O_NOFOLLOW : 0), 0666);
	free(target);
	if (fd >= 0 && fstat(fd, &st) == 0)
		*regular = S_ISREG(st.st_mode);
	else
		*regular = 1;
	return fd;
}
