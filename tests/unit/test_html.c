/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the HTML run report: pages for a typical run, an empty
 * one, a single second, a last second cut short, absurd values and
 * hostile labels are written, read back and parsed with libxml2's strict
 * XML parser, then checked for their charts, finite SVG coordinates,
 * escaping and the absence of scripts and external references; the
 * typical page also for stat cards that never cut a label mid-word.  With --sample FILE it only writes
 * the typical page, for bench/html.sh to take a screenshot of.
 */
#include <config.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "report/html.h"
#include "tap.h"

static char dir[] = "/tmp/scrape-html-XXXXXX";

/* ---- views ---- */

/* A small deterministic generator, so the sample page is the same on
 * every run and in every screenshot. */
static uint32_t noise_state = 12345;

static double noise(void)
{
	noise_state = noise_state * 1664525u + 1013904223u;
	return (noise_state >> 8) / 16777216.0;
}

/* Percentile points the way a histogram reports them: dense at the
 * median, then every tenth of a nine out to 99.999%, then the maximum. */
static size_t percentile_curve(struct html_point *out, size_t cap, double base, double tail)
{
	size_t n = 0;
	int i;

	for (i = 0; i <= 50 && n + 1 < cap; i++) {
		double nines = i / 10.0;

		out[n].percentile = 100 * (1 - pow(10, -nines));
		out[n].seconds = base * (1 + 0.35 * nines) + tail * pow(nines / 5, 4);
		n++;
	}
	out[n].percentile = 100;
	out[n].seconds = out[n - 1].seconds * 1.2;
	return n + 1;
}

static struct html_point latency_points[64], service_points[64];
static struct html_second seconds[3600];

static const struct html_pair typical_summary[] = {
	{ "Requests", "59,912" }, { "Throughput", "499.3/s" }, { "Errors", "0.41%" },
	{ "p50", "6.9 ms" }, { "p99", "15.4 ms" }, { "p99.9", "37.3 ms" }, { "Max", "248 ms" },
	{ "Data", "412 MB" },
};
static const struct html_row typical_statuses[] = {
	{ "200", 59512 }, { "301", 120 }, { "404", 35 }, { "503", 221 }, { "no response", 24 },
};
static const struct html_row typical_errors[] = {
	{ "HTTP 503", 221 }, { "timeout", 18 }, { "connection refused", 6 },
};
static const struct html_verdict typical_thresholds[] = {
	{ "p99 < 250ms", "15.4 ms", 1 },
	{ "error_rate < 0.1%", "0.41%", 0 },
	{ "rate >= 450/s", "499.3/s", 1 },
};
static const char *const typical_warnings[] = {
	"The schedule fell behind by up to 1.2 s at t=61s: the server could not keep up, so "
	"latency from the intended start grew while service time did not.",
};

/* A two-minute open-model run at 500/s with a stall in the middle. */
static struct html_report_view typical_view(void)
{
	struct html_report_view v = {
		.title = "configs/checkout.yaml",
		.subtitle = "event strategy, 64 workers, open model at 500/s for 2m",
		.finished_at = "2026-11-26T14:03:27Z",
		.version = "0.9.0",
		.summary = typical_summary,
		.summary_count = sizeof typical_summary / sizeof typical_summary[0],
		.statuses = typical_statuses,
		.status_count = sizeof typical_statuses / sizeof typical_statuses[0],
		.errors = typical_errors,
		.error_count = sizeof typical_errors / sizeof typical_errors[0],
		.thresholds = typical_thresholds,
		.threshold_count = sizeof typical_thresholds / sizeof typical_thresholds[0],
		.warnings = typical_warnings,
		.warning_count = 1,
	};
	size_t i;

