#!/bin/sh
# SPDX-License-Identifier: MIT
# The lean strategy's own HTTP client, end to end against the target
# server and a raw server on 127.0.0.1, under each of its I/O layers
# (epoll, and io_uring where this machine lets a ring be made): the same
# records as event on a mixed job (timeouts, resets, max_body, retries),
# keep-alive pools, a fresh connection per request without keep-alive,
# chunked answers, Connection: close, HEAD, a refused connection, threads,
# SIGINT, -v naming the I/O layer, and a server that closes idle
# connections (the request goes again on a new one, not failed); and
# redirects the core follows (methods, bodies, other hosts, the limits);
# pipelining (pipeline: N): the same records, answers in order, and a
# server closing with requests pipelined behind its last answer.
# Parity with event on more jobs is checked in strategies.sh, hostile
# replies in replies.sh.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# report_field FILE KEY
report_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}


# A raw server: /close answers with Connection: close; anything else
# answers and closes a moment later without saying so, so the next request
# on the connection must go again on a new one.
cat >closer.py <<'PY'
import sys, time
import rawserver
def serve(c):
    try:
        req = c.recv(65536)
        while req.startswith(b"POST /early "):
            # answers before reading the body, then reads it and serves
            # the next request on the connection: a client that reused it
            # at once would have its next request inside this body
            c.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n")
            head, _, body = req.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:
                more = c.recv(1 << 20)
                if not more:
                    return
                body += more
            req = body[length:] or c.recv(65536)
        if req.startswith(b"GET /close "):
            c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            time.sleep(0.05)
    except Exception:
        pass
    c.close()
