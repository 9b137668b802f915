#!/bin/sh
# SPDX-License-Identifier: MIT
# --compare, --format json, the progress line, and stopping a transfer
# that hangs: the user-facing views of a run.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# ---- the comparison table ----
"$SCRAPE" --compare -w 5 -n 20 "$TARGET/delay/50/bytes/10" >table.txt 2>table.err
ok $? "--compare of a clean job exits 0"
is "$(sed -n 1p table.txt | awk '{print $1, $2, $3, $4, $9}')" "strategy workers wall_s req/s failed" "the table has its header"
is "$(awk 'NR>1 {print $1}' table.txt | tr '\n' ' ')" "sequential threaded event multiprocess lean " "all five strategies by default, in order"
is "$(awk 'NR>1 {print $1 "=" $2}' table.txt | tr '\n' ' ')" "sequential=1 threaded=5 event=5 multiprocess=5 lean=5 " \
   "each with the job's workers, but sequential with 1: it runs one transfer at a time"
# Each request waits 50 ms at the server: sequential makes 20 such waits
# one after another, event with 5 workers 4 rounds.  Those are the lower
# bounds; above them, whatever a request costs besides its wait (more on
# a busy machine or under a sanitizer) is the same per request in both, so
# the upper bounds come from the other strategy's measured time: event's
# round at most what 5 sequential requests take, sequential's request at
# most twice what a round of event's takes.
seq_s=$(awk 'NR==2 { print $3 }' table.txt)
event_s=$(awk 'NR==4 { print $3 }' table.txt)
is "$(awk -v s="$seq_s" -v e="$event_s" 'BEGIN { print (s >= 0.95 && s / 20 <= 2 * e / 4) ? "ok" : s }')" ok \
   "sequential takes about 20 x 50 ms ($seq_s s; event's rounds $event_s s)"
is "$(awk -v s="$seq_s" -v e="$event_s" 'BEGIN { print (e >= 0.19 && e / 4 <= 5 * s / 20) ? "ok" : e }')" ok \
   "event with 5 workers about 4 x 50 ms ($event_s s)"
is "$(grep -c 'running the job with strategy' table.err)" 5 "progress of the comparison goes to stderr"

"$SCRAPE" --compare sequential,event --format json -n 4 "$TARGET/bytes/10" >table.json 2>/dev/null
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(r["strategy"] for r in d), d[0]["requests"], d[1]["failed"], d[0]["peak_rss_bytes"] > 0, d[1]["cpu_seconds"] >= 0)' table.json)" \
   "sequential event 4 0 True True" "--compare LIST --format json gives one object per strategy"
"$SCRAPE" --compare sequential,event --format json -w 3 -n 4 "$TARGET/bytes/10" >workers.json 2>/dev/null
is "$(python3 -c 'import json,sys; print([r["workers"] for r in json.load(open(sys.argv[1]))])' workers.json)" \
   "[1, 3]" "--format json shows sequential with 1 worker, the others with the job's"

# lean cannot decode compressed bodies: left out of the default list,
# refused when named
"$SCRAPE" --compare --set compressed=true -n 2 "$TARGET/bytes/10" >nocomp.txt 2>/dev/null
is "$(awk 'NR>1 {print $1}' nocomp.txt | tr '\n' ' ')" "sequential threaded event multiprocess " \
   "--compare leaves out a strategy that cannot run the job"
"$SCRAPE" --compare event,lean --set compressed=true -n 2 "$TARGET/bytes/10" >/dev/null 2>refused.err
is "$?" 2 "--compare with a strategy that cannot run the job named is a usage error"
like "$(cat refused.err)" "the lean strategy does not support compressed bodies" "and says why"

reset_target
"$SCRAPE" --compare threaded,multiprocess -w 2 -n 3 -o ignored.jsonl "$TARGET/bytes/10" >/dev/null 2>compare.err
like "$(cat compare.err)" "writes no records" "--compare says it writes no records"
check "and writes none" test ! -e ignored.jsonl
is "$(hits /bytes/10)" 6 "each strategy ran the whole job once"

"$SCRAPE" --compare sequential,event -n 2 "$TARGET/status/500" >/dev/null 2>&1
is "$?" 1 "--compare exits 1 when runs had failures"
"$SCRAPE" --compare sequential,nosuch -n 1 "$TARGET/bytes/1" >/dev/null 2>nosuch.err
is "$?" 2 "--compare with an unknown strategy is a usage error"
is "$(cat nosuch.err)" "scrape: --compare: unknown strategy \"nosuch\"" "and says which, before running anything"

# ---- JSON summary ----
"$SCRAPE" -q --format json -n 3 "$TARGET/bytes/7" "$TARGET/status/404" >sum.json
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["requests"], d["ok"], d["failed"], d["failed_by_reason"], d["bytes"] >= 21)' sum.json)" \
   "6 3 3 {'http 404': 3} True" "--format json prints the summary as one object"
