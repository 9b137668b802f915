#!/bin/sh
# SPDX-License-Identifier: MIT
# One set of semantics under every strategy: the same job gives the same
# results (parity), every request gives exactly one record, batches do not
# overlap, the rate limit holds, a killed worker process loses nothing but
# its own request, and SIGINT leaves valid output whose count matches the
# summary.  The lean strategy, which follows no redirects, is held against
# event with redirects off on the same jobs.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
CURL_STRATEGIES="sequential threaded event multiprocess"
STRATEGIES="$CURL_STRATEGIES lean"


cat >parity.yaml <<EOF2
urls:
  - $TARGET/delay/20/html/10966
  - $TARGET/html/276
  - $TARGET/status/404
  - $TARGET/redirect/2
  - $TARGET/fault/hang
  - $TARGET/fault/reset
  - $TARGET/status/503
  - $TARGET/bytes/5000
repeat: 3
timeout: 400ms
retries: 1
max_body: 4k
workers: 4
parsers: [size]
EOF2
for s in $CURL_STRATEGIES; do
	"$SCRAPE" -c parity.yaml -s "$s" -o "parity-$s.jsonl" >"parity-$s.out" 2>&1
	is "$?" 1 "$s: the mixed job exits 1 (some requests fail)"
	is "$(json_lines "parity-$s.jsonl")" 24 "$s: 24 requests, 24 records"
	like "$(cat "parity-$s.out")" "Downloaded 24 sites" "$s: the summary counts 24"
	parity_digest "parity-$s.jsonl" >"digest-$s.txt"
done
for s in threaded event multiprocess; do
	if cmp -s digest-sequential.txt "digest-$s.txt"; then
		ok 0 "parity: $s gives the same results as sequential"
	else
		ok 1 "parity: $s gives the same results as sequential"
		diff digest-sequential.txt "digest-$s.txt" | sed 's/^/# /'
	fi
done
like "$(cat digest-sequential.txt)" "fault/hang 0 0 timeout None 2" "the digest covers timeouts and retries"

# lean_parity JOB NAME: lean and event give the same digest, with
# compression off (lean has none)
lean_parity() {
	for s in event lean; do
		"$SCRAPE" -q -c "$1" -s "$s" --set compressed=false -o "$2-$s.jsonl" >/dev/null 2>&1
		echo "exit $?" >"$2-$s.txt"
		parity_digest "$2-$s.jsonl" >>"$2-$s.txt"
	done
	if cmp -s "$2-event.txt" "$2-lean.txt"; then
		ok 0 "parity: lean gives the same results as event on $1"
	else
		ok 1 "parity: lean gives the same results as event on $1"
		diff "$2-event.txt" "$2-lean.txt" | sed 's/^/# /'
	fi
}
lean_parity parity.yaml lean1
like "$(cat lean1-lean.txt)" "redirect/2 200 20 None 20 1" "lean: a redirect chain is followed to its end"

# a second job: URLs from a file, batches, a rate limit, a parser plugin
# with options, a POST body, every response different
awk -v t="$TARGET" 'BEGIN { for (i = 1; i <= 30; i++) printf "%s/html/%d\n", t, 200 + 37 * i
	print t "/echo"; print t "/status/418"; print t "/redirect/1" }' >parity2.txt
cat >parity2.yaml <<EOF2
url_file: parity2.txt
repeat: 2
batch_size: 7
rate_limit: 400/s
burst: 4
method: POST
body: parity-body
workers: 3
parsers:
  - size
  - {name: $SKELETON_DIR/parser_skeleton.so, word: "e", ignore_case: true}
EOF2
for s in $CURL_STRATEGIES; do
	"$SCRAPE" -q -c parity2.yaml -s "$s" -o "parity2-$s.jsonl" >/dev/null 2>&1
	is "$?" 1 "$s: the second job exits 1 (a 418 among them)"
	python3 -c 'import json,sys
