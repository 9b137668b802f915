#!/bin/sh
# SPDX-License-Identifier: MIT
# The lean strategy's own HTTP client, end to end against the target
# server and a raw server on 127.0.0.1: keep-alive pools, a fresh
# connection per request without keep-alive, HEAD, a refused connection,
# threads, -v naming the I/O layer, and a server that closes idle
# connections (the request goes again on a new one, not failed).
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
