#!/bin/sh
# SPDX-License-Identifier: MIT
# Cookies against targetd's login (/login sets a session cookie, /account
# answers 200 only with it): a login then /account works under every
# strategy with a jar, and gets 401 with cookies off; per_worker keeps a
# jar per thread while shared gives every thread the one jar; a jar saved
# by cookie_jar (atomically, in Netscape format) lets the next run in
# through cookie_file without logging in; bad cookie keys are located job
# errors.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

LOGIN="$TARGET/login?user=alice&password=secret"

# statuses FILE: the records' statuses, in order, on one line
statuses() {
	python3 -c 'import json,sys
print(" ".join(str(json.loads(l)["status"]) for l in open(sys.argv[1])))' "$1"
}

cat >login.yaml <<EOF2
urls: [$LOGIN, $TARGET/account, $TARGET/account]
workers: 1
output: { path: login.jsonl }
EOF2

# ---- a login then /account, under each strategy
for s in sequential threaded event multiprocess; do
	for mode in per_worker shared; do
		[ "$s.$mode" = multiprocess.shared ] && continue
		rm -f login.jsonl
		"$SCRAPE" -q -c login.yaml -s "$s" --set "cookies=$mode" >/dev/null 2>"$s.err"
		is "$?" 0 "$s, cookies: $mode: the run succeeds"
		is "$(statuses login.jsonl)" "200 200 200" "$s, cookies: $mode: /account gets 200 after /login"
	done
	rm -f login.jsonl
	"$SCRAPE" -q -c login.yaml -s "$s" >/dev/null 2>&1
	is "$(statuses login.jsonl)" "200 401 401" "$s, cookies off (the default): /account gets 401"
done

# ---- per_worker against shared, with two workers (threads, event slots)
# both busy at every step: batch 1 holds the login and a slow request, so
# each worker takes one; batch 2 holds two slow /account requests, one per
# worker.  Only the worker that logged in has the cookie in its own jar.
cat >workers.yaml <<EOF2
urls:
  - $TARGET/delay/400/login?user=alice&password=secret
  - $TARGET/delay/400
  - $TARGET/delay/400/account
  - $TARGET/delay/400/account
workers: 2
batch_size: 2
output: { path: workers.jsonl }
EOF2
for s in threaded event; do
	"$SCRAPE" -q -c workers.yaml -s "$s" --set cookies=per_worker >/dev/null 2>&1
	is "$(statuses workers.jsonl | cut -d' ' -f3- | tr ' ' '\n' | sort | tr '\n' ' ')" "200 401 " \
		"$s, per_worker: the worker that logged in gets 200, the other 401"
	"$SCRAPE" -q -c workers.yaml -s "$s" --set cookies=shared >/dev/null 2>&1
	is "$(statuses workers.jsonl)" "200 200 200 200" "$s, shared: both workers get 200"
done

# ---- cookie_jar then cookie_file: the next run needs no login
cat >save.yaml <<EOF2
urls: [$LOGIN]
cookies: shared
cookie_jar: jar.txt
EOF2
"$SCRAPE" -q -c save.yaml >/dev/null 2>&1
is "$?" 0 "cookie_jar: the run succeeds"
is "$(head -n 1 jar.txt)" "# Netscape HTTP Cookie File" "cookie_jar: a Netscape cookie file"
like "$(cat jar.txt)" "$(printf '#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\talice.')" \
	"cookie_jar: the session cookie, tab separated, HttpOnly marked"
is "$(ls -a | grep -c '^\.jar\.txt\.')" 0 "cookie_jar: no temporary file left behind"
cat >reuse.yaml <<EOF2
urls: [$TARGET/account, $TARGET/account]
cookie_file: jar.txt
output: { path: reuse.jsonl }
EOF2
for s in sequential threaded event multiprocess; do
	rm -f reuse.jsonl
	"$SCRAPE" -q -c reuse.yaml -s "$s" >/dev/null 2>&1
	is "$(statuses reuse.jsonl)" "200 200" "$s: cookie_file from the last run's jar: /account without /login"
done
"$SCRAPE" --dry-run -c reuse.yaml >dry.txt 2>&1
like "$(cat dry.txt)" "cookies: per_worker" "cookie_file alone turns cookies on, per worker"

# the jar is replaced, not written in place: a link planted at it is
# followed to its file, which is replaced whole; another reader of the old
# file keeps the old bytes
cp jar.txt old-jar.txt
ln old-jar.txt hardlink.txt
cat >relogin.yaml <<EOF2
urls: ["$TARGET/login?user=bob&password=secret"]
cookies: per_worker
cookie_file: jar.txt
cookie_jar: old-jar.txt
EOF2
"$SCRAPE" -q -c relogin.yaml >/dev/null 2>&1
like "$(cat old-jar.txt)" "$(printf 'session\tbob.')" "cookie_jar: a newer login replaces the session"
like "$(cat hardlink.txt)" "$(printf 'session\talice.')" \
	"cookie_jar: written atomically (a new file renamed over, the old inode untouched)"
is "$(grep -c session old-jar.txt)" 1 "cookie_jar: one cookie per domain, path and name"

# a jar that cannot be written: the run says so and fails
mkdir -p adir
"$SCRAPE" -q -c save.yaml --set cookie_jar=adir >/dev/null 2>err.txt
is "$?" 1 "an unwritable cookie_jar: exit status 1"
like "$(cat err.txt)" "cannot write cookie_jar" "an unwritable cookie_jar: said"

# ---- --compare: one run per strategy, so no jar is saved; multiprocess
# cannot share one jar and says so
rm -f jar.txt
"$SCRAPE" -c save.yaml --compare sequential,multiprocess >compare.out 2>compare.err
is "$?" 0 "--compare with cookies: exit status 0"
like "$(cat compare.err)" "--compare saves no cookies (cookie_jar ./jar.txt is ignored)" \
	"--compare: says the cookie_jar is not saved"
like "$(cat compare.err)" "multiprocess strategy keeps a cookie jar per worker process" \
	"--compare: says multiprocess keeps a jar per process"
[ ! -e jar.txt ]
ok $? "--compare: no cookie_jar written"

# ---- bad input
"$SCRAPE" --dry-run -c save.yaml --set cookies=sometimes >out.txt 2>err.txt
is "$?" 2 "cookies: sometimes: exit status 2"
is "$(cat err.txt)" '--set cookies:1:1: "cookies" is off, per_worker or shared, got "sometimes"' \
	"cookies: sometimes: one located line"
"$SCRAPE" --dry-run -c reuse.yaml --set cookie_file=missing.txt >out.txt 2>err.txt
is "$?" 2 "a missing cookie_file: exit status 2"
is "$(cat err.txt)" '--set cookie_file:1:1: cannot read cookie_file "./missing.txt": No such file or directory' \
	"a missing cookie_file: one located line"

stop_target
done_testing