"$SCRAPE" --format yaml "$TARGET/bytes/7" >/dev/null 2>&1
is "$?" 2 "--format takes only text or json"

# ---- progress line: forced on, it draws and then erases itself ----
"$SCRAPE" -q --progress -n 8 "$TARGET/delay/150/bytes/1" >/dev/null 2>progress.err
like "$(cat progress.err)" "/8 " "--progress draws done/total"
like "$(cat progress.err)" "req/s" "with a rate"
like "$(cat progress.err)" "ETA" "and an ETA"
is "$(tail -c 4 progress.err | od -An -c | tr -d ' ')" '\r033[K' "the line is erased at the end"
"$SCRAPE" -q -n 8 "$TARGET/delay/150/bytes/1" >/dev/null 2>noprogress.err
is "$(wc -c <noprogress.err | tr -d ' ')" 0 "no progress line when stderr is not a terminal"
"$SCRAPE" -n 8 "$TARGET/delay/150/bytes/1" >/dev/null 2>noprogress.err
is "$(wc -c <noprogress.err | tr -d ' ')" 0 "nor without -q"

# ---- on a terminal, -q keeps the progress line ----
# script(1) gives the run a pseudo-terminal for stdout and stderr alike.
# 200 requests at 200/s take at least a second whatever the machine's
# load, so the line (drawn every 250 ms) is drawn a few times.
on_pty() {   # on_pty FILE ARGS...: runs scrape ARGS on a terminal, output to FILE
	f=$1
	shift
	script -qfec "$(printf '%s ' "$SCRAPE" "$@")" /dev/null </dev/null >"$f" 2>&1
}
if command -v script >/dev/null 2>&1; then
	on_pty pty-q.out -q -n 200 -r 200/s "$TARGET/bytes/1"
	ok $? "-q on a terminal exits 0"
	like "$(cat pty-q.out)" "/200 " "-q on a terminal still draws the progress line"
	like "$(cat pty-q.out)" "ETA" "with its ETA"
	like "$(cat pty-q.out)" "Downloaded 200 sites" "and the summary follows"
	is "$(grep -c '^Read ' pty-q.out)" 0 "but no per-download lines"
	on_pty pty-noprogress.out -q --no-progress -n 200 -r 200/s "$TARGET/bytes/1"
	is "$(grep -c 'ETA' pty-noprogress.out)" 0 "--no-progress hides it on a terminal too"
	like "$(cat pty-noprogress.out)" "Downloaded 200 sites" "leaving the summary"
else
	echo "# skip: no script(1) for a pseudo-terminal"
fi

# ---- SIGINT ends a hanging transfer at once, under every strategy ----
# "At once": libcurl asks the core whether to go on at least once a
# second of an idle transfer, and a waiting worker looks every 100 ms; on
# top of that, the exit costs what it costs any run here (start-up and
# exit of a run of one request, measured, twice over for a busy machine).
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
for s in sequential threaded event multiprocess lean; do
	start=$(date +%s%N)
	"$SCRAPE" -q -s "$s" -w 2 "$TARGET/bytes/1" >/dev/null 2>&1
	overhead=$(ms_since "$start")
	n0=$(hits /fault/hang)
	"$SCRAPE" -s "$s" -w 2 -o "hang-$s.jsonl" "$TARGET/fault/hang" "$TARGET/fault/hang" >hang.out 2>&1 &
	pid=$!
	await 60 hits_reach /fault/hang $((n0 + 1))
	kill -INT $pid
	start=$(date +%s%N)
	wait $pid
	rc=$?
	waited=$(ms_since "$start")
	is "$rc" 130 "$s: SIGINT during a hanging transfer exits 130"
	is "$(awk -v w="$waited" -v o="$overhead" 'BEGIN { print (w < 1100 + 2 * o) ? "prompt" : "slow: " w " ms" }')" prompt \
	   "$s: and does so promptly ($waited ms; a run of one request takes $overhead ms)"
	like "$(cat "hang-$s.jsonl")" '"error":"interrupted"' "$s: the transfer is recorded as interrupted"
done

# ---- a retry that never started keeps the last attempt's figures ----
n0=$(hits /status/503)
"$SCRAPE" -q --retries 5 --set retry_delay=10s -o retry.jsonl "$TARGET/status/503" >/dev/null 2>&1 &
pid=$!
await 60 hits_reach /status/503 $((n0 + 1))
sleep 0.2 # the answer reaches the run, which then waits out retry_delay
kill -INT $pid
wait $pid
is "$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["status"], r["attempts"], r["error"])' retry.jsonl)" \
   "503 1 http 503" "a request stopped while waiting to retry reports its last attempt"

done_testing
