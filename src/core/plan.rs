//! A plan: per operation, the `to` timeline compared with the `from` one.

use super::diff::{Change, DiffOptions, HookChange, OperationDiff, diff_hooks, diff_operation};
use super::helm::HelmVersion;
use super::hook::{HookId, Rendered, Warning};
use super::order::KindOrder;
use super::timeline::{Operation, Timeline, timeline};
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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub operations: Vec<OperationPlan>,
    /// Every hook of `to` (and every removed one), with how it changed.
    pub hooks: Vec<HookChange>,
    /// Warnings for the `to` revision: things Helm will do silently.
    pub warnings: Vec<Warning>,
    /// True when any hook was added, removed, changed or moved.
    pub changed: bool,
}

/// Helm's stored order for a render (render order, then stable by kind).
pub fn stored_order(rendered: &Rendered, helm: HelmVersion) -> Rendered {
    let mut r = rendered.clone();
    KindOrder::for_helm(helm).sort_hooks(&mut r.hooks);
    r
}

pub fn plan(
    from: SideRenders<'_>,
    to: SideRenders<'_>,
    ops: &[Operation],
    helm: HelmVersion,
    opts: DiffOptions,
) -> Plan {
    let order = KindOrder::for_helm(helm);
    let sorted = |r: &Rendered| {
        let mut hooks = r.hooks.clone();
        order.sort_hooks(&mut hooks);
        hooks
    };
    let mut hooks: Vec<HookChange> = Vec::new();
    let mut operations = Vec::new();
    for &op in ops {
        let (a, b) = (from.for_op(op), to.for_op(op));
        let (a_hooks, b_hooks) = (sorted(a), sorted(b));
        let changes = diff_hooks(&a_hooks, &b_hooks, opts);
        let changed: HashSet<HookId> = changes
            .iter()
            .filter(|c| c.change == Change::Changed)
            .map(HookChange::id)
            .collect();
        let ta = timeline(op, &a_hooks, a.resources.len(), helm);
        let tb = timeline(op, &b_hooks, b.resources.len(), helm);
        let diff = diff_operation(&ta, &tb, &changed);
        operations.push(OperationPlan { timeline: tb, diff });
        for c in changes {
            if !hooks
                .iter()
                .any(|h| h.id() == c.id() && h.change == c.change)
            {
                hooks.push(c);
            }
        }
    }
    let mut warnings: Vec<Warning> = Vec::new();
    for r in [to.install, to.upgrade] {
        for w in &r.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    let changed = hooks.iter().any(|h| h.change != Change::Unchanged)
        || operations.iter().any(|o| o.diff.summary.has_changes());
    Plan {
        operations,
        hooks,
        warnings,
        changed,
    }
}
