/* SPDX-License-Identifier: MIT */
/*
 * URL sources.  The file was checked line by line when the job was loaded;
 * if it changes under a running job, lines that no longer look like URLs
 * are skipped with a warning rather than handed to a strategy.
 */
#include <config.h>

#include "frontier.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void frontier_init(struct frontier *f, const struct job *job)
{
	memset(f, 0, sizeof *f);
	f->job = job;
}

void frontier_free(struct frontier *f)
{
	if (f->file)
		fclose(f->file);
	free(f->line);
	f->file = NULL;
	f->line = NULL;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* The next URL of the file in this pass, or NULL at its end. */
static const char *next_from_file(struct frontier *f)
{
	if (!f->file) {
		f->file = fopen(f->job->url_file, "r");
		if (!f->file) {
			snprintf(f->error, sizeof f->error, "cannot open %s: %s", f->job->url_file,
			         strerror(errno));
			return NULL;
		}
	}
	while (getline(&f->line, &f->line_cap, f->file) >= 0) {
		const char *why;
		char *url = trim(f->line);

		if (*url == '\0' || *url == '#')
			continue;
		if (job_url_ok(url, &why) < 0) {
			fprintf(stderr, "scrape: warning: %s: skipping \"%.100s\": %s\n", f->job->url_file,
			        url, why);
			continue;
		}
		return url;
	}
	if (ferror(f->file))
		snprintf(f->error, sizeof f->error, "cannot read %s: %s", f->job->url_file,
		         strerror(errno));
	fclose(f->file);
	f->file = NULL;
	return NULL;
}

const char *frontier_next(struct frontier *f)
{
	const char *url;

	while (!f->exhausted) {
		if (f->list_index < f->job->url_count) {
			f->issued++;
			return f->job->urls[f->list_index++];
		}
		if (f->job->url_file && (url = next_from_file(f)) != NULL) {
			f->issued++;
			return url;
		}
		if (f->error[0] || ++f->pass >= f->job->repeat) {
			f->exhausted = 1;
			break;
		}
		f->list_index = 0;
	}
	return NULL;
}
