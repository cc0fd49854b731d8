#!/usr/bin/env bash
# Benchmarks `helm-hooks plan` against one `helm template` of the same chart.
#
#   scripts/bench.sh [--helm 3|4] [--runs N] [--only PART,...] [--keep] [--strict]
#
# PART: real, random, medium, large, deps, monorepo, apply, completion,
# audit (default: all).
#
# Charts, each a Git repository with two commits that differ in a few hooks:
#   real    shaped like a real chart (modeled on ingress-nginx): ~115 files
#           per revision, a third outside templates/ (docs, changelog, CI
#           values, unit tests), a .helmignore, admission-webhook hooks
#   random  the real chart with a hook Secret that calls randAlphaNum: its
#           changed plan renders HEAD twice, to leave random values out
#   medium  generated, ~50 hooks, ~200 resources
#   large   generated, >= 500 hooks, >= 2,000 other resources
# For each, in one run of interleaved rounds (every round runs each case
# once, in a rotating order, so that load drifts hit all cases alike):
#   template  one `helm template` of the chart at HEAD
#   cold      `helm-hooks plan CHART --from HEAD~1 --to HEAD`, no render
#             cached; the Helm version is cached, as after any earlier run
#   first     the same with an empty cache (first run ever: `helm version`
#             runs too)
#   warm      the same command with every render cached
#   half      one side cached (HEAD~1), the other rendered: the edit loop
# and prints medians, cold/template (target <= 1.3), warm/template (target
# <= 0.10; large: <= 0.25), and the peak RSS of helm-hooks itself (VmHWM,
# cold and warm; target < 64 MiB).
#   deps    a chart whose dependency comes from a chart repository on
#           loopback (Chart.lock committed, charts/ gitignored), against the
#           same chart with the dependency vendored: warm plan with the
#           dependency cache warm (target: within 10% of vendored, the cost
#           of a digest check), and cold renders with the dependency cache
#           warm against cold vendored.
#   apply   on the test cluster: apply --yes against plain helm upgrade
#           (target <= 1.10), and apply's plan (apply --dry-run) against
#           one helm upgrade --install --dry-run=server (target <= 1.30)
#   monorepo  a repository of 50 medium charts of which 5 change between
#           two commits: `plan --all` (cold, Helm version cached) against
#           one `helm template` of one chart (target <= 4x) and against 50
#           (one template's median times 50).
#   audit   a generated local audit log of 1,000,000 runs over 500
#           releases (~1.4 GB, python, well under a minute): `plan
#           --release` (warm render cache) against the same plan with an
#           empty log (target <= 1.5), `history RELEASE` and `history --run
#           ID` against the same on a log of one run (target <= 2), and the
#           peak RSS of each (< 64 MiB); the first read, which indexes the
#           log, is timed apart. `history RELEASE` prints its newest 256
#           runs, so it is also timed against the same command on a log of
#           just those 256 runs (same output; target <= 1.5).
#
# Environment: BENCH_HELM (3|4, default 3), BENCH_RUNS (rounds, default 5),
# BENCH_PLAN_ARGS (extra args for plan, e.g. "--operation upgrade"),
# HELM_HOOKS_BIN (binary to test instead of target/release/helm-hooks),
# BENCH_TIMER=loop (time completion with a date +%s%N loop even if
# hyperfine is there), BENCH_KEEP=1 (keep the temp dir), BENCH_STRICT=1
# (exit 1 when a target is missed). Everything generated lives in a temp
# dir, never in the repository. Report `uptime` with the figures: the
# machine's load moves them.
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
    --only) ONLY="${2:?--only needs real, random, medium, large, deps, monorepo, apply, completion or audit}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --strict) STRICT=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
# want PART: whether --only (a comma-separated list) selects PART.
want() { [[ -z "$ONLY" || ",$ONLY," == *",$1,"* ]]; }
[[ "$HELM_MAJOR" == 3 || "$HELM_MAJOR" == 4 ]] || die "--helm must be 3 or 4"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"

# --- tools -------------------------------------------------------------------

HELM="$("$ROOT/scripts/get-helm.sh" "$HELM_MAJOR")"
HH="${HELM_HOOKS_BIN:-$ROOT/target/release/helm-hooks}"
if [[ ! -x "$HH" && -z "${HELM_HOOKS_BIN:-}" ]]; then
  log "building $HH (cargo build --release)"
  (cd "$ROOT" && cargo build --release --locked --bin helm-hooks >&2)
fi

# hyperfine (completion only; charts are timed in interleaved rounds) gives
# robust statistics; the fallback loop keeps the script usable without it.
USE_HYPERFINE=0
if want completion && [[ "${BENCH_TIMER:-}" != loop ]] && ! command -v hyperfine >/dev/null 2>&1 && [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing hyperfine from Debian"
  apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } ||
    log "hyperfine unavailable; using a date +%s%N loop"
