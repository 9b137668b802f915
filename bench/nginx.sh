# SPDX-License-Identifier: MIT
# Shared by the benchmarks that need a fast server: start_nginx starts a
# private nginx (one worker, keep-alive without limit, a 100-byte file)
# on a free 127.0.0.1 port under $tmp and sets url to that file.  The
# caller sets tmp (a scratch directory) and stops nginx with stop_nginx.
start_nginx() {
	command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
	command -v nginx >/dev/null || { echo "bench: nginx is not installed" >&2; exit 2; }
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$tmp/www" "$tmp/logs"
	head -c 100 /dev/zero | tr '\0' 'x' >"$tmp/www/small.txt"
	chmod -R a+rX "$tmp"   # nginx workers run as an unprivileged user
	cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	server {
		listen 127.0.0.1:$port;
		root $tmp/www;
	}
}
CONF
	nginx -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/nginx.err" &
	nginx_pid=$!
	i=0
	until curl -sf "http://127.0.0.1:$port/small.txt" >/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "bench: nginx did not start:" >&2; cat "$tmp/nginx.err" "$tmp/logs/error.log" >&2; exit 1; }
	done
	url="http://127.0.0.1:$port/small.txt"
}

stop_nginx() {
	kill "$nginx_pid" 2>/dev/null
	wait "$nginx_pid" 2>/dev/null
}
