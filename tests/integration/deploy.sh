#!/bin/sh
# SPDX-License-Identifier: MIT
# The examples in deploy/: every manifest parses as YAML with the fields
# Kubernetes requires of its kind, and the load test's command lines, the
# three segments' and the merge's, run as they stand against the target
# server (the job from the ConfigMap, pointed at it and made shorter).
. "$TOP_SRCDIR/tests/lib.sh"
cd "$SCRATCH"
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP python3-yaml is not installed"
	exit 0
fi
start_target

python3 - "$TOP_SRCDIR"/deploy/*.yaml <<'PY' >manifests.check
import sys, yaml
need = {
    "ConfigMap": ["data"], "Job": ["spec.template.spec.containers"],
    "Deployment": ["spec.selector", "spec.template.spec.containers"],
    "Service": ["spec.ports"], "PersistentVolumeClaim": ["spec.accessModes", "spec.resources"],
}
def get(doc, path):
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc
bad = []
for name in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(name)):
        kind = doc.get("kind")
        where = "%s: %s %s" % (name.rsplit("/", 1)[-1], kind, get(doc, "metadata.name"))
        for field in ["apiVersion", "kind", "metadata.name"] + need.get(kind, ["?"]):
            if not get(doc, field):
                bad.append("%s: no %s" % (where, field))
        for c in get(doc, "spec.template.spec.containers") or []:
            if not (c.get("name") and c.get("image")):
                bad.append("%s: a container without name or image" % where)
        if kind == "Job":
            if get(doc, "spec.template.spec.restartPolicy") not in ("Never", "OnFailure"):
                bad.append("%s: a Job's pods restart Never or OnFailure" % where)
            if get(doc, "spec.completionMode") == "Indexed" and not get(doc, "spec.completions"):
                bad.append("%s: an Indexed Job needs completions" % where)
        for k, v in (get(doc, "data") or {}).items():
            if not isinstance(v, str):
                bad.append("%s: data.%s is not a string" % (where, k))
print("ok" if not bad else "; ".join(bad))
PY
is "$(cat manifests.check)" "ok" "the manifests in deploy/ have what Kubernetes requires"

# the load test's pieces: the job, the segments' and the merge's args
python3 - "$TOP_SRCDIR/deploy/kubernetes-loadtest.yaml" "$TOP_SRCDIR/deploy/kubernetes-merge.yaml" "$TARGET" <<'PY'
import re, shlex, sys, yaml
load = list(yaml.safe_load_all(open(sys.argv[1])))
merge = list(yaml.safe_load_all(open(sys.argv[2])))
job = next(d for d in load if d["kind"] == "ConfigMap" and "job.yaml" in d["data"])["data"]["job.yaml"]
# the same job, at the target server and shorter
job = re.sub(r"urls: .*", "urls: [%s/bytes/10, %s/bytes/20]" % (sys.argv[3], sys.argv[3]), job)
job = re.sub(r"rate: .*", "rate: 300/s", job)
job = re.sub(r"duration: .*", "duration: 2s", job)
open("job.yaml", "w").write(job)
def args(docs):
    d = next(d for d in docs if d["kind"] == "Job")
    spec = d["spec"]
    c = spec["template"]["spec"]["containers"][0]
    return spec, [a.replace("/etc/scrape/", "").replace("/reports/", "") for a in c["args"]]
spec, a = args(load)
open("segments.args", "w").write("%d\n%s\n" % (spec["completions"], " ".join(map(shlex.quote, a))))
spec, a = args(merge)
open("merge.args", "w").write(" ".join(map(shlex.quote, a)) + "\n")
PY
n=$(sed -n 1p segments.args)
is "$n" 3 "the load test is an Indexed Job of 3 segments"
START_AT=$(date -u -d "@$(($(date +%s) + 3))" +%Y-%m-%dT%H:%M:%SZ)
RUN_ID=deploy-test
pids=
i=0
while [ "$i" -lt "$n" ]; do
	# Kubernetes expands $(VAR) in args from the container's environment
	line=$(sed -n 2p segments.args | sed -e "s/\$(START_AT)/$START_AT/" -e "s/\$(RUN_ID)/$RUN_ID/" \
		-e "s/\$(JOB_COMPLETION_INDEX)/$i/")
	eval "set -- $line"
	JOB_COMPLETION_INDEX=$i "$SCRAPE" "$@" >"pod-$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
status=0
for pid in $pids; do wait "$pid" || status=1; done
is "$status" 0 "the three pods' command lines run"
eval "set -- $(cat merge.args)"
"$SCRAPE" "$@" >merge.out 2>&1
is "$?" 0 "the merge Job's command line merges them and the thresholds pass"
like "$(cat merge.out)" "Merged the 3 segments of run deploy-test" "the merged summary names the run"
"$SCRAPE" --merge --format json segment-0.json segment-1.json segment-2.json >merged.json
is "$(python3 -c 'import json; r = json.load(open("merged.json")); print(r["sent"] + r["dropped"], r["sent"])')" \
   "600 $(curl -s "$TARGET/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" \
   "the job's 600 starts, each one the target server saw"
check "merged.html was written" test -s merged.html

done_testing
