//! Plan: two revisions rendered, their hooks diffed per operation, with the
//! lint findings the change introduces.

use super::baseline::{self, Baseline};
use super::revision::RenderedRevision;
use super::workspace::{FromChart, Workspace};
use crate::adapters::local_source;
use crate::adapters::render::{Needs, RenderOptions};
use crate::core::diff::DiffOptions;
use crate::core::lint::Finding;
use crate::core::model::Revision;
use crate::core::plan::{Plan, plan};
use crate::core::render_source::RenderSource;
use crate::core::timeline::Operation;
use std::path::Path;

pub struct PlanRequest<'a> {
    /// `None`: from what was last applied to the release (the baseline).
    pub from: Option<&'a str>,
    /// `--from-path`: the chart's directory at `from`, when it moved.
    pub from_path: Option<&'a Path>,
    pub to: &'a str,
    pub render: &'a RenderOptions,
    pub operations: &'a [Operation],
    pub diff: DiffOptions,
    /// Helm's `--timeout` to be run with: Job deadlines and expected
    /// durations are checked against it.
    pub timeout: std::time::Duration,
    /// The chart is new at `to` (`plan --all`): `from` has no hooks.
    pub added: bool,
    /// The kube context whose capabilities `render` holds.
    pub context: Option<&'a str>,
}

pub struct PlanReport {
    /// Set when `from` was chosen for the user.
    pub baseline: Option<Baseline>,
    /// Set when the chart was found elsewhere at `from`.
    pub moved_from: Option<String>,
    pub from: RenderedRevision,
    pub to: RenderedRevision,
    pub plan: Plan,
    /// Findings of `to`, marked when `from` lacks them.
    pub findings: Vec<Finding>,
    /// What the render leaves out that the helmfile release sets.
    pub helmfile_note: Option<String>,
    /// Where earlier runs say `--timeout` is close.
    pub timeout_warnings: Vec<String>,
    /// What the offline renders assumed (Kubernetes version, API versions).
    pub source: RenderSource,
}

/// The renders the operations read: install's own, the upgrade one the
/// others share, and `to` once more when it may vary (see `run`).
fn renders_needed(operations: &[Operation]) -> Needs {
    Needs {
        install: operations.contains(&Operation::Install),
        upgrade: operations.iter().any(|o| o.needs_upgrade_render()),
        again: true,
    }
}

