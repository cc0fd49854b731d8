//! The runs recorded, newest first: this machine's audit log, the run
//! objects in the cluster, or both merged by run id.

use super::team_record::{self, ClusterRuns};
use crate::adapters::audit_store::AuditStore;
use crate::core::audit::{
    DamagedLine, DurationComparison, HistoryFilter, Run, check_commit_ids, compare_durations,
    filter_runs, find_run,
};
use crate::core::cluster_record::merge;
use std::time::Duration;

/// Every run read; damaged lines and objects are reported, never fatal.
pub struct Log {
    pub path: std::path::PathBuf,
    pub runs: Vec<Run>,
    pub damaged: Vec<DamagedLine>,
    pub cluster: ClusterPart,
}

/// What the cluster added to the log.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterPart {
    /// Not asked (`--source local`).
    NotAsked,
    /// The run objects of the namespace were read; those that could not
    /// be are named (object, reason).
    Read {
        namespace: String,
        damaged: Vec<(String, String)>,
    },
    /// Asked, not reached (`--source all` then shows the local log).
    Unavailable(String),
}

/// Where runs are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Local,
    Cluster,
    /// Both, when the cluster answers in time; else the local log.
    All,
}

/// `--source cluster` and the cluster did not answer.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the run objects in namespace {namespace}: {reason}")]
pub struct ClusterUnavailable {
    pub namespace: String,
    pub reason: String,
}

/// Time the cluster has when it was asked for by name.
const EXPLICIT_BUDGET: Duration = Duration::from_secs(10);

/// The local audit log alone.
pub fn read(store: &AuditStore) -> anyhow::Result<Log> {
    read_from(store, Source::Local, "", None)
}

/// The runs of `source`; the cluster's are those in `namespace` (of
/// `release`, when given).
pub fn read_from(
    store: &AuditStore,
    source: Source,
    namespace: &str,
    release: Option<&str>,
) -> anyhow::Result<Log> {
    let (local, damaged) = match source {
        Source::Cluster => (Vec::new(), Vec::new()),
        Source::Local | Source::All => store.read()?,
    };
    let (cluster_records, cluster) = match source {
        Source::Local => (Vec::new(), ClusterPart::NotAsked),
        Source::All => split(team_record::read(
            namespace,
            release,
            team_record::READ_BUDGET,
        )),
        Source::Cluster => match split(team_record::read(namespace, release, EXPLICIT_BUDGET)) {
            (_, ClusterPart::Unavailable(reason)) => {
                return Err(ClusterUnavailable {
                    namespace: namespace.to_string(),
                    reason,
                }
                .into());
            }
            read => read,
        },
    };
    let mut runs = merge(local, cluster_records);
    check_commit_ids(&runs)?;
    crate::core::audit::fill_revision_commits(&mut runs);
    Ok(Log {
        // Empty when the local log was not read.
        path: match source {
            Source::Cluster => std::path::PathBuf::new(),
            _ => store.path.clone(),
        },
        runs,
        damaged,
        cluster,
    })
}

fn split(runs: ClusterRuns) -> (Vec<crate::core::audit::Record>, ClusterPart) {
    match runs {
        ClusterRuns::Read {
            namespace,
            records,
            damaged,
        } => (records, ClusterPart::Read { namespace, damaged }),
        ClusterRuns::Unavailable(reason) => (Vec::new(), ClusterPart::Unavailable(reason)),
    }
}

/// One run, with its hooks' durations against earlier runs. RELEASE, when
/// given, narrows which runs the id may name.
pub fn one_run(
    log: &Log,
    id: &str,
    release: Option<&str>,
) -> anyhow::Result<(Run, Vec<DurationComparison>)> {
    let in_scope: Vec<Run> = log
        .runs
        .iter()
        .filter(|r| release.is_none_or(|rel| r.start.release == rel))
        .cloned()
        .collect();
    let found = find_run(&in_scope, id)?;
    let index = log
        .runs
        .iter()
        .position(|r| r.id == found.id)
        .expect("found among the runs");
    Ok((log.runs[index].clone(), compare_durations(&log.runs, index)))
}

/// The runs a filter keeps, newest first.
pub fn matching(log: Log, filter: &HistoryFilter) -> Vec<Run> {
    filter_runs(log.runs, filter)
}
