#!/bin/sh
# SPDX-License-Identifier: MIT
# --merge reads files it did not write: hostile reports (numbers out of
# range, NaN-like tokens, deep nesting, bad escapes, duplicate keys,
# control bytes, sums that overflow) are refused in one line with exit 2,
# a report with 100,000 reasons merges in linear time, and a large report
# costs memory in proportion to its size.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

"$SCRAPE" -q -w 2 -n 40 --report base.json "$TARGET/bytes/10" >/dev/null 2>&1
"$SCRAPE" -q -w 2 -n 10 --report fails.json "$TARGET/status/503" >/dev/null 2>&1
stop_target
"$SCRAPE" --merge --format json base.json fails.json >good.json
is "$?" 1 "two valid reports merge (exit 1: the second had failures)"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["requests"], d["failed_by_reason"], d["reports"])' good.json)" \
   "50 {'http 503': 10} 2" "their counts add up"

# mutate NAME PYTHON: base.json with the statement applied to r, written
# as NAME.json; RAW(text) in the statement makes the text go in unquoted.
mutate() {
	python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open("base.json"))
raw = {}
def RAW(text):
    key = "@@raw%d@@" % len(raw)
    raw[key] = text
    return key
exec(sys.argv[2])
text = json.dumps(r)
for key, value in raw.items():
    text = text.replace('"%s"' % key, value)
open(sys.argv[1] + ".json", "w").write(text)
PY
}

# refused NAME DESCRIPTION [SUBSTRING]: --merge of NAME.json exits 2 with
# one line on stderr naming the file, nothing on stdout (no "inf")
refused() {
	"$SCRAPE" --merge --format json base.json "$1.json" >"$1.out" 2>"$1.err"
	st=$?
	line=$(cat "$1.err")
	if [ "$st" = 2 ] && [ "$(wc -l <"$1.err")" = 1 ] && [ ! -s "$1.out" ] &&
	   case "$line" in "scrape: --merge: $1.json: "*"${3:-}"*) true ;; *) false ;; esac; then
		ok 0 "$2 ($line)"
	else
		ok 1 "$2"
		echo "#   exit $st, stderr: $line, stdout: $(head -c 200 "$1.out")"
	fi
}

# ---- numbers out of range ----
mutate mean 'r["latency_seconds"]["mean"] = 1e308'
refused mean "a mean of 1e308 s is refused, not printed as inf" "latency_seconds.mean"
mutate max 'r["latency_seconds"]["max"] = -1'
refused max "a negative latency is refused" "latency_seconds.max"
mutate rate 'r["requests_per_second"] = 1e300'
refused rate "an absurd rate is refused" "requests_per_second"
for v in 1e308 18446744073709551616 -1 1.5 1e3; do
	mutate "ok$v" "r['ok'] = RAW('$v')"
	refused "ok$v" "a count of $v is refused" "ok: byte"
	mutate "bucket$v" "r['latency_histogram']['buckets'][0][2] = RAW('$v')"
	refused "bucket$v" "a bucket count of $v is refused" "latency_histogram: byte"
	mutate "reason$v" "r['failed_by_reason'] = {'x': RAW('$v')}"
	refused "reason$v" "a failure count of $v is refused" "failed_by_reason: byte"
	mutate "status$v" "r['status_counts']['200'] = RAW('$v')"
	refused "status$v" "a status count of $v is refused" "status_counts: byte"
done
mutate maxcount 'r["ok"] = 18446744073709551615'
"$SCRAPE" --merge base.json maxcount.json >/dev/null 2>maxcount.err
is "$?:$(cat maxcount.err)" \
   "2:scrape: --merge: maxcount.json: ok adds up to more than 18446744073709551615 over the reports" \
   "counts that add up past 2^64-1 over the reports are refused, not wrapped"
mutate bigbucket 'r["latency_histogram"]["buckets"][0][2] = 18446744073709551615; r["latency_seconds"]["count"] = 18446744073709551615'
"$SCRAPE" --merge base.json bigbucket.json >/dev/null 2>bigbucket.err
like "$?:$(cat bigbucket.err)" "2:scrape: --merge: bigbucket.json: latency_histogram: the bucket counts add up to more than" \
   "histogram counts that overflow are refused"
mutate mismatch 'r["latency_seconds"]["count"] += 1'
refused mismatch "a latency count that is not its buckets' sum is refused" "not the sum"
mutate badstatus 'r["status_counts"]["9999"] = 1'
refused badstatus "a status code out of range is refused" "not a status code"

# ---- not JSON ----
for tok in NaN -NaN Infinity -Infinity nan inf 1e400 -1e400 0x10 +1 01 1. .5; do
	mutate "tok$tok" "r['latency_seconds']['mean'] = RAW('$tok')"
	refused "tok$tok" "the token $tok is not a JSON number"
