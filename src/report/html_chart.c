/* SPDX-License-Identifier: MIT */
/*
 * The HTML report's charts: the arithmetic of axes (round steps, tick
 * labels, units), the SVG geometry every chart shares (frame, polyline
 * paths with gaps, grid and ticks) and the three chart cards drawn from a
 * struct html_report_view: latency by percentile, throughput and latency
 * over time.  They live apart from html.c, which lays out the page, its
 * stylesheet and tables, because drawing is a self-contained job with its
 * own vocabulary (frames, traces, ticks) that the page never needs; the
 * page gives the charts its one text escaper, html_text().
 */
#include <config.h>

#include "report/html_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* Every chart has the same geometry, in SVG user units; the stylesheet
 * scales it to the width of its card. */
#define CHART_WIDTH 1080.0
#define CHART_HEIGHT 272.0
#define PLOT_LEFT 76.0
#define PLOT_RIGHT 1044.0
#define PLOT_TOP 12.0
#define PLOT_BOTTOM 244.0

/* Inputs above this are drawn at this: far beyond any real latency or
 * rate, and small enough that tick arithmetic stays finite. */
#define VALUE_CAP 1e15

/* The deepest percentile the latency curve shows: 99.9999%. */
#define MAX_NINES 6

/* ---- numbers ---- */

/* The view comes from a run, but a NaN or a negative from a bug upstream
 * must cost one odd point, not a page of "nan" coordinates. */
static double clean(double v)
{
	if (!(v >= 0))
		return 0;
	return v < VALUE_CAP ? v : VALUE_CAP;
}

/* Appends an SVG coordinate rounded to a tenth, without a useless ".0":
 * an hour-long timeline has thousands of them. */
static void coordinate(struct buf *b, long in_tenths)
{
	if (in_tenths < 0) {
		buf_putc(b, '-');
		in_tenths = -in_tenths;
	}
	buf_printf(b, "%ld", in_tenths / 10);
	if (in_tenths % 10)
		buf_printf(b, ".%ld", in_tenths % 10);
}

static long tenths(double v)
{
	return lround(v * 10);
}

void html_number(struct buf *b, double v)
{
	coordinate(b, tenths(v));
}

/* A step of 1, 2 or 5 times a power of ten that cuts 0..max (> 0) into
 * at most about `intervals` pieces. */
static double nice_step(double max, int intervals)
{
	double raw = max / intervals, magnitude = pow(10, floor(log10(raw))), r = raw / magnitude;

	if (r <= 1)
		return magnitude;
	if (r <= 2)
		return 2 * magnitude;
	if (r <= 5)
		return 5 * magnitude;
	return 10 * magnitude;
}

/* The first multiple of step at or above max; the top of an axis. */
static double nice_top(double max, double step)
{
	double top = step * ceil(max / step - 1e-9);

	return top > 0 ? top : step;
}

/* Formats a tick value with the decimals its step needs and no trailing
 * zeros: a 0.5 step reads 0.5, 1, 1.5 and a 200 step 200, 400. */
static void tick_number(char *out, size_t len, double v, double step)
{
	int decimals = 0;
	double scaled = step;
	size_t end;

	while (decimals < 6 && fabs(scaled - round(scaled)) > 1e-6 * scaled) {
		scaled *= 10;
		decimals++;
	}
	snprintf(out, len, "%.*f", decimals, v);
	if (!strchr(out, '.'))
		return;
	end = strlen(out);
	while (out[end - 1] == '0')
		out[--end] = '\0';
	if (out[end - 1] == '.')
		out[end - 1] = '\0';
}

/* ---- chart geometry ---- */

/* The data ranges a chart shows; both are non-empty by construction. */
struct frame {
	double x_lo, x_hi;
	double y_lo, y_hi;
};

/* fmin/fmax also turn a NaN into the edge, so no coordinate escapes. */
static double frame_x(const struct frame *f, double x)
{
	double at = PLOT_LEFT + (x - f->x_lo) / (f->x_hi - f->x_lo) * (PLOT_RIGHT - PLOT_LEFT);

	return fmin(fmax(at, PLOT_LEFT), PLOT_RIGHT);
}

