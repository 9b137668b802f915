#!/bin/sh
# SPDX-License-Identifier: MIT
# Adaptive politeness against targetd, timed from its arrival log: a 429
# with Retry-After pauses only its host (seconds and HTTP-date forms), a
# Retry-After beyond max_retry_after fails the request, load tests ignore
# it unless asked, exponential back-off gaps grow within their jitter
# bounds, and autothrottle slows down for a slowing server and recovers.
# Two hosts are one server under two names: 127.0.0.1 and b.test, which
# `resolve` pins to 127.0.0.1, so one log orders both.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
PORT=${TARGET##*:}
B="http://b.test:$PORT"
RESOLVE="resolve: [\"b.test:$PORT:127.0.0.1\"]"

# field FILE KEY: KEY of each record, one a line, in file order
field() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)[sys.argv[2]])' "$1" "$2"
}

# arrivals PATTERN: the log's microsecond times of targets matching PATTERN
arrivals() {
	curl -s "$TARGET/_log" | awk -v p="$1" '$4 ~ p { print $2 }'
}

# ---- Retry-After in seconds: only its host pauses ----
for s in threaded multiprocess; do
	reset_target
	{
		echo "urls:"
		echo "  - $TARGET/busy/ra?n=1&after=2"
		echo "  - $TARGET/bytes/2?a2"
		i=0
		while [ $i -lt 16 ]; do
			echo "  - $B/delay/150/bytes/1?b$i"
			# after the 429, which is the first answer
			[ $i -eq 0 ] && echo "  - $B/busy/rb?n=1&code=503"
			i=$((i + 1))
		done
		echo "$RESOLVE"
		echo "retries: 2"
		# the 503's retry falls due in the middle of the other host's pause
		echo "retry_delay: 300ms"
		# one at a time per host, so the host's next URL is still queued
		# when the 429 comes
		echo "per_host: {concurrency: 1}"
		echo "strategy: $s"
		echo "workers: 3"
		echo "output: {format: jsonl, path: ra.jsonl}"
	} >ra.yaml
	"$SCRAPE" -q -c ra.yaml >ra.out 2>&1
	is "$?" 0 "$s: a 429 with Retry-After: 2 is retried and the run succeeds"
	is "$(arrivals '^/busy/ra' | wc -l | tr -d ' ')" 2 "$s: the busy URL arrived twice"
	gap=$(arrivals '^/busy/ra' | awk 'NR==1{a=$1} NR==2{print $1-a}')
	is "$(awk -v g="$gap" 'BEGIN { print (g >= 1990000) ? "ok" : "early" }')" ok \
	   "$s: the retry came 2 s after the 429 or later (${gap} us)"
	first=$(arrivals '^/busy/ra' | head -n 1)
	a2=$(arrivals '^/bytes/2')
	is "$(awk -v a="$a2" -v f="$first" 'BEGIN { print (a - f >= 1990000) ? "ok" : "early" }')" ok \
	   "$s: the host's other URL waited for the pause too ($((a2 - first)) us)"
	during=$(curl -s "$TARGET/_log" | awk -v f="$first" '$4 ~ /\?b/ && $2 > f && $2 < f + 2000000' | wc -l)
	is "$(awk -v n="$during" 'BEGIN { print (n >= 4) ? "ok" : "held up" }')" ok \
	   "$s: the other host went on during the pause ($during arrivals)"
	rb=$(arrivals '^/busy/rb' | tail -n 1)
	is "$(awk -v r="$rb" -v f="$first" 'BEGIN { print (r > f && r < f + 2000000) ? "ok" : "held up" }')" ok \
	   "$s: the other host's retry did not wait for the pause ($((rb - first)) us)"
	is "$(grep -c '"status":200' ra.jsonl)" 19 "$s: every URL got its 200"
	is "$(python3 -c 'import json
for l in open("ra.jsonl"):
    r=json.loads(l)
    if "/busy/ra" in r["url"]: print(r["attempts"])')" 2 "$s: the busy URL's record counts 2 attempts"
done

