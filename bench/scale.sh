#!/bin/sh
# SPDX-License-Identifier: MIT
# Scale and memory: a url_file of 100,000 and of 1,000,000 distinct URLs
# against the target server, event strategy, 1000 workers, records written
# to a file.  Peak RSS must stay flat as the URL count grows (the URL file
# is streamed, never loaded).  Usage:
#
#   bench/scale.sh [BUILD_DIR] [WORKERS]
set -eu
workers=${2:-1000}
. "$(dirname "$0")/lib.sh"

printf '%-10s %8s %9s %10s %12s %8s\n' urls workers wall_s req/s peak_rss_MiB records
for n in 100000 1000000; do
	awk -v n="$n" -v t="$target" 'BEGIN { for (i = 0; i < n; i++) printf "%s/bytes/64?i=%d\n", t, i }' >"$tmp/urls.txt"
	printf 'url_file: %s\nstrategy: event\nworkers: %s\noutput: %s\n' \
		"$tmp/urls.txt" "$workers" "$tmp/out.jsonl" >"$tmp/job.yaml"
	set -- $(python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress -c "$tmp/job.yaml" | head -1)
	records=$(wc -l <"$tmp/out.jsonl")
	awk -v n="$n" -v w="$workers" -v wall="$1" -v rss="$4" -v rec="$records" 'BEGIN {
		printf "%-10d %8d %9.2f %10.0f %12.1f %8d\n", n, w, wall, n / wall, rss / 1024, rec }'
	rm -f "$tmp/out.jsonl"
done
