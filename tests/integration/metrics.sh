#!/bin/sh
# SPDX-License-Identifier: MIT
# Live metrics (--metrics-listen): /metrics scraped while a load test
# runs against the target server parses with prometheus_client, its
# counters never go down, and the final figures (served by
# --metrics-linger) equal the --report file's; HEAD, 404, 405 and the content
# type; a bad address, a port in use and --compare refused before any
# request is sent.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# prometheus_client is Debian's python3-prometheus-client: the system
# python has it, a python earlier on the PATH may not
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import prometheus_client.parser' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	echo "Bail out! python3-prometheus-client is not installed (./dev deps installs it)"
	exit 1
fi
total() { curl -s "$TARGET/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# watch URL REPORT RATE: scrapes URL every 0.2 s until the run's final figures
# are served, parsing every answer; checks that counters (and histogram
# buckets) never go down, and that the final figures are the report's.
# Prints "ok SCRAPES_MID_RUN" or what was off.
watch() {
	# (a traceback is the result too: the check then shows it)
	"$PY" - "$@" 2>&1 <<'PY'
import json, math, sys, time, urllib.request
from prometheus_client.parser import text_string_to_metric_families

url, report, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
off, mid, last, final = [], 0, {}, None
rates = []

def scrape():
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()

deadline = time.time() + 120
while time.time() < deadline:
    try:
        text = scrape()
    except OSError:
        time.sleep(0.1)
        continue
    samples, kinds = {}, {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            samples[key] = s.value
            kinds[key] = fam.type
    for key, v in samples.items():
        grows = kinds[key] == "counter" or (kinds[key] == "histogram" and not key[0].endswith("_sum"))
        if grows and key in last and v < last[key]:
            off.append("%s%s went from %s to %s" % (key[0], dict(key[1]), last[key], v))
    for key in last:
        if key not in samples and kinds.get(key) == "counter":
            off.append("%s%s disappeared" % (key[0], dict(key[1])))
    last = samples
    if samples.get(("scrape_run_finished", ())) == 1:
        final = samples
        break
    mid += 1
    if ("scrape_elapsed_seconds", ()) in samples:
        rates.append((samples[("scrape_target_rate", ())], samples[("scrape_achieved_rate", ())],
                      samples[("scrape_elapsed_seconds", ())]))
    time.sleep(0.2)
if final is None:
    print("off: no final figures within 120 s"); sys.exit(0)

r = json.load(open(report))
def one(name, **labels):
    return final.get((name, tuple(sorted(labels.items()))), 0)
def by(name, label):
    return {dict(k[1])[label]: int(v) for k, v in final.items() if k[0] == name and len(k[1]) == 1}
want = {
    "scrape_requests_total by status": (by("scrape_requests_total", "status"), {k: v for k, v in r["status_counts"].items()}),
    "requests": (sum(by("scrape_requests_total", "status").values()), r["requests"]),
    "scrape_failures_total by class": (by("scrape_failures_total", "class"), r["failed_by_class"]),
    "failures": (sum(by("scrape_failures_total", "class").values()), r["failed"]),
    "retries": (one("scrape_retries_total"), r["retries"]),
    "started": (one("scrape_requests_started_total"), r["sent"]),
    "warmup": (one("scrape_warmup_requests_total"), r["warmup_requests"]),
    "body bytes": (one("scrape_body_bytes_total"), r["bytes"]),
    "bytes in": (one("scrape_received_bytes_total"), r["bytes_in"]),
    "bytes out": (one("scrape_sent_bytes_total"), r["bytes_out"]),
    "connections": (one("scrape_connections_opened_total"), r["connections_opened"]),
    "peak in flight": (one("scrape_peak_in_flight"), r["peak_in_flight"]),
    "in flight at the end": (one("scrape_in_flight"), 0),
    "late": (one("scrape_late_starts_total"), r["late"]),
    "dropped": (one("scrape_dropped_starts_total"), r["dropped"]),
    "latency count": (one("scrape_latency_seconds_count"), r["latency_seconds"]["count"]),
    "latency +Inf": (one("scrape_latency_seconds_bucket", le="+Inf"), r["latency_seconds"]["count"]),
    "service count": (one("scrape_service_time_seconds_count"), r["service_time_seconds"]["count"]),
    "groups": ({dict(k[1])["group"]: int(v) for k, v in final.items() if k[0] == "scrape_group_requests_total"},
               {g["name"]: g["requests"] for g in r.get("groups", [])}),
}
for what, (got, exp) in want.items():
    if got != exp:
        off.append("%s: metrics %s, report %s" % (what, got, exp))
lat = r["latency_seconds"]
if not math.isclose(one("scrape_latency_seconds_sum"), lat["mean"] * lat["count"], rel_tol=1e-6, abs_tol=1e-9):
    off.append("latency sum %s vs report %s" % (one("scrape_latency_seconds_sum"), lat["mean"] * lat["count"]))
# every latency is at most the report's max: the bucket of the first bound
# above it (with the histogram's 0.4% resolution) holds them all
bounds = sorted(float(dict(k[1])["le"]) for k in final if k[0] == "scrape_latency_seconds_bucket" and dict(k[1])["le"] != "+Inf")
above = [b for b in bounds if b >= lat["max"] * 1.004]
if above and one("scrape_latency_seconds_bucket", le=("%g" % above[0])) != lat["count"]:
    off.append("le %g holds %s of %s" % (above[0], one("scrape_latency_seconds_bucket", le=("%g" % above[0])), lat["count"]))
# the open model: the schedule's rate while it goes (0 for the closed
# model), and never more starts in a second than it asks for
for target, achieved, elapsed in rates:
    if target != rate and elapsed < 3:
        off.append("target rate %s at %.2f s" % (target, elapsed))
    if rate and achieved > rate * 1.05 + 1:
        off.append("achieved %s > target %s" % (achieved, rate))
print("ok %d" % mid if not off else "off: " + "; ".join(off[:5]))
PY
}

# ---- bad input: one line, exit 2, nothing sent ----
"$SCRAPE" -q --metrics-listen nonsense -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "an address without a port: exit 2"
is "$(cat err)" 'scrape: --metrics-listen "nonsense": expected ADDRESS:PORT, e.g. 127.0.0.1:9100 or [::1]:9100' \
	"an address without a port: the message"
"$SCRAPE" -q --metrics-listen 300.1.2.3:9100 -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "a bad address: exit 2"
is "$(cat err)" 'scrape: --metrics-listen "300.1.2.3:9100": "300.1.2.3" is not an IPv4 or IPv6 address (or localhost)' \
	"a bad address: the message"
"$SCRAPE" -q --metrics-listen 127.0.0.1:70000 -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "a port past 65535: exit 2"
like "$(cat err)" 'expected ADDRESS:PORT' "a port past 65535: the message"
"$SCRAPE" -q --metrics-listen ::1:9100 -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "IPv6 without brackets: exit 2"
TPORT=${TARGET##*:}
"$SCRAPE" -q --metrics-listen "127.0.0.1:$TPORT" -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "a port in use: exit 2"
is "$(cat err)" "scrape: --metrics-listen 127.0.0.1:$TPORT: cannot listen there: Address already in use" \
	"a port in use: the message"
"$SCRAPE" -q --compare event --metrics-listen 127.0.0.1:0 -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "--compare: exit 2"
is "$(cat err)" "scrape: --metrics-listen cannot be used with --compare (each strategy runs in a process of its own)" \
	"--compare: the message"
"$SCRAPE" -q --metrics-listen 127.0.0.1:0 --metrics-linger soon -d 1s "$TARGET/bytes/1" >out 2>err
is "$?" 2 "a bad --metrics-linger: exit 2"
like "$(cat err)" 'scrape: --metrics-linger "soon": ' "a bad --metrics-linger: the message"
is "$(total)" 0 "no request was sent by any of them"

# ---- the address it listens on: -v says; localhost, [::1], port 0 ----
"$SCRAPE" -q -v --metrics-listen localhost:0 --requests 1 "$TARGET/bytes/1" >out 2>err
is "$?" 0 "localhost:0 runs"
like "$(cat err)" "scrape: metrics at http://127.0.0.1:" "-v says where (localhost is 127.0.0.1)"
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	"$SCRAPE" -q -v --metrics-listen '[::1]:0' --requests 1 "$TARGET/bytes/1" >out 2>err
	is "$?" 0 "[::1]:0 runs"
	like "$(cat err)" "scrape: metrics at http://[::1]:" "-v says where, in brackets"
fi

# ---- the open model, scraped while it runs ----
reset_target
PORT=$(free_port)
M=http://127.0.0.1:$PORT/metrics
"$SCRAPE" -q -s event --rate 200/s -d 4s --metrics-listen "127.0.0.1:$PORT" --metrics-linger 60s \
	--report open.json "$TARGET/bytes/100" "$TARGET/status/503" "$TARGET/delay/5/bytes/10" \
	>open.out 2>open.err &
pid=$!
i=0
until curl -s -o /dev/null "$M" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
curl -s -D head -o /dev/null "$M"
like "$(tr -d '\r' <head)" "Content-Type: text/plain; version=0.0.4" "/metrics: the exposition format's content type"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" 404 "another path: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$M")" 405 "POST: 405"
is "$(curl -s -o /dev/null -w '%{http_code}' -I "$M")" 200 "HEAD: 200"
got=$(watch "$M" open.json 200)
like "$got" "ok" "open model: parses, counters only grow, the final figures are the report's ($got)"
mid=${got#ok }
check "open model: scraped mid-run at least 5 times ($mid)" test "${mid:-0}" -ge 5
kill -TERM "$pid"
wait "$pid"
is "$?" 1 "SIGTERM ends the linger; the exit status stays the run's (503s failed)"

# ---- multiprocess: the parent's figures, from the workers' results ----
reset_target
PORT=$(free_port)
M=http://127.0.0.1:$PORT/metrics
"$SCRAPE" -q -s multiprocess -w 3 -d 3s --metrics-listen "127.0.0.1:$PORT" --metrics-linger 60s \
	--report mp.json "$TARGET/delay/2/bytes/100" "$TARGET/bytes/7" >mp.out 2>mp.err &
pid=$!
got=$(watch "$M" mp.json 0)
like "$got" "ok" "multiprocess: parses, counters only grow, the final figures are the report's ($got)"
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "multiprocess: exit 0"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"] > 0)' mp.json)" True \
	"multiprocess: requests were made"

# ---- a crawl: pages, queue length, refusals ----
reset_target
PORT=$(free_port)
M=http://127.0.0.1:$PORT/metrics
cat >crawl.yaml <<EOF
urls: ["$TARGET/page/0?size=60&delay=100"]
parsers: [links]
strategy: threaded
workers: 2
crawl:
  max_depth: 3
EOF
"$SCRAPE" -q -c crawl.yaml --metrics-listen "127.0.0.1:$PORT" --metrics-linger 60s --report crawl.json \
	>crawl.out 2>crawl.err &
pid=$!
"$PY" - "$M" crawl.json >crawl.got <<'PY'
import json, sys, time, urllib.request
from prometheus_client.parser import text_string_to_metric_families
url, report = sys.argv[1], sys.argv[2]
queued, deadline = 0, time.time() + 120
while time.time() < deadline:
    try:
        text = urllib.request.urlopen(url, timeout=5).read().decode()
    except OSError:
        time.sleep(0.05); continue
    s = {x.name + str(sorted(x.labels.items())): x.value
         for f in text_string_to_metric_families(text) for x in f.samples}
    queued = max(queued, s["scrape_crawl_queue_length[]"])
    if s["scrape_run_finished[]"] == 1:
        break
    time.sleep(0.05)
r = json.load(open(report))
refused = {k[len("scrape_refusals_total[('reason', '"):-3]: int(v) for k, v in s.items() if k.startswith("scrape_refusals_total")}
print(int(s["scrape_crawl_pages_total[]"]) == r["requests"], refused == r["refused_by_reason"],
      s["scrape_crawl_queue_length[]"] == 0, queued > 0, s["scrape_robots_fetched_total[]"] >= 1)
PY
kill -TERM "$pid"
wait "$pid"
is "$(cat crawl.got)" "True True True True True" \
	"a crawl: pages and refusals as the report, the queue seen non-empty and empty at the end, robots.txt"

done_testing
