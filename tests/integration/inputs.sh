#!/bin/sh
# SPDX-License-Identifier: MIT
# Job files and URL files are untrusted input, and none of it may take the
# machine down: alias bombs, deep nesting, endless lines, pipes, header
# injection, numbers that overflow or round to "no limit", and terminal
# escapes echoed back.  Every run is bounded in time (timeout) and, where
# the build allows it, in memory (ulimit -v), so a regression fails rather
# than eats the machine.  Only 127.0.0.1.

. "$TOP_SRCDIR/tests/lib.sh"

LC_ALL=C
export LC_ALL

# An address space cap works on a plain build; sanitizers reserve terabytes
# of shadow memory up front, so there only the time bound applies.
MEM_KB=1048576
if ! (ulimit -v $MEM_KB && "$SCRAPE" --version) >/dev/null 2>&1; then
	MEM_KB=unlimited
fi

# bounded SECONDS ARG...: runs scrape with a time and memory bound; sets
# STATUS, OUT, ERR (stdout, stderr) and MS (wall time in milliseconds)
bounded() {
	limit=$1
	shift
	t0=$(date +%s%N)
	(ulimit -v $MEM_KB; exec timeout "$limit" "$SCRAPE" "$@") \
		>"$SCRATCH/stdout" 2>"$SCRATCH/stderr" </dev/null
	STATUS=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	OUT=$(cat "$SCRATCH/stdout")
	ERR=$(cat "$SCRATCH/stderr")
}

cd "$SCRATCH" || exit 1

# ---- the job file

# a billion laughs: nine levels of nine aliases, under 600 bytes
{
	printf 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
	for i in 1 2 3 4 5 6 7 8 9; do
		p=$((i - 1))
		printf 'a%s: &a%s [*a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s]\n' \
			"$i" "$i" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p"
	done
	printf 'urls: [http://127.0.0.1:1/]\n'
} >bomb.yaml
bounded 10 --dry-run -c bomb.yaml
is "$STATUS" 2 "an alias bomb is refused with exit status 2"
like "$ERR" "bomb.yaml:6:10: the job is too large: more than 100000 values" "an alias bomb: located message"
[ "$MS" -lt 2000 ]
ok $? "an alias bomb is refused at once (${MS} ms)"

# aliases of a long scalar run into the text budget instead
awk 'BEGIN { s = ""; for (i = 0; i < 4096; i++) s = s "x"; print "a0: &a0 \"" s "\"";
	for (i = 1; i <= 5; i++) { l = ""; for (j = 0; j < 9; j++) l = l (j ? ", " : "") "*a" (i - 1);
	print "a" i ": &a" i " [" l "]" } print "urls: [http://127.0.0.1:1/]" }' >textbomb.yaml
bounded 10 --dry-run -c textbomb.yaml
is "$STATUS" 2 "aliases of a long value are refused"
like "$ERR" "textbomb.yaml:5:30: the job is too large: more than 16 MiB of text" "a text bomb: located message"

# many aliases of a small anchor are fine while they fit
{
	printf 'urls: [&u http://127.0.0.1:1/]\nheaders: {X-A: &v "1"}\nstrategy: {name: sequential}\n'
	printf 'parsers: [title, title, title]\n'
} >aliases.yaml
bounded 10 --dry-run --plugin-dir "$TEST_PLUGIN_DIR" -c aliases.yaml
is "$STATUS" 0 "a job with anchors within the limits is accepted"

# a hundred thousand '[': refused at level 65, not after reading them all
awk 'BEGIN { printf "urls: "; for (i = 0; i < 100000; i++) printf "["; print "" }' >deep.yaml
bounded 10 --dry-run -c deep.yaml
is "$STATUS" 2 "100,000 nested [ are refused with exit status 2"
is "$ERR" "deep.yaml:1:70: nesting is too deep (at most 64 levels)" "deep nesting: located message"
[ "$MS" -lt 2000 ]
ok $? "deep nesting is refused at once (${MS} ms)"

# and as block lists, each one deeper
awk 'BEGIN { print "urls:"; for (i = 0; i < 20000; i++) { s = ""; for (j = 0; j < i % 200; j++) s = s " "; print s "-" } }' >deepblock.yaml
bounded 10 --dry-run -c deepblock.yaml
is "$STATUS" 2 "deeply nested block lists are refused"
like "$ERR" "nesting is too deep (at most 64 levels)" "deep block lists: message"

# a map of many keys is checked for duplicates in linear time
awk 'BEGIN { print "urls: [http://127.0.0.1:1/]"; print "headers:"; for (i = 0; i < 40000; i++) print "  X-H" i ": v" }' >manykeys.yaml
bounded 20 --dry-run -c manykeys.yaml
is "$STATUS" 0 "a map of 40,000 keys loads"
[ "$MS" -lt 5000 ]
ok $? "a map of 40,000 keys loads quickly (${MS} ms)"