	noise_state = 12345;
	v.latency = latency_points;
	v.latency_count = percentile_curve(latency_points, 64, 0.0062, 0.19);
	v.service = service_points;
	v.service_count = percentile_curve(service_points, 64, 0.0058, 0.05);
	for (i = 0; i < 120; i++) {
		int stalled = i >= 60 && i < 66;
		double ramp = i < 5 ? (i + 1) / 5.0 : 1;

		seconds[i].t = (double)i;
		seconds[i].target_rate = 500 * ramp;
		seconds[i].requests = (uint64_t)(stalled ? 180 + 60 * noise() :
		                                 i >= 66 && i < 70 ? 720 + 40 * noise() :
		                                 500 * ramp - 8 + 16 * noise());
		seconds[i].errors = stalled ? (uint64_t)(30 + 10 * noise()) : noise() < 0.1 ? 1 : 0;
		seconds[i].p50 = (stalled ? 0.09 : 0.0065) + 0.001 * noise();
		seconds[i].p99 = (stalled ? 0.21 : 0.038) + 0.012 * noise();
	}
	v.timeline = seconds;
	v.timeline_count = 120;
	return v;
}

/* ---- reading a page back ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)size + 1)) != NULL) {
		*len = fread(data, 1, (size_t)size, f);
		data[*len] = '\0';
	}
	fclose(f);
	return data;
}

static char parse_message[256];

/* Parses text as XML, which unlike HTML stops at the first mistake, so a
 * page that gets through has every element closed and every entity
 * known.  NULL, with the parser's message kept, when anything was
 * reported. */
static xmlDocPtr parse(const char *data, size_t len)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	const xmlError *error;
	xmlDocPtr doc;

	if (!ctxt)
		return NULL;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, "report.html", "UTF-8",
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	error = xmlCtxtGetLastError(ctxt);
	if (error && error->code != XML_ERR_OK) {
		snprintf(parse_message, sizeof parse_message, "line %d: %s", error->line,
		         error->message ? error->message : "?\n");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static int named(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static size_t count_elements(xmlNodePtr n, const char *name)
{
	size_t count = 0;

	for (; n; n = n->next)
		count += named(n, name) + count_elements(n->children, name);
	return count;
}

/* Whether an attribute holding coordinates has only numbers that land in
 * the drawing: the path commands and separators aside, every token must
 * read whole, be finite (no "nan", no "inf") and be at most a few
 * thousand units, which a NaN forced through an integer is not. */
static int sane_numbers(const char *value)
{
	const char *p = value;
	char *end;
	double d;

	while (*p) {
		if (strchr(" ,MmLlHhVvZz", *p)) {
			p++;
			continue;
		}
		d = strtod(p, &end);
		if (end == p || !isfinite(d) || fabs(d) > 10000)
			return 0;
		p = end;
	}
	return 1;
}

struct audit {
	size_t bad_coordinates;
	size_t handlers;            /* on* attributes */
	size_t external;            /* href, src, xlink:href */
};

static void audit_tree(xmlNodePtr n, int in_svg, struct audit *a)
{
	static const char *const geometric[] = { "d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy",
	                                         "r", "width", "height", "points", "viewBox" };
	xmlAttrPtr attr;
	size_t i;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (attr = n->properties; attr; attr = attr->next) {
			const char *name = (const char *)attr->name;
			xmlChar *value = xmlNodeGetContent((xmlNodePtr)attr);

			if (strncmp(name, "on", 2) == 0)
				a->handlers++;
			if (strcmp(name, "href") == 0 || strcmp(name, "src") == 0)
				a->external++;
			for (i = 0; in_svg && i < sizeof geometric / sizeof geometric[0]; i++) {
				if (strcmp(name, geometric[i]) == 0 && !sane_numbers((const char *)value)) {
					if (a->bad_coordinates++ < 3)
						printf("#   %s=\"%.60s\"\n", name, (const char *)value);
				}
			}
			xmlFree(value);
		}
		audit_tree(n->children, in_svg || named(n, "svg"), a);
	}
}

/* Whether some element's whole text is exactly s: escaping that reads
 * back as the original. */
static int has_text(xmlNodePtr n, const char *s)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			xmlChar *content = xmlNodeGetContent(n);
			int same = strcmp((const char *)content, s) == 0;

			xmlFree(content);
			if (same || has_text(n->children, s))
				return 1;
		}
	}
	return 0;
}

