#!/bin/sh
# SPDX-License-Identifier: MIT
# A request per URL: a urls entry's or url_file line's own method, headers,
# body and meta reach the target server exactly (its /echo says what
# arrived) and the meta reaches every record, in every output format and
# under every strategy, through retries and repeats; a JSON Lines url_file
# mixes bare URLs and objects; bad lines name FILE:LINE:COL.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# field FILE URL-SUFFIX KEY: KEY of the record whose url ends in URL-SUFFIX, as JSON
field() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["url"].endswith(sys.argv[2]): print(json.dumps(r.get(sys.argv[3], "<absent>"), sort_keys=True))' "$1" "$2" "$3"; }

# the echo's parts, as fields of the record
ECHO_PARSERS='parsers:
  - {name: regex, pattern: "\"method\": \"(?<method>[A-Z]+)\""}
  - {name: regex, pattern: "\"body\": \"(?<body>[^\"]*)\""}
  - {name: regex, pattern: "\"(?i:x-tok)\": \"(?<tok>[^\"]*)\""}
  - {name: regex, pattern: "\"Content-Type\": \"(?<ctype>[^\"]*)\""}
  - {name: regex, pattern: "\"header_lines\": (?<lines>[0-9]+)"}'

# ---- method, body and a header of its own reach the server exactly ----
cat >own.yaml <<EOF
urls:
  - $TARGET/echo/plain
  - url: $TARGET/echo/login
    method: post
    headers: {Content-Type: application/x-www-form-urlencoded, x-tok: from-url}
    body: user=ann&password=s3cret
    meta: {account: ann, n: 3, quoted: "3", tags: [a, b], none: ~}
  - url: $TARGET/echo/file
    method: PUT
    body_file: data/body.txt
headers: {X-Tok: from-job}
$ECHO_PARSERS
output: own.jsonl
EOF
mkdir -p data
printf 'from-a-file' >data/body.txt
"$SCRAPE" -q -c own.yaml >/dev/null 2>own.err
ok $? "a job with per-URL requests runs"
is "$(field own.jsonl /echo/login method)|$(field own.jsonl /echo/login body)" \
   '"POST"|"user=ann&password=s3cret"' "the entry's method and body are sent"
is "$(field own.jsonl /echo/login ctype)" '"application/x-www-form-urlencoded"' "its own header is sent"
is "$(field own.jsonl /echo/login tok)|$(field own.jsonl /echo/plain tok)" '"from-url"|"from-job"' \
   "its header replaces the job's of the same name, in any case; other URLs keep the job's"
plain_lines=$(field own.jsonl /echo/plain lines)
own_lines=$(field own.jsonl /echo/login lines)
# the login request adds Content-Type and Content-Length, nothing else
is "$own_lines" "\"$(( $(echo "$plain_lines" | tr -d '"') + 2 ))\"" "the job's X-Tok is not sent beside it"
is "$(field own.jsonl /echo/file method)|$(field own.jsonl /echo/file body)" '"PUT"|"from-a-file"' \
   "body_file is read relative to the job file"
is "$(field own.jsonl /echo/plain method)|$(field own.jsonl /echo/plain meta)" '"GET"|"<absent>"' \
   "a plain URL keeps the job's request and has no meta"
is "$(field own.jsonl /echo/login meta)" \
   '{"account": "ann", "n": 3, "none": null, "quoted": "3", "tags": ["a", "b"]}' \
   "meta is copied into the record, plain numbers and null typed, quoted text kept as text"

# ---- a JSON Lines url_file: bare URLs and objects ----
cat >urls.jsonl <<EOF
# a comment, then a blank line

$TARGET/echo/bare
{"url": "$TARGET/echo/obj", "method": "DELETE", "headers": {"X-Tok": "line"}, "meta": {"id": 7, "deep": {"k": [1, null]}}}
  {"url": "$TARGET/echo/posted", "method": "POST", "body": "a=1"}
