/* SPDX-License-Identifier: MIT */
/*
 * The HTML run report: one page with its stylesheet inline and its charts
 * drawn as inline SVG from the plain numbers of a struct html_report_view.
 * No scripts and nothing fetched, so it reads the same from a CI artifact
 * store, a mail attachment or a laptop offline.  The markup is also
 * well-formed XML (every element closed, only XML's own entities), so the
 * tests, and anyone else, can check it with a strict parser.
 */
#include <config.h>

#include "report/html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "results/outfile.h"

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

static const char stylesheet[] =
	":root{--ink:#111827;--text:#374151;--muted:#6b7280;--line:#e5e7eb;--soft:#f3f4f6;"
	"--bg:#f4f6f9;--card:#fff;--blue:#2563eb;--orange:#ea580c;--red:#dc2626;--green:#15803d}"
	"*{box-sizing:border-box}"
	"html{-webkit-text-size-adjust:100%}"
	"body{margin:0;background:var(--bg);color:var(--text);"
	"font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}"
	"main{max-width:1160px;margin:0 auto;padding:28px 24px 40px}"
	"h1,h2{color:var(--ink);margin:0}"
	"h1{font-size:24px;font-weight:650;line-height:1.25;overflow-wrap:anywhere}"
	"h2{font-size:15px;font-weight:650}"
	".top{display:flex;justify-content:space-between;align-items:flex-start;gap:24px;"
	"padding-bottom:20px;margin-bottom:20px;border-bottom:1px solid var(--line)}"
	".kicker{font-size:11px;font-weight:700;letter-spacing:.1em;text-transform:uppercase;"
	"color:var(--blue);margin-bottom:6px}"
	".subtitle{margin:6px 0 0;font-size:15px;color:var(--text);overflow-wrap:anywhere}"
	".meta{margin:8px 0 0;font-size:12px;color:var(--muted)}"
	".meta span+span::before{content:\"\\00b7\";margin:0 8px;color:#c0c4cc}"
	".verdict{flex:none;text-align:right;padding:10px 16px;border-radius:10px;font-size:12px}"
	".verdict strong{display:block;font-size:18px;letter-spacing:.06em}"
	".verdict.pass{background:#dcfce7;color:#166534}"
	".verdict.fail{background:#fee2e2;color:#991b1b}"
	".card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
	"padding:16px 20px;margin-bottom:16px;box-shadow:0 1px 2px rgba(16,24,40,.04)}"
	".card>h2{margin-bottom:10px}"
	".warnings{background:#fffbeb;border-color:#fcd34d;border-left:4px solid #f59e0b}"
	".warnings h2{color:#92400e}"
	".warnings ul{margin:6px 0 0;padding-left:20px;color:#78350f}"
	".warnings li+li{margin-top:2px}"
	".summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(124px,1fr));gap:12px;"
	"margin:0 0 16px;padding:0}"
	".figure{background:var(--card);border:1px solid var(--line);border-radius:10px;"
	"padding:12px 16px;margin:0}"
	".figure dt{font-size:11px;font-weight:600;letter-spacing:.06em;text-transform:uppercase;"
	"color:var(--muted);overflow-wrap:anywhere}"
	".figure dd{margin:4px 0 0;font-size:20px;font-weight:650;color:var(--ink);"
	"font-variant-numeric:tabular-nums;overflow-wrap:anywhere}"
	".head{display:flex;justify-content:space-between;align-items:baseline;gap:16px;"
	"flex-wrap:wrap;margin-bottom:8px}"
	".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--text)}"
	".key{display:inline-block;width:16px;height:3px;border-radius:2px;vertical-align:middle;"
	"margin-right:6px;background:var(--muted)}"
	".k-blue{background:var(--blue)}.k-orange{background:var(--orange)}.k-red{background:var(--red)}"
	".k-dash{background:repeating-linear-gradient(90deg,var(--ink) 0 5px,transparent 5px 8px)}"
	".chart{display:block;width:100%;height:auto}"
	".chart text{font-size:12px;fill:var(--muted);font-variant-numeric:tabular-nums}"
	".chart .yl{text-anchor:end}.chart .xl{text-anchor:middle}"
	".chart .grid{stroke:var(--soft);stroke-width:1;fill:none}"
	".chart .axis{stroke:#9ca3af;stroke-width:1;fill:none}"
	".chart .line{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}"
	".chart .thin{stroke-width:1.25}"
	".s-blue{stroke:var(--blue)}.s-orange{stroke:var(--orange)}.s-red{stroke:var(--red)}"
	".s-target{stroke:var(--ink);stroke-dasharray:6 4;opacity:.75}"
	".area{fill:var(--blue);fill-opacity:.1;stroke:none}"
	".note{margin:8px 0 0;font-size:12px;color:var(--muted)}"
	".nodata{display:flex;align-items:center;justify-content:center;height:120px;"
	"border:1px dashed var(--line);border-radius:8px;color:var(--muted);background:#fafbfc}"
	".tables{display:grid;grid-template-columns:1fr 1fr;gap:16px}"
	".tables .card{margin-bottom:0}"
	"table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}"
	"th{font-size:11px;font-weight:600;letter-spacing:.06em;text-transform:uppercase;"
	"color:var(--muted);text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}"
	"td{padding:7px 8px;border-bottom:1px solid var(--soft);vertical-align:middle;"
	"overflow-wrap:anywhere}"
	"tbody tr:last-child td{border-bottom:none}"
	"tfoot td{border-top:1px solid var(--line);border-bottom:none;font-weight:600;color:var(--ink)}"
	"th.num,td.num{text-align:right;white-space:nowrap}"
	"td.share{width:38%}"
	".meter{display:inline-block;width:calc(100% - 64px);height:6px;border-radius:3px;"
	"background:var(--soft);vertical-align:middle;margin-right:8px;overflow:hidden}"
	".meter span{display:block;height:100%;background:var(--blue);border-radius:3px}"
	".errors .meter span{background:var(--red)}"
	".pct{display:inline-block;width:56px;text-align:right;vertical-align:middle;white-space:nowrap}"
	"td.none{color:var(--muted);font-style:italic;text-align:center}"
	".code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}"
	".pill{display:inline-block;min-width:44px;padding:1px 8px;border-radius:12px;"
	"font-weight:600;text-align:center;background:var(--soft);color:var(--text)}"
	".c2{background:#dcfce7;color:#166534}.c3{background:#dbeafe;color:#1e40af}"
	".c4{background:#fef3c7;color:#92400e}.c5{background:#fee2e2;color:#991b1b}"
	".badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:11px;"
	"font-weight:700;letter-spacing:.06em}"
	".badge.pass{background:#dcfce7;color:#166534}.badge.fail{background:#fee2e2;color:#991b1b}"
	"tr.failed td{background:#fffafa}"
	"footer{margin-top:24px;font-size:12px;color:var(--muted);text-align:center}"
	"@media (max-width:760px){.tables{grid-template-columns:1fr}.top{flex-direction:column}"
	".verdict{text-align:left}}"
	"@media print{body{background:#fff}main{max-width:none;padding:0}"
	".card,.figure{box-shadow:none;break-inside:avoid}}";

