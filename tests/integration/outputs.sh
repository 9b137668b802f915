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
like "$out" "4 url,final_url,status,content_type,bytes,bytes_wire,attempts,depth,time_total,time_dns,time_connect,time_tls,time_first_byte,error,size" \
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
	n0=$(hits /delay/30/bytes/5)
	"$SCRAPE" -q -n 200 -o "int.$fmt" "$TARGET/delay/30/bytes/5" "$TARGET/delay/30/html/250" >/dev/null 2>&1 &
	pid=$!
	# twenty of each URL asked for: rows are written by then
	await 60 hits_reach /delay/30/bytes/5 $((n0 + 20))
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
n0=$(hits /delay/50/bytes/1)
"$SCRAPE" -q --report report2.json -n 100 "$TARGET/delay/50/bytes/1" >/dev/null 2>&1 &
pid=$!
await 60 hits_reach /delay/50/bytes/1 $((n0 + 5))
kill -INT $pid
wait $pid
is "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["interrupted"], r["requests"] < 100)' report2.json)" \
   "True True" "--report after SIGINT says it was interrupted"
err=$("$SCRAPE" -q --report /nonexistent/r.json "$TARGET/bytes/5" 2>&1 >/dev/null)
is "$?" 1 "a report that cannot be written makes the run exit 1"
is "$err" "scrape: error: cannot write the report /nonexistent/r.json: No such file or directory" \
   "and says why, in one line (no word of records the run did not write)"

# ---- what a report path names is respected: FIFOs, links, planted temporaries ----
# (a reader waits for at most 20 s: a FIFO replaced by a file never opens)
mkdir where && cd where
mkfifo report.fifo
timeout 20 cat report.fifo >from-fifo.json &
reader=$!
timeout 60 "$SCRAPE" -q --report report.fifo "$TARGET/bytes/5" >/dev/null 2>&1
wait $reader
check "--report to a FIFO: the FIFO stays a FIFO" test -p report.fifo
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' from-fifo.json 2>&1)" 1 \
   "--report to a FIFO: its reader gets the whole report"
mkfifo html.fifo
timeout 20 cat html.fifo >from-fifo.html &
reader=$!
timeout 60 "$SCRAPE" -q --html html.fifo "$TARGET/bytes/5" >/dev/null 2>&1
wait $reader
check "--html to a FIFO: the FIFO stays a FIFO, its reader gets the page" \
   sh -c 'test -p html.fifo && grep -q "</html>" from-fifo.html'
# /dev/stdout is a link to what fd 1 is: the same shape, without touching /dev
mkfifo out.fifo
ln -s out.fifo stdout-like
timeout 20 cat out.fifo >from-link.json &
reader=$!
timeout 60 "$SCRAPE" -q --report stdout-like "$TARGET/bytes/5" >/dev/null 2>&1
wait $reader
check "--report to a link to a FIFO: written through, link and FIFO kept" \
   sh -c 'test -L stdout-like && test -p out.fifo && grep -q "\"schema\"" from-link.json'
echo old >target.json
ln -s target.json linked.json
"$SCRAPE" -q --report linked.json "$TARGET/bytes/5" >/dev/null 2>&1
check "--report to a link: the link stays a link" test -L linked.json
like "$(cat target.json)" '"schema":2' "--report to a link: its target gets the report"
echo precious >precious
for name in r.json.tmp .r.json.tmp; do ln -s precious "$name"; done
echo precious-html >precious-html
ln -s precious-html r.html.tmp
"$SCRAPE" -q --report r.json --html r.html "$TARGET/bytes/5" >/dev/null 2>&1
is "$(cat precious)|$(cat precious-html)" "precious|precious-html" \
   "a link planted at a temporary name is never followed"
check "and the reports are written" sh -c 'grep -q schema r.json && grep -q "</html>" r.html'
echo old >kept.json
chmod 640 kept.json
"$SCRAPE" -q --report kept.json "$TARGET/bytes/5" >/dev/null 2>&1
is "$(stat -c %a kept.json)" 640 "a replaced report keeps the file's permissions"
(umask 077 && "$SCRAPE" -q --report private.json --html private.html "$TARGET/bytes/5" >/dev/null 2>&1)
is "$(stat -c %a private.json) $(stat -c %a private.html)" "600 600" "a new report's mode follows the umask"
(umask 022 && "$SCRAPE" -q --report public.json "$TARGET/bytes/5" >/dev/null 2>&1)
is "$(stat -c %a public.json)" 644 "like any new file's"
ln -s missing.json dangling.json
err=$("$SCRAPE" -q --report dangling.json "$TARGET/bytes/5" 2>&1 >/dev/null)
is "$?|$(test -e missing.json && echo created)" "1|" "a link to nothing is refused, nothing created"
like "$err" "cannot write the report dangling.json" "and said"
is "$(ls -A | grep -c '^\..*\.[0-9a-f]\{12\}$')" 0 "no temporary file is left behind"
echo precious >precious-records
ln -s precious-records records.jsonl
"$SCRAPE" -q -o records.jsonl "$TARGET/bytes/5" >/dev/null 2>&1
check "-o to a link writes its target (like a shell redirection)" \
   sh -c 'test -L records.jsonl && grep -q "\"status\":200" precious-records'