static double frame_y(const struct frame *f, double y)
{
	double at = PLOT_BOTTOM - (y - f->y_lo) / (f->y_hi - f->y_lo) * (PLOT_BOTTOM - PLOT_TOP);

	return fmin(fmax(at, PLOT_TOP), PLOT_BOTTOM);
}

/* Builds the d attribute of one <path>: a polyline that may have gaps.
 * Points are rounded to tenths of a unit and the inner points of a
 * level run are dropped, so a constant target rate over an hour is two
 * points, not 3600. */
struct trace {
	struct buf *b;
	int points;             /* emitted in the current subpath */
	long last_x, last_y;    /* the last one emitted */
	int pending;            /* the end of a level run, not yet emitted */
	long pending_x;
};

static void trace_emit(struct trace *tr, long x, long y)
{
	buf_puts(tr->b, tr->points ? " " : "M");
	coordinate(tr->b, x);
	buf_putc(tr->b, ',');
	coordinate(tr->b, y);
	tr->points++;
	tr->last_x = x;
	tr->last_y = y;
}

static void trace_add(struct trace *tr, double x, double y)
{
	long tx = tenths(x), ty = tenths(y);

	if (tr->points && ty == tr->last_y) {
		if (tx != tr->last_x) {
			tr->pending = 1;
			tr->pending_x = tx;
		}
		return;
	}
	if (tr->pending)
		trace_emit(tr, tr->pending_x, tr->last_y);
	tr->pending = 0;
	trace_emit(tr, tx, ty);
}

/* Ends the current subpath; a lone point becomes a zero-length segment,
 * which the round line caps draw as a dot. */
static void trace_break(struct trace *tr)
{
	if (tr->pending)
		trace_emit(tr, tr->pending_x, tr->last_y);
	else if (tr->points == 1)
		buf_puts(tr->b, "h0");
	tr->pending = 0;
	tr->points = 0;
}

static void chart_open(struct buf *b, const char *label)
{
	buf_puts(b, "<svg class=\"chart\" viewBox=\"0 0 ");
	html_number(b, CHART_WIDTH);
	buf_putc(b, ' ');
	html_number(b, CHART_HEIGHT);
	buf_puts(b, "\" role=\"img\" aria-label=\"");
	html_text(b, label);
	buf_puts(b, "\">");
}

/* The horizontal grid line and the label of one y tick. */
static void y_tick(struct buf *b, const struct frame *f, double v, const char *label)
{
	double y = frame_y(f, v);

	buf_puts(b, "<path class=\"grid\" d=\"M");
	html_number(b, PLOT_LEFT);
	buf_putc(b, ',');
	html_number(b, y);
	buf_puts(b, "H");
	html_number(b, PLOT_RIGHT);
	buf_puts(b, "\"/><text class=\"yl\" x=\"");
	html_number(b, PLOT_LEFT - 8);
	buf_puts(b, "\" y=\"");
	html_number(b, y + 4);
	buf_puts(b, "\">");
	html_text(b, label);
	buf_puts(b, "</text>");
}

/* The tick mark and the label of one x tick. */
static void x_tick(struct buf *b, const struct frame *f, double v, const char *label)
{
	double x = frame_x(f, v);

	buf_puts(b, "<path class=\"axis\" d=\"M");
	html_number(b, x);
	buf_putc(b, ',');
	html_number(b, PLOT_BOTTOM);
	buf_puts(b, "v5\"/><text class=\"xl\" x=\"");
	html_number(b, x);
	buf_puts(b, "\" y=\"");
	html_number(b, PLOT_BOTTOM + 20);
	buf_puts(b, "\">");
	html_text(b, label);
	buf_puts(b, "</text>");
}

