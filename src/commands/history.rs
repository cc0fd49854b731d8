//! `helm hooks history`: the audit log read back as runs, newest first.

use crate::adapters::audit_store::AuditStore;
use crate::app::history;
use crate::app::history::Source;
use crate::cli::{HistoryArgs, HistoryFormat, HistorySource};
use crate::core::audit::{HistoryFilter, parse_since};
use crate::core::stats::hook_stats;
use crate::ui::Ui;
use crate::ui::history_view;
use std::time::SystemTime;

pub fn run(args: HistoryArgs, ui: &Ui) -> anyhow::Result<()> {
    // A bad --since fails before the log is read (and warned about).
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, SystemTime::now()))
        .transpose()?
        .map(|t| humantime::format_rfc3339(t).to_string());
    let source = match args.source {
        HistorySource::Local => Source::Local,
        HistorySource::Cluster => Source::Cluster,
        HistorySource::All => Source::All,
    };
    let log = history::read_from(
        &AuditStore::open_default(),
        source,
        &args.namespace.namespace,
        args.release.as_deref(),
    )?;
    for w in history_view::damaged_warnings(&log.path, &log.damaged) {
        ui.warn(&w);
    }
    for w in history_view::cluster_warnings(&log.cluster) {
        ui.warn(&w);
    }
    if let Some(note) = history_view::cluster_note(&log.cluster) {
        ui.note(&note);
    }

    if let Some(id) = &args.run {
        let (run, durations) = history::one_run(&log, id, args.release.as_deref())?;
        let text = match args.output {
            HistoryFormat::Table => history_view::run_detail(&run, &durations, ui.out),
            HistoryFormat::Json => {
                history_view::json(&history_view::document([&run], Some(durations)))?
            }
        };
        ui.data(&text)?;
        return Ok(());
    }

    if args.stats {
        let runs = match &since {
            Some(t) => log
                .runs
                .iter()
                .filter(|r| r.started.as_str() >= t.as_str())
                .cloned()
                .collect(),
            None => log.runs.clone(),
        };
        let stats = hook_stats(&runs, args.release.as_deref());
        let text = match args.output {
            HistoryFormat::Table => history_view::stats_table(&stats, ui.out),
            HistoryFormat::Json => history_view::stats_json(&stats)?,
        };
        return Ok(ui.data(&text)?);
    }

    let filter = HistoryFilter {
        release: args.release.clone(),
        hook: args.hook.clone(),
        failed_only: args.failed,
        since,
        limit: args.limit,
    };
    let total = log.runs.len();
    let path = log.path.clone();
    let log_cluster = log.cluster.clone();
    let shown = history::matching(log, &filter);
    if total == 0 {
        ui.status(&format!(
            "No hook runs recorded yet in {}: `helm hooks apply` records every run there.",
            history_view::where_read(&path, &log_cluster)
        ));
    } else if shown.is_empty() {
        ui.status(&format!(
            "No run matches ({total} recorded in {}).",
            history_view::where_read(&path, &log_cluster)
        ));
    }
    let text = match args.output {
        HistoryFormat::Table => history_view::runs_table(&shown.iter().collect::<Vec<_>>(), ui.out),
        HistoryFormat::Json => history_view::json(&history_view::document(&shown, None))?,
    };
    ui.data(&text)?;
    Ok(())
}
