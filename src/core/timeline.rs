//! What Helm does, step by step, for each lifecycle operation.

use super::helm::HelmVersion;
use super::hook::{Hook, HookEvent, HookId};
use super::local::{LocalEvent, LocalHook, LocalRun, run_order as local_run_order};
use super::order::run_order;
use serde::Serialize;

pub use super::model::Operation;

/// What is left in the cluster of one hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Leftover {
    Deleted,
    Kept,
}

/// What the next run of the same hook meets if the object is still there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NextRun {
    /// `before-hook-creation`: the old object is deleted first.
    Replaced,
    /// Helm 3 creates again and fails with "already exists".
    AlreadyExists,
    /// Helm 4's server-side apply patches the leftover object.
    Patched,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookStep {
    /// 1-based position among the operation's hook runs.
    pub position: usize,
    pub event: HookEvent,
    pub kind: String,
    pub name: String,
    pub weight: i64,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subchart: Option<String>,
    /// Policies Helm applies: as written, or the default it fills in.
    pub delete_policies: Vec<String>,
    pub default_delete_policy: bool,
    /// Only Jobs and Pods are waited on; other kinds are done once created.
    pub waits: bool,
    pub after_success: Leftover,
    pub after_failure: Leftover,
    pub next_run: NextRun,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_logs: Vec<String>,
    /// How long earlier runs of it took (`plan --release`, apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<super::model::Expected>,
}

impl HookStep {
    pub fn id(&self) -> HookId {
        HookId {
            kind: self.kind.clone(),
            name: self.name.clone(),
        }
    }
}

/// A local (Helmfile-style) hook run: a command on the operator's machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalStep {
    /// 1-based, counted with the chart's hook runs.
    pub position: usize,
    pub event: LocalEvent,
    pub command: String,
    pub args: Vec<String>,
    pub showlogs: bool,
    /// The file that defines it (repository-relative).
    pub source: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub global: bool,
    /// Index into the local hooks the timeline was built from.
    #[serde(skip)]
    pub hook: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Step {
    Hook(HookStep),
    Local(LocalStep),
    #[serde(rename_all = "camelCase")]
    Resources {
        action: String,
        count: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub operation: Operation,
    pub steps: Vec<Step>,
    /// Facts about the operation the reader must know (e.g. rollback source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Timeline {
    pub fn hooks(&self) -> impl Iterator<Item = &HookStep> {
        self.steps.iter().filter_map(|s| match s {
            Step::Hook(h) => Some(h),
            _ => None,
        })
    }

    pub fn locals(&self) -> impl Iterator<Item = &LocalStep> {
        self.steps.iter().filter_map(|s| match s {
            Step::Local(l) => Some(l),
            _ => None,
        })
    }

    /// Helm 4 creates hooks client-side when the release uses client-side
    /// apply (`--server-side=auto` follows the previous release, so one
    /// installed by Helm 3 stays client-side): a leftover object then
    /// fails with "already exists" instead of being patched.
    pub fn created_client_side(&mut self) {
        for step in &mut self.steps {
            if let Step::Hook(h) = step
                && h.next_run == NextRun::Patched
            {
                h.next_run = NextRun::AlreadyExists;
            }
        }
    }

    /// (hook index, event, position) of each local run.
    pub fn local_runs(&self) -> Vec<LocalRun> {
        self.locals()
            .map(|l| (l.hook, l.event, l.position))
            .collect()
    }
}

const BEFORE_HOOK_CREATION: &str = "before-hook-creation";

fn step_for(hook: &Hook, event: HookEvent, position: usize, helm: HelmVersion) -> HookStep {
    let default_delete_policy = hook.delete_policies.is_empty();
    let delete_policies = if default_delete_policy {
        vec![BEFORE_HOOK_CREATION.to_string()]
    } else {
        hook.delete_policies.clone()
    };
    let has = |p: &str| delete_policies.iter().any(|d| d == p);
    // Helm never deletes CRD hooks, whatever the policy says.
    let crd = hook.kind == "CustomResourceDefinition";
    let leftover = |policy: &str| {
        if has(policy) && !crd {
            Leftover::Deleted
        } else {
            Leftover::Kept
        }
    };
    let next_run = if has(BEFORE_HOOK_CREATION) && !crd {
        NextRun::Replaced
    } else if helm.server_side_apply() {
        NextRun::Patched
    } else {
        NextRun::AlreadyExists
    };
    HookStep {
        position,
        event,
        kind: hook.kind.clone(),
        name: hook.name.clone(),
        weight: hook.weight,
        path: hook.path.clone(),
        subchart: hook.subchart.clone(),
        waits: matches!(hook.kind.as_str(), "Job" | "Pod"),
        after_success: leftover("hook-succeeded"),
        after_failure: leftover("hook-failed"),
        next_run,
        output_logs: if helm.supports_output_log_policy() {
            hook.output_log_policies.clone()
        } else {
            Vec::new()
        },
        delete_policies,
        default_delete_policy,
        expected: None,
    }
}

/// The timeline of `op` for hooks in Helm's stored order, with local
/// hooks where Helmfile runs them: prepare, preapply, presync before the
/// chart's pre- hooks; postsync, cleanup after its post- hooks.
pub fn timeline<H: std::borrow::Borrow<Hook>>(
    op: Operation,
    stored: &[H],
    resource_count: usize,
    helm: HelmVersion,
    local: &[LocalHook],
) -> Timeline {
    let (pre, post) = op.events();
    let (local_pre, local_post) = LocalEvent::around(op);
    let mut steps = Vec::new();
    let mut position = 0;
    let push_event = |event: HookEvent, steps: &mut Vec<Step>, position: &mut usize| {
        for hook in run_order(stored, event) {
            *position += 1;
            steps.push(Step::Hook(step_for(hook, event, *position, helm)));
        }
    };
    let push_local = |event: LocalEvent, steps: &mut Vec<Step>, position: &mut usize| {
        for i in local_run_order(local, event) {
            *position += 1;
            let h = &local[i];
            steps.push(Step::Local(LocalStep {
                position: *position,
                event,
                command: h.command.clone(),
                args: h.args.clone(),
                showlogs: h.showlogs,
                source: h.source.clone(),
                global: h.global,
                hook: i,
            }));
        }
    };
    for e in local_pre {
        push_local(*e, &mut steps, &mut position);
    }
    for e in pre {
        push_event(*e, &mut steps, &mut position);
    }
    if let Some(action) = op.resources_step() {
        steps.push(Step::Resources {
            action: action.to_string(),
            count: resource_count,
        });
    }
    for e in post {
        push_event(*e, &mut steps, &mut position);
    }
    for e in local_post {
        push_local(*e, &mut steps, &mut position);
    }
    let mut notes = Vec::new();
    if op == Operation::Rollback {
        notes.push(
            "helm rollback runs the hooks stored in the revision it rolls back to (helm get hooks RELEASE --revision N); shown: this chart's hooks".to_string(),
        );
    }
    let deletes_on_success = steps.iter().any(|s| match s {
        Step::Hook(h) => h.after_success == Leftover::Deleted,
        _ => false,
    });
    if deletes_on_success {
        notes.push(if helm.cleans_succeeded_on_failure() {
            "hook-succeeded hooks are deleted after all hooks of their event succeed, in reverse order; if a later hook fails, Helm deletes the earlier ones too".to_string()
        } else {
            format!("hook-succeeded hooks are deleted after all hooks of their event succeed, in reverse order; if a later hook fails, Helm {helm} leaves the earlier ones behind")
        });
    }
    Timeline {
        operation: op,
        steps,
        notes,
    }
}
