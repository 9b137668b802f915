#!/bin/sh
# SPDX-License-Identifier: MIT
# A url_file of bare URLs next to one of JSON objects with a request of
# their own (method, a header, a body, meta): the check at load
# (--dry-run) of 1,000,000 lines, and a run of 100,000 against the target
# server (event strategy, WORKERS workers, records to a file).  Both kinds
# are streamed, so peak RSS must stay flat between them and as the lines
# grow; the ratio column is JSON over bare.  Usage:
#
#   bench/urlfile.sh [BUILD_DIR] [WORKERS]
set -eu
workers=${2:-500}
. "$(dirname "$0")/lib.sh"

# lines KIND N: N lines of url_file of that kind
lines() {
	awk -v n="$2" -v t="$target" -v kind="$1" 'BEGIN { for (i = 0; i < n; i++)
		if (kind == "bare") printf "%s/bytes/64?i=%d\n", t, i
		else printf "{\"url\": \"%s/bytes/64?i=%d\", \"method\": \"POST\", \"headers\": {\"X-Id\": \"%d\"}, \"body\": \"id=%d\", \"meta\": {\"id\": %d, \"shop\": \"one\"}}\n", t, i, i, i, i }'
}

# measure WHAT N KIND: wall seconds and peak RSS KiB of scrape on N lines of KIND
measure() {
	lines "$3" "$2" >"$tmp/urls.txt"
	printf 'url_file: %s\nstrategy: event\nworkers: %s\noutput: %s\n' \
		"$tmp/urls.txt" "$workers" "$tmp/out.jsonl" >"$tmp/job.yaml"
	if [ "$1" = load ]; then
		python3 "$top/bench/measure.py" "$build/scrape" --dry-run -c "$tmp/job.yaml" >"$tmp/measured"
	else
		python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress -c "$tmp/job.yaml" >"$tmp/measured"
	fi
	head -1 "$tmp/measured"
	rm -f "$tmp/out.jsonl"
}

printf '%-6s %8s %9s %9s %9s %12s %12s %9s\n' what lines bare_s json_s ratio bare_rss_MiB json_rss_MiB rss_ratio
for run in "load 1000000" "run 100000"; do
	set -- $run
	what=$1 n=$2
	set -- $(measure "$what" "$n" bare)
	bare_wall=$1 bare_rss=$4
	set -- $(measure "$what" "$n" json)
	awk -v what="$what" -v n="$n" -v bw="$bare_wall" -v br="$bare_rss" -v jw="$1" -v jr="$4" 'BEGIN {
		printf "%-6s %8d %9.2f %9.2f %9.2f %12.1f %12.1f %9.2f\n", what, n, bw, jw, jw / bw,
		       br / 1024, jr / 1024, jr / br }'
done
