# SPDX-License-Identifier: MIT
# Shared helpers for the integration tests: TAP output (ok/not ok per
# check), a scratch directory, and starting/stopping the local target
# server on an ephemeral 127.0.0.1 port.  Sourced by tests/integration/*.sh;
# `make check` sets SCRAPE, TARGETD, SCRAPE_PLUGIN_PATH, TOP_SRCDIR.

: "${SCRAPE:?run the tests through make check}"
TAP_COUNT=0
TAP_FAILED=0
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/scrape-test.XXXXXX")
TARGET_PID=
TARGET2_PID=
TARGET=
REDIS_PID=

cleanup() {
	stop_redis
	stop_target
	stop_nginx
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

ok() {   # ok CONDITION_EXIT_STATUS DESCRIPTION
	TAP_COUNT=$((TAP_COUNT + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_COUNT - $2"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_COUNT - $2"
	fi
}

check() {   # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok 0 "$desc"; else ok 1 "$desc"; fi
}

is() {   # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

like() {   # like GOT SUBSTRING DESCRIPTION
	case $1 in
	*"$2"*) ok 0 "$3" ;;
	*) ok 1 "$3"; printf '#   got:  %s\n#   want it to contain: %s\n' "$1" "$2" ;;
	esac
}

done_testing() {
	echo "1..$TAP_COUNT"
	[ "$TAP_FAILED" -eq 0 ]
}

# start_target: starts targetd on an ephemeral port; sets TARGET=http://127.0.0.1:PORT.
# It serves /static/ from $DOCROOT, by default the parser fixtures, and
# /robots.txt from the file $ROBOTS when that is set.
start_target() {
	if [ ! -x "$TARGETD" ]; then
		echo "Bail out! the target server $TARGETD is not built (is libevent-dev installed?)"
		exit 1
	fi
	"$TARGETD" --port 0 --port-file "$SCRATCH/port" --docroot "${DOCROOT:-$TOP_SRCDIR/tests/parsers}" \
		${ROBOTS:+--robots "$ROBOTS"} >"$SCRATCH/targetd.out" 2>&1 &
	TARGET_PID=$!
	i=0
	while [ ! -s "$SCRATCH/port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -s "$SCRATCH/port" ]; then
		echo "Bail out! the target server did not start"
		exit 1
	fi
	TARGET="http://127.0.0.1:$(cat "$SCRATCH/port")"
	export TARGET
}

stop_target() {
	for pid in $TARGET_PID $TARGET2_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	TARGET_PID=
	TARGET2_PID=
}

# start_target2: a second server, another host to scrape; sets TARGET2
start_target2() {
	"$TARGETD" --port 0 --port-file "$SCRATCH/port2" >"$SCRATCH/targetd2.out" 2>&1 &
	TARGET2_PID=$!
	i=0
	while [ ! -s "$SCRATCH/port2" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$SCRATCH/port2" ] || { echo "Bail out! the second target server did not start"; exit 1; }
	TARGET2="http://127.0.0.1:$(cat "$SCRATCH/port2")"
	export TARGET2
}

# hits PATH: how many requests the target server saw for PATH
hits() {
	curl -s "$TARGET/_stats?path=$1"
}

# await SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds or
# SECONDS have passed; returns COMMAND's last status.  Tests that signal a
# background run wait this way for what they need to have happened (a
# request arrived, a record written), never for a fixed time: a script's
# background job starts with SIGINT ignored until scrape sets its handler,
# so a signal sent too early on a busy machine would simply be lost.
await() {
	await_left=$(($1 * 20))
	shift
	until "$@"; do
		await_left=$((await_left - 1))
		[ "$await_left" -gt 0 ] || return 1
		sleep 0.05
	done
}

# hits_reach PATH N: whether the target server has seen PATH N times or more
hits_reach() {
	[ "$(hits "$1")" -ge "$2" ]
}

# lines_reach FILE N: whether FILE exists and has N lines or more
lines_reach() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

reset_target() {
	curl -s "$TARGET/_reset" >/dev/null
}

# json_lines FILE: prints the number of lines that parse as JSON objects,
# or "bad" if any line does not
json_lines() {
	python3 - "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        if not isinstance(json.loads(line), dict):
            raise ValueError
    except ValueError:
        print("bad"); sys.exit(0)
    n += 1
print(n)
PY
}

# ---- a private nginx, for tests where a real server's behaviour matters
# (tls.sh, compression.sh): use_nginx finds it or bails out; the test writes
# NG/nginx.conf starting with $(nginx_config_head NG) and putting
# $(nginx_temp_paths NG) in its http block; start_nginx NG READY_URL starts
# it and waits until READY_URL answers; cleanup stops it.
NGINX_PID=
use_nginx() {
	NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
	if [ ! -x "$NGINX" ]; then
		echo "Bail out! nginx is not installed (./dev deps installs it; or set NGINX=/path/to/nginx)"
		exit 1
	fi
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

stop_nginx() {
	if [ -n "$NGINX_PID" ]; then
		kill -TERM "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		NGINX_PID=
	fi
}

nginx_config_head() {   # nginx_config_head NG: the top-level lines of a private nginx
	# as root, nginx would hand the work to "nobody", who cannot enter the
	# scratch directory
	[ "$(id -u)" -ne 0 ] || echo "user root root;"
	printf 'daemon off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log info;\n' "$1" "$1"
	echo 'events { worker_connections 256; }'
}

nginx_temp_paths() {   # nginx_temp_paths NG: its temporary files under NG/tmp
	for kind in client_body proxy fastcgi uwsgi scgi; do
		dir=$kind
		[ "$kind" = client_body ] && dir=body
		printf '\t%s_temp_path %s/tmp/%s;\n' "$kind" "$1" "$dir"
	done
}

start_nginx() {   # start_nginx NG READY_URL
	mkdir -p "$1/tmp"
	"$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" >"$1/nginx.out" 2>&1 &
	NGINX_PID=$!
	i=0
	until [ -s "$1/nginx.pid" ] && curl -s -o /dev/null --max-time 2 "$2"; do
		if ! kill -0 "$NGINX_PID" 2>/dev/null || [ $i -ge 100 ]; then
			echo "Bail out! nginx did not start: $(cat "$1/nginx.out" "$1/error.log" 2>/dev/null | tail -n 3 | tr '\n' ' ')"
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_redis [ARGS...]: a redis-server on $RPORT (set it, e.g. from free_port)
# with its files in $SCRATCH/redis; cleanup stops it
start_redis() {
	mkdir -p "$SCRATCH/redis"
	redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$SCRATCH/redis" --appendonly yes \
		--appendfsync always --save '' --logfile "$SCRATCH/redis/log" "$@" &
	REDIS_PID=$!
	i=0
	until redis-cli -p "$RPORT" ${RPASS:+-a "$RPASS" --no-auth-warning} ping 2>/dev/null | grep -q PONG; do
		sleep 0.05
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "Bail out! redis-server did not start"; exit 1; }
	done
}
stop_redis() {
	[ -n "$REDIS_PID" ] || return 0
	redis-cli -p "$RPORT" ${RPASS:+-a "$RPASS" --no-auth-warning} shutdown >/dev/null 2>&1 ||
		kill "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}

# parity_digest FILE: the records reduced to what must not depend on the strategy
parity_digest() {
	python3 -c 'import json,sys
rows=[]
for l in open(sys.argv[1]):
    r=json.loads(l)
    rows.append("%s %s %s %s %s %s" % (r["url"].split("/",3)[3], r["status"], r["bytes"], r["error"], r.get("size"), r["attempts"]))
print("\n".join(sorted(rows)))' "$1"
}
