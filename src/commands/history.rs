//! `helm hooks history`: the audit log read back as runs, newest first.
//! Also finds what was last applied to a release, for `plan`'s `--from`.

use crate::adapters::audit_store::AuditStore;
use crate::adapters::git::{ChartRepo, WORKTREE};
use crate::cli::{HistoryArgs, HistoryFormat};
use crate::core::audit::{
    HistoryFilter, Run, compare_durations, filter_runs, find_run, fold_runs, last_applied,
    parse_since,
};
use crate::ui::Ui;
use crate::ui::history_view;
use std::time::SystemTime;

/// Helm template's default release name: `plan` without `--release`.
const DEFAULT_RELEASE: &str = "release-name";

/// Reads every run; damaged lines become warnings, never errors.
fn read_runs(store: &AuditStore, ui: &Ui) -> anyhow::Result<Vec<Run>> {
    let (records, damaged) = store.read()?;
    for w in history_view::damaged_warnings(&store.path, &damaged) {
        ui.warn(&w);
    }
    Ok(fold_runs(records))
}

pub fn run(args: HistoryArgs, ui: &Ui) -> anyhow::Result<()> {
    // A bad --since fails before the log is read (and warned about).
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, SystemTime::now()))
        .transpose()?
        .map(|t| humantime::format_rfc3339(t).to_string());
    let store = AuditStore::open_default();
    let runs = read_runs(&store, ui)?;

    if let Some(id) = &args.run {
        // RELEASE, when given, narrows which runs the id may name.
        let in_scope: Vec<Run> = runs
            .iter()
            .filter(|r| {
                args.release
                    .as_ref()
                    .is_none_or(|rel| &r.start.release == rel)
            })
            .cloned()
            .collect();
        let found = find_run(&in_scope, id)?;
        let index = runs
            .iter()
            .position(|r| r.id == found.id)
            .expect("found among the runs");
        let durations = compare_durations(&runs, index);
        let run = &runs[index];
        let text = match args.output {
            HistoryFormat::Table => history_view::run_detail(run, &durations, ui.out),
            HistoryFormat::Json => {
                history_view::json(&history_view::document([run], Some(durations)))?
            }
        };
        ui.data(&text)?;
        return Ok(());
    }

    let filter = HistoryFilter {
        release: args.release.clone(),
        hook: args.hook.clone(),
        failed_only: args.failed,
        since,
        limit: args.limit,
    };
    let total = runs.len();
    let shown = filter_runs(runs, &filter);
    if total == 0 {
        ui.status(&format!(
            "No hook runs recorded yet in {}: `helm hooks apply` records every run there.",
            store.path.display()
        ));
    } else if shown.is_empty() {
        ui.status(&format!(
            "No run matches ({total} recorded in {}).",
            store.path.display()
        ));
    }
    let text = match args.output {
        HistoryFormat::Table => history_view::runs_table(&shown.iter().collect::<Vec<_>>(), ui.out),
        HistoryFormat::Json => history_view::json(&history_view::document(&shown, None))?,
    };
    ui.data(&text)?;
    Ok(())
}

/// `plan`'s `--from` when not given: the commit last applied to the
/// release (newest run in the audit log where Helm exited 0), else HEAD.
/// Says on stderr which revision it chose and why. Never fails the plan:
/// an unreadable log or an unreproducible revision falls back to HEAD.
pub fn default_from(repo: &ChartRepo, release: &str, namespace: &str, ui: &Ui) -> String {
    const HEAD: &str = "HEAD";
    let store = AuditStore::open_default();
    let runs = match read_runs(&store, ui) {
        Ok(runs) => runs,
        Err(e) => {
            ui.warn(&format!("{e:#}; comparing from HEAD"));
            return HEAD.to_string();
        }
    };
    let Some(run) = last_applied(&runs, release, namespace) else {
        if release != DEFAULT_RELEASE {
            ui.status(&format!(
                "Comparing from HEAD: the audit log has no successful apply of release {release} in namespace {namespace}."
            ));
        }
        return HEAD.to_string();
    };
    let s = &run.start;
    let what = format!(
        "release {release} in namespace {namespace} (run {}, {})",
        run.id, run.started
    );
    match s.to_sha.as_deref() {
        Some(sha) if !s.worktree && repo.resolve(sha).is_ok() => {
            ui.status(&format!(
                "Comparing from {}: last applied to {what}; pass --from to choose another revision.",
                &sha[..12.min(sha.len())]
            ));
            sha.to_string()
        }
        Some(sha) if !s.worktree => {
            ui.warn(&format!(
                "{} was last applied to {what}, but this repository does not have that commit (git fetch?); comparing from HEAD",
                &sha[..12.min(sha.len())]
            ));
            HEAD.to_string()
        }
        _ => {
            ui.warn(&format!(
                "{WORKTREE} (uncommitted files) was last applied to {what}; it cannot be reproduced, comparing from HEAD"
            ));
            HEAD.to_string()
        }
    }
}
