#!/bin/sh
# SPDX-License-Identifier: MIT
# The lean strategy against wrk, side by side in one run: a private nginx
# (one worker, keep-alive) serving a 256-byte file on 127.0.0.1, hit with
# the same number of connections by wrk -t1 and -t2, h2load --h1, scrape's
# event strategy and lean with one and two threads, on each of its I/O
# layers (epoll; io_uring where a ring can be made here), and lean with
# pipeline: 8 (HTTP/1.1 pipelining; wrk pipelines only with a Lua script,
# so it is held against plain wrk -t1).  Prints
# requests/s and client CPU microseconds per request for each, lean's
# ratios to wrk, and then system calls per request (strace -c -f) for wrk,
# event and lean on each layer.  The https part does the same over TLS (a second nginx, with an ECDSA
# certificate made here by openssl that event and lean verify with
# ca_file): wrk -t1, event and lean on keep-alive connections, then event
# and lean with a TLS connection per request (keepalive: false; sessions
# resumed), which wrk cannot do.
#
#   bench/lean.sh [BUILD_DIR] [REQUESTS] [CONNECTIONS] [http|https|both]
#
# Needs the Debian packages nginx, wrk, nghttp2-client (h2load), strace,
# openssl.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
requests=${2:-200000}
conns=${3:-50}
parts=${4:-both}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
for tool in nginx wrk h2load strace python3 openssl; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done

tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
tls_pid=
trap 'stop_nginx; [ -z "$tls_pid" ] || { kill "$tls_pid"; wait "$tls_pid"; } 2>/dev/null; rm -rf "$tmp"' EXIT
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

# https_part: the same over TLS against a second nginx
https_part() {
	mkdir -p "$tmp/tls/logs"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1" >"$tmp/tls/openssl.log" 2>&1 ||
		{ echo "bench: openssl could not make a certificate" >&2; exit 1; }
	tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	chmod -R a+rX "$tmp"
	cat >"$tmp/tls/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/tls/nginx.pid;
error_log $tmp/tls/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	ssl_session_cache shared:bench:10m;
	server {
		listen 127.0.0.1:$tls_port ssl;
		ssl_certificate $tmp/tls/cert.pem;
		ssl_certificate_key $tmp/tls/key.pem;
		root $tmp/www;
	}
}
CONF
	nginx -c "$tmp/tls/nginx.conf" -p "$tmp/tls" 2>"$tmp/tls/nginx.err" &
	tls_pid=$!
	i=0
	until curl -sf --cacert "$tmp/tls/cert.pem" "https://127.0.0.1:$tls_port/f256.txt" >/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "bench: the TLS nginx did not start:" >&2; cat "$tmp/tls/nginx.err" >&2; exit 1; }
	done
	url="https://127.0.0.1:$tls_port/f256.txt"
	verify="--set ca_file=$tmp/tls/cert.pem"
	fresh=$((requests / 20))

	echo
	echo "https (TLS 1.3, ECDSA P-256; event and lean verify the certificate)"
	printf '%-24s %9s %8s %10s %9s\n' client requests wall_s req/s cpu_us/req
	wrk1=$(wrk_row 1); echo "$wrk1"
	out=$($measure $scrape_run $verify -s event -n "$requests" "$url")
	set -- $(echo "$out" | head -1)
	event1=$(row "scrape event -w$conns" "$requests" "$1" "$2" "$3"); echo "$event1"
	out=$($measure $scrape_run $verify -s lean -n "$requests" "$url")
	set -- $(echo "$out" | head -1)
	lean1=$(row "scrape lean -w$conns" "$requests" "$1" "$2" "$3"); echo "$lean1"
	out=$($measure $scrape_run $verify --set keepalive=false -s event -n "$fresh" "$url")
	set -- $(echo "$out" | head -1)
	row "event keepalive:false" "$fresh" "$1" "$2" "$3"
	out=$($measure $scrape_run $verify --set keepalive=false -s lean -n "$fresh" "$url")
	set -- $(echo "$out" | head -1)
	row "lean keepalive:false" "$fresh" "$1" "$2" "$3"
	echo
	printf '%s\n%s\n%s\n' "$wrk1" "$event1" "$lean1" | awk '
		NR == 1 { rate = $(NF-1); cpu = $NF; next }
		{ printf "https: %s vs wrk -t1: %.2f x the requests/s, %.2f x the CPU per request\n",
		         NR == 2 ? "event" : "lean", $(NF-1) / rate, $NF / cpu }'
}

if [ "$parts" = https ]; then
	https_part
	exit 0
fi

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
# pipelining: up to 8 requests on a connection before their answers
for io in $layers; do
	out=$($measure $scrape_run -s lean --set strategy.io=$io --set strategy.pipeline=8 -n "$requests" "$url")
	set -- $(echo "$out" | head -1)
	leanp=$(row "scrape lean $io pipeline=8" "$requests" "$1" "$2" "$3"); echo "$leanp"
	ratios="$ratios$(printf '%s\n%s\n' "$wrk1" "$leanp" | awk -v io="$io" '
		NR == 1 { rate = $(NF-1); cpu = $NF; next }
		{ printf "lean %s pipeline: 8 vs wrk -t1 (not pipelining): %.2f x the requests/s, %.2f x the CPU per request\n",
		         io, $(NF-1) / rate, $NF / cpu }')
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
printf ', lean epoll pipeline=8 %s' "$(syscalls "$small" $scrape_run -s lean --set strategy.io=epoll \
	--set strategy.pipeline=8 -n "$small" "$url")"
echo

[ "$parts" = http ] || https_part
