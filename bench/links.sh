#!/bin/sh
# SPDX-License-Identifier: MIT
# Link extraction throughput on one thread, in MB/s of HTML (MB = 10^6
# bytes): the links parser plugin, driven by bench/parse_bench.c (which
# dlopens it as scrape would), against Python lxml doing the same work -
# parse the page, take a/@href and area/@href, resolve them against the
# page URL and the first <base href> with urljoin, drop the fragment, keep
# http(s), drop repeats - on the same files, read into memory first on
# both sides.  Each side runs 5 passes; the best counts.  Usage:
#
#   bench/links.sh [BUILD_DIR] [HTML_DIR]
#
# HTML_DIR defaults to /usr/share/doc: every *.html file under it, which on
# a Debian system is the HTML documentation its packages ship (a few
# hundred files; `apt-get install python3-doc` adds about 500 more).
# Needs cc, pkg-config, libcurl's headers and python3-lxml for
# /usr/bin/python3.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
html_dir=${2:-/usr/share/doc}
plugin="$build/plugins/.libs/parser_links.so"
python=/usr/bin/python3
passes=5

[ -f "$plugin" ] || { echo "bench: $plugin is not built" >&2; exit 2; }
$python -c 'import lxml.html' 2>/dev/null ||
	{ echo "bench: $python has no lxml (apt-get install python3-lxml)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
find "$html_dir" -name '*.html' -type f -size +0 | sort >"$tmp/files"
count=$(wc -l <"$tmp/files")
if [ "$count" -lt 100 ]; then
	echo "bench: only $count HTML files under $html_dir; install some documentation" \
		"(apt-get install python3-doc) or name another directory" >&2
	exit 2
fi

# not part of the build: compiled here against the tree's headers
cc -O2 -Wall -Wextra -I"$top/include" -I"$build/include" $(pkg-config --cflags libcurl) \
	-o "$tmp/parse_bench" "$top/bench/parse_bench.c" "$top/tests/mock/mock_host.c" -ldl
"$tmp/parse_bench" "$plugin" "$passes" <"$tmp/files" >"$tmp/c.out"

$python - "$tmp/files" "$passes" >"$tmp/py.out" <<'PY'
import sys, time
from urllib.parse import urljoin, urldefrag
import lxml.etree
import lxml.html

files = [line.rstrip("\n") for line in open(sys.argv[1]) if line.strip()]
passes = int(sys.argv[2])
pages = []
for path in files:
    with open(path, "rb") as f:
        pages.append(("http://localhost" + path, f.read()))

CONTROLS = "".join(chr(c) for c in range(33))

def clean(value):
    # as a browser reads an href: outer spaces and controls, inner tabs
    # and newlines gone
    return value.strip(CONTROLS).replace("\t", "").replace("\n", "").replace("\r", "")

def links(url, data):
    try:
        doc = lxml.html.document_fromstring(data)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = url
    for href in doc.xpath("//base/@href")[:1]:
        base = urljoin(url, clean(href))
    seen, found = set(), []
    for href in doc.xpath("//a/@href | //area/@href"):
        link = urldefrag(urljoin(base, clean(href)))[0]
        if link.startswith(("http://", "https://")) and link not in seen:
            seen.add(link)
            found.append(link)
    return found

best, total = None, 0
for _ in range(passes):
    start = time.perf_counter()
    total = sum(len(links(url, data)) for url, data in pages)
    took = time.perf_counter() - start
    best = took if best is None or took < best else best
size = sum(len(data) for _, data in pages)
print("files=%d bytes=%d seconds=%.4f mb_per_s=%.2f fields=%d links=%d"
      % (len(pages), size, best, size / 1e6 / best, total, total))
PY

# value FILE KEY: one key=value of a result line
value() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
c_rate=$(value "$tmp/c.out" mb_per_s)
py_rate=$(value "$tmp/py.out" mb_per_s)
echo "HTML: $(value "$tmp/c.out" files) files under $html_dir," \
	"$(awk -v b="$(value "$tmp/c.out" bytes)" 'BEGIN { printf "%.1f", b / 1e6 }') MB; best of $passes passes, one thread"
printf '%-24s %8s %10s %10s %9s\n' "extractor" "files" "MB" "MB/s" "links"
for side in c py; do
	name="scrape parser_links"
	[ "$side" = py ] && name="python3 lxml + urljoin"
	printf '%-24s %8s %10s %10s %9s\n' "$name" "$(value "$tmp/$side.out" files)" \
		"$(awk -v b="$(value "$tmp/$side.out" bytes)" 'BEGIN { printf "%.1f", b / 1e6 }')" \
		"$(value "$tmp/$side.out" mb_per_s)" "$(value "$tmp/$side.out" links)"
done
awk -v c="$c_rate" -v p="$py_rate" 'BEGIN {
	r = c / p
	printf "ratio: %.2f x lxml (goal >= 1.5: %s)\n", r, (r >= 1.5) ? "met" : "not met"
}'
