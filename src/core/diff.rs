//! Comparing the hooks of two revisions: per hook, and per operation.

use super::hook::{
    DELETE_ANNOTATION, HOOK_ANNOTATION, Hook, HookEvent, HookId, OUTPUT_LOG_ANNOTATION,
    WEIGHT_ANNOTATION,
};
use super::local::{LocalStepChange, RemovedLocalStep};
use super::redact::{is_secret, redact_secret};
use super::timeline::Timeline;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

pub use super::model::Change;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "field", rename_all = "camelCase")]
pub enum FieldChange {
    Events {
        from: Vec<HookEvent>,
        to: Vec<HookEvent>,
    },
    Weight {
        from: i64,
        to: i64,
    },
    DeletePolicy {
        from: Vec<String>,
        to: Vec<String>,
    },
    OutputLogPolicy {
        from: Vec<String>,
        to: Vec<String>,
    },
    Path {
        from: String,
        to: String,
    },
    /// Labels, or annotations other than Helm's hook ones, of the object
    /// or of any object it holds (a Job's pod template): what every
    /// chart release bumps (`helm.sh/chart`, versions, `checksum/...`).
    Metadata {
        keys: Vec<String>,
    },
    /// The rest of the manifest (everything but its metadata).
    Spec,
}

impl FieldChange {
    pub fn describe(&self) -> String {
        let list = |v: &[String]| {
            if v.is_empty() {
                "(default)".to_string()
            } else {
                v.join(",")
            }
        };
        let events = |v: &[HookEvent]| v.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",");
        match self {
            FieldChange::Events { from, to } => format!("events {} → {}", events(from), events(to)),
            FieldChange::Weight { from, to } => format!("weight {from} → {to}"),
            FieldChange::DeletePolicy { from, to } => {
                format!("delete policy {} → {}", list(from), list(to))
            }
            FieldChange::OutputLogPolicy { from, to } => {
                format!("output log policy {} → {}", list(from), list(to))
            }
            FieldChange::Path { from, to } => format!("template {from} → {to}"),
            FieldChange::Metadata { keys } => format!("metadata ({})", keys.join(", ")),
            FieldChange::Spec => "spec".to_string(),
        }
    }
}

impl HookChange {
    /// Changed, and only in labels and non-hook annotations.
    pub fn metadata_only(&self) -> bool {
        self.metadata_only
    }

