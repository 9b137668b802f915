#!/bin/sh
# SPDX-License-Identifier: MIT
# The open model (rate, arrival, stages, max_connections, warmup) against
# the target server: the achieved rate and count, Poisson spacing, ramps,
# latency corrected for coordinated omission across a server stall, late
# and dropped starts, the report's timeline and histogram, --html.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
# a field of the JSON report: report FILE EXPRESSION (r is the report)
report() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
within() { awk -v got="$1" -v want="$2" -v tol="$3" 'BEGIN { d = got - want; if (d < 0) d = -d; print (d <= want * tol) ? "ok" : "off: " got " vs " want }'; }
total() { curl -s "$TARGET/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# On a busy machine some starts leave late, and one due just before the
# end may miss it; the run counts both.  So the checks below take their
# tolerances from the run's own figures rather than assume an idle machine.
#
# drops_explained REPORT RATE: "ok" when the dropped starts are no more than
# 1% of the schedule, or than the run's own figures explain: a start is
# dropped only if it was still waiting at the end, so if the run was held
# up there as long as the longest send lag it measured, the starts due in
# that time, plus the one due at the very end.
drops_explained() {
	python3 - "$1" "$2" <<'PY'
import json, math, sys
r, rate = json.load(open(sys.argv[1])), float(sys.argv[2])
allowed = max(0.01 * (r["sent"] + r["dropped"]), math.ceil(r["send_lag_seconds"]["max"] * rate) + 1)
print("ok" if r["dropped"] <= allowed else "off: %d dropped, send lag max %.3f s explains %d" %
      (r["dropped"], r["send_lag_seconds"]["max"], allowed))
PY
}
# warnings_match REPORT [STDERR]: "ok" when the warnings are exactly what
# the run's own figures call for: "the schedule slipped" with those very
# figures when more than 5% of its starts left late or any was dropped
# (run_warnings), and nothing at all on a run that kept its schedule.
# Without STDERR, the report's own list of warnings is checked.
warnings_match() {
	python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if len(sys.argv) > 2:
    said = [l[len("scrape: warning: "):] if l.startswith("scrape: warning: ") else l
            for l in open(sys.argv[2]).read().splitlines() if l.strip()]
else:
    said = r["warnings"]
slipped = r["dropped"] > 0 or r["late"] > 0.05 * r["sent"]
want = "the schedule slipped (%d of %d starts late, %d dropped)" % (r["late"], r["sent"], r["dropped"])
bad = [w for w in said if not (slipped and w.startswith(want))]
if slipped and not any(w.startswith(want) for w in said):
    bad.append("no warning for " + want)
print("ok" if not bad else "off: " + " | ".join(bad))
PY
}

# ---- a constant rate: 500/s for 4 s, under every strategy that can ----
# (lean with two loops, each asking for starts while it has a free place,
# on the layer io: auto picks and on epoll: each layer's wait keeps time)
for s in event threaded lean lean-epoll; do
	strategy=$s extra=
	case $s in
	lean) extra="--set strategy.threads=2" ;;
	lean-epoll) strategy=lean extra="--set strategy.threads=2 --set strategy.io=epoll" ;;
	esac
	reset_target
	"$SCRAPE" -q -s "$strategy" $extra --rate 500/s -d 4s --report "c-$s.json" "$TARGET/bytes/100" >"c-$s.out" 2>"c-$s.err"
	is "$?" 0 "$s: rate 500/s for 4 s exits 0"
	n=$(total)
	sent=$(report "c-$s.json" 'r["sent"]')
	dropped=$(report "c-$s.json" 'r["dropped"]')
	is "$n $((sent + dropped))" "$sent 2000" \
	   "$s: the server saw every start sent ($n), and sent + dropped are the schedule's 2000"
	is "$(within "$(report "c-$s.json" 'r["requests_per_second"]')" "$(awk -v n="$sent" 'BEGIN { print n / 4 }')" 0.02)" ok \
	   "$s: the achieved rate is within 2% of 500/s less the drops ($(report "c-$s.json" 'r["requests_per_second"]'), $dropped dropped)"
	is "$(report "c-$s.json" 'r["model"]["type"]'):$(drops_explained "c-$s.json" 500)" "open:ok" \
	   "$s: at most 1% dropped, or what the run's send lag left waiting at the end ($dropped)"
	# the timeline counts each start in the second it was scheduled for,
	# so lateness moves none; only drops, all at the end, can thin the
	# last second, and a second after the end holds answers, not starts
	is "$(report "c-$s.json" "[abs(t['sent'] - 500) <= 10 + ($dropped if i == 3 else 0) for i, t in enumerate(r['timeline'][:4])] + [False for t in r['timeline'][4:] if t['sent']]")" "[True, True, True, True]" \
	   "$s: the timeline sends 500 (within 2%) in each of the 4 seconds ($(report "c-$s.json" '[t["sent"] for t in r["timeline"]]'))"
	like "$(cat "c-$s.out")" "model     open: 500/s, constant arrivals" "$s: the summary names the model"
	like "$(cat "c-$s.out")" "p99.99" "$s: the summary shows the whole distribution"
	is "$(warnings_match "c-$s.json" "c-$s.err")" ok \
	   "$s: no warnings on a run that kept its schedule, or just the slip its figures show ($(report "c-$s.json" 'r["late"]') of $sent late, $dropped dropped)"
