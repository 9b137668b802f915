#!/bin/sh
# SPDX-License-Identifier: MIT
# Ad-hoc clusters over Redis (scrape agent, --agents): three agents and a
# controller run a constant-rate job, the target's arrival log sees the
# whole job and the merged summary counts it; a threshold that fails on
# the merged run exits 1 (the agents serving their second job); an agent
# killed mid-run makes the verdict incomplete, naming its segment, exit 4
# within the heartbeat's bound; SIGTERM stops an agent cleanly; bad
# options and an unreachable Redis are one line, exit 2.
. "$TOP_SRCDIR/tests/lib.sh"
if ! command -v redis-server >/dev/null 2>&1; then
	echo "1..0 # SKIP redis-server is not installed"
	exit 0
fi
start_target
cd "$SCRATCH"
RPORT=$(free_port)
start_redis
REDIS="redis://127.0.0.1:$RPORT/0"
report() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
agent_keys() { redis-cli -p "$RPORT" --scan --pattern 'scrape:agents:agent:*' | wc -l; }
idle_agents() {
	[ "$(for k in $(redis-cli -p "$RPORT" --scan --pattern 'scrape:agents:agent:*'); do
		redis-cli -p "$RPORT" get "$k"; done | grep -c '^idle$')" -ge "$1" ]
}
arrivals() { curl -s "$TARGET/_log" | grep -c .; }

AGENTS=
for i in 1 2 3; do
	"$SCRAPE" agent --redis "$REDIS" >"agent-$i.out" 2>"agent-$i.err" &
	AGENTS="$AGENTS $!"
done
trap 'kill $AGENTS 2>/dev/null; stop_redis; cleanup' EXIT
check "three agents register" await 20 idle_agents 3

# ---- one job over three agents: 300/s for 3 s ----
cat >open.yaml <<EOF2
urls: ["$TARGET/bytes/10"]
strategy: event
rate: 300/s
duration: 3s
EOF2
reset_target
"$SCRAPE" -c open.yaml --agents "$REDIS" --agents-count 3 --format json --progress \
	>merged.json 2>controller.err
is "$?" 0 "the controller's verdict: all fine, exit 0"
got=$(arrivals)
is "$(python3 -c "import json; r=json.load(open('merged.json')); d=r['dropped']
print('ok' if abs($got + d - 900) <= 9 else 'off: %d arrived, %d dropped' % ($got, d))")" ok \
   "the server sees the job's 900 requests (within 1%, or what drops explain)"
is "$(report merged.json 'r["sent"], r["segments"]')" "$got 3" \
   "the merged summary counts every arrival, from 3 segments"
like "$(cat controller.err)" "agents running:" "the controller draws one progress line for the cluster"
check "its line counts the cluster's requests and rate as they come" \
	grep -Eq '3/3 agents running: [1-9][0-9]* done, [1-9][0-9]*/s' controller.err
for i in 1 2 3; do
	like "$(cat "agent-$i.err")" " of 3" "agent $i ran a segment"
done
is "$(redis-cli -p "$RPORT" --scan --pattern 'scrape:agents:[jer]*' | wc -l)" 0 \
   "the run's job, events and reports are removed after the verdict"

# ---- the second job: a threshold that fails on the merged run ----
check "the agents are idle again" await 20 idle_agents 3
cat >slow.yaml <<EOF2
urls: ["$TARGET/bytes/10"]
strategy: event
rate: 100/s
duration: 1s
thresholds: ["requests < 50"]
EOF2
"$SCRAPE" -q -c slow.yaml --agents "$REDIS" --agents-count 3 >slow.out 2>slow.err
is "$?" 1 "a threshold that fails on the merged run: exit 1"
like "$(cat slow.out)" "requests < 50" "the summary shows the failed threshold"

# ---- a job the agents cannot run: each segment's failure, its reason ----
check "the agents are idle for a job they cannot run" await 20 idle_agents 3
sed 's/strategy: event/strategy: nosuch/' open.yaml >nosuch.yaml
"$SCRAPE" -q -c nosuch.yaml --agents "$REDIS" --agents-count 3 >nosuch.out 2>nosuch.err
is "$?" 4 "a segment that fails to run makes the verdict incomplete: exit 4"
like "$(cat nosuch.err)" "segment 3 of 3 (agent $(hostname):" "it names each failed segment and its agent"
like "$(cat nosuch.err)" "failed: exit 2: " "with the agent's exit status"
like "$(cat nosuch.err)" "nosuch.yaml:2:11: unknown strategy \"nosuch\"" \
   "and its message, naming the job file as the controller's"

