//! Hook safety rules (`helm hooks lint`): the traps Helm walks into without
//! a word, checked on the rendered hooks of one revision.
//!
//! Pure: takes renders and settings, returns findings.

use super::helm::HelmVersion;
use super::hook::{Hook, HookEvent, HookId, Rendered, Warning};
use super::order::{KindOrder, run_order};
use super::plan::SideRenders;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::time::Duration;

/// Per-hook silencing: `helm-hooks.io/ignore: HH004,HH013`.
pub const IGNORE_ANNOTATION: &str = "helm-hooks.io/ignore";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: a stable id, a short name, its severity and what it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    /// The severity of most findings; HH009 is a warning for pre-upgrade.
    pub severity: Severity,
    pub summary: &'static str,
}

pub const RULES: [Rule; 14] = [
    Rule {
        id: "HH001",
        name: "dropped-hook-document",
        severity: Severity::Error,
        summary: "a helm.sh/hook value with an unknown event: Helm drops the whole document silently",
    },
    Rule {
        id: "HH002",
        name: "weight-read-as-zero",
        severity: Severity::Error,
        summary: "a helm.sh/hook-weight Go's Atoi rejects (\" 5\", \"abc\", \"1.5\"): Helm uses 0",
    },
    Rule {
        id: "HH003",
        name: "unknown-delete-policy",
        severity: Severity::Warning,
        summary: "a helm.sh/hook-delete-policy value Helm does not know: it is ignored",
    },
    Rule {
        id: "HH004",
        name: "hook-never-deleted",
        severity: Severity::Warning,
        summary: "only the default delete policy: every finished hook stays in the cluster",
    },
    Rule {
        id: "HH005",
        name: "succeeded-without-before-creation",
        severity: Severity::Warning,
        summary: "hook-succeeded without before-hook-creation: a left-over object makes the next run fail with \"already exists\" on Helm 3",
    },
    Rule {
        id: "HH006",
        name: "order-by-name-or-kind",
        severity: Severity::Info,
        summary: "hooks of one event with equal weights: their order is decided by name (or kind)",
    },
    Rule {
        id: "HH007",
        name: "job-limits",
        severity: Severity::Warning,
        summary: "a Job hook without backoffLimit or activeDeadlineSeconds, or with a deadline longer than Helm's --timeout",
    },
    Rule {
        id: "HH008",
        name: "restart-policy-always",
        severity: Severity::Error,
        summary: "restartPolicy Always (or absent) in a Pod or Job hook: the Pod never completes, the Job is rejected",
    },
    Rule {
        id: "HH009",
        name: "pre-hook-uses-chart-resource",
        severity: Severity::Error,
        summary: "a pre-install (error) or pre-upgrade (warning, resource new in the revision) hook uses a ConfigMap, Secret, ServiceAccount or PVC the chart creates only after the hooks",
    },
    Rule {
        id: "HH010",
        name: "uses-later-hook",
        severity: Severity::Error,
        summary: "a hook uses a resource that another hook of the same event creates later",
    },
    Rule {
        id: "HH011",
        name: "not-waited-kind",
        severity: Severity::Info,
        summary: "a workload hook Helm does not wait on (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, CronJob)",
    },
    Rule {
        id: "HH012",
        name: "literal-secret-env",
        severity: Severity::Warning,
        summary: "a literal value in a hook env var named like a secret (PASSWORD, TOKEN, KEY, SECRET...)",
    },
    Rule {
        id: "HH013",
        name: "no-resources",
        severity: Severity::Info,
        summary: "a hook container without resource requests or limits",
    },
    Rule {
        id: "HH014",
        name: "non-string-metadata-value",
        severity: Severity::Error,
        summary: "an annotation or label value that is not a string (unquoted -10, true): Helm orders the hook, then fails to create it",
    },
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id.trim()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The hook at fault; `None` for a document Helm dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookId>,
    /// The template path as Helm prints it in `# Source:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
    /// With a `from` revision: whether the finding is new in this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<bool>,
    /// What the finding is about, beyond rule and hook (the container, the
    /// referenced resource...): the identity across revisions, so that a
    /// message that mentions a changed weight is still the same finding.
    #[serde(skip)]
    pub subject: String,
}

impl Finding {
    fn key(&self) -> (&str, Option<&HookId>, &str) {
        (self.rule, self.hook.as_ref(), &self.subject)
    }
}

/// Helm's default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct LintOptions {
    pub helm: HelmVersion,
    /// Helm's `--timeout`: applies to each hook wait.
    pub timeout: Duration,
    /// Rule ids silenced for the whole chart (`.helm-hooks.yaml`).
    pub ignore: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid duration {0:?}: use Go's form, e.g. 300s, 5m, 1h30m")]
pub struct BadDuration(pub String);

/// Go's `time.ParseDuration`, as Helm reads `--timeout`: a sequence of
/// decimal numbers with units ns, us, µs, ms, s, m, h; a bare `0` is allowed.
pub fn parse_go_duration(text: &str) -> Result<Duration, BadDuration> {
    let bad = || BadDuration(text.to_string());
    let s = text.trim().strip_prefix('+').unwrap_or(text.trim());
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() || s.starts_with('-') {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..num_end].parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += number * scale;
        rest = &rest[unit_end..];
    }
    Ok(Duration::from_secs_f64(total))
}

/// Go's `Duration.String()` for whole seconds and above (`5m0s`, `1h0m0s`).
pub fn go_duration_text(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 || secs == 0 {
        return format!("{}s", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

// --- reading the pod spec --------------------------------------------------

/// The pod spec of a workload document, by kind.
fn pod_spec<'a>(kind: &str, doc: &'a Value) -> Option<&'a Value> {
    let pointer = match kind {
        "Pod" => "/spec",
        "Job"
        | "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => return None,
    };
    doc.pointer(pointer).filter(|v| v.is_object())
}

/// `(what, container)` for init and ordinary containers.
fn containers(spec: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (field, label) in [
        ("initContainers", "init container"),
        ("containers", "container"),
    ] {
        for c in spec[field].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or("?");
            out.push((format!("{label} {name}"), c));
        }
    }
    out
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn optional(v: &Value) -> bool {
    v["optional"].as_bool() == Some(true)
}

/// A ConfigMap, Secret, ServiceAccount or PVC a pod spec needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    kind: &'static str,
    name: String,
    via: String,
}

