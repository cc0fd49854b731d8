//! The baseline of a plan: what is deployed, and which revision to compare
//! from when the user did not say.

use super::history::{self, ClusterPart};
use crate::adapters::audit_store::AuditStore;
use crate::adapters::git::ChartRepo;
use crate::adapters::helm::Helm;
use crate::adapters::release;
use crate::core::audit::{BadCommitId, DamagedLine};
use crate::core::cluster_record::{Store, recorded_by};
use std::path::PathBuf;

/// Helm template's default release name: `plan` without `--release`.
const DEFAULT_RELEASE: &str = "release-name";
const HEAD: &str = "HEAD";

/// The revision `plan` compares from, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub spec: String,
    pub reason: Reason,
    /// Damaged lines of the audit log that was read for the answer (the
    /// first few of `damaged_total`).
    pub damaged: Vec<DamagedLine>,
    pub damaged_total: usize,
    pub log_path: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// No `--release`: `helm template`'s default name, nothing to look up.
    NoRelease,
    /// The audit log could not be read.
    Unreadable(String),
    /// No successful apply of this release in this namespace.
    NeverApplied { release: String, namespace: String },
    /// The commit last applied, found in this repository.
    LastApplied { what: String },
    /// The commit last applied is not in this repository.
    MissingCommit { sha: String, what: String },
    /// The working tree was applied: not reproducible.
    Worktree { what: String },
    /// A rollback restored a revision no recorded apply made: its commit
    /// is not known.
    UnknownCommit { what: String },
}

/// The runs `plan` consults for a release, read once: the local log and,
/// when the cluster answers in time, its run objects (the last apply may
/// have been another machine's). `None` without `--release`: nothing to
/// look up, no cost and no warning on every plan.
pub fn release_log(release: &str, namespace: &str) -> Option<anyhow::Result<history::Log>> {
    (release != DEFAULT_RELEASE).then(|| {
        history::read_from(
            &AuditStore::open_default(),
            history::Source::All,
            namespace,
            Some(release),
        )
    })
}

/// The commit Helm's own record says is deployed: the description
/// `helm-hooks apply REV SHA` of the release's deployed revision (a
/// rollback's `Rollback to N` points at revision N's). `None` when Helm
/// cannot say (no release, another tool's upgrade, unreachable).
pub fn described_commit(helm: &Helm, release: &str, namespace: &str) -> Option<(u64, String)> {
    described_in(&release::history(helm, release, namespace).ok()?)
}

fn described_in(history: &[release::HistoryEntry]) -> Option<(u64, String)> {
    let deployed = history.iter().rev().find(|e| e.status == "deployed")?;
    let mut entry = deployed;
    // A chain of rollbacks is at most as long as the history.
    for _ in 0..history.len() {
        if let Some(sha) = super::apply::deployed_sha(&entry.description) {
            return Some((deployed.revision, sha));
        }
        let target: u64 = entry
            .description
            .strip_prefix("Rollback to ")?
            .trim()
            .parse()
            .ok()?;
        entry = history.iter().find(|e| e.revision == target)?;
    }
    None
}

