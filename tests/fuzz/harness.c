/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the harnesses (see harness.h).  The scratch
 * directory is removed at exit so runs leave nothing behind.
 */
#include "harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_abort(const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* The next line of [*p, end) as a string (NULL for an empty one). */
static char *line(const uint8_t **p, const uint8_t *end, int *oom)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	char *s = NULL;

	if (stop > *p && !(s = fuzz_string(*p, (size_t)(stop - *p))))
		*oom = 1;
	*p = nl ? nl + 1 : end;
	return s;
}

int fuzz_response(struct fuzz_response *r, const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	int oom = 0;

	memset(r, 0, sizeof *r);
	r->content_type = line(&p, end, &oom);
	r->charset = line(&p, end, &oom);
	r->body = (unsigned char *)fuzz_string(p, (size_t)(end - p));
	if (oom || !r->body) {
		fuzz_response_free(r);
		return -1;
	}
	r->resp.size = sizeof r->resp;
	r->resp.url = r->resp.final_url = FUZZ_PAGE_URL;
	r->resp.status = 200;
	r->resp.content_type = r->content_type;
	r->resp.charset = r->charset;
	r->resp.body = r->body;
	r->resp.body_len = (size_t)(end - p);
	if (r->content_type) {
		r->header.name = "Content-Type";
		r->header.value = r->content_type;
		r->resp.headers = &r->header;
		r->resp.header_count = 1;
	}
	return 0;
}

void fuzz_response_free(struct fuzz_response *r)
{
	free(r->content_type);
	free(r->charset);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static char scratch[64];

static void remove_scratch(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	char path[128];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(scratch);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[128];
	FILE *f;

	if (!scratch[0]) {
		snprintf(scratch, sizeof scratch, "%s/scrape-fuzz-XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(scratch)) {
			perror("fuzz_file: mkdtemp");
			exit(1);
		}
		atexit(remove_scratch);
	}
	snprintf(path, sizeof path, "%s/%s", scratch, name);
	if (!(f = fopen(path, "wb")) || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}
