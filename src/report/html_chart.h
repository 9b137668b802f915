/* SPDX-License-Identifier: MIT */
/*
 * Private to the HTML report (html.c lays out the page, html_chart.c
 * draws the charts): what each half gives the other.  The page owns the
 * one escaper of text into markup; the charts own number formatting for
 * SVG and draw their three cards.  Not for use outside report/html*.c.
 */
#ifndef SCRAPE_REPORT_HTML_CHART_H
#define SCRAPE_REPORT_HTML_CHART_H

#include "report/html.h"
#include "util/buf.h"

/* Appends s as text or as an attribute value (html.c). */
void html_text(struct buf *b, const char *s);

/* Appends v rounded to a tenth, without a useless ".0" (html_chart.c). */
void html_number(struct buf *b, double v);

/* The chart cards, each a <section class="card"> (html_chart.c). */
void html_percentile_chart(struct buf *b, const struct html_report_view *v);
void html_throughput_chart(struct buf *b, const struct html_report_view *v);
void html_latency_time_chart(struct buf *b, const struct html_report_view *v);

#endif
