//! `helm hooks history`: the audit log read back as runs, newest first.

use crate::adapters::audit_store::AuditStore;
use crate::app::history::{self, Depth, Log, Source};
use crate::cli::{HistoryArgs, HistoryFormat, HistorySource};
use crate::core::audit::{HistoryError, HistoryFilter, parse_since};
use crate::core::stats::StatsAccumulator;
use crate::ui::Ui;
use crate::ui::history_view;
use std::time::SystemTime;

/// Runs per table when a listing is long: each page is its own table, so
/// that no listing is held whole.
const TABLE_PAGE: usize = 1000;
/// Bytes of JSON gathered before they are written.
const JSON_BATCH: usize = 1 << 16;

pub fn run(args: HistoryArgs, ui: &Ui) -> anyhow::Result<()> {
    let done = show(args, ui);
    tracing::debug!(peak_rss_kib = crate::app::peak_rss_kib(), "history done");
    done
}

fn show(args: HistoryArgs, ui: &Ui) -> anyhow::Result<()> {
    if args.output == HistoryFormat::Markdown && args.run.is_none() {
        return Err(HistoryError::MarkdownNeedsRun.into());
    }
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
    for w in history_view::damaged_warnings(&log.path, &log.damaged, log.damaged_total) {
        ui.warn(&w);
    }
    for w in history_view::cluster_warnings(&log.cluster) {
        ui.warn(&w);
    }
    if let Some(note) = history_view::cluster_note(&log.cluster) {
        ui.note(&note);
    }

    if let Some(id) = &args.run {
        let (mut run, durations) = log.one_run(id, args.release.as_deref())?;
        log.fill_revision_commits(&mut run)?;
        let text = match args.output {
            HistoryFormat::Table => history_view::run_detail(&run, &durations, ui.out),
            HistoryFormat::Json => {
                history_view::json(&history_view::document([&run], Some(durations)))?
            }
            HistoryFormat::Markdown => history_view::run_markdown(&run, &durations),
        };
        ui.data(&text)?;
        return Ok(());
    }
    let max = match args.max {
        0 => usize::MAX,
        n => n,
    };
    if args.stats {
        return stats(&log, &args, since.as_deref(), max, ui);
    }
    let filter = HistoryFilter {
        release: args.release.clone(),
        hook: args.hook.clone(),
        failed_only: args.failed,
        since,
    };
    list(&log, &filter, args.output, max, ui)
}

/// The runs the filter keeps, newest first, at most `max`; then how many
/// older runs were left out.
fn list(
    log: &Log,
    filter: &HistoryFilter,
    format: HistoryFormat,
    max: usize,
    ui: &Ui,
) -> anyhow::Result<()> {
    let depth = match format {
        HistoryFormat::Table => Depth::Summary,
        HistoryFormat::Json => Depth::Full,
        HistoryFormat::Markdown => unreachable!("refused in show"),
    };
    let mut runs = log.runs(filter.release.as_deref(), depth);
    let (mut shown, mut page) = (0, history_view::RunsTable::default());
    let (mut json, mut text) = match format {
        HistoryFormat::Json => {
            let (writer, head) = history_view::JsonRuns::start();
            (Some(writer), head)
        }
        HistoryFormat::Table => (None, String::new()),
        HistoryFormat::Markdown => unreachable!("refused in show"),
    };
    while shown < max {
        let Some(run) = runs.next() else { break };
        let mut run = run?;
        if !filter.keeps(&run) {
            continue;
        }
        log.fill_revision_commits(&mut run)?;
        shown += 1;
        match json.as_mut() {
            Some(writer) => {
                text.push_str(&writer.run(&run)?);
                if text.len() >= JSON_BATCH {
                    ui.data(&std::mem::take(&mut text))?;
                }
            }
            None => {
                page.push(&run);
                if page.len() == TABLE_PAGE {
                    ui.data(&std::mem::take(&mut page).finish(ui.out))?;
                }
            }
        }
    }
    let older = runs.remaining()?;
    if shown == 0 {
        let total = log.count(None);
        let place = history_view::where_read(&log.path, &log.cluster);
        ui.status(&match total {
            0 => format!(
                "No hook runs recorded yet in {place}: `helm hooks apply` records every run there."
            ),
            _ => format!("No run matches ({total} recorded in {place})."),
        });
    }
    match json {
        Some(writer) => {
            text.push_str(&writer.end(older));
            ui.data(&text)?;
        }
        // The header alone when nothing matched, as before.
        None if !page.is_empty() || shown == 0 => ui.data(&page.finish(ui.out))?,
        None => {}
    }
    if let Some(note) = history_view::older_note(older, filter.by_content()) {
        ui.status(&note);
    }
    Ok(())
}

/// `--stats`: per hook, over the newest `max` runs in scope (since
/// `--since`), counted as they are read.
fn stats(
    log: &Log,
    args: &HistoryArgs,
    since: Option<&str>,
    max: usize,
    ui: &Ui,
) -> anyhow::Result<()> {
    let mut acc = StatsAccumulator::default();
    let mut runs = log.runs(args.release.as_deref(), Depth::Summary);
    let mut counted = 0;
    while counted < max {
        let Some(run) = runs.next() else { break };
        let run = run?;
        if since.is_some_and(|t| run.started.as_str() < t) {
            continue;
        }
        counted += 1;
        acc.add(&run);
    }
    let older = runs.remaining()?;
    let stats = acc.finish();
    let text = match args.output {
        HistoryFormat::Table => history_view::stats_table(&stats, ui.out),
        HistoryFormat::Json => history_view::stats_json(&stats)?,
        HistoryFormat::Markdown => unreachable!("refused in show"),
    };
    ui.data(&text)?;
    if let Some(note) = history_view::older_stats_note(older) {
        ui.status(&note);
    }
    Ok(())
}
