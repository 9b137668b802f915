#!/bin/sh
# SPDX-License-Identifier: MIT
# A crawl with crawl.state survives any stop.  Under each strategy the
# crawl is killed (SIGKILL of its whole process group) at several points
# and run again until it ends: the union of its records is the one-shot
# crawl's, no URL is recorded twice, and the server's arrival log shows
# that no page whose record had reached the file was fetched again.  The
# same after SIGINT; max_pages holds across restarts; robots.txt is asked
# once; a torn last record is cut; CSV keeps one header; and a state that
# is damaged, another job's or in use is refused with one line.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"
SIZE=240

cat >job.yaml <<EOF
urls: [$TARGET/page/0?size=$SIZE]
parsers: [links]
crawl: {max_depth: 20, state: state.db}
EOF

# urls FILE: the record URLs of a JSONL file, one a line, sorted (a torn
# last line, left by a kill mid-write, is skipped)
urls() {
	python3 - "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        out.append(json.loads(line)["url"])
    except ValueError:
        pass
print("\n".join(sorted(out)))
PY
}
log_seq() {   # the sequence number of the server's last logged request
	curl -s "$TARGET/_log" | awk 'END { print $1 + 0 }'
}

"$SCRAPE" -q -c job.yaml --set crawl.state=one.db -o one.jsonl >one.out 2>&1
is "$?" 0 "the one-shot crawl exits 0"
urls one.jsonl >one.urls
is "$(wc -l <one.urls)" "$SIZE" "the one-shot crawl records every page of the site"

# crawl_with_kills STRATEGY SIGNAL: runs the crawl in its own process group,
# stops the group with SIGNAL after a varying delay, five times, then once
# to the end.  After each stop, the URLs in the file and the server's last
# sequence number are saved, for the check that nothing recorded is fetched
# again.
crawl_with_kills() {
	s=$1 sig=$2
	rm -f state.db state.db-wal state.db-shm r.jsonl kills.txt
	reset_target
	for delay in 0.45 0.3 0.6 0.35 0.5; do
		setsid "$SCRAPE" -q -s "$s" -w 4 --set rate_limit=150/s -c job.yaml -o r.jsonl \
			>>run.out 2>&1 &
		pid=$!
		sleep "$delay"
		kill -s "$sig" -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		[ -f r.jsonl ] || : >r.jsonl
		printf '%s %s\n' "$(log_seq)" "$(urls r.jsonl | tr '\n' ' ')" >>kills.txt
	done
	"$SCRAPE" -s "$s" -c job.yaml -o r.jsonl >final.out 2>&1
	final=$?
}

for s in sequential threaded event multiprocess; do
	: >run.out
	crawl_with_kills "$s" KILL
	is "$final" 0 "$s: the crawl ends after five kills"
	urls r.jsonl >r.urls
	is "$(diff one.urls r.urls >/dev/null && echo same)" same "$s: the records are the one-shot crawl's"
	is "$(sort r.urls | uniq -d | wc -l)" 0 "$s: no URL is recorded twice"
	is "$(json_lines r.jsonl)" "$SIZE" "$s: every line of the records is whole JSON"
	curl -s "$TARGET/_log" >server.log
	refetched=$(python3 - <<'PY'
# a URL in the file after a kill must not reach the server after that kill
import re
seen_after = {}
for line in open("server.log"):
    seq, _, _, path = line.split()[:4]
    seen_after.setdefault(path, []).append(int(seq))
bad = []
for line in open("kills.txt"):
    parts = line.split()
    seq = int(parts[0])
    for url in parts[1:]:
        path = re.sub(r"^https?://[^/]+", "", url)
        if any(s > seq for s in seen_after.get(path, [])):
            bad.append(path)
print(len(set(bad)), " ".join(sorted(set(bad))[:5]))
PY
)
	is "$refetched" "0 " "$s: no page whose record was in the file is fetched again"
	is "$(hits /robots.txt)" 1 "$s: robots.txt is asked once, whatever the stops"
	like "$(cat final.out run.out)" "resuming the crawl in" "$s: a resumed run says so"
done

# SIGINT: the run ends 130, the next one goes on
crawl_with_kills event INT
is "$final" 0 "after SIGINTs the crawl ends"
urls r.jsonl >r.urls
is "$(diff one.urls r.urls >/dev/null && echo same)" same "after SIGINTs the records are the one-shot crawl's"

# max_pages holds across restarts
rm -f state.db* r.jsonl
for delay in 0.3 0.4; do
	"$SCRAPE" -q -s threaded --set rate_limit=100/s --set crawl.max_pages=70 -c job.yaml -o r.jsonl \
		>/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
"$SCRAPE" -q -s threaded --set crawl.max_pages=70 -c job.yaml -o r.jsonl >/dev/null 2>&1
is "$(urls r.jsonl | wc -l)" 70 "max_pages: 70 pages in all, across restarts"
"$SCRAPE" -q --set crawl.max_pages=70 -c job.yaml -o r.jsonl >again.out 2>&1
is "$(urls r.jsonl | wc -l)" 70 "max_pages: a run after the budget is spent fetches nothing more"

# a torn last record: cut, said once, and the file stays whole JSON lines
rm -f state.db* r.jsonl
"$SCRAPE" -q --set crawl.max_pages=20 -c job.yaml -o r.jsonl >/dev/null 2>&1
printf '{"url": "http://torn' >>r.jsonl
"$SCRAPE" --set crawl.max_pages=30 -c job.yaml -o r.jsonl >torn.out 2>&1
is "$?" 0 "a torn last record: the crawl goes on"
is "$(grep -c 'ended in the middle of a record' torn.out)" 1 "a torn last record is said in one warning"
is "$(json_lines r.jsonl)" 30 "a torn last record is cut before appending"