/* ---- text ---- */

/* Decodes the UTF-8 sequence at s into *cp and returns its length, or 0
 * when the bytes are not well-formed (overlong, surrogate, too large or
 * cut short). */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
	static const unsigned long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, *cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, *cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, *cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < least[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Whether a page may carry the character as it is: HTML calls control
 * characters and noncharacters parse errors, and XML forbids most of them. */
static int printable(unsigned long cp)
{
	if (cp < 0x20)
		return cp == '\t' || cp == '\n' || cp == '\r';
	if (cp >= 0x7f && cp <= 0x9f)
		return 0;
	return !(cp >= 0xfdd0 && cp <= 0xfdef) && (cp & 0xfffe) != 0xfffe;
}

/* Appends s as text or as an attribute value: the five characters markup
 * gives a meaning escaped, and anything a parser would reject (invalid
 * UTF-8 from a server, control characters) replaced by U+FFFD.  NULL is
 * the empty string, so optional fields need no checks at every use. */
static void text(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	unsigned long cp;
	size_t len;

	while (*p) {
		const char *entity = NULL;

		switch (*p) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		}
		if (entity) {
			buf_puts(b, entity);
			p++;
			continue;
		}
		len = utf8_decode(p, &cp);
		if (len && printable(cp)) {
			buf_append(b, p, len);
			p += len;
		} else {
			buf_puts(b, "\xef\xbf\xbd");
			p += len ? len : 1;
		}
	}
}

