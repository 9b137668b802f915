#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawling the target server's site graph: exactly the pages reachable
# within max_depth are fetched, once each, under every strategy; robots.txt
# is fetched once and obeyed (the server never sees a disallowed path);
# max_pages stops exactly; scope and patterns refuse URLs and count them.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
SIZE=60

# expected DEPTH: the pages within DEPTH links of page 0, by the server's
# documented link rule (tests/server/README.md), as sorted page numbers
expected() {
	python3 - "$1" "$SIZE" <<'PY'
import sys
depth, size = int(sys.argv[1]), int(sys.argv[2])
seen, frontier = {0}, [0]
for _ in range(depth):
    nxt = []
    for n in frontier:
        for m in ((2*n+1) % size, (2*n+2) % size, (n+7) % size, (n+1) % size, (n+size-1) % size, (n+3) % size):
            if m not in seen:
                seen.add(m); nxt.append(m)
    frontier = nxt
print(" ".join(str(n) for n in sorted(seen)))
PY
}
# fetched FILE: the page numbers in the records, sorted
fetched() {
	python3 -c 'import json,sys,re
pages = sorted(int(re.search(r"/page/(\d+)", json.loads(l)["url"]).group(1)) for l in open(sys.argv[1]) if "/page/" in l)
print(" ".join(map(str, pages)))' "$1"
}

cat >crawl.yaml <<EOF2
urls: [$TARGET/page/0?size=$SIZE]
parsers: [links]
crawl:
  max_depth: 2
workers: 4
EOF2

want=$(expected 2)
for s in sequential threaded event multiprocess; do
	reset_target
	"$SCRAPE" -q -s "$s" -c crawl.yaml -o "crawl-$s.jsonl" >"crawl-$s.out" 2>&1
	is "$?" 0 "$s: the crawl exits 0"
	is "$(fetched "crawl-$s.jsonl")" "$want" "$s: exactly the pages within depth 2, each once"
	is "$(hits /robots.txt)" 1 "$s: robots.txt fetched once"
	is "$(curl -s "$TARGET/_stats" | python3 -c 'import json,sys; print(sum(v for k, v in json.load(sys.stdin)["paths"].items() if k.startswith("/private")))')" 0 \
	   "$s: no disallowed /private/ path ever requested"
	like "$(cat "crawl-$s.out")" "not fetched: robots.txt" "$s: the summary counts what robots.txt refused"
done
is "$(python3 -c 'import json,sys
d = {}
for l in open(sys.argv[1]):
    r = json.loads(l); d[r["depth"]] = d.get(r["depth"], 0) + 1
print(sorted(d))' crawl-event.jsonl)" "[0, 1, 2]" "records carry their depth"

# ---- depth 0 fetches only the seed; depth 4 more ----
"$SCRAPE" -q -c crawl.yaml --set crawl.max_depth=0 -o d0.jsonl >/dev/null 2>&1
is "$(fetched d0.jsonl)" "0" "max_depth 0: only the seed"
"$SCRAPE" -q -s event -c crawl.yaml --set crawl.max_depth=4 -o d4.jsonl >/dev/null 2>&1
is "$(fetched d4.jsonl)" "$(expected 4)" "max_depth 4: exactly the pages within depth 4"

# ---- max_pages stops exactly ----
for s in sequential event multiprocess; do
	"$SCRAPE" -q -s "$s" -c crawl.yaml --set crawl.max_depth=10 --set crawl.max_pages=17 -o mp.jsonl >/dev/null 2>&1
	is "$(json_lines mp.jsonl)" 17 "$s: max_pages 17 fetches 17 pages"
done

printf 'urls: [%s/page/0?size=%s, %s/page/0?size=%s, %s/page/0?size=%s]\nparsers: [links]\ncrawl: {max_depth: 5, max_pages: 3}\n' \
	"$TARGET" "$SIZE" "$TARGET" "$SIZE" "$TARGET" "$SIZE" >dupseeds.yaml
"$SCRAPE" -q -c dupseeds.yaml -o dup.jsonl >/dev/null 2>&1
is "$(json_lines dup.jsonl)" 3 "a repeated seed is fetched once and does not use up max_pages"

# ---- robots: false follows everything ----
reset_target
"$SCRAPE" -q -c crawl.yaml --set crawl.robots=false --set crawl.max_depth=1 -o nr.jsonl >/dev/null 2>&1
is "$(hits /robots.txt)" 0 "robots: false does not fetch robots.txt"
is "$(hits /private/0)" 1 "robots: false fetches /private/ pages too"

# ---- patterns and scope are counted, and listed with -v ----
"$SCRAPE" -c crawl.yaml -v --set 'crawl.deny=["/page/1[0-9]"]' -o deny.jsonl >deny.out 2>deny.err
like "$(cat deny.out)" "denied by pattern" "deny patterns are counted in the summary"
like "$(cat deny.err)" "scrape: refused $TARGET/page/1" "-v lists each refused URL with its reason"
is "$(fetched deny.jsonl | tr ' ' '\n' | grep -c '^1[0-9]$')" 0 "denied pages are not fetched"
"$SCRAPE" -q -c crawl.yaml --set 'crawl.allow_domains=[example.com]' -o scope.jsonl >scope.out 2>&1
is "$(fetched scope.jsonl)" "0" "allow_domains keeps the crawl to those domains"
like "$(cat scope.out)" "out of scope" "and counts what it kept out"

# ---- a second host is out of scope by default ----
start_target2
printf 'urls: [%s/page/0?size=%s, %s/page/5?size=%s]\nparsers: [links]\ncrawl: {max_depth: 1}\n' \
	"$TARGET" "$SIZE" "$TARGET2" "$SIZE" >two.yaml
"$SCRAPE" -q -c two.yaml -o two.jsonl >/dev/null 2>&1
is "$(python3 -c 'import json,sys; print(len({json.loads(l)["url"].split("/")[2] for l in open(sys.argv[1])}))' two.jsonl)" 2 \
   "same_host: both seeds' hosts are crawled"

# ---- job errors ----
err=$("$SCRAPE" --dry-run -c crawl.yaml --set crawl.max_dept=2 2>&1)
is "$err" '--set crawl.max_dept:1:1: unknown key "crawl.max_dept" (did you mean "max_depth"?)' "crawl keys are checked"
err=$("$SCRAPE" --dry-run -c crawl.yaml --set 'crawl.deny=["(unclosed"]' 2>&1)
like "$err" 'bad regular expression "(unclosed"' "a bad pattern is a job error"
err=$("$SCRAPE" --dry-run -c crawl.yaml -n 2 2>&1)
like "$err" 'a crawl fetches each page once' "crawl and repeat do not mix"

done_testing
