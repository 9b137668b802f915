#!/bin/sh
# SPDX-License-Identifier: MIT
# One job split into segments (--segment, --segments, --start-at,
# --run-id, --schedule) and put back together (--merge): three segments
# of a constant rate started together give the target server the job's
# arrivals and merge into the one-process run's counts; the Poisson
# schedules of the segments are the whole job's, start for start; the
# closed model splits workers, requests and the URL cycle exactly; merge
# refuses a missing, a duplicate or a foreign segment and checks the
# job's thresholds on the merged run; bad options are one line, exit 2.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
report() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
# an RFC 3339 time SECONDS from now, to the second
start_in() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

# ---- the open model: 3 segments of 900/s for 4 s, started together ----
cat >open.yaml <<EOF
urls: ["$TARGET/bytes/10"]
strategy: event
rate: 900/s
duration: 4s
EOF
reset_target
at=$(start_in 3)
pids=
for i in 1 2 3; do
	"$SCRAPE" -q -c open.yaml --segment "$i/3" --start-at "$at" --report "open-$i.json" \
		>"open-$i.out" 2>"open-$i.err" &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
for i in 1 2 3; do
	is "$(report "open-$i.json" 'r["segment"], r["segments"], r["run_id"] == json.load(open("open-1.json"))["run_id"]')" \
	   "$i 3 True" "segment $i of 3 says so in its report, with the run id of the others"
done
like "$(cat open-2.out)" "segment 2 of 3 of the job, run " "the summary names the segment"
curl -s "$TARGET/_log" >arrivals.txt
# the server's arrivals, to the job's 3,600 within 1%, and per second of
# the run within 2% of 900, or what the runs' own send lag explains (a
# start held up that long moves into the next second)
python3 - open-1.json open-2.json open-3.json <<'PY' >arrivals.check
import json, math, sys
t = sorted(int(l.split()[1]) for l in open("arrivals.txt") if l.strip())
lag = max(json.load(open(f))["send_lag_seconds"]["max"] for f in sys.argv[1:])
print("total ok" if abs(len(t) - 3600) <= 36 else "total off: %d" % len(t))
per = [0] * 4
for x in t:
    s = (x - t[0]) // 1000000
    if s < 4:
        per[s] += 1
tol = max(0.02 * 900, math.ceil(2 * lag * 900) + 1)
bad = [n for n in per if abs(n - 900) > tol]
print("seconds ok" if not bad else "seconds off: %s (tolerance %d)" % (per, tol))
PY
is "$(sed -n 1p arrivals.check)" "total ok" "the server sees 3,600 requests (within 1%)"
is "$(sed -n 2p arrivals.check)" "seconds ok" "each second it sees 900 (within 2%, or the send lag)"
"$SCRAPE" --merge --format json open-1.json open-2.json open-3.json >merged.json
is "$?" 0 "the three segments merge"
"$SCRAPE" -q -c open.yaml --report whole.json >/dev/null 2>&1
is "$(report merged.json 'r["sent"] + r["dropped"], r["segments"], r["run_id"] == json.load(open("open-1.json"))["run_id"]')" \
   "3600 3 True" "the merge is the job's 3,600 starts, of the run"
# the same counts; a start dropped on a busy machine (it says so) is the
# only difference allowed, and only where it happened
is "$(python3 - <<'PY'
import json
m, w = json.load(open("merged.json")), json.load(open("whole.json"))
def statuses(r):
    return dict(r["status_counts"], dropped=r["dropped"]) if r["dropped"] else r["status_counts"]
same = m["sent"] + m["dropped"] == w["sent"] + w["dropped"] and \
    all(r["ok"] + r["failed"] == r["sent"] == sum(r["status_counts"].values()) for r in (m, w))
print("ok" if same and (m["dropped"] or w["dropped"] or statuses(m) == statuses(w)) else
      "off: %s vs %s" % (statuses(m), statuses(w)))