done

# ---- constant spacing versus Poisson arrivals (server arrival times) ----
# gaps_cv: how much the gaps between arrivals vary, in units of the mean
# gap, from their interquartile range (over 1.349, which makes it the
# standard deviation for normal noise): robust to the few gaps a busy
# machine stretches when it holds the server up, which a plain standard
# deviation would be swamped by (one 100 ms stall among 800 gaps of 2.5 ms
# alone gives 1.4).  Evenly spaced starts give 0, Poisson ones 0.81.
gaps_cv() {
	curl -s "$TARGET/_log" | python3 -c '
import sys
t = [int(l.split()[1]) for l in sys.stdin if l.strip()]
g = sorted(b - a for a, b in zip(t, t[1:]))
q = lambda f: g[int(f * (len(g) - 1))]
print("%.2f" % ((q(0.75) - q(0.25)) / 1.349 / (sum(g) / len(g))))'
}
# poisson_cv: the same for exponential gaps, leaving out any gap longer
# than such a schedule draws once in twenty runs (the mean gap times
# ln(gaps) + 3): the machine held the server or the run up there, which
# lengthens one gap and bunches the arrivals after it; that one gap alone
# would swamp the variation.  Prints the variation and how many it left
# out, which may be 1% of the gaps at most.
poisson_cv() {
	curl -s "$TARGET/_log" | python3 -c '
import math, sys
t = [int(l.split()[1]) for l in sys.stdin if l.strip()]
g = [b - a for a, b in zip(t, t[1:])]
cut = sum(g) / len(g) * (math.log(len(g)) + 3)
kept = [x for x in g if x <= cut]
m = sum(kept) / len(kept)
print("%.2f %d" % (math.sqrt(sum((x - m) ** 2 for x in kept) / len(kept)) / m, len(g) - len(kept)))'
}
# lag_cv REPORT RATE: how much the run's own send lag varies the gaps
# between starts, in units of the mean gap: each gap is the scheduled one
# plus the lag of its end minus the lag of its start, so its variance
# grows by twice the lag's (less if the lags go together).  On an idle
# machine this is near 0; the gap variations below allow for it.
lag_cv() { report "$1" "(2 * r['send_lag_seconds']['stddev'] ** 2) ** 0.5 * $2"; }
reset_target
"$SCRAPE" -q -s event --rate 400/s -d 2s --report const.json "$TARGET/bytes/1" >/dev/null 2>&1
cv_constant=$(gaps_cv)
lag_constant=$(lag_cv const.json 400)
reset_target
"$SCRAPE" -q -s event --rate 400/s -d 2s --set arrival=poisson --set seed=7 --report p1.json "$TARGET/bytes/1" >p.out 2>&1
set -- $(poisson_cv)
cv_poisson=$1
held_up=$2
lag_poisson=$(lag_cv p1.json 400)
n=$(total)
is "$(awk -v c="$cv_constant" -v l="$lag_constant" 'BEGIN { print (c < sqrt(0.25 + l * l)) ? "ok" : "off: " c }')" ok \
   "constant arrivals are evenly spaced (gap variation $cv_constant; the run's send lag accounts for $(printf %.2f "$lag_constant"))"
