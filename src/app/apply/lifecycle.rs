//! Test, rollback and uninstall planned from the hooks Helm STORED in the
//! release (as Helm runs them), not from any chart on disk.

use super::{Action, Prepared, deployed_sha};
use crate::adapters::audit_store::AuditStore;
use crate::adapters::local_source;
use crate::adapters::release::{self, Release};
use crate::app::revision::RenderedRevision;
use crate::app::workspace::Workspace;
use crate::core::audit::{HookOutcome, HookPhase};
use crate::core::diff::DiffOptions;
use crate::core::hook::HookEvent;
use crate::core::lifecycle::{LeftBehind, TestFilter, filter_tests, rollback_target};
use crate::core::model::Revision;
use crate::core::order::KindOrder;
use crate::core::plan::{SideRenders, plan};
use crate::core::redact::secret_values;
use crate::core::timeline::Operation;
use std::time::Duration;

/// The release is not in the namespace: nothing to test, roll back or
/// uninstall.
#[derive(Debug, thiserror::Error)]
#[error(
    "release {release} not found in namespace {namespace}: see `helm list -n {namespace}`, or pass -n"
)]
pub struct NoSuchRelease {
    pub release: String,
    pub namespace: String,
}

pub struct LifecycleRequest<'a> {
    pub release: &'a str,
    pub namespace: &'a str,
    /// Test, Rollback or Uninstall.
    pub operation: Operation,
    /// Rollback's REVISION (default: the one before the latest).
    pub revision: Option<u64>,
    pub filters: Vec<TestFilter>,
    pub local_timeout: Duration,
}

/// What an uninstall leaves: the hook objects of the uninstalled revision
/// that no delete policy removed after their last run (Helm's `last_run`
/// in the release), less the delete hooks this run reports itself.
pub fn left_after_uninstall(p: &Prepared, outcome: &super::Outcome) -> Vec<LeftBehind> {
    let Some(release) = &p.deployed else {
        return Vec::new();
    };
    let last_phase = |h: &crate::core::hook::Hook| {
        release
            .hooks
            .iter()
            .find(|s| s.kind == h.kind && s.name == h.name)
            .and_then(|s| s.last_run.phase.clone())
            .filter(|phase| !phase.is_empty() && phase != "Unknown")
    };
    let ran_now: Vec<(String, String)> = outcome
        .hooks
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    crate::core::lifecycle::left_after_uninstall(&p.to_hooks, &last_phase, &ran_now)
}

/// The local audit log's path: what stays on this machine after an
/// uninstall.
pub fn audit_log_path() -> std::path::PathBuf {
    AuditStore::open_default().path
}

/// A stored revision, as a side of the plan.
fn stored(release: &Release) -> anyhow::Result<RenderedRevision> {
    let rev = Revision {
        spec: format!("revision {}", release.version),
        commit: None,
        subject: None,
        worktree: false,
        tree: None,
    };
    RenderedRevision::stored(rev, &release.stored_stream())
}

/// The commit a revision was applied from: its description says, for an
/// apply; else the local audit log's run that made that revision.
/// `log` is read at most once, by the first revision that needs it.
fn applied_sha(
    release: &Release,
    name: &str,
    namespace: &str,
    log: &std::cell::OnceCell<Option<crate::app::history::Log>>,
) -> Option<String> {
    if let Some(sha) = deployed_sha(&release.info.description) {
        return Some(sha);
    }
    let log = log
        .get_or_init(|| crate::app::history::read(&AuditStore::open_default()).ok())
        .as_ref()?;
    log.revision_commit(name, namespace, release.version, None)
}

/// `helm history`'s `app-1.2.0-rc.1` as name and version: the version
/// starts at the first `-` followed by a digit (or `v` and a digit).
fn split_chart(chart: &str) -> Option<(String, String)> {
    let bytes = chart.as_bytes();
    chart.match_indices('-').find_map(|(i, _)| {
        let rest = &bytes[i + 1..];
        let digit_at = |k: usize| rest.get(k).is_some_and(u8::is_ascii_digit);
        (digit_at(0) || (rest.first() == Some(&b'v') && digit_at(1)))
            .then(|| (chart[..i].to_string(), chart[i + 1..].to_string()))
    })
}

/// The revision whose stored hooks run, and what Helm is asked.
fn target_and_action(
    helm: &crate::adapters::helm::Helm,
    req: &LifecycleRequest<'_>,
    latest: &Release,
    history: &[release::HistoryEntry],
) -> anyhow::Result<(Release, Action)> {
    Ok(match req.operation {
        Operation::Rollback => {
            let kept: Vec<u64> = history.iter().map(|e| e.revision).collect();
            let to = rollback_target(req.release, latest.version, req.revision, &kept)?;
            let target =
                release::status_at(helm, req.release, req.namespace, to)?.ok_or_else(|| {
                    NoSuchRelease {
                        release: req.release.to_string(),
                        namespace: req.namespace.to_string(),
                    }
                })?;
            let log = std::cell::OnceCell::new();
            let action = Action::Rollback {
                from: latest.version,
                to,
                from_sha: applied_sha(latest, req.release, req.namespace, &log),
                to_sha: applied_sha(&target, req.release, req.namespace, &log),
            };
            (target, action)
        }
        Operation::Test => (
            latest.clone(),
            Action::Test {
                filters: req.filters.clone(),
            },
        ),
        _ => (latest.clone(), Action::Uninstall),
    })
}