static int empty(const char *s)
{
	return !s || !*s;
}

/* ---- numbers ---- */

/* The view comes from a run, but a NaN or a negative from a bug upstream
 * must cost one odd point, not a page of "nan" coordinates. */
static double clean(double v)
{
	if (!(v >= 0))
		return 0;
	return v < VALUE_CAP ? v : VALUE_CAP;
}

/* A count with thousands separators: 1,234,567. */
static void grouped(char *out, size_t len, uint64_t v)
{
	char digits[32];
	size_t n = 0, i, o = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = n; i-- > 0 && o + 2 < len;) {
		out[o++] = digits[i];
		if (i && i % 3 == 0)
			out[o++] = ',';
	}
	out[o] = '\0';
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

static void number(struct buf *b, double v)
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
	number(b, CHART_WIDTH);
	buf_putc(b, ' ');
	number(b, CHART_HEIGHT);
	buf_puts(b, "\" role=\"img\" aria-label=\"");
	text(b, label);
	buf_puts(b, "\">");
}

/* The horizontal grid line and the label of one y tick. */
static void y_tick(struct buf *b, const struct frame *f, double v, const char *label)
{
	double y = frame_y(f, v);

	buf_puts(b, "<path class=\"grid\" d=\"M");
	number(b, PLOT_LEFT);
	buf_putc(b, ',');
	number(b, y);
	buf_puts(b, "H");
	number(b, PLOT_RIGHT);
	buf_puts(b, "\"/><text class=\"yl\" x=\"");
	number(b, PLOT_LEFT - 8);
	buf_puts(b, "\" y=\"");
	number(b, y + 4);
	buf_puts(b, "\">");
	text(b, label);
	buf_puts(b, "</text>");
}

/* The tick mark and the label of one x tick. */
static void x_tick(struct buf *b, const struct frame *f, double v, const char *label)
{
	double x = frame_x(f, v);

	buf_puts(b, "<path class=\"axis\" d=\"M");
	number(b, x);
	buf_putc(b, ',');
	number(b, PLOT_BOTTOM);
	buf_puts(b, "v5\"/><text class=\"xl\" x=\"");
	number(b, x);
	buf_puts(b, "\" y=\"");
	number(b, PLOT_BOTTOM + 20);
	buf_puts(b, "\">");
	text(b, label);
	buf_puts(b, "</text>");
}

/* The base line, drawn last so it covers series that sit at zero. */
static void chart_close(struct buf *b)
{
	buf_puts(b, "<path class=\"axis\" d=\"M");
	number(b, PLOT_LEFT);
	buf_putc(b, ',');
	number(b, PLOT_BOTTOM);
	buf_puts(b, "H");
	number(b, PLOT_RIGHT);
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
	text(b, title);
	buf_puts(b, "</h2><div class=\"legend\">");
}

static void legend_key(struct buf *b, const char *key, const char *label)
{
	buf_printf(b, "<span><span class=\"key %s\"></span>", key);
	text(b, label);
	buf_puts(b, "</span>");
}