# ---- Retry-After as an HTTP date ----
reset_target
cat >rd.yaml <<EOF2
urls: ["$TARGET/busy/rd?n=1&after=2&form=date"]
retries: 1
output: {format: jsonl, path: rd.jsonl}
EOF2
"$SCRAPE" -q -c rd.yaml >/dev/null 2>&1
is "$?|$(field rd.jsonl status)" "0|200" "an HTTP-date Retry-After is retried to a 200"
# the date has whole seconds: 2 s on the server's clock is 1 to 2 s here
gap=$(arrivals '^/busy/rd' | awk 'NR==1{a=$1} NR==2{print $1-a}')
is "$(awk -v g="$gap" 'BEGIN { print (g >= 990000 && g != "") ? "ok" : "early" }')" ok \
   "the retry waited for the date, at least 1 s of its 2 (${gap} us)"

# ---- too long: the request fails, nothing waits ----
reset_target
cat >rl.yaml <<EOF2
urls: ["$TARGET/busy/rl?n=5&after=3600", "$TARGET/bytes/1?after"]
retries: 3
max_retry_after: 10s
output: {format: jsonl, path: rl.jsonl}
EOF2
start=$(date +%s)
"$SCRAPE" -c rl.yaml >rl.out 2>&1
rc=$?
took=$(($(date +%s) - start))
is "$rc|$(field rl.jsonl error | head -n 1)" "1|retry-after too long" \
   "a Retry-After over max_retry_after fails as \"retry-after too long\""
is "$(arrivals '^/busy/rl' | wc -l | tr -d ' ')|$(arrivals '^/bytes/1' | wc -l | tr -d ' ')" "1|1" \
   "it is not retried, and the host is not paused"
is "$(awk -v t="$took" 'BEGIN { print (t < 10) ? "ok" : "waited" }')" ok "the run did not wait ($took s)"
like "$(cat rl.out)" "retry-after too long" "the summary names the failure"

# ---- a load test keeps today's behaviour unless it asks ----
reset_target
"$SCRAPE" -q --set requests=2 --set retries=1 "$TARGET/busy/lt?n=1&after=5" >/dev/null 2>&1
gap=$(arrivals '^/busy/lt' | awk 'NR==1{a=$1} NR==2{print $1-a}')
is "$(awk -v g="$gap" 'BEGIN { print (g != "" && g < 2000000) ? "ok" : "waited" }')" ok \
   "a load test ignores Retry-After: the retry goes after retry_delay (${gap} us)"
reset_target
"$SCRAPE" -q --set requests=2 --set retries=1 --set retry_after=true "$TARGET/busy/lu?n=1&after=1" \
	>/dev/null 2>&1
gap=$(arrivals '^/busy/lu' | awk 'NR==1{a=$1} NR==2{print $1-a}')
is "$(awk -v g="$gap" 'BEGIN { print (g >= 990000) ? "ok" : "early" }')" ok \
   "with retry_after: true a load test obeys it (${gap} us)"

# ---- exponential back-off: d = min(max, delay * 2^(n-1)), waits in [d/2, d] ----
reset_target
cat >ex.yaml <<EOF2
urls: ["$TARGET/busy/ex?n=4&code=503"]
retries: 4
retry_delay: 200ms
retry_backoff: exponential
retry_max_delay: 1s
output: {format: jsonl, path: ex.jsonl}
EOF2
"$SCRAPE" -q -c ex.yaml >/dev/null 2>&1
is "$?|$(field ex.jsonl status)|$(field ex.jsonl attempts)" "0|200|5" \
   "four 503s without Retry-After, then a 200 at attempt 5"
# each gap is the wait plus one answer and a turn of the loop: the wait is
# at least d/2 and at most d, whatever else the machine does; the rest is
# measured by the first attempt's round trip, plus 500 ms for a busy core
gaps=$(arrivals '^/busy/ex' | awk 'NR>1 { printf "%d ", $1 - p } { p = $1 }')
verdict=$(echo "$gaps" | awk '{
	split("200000 400000 800000 1000000", d, " ")
	bad = ""
	for (i = 1; i <= 4; i++) {
		if ($i < d[i] / 2) bad = bad " gap" i "<d/2"
		if ($i > d[i] + 500000) bad = bad " gap" i ">d+0.5s"
	}
	if (!($3 > $1 * 1.5)) bad = bad " gap3 not 1.5x gap1"
	if (!($4 > $2 * 1.2)) bad = bad " gap4 not 1.2x gap2"
	print bad == "" ? "ok" : bad }')