rawserver.run(serve, sys.argv[1])
PY
PYTHONPATH="$TOP_SRCDIR/tests/tools" python3 closer.py closer.port >/dev/null 2>&1 &
CLOSER_PID=$!
trap 'kill $CLOSER_PID $PIPE_PIDS 2>/dev/null; cleanup' EXIT
i=0
while [ ! -s closer.port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
CLOSER="http://127.0.0.1:$(cat closer.port)"

# A raw server for pipelining, in two instances: one that serves all, one
# that closes after 2 answers on a connection without saying so.
cat >pipe.py <<'PY'
import socket, sys, threading, time
import rawserver
# pipe.py PORTFILE LOG LIMIT [close]: answers /n/N with N bytes (HEAD: none)
# in request order, after a pause that lets pipelined requests gather; past
# LIMIT answers on a connection (0: none) it closes, without a word or, with
# "close", after saying Connection: close in the last answer.  LOG
# gets a line a connection: requests seen in one read at most, answered,
# left unanswered.
lock = threading.Lock()
def serve(c, log, limit):
    buf, answered, most, seen = b"", 0, 0, 0
    try:
        while True:
            more = c.recv(65536)
            if not more:
                break
            buf += more
            time.sleep(0.02)
            c.setblocking(False)
            try:
                while True:
                    more = c.recv(65536)
                    if not more:
                        break
                    buf += more
            except BlockingIOError:
                pass
            c.setblocking(True)
            reqs = buf.split(b"\r\n\r\n")
            buf = reqs.pop()
            seen += len(reqs)
            most = max(most, len(reqs))
            out = b""
            for r in reqs:
                if limit and answered == limit:
                    break
                method, path = r.split(b" ")[:2]
                n = int(path.rsplit(b"/", 1)[1])
                last = limit and answered + 1 == limit and say_close
                out += b"HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n" % (
                    b"Connection: close\r\n" if last else b"", n)
                if method != b"HEAD":
                    out += b"x" * n
                answered += 1
            c.sendall(out)
            if limit and answered == limit:
                # a lingering close, as nginx's: closing with requests
                # unread would reset the connection, losing the answers
                c.shutdown(socket.SHUT_WR)
                c.settimeout(5)
                while c.recv(65536):
                    pass
                break
    except Exception as e:
        pass
    c.close()
    with lock:
        open(log, "a").write("%d %d %d\n" % (most, answered, seen - answered))
say_close = sys.argv[4:] == ["close"]
rawserver.run(serve, sys.argv[1], sys.argv[2], int(sys.argv[3]))
PY
PYTHONPATH="$TOP_SRCDIR/tests/tools" python3 pipe.py pipe.port pipe.log 0 >/dev/null 2>&1 &
PIPE_PIDS=$!
PYTHONPATH="$TOP_SRCDIR/tests/tools" python3 pipe.py pipe2.port pipe2.log 2 >/dev/null 2>&1 &
PIPE_PIDS="$PIPE_PIDS $!"
PYTHONPATH="$TOP_SRCDIR/tests/tools" python3 pipe.py pipe3.port pipe3.log 2 close >/dev/null 2>&1 &
PIPE_PIDS="$PIPE_PIDS $!"
i=0
while { [ ! -s pipe.port ] || [ ! -s pipe2.port ] || [ ! -s pipe3.port ]; } && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
awk -v t="http://127.0.0.1:$(cat pipe.port)" 'BEGIN { for (i = 1; i <= 40; i++) print t "/n/" i }' >pipe.txt
awk -v t="http://127.0.0.1:$(cat pipe2.port)" 'BEGIN { for (i = 1; i <= 40; i++) print t "/n/" i }' >pipe2.txt
awk -v t="http://127.0.0.1:$(cat pipe3.port)" 'BEGIN { for (i = 1; i <= 40; i++) print t "/n/" i }' >pipe3.txt

cat >parity.yaml <<EOF2
urls:
  - $TARGET/delay/20/html/10966
  - $TARGET/html/276
  - $TARGET/status/404
  - $TARGET/fault/hang
  - $TARGET/fault/reset
  - $TARGET/fault/close
  - $TARGET/fault/drip/50/1
  - $TARGET/status/503
  - $TARGET/bytes/5000
repeat: 2
timeout: 400ms
retries: 1
max_body: 4k
workers: 4
max_redirects: 0
compressed: false
parsers: [size]
EOF2
"$SCRAPE" -q -c parity.yaml -s event -o parity-event.jsonl >/dev/null 2>&1
echo "exit $?" >parity-event.txt
parity_digest parity-event.jsonl >>parity-event.txt
like "$(cat parity-event.txt)" "fault/hang 0 0 timeout None 2" "the parity digest covers timeouts and retries"

# pipe_records FILE: "records distinct-urls wrong": each record's answer
# must be its own request's (/n/N sends N bytes, or none to a HEAD)
pipe_records() {
	python3 -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
bad=[r["url"] for r in rs if r["status"] != 200 or r["bytes"] != int(r["url"].rsplit("/",1)[1])]
print(len(rs), len(set(r["url"] for r in rs)), bad[:3])' "$1"
}

# pipeline_checks IO: pipelining under the layer IO
pipeline_checks() {
	for p in 1 8; do
		"$SCRAPE" -q -c pipemix.yaml $lean --set strategy.pipeline=$p --report "pmix$p.json" \
			-o "pmix$p.jsonl" >/dev/null 2>&1
		echo "exit $?" >"pmix$p.txt"
		parity_digest "pmix$p.jsonl" >>"pmix$p.txt"
	done
	if cmp -s pmix1.txt pmix8.txt; then
		ok 0 "$1: pipeline: 8 records what pipeline: 1 does (sizes, HEAD, 404, chunks, max_body)"
	else
		ok 1 "$1: pipeline: 8 records what pipeline: 1 does (sizes, HEAD, 404, chunks, max_body)"
		diff pmix1.txt pmix8.txt | sed 's/^/# /'
	fi

	for p in 1 8; do
		"$SCRAPE" -q $lean --set strategy.pipeline=$p -w 2 -n 200 --report "pw$p.json" \
			"$TARGET/bytes/100" >/dev/null 2>&1
		echo "$? $(report_field "pw$p.json" ok) $(report_field "pw$p.json" connections_opened)" >"pw$p.txt"
	done
	read -r rc1 ok1 conns1 <pw1.txt
	read -r rc8 ok8 conns8 <pw8.txt
	is "$rc8 $ok8" "0 200" "$1: pipeline: 8 -w 2: all 200 requests succeed"
	check "$1: and on no more connections than without ($conns8 vs $conns1)" test "$conns8" -le "$conns1"

	: >pipe.log
	"$SCRAPE" -q $lean --set strategy.pipeline=8 -w 5 --set url_file=pipe.txt --report pipe.json \
		-o pipe.jsonl >/dev/null 2>&1
	is "$? $(pipe_records pipe.jsonl)" "0 40 40 []" "$1: pipelined answers are matched in order"
	# the server logs a connection once it sees it closed
	await 10 lines_reach pipe.log "$(report_field pipe.json connections_opened)"
	is "$(awk '$1 > most { most = $1 } END { print (most > 1) }' pipe.log)" 1 \
	   "$1: the server had several requests in one read (pipelined)"
	check "$1: and fewer connections than requests" test "$(report_field pipe.json connections_opened)" -lt 20

	closing_server pipe2 "$1: a server closing after 2 answers: the requests behind go again, each recorded once" \
		"$1: the server answered each once, and had requests pipelined past its close"
	closing_server pipe3 "$1: Connection: close with requests pipelined behind: they go again, each recorded once" \
		"$1: and the server answered each once, with requests behind its Connection: close"
}
# closing_server NAME WHAT-RECORDS WHAT-SERVER: 40 requests, 8 pipelined, to
# the raw server NAME that closes after 2 answers: each recorded once, no
# retry counted, and the server answered each once with some pipelined
# past its close (its log: most in one read, answered, unanswered)
closing_server() {
	: >"$1.log"
	"$SCRAPE" -q $lean --set strategy.pipeline=8 -w 5 --set retries=0 --set url_file="$1.txt" \
		--report "$1.json" -o "$1.jsonl" >/dev/null 2>&1
	is "$? $(pipe_records "$1.jsonl") $(report_field "$1.json" retries)" "0 40 40 [] 0" "$2"
	await 10 lines_reach "$1.log" "$(report_field "$1.json" connections_opened)"
	is "$(awk '{ a += $2; u += $3 } END { print a, (u > 0) }' "$1.log")" "40 1" "$3"
}

# layer_checks IO: what must hold whichever layer moves the bytes
layer_checks() {
	io=$1
	lean="-s lean --set strategy.io=$io"

	"$SCRAPE" -q -c parity.yaml $lean -o "parity-$io.jsonl" >/dev/null 2>&1
	echo "exit $?" >"parity-$io.txt"
	parity_digest "parity-$io.jsonl" >>"parity-$io.txt"
	if cmp -s parity-event.txt "parity-$io.txt"; then
		ok 0 "$io: the same records as event on a job of timeouts, resets, chunks, max_body"
	else
		ok 1 "$io: the same records as event on a job of timeouts, resets, chunks, max_body"
		diff parity-event.txt "parity-$io.txt" | sed 's/^/# /'
	fi

	"$SCRAPE" -q $lean -w 4 -n 200 --report keep.json -o keep.jsonl "$TARGET/bytes/10" >/dev/null 2>&1
	ok $? "$io: 200 requests over 4 places succeed"
	is "$(report_field keep.json connections_opened)" 4 "$io: keep-alive: 4 connections carry 200 requests"
	is "$(grep -c '"bytes":10,' keep.jsonl)" 200 "$io: every record has its 10 body bytes"

	"$SCRAPE" -q $lean -w 4 -n 20 --set keepalive=false --report fresh.json "$TARGET/bytes/10" >/dev/null 2>&1
	is "$(report_field fresh.json connections_opened)" 20 "$io: keepalive: false opens a connection per request"

	"$SCRAPE" -q $lean -w 2 -n 6 --report chunked.json -o chunked.jsonl "$TARGET/fault/drip/300/0" >/dev/null 2>&1
	is "$(grep -c '"status":200,.*"bytes":300,' chunked.jsonl) $(report_field chunked.json connections_opened)" "6 2" \
	   "$io: chunked answers whole, and their connections kept"

	"$SCRAPE" -q $lean -w 2 -n 6 --report close.json -o close.jsonl "$CLOSER/close" >/dev/null 2>&1
	is "$(grep -c '"status":200' close.jsonl) $(report_field close.json connections_opened)" "6 6" \
	   "$io: Connection: close is honoured: a new connection per request"

	"$SCRAPE" -q $lean -w 1 -n 10 --set retries=0 -o closer.jsonl "$CLOSER/" >/dev/null 2>&1
	ok $? "$io: a server closing idle connections fails nothing (retries: 0)"
	is "$(grep -c '"status":200' closer.jsonl)" 10 "$io: all 10 answered"

	# answered before its 8 MB body was sent: that connection is not reused
	# while the body is still going (the next request would be lost in it)
	"$SCRAPE" -q $lean -w 1 -n 3 --set method=POST --set body_file="$SCRATCH/big.body" \
		-o early.jsonl "$CLOSER/early" >/dev/null 2>&1
	is "$(grep -c '"status":413' early.jsonl)" 3 \
	   "$io: answers before the whole request was sent: each recorded, none lost"

	"$SCRAPE" -q $lean -o refused.jsonl "http://127.0.0.1:$REFUSED_PORT/" >/dev/null 2>&1
	is "$?" 1 "$io: a refused connection fails the run's request"
	like "$(cat refused.jsonl)" '"error":"connect"' "$io: and is recorded as connect, as libcurl names it"

	"$SCRAPE" -q $lean --set strategy.threads=3 -w 6 -n 90 -o threads.jsonl "$TARGET/bytes/1" >/dev/null 2>&1
	ok $? "$io: threads: 3 loops run the job"
	is "$(json_lines threads.jsonl)" 90 "$io: and every request has its record"

	# more distinct URLs than the request cache has slots, many in flight:
	# each answer must be its own request's (bytes/N sends N bytes)
	"$SCRAPE" -q $lean -w 64 --set url_file=many.txt -o many.jsonl >/dev/null 2>&1
	is "$(python3 -c 'import json,sys
bad = [r["url"] for r in map(json.loads, open(sys.argv[1])) if r["bytes"] != int(r["url"].rsplit("/", 1)[1])]
print(len(bad), bad[:3])' many.jsonl)" "0 []" "$io: 1500 distinct URLs, 64 at once: every answer is its own request's"

	"$SCRAPE" -v $lean -n 1 --report layer.json "$TARGET/bytes/1" >verbose.out 2>&1
	like "$(cat verbose.out)" "lean: 1 loop on $io" "$io: -v says which I/O layer ran"
	is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"]["strategy_facts"])' layer.json)" \
	   "{'io': '$io', 'io_chosen_by': 'the job', 'loops': '1'}" "$io: and so does the report"
	like "$(cat verbose.out)" "lean strategy: io $io, io_chosen_by the job, loops 1" "$io: and the summary"

	pipeline_checks "$io"

	rm -f int.jsonl
	"$SCRAPE" $lean -w 4 -n 100 -o int.jsonl "$TARGET/delay/200/bytes/5" >int.out 2>&1 &
	pid=$!
	await 60 lines_reach int.jsonl 1
	kill -INT $pid
	wait $pid
	rc=$?
	n=$(json_lines int.jsonl)
	is "$rc" 130 "$io: SIGINT exits 130"
	like "$(cat int.out)" "Downloaded $n sites" "$io: the summary counts the $n records written"
	check "$io: stopped early" test "$n" -lt 100
}

"$SCRAPE" -q -s lean --set method=HEAD -o head.jsonl "$TARGET/bytes/5000" >/dev/null 2>&1
like "$(cat head.jsonl)" '"status":200,"content_type":"application/octet-stream","bytes":0,' \
     "HEAD: the status and type, no body though Content-Length promised one"

"$SCRAPE" -q -s lean --set max_redirects=0 --set 'resolve=[lean.test:'"${TARGET##*:}"':127.0.0.1]' \
	-o resolved.jsonl "http://lean.test:${TARGET##*:}/bytes/3" >/dev/null 2>&1
like "$(cat resolved.jsonl)" '"status":200' "resolve sends lean.test to 127.0.0.1"

head -c 8000000 /dev/zero >big.body
cat >pipemix.yaml <<EOF
urls:
  - $TARGET/bytes/10
  - $TARGET/bytes/70000
  - {url: "$TARGET/bytes/5000", method: HEAD}
  - $TARGET/status/404
  - $TARGET/html/276
  - $TARGET/fault/drip/300/0
  - {url: "$TARGET/bytes/3000", method: HEAD}
  - $TARGET/bytes/1
repeat: 6
workers: 4
max_body: 20k
compressed: false
parsers: [size]
EOF
REFUSED_PORT=$(free_port)
awk -v t="$TARGET" 'BEGIN { for (i = 1; i <= 1500; i++) print t "/bytes/" i }' >many.txt

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

# io: auto picks io_uring where a ring can be made, and says so
"$SCRAPE" -v -s lean -n 1 "$TARGET/bytes/1" >auto.out 2>&1
"$SCRAPE" -q -s lean --set strategy.io=uring -n 1 "$TARGET/bytes/1" >uring.out 2>&1
if grep -q "not available here" uring.out; then
	like "$(cat auto.out)" "lean: 1 loop on epoll (io: auto)" "-v: auto falls back to epoll where io_uring is refused"
	like "$(cat uring.out)" "lean: io: uring is not available here (" "io: uring says in one line why it cannot run"
	LAYERS=epoll
else
	like "$(cat auto.out)" "lean: 1 loop on uring (io: auto)" "-v: auto picks io_uring where it works"
	LAYERS="epoll uring"
fi

printf 'urls: [%s/bytes/1]\nstrategy:\n  name: lean\n  io: bogus\n' "$TARGET" >bogus.yaml
"$SCRAPE" -q -c bogus.yaml >bogus.out 2>&1
is "$? $(cat bogus.out)" '2 bogus.yaml:4:7: lean: io must be auto, uring or epoll, not "bogus"' \
   "io: bogus is refused with its file:line:col"

for v in 0 bogus; do
	printf 'urls: [%s/bytes/1]\nstrategy:\n  name: lean\n  pipeline: %s\n' "$TARGET" "$v" >pbogus.yaml
	"$SCRAPE" -q -c pbogus.yaml >pbogus.out 2>&1
	echo "$? $(cat pbogus.out)" >"pbogus-$v.txt"
done
is "$(cat pbogus-0.txt)" "2 pbogus.yaml:4:13: lean: pipeline must be between 1 (off) and 64" \
   "pipeline: 0 is refused with its file:line:col"
is "$(cat pbogus-bogus.txt)" '2 pbogus.yaml:4:13: lean: "pipeline": expected a whole number, got "bogus"' \
   "pipeline: bogus is refused with its file:line:col"

for io in epoll uring; do
	case " $LAYERS " in
	*" $io "*) layer_checks $io ;;
	*) TAP_COUNT=$((TAP_COUNT + 1)); echo "ok $TAP_COUNT # skip $io: io_uring is not available on this machine" ;;
	esac
done

done_testing
