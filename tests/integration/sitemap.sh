#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeding a crawl from sitemaps: robots.txt names an index (twice), the
# index three sitemaps (one gzipped, and past the protocol's 50 MB once
# decoded), 60,000 URLs in all.  The crawl fetches exactly the listed
# pages that are in scope, allowed by robots.txt and not older than
# sitemap_since, each once; the refusals are counted by reason; every
# sitemap is read once; peak memory does not grow with the sitemaps'
# size.  A malformed sitemap is said, keeps what it gave, and the crawl
# goes on; the four strategies seed the same pages.
. "$TOP_SRCDIR/tests/lib.sh"
GNU_TIME=${GNU_TIME:-/usr/bin/time}
if ! "$GNU_TIME" -f %M true >/dev/null 2>&1; then
	echo "Bail out! GNU time is not installed at $GNU_TIME (apt-get install time; or set GNU_TIME)"
	exit 1
fi
DOCROOT=$SCRATCH/doc
ROBOTS=$SCRATCH/robots.txt
mkdir -p "$DOCROOT"
start_target
cd "$SCRATCH"
OTHER=$(echo "$TARGET" | sed 's/127\.0\.0\.1/localhost/')

# make_sitemaps DIR SCALE: the index and its three sitemaps under DIR
# (served at /static/DIR/), SCALE times 1,000 URLs per kind of entry;
# writes DIR.expected (the URLs the crawl must fetch, sorted) and
# DIR.counts (the refusals it must count).  PAD bytes of extension
# elements in each entry of the gzipped sitemap.
make_sitemaps() {
	python3 - "$1" "$2" "$TARGET" "$OTHER" "${PAD:-0}" <<'PY'
import gzip, os, sys
d, scale, target, other, pad = sys.argv[1], int(sys.argv[2]) * 1000, sys.argv[3], sys.argv[4], int(sys.argv[5])
os.makedirs(d, exist_ok=True)
size = 100000
ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
img = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
expected, counts = {target + "/"}, {}
n = [0]
def page():
    n[0] += 1
    return "%s/page/%d?size=%d" % (target, n[0], size)
def entry(loc, lastmod=None, extra=""):
    lm = "<lastmod>%s</lastmod>" % lastmod if lastmod else ""
    return "<url><loc>%s</loc>%s%s</url>\n" % (loc, lm, extra)
def kept(loc):
    expected.add(loc)
    return loc
def refused(reason):
    counts[reason] = counts.get(reason, 0) + 1
# sitemap 1 (plain XML): new pages in every date form, old ones, out of
# scope, disallowed; an <image:loc> inside an entry is not a page
new_dates = [None, "2026", "2026-01", "2026-01-01", "2026-02-03T04:05Z",
             "2026-01-01T10:00:00+02:00", "2025-12-31T23:30:00-01:00", "2026-06-01T12:00:00.5Z"]
old_dates = ["2025", "2025-12", "2025-12-31", "2026-01-01T00:30:00+01:00"]
s1 = []
for i in range(10 * scale):
    loc = kept(page())
    s1.append(entry(loc, new_dates[i % len(new_dates)],
                    '<image:image><image:loc>%s/img/%d.png</image:loc></image:image>' % (target, i)))
for i in range(6 * scale):
    s1.append(entry(page(), old_dates[i % len(old_dates)])); refused("sitemap: older than sitemap_since")
for i in range(3 * scale):
    s1.append(entry("%s/page/%d" % (other, i))); refused("sitemap: out of scope")
for i in range(2 * scale):
    s1.append(entry("%s/private/%d" % (target, i), "2026-05-05")); refused("sitemap: robots.txt")
with open(os.path.join(d, "s1.xml"), "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset %s %s>\n%s</urlset>\n' % (ns, img, "".join(s1)))
# sitemap 2 (gzipped): new pages, each with PAD bytes of extension data
padding = "<image:image><image:caption>%s</image:caption></image:image>" % ("x" * pad) if pad else ""
with gzip.open(os.path.join(d, "s2.xml.gz"), "wt", compresslevel=6) as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset %s %s>\n' % (ns, img))
    for i in range(20 * scale):
        f.write(entry(kept(page()), "2026-03-01", padding))
    f.write("</urlset>\n")
# sitemap 3: new pages, some already listed by sitemap 1 (fetched once,
# refused by no one), and the index itself again (read once)
s3 = [entry(kept(page())) for i in range(15 * scale)]
s3 += [entry("%s/page/%d?size=%d" % (target, i + 1, size)) for i in range(4 * scale)]
with open(os.path.join(d, "s3.xml"), "w") as f:
    f.write('<urlset %s>\n%s</urlset>\n' % (ns, "".join(s3)))
with open(os.path.join(d, "index.xml"), "w") as f:
    f.write('<?xml version="1.0"?>\n<sitemapindex %s>\n' % ns)
    for name in ("s1.xml", "s2.xml.gz", "s3.xml"):
        f.write("  <sitemap><loc>%s/static/%s/%s</loc><lastmod>2026-01-02</lastmod></sitemap>\n" % (target, d, name))
    f.write("</sitemapindex>\n")
with open(d + ".expected", "w") as f:
    f.write("\n".join(sorted(expected)) + "\n")
with open(d + ".counts", "w") as f:
    f.write("\n".join("%s %d" % kv for kv in sorted(counts.items())) + "\n")
PY
}

# (python3 starts slowly on a busy machine: the checks use sed and sort)
# urls FILE: the records' URLs, sorted
urls() {
	sed 's/^{"url":"\([^"]*\)".*/\1/' "$1" | LC_ALL=C sort
}
# refusals REPORT: "reason count" lines of the report's refused_by_reason
refusals() {
	sed -n 's/.*"refused_by_reason":{\([^}]*\)}.*/\1/p' "$1" | tr ',' '\n' |
		sed 's/^"\(.*\)":\([0-9]*\)$/\1 \2/' | LC_ALL=C sort
}
# never_asked: paths the server saw that the crawl must never request
# (disallowed ones, and the images of a sitemap's extension data)
never_asked() {
	curl -s "$TARGET/_stats" | grep -o '"/\(private\|img\)[^"]*"' | wc -l | tr -d ' '
}

cat >"$ROBOTS" <<EOF
User-agent: *
Disallow: /private/
Sitemap: $TARGET/static/big/index.xml
# the same index twice, and one on a host out of scope
Sitemap: $TARGET/static/big/index.xml
Sitemap: $OTHER/static/big/index.xml
EOF
(cd "$DOCROOT" && PAD=2700 make_sitemaps big 1)
check "the gzipped sitemap is past the protocol's 50 MB once decoded" \
	test "$(gzip -dc "$DOCROOT/big/s2.xml.gz" | wc -c)" -gt 52428800
cat >big.yaml <<EOF
urls: [$TARGET/]
strategy: event
workers: 16
crawl:
  max_depth: 0
  sitemaps: true
  sitemap_since: 2026-01-01
EOF

# 1. the 60,000 URLs: exactly the expected pages, each once
reset_target
"$GNU_TIME" -o big.rss -f %M "$SCRAPE" -q -c big.yaml -o big.jsonl --report big.json >big.out 2>big.err
is "$?" 0 "the sitemap crawl exits 0"
is "$(wc -l <"$DOCROOT/big.expected" | tr -d ' ')" 45001 "the sitemaps list 45,000 pages to fetch (and the seed)"
urls big.jsonl >big.got
check "the records are exactly the seed and the listed pages in scope, allowed and new enough" \
	cmp big.got "$DOCROOT/big.expected"
diff big.got "$DOCROOT/big.expected" | head -5 | sed 's/^/# /'
is "$(refusals big.json)" "$(printf 'sitemap file: out of scope 1\n'; cat "$DOCROOT/big.counts")" \
	"the refusals are counted by reason, the sitemaps' apart"
like "$(cat big.out)" "sitemaps: 4 read, 0 failed, 45000 URLs queued" "the summary counts the sitemaps"
is "$(grep -o '"sitemaps":{[^}]*}' big.json)" '"sitemaps":{"read":4,"failed":0,"urls":45000}' \
	"the report counts them too"
is "$(hits /robots.txt) $(hits /static/big/index.xml) $(hits /static/big/s1.xml) $(hits /static/big/s2.xml.gz) $(hits /static/big/s3.xml)" \
	"1 1 1 1 1" "robots.txt and each sitemap were fetched once"
is "$(never_asked)" 0 "no disallowed path and no image was requested"
is "$(cat big.err)" "" "nothing to warn about"

# 2. memory: the same crawl with sitemaps a hundred times smaller peaks
# near the same; a sitemap kept whole (55 MB decoded) or read into a
# tree would pass the allowance.  The 45,000 queued URLs and the seen
# set take a few MB: 24 MB covers them and the allocator's slack.
# a small index: one sitemap of ten pages
mkdir -p "$DOCROOT/tiny"
printf '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>%s</loc></sitemap></sitemapindex>\n' \
	"$TARGET/static/tiny/t.xml" >"$DOCROOT/tiny/index.xml"
{
	echo '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "<url><loc>$TARGET/page/$i?size=100000</loc></url>"
	done
	echo '</urlset>'
} >"$DOCROOT/tiny/t.xml"
cat >tiny.yaml <<EOF
urls: [$TARGET/]
strategy: event
workers: 16
crawl:
  max_depth: 0
  sitemap_urls: [$TARGET/static/tiny/index.xml]
EOF
"$GNU_TIME" -o tiny.rss -f %M "$SCRAPE" -q -c tiny.yaml -o tiny.jsonl >tiny.out 2>&1
is "$(wc -l <tiny.jsonl | tr -d ' ')" 11 "the small crawl fetches its ten pages and the seed"
BIG_KB=$(tail -n 1 big.rss)
TINY_KB=$(tail -n 1 tiny.rss)
if ldd "$SCRAPE" 2>/dev/null | grep -q 'libasan'; then
	ok 0 "# SKIP a sanitizer build's peak memory (${BIG_KB} KiB) says nothing of scrape's"
else
	check "peak RSS ${BIG_KB} KiB is under the small crawl's ${TINY_KB} KiB + 24 MiB" \
		test "$BIG_KB" -lt $((TINY_KB + 24 * 1024))
fi

# 3. a malformed sitemap: said with its line, what it gave before the
# fault kept, and the crawl goes on with the next sitemap; a text
# sitemap is one URL a line; a missing one is said and skipped
cat >"$DOCROOT/bad.xml" <<EOF
<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>$TARGET/page/1?size=50</loc></url>
<url><loc>$TARGET/page/2?size=50</loc>
</urlset>
EOF
printf '%s\n\n  %s  \r\nnot a url\n' "$TARGET/page/3?size=50" "$TARGET/page/4?size=50" >"$DOCROOT/list.txt"
cat >bad.yaml <<EOF
strategy: sequential
crawl:
  max_depth: 0
  sitemap_urls:
    - $TARGET/static/bad.xml
    - $TARGET/static/missing.xml
    - $TARGET/static/list.txt
EOF
"$SCRAPE" -c bad.yaml -o bad.jsonl --report bad.json >bad.out 2>bad.err
is "$?" 0 "a crawl with a malformed sitemap still exits 0"
is "$(cat bad.err)" "scrape: warning: sitemap $TARGET/static/bad.xml: malformed XML at line 5: Opening and ending tag mismatch: url line 4 and urlset; the 1 URL read before that is kept
scrape: warning: sitemap $TARGET/static/missing.xml: answered 404; its URLs are not read" \
	"the malformed and the missing sitemaps are said, one line each"
is "$(urls bad.jsonl | sed "s|$TARGET||")" "/page/1?size=50
/page/3?size=50
/page/4?size=50" "the pages before the fault and the text sitemap's are fetched"
is "$(refusals bad.json)" "sitemap: not a web URL 1" "a text line that is no URL is counted"
like "$(cat bad.out)" "sitemaps: 1 read, 2 failed, 3 URLs queued" "the summary counts the failed sitemaps"

# 4. the same seeds whatever the strategy
for s in sequential threaded event multiprocess; do
	reset_target
	"$SCRAPE" -q -s "$s" -w 4 -c tiny.yaml -o "tiny-$s.jsonl" >/dev/null 2>&1
	is "$(urls "tiny-$s.jsonl")" "$(urls tiny.jsonl)" "$s: the same pages from the sitemaps"
	is "$(hits /static/tiny/t.xml)" 1 "$s: the nested sitemap read once"
done
done_testing