/* A page written and parsed, with what the checks need. */
struct page {
	char path[256];
	char *data;
	size_t len;
	xmlDocPtr doc;
};

static int write_page(struct page *pg, const char *name, const struct html_report_view *v)
{
	char tmp[300];

	memset(pg, 0, sizeof *pg);
	snprintf(pg->path, sizeof pg->path, "%s/%s.html", dir, name);
	if (!ok(html_report_write(pg->path, v) == 0, "%s: written", name))
		return 0;
	snprintf(tmp, sizeof tmp, "%s.tmp", pg->path);
	ok(access(tmp, F_OK) != 0, "%s: no temporary file left behind", name);
	pg->data = slurp(pg->path, &pg->len);
	pg->doc = pg->data ? parse(pg->data, pg->len) : NULL;
	if (!ok(pg->doc != NULL, "%s: well-formed, no parser errors", name)) {
		printf("#   %s", parse_message);
		return 0;
	}
	return 1;
}

static void free_page(struct page *pg)
{
	xmlFreeDoc(pg->doc);
	free(pg->data);
}

/* The checks every page must pass, whatever its view. */
static void check_common(struct page *pg, const char *name, const struct html_report_view *v,
                         size_t svgs)
{
	xmlNodePtr root = xmlDocGetRootElement(pg->doc);
	struct audit a = { 0 };
	size_t found = count_elements(root, "svg");

	/* the table by group draws a bar in each of its rows */
	if (v->group_count >= 2)
		svgs += v->group_count;
	audit_tree(root, 0, &a);
	ok(found == svgs, "%s: %zu charts drawn (found %zu)", name, svgs, found);
	ok(a.bad_coordinates == 0, "%s: every SVG coordinate is a finite number inside the chart", name);
	ok(!strstr(pg->data, "<script") && !strstr(pg->data, "<SCRIPT") && a.handlers == 0,
	   "%s: no scripts, no event handlers", name);
	ok(!strstr(pg->data, "http://") && !strstr(pg->data, "https://") && a.external == 0 &&
	   !strstr(pg->data, "url(") && !strstr(pg->data, "@import"),
	   "%s: no external references", name);
	ok(strncmp(pg->data, "<!DOCTYPE html>", 15) == 0 && named(root, "html"),
	   "%s: an HTML5 document", name);
	ok(count_elements(root, "table") == (size_t)(2 + !!v->threshold_count + (v->group_count >= 2)),
	   "%s: status and error tables, and thresholds and groups when set", name);
}

/* The declarations of the stylesheet's rule for exactly this selector
 * (".figure dt"), into out; empty if there is none. */
static void css_rule(const char *page, const char *selector, char *out, size_t len)
{
	char needle[80];
	const char *p, *end;

	out[0] = '\0';
	snprintf(needle, sizeof needle, "}%s{", selector);
	p = strstr(page, needle);
	if (!p || !(end = strchr(p + strlen(needle), '}')))
		return;
	p += strlen(needle);
	snprintf(out, len, "%.*s", (int)(end - p), p);
}

/* ---- the cases ---- */

/* A stat card's label ("connections") must never be cut mid-word
 * ("CONNECTION S"): the label keeps its words whole (no overflow-wrap:
 * anywhere, no word-break:break-all, which also shrink the card's
 * min-content width), and the card is a flex item that grows to fit them
 * rather than a grid cell of a fixed minimum. */