impl Reference {
    fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// What the pod cannot start without (optional references left out).
fn references(hook: &Hook) -> Vec<Reference> {
    let Some(spec) = pod_spec(&hook.kind, &hook.document) else {
        return Vec::new();
    };
    let mut out: Vec<Reference> = Vec::new();
    let mut add = |kind: &'static str, name: Option<String>, via: String| {
        if let Some(name) = name
            && !out.iter().any(|r| r.kind == kind && r.name == name)
        {
            out.push(Reference { kind, name, via });
        }
    };
    for field in ["serviceAccountName", "serviceAccount"] {
        add("ServiceAccount", text(&spec[field]), field.to_string());
    }
    for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        add("Secret", text(&s["name"]), "imagePullSecrets".to_string());
    }
    for (what, c) in containers(spec) {
        for e in c["envFrom"].as_array().into_iter().flatten() {
            for (key, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                let r = &e[key];
                if r.is_object() && !optional(r) {
                    add(kind, text(&r["name"]), format!("envFrom of {what}"));
                }
            }
        }
        for e in c["env"].as_array().into_iter().flatten() {
            let var = e["name"].as_str().unwrap_or("?");
            for (key, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                let r = &e["valueFrom"][key];
                if r.is_object() && !optional(r) {
                    add(kind, text(&r["name"]), format!("env {var} of {what}"));
                }
            }
        }
    }
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let vol = v["name"].as_str().unwrap_or("?");
        let via = format!("volume {vol}");
        if v["configMap"].is_object() && !optional(&v["configMap"]) {
            add("ConfigMap", text(&v["configMap"]["name"]), via.clone());
        }
        if v["secret"].is_object() && !optional(&v["secret"]) {
            add("Secret", text(&v["secret"]["secretName"]), via.clone());
        }
        if v["persistentVolumeClaim"].is_object() {
            add(
                "PersistentVolumeClaim",
                text(&v["persistentVolumeClaim"]["claimName"]),
                via.clone(),
            );
        }
        for src in v["projected"]["sources"].as_array().into_iter().flatten() {
            for (key, kind) in [("configMap", "ConfigMap"), ("secret", "Secret")] {
                if src[key].is_object() && !optional(&src[key]) {
                    add(kind, text(&src[key]["name"]), via.clone());
                }
            }
        }
    }
    out
}

fn ignored_by_annotation(hook: &Hook, rule_id: &str) -> bool {
    hook.document["metadata"]["annotations"][IGNORE_ANNOTATION]
        .as_str()
        .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(rule_id)))
}

fn event_list(events: &[HookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

// --- the rules ---------------------------------------------------------------

struct Ctx<'a> {
    opts: &'a LintOptions,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        rule_id: &'static str,
        severity: Severity,
        hook: Option<&Hook>,
        subject: String,
        message: String,
    ) {
        self.out.push(Finding {
            rule: rule_id,
            severity,
            hook: hook.map(Hook::id),
            path: hook.map(|h| h.path.clone()),
            message,
            introduced: None,
            subject,
        });
    }
}

/// HH001, HH002: what the parser and the render adapter saw Helm do.
fn check_warnings(r: &Rendered, cx: &mut Ctx<'_>) {
    for w in &r.warnings {
        match w {
            Warning::DroppedDocument {
                path,
                held_in,
                value,
                ..
            } => {
                cx.out.push(Finding {
                    rule: "HH001",
                    severity: Severity::Error,
                    hook: None,
                    // The emitting template, else the file with the text.
                    path: path.first().or(held_in.first()).cloned(),
                    message: format!(
                        "{w}; fix the helm.sh/hook value (test-failure no longer exists: use test)"
                    ),
                    introduced: None,
                    subject: value.clone(),
                });
            }
            // Not a trap of Helm's: the plan notes it.
            Warning::RandomPerRender { .. } => {}
            Warning::WeightReadAsZero { hook, raw, .. } => {
                let h = r.hooks.iter().find(|h| h.id().to_string() == *hook);
                cx.push(
                    "HH002",
                    Severity::Error,
                    h,
                    String::new(),
                    format!(
                        "{hook} has helm.sh/hook-weight {raw:?}, which Helm reads as 0 (Go's Atoi: no spaces, no decimals); write a plain integer such as \"5\" or \"-5\""
                    ),
                );
            }
        }
    }
}

const POLICIES: [&str; 3] = ["before-hook-creation", "hook-succeeded", "hook-failed"];

/// HH003, HH004, HH005: delete policies.
fn check_policies(h: &Hook, cx: &mut Ctx<'_>) {
    let id = h.id();
    for p in h
        .delete_policies
        .iter()
        .filter(|p| !POLICIES.contains(&p.as_str()))
    {
        cx.push(
            "HH003",
            Severity::Warning,
            Some(h),
            p.clone(),
            format!(
                "{id} has helm.sh/hook-delete-policy value {p:?}, which Helm ignores; use {}",
                POLICIES.join(", ")
            ),
        );
    }
    // CRD hooks are never deleted, whatever the policy says.
    if h.kind == "CustomResourceDefinition" {
        return;
    }
    let known: Vec<&str> = h
        .delete_policies
        .iter()
        .map(String::as_str)
        .filter(|p| POLICIES.contains(p))
        .collect();
    let ttl = h.kind == "Job" && h.document["spec"]["ttlSecondsAfterFinished"].is_number();
    if known.iter().all(|p| *p == "before-hook-creation") && !ttl {
        let extra = if h.kind == "Job" {
            " or spec.ttlSecondsAfterFinished"
        } else {
            ""
        };
        cx.push(
            "HH004",
            Severity::Warning,
            Some(h),
            String::new(),
            format!(
                "{id} is only deleted before its next run (before-hook-creation): every finished run stays in the cluster, and after uninstall; add helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded{extra}"
            ),
        );
    }
    if known.contains(&"hook-succeeded") && !known.contains(&"before-hook-creation") {
        cx.push(
            "HH005",
            Severity::Warning,
            Some(h),
            String::new(),
            format!(
                "{id} has hook-succeeded without before-hook-creation: an explicit policy replaces the default, so an object left by a failed or interrupted run is not deleted first and the next run fails with \"already exists\" on Helm 3; use helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded"
            ),
        );
    }
}