/* The base line, drawn last so it covers series that sit at zero. */
static void chart_close(struct buf *b)
{
	buf_puts(b, "<path class=\"axis\" d=\"M");
	html_number(b, PLOT_LEFT);
	buf_putc(b, ',');
	html_number(b, PLOT_BOTTOM);
	buf_puts(b, "H");
	html_number(b, PLOT_RIGHT);
	buf_puts(b, "\"/></svg>");
}

/* A latency unit chosen so the axis labels have few digits. */
struct unit {
	const char *name;
	double per_second;
};

static const struct unit *latency_unit(double max_seconds)
{
	static const struct unit units[] = { { "us", 1e6 }, { "ms", 1e3 }, { "s", 1 } };

	if (max_seconds < 1e-3)
		return &units[0];
	return max_seconds < 1 ? &units[1] : &units[2];
}

/* Ticks from 0 to a round number a little above max, so a flat line
 * does not hide in the frame's top edge.  Values are shown times scale,
 * with the unit, or with a k, M, G ... suffix shared by the whole axis
 * once the numbers get long.  Sets the frame's y range. */
static void value_axis(struct buf *b, struct frame *f, double max, double scale, const char *unit)
{
	static const char suffixes[] = "kMGTPE";
	double shown = max * scale * 1.03, step, top, divisor = 1;
	char value[48], label[64], suffix[4] = "";
	int i, count, magnitude = 0;

	if (!(shown > 0))
		shown = 1;
	step = nice_step(shown, 6);
	top = nice_top(shown, step);
	while (top / divisor >= 10000 && suffixes[magnitude]) {
		divisor *= 1000;
		suffix[0] = suffixes[magnitude++];
	}
	f->y_lo = 0;
	f->y_hi = top / scale;
	count = (int)lround(top / step);
	for (i = 0; i <= count; i++) {
		tick_number(value, sizeof value, i * step / divisor, step / divisor);
		if (i == 0)
			snprintf(label, sizeof label, "0");
		else if (unit)
			snprintf(label, sizeof label, "%s%s %s", value, suffix, unit);
		else
			snprintf(label, sizeof label, "%s%s", value, suffix);
		y_tick(b, f, i * step / scale, label);
	}
}

static void latency_axis(struct buf *b, struct frame *f, double max_seconds)
{
	const struct unit *u = latency_unit(max_seconds * 1.03);

	value_axis(b, f, max_seconds, u->per_second, u->name);
}

/* 45s, 2m, 1m30s, 1h15m: the time axis of an hour-long run. */
static void duration_label(char *out, size_t len, long seconds)
{
	long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;

	if (seconds < 60)
		snprintf(out, len, "%lds", seconds);
	else if (h && m)
		snprintf(out, len, "%ldh%ldm", h, m);
	else if (h)
		snprintf(out, len, "%ldh", h);
	else if (s)
		snprintf(out, len, "%ldm%lds", m, s);
	else
		snprintf(out, len, "%ldm", m);
}

/* Time ticks at round numbers of seconds, minutes or hours. */
static void time_axis(struct buf *b, const struct frame *f)
{
	static const double steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
	                                 3600, 7200, 21600, 43200, 86400 };
	double span = f->x_hi - f->x_lo, step = 0, v;
	char label[32];
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0] && !step; i++) {
		if (span / steps[i] <= 8)
			step = steps[i];
	}
	if (!step)
		step = nice_step(span, 8);
	for (v = ceil(f->x_lo / step) * step; v <= f->x_hi + 1e-9; v += step) {
		duration_label(label, sizeof label, lround(v));
		x_tick(b, f, v, label);
	}
}

/* ---- page pieces ---- */

static void card_head(struct buf *b, const char *title)
{
	buf_puts(b, "<section class=\"card\"><div class=\"head\"><h2>");
	html_text(b, title);
	buf_puts(b, "</h2><div class=\"legend\">");
}

static void legend_key(struct buf *b, const char *key, const char *label)
{
	buf_printf(b, "<span><span class=\"key %s\"></span>", key);
	html_text(b, label);
	buf_puts(b, "</span>");
}

