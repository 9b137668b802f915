#!/bin/sh
# SPDX-License-Identifier: MIT
# One summary writer: --format json is a strict subset of the --report
# document (every member, same value, same digits), and a report read
# back by --merge gives the run's figures again, identical, for the
# closed and the open model, with failures of several reasons.
. "$TOP_SRCDIR/tests/lib.sh"
start_target
cd "$SCRATCH"

# the same mix for both models: answers, two statuses, a closed
# connection and a timeout
set -- "$TARGET/bytes/10" "$TARGET/status/503" "$TARGET/status/404" \
	"$TARGET/fault/close" "$TARGET/delay/2000"

# subset RUN REPORT [OWN...]: the members of RUN, but the OWN ones,
# missing from REPORT or with another value there, compared as text
# (numbers with their digits)
subset() {
	python3 - "$@" <<'PY'
import json, sys
load = lambda p: json.load(open(p), parse_float=str, parse_int=str)
run, report = load(sys.argv[1]), load(sys.argv[2])
own = set(sys.argv[3:])
print(" ".join(k for k in run if k not in own and report.get(k, "(missing)") != run[k]) or "none")
PY
}

# figures RUN MERGED: the members of RUN that --merge gave back otherwise
# (what a report cannot carry back is left out: the model's parameters,
# the warnings, the verdicts, the send lags), then those it did not give
# back at all, as text
figures() {
	python3 - "$1" "$2" <<'PY'
import json, sys
load = lambda p: json.load(open(p), parse_float=str, parse_int=str)
run, merged = load(sys.argv[1]), load(sys.argv[2])
only_run = {"model", "warnings", "thresholds", "send_lag_seconds"}
differ = [k for k in run if k not in only_run and merged.get(k, "(missing)") != run[k]]
print(" ".join(differ) or "none")
PY
}

for model in closed open; do
	if [ "$model" = closed ]; then
		"$SCRAPE" -q -w 4 -d 2s -t 300ms --format json --report "$model.report" "$@" \
			>"$model.json" 2>"$model.err"
	else
		"$SCRAPE" -q -s event --rate 100/s -d 2s -t 300ms --format json --report "$model.report" "$@" \
			>"$model.json" 2>"$model.err"
	fi
	is "$?" 1 "$model: the run fails (some requests failed)"
	reasons=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["failed_by_reason"]))' "$model.json")
	ok "$(python3 -c "print(0 if $reasons >= 4 else 1)")" "$model: with failures of several reasons ($reasons)"
	is "$(subset "$model.json" "$model.report")" none \
	   "$model: every member of --format json is in the report with the same value"
	"$SCRAPE" --merge --format json "$model.report" >"$model.merged" 2>"$model.merge.err"
	is "$?" 1 "$model: --merge of the one report exits 1 too"
	is "$(figures "$model.json" "$model.merged")" none \
	   "$model: --merge of its report gives the run's figures, identical"
	is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["reports"], d["model"]["type"] if "model" in d else "-")' "$model.merged"):$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"]["type"])' "$model.json")" \
	   "1 -:$model" "$model: the merge says one report; the run says its model"
	is "$(subset "$model.merged" "$model.report" reports rates_added)" none \
	   "$model: the merge's members are the report's too (besides reports and rates_added)"
done

# a crawl's refusals (robots.txt) go through a report and back as well
"$SCRAPE" -q --format json --report crawl.report -c /dev/stdin >crawl.json 2>crawl.err <<EOF2
urls: [$TARGET/page/0?size=30]
parsers: [links]
crawl:
  max_depth: 2
EOF2
refused=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["refused_by_reason"].values()))' crawl.json)
ok "$(python3 -c "print(0 if $refused > 0 else 1)")" "a crawl with robots.txt refuses some URLs ($refused)"
is "$(subset crawl.json crawl.report)" none "crawl: --format json is a subset of the report"
"$SCRAPE" --merge --format json crawl.report >crawl.merged 2>/dev/null
is "$(figures crawl.json crawl.merged)" none "crawl: --merge gives back its figures, refusals included"

done_testing
