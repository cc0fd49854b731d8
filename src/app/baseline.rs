//! The baseline of a plan: what is deployed, and which revision to compare
//! from when the user did not say.

use super::history;
use crate::adapters::audit_store::AuditStore;
use crate::adapters::git::ChartRepo;
use crate::core::audit::{BadCommitId, DamagedLine, last_applied};
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
    /// Damaged lines of the audit log that was read for the answer.
    pub damaged: Vec<DamagedLine>,
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

/// `plan`'s `--from` when not given: the commit last applied to the release
/// (newest run in `log`, the audit log and the cluster's run objects, where
/// Helm exited 0), else HEAD. Never fails but for a commit id that is none
/// (a hand edit): an unreadable log or an unreproducible revision means
/// HEAD.
pub fn default_from(
    repo: &ChartRepo,
    release: &str,
    namespace: &str,
    log: Option<&anyhow::Result<history::Log>>,
) -> Result<Baseline, BadCommitId> {
    let store = AuditStore::open_default();
    let head = |reason, damaged| Baseline {
        spec: HEAD.into(),
        reason,
        damaged,
        log_path: store.path.clone(),
    };
    let log = match log {
        None => return Ok(head(Reason::NoRelease, Vec::new())),
        Some(Ok(log)) => log,
        Some(Err(e)) => match e.downcast_ref::<BadCommitId>() {
            Some(bad) => return Err(bad.clone()),
            None => return Ok(head(Reason::Unreadable(format!("{e:#}")), Vec::new())),
        },
    };
    let Some(run) = last_applied(&log.runs, release, namespace) else {
        let reason = Reason::NeverApplied {
            release: release.into(),
            namespace: namespace.into(),
        };
        return Ok(head(reason, log.damaged.clone()));
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
            log_path: log.path.clone(),
        },
        Some(sha) if !s.worktree => head(
            Reason::MissingCommit {
                sha: sha.to_string(),
                what,
            },
            log.damaged.clone(),
        ),
        _ if s.worktree => head(Reason::Worktree { what }, log.damaged.clone()),
        _ => head(Reason::UnknownCommit { what }, log.damaged.clone()),
    })
}
