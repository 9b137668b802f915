#!/bin/sh
# SPDX-License-Identifier: MIT
# Processes and resources: worker processes die with a killed parent, a
# file descriptor limit is raised or named (and its failures are scrape's,
# not the target's), an unreachable robots.txt is said, and worker
# processes leak nothing (under valgrind, when it is installed).
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# alive PID: running, not a zombie waiting for whoever inherited it
alive() {
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# ---- workers end with a SIGKILLed parent, even mid-transfer ----
# timeout 0s: a transfer to /fault/hang would last for ever
"$SCRAPE" -q -s multiprocess -w 3 -t 0s -n 3 "$TARGET/fault/hang" >/dev/null 2>&1 &
parent=$!
workers=
i=0
while [ $i -lt 100 ]; do
	workers=$(pgrep -P $parent | tr '\n' ' ')
	[ "$(echo $workers | wc -w)" -ge 3 ] && [ "$(hits /fault/hang)" -ge 3 ] && break
	sleep 0.1
	i=$((i + 1))
done
is "$(echo $workers | wc -w)" 3 "multiprocess: three workers hold a transfer that never ends"
kill -9 $parent
wait $parent 2>/dev/null
# a bound far above what it takes (milliseconds) on an idle machine
i=0
left=$workers
while [ $i -lt 100 ] && [ -n "$left" ]; do
	left=
	for w in $workers; do alive $w && left="$left $w"; done
	[ -n "$left" ] && sleep 0.1
	i=$((i + 1))
done
is "$left" "" "the workers die with their SIGKILLed parent (after $i checks of 0.1 s)"
for w in $left; do kill -9 $w 2>/dev/null; done

# the same for the run a --compare child makes
reset_target
"$SCRAPE" -q --compare sequential -t 0s "$TARGET/fault/hang" >/dev/null 2>&1 &
parent=$!
i=0
child=
while [ $i -lt 100 ] && { [ -z "$child" ] || [ "$(hits /fault/hang)" -lt 1 ]; }; do
	child=$(pgrep -P $parent | head -1)
	sleep 0.1
	i=$((i + 1))
done
kill -9 $parent
wait $parent 2>/dev/null
i=0
while [ $i -lt 100 ] && [ -n "$child" ] && alive $child; do sleep 0.1; i=$((i + 1)); done
if [ -n "$child" ] && ! alive $child; then
	ok 0 "--compare: the child running a strategy dies with its SIGKILLed parent"
else
	ok 1 "--compare: the child running a strategy dies with its SIGKILLed parent (child: '$child')"
	[ -n "$child" ] && kill -9 $child 2>/dev/null
fi

# ---- file descriptors ----
hard=$(ulimit -Hn)
# a hard limit of 64: the job cannot have the 232 it needs
out=$(ulimit -n 64 && "$SCRAPE" -q -s threaded -w 200 -n 400 --report fd.json "$TARGET/delay/200/bytes/5" 2>&1 >/dev/null)
is "$?" 1 "threaded: requests not sent for want of descriptors make the run exit 1"
is "$(printf '%s\n' "$out" | grep -c 'needs about 232 file descriptors (200 transfers at once and 32 more) but the limit is 64 (ulimit -n); raise it (ulimit -n 232')" 1 \
   "the limit is named before the run, once, with the cure"
is "$(printf '%s\n' "$out" | grep -c 'out of file descriptors (the limit is 64, ulimit -n)')" 1 \
   "the first transfer that found none is said, once"
is "$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
local = r["refused_by_reason"].get("local: too many open files", 0)
print(r["failed"], r["failed_by_class"], r["failed_by_reason"], local > 0, r["requests"] + local)' fd.json)" \
   "0 {} {} True 400" "the report: no failure blamed on the target, the rest counted apart as local"
out=$(ulimit -n 64 && "$SCRAPE" -q -s event -w 200 -n 400 "$TARGET/delay/200/bytes/5" 2>/dev/null)
like "$out" "0 failed" "event: the summary blames the target for nothing"
like "$out" "not fetched: local: too many open files" "event: and counts the requests not sent"
out=$(ulimit -n 64 && "$SCRAPE" -q -s multiprocess -w 200 -n 400 "$TARGET/bytes/5" 2>&1 >/dev/null)
is "$(printf '%s\n' "$out" | grep -c 'cannot create a worker')" 1 \
   "multiprocess: a worker that cannot be made for want of descriptors is said once"
like "$out" "(the limit is 64, ulimit -n); going on with the workers there are" "with the limit"
if [ "$hard" = unlimited ] || [ "$hard" -ge 1024 ]; then
	# a soft limit of 64 under a larger hard one: raised, nothing to say
	out=$(ulimit -Sn 64 && "$SCRAPE" -q -s threaded -w 200 -n 400 "$TARGET/delay/200/bytes/5" 2>&1 >/dev/null)
	is "$?|$out" "0|" "a soft limit below the job's need is raised to the hard one, silently"
else
	ok 0 "# SKIP the hard descriptor limit ($hard) is too low to raise the soft one"
fi

# ---- a robots.txt that does not answer ----
start_target2
# every request to the first target in the next 30 s is held 5 s (the
# tests reset it when done); its robots.txt times out after 1 s
curl -s "$TARGET/_stall/5000/30000" >/dev/null
for strategy in sequential multiprocess; do
	out=$("$SCRAPE" -v -s $strategy -t 1s --retries 0 --set crawl.robots=true --set crawl.max_depth=1 \
	      -p links "$TARGET/page/0" "$TARGET2/page/0" 2>&1 >/dev/null)
	is "$(printf '%s\n' "$out" | grep -c 'robots.txt did not answer')" 1 \
	   "$strategy: an unreachable robots.txt is said once per host"
	like "$out" "scrape: warning: $TARGET/robots.txt did not answer (timeout after 1s): every URL of this host is refused, as RFC 9309 asks for an unreachable robots.txt" \
	     "$strategy: naming it, why, and what follows"
done

reset_target

# ---- worker processes leak nothing ----
# (not in a sanitizer build: valgrind cannot run AddressSanitizer's binaries)
if ! command -v valgrind >/dev/null 2>&1; then
	ok 0 "# SKIP valgrind is not installed"
elif ldd "$SCRAPE" 2>/dev/null | grep -q libasan; then
	ok 0 "# SKIP a sanitizer build"
else
	for out in leak.jsonl leak.db; do
		timeout 600 valgrind --leak-check=full --errors-for-leak-kinds=definite --trace-children=yes \
			--log-file="$SCRATCH/vg.%p" "$SCRAPE" -q -s multiprocess -w 2 -n 3 -p title -o $out \
			"$TARGET/html/300" "$TARGET/bytes/5" >/dev/null 2>&1
		# the parent and its two workers, each with its own log; an error
		# summary counts memory errors and definite leaks only
		is "$(cat "$SCRATCH"/vg.* | grep -c 'ERROR SUMMARY: 0 errors')|$(cat "$SCRATCH"/vg.* | grep -c 'ERROR SUMMARY')" "3|3" \
		   "multiprocess with -o $out: no memory error, no block definitely lost, in the parent or a worker"
		cat "$SCRATCH"/vg.* | grep -A8 'definitely lost in' | sed 's/^/# /'
		rm -f "$SCRATCH"/vg.*
	done
fi

done_testing
