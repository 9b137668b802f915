/* SPDX-License-Identifier: MIT */
/*
 * The frontier: where the URLs of a run come from, in order.  The job's
 * `urls` list and then its `url_file` make one pass; `repeat` makes that
 * many passes.  The URL file is streamed, one line at a time, so its size
 * does not matter.  Callers serialise access (the run's lock).
 */
#ifndef SCRAPE_FRONTIER_H
#define SCRAPE_FRONTIER_H

#include <stdint.h>
#include <stdio.h>

#include "job.h"

struct frontier {
	const struct job *job;
	int64_t pass;               /* 0-based repeat pass */
	size_t list_index;          /* next item of job->urls */
	FILE *file;                 /* open url_file during a pass */
	char *line;
	size_t line_cap;
	int exhausted;
	int64_t issued;
	char error[256];            /* set if the URL file failed mid-run */
};

void frontier_init(struct frontier *f, const struct job *job);
void frontier_free(struct frontier *f);
/* The next URL (valid until the next call), or NULL when there are no
 * more; f->error says whether that was an I/O failure. */
const char *frontier_next(struct frontier *f);

#endif
