#!/bin/sh
# SPDX-License-Identifier: MIT
# Latency-bound benchmark: N downloads from the local target server, each
# answered after DELAY ms, per strategy; prints wall time and its ratio to
# the floor ceil(N / workers) x DELAY.  Usage, from a configured build
# directory (default _build):
#
#   bench/latency.sh [BUILD_DIR] [N] [DELAY_MS]
#
# Only strategies that are installed in BUILD_DIR/plugins/.libs are run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
n=${2:-160}
delay=${3:-50}
build=$(cd "$build" && pwd)
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
tmp=$(mktemp -d)
"$build/tests/server/targetd" --port 0 --port-file "$tmp/port" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
target="http://127.0.0.1:$(cat "$tmp/port")"

printf '%-12s %7s %6s %9s %9s %7s\n' strategy workers urls wall_s floor_s ratio
for spec in sequential:1 threaded:5 event:$n multiprocess:5; do
	strategy=${spec%%:*}
	workers=${spec#*:}
	[ -f "$SCRAPE_PLUGIN_PATH/strategy_$strategy.so" ] || continue
	start=$(date +%s.%N)
	"$build/scrape" -q -s "$strategy" -w "$workers" -n "$n" \
		"$target/delay/$delay/html/10966" >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$n" -v w="$workers" -v d="$delay" -v name="$strategy" 'BEGIN {
		floor = int((n + w - 1) / w) * d / 1000
		printf "%-12s %7d %6d %9.3f %9.3f %7.3f\n", name, w, n, e - s, floor, (e - s) / floor }'
done