done
python3 -c 'print("{\"schema\":2,\"x\":" + "[" * 100000 + "]" * 100000 + "}")' >deep.json
refused deep "100,000 nested arrays are refused, not a stack overflow" "nesting is too deep"
python3 -c 'print("{\"schema\":2,\"x\":" + "{\"a\":" * 100000 + "1" + "}" * 100001)' >deepobj.json
refused deepobj "100,000 nested objects are refused" "nesting is too deep"
mutate dup 'r["ok"] = RAW("1, \"ok\": 2")'
refused dup "a key twice in one object is refused" "the same key twice"
mutate dupreason 'r["failed_by_reason"] = {"x": RAW("1, \"\\u0078\": 2")}'
refused dupreason "a reason twice (once escaped) is refused" "the same key twice"
n=0
for esc in '\\x41' '\\u12G4' '\\u12' '\\ud800' '\\udc00' '\\ud800\\u0041' '\\ud800x' '\\udbff\\ud800'; do
	n=$((n + 1))
	mutate "esc$n" "r['failed_by_reason'] = {RAW('\"a$esc\"'): 1}"
	refused "esc$n" "the escape $esc is refused"
done
mutate pair 'r["failed_by_reason"] = {RAW("\"\\ud83d\\ude00 ok\""): 1, "\x01\x1b[31mred": 1}; r["failed"] = 2'
"$SCRAPE" --merge --format json base.json pair.json >pair.out
is "$?:$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["failed_by_reason"]))' pair.out)" \
   "1:['\x01\x1b[31mred', '😀 ok']" "a surrogate pair and escaped control characters are read back as written"
printf '{"schema":2,"failed_by_reason":{"a\001b":1}}' >rawctl.json
refused rawctl "a raw control character in a string is refused" "raw control character"
printf '{"schema":2,"failed_by_reason":{"a\377b":1}}' >utf8.json
refused utf8 "invalid UTF-8 in a string is refused" "not valid UTF-8"
printf '{"schema":2,"failed_by_reason":{"x":1}}' >nul.json
sed 's/"x"/"a\\u0000b"/' nul.json >nul2.json && mv nul2.json nul.json
refused nul "a reason with a NUL character is refused" "NUL"
mutate esctype 'r["model"]["type"] = "\x1b[2J\x07"'
refused esctype "a strange model type is refused" "neither open nor closed"
check "and its control bytes do not reach the terminal raw" sh -c '! grep -q "$(printf "\033")" esctype.err'
printf '{"schema":2,"ok":1} x' >trailing.json
refused trailing "text after the document is refused" "text follows"
printf '[1,2]' >array.json
refused array "a document that is not an object is not a report" "schema 2"
: >empty.json
refused empty "an empty file is refused" "ends early"
printf '\033]0;owned\007' >"$(printf 'odd\033name')"
"$SCRAPE" --merge "$(printf 'odd\033name')" >/dev/null 2>oddname.err
check "a file name with control bytes is shown escaped" sh -c '! grep -q "$(printf "\033")" oddname.err'

# ---- 100,000 distinct reasons: linear, not quadratic ----
# Checked by the CPU time of merges of 20,000 and of 100,000 reasons: five
# times the reasons costs at most five times the work when the merge is
# linear (less, with start-up in both), twenty-five when it is quadratic
# (the quadratic merge took 24 s for 100,000).  CPU time, not the clock,
# so a busy machine does not count against it.
python3 - <<'PY'
import json
r = json.load(open("base.json"))
for n, name in ((100000, "reasons.json"), (20000, "reasons20k.json")):
    r["failed_by_reason"] = {"reason number %d with some words" % i: 1 for i in range(n)}
    r["failed"] = n
    json.dump(r, open(name, "w"))
PY
"$SCRAPE" --merge --format json reasons.json reasons.json >reasons.out
st=$?
is "$st:$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["failed_by_reason"]; print(len(r), set(r.values()), d["failed"])' reasons.out)" \
   "1:100000 {2} 200000" "two reports of 100,000 reasons each merge reason by reason"
cpu_of() {  # cpu_of FILE: CPU seconds of a merge of FILE with itself
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))' "$SCRAPE" --merge --format json "$1" "$1"
}
small=$(cpu_of reasons20k.json)
large=$(cpu_of reasons.json)
ok "$(python3 -c "print(0 if $large < 12 * max($small, 0.01) else 1)")" \
   "and in linear time (CPU ${small} s for 20,000 reasons, ${large} s for 100,000: at most 12 times)"

# ---- a large report costs memory in proportion to its size ----
python3 - <<'PY'
import json
r = json.load(open("base.json"))
r["failed_by_reason"] = {"connect to host-%07d.example failed" % i: i + 1 for i in range(400000)}
r["hosts"] = {"host-%07d.example:8080" % i: {"requests": 3, "failed": 1} for i in range(300000)}
r["timeline"] = [{"second": i, "sent": 10, "requests": 10, "errors": 0, "p50": 0.001, "p99": 0.002}
                 for i in range(300000)]
json.dump(r, open("large.json", "w"))
PY
size=$(wc -c <large.json)
python3 - "$SCRAPE" large.json >rss.txt <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "--merge", "--format", "json", sys.argv[2]], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
PY
rss=$(cat rss.txt)
if ldd "$SCRAPE" 2>/dev/null | grep -q 'libasan'; then
	# AddressSanitizer's shadow memory and quarantine inflate the peak
	ok 0 "# SKIP a sanitizer build's peak memory ($((rss / 1048576)) MB) says nothing of scrape's"
else
	ok "$(python3 -c "print(0 if $rss < 4 * $size + 32 * 2**20 else 1)")" \
	   "a $((size / 1048576)) MB report peaks at $((rss / 1048576)) MB, under 4 x its size + 32 MB"
fi

done_testing
