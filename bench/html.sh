#!/bin/sh
# SPDX-License-Identifier: MIT
# Renders two HTML run reports and, when Chromium is installed, takes a
# full-page screenshot of each with headless Chromium, to look at them
# without a desktop: the sample view of tests/unit/test_html --sample (a
# two-minute open-model run with a stall), and a real 5-second run against
# the target server (200/s over 4 connections, the server stalling for 1 s
# after 2 s).  Usage, from a configured build directory (default _build):
#
#   bench/html.sh [BUILD_DIR] [OUT_DIR]
#
# leaves OUT_DIR/report.html, OUT_DIR/run.html and a .png of each (default:
# a new directory under /tmp) and prints their paths and sizes.  WIDTH and
# HEIGHT set the window, 1280 x 2200 by default.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
out=${2:-$(mktemp -d /tmp/scrape-html.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

make -C "$build" -s tests/unit/test_html tests/server/targetd >/dev/null
"$build/tests/unit/test_html" --sample "$out/report.html"
echo "page:       $out/report.html ($(wc -c <"$out/report.html") bytes)"

# the real run, against the target server on a free port
"$build/tests/server/targetd" --port 0 --port-file "$out/port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s "$out/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
target="http://127.0.0.1:$(cat "$out/port")"
( sleep 2; curl -s "$target/_stall/1000/1000" >/dev/null ) &
SCRAPE_PLUGIN_PATH="$build/plugins/.libs" "$build/scrape" -q --no-progress --rate 200/s -d 5s \
	--max-connections 4 --html "$out/run.html" "$target/bytes/100" "$target/status/503" \
	>"$out/run.txt" 2>&1 || :
wait $!
echo "page:       $out/run.html ($(wc -c <"$out/run.html") bytes; summary in run.txt)"

browser=
for name in chromium chromium-browser google-chrome; do
	if command -v "$name" >/dev/null 2>&1; then
		browser=$name
		break
	fi
done
if [ -z "$browser" ]; then
	echo "screenshot: skipped, no chromium (apt-get install chromium)"
	exit 0
fi
for page in report run; do
	# its own profile, so it neither touches nor waits for a desktop session
	"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$out/profile" --screenshot="$out/$page.png" \
		--window-size="${WIDTH:-1280},${HEIGHT:-2200}" "file://$out/$page.html" \
		>"$out/chromium.log" 2>&1 || { cat "$out/chromium.log" >&2; exit 1; }
	rm -rf "$out/profile"
	[ -s "$out/$page.png" ] || { echo "bench: chromium wrote no screenshot" >&2; exit 1; }
	echo "screenshot: $out/$page.png ($(wc -c <"$out/$page.png") bytes)"
done
