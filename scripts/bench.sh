#!/usr/bin/env bash
# Benchmarks `helm-hooks plan` against one `helm template` of the same chart.
#
#   scripts/bench.sh [--helm 3|4] [--runs N] [--only large|medium|apply|completion] [--keep] [--strict]
#
# For a generated LARGE chart (>= 500 hooks, >= 2,000 other resources) and a
# MEDIUM chart (~50 hooks, ~200 resources), each a Git repository with two
# commits that differ in a few hooks, it times:
#   template  one `helm template` of the chart at HEAD
#   cold      `helm-hooks plan CHART --from HEAD~1 --to HEAD`, cache cleared
#             (fresh HELM_CACHE_HOME before every run)
#   warm      the same command again with the cache filled by a previous run
#   half      one side cached (HEAD~1), the other rendered: the edit loop
# and prints cold/template (target <= 1.5) and warm/template (target <= 0.25),
# plus the peak RSS of helm-hooks (GNU time).
#
# Environment: BENCH_HELM (3|4, default 3), BENCH_RUNS (default 5),
# BENCH_PLAN_ARGS (extra args for plan, e.g. "--operation upgrade"),
# HELM_HOOKS_BIN (binary to test instead of target/release/helm-hooks),
# BENCH_TIMER=loop (time with a date +%s%N loop even if hyperfine is there),
# BENCH_KEEP=1 (keep the temp dir), BENCH_STRICT=1 (exit 1 when a target is
# missed). Everything generated lives in a temp dir, never in the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM_MAJOR="${BENCH_HELM:-3}"
RUNS="${BENCH_RUNS:-5}"
ONLY=""
KEEP="${BENCH_KEEP:-0}"
STRICT="${BENCH_STRICT:-0}"
read -r -a PLAN_EXTRA <<<"${BENCH_PLAN_ARGS:-}"

log() { printf 'bench: %s\n' "$*" >&2; }
# The header comment is the help text.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --helm) HELM_MAJOR="${2:?--helm needs 3 or 4}"; shift 2 ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --only) ONLY="${2:?--only needs large, medium, apply or completion}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --strict) STRICT=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ "$HELM_MAJOR" == 3 || "$HELM_MAJOR" == 4 ]] || die "--helm must be 3 or 4"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"

# --- tools -------------------------------------------------------------------

HELM="$("$ROOT/scripts/get-helm.sh" "$HELM_MAJOR")"
HH="${HELM_HOOKS_BIN:-$ROOT/target/release/helm-hooks}"
if [[ ! -x "$HH" && -z "${HELM_HOOKS_BIN:-}" ]]; then
  log "building $HH (cargo build --release)"
  (cd "$ROOT" && cargo build --release --locked --bin helm-hooks >&2)
fi

# hyperfine gives robust statistics; the fallback loop keeps the script
# usable where it cannot be installed.
USE_HYPERFINE=0
if [[ "${BENCH_TIMER:-}" != loop ]] && ! command -v hyperfine >/dev/null 2>&1 && [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing hyperfine from Debian"
  apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } ||
    log "hyperfine unavailable; using a date +%s%N loop"
fi
if [[ "${BENCH_TIMER:-}" != loop ]] && command -v hyperfine >/dev/null 2>&1; then
  USE_HYPERFINE=1
fi
GNU_TIME=""
if /usr/bin/time -v true >/dev/null 2>&1; then
  GNU_TIME=/usr/bin/time
