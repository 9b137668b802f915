/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the CSV output (src/results/output.c): fields quoted as
 * RFC 4180 says (commas, double quotes doubled, CR and LF inside quotes,
 * everything else as it is) and whole files written through a CSV job:
 * a header row, CRLF row ends, empty fields for missing and null values.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/job.h"
#include "results/output.h"
#include "util/buf.h"
#include "tap.h"

static void field_is(const char *in, const char *want, const char *what)
{
	struct buf b = { 0 };

	output_csv_field(&b, in);
	buf_putc(&b, '\0');
	is_str(b.data ? b.data : "", want, what);
	buf_free(&b);
}

static void test_fields(void)
{
	field_is("plain", "plain", "a plain field is written as it is");
	field_is("", "", "an empty field is empty");
	field_is(NULL, "", "a missing value is an empty field");
	field_is(" spaced out ", " spaced out ", "spaces are kept and need no quotes");
	field_is("a,b", "\"a,b\"", "a comma is quoted");
	field_is("say \"hi\"", "\"say \"\"hi\"\"\"", "a double quote is doubled, inside quotes");
	field_is("\"", "\"\"\"\"", "a lone double quote");
	field_is("line\nbreak", "\"line\nbreak\"", "LF is kept inside quotes");
	field_is("cr\rhere", "\"cr\rhere\"", "CR is kept inside quotes");
	field_is("crlf\r\n", "\"crlf\r\n\"", "CRLF is kept inside quotes");
	field_is("caf\xc3\xa9;tab\t'", "caf\xc3\xa9;tab\t'", "UTF-8, semicolons, tabs and ' need no quotes");
	field_is("a,\"b\"\r\nc", "\"a,\"\"b\"\"\r\nc\"", "all of them at once");
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = calloc(1, 4096);

	if (f && text)
		text[fread(text, 1, 4095, f)] = '\0';
	if (f)
		fclose(f);
	return text;
}

/* A CSV job writing to path, with the given output.columns line (or
 * none); NULL with the reason in err. */
static struct job *csv_job(const char *out, const char *columns, char *err, size_t errlen)
{
	char path[] = "/tmp/scrape-csv-job-XXXXXX", yaml[512];
	int fd = mkstemp(path);
	struct job *job;
	int n;

	n = snprintf(yaml, sizeof yaml, "urls: [\"http://example.com/\"]\noutput:\n  path: %s\n"
	             "  format: csv\n%s", out, columns ? columns : "");
	if (fd < 0 || write(fd, yaml, (size_t)n) != n)
		return NULL;
	close(fd);
	job = job_load(path, NULL, NULL, 0, NULL, 0, err, errlen);
	unlink(path);
	return job;
}

static void write_lines(struct output *o, const char *const *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		output_write(o, lines[i], strlen(lines[i]));
}

static void test_file(void)
{
	static const char *const records[] = {
		"{\"url\":\"http://a/\",\"status\":200,\"note\":\"a, \\\"b\\\"\\r\\nc\"}",
		"{\"url\":\"http://b/?x=1,2\",\"status\":null}",
	};
	char out[] = "/tmp/scrape-csv-out-XXXXXX", err[512] = "";
	struct output *o;
	struct job *job;
	char *text;
	int fd = mkstemp(out);

	if (fd >= 0)
		close(fd);
	job = csv_job(out, "  columns: [url, status, note]\n", err, sizeof err);
	if (!ok(job != NULL, "a CSV job with its columns loads (%s)", err))
		return;
	o = output_open(job, err, sizeof err);
	if (!ok(o != NULL, "its output opens (%s)", err)) {
		job_free(job);
		return;
	}
	write_lines(o, records, 2);
	ok(output_close(o, err, sizeof err) == 0, "and closes");
	text = read_all(out);
	is_str(text, "url,status,note\r\n"
	       "http://a/,200,\"a, \"\"b\"\"\r\nc\"\r\n"
	       "\"http://b/?x=1,2\",,\r\n",
	       "header and rows end in CRLF; quotes, CR, LF and commas quoted; null and missing "
	       "values empty");
	free(text);
	job_free(job);
	unlink(out);
}

int main(void)
{
	test_fields();
	test_file();
	return done_testing();
}
