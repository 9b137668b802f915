/* SPDX-License-Identifier: MIT */
/*
 * Record encoding for one response (record_make.c); run_conclude, which
 * also runs the parsers, is declared in run.h.
 */
#ifndef SCRAPE_RECORD_MAKE_H
#define SCRAPE_RECORD_MAKE_H

#include "results/record.h"
#include "engine/run.h"

/* Appends the record of a response as one JSON line to line. */
void record_encode(const struct scrape_request *req, const struct transfer_outcome *o,
                   const char *error, const struct scrape_record *rec, struct buf *line);

#endif