PY
)" "ok" "its counts are the one-process run's"
# percentiles of the merge: those of the segments' buckets added up, to
# the histogram's precision (the bucket that holds them)
python3 - open-1.json open-2.json open-3.json <<'PY' >percentiles.check
import json, sys
m = json.load(open("merged.json"))
buckets = {}
for f in sys.argv[1:]:
    for lo, hi, n in json.load(open(f))["latency_histogram"]["buckets"]:
        buckets[(lo, hi)] = buckets.get((lo, hi), 0) + n
total = sum(buckets.values())
bad = []
for p in ("p50", "p90", "p99"):
    rank, seen = total * float(p[1:]) / 100, 0
    for (lo, hi), n in sorted(buckets.items()):
        seen += n
        if seen >= rank:
            break
    got = m["latency_seconds"][p] * 1e9
    if not lo - 1 <= got <= hi + 1:
        bad.append("%s %g not in [%d, %d]" % (p, got, lo, hi))
print("ok" if not bad else "; ".join(bad))
PY
is "$(cat percentiles.check)" "ok" "merged percentiles fall in the buckets of the segments' added histograms"
"$SCRAPE" --merge -c open.yaml --html merged.html open-1.json open-2.json open-3.json >/dev/null
is "$?" 0 "--merge -c JOB --html draws the merged report"
is "$(grep -o 'aria-label="Completed requests and errors per second"' merged.html | wc -l)" 1 \
   "the HTML report draws the requests per second"
# the merged timeline: the segments' seconds added up, and their target
# rates (each its share) to the job's
is "$(python3 - open-1.json open-2.json open-3.json <<'PY'
import json, sys
seg = [json.load(open(f))["timeline"] for f in sys.argv[1:]]
n = max(map(len, seg))
print([sum(t[i]["sent"] for t in seg if i < len(t)) for i in range(n)],
      [round(sum(t[i]["target_rate"] for t in seg if i < len(t))) for i in range(n)])
PY
)" "$(report merged.json '[s["sent"] for s in r["timeline"]], [round(s["target_rate"]) for s in r["timeline"]]')" \
   "the merged timeline is the segments' added up, second by second"
is "$(report merged.json '[round(s["target_rate"]) for s in r["timeline"][:4]]')" "[900, 900, 900, 900]" \
   "and asks for the job's 900/s"

# ---- Poisson: the union of the segments' schedules is the job's ----
cat >poisson.yaml <<EOF
urls: ["$TARGET/bytes/10"]
strategy: event
rate: 300/s
arrival: poisson
duration: 5s
seed: 42
EOF
"$SCRAPE" -c poisson.yaml --schedule >whole.sched
for i in 1 2 3 4; do "$SCRAPE" -c poisson.yaml --schedule --segment "$i/4" --run-id p; done | sort -n >union.sched
is "$(wc -l <whole.sched | tr -d ' ')" "$(wc -l <union.sched | tr -d ' ')" "4 Poisson segments have as many starts as the job"
check "and the same starts at the same nanoseconds" cmp -s whole.sched union.sched
"$SCRAPE" -c poisson.yaml --schedule --segment 2/4 --run-id p >seg2.sched
is "$(awk '$1 % 4 != 1 { n++ } END { print (NR > 0 ? n + 0 : "none") }' seg2.sched)" \
   "0" "segment 2 of 4 has every 4th start from the second"
# without a seed, the run id gives the same one to every segment
sed '/^seed/d' poisson.yaml >unseeded.yaml
"$SCRAPE" -c unseeded.yaml --schedule --run-id r1 >whole-r1.sched
for i in 1 2 3; do "$SCRAPE" -c unseeded.yaml --schedule --segment "$i/3" --run-id r1; done | sort -n >union-r1.sched
check "an unseeded Poisson job split with a run id draws one schedule" cmp -s whole-r1.sched union-r1.sched
"$SCRAPE" -c unseeded.yaml --schedule --segment 1/3 >/dev/null 2>unseeded.err
is "$?:$(cat unseeded.err)" \
   "2:scrape: --segment 1/3: give --start-at TIME (the same for every segment) or --run-id ID, so the segments' reports name one run" \
   "a segment with no run id is refused"