/// HH007: Job retry and deadline settings against Helm's timeout.
fn check_job_limits(h: &Hook, cx: &mut Ctx<'_>) {
    if h.kind != "Job" {
        return;
    }
    let spec = &h.document["spec"];
    let timeout = go_duration_text(cx.opts.timeout);
    // One finding per Job, naming each problem and its fix.
    let mut problems: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    if !spec["backoffLimit"].is_number() {
        problems.push("no spec.backoffLimit (Kubernetes retries a failing pod 6 times with growing delays: a broken hook fails slowly)".into());
        fixes.push("set backoffLimit (e.g. 0 or 1)".into());
    }
    match spec["activeDeadlineSeconds"].as_f64() {
        None => {
            problems.push(format!("no spec.activeDeadlineSeconds (a hung run holds the operation for Helm's whole --timeout {timeout}, and runs on after Helm gives up)"));
            fixes.push("set activeDeadlineSeconds below the timeout".into());
        }
        Some(secs) if secs > cx.opts.timeout.as_secs_f64() => {
            problems.push(format!("spec.activeDeadlineSeconds {secs} longer than Helm's --timeout {timeout} (Helm gives up first, the Job runs on)"));
            fixes.push("lower activeDeadlineSeconds or raise --timeout".into());
        }
        Some(_) => {}
    }
    if !problems.is_empty() {
        cx.push(
            "HH007",
            Severity::Warning,
            Some(h),
            String::new(),
            format!(
                "Job hook {} has {}; {}",
                h.id(),
                problems.join(" and "),
                fixes.join(", ")
            ),
        );
    }
}

/// HH008: a Pod hook that never completes, a Job the API server rejects.
fn check_restart_policy(h: &Hook, cx: &mut Ctx<'_>) {
    if !matches!(h.kind.as_str(), "Job" | "Pod") {
        return;
    }
    let Some(spec) = pod_spec(&h.kind, &h.document) else {
        return;
    };
    let policy = spec["restartPolicy"].as_str();
    if !matches!(policy, None | Some("Always")) {
        return;
    }
    let written = match policy {
        Some(_) => "restartPolicy: Always".to_string(),
        None => "no restartPolicy (Kubernetes defaults it to Always)".to_string(),
    };
    let id = h.id();
    let why = if h.kind == "Pod" {
        "a Pod that restarts on exit never reaches Succeeded, so Helm waits until its --timeout and fails"
    } else {
        "the API server rejects a Job whose pod template restarts Always, so the hook fails at once"
    };
    cx.push(
        "HH008",
        Severity::Error,
        Some(h),
        String::new(),
        format!("{id} has {written}: {why}; set restartPolicy: Never (or OnFailure)"),
    );
}

const NOT_WAITED: [&str; 6] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// HH011: workloads Helm counts as done once created.
fn check_not_waited(h: &Hook, cx: &mut Ctx<'_>) {
    if !NOT_WAITED.contains(&h.kind.as_str()) {
        return;
    }
    let id = h.id();
    let what = if h.kind == "CronJob" {
        "a CronJob hook only creates the schedule: nothing runs at hook time"
    } else {
        "Helm waits only on Jobs and Pods, so it goes on as soon as this object exists, before any pod is ready"
    };
    cx.push(
        "HH011",
        Severity::Info,
        Some(h),
        String::new(),
        format!(
            "{} hook {id}: {what}; use a Job (or Pod) hook for work that must finish first",
            event_list(&h.events)
        ),
    );
}

/// Whether an env var name reads like a credential.
fn secret_like(name: &str) -> bool {
    const WORDS: [&str; 10] = [
        "PASSWORD",
        "PASSWD",
        "PASS",
        "TOKEN",
        "SECRET",
        "KEY",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
    ];
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| WORDS.contains(&w))
        || ["PASSWORD", "TOKEN", "SECRET", "APIKEY"]
            .iter()
            .any(|w| upper.contains(w))
}

/// HH012: credentials written into the manifest (the value is never shown).
fn check_literal_secrets(h: &Hook, cx: &mut Ctx<'_>) {
    let Some(spec) = pod_spec(&h.kind, &h.document) else {
        return;
    };
    let id = h.id();
    for (what, c) in containers(spec) {
        for e in c["env"].as_array().into_iter().flatten() {
            let Some(var) = e["name"].as_str() else {
                continue;
            };
            let literal = match &e["value"] {
                Value::String(s) => !s.is_empty() && s != "true" && s != "false",
                Value::Number(_) => true,
                _ => false,
            };
            if literal && secret_like(var) {
                cx.push(
                    "HH012",
                    Severity::Warning,
                    Some(h),
                    format!("{what}/{var}"),
                    format!(
                        "{id} sets env {var} of {what} to a literal value (not shown): it is stored in the release and readable by anyone who can read it; use valueFrom.secretKeyRef"
                    ),
                );
            }
        }
    }
}

/// HH014: annotation and label values must be strings. Helm's sorter reads
/// an unquoted `helm.sh/hook-weight: -10` as "-10" (so the order is right),
/// but building the object for creation fails on both Helms: "cannot
/// unmarshal number into Go struct field ObjectMeta.metadata.annotations of
/// type string". `null` is accepted (Go leaves the string empty).
fn check_metadata_strings(h: &Hook, cx: &mut Ctx<'_>) {
    let id = h.id();
    for field in ["annotations", "labels"] {
        let Some(map) = h.document["metadata"][field].as_object() else {
            continue;
        };
        for (key, value) in map {
            let what = match value {
                Value::String(_) | Value::Null => continue,
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                Value::Array(_) => "a list",
                Value::Object(_) => "a map",
            };
            cx.push(
                "HH014",
                Severity::Error,
                Some(h),
                format!("{field}/{key}"),
                format!(
                    "{id} has metadata.{field} {key:?} = {value} unquoted, {what} in the rendered YAML: Helm orders the hook but fails to create it (\"cannot unmarshal {} into Go struct field ObjectMeta.metadata.{field} of type string\"); quote it (e.g. {key}: {{{{ ... | quote }}}})",
                    match value {
                        Value::Number(_) => "number",
                        Value::Bool(_) => "bool",
                        Value::Array(_) => "array",
                        _ => "object",
                    }
                ),
            );
        }
    }
}

