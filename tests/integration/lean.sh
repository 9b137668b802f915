#!/bin/sh
# SPDX-License-Identifier: MIT
# The lean strategy's own HTTP client, end to end against the target
# server and a raw server on 127.0.0.1: keep-alive pools, a fresh
# connection per request without keep-alive, HEAD, a refused connection,
# threads, -v naming the I/O layer, and a server that closes idle
# connections (the request goes again on a new one, not failed), and
# redirects the core follows (methods, bodies, other hosts, the limits).
# Parity with event is checked in strategies.sh, hostile replies in
# replies.sh.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# report_field FILE KEY
report_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

"$SCRAPE" -q -s lean -w 4 -n 200 --report keep.json -o keep.jsonl "$TARGET/bytes/10" >/dev/null 2>&1
ok $? "lean: 200 requests over 4 places succeed"
is "$(report_field keep.json connections_opened)" 4 "keep-alive: 4 connections carry 200 requests"
is "$(grep -c '"bytes":10,' keep.jsonl)" 200 "every record has its 10 body bytes"

"$SCRAPE" -q -s lean -w 4 -n 20 --set keepalive=false --report fresh.json "$TARGET/bytes/10" >/dev/null 2>&1
is "$(report_field fresh.json connections_opened)" 20 "keepalive: false opens a connection per request"

"$SCRAPE" -q -s lean --set method=HEAD -o head.jsonl "$TARGET/bytes/5000" >/dev/null 2>&1
like "$(cat head.jsonl)" '"status":200,"content_type":"application/octet-stream","bytes":0,' \
     "HEAD: the status and type, no body though Content-Length promised one"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SCRAPE" -q -s lean -o refused.jsonl "http://127.0.0.1:$port/" >/dev/null 2>&1
is "$?" 1 "a refused connection fails the run's request"
like "$(cat refused.jsonl)" '"error":"connect"' "and is recorded as connect, as libcurl names it"

"$SCRAPE" -q -s lean --set max_redirects=0 --set 'resolve=[lean.test:'"${TARGET##*:}"':127.0.0.1]' \
	-o resolved.jsonl "http://lean.test:${TARGET##*:}/bytes/3" >/dev/null 2>&1
like "$(cat resolved.jsonl)" '"status":200' "resolve sends lean.test to 127.0.0.1"

"$SCRAPE" -q -s lean --set strategy.threads=3 -w 6 -n 90 -o threads.jsonl "$TARGET/bytes/1" >/dev/null 2>&1
ok $? "threads: 3 loops run the job"
is "$(json_lines threads.jsonl)" 90 "and every request has its record"

# more distinct URLs than the request cache has slots, many in flight: each
# answer must be its own request's (bytes/N sends N bytes)
awk -v t="$TARGET" 'BEGIN { for (i = 1; i <= 1500; i++) print t "/bytes/" i }' >many.txt
"$SCRAPE" -q -s lean -w 64 --set url_file=many.txt -o many.jsonl >/dev/null 2>&1
is "$(python3 -c 'import json,sys
bad = [r["url"] for r in map(json.loads, open(sys.argv[1])) if r["bytes"] != int(r["url"].rsplit("/", 1)[1])]
print(len(bad), bad[:3])' many.jsonl)" "0 []" "1500 distinct URLs, 64 at once: every answer is its own request's"

# ---- redirects, which the core follows for lean as libcurl does ----
start_target2
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
cat >redirects.yaml <<EOF
urls:
  - $TARGET/redirect/3
  - {url: "$TARGET/redirect-to?url=/echo&status=303", method: POST, body: "a=1"}
  - {url: "$TARGET/redirect-to?url=/echo&status=307", method: POST, body: "b=2"}
  - {url: "$TARGET/redirect-to?url=/echo&status=302", method: POST, body: "c=3"}
  - {url: "$TARGET/redirect-to?url=/echo&status=308", method: PUT, body: "d=4"}
  - $TARGET/redirect-to?url=$(enc "$TARGET2/bytes/7")
  - $TARGET/redirect-to?url=$(enc "ftp://127.0.0.1/x")
  - $TARGET/redirect-to?url=$(enc "/redirect-to?url=/redirect/1")
