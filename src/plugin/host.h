/* SPDX-License-Identifier: MIT */
/*
 * The host table handed to every plugin's create(): the core's side of the
 * plugin ABI, wired to the run, options and record modules.
 */
#ifndef SCRAPE_HOST_H
#define SCRAPE_HOST_H

#include <scrape/plugin.h>

extern const struct scrape_host host_table;

#endif