/// HH013: containers the scheduler cannot size.
fn check_resources(h: &Hook, cx: &mut Ctx<'_>) {
    let Some(spec) = pod_spec(&h.kind, &h.document) else {
        return;
    };
    let id = h.id();
    for (what, c) in containers(spec) {
        let has = |k: &str| c["resources"][k].as_object().is_some_and(|m| !m.is_empty());
        let missing: Vec<&str> = ["requests", "limits"]
            .into_iter()
            .filter(|k| !has(k))
            .collect();
        if !missing.is_empty() {
            cx.push(
                "HH013",
                Severity::Info,
                Some(h),
                what.clone(),
                format!(
                    "{id}: {what} has no resources.{}: a hook can be starved or evicted mid-run, and a namespace with a ResourceQuota rejects it; set cpu and memory",
                    missing.join(" or resources.")
                ),
            );
        }
    }
}

/// The distinct hooks of one event in run order (`test,test-success` runs
/// a hook twice; it is one hook here).
fn event_run(stored: &[Hook], event: HookEvent) -> Vec<&Hook> {
    let mut seen: HashSet<*const Hook> = HashSet::new();
    run_order(stored, event)
        .into_iter()
        .filter(|h| seen.insert(*h as *const Hook))
        .collect()
}

/// HH006: equal weights leave the order to names (and kinds).
fn check_ties(events: &[(HookEvent, Vec<&Hook>)], cx: &mut Ctx<'_>) {
    // One finding per group of tied hooks, listing every event it ties in.
    let mut groups: Vec<(Vec<&Hook>, Vec<HookEvent>)> = Vec::new();
    for (event, run) in events {
        let run: Vec<&Hook> = run
            .iter()
            .copied()
            .filter(|h| !ignored_by_annotation(h, "HH006"))
            .collect();
        let mut i = 0;
        while i < run.len() {
            let j = i + run[i..]
                .iter()
                .take_while(|h| h.weight == run[i].weight)
                .count();
            if j - i >= 2 {
                let group = run[i..j].to_vec();
                match groups
                    .iter_mut()
                    .find(|(g, _)| g.iter().map(|h| h.id()).eq(group.iter().map(|h| h.id())))
                {
                    Some((_, evs)) => evs.push(*event),
                    None => groups.push((group, vec![*event])),
                }
            }
            i = j;
        }
    }
    for (group, evs) in groups {
        let weight = group[0].weight;
        let by_kind = group.windows(2).any(|w| w[0].name == w[1].name);
        let order = group
            .iter()
            .map(|h| h.id().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let decided = if by_kind {
            "by name, and by kind (Helm's install order) between hooks of the same name"
        } else {
            "by name (byte order)"
        };
        cx.push(
            "HH006",
            Severity::Info,
            Some(group[0]),
            format!(
                "{}|{order}",
                evs.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",")
            ),
            format!(
                "{} hooks with weight {weight} run in an order decided only {decided}: {order}; if one needs another, give them distinct helm.sh/hook-weight values",
                event_list(&evs)
            ),
        );
    }
}

/// HH010: a hook needs what a later hook of the same event creates; Helm
/// waits on the first before it creates the second.
fn check_later_hooks(events: &[(HookEvent, Vec<&Hook>)], cx: &mut Ctx<'_>) {
    // One finding per (hook, reference), listing every event it happens in.
    let mut found: Vec<(&Hook, Reference, &Hook, Vec<HookEvent>)> = Vec::new();
    for (event, run) in events {
        for (i, h) in run.iter().enumerate().filter(|(_, h)| waited(h)) {
            for r in references(h) {
                let Some(later) = run[i + 1..]
                    .iter()
                    .find(|o| o.kind == r.kind && o.name == r.name)
                else {
                    continue;
                };
                match found.iter_mut().find(|f| f.0.id() == h.id() && f.1 == r) {
                    Some(f) => f.3.push(*event),
                    None => found.push((h, r, later, vec![*event])),
                }
            }
        }
    }
    for (h, r, later, evs) in found {
        let why = if later.weight == h.weight {
            format!("same weight {}, and names sort so", h.weight)
        } else {
            format!("weight {} after {}", later.weight, h.weight)
        };
        let (id, rid) = (h.id(), r.id());
        cx.push(
            "HH010",
            Severity::Error,
            Some(h),
            rid.clone(),
            format!(
                "{} hook {id} uses {rid} ({}), which a hook of the same event creates later ({why}): Helm waits for {id} before it creates {rid}, so the hook cannot start and fails at the timeout; give {rid} a lower helm.sh/hook-weight",
                event_list(&evs),
                r.via,
            ),
        );
    }
}

/// Only Job and Pod hooks are waited on: a Deployment whose pods lack a
/// ConfigMap recovers once it exists, a Job hook holds Helm until then.
fn waited(h: &Hook) -> bool {
    matches!(h.kind.as_str(), "Job" | "Pod")
}

