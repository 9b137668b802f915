#!/bin/sh
# SPDX-License-Identifier: MIT
# Renders the sample HTML run report (a two-minute open-model run with a
# stall, drawn by tests/unit/test_html --sample) and, when Chromium is
# installed, takes a full-page screenshot of it with headless Chromium, to
# look at the design without a desktop.  Usage, from a configured build
# directory (default _build):
#
#   bench/html.sh [BUILD_DIR] [OUT_DIR]
#
# leaves OUT_DIR/report.html and OUT_DIR/report.png (default: a new
# directory under /tmp) and prints their paths and sizes.  WIDTH and
# HEIGHT set the window, 1280 x 2200 by default.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
out=${2:-$(mktemp -d /tmp/scrape-html.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

make -C "$build" -s tests/unit/test_html >/dev/null
"$build/tests/unit/test_html" --sample "$out/report.html"
echo "page:       $out/report.html ($(wc -c <"$out/report.html") bytes)"

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
# its own profile, so it neither touches nor waits for a desktop session
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$out/profile" --screenshot="$out/report.png" \
	--window-size="${WIDTH:-1280},${HEIGHT:-2200}" "file://$out/report.html" \
	>"$out/chromium.log" 2>&1 || { cat "$out/chromium.log" >&2; exit 1; }
rm -rf "$out/profile"
[ -s "$out/report.png" ] || { echo "bench: chromium wrote no screenshot" >&2; exit 1; }
echo "screenshot: $out/report.png ($(wc -c <"$out/report.png") bytes)"