static void check_stat_cards(const struct page *pg)
{
	char summary[256], figure[256], label[256];

	css_rule(pg->data, ".summary", summary, sizeof summary);
	css_rule(pg->data, ".figure", figure, sizeof figure);
	css_rule(pg->data, ".figure dt", label, sizeof label);
	ok(strstr(pg->data, "<dl class=\"summary\"><div class=\"figure\"><dt>") != NULL,
	   "typical: stat card labels are the .figure dt the rules below style");
	if (!ok(label[0] && !strstr(label, "anywhere") && !strstr(label, "break-all") &&
	        (strstr(label, "overflow-wrap:break-word") || strstr(label, "overflow-wrap:normal")),
	        "typical: a card's label breaks between words only"))
		printf("#   .figure dt{%s}\n", label);
	if (!ok(strstr(summary, "display:flex") && strstr(summary, "flex-wrap:wrap") &&
	        strstr(figure, "flex:1 1 ") && !strstr(figure, "min-width:0") &&
	        !strstr(figure, "overflow:hidden"),
	        "typical: a card grows to fit its label's words"))
		printf("#   .summary{%s} .figure{%s}\n", summary, figure);
	ok(!strstr(pg->data, "break-all"), "typical: nothing on the page breaks words anywhere");
}

static void test_typical(void)
{
	struct html_report_view v = typical_view();
	struct page pg;

	if (!write_page(&pg, "typical", &v))
		return;
	check_common(&pg, "typical", &v, 3);
	ok(strstr(pg.data, "FAILED") && strstr(pg.data, "1 of 3 thresholds failed"),
	   "typical: the verdict names the failed threshold");
	ok(strstr(pg.data, "s-target") != NULL, "typical: the target rate is drawn");
	ok(strstr(pg.data, "99.999%") != NULL, "typical: the percentile axis reaches 99.999%%");
	ok(strstr(pg.data, "59,512") != NULL, "typical: counts have thousands separators");
	ok(has_text(xmlDocGetRootElement(pg.doc), "Service time (from actual send)"),
	   "typical: the service time series is in the legend");
	check_stat_cards(&pg);
	free_page(&pg);
}

static void test_empty(void)
{
	struct html_report_view v = { 0 };
	struct page pg;

	if (!write_page(&pg, "empty", &v))
		return;
	check_common(&pg, "empty", &v, 0);
	ok(strstr(pg.data, ">none</td>") && strstr(pg.data, "No latency recorded") &&
	   strstr(pg.data, "No timeline recorded"), "empty: none rows and no-data notes");
	ok(strstr(pg.data, "<h1>scrape run</h1>") != NULL, "empty: a default title");
	free_page(&pg);
}

static void test_single_second(void)
{
	static const struct html_point latency[] = { { 0, 0.004 }, { 100, 0.004 } };
	static const struct html_second one[] = { { 0, 10, 0, 0.004, 0.004, 0, 0 } };
	static const struct html_row statuses[] = { { "200", 10 } };
	struct html_report_view v = {
		.title = "one second",
		.latency = latency, .latency_count = 2,
		.timeline = one, .timeline_count = 1,
		.statuses = statuses, .status_count = 1,
	};
	struct page pg;

	if (!write_page(&pg, "single", &v))
		return;
	check_common(&pg, "single", &v, 3);
	ok(strstr(pg.data, "100.0%") != NULL, "single: a lone status has all of the share");
	free_page(&pg);
}

/* The y coordinates of the path with this class in the chart card whose
 * heading follows `card` ("Throughput"), in order; how many (at most max). */
static size_t path_ys(const char *page, const char *card, const char *classes, double *ys,
                      size_t max)
{
	char needle[80];
	const char *p = strstr(page, card), *end;
	size_t n = 0;

	snprintf(needle, sizeof needle, "class=\"%s\" d=\"", classes);
	if (!p || !(p = strstr(p, needle)))
		return 0;
	p += strlen(needle);
	end = strchr(p, '"');
	while (p && p < end && n < max) {
		const char *comma = strchr(p, ',');
		if (!comma || comma > end)
			break;
		ys[n++] = strtod(comma + 1, NULL);
		p = strchr(comma, ' ');
	}
	return n;
}

/* A steady 100 requests/s whose run ended 0.4 s into its fourth second:
 * that second completed 40, which is 100/s over the time it covers.  Read
 * as a whole second it would plunge to 40. */