parsers:
  - {name: regex, pattern: '"method": "(?<method>[A-Z]+)".*"body": "(?<body>[^"]*)"'}
EOF
# rdigest FILE: what must not depend on the strategy, one line a record
rdigest() {
	python3 -c 'import json,sys
rows=[]
for l in open(sys.argv[1]):
    r=json.loads(l)
    rows.append("%s -> %s %s %s %s %s %s" % (r["url"].split("/",3)[3], r["final_url"].split("/",3)[-1],
        r["status"], r["bytes"], r["error"], r.get("method"), r.get("body")))
print("\n".join(sorted(rows)))' "$1"
}
for s in event lean; do
	"$SCRAPE" -q -s "$s" -w 3 --set compressed=false -c redirects.yaml -o "redir-$s.jsonl" >/dev/null 2>&1
	rdigest "redir-$s.jsonl" >"redir-$s.txt"
done
if cmp -s redir-event.txt redir-lean.txt; then
	ok 0 "redirects: lean's records are event's (methods, bodies, hosts, errors)"
else
	ok 1 "redirects: lean's records are event's (methods, bodies, hosts, errors)"
	diff redir-event.txt redir-lean.txt | sed 's/^/# /'
fi
like "$(cat redir-lean.txt)" "redirect/3 -> redirect/0 200 20 None" "redirects: a chain of 3 ends on its 200"
like "$(grep 'status=303' redir-lean.txt)" "-> echo 200" "redirects: a 303 is followed"
like "$(grep 'status=303' redir-lean.txt)" " GET " "redirects: a 303 turns a POST into a GET without its body"
like "$(grep 'status=307' redir-lean.txt)" " POST b=2" "redirects: a 307 keeps the method and the body"
like "$(grep 'status=308' redir-lean.txt)" " PUT d=4" "redirects: a 308 keeps a PUT and its body"
like "$(grep 'ftp' redir-lean.txt)" "302 9 protocol not allowed" "redirects: to ftp:// fails as libcurl's does"
like "$(grep 'bytes%2F7' redir-lean.txt)" "bytes/7 200 7 None" "redirects: to another server"
"$SCRAPE" -q -s lean --set max_redirects=2 -o toomany.jsonl "$TARGET/redirect/3" >/dev/null 2>&1
is "$?" 1 "max_redirects: 2 with a chain of 3 fails the request"
like "$(cat toomany.jsonl)" '"status":302,' "and the record has the last redirect's status"
like "$(cat toomany.jsonl)" '"error":"too many redirects"' "and says too many redirects, as libcurl does"
"$SCRAPE" -q -s lean -n 30 -w 3 --report chain.json "$TARGET/redirect/2" >/dev/null 2>&1
is "$(report_field chain.json requests)/$(report_field chain.json ok)/$(report_field chain.json retries)" "30/30/0" \
   "a redirect chain is one request: not counted again, nor as a retry"

"$SCRAPE" -v -s lean -n 1 "$TARGET/bytes/1" >verbose.out 2>&1
like "$(cat verbose.out)" "lean: 1 loop on epoll (io: auto)" "-v says which I/O layer ran"

# A server that closes every connection a moment after its answer, with
# no Connection: close: the next request on it goes again, on a new one.
cat >closer.py <<'PY'
import socket, sys, threading, time
def serve(c):
    try:
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        time.sleep(0.05)
    except Exception:
        pass
    c.close()
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
s.settimeout(30)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    try:
        c, _ = s.accept()
    except Exception:
        break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 closer.py closer.port >/dev/null 2>&1 &
CLOSER_PID=$!
trap 'kill $CLOSER_PID 2>/dev/null; cleanup' EXIT
i=0
while [ ! -s closer.port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$SCRAPE" -q -s lean -w 1 -n 10 --set retries=0 -o closer.jsonl "http://127.0.0.1:$(cat closer.port)/" >/dev/null 2>&1
ok $? "a server closing idle connections fails nothing (retries: 0)"
is "$(grep -c '"status":200' closer.jsonl)" 10 "all 10 answered"

done_testing