/// `plan`'s `--from` when not given: the commit last applied to the release
/// (newest run in `log`, the audit log and the cluster's run objects, where
/// Helm exited 0); when neither knows the release but the cluster answered,
/// the commit in the deployed revision's description (an apply whose run
/// object never reached the cluster); else HEAD. Never fails but for a
/// commit id that is none (a hand edit): an unreadable log or an
/// unreproducible revision means HEAD.
pub fn default_from(
    repo: &ChartRepo,
    release: &str,
    namespace: &str,
    log: Option<&anyhow::Result<history::Log>>,
    helm: Option<&Helm>,
) -> Result<Baseline, BadCommitId> {
    let store = AuditStore::open_default();
    let head = |reason, (damaged, damaged_total)| Baseline {
        spec: HEAD.into(),
        reason,
        damaged,
        damaged_total,
        log_path: store.path.clone(),
    };
    let log = match log {
        None => return Ok(head(Reason::NoRelease, (Vec::new(), 0))),
        Some(Ok(log)) => log,
        Some(Err(e)) => match e.downcast_ref::<BadCommitId>() {
            Some(bad) => return Err(bad.clone()),
            None => return Ok(head(Reason::Unreadable(format!("{e:#}")), (Vec::new(), 0))),
        },
    };
    let damaged = || (log.damaged.clone(), log.damaged_total);
    let found = match history::last_applied(log, release, namespace) {
        Ok(found) => found,
        Err(e) => match e.downcast_ref::<BadCommitId>() {
            Some(bad) => return Err(bad.clone()),
            None => return Ok(head(Reason::Unreadable(format!("{e:#}")), damaged())),
        },
    };
    let Some(run) = found else {
        // Helm is asked only when the cluster just answered: a plan in CI
        // without one must not wait for Helm's own connection timeout.
        let described = match (&log.cluster, helm) {
            (ClusterPart::Read { .. }, Some(helm)) => described_commit(helm, release, namespace),
            _ => None,
        };
        if let Some((revision, sha)) = described {
            let what = format!(
                "release {release} in namespace {namespace} (revision {revision}, by its description in helm history)"
            );
            return Ok(match repo.resolve(&sha) {
                // `worktree:<content hash>`: WORKTREE was applied.
                _ if sha.starts_with("worktree:") => head(Reason::Worktree { what }, damaged()),
                Ok(_) => Baseline {
                    spec: sha,
                    reason: Reason::LastApplied { what },
                    damaged: log.damaged.clone(),
                    damaged_total: log.damaged_total,
                    log_path: log.path.clone(),
                },
                Err(_) => head(Reason::MissingCommit { sha, what }, damaged()),
            });
        }
        let reason = Reason::NeverApplied {
            release: release.into(),
            namespace: namespace.into(),
        };
        return Ok(head(reason, damaged()));
    };
    let s = &run.start;
    // Another machine's run is named with who ran it.
    let by = match run.recorded_in.contains(&Store::Local) {
        true => String::new(),
        false => format!(", by {} (from the cluster)", recorded_by(&run.start)),
    };
    let what = format!(
        "release {release} in namespace {namespace} (run {}, {}{by})",
        run.id, run.started
    );
    Ok(match s.to_sha.as_deref() {
        Some(sha) if !s.worktree && repo.resolve(sha).is_ok() => Baseline {
            spec: sha.to_string(),
            reason: Reason::LastApplied { what },
            damaged: log.damaged.clone(),
            damaged_total: log.damaged_total,
            log_path: log.path.clone(),
        },
        Some(sha) if !s.worktree => head(
            Reason::MissingCommit {
                sha: sha.to_string(),
                what,
            },
            damaged(),
        ),
        _ if s.worktree => head(Reason::Worktree { what }, damaged()),
        _ => head(Reason::UnknownCommit { what }, damaged()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(revision: u64, status: &str, description: &str) -> release::HistoryEntry {
        release::HistoryEntry {
            revision,
            status: status.into(),
            chart: "app-0.1.0".into(),
            description: description.into(),
        }
    }

    #[test]
    fn the_deployed_revision_names_its_commit_through_rollbacks() {
        let history = [
            entry(1, "superseded", "helm-hooks apply v1 aaa"),
            entry(2, "superseded", "helm-hooks apply HEAD bbb"),
            entry(3, "superseded", "Rollback to 1"),
            entry(4, "deployed", "Rollback to 3"),
            entry(5, "failed", "helm-hooks apply HEAD ccc"),
        ];
        assert_eq!(described_in(&history), Some((4, "aaa".into())));
        // Another tool's upgrade: Helm's record does not say.
        let other = [entry(1, "deployed", "Upgrade complete")];
        assert_eq!(described_in(&other), None);
        // A rollback loop (hand-made) ends.
        let looped = [entry(1, "deployed", "Rollback to 1")];
        assert_eq!(described_in(&looped), None);
    }
}
