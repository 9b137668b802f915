#!/bin/sh
# SPDX-License-Identifier: MIT
# The crawl frontier's cost.  Part 1: a crawl of the target server's site
# graph of SIZE pages, with the frontier in memory and in a crawl.state
# file (SQLite), side by side, ROUNDS times each, alternating: pages/s and
# peak RSS.  Part 2: peak RSS of a crawl whose queue holds QUEUE URLs (a
# URL file of that many seeds, which a crawl with a state queues up front),
# fetching 1000 of them.  Usage:
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

printf '%-8s %-8s %7s %8s %9s %8s %9s\n' frontier strategy pages wall_s pages/s cpu_s rss_mb
for round in $(seq "$rounds"); do
	for strategy in event threaded; do
		for frontier in memory state; do
			rm -f "$tmp"/state.db*
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
