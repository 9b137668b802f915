#!/bin/sh
# SPDX-License-Identifier: MIT
# The bundled HTML and text parsers (title, links, xpath, regex) end to end,
# against fixtures the target server serves from tests/parsers/ under
# /static/: charsets and entities, link resolution, XPath result types,
# regex groups, job errors with their file:line:col, a pattern that would
# backtrack for ever, a corpus of malformed pages (some generated here,
# too big to keep in the tree) that must neither crash nor hang a parser,
# and the same fields under every strategy.
. "$TOP_SRCDIR/tests/lib.sh"

DOCROOT="$SCRATCH/docroot"
cp -R "$TOP_SRCDIR/tests/parsers" "$DOCROOT"
chmod -R u+w "$DOCROOT"
python3 - "$DOCROOT" <<'PY'
import os, sys
root = sys.argv[1]
def put(name, data):
    with open(os.path.join(root, name), "wb") as f:
        f.write(data)
levels = 100000
put("malformed/deep-nesting.html",
    b"<!DOCTYPE html><html><head><title>Deep</title></head><body><a href=\"/top\">top</a>"
    + b"<div>" * levels + b"<a href=\"/bottom\">bottom</a>" + b"</div>" * levels + b"</body></html>")
put("malformed/huge-attribute.html",
    b"<html><head><title>Huge attribute</title></head><body><a href=\"/" + b"x" * (2 << 20)
    + b"\">x</a><a title=\"" + b"y" * (2 << 20) + b"\" href=\"/small\">s</a></body></html>")
put("malformed/huge-comment.html",
    b"<html><head><title>Comment</title></head><body><!--" + b"-- <a href='/c'> " * 60000)
put("malformed/many-attributes.html",
    b"<html><title>Attributes</title><a "
    + b"".join(b"a%d=\"%d\" " % (i, i) for i in range(5000)) + b"href=\"/many\">m</a></html>")
page, size, i = [b"<!DOCTYPE html><html><head><title>Five megabytes</title></head><body>\n"], 0, 0
while size < 5 << 20:
    page.append(b"<p>Paragraph %d with <a href=\"/p/%d\">a link</a> and <a href=\"rel/%d#f\">another</a>.</p>\n"
                % (i, i % 5000, i % 3000))
    size += len(page[-1])
    i += 1
put("malformed/five-megabytes.html", b"".join(page) + b"</body></html>\n")
put("five-megabytes.links", b"%d\n" % (min(i, 5000) + min(i, 3000)))
put("backtrack.txt", b"a" * 100000 + b"b")
PY
start_target
cd "$SCRATCH"

# run NAME ARGS...: scrape -q with records in NAME.jsonl, stderr in NAME.err
run() {
	name=$1
	shift
	"$SCRAPE" -q -o "$name.jsonl" "$@" >"$name.out" 2>"$name.err"
}
# get FILE KEY: KEY of the first record as JSON, or <absent>
get() {
	python3 -c 'import json, sys
r = json.loads(open(sys.argv[1], encoding="utf-8").readline())
print(json.dumps(r[sys.argv[2]], ensure_ascii=False) if sys.argv[2] in r else "<absent>")' "$1" "$2"
}
# items FILE KEY: the items of the list KEY of the first record, one a line
items() {
	python3 -c 'import json, sys
r = json.loads(open(sys.argv[1], encoding="utf-8").readline())
print("\n".join(r.get(sys.argv[2], [])))' "$1" "$2"
}
# title_of PATH: the title field of /static/PATH
title_of() {
	run title -p title "$TARGET/static/$1"
	get title.jsonl title
}
# links_of URL [PARSER_ENTRY [FIELD]]: the links of a page, one a line
links_of() {
	cat >links.yaml <<EOF
urls: ["$1"]
parsers: [${2:-links}]
EOF
	run links -c links.yaml
	items links.jsonl "${3:-links}"
}
# expect LINE...: the lines given, with @ standing for $TARGET
expect() {
	for line in "$@"; do echo "$line"; done | sed "s|@|$TARGET|"
}
# first_line FILE: the first line of a file
first_line() { sed -n 1p "$1"; }

# ---- title ----
is "$(title_of title-plain.html)" '"A plain title"' "title: the first <title>"
is "$(title_of title-entities.html)" '"Fish & Chips été <b> ☺ €"' "title: entities decoded"
is "$(title_of title-space.html)" '"Lots of white space"' "title: white space collapsed and trimmed"
is "$(title_of title.latin1.html)" '"Café crème à la française"' \
   "title: ISO-8859-1 from the Content-Type charset, recorded as UTF-8"