static void test_partial_second(void)
{
	static const struct html_point latency[] = { { 0, 0.010 }, { 100, 0.020 } };
	static const struct html_second steady[] = {
		{ 0, 100, 10, 0.010, 0.020, 0, 1 },
		{ 1, 100, 10, 0.010, 0.020, 0, 1 },
		{ 2, 100, 10, 0.010, 0.020, 0, 0 },   /* 0: a whole second too */
		{ 3, 40, 4, 0.010, 0.020, 0, 0.4 },
	};
	static const struct html_row statuses[] = { { "200", 340 } };
	struct html_report_view v = {
		.title = "partial",
		.latency = latency, .latency_count = 2,
		.timeline = steady, .timeline_count = 4,
		.statuses = statuses, .status_count = 1,
	};
	struct page pg;
	double ys[16];
	size_t n;

	if (!write_page(&pg, "partial", &v))
		return;
	check_common(&pg, "partial", &v, 3);
	n = path_ys(pg.data, ">Throughput<", "line s-blue", ys, 16);
	ok(n >= 2 && ys[n - 1] == ys[0],
	   "partial: the last, partial second is drawn as a rate (level with the rest)");
	n = path_ys(pg.data, ">Throughput<", "line thin s-red", ys, 16);
	ok(n >= 2 && ys[n - 1] == ys[0], "partial: so are its errors");
	ok(strstr(pg.data, "the last, cut short by the end of the run, as a rate") != NULL,
	   "partial: the note says how the last second is drawn");
	free_page(&pg);
}

static void test_zero_latency(void)
{
	static const struct html_point latency[] = { { 0, 0 }, { 50, 0 }, { 99, 0 }, { 100, 0 } };
	static struct html_second quiet[30];
	struct html_report_view v = {
		.latency = latency, .latency_count = 4,
		.service = latency, .service_count = 4,
		.timeline = quiet, .timeline_count = 30,
	};
	struct page pg;
	size_t i;

	for (i = 0; i < 30; i++)
		quiet[i].t = (double)i;
	if (!write_page(&pg, "zero", &v))
		return;
	check_common(&pg, "zero", &v, 1);
	free_page(&pg);
}

static void test_huge(void)
{
	static const struct html_point latency[] = {
		{ -5, 1e300 }, { 50, NAN }, { 90, INFINITY }, { NAN, 3 }, { 99.99999999999, 1e9 },
		{ 100, 1e30 }, { 250, 2e9 },
	};
	static const struct html_second wild[] = {
		{ 0, UINT64_MAX, UINT64_MAX, 1e300, INFINITY, 1e300, 1e-300 },
		{ 1, UINT64_MAX / 2, 0, NAN, -1, NAN, NAN },
		{ NAN, 3, 1, 1, 2, -INFINITY, -1 },
		{ 1e300, 0, 0, 0, 0, 0, INFINITY },
	};
	static const struct html_row statuses[] = {
		{ "200", UINT64_MAX }, { "500", UINT64_MAX }, { "502", 1 },
	};
	struct html_report_view v = {
		.title = "huge",
		.latency = latency, .latency_count = sizeof latency / sizeof latency[0],
		.service = latency, .service_count = sizeof latency / sizeof latency[0],
		.timeline = wild, .timeline_count = sizeof wild / sizeof wild[0],
		.statuses = statuses, .status_count = 3,
	};
	struct page pg;

	if (!write_page(&pg, "huge", &v))
		return;
	check_common(&pg, "huge", &v, 3);
	ok(strstr(pg.data, "18,446,744,073,709,551,615") != NULL, "huge: 2^64-1 is printed exactly");
	ok(strstr(pg.data, "&lt;0.1%") != NULL, "huge: a tiny share reads <0.1%%");
	ok(!strstr(pg.data, ">Total<"), "huge: no total when the sum would wrap");
	free_page(&pg);
}