fi
if [[ "${BENCH_TIMER:-}" != loop ]] && command -v hyperfine >/dev/null 2>&1; then
  USE_HYPERFINE=1
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/helm-hooks-bench.XXXXXX")"
HTTP_PID=""
cleanup() {
  if [[ -n "$HTTP_PID" ]]; then kill "$HTTP_PID" 2>/dev/null || true; fi
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

# gen_real DIR VARIANT: a chart shaped like a real one (modeled on
# ingress-nginx 4.x): ~115 files, a third outside templates/, a .helmignore
# that keeps docs, changelog and CI values in the chart (Helm loads them as
# .Files) and drops the unit tests. VARIANT 2 bumps the image tag and the
# chart version, adds a changelog entry and moves a hook's weight. Its docs,
# changelog, values comments, CRD descriptions and NOTES are in plain
# English ("now", "know", "random", "brand"), as real charts' are. With
# `random` before VARIANT, a hook Secret also calls randAlphaNum (the
# admission certificate's key), as charts that generate secrets do.
gen_real() {
  python3 - "$@" <<'PY'
import os, sys
# Real-shaped chart, modeled on ingress-nginx: ~115 files, a third outside templates/.
out, variant = sys.argv[1], int(sys.argv[-1])
random_hook = "random" in sys.argv[2:-1]
def write(rel, text):
    p = os.path.join(out, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
tag = "1.10.0" if variant == 1 else "1.11.1"
ver = "4.10.0" if variant == 1 else "4.11.0"
write("Chart.yaml", f"""apiVersion: v2
name: real
version: {ver}
appVersion: {tag}
description: A chart shaped like a real one
kubeVersion: ">=1.21.0-0"
home: https://example.invalid/real
keywords: [ingress, proxy]
maintainers:
  - name: someone
annotations:
  artifacthub.io/changes: |
    - Update controller image to {tag}
""")
write(".helmignore", """# Patterns to ignore when building packages.
.DS_Store
# Common VCS dirs
.git/
.gitignore
.bzr/
.hg/
.svn/
# Common backup files
*.swp
*.bak
*.tmp
*~
# Various IDEs
.project
.idea/
*.tmproj
.vscode/
# Helm files
OWNERS
# helm-docs templates
*.gotmpl
# helm-unittest tests
tests
""")
write("OWNERS", "approvers:\n  - someone\nreviewers:\n  - someone\n")
components = ["controller", "defaultBackend", "metrics", "admission", "tcp", "udp"]
values = [f"## Default values. Set them now, or know that a random brand of defaults applies.\n# -- Labels added to every resource (you know the brand, set it now)\ncommonLabels: {{}}\nnameOverride: \"\"\nfullnameOverride: \"\"\nnamespaceOverride: \"\"\n"]
for c in components:
    values.append(f"""# -- The {c} component. Now and then a random pod restarts: you know the drill.
# It is known to work with every brand of load balancer; see the README now.
{c}:
  enabled: true
  name: {c.lower()}
  image:
    registry: registry.example
    image: real/{c.lower()}
    tag: "v{tag}"
    digest: ""
    pullPolicy: IfNotPresent
  replicaCount: 2
  minAvailable: 1
  resources:
    requests:
      cpu: 100m
      memory: 90Mi
  podLabels: {{}}
  podAnnotations: {{}}
  nodeSelector:
    kubernetes.io/os: linux
  tolerations: []
  affinity: {{}}
  extraArgs: {{}}
  extraEnvs: []
  service:
    enabled: true
    type: ClusterIP
    ports:
      http: 80
      https: 443
    annotations: {{}}
  serviceAccount:
    create: true
    automountServiceAccountToken: true
  autoscaling:
    enabled: false
    minReplicas: 1
    maxReplicas: 11
    targetCPUUtilizationPercentage: 50
  podSecurityContext:
    runAsNonRoot: true
    runAsUser: 101
  containerSecurityContext:
    allowPrivilegeEscalation: false
    capabilities:
      drop: [ALL]
      add: [NET_BIND_SERVICE]
  livenessProbe:
    httpGet: {{path: /healthz, port: 10254, scheme: HTTP}}
    initialDelaySeconds: 10
    periodSeconds: 10
  readinessProbe:
    httpGet: {{path: /healthz, port: 10254, scheme: HTTP}}
    initialDelaySeconds: 10
    periodSeconds: 10
  config:
""" + "".join(f"    key-{i}: \"value-{i}\"\n" for i in range(40)))
values.append("""admissionWebhooks:
  enabled: true
  failurePolicy: Fail
  port: 8443
  patch:
    enabled: true
    image:
      registry: registry.example
      image: real/kube-webhook-certgen
      tag: v1.4.1
    priorityClassName: ""
    podAnnotations: {}
    nodeSelector:
      kubernetes.io/os: linux
    securityContext:
      runAsNonRoot: true
      runAsUser: 2000
rbac:
  create: true
  scope: false
podSecurityPolicy:
  enabled: false
""")
write("values.yaml", "".join(values))
write("README.md", "# real\n\nNow you know how to install it: a random brand of proxy, known to work now.\n\n## Values\n\nYou should know that random values (passwords, tokens) are generated now and then; set them if you know them.\n\n" + "".join(f"| {c}.key-{i} | string | `\"value-{i}\"` | A parameter documented at length so that the README has the size of a real one. |\n" for c in components for i in range(40)))
write("README.md.gotmpl", "{{ template \"chart.header\" . }}\n{{ template \"chart.valuesTable\" . }}\n")
write("CHANGELOG.md", "# Changelog\n\n" + "".join(f"### {v}\n\n* change {v}: random jitter for retries, now known to work with every brand\n\n" for v in range(60)))
# CRDs, as operators ship them: long descriptions of plain English.
for i in range(3):
    desc = ("A random brand of resource reconciled now and then; you know it is known to work. " * 40).strip()
    props = "".join(f"""                field{j}:
                  description: {desc}
                  type: string
""" for j in range(30))
    write(f"crds/crd-{i}.yaml", f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: brands{i}.real.example.invalid
spec:
  group: real.example.invalid
  names:
    kind: Brand{i}
    plural: brands{i}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          description: {desc}
          type: object
          properties:
            spec:
              type: object
              properties:
{props}""")
n_changelog = 22 if variant == 1 else 23
for i in range(n_changelog):
    write(f"changelog/helm-chart-4.{i}.0.md", f"# Changelog\n\nThis file documents all notable changes.\n\n### 4.{i}.0\n\n" + "".join(f"* Update thing {j} (#{1000+i*10+j})\n" for j in range(8)))
for i in range(9):
    write(f"ci/values-{i}.yaml", f"controller:\n  kind: {'DaemonSet' if i % 2 else 'Deployment'}\n  image:\n    tag: v{tag}\n  config:\n    key-{i}: ci\nadmissionWebhooks:\n  enabled: {'true' if i % 3 else 'false'}\n")
for i in range(3):
    write(f"tests/controller-{i}_test.yaml", f"suite: controller {i}\ntemplates:\n  - controller-deployment.yaml\ntests:\n  - it: should create a Deployment\n    asserts:\n      - isKind:\n          of: Deployment\n")

helpers = ['''{{- define "real.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "real.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- define "real.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "real.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "real.labels" -}}
helm.sh/chart: {{ include "real.chart" . }}
{{ include "real.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/part-of: {{ template "real.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
{{- define "real.selectorLabels" -}}
app.kubernetes.io/name: {{ include "real.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "real.image" -}}
{{- $registry := .registry -}}
{{- if .digest -}}
{{- printf "%s/%s:%s@%s" $registry .image .tag .digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry .image .tag -}}
{{- end -}}
{{- end -}}
''']
write("templates/_helpers.tpl", helpers[0])
write("templates/_params.tpl", '''{{- define "real.params" -}}
- /real-controller
- --publish-service=$(POD_NAMESPACE)/{{ include "real.fullname" . }}
- --election-id={{ include "real.fullname" . }}-leader
- --controller-class=k8s.io/real
{{- range $key, $value := .Values.controller.extraArgs }}
- --{{ $key }}={{ $value }}
{{- end }}
{{- end -}}
''')
write("templates/NOTES.txt", '''The chart has been installed. Now you know: a random brand of proxy is running.
{{- if .Values.controller.service.enabled }}
It may take a few minutes for the load balancer IP to be available.
You can watch the status by running 'kubectl get service --namespace {{ include "real.namespace" . }} {{ include "real.fullname" . }}-controller --output wide --watch'
{{- end }}
''')
KINDS = [
    ("deployment", "apps/v1", "Deployment"), ("service", "v1", "Service"),
    ("configmap", "v1", "ConfigMap"), ("serviceaccount", "v1", "ServiceAccount"),
    ("role", "rbac.authorization.k8s.io/v1", "Role"), ("rolebinding", "rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("poddisruptionbudget", "policy/v1", "PodDisruptionBudget"), ("hpa", "autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networkpolicy", "networking.k8s.io/v1", "NetworkPolicy"), ("service-metrics", "v1", "Service"),
    ("servicemonitor", "monitoring.coreos.com/v1", "ServiceMonitor"), ("prometheusrule", "monitoring.coreos.com/v1", "PrometheusRule"),
]
def body(c, kind):
    v = f".Values.{c}"
    if kind in ("Deployment",):
        return f'''spec:
  replicas: {{{{ {v}.replicaCount }}}}
  selector:
    matchLabels:
      {{{{- include "real.selectorLabels" . | nindent 6 }}}}
      app.kubernetes.io/component: {c.lower()}
  template:
    metadata:
      {{{{- with {v}.podAnnotations }}}}
      annotations:
        {{{{- toYaml . | nindent 8 }}}}
      {{{{- end }}}}
      labels:
        {{{{- include "real.labels" . | nindent 8 }}}}
        app.kubernetes.io/component: {c.lower()}
        {{{{- with {v}.podLabels }}}}
        {{{{- toYaml . | nindent 8 }}}}
        {{{{- end }}}}
    spec:
      {{{{- with {v}.podSecurityContext }}}}
      securityContext: {{{{ toYaml . | nindent 8 }}}}
      {{{{- end }}}}
      containers:
        - name: {c.lower()}
          image: {{{{ include "real.image" {v}.image | quote }}}}
          imagePullPolicy: {{{{ {v}.image.pullPolicy }}}}
          args:
            {{{{- include "real.params" . | nindent 12 }}}}
          {{{{- with {v}.containerSecurityContext }}}}
          securityContext: {{{{ toYaml . | nindent 12 }}}}
          {{{{- end }}}}
          env:
            - name: POD_NAME
              valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
            {{{{- range {v}.extraEnvs }}}}
            - {{{{ toYaml . | nindent 14 }}}}
            {{{{- end }}}}
          livenessProbe: {{{{ toYaml {v}.livenessProbe | nindent 12 }}}}
          readinessProbe: {{{{ toYaml {v}.readinessProbe | nindent 12 }}}}
          resources: {{{{ toYaml {v}.resources | nindent 12 }}}}
      nodeSelector: {{{{ toYaml {v}.nodeSelector | nindent 8 }}}}
      serviceAccountName: {{{{ include "real.fullname" . }}}}-{c.lower()}
'''
    if kind == "Service":
        return f'''spec:
  type: {{{{ {v}.service.type }}}}
  ports:
  {{{{- range $name, $port := {v}.service.ports }}}}
    - name: {{{{ $name }}}}
      port: {{{{ $port }}}}
      protocol: TCP
      targetPort: {{{{ $name }}}}
  {{{{- end }}}}
  selector:
    {{{{- include "real.selectorLabels" . | nindent 4 }}}}
    app.kubernetes.io/component: {c.lower()}
'''
    if kind == "ConfigMap":
        return f'''data:
{{{{- range $k, $val := {v}.config }}}}
  {{{{ $k }}}}: {{{{ $val | quote }}}}
{{{{- end }}}}
'''
    if kind in ("Role",):
        return 'rules:\n  - apiGroups: [""]\n    resources: [configmaps, pods, secrets, endpoints]\n    verbs: [get, list, watch]\n'
    if kind == "RoleBinding":
        return f'roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {{{{ include "real.fullname" . }}}}-{c.lower()}\nsubjects:\n  - kind: ServiceAccount\n    name: {{{{ include "real.fullname" . }}}}-{c.lower()}\n    namespace: {{{{ include "real.namespace" . }}}}\n'
    if kind == "PodDisruptionBudget":
        return f'spec:\n  minAvailable: {{{{ {v}.minAvailable }}}}\n  selector:\n    matchLabels:\n      {{{{- include "real.selectorLabels" . | nindent 6 }}}}\n'
    if kind == "HorizontalPodAutoscaler":
        return f'spec:\n  minReplicas: {{{{ {v}.autoscaling.minReplicas }}}}\n  maxReplicas: {{{{ {v}.autoscaling.maxReplicas }}}}\n'
    return f'spec:\n  podSelector:\n    matchLabels:\n      {{{{- include "real.selectorLabels" . | nindent 6 }}}}\n'
count = 0
for c in components:
    for slug, api, kind in KINDS:
        if count >= 62: break
        cond = {"HorizontalPodAutoscaler": f".Values.{c}.autoscaling.enabled", "ServiceMonitor": "false", "PrometheusRule": "false"}.get(kind, f".Values.{c}.enabled")
        write(f"templates/{c.lower()}-{slug}.yaml", f'''{{{{- if {cond} -}}}}
apiVersion: {api}
kind: {kind}
metadata:
  name: {{{{ include "real.fullname" . }}}}-{c.lower()}
  namespace: {{{{ include "real.namespace" . }}}}
  labels:
    {{{{- include "real.labels" . | nindent 4 }}}}
    app.kubernetes.io/component: {c.lower()}
{body(c, kind)}{{{{- end }}}}
''')
        count += 1
# Admission webhook hooks, as in ingress-nginx.
HOOKS = [
    ("job-patch/clusterrole.yaml", "rbac.authorization.k8s.io/v1", "ClusterRole", "pre-install,pre-upgrade,post-install,post-upgrade", None),
    ("job-patch/clusterrolebinding.yaml", "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "pre-install,pre-upgrade,post-install,post-upgrade", None),
    ("job-patch/role.yaml", "rbac.authorization.k8s.io/v1", "Role", "pre-install,pre-upgrade,post-install,post-upgrade", None),
    ("job-patch/rolebinding.yaml", "rbac.authorization.k8s.io/v1", "RoleBinding", "pre-install,pre-upgrade,post-install,post-upgrade", None),
    ("job-patch/serviceaccount.yaml", "v1", "ServiceAccount", "pre-install,pre-upgrade,post-install,post-upgrade", None),
    ("job-patch/networkpolicy.yaml", "networking.k8s.io/v1", "NetworkPolicy", "pre-install,pre-upgrade,post-install,post-upgrade", None),
    ("job-patch/job-createSecret.yaml", "batch/v1", "Job", "pre-install,pre-upgrade", "create"),
    ("job-patch/job-patchWebhook.yaml", "batch/v1", "Job", "post-install,post-upgrade", "patch"),
]
for path, api, kind, events, job in HOOKS:
    spec = ""
    if job:
        weight = "-5" if variant == 1 or job == "patch" else "-3"
        spec = f'''spec:
  ttlSecondsAfterFinished: 0
  template:
    metadata:
      name: {{{{ include "real.fullname" . }}}}-admission-{job}
    spec:
      restartPolicy: OnFailure
      containers:
        - name: {job}
          image: {{{{ include "real.image" .Values.admissionWebhooks.patch.image | quote }}}}
          args:
            - {job}
            - --namespace=$(POD_NAMESPACE)
            - --secret-name={{{{ include "real.fullname" . }}}}-admission
      serviceAccountName: {{{{ include "real.fullname" . }}}}-admission
      nodeSelector: {{{{ toYaml .Values.admissionWebhooks.patch.nodeSelector | nindent 8 }}}}
      securityContext: {{{{ toYaml .Values.admissionWebhooks.patch.securityContext | nindent 8 }}}}
'''
    else:
        weight = "-10"
    write(f"templates/admission-webhooks/{path}", f'''{{{{- if and .Values.admissionWebhooks.enabled .Values.admissionWebhooks.patch.enabled -}}}}
apiVersion: {api}
kind: {kind}
metadata:
  name: {{{{ include "real.fullname" . }}}}-admission{"-" + job if job else ""}
  namespace: {{{{ include "real.namespace" . }}}}
  annotations:
    "helm.sh/hook": {events}
    "helm.sh/hook-weight": "{weight}"
    "helm.sh/hook-delete-policy": before-hook-creation,hook-succeeded
  labels:
    {{{{- include "real.labels" . | nindent 4 }}}}
    app.kubernetes.io/component: admission-webhook
{spec}{{{{- end }}}}
''')
if random_hook:
    # The admission certificate's key, generated per render: the one
    # chart of the bench whose plan needs the second render.
    write("templates/admission-webhooks/job-patch/secret.yaml", '''{{- if .Values.admissionWebhooks.enabled -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "real.fullname" . }}-admission-key
  namespace: {{ include "real.namespace" . }}
  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
    "helm.sh/hook-weight": "-20"
    "helm.sh/hook-delete-policy": before-hook-creation
type: Opaque
data:
  key: {{ randAlphaNum 32 | b64enc | quote }}
{{- end }}
''')
write("templates/admission-webhooks/validating-webhook.yaml", '''{{- if .Values.admissionWebhooks.enabled -}}
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: {{ include "real.fullname" . }}-admission
  labels:
    {{- include "real.labels" . | nindent 4 }}
webhooks:
  - name: validate.real.example
    failurePolicy: {{ .Values.admissionWebhooks.failurePolicy }}
    sideEffects: None
    admissionReviewVersions: [v1]
    clientConfig:
      service:
        name: {{ include "real.fullname" . }}-controller-admission
        namespace: {{ include "real.namespace" . }}
        path: /networking/v1/ingresses
        port: {{ .Values.admissionWebhooks.port }}
{{- end }}
''')
write("templates/tests/test-connection.yaml", '''apiVersion: v1
kind: Pod
metadata:
  name: {{ include "real.fullname" . }}-test-connection
  annotations:
    "helm.sh/hook": test
spec:
  restartPolicy: Never
  containers:
    - name: wget
      image: busybox
      args: ['wget', '{{ include "real.fullname" . }}-controller:80']
''')
PY
}

# make_repo NAME GENERATOR ARGS...: a Git repo with two commits, the chart
# of `GENERATOR DIR ARGS... 1`, then of `... 2`.
make_repo() {
  local name=$1 gen=$2 dir="$WORK/$1"
  shift 2
  mkdir -p "$dir"
  git -C "$dir" init -q
  "$gen" "$dir" "$@" 1
  git -C "$dir" add -A
  git -C "$dir" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: $name v1"
  # Variant 2 rewrites the files: remove the old ones so deletions show.
  find "$dir" -type f -not -path '*/.git/*' -not -name .gitignore -delete
  "$gen" "$dir" "$@" 2
  git -C "$dir" add -A
  git -C "$dir" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: $name v2"
  printf '%s\n' "$dir"
}

# --- timing ----------------------------------------------------------------------

# rounds SPEC.json: runs every case of SPEC ({label, prepare, cmd, env})
# once per round for $RUNS rounds, in an order rotated each round; prepare
# (a shell snippet) runs untimed before its case. Prints JSON: per label
# the median wall time and the median CPU time (user + sys of the whole
# process tree, which load on the machine moves less) in seconds.
rounds() {
  python3 - "$1" "$RUNS" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
cases = json.load(open(sys.argv[1]))
runs = int(sys.argv[2])
wall = {c["label"]: [] for c in cases}
cpu = {c["label"]: [] for c in cases}
for r in range(runs):
    for c in cases[r % len(cases):] + cases[:r % len(cases)]:
        if c.get("prepare"):
            subprocess.run(["bash", "-c", c["prepare"]], check=True)
        env = dict(os.environ, **c.get("env", {}))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(c["cmd"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t1 = time.perf_counter()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            sys.exit("bench: error: %s failed: %s" % (c["label"], p.stderr.decode()[:2000]))
        wall[c["label"]].append(t1 - t0)
        cpu[c["label"]].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
print(json.dumps({l: {"wall": statistics.median(wall[l]), "cpu": statistics.median(cpu[l])} for l in wall}))
PY
}

# case LABEL PREPARE HELM_CACHE_HOME CMD...: one case of a rounds spec, as
# a JSON line.
case_json() {
  python3 -c 'import json,sys; print(json.dumps({"label": sys.argv[1], "prepare": sys.argv[2], "env": {"HELM_CACHE_HOME": sys.argv[3]}, "cmd": sys.argv[4:]}))' "$@"
}

# field JSON LABEL wall|cpu
field() { python3 -c 'import json,sys; print("%.4f" % json.loads(sys.argv[1])[sys.argv[2]][sys.argv[3]])' "$1" "$2" "$3"; }

# peak_rss_kib HELM_CACHE_HOME CMD...: helm-hooks' own peak RSS (VmHWM,
# which it logs under --debug), in KiB.
peak_rss_kib() {
  local cache=$1
  shift
  HELM_CACHE_HOME="$cache" "$@" --debug 2>&1 >/dev/null | sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' | tail -1
}

ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
meets() { python3 -c 'import sys; print("ok" if float(sys.argv[1]) <= float(sys.argv[2]) else "MISSED")' "$1" "$2"; }

# seed_version CACHE: a cache holding only the Helm version, as any earlier
# run leaves it.
seed_version() {
  rm -rf "$1"
  mkdir -p "$1/hooks"
  cp -R "$VERSION_SEED/hooks/helm-version" "$1/hooks/"
  # Also a fact of the binary: the Kubernetes version `template` assumes.
  [[ ! -d "$VERSION_SEED/hooks/helm-kube-default" ]] || cp -R "$VERSION_SEED/hooks/helm-kube-default" "$1/hooks/"
}

RESULTS=()
MISSED=0

# bench_chart NAME WARM_TARGET GENERATOR ARGS...
bench_chart() {
  local name=$1 warm_target=$2 gen=$3 dir
  shift 3
  log "generating the $name chart"
  dir="$(make_repo "$name" "$gen" "$@")"
  local n_files
  n_files=$(git -C "$dir" ls-files | wc -l)

  local tcache="$WORK/cache-template-$name" ccache="$WORK/cache-cold-$name"
  local fcache="$WORK/cache-first-$name" wcache="$WORK/cache-warm-$name"
  local hcache="$WORK/cache-half-$name" hseed="$WORK/cache-half-seed-$name"
  local plan=("$HH" plan "$dir" --from HEAD~1 --to HEAD "${PLAN_EXTRA[@]}")

  # Sanity: both commands must succeed once before timing anything.
  HELM_CACHE_HOME="$tcache" "$HELM" template "$dir" >"$WORK/template-$name.out" ||
    die "helm template failed on the $name chart"
  log "$name: $n_files files at HEAD; helm template prints $(grep -c '^# Source:' "$WORK/template-$name.out" || true) documents"
  HELM_CACHE_HOME="$wcache" "${plan[@]}" >"$WORK/plan-$name.out" 2>"$WORK/plan-$name.err" ||
    die "helm-hooks plan failed on the $name chart: $(head -c 2000 "$WORK/plan-$name.err")"
  HELM_CACHE_HOME="$hseed" "$HH" plan "$dir" --from HEAD~1 --to HEAD~1 "${PLAN_EXTRA[@]}" >/dev/null 2>&1

  local spec="$WORK/spec-$name.json"
  {
    echo "["
    case_json template "" "$tcache" "$HELM" template "$dir"
    echo ","
    case_json cold "$(declare -f seed_version); VERSION_SEED='$VERSION_SEED' seed_version '$ccache'" "$ccache" "${plan[@]}"
    echo ","
    case_json first "rm -rf '$fcache'" "$fcache" "${plan[@]}"
    echo ","
    case_json warm "" "$wcache" "${plan[@]}"
    echo ","
    case_json half "rm -rf '$hcache'; cp -R '$hseed' '$hcache'" "$hcache" "${plan[@]}"
    echo "]"
  } >"$spec"
  log "$name: $RUNS interleaved rounds of template, cold, first, warm, half"
  local res
  res=$(rounds "$spec")

  local rss_cold rss_warm
  seed_version "$ccache"
  rss_cold=$(peak_rss_kib "$ccache" "${plan[@]}")
  rss_warm=$(peak_rss_kib "$wcache" "${plan[@]}")

  local t_tpl t_cold t_first t_warm t_half c_tpl c_cold c_warm
  t_tpl=$(field "$res" template wall)
  t_cold=$(field "$res" cold wall)
  t_first=$(field "$res" first wall)
  t_warm=$(field "$res" warm wall)
  t_half=$(field "$res" half wall)
  c_tpl=$(field "$res" template cpu)
  c_cold=$(field "$res" cold cpu)
  c_warm=$(field "$res" warm cpu)
  local r_cold r_warm m_cold m_warm m_rss
  r_cold=$(ratio "$t_cold" "$t_tpl")
  r_warm=$(ratio "$t_warm" "$t_tpl")
  m_cold=$(meets "$r_cold" 1.3)
  m_warm=$(meets "$r_warm" "$warm_target")
  m_rss=$(meets "$(( ${rss_cold:-999999} > ${rss_warm:-999999} ? ${rss_cold:-999999} : ${rss_warm:-999999} ))" 65535)
  [[ "$m_cold" == ok && "$m_warm" == ok && "$m_rss" == ok ]] || MISSED=1
  RESULTS+=("$(printf '%-7s %5s %8.3f %8.3f %8.3f %8.3f %8.3f  %6s %-6s %6s %-6s %-6s %7s %6s  %6s %-6s %9s %9s  %5s %5s' \
    "$name" "$n_files" "$t_tpl" "$t_cold" "$t_first" "$t_warm" "$t_half" \
    "$r_cold" "$m_cold" "$r_warm" "$m_warm" "<=$warm_target" "$(ratio "$t_first" "$t_tpl")" "$(ratio "$t_half" "$t_tpl")" \
    "$((${rss_cold:-0} > ${rss_warm:-0} ? ${rss_cold:-0} / 1024 : ${rss_warm:-0} / 1024))" "$m_rss" "${rss_cold:-?}" "${rss_warm:-?}" \
    "$(ratio "$c_cold" "$c_tpl")" "$(ratio "$c_warm" "$c_tpl")")")
}

# --- dependencies from a chart repository -------------------------------------------
# gen_app DIR MODE VARIANT: a parent chart (the medium generator's shape,
# smaller) depending on `dep` 0.1.0 from the loopback repository; MODE
# fetched commits Chart.lock and ignores charts/, vendored commits the
# archive in charts/.
DEPS_RESULT=()
gen_app() {
  local dir=$1 mode=$2 variant=$3
  gen_chart "$dir" 30 120 "$variant"
  rm -rf "$dir/charts/sub"
  cat >"$dir/Chart.yaml" <<YAML
apiVersion: v2
name: bench
version: 0.1.0
dependencies:
  - name: dep
    version: 0.1.0
    repository: $DEP_REPO_URL
YAML
  cp "$DEP_LOCK" "$dir/Chart.lock"
  mkdir -p "$dir/charts"
  cp "$DEP_TGZ" "$dir/charts/"
  if [[ "$mode" == fetched ]]; then printf 'charts/\n' >"$dir/.gitignore"; fi
}

bench_deps() {
  local srv="$WORK/chart-repo" src="$WORK/dep-src"
  log "deps: a chart repository on loopback"
  gen_chart "$src" 20 80 1
  rm -rf "$src/charts/sub"
  printf 'apiVersion: v2\nname: dep\nversion: 0.1.0\n' >"$src/Chart.yaml"
  sed -i -e "s/bench\.labels/dep.labels/g" -e "s/hook-0/dephook-0/g" -e "s/res-0/depres-0/g" "$src"/templates/*
  mkdir -p "$srv"
  "$HELM" package "$src" -d "$srv" >/dev/null
  python3 -u -m http.server --bind 127.0.0.1 0 --directory "$srv" >"$WORK/http.log" 2>&1 &
  HTTP_PID=$!
  local port="" i
  for i in $(seq 1 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -1)
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "$port" ]] || die "deps: the chart repository did not start"
  DEP_REPO_URL="http://127.0.0.1:$port"
  "$HELM" repo index "$srv" --url "$DEP_REPO_URL" >/dev/null
  HELM_CACHE_HOME="$WORK/cache-repo" "$HELM" repo add bench "$DEP_REPO_URL" >/dev/null
  DEP_TGZ="$srv/dep-0.1.0.tgz"
  # The lock Helm writes for this dependency.
  local lockdir="$WORK/lock-chart"
  mkdir -p "$lockdir"
  printf 'apiVersion: v2\nname: bench\nversion: 0.1.0\ndependencies:\n  - name: dep\n    version: 0.1.0\n    repository: %s\n' "$DEP_REPO_URL" >"$lockdir/Chart.yaml"
  HELM_CACHE_HOME="$WORK/cache-repo" "$HELM" dependency update "$lockdir" >/dev/null
  DEP_LOCK="$lockdir/Chart.lock"

  local fetched vendored
  fetched="$(make_repo deps-fetched gen_app fetched)"
  vendored="$(make_repo deps-vendored gen_app vendored)"
  git -C "$fetched" ls-files --error-unmatch charts/dep-0.1.0.tgz >/dev/null 2>&1 && die "deps: charts/ is committed in the fetched chart"
  git -C "$vendored" ls-files --error-unmatch charts/dep-0.1.0.tgz >/dev/null 2>&1 || die "deps: the vendored chart lacks its archive"
  # As after a clone: the worktree's charts/ is empty, Helm fetches.
  rm -rf "$fetched/charts"

  local pf=("$HH" plan "$fetched" --from HEAD~1 --to HEAD "${PLAN_EXTRA[@]}")
  local pv=("$HH" plan "$vendored" --from HEAD~1 --to HEAD "${PLAN_EXTRA[@]}")
  local wf="$WORK/cache-deps-warm-f" wv="$WORK/cache-deps-warm-v" seedf="$WORK/cache-deps-seed-f"
  HELM_CACHE_HOME="$wf" "${pf[@]}" >"$WORK/plan-deps.out" 2>"$WORK/plan-deps.err" ||
    die "deps: helm-hooks plan failed: $(head -c 2000 "$WORK/plan-deps.err")"
  [[ -n "$(ls "$wf/hooks/dep-archives" 2>/dev/null)" ]] || die "deps: no dependency was fetched"
  HELM_CACHE_HOME="$wv" "${pv[@]}" >/dev/null 2>&1
  # Warm dependencies, no render: the fetched cache without its renders.
  rm -rf "$seedf"
  cp -R "$wf" "$seedf"
  rm -rf "$seedf/hooks/render2" "$seedf/hooks/render2-err"
  local cf="$WORK/cache-deps-cold-f" cv="$WORK/cache-deps-cold-v" tc="$WORK/cache-deps-template"
  local spec="$WORK/spec-deps.json"
  {
    echo "["
    case_json template "" "$tc" "$HELM" template "$vendored"
    echo ","
    case_json warm-fetched "" "$wf" "${pf[@]}"
    echo ","
    case_json warm-vendored "" "$wv" "${pv[@]}"
    echo ","
    case_json cold-fetched "rm -rf '$cf'; cp -R '$seedf' '$cf'" "$cf" "${pf[@]}"
    echo ","
    case_json cold-vendored "$(declare -f seed_version); VERSION_SEED='$VERSION_SEED' seed_version '$cv'" "$cv" "${pv[@]}"
    echo "]"
  } >"$spec"
  log "deps: $RUNS interleaved rounds"
  local res
  res=$(rounds "$spec")
  local t w_f w_v c_f c_v
  t=$(field "$res" template wall)
  w_f=$(field "$res" warm-fetched wall)
  w_v=$(field "$res" warm-vendored wall)
  c_f=$(field "$res" cold-fetched wall)
  c_v=$(field "$res" cold-vendored wall)
  local r_w m_w
  r_w=$(ratio "$w_f" "$w_v")
  m_w=$(meets "$r_w" 1.10)
  [[ "$m_w" == ok ]] || MISSED=1
  DEPS_RESULT+=("$(printf 'deps, dependency from a loopback chart repository (warm dependency cache) vs vendored in charts/: template %.3fs' "$t")")
  DEPS_RESULT+=("$(printf '  warm plan:   fetched %.3fs, vendored %.3fs, fetched/vendored %s (target <= 1.10: %s), warm/template %s' \
    "$w_f" "$w_v" "$r_w" "$m_w" "$(ratio "$w_f" "$t")")")
  DEPS_RESULT+=("$(printf '  cold render: fetched (deps cached) %.3fs, vendored %.3fs, fetched/vendored %s, cold/template %s' \
    "$c_f" "$c_v" "$(ratio "$c_f" "$c_v")" "$(ratio "$c_f" "$t")")")
}

log "helm: $HELM ($("$HELM" version --short)); helm-hooks: $HH; rounds: $RUNS; load: $(uptime | sed 's/.*load average: //')"
# The Helm version as any earlier run caches it (cold runs start from it).
VERSION_SEED="$WORK/cache-version"
mkdir -p "$WORK/version-probe"
git -C "$WORK/version-probe" init -q
printf 'apiVersion: v2\nname: probe\nversion: 0.1.0\n' >"$WORK/version-probe/Chart.yaml"
git -C "$WORK/version-probe" add -A
git -C "$WORK/version-probe" -c user.name=bench -c user.email=bench@example.invalid commit -qm probe
HELM_CACHE_HOME="$VERSION_SEED" "$HH" plan "$WORK/version-probe" --from HEAD --to HEAD >/dev/null 2>&1 ||
  die "helm-hooks plan failed on a one-file chart"
[[ -d "$VERSION_SEED/hooks/helm-version" ]] || die "helm-hooks cached no Helm version"

if want real; then bench_chart real 0.10 gen_real; fi
if want random; then bench_chart random 0.10 gen_real random; fi
if want medium; then bench_chart medium 0.10 gen_chart 50 200; fi
if want large; then bench_chart large 0.25 gen_chart 520 2100; fi
if want deps; then bench_deps; fi

# --- a monorepo of charts ---------------------------------------------------------
MONO_RESULT=""
bench_monorepo() {
  local repo="$WORK/monorepo" i
  log "monorepo: generating 50 medium charts"
  mkdir -p "$repo"
  git -C "$repo" init -q
  # Each chart its own name, so that no two share a render (or its cache).
  rename() { sed -i "s/^name: .*/name: c$2/" "$1/Chart.yaml"; }
  for i in $(seq -w 1 50); do
    gen_chart "$repo/charts/c$i" 50 200 1
    rename "$repo/charts/c$i" "$i"
  done
  git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: monorepo v1"
  for i in 03 14 25 36 47; do
    find "$repo/charts/c$i" -type f -delete
    gen_chart "$repo/charts/c$i" 50 200 2
    rename "$repo/charts/c$i" "$i"
  done
  git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: monorepo v2, 5 charts changed"
  local tcache="$WORK/cache-template-mono" acache="$WORK/cache-all-mono"
  local all=("$HH" plan "$repo" --all --from HEAD~1 --to HEAD "${PLAN_EXTRA[@]}")
  HELM_CACHE_HOME="$acache" "${all[@]}" -o json >"$WORK/plan-all.json" 2>"$WORK/plan-all.err" ||
    die "plan --all failed: $(head -c 2000 "$WORK/plan-all.err")"
  local listed
  listed=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["charts"]))' "$WORK/plan-all.json")
  [[ "$listed" == 5 ]] || die "plan --all listed $listed charts, not the 5 changed"
  local spec="$WORK/spec-mono.json"
  {
    echo "["
    case_json template "" "$tcache" "$HELM" template "$repo/charts/c01"
    echo ","
    case_json all "$(declare -f seed_version); VERSION_SEED='$VERSION_SEED' seed_version '$acache'" "$acache" "${all[@]}"
    echo "]"
  } >"$spec"
  log "monorepo: $RUNS interleaved rounds of template, plan --all (cold)"
  local res t_tpl t_all r m
  res=$(rounds "$spec")
  t_tpl=$(field "$res" template wall)
  t_all=$(field "$res" all wall)
  r=$(ratio "$t_all" "$t_tpl")
  m=$(meets "$r" 4)
  [[ "$m" == ok ]] || MISSED=1
  MONO_RESULT=$(printf 'monorepo, 50 medium charts, 5 changed: plan --all %.3f s cold = %sx one helm template (%.3f s; target <= 4: %s), %sx 50 of them'     "$t_all" "$r" "$t_tpl" "$m" "$(python3 -c "print('%.2f' % ($t_all / ($t_tpl * 50)))")")
}
if want monorepo; then bench_monorepo; fi

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
  # apply's plan (--dry-run: plan, then stop) against the one Helm command
  # it cannot do without: the server dry run of the same upgrade.
  local planonly=("${hh[@]}" --dry-run)
  local dry=(env KUBECONFIG="$kubeconfig" "$HELM" upgrade --install rel "$chart_repo/app" -n "$ns" --dry-run=server -o json)
  "${planonly[@]}" >/dev/null 2>&1 || die "helm-hooks apply --dry-run failed on the bench chart"
  local t_plan=() t_dry=()
  for r in $(seq 1 "$RUNS"); do
    a=$(date +%s%N); "${dry[@]}" >/dev/null 2>&1; b=$(date +%s%N); t_dry+=("$(( (b - a) / 1000000 ))")
    a=$(date +%s%N); "${planonly[@]}" >/dev/null 2>&1; b=$(date +%s%N); t_plan+=("$(( (b - a) / 1000000 ))")
  done
  local m_plan m_dry r_plan m_planok
  m_plan=$(printf '%s\n' "${t_plan[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)] / 1000}')
  m_dry=$(printf '%s\n' "${t_dry[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)] / 1000}')
  r_plan=$(ratio "$m_plan" "$m_dry")
  m_planok=$(meets "$r_plan" 1.30)
  [[ "$m_planok" == ok ]] || MISSED=1
  local rss
  rss=$("${hh[@]}" --debug 2>&1 >/dev/null | sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' | tail -1)
  local r_apply m_apply
  r_apply=$(ratio "$m_hh" "$m_plain")
  m_apply=$(meets "$r_apply" 1.10)
  [[ "$m_apply" == ok ]] || MISSED=1
  APPLY_RESULT="$(printf 'apply, 20 quick hooks: helm upgrade %.3fs, helm-hooks apply --yes %.3fs, ratio %s (target <= 1.10: %s), helm-hooks peak RSS %s KiB; plan: helm upgrade --dry-run=server %.3fs, helm-hooks apply --dry-run %.3fs, ratio %s (target <= 1.30: %s)' \
    "$m_plain" "$m_hh" "$r_apply" "$m_apply" "${rss:-?}" "$m_dry" "$m_plan" "$r_plan" "$m_planok")"
  bash "$ROOT/scripts/cluster.sh" down "$state" >&2 || true
}
if want apply; then bench_apply; fi

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
if want completion; then bench_completion; fi

# --- the local audit log at a million runs ----------------------------------------

# gen_audit FILE RUNS RELEASES SHA: a local audit log of RUNS runs (start,
# two hook states, end) over RELEASES releases in namespace default, every
# one applying commit SHA; a tenth of the releases take nine tenths of the
# runs. Now and then a run's end comes after the next run's start, a run
# is interrupted (and resolved by a later one), and one line is torn.
# Prints the id of the middle run.
gen_audit() {
  python3 - "$@" <<'PY'
import random, sys, time
path, n, n_rel, sha = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(7)
hot = max(1, n_rel // 10)
base = 1735689600  # 2025-01-01T00:00:00Z
START = ('{"schema":1,"run":"%s","time":"%s","type":"runStarted","user":"ci","host":"runner-7",'
         '"pid":%d,"kubeContext":"prod","kubeServer":"https://10.0.0.1:6443","namespace":"default",'
         '"release":"%s","operation":"upgrade","chartName":"app","chartVersion":"0.1.0",'
         '"repository":"/srv/app","chartPath":"app","fromRev":null,"fromSha":"%s","toRev":"HEAD",'
         '"toSha":"%s","worktree":false,"worktreeHash":null,"helmVersion":"v3.17.1",'
         '"args":["apply","%s","app","--yes"],"timeline":[%s],"ciJob":"%d"}\n')
PLANNED = '{"position":%d,"event":"pre-upgrade","kind":"Job","name":"hook-%02d","weight":%d,"change":"unchanged"}'
STATE = '{"schema":1,"run":"%s","time":"%s","type":"hookState","kind":"Job","name":"hook-%02d","state":"%s"}\n'
OUTCOME = ('{"event":"pre-upgrade","kind":"Job","name":"hook-%02d","weight":%d,"phase":"Succeeded",'
           '"startedAt":"%s","completedAt":"%s","durationMs":%d,"message":null,"logTail":[],"leftInCluster":false}')
END = ('{"schema":1,"run":"%s","time":"%s","type":"runEnded","helmExit":0,"interrupted":false,'
       '"releaseRevision":%d,"releaseStatus":"deployed","hooks":[%s]}\n')
RESOLVED = ('{"schema":1,"run":"%s","time":"%s","type":"runResolved","releaseRevision":%d,'
            '"releaseStatus":"deployed","foundBy":"%s"}\n')
def stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
def run_id(i, t):
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(t)) + "-%06x" % (i & 0xffffff)
revision = {}
pending = []  # (run id, text) written after the next run's start
unresolved = []
with open(path, "w") as out:
    for i in range(n):
        t = base + i * 31
        rel = "rel-%03d" % (rng.randrange(hot) if rng.random() < 0.9 or n_rel == 1 else rng.randrange(n_rel))
        rid, when = run_id(i, t), stamp(t)
        hooks = sorted(rng.sample(range(1, 21), 2))
        planned = ",".join(PLANNED % (k + 1, h, h) for k, h in enumerate(hooks))
        out.write(START % (rid, when, 1000 + i % 30000, rel, sha, sha, rel, planned, 5000000 + i))
        for text in pending:
            out.write(text)
        pending = []
        for rid_old in unresolved:
            out.write(RESOLVED % (rid_old, when, 1, rid))
        unresolved = []
        if i % 100000 == 50000:
            out.write('{"schema":1,"run":"torn","ti\n')
        out.write(STATE % (rid, when, hooks[0], "created"))
        out.write(STATE % (rid, when, hooks[0], "succeeded"))
        if i % 1000 == 999 and n > 1:
            unresolved.append(rid)
            continue
        revision[rel] = revision.get(rel, 0) + 1
        done = stamp(t + 20)
        outcomes = ",".join(OUTCOME % (h, h, when, done, 5000 + rng.randrange(20000)) for h in hooks)
        end = END % (rid, done, revision[rel], outcomes)
        if i % 97 == 0:
            pending.append(end)
        else:
            out.write(end)
    for text in pending:
        out.write(text)
m = n // 2
print(run_id(m, base + m * 31))
PY
}

# bench_audit: see the header. Interleaved rounds of each command on the
# big log and on its small counterpart.
AUDIT_RESULT=()
bench_audit() {
  local repo="$WORK/audit-repo" big="$WORK/audit-big" one="$WORK/audit-one" empty="$WORK/audit-empty"
  local cache="$WORK/audit-cache" nokube="$WORK/audit-no-kubeconfig" shown="$WORK/audit-256"
  mkdir -p "$repo/app/templates" "$big/hooks" "$one/hooks" "$empty/hooks" "$shown/hooks"
  printf 'apiVersion: v2\nname: app\nversion: 0.1.0\n' >"$repo/app/Chart.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n' >"$repo/app/templates/cm.yaml"
  local i
  for i in $(seq -w 1 20); do
    printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: hook-%s\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: "%s"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: busybox}]\n' \
      "$i" "$i" >"$repo/app/templates/hook-$i.yaml"
  done
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm hooks
  local sha t0 t1 mid one_id
  sha=$(git -C "$repo" rev-parse HEAD)
  log "audit: generating a log of 1,000,000 runs over 500 releases"
  t0=$(date +%s%N)
  mid=$(gen_audit "$big/hooks/audit.jsonl" 1000000 500 "$sha")
  t1=$(date +%s%N)
  local gen_s big_mb
  gen_s=$(python3 -c "print('%.1f' % (($t1 - $t0) / 1e9))")
  big_mb=$(( $(stat -c %s "$big/hooks/audit.jsonl") / 1048576 ))
  one_id=$(gen_audit "$one/hooks/audit.jsonl" 1 1 "$sha")
  # A log of exactly the runs `history rel-000` shows (its newest 256):
  # the same output as on the big log, from a log of that size.
  gen_audit "$shown/hooks/audit.jsonl" 256 1 "$sha" >/dev/null
  env HELM_DATA_HOME="$shown" KUBECONFIG="$nokube" "$HH" history --source local >/dev/null 2>&1 ||
    die "audit: helm-hooks history failed on the 256-run log"
  # The one-run log's release is rel-000, as is the hot release of the big one.
  local hot=rel-000 cold=rel-499
  # The first read indexes the log; later reads find the index.
  t0=$(date +%s%N)
  env HELM_DATA_HOME="$big" KUBECONFIG="$nokube" "$HH" history "$cold" --source local >/dev/null 2>&1 ||
    die "audit: helm-hooks history failed on the big log"
  t1=$(date +%s%N)
  local index_s index_mb
  index_s=$(python3 -c "print('%.1f' % (($t1 - $t0) / 1e9))")
  index_mb=$(du -sm "$big/hooks/audit.idx" | cut -f1)
  local plan=("$HH" plan "$repo/app" --to HEAD --release)
  HELM_CACHE_HOME="$cache" HELM_DATA_HOME="$empty" KUBECONFIG="$nokube" "${plan[@]}" "$hot" >/dev/null 2>&1 ||
    die "audit: helm-hooks plan failed"
  local spec="$WORK/spec-audit.json"
  python3 - "$spec" "$cache" "$nokube" "$big" "$one" "$empty" "$hot" "$cold" "$mid" "$one_id" "$shown" "${plan[@]}" <<'PY'
import json, sys
spec, cache, nokube, big, one, empty, hot, cold, mid, one_id, shown = sys.argv[1:12]
plan = sys.argv[12:]
hh = plan[0]
def case(label, data, cmd):
    return {"label": label, "prepare": "", "cmd": cmd,
            "env": {"HELM_CACHE_HOME": cache, "HELM_DATA_HOME": data, "KUBECONFIG": nokube}}
cases = [
    case("plan-empty", empty, plan + [hot]),
    case("plan-hot", big, plan + [hot]),
    case("plan-cold", big, plan + [cold]),
    case("history-one", one, [hh, "history", hot, "--source", "local"]),
    case("history-hot", big, [hh, "history", hot, "--source", "local"]),
    case("history-256", shown, [hh, "history", hot, "--source", "local"]),
    case("history-cold", big, [hh, "history", cold, "--source", "local"]),
    case("run-one", one, [hh, "history", "--run", one_id, "--source", "local"]),
    case("run-big", big, [hh, "history", "--run", mid, "--source", "local"]),
]
json.dump(cases, open(spec, "w"))
PY
  log "audit: $RUNS interleaved rounds of plan and history on the big log and on an empty or one-run log"
  local res
  res=$(rounds "$spec")
  local rss_plan rss_hist rss_run
  rss_plan=$(HELM_DATA_HOME="$big" KUBECONFIG="$nokube" peak_rss_kib "$cache" "${plan[@]}" "$hot")
  rss_hist=$(HELM_DATA_HOME="$big" KUBECONFIG="$nokube" peak_rss_kib "$cache" "$HH" history "$hot" --source local)
  rss_run=$(HELM_DATA_HOME="$big" KUBECONFIG="$nokube" peak_rss_kib "$cache" "$HH" history --run "$mid" --source local)
  local rss_plan_empty rss_hist_one
  rss_plan_empty=$(HELM_DATA_HOME="$empty" KUBECONFIG="$nokube" peak_rss_kib "$cache" "${plan[@]}" "$hot")
  rss_hist_one=$(HELM_DATA_HOME="$one" KUBECONFIG="$nokube" peak_rss_kib "$cache" "$HH" history "$hot" --source local)
  AUDIT_RESULT+=("$(printf 'audit log: 1,000,000 runs over 500 releases, %s MiB, generated in %s s; first read (indexing) %s s, index %s MiB' \
    "$big_mb" "$gen_s" "$index_s" "$index_mb")")
  # audit_line LABEL BASE TARGET RSS_KIB: one comparison, target checked.
  audit_line() {
    local label=$1 base=$2 target=$3 rss=$4 t b r m mr
    t=$(field "$res" "$label" wall)
    b=$(field "$res" "$base" wall)
    r=$(ratio "$t" "$b")
    m=$(meets "$r" "$target")
    mr=$(meets "${rss:-999999}" 65535)
    [[ "$m" == ok && "$mr" == ok ]] || MISSED=1
    AUDIT_RESULT+=("$(printf '  %-13s %7.1f ms vs %-12s %7.1f ms: %5sx (target <= %s: %s); peak RSS %s KiB (< 64 MiB: %s)' \
      "$label" "$(python3 -c "print($t * 1000)")" "$base" "$(python3 -c "print($b * 1000)")" "$r" "$target" "$m" "${rss:-?}" "$mr")")
  }
  audit_line plan-hot plan-empty 1.5 "$rss_plan"
  audit_line plan-cold plan-empty 1.5 "$rss_plan"
  audit_line history-hot history-one 2 "$rss_hist"
  audit_line history-cold history-one 2 "$rss_hist"
  audit_line run-big run-one 2 "$rss_run"
  # The same 256 runs shown, from a log of 256 runs: what the log's size
  # itself costs, apart from what is printed.
  audit_line history-hot history-256 1.5 "$rss_hist"
  AUDIT_RESULT+=("$(printf '  (peak RSS with the empty log: plan %s KiB; with the one-run log: history %s KiB)' "${rss_plan_empty:-?}" "${rss_hist_one:-?}")")
}
if want audit; then bench_audit; fi

printf '\nhelm %s, median of %s interleaved rounds, seconds; ratios vs one helm template; load %s\n' \
  "$("$HELM" version --template '{{.Version}}')" "$RUNS" "$(uptime | sed 's/.*load average: //')"
printf 'cold: no render cached (Helm version cached); first: empty cache; half: one side cached; rss: helm-hooks own peak (VmHWM); cpu-c, cpu-w: CPU time (user+sys, process tree) of cold and warm over template\n'
printf '%-7s %5s %8s %8s %8s %8s %8s  %6s %-6s %6s %-6s %-6s %7s %6s  %6s %-6s %9s %9s  %5s %5s\n' \
  chart files template cold first warm half cold/t "<=1.3" warm/t "" target first/t half/t rssMiB "<64" rss-kib-c rss-kib-w cpu-c cpu-w
if [[ ${#RESULTS[@]} -gt 0 ]]; then printf '%s\n' "${RESULTS[@]}"; fi
if [[ ${#DEPS_RESULT[@]} -gt 0 ]]; then printf '\n'; printf '%s\n' "${DEPS_RESULT[@]}"; fi
if [[ -n "$MONO_RESULT" ]]; then printf '\n%s\n' "$MONO_RESULT"; fi
if [[ -n "$APPLY_RESULT" ]]; then printf '\n%s\n' "$APPLY_RESULT"; fi
if [[ ${#COMPLETION_RESULT[@]} -gt 0 ]]; then printf '\n'; printf '%s\n' "${COMPLETION_RESULT[@]}"; fi
if [[ ${#AUDIT_RESULT[@]} -gt 0 ]]; then printf '\n'; printf '%s\n' "${AUDIT_RESULT[@]}"; fi

if [[ "$STRICT" == 1 && "$MISSED" == 1 ]]; then
  die "a target was missed"
fi
