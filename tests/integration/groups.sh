#!/bin/sh
# SPDX-License-Identifier: MIT
# Results by endpoint ("groups") in a load test: a fast and a delayed
# endpoint get their own counts and percentiles in the summary, the
# report and --format json; entries share a name; unnamed URLs group by
# method and URL without the query; past the cap, "other".  Bounds come
# from what the target was asked to do (a 50 ms delay) and from the run's
# own figures, never from the clock.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

cat >mixed.yaml <<EOF2
urls:
  - {url: "$TARGET/bytes/100?a=1", name: fast}
  - {url: "$TARGET/bytes/200", name: fast}
  - "$TARGET/delay/50?x=1"
  - "$TARGET/delay/50?x=2"
requests: 80
workers: 4
strategy: threaded
EOF2
"$SCRAPE" -q -c mixed.yaml --report mixed.json >mixed.txt 2>mixed.err
is "$?" 0 "a job of a fast and a delayed endpoint runs"
is "$(python3 - <<'PY'
import json
r = json.load(open("mixed.json"))
g = {x["name"]: x for x in r["groups"]}
slow = g.get("GET %s/delay/50" % __import__("os").environ["TARGET"])
fast = g.get("fast")
why = []
if len(g) != 2: why.append("groups %s" % sorted(g))
if fast and slow:
    if fast["requests"] + slow["requests"] != r["requests"]: why.append("requests do not add up")
    if (fast["requests"], slow["requests"]) != (40, 40): why.append("requests %d/%d" % (fast["requests"], slow["requests"]))
    if slow["latency_seconds"]["p50"] < 0.050: why.append("delayed p50 %.6f" % slow["latency_seconds"]["p50"])
    # the fast group's median is under the delayed group's fastest request
    if fast["latency_seconds"]["p50"] >= slow["latency_seconds"]["min"]: why.append("fast p50 %.6f" % fast["latency_seconds"]["p50"])
    if sum(b[2] for b in slow["latency_histogram"]["buckets"]) != slow["latency_seconds"]["count"]: why.append("buckets")
    if fast["status_counts"] != {"200": 40}: why.append("statuses %s" % fast["status_counts"])
print("ok" if not why else "off: " + ", ".join(why))
PY
)" ok "each group has its own requests, statuses and percentiles"
like "$(cat mixed.txt)" "group " "the text summary has a table by group"
like "$(grep '^  fast ' mixed.txt)" " 40 " "with each group's requests"
"$SCRAPE" -q -c mixed.yaml --format json >mixed-summary.json 2>/dev/null
is "$(python3 -c 'import json; print(sorted(g["name"] for g in json.load(open("mixed-summary.json"))["groups"])[1])')" \
   "fast" "--format json carries the groups"

# thresholds on a group read its figures: the delayed group's median is
# at least the 50 ms asked for, the fast group's is under it
cat >gate.yaml <<EOF2
urls:
  - {url: "$TARGET/bytes/100", name: fast}
  - {url: "$TARGET/delay/50", name: slow}
requests: 20
workers: 2
strategy: threaded
thresholds:
  - "p50{name=slow} >= 50ms"
  - "requests{name=fast} == 10"
  - "error_rate{name=fast} < 1%"
EOF2
"$SCRAPE" -q -c gate.yaml >gate.txt 2>&1
is "$?" 0 "thresholds on groups that hold pass"
like "$(cat gate.txt)" "threshold p50{name=slow} >= 50ms: pass (p50 " "with the group's value on the verdict line"
"$SCRAPE" -q -c gate.yaml --set 'thresholds=["p50{name=slow} < 50ms", "p50 < 1h"]' >gate-fail.txt 2>&1
is "$?" 1 "a threshold on a group that does not hold fails the run"
like "$(cat gate-fail.txt)" "threshold p50{name=slow} < 50ms: FAIL (p50 " "and says so, beside the run's own verdict"
err=$("$SCRAPE" -q -c gate.yaml --set 'thresholds=["p99{name=slwo} < 1s"]' 2>&1)
is "$?" 2 "a threshold naming no group of the job is a job error"
like "$err" 'threshold "p99{name=slwo} < 1s": no urls entry is in the group "slwo" (did you mean "slow"?)' \
   "located, with a hint"
