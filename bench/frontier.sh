#!/bin/sh
# SPDX-License-Identifier: MIT
# The crawl frontier's cost.  Part 1: a crawl of the target server's site
# graph of SIZE pages, with the frontier in memory, in a crawl.state file
# (SQLite) and in Redis (one process), side by side, ROUNDS times each,
# alternating: pages/s, CPU and peak RSS.  Part 2: the same crawl through
# Redis by 1, 2 and 3 processes, on the fast site and on a slow one (each
# page answered after 20 ms), with Redis round trips per page.  Part 3:
# peak RSS of a crawl whose queue holds QUEUE URLs (a URL file of that many
# seeds, which a crawl with a state queues up front), fetching 1000 of
# them.  Redis parts need redis-server.  Usage:
#
#   bench/frontier.sh [BUILD_DIR] [SIZE] [QUEUE] [ROUNDS]
set -eu
size=${2:-20000}
queue=${3:-1000000}
rounds=${4:-3}
. "$(dirname "$0")/lib.sh"

job() {   # job STATE_LINE: a crawl of the site graph
	cat <<JOB
urls: [$target/page/0?size=$size]
parsers: [links]
crawl: {max_depth: 1000$1}
output: $tmp/out.jsonl
JOB
}
job "" >"$tmp/memory.yaml"
job ", state: $tmp/state.db" >"$tmp/state.yaml"
frontiers="memory state"
if command -v redis-server >/dev/null 2>&1; then
	rport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$tmp/redis"
	redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp/redis" --save '' --appendonly no \
		--logfile "$tmp/redis/log" --daemonize yes --pidfile "$tmp/redis/pid"
	trap 'kill $server $(cat "$tmp/redis/pid" 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT
	until redis-cli -p "$rport" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
	# job_redis PREFIX [DELAY_MS]: the crawl shared under PREFIX
	job_redis() {
		q="size=$size${2:+&delay=$2}"
		cat <<JOB
urls: [$target/page/0?$q]
parsers: [links]
crawl: {max_depth: 1000}
frontier: {redis: "redis://127.0.0.1:$rport/0", key_prefix: $1}
JOB
	}
	frontiers="memory state redis"
fi
calls() {   # round trips to Redis so far: the scripts run and the set-up commands
	# (the few robots.txt GETs and SETs are not counted: the scripts' own
	# calls of those commands would be counted with them)
	redis-cli -p "$rport" info commandstats | awk -F'[:=,]' '
		/^cmdstat_(evalsha|select|auth|script):/ { n += $3 } END { print n + 0 }'
}

printf '%-8s %-8s %7s %8s %9s %8s %9s\n' frontier strategy pages wall_s pages/s cpu_s rss_mb
n=0
for round in $(seq "$rounds"); do
	for strategy in event threaded; do
		for frontier in $frontiers; do
			rm -f "$tmp"/state.db*
			n=$((n + 1))
			[ "$frontier" = redis ] && { job_redis "r$n"; echo "output: $tmp/out.jsonl"; } >"$tmp/redis.yaml"
			python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress -s "$strategy" \
				-w 16 -c "$tmp/$frontier.yaml" >"$tmp/measure"
			set -- $(head -1 "$tmp/measure")
			pages=$(wc -l <"$tmp/out.jsonl")
			awk -v f="$frontier" -v s="$strategy" -v p="$pages" -v wall="$1" -v u="$2" \
				-v sy="$3" -v rss="$4" 'BEGIN {
				printf "%-8s %-8s %7d %8.2f %9.0f %8.2f %9.1f\n", f, s, p, wall, p / wall, u + sy, rss / 1024 }'
		done
	done
done

# several processes through Redis: records per process summed, wall time
# of the whole
shared() {   # shared PROCESSES DELAY_MS PREFIX
	procs=$1 delay=$2 prefix=$3
	job_redis "$prefix" "$delay" >"$tmp/shared.yaml"
	before=$(calls)
	start=$(date +%s.%N)
	pids=
	for i in $(seq "$procs"); do
		"$build/scrape" -q --no-progress -s event -w 16 -c "$tmp/shared.yaml" -o "$tmp/s$i.jsonl" \
			>/dev/null 2>&1 &
		pids="$pids $!"
	done
	wait $pids
	end=$(date +%s.%N)
	pages=$(cat "$tmp"/s[0-9]*.jsonl | wc -l)
	rm -f "$tmp"/s[0-9]*.jsonl
	awk -v p="$procs" -v d="$delay" -v n="$pages" -v a="$start" -v b="$end" -v c="$(( $(calls) - before ))" 'BEGIN {
		printf "%-9d %8s %7d %8.2f %9.0f %11.1f\n", p, d ? d "ms" : "none", n, b - a, n / (b - a), c / n }'
}
if [ -n "${rport:-}" ]; then
	echo
	echo "through Redis, event strategy with 16 workers per process:"
	printf '%-9s %8s %7s %8s %9s %11s\n' processes delay pages wall_s pages/s trips/page
	for procs in 1 2 3; do
		shared "$procs" 0 "f$procs"
	done
	size=3000
	for procs in 1 2 3; do
		shared "$procs" 20 "s$procs"
	done
fi

echo
echo "queue of $queue URLs (a URL file of seeds), 1000 fetched:"
python3 - "$tmp/seeds.txt" "$target" "$queue" <<'PY'
import sys
path, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    for i in range(n):
        f.write(f"{target}/page/{i % 1000}?size=1000&n={i}\n")
PY
cat >"$tmp/queue.yaml" <<JOB
url_file: $tmp/seeds.txt
parsers: [size]
crawl: {max_depth: 0, max_pages: 1000, state: $tmp/queue.db}
JOB
printf '%-8s %10s %8s %9s %10s\n' frontier queued wall_s rss_mb state_mb
python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress -s event -c "$tmp/queue.yaml" >"$tmp/measure"
set -- $(head -1 "$tmp/measure")
awk -v q="$queue" -v wall="$1" -v rss="$4" -v db="$(du -k "$tmp/queue.db" | cut -f1)" 'BEGIN {
	printf "%-8s %10d %8.2f %9.1f %10.1f\n", "state", q, wall, rss / 1024, db / 1024 }'
