#!/bin/sh
# SPDX-License-Identifier: MIT
# recrawl: conditional.  A small site of static files, served by targetd
# (ETag to the nanosecond, Last-Modified, 304 to matching validators) and
# by a private nginx, is crawled twice into one SQLite file; between the
# runs the test edits one page and adds another.  Run 2 must get 304s for
# the unchanged pages (the server's answers say so, as does the summary,
# exactly), 200s for the edited and the new page, keep the stored fields
# of the unchanged ones, and still reach the page only an unchanged page
# links to.  Under every strategy that uses libcurl, multiprocess too,
# whose worker frames carry the validators.
. "$TOP_SRCDIR/tests/lib.sh"
use_nginx
DOCS=$SCRATCH/docs
mkdir -p "$DOCS/static"
cd "$SCRATCH" || exit 1

# page NAME TITLE LINK...: writes DOCS/static/NAME.html
page() {
	name=$1 title=$2
	shift 2
	{
		printf '<!doctype html><html><head><title>%s</title></head><body>\n' "$title"
		for l in "$@"; do
			printf '<p><a href="%s.html">%s</a></p>\n' "$l" "$l"
		done
		printf '</body></html>\n'
	} >"$DOCS/static/$name.html"
}

# the site: d is linked from c only, so a crawl that does not follow an
# unchanged page's stored links never reaches it
make_site() {
	rm -f "$DOCS"/static/*.html
	page index "Home" a b c
	page a "Page A" index
	page b "Page B" a
	page c "Page C" d
	page d "Page D" index
	# an hour old: an edit made in the same second as run 1 still changes
	# Last-Modified, which nginx's ETag is made of
	touch -d '1 hour ago' "$DOCS"/static/*.html
}

# edit_site: b gets a new title and a link to a new page e
edit_site() {
	page b "Page B, edited" a e
	page e "Page E" index
}

# title DB URL_SUFFIX: the stored title of the page whose URL ends so
title() {
	sqlite3 "$1" "SELECT json_extract(fields, '\$.title') FROM pages WHERE url LIKE '%$2'"
}
# column DB URL_SUFFIX COLUMN
column() {
	sqlite3 "$1" "SELECT $3 FROM pages WHERE url LIKE '%$2'"
}
# recrawl_json FILE: the summary's recrawl member and status counts
recrawl_json() {
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
r, c = s.get("recrawl", {}), s["status_counts"]
print(r.get("unchanged"), r.get("changed"), r.get("new"), c.get("304", 0), c.get("200", 0))' "$1"
}

# crawl BASE STRATEGY DB NAME: one crawl run from BASE/index.html
crawl() {
	timeout 60 "$SCRAPE" -q -s "$2" -w 3 -c job.yaml --set "urls=[$1/index.html]" \
		--set "output.path=$3" --format json --report "$4.report.json" --html "$4.html" \
		>"$4.json" 2>"$4.err"
	RC=$?
}

cat >job.yaml <<'EOF'
urls: [http://127.0.0.1:1/index.html]
parsers: [title, links]
crawl: {max_depth: 5, robots: false}
output: {format: sqlite, path: pages.db, table: pages}
recrawl: conditional
EOF

# ---- targetd, each strategy

DOCROOT=$DOCS/static start_target
for s in sequential threaded event multiprocess lean; do
	make_site
	rm -f "$s.db"*
	reset_target
	crawl "$TARGET/static" "$s" "$s.db" "$s-1"
	is "$RC" 0 "$s: run 1 exits 0"
	is "$(recrawl_json "$s-1.json")" "0 0 5 0 5" "$s: run 1 finds 5 new pages, all 200"
	is "$(column "$s.db" /d.html recrawl)" new "$s: a page of run 1 is recorded as new"
	check "$s: run 1 keeps the ETag" test -n "$(column "$s.db" /a.html etag)"
	check "$s: run 1 keeps Last-Modified" test -n "$(column "$s.db" /a.html last_modified)"
	is "$(column "$s.db" /c.html "json_array_length(crawl_links)")" 1 "$s: run 1 keeps each page's links"
	fetched_a=$(column "$s.db" /a.html fetched_at)

	edit_site
	crawl "$TARGET/static" "$s" "$s.db" "$s-2"
	is "$RC" 0 "$s: run 2 exits 0"
	is "$(recrawl_json "$s-2.json")" "4 1 1 4 2" \
		"$s: run 2: 4 unchanged (304), 1 changed and 1 new (200)"
	is "$(title "$s.db" /a.html)" "Page A" "$s: an unchanged page keeps its title"
	is "$(title "$s.db" /d.html)" "Page D" "$s: the page only an unchanged page links to is reached"
	is "$(title "$s.db" /b.html)" "Page B, edited" "$s: the changed page is parsed again"
	is "$(title "$s.db" /e.html)" "Page E" "$s: the new page is fetched"
	is "$(sqlite3 "$s.db" "SELECT group_concat(recrawl) FROM (SELECT recrawl FROM pages ORDER BY url)")" \
		"unchanged,changed,unchanged,unchanged,new,unchanged" "$s: each row (a b c d e index) says how its page compared"
	is "$(column "$s.db" /a.html "status || ' ' || fetched_at")" "200 $fetched_a" \
		"$s: an unchanged row keeps its status and fetch time"
	check "$s: an unchanged row gets a new check time" \
		test "$(column "$s.db" /a.html "checked_at > fetched_at")" = 1
done
like "$(cat multiprocess-2.report.json)" '"recrawl":{"unchanged":4,"changed":1,"new":1}' \
	"the --report file has the counts"
check "the HTML report shows the counts" grep -q '>unchanged<' multiprocess-2.html
"$SCRAPE" --merge sequential-2.report.json multiprocess-2.report.json --format json >merged.json 2>merged.err
is "$(recrawl_json merged.json)" "8 2 2 8 4" "--merge adds the counts of the reports up"

# the text summary and per-download lines
make_site
rm -f text.db*
"$SCRAPE" -c job.yaml --set "urls=[$TARGET/static/index.html]" --set output.path=text.db \
	>text-1.out 2>&1
"$SCRAPE" -c job.yaml --set "urls=[$TARGET/static/index.html]" --set output.path=text.db \
	>text-2.out 2>&1
like "$(cat text-2.out)" "  recrawl: 5 unchanged, 0 changed, 0 new" "the text summary counts the pages"
like "$(cat text-2.out)" "Unchanged $TARGET/static/a.html (304," "a 304 has its own per-download line"

# with crawl.state: the next day's re-crawl starts over with --fresh, which
# empties the state but keeps the rows, and with them the validators
make_site
rm -f state.db* st.db*
"$SCRAPE" -q -c job.yaml --set "urls=[$TARGET/static/index.html]" --set output.path=st.db \
	--set crawl.state=state.db --format json >st-1.json 2>st-1.err
"$SCRAPE" -q --fresh -c job.yaml --set "urls=[$TARGET/static/index.html]" --set output.path=st.db \
	--set crawl.state=state.db --format json >st-2.json 2>st-2.err
is "$(recrawl_json st-2.json)" "5 0 0 5 0" "crawl.state and --fresh: every unchanged page is a 304"
is "$(title st.db /d.html)" "Page D" "crawl.state: the unchanged crawl reaches every page"

# each validator alone, and a server that sends none: a list of URLs, no crawl
make_site
rm -f list.db*
printf 'urls:\n  - %s\n  - %s\n  - %s\noutput: list.db\nrecrawl: conditional\n' \
	"$TARGET/static/a.html?v=etag" "$TARGET/static/a.html?v=lm" "$TARGET/static/a.html?v=none" >list.yaml
"$SCRAPE" -q -c list.yaml --format json >list-1.json 2>list-1.err
"$SCRAPE" -q -c list.yaml --format json >list-2.json 2>list-2.err
is "$(recrawl_json list-2.json)" "2 1 0 2 1" \
	"ETag alone and Last-Modified alone give a 304; without validators the page is fetched whole"
is "$(sqlite3 list.db "SELECT count(*) FROM list WHERE etag IS NULL AND last_modified IS NULL")" 1 \
	"a page without validators has none stored"

# ---- a private nginx: it sends ETag and Last-Modified for static files
# and honours If-None-Match and If-Modified-Since; its access log says
# what it answered

NG=$SCRATCH/nginx
mkdir -p "$NG/tmp"
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
cat >"$NG/nginx.conf" <<EOF
$(nginx_config_head "$NG")
http {
	log_format probe '\$request_uri \$status';
	access_log $NG/access.log probe;
$(nginx_temp_paths "$NG")
	types { text/html html; }
	default_type text/html;
	root $DOCS;
	server {
		listen 127.0.0.1:$PORT;
		location = /ready { return 200 "ready\n"; }
	}
}
EOF
make_site
start_nginx "$NG" "$BASE/ready"
rm -f nginx.db*
crawl "$BASE/static" event nginx.db nginx-1
is "$RC" 0 "nginx: run 1 exits 0"
is "$(recrawl_json nginx-1.json)" "0 0 5 0 5" "nginx: run 1 finds 5 new pages"
edit_site
: >"$NG/access.log"       # nginx appends (O_APPEND): run 2's lines only
crawl "$BASE/static" event nginx.db nginx-2
is "$RC" 0 "nginx: run 2 exits 0"
is "$(grep -v '^/ready' "$NG/access.log" | sort | tr '\n' ' ')" \
	"/static/a.html 304 /static/b.html 200 /static/c.html 304 /static/d.html 304 /static/e.html 200 /static/index.html 304 " \
	"nginx answered 304 for the unchanged files, 200 for the edited and the new one"
is "$(recrawl_json nginx-2.json)" "4 1 1 4 2" "nginx: the summary counts exactly"
is "$(title nginx.db /c.html)" "Page C" "nginx: an unchanged page keeps its title"
is "$(title nginx.db /b.html)" "Page B, edited" "nginx: the edited page has its new title"

done_testing