# ---- the closed model: workers, requests and the URL cycle split ----
cat >closed.yaml <<EOF
urls: ["$TARGET/bytes/1", "$TARGET/bytes/2", "$TARGET/bytes/3", "$TARGET/bytes/4"]
workers: 5
requests: 100
EOF
reset_target
for i in 1 2 3; do
	"$SCRAPE" -q -c closed.yaml --segment "$i/3" --run-id closed --report "closed-$i.json" >/dev/null 2>&1
done
is "$(python3 -c '
import json
r = [json.load(open("closed-%d.json" % i)) for i in (1, 2, 3)]
print([x["workers"] for x in r], [x["ok"] + x["failed"] for x in r], sum(x["workers"] for x in r), sum(x["ok"] for x in r))')" \
   "[2, 2, 1] [34, 33, 33] 5 100" "3 segments of 100 requests with 5 workers: 34+33+33 requests, 2+2+1 workers"
is "$(for n in 1 2 3 4; do hits /bytes/$n; done | tr '\n' ' ')" "25 25 25 25 " "together they fetch the job's URL cycle exactly"
"$SCRAPE" --merge closed-1.json closed-2.json closed-3.json >/dev/null
is "$?" 0 "closed segments merge"

# ---- --segments N with JOB_COMPLETION_INDEX (Kubernetes) ----
JOB_COMPLETION_INDEX=2 "$SCRAPE" -q -c closed.yaml --segments 3 --run-id k8s --report k8s.json >/dev/null 2>&1
is "$(report k8s.json 'r["segment"], r["segments"], r["workers"]')" "3 3 1" \
   "JOB_COMPLETION_INDEX=2 with --segments 3 is segment 3 of 3"
SCRAPE_SEGMENT=1/2 "$SCRAPE" -q -c closed.yaml --run-id env --report env.json >/dev/null 2>&1
is "$(report env.json 'r["segment"], r["segments"], r["workers"]')" "1 2 3" "SCRAPE_SEGMENT=1/2 is segment 1 of 2"

# ---- merge refuses what is not one run ----
"$SCRAPE" --merge open-1.json open-3.json >/dev/null 2>refuse.err
is "$?:$(cat refuse.err)" \
   "2:scrape: --merge: segment 2 of 3 of run $(report open-1.json 'r["run_id"]') is missing (2 reports given)" \
   "a missing segment is refused"
"$SCRAPE" --merge open-1.json open-2.json open-2.json open-3.json >/dev/null 2>refuse.err
is "$?:$(cat refuse.err)" "2:scrape: --merge: open-2.json: segment 2 of 3 is there twice (also open-2.json)" \
   "a duplicate segment is refused"
"$SCRAPE" -q -c closed.yaml --segment 2/3 --run-id open --report other-job.json >/dev/null 2>&1
"$SCRAPE" --merge closed-1.json other-job.json closed-3.json >/dev/null 2>refuse.err
is "$?:$(cat refuse.err)" \
   "2:scrape: --merge: other-job.json: it is of another run than closed-1.json (run open, not closed)" \
   "a segment of another run is refused"
"$SCRAPE" -q -c closed.yaml --set requests=99 --segment 2/3 --run-id closed --report other-job.json >/dev/null 2>&1
"$SCRAPE" --merge closed-1.json other-job.json closed-3.json >/dev/null 2>refuse.err
is "$?:$(cat refuse.err)" \
   "2:scrape: --merge: other-job.json: it is of another job than closed-1.json (job hash $(report other-job.json 'r["job_hash"]'), not $(report closed-1.json 'r["job_hash"]'))" \
   "a segment of another job is refused"
"$SCRAPE" --merge closed-1.json whole.json >/dev/null 2>refuse.err
is "$?:$(cat refuse.err)" \
   "2:scrape: --merge: whole.json: it is a whole run, but closed-1.json is a segment; a merge takes the segments of one run or whole runs, not both" \
   "segments and whole runs are not mixed"
