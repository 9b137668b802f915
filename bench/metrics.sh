#!/bin/sh
# SPDX-License-Identifier: MIT
# The cost of --metrics-listen: client CPU microseconds per request of the
# event strategy against a private nginx (a 100-byte file, keep-alive),
# without live metrics and with them while a loop scrapes /metrics every
# 100 ms, in alternating runs (the order swapped each round).  Prints each run, the medians and their
# ratio (goal: under 1.02, i.e. under 2% more CPU a request).  Usage:
#
#   bench/metrics.sh [BUILD_DIR] [REQUESTS] [ROUNDS] [CONNECTIONS]
#
# Needs nginx (nginx-light will do) and curl.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
requests=${2:-100000}
rounds=${3:-5}
conns=${4:-50}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
command -v curl >/dev/null || { echo "bench: curl is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
scraper=
trap '[ -z "$scraper" ] || kill "$scraper" 2>/dev/null; stop_nginx; rm -rf "$tmp"' EXIT
measure="python3 $top/bench/measure.py"
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# one RUN_NAME [OPTION...]: prints "NAME cpu_us_per_request req/s"
one() {
	name=$1
	shift
	out=$($measure "$build/scrape" -q --no-progress -s event -w "$conns" -n "$requests" "$@" "$url")
	set -- $(echo "$out" | head -1)
	awk -v name="$name" -v n="$requests" -v wall="$1" -v u="$2" -v s="$3" \
		'BEGIN { printf "%-8s %10.2f %10.0f\n", name, (u + s) * 1e6 / n, n / wall }'
}

printf '%-8s %10s %10s\n' run cpu_us/req req/s
results=$tmp/results
: >"$results"
r=0
# with_metrics: a run with --metrics-listen, and a curl scraping it every
# 100 ms (its own CPU not charged to scrape)
with_metrics() {
	(while :; do curl -s -o /dev/null "http://127.0.0.1:$mport/metrics" || :; sleep 0.1; done) &
	scraper=$!
	one metrics --metrics-listen "127.0.0.1:$mport" | tee -a "$results"
	kill "$scraper"
	wait "$scraper" 2>/dev/null || :
	scraper=
}
# each round swaps the order, so neither kind always runs first
while [ "$r" -lt "$rounds" ]; do
	if [ $((r % 2)) -eq 0 ]; then
		one plain | tee -a "$results"
		with_metrics
	else
		with_metrics
		one plain | tee -a "$results"
	fi
	r=$((r + 1))
done
echo
sort -k1,1 -k2,2n "$results" | awk '
	{ v[$1, ++n[$1]] = $2 }
	END {
		for (k = 0; k < 2; k++) {
			name = k ? "metrics" : "plain"
			c = n[name]
			m[name] = c % 2 ? v[name, (c + 1) / 2] : (v[name, c / 2] + v[name, c / 2 + 1]) / 2
			printf "median %-8s %8.2f cpu_us/req over %d runs\n", name, m[name], c
		}
		printf "with --metrics-listen (scraped every 100 ms) / without: %.3f (goal < 1.02)\n",
		       m["metrics"] / m["plain"]
	}'
