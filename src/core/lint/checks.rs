//! The rules, one check each, over one hook or one event's run.

use super::podspec::*;
use super::*;
use crate::core::hook::{Hook, HookEvent, HookId, Rendered, Warning};
use crate::core::order::run_order;
use serde_json::Value;
use std::collections::HashSet;

pub(super) fn ignored_by_annotation(hook: &Hook, rule_id: &str) -> bool {
    hook.document["metadata"]["annotations"][IGNORE_ANNOTATION]
        .as_str()
        .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(rule_id)))
}

pub(super) fn event_list(events: &[HookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

// --- the rules ---------------------------------------------------------------

pub(super) struct Ctx<'a> {
    pub(super) opts: &'a LintOptions,
    pub(super) out: Vec<Finding>,
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
            line: None,
            message,
            introduced: None,
            subject,
        });
    }
}

/// HH001, HH002: what the parser and the render adapter saw Helm do.
pub(super) fn check_warnings(r: &Rendered, cx: &mut Ctx<'_>) {
    for w in &r.warnings {
        match w {
            Warning::DroppedDocument {
                path,
                held_in,
                value,
                unknown,
                ..
            } => {
                cx.out.push(Finding {
                    rule: "HH001",
                    severity: Severity::Error,
                    hook: None,
                    // The emitting template, else the file with the text.
                    path: path.first().or(held_in.first()).cloned(),
                    line: None,
                    message: format!("{w}; {}", dropped_fix(unknown)),
                    introduced: None,
                    subject: value.clone(),
                });
            }
            // Not a trap of Helm's: the plan notes it.
            Warning::RandomPerRender { .. } | Warning::LookupOffline { .. } => {}
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

/// The fix for each unknown event: Helm 2's words have their own, a typo
/// of a real event names it.
pub(super) fn dropped_fix(unknown: &[String]) -> String {
    let squash = |s: &str| {
        s.to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
    };
    let fixes: Vec<String> = unknown
        .iter()
        .map(|u| match u.trim() {
            "crd-install" => {
                "crd-install is Helm 2's: move the CustomResourceDefinition to the chart's crds/ directory".to_string()
            }
            "test-failure" => "test-failure no longer exists: use test".to_string(),
            t => match HookEvent::ALL
                .iter()
                .map(|e| e.as_str())
                .chain(["test-success"])
                .find(|e| squash(e) == squash(t))
            {
                Some(e) => format!("{t:?} is not {e:?}: write it exactly so"),
                None => format!("{t:?} is no event: use one of the valid ones above"),
            },
        })
        .collect();
    fixes.join("; ")
}

pub(super) const POLICIES: [&str; 3] = ["before-hook-creation", "hook-succeeded", "hook-failed"];

/// HH003, HH004, HH005: delete policies.
pub(super) fn check_policies(h: &Hook, cx: &mut Ctx<'_>) {
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
            match h.kind.as_str() {
                "Job" | "Pod" => format!(
                    "{id} is only deleted before its next run (before-hook-creation): every finished run stays in the cluster, and after uninstall; add helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded{extra}"
                ),
                // Nothing "runs" or "finishes": the object just stays.
                kind => format!(
                    "{id} is only deleted when the hook is created again (before-hook-creation): the {kind} stays in the cluster between operations and after uninstall, which does not remove hooks; add helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded if nothing reads it after its event"
                ),
            },
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
pub(super) fn check_job_limits(h: &Hook, cx: &mut Ctx<'_>) {
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
pub(super) fn check_restart_policy(h: &Hook, cx: &mut Ctx<'_>) {
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

pub(super) const NOT_WAITED: [&str; 6] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// HH011: workloads Helm counts as done once created.
pub(super) fn check_not_waited(h: &Hook, cx: &mut Ctx<'_>) {
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
pub(super) fn secret_like(name: &str) -> bool {
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
pub(super) fn check_literal_secrets(h: &Hook, cx: &mut Ctx<'_>) {
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
pub(super) fn check_metadata_strings(h: &Hook, cx: &mut Ctx<'_>) {
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
pub(super) fn check_resources(h: &Hook, cx: &mut Ctx<'_>) {
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
        let why = match missing.as_slice() {
            [] => continue,
            ["limits"] => {
                "it may take all of a node's spare cpu and memory, and a namespace whose ResourceQuota caps limits rejects it; set limits of cpu and memory"
            }
            _ => {
                "a hook can be starved or evicted mid-run, and a namespace with a ResourceQuota rejects it; set cpu and memory"
            }
        };
        cx.push(
            "HH013",
            Severity::Info,
            Some(h),
            what.clone(),
            format!(
                "{id}: {what} has no resources.{}: {why}",
                missing.join(" or resources.")
            ),
        );
    }
}

/// The distinct hooks of one event in run order (`test,test-success` runs
/// a hook twice; it is one hook here).
pub(super) fn event_run<'a>(stored: &'a [&'a Hook], event: HookEvent) -> Vec<&'a Hook> {
    let mut seen: HashSet<*const Hook> = HashSet::new();
    run_order(stored, event)
        .into_iter()
        .filter(|h| seen.insert(*h as *const Hook))
        .collect()
}

/// HH006: equal weights leave the order to names (and kinds).
pub(super) fn check_ties(events: &[(HookEvent, Vec<&Hook>)], cx: &mut Ctx<'_>) {
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
pub(super) fn check_later_hooks(events: &[(HookEvent, Vec<&Hook>)], cx: &mut Ctx<'_>) {
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
pub(super) fn waited(h: &Hook) -> bool {
    matches!(h.kind.as_str(), "Job" | "Pod")
}

/// HH009: pre-hooks that use what the chart creates after them.
pub(super) fn check_pre_hooks(
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
