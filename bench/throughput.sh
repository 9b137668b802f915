#!/bin/sh
# SPDX-License-Identifier: MIT
# Throughput-bound benchmark: a private nginx (one worker, keep-alive,
# a 100-byte static file) on 127.0.0.1, hit by scrape's strategies and by
# wrk, ab -k and hey with the same number of connections, in one run.
# Prints requests/s and client CPU microseconds per request for each, and
# scrape's ratios to wrk and hey.  Usage:
#
#   bench/throughput.sh [BUILD_DIR] [REQUESTS] [CONNECTIONS]
#
# Needs the Debian packages nginx-light (or nginx), wrk, apache2-utils, hey.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
requests=${2:-200000}
conns=${3:-50}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
for tool in nginx wrk ab hey python3; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done

tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
trap 'stop_nginx; rm -rf "$tmp"' EXIT
measure="python3 $top/bench/measure.py"

# row NAME REQUESTS_DONE WALL USER SYS
row() {
	awk -v name="$1" -v n="$2" -v wall="$3" -v u="$4" -v s="$5" 'BEGIN {
		printf "%-22s %9d %8.3f %10.0f %9.2f\n", name, n, wall, n / wall, (u + s) * 1e6 / n }'
}

printf '%-22s %9s %8s %10s %9s\n' client requests wall_s req/s cpu_us/req
# wrk runs for a time, not a count: its own report gives the count
out=$($measure wrk -t1 -c"$conns" -d5s "$url")
set -- $(echo "$out" | head -1)
n=$(echo "$out" | awk '/requests in/ {print $1}')
wrk_line=$(row "wrk -t1 -c$conns" "$n" "$1" "$2" "$3")
echo "$wrk_line"

out=$($measure ab -q -k -c"$conns" -n"$requests" "$url")
set -- $(echo "$out" | head -1)
n=$(echo "$out" | awk '/Complete requests/ {print $3}')
row "ab -k -c$conns" "$n" "$1" "$2" "$3"

out=$($measure hey -c "$conns" -n "$requests" "$url")
set -- $(echo "$out" | head -1)
hey_line=$(row "hey -c $conns" "$requests" "$1" "$2" "$3")
echo "$hey_line"

for strategy in event threaded multiprocess; do
	out=$($measure "$build/scrape" -q --no-progress -s "$strategy" -w "$conns" -n "$requests" "$url")
	set -- $(echo "$out" | head -1)
	line=$(row "scrape $strategy -w$conns" "$requests" "$1" "$2" "$3")
	echo "$line"
	[ "$strategy" = event ] && event_line=$line
done

echo
echo "$wrk_line
$hey_line
$event_line" | awk '
	NR == 1 { wrk_rate = $(NF-1); wrk_cpu = $NF }
	NR == 2 { hey_rate = $(NF-1) }
	NR == 3 { printf "event vs wrk: %.2f x the requests/s (goal >= 0.6), %.2f x the CPU per request (goal <= 1.5)\n", $(NF-1) / wrk_rate, $NF / wrk_cpu
	          printf "event vs hey: %.2f x the requests/s (goal >= 2)\n", $(NF-1) / hey_rate }'
