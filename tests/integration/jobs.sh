#!/bin/sh
# SPDX-License-Identifier: MIT
# Job validation, data-driven: every file in tests/jobs/bad/ must be
# refused with exit status 2 and exactly the one-line message its first line
# announces ("# expect: LINE:COL: MESSAGE", printed after "FILE:"; an
# expectation that does not start with a digit is the whole line, for errors
# located in another file such as a url_file).  Every file in
# tests/jobs/good/ must pass --dry-run, and its resolved job must itself be
# a valid job that resolves to the same text.  Then the job errors that come
# from the command line rather than a file.  No network, no server.

. "$TOP_SRCDIR/tests/lib.sh"

LC_ALL=C
export LC_ALL
unset SCRAPE_TEST_UNSET_VAR
JOBS=$TOP_SRCDIR/tests/jobs

# run ARG...: runs scrape --dry-run with the test plugins; sets STATUS,
# OUT (stdout) and ERR (stderr, with "[N lines]" appended unless one line)
run() {
	"$SCRAPE" --dry-run --plugin-dir "$TEST_PLUGIN_DIR" "$@" \
		>"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
	STATUS=$?
	OUT=$(cat "$SCRATCH/stdout")
	ERR=$(cat "$SCRATCH/stderr")
	lines=$(wc -l <"$SCRATCH/stderr")
	if [ "$lines" -ne 1 ]; then
		ERR="$ERR [$lines lines]"
	fi
}

# ---- bad jobs: run from their own directory, so paths in messages are short

cd "$JOBS/bad" || { echo "Bail out! no $JOBS/bad"; exit 1; }
count=0
for file in [0-9]*.yaml; do
	count=$((count + 1))
	first=
	IFS= read -r first <"$file" || :
	case $first in
	'# expect: '?*) expect=${first#'# expect: '} ;;
	*)
		ok 1 "$file: first line is a \"# expect: LINE:COL: MESSAGE\" comment"
		continue
		;;
	esac
	case $expect in
	[0-9]*) want="$file:$expect" ;;
	*) want=$expect ;;
	esac
	run -c "$file"
	is "$STATUS" 2 "$file: exit status 2"
	is "$ERR" "$want" "$file: the expected message"
	is "$OUT" "" "$file: nothing on stdout"
done
[ "$count" -ge 30 ]
ok $? "at least 30 bad jobs ($count)"

# ---- good jobs: run from elsewhere, so url_file must resolve from the job's directory

cd "$SCRATCH" || exit 1
for file in "$JOBS"/good/*.yaml; do
	name=good/${file##*/}
	run -c "$file"
	is "$STATUS" 0 "$name: exit status 0"
	like "$(printf '%s\n' "$OUT" | head -n 1)" "# resolved job" "$name: stdout starts with the resolved job"
	is "$(cat "$SCRATCH/stderr")" "" "$name: nothing on stderr"
	printf '%s\n' "$OUT" >"$SCRATCH/resolved.yaml"
	first_pass=$OUT
	run -c "$SCRATCH/resolved.yaml"
	if [ "$STATUS" -eq 0 ] && [ "$OUT" = "$first_pass" ]; then
		ok 0 "$name: the resolved job is a job that resolves to itself"
	else
		ok 1 "$name: the resolved job is a job that resolves to itself"
		printf '#   status %s, stderr: %s\n' "$STATUS" "$ERR"
	fi
done

# ---- job paths that are not job files

mkdir "$SCRATCH/jobdir"
run -c "$SCRATCH/jobdir"
is "$STATUS" 2 "a directory as the job: exit status 2"
is "$ERR" "$SCRATCH/jobdir: is a directory, not a job file" "a directory as the job: message"

run -c "$SCRATCH/no-such-job.yaml"
is "$STATUS" 2 "a missing job file: exit status 2"
is "$ERR" "$SCRATCH/no-such-job.yaml: cannot read the job file: No such file or directory" \
	"a missing job file: message"

printf 'urls: [http://127.0.0.1:1/]\n' >"$SCRATCH/locked.yaml"
chmod 000 "$SCRATCH/locked.yaml"
if [ "$(id -u)" -eq 0 ]; then
	TAP_COUNT=$((TAP_COUNT + 1))
	echo "ok $TAP_COUNT - an unreadable job file: exit status 2 # SKIP root can read any file"
	TAP_COUNT=$((TAP_COUNT + 1))
	echo "ok $TAP_COUNT - an unreadable job file: message # SKIP root can read any file"
else
	run -c "$SCRATCH/locked.yaml"
	is "$STATUS" 2 "an unreadable job file: exit status 2"
	is "$ERR" "$SCRATCH/locked.yaml: cannot read the job file: Permission denied" \
		"an unreadable job file: message"
fi

# ---- overrides from the command line

good=$JOBS/good/anchors.yaml

run -c "$good" --set workers=0
is "$STATUS" 2 "--set workers=0: exit status 2"
is "$ERR" '--set workers:1:1: "workers" must be at least 1, got 0' "--set workers=0: message"

run -c "$good" --set workers=2 --set workers=0
is "$STATUS" 2 "a key set twice: the last --set wins"
is "$ERR" '--set workers:1:1: "workers" must be at least 1, got 0' "a key set twice: message"

run -c "$good" --set workers=0 --set workers=2
is "$STATUS" 0 "a bad --set replaced by a good one: exit status 0"

run -c "$good" --set workers
is "$STATUS" 2 "--set without =: exit status 2"
is "$ERR" 'scrape: --set workers: expected KEY=VALUE' "--set without =: message"

run -c "$good" --set =2
is "$STATUS" 2 "--set without a key: exit status 2"
is "$ERR" 'scrape: --set =2: expected KEY=VALUE' "--set without a key: message"

run -c "$good" --set wokers=2
is "$STATUS" 2 "--set of an unknown key: exit status 2"
is "$ERR" '--set wokers:1:1: unknown key "wokers" (did you mean "workers"?)' \
	"--set of an unknown key: did you mean"

run -c "$good" --set urls.first=http://127.0.0.1:1/
is "$STATUS" 2 "--set of a sub-key of a list: exit status 2"
like "$ERR" 'cannot take a sub-key here' "--set of a sub-key of a list: message"

run -c "$good" -w abc
is "$STATUS" 2 "-w abc: exit status 2"
is "$ERR" '--workers: "workers": expected a whole number, got "abc"' "-w abc: message names the option"

run -c "$good" -t 10
is "$STATUS" 2 "-t 10: exit status 2"
like "$ERR" '"timeout": a duration needs a unit' "-t 10: message"

run -c "$good" -w 4 --set output.path=out.jsonl
is "$STATUS" 0 "-w 4 and --set output.path: exit status 0"
like "$OUT" "workers: 4" "-w 4 reaches the job"

done_testing