static void test_hostile(void)
{
	static const char title[] = "<script>alert(1)</script>";
	static const char quoted[] = "\"quoted\" & 'single'";
	static const char image[] = "<img src=x onerror=alert(1)>";
	static const struct html_pair summary[] = { { quoted, "<b>1</b>" }, { NULL, NULL } };
	static const struct html_row rows[] = { { image, 3 }, { quoted, 1 }, { NULL, 1 } };
	static const struct html_verdict verdicts[] = { { "p99 < 1s && x > \"2\"", "<0.5s", 1 } };
	static const char *const warnings[] = { "bad bytes \xff\xfe and \x01 control", NULL };
	struct html_report_view v = {
		.title = title, .subtitle = quoted, .finished_at = "<now>", .version = "1.0\"'",
		.summary = summary, .summary_count = 2,
		.statuses = rows, .status_count = 3,
		.errors = rows, .error_count = 3,
		.thresholds = verdicts, .threshold_count = 1,
		.warnings = warnings, .warning_count = 2,
	};
	xmlNodePtr root;
	struct page pg;

	if (!write_page(&pg, "hostile", &v))
		return;
	root = xmlDocGetRootElement(pg.doc);
	check_common(&pg, "hostile", &v, 0);
	ok(strstr(pg.data, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL,
	   "hostile: <script> in the title is escaped");
	ok(strstr(pg.data, "&quot;quoted&quot; &amp; &#39;single&#39;") != NULL,
	   "hostile: quotes and ampersands are escaped");
	ok(!strstr(pg.data, "<img"), "hostile: markup in a status label stays text");
	ok(has_text(root, title) && has_text(root, quoted) && has_text(root, "<b>1</b>") &&
	   has_text(root, "p99 < 1s && x > \"2\""), "hostile: escaped text reads back unchanged");
	ok(has_text(root, "bad bytes \xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd control"),
	   "hostile: invalid UTF-8 and control characters become U+FFFD");
	free_page(&pg);
}

/* An hour at 10,000/s with noisy latency: every second differs, so this
 * is close to the largest a timeline makes the page. */
static void test_hour(void)
{
	struct html_report_view v = typical_view();
	struct page pg;
	size_t i;

	for (i = 0; i < 3600; i++) {
		seconds[i].t = (double)i;
		seconds[i].requests = 9900 + (uint64_t)(200 * noise());
		seconds[i].errors = i % 600 == 0 ? 40 : 0;
		seconds[i].target_rate = 10000;
		seconds[i].p50 = 0.004 + 0.001 * noise();
		seconds[i].p99 = 0.03 + 0.02 * noise();
	}
	v.timeline_count = 3600;
	if (!write_page(&pg, "hour", &v))
		return;
	check_common(&pg, "hour", &v, 3);
	ok(pg.len < 400 * 1024, "hour: 3600 seconds make a page of %zu KiB (< 400)", pg.len / 1024);
	ok(strstr(pg.data, ">1h</text>") != NULL, "hour: the time axis counts in minutes and hours");
	free_page(&pg);
}

/* Failures: one line on stderr and -1, the old report untouched. */
static void test_unwritable(void)
{
	struct html_report_view v = { 0 };
	char errpath[300], *message;
	size_t len = 0;
	int saved = dup(2), fd, rc;

	snprintf(errpath, sizeof errpath, "%s/stderr", dir);
	fflush(stderr);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	rc = html_report_write("/nonexistent/dir/x.html", &v);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ok(rc == -1, "an unwritable path returns -1");
	message = slurp(errpath, &len);
	is_str(message, "scrape: error: cannot write the HTML report /nonexistent/dir/x.html: "
	       "No such file or directory\n", "and prints one line naming the path and the cause");
	free(message);
	unlink(errpath);
}

/* The parser check itself must be able to fail, or the checks above prove
 * nothing. */
static void test_parser_catches(void)
{
	static const char broken[] = "<!DOCTYPE html><html><body><p><b>x</p></body></html>";
	static const char entity[] = "<!DOCTYPE html><html><body>a&nbsp;b</body></html>";
	xmlDocPtr doc;

	doc = parse(broken, sizeof broken - 1);
	ok(doc == NULL, "the parse check rejects misnested tags");
	xmlFreeDoc(doc);
	doc = parse(entity, sizeof entity - 1);
	ok(doc == NULL, "the parse check rejects entities XML does not know");
	xmlFreeDoc(doc);
	ok(!sane_numbers("M1,2 nan,3") && !sane_numbers("0 0 inf 3") &&
	   !sane_numbers("M-922337203685477580.8,1") && sane_numbers("M1.5,2h0"),
	   "the coordinate check rejects nan, inf and far-off numbers");
}

/* A load test of two endpoints has a table by group, with both names, a
 * bar per row on one scale (the slower group's bar further right); one
 * group alone has no table. */
static void test_groups(void)
{
	static const struct html_group two[] = {
		{ .name = "checkout", .requests = 1200, .failed = 3, .measured = 1,
		  .p50 = 0.120, .p90 = 0.180, .p99 = 0.350, .max = 0.900 },
		{ .name = "search & <list>", .requests = 4800, .measured = 1,
		  .p50 = 0.004, .p90 = 0.009, .p99 = 0.021, .max = 0.060 },
		{ .name = "GET /never", .requests = 2, .failed = 2 },
	};
	struct html_report_view v = typical_view();
	struct page pg;
	const char *slow, *fast;
	double x_slow = -1, x_fast = -1;

	v.groups = two;
	v.group_count = 3;
	if (!write_page(&pg, "groups", &v))
		return;
	check_common(&pg, "groups", &v, 3);
	ok(strstr(pg.data, "<h2>By group</h2>") != NULL, "groups: a table by group");
	ok(has_text(xmlDocGetRootElement(pg.doc), "checkout") &&
	   has_text(xmlDocGetRootElement(pg.doc), "search & <list>") &&
	   has_text(xmlDocGetRootElement(pg.doc), "GET /never"),
	   "groups: every group's name, escaped");
	ok(strstr(pg.data, ">1,200</td>") && strstr(pg.data, ">4,800</td>"),
	   "groups: with each group's requests");
	ok(strstr(pg.data, "aria-label=\"no latency measured\"") != NULL,
	   "groups: a group without latencies has an empty bar");
	slow = strstr(pg.data, "aria-label=\"p50 120");
	fast = strstr(pg.data, "aria-label=\"p50 4");
	if (slow && (slow = strstr(slow, "class=\"bar\" x=\"")))
		x_slow = strtod(slow + 15, NULL);
	if (fast && (fast = strstr(fast, "class=\"bar\" x=\"")))
		x_fast = strtod(fast + 15, NULL);
	if (!ok(x_fast >= 0 && x_slow > x_fast, "groups: the slower group's bar starts further right"))
		printf("#   fast %g, slow %g\n", x_fast, x_slow);
	free_page(&pg);

	v.group_count = 1;
	if (!write_page(&pg, "group", &v))
		return;
	check_common(&pg, "group", &v, 3);
	ok(!strstr(pg.data, "By group") && !strstr(pg.data, "class=\"spread\""),
	   "group: one group alone has no table");
	free_page(&pg);
}

static void remove_dir(void)
{
	static const char *const names[] = { "typical", "empty", "single", "partial", "zero", "huge",
	                                     "hostile", "hour", "groups", "group" };
	char path[300];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s.html", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--sample") == 0) {
		struct html_report_view v = typical_view();

		return html_report_write(argv[2], &v) == 0 ? 0 : 1;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test_html [--sample FILE]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_parser_catches();
	test_typical();
	test_empty();
	test_single_second();
	test_partial_second();
	test_zero_latency();
	test_huge();
	test_hostile();
	test_hour();
	test_groups();
	test_unwritable();
	remove_dir();
	xmlCleanupParser();
	return done_testing();
}
