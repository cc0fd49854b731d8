//! What earlier runs (the audit log) say a plan's hooks will take.

use crate::core::plan::Plan;
use crate::core::stats::{fill_expected, timeout_warnings};

/// With `--release`, each hook step's expected duration from the earlier
/// runs of the release already read (the local log and the cluster's);
/// the warnings where `timeout` is close. `None` expects nothing.
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
    // The newest runs say what to expect; an unreadable run expects nothing.
    let Ok(runs) = log.recent(release, namespace, None, super::history::EXPECTATION_RUNS) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for op in result.operations.iter_mut() {
        fill_expected(&mut op.timeline, &runs, release, namespace);
        warnings.extend(timeout_warnings(&op.timeline, timeout));
    }
    warnings
}