elif [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing GNU time from Debian (for peak RSS)"
  if apt-get install -y -qq time >/dev/null 2>&1 && /usr/bin/time -v true >/dev/null 2>&1; then
    GNU_TIME=/usr/bin/time
  fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/helm-hooks-bench.XXXXXX")"
cleanup() {
  if [[ "$KEEP" == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# Hermetic Helm: no user repositories, plugins or caches leak into timings.
export HELM_CONFIG_HOME="$WORK/helm-config" HELM_DATA_HOME="$WORK/helm-data"
export HELM_PLUGINS="$HELM_DATA_HOME/plugins" HELM_BIN="$HELM" NO_COLOR=1
unset HELM_NAMESPACE KUBECONFIG

# --- chart generator -----------------------------------------------------------

# gen_chart DIR HOOKS RESOURCES VARIANT: writes a deterministic chart; VARIANT 2
# differs from 1 in a few hooks (weights, a policy, an image, one removed, one
# added) so that plan has real changes to report.
gen_chart() {
  python3 - "$@" <<'PY'
import os, random, sys

out, n_hooks, n_res, variant = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(42)  # same chart every run
tpl = os.path.join(out, "templates")
sub_tpl = os.path.join(out, "charts", "sub", "templates")
os.makedirs(tpl, exist_ok=True)
os.makedirs(sub_tpl, exist_ok=True)

def write(path, text):
    with open(path, "w") as f:
        f.write(text)

write(os.path.join(out, "Chart.yaml"),
      "apiVersion: v2\nname: bench\nversion: 0.1.0\n"
      "dependencies:\n  - name: sub\n    version: 0.1.0\n")
write(os.path.join(out, "charts", "sub", "Chart.yaml"), "apiVersion: v2\nname: sub\nversion: 0.1.0\n")
write(os.path.join(out, "values.yaml"),
      "image: registry.example/app:1.0\nreplicas: 2\nenv: bench\nflags:\n  debug: false\n")
write(os.path.join(out, "charts", "sub", "values.yaml"), "image: registry.example/sub:1.0\n")
helpers = ('{{- define "bench.labels" -}}\n'
           'app.kubernetes.io/instance: {{ .Release.Name }}\n'
           'app.kubernetes.io/managed-by: {{ .Release.Service }}\n'
           'bench/env: {{ .Values.env | default "x" | quote }}\n'
           '{{- end -}}\n')
write(os.path.join(tpl, "_helpers.tpl"), helpers)
write(os.path.join(sub_tpl, "_helpers.tpl"), helpers.replace("bench.labels", "sub.labels").replace(".Values.env", ".Values.envx"))

EVENTS = ["pre-install", "post-install", "pre-upgrade", "post-upgrade", "pre-delete",
          "post-delete", "pre-rollback", "post-rollback", "test",
          "pre-install,pre-upgrade", "post-install,post-upgrade", "test-success"]
HOOK_KINDS = ["Job", "Job", "Job", "Pod", "ConfigMap", "Secret", "ServiceAccount",
              "Role", "RoleBinding", "BenchThing"]
POLICIES = [None, None, "before-hook-creation", "hook-succeeded",
            "before-hook-creation,hook-succeeded", "hook-failed"]
RES_KINDS = ["ConfigMap", "Service", "Deployment", "Secret", "ServiceAccount", "Role",
             "RoleBinding", "StatefulSet", "CronJob", "Ingress", "PersistentVolumeClaim"]

def body(kind, labels, image):
    if kind in ("Job",):
        return ("spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n"
                "      containers:\n        - name: main\n          image: " + image + "\n"
                "          args: [\"--step\", \"{{ .Release.Revision }}\"]\n")
    if kind == "Pod":
        return ("spec:\n  restartPolicy: Never\n  containers:\n    - name: main\n"
                "      image: " + image + "\n")
    if kind in ("ConfigMap",):
        return "data:\n  key: {{ printf \"%s-%d\" .Release.Name 1 | quote }}\n  debug: {{ .Values.flags.debug | default false | quote }}\n" if "bench" in labels else "data:\n  key: v\n"
    if kind == "Secret":
        return "stringData:\n  password: {{ .Release.Name | sha256sum | trunc 12 | quote }}\n"
    if kind == "Role":
        return "rules:\n  - apiGroups: [\"\"]\n    resources: [\"configmaps\"]\n    verbs: [\"get\"]\n"
    if kind == "RoleBinding":
        return ("roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n"
                "subjects: [{kind: ServiceAccount, name: sa}]\n")
    if kind == "Service":
        return "spec:\n  ports: [{port: 80, targetPort: 8080}]\n  selector: {app: x}\n"
    if kind in ("Deployment", "StatefulSet"):
        return ("spec:\n  replicas: {{ .Values.replicas | default 1 }}\n  selector: {matchLabels: {app: x}}\n"
                "  template:\n    metadata: {labels: {app: x}}\n    spec:\n      containers:\n"
                "        - name: main\n          image: " + image + "\n")
    if kind == "CronJob":
        return ("spec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n"
                "        spec:\n          restartPolicy: Never\n          containers:\n"
                "            - {name: main, image: " + image + "}\n")
    if kind == "Ingress":
        return "spec:\n  rules: [{host: x.example}]\n"
    if kind == "PersistentVolumeClaim":
        return "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
    return "spec:\n  size: 3\n"

API = {"Job": "batch/v1", "CronJob": "batch/v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1",
       "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1",
       "Ingress": "networking.k8s.io/v1", "BenchThing": "bench.example/v1"}

def doc(kind, name, labels_tpl, image, hook=None):
    s = "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  labels:\n    {{- include \"%s\" . | nindent 4 }}\n" % (
        API.get(kind, "v1"), kind, name, labels_tpl)
    if hook:
        s += "  annotations:\n"
        for k, v in hook:
            s += "    %s: %s\n" % (k, v)
    return s + body(kind, labels_tpl, image)

# 5% of hooks go to the subchart, the rest to the parent; 20 docs per file.
hooks = []
for i in range(n_hooks):
    kind = rng.choice(HOOK_KINDS)
    ann = [('"helm.sh/hook"', '"%s"' % rng.choice(EVENTS)),
           ('"helm.sh/hook-weight"', '"%d"' % rng.randint(-10, 10))]
    pol = rng.choice(POLICIES)
    if pol:
        ann.append(('"helm.sh/hook-delete-policy"', '"%s"' % pol))
    hooks.append([kind, "hook-%04d" % i, ann, "{{ .Values.image }}", i % 20 == 19])

if variant == 2:
    # A handful of realistic edits between the two commits.
    for idx, w in ((3, '"-20"'), (77 % n_hooks, '"15"'), (n_hooks // 2, '"0"')):
        hooks[idx][2][1] = ('"helm.sh/hook-weight"', w)
    hooks[5 % n_hooks][2] = [a for a in hooks[5 % n_hooks][2] if "delete-policy" not in a[0]] + \
        [('"helm.sh/hook-delete-policy"', '"hook-succeeded"')]
    hooks[11 % n_hooks][3] = "registry.example/migrate:2.0"
    del hooks[n_hooks - 7]
    hooks.append(["Job", "hook-new-migration", [('"helm.sh/hook"', '"pre-upgrade"'),
                                                ('"helm.sh/hook-weight"', '"-5"')],
                  "registry.example/migrate:2.0", False])

def dump(items, directory, prefix, labels_tpl):
    for f in range(0, len(items), 20):
        chunk = items[f:f + 20]
        text = "".join("---\n" + d for d in chunk)
        write(os.path.join(directory, "%s-%03d.yaml" % (prefix, f // 20)), text)

parent_hooks = [doc(k, n, "bench.labels", img, a) for k, n, a, img, sub in hooks if not sub]
sub_hooks = [doc(k, n, "sub.labels", img, a) for k, n, a, img, sub in hooks if sub]
dump(parent_hooks, tpl, "hooks", "bench.labels")
dump(sub_hooks, sub_tpl, "hooks", "sub.labels")

res = []
for i in range(n_res):
    kind = RES_KINDS[i % len(RES_KINDS)]
    res.append((i % 20 == 7, doc(kind, "res-%05d" % i, "sub.labels" if i % 20 == 7 else "bench.labels",
                                 "{{ .Values.image }}")))
dump([d for s, d in res if not s], tpl, "res", "bench.labels")
dump([d for s, d in res if s], sub_tpl, "res", "sub.labels")
PY
}

# make_repo NAME HOOKS RESOURCES: a Git repo with two commits (variant 1, 2).
make_repo() {
  local name=$1 hooks=$2 res=$3 dir="$WORK/$1"
  mkdir -p "$dir"
  git -C "$dir" init -q
  gen_chart "$dir" "$hooks" "$res" 1
  git -C "$dir" add -A
  git -C "$dir" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: $name v1"
  # Variant 2 rewrites the files: remove the old ones so deletions show.
  find "$dir" -name '*.yaml' -not -path '*/.git/*' -delete
  gen_chart "$dir" "$hooks" "$res" 2
  git -C "$dir" add -A
  git -C "$dir" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: $name v2"
  printf '%s\n' "$dir"
}

# --- timing ----------------------------------------------------------------------

# median_seconds: reads numbers (seconds) on stdin, prints the median.
median_seconds() {
  python3 -c 'import statistics,sys; print("%.4f" % statistics.median(float(x) for x in sys.stdin.read().split()))'
}

# time_cmd LABEL PREPARE -- CMD...: median wall time in seconds of CMD over
# $RUNS runs; PREPARE (a shell snippet, may be "") runs before each run.
time_cmd() {
  local label=$1 prepare=$2
  shift 3
  if [[ $USE_HYPERFINE == 1 ]]; then
    local json="$WORK/hf-$label.json" args=()
    if [[ -n "$prepare" ]]; then args+=(--prepare "$prepare"); fi
    hyperfine --shell bash --style none --runs "$RUNS" --export-json "$json" "${args[@]}" \
      -- "$(printf '%q ' "$@")" >/dev/null 2>&1 ||
      die "$label: command failed: $*"
    python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  else
    local i t0 t1
    for ((i = 0; i < RUNS; i++)); do
      if [[ -n "$prepare" ]]; then bash -c "$prepare"; fi
      t0=$(date +%s%N)
      "$@" >/dev/null 2>&1 || die "$label: command failed: $*"
      t1=$(date +%s%N)
      echo "$(((t1 - t0) / 1000))e-6"
    done | median_seconds
  fi
}

# peak_rss_kb CMD...: maximum resident set size (KiB) reported by GNU time
# (the largest process of the tree: helm when it runs, else helm-hooks).
peak_rss_kb() {
  if [[ -z "$GNU_TIME" ]]; then
    echo "n/a"
    return
  fi
  "$GNU_TIME" -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'
}

ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
meets() { python3 -c 'import sys; print("ok" if float(sys.argv[1]) <= float(sys.argv[2]) else "MISSED")' "$1" "$2"; }

RESULTS=()
MISSED=0

bench_chart() {
  local name=$1 hooks=$2 res=$3 dir
  log "generating $name chart ($hooks hooks, $res resources)"
  dir="$(make_repo "$name" "$hooks" "$res")"

  local tcache="$WORK/cache-template-$name"
  local ccache="$WORK/cache-cold-$name"
  local wcache="$WORK/cache-warm-$name"
  local plan=("$HH" plan "$dir" --from HEAD~1 --to HEAD "${PLAN_EXTRA[@]}")

  # Sanity: both commands must succeed once before timing anything.
  HELM_CACHE_HOME="$tcache" "$HELM" template "$dir" >"$WORK/template-$name.out" ||
    die "helm template failed on the $name chart"
  local n_docs
  n_docs=$(grep -c '^# Source:' "$WORK/template-$name.out" || true)
  log "$name: helm template prints $n_docs documents"
  HELM_CACHE_HOME="$ccache" "${plan[@]}" >"$WORK/plan-$name.out" 2>"$WORK/plan-$name.err" ||
    die "helm-hooks plan failed on the $name chart: $(head -c 2000 "$WORK/plan-$name.err")"

  log "$name: timing helm template ($RUNS runs)"
  local t_tpl t_cold t_warm
  t_tpl=$(time_cmd "template-$name" "" -- env HELM_CACHE_HOME="$tcache" "$HELM" template "$dir")
  log "$name: timing cold plan"
  t_cold=$(time_cmd "cold-$name" "rm -rf '$ccache'" -- env HELM_CACHE_HOME="$ccache" "${plan[@]}")
  log "$name: timing warm plan"
  HELM_CACHE_HOME="$wcache" "${plan[@]}" >/dev/null 2>&1 # fill the cache
  t_warm=$(time_cmd "warm-$name" "" -- env HELM_CACHE_HOME="$wcache" "${plan[@]}")

  # One side cached: the usual edit loop (HEAD rendered once, the working
  # copy re-rendered); only the `to` revision costs a Helm process.
  local hcache="$WORK/cache-half-$name" hseed="$WORK/cache-half-seed-$name" t_half
  HELM_CACHE_HOME="$hseed" "$HH" plan "$dir" --from HEAD~1 --to HEAD~1 "${PLAN_EXTRA[@]}" >/dev/null 2>&1
  log "$name: timing plan with one side cached"
  t_half=$(time_cmd "half-$name" "rm -rf '$hcache'; cp -R '$hseed' '$hcache'" -- env HELM_CACHE_HOME="$hcache" "${plan[@]}")

  local rss_cold rss_warm
  rm -rf "$ccache"
  rss_cold=$(peak_rss_kb env HELM_CACHE_HOME="$ccache" "${plan[@]}")
  rss_warm=$(peak_rss_kb env HELM_CACHE_HOME="$wcache" "${plan[@]}")

  local r_cold r_warm
  r_cold=$(ratio "$t_cold" "$t_tpl")
  r_warm=$(ratio "$t_warm" "$t_tpl")
  local m_cold m_warm
  m_cold=$(meets "$r_cold" 1.5)
  m_warm=$(meets "$r_warm" 0.25)
  [[ "$m_cold" == ok && "$m_warm" == ok ]] || MISSED=1
  RESULTS+=("$(printf '%-7s %6s %7s %9.3f %9.3f %9.3f %6s %-6s %6s %-6s %9s %9s %8s' \
    "$name" "$hooks" "$res" "$t_tpl" "$t_cold" "$t_warm" \
    "$r_cold" "$m_cold" "$r_warm" "$m_warm" "$rss_cold" "$rss_warm" "$(ratio "$t_half" "$t_tpl")")")
}

log "helm: $HELM ($("$HELM" version --short)); helm-hooks: $HH; runs: $RUNS; timer: $([[ $USE_HYPERFINE == 1 ]] && echo hyperfine || echo date-loop)"
if [[ -z "$ONLY" || "$ONLY" == medium ]]; then bench_chart medium 50 200; fi
if [[ -z "$ONLY" || "$ONLY" == large ]]; then bench_chart large 520 2100; fi

# --- apply ----------------------------------------------------------------------
# bench_apply: on the test cluster (scripts/cluster.sh), a chart with 20 quick
# Job hooks is installed once; then `helm-hooks apply --yes` and a plain
# `helm upgrade` of the same chart take turns, and their medians are compared
# (target <= 1.10). helm-hooks reports its own peak RSS (VmHWM) under --debug.
APPLY_RESULT=""
bench_apply() {
  local state="$WORK/cluster" chart_repo="$WORK/apply-repo" ns=bench
  log "apply: starting the test cluster"
  bash "$ROOT/scripts/cluster.sh" build >&2
  bash "$ROOT/scripts/cluster.sh" up "$state" --owner $$ >&2
  local kubeconfig="$state/kubeconfig"
  mkdir -p "$chart_repo/app/templates"
  printf 'apiVersion: v2\nname: app\nversion: 0.1.0\n' >"$chart_repo/app/Chart.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n' >"$chart_repo/app/templates/cm.yaml"
  local i
  for i in $(seq -w 1 20); do
    cat >"$chart_repo/app/templates/hook-$i.yaml" <<HOOK
apiVersion: batch/v1
kind: Job
metadata:
  name: hook-$i
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "$i"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {kubelet-sim/duration: 50ms}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
HOOK
  done
  git -C "$chart_repo" init --quiet
  git -C "$chart_repo" add -A
  git -C "$chart_repo" -c user.name=bench -c user.email=bench@example.invalid commit --quiet -m hooks
  KUBECONFIG="$kubeconfig" "$HELM" upgrade --install rel "$chart_repo/app" -n "$ns" --create-namespace >/dev/null
  local hh=(env KUBECONFIG="$kubeconfig" HELM_BIN="$HELM" HELM_DATA_HOME="$WORK/apply-data" HELM_CACHE_HOME="$WORK/apply-cache" \
    "$HH" apply rel "$chart_repo/app" -n "$ns" --yes --progress none)
  local plain=(env KUBECONFIG="$kubeconfig" "$HELM" upgrade rel "$chart_repo/app" -n "$ns")
  "${hh[@]}" >/dev/null 2>&1 || die "helm-hooks apply failed on the bench chart"
  log "apply: timing ($RUNS runs each, alternating)"
  local t_hh=() t_plain=() r a b
  for r in $(seq 1 "$RUNS"); do
    a=$(date +%s%N); "${plain[@]}" >/dev/null 2>&1; b=$(date +%s%N); t_plain+=("$(( (b - a) / 1000000 ))")
    a=$(date +%s%N); "${hh[@]}" >/dev/null 2>&1; b=$(date +%s%N); t_hh+=("$(( (b - a) / 1000000 ))")
  done
  local m_hh m_plain
  m_hh=$(printf '%s\n' "${t_hh[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)] / 1000}')
  m_plain=$(printf '%s\n' "${t_plain[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)] / 1000}')
  local rss
  rss=$("${hh[@]}" --debug 2>&1 >/dev/null | sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' | tail -1)
  local r_apply m_apply
  r_apply=$(ratio "$m_hh" "$m_plain")
  m_apply=$(meets "$r_apply" 1.10)
  [[ "$m_apply" == ok ]] || MISSED=1
  APPLY_RESULT="$(printf 'apply, 20 quick hooks: helm upgrade %.3fs, helm-hooks apply --yes %.3fs, ratio %s (target <= 1.10: %s), helm-hooks peak RSS %s KiB' \
    "$m_plain" "$m_hh" "$r_apply" "$m_apply" "${rss:-?}")"
  bash "$ROOT/scripts/cluster.sh" down "$state" >&2 || true
}
if [[ -z "$ONLY" || "$ONLY" == apply ]]; then bench_apply; fi

# --- completion -------------------------------------------------------------------
# bench_completion: a repository with 10,000 commits and 5,000 refs (2,500
# branches, 2,500 tags; built with git fast-import), loose as fast-import
# leaves them and packed as after a clone. Times the Git-backed candidates of
# `helm-hooks __complete -- plan --from ''` (target <= 50 ms) and, for
# reference, the whole `helm __complete hooks plan --from ''` through Helm.
COMPLETION_RESULT=()
bench_completion() {
  local repo="$WORK/completion-repo" plugins="$WORK/completion-plugins"
  log "completion: building a repository with 10,000 commits and 5,000 refs"
  git init --quiet "$repo"
  python3 - <<'PY' | git -C "$repo" fast-import --quiet
import sys
out = sys.stdout
def data(text):  # ASCII only: length in characters is length in bytes
    out.write("data %d\n%s\n" % (len(text), text))
for i in range(1, 10001):
    out.write("commit refs/heads/main\nmark :%d\n" % i)
    out.write("committer Bench <bench@example.invalid> %d +0000\n" % (1700000000 + i * 60))
    data("change %d\n" % i)
    if i > 1:
        out.write("from :%d\n" % (i - 1))
    if i == 1:
        out.write("M 644 inline Chart.yaml\n"); data("apiVersion: v2\nname: big\nversion: 0.1.0\n")
    out.write("M 644 inline values.yaml\n"); data("n: %d\n" % i)
    out.write("\n")
for i in range(2500):
    out.write("reset refs/heads/branch-%04d\nfrom :%d\n\n" % (i, 1 + i * 4))
    out.write("reset refs/tags/v%d.%d.%d\nfrom :%d\n\n" % (i // 100, i // 10 % 10, i % 10, 2 + i * 4))
PY
  git -C "$repo" checkout --quiet main
  local n_refs n_commits
  n_refs=$(git -C "$repo" for-each-ref | wc -l)
  n_commits=$(git -C "$repo" rev-list --count main)
  log "completion: $n_commits commits, $n_refs refs"
  # The plugin as Helm loads it, with the binary under test.
  mkdir -p "$plugins/hooks/bin"
  cp "$ROOT/plugin.yaml" "$ROOT/plugin.complete" "$plugins/hooks/"
  ln -s "$HH" "$plugins/hooks/bin/helm-hooks"
  local n_cands
  n_cands=$(cd "$repo" && "$HH" __complete -- plan --from '' | wc -l)
  [[ "$n_cands" -gt 5000 ]] || die "completion: only $n_cands candidate lines"
  local layout t_direct t_helm m
  for layout in loose packed; do
    if [[ "$layout" == packed ]]; then git -C "$repo" pack-refs --all; fi
    t_direct=$(cd "$repo" && time_cmd "complete-$layout" "" -- "$HH" __complete -- plan --from '')
    t_helm=$(cd "$repo" && time_cmd "complete-helm-$layout" "" -- env HELM_PLUGINS="$plugins" "$HELM" __complete hooks plan --from '')
    m=$(meets "$t_direct" 0.050)
    [[ "$m" == ok ]] || MISSED=1
    COMPLETION_RESULT+=("$(printf 'completion, %s refs (%s), %s commits, %s candidates: helm-hooks __complete %.1f ms (target <= 50 ms: %s); through helm __complete %.1f ms' \
      "$n_refs" "$layout" "$n_commits" "$((n_cands - 1))" "$(python3 -c "print($t_direct * 1000)")" "$m" "$(python3 -c "print($t_helm * 1000)")")")
  done
}
if [[ -z "$ONLY" || "$ONLY" == completion ]]; then bench_completion; fi

printf '\nhelm %s, median of %s runs, seconds; ratios vs one helm template; peak RSS in KiB (cold = largest process incl. helm, warm = helm-hooks alone)\n' \
  "$("$HELM" version --template '{{.Version}}')" "$RUNS"
printf '%-7s %6s %7s %9s %9s %9s %6s %-6s %6s %-6s %9s %9s %8s\n' \
  chart hooks res template cold warm cold/t "<=1.5" warm/t "<=0.25" rss-cold rss-warm half/t
if [[ ${#RESULTS[@]} -gt 0 ]]; then printf '%s\n' "${RESULTS[@]}"; fi
if [[ -n "$APPLY_RESULT" ]]; then printf '\n%s\n' "$APPLY_RESULT"; fi
if [[ ${#COMPLETION_RESULT[@]} -gt 0 ]]; then printf '\n'; printf '%s\n' "${COMPLETION_RESULT[@]}"; fi

if [[ "$STRICT" == 1 && "$MISSED" == 1 ]]; then
  die "a target was missed"
fi
