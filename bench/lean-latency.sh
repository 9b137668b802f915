#!/bin/sh
# SPDX-License-Identifier: MIT
# The lean strategy where waiting, not CPU, sets the pace, side by side
# with event in one run:
#
#   a. latency-bound: 10,000 URLs the target server answers after 50 ms,
#      1,000 workers: wall time against the floor of 10 rounds x 50 ms
#      = 0.5 s (goal: lean at most 1.10 x the floor);
#   b. 10,000 transfers in flight at once, each answered after 1 s: wall
#      time against the 1 s floor (goal: lean at most 1.2 s);
#   c. the open model against a private nginx (one worker, a 256-byte
#      file): achieved versus requested rate at 20k and 50k requests/s,
#      and the highest constant rate with p99 under 10 ms and nothing
#      dropped (rates tried in steps until one fails twice), lean with
#      one loop and with two (lean2); lean runs on the layer io: auto
#      picks (io_uring where a ring can be made), and on epoll in the
#      rows that say so (leanep).
#
#   bench/lean-latency.sh [BUILD_DIR] [SECONDS_PER_OPEN_RUN]
#
# a and b use tests/server/targetd (single-threaded libevent; its
# /delay/MS route), started afresh for every run: thousands of client
# sockets left in TIME_WAIT by the run before slow the next one's
# connects to the same port.  The server's own CPU time is printed
# beside each run, since on a small machine it shares the cores with the
# client.  Needs the Debian package nginx for c.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
seconds=${2:-3}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
tmp=$(mktemp -d)
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null || :
	[ -z "${nginx_pid:-}" ] || stop_nginx
	rm -rf "$tmp"
}
trap cleanup EXIT
# b holds 10,000 sockets in the client and as many in the server
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 10100 ] ||
	echo "bench: ulimit -n is $(ulimit -n): part b needs 10,100 descriptors" >&2
measure="python3 $top/bench/measure.py"

start_targetd() {
	rm -f "$tmp/port"
	"$build/tests/server/targetd" --port 0 --port-file "$tmp/port" -q >/dev/null 2>&1 &
	server=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$tmp/port" ] || { echo "bench: the target server did not start" >&2; exit 1; }
	target="http://127.0.0.1:$(cat "$tmp/port")"
}
stop_targetd() {
	kill "$server" 2>/dev/null || :
	wait "$server" 2>/dev/null || :
	server=
}
server_cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$server/stat"; }

# bound NAME WORKERS REQUESTS DELAY_MS FLOOR_S ARGS...: one closed-model
# run against a fresh server; prints name, wall, ratio to the floor,
# client CPU, server CPU, failed requests and p50/max latency
bound() {
	name=$1 workers=$2 requests=$3 delay=$4 floor=$5
	shift 5
	start_targetd
	before=$(server_cpu)
	out=$($measure "$build/scrape" -q --no-progress -w "$workers" -n "$requests" "$@" \
		--report "$tmp/r.json" "$target/delay/$delay" 2>&1) || :
	after=$(server_cpu)
	stop_targetd
	set -- $(echo "$out" | head -1)
	python3 - "$tmp/r.json" "$name" "$1" "$2" "$3" "$floor" "$before" "$after" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, wall, user, system, floor, before, after = sys.argv[2], *map(float, sys.argv[3:])
lat = r["latency_seconds"]
print("%-22s %7.3f %7.2f %8.2f %8.2f %7d %8.3f %8.3f" % (
    name, wall, wall / floor, user + system, after - before, r["failed"],
    lat.get("p50", 0), lat.get("max", 0)))
PY
}
header() { printf '%-22s %7s %7s %8s %8s %7s %8s %8s\n' client wall_s x_floor cpu_s server_s failed p50_s max_s; }

echo "a. latency-bound: 10,000 URLs answered after 50 ms, 1,000 workers (floor 0.5 s)"
header
bound "event -w1000" 1000 10000 50 0.5 -s event
bound "lean -w1000" 1000 10000 50 0.5 -s lean
bound "lean -w1000 threads=2" 1000 10000 50 0.5 -s lean --set strategy.threads=2
bound "lean -w1000 io=epoll" 1000 10000 50 0.5 -s lean --set strategy.io=epoll

echo
echo "b. 10,000 in flight at once, each answered after 1 s (floor 1 s; goal lean <= 1.2 s)"
header
bound "event -w10000" 10000 10000 1000 1 -s event
bound "lean -w10000" 10000 10000 1000 1 -s lean
bound "lean -w10000 threads=2" 10000 10000 1000 1 -s lean --set strategy.threads=2
bound "lean -w10000 io=epoll" 10000 10000 1000 1 -s lean --set strategy.io=epoll

echo
. "$top/bench/nginx.sh"
start_nginx
head -c 256 /dev/zero | tr '\0' 'x' >"$tmp/www/f256.txt"
chmod a+r "$tmp/www/f256.txt"
url="http://127.0.0.1:$port/f256.txt"

# open_at CLIENT RATE: one open-model run of event, lean, lean2 (lean
# with two loops) or leanep (lean on epoll); prints
# "client requested achieved err% p50_ms p99_ms late% dropped cpu_us/req"
open_at() {
	label=$1 rate=$2
	case $1 in
	lean2) client="-s lean --set strategy.threads=2" ;;
	leanep) client="-s lean --set strategy.io=epoll" ;;
	*) client="-s $1" ;;
	esac
	out=$($measure "$build/scrape" -q --no-progress $client --rate "$rate/s" -d "${seconds}s" \
		--max-connections 200 --report "$tmp/o.json" "$url" 2>&1) || :
	set -- $(echo "$out" | head -1)
	python3 - "$tmp/o.json" "$label" "$rate" "$2" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, want, user, system = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
got = r["requests_per_second"]
n = max(r["requests"] + r["warmup_requests"], 1)
lat = r["latency_seconds"]
print("%-6s %9.0f %9.1f %7.2f %8.3f %8.3f %6.2f %8d %10.2f" % (
    name, want, got, 100 * abs(got - want) / want, lat.get("p50", 0) * 1e3, lat.get("p99", 0) * 1e3,
    100 * r["late"] / max(r["sent"], 1), r["dropped"], (user + system) * 1e6 / n))
PY
}
open_header() {
	printf '%-6s %9s %9s %7s %8s %8s %6s %8s %10s\n' client requested achieved err% p50_ms p99_ms \
		late% dropped cpu_us/req
}

echo "c. open model against nginx (256 bytes), ${seconds} s a run, at most 200 connections"
open_header
for rate in 20000 50000; do
	open_at event $rate
	open_at lean $rate
	open_at lean2 $rate
	open_at leanep $rate
done
echo
echo "   highest constant rate with p99 < 10 ms and nothing dropped (a rate that"
echo "   fails gets a second run: on a shared machine one stall fails a run)"
open_header
for strategy in event lean lean2; do
	best=0
	for rate in 10000 20000 30000 40000 50000 60000 80000 100000; do
		ok=0
		for try in 1 2; do
			line=$(open_at $strategy $rate)
			echo "$line"
			ok=$(echo "$line" | awk '{ print ($6 < 10 && $8 == 0) ? 1 : 0 }')
			[ "$ok" = 0 ] || break
		done
		[ "$ok" = 1 ] || break
		best=$rate
	done
	echo "$strategy: highest sustained ${best}/s"
done