# a value of many ${VAR} references expands in linear time
awk 'BEGIN { printf "urls: [http://127.0.0.1:1/]\nuser_agent: \""; for (i = 0; i < 200000; i++) printf "${V}"; print "\"" }' >manyvars.yaml
V=x bounded 20 --dry-run -c manyvars.yaml
is "$STATUS" 0 "a value of 200,000 variable references expands"
[ "$MS" -lt 5000 ]
ok $? "a value of 200,000 variable references expands quickly (${MS} ms)"

# endless input as the job file
bounded 10 --dry-run -c /dev/zero
is "$STATUS" 2 "/dev/zero as the job file is refused"
head -c 17000000 /dev/zero | tr '\0' 'a' >huge.yaml
bounded 20 --dry-run -c huge.yaml
is "$STATUS" 2 "a job file over 16 MiB is refused"
is "$ERR" "huge.yaml: the job file is larger than 16 MiB" "a huge job file: message"
rm -f huge.yaml

# ---- URL files: bounded lines

awk 'BEGIN { print "http://127.0.0.1:1/a"; for (i = 0; i < 70000; i++) printf "a"; print "" }' >long.txt
printf 'url_file: long.txt\n' >long.yaml
bounded 10 --dry-run -c long.yaml
is "$STATUS" 2 "a URL file line over 64 KiB is refused at load"
is "$ERR" "./long.txt:2:1: the line is longer than 65536 bytes" "a long line: message names the line"

printf 'url_file: /dev/zero\n' >zero.yaml
bounded 10 --dry-run -c zero.yaml
is "$STATUS" 0 "url_file /dev/zero: --dry-run does not read it"
like "$OUT" 'url_file: "/dev/zero"  # not a regular file: read once, while the job runs' \
	"url_file /dev/zero: --dry-run says it is streamed"
bounded 10 -q -c zero.yaml
is "$STATUS" 1 "url_file /dev/zero: the run fails"
is "$ERR" "scrape: error: /dev/zero:1:1: the line is longer than 65536 bytes" \
	"url_file /dev/zero: refused at line 1, in bounded memory"
[ "$MS" -lt 5000 ]
ok $? "url_file /dev/zero: refused at once (${MS} ms)"

# ---- URL files: pipes and standard input

start_target
reset_target
printf '%s/bytes/11\n# a comment\n\n%s/bytes/12\n' "$TARGET" "$TARGET" >urls.txt
t0=$(date +%s%N)
(ulimit -v $MEM_KB; timeout 20 "$SCRAPE" -q --set url_file=- <urls.txt >pipe.out 2>pipe.err)
is "$?" 0 "--set url_file=-: a run from standard input exits 0"
is "$(hits /bytes/11),$(hits /bytes/12)" "1,1" "--set url_file=-: every URL of standard input fetched once"
like "$(cat pipe.out)" "2 ok, 0 failed" "--set url_file=-: the summary counts them"

reset_target
mkfifo fifo
printf 'url_file: fifo\nworkers: 2\n' >fifo.yaml
(cat urls.txt >fifo &)
timeout 20 "$SCRAPE" -q -c fifo.yaml >fifo.out 2>fifo.err
is "$?" 0 "url_file naming a FIFO: exit 0"
is "$(hits /bytes/11),$(hits /bytes/12)" "1,1" "url_file naming a FIFO: both URLs fetched (not eaten by a check)"

printf 'url_file: "-"\nduration: 30s\n' >stream-load.yaml
reset_target
timeout 20 "$SCRAPE" -q -c stream-load.yaml <urls.txt >load.out 2>load.err
is "$?" 0 "a load test from standard input ends when the stream does"
is "$(hits /bytes/11),$(hits /bytes/12)" "1,1" "a stream is read once, not cycled"

# --dry-run leaves standard input alone
left=$(printf 'unread\n' | { timeout 10 "$SCRAPE" --dry-run --set url_file=- >/dev/null 2>&1; cat; })
is "$left" "unread" "--dry-run with url_file - does not read standard input"

printf '%s/bytes/13\nnot a url\n%s/bytes/14\n' "$TARGET" "$TARGET" >bad-stream.txt
reset_target
timeout 20 "$SCRAPE" -q --set url_file=- <bad-stream.txt >bad.out 2>bad.err
is "$?" 1 "a bad line mid-stream: exit status 1"
like "$(cat bad.err)" 'scrape: error: standard input:2:1: malformed URL "not a url": it contains white space' \
	"a bad line mid-stream: the error names the line"
is "$(hits /bytes/14)" 0 "a bad line mid-stream: nothing after it is fetched"

timeout 20 "$SCRAPE" -q --set url_file=- </dev/null >empty.out 2>empty.err
is "$?" 1 "an empty stream: exit status 1"
like "$(cat empty.err)" "scrape: error: url_file standard input held no URLs" "an empty stream: message"

# ---- numbers never round into "no limit"