err=$("$SCRAPE" -q -c mixed.yaml --set "thresholds=[\"p50{name=GET $TARGET/delay/50} >= 50ms\"]" --dry-run 2>&1)
is "$?" 0 "an unnamed entry's group is its method and URL"

# --merge adds groups by name, exactly: the merged buckets are the two
# reports' added, so its percentiles are those of one combined run
"$SCRAPE" -q -c mixed.yaml --report mixed2.json >/dev/null 2>&1
"$SCRAPE" --merge --format json mixed.json mixed2.json >merged.json
is "$?" 0 "two reports with groups merge"
is "$(python3 - <<'PY'
import json
from collections import Counter
a, b, m = (json.load(open(f)) for f in ("mixed.json", "mixed2.json", "merged.json"))
why = []
ga, gb, gm = ({g["name"]: g for g in r["groups"]} for r in (a, b, m))
if set(gm) != set(ga) | set(gb): why.append("names %s" % sorted(gm))
for name, g in gm.items():
    x, y = ga.get(name), gb.get(name)
    if g["requests"] != x["requests"] + y["requests"]: why.append(name + ": requests")
    added = Counter()
    for h in (x, y):
        for lo, hi, n in h["latency_histogram"]["buckets"]:
            added[(lo, hi)] += n
    if sorted([lo, hi, n] for (lo, hi), n in added.items()) != g["latency_histogram"]["buckets"]:
        why.append(name + ": buckets")
    total = sum(added.values())
    # the median read off the added buckets as a single run would
    seen, p50 = 0, None
    for lo, hi, n in g["latency_histogram"]["buckets"]:
        seen += n
        if seen >= total / 2:
            p50 = (lo, hi)
            break
    if not (p50[0] - 1 <= g["latency_seconds"]["p50"] * 1e9 <= p50[1] + 1): why.append(name + ": p50")
    if g["latency_seconds"]["max"] != max(x["latency_seconds"]["max"], y["latency_seconds"]["max"]): why.append(name + ": max")
print("ok" if not why else "off: " + ", ".join(why))
PY
)" ok "--merge adds the groups by name: requests, buckets and percentiles exact"
"$SCRAPE" --merge mixed.json >merged.txt
like "$(cat merged.txt)" "  group " "the merged text summary has the table by group"

# failures by class, per group: a group of 503s and refused connections
# and a clean one; merged, the classes add up exactly
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >faults.yaml <<EOF2
urls:
  - {url: "$TARGET/status/503", name: broken}
  - {url: "http://127.0.0.1:$dead/", name: broken}
  - {url: "$TARGET/bytes/10", name: fine}
requests: 30
workers: 3
strategy: threaded
EOF2
"$SCRAPE" -q -c faults.yaml --report faults.json --html faults.html >/dev/null 2>&1
"$SCRAPE" -q -c faults.yaml --report faults2.json >/dev/null 2>&1
"$SCRAPE" --merge --format json faults.json faults2.json >faults-merged.json
is "$?" 1 "reports of groups with failures merge (exit 1: requests failed, as the runs did)"
is "$(python3 - <<'PY'
import json
a, b, m = (json.load(open(f)) for f in ("faults.json", "faults2.json", "faults-merged.json"))
why = []
for r in (a, b):
    g = {x["name"]: x for x in r["groups"]}
    if g["broken"]["failed_by_class"] != {"http 5xx": 10, "connect": 10}:
        why.append("broken %s" % g["broken"]["failed_by_class"])
    if g["fine"]["failed_by_class"] != {}: why.append("fine %s" % g["fine"]["failed_by_class"])
    if sum(g["broken"]["failed_by_class"].values()) != g["broken"]["failed"]: why.append("sum")
g = {x["name"]: x for x in m["groups"]}
if g["broken"]["failed_by_class"] != {"http 5xx": 20, "connect": 20}:
    why.append("merged %s" % g["broken"]["failed_by_class"])
print("ok" if not why else "off: " + ", ".join(why))
PY
)" ok "each group counts its failures by class, and --merge adds them"
is "$(python3 - <<'PY'
import re
page = open("faults.html").read()
row = re.search(r'<td class="code">broken</td>.*?</tr>', page, re.S).group(0)
print("connect 10" in row, "http 5xx 10" in row)
PY
)" "True True" "html: the table by group shows each group's failure classes"