static void no_data(struct buf *b, const char *why)
{
	buf_puts(b, "<div class=\"nodata\">");
	text(b, why);
	buf_puts(b, "</div>");
}

static void note(struct buf *b, const char *sentence)
{
	buf_puts(b, "<p class=\"note\">");
	text(b, sentence);
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

static void percentile_chart(struct buf *b, const struct html_report_view *v)
{
	struct frame f = { 0 };
	double max_nines = 0, max_seconds = 0;
	char label[32];
	int i, shown;

	percentile_range(v->latency, v->latency_count, &max_nines, &max_seconds);
	percentile_range(v->service, v->service_count, &max_nines, &max_seconds);
	card_head(b, "Latency by percentile");
	if (max_seconds > 0) {
		legend_key(b, "k-blue", v->service_count ? "Latency (from intended start)" : "Latency");
		if (v->service_count)
			legend_key(b, "k-orange", "Service time (from actual send)");
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
	percentile_path(b, &f, v->latency, v->latency_count, "s-blue");
	chart_close(b);
	note(b, v->service_count ?
	     "Percentiles on a log scale of nines. Latency counts from when each request was due, "
	     "so time spent queued behind a slow server shows; service time counts from the "
	     "actual send." :
	     "Percentiles on a log scale of nines: each step right is ten times rarer.");
	buf_puts(b, "</section>");
}

/* ---- the timeline charts ---- */

enum series { SERIES_REQUESTS, SERIES_ERRORS, SERIES_TARGET, SERIES_P50, SERIES_P99 };

/* One series' value in a second; NAN where it has none (latency in a
 * second without completed requests), which the path leaves as a gap
 * rather than dropping the line to zero. */
static double second_value(const struct html_second *s, enum series which)
{
	switch (which) {
	case SERIES_REQUESTS: return clean((double)s->requests);
	case SERIES_ERRORS: return clean((double)s->errors);
	case SERIES_TARGET: return clean(s->target_rate);
	case SERIES_P50: return s->requests ? clean(s->p50) : NAN;
	case SERIES_P99: return s->requests ? clean(s->p99) : NAN;
	}
	return NAN;
}

/* The x of second i: its middle, except that a lone second spans its
 * whole width so it shows as a line rather than a dot.  `end` picks the
 * right edge of that span. */
static double second_x(const struct html_second *s, size_t n, size_t i, int end)
{
	double t = clean(s[i].t);

	if (n == 1)
		return end ? t + 1 : t;
	return t + 0.5;
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

/* The seconds the timeline covers, from its first to the end of its last. */
static void time_range(const struct html_report_view *v, struct frame *f)
{
	size_t i;

	f->x_lo = clean(v->timeline[0].t);
	f->x_hi = f->x_lo + 1;
	for (i = 0; i < v->timeline_count; i++) {
		f->x_lo = fmin(f->x_lo, clean(v->timeline[i].t));
		f->x_hi = fmax(f->x_hi, clean(v->timeline[i].t) + 1);
	}
}

static void throughput_chart(struct buf *b, const struct html_report_view *v)
{
	double max_errors = series_max(v, SERIES_ERRORS), max_target = series_max(v, SERIES_TARGET);
	struct frame f = { 0 };
	char sentence[160];

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
	         "(%zu %s).", v->timeline_count, v->timeline_count == 1 ? "second" : "seconds");
	note(b, sentence);
	buf_puts(b, "</section>");
}

static void latency_time_chart(struct buf *b, const struct html_report_view *v)
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

/* ---- tables and the header ---- */

/* The colour class of an HTTP status label: 2xx green ... 5xx red. */
static const char *status_class(const char *label)
{
	if (label && label[0] >= '2' && label[0] <= '5' && label[1] >= '0' && label[1] <= '9' &&
	    label[2] >= '0' && label[2] <= '9' && !label[3]) {
		static const char *const classes[] = { "pill c2", "pill c3", "pill c4", "pill c5" };

		return classes[label[0] - '2'];
	}
	return "pill";
}

static void share_cell(struct buf *b, uint64_t count, double total)
{
	double share = total > 0 ? (double)count / total * 100 : 0;

	buf_puts(b, "<td class=\"share\"><span class=\"meter\"><span style=\"width:");
	number(b, fmin(share, 100));
	buf_puts(b, "%\"></span></span><span class=\"pct\">");
	if (share > 0 && share < 0.1)
		buf_puts(b, "&lt;0.1%");
	else
		buf_printf(b, "%.1f%%", share);
	buf_puts(b, "</span></td>");
}

static void count_table(struct buf *b, const char *title, const char *what,
                        const struct html_row *rows, size_t n, int statuses)
{
	double total = 0;
	uint64_t sum = 0;
	char count[32];
	size_t i;

	/* in double, so counts near 2^64 cannot wrap the shares */
	for (i = 0; i < n; i++) {
		total += (double)rows[i].count;
		sum += rows[i].count;
	}
	buf_printf(b, "<section class=\"card %s\"><h2>", statuses ? "statuses" : "errors");
	text(b, title);
	buf_puts(b, "</h2><table><thead><tr><th>");
	text(b, what);
	buf_puts(b, "</th><th class=\"num\">Count</th><th class=\"num\">Share</th></tr></thead><tbody>");
	if (!n)
		buf_puts(b, "<tr><td class=\"none\" colspan=\"3\">none</td></tr>");
	for (i = 0; i < n; i++) {
		const char *label = empty(rows[i].label) ? "\xe2\x80\x94" : rows[i].label;

		grouped(count, sizeof count, rows[i].count);
		buf_puts(b, "<tr><td>");
		if (statuses) {
			buf_printf(b, "<span class=\"%s\">", status_class(rows[i].label));
			text(b, label);
			buf_puts(b, "</span>");
		} else {
			text(b, label);
		}
		buf_printf(b, "</td><td class=\"num\">%s</td>", count);
		share_cell(b, rows[i].count, total);
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody>");
	/* a sum that wrapped would be a lie; the shares still add up */
	if (n > 1 && (double)sum >= total * (1 - 1e-9)) {
		grouped(count, sizeof count, sum);
		buf_printf(b, "<tfoot><tr><td>Total</td><td class=\"num\">%s</td><td></td></tr></tfoot>",
		           count);
	}
	buf_puts(b, "</table></section>");
}

static void thresholds(struct buf *b, const struct html_report_view *v)
{
	size_t i;

	if (!v->threshold_count)
		return;
	buf_puts(b, "<section class=\"card\"><h2>Thresholds</h2><table><thead><tr>"
	         "<th>Result</th><th>Threshold</th><th class=\"num\">Measured</th></tr></thead><tbody>");
	for (i = 0; i < v->threshold_count; i++) {
		const struct html_verdict *t = &v->thresholds[i];

		buf_printf(b, "<tr%s><td><span class=\"badge %s\">%s</span></td><td class=\"code\">",
		           t->passed ? "" : " class=\"failed\"", t->passed ? "pass" : "fail",
		           t->passed ? "PASS" : "FAIL");
		text(b, t->text);
		buf_puts(b, "</td><td class=\"num\">");
		text(b, t->actual);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table></section>");
}

/* The overall verdict next to the title, when the job set thresholds. */
static void verdict(struct buf *b, const struct html_report_view *v)
{
	size_t i, failed = 0;

	if (!v->threshold_count)
		return;
	for (i = 0; i < v->threshold_count; i++)
		failed += !v->thresholds[i].passed;
	if (failed)
		buf_printf(b, "<div class=\"verdict fail\"><strong>FAILED</strong>%zu of %zu "
		           "threshold%s failed</div>", failed, v->threshold_count,
		           v->threshold_count == 1 ? "" : "s");
	else
		buf_printf(b, "<div class=\"verdict pass\"><strong>PASSED</strong>%s%zu threshold%s "
		           "met</div>", v->threshold_count == 1 ? "" : "all ", v->threshold_count,
		           v->threshold_count == 1 ? "" : "s");
}

static void header(struct buf *b, const struct html_report_view *v)
{
	buf_puts(b, "<header class=\"top\"><div><div class=\"kicker\">scrape run report</div><h1>");
	text(b, empty(v->title) ? "scrape run" : v->title);
	buf_puts(b, "</h1>");
	if (!empty(v->subtitle)) {
		buf_puts(b, "<p class=\"subtitle\">");
		text(b, v->subtitle);
		buf_puts(b, "</p>");
	}
	if (!empty(v->finished_at) || !empty(v->version)) {
		buf_puts(b, "<p class=\"meta\">");
		if (!empty(v->finished_at)) {
			buf_puts(b, "<span>Finished ");
			text(b, v->finished_at);
			buf_puts(b, "</span>");
		}
		if (!empty(v->version)) {
			buf_puts(b, "<span>scrape ");
			text(b, v->version);
			buf_puts(b, "</span>");
		}
		buf_puts(b, "</p>");
	}
	buf_puts(b, "</div>");
	verdict(b, v);
	buf_puts(b, "</header>");
}

static void warnings(struct buf *b, const struct html_report_view *v)
{
	size_t i;

	if (!v->warning_count)
		return;
	buf_printf(b, "<section class=\"card warnings\"><h2>%s</h2><ul>",
	           v->warning_count == 1 ? "Warning" : "Warnings");
	for (i = 0; i < v->warning_count; i++) {
		buf_puts(b, "<li>");
		text(b, v->warnings[i]);
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ul></section>");
}

static void summary(struct buf *b, const struct html_report_view *v)
{
	size_t i;

	if (!v->summary_count)
		return;
	buf_puts(b, "<dl class=\"summary\">");
	for (i = 0; i < v->summary_count; i++) {
		buf_puts(b, "<div class=\"figure\"><dt>");
		text(b, v->summary[i].label);
		buf_puts(b, "</dt><dd>");
		text(b, v->summary[i].value);
		buf_puts(b, "</dd></div>");
	}
	buf_puts(b, "</dl>");
}

static void page(struct buf *b, const struct html_report_view *v)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
	if (!empty(v->version)) {
		buf_puts(b, "<meta name=\"generator\" content=\"scrape ");
		text(b, v->version);
		buf_puts(b, "\"/>\n");
	}
	buf_puts(b, "<title>");
	text(b, empty(v->title) ? "scrape run" : v->title);
	buf_puts(b, " \xe2\x80\x93 scrape report</title>\n<style>");
	buf_puts(b, stylesheet);
	buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
	header(b, v);
	warnings(b, v);
	summary(b, v);
	thresholds(b, v);
	percentile_chart(b, v);
	throughput_chart(b, v);
	latency_time_chart(b, v);
	buf_puts(b, "<div class=\"tables\">");
	count_table(b, "Status codes", "Status", v->statuses, v->status_count, 1);
	count_table(b, "Errors by class", "Class", v->errors, v->error_count, 0);
	buf_puts(b, "</div>\n<footer>Generated by scrape");
	if (!empty(v->version)) {
		buf_putc(b, ' ');
		text(b, v->version);
	}
	buf_puts(b, ". Self-contained: no scripts, nothing fetched.</footer>\n</main>\n</body>\n"
	         "</html>\n");
}

int html_report_write(const char *path, const struct html_report_view *view)
{
	struct buf b = { 0 };
	int failed;

	page(&b, view);
	if (b.oom)
		errno = ENOMEM;
	failed = b.oom || outfile_replace(path, b.data, b.len) != 0;
	if (failed)
		log_error("cannot write the HTML report %s: %s", path, strerror(errno));
	buf_free(&b);
	return failed ? -1 : 0;
}