    /// The label and annotation keys that changed, if any.
    pub fn metadata_keys(&self) -> &[String] {
        self.fields
            .iter()
            .find_map(|f| match f {
                FieldChange::Metadata { keys } => Some(keys.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }
}

/// Every label and non-hook annotation of `doc`, at any depth (an object's
/// `metadata`, its pod template's...), as `(key, value)` pairs, sorted.
fn metadata_pairs(doc: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if k == "metadata"
                        && let Value::Object(meta) = child
                    {
                        for section in ["labels", "annotations"] {
                            if let Some(Value::Object(kv)) = meta.get(section) {
                                for (key, val) in kv {
                                    if section == "annotations" && HOOK_KEYS.contains(&key.as_str())
                                    {
                                        continue;
                                    }
                                    out.push((key.clone(), val.to_string()));
                                }
                            }
                        }
                    }
                    walk(child, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out.sort();
    out
}

/// `doc` without its labels and non-hook annotations, at any depth.
fn without_metadata(doc: &Value) -> Value {
    let mut d = doc.clone();
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    if k == "metadata"
                        && let Value::Object(meta) = child
                    {
                        meta.remove("labels");
                        if let Some(Value::Object(ann)) = meta.get_mut("annotations") {
                            ann.retain(|key, _| HOOK_KEYS.contains(&key.as_str()));
                        }
                    }
                    strip(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut d);
    d
}

/// The keys whose values differ between two documents' metadata pairs.
fn changed_metadata_keys(a: &Value, b: &Value) -> Vec<String> {
    let (pa, pb) = (metadata_pairs(a), metadata_pairs(b));
    let values = |pairs: &[(String, String)], key: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let mut keys: Vec<String> = pa.iter().chain(&pb).map(|(k, _)| k.clone()).collect();
    keys.sort();
    keys.dedup();
    keys.retain(|k| values(&pa, k) != values(&pb, k));
    keys
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookChange {
    pub kind: String,
    pub name: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Unified diff of the manifests (Secret values redacted unless asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Added: `from` had it as an ordinary resource (not a hook).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub was_resource: bool,
    /// Removed: `to` has it as an ordinary resource (no longer a hook).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub now_resource: bool,
    /// Changed, and only in labels and non-hook annotations (`change`
    /// still says `changed`, for readers of the earlier schema).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub metadata_only: bool,
}

impl HookChange {
    pub fn id(&self) -> HookId {
        HookId {
            kind: self.kind.clone(),
            name: self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    pub context: usize,
    pub show_secrets: bool,
}

const HOOK_KEYS: [&str; 4] = [
    HOOK_ANNOTATION,
    WEIGHT_ANNOTATION,
    DELETE_ANNOTATION,
    OUTPUT_LOG_ANNOTATION,
];

/// Equal documents but for the hook annotations (compared field by field
/// elsewhere); no copies, as this runs for every hook of both revisions.
fn same_but_hook_annotations(a: &Value, b: &Value) -> bool {
    fn map_eq<'a>(
        a: &'a serde_json::Map<String, Value>,
        b: &'a serde_json::Map<String, Value>,
        skip: &[&str],
        inner: &dyn Fn(&str, &'a Value, &'a Value) -> bool,
    ) -> bool {
        let keys = |m: &'a serde_json::Map<String, Value>| {
            m.keys().filter(|k| !skip.contains(&k.as_str())).count()
        };
        keys(a) == keys(b)
            && a.iter()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .all(|(k, v)| b.get(k).is_some_and(|w| inner(k, v, w)))
    }
    let plain = |_: &str, x: &Value, y: &Value| x == y;
    let annotations = |k: &str, x: &Value, y: &Value| match (k, x, y) {
        ("annotations", Value::Object(p), Value::Object(q)) => map_eq(p, q, &HOOK_KEYS, &plain),
        _ => x == y,
    };
    let metadata = |k: &str, x: &Value, y: &Value| match (k, x, y) {
        ("metadata", Value::Object(p), Value::Object(q)) => map_eq(p, q, &[], &annotations),
        _ => x == y,
    };
    match (a, b) {
        (Value::Object(p), Value::Object(q)) => map_eq(p, q, &[], &metadata),
        _ => a == b,
    }
}

#[cfg(test)]
fn without_hook_annotations(doc: &Value) -> Value {
    let mut d = doc.clone();
    if let Some(Value::Object(ann)) = d.pointer_mut("/metadata/annotations") {
        for k in [
            HOOK_ANNOTATION,
            WEIGHT_ANNOTATION,
            DELETE_ANNOTATION,
            OUTPUT_LOG_ANNOTATION,
        ] {
            ann.remove(k);
        }
    }
    d
}

fn field_changes(a: &Hook, b: &Hook) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if a.events != b.events {
        out.push(FieldChange::Events {
            from: a.events.clone(),
            to: b.events.clone(),
        });
    }
    if a.weight != b.weight {
        out.push(FieldChange::Weight {
            from: a.weight,
            to: b.weight,
        });
    }
    if a.delete_policies != b.delete_policies {
        out.push(FieldChange::DeletePolicy {
            from: a.delete_policies.clone(),
            to: b.delete_policies.clone(),
        });
    }
    if a.output_log_policies != b.output_log_policies {
        out.push(FieldChange::OutputLogPolicy {
            from: a.output_log_policies.clone(),
            to: b.output_log_policies.clone(),
        });
    }
    if a.path != b.path {
        out.push(FieldChange::Path {
            from: a.path.clone(),
            to: b.path.clone(),
        });
    }
    if !same_but_hook_annotations(&a.document, &b.document) {
        let keys = changed_metadata_keys(&a.document, &b.document);
        if !keys.is_empty() {
            out.push(FieldChange::Metadata { keys });
        }
        let spec = without_metadata(&a.document) != without_metadata(&b.document);
        if spec
            || !out
                .iter()
                .any(|f| matches!(f, FieldChange::Metadata { .. }))
        {
            out.push(FieldChange::Spec);
        }
    }
    out
}

/// The text shown for a manifest: raw, or re-serialized with secrets redacted.
fn shown_text(hook: &Hook, other: Option<&Hook>, opts: DiffOptions) -> String {
    if opts.show_secrets || !is_secret(&hook.document) {
        return hook.manifest.clone();
    }
    let redacted = redact_secret(&hook.document, other.map(|o| &o.document));
    serde_saphyr::to_string(&redacted).unwrap_or_else(|_| "<redacted>\n".to_string())
}

fn unified(a: &str, b: &str, label_a: &str, label_b: &str, context: usize) -> String {
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(context)
        .header(label_a, label_b)
        .to_string()
}

/// Keys hooks by identity; a repeated identity gets its occurrence number,
/// so two same-named Jobs in different subcharts are still told apart.
fn keyed<H: std::borrow::Borrow<Hook>>(hooks: &[H]) -> Vec<((HookId, usize), &Hook)> {
    let mut seen: HashMap<HookId, usize> = HashMap::new();
    hooks
        .iter()
        .map(|h| {
            let h: &Hook = h.borrow();
            let n = seen.entry(h.id()).or_default();
            *n += 1;
            ((h.id(), *n - 1), h)
        })
        .collect()
}

/// Per-hook changes between two hook sets (each in stored order). Output:
/// hooks of `to` in order, then removed hooks in `from`'s order.
pub fn diff_hooks<H: std::borrow::Borrow<Hook>>(
    from: &[H],
    to: &[H],
    opts: DiffOptions,
) -> Vec<HookChange> {
    let from_k = keyed(from);
    let to_k = keyed(to);
    let from_map: BTreeMap<_, _> = from_k.iter().cloned().collect();
    let to_keys: HashSet<_> = to_k.iter().map(|(k, _)| k.clone()).collect();
    let mut out = Vec::new();
    for (key, b) in &to_k {
        let change = match from_map.get(key) {
            None => HookChange {
                kind: b.kind.clone(),
                name: b.name.clone(),
                change: Change::Added,
                fields: Vec::new(),
                diff: Some(unified(
                    "",
                    &shown_text(b, None, opts),
                    "/dev/null",
                    &b.path,
                    opts.context,
                )),
                was_resource: false,
                now_resource: false,
                metadata_only: false,
            },
            Some(a) => {
                let fields = field_changes(a, b);
                let diff = (!fields.is_empty()).then(|| {
                    // Only the new side marks changed values, so the diff
                    // shows which Secret keys changed without their values.
                    unified(
                        &shown_text(a, None, opts),
                        &shown_text(b, Some(a), opts),
                        &a.path,
                        &b.path,
                        opts.context,
                    )
                });
                let metadata_only = !fields.is_empty()
                    && fields
                        .iter()
                        .all(|f| matches!(f, FieldChange::Metadata { .. }));
                HookChange {
                    kind: b.kind.clone(),
                    name: b.name.clone(),
                    change: if fields.is_empty() {
                        Change::Unchanged
                    } else {
                        Change::Changed
                    },
                    fields,
                    diff,
                    was_resource: false,
                    now_resource: false,
                    metadata_only,
                }
            }
        };
        out.push(change);
    }
    for (key, a) in &from_k {
        if !to_keys.contains(key) {
            out.push(HookChange {
                kind: a.kind.clone(),
                name: a.name.clone(),
                change: Change::Removed,
                fields: Vec::new(),
                diff: Some(unified(
                    &shown_text(a, None, opts),
                    "",
                    &a.path,
                    "/dev/null",
                    opts.context,
                )),
                was_resource: false,
                now_resource: false,
                metadata_only: false,
            });
        }
    }
    out
}

/// A hook run that the `from` revision had and `to` no longer has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedStep {
    pub event: HookEvent,
    pub kind: String,
    pub name: String,
    pub was_position: usize,
    /// `to` has it as an ordinary resource (no longer a hook).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub now_resource: bool,
}

/// How each hook run of an operation compares with the `from` revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepChange {
    pub position: usize,
    pub change: Change,
    /// It runs at another event of the operation (a pre- hook became a
    /// post- hook), or its place relative to the other hooks that both
    /// revisions run changed.
    pub moved: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was_position: Option<usize>,
    /// The event it ran at in `from`, when that was another one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was_event: Option<HookEvent>,
    /// Added: `from` had it as an ordinary resource (not a hook).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub was_resource: bool,
    /// Changed only in labels and non-hook annotations: shown as
    /// `metadata`; `change` stays `changed` for the earlier schema.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub metadata_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OperationSummary {
    pub hooks: usize,
    /// Local hook runs; `added`/`removed`/`changed` count them too.
    #[serde(skip_serializing_if = "is_zero")]
    pub local: usize,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// Of `changed`, the runs of hooks changed only in metadata.
    #[serde(skip_serializing_if = "is_zero")]
    pub metadata_only: usize,
    pub moved: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl OperationSummary {
    pub fn has_changes(&self) -> bool {
        self.added + self.removed + self.changed + self.moved > 0
    }

    /// Changes beyond labels and annotations (`--ignore-metadata`).
    pub fn has_changes_beyond_metadata(&self) -> bool {
        self.added + self.removed + (self.changed - self.metadata_only) + self.moved > 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationDiff {
    /// One entry per hook run of the `to` timeline, in the same order.
    #[serde(rename = "changes")]
    pub steps: Vec<StepChange>,
    pub removed: Vec<RemovedStep>,
    /// One entry per local run of the `to` timeline, in the same order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local_changes: Vec<LocalStepChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local_removed: Vec<RemovedLocalStep>,
    pub summary: OperationSummary,
}

/// Pairs each run of `to` with a run of `from`: first the same hook at the
/// same event (its n-th run there), then the same hook at another event
/// (a hook that moved between phases), in order.
fn match_runs(from: &Timeline, to: &Timeline) -> Vec<Option<usize>> {
    let a: Vec<&super::timeline::HookStep> = from.hooks().collect();
    let b: Vec<&super::timeline::HookStep> = to.hooks().collect();
    let nth = |runs: &[&super::timeline::HookStep]| -> Vec<(HookId, HookEvent, usize)> {
        let mut seen: HashMap<(HookId, HookEvent), usize> = HashMap::new();
        runs.iter()
            .map(|h| {
                let n = seen.entry((h.id(), h.event)).or_default();
                *n += 1;
                (h.id(), h.event, *n - 1)
            })
            .collect()
    };
    let a_keys: HashMap<(HookId, HookEvent, usize), usize> = nth(&a)
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, i))
        .collect();
    let mut taken = vec![false; a.len()];
    let mut out: Vec<Option<usize>> = nth(&b)
        .into_iter()
        .map(|k| {
            let i = a_keys.get(&k).copied();
            if let Some(i) = i {
                taken[i] = true;
            }
            i
        })
        .collect();
    for (j, slot) in out.iter_mut().enumerate() {
        if slot.is_none()
            && let Some(i) = (0..a.len()).find(|&i| !taken[i] && a[i].id() == b[j].id())
        {
            taken[i] = true;
            *slot = Some(i);
        }
    }
    out
}

/// Compares one operation's timelines. `changed` holds the identities whose
/// manifest or annotations changed (from [`diff_hooks`]).
pub fn diff_operation(from: &Timeline, to: &Timeline, changed: &HashSet<HookId>) -> OperationDiff {
    let a: Vec<&super::timeline::HookStep> = from.hooks().collect();
    let b: Vec<&super::timeline::HookStep> = to.hooks().collect();
    let matched = match_runs(from, to);
    // Moves are the common runs outside a longest common subsequence, so one
    // swap marks the two swapped hooks, not everything after them.
    let mut paired: Vec<usize> = matched.iter().flatten().copied().collect();
    let common_b = paired.clone();
    paired.sort_unstable();
    let common_a = paired;
    let mut moved: HashSet<usize> = HashSet::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &common_a, &common_b) {
        if let similar::DiffOp::Insert {
            new_index, new_len, ..
        }
        | similar::DiffOp::Replace {
            new_index, new_len, ..
        } = op
        {
            moved.extend(common_b[new_index..new_index + new_len].iter().copied());
        }
    }
    let mut summary = OperationSummary {
        hooks: b.len(),
        ..Default::default()
    };
    let steps = b
        .iter()
        .zip(&matched)
        .map(|(h, m)| {
            let was = m.map(|i| a[i]);
            let change = match was {
                None => Change::Added,
                Some(_) if changed.contains(&h.id()) => Change::Changed,
                Some(_) => Change::Unchanged,
            };
            let was_event = was.map(|w| w.event).filter(|e| *e != h.event);
            let is_moved = m.is_some_and(|i| moved.contains(&i)) || was_event.is_some();
            match change {
                Change::Added => summary.added += 1,
                Change::Changed => summary.changed += 1,
                _ => {}
            }
            if is_moved {
                summary.moved += 1;
            }
            StepChange {
                position: h.position,
                change,
                moved: is_moved,
                was_position: was.map(|w| w.position),
                was_event,
                was_resource: false,
                // Known to the plan, which holds the hooks' changes.
                metadata_only: false,
            }
        })
        .collect();
    let taken: HashSet<usize> = matched.iter().flatten().copied().collect();
    let removed: Vec<RemovedStep> = a
        .iter()
        .enumerate()
        .filter(|(i, _)| !taken.contains(i))
        .map(|(_, h)| RemovedStep {
            event: h.event,
            kind: h.kind.clone(),
            name: h.name.clone(),
            was_position: h.position,
            now_resource: false,
        })
        .collect();
    summary.removed = removed.len();
    OperationDiff {
        steps,
        removed,
        local_changes: Vec::new(),
        local_removed: Vec::new(),
        summary,
    }
}

/// Marks hooks that were ordinary resources in `from` (added ones) and
/// hooks that are ordinary resources in `to` (removed ones): Helm then
/// creates, updates or deletes them with the chart's resources instead.
pub fn mark_resource_transitions(
    diff: &mut OperationDiff,
    to: &Timeline,
    from_resources: &HashSet<HookId>,
    to_resources: &HashSet<HookId>,
) {
    for (step, h) in diff.steps.iter_mut().zip(to.hooks()) {
        step.was_resource = step.change == Change::Added && from_resources.contains(&h.id());
    }
    for r in &mut diff.removed {
        r.now_resource = to_resources.contains(&HookId {
            kind: r.kind.clone(),
            name: r.name.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comparing_in_place_equals_comparing_copies_without_hook_annotations() {
        let base = json!({"kind": "Job", "metadata": {"name": "a", "annotations": {"helm.sh/hook": "pre-install", "x": "1"}}, "spec": {"n": 1}});
        let variants = [
            json!({"kind": "Job", "metadata": {"name": "a", "annotations": {"helm.sh/hook": "post-install", "helm.sh/hook-weight": "5", "x": "1"}}, "spec": {"n": 1}}),
            json!({"kind": "Job", "metadata": {"name": "a", "annotations": {"helm.sh/hook": "pre-install", "x": "2"}}, "spec": {"n": 1}}),
            json!({"kind": "Job", "metadata": {"name": "a", "annotations": {"helm.sh/hook": "pre-install", "x": "1"}}, "spec": {"n": 2}}),
            json!({"kind": "Job", "metadata": {"name": "a", "labels": {}, "annotations": {"helm.sh/hook": "pre-install", "x": "1"}}, "spec": {"n": 1}}),
            json!({"kind": "Job", "metadata": {"name": "a"}, "spec": {"n": 1}}),
            base.clone(),
        ];
        for v in &variants {
            assert_eq!(
                same_but_hook_annotations(&base, v),
                without_hook_annotations(&base) == without_hook_annotations(v),
                "{v}"
            );
        }
        assert!(same_but_hook_annotations(&base, &variants[0]));
        assert!(!same_but_hook_annotations(&base, &variants[1]));
    }
}