# one endpoint: no table
"$SCRAPE" -q -n 5 "$TARGET/bytes/10" >one.txt 2>&1
is "$(grep -c '^  group ' one.txt)" 0 "one group: no table by group"

# past the cap, "other", said once
i=1
: >many.txt
while [ $i -le 105 ]; do echo "$TARGET/bytes/$i" >>many.txt; i=$((i + 1)); done
printf 'url_file: many.txt\nrequests: 105\n' >many.yaml
"$SCRAPE" -q -c many.yaml --format json >many.json 2>many.err
is "$(python3 -c 'import json; g = json.load(open("many.json"))["groups"]; print(len(g), g[-1]["name"], g[-1]["requests"])' )" \
   "101 other 5" "past 100 groups the rest count as other"
is "$(grep -c 'groups of requests' many.err)" 1 "and one warning says so"

# records name their group: a JSONL field, a CSV column after the core
# ones, a member of SQLite's fields; a job without groups (not a load
# test) has neither the field nor the column
"$SCRAPE" -q -c mixed.yaml -o mixed.jsonl --html mixed.html >/dev/null 2>&1
is "$?" 0 "a job with groups writes records and an HTML report"
is "$(python3 - <<'PY'
import json, os
from collections import Counter
recs = [json.loads(l) for l in open("mixed.jsonl")]
print(sorted(Counter(r.get("group") for r in recs).items()) ==
      sorted({"fast": 40, "GET %s/delay/50" % os.environ["TARGET"]: 40}.items()),
      all(list(r)[14] == "group" for r in recs))
PY
)" "True True" "jsonl: each record names its group, after the core fields"
# the multiprocess strategy makes records in its worker processes
"$SCRAPE" -q -c mixed.yaml -s multiprocess -o mixed-mp.jsonl >/dev/null 2>&1
is "$(python3 -c 'import json, sys; print(sorted(set(json.loads(l).get("group") or "none" for l in open(sys.argv[1]))))' mixed-mp.jsonl)" \
   "['GET $TARGET/delay/50', 'fast']" "jsonl: multiprocess records name their group too"
"$SCRAPE" -q -c mixed.yaml -o mixed.csv >/dev/null 2>&1
is "$(head -1 mixed.csv | tr -d '\r')" \
   "url,final_url,status,content_type,bytes,bytes_wire,attempts,depth,time_total,time_dns,time_connect,time_tls,time_first_byte,error,group" \
   "csv: a load test's header ends in the group column"
is "$(tr -d '\r' <mixed.csv | grep -c ',fast$')" 40 "csv: with each row's group"
"$SCRAPE" -q -c mixed.yaml -o mixed.db >/dev/null 2>&1
is "$(sqlite3 mixed.db "SELECT count(*) FROM mixed WHERE json_extract(fields, '\$.group') = 'fast'")" 2 \
   "sqlite: the group is in the fields column"
"$SCRAPE" -q -o plain.csv "$TARGET/bytes/10" "$TARGET/bytes/20" >/dev/null 2>&1
is "$(head -1 plain.csv | tr -d '\r')" \
   "url,final_url,status,content_type,bytes,bytes_wire,attempts,depth,time_total,time_dns,time_connect,time_tls,time_first_byte,error" \
   "csv: a job without groups keeps its header"
"$SCRAPE" -q -o plain.jsonl "$TARGET/bytes/10" >/dev/null 2>&1
is "$(grep -c '"group"' plain.jsonl)" 0 "jsonl: a job without groups has no group field"
is "$(python3 - <<'PY'
import xml.dom.minidom
page = open("mixed.html").read()
xml.dom.minidom.parseString(page.replace("<!DOCTYPE html>", ""))
print("By group" in page, page.count('class="spread"') >= 2, ">fast<" in page)
PY
)" "True True True" "html: the report has the table by group, with a bar per group"
is "$(python3 - <<'PY'
page = open("mixed.html").read()
print(page.count('class="line thin s-g'), 'k-g0' in page, 'k-g1' in page)
PY
)" "2 True True" "html: the percentile chart draws each group's curve, with a key"
"$SCRAPE" -q -n 5 "$TARGET/bytes/10" --html one.html >/dev/null 2>&1
is "$(grep -c 'By group' one.html)" 0 "html: one group, no table"

done_testing