pub fn run(ws: &Workspace, req: &PlanRequest<'_>) -> anyhow::Result<PlanReport> {
    // Read once, for the baseline and for the expected durations.
    let log = baseline::release_log(&req.render.release, &req.render.namespace);
    // A chart directory in no Git repository has one side, the directory
    // as it is: planned as a chart new at `to` (a first install).
    let outside_git = ws.repo.is_outside_git();
    let added = req.added || outside_git;
    let baseline = match (req.from, outside_git) {
        (Some(_), _) | (None, true) => None,
        (None, false) => Some(baseline::default_from(
            &ws.repo,
            &req.render.release,
            &req.render.namespace,
            log.as_ref(),
            ws.helm().ok().as_ref(),
        )?),
    };
    let from_spec = req
        .from
        .or(baseline.as_ref().map(|b| b.spec.as_str()))
        .unwrap_or("HEAD");
    let from = match (req.from, outside_git) {
        (None, true) => Revision::nothing(),
        _ => ws.resolve(from_spec)?,
    };
    let to = ws.resolve(req.to)?;
    let from_chart = match added {
        true => FromChart::Same,
        false => ws.chart_at_from(req.from_path, &from, &to)?,
    };
    let from_repo = ws.open_repo(&from_chart)?;
    // Read first: a broken helmfile.yaml fails before any render.
    let release = &req.render.release;
    let local_from = match added {
        true => Vec::new(),
        false => local_source::load(&from_repo, &from, release)?,
    };
    let (local_to, helmfile_note) =
        local_source::load_with_note(&ws.repo, &to, release, Some(&req.render.namespace))?;
    let needs = renders_needed(req.operations);
    let (mut from, mut to, source) = render_sides(
        ws,
        (req.render, req.context),
        (from, &from_chart),
        to,
        added,
        needs,
    )?;
    let helm = ws.helm()?.version;
    // Findings are marked new against a side that exists: with none
    // (outside Git) they are the directory's, neither new nor old.
    fn compared(from: &RenderedRevision, outside_git: bool) -> Option<&RenderedRevision> {
        (!outside_git).then_some(from)
    }
    let run_plan = |from: &RenderedRevision, to: &RenderedRevision| {
        plan(
            from.renders(),
            to.renders(),
            req.operations,
            helm,
            req.diff,
            (&local_from, &local_to),
        )
    };
    // The plan and the lint read the same renders: side by side (on a
    // large chart each costs ~10 ms after the last render). Not when the
    // renders may still change: see below.
    let (mut result, early_findings) = match to.may_vary {
        true => (run_plan(&from, &to), None),
        false => std::thread::scope(|s| {
            let planned = s.spawn(|| run_plan(&from, &to));
            let findings =
                super::lint::findings(ws, &to, compared(&from, outside_git), req.timeout);
            (
                planned.join().expect("plan thread panicked"),
                Some(findings),
            )
        }),
    };
    // Only a plan that shows changes, of a chart that calls a random
    // function somewhere, can owe them to random values: then `to` is
    // rendered once more from the same input (cached like any render, so a
    // warm run still starts no Helm), and what differs between its two
    // renders is random, not a change.
    if result.changed && to.may_vary {
        let again = ws.render_again(&to.rev, req.render, needs)?;
        if neutralize_random(&mut from, &mut to, &again) {
            result = run_plan(&from, &to);
        }
    }
    result.relocate_paths(ws.repo.chart_path());
    let timeout_warnings = super::expected::expect_durations_from(
        &mut result,
        release,
        &req.render.namespace,
        req.timeout,
        log.as_ref().and_then(|l| l.as_ref().ok()),
    );
    let findings = match early_findings {
        Some(f) => f,
        None => super::lint::findings(ws, &to, compared(&from, outside_git), req.timeout),
    }?
    .findings;
    Ok(PlanReport {
        baseline,
        moved_from: match from_chart {
            FromChart::Dir(d) => Some(d),
            _ => None,
        },
        from,
        to,
        plan: result,
        findings,
        helmfile_note,
        timeout_warnings,
        source,
    })
}

/// Both sides rendered offline (`added`: `from` has no chart), with what
/// the renders assumed, asked of Helm beside them (once per binary;
/// remembered after).
fn render_sides(
    ws: &Workspace,
    (render, context): (&RenderOptions, Option<&str>),
    (from, from_chart): (Revision, &FromChart),
    to: Revision,
    added: bool,
    needs: Needs,
) -> anyhow::Result<(RenderedRevision, RenderedRevision, RenderSource)> {
    let (renders, default) = std::thread::scope(|s| {
        let wanted = render.kube_version.is_none();
        let ask = ws.kube_default();
        let default = s.spawn(move || wanted.then(ask).flatten());
        let renders = match added {
            true => ws
                .render(&to, render, needs)
                .map(|to| (RenderedRevision::empty(from), to)),
            false => ws.render_pair((&from, from_chart), &to, render, needs),
        };
        (
            renders,
            default.join().expect("kube version thread panicked"),
        )
    });
    let (from, to) = renders?;
    Ok((from, to, offline_source(render, default, context)))
}

/// What an offline render assumes, for the plan's header: the Kubernetes
/// version given, else Helm's `default`.
fn offline_source(
    render: &RenderOptions,
    default: Option<String>,
    context: Option<&str>,
) -> RenderSource {
    RenderSource::Offline {
        context: context.map(str::to_string),
        kube_version: render.kube_version.clone().or(default),
        kube_version_given: render.kube_version.is_some(),
        api_versions_given: render.api_versions.len(),
    }
}