static void no_data(struct buf *b, const char *why)
{
	buf_puts(b, "<div class=\"nodata\">");
	html_text(b, why);
	buf_puts(b, "</div>");
}

static void note(struct buf *b, const char *sentence)
{
	buf_puts(b, "<p class=\"note\">");
	html_text(b, sentence);
	buf_puts(b, "</p>");
}

/* ---- the latency percentile curve ---- */

/* How many nines a percentile has: 90 is 1, 99 is 2, 99.9 is 3.  The x
 * axis of the usual HdrHistogram plot, where the tail gets the room. */
static double nines(double percentile)
{
	if (!(percentile > 0))
		return 0;
	if (percentile >= 100)
		return MAX_NINES;
	return fmin(-log10(1 - percentile / 100), MAX_NINES);
}

static void nines_label(char *out, size_t len, int n)
{
	static const char nine_digits[] = "999999";

	if (n == 0)
		snprintf(out, len, "0%%");
	else if (n == 1)
		snprintf(out, len, "90%%");
	else if (n == 2)
		snprintf(out, len, "99%%");
	else
		snprintf(out, len, "99.%.*s%%", n - 2, nine_digits);
}

static void percentile_path(struct buf *b, const struct frame *f, const struct html_point *p,
                            size_t n, const char *color)
{
	struct trace tr = { .b = b };
	size_t i;

	buf_printf(b, "<path class=\"line %s\" d=\"", color);
	for (i = 0; i < n; i++) {
		if (isfinite(p[i].percentile))
			trace_add(&tr, frame_x(f, nines(p[i].percentile)), frame_y(f, clean(p[i].seconds)));
	}
	trace_break(&tr);
	buf_puts(b, "\"/>");
}

/* The deepest percentile below 100 decides how many nines the axis shows;
 * 100 itself, the maximum, is drawn at the right edge. */
static void percentile_range(const struct html_point *p, size_t n, double *max_nines,
                             double *max_seconds)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (isfinite(p[i].percentile) && p[i].percentile < 100)
			*max_nines = fmax(*max_nines, nines(p[i].percentile));
		*max_seconds = fmax(*max_seconds, clean(p[i].seconds));
	}
}

/* How many groups' curves the chart draws: none for a single group (its
 * curve is the run's), else those given, at most HTML_GROUP_CURVES. */
static int group_curves(const struct html_report_view *v)
{
	size_t g;
	int n = 0;

	if (v->group_count < 2)
		return 0;
	for (g = 0; g < v->group_count && n < HTML_GROUP_CURVES; g++)
		if (v->groups[g].curve_count)
			n++;
	return n;
}

void html_percentile_chart(struct buf *b, const struct html_report_view *v)
{
	struct frame f = { 0 };
	double max_nines = 0, max_seconds = 0;
	char label[32], key[16];
	int i, shown, drawn, curves = group_curves(v);
	size_t g;

	percentile_range(v->latency, v->latency_count, &max_nines, &max_seconds);
	percentile_range(v->service, v->service_count, &max_nines, &max_seconds);
	card_head(b, "Latency by percentile");
	if (max_seconds > 0) {
		legend_key(b, "k-blue", v->service_count ? "Latency (from intended start)" :
		           curves ? "Latency, all requests" : "Latency");
		if (v->service_count)
			legend_key(b, "k-orange", "Service time (from actual send)");
		for (g = 0, drawn = 0; g < v->group_count && drawn < curves; g++) {
			if (!v->groups[g].curve_count)
				continue;
			snprintf(key, sizeof key, "k-g%d", drawn++);
			legend_key(b, key, v->groups[g].name);
		}
	}
	buf_puts(b, "</div></div>");
	if (!(max_seconds > 0)) {
		no_data(b, "No latency recorded");
		buf_puts(b, "</section>");
		return;
	}
	/* at least out to 99%, where most SLOs are written */
	shown = (int)ceil(max_nines - 1e-6);
	shown = shown < 2 ? 2 : shown > MAX_NINES ? MAX_NINES : shown;
	f.x_lo = 0;
	f.x_hi = shown;
	chart_open(b, "Latency by percentile");
	latency_axis(b, &f, max_seconds);
	for (i = 0; i <= shown; i++) {
		nines_label(label, sizeof label, i);
		x_tick(b, &f, i, label);
	}
	if (v->service_count)
		percentile_path(b, &f, v->service, v->service_count, "s-orange");
	/* the groups' curves thin, under the run's, in the table's order */
	for (g = 0, drawn = 0; g < v->group_count && drawn < curves; g++) {
		if (!v->groups[g].curve_count)
			continue;
		snprintf(key, sizeof key, "thin s-g%d", drawn++);
		percentile_path(b, &f, v->groups[g].curve, v->groups[g].curve_count, key);
	}
	percentile_path(b, &f, v->latency, v->latency_count, "s-blue");
	chart_close(b);
	if (curves)
		note(b, v->group_count > (size_t)curves ?
		     "Thin lines: the first groups of the table by group, each on its own." :
		     "Thin lines: each group of the table by group on its own.");
	note(b, v->service_count ?
	     "Percentiles on a log scale of nines. Latency counts from when each request was due, "
	     "so time spent queued behind a slow server shows; service time counts from the "
	     "actual send." :
	     "Percentiles on a log scale of nines: each step right is ten times rarer.");
	buf_puts(b, "</section>");
}

