#!/bin/sh
# SPDX-License-Identifier: MIT
# Scale and memory: a url_file of 100,000 and of 1,000,000 distinct URLs
# against the target server, event strategy, 1000 workers, records written
# to a file.  Peak RSS must stay flat as the URL count grows (the URL file
# is streamed, never loaded).  Usage:
#
#   bench/scale.sh [BUILD_DIR] [WORKERS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
workers=${2:-1000}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
tmp=$(mktemp -d)
"$build/tests/server/targetd" --port 0 --port-file "$tmp/port" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
target="http://127.0.0.1:$(cat "$tmp/port")"

printf '%-10s %8s %9s %10s %12s %8s\n' urls workers wall_s req/s peak_rss_MiB records
for n in 100000 1000000; do
	awk -v n="$n" -v t="$target" 'BEGIN { for (i = 0; i < n; i++) printf "%s/bytes/64?i=%d\n", t, i }' >"$tmp/urls.txt"
	printf 'url_file: %s\nstrategy: event\nworkers: %s\noutput: %s\n' \
		"$tmp/urls.txt" "$workers" "$tmp/out.jsonl" >"$tmp/job.yaml"
	set -- $(python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress -c "$tmp/job.yaml" | head -1)
	records=$(wc -l <"$tmp/out.jsonl")
	awk -v n="$n" -v w="$workers" -v wall="$1" -v rss="$4" -v rec="$records" 'BEGIN {
		printf "%-10d %8d %9.2f %10.0f %12.1f %8d\n", n, w, wall, n / wall, rss / 1024, rec }'
	rm -f "$tmp/out.jsonl"
done