# ---- Ctrl-C on the controller stops the agents' segments too ----
check "the agents are idle for a job to interrupt" await 20 idle_agents 3
cat >stopped.yaml <<EOF2
urls: ["$TARGET/bytes/10"]
strategy: event
rate: 200/s
duration: 60s
EOF2
reset_target
"$SCRAPE" -q -c stopped.yaml --agents "$REDIS" --agents-count 3 >stopped.out 2>stopped.err &
ctl=$!
check "requests arrive before the interrupt" await 30 hits_reach /bytes/10 100
kill -INT "$ctl"
wait "$ctl"
is "$?" 130 "the controller stopped by SIGINT exits 130"
check "the agents stop their segments and are idle again (not after 60 s)" await 15 idle_agents 3
before=$(arrivals)
sleep 1
is "$(arrivals)" "$before" "no more requests arrive once they are idle"

# ---- an agent killed mid-run: incomplete, the segment named ----
check "the agents are idle for the third job" await 20 idle_agents 3
cat >long.yaml <<EOF2
urls: ["$TARGET/bytes/10"]
strategy: event
rate: 300/s
duration: 10s
EOF2
reset_target
"$SCRAPE" -q -c long.yaml --agents "$REDIS" --agents-count 3 >long.out 2>long.err &
ctl=$!
check "requests arrive from the cluster" await 30 hits_reach /bytes/10 200
victim=$(echo $AGENTS | cut -d' ' -f2)
seg=$(sed -n 's/.*segment \([0-9]*\) of 3.*/\1/p' agent-2.err | tail -1)
kill -9 "$victim"
killed_at=$(date +%s)
wait "$ctl"
status=$?
took=$(($(date +%s) - killed_at))
is "$status" 4 "the verdict is incomplete: exit 4"
like "$(cat long.err)" "incomplete: segment $seg of 3 (agent $(hostname):$victim) stopped reporting at" \
   "it names the missing segment and its agent"
check "it says so within 15 s of the kill (the heartbeat's 5 s and the run's end; took ${took}s)" \
	test "$took" -le 15

# ---- SIGTERM: an agent stops cleanly and deregisters ----
first=$(echo $AGENTS | cut -d' ' -f1)
check "the surviving agents go idle" await 20 idle_agents 2
kill -TERM "$first"
wait "$first"
is "$?" 0 "an agent stopped by SIGTERM exits 0"
is "$(agent_keys)" 1 "and its key is gone (one agent left)"

# ---- agents that do not come: the controller gives up, says so ----
t0=$(date +%s)
"$SCRAPE" -q -c open.yaml --agents "$REDIS" --agents-count 3 --agents-wait 1s >few.out 2>few.err
is "$?" 4 "--agents-wait 1s with 1 of 3 agents there: exit 4"
like "$(cat few.err)" "incomplete: after 1s, 1 of the 3 agents asked for was idle; nothing ran" \
   "it says how many came"
check "it gives up after the wait, not for ever ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -le 10
is "$(agent_keys)" 1 "the idle agent is left alone"

# ---- bad input: one line, exit 2 ----
"$SCRAPE" -c open.yaml --agents "$REDIS" --agents-count 2 --agents-wait soon >bad6.out 2>bad6.err
is "$?:$(wc -l <bad6.err)" "2:1" "--agents-wait soon: one line, exit 2"
"$SCRAPE" -c open.yaml --agents-wait 5s >bad7.out 2>bad7.err
is "$?:$(cat bad7.err)" "2:scrape: --agents-wait needs --agents redis://HOST:PORT/DB" "--agents-wait alone: one line, exit 2"
"$SCRAPE" agent --redis "http://127.0.0.1:$RPORT" >bad1.out 2>bad1.err
is "$?:$(wc -l <bad1.err)" "2:1" "a malformed redis URL: one line, exit 2"
like "$(cat bad1.err)" "is not a redis:// URL" "it says what is wrong"
"$SCRAPE" -c open.yaml --agents "redis://127.0.0.1:$(free_port)/0" --agents-count 2 >bad2.out 2>bad2.err
is "$?:$(wc -l <bad2.err)" "2:1" "an unreachable Redis: one line, exit 2"
"$SCRAPE" -c open.yaml --agents "$REDIS" --agents-count 0 >bad3.out 2>bad3.err
is "$?:$(wc -l <bad3.err)" "2:1" "--agents-count 0: one line, exit 2"
"$SCRAPE" -c open.yaml --agents "$REDIS" --agents-count 2 --segment 1/2 >bad4.out 2>bad4.err
is "$?:$(wc -l <bad4.err)" "2:1" "--agents with --segment: one line, exit 2"
"$SCRAPE" -c open.yaml --agents "$REDIS" >bad5.out 2>bad5.err
is "$?:$(wc -l <bad5.err)" "2:1" "--agents without --agents-count: one line, exit 2"
done_testing
