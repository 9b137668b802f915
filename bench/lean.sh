#!/bin/sh
# SPDX-License-Identifier: MIT
# The lean strategy against wrk, side by side in one run: a private nginx
# (one worker, keep-alive) serving a 256-byte file on 127.0.0.1, hit with
# the same number of connections by wrk -t1 and -t2, h2load --h1, scrape's
# event strategy and lean with one and two threads, on each of its I/O
# layers (epoll; io_uring where a ring can be made here).  Prints
# requests/s and client CPU microseconds per request for each, lean's
# ratios to wrk, and then system calls per request (strace -c -f) for wrk,
# event and lean on each layer.
#
#   bench/lean.sh [BUILD_DIR] [REQUESTS] [CONNECTIONS]
#
# Needs the Debian packages nginx, wrk, nghttp2-client (h2load), strace.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
requests=${2:-200000}
conns=${3:-50}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
for tool in nginx wrk h2load strace python3; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done

tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
trap 'stop_nginx; rm -rf "$tmp"' EXIT
head -c 256 /dev/zero | tr '\0' 'x' >"$tmp/www/f256.txt"
chmod a+r "$tmp/www/f256.txt"
url="http://127.0.0.1:$port/f256.txt"
measure="python3 $top/bench/measure.py"
scrape_run="$build/scrape -q --no-progress -w $conns"

# row NAME REQUESTS_DONE WALL USER SYS
row() {
	awk -v name="$1" -v n="$2" -v wall="$3" -v u="$4" -v s="$5" 'BEGIN {
		printf "%-24s %9d %8.3f %10.0f %9.2f\n", name, n, wall, n / wall, (u + s) * 1e6 / n }'
}

# wrk_row THREADS: wrk runs for a time, its report gives the count
wrk_row() {
	out=$($measure wrk -t"$1" -c"$conns" -d5s "$url")
	set -- "$1" $(echo "$out" | head -1)
	row "wrk -t$1 -c$conns" "$(echo "$out" | awk '/requests in/ {print $1}')" "$2" "$3" "$4"
}

printf '%-24s %9s %8s %10s %9s\n' client requests wall_s req/s cpu_us/req
wrk1=$(wrk_row 1); echo "$wrk1"
wrk2=$(wrk_row 2); echo "$wrk2"
out=$($measure h2load --h1 -t1 -c"$conns" -n"$requests" "$url")
set -- $(echo "$out" | head -1)
row "h2load --h1 -c$conns" "$requests" "$1" "$2" "$3"
out=$($measure $scrape_run -s event -n "$requests" "$url")
set -- $(echo "$out" | head -1)
row "scrape event -w$conns" "$requests" "$1" "$2" "$3"
# io_uring only where a ring can be made here
layers=epoll
$build/scrape -q -s lean --set strategy.io=uring -n 1 "$url" >/dev/null 2>&1 && layers="epoll uring"
ratios=
for io in $layers; do
	out=$($measure $scrape_run -s lean --set strategy.io=$io -n "$requests" "$url")
	set -- $(echo "$out" | head -1)
	lean1=$(row "scrape lean $io -w$conns" "$requests" "$1" "$2" "$3"); echo "$lean1"
	out=$($measure $scrape_run -s lean --set strategy.io=$io --set strategy.threads=2 -n "$requests" "$url")
	set -- $(echo "$out" | head -1)
	lean2=$(row "scrape lean $io threads=2" "$requests" "$1" "$2" "$3"); echo "$lean2"
	ratios="$ratios$(printf '%s\n%s\n%s\n%s\n' "$wrk1" "$lean1" "$wrk2" "$lean2" | awk -v io="$io" '
		NR % 2 == 1 { rate = $(NF-1); cpu = $NF; next }
		{ printf "lean %s (%s) vs wrk: %.2f x the requests/s (goal >= 1.0), %.2f x the CPU per request (goal <= 0.5)\n",
		         io, NR == 2 ? "1 thread" : "2 threads", $(NF-1) / rate, $NF / cpu }')
"
done

echo
printf '%s' "$ratios"

# syscalls TOTAL_REQUESTS COMMAND...: system calls per request under strace
syscalls() {
	n=$1
	shift
	strace -f -c -o "$tmp/strace.txt" "$@" >/dev/null 2>&1 || true
	awk -v n="$n" '$NF == "total" { printf "%.2f", $(NF-2) / n }' "$tmp/strace.txt"
}
echo
small=20000
wrk_n=$(strace -f -c -o "$tmp/strace.txt" wrk -t1 -c"$conns" -d2s "$url" 2>/dev/null | awk '/requests in/ {print $1}')
printf 'system calls per request: wrk %s' "$(awk -v n="$wrk_n" '$NF == "total" { printf "%.2f", $(NF-2) / n }' "$tmp/strace.txt")"
printf ', event %s' "$(syscalls "$small" $scrape_run -s event -n "$small" "$url")"
for io in $layers; do
	printf ', lean %s %s' "$io" "$(syscalls "$small" $scrape_run -s lean --set strategy.io=$io -n "$small" "$url")"
done
echo
