#!/bin/sh
# SPDX-License-Identifier: MIT
# Proxies: requests go through real forwarding proxies (Debian's
# tinyproxy, three of them on free 127.0.0.1 ports, one wanting a user and
# password that the job takes from the environment).  The target's arrival
# log and each proxy's own log must see exactly the requests: round_robin
# splits them evenly under every strategy, per_host keeps each host on one
# proxy (also across worker processes), no_proxy goes around, a dead proxy
# fails as "proxy connect", "proxy: none" ignores http_proxy.  The
# password never shows in any output.
. "$TOP_SRCDIR/tests/lib.sh"
TINYPROXY=${TINYPROXY:-$(command -v tinyproxy || echo /usr/bin/tinyproxy)}
if [ ! -x "$TINYPROXY" ]; then
	echo "Bail out! tinyproxy is not installed (./dev deps installs it)"
	exit 1
fi
PROXY_PIDS=
trap 'for p in $PROXY_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_target
cd "$SCRATCH"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# start_proxy NAME [CONFIG LINE]: a tinyproxy logging each request to
# NAME.log; sets NAME_PORT.  A port taken meanwhile by someone else is
# tried again with another.
start_proxy() {
	for try in 1 2 3; do
		port=$(free_port)
		cat >"$1.conf" <<EOF
Port $port
Listen 127.0.0.1
Timeout 10
MaxClients 50
LogFile "$SCRATCH/$1.log"
LogLevel Info
Allow 127.0.0.1
DisableViaHeader Yes
$2
EOF
		: >"$1.log"
		"$TINYPROXY" -d -c "$1.conf" >"$1.out" 2>&1 &
		pid=$!
		i=0
		while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null && ! grep -q 'Accepting connections' "$1.log"; do
			sleep 0.05
			i=$((i + 1))
		done
		if grep -q 'Accepting connections' "$1.log"; then
			PROXY_PIDS="$PROXY_PIDS $pid"
			eval "${1}_PORT=$port"
			return 0
		fi
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
	done
	echo "Bail out! tinyproxy did not start (see $1.out)"
	exit 1
}

# seen NAME: the requests proxy NAME has forwarded so far
seen() { grep -c 'Request (file descriptor' "$1.log"; }
# paths NAME FROM: the paths of the requests NAME forwarded after the FROM first, sorted
paths() { grep 'Request (file descriptor' "$1.log" | tail -n +$(($2 + 1)) | awk '{print $(NF-1)}' |
          sed 's|^http://[^/]*||' | sort | tr '\n' ' '; }
arrivals() { curl -s "$TARGET/_log" | awk '{print $4}' | sort | tr '\n' ' '; }