bounded 10 --dry-run -t 500us http://127.0.0.1:1/
like "$OUT" "timeout: 1ms" "timeout 500us is rounded up to 1ms, not down to none"
bounded 10 --dry-run --set connect_timeout=1ns http://127.0.0.1:1/
like "$OUT" "connect_timeout: 1ms" "connect_timeout 1ns is rounded up to 1ms"
bounded 10 --dry-run -r 1e-12 http://127.0.0.1:1/
is "$STATUS" 2 "--rate-limit 1e-12: refused"
is "$ERR" '--rate-limit: "rate_limit": a rate must be at least one a day (0.042/h), got "1e-12"' \
	"--rate-limit 1e-12: message names the option"
bounded 10 --dry-run -d 1e400s http://127.0.0.1:1/
is "$STATUS" 2 "--duration 1e400s: refused"
bounded 10 --dry-run --rate nan http://127.0.0.1:1/
is "$STATUS" 2 "--rate nan: refused"
bounded 10 --dry-run -w 99999999999999999999 http://127.0.0.1:1/
is "$STATUS" 2 "--workers beyond int64: refused"
# a silent server: the run ends at the rounded-up timeout, not never
reset_target
bounded 20 -q -t 500us "$TARGET/delay/5000"
is "$STATUS" 1 "timeout 500us against a slow server: the request fails"
[ "$MS" -lt 4000 ]
ok $? "timeout 500us against a slow server: it fails at once (${MS} ms), not after the server answers"

# ---- control bytes are escaped in messages

ESC=$(printf '\033')
printf 'urls: [http://127.0.0.1:1/]\nstrategy: {name: threaded, stack_size: "\\e]0;owned\\a"}\n' >esc-plugin.yaml
bounded 10 --dry-run -c esc-plugin.yaml
is "$ERR" 'esc-plugin.yaml:2:40: threaded: "stack_size": expected a size such as 512, 64k or 10MB, got "\x1b]0;owned\x07"' \
	"a plugin option's value is escaped in its message"
printf 'urls: [http://127.0.0.1:1/]\nuser_agent: "${ESC}[31m${X"\n' >esc-tree.yaml
ESC=$ESC bounded 10 --dry-run -c esc-tree.yaml
is "$ERR" 'esc-tree.yaml:2:13: unclosed ${ in "${ESC}[31m${X"' "a value quoted by the loader is escaped (raw)"
bounded 10 --dry-run --set 'workers="\e[2J"'
is "$ERR" '--set workers:1:1: "workers": expected a whole number, got "\x1b[2J"' "a --set value is escaped in its message"
case $ERR$OUT in *"$ESC"*) ok 1 "no ESC byte reaches the terminal" ;; *) ok 0 "no ESC byte reaches the terminal" ;; esac

# ---- nothing injected reaches the server

reset_target
printf 'urls: [%s/inject]\nuser_agent: "x\\r\\nX-Injected: 1"\n' "$TARGET" >inject.yaml
timeout 20 "$SCRAPE" -q -c inject.yaml >inject.out 2>inject.err
is "$?" 2 "user_agent with CR LF: refused"
is "$(cat inject.err)" 'inject.yaml:2:13: "user_agent" cannot be sent: it contains a line break (CR or LF), which would start a new header' \
	"user_agent with CR LF: message"
INJECT=$(printf 'x\r\nX-Injected: 1')
export INJECT
printf 'urls: [%s/inject]\nuser_agent: "${INJECT}"\n' "$TARGET" >inject-var.yaml
timeout 20 "$SCRAPE" -q -c inject-var.yaml >/dev/null 2>inject.err
is "$?" 2 "user_agent with CR LF from \${VAR}: refused"
timeout 20 "$SCRAPE" -q --set urls="[$TARGET/inject]" --set 'user_agent="x\r\nX-Injected: 1"' >/dev/null 2>inject.err
is "$?" 2 "user_agent with CR LF from --set: refused"
like "$(cat inject.err)" '"user_agent" cannot be sent: it contains a line break' "user_agent from --set: message"
timeout 20 "$SCRAPE" -q --set urls="[$TARGET/inject]" --set 'headers.X-A="a\r\nX-Injected: 1"' >/dev/null 2>inject.err
is "$?" 2 "a header value with CR LF from --set: refused"
like "$(cat inject.err)" 'the value of header "X-A" must be on one line' "a header value with CR LF: message"
timeout 20 "$SCRAPE" -q --set urls="[$TARGET/inject]" --set "method=GET\r\nX: 1" >/dev/null 2>inject.err
is "$?" 2 "a method with CR LF: refused"
printf '%s/inject\rX-Injected: 1\n' "$TARGET" >inject.txt
timeout 20 "$SCRAPE" -q --set url_file=- <inject.txt >/dev/null 2>inject.err
is "$?" 1 "a URL line with a CR in the middle: refused"
timeout 20 "$SCRAPE" -q "$TARGET/inject$(printf '\r\nX-Injected: 1')" >/dev/null 2>inject.err
is "$?" 2 "a URL argument with CR LF: refused"
is "$(hits /inject)" 0 "the server saw no request from any of them"

done_testing