/* ---- the timeline charts ---- */

enum series { SERIES_REQUESTS, SERIES_ERRORS, SERIES_TARGET, SERIES_P50, SERIES_P99 };

/* The time second s covers: a whole one, or the part of the last one
 * before the run ended (a millisecond at least, as the timeline makes it,
 * so neither a rate nor the time axis can collapse). */
static double covered(const struct html_second *s)
{
	if (!(s->seconds > 0) || s->seconds >= 1)
		return 1;
	return fmax(s->seconds, 0.001);
}

/* One series' value in a second; NAN where it has none (latency in a
 * second without completed requests), which the path leaves as a gap
 * rather than dropping the line to zero.  Counts become rates over the
 * time the second covers, so the last, partial second of a run does not
 * read as a plunge. */
static double second_value(const struct html_second *s, enum series which)
{
	switch (which) {
	case SERIES_REQUESTS: return clean((double)s->requests / covered(s));
	case SERIES_ERRORS: return clean((double)s->errors / covered(s));
	case SERIES_TARGET: return clean(s->target_rate);
	case SERIES_P50: return s->requests ? clean(s->p50) : NAN;
	case SERIES_P99: return s->requests ? clean(s->p99) : NAN;
	}
	return NAN;
}

/* The x of second i: the middle of the time it covers, except that a
 * lone second spans all of it so it shows as a line rather than a dot.
 * `end` picks the right edge of that span. */
static double second_x(const struct html_second *s, size_t n, size_t i, int end)
{
	double t = clean(s[i].t);

	if (n == 1)
		return end ? t + covered(&s[i]) : t;
	return t + covered(&s[i]) / 2;
}

static void timeline_path(struct buf *b, const struct frame *f, const struct html_report_view *v,
                          enum series which, const char *classes, int area)
{
	const struct html_second *s = v->timeline;
	size_t i, n = v->timeline_count;
	struct trace tr = { .b = b };
	double value;

	buf_printf(b, "<path class=\"%s\" d=\"", classes);
	if (area)
		trace_add(&tr, frame_x(f, second_x(s, n, 0, 0)), PLOT_BOTTOM);
	for (i = 0; i < n; i++) {
		value = second_value(&s[i], which);
		if (isnan(value)) {
			trace_break(&tr);
			continue;
		}
		trace_add(&tr, frame_x(f, second_x(s, n, i, 0)), frame_y(f, value));
		if (n == 1)
			trace_add(&tr, frame_x(f, second_x(s, n, i, 1)), frame_y(f, value));
	}
	if (area) {
		trace_add(&tr, frame_x(f, second_x(s, n, n - 1, 1)), PLOT_BOTTOM);
		trace_break(&tr);
		buf_putc(b, 'Z');
	}
	trace_break(&tr);
	buf_puts(b, "\"/>");
}