is "$(awk -v c="$cv_poisson" -v l="$lag_poisson" -v h="$held_up" 'BEGIN { print (c > 0.8 && c < 1.25 * sqrt(1 + l * l) && h <= 8) ? "ok" : "off: " c }')" ok \
   "poisson arrivals have exponential gaps (variation $cv_poisson, 1 in theory; the run's send lag accounts for $(printf %.2f "$lag_poisson") more; $held_up gaps held up)"
is "$n:$(within "$(report p1.json 'r["sent"] + r["dropped"]')" 800 0.12)" "$(report p1.json 'r["sent"]'):ok" \
   "poisson arrivals average the rate ($n of 800 expected; the server saw every start sent)"
like "$(cat p.out)" "poisson arrivals, seed 7" "the summary names the seed"
reset_target
"$SCRAPE" -q -s event --rate 400/s -d 2s --set arrival=poisson --set seed=7 --report p2.json "$TARGET/bytes/1" >/dev/null 2>&1
# (sent + dropped: on a busy machine a start due just before the end may
# miss it and count as dropped rather than sent)
is "$(report p2.json 'r["sent"] + r["dropped"]')" "$(report p1.json 'r["sent"] + r["dropped"]')" \
   "the same seed draws the same schedule ($(report p1.json 'r["sent"] + r["dropped"]') starts)"

# ---- stages: a linear ramp, then a plateau ----
for s in threaded lean; do
	cat >ramp.yaml <<EOF
urls: [$TARGET/bytes/1]
strategy: $s
stages:
  - {duration: 2s, rate: 400/s}
  - {duration: 1s, rate: 400/s}
EOF
	reset_target
	"$SCRAPE" -q -c ramp.yaml --report ramp-$s.json >/dev/null 2>&1
	is "$?" 0 "$s: a ramp runs"
	is "$(total) $(report ramp-$s.json 'r["sent"] + r["dropped"]'):$(drops_explained ramp-$s.json 400)" "$(report ramp-$s.json 'r["sent"]') 800:ok" \
	   "$s: 0 to 400/s over 2 s, then 1 s at 400/s: 800 requests ($(total) seen, $(report ramp-$s.json 'r["dropped"]') dropped at the end)"
	is "$(report ramp-$s.json '[abs(t["sent"] - w) <= 4 + (r["dropped"] if w == 400 else 0) for t, w in zip(r["timeline"], (100, 300, 400))] + [False for t in r["timeline"][3:] if t["sent"]]')" "[True, True, True]" \
	   "$s: the ramp sends 100, 300 and 400 in its three seconds ($(report ramp-$s.json '[t["sent"] for t in r["timeline"]]'))"
	# a transfer that ends after the window adds a second with no target
	is "$(report ramp-$s.json '[round(t["target_rate"]) for t in r["timeline"][:3]] + [t["target_rate"] for t in r["timeline"][3:] if t["target_rate"]]')" "[100, 300, 400]" \
	   "$s: the timeline carries the rate the schedule asked for"
done

# ---- warmup: the first part of the duration is not measured ----
reset_target
"$SCRAPE" -q -s event --rate 200/s -d 2s --warmup 1s --report warm.json "$TARGET/bytes/1" >warm.out 2>&1
is "$(total) $(report warm.json 'r["warmup_requests"] + r["sent"] + r["dropped"]')" \
   "$(report warm.json 'r["warmup_requests"] + r["sent"]') 400" "a warmup still sends (400 requests in 2 s, the server saw $(total))"
is "$(report warm.json 'r["warmup_requests"], r["requests"] + r["dropped"], round(r["measured_seconds"], 3)'):$(drops_explained warm.json 200)" "200 200 1.0:ok" \
   "the first second's 200 are left out; 200 measured over 1 s ($(report warm.json 'r["dropped"]') dropped at the end)"
like "$(cat warm.out)" "warmup    1s: 200 requests not counted" "the summary says what the warmup left out"