mkfifo records.fifo
timeout 20 cat records.fifo >from-records.fifo &
reader=$!
timeout 60 "$SCRAPE" -q -o records.fifo --output-format csv "$TARGET/bytes/5" >/dev/null 2>&1
wait $reader
check "-o to a FIFO: records reach its reader" sh -c 'test -p records.fifo && grep -q "^url," from-records.fifo'
cd ..

# ---- records that cannot be written stop the run, said once ----
# 40 requests of 50 ms one after the other: a run that fetched on would take 2 s
SLOW="$TARGET/delay/50/bytes/5"
for fmt in jsonl csv; do
	reset_target
	err=$("$SCRAPE" -q -n 40 --output-format $fmt -o /dev/full "$SLOW" 2>&1 >/dev/null)
	is "$?" 1 "$fmt to a full device (/dev/full) exits 1"
	is "$err" "scrape: error: cannot write records to /dev/full: No space left on device; stopping the run" \
	   "$fmt: said once, with the path and the reason"
	n=$(hits /delay/50/bytes/5)
	check "$fmt: the run stops at the first record that cannot be written ($n of 40 fetched)" test "$n" -le 3
done
# SQLite on a file size limit: SIGXFSZ must not kill the run; EFBIG ends it
i=0; urls=
while [ $i -lt 1500 ]; do urls="$urls $TARGET/bytes/200?i=$i"; i=$((i + 1)); done
err=$(ulimit -f 40 && "$SCRAPE" -q -o small.db $urls 2>&1 >/dev/null)
is "$?" 1 "sqlite over the file size limit (ulimit -f) exits 1"
like "$err" "scrape: error: cannot write records to small.db: " "sqlite: says so"
like "$err" "File too large" "sqlite: with the system's reason"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "sqlite: once"
err=$(ulimit -f 40 && "$SCRAPE" -q -o big.jsonl $urls 2>&1 >/dev/null)
is "$?|$err" "1|scrape: error: cannot write records to big.jsonl: File too large; stopping the run" \
   "jsonl over the file size limit: exit 1, said once"

# the reader of -o - goes away: like cat | head, the run ends, under every strategy
for strategy in sequential threaded event multiprocess; do
	reset_target
	{ "$SCRAPE" -q -n 100 -w 4 --strategy $strategy -o - "$SLOW" 2>head.err; echo $? >head.rc; } | head -1 >head.out
	is "$(cat head.rc)|$(json_lines head.out)" "1|1" "$strategy: -o - | head -1 exits 1 after head read its record"
	is "$(grep -c 'cannot write records to standard output: Broken pipe; stopping the run' head.err)" 1 \
	   "$strategy: says so once"
	n=$(hits /delay/50/bytes/5)
	check "$strategy: and stops fetching ($n of 100 fetched)" test "$n" -le 12
done
# the same for the per-download lines: scrape ... | head; seen when stdio
# flushes its buffer (4 KiB, some 60 lines), so a few buffers' worth
reset_target
{ "$SCRAPE" -n 1000 -s threaded -w 4 "$TARGET/delay/10/bytes/5" 2>lines.err; echo $? >lines.rc; } | head -1 >/dev/null
n=$(hits /delay/10/bytes/5)
is "$(cat lines.rc)|$(cat lines.err)" "1|scrape: error: cannot write to standard output: Broken pipe; stopping the run" \
   "lines whose reader went away stop the run, said once, exit 1"
check "and it stops fetching ($n of 1000 fetched)" test "$n" -lt 500

# a table written before bytes_wire existed gets the column and more rows
sqlite3 old.db 'CREATE TABLE pages (url TEXT PRIMARY KEY, final_url TEXT, status INTEGER,
	content_type TEXT, bytes INTEGER, attempts INTEGER, depth INTEGER, time_total REAL,
	time_dns REAL, time_connect REAL, time_tls REAL, time_first_byte REAL, error TEXT,
	fields TEXT, fetched_at TEXT); INSERT INTO pages (url, status) VALUES ("http://old/", 200)'
"$SCRAPE" -q -o old.db --set output.table=pages "$TARGET/bytes/10" >/dev/null 2>&1
is "$?" 0 "an older table without bytes_wire: the run writes into it"
is "$(sqlite3 old.db 'SELECT count(*), count(bytes_wire) FROM pages')" "2|1" \
	"an older table: bytes_wire added, the old row kept"

done_testing
