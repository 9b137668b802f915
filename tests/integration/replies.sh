#!/bin/sh
# SPDX-License-Identifier: MIT
# Replies that are not HTTP/1.x, or break it, from a hostile raw-TCP
# server on 127.0.0.1: each failure reason says what the server did
# (libcurl gives one code for several of these), under every strategy.
. "$TOP_SRCDIR/tests/lib.sh"
cd "$SCRATCH"

# The server answers GET /NAME with the bytes of reply NAME, whatever the
# request, then closes; it ends on its own after 60 s without a client.
cat >raw.py <<'PY'
import sys
import rawserver
replies = {
    "http09": b"hello, no status line: HTTP/0.9\n",
    "nul": b"\0" * 64,
    "badstatus": b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nhi",
    "badcode": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nhi",
    "version": b"HTTP/7.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    "longheader": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200000 + b"\r\nContent-Length: 2\r\n\r\nhi",
    "manyheaders": b"HTTP/1.1 200 OK\r\n" + (b"X-Many: " + b"m" * 70 + b"\r\n") * 5000 +
                   b"Content-Length: 2\r\n\r\nhi",
    "nocolon": b"HTTP/1.1 200 OK\r\nno colon in this line\r\nContent-Length: 2\r\n\r\nhi",
    "badlength": b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhi",
    "badchunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n",
    "ftp": b"HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/x\r\nContent-Length: 0\r\n\r\n",
}
def serve(c):
    c.settimeout(5)
    try:
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 65536:
            data = c.recv(4096)
            if not data:
                break
            request += data
        path = request.split(b" ")[1].decode() if request.count(b" ") >= 2 else "/"
        c.sendall(replies.get(path.strip("/"), b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    except Exception:
        pass
    c.close()
rawserver.run(serve, sys.argv[1])
PY
PYTHONPATH="$TOP_SRCDIR/tests/tools" python3 raw.py port >/dev/null 2>&1 &
RAW_PID=$!
trap 'kill $RAW_PID 2>/dev/null; cleanup' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
RAW="http://127.0.0.1:$(cat port)"

# reason STRATEGY NAME: the error and status of one request for /NAME
reason() {
	timeout 30 "$SCRAPE" -q -s "$1" -w 2 --set retries=1 -o "$2.jsonl" "$RAW/$2" >/dev/null 2>&1
	python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
print("%s|%s|%s" % (r["error"], r["status"], r["attempts"]))' "$2.jsonl" 2>/dev/null || echo "no record"
}

for strategy in sequential threaded event multiprocess lean; do
	is "$(reason $strategy http09)" "invalid response (not HTTP/1.x)|0|1" "$strategy: an HTTP/0.9 reply is not HTTP/1.x, not 'protocol not allowed'"
	is "$(reason $strategy nul)" "invalid response (not HTTP/1.x)|0|1" "$strategy: a reply of NUL bytes is not HTTP/1.x"
	is "$(reason $strategy badstatus)" "invalid status line|0|1" "$strategy: HTTP/1.1 abc is an invalid status line"
	is "$(reason $strategy badcode)" "invalid status line|0|1" "$strategy: a four-digit status is an invalid status line"
	is "$(reason $strategy version)" "invalid status line|0|1" "$strategy: HTTP/7.0 is an invalid status line"
	is "$(reason $strategy longheader)" "headers too large|200|1" "$strategy: a 200 KB header line is 'headers too large', not out of memory"
	is "$(reason $strategy manyheaders)" "headers too large|200|1" "$strategy: 380 KB of headers are 'headers too large', not a reset to retry"
	is "$(reason $strategy nocolon)" "invalid headers|200|1" "$strategy: a header line without a colon is 'invalid headers'"
	is "$(reason $strategy badlength)" "invalid headers|200|1" "$strategy: Content-Length: abc is 'invalid headers'"
	is "$(reason $strategy badchunk)" "invalid chunked encoding|200|1" "$strategy: a garbled chunked body is 'invalid chunked encoding', not a reset"
	is "$(reason $strategy ftp)" "protocol not allowed|302|1" "$strategy: a redirect to ftp:// is still 'protocol not allowed'"
done

# the classes reach reports whole, however long their names
timeout 60 "$SCRAPE" -q -s event -w 2 --report report.json "$RAW/http09" "$RAW/badstatus" "$RAW/longheader" "$RAW/nocolon" >/dev/null 2>&1
is "$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["failed_by_class"].items()))' report.json)" \
   "[('headers too large', 1), ('invalid headers', 1), ('invalid response (not HTTP/1.x)', 1), ('invalid status line', 1)]" \
   "the report's failure classes say what each server did"

done_testing
