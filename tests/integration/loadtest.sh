#!/bin/sh
# SPDX-License-Identifier: MIT
# Load-test scheduling (closed model): a duration or a request count bounds
# the run and the URLs cycle; order sequential or random with a seed;
# weights; thresholds decide the exit status.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
# arrivals: the paths the server saw, in order, one line each
arrivals() { curl -s "$TARGET/_log" | awk '{print $4}'; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# on_time REPORT WALL_MS OVERHEAD_MS: "ok" when a 1 s run ended on time by
# its own figures and by the clock.  The run measures its window (1 s) and
# the tail in which transfers in flight at its end finished: at most the
# longest request, plus the 100 ms in which a waiting worker looks again.
# From outside, the run took its window and tail plus what any run costs
# besides its requests (start-up, plugins, exit; much more under a
# sanitizer), measured as OVERHEAD_MS, twice over for a busy machine.
on_time() {
	python3 - "$@" <<'PY'
import json, sys
r, wall, overhead = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
tail_max = r["latency_seconds"]["max"] + 0.1
why = []
if round(r["measured_seconds"], 3) != 1.0: why.append("measured %.3f s" % r["measured_seconds"])
if r["tail_seconds"] > tail_max: why.append("tail %.3f s > %.3f s" % (r["tail_seconds"], tail_max))
if not 1000 <= wall <= 1000 * (r["measured_seconds"] + r["tail_seconds"]) + 2 * overhead + 100:
    why.append("%d ms in all" % wall)
print("ok" if not why else "off: " + ", ".join(why))
PY
}

# ---- duration ----
for s in sequential threaded event multiprocess; do
	start=$(date +%s%N)
	"$SCRAPE" -q -s "$s" -w 4 --set requests=1 "$TARGET/bytes/2" >/dev/null 2>&1
	overhead=$(ms_since "$start")
	reset_target
	start=$(date +%s%N)
	"$SCRAPE" -q -s "$s" -w 4 --set duration=1s -o dur.jsonl --report dur.json \
		"$TARGET/delay/20/bytes/1" "$TARGET/bytes/2" >/dev/null 2>&1
	rc=$?
	wall=$(ms_since "$start")
	# a start leaves before the end; the server sees it within that
	# request's latency, the longest of which the run measured
	span=$(curl -s "$TARGET/_log" | awk 'NR==1{a=$2} {b=$2} END {print b-a}')
	total=$(curl -s "$TARGET/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
	# what a run costs besides its requests, measured before and after
	# the timed run: the larger, as the machine's load may have changed
	start=$(date +%s%N)
	"$SCRAPE" -q -s "$s" -w 4 --set requests=1 "$TARGET/bytes/2" >/dev/null 2>&1
	after=$(ms_since "$start")
	[ "$after" -gt "$overhead" ] && overhead=$after
	is "$rc" 0 "$s: a 1 s run exits 0"
	is "$(on_time dur.json "$wall" "$overhead")" ok \
	   "$s: duration 1s ends after about a second ($wall ms, $overhead ms for a run of one request)"
	is "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(int(sys.argv[2]) <= 1e6 * (1 + r["latency_seconds"]["max"]))' dur.json "$span")" True \
	   "$s: nothing starts after the end (arrivals over $span us)"
	n=$(json_lines dur.jsonl)
	is "$total" "$n" \
	   "$s: every request started was recorded ($n)"
done

# ---- a request count, cycling through the list ----
reset_target
"$SCRAPE" -q --set requests=7 -o req.jsonl "$TARGET/bytes/1" "$TARGET/bytes/2" "$TARGET/bytes/3" >/dev/null 2>&1
is "$(json_lines req.jsonl)" 7 "requests: 7 makes exactly 7 requests"
is "$(arrivals | tr '\n' ' ')" "/bytes/1 /bytes/2 /bytes/3 /bytes/1 /bytes/2 /bytes/3 /bytes/1 " "the URLs cycle in order"
"$SCRAPE" -q --set requests=5 --set duration=10s -o both.jsonl "$TARGET/bytes/1" >/dev/null 2>&1
is "$(json_lines both.jsonl)" 5 "with both, whichever ends first ends the run"

# ---- weights ----
cat >w.yaml <<EOF2
urls:
  - {url: $TARGET/bytes/1, weight: 3}
  - $TARGET/bytes/2
requests: 8
EOF2
reset_target
"$SCRAPE" -q -c w.yaml >/dev/null 2>&1
is "$(arrivals | tr '\n' ' ')" "/bytes/1 /bytes/1 /bytes/1 /bytes/2 /bytes/1 /bytes/1 /bytes/1 /bytes/2 " \
   "in order, a URL of weight 3 comes three times per cycle"
reset_target
"$SCRAPE" -q -c w.yaml --set order=random --set seed=11 --set requests=2000 >/dev/null 2>&1
share=$(arrivals | awk '$1 == "/bytes/1" { a++ } END { printf "%.3f", a / NR }')
is "$(awk -v s="$share" 'BEGIN { print (s > 0.72 && s < 0.78) ? "ok" : "off" }')" ok "random order honours weights (share $share of 0.75)"

# ---- random order is reproducible with a seed ----
for seed in 5 5 6; do
	reset_target
	"$SCRAPE" -q --set order=random --set seed=$seed --set requests=20 \
		"$TARGET/bytes/1" "$TARGET/bytes/2" "$TARGET/bytes/3" "$TARGET/bytes/4" >/dev/null 2>&1
	arrivals | tr '\n' ' ' >"seq-$seed-$(ls seq-* 2>/dev/null | wc -l).txt"
done
check "the same seed gives the same order" cmp -s seq-5-0.txt seq-5-1.txt
check "another seed gives another order" sh -c '! cmp -s seq-5-0.txt seq-6-2.txt'

# ---- thresholds ----
cat >t.yaml <<EOF2
urls: [$TARGET/delay/10/bytes/1]
requests: 20
workers: 4
strategy: threaded
thresholds:
  - p99 < 500ms
  - p50 >= 10ms
  - error_rate < 1%
  - requests == 20
EOF2
out=$("$SCRAPE" -q -c t.yaml --report t.json 2>&1)
is "$?" 0 "thresholds that hold exit 0"
like "$out" "threshold p99 < 500ms: pass" "each threshold gets a verdict line"
is "$(python3 -c 'import json,sys; print([t["pass"] for t in json.load(open(sys.argv[1]))["thresholds"]])' t.json)" \
   "[True, True, True, True]" "the report lists the verdicts"
out=$("$SCRAPE" -q -c t.yaml --set 'thresholds=["p99 < 1ms", "rate >= 1000000/s"]' 2>&1)
is "$?" 1 "a failing threshold exits 1"
like "$out" "threshold p99 < 1ms: FAIL" "and says which failed"
out=$("$SCRAPE" -q --set requests=4 --set 'thresholds=["error_rate < 60%"]' "$TARGET/bytes/1" "$TARGET/status/500" 2>&1)
is "$?" 0 "with thresholds, failed requests within the error budget still pass"
out=$("$SCRAPE" -q --set requests=4 --set 'thresholds=["error_rate < 40%"]' "$TARGET/bytes/1" "$TARGET/status/500" 2>&1)
is "$?" 1 "and beyond it fail"
like "$out" "threshold error_rate < 40%: FAIL (error_rate 50%)" "with the measured rate"

# ---- job errors ----
err=$("$SCRAPE" --dry-run --set 'thresholds=["p98 < 1s"]' http://127.0.0.1:1/ 2>&1)
is "$err" '--set thresholds:1:2: threshold "p98 < 1s": unknown metric "p98" (did you mean "p90"?)' "an unknown metric is a job error"
err=$("$SCRAPE" --dry-run --set 'thresholds=["p99 ~ 1s"]' http://127.0.0.1:1/ 2>&1)
like "$err" 'expected METRIC OP VALUE' "a bad comparison is a job error"
err=$("$SCRAPE" --dry-run --set 'thresholds=["p99 < 10"]' http://127.0.0.1:1/ 2>&1)
like "$err" 'a duration needs a unit' "a latency threshold needs a unit"
err=$("$SCRAPE" --dry-run -n 2 --set duration=5s http://127.0.0.1:1/ 2>&1)
like "$err" '"repeat" does not go with duration or requests' "repeat and duration do not mix"
printf 'http://127.0.0.1:1/\n' >u.txt
err=$("$SCRAPE" --dry-run --set url_file=u.txt --set order=random 2>&1)
like "$err" 'needs the URLs in "urls"' "random order needs a URL list"
err=$("$SCRAPE" --dry-run --set order=random http://127.0.0.1:1/ 2>&1)
like "$err" '"order: random" draws URLs without end' "random order needs a bound"
err=$("$SCRAPE" --dry-run --set 'thresholds=["error_rate <= 0.5 %"]' http://127.0.0.1:1/ 2>&1)
like "$err" 'expected METRIC OP VALUE' "text after a threshold's value is refused"
out=$("$SCRAPE" -q --format json --set requests=2 --set 'thresholds=["p99 < 10s"]' "$TARGET/bytes/1")
is "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["thresholds"][0]["pass"])')" True \
   "--format json carries the verdicts"
start=$(date +%s%N)
"$SCRAPE" -q --set requests=1 "$TARGET/bytes/1" >/dev/null 2>&1
overhead=$(ms_since "$start")
start=$(date +%s%N)
"$SCRAPE" -q --set duration=1s --set 'per_host={rate: 20/s}' --report ph.json "$TARGET/bytes/1" >/dev/null 2>&1
wall=$(ms_since "$start")
is "$(on_time ph.json "$wall" "$overhead")" ok \
   "duration ends the run on time with per-host queues too ($wall ms, $overhead ms for a run of one request)"
err=$("$SCRAPE" --dry-run --set order=shuffled http://127.0.0.1:1/ 2>&1)
like "$err" '"order" is sequential or random' "order is checked"
err=$("$SCRAPE" --dry-run --set 'urls=[{url: http://127.0.0.1:1/, weight: 0}]' 2>&1)
like "$err" '"weight" must be at least 1' "a weight is at least 1"

done_testing