/// HH009: pre-hooks that use what the chart creates after them.
fn check_pre_hooks(
    to: SideRenders<'_>,
    base: Option<&HashSet<(String, String)>>,
    cx: &mut Ctx<'_>,
) {
    let created = |r: &Rendered, kind: &str, name: &str| {
        r.resources.iter().any(|x| x.kind == kind && x.name == name)
    };
    let mut install_refs: HashSet<(HookId, String)> = HashSet::new();
    for h in to
        .install
        .hooks
        .iter()
        .filter(|h| waited(h) && h.events.contains(&HookEvent::PreInstall))
    {
        for r in references(h) {
            if !created(to.install, r.kind, &r.name) {
                continue;
            }
            install_refs.insert((h.id(), r.id()));
            cx.push(
                "HH009",
                Severity::Error,
                Some(h),
                r.id(),
                format!(
                    "pre-install hook {} uses {} ({}), which the chart creates as an ordinary resource: Helm creates those only after the pre-install hooks succeed, so on install the hook cannot start and the install fails at the timeout; create {} as a pre-install hook with a lower weight, or make this a post-install hook",
                    h.id(),
                    r.id(),
                    r.via,
                    r.id()
                ),
            );
        }
    }
    // Pre-upgrade: only a resource the upgrade adds is missing at hook time.
    let Some(base) = base else {
        return;
    };
    for h in to
        .upgrade
        .hooks
        .iter()
        .filter(|h| waited(h) && h.events.contains(&HookEvent::PreUpgrade))
    {
        for r in references(h) {
            if !created(to.upgrade, r.kind, &r.name)
                || base.contains(&(r.kind.to_string(), r.name.clone()))
                || install_refs.contains(&(h.id(), r.id()))
            {
                continue;
            }
            cx.push(
                "HH009",
                Severity::Warning,
                Some(h),
                r.id(),
                format!(
                    "pre-upgrade hook {} uses {} ({}), which this revision adds as an ordinary resource: Helm creates it only after the pre-upgrade hooks, so the upgrade that introduces it fails at the timeout; create {} as a pre-upgrade hook with a lower weight, or make this a post-upgrade hook",
                    h.id(),
                    r.id(),
                    r.via,
                    r.id()
                ),
            );
        }
    }
}

/// The hooks that matter for a side: install events come from the install
/// render, every other event from the upgrade render.
fn relevant_hooks<'a>(side: SideRenders<'a>) -> Vec<&'a Hook> {
    let install_event = |e: &HookEvent| matches!(e, HookEvent::PreInstall | HookEvent::PostInstall);
    let mut out: Vec<&Hook> = side
        .install
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(install_event))
        .collect();
    for h in side
        .upgrade
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| !install_event(e)))
    {
        if !out
            .iter()
            .any(|o| o.kind == h.kind && o.name == h.name && o.manifest == h.manifest)
        {
            out.push(h);
        }
    }
    out
}