static double series_max(const struct html_report_view *v, enum series which)
{
	double max = 0, value;
	size_t i;

	for (i = 0; i < v->timeline_count; i++) {
		value = second_value(&v->timeline[i], which);
		if (!isnan(value))
			max = fmax(max, value);
	}
	return max;
}

/* The seconds the timeline covers, from its first to the end of its last
 * (the run's end, when that cut the last second short). */
static void time_range(const struct html_report_view *v, struct frame *f)
{
	size_t i;

	f->x_lo = clean(v->timeline[0].t);
	f->x_hi = f->x_lo + covered(&v->timeline[0]);
	for (i = 0; i < v->timeline_count; i++) {
		f->x_lo = fmin(f->x_lo, clean(v->timeline[i].t));
		f->x_hi = fmax(f->x_hi, clean(v->timeline[i].t) + covered(&v->timeline[i]));
	}
}

void html_throughput_chart(struct buf *b, const struct html_report_view *v)
{
	double max_errors = series_max(v, SERIES_ERRORS), max_target = series_max(v, SERIES_TARGET);
	struct frame f = { 0 };
	char sentence[256];

	card_head(b, "Throughput");
	if (v->timeline_count) {
		legend_key(b, "k-blue", "Completed/s");
		legend_key(b, "k-red", max_errors > 0 ? "Errors/s" : "Errors/s (none)");
		if (max_target > 0)
			legend_key(b, "k-dash", "Target rate");
	}
	buf_puts(b, "</div></div>");
	if (!v->timeline_count) {
		no_data(b, "No timeline recorded");
		buf_puts(b, "</section>");
		return;
	}
	time_range(v, &f);
	chart_open(b, "Completed requests and errors per second");
	value_axis(b, &f, fmax(series_max(v, SERIES_REQUESTS), fmax(max_errors, max_target)), 1, NULL);
	time_axis(b, &f);
	timeline_path(b, &f, v, SERIES_REQUESTS, "area", 1);
	timeline_path(b, &f, v, SERIES_REQUESTS, "line s-blue", 0);
	if (max_target > 0)
		timeline_path(b, &f, v, SERIES_TARGET, "line thin s-target", 0);
	if (max_errors > 0)
		timeline_path(b, &f, v, SERIES_ERRORS, "line thin s-red", 0);
	chart_close(b);
	snprintf(sentence, sizeof sentence, "Requests completed in each second of the measurement "
	         "(%zu %s)%s.", v->timeline_count, v->timeline_count == 1 ? "second" : "seconds",
	         covered(&v->timeline[v->timeline_count - 1]) < 1 ?
	         "; the last, cut short by the end of the run, as a rate over the part it covers" : "");
	note(b, sentence);
	buf_puts(b, "</section>");
}

void html_latency_time_chart(struct buf *b, const struct html_report_view *v)
{
	double max = v->timeline_count ?
	             fmax(series_max(v, SERIES_P50), series_max(v, SERIES_P99)) : 0;
	struct frame f = { 0 };

	card_head(b, "Latency over time");
	if (max > 0) {
		legend_key(b, "k-blue", "p50");
		legend_key(b, "k-orange", "p99");
	}
	buf_puts(b, "</div></div>");
	if (!(max > 0)) {
		no_data(b, "No latency recorded");
		buf_puts(b, "</section>");
		return;
	}
	time_range(v, &f);
	chart_open(b, "p50 and p99 latency per second");
	latency_axis(b, &f, max);
	time_axis(b, &f);
	timeline_path(b, &f, v, SERIES_P99, "line s-orange", 0);
	timeline_path(b, &f, v, SERIES_P50, "line s-blue", 0);
	chart_close(b);
	note(b, "Percentiles of the requests completed in each second; seconds without any are "
	     "left as gaps.");
	buf_puts(b, "</section>");
}