# ---- coordinated omission: the server stalls for 1 s mid-run ----
# 200/s for 5 s over at most 4 connections.  During the stall the 4
# connections hang and about 200 starts wait: latency from the schedule
# shows it, service time (4 of 1000 requests) does not.  "Shows" is half
# the stall or more; however busy the machine, a request the stall did
# not hold takes less.  (lean: its 4 places split over two loops)
for s in event lean; do
	extra=
	[ "$s" = lean ] && extra="--set strategy.threads=2"
	reset_target
	( sleep 2; curl -s "$TARGET/_stall/1000/1000" >/dev/null ) &
	staller=$!
	"$SCRAPE" -q -s "$s" $extra --rate 200/s -d 5s --max-connections 4 --report "stall-$s.json" \
		"$TARGET/bytes/1" >"stall-$s.out" 2>"stall-$s.err"
	wait "$staller"
	is "$(report "stall-$s.json" 'r["latency_seconds"]["p99"] >= 0.5, r["service_time_seconds"]["p99"] < 0.5')" \
	   "True True" "$s: corrected p99 shows the stall ($(report "stall-$s.json" 'r["latency_seconds"]["p99"]') s), service p99 does not ($(report "stall-$s.json" 'r["service_time_seconds"]["p99"]') s)"
	is "$(report "stall-$s.json" 'r["late"] > 100, r["sent"] + r["dropped"]')" "True 1000" \
	   "$s: the starts held back are counted late ($(report "stall-$s.json" 'r["late"]')); sent + dropped = scheduled"
	like "$(cat "stall-$s.err")" "all 4 connections were busy" "$s: a warning says the schedule slipped on busy connections"
	like "$(cat "stall-$s.out")" "service   min" "$s: the summary shows service time beside latency"
done
# the same stall under the closed model: the workers wait too, so the
# latency numbers miss it; the summary says how latency was measured
reset_target
( sleep 2; curl -s "$TARGET/_stall/1000/1000" >/dev/null ) &
staller=$!
"$SCRAPE" -q -s event -w 4 -r 200/s -d 5s --report closed.json "$TARGET/bytes/1" >closed.out 2>&1
wait "$staller"
is "$(report closed.json 'r["latency_seconds"]["p99"] < 0.5, r["model"]["type"]')" "True closed" \
   "a closed model's p99 misses the same stall ($(report closed.json 'r["latency_seconds"]["p99"]') s)"
like "$(cat closed.out)" "closed: 4 workers; latency from each actual send" "and the summary says how it measured"

# ---- dropped: more starts than the connections can carry ----
for s in threaded lean; do
	reset_target
	"$SCRAPE" -q -s $s --rate 200/s -d 2s --max-connections 1 --report drop-$s.json \
		--set 'thresholds=["dropped == 0"]' "$TARGET/delay/50" >/dev/null 2>drop-$s.err
	is "$?" 1 "$s: a failing dropped threshold exits 1"
	is "$(report drop-$s.json 'r["dropped"] > 250, r["sent"] + r["dropped"], r["peak_in_flight"]')" "True 400 1" \
	   "$s: one connection at 50 ms a request drops most of 400 starts ($(report drop-$s.json 'r["dropped"]'))"
	is "$(report drop-$s.json 'r["sent"] == r["requests"]') $(total)" "True $(report drop-$s.json 'r["sent"]')" \
	   "$s: every start that went out was recorded, and the server saw each"
done

# ---- the report: histogram buckets that add up, merged percentiles ----
is "$(report c-event.json 'sum(b[2] for b in r["latency_histogram"]["buckets"]) == r["latency_seconds"]["count"] == r["requests"] == r["sent"] and r["sent"] + r["dropped"] == 2000')" True \
   "the report's histogram buckets hold every measured request"
is "$(report c-event.json 'all(lo <= hi for lo, hi, n in r["latency_histogram"]["buckets"]) and all(a[1] < b[0] for a, b in zip(r["latency_histogram"]["buckets"], r["latency_histogram"]["buckets"][1:]))')" True \
   "the buckets are ordered and do not overlap"
is "$(report c-event.json '"rate: 500/s" in r["config"] and r["schema"]')" 2 "the report echoes the job (schema 2)"

# ---- traffic: bytes both ways, headers included, bodies counted once ----
for n in 1000 70000; do
	head -c $n /dev/zero | tr '\0' a >body-$n
	printf 'urls: [%s/echo]\nrequests: 2\nmethod: POST\nbody_file: body-%s\n' "$TARGET" $n >post-$n.yaml
	"$SCRAPE" -q -c post-$n.yaml --report post-$n.json >/dev/null 2>&1
	is "$(report post-$n.json "r['bytes_out'] - 2 * $n in range(2 * 100, 2 * 400), r['connections_opened']")" "True 1" \
	   "a $n-byte POST body counts once in the bytes out, besides its headers ($(report post-$n.json 'r["bytes_out"]'))"
	is "$(report post-$n.json "r['bytes_in'] - r['bytes'] in range(2 * 50, 2 * 400)")" True \
	   "bytes in are the bodies plus the response headers ($(report post-$n.json 'r["bytes_in"]'))"
