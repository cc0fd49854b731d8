//! What earlier runs (the audit log) say a plan's hooks will take.

use crate::adapters::audit_store::AuditStore;
use crate::core::plan::Plan;
use crate::core::stats::{fill_expected, timeout_warnings};

/// Helm template's release name: `--release` not given.
const DEFAULT_RELEASE: &str = "release-name";

/// With `--release`, each hook step's expected duration from the audit
/// log's earlier runs of the release; the warnings where `timeout` is
/// close. An unreadable log expects nothing (the baseline said why).
pub fn expect_durations(
    result: &mut Plan,
    release: &str,
    namespace: &str,
    timeout: std::time::Duration,
) -> Vec<String> {
    if release == DEFAULT_RELEASE {
        return Vec::new();
    }
    let Ok(log) = super::history::read(&AuditStore::open_default()) else {
        return Vec::new();
    };
    expect_durations_from(result, release, namespace, timeout, Some(&log))
}

/// As [`expect_durations`], from runs already read (the local log and the
/// cluster's, for `plan`); `None` expects nothing.
pub fn expect_durations_from(
    result: &mut Plan,
    release: &str,
    namespace: &str,
    timeout: std::time::Duration,
    log: Option<&super::history::Log>,
) -> Vec<String> {
    let Some(log) = log else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for op in result.operations.iter_mut() {
        fill_expected(&mut op.timeline, &log.runs, release, namespace);
        warnings.extend(timeout_warnings(&op.timeline, timeout));
    }
    warnings
}
