#!/bin/sh
# SPDX-License-Identifier: MIT
# Two builds of scrape's lean strategy held against each other, for a
# change to the core's per-request path: a private nginx (bench/nginx.sh,
# keep-alive, a 100-byte file on 127.0.0.1), each build run in turn
# ROUNDS times (A, B, A, B, ...) so that the noise of a shared machine
# falls on both alike.  Prints each run's requests/s and client CPU
# microseconds per request (user + system of the process), then the
# medians and B's ratio to A.  A build directory is one that holds the
# scrape binary and plugins/.libs (a _build, or a copy of one kept
# before the change).
#
#   bench/lean-ab.sh BUILD_A BUILD_B [REQUESTS] [ROUNDS] [CONNECTIONS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: bench/lean-ab.sh BUILD_A BUILD_B [REQUESTS] [ROUNDS] [CONNECTIONS]" >&2; exit 2; }
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
requests=${3:-600000}
rounds=${4:-4}
conns=${5:-50}
tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
trap 'stop_nginx; rm -rf "$tmp"' EXIT

# run BUILD NAME: one run, one line: NAME req/s cpu-us/req user-us/req
run() {
	SCRAPE_PLUGIN_PATH="$1/plugins/.libs" python3 "$top/bench/measure.py" \
		"$1/scrape" -q --no-progress -s lean -w "$conns" -n "$requests" "$url" >"$tmp/out" ||
		{ echo "bench: $1/scrape failed:" >&2; cat "$tmp/out" >&2; exit 1; }
	head -1 "$tmp/out" | awk -v name="$2" -v n="$requests" '{
		printf "%s %.0f %.3f %.3f\n", name, n / $1, ($2 + $3) * 1e6 / n, $2 * 1e6 / n }'
}

i=0
while [ $i -lt "$rounds" ]; do
	run "$a" A >>"$tmp/runs"
	run "$b" B >>"$tmp/runs"
	i=$((i + 1))
done
printf "%-5s %9s %14s %15s\n" run "req/s" "cpu us/req" "user us/req"
awk '{ printf "%-5s %9d %14.3f %15.3f\n", $1, $2, $3, $4 }' "$tmp/runs"
# median COLUMN NAME
median() {
	awk -v c="$1" -v name="$2" '$1 == name { print $c }' "$tmp/runs" | sort -n |
		awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for col in 2 3 4; do
	eval "a$col=\$(median $col A) b$col=\$(median $col B)"
done
awk -v a2="$a2" -v b2="$b2" -v a3="$a3" -v b3="$b3" -v a4="$a4" -v b4="$b4" 'BEGIN {
	printf "median A %9d %14.3f %15.3f\n", a2, a3, a4
	printf "median B %9d %14.3f %15.3f\n", b2, b3, b4
	printf "B / A    %9.2f %14.2f %15.2f\n", b2 / a2, b3 / a3, b4 / a4 }'