done

# ---- retries go outside the schedule and count from the first start ----
reset_target
"$SCRAPE" -q -s event --rate 100/s --requests 20 --retries 2 --set retry_delay=100ms --report retry.json \
	"$TARGET/status/503" "$TARGET/bytes/1" >/dev/null 2>&1
is "$(report retry.json 'r["sent"], r["retries"], r["requests"]')" "20 20 20" \
   "retries take no starts from the schedule (20 sent, 20 retries)"
# two delays of 100 ms, plus three attempts and the first start's lag,
# each no longer than the longest the run measured, and 150 ms to spare
is "$(report retry.json '0.2 <= r["latency_seconds"]["max"] < 0.35 + 3 * r["service_time_seconds"]["max"] + r["send_lag_seconds"]["max"]')" True \
   "a retried request's latency counts from its first start, delays included ($(report retry.json 'r["latency_seconds"]["max"]') s)"
is "$(total)" 40 "the server saw every attempt"
is "$(report retry.json '50 <= r["bytes_out"] / 40 <= 200')" True \
   "the traffic counts every attempt, retried ones too ($(report retry.json 'r["bytes_out"]') bytes out for 40)"

# ---- --format json carries the load-test members ----
"$SCRAPE" -q -s threaded --rate 100/s -d 1s --format json "$TARGET/bytes/1" >sum.json 2>sum.err
is "$(report sum.json 'r["sent"] + r["dropped"], r["model"]["type"], "p99.99" in r["service_time_seconds"]'):$(drops_explained sum.json 100):$(warnings_match sum.json):$(warnings_match sum.json sum.err)" \
   "100 open True:ok:ok:ok" "--format json has the schedule, the model and service time, and the warnings the run's figures call for"

# ---- --html ----
"$SCRAPE" -q -s event --rate 100/s -d 2s --html page.html "$TARGET/bytes/1" "$TARGET/status/503" >/dev/null 2>&1
is "$(grep -o '<svg class="chart"' page.html | wc -l)" 3 "--html draws three charts"
is "$(grep -o '<svg class="spread"' page.html | wc -l)" 2 "and a bar for each of the two groups"
check "--html writes a page without scripts" sh -c '! grep -qi "<script" page.html'
like "$(cat page.html)" "503" "the page has the status table"
"$SCRAPE" -q --html /nonexistent/dir/page.html "$TARGET/bytes/1" >/dev/null 2>html.err
is "$?" 1 "an HTML report that cannot be written fails the run"
like "$(cat html.err)" "cannot write the HTML report /nonexistent/dir/page.html" "and says so"

# ---- --merge: reports of runs side by side make one summary ----
"$SCRAPE" --merge --format json c-event.json c-threaded.json stall-event.json >merged.json
is "$?" 0 "--merge reads reports and exits 0 when nothing failed"
python3 - c-event.json c-threaded.json stall-event.json merged.json >merge.check <<'PY'
import json, math, sys
reports = [json.load(open(p)) for p in sys.argv[1:4]]
merged = json.load(open(sys.argv[4]))
counts = {}
for r in reports:
    for low, high, n in r["latency_histogram"]["buckets"]:
        counts[(low, high)] = counts.get((low, high), 0) + n
total = sum(counts.values())
buckets = sorted(counts.items())
def percentile(p):
    rank, seen = max(1, math.ceil(p / 100 * total - 1e-9)), 0
    for (low, high), n in buckets:
        seen += n
        if seen >= rank:
            return (low, high)
ok = all(low / 1e9 - 1e-9 <= merged["latency_seconds"]["p%g" % p] <= high / 1e9 + 1e-9
         for p in (50, 90, 99, 99.9) for low, high in [percentile(p)])
mean = sum(r["latency_seconds"]["mean"] * r["latency_seconds"]["count"] for r in reports) / total
print(merged["requests"] == sum(r["requests"] for r in reports), merged["latency_seconds"]["count"] == total,
      ok, abs(merged["latency_seconds"]["mean"] - mean) < 1e-6, merged["reports"])