is "$(title_of 'meta-charset.html?ct=text/html')" '"Grüße aus Köln"' \
   "title: charset from <meta charset> when the header has none"
is "$(title_of 'meta-http-equiv.html?ct=text/html')" '"“Quoted” € price"' \
   "title: charset from <meta http-equiv> (windows-1252)"
is "$(title_of 'meta-wrong.html?ct=text/html;%20charset=utf-8')" '"Grüße in UTF-8"' \
   "title: the header's charset wins over a wrong <meta>"
is "$(title_of 'meta-wrong.html?ct=text/html' | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))')" \
   '"Gr\u00c3\u00bc\u00c3\u009fe in UTF-8"' "title: with no header charset the <meta> is believed"
is "$(title_of title-mislabelled.html)" '"Café crème — Grüße, naïve €"' \
   "title: invalid UTF-8 in a UTF-8 page reads as ISO-8859-1, byte by byte; good UTF-8 stays"
is "$(title_of 'title-mislabelled.html?ct=text/html')" '"Café crème — Grüße, naïve €"' \
   "title: the same when UTF-8 is only the default"
printf 'urls: ["%s/static/title-mislabelled.html"]\nparsers: [links, {name: xpath, fields: {p: "string(//p)"}}]\n' "$TARGET" >mislabelled.yaml
run mislabelled -c mislabelled.yaml
is "$(get mislabelled.jsonl p)|$(items mislabelled.jsonl links)" "\"été à la plage\"|$TARGET/caf%c3%a9" \
   "xpath and links read the invalid bytes as ISO-8859-1 too"
is "$(title_of no-title.html)" "<absent>" "title: no <title>, no field"
is "$(get title.jsonl error)" "null" "title: a page without a title is no error"
is "$(title_of 'title-plain.html?ct=application/xhtml%2Bxml')" '"A plain title"' "title: XHTML is HTML too"
is "$(title_of 'title-plain.html?ct=')" '"A plain title"' "title: no Content-Type, sniffed as HTML"

"$SCRAPE" -q -v -p title -o json.jsonl "$TARGET/static/title.json" >json.out 2>json.err
ok $? "title: a JSON body exits 0"
is "$(get json.jsonl title),$(get json.jsonl error)" "<absent>,null" "title: a JSON body gets no title and no error"
like "$(cat json.err)" "scrape: info: title: skipped a non-HTML body (application/json) from $TARGET/static/title.json" \
     "title: the skip is logged at info level"
run quiet -p title "$TARGET/static/title.json"
is "$(cat quiet.err)" "" "title: and not logged without -v"
"$SCRAPE" -q -v -p title -o json.jsonl "$TARGET/static/title.json?ct=" >json.out 2>json.err
like "$(cat json.err)" "title: skipped a non-HTML body (no Content-Type)" "title: no Content-Type and no HTML start: skipped"

cat >rename.yaml <<EOF
urls: [$TARGET/static/title-plain.html]
parsers: [{name: title, field: heading}]
EOF
run rename -c rename.yaml
is "$(get rename.jsonl heading),$(get rename.jsonl title)" '"A plain title",<absent>' "title: field renames the field"

# ---- links: the target server's page graph ----
is "$(links_of "$TARGET/page/3")" "$(expect @/page/7 @/page/8 @/page/10 @/page/4 @/page/2 @/page/6 @/private/3)" \
   "links: /page/3, resolved, in order, fragment dropped"
is "$(links_of "$TARGET/page/999")" "$(expect @/page/999 @/page/0 @/page/6 @/page/998 @/page/2 @/private/999)" \
   "links: /page/999, the relative link repeats /page/0 and is dropped"
is "$(links_of "$TARGET/page/5?size=10")" \
   "$(expect '@/page/1?size=10' '@/page/2?size=10' '@/page/6?size=10' '@/page/4?size=10' '@/page/8?size=10' @/private/5)" \
   "links: /page/5 of 10, queries kept"
is "$(get links.jsonl error)" "null" "links: no error"

# ---- links: kinds of references, options ----
kinds="$TARGET/static/links-kinds.html"
common="@/static/page-a.html @/root.html @/up.html @/static/links-kinds.html?q=1 @/static/links-kinds.html
@/static/page-b.html @/static/page-c.html"
is "$(links_of "$kinds")" "$(expect $common http://Example.COM/Upper http://other.example/protocol-relative \
   'https://secure.example/x?y=1' http://127.0.0.1:1/other-port @/static/a%20b.html @/map-area.html)" \
   "links: <a> and <area> only; javascript:, mailto:, tel:, data:, ftp: and repeats dropped"
