/* SPDX-License-Identifier: MIT */
/* Test plugin: a shared object without the scrape_plugin descriptor. */
#include <scrape/plugin.h>

SCRAPE_PLUGIN_EXPORT int not_a_descriptor = 42;
