/* SPDX-License-Identifier: MIT */
/*
 * From one response to its record (record_make.c): the parsers run on it,
 * then the record is encoded.  run_conclude (run.h) calls these; this
 * module does not know the run, so the run may include it and not the
 * other way round.
 */
#ifndef SCRAPE_RECORD_MAKE_H
#define SCRAPE_RECORD_MAKE_H

#include <stddef.h>
#include <scrape/plugin.h>

#include "util/buf.h"
#include "engine/request.h"
#include "engine/transfer.h"
#include "results/record.h"

/* A parser plugin as the run holds it: its descriptor and its state. */
struct parser_instance {
	const struct scrape_plugin *plugin;
	void *state;
};

/* Runs the parsers on a response, filling rec; returns the name of one
 * that failed (NULL: none). */
const char *record_parse(const struct parser_instance *parsers, size_t parser_count,
                         struct scrape_request *req, const struct transfer_outcome *o,
                         struct scrape_record *rec);

/* Which class a performed transfer is of: RECRAWL_NONE without recrawl or
 * a response; RECRAWL_UNCHANGED for a 304 to validators the request sent. */
enum recrawl_class record_recrawl_class(const struct job *job, const struct scrape_request *req,
                                        const struct transfer_outcome *o);

/* Appends the record of a response as one JSON line to line; a recrawl
 * class other than RECRAWL_NONE adds the recrawl members (the response's
 * validators from req, rec's links). */
void record_encode(const struct scrape_request *req, const struct transfer_outcome *o,
                   const char *error, const struct scrape_record *rec, enum recrawl_class recrawl,
                   struct buf *line);

#endif