is "$(links_of "$kinds" '{name: links, link: true, img: true, script: true}')" \
   "$(expect @/css/site.css @/static/favicon.ico @/js/app.js $common http://Example.COM/Upper \
   http://other.example/protocol-relative 'https://secure.example/x?y=1' http://127.0.0.1:1/other-port \
   @/static/a%20b.html @/map-area.html @/img/pic.png @/static/pic2.png)" \
   "links: link, img and script add <link href>, <img src>, <script src>"
is "$(links_of "$kinds" '{name: links, img: true}' | grep -c /img/)" 1 "links: img alone adds only images"
is "$(links_of "$kinds" '{name: links, same_host: true}')" \
   "$(expect $common http://127.0.0.1:1/other-port @/static/a%20b.html @/map-area.html)" \
   "links: same_host keeps the page's host name only (any port)"
is "$(links_of "$TARGET/static/links-base.html")" "$(expect @/sub/dir/early.html @/sub/dir/page.html \
   @/sub/sibling.html @/root.html @/sub/dir/ '@/sub/dir/?q=1' http://other.example/x)" \
   "links: the first <base href> applies to every link, even one before it"
is "$(links_of "$TARGET/page/3" '{name: links, field: mine}' mine | wc -l)" 7 "links: field renames the field"
links_of "$TARGET/static/no-title.html" >/dev/null
is "$(get links.jsonl links),$(get links.jsonl error)" "[],null" "links: a page without links has an empty list"
links_of "$TARGET/static/title.json" >/dev/null
is "$(get links.jsonl links),$(get links.jsonl error)" "<absent>,null" "links: a JSON body is skipped"