PY
is "$(cat merge.check)" "True True True True 3" \
   "the merged counts add up; percentiles come from the added buckets; the mean is exact"
out=$("$SCRAPE" --merge c-event.json c-event.json)
like "$out" "Merged 2 reports" "the text summary says how many reports it merged"
like "$out" "Downloaded $((2 * $(report c-event.json 'r["requests"]'))) sites" "and counts each report's requests"
printf '{"schema": 1}' >old.json
err=$("$SCRAPE" --merge c-event.json old.json 2>&1 >/dev/null)
is "$?" 2 "a report of another schema is refused (exit 2)"
is "$err" "scrape: --merge: old.json: not a scrape report of schema 2 (write it with --report)" "with one line naming it"
printf '{"schema": 2, "latency_histogram": {"buckets": [[1, ' >cut.json
err=$("$SCRAPE" --merge cut.json 2>&1 >/dev/null)
is "$?:$err" "2:scrape: --merge: cut.json: the document ends early" "a cut-off report is refused"
err=$("$SCRAPE" --merge missing.json 2>&1 >/dev/null)
is "$?:$err" "2:scrape: --merge: missing.json: No such file or directory" "a missing report is refused"
err=$("$SCRAPE" --merge c-event.json closed.json 2>&1 >/dev/null)
is "$?" 2 "open- and closed-model reports do not merge"

# ---- the example jobs: every one is valid; the CI smoke test passes ----
for job in "$TOP_SRCDIR"/configs/*.yaml; do
	SCRAPE_TARGET=$TARGET "$SCRAPE" --dry-run -c "$job" >/dev/null 2>dry.err
	is "$?" 0 "configs/${job##*/} is a valid job$(head -c 200 dry.err)"
done
SCRAPE_TARGET=$TARGET "$SCRAPE" -q -c "$TOP_SRCDIR/configs/ci-smoke.yaml" --set duration=3s --set warmup=1s \
	--report smoke.json >smoke.out 2>&1
status=$?
# The target meets these thresholds with room to spare.  On a stalled
# machine scrape itself may send late or drop a start at the very end:
# a verdict may fail then only for a reason the run's own figures put on
# scrape (drops its send lag explains, a rate short by those drops, a
# latency whose service-time part still meets the bound), never errors.
smoke_failures=$(python3 - smoke.json "$(drops_explained smoke.json 100)" <<'PY'
import json, sys
r, drops = json.load(open(sys.argv[1])), sys.argv[2]
service = r["service_time_seconds"]
def explained(t):
    name = t["threshold"].split()[0]
    if name == "dropped":
        return drops == "ok"
    if name == "rate":
        return drops == "ok" and (r["requests"] + r["dropped"]) / r["measured_seconds"] >= 95
    if name in ("p50", "p99"):
        return service[name] < (0.05 if name == "p50" else 0.25)
    return False
print(" ".join(t["threshold"] for t in r["thresholds"] if not t["pass"] and not explained(t)) or "none")
PY
)
is "$status:$smoke_failures" "$([ $status -eq 0 ] && echo 0 || echo 1):none" \
   "configs/ci-smoke.yaml passes its thresholds against the test server (shortened to 3 s)"
is "$(grep -ci 'threshold .*: \(pass\|fail\)' smoke.out)" 5 "and prints a verdict for each of its 5 thresholds"
[ "$status" -eq 0 ] || echo "# smoke verdicts failed on the machine's account: $(grep -i 'threshold .*: fail' smoke.out | tr '\n' ' ')"

# ---- strategies that cannot keep a schedule are refused ----
for s in sequential multiprocess; do
	err=$("$SCRAPE" -q -s "$s" --rate 10/s -d 1s "$TARGET/bytes/1" 2>&1 >/dev/null)
	is "$?" 2 "$s: the open model is a job error"
	is "$err" "--rate: the $s strategy cannot keep a schedule (\"rate\" is the open model); use event, threaded or lean" \
	   "$s: the error names the strategies that can"
done
out=$("$SCRAPE" --compare --rate 50/s -d 1s "$TARGET/bytes/1" 2>&1)
is "$?" 0 "--compare with the open model compares the strategies that can"
is "$(printf '%s\n' "$out" | grep -E '^(threaded|event|lean) ' | cut -d' ' -f1 | tr '\n' ' ')" "threaded event lean " \
   "threaded, event and lean, side by side"

done_testing