rows=sorted("%s %s %s %s %s %s" % (r["url"].split("/",3)[3], r["status"], r["bytes"], r["error"], r.get("size"), r.get("word_count")) for r in map(json.loads, open(sys.argv[1])))
print("\n".join(rows))' "parity2-$s.jsonl" >"digest2-$s.txt"
	is "$(wc -l <"digest2-$s.txt" | tr -d ' ')" 66 "$s: 66 records"
done
for s in threaded event multiprocess; do
	if cmp -s digest2-sequential.txt "digest2-$s.txt"; then
		ok 0 "parity: $s matches sequential on the second job too"
	else
		ok 1 "parity: $s matches sequential on the second job too"
		diff digest2-sequential.txt "digest2-$s.txt" | sed 's/^/# /'
	fi
done
like "$(cat digest2-sequential.txt)" "echo 200" "the second digest covers the POST echo"
lean_parity parity2.yaml lean2
like "$(cat digest-sequential.txt)" "bytes/5000 200 0 body too large None 1" "and the body cap, before any byte is kept"

# ---- batches: no request of batch k+1 arrives before batch k is done ----
for s in $STRATEGIES; do
	reset_target
	"$SCRAPE" -q -s "$s" -w 3 -b 3 -n 4 "$TARGET/delay/150/bytes/1" \
		"$TARGET/delay/150/bytes/2" "$TARGET/delay/150/bytes/3" >/dev/null 2>&1
	gaps=$(curl -s "$TARGET/_log" | awk '{ t[NR] = $2 } END {
		bad = 0
		for (b = 1; b * 3 < NR; b++) {
			last = 0; for (i = b * 3 - 2; i <= b * 3; i++) if (t[i] > last) last = t[i]
			if (t[b * 3 + 1] - last < 140000) bad++
		}
		print NR, bad }')
	is "$gaps" "12 0" "$s: 4 batches of 3, each starting after the previous one finished"
done