fn check_side(
    side: SideRenders<'_>,
    base: Option<&HashSet<(String, String)>>,
    opts: &LintOptions,
) -> Vec<Finding> {
    let mut cx = Ctx {
        opts,
        out: Vec::new(),
    };
    check_warnings(side.install, &mut cx);
    check_warnings(side.upgrade, &mut cx);
    for h in relevant_hooks(side) {
        check_policies(h, &mut cx);
        check_job_limits(h, &mut cx);
        check_restart_policy(h, &mut cx);
        check_not_waited(h, &mut cx);
        check_literal_secrets(h, &mut cx);
        check_resources(h, &mut cx);
        check_metadata_strings(h, &mut cx);
    }
    let order = KindOrder::for_helm(opts.helm);
    let stored = |r: &Rendered| {
        let mut hooks = r.hooks.clone();
        order.sort_hooks(&mut hooks);
        hooks
    };
    let (install, upgrade) = (stored(side.install), stored(side.upgrade));
    let events: Vec<(HookEvent, Vec<&Hook>)> = HookEvent::ALL
        .into_iter()
        .map(|e| {
            let hooks = match e {
                HookEvent::PreInstall | HookEvent::PostInstall => &install,
                _ => &upgrade,
            };
            (e, event_run(hooks, e))
        })
        .collect();
    check_ties(&events, &mut cx);
    check_later_hooks(&events, &mut cx);
    check_pre_hooks(side, base, &mut cx);

    // Silencing: the chart's list, then each hook's annotation.
    let all_hooks: Vec<&Hook> = side
        .install
        .hooks
        .iter()
        .chain(&side.upgrade.hooks)
        .collect();
    // Findings outnumber hooks on big charts: look hooks up by identity
    // and findings by key, not by scanning.
    let mut by_id: std::collections::HashMap<HookId, Vec<&Hook>> = std::collections::HashMap::new();
    for h in &all_hooks {
        by_id.entry(h.id()).or_default().push(h);
    }
    let mut seen: std::collections::HashSet<(&'static str, Option<HookId>, String)> =
        std::collections::HashSet::new();
    let mut out: Vec<Finding> = Vec::new();
    for f in cx.out {
        if opts
            .ignore
            .iter()
            .any(|i| i.trim().eq_ignore_ascii_case(f.rule))
        {
            continue;
        }
        let silenced = f.hook.as_ref().is_some_and(|id| {
            by_id
                .get(id)
                .is_some_and(|hs| hs.iter().any(|h| ignored_by_annotation(h, f.rule)))
        });
        if !silenced && seen.insert((f.rule, f.hook.clone(), f.subject.clone())) {
            out.push(f);
        }
    }
    out.sort_by(|a, b| {
        (a.severity, a.rule, &a.path, &a.hook).cmp(&(b.severity, b.rule, &b.path, &b.hook))
    });
    out
}

/// Lints `to`. With `from`, each finding says whether the change introduced
/// it, and HH009 knows which resources are new in `to`.
pub fn lint(
    to: SideRenders<'_>,
    from: Option<SideRenders<'_>>,
    opts: &LintOptions,
) -> Vec<Finding> {
    let base: Option<HashSet<(String, String)>> = from.map(|f| {
        f.upgrade
            .resources
            .iter()
            .map(|r| (r.kind.clone(), r.name.clone()))
            .collect()
    });
    let mut findings = check_side(to, base.as_ref(), opts);
    if let Some(from) = from {
        let before = check_side(from, None, opts);
        let keys: BTreeSet<_> = before.iter().map(Finding::key).collect();
        for f in &mut findings {
            f.introduced = Some(!keys.contains(&f.key()));
        }
    }
    findings
}

/// Counts by severity: `(errors, warnings, infos)`.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::hook::parse_rendered;

    const V3: HelmVersion = HelmVersion::new(3, 17, 1);

    fn opts() -> LintOptions {
        LintOptions {
            helm: V3,
            timeout: DEFAULT_TIMEOUT,
            ignore: Vec::new(),
        }
    }

    fn render(docs: &[&str]) -> Rendered {
        let stream: String = docs
            .iter()
            .enumerate()
            .map(|(i, d)| format!("---\n# Source: app/templates/t{i}.yaml\n{d}"))
            .collect();
        parse_rendered(&stream).unwrap()
    }

    fn run_with(docs: &[&str], o: &LintOptions) -> Vec<Finding> {
        let r = render(docs);
        lint(
            SideRenders {
                install: &r,
                upgrade: &r,
            },
            None,
            o,
        )
    }

    fn run(docs: &[&str]) -> Vec<Finding> {
        run_with(docs, &opts())
    }

    fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
        findings.iter().filter(|f| f.rule == rule).collect()
    }

    /// A Job hook with every best practice, then `extra` annotation lines
    /// and a pod spec body that can be replaced.
    fn job(name: &str, events: &str, annotations: &str, pod: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n{annotations}spec:\n  backoffLimit: 1\n  activeDeadlineSeconds: 120\n  template:\n    spec:\n{pod}"
        )
    }

    const GOOD_POLICY: &str =
        "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n";

    fn pod_body(container_extra: &str, spec_extra: &str) -> String {
        format!(
            "      restartPolicy: Never\n{spec_extra}      containers:\n        - name: main\n          image: busybox\n          resources:\n            requests: {{cpu: 10m, memory: 16Mi}}\n            limits: {{cpu: 100m, memory: 64Mi}}\n{container_extra}"
        )
    }

    fn good_job(name: &str, events: &str) -> String {
        job(name, events, GOOD_POLICY, &pod_body("", ""))
    }

    #[test]
    fn a_hook_with_every_best_practice_has_no_findings() {
        assert_eq!(
            run(&[&good_job("migrate", "pre-install,pre-upgrade")]),
            vec![]
        );
    }

    #[test]
    fn hh001_dropped_documents() {
        let mut r = render(&[&good_job("a", "pre-install")]);
        assert!(of(&lint_one(&r), "HH001").is_empty());
        r.warnings.push(Warning::DroppedDocument {
            path: vec!["app/templates/t.yaml".into()],
            held_in: Vec::new(),
            value: "pre-install,test-failure".into(),
            unknown: vec!["test-failure".into()],
        });
        let f = lint_one(&r);
        let hits = of(&f, "HH001");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Error);
        assert_eq!(hits[0].path.as_deref(), Some("app/templates/t.yaml"));
        assert!(hits[0].message.contains("test-failure"));
    }

    fn lint_one(r: &Rendered) -> Vec<Finding> {
        lint(
            SideRenders {
                install: r,
                upgrade: r,
            },
            None,
            &opts(),
        )
    }

    #[test]
    fn hh002_weight_read_as_zero() {
        let bad = job(
            "w",
            "pre-install",
            &format!("{GOOD_POLICY}    helm.sh/hook-weight: \" 5\"\n"),
            &pod_body("", ""),
        );
        let f = run(&[&bad]);
        let hits = of(&f, "HH002");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].hook.as_ref().unwrap().name, "w");
        assert!(hits[0].message.contains("\" 5\""));
        let ok = job(
            "w",
            "pre-install",
            &format!("{GOOD_POLICY}    helm.sh/hook-weight: \"-5\"\n"),
            &pod_body("", ""),
        );
        assert!(of(&run(&[&ok]), "HH002").is_empty());
    }

    #[test]
    fn hh003_unknown_delete_policy() {
        let bad = job(
            "p",
            "pre-install",
            "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeded\n",
            &pod_body("", ""),
        );
        let f = run(&[&bad]);
        let hits = of(&f, "HH003");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("hook-succeded"));
        assert!(of(&run(&[&good_job("p", "pre-install")]), "HH003").is_empty());
    }

    #[test]
    fn hh004_only_the_default_policy() {
        for annotations in ["", "    helm.sh/hook-delete-policy: before-hook-creation\n"] {
            let f = run(&[&job("d", "pre-install", annotations, &pod_body("", ""))]);
            assert_eq!(of(&f, "HH004").len(), 1, "{annotations:?}");
        }
        assert!(of(&run(&[&good_job("d", "pre-install")]), "HH004").is_empty());
        // A Job that removes itself needs no policy; a CRD is never deleted.
        let ttl = job("d", "pre-install", "", &pod_body("", "")).replace(
            "  backoffLimit: 1\n",
            "  backoffLimit: 1\n  ttlSecondsAfterFinished: 60\n",
        );
        assert!(of(&run(&[&ttl]), "HH004").is_empty());
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n  annotations:\n    helm.sh/hook: pre-install\n";
        assert!(of(&run(&[crd]), "HH004").is_empty());
    }

    #[test]
    fn hh005_hook_succeeded_without_before_hook_creation() {
        let bad = job(
            "s",
            "pre-install",
            "    helm.sh/hook-delete-policy: hook-succeeded\n",
            &pod_body("", ""),
        );
        let f = run(&[&bad]);
        assert_eq!(of(&f, "HH005").len(), 1);
        assert!(of(&f, "HH004").is_empty(), "it is deleted on success");
        assert!(of(&run(&[&good_job("s", "pre-install")]), "HH005").is_empty());
    }

    #[test]
    fn hh006_equal_weights_and_the_order_helm_uses() {
        let sa = |name: &str| {
            format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n{GOOD_POLICY}"
            )
        };
        let f = run(&[
            &good_job("setup", "pre-install,pre-upgrade"),
            &sa("setup"),
            &sa("b-account"),
        ]);
        let hits = of(&f, "HH006");
        assert_eq!(hits.len(), 1, "one group, both events: {hits:#?}");
        assert!(
            hits[0]
                .message
                .starts_with("pre-install, pre-upgrade hooks with weight 0")
        );
        // Helm's order: name first, kind between equal names.
        assert!(
            hits[0]
                .message
                .contains("ServiceAccount/b-account, ServiceAccount/setup, Job/setup"),
            "{}",
            hits[0].message
        );
        assert!(hits[0].message.contains("by kind"));

        let weighted = job(
            "setup",
            "pre-install,pre-upgrade",
            &format!("{GOOD_POLICY}    helm.sh/hook-weight: \"5\"\n"),
            &pod_body("", ""),
        );
        let f = run(&[&weighted, &sa("setup")]);
        assert!(of(&f, "HH006").is_empty(), "{f:#?}");
    }

    #[test]
    fn hh007_job_limits_against_the_timeout() {
        let f = run(&[&good_job("j", "pre-install")]);
        assert!(of(&f, "HH007").is_empty());
        let none = good_job("j", "pre-install")
            .replace("  backoffLimit: 1\n  activeDeadlineSeconds: 120\n", "");
        let f = run(&[&none]);
        let hits = of(&f, "HH007");
        assert_eq!(hits.len(), 1, "one finding per Job");
        assert!(
            hits[0].message.contains("no spec.backoffLimit")
                && hits[0].message.contains("no spec.activeDeadlineSeconds"),
            "{}",
            hits[0].message
        );
        let long = good_job("j", "pre-install").replace("120", "600");
        let f = run(&[&long]);
        let hits = of(&f, "HH007");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("5m0s"), "{}", hits[0].message);
        // The same deadline is fine under a longer timeout.
        let mut o = opts();
        o.timeout = parse_go_duration("15m").unwrap();
        assert!(of(&run_with(&[&long], &o), "HH007").is_empty());
    }

    #[test]
    fn hh008_restart_policy_always() {
        let always = good_job("r", "pre-install").replace("Never", "Always");
        let f = run(&[&always]);
        assert_eq!(of(&f, "HH008").len(), 1);
        assert_eq!(of(&f, "HH008")[0].severity, Severity::Error);
        let pod_default = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n{GOOD_POLICY}spec:\n  containers:\n    - name: t\n      image: busybox\n"
        );
        let f = run(&[&pod_default]);
        assert!(of(&f, "HH008")[0].message.contains("defaults it to Always"));
        assert!(of(&run(&[&good_job("r", "pre-install")]), "HH008").is_empty());
        let on_failure = good_job("r", "pre-install").replace("Never", "OnFailure");
        assert!(of(&run(&[&on_failure]), "HH008").is_empty());
    }

    fn configmap(name: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {{a: b}}\n")
    }

    fn env_from(cm: &str) -> String {
        format!("          envFrom:\n            - configMapRef:\n                name: {cm}\n")
    }

    #[test]
    fn hh009_pre_install_hook_using_the_charts_own_configmap() {
        let hook = job(
            "migrate",
            "pre-install,pre-upgrade",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        let f = run(&[&hook, &configmap("app-config")]);
        let hits = of(&f, "HH009");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert_eq!(hits[0].severity, Severity::Error);
        assert!(
            hits[0]
                .message
                .contains("ConfigMap/app-config (envFrom of container main)")
        );
        // A post-install hook, or a ConfigMap the chart does not create, is fine.
        let post = job(
            "migrate",
            "post-install",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        assert!(of(&run(&[&post, &configmap("app-config")]), "HH009").is_empty());
        assert!(of(&run(&[&hook, &configmap("other")]), "HH009").is_empty());
        // Optional references do not stop the pod.
        let optional = hook.replace(
            "name: app-config\n",
            "name: app-config\n                optional: true\n",
        );
        assert!(of(&run(&[&optional, &configmap("app-config")]), "HH009").is_empty());
    }

    #[test]
    fn hh009_every_kind_of_reference() {
        let spec = "      serviceAccountName: sa\n      imagePullSecrets: [{name: pull}]\n      volumes:\n        - name: data\n          persistentVolumeClaim: {claimName: pvc}\n        - name: cfg\n          secret: {secretName: vol-secret}\n";
        let env = "          env:\n            - name: X\n              valueFrom: {secretKeyRef: {name: env-secret, key: x}}\n";
        let hook = job("h", "pre-install", GOOD_POLICY, &pod_body(env, spec));
        let res = [
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n".to_string(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\n".to_string(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vol-secret\n".to_string(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: env-secret\n".to_string(),
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pvc\n".to_string(),
        ];
        let mut docs = vec![hook.as_str()];
        docs.extend(res.iter().map(String::as_str));
        let f = run(&docs);
        let mut got: Vec<&str> = of(&f, "HH009").iter().map(|f| f.subject.as_str()).collect();
        got.sort();
        assert_eq!(
            got,
            [
                "PersistentVolumeClaim/pvc",
                "Secret/env-secret",
                "Secret/pull",
                "Secret/vol-secret",
                "ServiceAccount/sa"
            ]
        );
    }

    #[test]
    fn hh009_pre_upgrade_only_when_the_resource_is_new() {
        let hook = job(
            "migrate",
            "pre-upgrade",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        let cm = configmap("app-config");
        let new = render(&[&hook, &cm]);
        let old_without = render(&[&hook]);
        let old_with = render(&[&hook, &cm]);
        let side = |r| SideRenders {
            install: r,
            upgrade: r,
        };
        let f = lint(side(&new), Some(side(&old_without)), &opts());
        let hits = of(&f, "HH009");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Warning);
        assert_eq!(hits[0].introduced, Some(true));
        let f = lint(side(&new), Some(side(&old_with)), &opts());
        assert!(
            of(&f, "HH009").is_empty(),
            "it exists from the last release"
        );
        assert!(
            of(&lint(side(&new), None, &opts()), "HH009").is_empty(),
            "unknown: no base"
        );
    }

    #[test]
    fn hh010_hook_uses_what_a_later_hook_creates() {
        let user = job(
            "a-migrate",
            "pre-install",
            GOOD_POLICY,
            &pod_body(&env_from("z-config"), ""),
        );
        let cm = |weight: &str| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z-config\n  annotations:\n    helm.sh/hook: pre-install\n{GOOD_POLICY}    helm.sh/hook-weight: \"{weight}\"\n"
            )
        };
        let f = run(&[&user, &cm("0")]);
        let hits = of(&f, "HH010");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert!(hits[0].message.contains("names sort so"));
        assert_eq!(hits[0].hook.as_ref().unwrap().name, "a-migrate");
        assert!(of(&run(&[&user, &cm("-1")]), "HH010").is_empty());
    }

    #[test]
    fn hh011_kinds_helm_does_not_wait_on() {
        let deploy = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\n  annotations:\n    helm.sh/hook: pre-install\n{GOOD_POLICY}"
        );
        let f = run(&[&deploy]);
        assert_eq!(of(&f, "HH011").len(), 1);
        assert!(
            of(&f, "HH011")[0]
                .message
                .starts_with("pre-install hook Deployment/db")
        );
        assert!(of(&run(&[&good_job("db", "pre-install")]), "HH011").is_empty());
    }

    #[test]
    fn hh012_literal_secrets_never_print_the_value() {
        let env = "          env:\n            - name: DB_PASSWORD\n              value: hunter2\n            - name: LOG_LEVEL\n              value: debug\n            - name: API_TOKEN\n              valueFrom: {secretKeyRef: {name: s, key: t}}\n";
        let f = run(&[&job("s", "pre-install", GOOD_POLICY, &pod_body(env, ""))]);
        let hits = of(&f, "HH012");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert!(hits[0].message.contains("DB_PASSWORD"));
        assert!(f.iter().all(|f| !f.message.contains("hunter2")));
        assert!(of(&run(&[&good_job("s", "pre-install")]), "HH012").is_empty());
        assert!(secret_like("AWS_SECRET_ACCESS_KEY") && secret_like("githubToken"));
        assert!(!secret_like("MONKEY") && !secret_like("KEYCLOAK_URL"));
    }

    #[test]
    fn hh013_containers_without_resources() {
        let bare = good_job("r", "pre-install").replace(
            "          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n            limits: {cpu: 100m, memory: 64Mi}\n",
            "",
        );
        let f = run(&[&bare]);
        let hits = of(&f, "HH013");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("requests or resources.limits"));
        assert!(of(&run(&[&good_job("r", "pre-install")]), "HH013").is_empty());
    }

    #[test]
    fn hh014_annotation_and_label_values_must_be_strings() {
        let j = job(
            "w",
            "pre-install",
            &format!(
                "{GOOD_POLICY}    helm.sh/hook-weight: -10\n    n: null\n  labels:\n    on: true\n    tier: \"5\"\n"
            ),
            &pod_body("", ""),
        );
        let f = run(&[&j]);
        let hits = of(&f, "HH014");
        assert_eq!(hits.len(), 2, "{hits:#?}");
        assert!(hits.iter().all(|h| h.severity == Severity::Error));
        let weight = hits
            .iter()
            .find(|h| h.subject == "annotations/helm.sh/hook-weight")
            .unwrap();
        assert!(
            weight.message.contains("Job/w") && weight.message.contains("quote it"),
            "{}",
            weight.message
        );
        assert!(hits.iter().any(|h| h.subject == "labels/on"));
        assert!(of(&run(&[&good_job("g", "pre-install")]), "HH014").is_empty());
    }

    #[test]
    fn silenced_by_annotation_or_chart_list() {
        let bare = job(
            "q",
            "pre-install",
            "    helm-hooks.io/ignore: \"hh004, HH013\"\n",
            &pod_body("", ""),
        )
        .replace("          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n            limits: {cpu: 100m, memory: 64Mi}\n", "");
        let f = run(&[&bare]);
        assert!(
            of(&f, "HH004").is_empty() && of(&f, "HH013").is_empty(),
            "{f:#?}"
        );
        let loud = bare.replace("hh004, HH013", "HH999");
        let f = run(&[&loud]);
        assert!(!of(&f, "HH004").is_empty() && !of(&f, "HH013").is_empty());
        let mut o = opts();
        o.ignore = vec!["HH004".into()];
        let f = run_with(&[&loud], &o);
        assert!(of(&f, "HH004").is_empty() && !of(&f, "HH013").is_empty());
    }

    #[test]
    fn introduced_findings_are_marked_against_from() {
        let old = render(&[&good_job("a", "pre-install")]);
        let new = render(&[
            &good_job("a", "pre-install"),
            &job("b", "pre-install", "", &pod_body("", "")),
        ]);
        let side = |r| SideRenders {
            install: r,
            upgrade: r,
        };
        let f = lint(side(&new), Some(side(&old)), &opts());
        let b = f.iter().find(|f| f.rule == "HH004").unwrap();
        assert_eq!(b.introduced, Some(true));
        let tie = f.iter().find(|f| f.rule == "HH006").unwrap();
        assert_eq!(tie.introduced, Some(true));
        let same = lint(side(&new), Some(side(&new)), &opts());
        assert!(same.iter().all(|f| f.introduced == Some(false)));
    }

    #[test]
    fn install_events_come_from_the_install_render() {
        // The chart branches on IsInstall: the upgrade render has no trap.
        let cm = configmap("app-config");
        let install_hook = job(
            "m",
            "pre-install,pre-upgrade",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        let upgrade_hook = good_job("m", "pre-install,pre-upgrade");
        let install = render(&[&install_hook, &cm]);
        let upgrade = render(&[&upgrade_hook, &cm]);
        let f = lint(
            SideRenders {
                install: &install,
                upgrade: &upgrade,
            },
            None,
            &opts(),
        );
        assert_eq!(of(&f, "HH009").len(), 1);
        let f = lint(
            SideRenders {
                install: &upgrade,
                upgrade: &install,
            },
            None,
            &opts(),
        );
        assert!(of(&f, "HH009").is_empty());
    }

    #[test]
    fn go_durations() {
        for (text, secs) in [
            ("5m", 300.0),
            ("300s", 300.0),
            ("1h30m", 5400.0),
            ("1.5s", 1.5),
            ("500ms", 0.5),
            ("0", 0.0),
        ] {
            assert_eq!(
                parse_go_duration(text).unwrap().as_secs_f64(),
                secs,
                "{text}"
            );
        }
        for bad in ["", "5", "5x", "-1s", "m"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(go_duration_text(Duration::from_secs(300)), "5m0s");
        assert_eq!(go_duration_text(Duration::from_secs(3725)), "1h2m5s");
        assert_eq!(go_duration_text(Duration::from_secs(45)), "45s");
    }

    #[test]
    fn every_rule_is_documented_once() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 14);
        assert_eq!(
            rule("hh009").map(|r| r.name),
            Some("pre-hook-uses-chart-resource")
        );
    }
}