pub fn prepare_lifecycle(ws: &Workspace, req: &LifecycleRequest<'_>) -> anyhow::Result<Prepared> {
    let helm = ws.helm()?;
    let latest =
        release::status(&helm, req.release, req.namespace)?.ok_or_else(|| NoSuchRelease {
            release: req.release.to_string(),
            namespace: req.namespace.to_string(),
        })?;
    let mut notes = Vec::new();
    let history = release::history(&helm, req.release, req.namespace)?;
    let stored_chart = history
        .iter()
        .find(|e| e.revision == latest.version)
        .and_then(|e| split_chart(&e.chart));
    let (target, action) = target_and_action(&helm, req, &latest, &history)?;
    let mut from = stored(&latest)?;
    let mut to = stored(&target)?;
    let mut filtered_out = Vec::new();
    if !req.filters.is_empty() {
        let (f, _) = from.split_mut();
        f.hooks = filter_tests(&f.hooks, &req.filters);
        let (t, _) = to.split_mut();
        let kept = filter_tests(&t.hooks, &req.filters);
        filtered_out = t
            .hooks
            .iter()
            .filter(|h| h.events.contains(&HookEvent::Test) && !kept.contains(h))
            .cloned()
            .collect();
        KindOrder::for_helm(helm.version).sort_hooks(&mut filtered_out);
        t.hooks = kept;
    }
    // Local hooks as Helmfile runs them around `destroy`: from the
    // helmfile.yaml / .helm-hooks.yaml on disk.
    let local = match req.operation {
        Operation::Uninstall => {
            let worktree = ws.resolve("WORKTREE")?;
            local_source::load(&ws.repo, &worktree, req.release)?
        }
        _ => Vec::new(),
    };
    fn side(r: &RenderedRevision) -> SideRenders<'_> {
        SideRenders {
            install: &r.install,
            upgrade: &r.install,
        }
    }
    let result = plan(
        side(&from),
        side(&to),
        &[req.operation],
        helm.version,
        DiffOptions {
            context: 3,
            show_secrets: false,
        },
        (&local, &local),
    );
    let mut op_plan = result
        .operations
        .first()
        .cloned()
        .expect("one operation planned");
    // This timeline is of the stored hooks: the note that says it is of
    // the chart's is not true here.
    op_plan
        .timeline
        .notes
        .retain(|n| !n.starts_with("helm rollback runs the hooks stored"));
    if req.operation == Operation::Test && op_plan.timeline.hooks().next().is_none() {
        notes.push(match req.filters.is_empty() {
            true => format!(
                "release {} (revision {}) stores no test hooks: helm test has nothing to run",
                req.release, latest.version
            ),
            false => {
                "no test hook matches the --filter values: helm test has nothing to run".to_string()
            }
        });
    }
    let mut secrets = secret_values(&latest.hooks_stream());
    secrets.extend(secret_values(&target.hooks_stream()));
    // Longest first, so a secret inside another is not half-scrubbed.
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    let mut to_hooks = to.install.hooks.clone();
    KindOrder::for_helm(helm.version).sort_hooks(&mut to_hooks);
    Ok(Prepared {
        release: req.release.to_string(),
        namespace: req.namespace.to_string(),
        operation: req.operation,
        deployed: Some(latest),
        // The hooks are Helm's stored ones: the intro says which revision.
        source: None,
        failure_branch: None,
        action,
        to_hooks,
        op_plan,
        warnings: result.warnings.clone(),
        plan: result,
        findings: Vec::new(),
        notes,
        secrets,
        local_dirs: local
            .iter()
            .map(|h| local_source::hook_dir(&ws.repo, h))
            .collect(),
        local_hooks: local,
        local_timeout: req.local_timeout,
        stored_chart,
        filtered_out,
    })
}

/// What a test report lists: the test hooks the run got to, then those
/// `--filter` left out, as not run (JUnit's skipped), so a report says
/// which tests were not run rather than leaving them out.
pub fn test_report_hooks(p: &Prepared, ran: &[HookOutcome]) -> Vec<HookOutcome> {
    let mut hooks = ran.to_vec();
    hooks.extend(p.filtered_out.iter().map(|h| HookOutcome {
        event: HookEvent::Test.as_str().to_string(),
        kind: h.kind.clone(),
        name: h.name.clone(),
        weight: h.weight,
        phase: HookPhase::NotRun,
        message: Some("excluded by --filter".into()),
        ..Default::default()
    }));
    hooks
}

#[cfg(test)]
mod tests {
    use super::split_chart;

    #[test]
    fn chart_names_split_where_the_version_starts() {
        let s = |c: &str| split_chart(c).map(|(n, v)| format!("{n} {v}"));
        assert_eq!(s("app-0.1.0").as_deref(), Some("app 0.1.0"));
        assert_eq!(
            s("ingress-nginx-4.15.1-rc.1").as_deref(),
            Some("ingress-nginx 4.15.1-rc.1")
        );
        assert_eq!(s("my-app-v2.0.0").as_deref(), Some("my-app v2.0.0"));
        assert_eq!(s("noversion"), None);
    }
}