# ---- rate limit: 151 starts at 50/s span 3 s ----
# paced URL N INTERVAL_MS: checks the server's arrival log (of URL's host)
# against a rate limit of one start every INTERVAL_MS.  N starts arrived.
# Never faster than the limit: the limiter forgives a start up to 20 ms of
# lateness (CATCH_UP_NS in ratelimit.c), so a second holds at most one
# start more than the rate, and one more for the log's own timing.  Paced
# at the limit: a busy machine delays some starts, which the log shows as
# a long gap and, the limiter catching up, a short one after it; the span
# then grows by whatever the machine held a start back beyond the 20 ms.
# Such starts are a minority, so the median gap is the interval (within
# 5%), while a limiter that sleeps too long moves every gap.  The log is
# the server's clock, and the server too can be held up: what arrived
# meanwhile is logged at once when it resumes, so one second of log can
# hold the starts of a second and of the hold-up; a worker process held up
# before it sends does the same.  The longest gap bounds a hold-up (nothing
# was logged during it), and one can end a second's window at either end,
# so a second may hold as many more starts as fit in twice the longest gap
# beyond the interval.  Prints "ok", or why not, and the figures.
paced() {
	curl -s "$1/_log" | python3 -c '
import sys
n, interval = int(sys.argv[1]), float(sys.argv[2]) * 1000
t = [int(l.split()[1]) for l in sys.stdin if l.strip()] or [0]
g = sorted(b - a for a, b in zip(t, t[1:])) or [0]
median = g[len(g) // 2]
most = max(sum(1 for u in t if s <= u < s + 1e6) for s in t)
why = []
if len(t) != n: why.append("%d starts" % len(t))
held = max(0, g[-1] - interval)
if most > (1e6 + 2 * held) / interval + 2: why.append("%d in a second, longest gap %.1f ms" % (most, g[-1] / 1e3))
if abs(median - interval) > 0.05 * interval: why.append("median gap %.1f ms" % (median / 1e3))
print("%s (%d starts over %d us, at most %d a second, gaps %.1f ms median, %.1f-%.1f ms the middle half)" %
      ("ok" if not why else "off: " + ", ".join(why), len(t), t[-1] - t[0], most, median / 1e3,
       g[len(g) // 4] / 1e3, g[3 * len(g) // 4] / 1e3))' "$2" "$3"
}
for s in $STRATEGIES; do
	reset_target
	"$SCRAPE" -q -s "$s" -w 4 -n 151 -r 50/s "$TARGET/bytes/1" >/dev/null 2>&1
	got=$(paced "$TARGET" 151 20)
	is "${got%% *}" ok "$s: rate_limit 50/s holds over 3 s: $got"
done

# ---- per-host limits: each host on its own, neither holds up the other ----
start_target2
for s in $STRATEGIES; do
	reset_target
	curl -s "$TARGET2/_reset" >/dev/null
	"$SCRAPE" -q -s "$s" -w 8 -n 6 --set 'per_host={concurrency: 2}' \
		"$TARGET/delay/300/bytes/1" "$TARGET2/delay/10/bytes/2" >/dev/null 2>&1
	# arrivals at host A come in pairs 300 ms apart
	pairs=$(curl -s "$TARGET/_log" | awk '{ t[NR] = $2 } END {
		bad = 0
		for (i = 3; i <= NR; i++) if (t[i] - t[i - 2] < 280000) bad++
		print NR, bad }')
	if [ "$s" = sequential ]; then
		is "$pairs" "6 0" "$s: per_host concurrency keeps host A at its limit"
	else
		is "$pairs" "6 0" "$s: per_host concurrency 2: host A never has 3 in flight"
		# held up, one of B's requests would wait for an answer of A's,
		# which comes 300 ms after A's first arrival at the earliest
		b_done=$(curl -s "$TARGET2/_log" | awk 'NR==1{a=$2} {b=$2} END {print b-a}')
		is "$(awk -v s="$b_done" 'BEGIN { print (s < 300000) ? "ok" : "held up" }')" ok \
		   "$s: host B is not held up by host A (its 6 requests within ${b_done} us)"
	fi
done
# In parallel: the run takes about one host's second, not the two one
# after the other would.  What a run costs beyond its requests (start-up,
# plugins, exit; much more under a sanitizer) is measured, not assumed:
# the same strategy fetching one URL once.
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
for s in threaded event multiprocess lean; do
	start=$(date +%s%N)
	"$SCRAPE" -q -s "$s" -w 4 "$TARGET/bytes/1" >/dev/null 2>&1
	overhead=$(ms_since "$start")
	reset_target
	curl -s "$TARGET2/_reset" >/dev/null
	start=$(date +%s%N)
	"$SCRAPE" -q -s "$s" -w 4 -n 11 --set 'per_host={rate: 10/s}' \
		"$TARGET/bytes/1" "$TARGET2/bytes/2" >/dev/null 2>&1
	wall=$(ms_since "$start")
	got_a=$(paced "$TARGET" 11 100)
	got_b=$(paced "$TARGET2" 11 100)
	is "${got_a%% *} ${got_b%% *}" "ok ok" "$s: per_host rate 10/s holds for each host: $got_a; $got_b"
	is "$(awk -v w="$wall" -v o="$overhead" 'BEGIN { print (w - o < 1500) ? "ok" : "off" }')" ok \
	   "$s: and for both in parallel (${wall} ms in all, ${overhead} ms for a run of one request: 1 s more in parallel, 2 s one host after the other)"
done

# host names are one host in any case
port=${TARGET##*:}
for s in event lean; do
	reset_target
	"$SCRAPE" -q -s $s -w 4 --set "resolve=[example.test:$port:127.0.0.1, EXAMPLE.test:$port:127.0.0.1]" \
		--set 'per_host={concurrency: 1}' "http://Example.TEST:$port/delay/200/bytes/1" \
		"http://example.test:$port/delay/200/bytes/2" >/dev/null 2>&1
	gap=$(curl -s "$TARGET/_log" | awk 'NR==1{a=$2} {b=$2} END {print b-a}')
	is "$(awk -v g="$gap" 'BEGIN { print (g >= 190000) ? "ok" : "two hosts" }')" ok \
	   "$s: per_host: Example.TEST and example.test are one host (second request ${gap} us later)"
done

# ---- event and lean keep many transfers in flight ----
for s in event lean; do
	reset_target
	"$SCRAPE" -q -s $s -w 1000 -n 1000 -o many.jsonl "$TARGET/delay/500/bytes/1" >/dev/null 2>&1
	ok $? "$s: 1000 transfers at once all succeed"
	span=$(curl -s "$TARGET/_log" | awk 'NR==1{a=$2} {b=$2} END {print b-a}')
	is "$(awk -v s="$span" 'BEGIN { print (s < 500000) ? "ok" : "serial" }')" ok \
	   "$s: all 1000 requests arrived before the first answer (within ${span} us)"
	is "$(json_lines many.jsonl)" 1000 "$s: 1000 records"
done

# ---- a killed worker process ----
"$SCRAPE" -q -s multiprocess -w 4 -n 40 -o killed.jsonl "$TARGET/delay/200/bytes/3" >killed.out 2>&1 &
pid=$!
sleep 0.5
child=$(pgrep -P $pid | head -1)
kill -9 "$child"
wait $pid
is "$?" 1 "multiprocess: a killed worker makes the run exit 1"
is "$(json_lines killed.jsonl)" 40 "multiprocess: still one record per request"
is "$(grep -c '"error":"worker died"' killed.jsonl)" 1 "multiprocess: exactly the killed worker's request failed as 'worker died'"
"$SCRAPE" -q -s multiprocess -w 4 -n 40 --retries 1 -o killed.jsonl "$TARGET/delay/200/bytes/3" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -9 "$(pgrep -P $pid | head -1)"
wait $pid
is "$?" 0 "multiprocess: with retries the killed worker's request is retried and succeeds"
is "$(grep -c '"attempts":2' killed.jsonl)" 1 "multiprocess: that request took 2 attempts"

# ---- a worker that stops answering (a parser that never returns) ----
# timeout 1s: the worker ends itself after 1s + 5s of grace; the run goes
# on, the other requests are untouched and the stuck one says why.
printf 'urls: [%s/bytes/3?a, %s/bytes/3?stall, %s/bytes/3?b]\nparsers: [stall]\ntimeout: 1s\n' \
	"$TARGET" "$TARGET" "$TARGET" >stall.yaml
t0=$(date +%s)
timeout 60 "$SCRAPE" -q -s multiprocess -w 2 --plugin-dir "$TEST_PLUGIN_DIR" -c stall.yaml -o stall.jsonl \
	>stall.out 2>&1
is "$?" 1 "multiprocess: a worker that stops answering makes the run exit 1, not hang"
is "$(json_lines stall.jsonl)" 3 "multiprocess: one record per request with a stuck worker"
is "$(grep -c '"error":"worker stopped answering (ended after 6s)"' stall.jsonl)" 1 \
	"multiprocess: the stuck request says why"
ok "$([ $(($(date +%s) - t0)) -lt 30 ] && echo 0 || echo 1)" "multiprocess: the stuck worker is ended within its limit"

# ---- SIGINT mid-run: valid output, counts agree, under every strategy ----
for s in $STRATEGIES; do
	rm -f "int-$s.jsonl"
	"$SCRAPE" -s "$s" -w 4 -n 100 -o "int-$s.jsonl" "$TARGET/delay/200/bytes/5" >"int-$s.out" 2>&1 &
	pid=$!
	await 60 lines_reach "int-$s.jsonl" 1
	kill -INT $pid
	wait $pid
	rc=$?
	n=$(json_lines "int-$s.jsonl")
	is "$rc" 130 "$s: SIGINT exits 130"
	like "$(cat "int-$s.out")" "Downloaded $n sites" "$s: the summary counts the $n records written"
	check "$s: stopped early" test "$n" -lt 100
done

done_testing
