#!/bin/sh
# SPDX-License-Identifier: MIT
# What recrawl: conditional saves on a daily re-crawl: a site of PAGES
# static pages of about 10 KB (the target server sends ETag and
# Last-Modified) is crawled once into an SQLite file, CHANGED of them are
# edited, and the site is crawled again from a copy of that file twice,
# side by side: with recrawl off (every page fetched and parsed) and with
# recrawl: conditional (304s for the rest).  Usage:
#
#   bench/recrawl.sh [BUILD_DIR] [PAGES] [CHANGED]
set -eu
pages=${2:-3000}
changed=${3:-30}
. "$(dirname "$0")/lib.sh"

python3 - "$tmp/docs" "$pages" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
filler = "<p>" + "Some words of a page that has them, for a while. " * 4 + "</p>\n"
with open(os.path.join(root, "index.html"), "w") as f:
    f.write("<html><head><title>index</title></head><body>\n")
    for i in range(n):
        f.write(f'<a href="p{i}.html">{i}</a>\n')
    f.write("</body></html>\n")
for i in range(n):
    with open(os.path.join(root, f"p{i}.html"), "w") as f:
        f.write(f"<html><head><title>page {i}</title></head><body>\n")
        f.write(filler * 50)
        f.write('<a href="index.html">home</a></body></html>\n')
PY
touch -d '1 hour ago' "$tmp/docs"/*.html

cat >"$tmp/job.yaml" <<JOB
urls: [$target/static/index.html]
parsers: [title, links]
crawl: {max_depth: 1, robots: false}
output: {format: sqlite, path: $tmp/pages.db, table: pages}
JOB

# run NAME RECRAWL: one crawl of the site into NAME.db, a row of the table
run() {
	python3 "$top/bench/measure.py" "$build/scrape" -q --no-progress -s event -w 8 \
		-c "$tmp/job.yaml" --set "output.path=$tmp/$1.db" --set "recrawl=$2" \
		--format json >"$tmp/measure"
	head -1 "$tmp/measure" >"$tmp/times"
	tail -n +2 "$tmp/measure" >"$tmp/summary.json"
	python3 - "$1" "$tmp/times" "$tmp/summary.json" <<'PY'
import json, sys
name, times, summary = sys.argv[1], open(sys.argv[2]).read().split(), json.load(open(sys.argv[3]))
wall, cpu = float(times[0]), float(times[1]) + float(times[2])
r = summary.get("recrawl", {})
parsed = summary["requests"] - r.get("unchanged", 0)
print(f"{name:<16} {summary['requests']:6d} {summary['status_counts'].get('304', 0):6d} {parsed:7d}"
      f" {summary['bytes'] / 1e6:9.2f} {wall:7.3f} {cpu:6.3f}")
PY
}

printf '%-16s %6s %6s %7s %9s %7s %6s\n' run pages 304s parsed body_MB wall_s cpu_s
run first conditional
python3 - "$tmp/docs" "$changed" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(root, f"p{i}.html"), "a") as f:
        f.write("<!-- edited -->\n")
PY
cp "$tmp/first.db" "$tmp/full.db"
cp "$tmp/first.db" "$tmp/conditional.db"
run full off
run conditional conditional
