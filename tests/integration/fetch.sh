#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end fetching against the local target server: every job key that
# shapes a request or its result has an effect seen at the server (hit
# counts, arrival log) or in the records.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# job NAME <<YAML: writes NAME.yaml
job() { cat >"$1.yaml"; }
# field FILE KEY: the KEY of every record, one per line
field() { python3 -c 'import json,sys
for l in open(sys.argv[1]): v=json.loads(l).get(sys.argv[2]); print("null" if v is None else v)' "$1" "$2"; }

# ---- the demo shape: a list repeated, records and summary agree ----
job demo <<EOF2
urls: [$TARGET/delay/50/html/10966, $TARGET/html/276]
repeat: 3
parsers: [size]
output: {path: demo.jsonl}
EOF2
"$SCRAPE" -c demo.yaml >demo.out 2>demo.err
ok $? "demo job exits 0"
is "$(json_lines demo.jsonl)" 6 "6 records, each a JSON object"
is "$(hits /delay/50/html/10966)" 3 "the server saw the first URL 3 times"
is "$(hits /html/276)" 3 "and the second 3 times"
is "$(grep -c '^Read 10966 bytes from ' demo.out)" 3 "one 'Read N bytes from URL' line per download"
like "$(cat demo.out)" "Downloaded 6 sites in " "summary starts 'Downloaded 6 sites in'"
like "$(cat demo.out)" "6 ok, 0 failed" "summary counts ok and failed"
is "$(field demo.jsonl size | sort -u | tr '\n' ' ')" "10966 276 " "parser size fields match the bodies"
is "$(field demo.jsonl content_type | sort -u)" "text/html; charset=utf-8" "records carry the Content-Type"
is "$(field demo.jsonl error | sort -u)" "null" "no errors recorded"
is "$(sed -n 1p demo.jsonl | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))')" \
   "['attempts', 'bytes', 'bytes_wire', 'content_type', 'depth', 'error', 'final_url', 'size', 'status', 'time_connect', 'time_dns', 'time_first_byte', 'time_tls', 'time_total', 'url']" \
   "a record has the core fields and the parser's"
"$SCRAPE" -q -c demo.yaml >quiet.out 2>&1
is "$(grep -c '^Read ' quiet.out)" 0 "-q drops the per-download lines"
like "$(cat quiet.out)" "Downloaded 6 sites" "-q keeps the summary"

# ---- records on stdout: human lines move to stderr ----
"$SCRAPE" -c demo.yaml -o - >stdout.jsonl 2>stdout.err
is "$(json_lines stdout.jsonl)" 6 "-o - writes only records to stdout"
like "$(cat stdout.err)" "Downloaded 6 sites" "and the summary to stderr"

# ---- url_file, streamed, with repeat ----
printf '# two URLs\n%s/bytes/10\n\n%s/bytes/20\n' "$TARGET" "$TARGET" >list.txt
job file <<EOF2
url_file: list.txt
repeat: 2
output: file.jsonl
EOF2
reset_target
"$SCRAPE" -q -c file.yaml >/dev/null 2>&1
ok $? "url_file job exits 0"
is "$(hits /bytes/10),$(hits /bytes/20)" "2,2" "each URL of the file fetched once per pass"
is "$(field file.jsonl bytes | sort -n | tr '\n' ' ')" "10 10 20 20 " "bytes recorded per response"

# ---- method, headers, body, user agent reach the server ----
job echo <<EOF2
urls: [$TARGET/echo]
method: PUT
headers: {X-Probe: probe-value-17}
body: payload-body-42
parsers:
  - {name: $SKELETON_DIR/parser_skeleton.so, word: probe-value-17}
output: echo.jsonl
EOF2
"$SCRAPE" -q -c echo.yaml >/dev/null 2>&1
is "$(field echo.jsonl word_count)" 1 "custom header sent"
"$SCRAPE" -q -c echo.yaml --set 'parsers=[{name: '"$SKELETON_DIR"'/parser_skeleton.so, word: payload-body-42}]' >/dev/null 2>&1
is "$(field echo.jsonl word_count)" 1 "request body sent"
"$SCRAPE" -q -c echo.yaml --set 'parsers=[{name: '"$SKELETON_DIR"'/parser_skeleton.so, word: "\"PUT\""}]' >/dev/null 2>&1
is "$(field echo.jsonl word_count)" 1 "method PUT sent"
"$SCRAPE" -q -c echo.yaml --set 'parsers=[{name: '"$SKELETON_DIR"'/parser_skeleton.so, word: "scrape/"}]' >/dev/null 2>&1
is "$(field echo.jsonl word_count)" 1 "default User-Agent is scrape/VERSION"
"$SCRAPE" -q -c echo.yaml --set user_agent=agent-x9 --set 'parsers=[{name: '"$SKELETON_DIR"'/parser_skeleton.so, word: agent-x9}]' >/dev/null 2>&1
is "$(field echo.jsonl word_count)" 1 "user_agent replaces it"

# ---- resolve: a host name pinned to an address ----
port=${TARGET##*:}
reset_target
"$SCRAPE" -q --set "resolve=[example.test:$port:127.0.0.1]" -o resolve.jsonl "http://example.test:$port/bytes/3" >/dev/null 2>&1
is "$?|$(field resolve.jsonl status)|$(hits /bytes/3)" "0|200|1" "resolve sends example.test to 127.0.0.1"
err=$("$SCRAPE" --dry-run --set 'resolve=[nonsense]' "$TARGET/bytes/1" 2>&1)
like "$err" '"nonsense" is not HOST:PORT:ADDRESS' "a bad resolve entry is a job error"

# ---- body_file: any bytes, NULs included ----
printf 'a\000b\000c' >body.bin
printf 'urls: [%s/echo]\nmethod: POST\nbody_file: body.bin\nparsers:\n  - {name: regex, pattern: "\\"body_length\\": *(?<len>[0-9]+)"}\n' "$TARGET" >bodyfile.yaml
"$SCRAPE" -q -c bodyfile.yaml -o bodyfile.jsonl >/dev/null 2>&1
is "$(field bodyfile.jsonl len)" 5 "body_file sends the file's bytes, NULs included"
err=$("$SCRAPE" --dry-run -c bodyfile.yaml --set body=x 2>&1)
like "$err" 'give either "body" or "body_file", not both' "body and body_file do not mix"
err=$("$SCRAPE" --dry-run -c bodyfile.yaml --set body_file=missing.bin 2>&1)
like "$err" 'cannot read body_file' "a missing body_file is a job error"

# ---- failures and their reasons ----
# run_one URL [--set ...]: runs one URL, prints "exit error status attempts"
run_one() {
	url=$1
	shift
	"$SCRAPE" -q "$@" -o one.jsonl "$url" >/dev/null 2>&1
	rc=$?
	printf '%s|%s|%s|%s' "$rc" "$(field one.jsonl error)" "$(field one.jsonl status)" "$(field one.jsonl attempts)"
}
is "$(run_one "$TARGET/status/404")" "1|http 404|404|1" "404 is a failure 'http 404', exit 1, not retried"
is "$(run_one "$TARGET/fault/hang" --set timeout=300ms)" "1|timeout|0|1" "timeout gives 'timeout'"
is "$(run_one "$TARGET/fault/close")" "1|empty reply|0|1" "a closed connection gives 'empty reply'"
is "$(run_one "$TARGET/fault/reset")" "1|reset|200|1" "a reset mid-body gives 'reset'"
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
is "$(run_one "http://127.0.0.1:$closed_port/")" "1|connect|0|1" "a refused connection gives 'connect'"
is "$(run_one "$TARGET/bytes/100000" --set max_body=10k)" "1|body too large|200|1" "max_body caps the body"
is "$(run_one "$TARGET/redirect-to?url=file:///etc/passwd")" "1|protocol not allowed|302|1" "a redirect to file:// is refused"
is "$(run_one "$TARGET/redirect/3" --set max_redirects=2)" "1|too many redirects|302|1" "max_redirects limits the chain"
is "$(run_one "$TARGET/redirect/3" --set max_redirects=0)" "0|null|302|1" "max_redirects 0 does not follow"
is "$(run_one "$TARGET/redirect/3")" "0|null|200|1" "redirects are followed by default"
like "$(field one.jsonl final_url)" "/redirect/0" "final_url is where the chain ended"

reset_target
is "$(run_one "$TARGET/status/503" --set retries=2)" "1|http 503|503|3" "503 is retried: 3 attempts"
is "$(hits /status/503)" 3 "the server saw all 3 attempts"
reset_target
"$SCRAPE" -q --retries 1 --set retry_delay=300ms -o one.jsonl "$TARGET/status/500" >/dev/null 2>&1
is "$(curl -s "$TARGET/_log" | awk '{print $2}' | tr '\n' ' ' | awk '{ print ($2 - $1 >= 280000) ? "spaced" : "too close: " $2 - $1 }')" "spaced" "retry_delay spaces the attempts"

# ---- rate limit: arrivals spread over the expected time ----
job rate <<EOF2
urls: [$TARGET/bytes/1]
repeat: 11
rate_limit: 20/s
EOF2
reset_target
"$SCRAPE" -q -c rate.yaml >/dev/null 2>&1
# Ten 50 ms intervals, less the 20 ms of lateness the limiter forgives a
# start; the server's log can also show a start late (it was held up), which
# shortens the span by as much as the gap after that start is short.
set -- $(curl -s "$TARGET/_log" | awk 'NR == 1 { a = $2 } NR > 1 { g = $2 - b; if (NR == 2 || g < min) min = g } { b = $2 } END { print b - a, min }')
span=$1 shortest=$2
is "$(awk -v s="$span" -v m="$shortest" 'BEGIN { h = 50000 - m; if (h < 0) h = 0
	print (s >= 480000 - h && s <= 650000) ? "ok" : "bad" }')" ok \
   "11 requests at 20/s span about 0.5 s (saw ${span} us, shortest gap ${shortest} us)"

# ---- batches: no request of batch k+1 before batch k is done ----
job batch <<EOF2
urls: [$TARGET/delay/100/bytes/1]
repeat: 4
batch_size: 2
EOF2
reset_target
"$SCRAPE" -q -c batch.yaml >/dev/null 2>&1
is "$(hits /delay/100/bytes/1)" 4 "batched job fetches everything"

# ---- SIGINT mid-run: prompt stop, valid output, counts agree ----
job slow <<EOF2
urls: [$TARGET/delay/200/bytes/5]
repeat: 50
output: slow.jsonl
EOF2
rm -f slow.jsonl
"$SCRAPE" -c slow.yaml >slow.out 2>&1 &
pid=$!
await 60 lines_reach slow.jsonl 2
kill -INT $pid
wait $pid
is "$?" 130 "SIGINT ends the run with status 130"
n=$(json_lines slow.jsonl)
like "$(cat slow.out)" "Downloaded $n sites" "the summary counts exactly the records written ($n)"
check "the run stopped early" test "$n" -lt 50
like "$(cat slow.out)" "(interrupted)" "the summary says it was interrupted"

n0=$(hits /delay/200/bytes/5)
"$SCRAPE" -c slow.yaml >slow.out 2>&1 &
pid=$!
await 60 hits_reach /delay/200/bytes/5 $((n0 + 1))
kill -TERM $pid
wait $pid
is "$?" 143 "SIGTERM ends the run with status 143"

done_testing
