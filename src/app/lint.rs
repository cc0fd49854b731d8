//! Lint: the findings of a revision, marked against another when given.

use super::revision::RenderedRevision;
use super::workspace::Workspace;
use crate::adapters::local_source::CONFIG_FILE;
use crate::adapters::render::{Needs, RenderOptions};
use crate::core::lint::{Finding, LintOptions, lint, rule};
use crate::core::local::parse_chart_config;
use crate::core::model::Revision;
use anyhow::Context;
use std::path::Path;
use std::time::Duration;

/// Rule ids the chart silences at `rev` (`lint.ignore` of `.helm-hooks.yaml`).
pub fn chart_ignores(ws: &Workspace, rev: &Revision) -> anyhow::Result<Vec<String>> {
    let path = ws.chart_file(CONFIG_FILE);
    let Some(bytes) = ws.repo.read_file(rev, &path)? else {
        return Ok(Vec::new());
    };
    let config = parse_chart_config(&path, &String::from_utf8_lossy(&bytes))
        .with_context(|| format!("reading {path} at {}", rev.spec))?;
    Ok(config.lint_ignore)
}

/// Findings of one revision.
pub struct Findings {
    pub findings: Vec<Finding>,
    /// Ids in `lint.ignore` that name no rule.
    pub unknown_ignores: Vec<String>,
}

/// Findings of `to`, marked against `from` when given. The ignore list of
/// `to`'s `.helm-hooks.yaml` applies to both, so that silencing a rule
/// never makes a finding look new.
pub fn findings(
    ws: &Workspace,
    to: &RenderedRevision,
    from: Option<&RenderedRevision>,
    timeout: Duration,
) -> anyhow::Result<Findings> {
    let ignore = chart_ignores(ws, &to.rev)?;
    let unknown_ignores = ignore
        .iter()
        .filter(|i| rule(i).is_none())
        .cloned()
        .collect();
    let opts = LintOptions {
        helm: ws.helm()?.version,
        timeout,
        ignore,
    };
    let mut findings = lint(to.renders(), from.map(RenderedRevision::renders), &opts);
    locate_lines(ws, &to.rev, &mut findings);
    // Paths of the repository, as everywhere the user reads them.
    for f in &mut findings {
        if let Some(p) = &mut f.path {
            *p = crate::core::plan::repo_path(ws.repo.chart_path(), p);
        }
    }
    Ok(Findings {
        findings,
        unknown_ignores,
    })
}

/// Each finding's line in its template at `rev`; each template is read
/// and indexed once, however many findings it holds.
fn locate_lines(ws: &Workspace, rev: &Revision, findings: &mut [Finding]) {
    use crate::core::hook::AnnotationIndex;
    use std::collections::HashMap;
    let mut sources: HashMap<String, Option<String>> = HashMap::new();
    for f in findings.iter() {
        let Some(path) = &f.path else { continue };
        // Helm's `<chart name>/templates/x.yaml`, read chart-relative.
        let Some((_, rel)) = path.split_once('/') else {
            continue;
        };
        if !sources.contains_key(path) {
            let source = ws
                .repo
                .read_file(rev, &ws.chart_file(rel))
                .ok()
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            sources.insert(path.clone(), source);
        }
    }
    let indexes: HashMap<&str, AnnotationIndex<'_>> = sources
        .iter()
        .filter_map(|(path, source)| Some((path.as_str(), AnnotationIndex::new(source.as_ref()?))))
        .collect();
    for f in findings.iter_mut() {
        let Some(index) = f.path.as_deref().and_then(|p| indexes.get(p)) else {
            continue;
        };
        f.line = match &f.hook {
            Some(h) => index.line(Some(&h.name), None),
            None => index.line(None, Some(&f.subject)),
        };
    }
}

/// What `helm hooks lint` reports.
pub struct LintReport {
    pub rev: RenderedRevision,
    pub from: Option<RenderedRevision>,
    pub findings: Findings,
}

/// Renders `rev` (and `from`) for both operations: pre-install hooks come
/// from the install render, the others from the upgrade render.
pub fn run(
    ws: &Workspace,
    rev: &str,
    (from, from_path): (Option<&str>, Option<&Path>),
    opts: &RenderOptions,
    timeout: Duration,
) -> anyhow::Result<LintReport> {
    let rev = ws.resolve(rev)?;
    let from = from.map(|f| ws.resolve(f)).transpose()?;
    let needs = Needs {
        install: true,
        upgrade: true,
        again: false,
    };
    let from = match from {
        // The chart at --from: the same directory, or where it moved from.
        Some(f) => {
            let at = ws.chart_at_from(from_path, &f, &rev)?;
            let (f, r) = ws.render_pair((&f, &at), &rev, opts, needs)?;
            return finish(ws, r, Some(f), timeout);
        }
        None => None,
    };
    let rev = ws.render(&rev, opts, needs)?;
    finish(ws, rev, from, timeout)
}

fn finish(
    ws: &Workspace,
    rev: RenderedRevision,
    from: Option<RenderedRevision>,
    timeout: Duration,
) -> anyhow::Result<LintReport> {
    let findings = findings(ws, &rev, from.as_ref(), timeout)?;
    Ok(LintReport {
        rev,
        from,
        findings,
    })
}
