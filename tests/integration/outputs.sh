#!/bin/sh
# SPDX-License-Identifier: MIT
# Output formats and the JSON report, each read back with an independent
# reader: python's json and csv modules and the sqlite3 shell.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

URLS="$TARGET/html/300 $TARGET/status/404 $TARGET/echo?a=1,2 $TARGET/redirect/1"

# ---- JSON lines ----
"$SCRAPE" -q -p size -o out.jsonl $URLS >/dev/null 2>&1
is "$(json_lines out.jsonl)" 4 "jsonl: one object per response"
is "$(python3 -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r = [x for x in rows if x["url"].endswith("/redirect/1")][0]
print(r["final_url"].endswith("/redirect/0"), r["status"], r["depth"], type(r["time_first_byte"]).__name__, r["error"])' out.jsonl)" \
   "True 200 0 float None" "jsonl: final_url, status, depth and timings"

# ---- CSV ----
"$SCRAPE" -q -p size -o out.csv $URLS >/dev/null 2>&1
like "$(head -c 16 out.csv)" "url,final_url," "csv: the format follows from the .csv extension"
read_csv() { python3 -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(len(rows), ",".join(rows[0].keys()))
for r in rows:
    print(r["url"].split("/",3)[3], r["status"], r["size"], r["error"] or "-")' "$1"; }
out=$(read_csv out.csv)
like "$out" "4 url,final_url,status,content_type,bytes,attempts,depth,time_total,time_dns,time_connect,time_tls,time_first_byte,error,size" \
   "csv: a header of the core columns and the parser's fields"
like "$out" "echo?a=1,2 200 " "csv: a URL with a comma is quoted and reads back whole"
like "$out" "status/404 404 11 http 404" "csv: errors are a column"
is "$(head -c 200 out.csv | od -c | grep -c '\\r  \\n')" 1 "csv: rows end in CRLF (RFC 4180)"
"$SCRAPE" -q -p size -o cols.csv --set 'output.columns=[url, size, status]' $URLS >/dev/null 2>&1
is "$(head -1 cols.csv | tr -d '\r')" "url,size,status" "csv: output.columns picks and orders the columns"
"$SCRAPE" -q --output-format csv -o - "$TARGET/bytes/3" 2>/dev/null >stdout.csv
is "$(sed -n 2p stdout.csv | cut -d, -f3,5)" "200,3" "csv: to standard output with -o -"

# ---- SQLite ----
"$SCRAPE" -q -p size -o out.db $URLS >/dev/null 2>&1
is "$(sqlite3 out.db 'select count(*) from pages')" 4 "sqlite: one row per URL, in the default table"
is "$(sqlite3 out.db "select status, content_type, bytes, error, json_extract(fields, '\$.size') from pages where url like '%404'")" \
   "404|text/plain; charset=utf-8|11|http 404|11" "sqlite: core columns and parser fields as JSON"
is "$(sqlite3 out.db 'pragma journal_mode')" wal "sqlite: the database is in WAL mode"
"$SCRAPE" -q -p size -o out.db -n 3 $URLS >/dev/null 2>&1
is "$(sqlite3 out.db 'select count(*) from pages')" 4 "sqlite: a second run upserts by URL, no duplicates"
printf 'urls: [%s/bytes/9]\noutput: {path: named.db}\n' "$TARGET" >shop-prices.yaml
"$SCRAPE" -q -c shop-prices.yaml >/dev/null 2>&1
is "$(sqlite3 named.db .tables)" shop_prices "sqlite: the table is named after the job file"
"$SCRAPE" -q -o named.db --set output.table=other "$TARGET/bytes/9" >/dev/null 2>&1
is "$(sqlite3 named.db 'select count(*) from other')" 1 "sqlite: output.table names the table"

# queried while the run writes it
"$SCRAPE" -q -o live.db -n 40 "$TARGET/delay/100/bytes/1" >/dev/null 2>&1 &
pid=$!
sleep 2
mid=$(sqlite3 live.db 'select count(*) from pages' 2>&1)
wait $pid
check "sqlite: readable mid-run, with committed rows ($mid)" test "$mid" -gt 0
# rows are upserted by URL: 40 fetches of one URL make one row
is "$(sqlite3 live.db 'select count(*), max(attempts) from pages')" "1|1" "sqlite: 40 fetches of one URL leave one row"

# ---- SIGINT: every output stays whole ----
for fmt in jsonl csv db; do
	"$SCRAPE" -q -n 200 -o "int.$fmt" "$TARGET/delay/30/bytes/5" "$TARGET/delay/30/html/250" >/dev/null 2>&1 &
	pid=$!
	sleep 0.6
	kill -INT $pid
	wait $pid
	is "$?" 130 "$fmt: SIGINT exits 130"
done
check "jsonl after SIGINT: every line parses" test "$(json_lines int.jsonl)" != bad
is "$(python3 -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=""))); print(all(len(r) == len(rows[0]) for r in rows), len(rows) > 1)' int.csv)" \
   "True True" "csv after SIGINT: every row complete"
is "$(sqlite3 int.db 'select count(*) > 0 from pages')" 1 "sqlite after SIGINT: the rows are committed"

# ---- errors ----
err=$("$SCRAPE" -q --output-format sqlite -o - "$TARGET/bytes/1" 2>&1)
is "$?|$err" "2|--output-format: the sqlite output needs a file path, not standard output" "sqlite to standard output is refused"
err=$("$SCRAPE" -q --output-format xml -o x "$TARGET/bytes/1" 2>&1)
is "$err" '--output-format: unknown output format "xml" (use jsonl, csv or sqlite)' "an unknown format is refused"
err=$("$SCRAPE" -q -o x.jsonl --set 'output.columns=[url]' "$TARGET/bytes/1" 2>&1)
like "$err" '"output.columns" goes with format csv only' "columns need csv"
err=$("$SCRAPE" -q -o x.db --set 'output.table=drop table' "$TARGET/bytes/1" 2>&1)
like "$err" '"output.table" must be a plain name' "a table name is checked"
mkdir ro && chmod 500 ro
err=$("$SCRAPE" -q -o /nonexistent/dir/x.jsonl "$TARGET/bytes/1" 2>&1)
is "$?" 2 "an output path that cannot be written exits 2"
like "$err" "cannot write the output file /nonexistent/dir/x.jsonl" "and says why"

# ---- the JSON report ----
"$SCRAPE" -q --report report.json -n 3 "$TARGET/bytes/5" "$TARGET/status/503" >/dev/null 2>&1
is "$?" 1 "a run with failures still writes its report (exit 1)"
is "$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(r["schema"], r["requests"], r["ok"], r["failed"], r["status_counts"], r["failed_by_reason"],
      list(r["hosts"].values()), r["latency_seconds"]["count"], r["interrupted"])' report.json)" \
   "2 6 3 3 {'200': 3, '503': 3} {'http 503': 3} [{'requests': 6, 'failed': 3}] 6 False" \
   "--report: schema, counts by status and reason, per-host counts, latency"
check "--report leaves no temporary file" test ! -e report.json.tmp
"$SCRAPE" -q --report report2.json -n 100 "$TARGET/delay/50/bytes/1" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
is "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["interrupted"], r["requests"] < 100)' report2.json)" \
   "True True" "--report after SIGINT says it was interrupted"
err=$("$SCRAPE" -q --report /nonexistent/r.json "$TARGET/bytes/5" 2>&1)
is "$?" 1 "a report that cannot be written makes the run exit 1"
like "$err" "cannot write the report /nonexistent/r.json" "and says why"

done_testing
