#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawls shared through Redis (frontier.redis), against a redis-server
# started here on a free port in a scratch directory (AOF on): three
# processes with different strategies crawl one site graph together and
# their records are the one-process crawl's, with no page fetched twice
# (the server's arrival log); per-host delays hold across the processes;
# max_pages is exact; a killed process's pages are taken over; a Redis
# restart mid-crawl loses nothing; seeds pushed to KEY_PREFIX:start_urls
# are crawled; bad servers, passwords and prefixes are one-line errors.
. "$TOP_SRCDIR/tests/lib.sh"
if ! command -v redis-server >/dev/null 2>&1; then
	echo "1..0 # SKIP redis-server is not installed"
	exit 0
fi
start_target
cd "$SCRATCH"
SIZE=200
REDIS_PID=

rcli() {
	redis-cli -p "$RPORT" "$@"
}
RPORT=$(free_port)
start_redis

# job PREFIX [EXTRA YAML LINES]: a crawl of the site graph shared under PREFIX
job() {
	prefix=$1
	shift
	printf 'urls: [%s/page/0?size=%s]\nparsers: [links]\ncrawl: {max_depth: 30}\n' "$TARGET" "$SIZE"
	printf 'frontier: {redis: "redis://127.0.0.1:%s/0", key_prefix: %s, lease: 2s}\n' "$RPORT" "$prefix"
	for line in "$@"; do
		printf '%s\n' "$line"
	done
}
# urls FILES...: the record URLs of JSONL files, one a line, sorted
urls() {
	cat "$@" | python3 -c '
import json, sys
out = []
for line in sys.stdin:
    try:
        out.append(json.loads(line)["url"])
    except ValueError:
        pass
print("\n".join(sorted(out)))'
}
# twice: page paths the server was asked for more than once
twice() {
	curl -s "$TARGET/_log" | awk '$4 != "/robots.txt" { print $4 }' | sort | uniq -d | wc -l
}

printf 'urls: [%s/page/0?size=%s]\nparsers: [links]\ncrawl: {max_depth: 30}\n' "$TARGET" "$SIZE" >one.yaml
"$SCRAPE" -q -c one.yaml -o one.jsonl >/dev/null 2>&1
urls one.jsonl >one.urls
is "$(wc -l <one.urls)" "$SIZE" "the one-process crawl records every page"

# three processes, three strategies
reset_target
job t1 >t1.yaml
# (background jobs are waited for by pid: a bare "wait" would wait for
# redis-server too)
pids=
for s in event threaded multiprocess; do
	"$SCRAPE" -q -s "$s" -c t1.yaml -o "t1-$s.jsonl" >"t1-$s.out" 2>&1 &
	pids="$pids $!"
done
wait $pids
urls t1-*.jsonl >t1.urls
is "$(diff one.urls t1.urls >/dev/null && echo same)" same "three processes: the records are the one-process crawl's"
is "$(uniq -d t1.urls | wc -l)" 0 "three processes: no URL is recorded twice"
is "$(twice)" 0 "three processes: the server saw no page twice"
ok "$([ "$(wc -l <t1-event.jsonl)" -gt 0 ] && [ "$(wc -l <t1-threaded.jsonl)" -gt 0 ] &&
	[ "$(wc -l <t1-multiprocess.jsonl)" -gt 0 ] && echo 0 || echo 1)" "three processes: each did part of it"
is "$(hits /robots.txt)" 1 "three processes: robots.txt is asked once"
is "$(rcli get t1:done)" "$SIZE" "Redis counts every page done"
is "$(rcli zcard t1:leases)" 0 "no lease is left"

# per-host delay across processes.  Redis hands out the host's turns at
# least the delay apart; each request reaches the server its own lag after
# its turn (longer on a busy machine or a sanitizer build).  So one gap
# between arrivals can be short by the difference of two lags, but the
# lags telescope: k consecutive gaps span k delays minus one lag
# difference, and the whole run spans (n-1) delays minus one.  The checks:
# any three consecutive gaps span at least two delays (three processes
# each keeping only its own delay would put three arrivals in one), and
# the mean gap is no more than 3% under the delay.
reset_target
SIZE=40
job t2 'per_host: {delay: 100ms}' >t2.yaml
pids=
for s in event threaded sequential; do
	"$SCRAPE" -q -s "$s" -c t2.yaml -o "t2-$s.jsonl" >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