is "$verdict" ok "exponential gaps within [d/2, d] and growing: $gaps us"

# ---- autothrottle: a slowing server is asked less often, then more again ----
reset_target
curl -s "$TARGET/_slow/at/20" >/dev/null
cat >at.yaml <<EOF2
urls: ["$TARGET/slow/at"]
duration: 7s
strategy: threaded
workers: 4
autothrottle: {target_concurrency: 1, start_delay: 50ms, max_delay: 3s}
EOF2
"$SCRAPE" -v -c at.yaml --report at.json >at.out 2>at.err &
pid=$!
sleep 2
curl -s "$TARGET/bytes/0?slow" >/dev/null
curl -s "$TARGET/_slow/at/400" >/dev/null
sleep 2.5
curl -s "$TARGET/bytes/0?fast" >/dev/null
curl -s "$TARGET/_slow/at/20" >/dev/null
wait $pid
is "$?" 0 "the autothrottled load test ran"
# starts per second in each phase, leaving each change 1 s to take hold
rates=$(curl -s "$TARGET/_log" | awk '
	$4 ~ /slow$/ { slow = $2 } $4 ~ /fast$/ { fast = $2 }
	$4 ~ /^\/slow\/at/ { t[++n] = $2 }
	END {
		for (i = 1; i <= n; i++) {
			if (t[i] >= 500000 + t[1] && t[i] < slow) a++
			if (t[i] >= slow + 1000000 && t[i] < fast) b++
			if (t[i] >= fast + 1000000 && t[i] < fast + 2500000) c++
		}
		printf "%.1f %.1f %.1f", a / ((slow - t[1] - 500000) / 1e6),
		       b / ((fast - slow - 1000000) / 1e6), c / 1.5 }')
verdict=$(echo "$rates" | awk '{ print ($2 * 3 < $1 && $3 > $2 * 3) ? "ok" : "no" }')
is "$verdict" ok "requests/s at 20 ms, at 400 ms and at 20 ms again: $rates"
like "$(cat at.err)" "autothrottle: $TARGET: delay" "-v says when a host's delay changes"
like "$(cat at.out)" "autothrottle: delay per host" "the summary has the delay per host"
check "the report has each host's delay and its range" python3 -c '
import json, sys
a = json.load(open("at.json"))["autothrottle"]
d = a["delays"][0]
assert a["hosts"] == 1 and d["host"] == sys.argv[1], a
assert d["most"] >= 0.2 and d["delay"] < d["most"] and d["least"] <= d["delay"], d
assert d["answers"] > 10 and a["min_delay"] == a["max_delay"] == d["delay"], a
' "$TARGET"

# ---- bad values given on the command line ----
# refused SETTING MESSAGE NAME: --set SETTING is refused with MESSAGE
refused() {
	like "$("$SCRAPE" --dry-run --set "$1" "$TARGET/" 2>&1)" "$2" "$3"
}
refused 'autothrottle={start_delay: 0s}' \
	'"autothrottle.start_delay" must be more than 0s (an error doubles it), got "0s"' \
	"autothrottle.start_delay 0s is refused"
refused 'autothrottle={target_latency: 0ms}' '"autothrottle.target_latency" must be more than 0s, got "0ms"' \
	"autothrottle.target_latency 0 is refused"
refused 'autothrottle=fast' '"autothrottle" must be a map with target_concurrency or target_latency' \
	"autothrottle must be a map"
refused 'autothrottle={start_delay: 5s, max_delay: 2s}' \
	'"autothrottle.start_delay" (5s) is longer than "autothrottle.max_delay" (2s)' \
	"start_delay beyond max_delay is refused"
refused 'retry_max_delay=0s' '"retry_max_delay" must be more than 0s, got "0s"' "retry_max_delay 0s is refused"

done_testing
