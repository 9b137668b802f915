#!/bin/sh
# SPDX-License-Identifier: MIT
# Open-model accuracy and cost against a private nginx on 127.0.0.1, with
# wrk (closed model) in the same run:
#
#   1. achieved versus requested rate at 1k, 5k and 20k requests/s
#      (constant arrivals, event strategy), with p50/p99, late and dropped
#      starts and client CPU per request;
#   2. the highest constant rate scrape sustains with p99 under 10 ms and
#      nothing dropped (rates tried in steps until one fails);
#   3. CPU-seconds per 100,000 requests: scrape at 20k/s against wrk
#      running flat out with 50 connections.
#
#   bench/openmodel.sh [BUILD_DIR] [SECONDS_PER_RUN]
#
# Needs the Debian packages nginx and wrk.  Goals (issue 5): rate error
# under 1% up to 20k/s; CPU per request at most 1.5 x wrk's.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
seconds=${2:-5}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
command -v wrk >/dev/null || { echo "bench: wrk is not installed" >&2; exit 2; }
tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
trap 'stop_nginx; rm -rf "$tmp"' EXIT
measure="python3 $top/bench/measure.py"

# scrape_at RATE: one open-model run; prints
# "requested achieved error% p50_ms p99_ms late% dropped cpu_us/req"
scrape_at() {
	out=$($measure "$build/scrape" -q --no-progress -s event --rate "$1/s" -d "${seconds}s" \
		--max-connections 200 --report "$tmp/r.json" "$url" 2>&1) || :
	set -- "$1" $(echo "$out" | head -1)
	python3 - "$tmp/r.json" "$1" "$3" "$4" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want, user, system = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
got = r["requests_per_second"]
n = max(r["requests"] + r["warmup_requests"], 1)
lat = r["latency_seconds"]
print("%9.0f %9.1f %7.2f %8.3f %8.3f %6.2f %8d %10.2f" % (
    want, got, 100 * abs(got - want) / want, lat.get("p50", 0) * 1e3, lat.get("p99", 0) * 1e3,
    100 * r["late"] / max(r["sent"], 1), r["dropped"], (user + system) * 1e6 / n))
PY
}

echo "1. achieved versus requested rate (event, constant arrivals, ${seconds} s a run)"
printf '%9s %9s %7s %8s %8s %6s %8s %10s\n' requested achieved err% p50_ms p99_ms late% dropped cpu_us/req
worst=0
for rate in 1000 5000 20000; do
	line=$(scrape_at $rate)
	echo "$line"
	[ $rate = 20000 ] && at20k=$line
	worst=$(echo "$line $worst" | awk '{ print ($3 > $NF) ? $3 : $NF }')
done
echo "worst rate error up to 20k/s: ${worst}% (goal < 1%)"

echo
echo "2. highest constant rate with p99 < 10 ms and nothing dropped"
best=0
for rate in 10000 20000 30000 40000 50000 60000 80000; do
	line=$(scrape_at $rate)
	echo "$line"
	ok=$(echo "$line" | awk '{ print ($5 < 10 && $7 == 0 && $3 < 1) ? 1 : 0 }')
	[ "$ok" = 1 ] || break
	best=$rate
done
echo "highest sustained: ${best}/s"

echo
echo "3. CPU per 100,000 requests: scrape at 20k/s against wrk flat out (-t1 -c50)"
out=$($measure wrk -t1 -c50 -d"${seconds}s" "$url")
set -- $(echo "$out" | head -1)
n=$(echo "$out" | awk '/requests in/ {print $1}')
wrk_cpu=$(awk -v n="$n" -v u="$2" -v s="$3" 'BEGIN { printf "%.3f", (u + s) * 100000 / n }')
wrk_rate=$(awk -v n="$n" -v w="$1" 'BEGIN { printf "%.0f", n / w }')
scrape_cpu=$(echo "$at20k" | awk '{ printf "%.3f", $8 * 100000 / 1e6 }')
echo "wrk:    ${wrk_rate} req/s, ${wrk_cpu} CPU-s per 100k requests"
echo "scrape: 20000 req/s scheduled, ${scrape_cpu} CPU-s per 100k requests"
awk -v a="$scrape_cpu" -v b="$wrk_cpu" 'BEGIN { printf "scrape / wrk CPU per request: %.2f x (goal <= 1.5)\n", a / b }'
