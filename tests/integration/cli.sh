#!/bin/sh
# SPDX-License-Identifier: MIT
# The command line: help, version, usage errors, overrides that win over
# the job file, and --dry-run's resolved job.
. "$TOP_SRCDIR/tests/lib.sh"
cd "$SCRATCH"

out=$("$SCRAPE" --help)
ok $? "--help exits 0"
like "$out" "Usage: scrape -c JOB.yaml" "--help shows the usage"
out=$("$SCRAPE" --version)
like "$out" "scrape " "--version names scrape"
like "$out" "libcurl " "--version names libcurl"
like "$out" "libxml2 " "--version names libxml2"
like "$out" "libyaml " "--version names libyaml"

err=$("$SCRAPE" 2>&1)
is "$?" 2 "no job is a usage error"
is "$err" "scrape: no job: give -c JOB.yaml or URLs (try scrape --help)" "and says what is missing"
err=$("$SCRAPE" --frobnicate 2>&1)
is "$?" 2 "an unknown option exits 2"
is "$err" "scrape: unknown option --frobnicate (try scrape --help)" "and names the option"
err=$("$SCRAPE" -c 2>&1)
is "$err" "scrape: option -c needs a value (try scrape --help)" "a missing option value is named"

printf 'urls: [http://127.0.0.1:1/a]\nworkers: 3\ntimeout: 5s\n' >job.yaml
out=$("$SCRAPE" --dry-run -c job.yaml -w 7 -t 250ms --set retries=4 -r 6000/m -b 5 -n 2 -o out.jsonl)
ok $? "--dry-run with overrides exits 0"
like "$out" "workers: 7" "-w overrides workers"
like "$out" "timeout: 250ms" "-t overrides timeout"
like "$out" "retries: 4" "--set overrides any key"
like "$out" "rate_limit: 100/s" "-r takes a rate with a unit"
like "$out" "batch_size: 5" "-b sets batch_size"
like "$out" "repeat: 2  # 2 requests in all" "-n sets repeat"
like "$out" "path: out.jsonl" "-o sets the output path"
check "--dry-run fetches nothing and writes no records" test ! -e out.jsonl
printf 'urls: [http://127.0.0.1:1/a]\noutput: job.csv\n' >short.yaml
out=$("$SCRAPE" --dry-run -c short.yaml -o out.jsonl 2>&1)
ok $? "-o overrides an output given as a bare path"
like "$out" "path: out.jsonl" "and the path is the one of -o"

out=$("$SCRAPE" --dry-run http://127.0.0.1:1/x http://127.0.0.1:1/y)
like "$out" "  - http://127.0.0.1:1/y" "URLs on the command line make a job"
err=$("$SCRAPE" --dry-run -w 0 http://127.0.0.1:1/x 2>&1)
is "$err" '--workers: "workers" must be at least 1, got 0' "a bad override is located"
err=$("$SCRAPE" --dry-run notaurl 2>&1)
is "$?" 2 "a bad URL on the command line exits 2"
like "$err" 'malformed URL "notaurl"' "and names it"

done_testing