PXUSER=scraper
PXPASS="s3cr3t-pw-$$"
export PXUSER PXPASS
start_proxy p1 "BasicAuth $PXUSER $PXPASS"
start_proxy p2
start_proxy p3
PORT=${TARGET##*:}
P1="http://\${PXUSER}:\${PXPASS}@127.0.0.1:$p1_PORT"
P2="http://127.0.0.1:$p2_PORT"
P3="http://127.0.0.1:$p3_PORT"
SHOWN1="http://$PXUSER:***@127.0.0.1:$p1_PORT"

# ---- round_robin: 12 distinct requests, 6 through each of two proxies
i=1
: >twelve.txt
while [ $i -le 12 ]; do echo "$TARGET/bytes/$i" >>twelve.txt; i=$((i + 1)); done
want12=$(sed 's|^http://[^/]*||' twelve.txt | sort | tr '\n' ' ')
cat >rr.yaml <<EOF
url_file: twelve.txt
workers: 3
proxies:
  - "$P1"
  - "$P2"
proxy_rotation: round_robin
output: rr.jsonl
EOF
for strategy in sequential threaded event multiprocess; do
	reset_target
	b1=$(seen p1) b2=$(seen p2) b3=$(seen p3)
	"$SCRAPE" -q -c rr.yaml -s $strategy --report rr-$strategy.json >rr-$strategy.txt 2>rr-$strategy.err
	is "$?" 0 "round_robin under $strategy: the job runs"
	is "$(arrivals)" "$want12" "round_robin under $strategy: the target saw each request once"
	is "$(($(seen p1) - b1)) $(($(seen p2) - b2)) $(($(seen p3) - b3))" "6 6 0" \
	   "round_robin under $strategy: each proxy forwarded half"
	is "$(printf '%s%s' "$(paths p1 $b1)" "$(paths p2 $b2)" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" \
	   "$want12" "round_robin under $strategy: the proxies' requests are the job's, none twice"
	is "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join("%s=%d/%d" % (p["proxy"], p["requests"], p["failed"]) for p in r["proxies"]))' rr-$strategy.json)" \
	   "$SHOWN1=6/0 $P2=6/0" "round_robin under $strategy: the report counts each proxy, masked"
	is "$(python3 -c '
import collections, json, sys
print(sorted(collections.Counter(json.loads(l)["proxy"] for l in open(sys.argv[1])).items()))' rr.jsonl)" \
	   "[('$P2', 6), ('$SHOWN1', 6)]" "round_robin under $strategy: each record names its proxy"
done
is "$(awk '$1 == "proxy" || $1 ~ /^http/' rr-threaded.txt | tr -s ' ')" \
   "$(printf ' proxy requests failed\n %s 6 0\n %s 6 0' "$SHOWN1" "$P2")" "the text summary has a table by proxy"

# ---- per_host: two hosts (127.0.0.1 and 127.1, the same address), three
# proxies; each host keeps one proxy, also across worker processes
: >hosts.txt
i=1
while [ $i -le 8 ]; do
	echo "http://127.0.0.1:$PORT/bytes/10$i" >>hosts.txt
	echo "http://127.1:$PORT/bytes/20$i" >>hosts.txt
	i=$((i + 1))
done
cat >ph.yaml <<EOF
url_file: hosts.txt
workers: 4
proxies: ["$P1", "$P2", "$P3"]
proxy_rotation: per_host
output: ph.jsonl
EOF
for strategy in threaded multiprocess; do
	reset_target
	b1=$(seen p1) b2=$(seen p2) b3=$(seen p3)
	"$SCRAPE" -q -c ph.yaml -s $strategy >/dev/null 2>ph.err
	is "$?" 0 "per_host under $strategy: the job runs"
	is "$(curl -s "$TARGET/_log" | wc -l)" 16 "per_host under $strategy: the target saw the 16 requests"
	verdict=$(python3 - "$SHOWN1" "$P2" "$P3" <<'PY'
import json, sys
by_host = {}
for line in open("ph.jsonl"):
    r = json.loads(line)
    host = r["url"].split("/")[2].split(":")[0]
    by_host.setdefault(host, set()).add(r["proxy"])
why = []
if sorted(by_host) != ["127.0.0.1", "127.1"]: why.append("hosts %s" % sorted(by_host))
if any(len(p) != 1 for p in by_host.values()): why.append("a host on several proxies: %s" % by_host)
elif len(set.union(*by_host.values())) != 2: why.append("both hosts on one proxy")
for host, p in sorted(by_host.items()):
    print(host, sys.argv[1:].index(next(iter(p))) + 1)
print("ok" if not why else "off: " + ", ".join(why))
PY
)
	is "$(echo "$verdict" | tail -n 1)" ok "per_host under $strategy: each host's records name one proxy, the hosts different ones"
	pa=$(echo "$verdict" | awk '$1 == "127.0.0.1" {print $2}')
	pb=$(echo "$verdict" | awk '$1 == "127.1" {print $2}')
	got=$(for n in 1 2 3; do eval "b=\$b$n"; printf '%s ' "$(($(seen p$n) - b))"; done)
	want=$(for n in 1 2 3; do if [ "$n" = "$pa" ] || [ "$n" = "$pb" ]; then printf '8 '; else printf '0 '; fi; done)
	is "$got" "$want" "per_host under $strategy: the proxies forwarded 8, 8 and 0"
	if [ -n "$pa" ]; then
		eval "b=\$b$pa"
		is "$(paths p$pa $b)" "$(grep 127.0.0.1 hosts.txt | sed 's|^http://[^/]*||' | sort | tr '\n' ' ')" \
		   "per_host under $strategy: 127.0.0.1's proxy carried exactly its requests"
	fi
done
# the same choice in another run: per_host is a hash of the name, not of the order
sort ph.jsonl | python3 -c '
import json, sys
print(sorted({(json.loads(l)["url"].split("/")[2], json.loads(l)["proxy"]) for l in sys.stdin}))' >ph-run2.txt
"$SCRAPE" -q -c ph.yaml -s event >/dev/null 2>&1
sort ph.jsonl | python3 -c '
import json, sys
print(sorted({(json.loads(l)["url"].split("/")[2], json.loads(l)["proxy"]) for l in sys.stdin}))' >ph-run3.txt
check "per_host: a host keeps its proxy from one run to the next" cmp ph-run2.txt ph-run3.txt

# ---- random: seeded, every request through one of the proxies
cat >rnd.yaml <<EOF
url_file: twelve.txt
seed: 7
proxies: ["$P2", "$P3"]
proxy_rotation: random
output: rnd.jsonl
EOF
b2=$(seen p2) b3=$(seen p3)
"$SCRAPE" -q -c rnd.yaml >/dev/null 2>&1
is "$(($(seen p2) - b2 + $(seen p3) - b3))" 12 "random: the two proxies forwarded the 12 requests between them"
python3 -c '
import json, sys
print([json.loads(l)["proxy"] for l in open("rnd.jsonl")])' >rnd-1.txt
"$SCRAPE" -q -c rnd.yaml >/dev/null 2>&1
python3 -c '
import json, sys
print([json.loads(l)["proxy"] for l in open("rnd.jsonl")])' >rnd-2.txt
check "random: the same seed picks the same proxies" cmp rnd-1.txt rnd-2.txt

# ---- no_proxy: 127.1 goes directly, 127.0.0.1 through the proxy
reset_target
b2=$(seen p2)
cat >np.yaml <<EOF
url_file: hosts.txt
proxy: "$P2"
no_proxy: 127.1
output: np.jsonl
EOF
"$SCRAPE" -q -c np.yaml >/dev/null 2>np.err
is "$?" 0 "no_proxy: the job runs"
is "$(curl -s "$TARGET/_log" | wc -l)" 16 "no_proxy: the target saw every request"
is "$(($(seen p2) - b2))" 8 "no_proxy: the proxy carried only the other host's"
is "$(paths p2 $b2)" "$(grep 127.0.0.1 hosts.txt | sed 's|^http://[^/]*||' | sort | tr '\n' ' ')" \
   "no_proxy: exactly those"
is "$(grep -c '"url":"http://127.1:[0-9]*/[^"]*".*"proxy":null' np.jsonl)" 8 \
   "no_proxy: its records say proxy null"

# ---- a dead proxy: a clear class, not the target's "connect"
DEAD=$(free_port)
"$SCRAPE" -q --set "proxy=http://127.0.0.1:$DEAD" --format json "$TARGET/bytes/1" >dead.json 2>dead.err
is "$?" 1 "a dead proxy fails the run"
is "$(python3 -c 'import json; r = json.load(open("dead.json")); print(r["failed_by_reason"], r["proxies"])')" \
   "{'proxy connect': 1} [{'proxy': 'http://127.0.0.1:$DEAD', 'requests': 1, 'failed': 1}]" \
   "as \"proxy connect\", counted against the proxy"

# a retry is a new choice: with round_robin past a dead proxy, every
# request ends through the live one, and the dead one counts each attempt
cat >retry.yaml <<EOF
urls: ["$TARGET/bytes/1", "$TARGET/bytes/2", "$TARGET/bytes/3", "$TARGET/bytes/4"]
retries: 3
proxies: ["http://127.0.0.1:$DEAD", "$P2"]
EOF
b2=$(seen p2)
"$SCRAPE" -q -c retry.yaml --format json >retry.json 2>retry.err
is "$?" 0 "round_robin: retries past a dead proxy go through the live one"
is "$(($(seen p2) - b2))" 4 "which forwarded each request once"
is "$(python3 -c '
import json
r = json.load(open("retry.json"))
dead, live = r["proxies"]
print(r["ok"], dead["requests"] == dead["failed"] == r["retries"] > 0, live["requests"], live["failed"])')" \
   "4 True 4 0" "the dead proxy counts every failed attempt, the live one the four it carried"

# ---- credentials: wrong ones are refused by the proxy (407), an unset
# variable is an error at its spot, a refused URL is quoted masked
reset_target
PXPASS=wrong-$$ "$SCRAPE" -q --set "proxy=http://\${PXUSER}:\${PXPASS}@127.0.0.1:$p1_PORT" --format json \
	"$TARGET/bytes/1" >auth.json 2>auth.err
# tinyproxy 1.11 answers 407 without credentials, 401 with wrong ones
is "$(python3 -c 'import json; print(list(json.load(open("auth.json"))["status_counts"]) in (["401"], ["407"]))')" \
   True "a wrong password is refused by the proxy"
is "$(curl -s "$TARGET/_log" | wc -l)" 0 "which forwards nothing"
cat >unset.yaml <<'EOF'
urls: [http://127.0.0.1:9/]
proxy: http://user:${PX_NOT_SET_ANYWHERE}@127.0.0.1:3128
EOF
"$SCRAPE" --dry-run -c unset.yaml >/dev/null 2>unset.err
is "$?" 2 "an unset variable in a proxy is refused"
is "$(cat unset.err)" \
   "unset.yaml:2:8: environment variable PX_NOT_SET_ANYWHERE is not set (write \${NAME:-default} for a fallback)" \
   "with its spot"
cat >badport.yaml <<'EOF'
urls: [http://127.0.0.1:9/]
proxy: http://${PXUSER}:${PXPASS}@127.0.0.1:99999
EOF
"$SCRAPE" --dry-run -c badport.yaml >/dev/null 2>badport.err
is "$(cat badport.err)" \
   "badport.yaml:2:8: \"proxy\": the port of \"http://$PXUSER:***@127.0.0.1:99999\" must be 1 to 65535" \
   "a refused proxy URL is quoted with its password masked"
"$SCRAPE" --dry-run -c rr.yaml >dry.txt 2>&1
like "$(cat dry.txt)" "  - \"$SHOWN1\"" "--dry-run shows the proxy masked"
"$SCRAPE" -v -c rr.yaml --html rr.html --report rr-v.json >verbose.txt 2>&1
like "$(cat rr.html)" "<h2>By proxy</h2>" "the HTML report has a table by proxy"
like "$(cat rr.html)" "$(printf '%s' "$SHOWN1" | sed 's/&/\&amp;/g')" "naming each proxy masked"
cat >np-alone.yaml <<'EOF2'
urls: [http://127.0.0.1:9/]
no_proxy: localhost
EOF2
"$SCRAPE" --dry-run -c np-alone.yaml >/dev/null 2>np-alone.err
is "$?:$(cat np-alone.err)" \
   "2:np-alone.yaml:2:11: \"no_proxy\" needs \"proxy\" or \"proxies\"; without them the environment's no_proxy applies" \
   "no_proxy without a proxy is refused at its spot"

# ---- proxy: none ignores http_proxy; without a proxy key libcurl's
# environment variables apply
b3=$(seen p3)
http_proxy=$P3 "$SCRAPE" -q --set proxy=none "$TARGET/bytes/1" >/dev/null 2>&1
is "$(($(seen p3) - b3))" 0 "proxy: none ignores http_proxy"
http_proxy=$P3 "$SCRAPE" -q "$TARGET/bytes/1" >/dev/null 2>&1
is "$(($(seen p3) - b3))" 1 "without a proxy key, http_proxy applies (libcurl's rule)"

# ---- SOCKS: a small SOCKS5 server (no packaged one is light enough),
# which logs each CONNECT and reaches 127.0.0.1 only, whatever the name.
# socks5h hands the proxy the name: "target.test" resolves nowhere but
# there.  socks5 resolves it here, and fails.
cat >socks5.py <<'EOF2'
import select, socket, socketserver, struct, sys
log = open(sys.argv[1], "a", buffering=1)
class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        def take(n):
            data = b""
            while len(data) < n:
                chunk = c.recv(n - len(data))
                if not chunk:
                    raise EOFError
                data += chunk
            return data
        try:
            ver, nmethods = take(2)
            take(nmethods)
            c.sendall(b"\x05\x00")
            ver, cmd, _, atyp = take(4)
            if atyp == 1:
                host = socket.inet_ntoa(take(4)); kind = "address"
            elif atyp == 3:
                host = take(take(1)[0]).decode(); kind = "name"
            else:
                c.sendall(b"\x05\x08\x00\x01" + bytes(6)); return
            port = struct.unpack("!H", take(2))[0]
            log.write("CONNECT %s %s %d\n" % (kind, host, port))
            up = socket.create_connection(("127.0.0.1", port))
        except (EOFError, OSError):
            return
        c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", port))
        while True:
            ready, _, _ = select.select([c, up], [], [], 30)
            if not ready:
                break
            for s in ready:
                data = s.recv(65536)
                if not data:
                    up.close(); return
                (up if s is c else c).sendall(data)
class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
srv = Server(("127.0.0.1", 0), Handler)
open(sys.argv[2], "w").write(str(srv.server_address[1]))
srv.serve_forever()
EOF2
python3 socks5.py socks.log socks.port >socks.out 2>&1 &
PROXY_PIDS="$PROXY_PIDS $!"
i=0
while [ ! -s socks.port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
SOCKS=127.0.0.1:$(cat socks.port)
reset_target
"$SCRAPE" -q --set "proxy=socks5h://$SOCKS" --set keepalive=false --format json \
	"http://target.test:$PORT/bytes/1" "http://target.test:$PORT/bytes/2" >socks5h.json 2>socks5h.err
is "$?" 0 "socks5h: a name only the proxy knows is fetched through it"
is "$(grep -c "CONNECT name target.test $PORT" socks.log)" 2 "socks5h: the proxy got the name, once a request"
is "$(arrivals)" "/bytes/1 /bytes/2 " "socks5h: the target saw both"
"$SCRAPE" -q --set "proxy=socks5://$SOCKS" --format json "http://target.test:$PORT/bytes/1" >socks5.json 2>&1
is "$(python3 -c 'import json; print(json.load(open("socks5.json"))["failed_by_reason"])')" "{'dns': 1}" \
   "socks5: the name is resolved here, and is not found"
"$SCRAPE" -q --set "proxy=socks5://$SOCKS" --format json "$TARGET/bytes/3" >socks5-ip.json 2>&1
is "$(tail -n 1 socks.log)" "CONNECT address 127.0.0.1 $PORT" "socks5: an address goes to the proxy as an address"

# ---- --merge adds the proxies up by name
"$SCRAPE" --merge rr-sequential.json rr-event.json --format json >merged.json 2>merged.err
is "$(python3 -c '
import json
print(" ".join("%d/%d" % (p["requests"], p["failed"]) for p in json.load(open("merged.json"))["proxies"]))')" \
   "12/0 12/0" "--merge adds each proxy's counts"
"$SCRAPE" --merge rr-sequential.json rr-event.json >merged.txt 2>&1
like "$(cat merged.txt)" "$SHOWN1" "and prints them"
python3 -c '
import json
r = json.load(open("rr-event.json"))
r["proxies"][0]["failed"] = 99
json.dump(r, open("bad-proxies.json", "w"))'
"$SCRAPE" --merge rr-sequential.json bad-proxies.json >/dev/null 2>bad-merge.err
is "$?" 2 "--merge refuses a report whose proxy failed more than it carried"
like "$(cat bad-merge.err)" "proxies: more failed than requests" "and says so"

# the password, in no output at all (records, reports, HTML, summaries,
# messages, --dry-run, -v); the proxies' own files aside
leaks=$(grep -l -r -F -- "$PXPASS" . | grep -v '^\./p[123]\.' | tr '\n' ' ')
is "$leaks" "" "the password shows in no output"

done_testing
