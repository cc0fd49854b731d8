//! A plan: per operation, the `to` timeline compared with the `from` one.

use super::diff::{
    Change, DiffOptions, HookChange, OperationDiff, StepChange, diff_hooks, diff_operation,
    mark_resource_transitions,
};
use super::helm::HelmVersion;
use super::hook::{Hook, HookId, Rendered, Warning};
use super::local::{LocalHook, LocalHookChange, LocalStepChange, diff_local, diff_local_runs};
use super::order::KindOrder;
use super::timeline::{HookStep, LocalStep, Operation, Step, Timeline, timeline};
use serde::Serialize;
use std::collections::HashSet;

/// One revision's renders: hooks differ when templates branch on
/// `.Release.IsInstall`/`.Release.IsUpgrade`, so install has its own.
#[derive(Debug, Clone, Copy)]
pub struct SideRenders<'a> {
    pub install: &'a Rendered,
    pub upgrade: &'a Rendered,
}

impl<'a> SideRenders<'a> {
    fn for_op(&self, op: Operation) -> &'a Rendered {
        if op.needs_upgrade_render() {
            self.upgrade
        } else {
            self.install
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationPlan {
    #[serde(flatten)]
    pub timeline: Timeline,
    #[serde(flatten)]
    pub diff: OperationDiff,
}

/// One step of an operation's timeline with its own change.
#[derive(Debug, Clone, Copy)]
pub enum PlanRow<'a> {
    Hook(&'a HookStep, &'a StepChange),
    Local(&'a LocalStep, &'a LocalStepChange),
    Resources { action: &'a str, count: usize },
}

const UNCHANGED_STEP: StepChange = StepChange {
    position: 0,
    change: Change::Unchanged,
    moved: false,
    was_position: None,
    was_event: None,
    was_resource: false,
    metadata_only: false,
};
const UNCHANGED_LOCAL: LocalStepChange = LocalStepChange {
    position: 0,
    change: Change::Unchanged,
    was_position: None,
};

impl OperationPlan {
    /// The timeline's steps, each with its change. The diff holds one entry
    /// per hook run and one per local run, in timeline order; that pairing
    /// lives here once.
    pub fn rows(&self) -> Vec<PlanRow<'_>> {
        let mut hooks = self.diff.steps.iter();
        let mut locals = self.diff.local_changes.iter();
        self.timeline
            .steps
            .iter()
            .map(|step| match step {
                Step::Hook(h) => PlanRow::Hook(h, hooks.next().unwrap_or(&UNCHANGED_STEP)),
                Step::Local(l) => PlanRow::Local(l, locals.next().unwrap_or(&UNCHANGED_LOCAL)),
                Step::Resources { action, count } => PlanRow::Resources {
                    action,
                    count: *count,
                },
            })
            .collect()
    }
}

impl Plan {
    /// `changed`, not counting hooks changed only in labels and
    /// annotations (`--ignore-metadata`).
    pub fn changed_beyond_metadata(&self) -> bool {
        self.hooks
            .iter()
            .any(|h| h.change != Change::Unchanged && !h.metadata_only())
            || self
                .local_hooks
                .iter()
                .any(|h| h.change != Change::Unchanged)
            || self
                .operations
                .iter()
                .any(|o| o.diff.summary.has_changes_beyond_metadata())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub operations: Vec<OperationPlan>,
    /// Every hook of `to` (and every removed one), with how it changed.
    pub hooks: Vec<HookChange>,
    /// Every local hook of `to` (and every removed one), with how it changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local_hooks: Vec<LocalHookChange>,
    /// Warnings for the `to` revision: things Helm will do silently.
    pub warnings: Vec<Warning>,
    /// True when any hook was added, removed, changed or moved.
    pub changed: bool,
}

/// Kinds and names of a render's ordinary resources.
fn resource_ids(r: &Rendered) -> HashSet<HookId> {
    r.resources
        .iter()
        .map(|x| HookId {
            kind: x.kind.clone(),
            name: x.name.clone(),
        })
        .collect()
}

/// Chart hooks of both sides compared per operation, with the local hooks
/// of `from` and `to` interleaved.
pub fn plan<'r>(
    from: SideRenders<'r>,
    to: SideRenders<'r>,
    ops: &[Operation],
    helm: HelmVersion,
    opts: DiffOptions,
    (local_from, local_to): (&[LocalHook], &[LocalHook]),
) -> Plan {
    let (local_hooks, pair) = diff_local(local_from, local_to);
    let order = KindOrder::for_helm(helm);
    // References, sorted: the hooks themselves are not copied.
    let sorted = |r: &'r Rendered| -> Vec<&'r Hook> {
        let mut hooks: Vec<&Hook> = r.hooks.iter().collect();
        order.sort_hooks(&mut hooks);
        hooks
    };
    let mut hooks: Vec<HookChange> = Vec::new();
    let mut listed: HashSet<(HookId, Change)> = HashSet::new();
    let mut operations = Vec::new();
    // Operations share renders (all but install use the upgrade render):
    // sort and diff each distinct pair of renders once.
    type PairWork<'h> = (
        Vec<&'h Hook>,
        Vec<&'h Hook>,
        Vec<HookChange>,
        HashSet<HookId>,
    );
    let mut memo: Vec<(*const Rendered, *const Rendered, std::rc::Rc<PairWork<'r>>)> = Vec::new();
    for &op in ops {
        let (a, b) = (from.for_op(op), to.for_op(op));
        let key = (a as *const Rendered, b as *const Rendered);
        let work = match memo.iter().find(|(x, y, _)| (*x, *y) == key) {
            Some((_, _, w)) => w.clone(),
            None => {
                let (a_hooks, b_hooks) = (sorted(a), sorted(b));
                let mut changes = diff_hooks(&a_hooks, &b_hooks, opts);
                let (a_res, b_res) = (resource_ids(a), resource_ids(b));
                for c in &mut changes {
                    c.was_resource = c.change == Change::Added && a_res.contains(&c.id());
                    c.now_resource = c.change == Change::Removed && b_res.contains(&c.id());
                }
                let changed: HashSet<HookId> = changes
                    .iter()
                    .filter(|c| c.change == Change::Changed)
                    .map(HookChange::id)
                    .collect();
                let w = std::rc::Rc::new((a_hooks, b_hooks, changes, changed));
                memo.push((key.0, key.1, w.clone()));
                for c in &w.2 {
                    if listed.insert((c.id(), c.change)) {
                        hooks.push(c.clone());
                    }
                }
                w
            }
        };
        let (a_hooks, b_hooks, _, changed) = &*work;
        let changed = changed.clone();
        let ta = timeline(op, a_hooks, a.resources.len(), helm, local_from);
        let tb = timeline(op, b_hooks, b.resources.len(), helm, local_to);
        let mut diff = diff_operation(&ta, &tb, &changed);
        let metadata_only: HashSet<HookId> = work
            .2
            .iter()
            .filter(|c| c.metadata_only())
            .map(HookChange::id)
            .collect();
        for (h, s) in tb.hooks().zip(diff.steps.iter_mut()) {
            s.metadata_only = s.change == Change::Changed && metadata_only.contains(&h.id());
        }
        diff.summary.metadata_only = diff.steps.iter().filter(|s| s.metadata_only).count();
        mark_resource_transitions(&mut diff, &tb, &resource_ids(a), &resource_ids(b));
        let (local_changes, local_removed) = diff_local_runs(
            local_from,
            &ta.local_runs(),
            &tb.local_runs(),
            &pair,
            &local_hooks,
        );
        let s = &mut diff.summary;
        s.local = local_changes.len();
        for c in &local_changes {
            match c.change {
                Change::Added => s.added += 1,
                Change::Changed => s.changed += 1,
                _ => {}
            }
        }
        s.removed += local_removed.len();
        diff.local_changes = local_changes;
        diff.local_removed = local_removed;
        operations.push(OperationPlan { timeline: tb, diff });
    }
    let (hooks, local_hooks) = scope_to_operations(hooks, local_hooks, ops, from, to);
    let mut warnings: Vec<Warning> = Vec::new();
    for r in [to.install, to.upgrade] {
        for w in &r.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    let changed = hooks.iter().any(|h| h.change != Change::Unchanged)
        || local_hooks.iter().any(|h| h.change != Change::Unchanged)
        || operations.iter().any(|o| o.diff.summary.has_changes());
    Plan {
        operations,
        hooks,
        local_hooks,
        warnings,
        changed,
    }
}

/// The hooks of the chosen operations only: `--operation install` says
/// nothing of an upgrade hook's change, nor counts it.
fn scope_to_operations(
    mut hooks: Vec<HookChange>,
    mut local_hooks: Vec<LocalHookChange>,
    ops: &[Operation],
    from: SideRenders<'_>,
    to: SideRenders<'_>,
) -> (Vec<HookChange>, Vec<LocalHookChange>) {
    let fires_chart = |events: &[super::hook::HookEvent]| {
        ops.iter().any(|op| {
            let (pre, post) = op.events();
            events.iter().any(|e| pre.contains(e) || post.contains(e))
        })
    };
    let events_of = |id: &HookId| {
        [from.install, from.upgrade, to.install, to.upgrade]
            .iter()
            .flat_map(|r| r.hooks.iter())
            .filter(|h| h.kind == id.kind && h.name == id.name)
            .flat_map(|h| h.events.iter().copied())
            .collect::<Vec<_>>()
    };
    hooks.retain(|c| fires_chart(&events_of(&c.id())));
    local_hooks.retain(|c| {
        ops.iter().any(|op| {
            let (pre, post) = super::local::LocalEvent::around(*op);
            c.hook
                .events
                .iter()
                .any(|e| pre.contains(e) || post.contains(e))
        })
    });
    (hooks, local_hooks)
}

/// A template path as Helm prints it (`<chart name>/templates/x.yaml`) as a
/// path of the repository (`<chart dir>/templates/x.yaml`): one base for
/// every path the user reads, the chart's name being no directory.
pub fn repo_path(chart_dir: &str, helm_path: &str) -> String {
    let rest = helm_path.split_once('/').map_or(helm_path, |(_, r)| r);
    match chart_dir {
        "" => rest.to_string(),
        dir => format!("{dir}/{rest}"),
    }
}

impl Plan {
    /// Every template path of the plan as a path of the repository.
    pub fn relocate_paths(&mut self, chart_dir: &str) {
        let to = |p: &mut String| *p = repo_path(chart_dir, p);
        for op in &mut self.operations {
            for step in &mut op.timeline.steps {
                if let Step::Hook(h) = step {
                    to(&mut h.path);
                }
            }
        }
        for w in &mut self.warnings {
            match w {
                Warning::DroppedDocument { path, held_in, .. } => {
                    path.iter_mut().chain(held_in.iter_mut()).for_each(to)
                }
                Warning::WeightReadAsZero { path, .. } => to(path),
                Warning::LookupOffline { path } => path.iter_mut().for_each(to),
                Warning::RandomPerRender { hooks } => {
                    hooks.iter_mut().for_each(|h| to(&mut h.path))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_paths_become_repository_paths() {
        assert_eq!(
            repo_path("charts/app", "shop/templates/x.yaml"),
            "charts/app/templates/x.yaml"
        );
        assert_eq!(
            repo_path("", "shop/charts/db/templates/j.yaml"),
            "charts/db/templates/j.yaml"
        );
    }
}
