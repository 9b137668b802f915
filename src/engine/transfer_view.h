/* SPDX-License-Identifier: MIT */
/*
 * The transport-neutral side of a request (plugin ABI 1.2): the read-only
 * view a strategy with its own HTTP client sends from, and the outcome it
 * hands back turned into the same struct transfer_outcome the libcurl
 * strategies' transfers give, so everything after it is shared.
 */
#ifndef SCRAPE_TRANSFER_VIEW_H
#define SCRAPE_TRANSFER_VIEW_H

#include <scrape/plugin.h>

#include "engine/transfer.h"

struct transfer_view;

/* Builds the headers the views of the job's own requests share (kept in
 * s, freed by transfer_settings_free); 0, or -1 out of memory. */
int transfer_view_settings_init(struct transfer_settings *s);
/* Readies req for an attempt and describes it; NULL out of memory. */
struct transfer_view *transfer_view_new(const struct transfer_settings *s, struct scrape_request *req);
const struct scrape_request_view *transfer_view_get(const struct transfer_view *v);
void transfer_view_free(struct transfer_view *v);

/* What the strategy's outcome means for the core: the body and headers
 * taken into req as the libcurl callbacks would have, the error named as
 * the libcurl strategies name it, the hops of a redirect chain added in.
 * out points into in and req.  Whether the transfer completed (no
 * failure, and no redirect that could not be followed). */
int transfer_view_outcome(const struct transfer_settings *s, struct scrape_request *req,
                          const struct scrape_outcome *in, struct transfer_outcome *out);
/* Whether the outcome is a redirect the job follows: req then describes
 * the next hop (its view is made anew) and goes back to the queue. */
int transfer_view_follow(const struct transfer_settings *s, struct scrape_request *req,
                         const struct scrape_outcome *in);
/* A retry starts over from the request's own URL, as libcurl's does. */
void transfer_view_restart(struct scrape_request *req);

#endif
