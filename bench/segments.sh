#!/bin/sh
# SPDX-License-Identifier: MIT
# One open-model job split into 1, 2 and 4 segments on this machine
# (--segment I/N with a common --start-at), against a private nginx on
# 127.0.0.1: the achieved rate the segments add up to (from --merge),
# side by side with one process, with p99, late and dropped starts and
# the client CPU per request.  On one machine the segments share its
# cores with nginx, so this measures what splitting costs and how far it
# helps before the cores run out, not what N machines would give.
#
#   bench/segments.sh [BUILD_DIR] [RATE] [SECONDS]
#
# Needs the Debian package nginx.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
rate=${2:-40000}
seconds=${3:-5}
export SCRAPE_PLUGIN_PATH="$build/plugins/.libs"
tmp=$(mktemp -d)
. "$top/bench/nginx.sh"
start_nginx
trap 'stop_nginx; rm -rf "$tmp"' EXIT
cat >"$tmp/job.yaml" <<JOB
urls: ["$url"]
strategy: event
rate: $rate/s
duration: ${seconds}s
max_connections: 400
JOB

# split N: the job in N segments started together; prints
# "N achieved/s p99_ms late% dropped cpu_us/req"
split() {
	at=$(date -u -d "@$(($(date +%s) + 2))" +%Y-%m-%dT%H:%M:%SZ)
	rm -f "$tmp"/seg-*.json
	python3 - "$build/scrape" "$tmp" "$1" "$at" <<'PY'
import resource, subprocess, sys
scrape, tmp, n, at = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
procs = [subprocess.Popen([scrape, "-q", "--no-progress", "-c", tmp + "/job.yaml",
                           "--segment", "%d/%d" % (i, n), "--start-at", at,
                           "--report", "%s/seg-%d.json" % (tmp, i)],
                          stdout=subprocess.DEVNULL)
         for i in range(1, n + 1)]
for p in procs:
    p.wait()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
open(tmp + "/cpu", "w").write("%f\n" % (ru.ru_utime + ru.ru_stime))
PY
	"$build/scrape" --merge --format json "$tmp"/seg-*.json >"$tmp/merged.json" || :
	python3 - "$tmp/merged.json" "$tmp/cpu" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cpu = float(open(sys.argv[2]).read())
done = r["ok"] + r["failed"]
print("%s %.1f %.3f %.2f %d %.1f" % (sys.argv[3], r["requests_per_second"],
      r["latency_seconds"]["p99"] * 1e3, 100.0 * r["late"] / max(r["sent"], 1), r["dropped"],
      cpu / max(done, 1) * 1e6))
PY
}

echo "requested $rate/s for ${seconds}s; nginx (one worker) on the same $(nproc) cores"
printf '%-9s %12s %8s %9s %7s %9s %11s\n' segments achieved/s ratio p99_ms late% dropped cpu_us/req
base=
for n in 1 2 4; do
	# shellcheck disable=SC2046
	set -- $(split "$n")
	[ -n "$base" ] || base=$2
	printf '%-9s %12s %8s %9s %7s %9s %11s\n' "$1" "$2" \
		"$(python3 -c "print('%.2fx' % ($2 / $base))")" "$3" "$4" "$5" "$6"
done
