//! The audit log read back as runs, newest first.

use crate::adapters::audit_store::AuditStore;
use crate::core::audit::{
    DamagedLine, DurationComparison, HistoryFilter, Run, check_commit_ids, compare_durations,
    filter_runs, find_run, fold_runs,
};

/// Every run of the log; damaged lines are reported, never fatal.
pub struct Log {
    pub path: std::path::PathBuf,
    pub runs: Vec<Run>,
    pub damaged: Vec<DamagedLine>,
}

pub fn read(store: &AuditStore) -> anyhow::Result<Log> {
    let (records, damaged) = store.read()?;
    let runs = fold_runs(records);
    check_commit_ids(&runs)?;
    Ok(Log {
        path: store.path.clone(),
        runs,
        damaged,
    })
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
