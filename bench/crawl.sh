#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawl throughput: each strategy crawls the target server's site graph of
# SIZE pages (links parser, robots.txt obeyed, depth unlimited in practice)
# and the table shows pages per second.  Usage:
#
#   bench/crawl.sh [BUILD_DIR] [SIZE]
set -eu
size=${2:-5000}
. "$(dirname "$0")/lib.sh"
cat >"$tmp/crawl.yaml" <<JOB
urls: [$target/page/0?size=$size]
parsers: [links]
crawl: {max_depth: 100}
output: $tmp/out.jsonl
JOB

printf '%-13s %7s %7s %8s %9s %8s\n' strategy workers pages wall_s pages/s cpu_s
for spec in sequential:1 threaded:16 event:64 multiprocess:8; do
	python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress \
		-s "${spec%%:*}" -w "${spec#*:}" -c "$tmp/crawl.yaml" >"$tmp/measure"
	set -- $(head -1 "$tmp/measure")
	pages=$(wc -l <"$tmp/out.jsonl")
	awk -v name="${spec%%:*}" -v w="${spec#*:}" -v p="$pages" -v wall="$1" -v u="$2" -v s="$3" 'BEGIN {
		printf "%-13s %7d %7d %8.2f %9.0f %8.2f\n", name, w, p, wall, p / wall, u + s }'
done