# ---- xpath ----
cat >xpath.yaml <<EOF
urls: [$TARGET/static/xpath.html]
parsers:
  - name: xpath
    fields:
      heading: //h1
      sku: //li/@data-sku
      count: count(//li[@class="product"])
      total: sum(//span[@class="price"])
      sold_out: boolean(//li[contains(@class, "sold-out")])
      lang: string(/html/@lang)
      names: //span[@class="name"]
      skus: //li/@data-sku
      missing: //table
      none: //table/@x
    all: [names, none]
EOF
run xpath -c xpath.yaml
ok $? "xpath: the job exits 0"
is "$(get xpath.jsonl heading)" "\"Today's offers\"" "xpath: an element's text, white space collapsed"
is "$(get xpath.jsonl sku)" '"A-1"' "xpath: an attribute's value, the first node"
is "$(get xpath.jsonl count)" 2 "xpath: count() is a number"
is "$(get xpath.jsonl total)" 46.5 "xpath: sum() keeps its fraction"
is "$(get xpath.jsonl sold_out)" true "xpath: boolean() is a boolean"
is "$(get xpath.jsonl lang)" '"en"' "xpath: string() is a string"
is "$(get xpath.jsonl names)" '["Teapot", "Cup & saucer", "Kettle"]' "xpath: all gives every node as a list"
is "$(get xpath.jsonl skus)" '"A-1"' "xpath: without all, the first"
is "$(get xpath.jsonl missing),$(get xpath.jsonl none)" "<absent>,<absent>" "xpath: an empty node-set leaves the field out"
cat >xpath-empty.yaml <<EOF
urls: ["$TARGET/static/malformed/empty.html"]
parsers: [{name: xpath, fields: {n: "count(//*)", t: //title}}]
EOF
run xpath-empty -c xpath-empty.yaml
is "$(get xpath-empty.jsonl n),$(get xpath-empty.jsonl t),$(get xpath-empty.jsonl error)" "0,<absent>,null" \
   "xpath: an empty body is an empty page"

# bad_xpath EXPRESSION: runs a job whose one field has it; the job file is bad.yaml
bad_xpath() {
	cat >bad.yaml <<EOF
urls: [$TARGET/static/xpath.html]
parsers:
  - name: xpath
    fields:
      broken: '$1'
EOF
	run bad -c bad.yaml
}
reset_target
bad_xpath '//li[@class='
is "$?" 2 "xpath: a bad expression is a job error (exit 2)"
is "$(first_line bad.err)" \
   'bad.yaml:5:7: xpath: bad XPath for field "broken": Invalid expression at character 13 of "//li[@class="' \
   "xpath: the message points at the key and says where the expression breaks"
is "$(hits /static/xpath.html)" 0 "xpath: nothing is fetched for a bad job"
bad_xpath 'nosuchfunction(//li)'
is "$?:$(first_line bad.err)" \
   '2:bad.yaml:5:7: xpath: bad XPath for field "broken": Unregistered function in "nosuchfunction(//li)"' \
   "xpath: an unknown function is caught before the run"
cat >bad.yaml <<EOF
urls: [$TARGET/static/xpath.html]
parsers:
  - name: xpath
    fields: {a: //h1}
    all: [a, b]
EOF
run bad -c bad.yaml
is "$?:$(first_line bad.err)" '2:bad.yaml:5:10: xpath: "b" is not one of the fields' "xpath: all names only fields"
printf 'urls: [%s/static/xpath.html]\nparsers: [xpath]\n' "$TARGET" >bad.yaml
run bad -c bad.yaml
is "$?" 2 "xpath: no fields is a job error"

# ---- regex ----
# regex_job NAME ENTRY-KEYS: runs regex.txt through {name: regex, KEYS}
regex_job() {
	printf 'urls: [%s/static/regex.txt]\nparsers:\n  - {name: regex, %s}\n' "$TARGET" "$2" >"$1.yaml"
	run "$1" -c "$1.yaml"
}
regex_job named 'pattern: "order=(?<order>\\d+) total=(?<total>[\\d.]+) (?<currency>[A-Z]+)"'
is "$(get named.jsonl order),$(get named.jsonl total),$(get named.jsonl currency)" '"1001","12.50","EUR"' \
   "regex: each named group is a field, from the first match"
is "$(python3 -c 'import json,sys; print(list(json.loads(open(sys.argv[1]).readline()))[-3:])' named.jsonl)" \
   "['order', 'total', 'currency']" "regex: fields in the pattern's order"
regex_job every 'pattern: "order=(?<order>\\d+) total=(?<total>[\\d.]+)", all: true'
is "$(get every.jsonl order)|$(get every.jsonl total)" '["1001", "1002", "1003"]|["12.50", "4.00", "30.00"]' \
   "regex: all gives a list per group, one item per match"
regex_job whole 'pattern: "\\d+\\.\\d\\d", all: true'
is "$(get whole.jsonl match)" '["12.50", "4.00", "30.00"]' "regex: no named group records the whole match as match"
regex_job renamed 'pattern: "shop@example\\.com", ignore_case: true, field: email'
is "$(get renamed.jsonl email)" '"Shop@Example.com"' "regex: ignore_case, and field renames match"
regex_job optional 'pattern: "(?<eur>EUR)|(?<usd>USD)", all: true'
is "$(get optional.jsonl eur)|$(get optional.jsonl usd)" '["EUR", "", "EUR"]|["", "USD", ""]' \
   "regex: a group that took no part gives \"\", so lists stay aligned"
regex_job nomatch 'pattern: "(?<x>nowhere)"'
is "$(get nomatch.jsonl x),$(get nomatch.jsonl error)" "<absent>,null" "regex: no match, no field, no error"
printf 'urls: [%s/static/malformed/invalid-utf8.html]\nparsers: [{name: regex, pattern: "(?<t>end)<"}]\n' \
	"$TARGET" >binary.yaml
run binary -c binary.yaml
is "$(get binary.jsonl t)" '"end"' "regex: invalid UTF-8 in the body does not stop a match"

regex_job bad 'pattern: "order=(?<order>\\d+"'
is "$?:$(first_line bad.err)" \
   "2:bad.yaml:3:28: regex: bad regular expression at offset 18: missing closing parenthesis" \
   "regex: a bad pattern is a job error with PCRE2's message and offset"
printf 'urls: [%s/static/regex.txt]\nparsers: [regex]\n' "$TARGET" >bad.yaml
run bad -c bad.yaml
is "$?" 2 "regex: no pattern is a job error"

printf 'urls: [%s/static/backtrack.txt]\nparsers: [{name: regex, pattern: "(a+)+$"}]\n' "$TARGET" >slow.yaml
started=$(date +%s)
run slow -c slow.yaml
status=$?
took=$(($(date +%s) - started))
is "$status" 1 "regex: (a+)+\$ on 100 KB of a's exits 1"
check "regex: and gives up within 10 s (took ${took}s)" test "$took" -lt 10
is "$(get slow.jsonl error)" '"parser regex failed"' "regex: the record says the parser failed"
like "$(cat slow.err)" "regex: $TARGET/static/backtrack.txt: match limit exceeded" "regex: the reason is logged"

# ---- malformed pages: no crash, no hang, one record each ----
find "$DOCROOT/malformed" -type f | sort | sed "s|^$DOCROOT|$TARGET/static|" >corpus.txt
corpus_count=$(wc -l <corpus.txt)
cat >corpus.yaml <<EOF
url_file: corpus.txt
timeout: 60s
parsers:
  - title
  - {name: links, link: true, img: true, script: true}
  - name: xpath
    fields: {elements: "count(//*)", hrefs: "(//a/@href)[position() <= 100]", first: //p}
    all: [hrefs]
  - {name: regex, pattern: "(?<tag><[a-z]+)"}
EOF
for s in sequential threaded; do
	run "corpus-$s" -c corpus.yaml -s "$s" -w 4
	is "$?" 0 "corpus ($s): every malformed page parses, exit 0"
	is "$(json_lines "corpus-$s.jsonl")" "$corpus_count" "corpus ($s): one record for each of the $corpus_count files"
	is "$(python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["error"] is not None))' "corpus-$s.jsonl")" 0 \
	   "corpus ($s): no record has an error"
	is "$(cat "corpus-$s.err")" "" "corpus ($s): libxml2 printed nothing"
done
# record PATH: the corpus record of malformed/PATH
record() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["url"].endswith("/malformed/" + sys.argv[2]):
        print(json.dumps({k: r.get(k) for k in sys.argv[3:]}, ensure_ascii=False, sort_keys=True))' \
	corpus-sequential.jsonl "$@"
}
is "$(record deep-nesting.html title links)" \
   "{\"links\": [\"$TARGET/top\", \"$TARGET/bottom\"], \"title\": \"Deep\"}" \
   "corpus: 100,000 nested divs: title and links from end to end"
is "$(record five-megabytes.html title)" '{"title": "Five megabytes"}' "corpus: a 5 MB page has its title"
is "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["url"].endswith("five-megabytes.html"): print(len(r["links"]))' corpus-sequential.jsonl)" \
   "$(cat "$DOCROOT/five-megabytes.links")" "corpus: and its distinct links, out of 100,000 references"
is "$(record huge-attribute.html title)" '{"title": "Huge attribute"}' "corpus: 2 MB attribute values"
is "$(record truncated-tag.html links)" "{\"links\": [\"$TARGET/x\", \"$TARGET/y\"]}" \
   "corpus: a tag cut off by the end of the body still counts"
is "$(record unclosed-comment.html links)" "{\"links\": [\"$TARGET/before\"]}" \
   "corpus: nothing inside an unclosed comment is a link"
is "$(record only-lt.html title links elements)" '{"elements": 0, "links": [], "title": null}' \
   "corpus: a body that is only '<'"
is "$(record empty.html title elements)" '{"elements": 0, "title": null}' "corpus: an empty body"
like "$(record invalid-utf8.html title)" '"title": "bad ' "corpus: invalid UTF-8 in a title"

# ---- the same fields under every strategy ----
cat >parity.yaml <<EOF
urls:
  - $TARGET/page/0
  - $TARGET/page/1
  - $TARGET/page/2
  - $TARGET/page/41
  - $TARGET/static/xpath.html
  - $TARGET/static/title.latin1.html
  - $TARGET/static/links-kinds.html
  - $TARGET/static/links-base.html
  - $TARGET/static/regex.txt
  - $TARGET/static/malformed/misnested.html
workers: 4
parsers:
  - title
  - links
  - {name: xpath, fields: {h1: //h1, n: "count(//a)", hrefs: //a/@href}, all: [hrefs]}
  - {name: regex, pattern: "(?<word>[A-Z][a-z]+)", all: true}
EOF
# fields FILE: each record's URL and parser fields, sorted
fields() {
	python3 -c 'import json,sys
core = {"url", "final_url", "status", "bytes", "bytes_wire", "attempts", "depth", "error", "time_total",
        "time_dns", "time_connect", "time_tls", "time_first_byte"}
rows = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    rows.append(r["url"] + " " + json.dumps({k: v for k, v in r.items() if k not in core}, sort_keys=True))
print("\n".join(sorted(rows)))' "$1"
}
for s in sequential threaded event multiprocess; do
	run "parity-$s" -c parity.yaml -s "$s"
	is "$?" 0 "parity: $s exits 0"
	fields "parity-$s.jsonl" >"fields-$s.txt"
done
is "$(grep -c '"title"' fields-sequential.txt),$(grep -c '"links"' fields-sequential.txt)" "9,9" \
   "parity: the job has titles and links to compare"
for s in threaded event multiprocess; do
	if cmp -s fields-sequential.txt "fields-$s.txt"; then
		ok 0 "parity: $s gives the same parser fields as sequential"
	else
		ok 1 "parity: $s gives the same parser fields as sequential"
		diff fields-sequential.txt "fields-$s.txt" | sed 's/^/# /' | head -20
	fi
done

done_testing
