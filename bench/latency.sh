#!/bin/sh
# SPDX-License-Identifier: MIT
# Latency-bound benchmark: N downloads from the local target server, each
# answered after DELAY ms, per strategy; prints wall time and its ratio to
# the floor ceil(N / workers) x DELAY.  Usage, from a configured build
# directory (default _build):
#
#   bench/latency.sh [BUILD_DIR] [DELAY_MS]
#
# runs 160 URLs under every strategy and 10,000 URLs under the concurrent
# ones; N=500 bench/latency.sh runs one size of your choice instead.
set -eu
delay=${2:-50}
. "$(dirname "$0")/lib.sh"

# run STRATEGY WORKERS N: one line of the table
run() {
	start=$(date +%s.%N)
	"$build/scrape" -q --no-progress -s "$1" -w "$2" -n "$3" \
		"$target/delay/$delay/html/10966" >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$3" -v w="$2" -v d="$delay" -v name="$1" 'BEGIN {
		floor = int((n + w - 1) / w) * d / 1000
		printf "%-12s %7d %6d %9.3f %9.3f %7.3f\n", name, w, n, e - s, floor, (e - s) / floor }'
}

printf '%-12s %7s %6s %9s %9s %7s\n' strategy workers urls wall_s floor_s ratio
if [ -n "${N:-}" ]; then
	for spec in sequential:1 threaded:5 event:$N multiprocess:5; do
		run "${spec%%:*}" "${spec#*:}" "$N"
	done
	exit 0
fi
for spec in sequential:1 threaded:5 event:160 multiprocess:5; do
	run "${spec%%:*}" "${spec#*:}" 160
done
for spec in threaded:64 event:1000 multiprocess:16; do
	run "${spec%%:*}" "${spec#*:}" 10000
done
