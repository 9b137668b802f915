/* SPDX-License-Identifier: MIT */
/*
 * From a response to a record: the parsers run on a read-only view of the
 * response (headers split, charset found), and the record is encoded as
 * one JSON line with the core's own fields first; run_conclude
 * (run_conclude.c) puts the two together for a performed transfer.  Runs
 * in the worker that holds the response, without the run's lock, and
 * knows nothing of the run: it gets the parsers it is to run.
 */
#include <config.h>

#include "engine/record_make.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/job.h"
#include "util/buf.h"

/* Splits the raw header block of the last response into name/value pairs. */
static size_t split_headers(struct buf *raw, struct scrape_header *out, size_t max)
{
	size_t n = 0;
	char *line = raw->data, *end;

	if (!line)
		return 0;
	for (; *line && n < max; line = end) {
		char *colon, *value, *stop;

		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		stop = end;
		while (stop > line && (stop[-1] == '\n' || stop[-1] == '\r'))
			stop--;
		*stop = '\0';
		colon = strchr(line, ':');
		if (!colon || strncmp(line, "HTTP/", 5) == 0)
			continue;
		*colon = '\0';
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		out[n].name = line;
		out[n].value = value;
		n++;
	}
	return n;
}

/* The charset parameter of a Content-Type, copied into buf. */
static const char *charset_of(const char *content_type, char *buf, size_t len)
{
	const char *p = content_type ? strcasestr(content_type, "charset=") : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	n = strcspn(p, "\"; \t");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

#define MAX_HEADERS 200

const char *record_parse(const struct parser_instance *parsers, size_t parser_count,
                         struct scrape_request *req, const struct transfer_outcome *o,
                         struct scrape_record *rec)
{
	struct scrape_header headers[MAX_HEADERS];
	struct scrape_response resp;
	const char *failed = NULL;
	char charset[64];
	size_t i;

	if (parser_count == 0)
		return NULL;
	memset(&resp, 0, sizeof resp);
	resp.size = sizeof resp;
	resp.url = req->url;
	resp.final_url = o->final_url;
	resp.status = o->status;
	resp.content_type = o->content_type;
	resp.charset = charset_of(o->content_type, charset, sizeof charset);
	resp.body = (const unsigned char *)(req->body.data ? req->body.data : "");
	resp.body_len = req->body.len;
	resp.header_count = split_headers(&req->headers, headers, MAX_HEADERS);
	resp.headers = headers;
	resp.depth = req->depth;
	for (i = 0; i < parser_count; i++) {
		const struct parser_instance *p = &parsers[i];
		if (p->plugin->parser->parse(p->state, &resp, rec) != 0 && !failed)
			failed = p->plugin->name;
	}
	return failed;
}

enum recrawl_class record_recrawl_class(const struct job *job, const struct scrape_request *req,
                                        const struct transfer_outcome *o)
{
	if (!job->recrawl || o->status <= 0)
		return RECRAWL_NONE;
	if (o->status == 304 && (req->if_none_match || req->if_modified_since))
		return RECRAWL_UNCHANGED;
	return req->recrawl_known ? RECRAWL_CHANGED : RECRAWL_NEW;
}

static void json_member_or_null(struct buf *line, const char *key, const char *value)
{
	buf_printf(line, ",\"%s\":", key);
	if (value && *value)
		buf_json_string(line, value);
	else
		buf_puts(line, "null");
}

/* What the sqlite output keeps for the next run: the class, the
 * validators, and (a page fetched whole) every link its parsers found. */
static void encode_recrawl(const struct scrape_request *req, const struct scrape_record *rec,
                           enum recrawl_class recrawl, struct buf *line)
{
	static const char *const names[] = { "", "new", "changed", "unchanged" };
	size_t i;

	json_member_or_null(line, RECORD_RECRAWL, names[recrawl]);
	json_member_or_null(line, RECORD_ETAG, req->etag);
	json_member_or_null(line, RECORD_LAST_MODIFIED, req->last_modified);
	if (recrawl == RECRAWL_UNCHANGED)
		return;
	buf_printf(line, ",\"%s\":[", RECORD_CRAWL_LINKS);
	for (i = 0; i < rec->link_count; i++) {
		if (i)
			buf_putc(line, ',');
		buf_json_string(line, rec->links[i]);
	}
	buf_putc(line, ']');
}

void record_encode(const struct scrape_request *req, const struct transfer_outcome *o,
                   const char *error, const struct scrape_record *rec, enum recrawl_class recrawl,
                   struct buf *line)
{
	buf_puts(line, "{\"url\":");
	buf_json_string(line, req->url);
	buf_puts(line, ",\"final_url\":");
	buf_json_string(line, o->final_url);
	buf_printf(line, ",\"status\":%ld,\"content_type\":", o->status);
	if (o->content_type)
		buf_json_string(line, o->content_type);
	else
		buf_puts(line, "null");
	buf_printf(line, ",\"bytes\":%llu,\"bytes_wire\":%llu,\"attempts\":%d,\"depth\":%d",
	           (unsigned long long)o->bytes, (unsigned long long)o->bytes_wire, req->attempt,
	           req->depth);
	buf_puts(line, ",\"time_total\":");
	buf_printf(line, "%.6f", o->time_total);
	buf_puts(line, ",\"time_dns\":");
	buf_printf(line, "%.6f", o->time_dns);
	buf_puts(line, ",\"time_connect\":");
	buf_printf(line, "%.6f", o->time_connect);
	buf_puts(line, ",\"time_tls\":");
	buf_printf(line, "%.6f", o->time_tls);
	buf_puts(line, ",\"time_first_byte\":");
	buf_printf(line, "%.6f", o->time_first_byte);
	buf_puts(line, ",\"error\":");
	if (error)
		buf_json_string(line, error);
	else
		buf_puts(line, "null");
	/* a load test's records name their group; a crawl has none */
	if (req->group_name) {
		buf_puts(line, ",\"group\":");
		buf_json_string(line, req->group_name);
	}
	/* a job with proxies: which one (masked), null when no_proxy let it by */
	if (req->proxy_name) {
		buf_puts(line, ",\"proxy\":");
		buf_json_string(line, req->proxy_name);
	} else if (req->proxy == REQUEST_DIRECT) {
		buf_puts(line, ",\"proxy\":null");
	}
	/* its urls entry's or url_file line's meta, a JSON object as checked
	 * at load */
	if (req->request && req->request->meta) {
		buf_puts(line, ",\"meta\":");
		buf_puts(line, req->request->meta);
	}
	record_json_members(rec, line);
	if (recrawl != RECRAWL_NONE)
		encode_recrawl(req, rec, recrawl, line);
	buf_puts(line, "}\n");
}