# CSV: one header, rows appended
rm -f state.db* r.csv
"$SCRAPE" -q --set crawl.max_pages=10 -c job.yaml -o r.csv >/dev/null 2>&1
"$SCRAPE" -q --set crawl.max_pages=25 -c job.yaml -o r.csv >/dev/null 2>&1
is "$(grep -c '^url,' r.csv)" 1 "csv: the header is written once"
is "$(wc -l <r.csv)" 26 "csv: the rows of both runs follow it"

# bad states, each one line and exit 2 before any fetch
reset_target
printf 'urls: [%s/page/1?size=%s]\nparsers: [links]\ncrawl: {state: state.db}\n' "$TARGET" "$SIZE" >other.yaml
out=$("$SCRAPE" -q -c other.yaml -o r.csv 2>&1)
is "$?" 2 "another job's state: exit 2"
like "$out" "holds another crawl: its seeds are 1 seeds starting with $TARGET/page/0" \
	"another job's state: the message names the difference"
is "$(printf '%s\n' "$out" | wc -l)" 1 "another job's state: one line"
out=$("$SCRAPE" -q -c job.yaml -o other.jsonl 2>&1)
like "$out" "its records went to" "records sent elsewhere than the state's: refused"
out=$("$SCRAPE" -q -c job.yaml --set crawl.same_host=false -o r.csv 2>&1)
like "$out" "its scope is" "another scope: refused, naming it"
head -c 3000 /dev/urandom >bad.db
printf 'urls: [%s/page/0]\ncrawl: {state: bad.db}\n' "$TARGET" >bad.yaml
out=$("$SCRAPE" -q -c bad.yaml 2>&1)
is "$?" 2 "a state file of garbage: exit 2"
like "$out" "bad.db: not a crawl state file" "a state file of garbage: said so"
sqlite3 records.db 'CREATE TABLE pages (url TEXT)'
printf 'urls: [%s/page/0]\ncrawl: {state: records.db}\n' "$TARGET" >rec.yaml
like "$("$SCRAPE" -q -c rec.yaml 2>&1)" "records.db: not a crawl state file (an SQLite database of something else)" \
	"another program's database: refused"
is "$(hits /page/0)" 0 "no bad state fetched anything"
head -c 8192 state.db >cut.db
printf 'urls: [%s/page/0?size=%s]\nparsers: [links]\ncrawl: {max_depth: 20, state: cut.db}\n' "$TARGET" "$SIZE" >cut.yaml
out=$("$SCRAPE" -q -c cut.yaml -o cut.jsonl 2>&1)
rc=$?
ok "$([ $rc -lt 128 ] && echo 0 || echo 1)" "a truncated state file: no crash (exit $rc: $out)"

# --fresh starts over
"$SCRAPE" -q --fresh --set crawl.max_pages=5 -c job.yaml -o r.csv >/dev/null 2>&1
is "$(wc -l <r.csv)" 6 "--fresh: the state and the records start over"

# one process at a time
"$SCRAPE" -q -s sequential --set rate_limit=20/s --fresh -c job.yaml -o r.csv >/dev/null 2>&1 &
pid=$!
sleep 0.5
out=$("$SCRAPE" -q -c job.yaml -o r.csv 2>&1)
is "$?" 2 "a state in use: exit 2"
like "$out" "in use by another scrape process" "a state in use: said so"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# a kill while a large URL file is being queued: the state is committed
# every 100,000 seeds and marked seeded at the end, so the next run queues
# the rest and no seed is lost or queued twice
python3 -c "
import sys
with open('many.txt', 'w') as f:
    for i in range(250000):
        f.write('$TARGET/page/%d?size=1000&n=%d\\n' % (i % 1000, i))
"
printf 'url_file: many.txt\nparsers: [size]\ncrawl: {max_depth: 0, max_pages: 5, state: many.db}\n' >many.yaml
"$SCRAPE" -q -c many.yaml >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(sqlite3 many.db 'SELECT count(*) FROM queue' 2>/dev/null || echo 0)" -lt 100000 ] &&
	kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "# killed with $(sqlite3 many.db 'SELECT count(*) FROM queue') seeds queued, seeded=$(sqlite3 many.db "SELECT value FROM meta WHERE key = 'seeded'")"
"$SCRAPE" -q -c many.yaml >/dev/null 2>&1
is "$?" 0 "a kill while seeding: the next run goes on"
is "$(sqlite3 many.db "SELECT (SELECT count(*) FROM queue) + (SELECT value FROM meta WHERE key = 'done'), (SELECT value FROM meta WHERE key = 'seeded')")" \
	"250000|1" "a kill while seeding: every seed is queued or done, once, and the state is marked seeded"
is "$(sqlite3 many.db 'SELECT count(DISTINCT fp) = count(*) FROM queue')" 1 "a kill while seeding: no seed queued twice"

# dry run shows it; a stream of seeds cannot resume
like "$("$SCRAPE" --dry-run -c job.yaml 2>&1)" "state: " "--dry-run prints crawl.state"
out=$(printf '%s/page/0\n' "$TARGET" | "$SCRAPE" -q --dry-run -c job.yaml --set url_file=- 2>&1)
like "$out" "reads its seeds again when it resumes" "a streamed url_file with crawl.state: refused"

done_testing