curl -s "$TARGET/_log" | awk '$4 != "/robots.txt" { print $2 }' | sort -n >arrivals
# (arrival times are in microseconds; figures printed in ms)
set -- $(awk '{ t[NR] = $1 }
	END {
		if (NR < 4) { print -1, -1, -1; exit }
		for (i = 2; i <= NR; i++) { d = t[i] - t[i - 1]; if (i == 2 || d < gap) gap = d }
		for (i = 4; i <= NR; i++) { w = t[i] - t[i - 3]; if (i == 4 || w < win) win = w }
		print int(gap / 1000), int(win / 1000), int((t[NR] - t[1]) / (NR - 1) / 1000)
	}' arrivals)
gap=$1 win=$2 mean=$3
is "$(wc -l <arrivals)" 40 "per-host delay: every page fetched once"
ok "$([ "$win" -ge 200 ] && echo 0 || echo 1)" \
   "per-host delay: any three gaps between arrivals span two delays across processes (shortest ${win}ms, shortest gap ${gap}ms)"
ok "$([ "$mean" -ge 97 ] && echo 0 || echo 1)" "per-host delay: the mean gap is at least the delay (${mean}ms, delay 100ms)"
SIZE=200

# max_pages is exact across processes
reset_target
job t3 >t3.yaml
pids=
for s in event threaded sequential; do
	"$SCRAPE" -q -s "$s" --set crawl.max_pages=57 -c t3.yaml -o "t3-$s.jsonl" >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
is "$(urls t3-*.jsonl | wc -l)" 57 "max_pages: exactly 57 pages among three processes"
is "$(twice)" 0 "max_pages: no page fetched twice"

# a process killed mid-crawl: its leased pages go to the others
reset_target
job t4 >t4.yaml
"$SCRAPE" -q -s threaded -w 4 --set rate_limit=20/s -c t4.yaml -o t4-victim.jsonl >/dev/null 2>&1 &
victim=$!
sleep 1
for s in event sequential; do
	"$SCRAPE" -q -s "$s" --set rate_limit=200/s -c t4.yaml -o "t4-$s.jsonl" >/dev/null 2>&1 &
	eval "pid_$s=\$!"
done
sleep 0.5
kill -9 "$victim"
wait "$victim" "$pid_event" "$pid_sequential"
urls t4-*.jsonl | sort -u >t4.urls
is "$(diff one.urls t4.urls >/dev/null && echo same)" same "a killed process: the others crawl the rest, its pages too"
ok "$([ "$(rcli hget t4:stats leases_expired)" -gt 0 ] && echo 0 || echo 1)" \
	"a killed process: its leases expired and were handed on ($(rcli hget t4:stats leases_expired))"

# a transfer longer than its lease: the lease is renewed, so the page is
# not handed to the other process while it runs
reset_target
printf 'urls: [%s/delay/4000]\ncrawl: {max_depth: 0}\nfrontier: {redis: "redis://127.0.0.1:%s/0", key_prefix: t7, lease: 1s}\n' \
	"$TARGET" "$RPORT" >t7.yaml
pids=
for s in event threaded; do
	"$SCRAPE" -q -s "$s" -t 10s -c t7.yaml -o "t7-$s.jsonl" >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
is "$(hits /delay/4000)" 1 "a 4 s transfer under a 1 s lease: fetched once, its lease renewed"
is "$(urls t7-*.jsonl | wc -l)" 1 "and recorded once"

# Redis restarts mid-crawl (AOF on): the crawl completes
reset_target
job t5 >t5.yaml
pids=
for s in event threaded; do
	"$SCRAPE" -q -s "$s" --set rate_limit=100/s -c t5.yaml -o "t5-$s.jsonl" >"t5-$s.out" 2>&1 &
	pids="$pids $!"
done
sleep 1
stop_redis
sleep 0.3
start_redis
wait $pids
urls t5-*.jsonl >t5.urls
is "$(diff one.urls t5.urls >/dev/null && echo same)" same "a Redis restart mid-crawl: the crawl completes"
like "$(cat t5-*.out)" "reconnected to Redis" "a Redis restart: the processes say they reconnected"

# seeds pushed by another program, in scrapy-redis's shape
reset_target
printf 'parsers: [links]\ncrawl: {max_depth: 0}\nfrontier: {redis: "redis://127.0.0.1:%s/0", key_prefix: t6, items: true}\n' \
	"$RPORT" >t6.yaml
rcli rpush t6:start_urls "{\"url\": \"$TARGET/page/3?size=9\"}" "{\"url\": \"$TARGET/page/4?size=9\"}" \
	"not json" >/dev/null
"$SCRAPE" -q -c t6.yaml -o t6.jsonl >t6.out 2>&1
is "$?" 0 "start_urls: a job without urls crawls what was pushed"
is "$(urls t6.jsonl | wc -l)" 2 "start_urls: both seeds fetched"
like "$(cat t6.out)" "t6:start_urls: a seed that is not a JSON object is skipped" "start_urls: a bad seed is said"
is "$(rcli llen t6:items)" 2 "items: the records are pushed to KEY_PREFIX:items"

# bad input: one line each, exit 2, nothing fetched
reset_target
job t1 >other.yaml
sed -i "s|page/0?size=$SIZE|page/1?size=$SIZE|" other.yaml
out=$("$SCRAPE" -q -c other.yaml 2>&1)
is "$?" 2 "a prefix holding another crawl: exit 2"
like "$out" "Redis key prefix \"t1\" holds another crawl" "a prefix holding another crawl: said so"
is "$(printf '%s\n' "$out" | wc -l)" 1 "a prefix holding another crawl: one line"
dead=$(free_port)
sed "s|127.0.0.1:$RPORT|127.0.0.1:$dead|" t1.yaml >dead.yaml
out=$("$SCRAPE" -q -c dead.yaml 2>&1)
is "$?" 2 "an unreachable Redis: exit 2"
like "$out" "Redis at redis://127.0.0.1:$dead/0: cannot connect" "an unreachable Redis: said so"
is "$(hits /page/1)$(hits /page/0)" 00 "no bad frontier fetched anything"
like "$("$SCRAPE" --dry-run -c t1.yaml --set frontier.redis=http://x 2>&1)" \
	'is not a redis:// URL' "a URL that is not redis:// is a job error"
like "$("$SCRAPE" --dry-run -c t1.yaml --set frontier.lease=10ms 2>&1)" \
	'"frontier.lease" must be at least 1s' "a lease under a second is a job error"
like "$(printf 'urls: [http://x/]\nfrontier: {redis: "redis://h"}\n' >nocrawl.yaml; "$SCRAPE" --dry-run -c nocrawl.yaml 2>&1)" \
	'add a "crawl" section' "frontier without crawl is a job error"
out=$("$SCRAPE" --compare sequential -c t1.yaml 2>&1)
like "$out" "--compare shares no crawl (frontier.redis is ignored)" "--compare crawls alone, and says so"
stop_redis
RPASS=s3cret
start_redis --requirepass s3cret
out=$("$SCRAPE" -q -c t1.yaml 2>&1)
is "$?" 2 "no password for a Redis that wants one: exit 2"
like "$out" "cannot log in" "no password: said so"
sed "s|redis://127.0.0.1|redis://:wrong@127.0.0.1|" t1.yaml >wrong.yaml
like "$("$SCRAPE" -q -c wrong.yaml 2>&1)" "cannot log in" "a wrong password: said so"
sed "s|redis://127.0.0.1|redis://:s3cret@127.0.0.1|" t1.yaml >right.yaml
reset_target
"$SCRAPE" -q -c right.yaml -o right.jsonl >/dev/null 2>&1
is "$?" 0 "the right password: the crawl runs"
stop_redis
RPASS=

done_testing
