/* SPDX-License-Identifier: MIT */
/*
 * The HTML run report: one page with its stylesheet inline and its charts
 * drawn as inline SVG from the plain numbers of a struct html_report_view.
 * No scripts and nothing fetched, so it reads the same from a CI artifact
 * store, a mail attachment or a laptop offline.  The markup is also
 * well-formed XML (every element closed, only XML's own entities), so the
 * tests, and anyone else, can check it with a strict parser.  This file
 * lays out the page (stylesheet, header, figures, tables) and escapes its
 * text; the SVG charts are drawn in html_chart.c.
 */
#include <config.h>

#include "report/html.h"
#include "report/html_chart.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "config/units.h"
#include "results/outfile.h"

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
	/* A stat card is at least as wide as its label's longest word: a flex
	 * item is never narrower than its content's min-content width, and
	 * overflow-wrap:break-word (unlike anywhere, or word-break:break-all)
	 * keeps words whole in that width, so "connections" is not cut into
	 * "CONNECTION S".  It breaks a word only when one alone is wider than
	 * the page. */
	".summary{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 16px;padding:0}"
	".figure{flex:1 1 124px;background:var(--card);border:1px solid var(--line);"
	"border-radius:10px;padding:12px 16px;margin:0}"
	".figure dt{font-size:11px;font-weight:600;letter-spacing:.06em;text-transform:uppercase;"
	"color:var(--muted);overflow-wrap:break-word;word-break:normal;hyphens:manual}"
	".figure dd{margin:4px 0 0;font-size:20px;font-weight:650;color:var(--ink);"
	"font-variant-numeric:tabular-nums;overflow-wrap:break-word}"
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
	".s-g0{stroke:#0891b2}.s-g1{stroke:#9333ea}.s-g2{stroke:#16a34a}.s-g3{stroke:#ca8a04}"
	".s-g4{stroke:#db2777}.s-g5{stroke:#64748b}"
	".k-g0{background:#0891b2}.k-g1{background:#9333ea}.k-g2{background:#16a34a}"
	".k-g3{background:#ca8a04}.k-g4{background:#db2777}.k-g5{background:#64748b}"
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
	"td.spread{width:136px}.spread{display:block}"
	".spread .track{stroke:var(--line);stroke-width:2}"
	".spread .bar{fill:var(--blue);fill-opacity:.55}.spread .p90{stroke:var(--ink);stroke-width:1.5}"
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
void html_text(struct buf *b, const char *s)
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
	html_number(b, fmin(share, 100));
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
	html_text(b, title);
	buf_puts(b, "</h2><table><thead><tr><th>");
	html_text(b, what);
	buf_puts(b, "</th><th class=\"num\">Count</th><th class=\"num\">Share</th></tr></thead><tbody>");
	if (!n)
		buf_puts(b, "<tr><td class=\"none\" colspan=\"3\">none</td></tr>");
	for (i = 0; i < n; i++) {
		const char *label = empty(rows[i].label) ? "\xe2\x80\x94" : rows[i].label;

		grouped(count, sizeof count, rows[i].count);
		buf_puts(b, "<tr><td>");
		if (statuses) {
			buf_printf(b, "<span class=\"%s\">", status_class(rows[i].label));
			html_text(b, label);
			buf_puts(b, "</span>");
		} else {
			html_text(b, label);
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

/* ---- the table by group ---- */

#define SPREAD_W 120
#define SPREAD_H 14

/* The groups' bars share one log scale, from under the fastest p50 to
 * over the slowest p99 (log10 seconds: lo, and the span to the top; a
 * span of 0 when no group measured a latency). */
struct spread_scale {
	double lo, span;
};

static struct spread_scale spread_scale(const struct html_report_view *v)
{
	struct spread_scale s = { 0, 0 };
	double lo = 0, hi = 0;
	size_t i;

	for (i = 0; i < v->group_count; i++) {
		const struct html_group *g = &v->groups[i];
		double low = g->p50 > 0 ? g->p50 : g->p99;

		if (!g->measured || !(g->p99 > 0) || !isfinite(g->p99))
			continue;
		if (!(lo > 0) || low < lo)
			lo = low;
		if (g->p99 > hi)
			hi = g->p99;
	}
	if (!(hi > 0))
		return s;
	lo = fmax(lo, 1e-7) / 1.5;
	s.lo = log10(lo);
	s.span = log10(hi * 1.5) - s.lo;
	return s;
}

static double spread_x(const struct spread_scale *s, double seconds)
{
	double x = seconds > 0 && s->span > 0 ? (log10(seconds) - s->lo) / s->span : 0;

	return 4 + fmin(fmax(x, 0), 1) * (SPREAD_W - 8);
}

/* A group's p50..p99 as a bar on the shared scale, its p90 a tick. */
static void spread_bar(struct buf *b, const struct spread_scale *s, const struct html_group *g)
{
	double x50 = spread_x(s, g->p50), x90 = spread_x(s, g->p90), x99 = spread_x(s, g->p99);
	char d50[32], d99[32];

	buf_printf(b, "<svg class=\"spread\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	           "role=\"img\" aria-label=\"", SPREAD_W, SPREAD_H, SPREAD_W, SPREAD_H);
	if (g->measured) {
		units_format_duration((int64_t)(g->p50 * 1e9), d50, sizeof d50);
		units_format_duration((int64_t)(g->p99 * 1e9), d99, sizeof d99);
		buf_printf(b, "p50 %s to p99 %s", d50, d99);
	} else {
		buf_puts(b, "no latency measured");
	}
	buf_printf(b, "\"><line class=\"track\" x1=\"4\" y1=\"7\" x2=\"%d\" y2=\"7\"/>",
	           SPREAD_W - 4);
	if (g->measured && s->span > 0) {
		buf_puts(b, "<rect class=\"bar\" x=\"");
		html_number(b, x50);
		buf_puts(b, "\" y=\"3\" width=\"");
		html_number(b, fmax(x99 - x50, 2));
		buf_puts(b, "\" height=\"8\" rx=\"2\"/><line class=\"p90\" x1=\"");
		html_number(b, x90);
		buf_puts(b, "\" y1=\"1\" x2=\"");
		html_number(b, x90);
		buf_puts(b, "\" y2=\"13\"/>");
	}
	buf_puts(b, "</svg>");
}

static void duration_cell(struct buf *b, int measured, double seconds)
{
	char d[32];

	if (measured)
		units_format_duration((int64_t)(seconds * 1e9), d, sizeof d);
	else
		snprintf(d, sizeof d, "\xe2\x80\x94");
	buf_printf(b, "<td class=\"num\">%s</td>", d);
}

/* "timeout 3, http 5xx 2", or a dash when the group had no failure. */
static void failure_classes(struct buf *b, const struct html_group *g)
{
	char count[32];
	size_t i;

	if (!g->class_count) {
		buf_puts(b, "\xe2\x80\x94");
		return;
	}
	for (i = 0; i < g->class_count; i++) {
		if (i)
			buf_puts(b, ", ");
		html_text(b, g->classes[i].label);
		grouped(count, sizeof count, g->classes[i].count);
		buf_printf(b, " %s", count);
	}
}

/* A load test's groups, when it has two or more: their counts, their
 * percentiles and a bar of each one's spread on a shared scale. */
static void groups_table(struct buf *b, const struct html_report_view *v)
{
	struct spread_scale s = spread_scale(v);
	char count[32];
	size_t i;

	if (v->group_count < 2)
		return;
	buf_puts(b, "<section class=\"card groups\"><h2>By group</h2><table><thead><tr>"
	         "<th>Group</th><th class=\"num\">Requests</th><th class=\"num\">Failed</th>"
	         "<th class=\"num\">p50</th><th class=\"num\">p90</th><th class=\"num\">p99</th>"
	         "<th class=\"num\">Max</th><th>p50\xe2\x80\x93p99</th><th>Failures by class</th>"
	         "</tr></thead><tbody>");
	for (i = 0; i < v->group_count; i++) {
		const struct html_group *g = &v->groups[i];

		buf_printf(b, "<tr%s><td class=\"code\">", g->failed ? " class=\"failed\"" : "");
		html_text(b, empty(g->name) ? "\xe2\x80\x94" : g->name);
		grouped(count, sizeof count, g->requests);
		buf_printf(b, "</td><td class=\"num\">%s</td>", count);
		grouped(count, sizeof count, g->failed);
		buf_printf(b, "<td class=\"num\">%s</td>", count);
		duration_cell(b, g->measured, g->p50);
		duration_cell(b, g->measured, g->p90);
		duration_cell(b, g->measured, g->p99);
		duration_cell(b, g->measured, g->max);
		buf_puts(b, "<td class=\"spread\">");
		spread_bar(b, &s, g);
		buf_puts(b, "</td><td>");
		failure_classes(b, g);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table><p class=\"note\">The bars span p50 to p99 on one logarithmic "
	         "scale for all groups; the tick is p90.</p></section>");
}

/* The job's proxies: the attempts each carried and how many failed. */
static void proxies_table(struct buf *b, const struct html_report_view *v)
{
	char count[32];
	size_t i;

	if (!v->proxy_count)
		return;
	buf_puts(b, "<section class=\"card groups\"><h2>By proxy</h2><table><thead><tr>"
	         "<th>Proxy</th><th class=\"num\">Requests</th><th class=\"num\">Failed</th>"
	         "</tr></thead><tbody>");
	for (i = 0; i < v->proxy_count; i++) {
		const struct html_proxy *p = &v->proxies[i];

		buf_printf(b, "<tr%s><td class=\"code\">", p->failed ? " class=\"failed\"" : "");
		html_text(b, p->name);
		grouped(count, sizeof count, p->requests);
		buf_printf(b, "</td><td class=\"num\">%s</td>", count);
		grouped(count, sizeof count, p->failed);
		buf_printf(b, "<td class=\"num\">%s</td></tr>", count);
	}
	buf_puts(b, "</tbody></table><p class=\"note\">Every attempt a proxy carried, retries "
	         "and warmup included.</p></section>");
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
		html_text(b, t->text);
		buf_puts(b, "</td><td class=\"num\">");
		html_text(b, t->actual);
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
	html_text(b, empty(v->title) ? "scrape run" : v->title);
	buf_puts(b, "</h1>");
	if (!empty(v->subtitle)) {
		buf_puts(b, "<p class=\"subtitle\">");
		html_text(b, v->subtitle);
		buf_puts(b, "</p>");
	}
	if (!empty(v->finished_at) || !empty(v->version)) {
		buf_puts(b, "<p class=\"meta\">");
		if (!empty(v->finished_at)) {
			buf_puts(b, "<span>Finished ");
			html_text(b, v->finished_at);
			buf_puts(b, "</span>");
		}
		if (!empty(v->version)) {
			buf_puts(b, "<span>scrape ");
			html_text(b, v->version);
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
		html_text(b, v->warnings[i]);
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
		html_text(b, v->summary[i].label);
		buf_puts(b, "</dt><dd>");
		html_text(b, v->summary[i].value);
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
		html_text(b, v->version);
		buf_puts(b, "\"/>\n");
	}
	buf_puts(b, "<title>");
	html_text(b, empty(v->title) ? "scrape run" : v->title);
	buf_puts(b, " \xe2\x80\x93 scrape report</title>\n<style>");
	buf_puts(b, stylesheet);
	buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
	header(b, v);
	warnings(b, v);
	summary(b, v);
	thresholds(b, v);
	html_percentile_chart(b, v);
	html_throughput_chart(b, v);
	html_latency_time_chart(b, v);
	groups_table(b, v);
	proxies_table(b, v);
	buf_puts(b, "<div class=\"tables\">");
	count_table(b, "Status codes", "Status", v->statuses, v->status_count, 1);
	count_table(b, "Errors by class", "Class", v->errors, v->error_count, 0);
	buf_puts(b, "</div>\n<footer>Generated by scrape");
	if (!empty(v->version)) {
		buf_putc(b, ' ');
		html_text(b, v->version);
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