"$SCRAPE" --merge -c open.yaml closed-1.json closed-2.json closed-3.json >/dev/null 2>refuse.err
is "$?:$(cat refuse.err)" \
   "2:scrape: --merge: closed-1.json: it is of another job than open.yaml (job hash $(report closed-1.json 'r["job_hash"]'), not $(report open-1.json 'r["job_hash"]'))" \
   "-c names a job the reports are not of: refused"

# ---- thresholds on the merged run: each segment passes, the union not ----
cat >failing.yaml <<EOF
urls: ["$TARGET/status/500", "$TARGET/bytes/1", "$TARGET/bytes/1", "$TARGET/bytes/1", "$TARGET/bytes/1",
       "$TARGET/bytes/1", "$TARGET/bytes/1", "$TARGET/bytes/1", "$TARGET/bytes/1", "$TARGET/bytes/1"]
workers: 3
requests: 90
thresholds: ["failed < 5", "error_rate < 20%"]
EOF
for i in 1 2 3; do
	"$SCRAPE" -q -c failing.yaml --segment "$i/3" --run-id t --report "t-$i.json" >"t-$i.out" 2>&1
	is "$?:$(report "t-$i.json" 'r["failed"]')" "0:3" "segment $i: 3 failed, its thresholds pass"
done
"$SCRAPE" --merge -c failing.yaml t-1.json t-2.json t-3.json >t-merged.out 2>&1
is "$?" 1 "the merged run fails its threshold: exit 1"
like "$(cat t-merged.out)" "failed < 5" "the merged summary gives the verdict"
like "$(grep 'failed < 5' t-merged.out)" "9" "on the merged count, 9"

# ---- bad options: one line, exit 2 ----
bad() {   # bad WANT ARGS...: exit 2 and exactly the line WANT
	want=$1
	shift
	"$@" >bad.out 2>bad.err
	is "$?:$(cat bad.out bad.err)" "2:$want" "refused: $*"
}
bad 'scrape: --segment "0/3": I is 1 to N (segments count from 1)' "$SCRAPE" -c closed.yaml --segment 0/3
bad 'scrape: --segment "4/3": I is 1 to N (segments count from 1)' "$SCRAPE" -c closed.yaml --segment 4/3
bad 'scrape: --segment "x": expected I/N, segment I of N (e.g. 1/3)' "$SCRAPE" -c closed.yaml --segment x
bad 'scrape: SCRAPE_SEGMENT "2/0": N is 1 to 10000' env SCRAPE_SEGMENT=2/0 "$SCRAPE" -c closed.yaml
bad 'scrape: --segments 3: --segments needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed Job sets it); use --segment I/N elsewhere' \
    env -u JOB_COMPLETION_INDEX "$SCRAPE" -c closed.yaml --segments 3
bad 'scrape: --segments 3: JOB_COMPLETION_INDEX is not below --segments (it counts from 0)' \
    env JOB_COMPLETION_INDEX=3 "$SCRAPE" -c closed.yaml --segments 3
bad 'scrape: --start-at "2020-01-01T00:00:00Z": it is in the past' "$SCRAPE" -c closed.yaml --start-at 2020-01-01T00:00:00Z
bad 'scrape: --start-at "+25h": it is too far ahead (at most 24h)' "$SCRAPE" -c closed.yaml --start-at +25h
bad 'scrape: --start-at "tomorrow": expected an RFC 3339 time such as 2026-01-01T12:00:00Z, or +5s' \
    "$SCRAPE" -c closed.yaml --start-at tomorrow
bad 'scrape: --run-id "a b": 1 to 64 letters, digits, '"'.', '_', ':' or '-'" "$SCRAPE" -c closed.yaml --run-id "a b"
bad 'scrape: --segment: workers 5 cannot be split into 6 segments (each needs 1 at least)' \
    "$SCRAPE" -c closed.yaml --segment 1/6 --run-id x
bad 'scrape: --schedule needs an open-model job (rate or stages) with an end (duration or stages)' \
    "$SCRAPE" -c closed.yaml --schedule
bad 'scrape: --merge --html needs the job the reports ran (-c JOB.yaml) to draw them' \
    "$SCRAPE" --merge --html x.html open-1.json

done_testing