/// `plan --release NAME --operation rollback`: Helm rolls back by running
/// the hooks STORED in the target revision (the one before the latest),
/// so that operation's timeline is of those, compared with the latest
/// revision's, in place of the chart's. Returns what the user must hear:
/// whose hooks are shown, or why the chart's still are.
pub fn use_stored_rollback(
    ws: &Workspace,
    result: &mut Plan,
    release: &str,
    namespace: &str,
) -> Result<String, String> {
    let prepared = super::apply::prepare_lifecycle(
        ws,
        &super::apply::LifecycleRequest {
            release,
            namespace,
            operation: Operation::Rollback,
            revision: None,
            filters: Vec::new(),
            local_timeout: std::time::Duration::ZERO,
        },
    )
    .map_err(|e| {
        format!("rollback: the chart's hooks are shown, not those stored in the release ({e:#})")
    })?;
    let super::apply::Action::Rollback { from, to, .. } = prepared.action else {
        unreachable!("a rollback was prepared")
    };
    let mut op = prepared.op_plan;
    let note = format!(
        "rollback: the hooks stored in revision {to} of release {release} are shown (helm rollback {release} runs them; the latest is revision {from}), not this chart's"
    );
    op.timeline.notes.insert(0, note.clone());
    if op.diff.summary.has_changes() {
        result.changed = true;
    }
    for o in result.operations.iter_mut() {
        if o.timeline.operation == Operation::Rollback {
            *o = op.clone();
        }
    }
    Ok(note)
}

/// The cluster `plan --release` plans on: its Kubernetes version, when it
/// answers (within 3 s); `None`: the plan is made offline.
pub fn cluster_version(namespace: &str) -> Option<String> {
    crate::adapters::kube::server_version(namespace)
}

/// What the user asked for that a release's plan leaves out: Helm's
/// `upgrade --install` runs one of install and upgrade, never both.
pub fn unplanned_operation(asked: &[Operation], runs: Operation, release: &str) -> Option<String> {
    let other = match runs {
        Operation::Install => Operation::Upgrade,
        _ => Operation::Install,
    };
    asked.contains(&other).then(|| match runs {
        Operation::Install => format!(
            "{other} is not planned: release {release} is not deployed, so `helm upgrade --install` installs it (--from REV plans every operation from Git)"
        ),
        _ => format!(
            "{other} is not planned: release {release} is deployed, so `helm upgrade --install` upgrades it (--from REV plans every operation from Git)"
        ),
    })
}

/// Why a release's plan has no rollback: `latest` is its latest revision
/// (`None`: not installed).
pub fn no_rollback_note(release: &str, latest: Option<u64>) -> String {
    match latest {
        Some(v) => format!(
            "rollback is not planned: release {release} has no revision before {v} to roll back to"
        ),
        None => format!("rollback is not planned: release {release} is not installed"),
    }
}

/// Leaves values random per render (`to` against `again`, a second render
/// of its input) out of both sides, with one warning on `to`. Returns
/// whether there were any.
fn neutralize_random(
    from: &mut RenderedRevision,
    to: &mut RenderedRevision,
    again: &RenderedRevision,
) -> bool {
    use crate::core::random::{neutralize, random_hooks, warning};
    let shared = std::ptr::eq(to.renders().install, to.renders().upgrade);
    let on_install = random_hooks(to.renders().install, again.renders().install);
    let on_upgrade = match shared {
        true => on_install.clone(),
        false => random_hooks(to.renders().upgrade, again.renders().upgrade),
    };
    if on_install.is_empty() && on_upgrade.is_empty() {
        return false;
    }
    let (from_i, from_u) = from.split_mut();
    let (to_i, to_u) = to.split_mut();
    neutralize(from_i, to_i, &on_install);
    neutralize(from_u, to_u, &on_upgrade);
    // Noted once: a hook of both renders is listed once.
    let mut all = on_install;
    for r in on_upgrade {
        if !all
            .iter()
            .any(|a| a.kind == r.kind && a.path == r.path && a.fields == r.fields)
        {
            all.push(r);
        }
    }
    to_i.warnings.extend(warning(&all));
    true
}