EOF
printf 'url_file: urls.jsonl\nheaders: {X-Tok: from-job}\n%s\noutput: file.jsonl\n' "$ECHO_PARSERS" >file.yaml
"$SCRAPE" -q -c file.yaml >/dev/null 2>file.err
ok $? "a url_file of bare URLs and JSON objects runs"
is "$(json_lines file.jsonl)" 3 "one record per URL line"
is "$(field file.jsonl /echo/bare method)|$(field file.jsonl /echo/bare tok)" '"GET"|"from-job"' \
   "a bare URL line keeps the job's request"
is "$(field file.jsonl /echo/obj method)|$(field file.jsonl /echo/obj tok)" '"DELETE"|"line"' \
   "an object line's method and header are sent"
is "$(field file.jsonl /echo/obj meta)" '{"deep": {"k": [1, null]}, "id": 7}' "its meta, nested, reaches the record"
is "$(field file.jsonl /echo/posted body)" '"a=1"' "its body is sent"
# digest FILE: what the server saw of each URL, and its meta, in URL order
digest() { python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
for r in sorted(rows, key=lambda r: r["url"]):
    print(r["url"].rsplit("/", 1)[1], r.get("method"), r.get("tok"), r.get("body"), json.dumps(r.get("meta")))' "$1"; }
for strategy in threaded event multiprocess lean; do
	"$SCRAPE" -q -c file.yaml --set strategy=$strategy --set workers=2 --set output=file-$strategy.jsonl >/dev/null 2>&1
	is "$(digest file-$strategy.jsonl)" "$(digest file.jsonl)" "$strategy: the lines' own requests and meta as sequential's"
done
is "$("$SCRAPE" --dry-run -c file.yaml | grep url_file)" 'url_file: "./urls.jsonl"  # 3 URLs' \
   "--dry-run counts the lines of both kinds"

# ---- every output format, every strategy ----
cat >meta.yaml <<EOF
urls:
  - {url: $TARGET/html/300, meta: {shop: one, page: 1}}
  - $TARGET/html/301
  - {url: $TARGET/bytes/5, method: HEAD, meta: {shop: "two, \"quoted\"", page: 2}}
parsers: [size]
EOF
for strategy in sequential threaded event multiprocess lean; do
	reset_target
	"$SCRAPE" -q -c meta.yaml --set strategy=$strategy --set workers=2 -o m-$strategy.jsonl >/dev/null 2>&1
	is "$(field m-$strategy.jsonl /html/300 meta)|$(field m-$strategy.jsonl /html/301 meta)|$(field m-$strategy.jsonl /bytes/5 meta)" \
	   '{"page": 1, "shop": "one"}|"<absent>"|{"page": 2, "shop": "two, \"quoted\""}' "$strategy: meta in the JSONL records"
	"$SCRAPE" -q -c meta.yaml --set strategy=$strategy --set output.format=csv -o m-$strategy.csv >/dev/null 2>&1
	is "$(python3 -c 'import csv,sys
rows=list(csv.DictReader(open(sys.argv[1])))
print("|".join(r["meta"] for r in sorted(rows, key=lambda r: r["url"])))' m-$strategy.csv)" \
	   '{"shop":"two, \"quoted\"","page":2}|{"shop":"one","page":1}|' "$strategy: a meta column in CSV, as JSON, in the job's order"
	"$SCRAPE" -q -c meta.yaml --set strategy=$strategy --set output.format=sqlite -o m-$strategy.db >/dev/null 2>&1
	is "$(sqlite3 m-$strategy.db "select json_extract(fields, '\$.meta.shop') || json_extract(fields, '\$.meta.page') from meta order by url")" \
	   "two, \"quoted\"2
one1" "$strategy: meta in SQLite's fields column"
	is "$(curl -s "$TARGET/_log" | awk '$4 ~ /bytes/ {print $3}' | sort | uniq -c | tr -s ' ')" " 3 HEAD" \
	   "$strategy: the HEAD entry is sent with its method, once a run"
done

# ---- retries, repeat and groups keep the URL's request ----
reset_target
cat >retry.yaml <<EOF
urls:
  - {url: "$TARGET/busy/r1?n=2&after=0", method: POST, body: x=1, meta: {try: yes}}
retries: 3
retry_delay: 10ms
output: retry.jsonl
EOF
"$SCRAPE" -q -c retry.yaml >/dev/null 2>&1
is "$(field retry.jsonl after=0 attempts)|$(field retry.jsonl after=0 meta)" '3|{"try": "yes"}' \
   "a retried request keeps its meta"
is "$(curl -s "$TARGET/_log" | awk '$4 ~ /busy/ {print $3}' | sort -u)" "POST" "and every attempt its method"
reset_target
printf 'urls:\n  - {url: %s/echo/g, method: POST, body: b, name: login}\n  - %s/bytes/2\nrequests: 6\noutput: group.jsonl\n' \
	"$TARGET" "$TARGET" >group.yaml
"$SCRAPE" -q -c group.yaml >/dev/null 2>group.err
is "$(python3 -c 'import json,sys
print(sorted(set(json.loads(l)["group"] for l in open(sys.argv[1]))))' group.jsonl)" \
   "['GET $TARGET/bytes/2', 'login']" "a load test groups per-URL requests by their name"
is "$(curl -s "$TARGET/_log" | awk '$4 ~ /echo/ {print $3}' | sort | uniq -c | tr -s ' ')" " 3 POST" \
   "each time round the list sends the entry's method"
printf 'urls:\n  - {url: %s/echo/u, method: PATCH}\nrequests: 2\noutput: dgroup.jsonl\n' "$TARGET" >dgroup.yaml
"$SCRAPE" -q -c dgroup.yaml >/dev/null 2>&1
is "$(field dgroup.jsonl /echo/u group | sort -u)" "\"PATCH $TARGET/echo/u\"" "an unnamed group takes the entry's method"

# ---- weights and redirects ----
reset_target
printf 'urls:\n  - {url: %s/bytes/3, method: PUT, body: w, weight: 2, meta: {w: 2}}\n  - %s/bytes/4\nrepeat: 2\noutput: weight.jsonl\n' \
	"$TARGET" "$TARGET" >weight.yaml
"$SCRAPE" -q -c weight.yaml >/dev/null 2>&1
is "$(curl -s "$TARGET/_log" | awk '{print $3, $4}' | sort | uniq -c | tr -s ' ' | tr '\n' ,)" \
   " 2 GET /bytes/4, 4 PUT /bytes/3," "a weighted entry sends its method each time it comes up"
is "$(field weight.jsonl /bytes/3 meta | sort -u)" '{"w": 2}' "and each of its records has its meta"
reset_target
printf 'urls: [{url: %s/redirect/2, method: PUT, body: r}]\noutput: redirect.jsonl\n' "$TARGET" >redirect.yaml
"$SCRAPE" -q -c redirect.yaml >/dev/null 2>&1
printf 'urls: [%s/redirect/2]\nmethod: PUT\nbody: r\n' "$TARGET" >redirect-job.yaml
own_chain=$(curl -s "$TARGET/_log" | awk '{print $3, $4}' | tr '\n' ,)
reset_target
"$SCRAPE" -q -c redirect-job.yaml >/dev/null 2>&1
is "$own_chain|$(field redirect.jsonl /redirect/2 status)" \
   "$(curl -s "$TARGET/_log" | awk '{print $3, $4}' | tr '\n' ,)|200" \
   "a redirect chain is followed as the job's own method and body would be"

# ---- recrawl: conditional sends the validators with the URL's own headers ----
printf 'urls:\n  - {url: %s/static/links-base.html, headers: {X-Tok: own}, meta: {m: 1}}\nheaders: {X-Tok: job}\nrecrawl: conditional\noutput: recrawl.db\n' \
	"$TARGET" >recrawl.yaml
for strategy in sequential multiprocess; do
	rm -f recrawl.db
	"$SCRAPE" -q -c recrawl.yaml --set strategy=$strategy >/dev/null 2>&1
	"$SCRAPE" -q -c recrawl.yaml --set strategy=$strategy >/dev/null 2>&1
	is "$(sqlite3 recrawl.db "select recrawl, json_extract(fields, '\$.meta.m') from recrawl")" "unchanged|1" \
	   "$strategy: a URL with headers of its own is re-crawled conditionally, its meta kept"
done

# ---- a crawl: the seed's meta stays with the seed ----
cat >crawl.yaml <<EOF
urls: [{url: $TARGET/page/0, meta: {seed: yes}}]
crawl: {max_depth: 1, max_pages: 3}
parsers: [links]
output: crawl.jsonl
EOF
"$SCRAPE" -q -c crawl.yaml >/dev/null 2>&1
is "$(python3 -c 'import json,sys
print(sorted((json.loads(l)["depth"], json.dumps(json.loads(l).get("meta"))) for l in open(sys.argv[1])))' crawl.jsonl)" \
   "[(0, '{\"seed\": \"yes\"}'), (1, 'null'), (1, 'null')]" "links found from a seed do not inherit its meta"

# ---- bad lines of a url_file name the file and line ----
printf 'http://a.test/a\n{"url": "http://a.test/b", "metas": {}}\n' >typo.jsonl
err=$("$SCRAPE" --dry-run --set url_file=typo.jsonl 2>&1)
is "$?|$err" '2|typo.jsonl:2:36: unknown key "metas" (did you mean "meta"?)' "an unknown key names its line and suggests"
printf '{"url": 5}\n' >num.jsonl
err=$("$SCRAPE" --dry-run --set url_file=num.jsonl 2>&1)
is "$err" 'num.jsonl:1:9: "url" must be a string' "a url that is no string is refused"
# a streamed url_file is checked as it is read: the run stops at the line
printf '%s/bytes/1\n{"url": "%s/bytes/2", "method": "GE T"}\n' "$TARGET" "$TARGET" >bad-stream.jsonl
err=$("$SCRAPE" -q --set url_file=- -o stream.jsonl <bad-stream.jsonl 2>&1)
like "$?|$err" 'standard input:2:' "a bad line of a stream names its line"
like "$err" '"method" must be a word such as GET or POST' "and says why"

# ---- configs/real-site.yaml against the target server: the login's
# cookie is kept, the crawl goes on from the home page ----
reset_target
SITE=$TARGET "$SCRAPE" -q -c "$TOP_SRCDIR/configs/real-site.yaml" --set crawl.max_pages=4 \
	--set autothrottle.start_delay=10ms --set output="$SCRATCH/real.jsonl" \
	--set cookie_jar="$SCRATCH/real-jar.txt" >/dev/null 2>real.err
ok $? "configs/real-site.yaml runs against the target server$(head -c 300 real.err)"
is "$(field real.jsonl /login status)|$(field real.jsonl /login meta)|$(field real.jsonl / meta)" \
   '200|{"step": "login"}|{"step": "home"}' "its login POST is accepted, and both entries' meta recorded"
like "$(cat real-jar.txt)" "	session	demo" "the session cookie of the login is saved"
is "$(curl -s "$TARGET/_log" | awk '{print $3, $4}' | sed -n 1,3p | tr '\n' ,)" \
   "GET /robots.txt,POST /login,GET /," "robots.txt first, then the login, then the home page"
is "$(python3 -c 'import json,sys
found=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["depth"] > 0]
print(len(found) > 0, [r for r in found if "meta" in r])' real.jsonl)" "True []" \
   "the pages crawled from it have no meta"

done_testing
