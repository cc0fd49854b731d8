//! Plan: two revisions rendered, their hooks diffed per operation, with the
//! lint findings the change introduces.

use super::baseline::{self, Baseline};
use super::revision::RenderedRevision;
use super::workspace::Workspace;
use crate::adapters::local_source;
use crate::adapters::render::{Needs, RenderOptions};
use crate::core::diff::DiffOptions;
use crate::core::lint::{DEFAULT_TIMEOUT, Finding};
use crate::core::plan::{Plan, plan};
use crate::core::timeline::Operation;

pub struct PlanRequest<'a> {
    /// `None`: from what was last applied to the release (the baseline).
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub render: &'a RenderOptions,
    pub operations: &'a [Operation],
    pub diff: DiffOptions,
}

pub struct PlanReport {
    /// Set when `from` was chosen for the user.
    pub baseline: Option<Baseline>,
    pub from: RenderedRevision,
    pub to: RenderedRevision,
    pub plan: Plan,
    /// Findings of `to`, marked when `from` lacks them.
    pub findings: Vec<Finding>,
}

pub fn run(ws: &Workspace, req: &PlanRequest<'_>) -> anyhow::Result<PlanReport> {
    let baseline = match req.from {
        Some(_) => None,
        None => Some(baseline::default_from(
            &ws.repo,
            &req.render.release,
            &req.render.namespace,
        )?),
    };
    let from_spec = req
        .from
        .or(baseline.as_ref().map(|b| b.spec.as_str()))
        .unwrap_or("HEAD");
    let from = ws.resolve(from_spec)?;
    let to = ws.resolve(req.to)?;
    // Read first: a broken helmfile.yaml fails before any render.
    let release = &req.render.release;
    let local_from = local_source::load(&ws.repo, &from, release)?;
    let local_to = local_source::load(&ws.repo, &to, release)?;
    let needs = Needs {
        install: req.operations.contains(&Operation::Install),
        upgrade: req.operations.iter().any(|o| o.needs_upgrade_render()),
    };
    let (from, to) = ws.render_pair(&from, &to, req.render, needs)?;
    let plan = plan(
        from.renders(),
        to.renders(),
        req.operations,
        ws.helm.version,
        req.diff,
        (&local_from, &local_to),
    );
    // Plan has no --timeout: Job deadlines are checked against Helm's default.
    let findings = super::lint::findings(ws, &to, Some(&from), DEFAULT_TIMEOUT)?.findings;
    Ok(PlanReport {
        baseline,
        from,
        to,
        plan,
        findings,
    })
}
