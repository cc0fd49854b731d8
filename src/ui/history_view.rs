//! `helm hooks history` output: the runs table, one run in full, and the
//! versioned JSON document.

use super::columns::{self, Columns};
use super::common::{clean, format_ms, short_sha};
use super::mermaid::{self, Bar, BarState};
use super::{Painter, Style};
use crate::app::history::ClusterPart;
use crate::core::audit::DamagedLine;
use crate::core::audit::{DurationComparison, HookOutcome, HookPhase, Run, RunStatus};
use crate::core::cluster_record::{Store, recorded_by};
use crate::core::stats::HookStats;
use comfy_table::{Attribute, Cell, CellAlignment, Color};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;
use std::time::SystemTime;

/// Identifies the JSON schema; bumped on any incompatible change.
pub const HISTORY_API_VERSION: &str = "helm-hooks/v1";

/// At most this many damaged lines are named one by one.
const DAMAGED_SHOWN: usize = 10;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryDocument<'a> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub runs: Vec<RunView<'a>>,
}

/// A folded run plus what readers would otherwise recompute.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView<'a> {
    #[serde(flatten)]
    pub run: &'a Run,
    /// The CI job, else `user@host`.
    pub recorded_by: String,
    /// `end.hooks`, or for a run without an end the last state seen of
    /// each planned hook.
    pub outcomes: std::borrow::Cow<'a, [HookOutcome]>,
    /// With `--run` only: each hook against earlier runs of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durations: Option<Vec<DurationComparison>>,
}

pub fn document<'a>(
    runs: impl IntoIterator<Item = &'a Run>,
    durations: Option<Vec<DurationComparison>>,
) -> HistoryDocument<'a> {
    let mut durations = durations;
    HistoryDocument {
        api_version: HISTORY_API_VERSION,
        kind: "HookHistory",
        runs: runs
            .into_iter()
            .map(|run| RunView {
                run,
                recorded_by: recorded_by(&run.start),
                outcomes: run.outcomes(),
                durations: durations.take(),
            })
            .collect(),
    }
}

pub fn json(doc: &HistoryDocument<'_>) -> serde_json::Result<String> {
    Ok(serde_json::to_string_pretty(doc)? + "\n")
}

/// One warning per damaged line (up to a few of the `total`), naming the
/// file and line: the rest of the log is still shown.
pub fn damaged_warnings(path: &Path, damaged: &[DamagedLine], total: usize) -> Vec<String> {
    let mut out: Vec<String> = damaged
        .iter()
        .take(DAMAGED_SHOWN)
        .map(|d| {
            format!(
                "audit log {} line {} is damaged and was skipped ({})",
                path.display(),
                d.line,
                // serde's position is within the line: the file line is named above.
                clean(&d.reason.replace(" at line 1 column ", " at column "))
            )
        })
        .collect();
    let named = damaged.len().min(DAMAGED_SHOWN);
    if total.max(damaged.len()) > named {
        out.push(format!(
            "audit log {}: {} more damaged lines skipped",
            path.display(),
            total.max(damaged.len()) - named
        ));
    }
    out
}

/// What a listing cut at `--max` left out: runs older than the oldest
/// shown, not shown (or, when runs were kept by what they hold, not
/// searched).
pub fn older_note(older: usize, by_content: bool) -> Option<String> {
    let runs = match older {
        0 => return None,
        1 => "1 older run".to_string(),
        n => format!("{n} older runs"),
    };
    Some(match by_content {
        false => format!("{runs} not shown (--max 0 shows all)."),
        true => format!("{runs} not searched (--max 0 searches all)."),
    })
}

/// What `history --stats` left out at `--max`.
pub fn older_stats_note(older: usize) -> Option<String> {
    match older {
        0 => None,
        1 => Some("1 older run not counted (--max 0 counts all).".into()),
        n => Some(format!("{n} older runs not counted (--max 0 counts all).")),
    }
}

/// The `HookHistory` document of a listing written run by run, so that a
/// long one is never held whole: [`json`] of the [`document`] of the same
/// runs, plus `olderRuns` (runs left out by `--max`, see [`older_note`]).
pub struct JsonRuns {
    written: usize,
}

impl JsonRuns {
    pub fn start() -> (Self, String) {
        let head = format!(
            "{{\n  \"apiVersion\": \"{HISTORY_API_VERSION}\",\n  \"kind\": \"HookHistory\",\n  \"runs\": ["
        );
        (Self { written: 0 }, head)
    }

    pub fn run(&mut self, run: &Run) -> serde_json::Result<String> {
        let view = RunView {
            run,
            recorded_by: recorded_by(&run.start),
            outcomes: run.outcomes(),
            durations: None,
        };
        let text = serde_json::to_string_pretty(&view)?;
        let mut out = String::from(if self.written == 0 { "\n" } else { ",\n" });
        // Nested two levels deep, as in the whole document.
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str("    ");
            out.push_str(line);
        }
        self.written += 1;
        Ok(out)
    }

    pub fn end(self, older: usize) -> String {
        let close = if self.written == 0 { "]" } else { "\n  ]" };
        format!("{close},\n  \"olderRuns\": {older}\n}}\n")
    }
}

/// The first line of `text`, cleaned, in at most `max` columns.
fn truncate(text: &str, max: usize) -> String {
    super::fit::truncate(&clean(text.lines().next().unwrap_or("")), max)
}

fn parse_time(t: &str) -> Option<SystemTime> {
    crate::core::time::parse_rfc3339(t)
}

/// `2026-01-03 10:00:00` (UTC), or the text as recorded if it is not a time.
fn when(t: &str) -> String {
    match parse_time(t) {
        Some(st) => humantime::format_rfc3339_seconds(st)
            .to_string()
            .replacen('T', " ", 1)
            .trim_end_matches('Z')
            .to_string(),
        None => clean(t),
    }
}

fn since_start(start: &str, t: &str) -> Option<u64> {
    let d = parse_time(t)?.duration_since(parse_time(start)?).ok()?;
    Some(d.as_millis() as u64)
}

fn to_label(run: &Run) -> String {
    match (&run.start.to_sha, run.start.worktree) {
        (_, true) => "WORKTREE".to_string(),
        (Some(sha), _) => short_sha(sha).to_string(),
        (None, _) => clean(&run.start.to_rev),
    }
}

fn from_label(run: &Run) -> String {
    match (&run.start.from_sha, &run.start.from_rev) {
        (Some(sha), _) => short_sha(sha).to_string(),
        (None, Some(rev)) => clean(rev),
        (None, None) => "-".to_string(),
    }
}

/// `v1.1.0 (62c48a758744)`: the revision as typed, and its commit.
fn rev_detail(rev: Option<&str>, sha: Option<&str>, worktree: bool) -> String {
    match (rev, sha) {
        _ if worktree => "WORKTREE".to_string(),
        (Some(r), Some(s)) if s.starts_with(r) => short_sha(s).to_string(),
        (Some(r), Some(s)) => format!("{} ({})", clean(r), short_sha(s)),
        (None, Some(s)) => short_sha(s).to_string(),
        (Some(r), None) => clean(r),
        (None, None) => "-".to_string(),
    }
}

fn status_text(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Interrupted => "interrupted",
    }
}

fn status_style(s: RunStatus) -> Style {
    match s {
        RunStatus::Succeeded => Style::Added,
        RunStatus::Failed => Style::Removed,
        RunStatus::Interrupted => Style::Changed,
    }
}

fn phase_style(phase: &HookPhase) -> Option<Style> {
    match phase {
        HookPhase::Succeeded => Some(Style::Added),
        HookPhase::Failed => Some(Style::Removed),
        HookPhase::Interrupted(_) => Some(Style::Changed),
        _ => None,
    }
}

fn phase_color(phase: &HookPhase) -> Option<Color> {
    match phase {
        HookPhase::Succeeded => Some(Color::Green),
        HookPhase::Failed => Some(Color::Red),
        HookPhase::Interrupted(_) => Some(Color::Yellow),
        _ => None,
    }
}

fn header(names: &[&str]) -> Vec<Cell> {
    names
        .iter()
        .map(|h| Cell::new(h).add_attribute(Attribute::Dim))
        .collect()
}

fn colored(cell: Cell, color: Option<Color>) -> Cell {
    match color {
        Some(c) => cell.fg(c),
        None => cell,
    }
}

fn hook_name(o: &HookOutcome) -> String {
    clean(&format!("{}/{}", o.kind, o.name))
}

/// The runs table: one line per run, its hooks indented below it. Runs
/// and hooks are two tables whose lines are interleaved, so each keeps
/// its own columns aligned across all runs. Ids are shown whole: they are
/// what `--run` takes, and apply's ids start with the time, so a short
/// prefix would say little.
///
/// Each run is made into its cells as it comes, so that a page of a
/// thousand runs is never held whole.
pub struct RunsTable {
    runs: Columns,
    hooks: Columns,
    hook_counts: Vec<usize>,
}

impl Default for RunsTable {
    fn default() -> Self {
        let mut runs = Columns::default();
        runs.row(
            [
                "RUN",
                "STARTED (UTC)",
                "RELEASE",
                "NAMESPACE",
                "OPERATION",
                "FROM → TO",
                "STATUS",
                "BY",
                "WHERE",
            ]
            .map(|h| columns::Cell::new(h).style(Style::Dim))
            .into(),
        );
        Self {
            runs,
            hooks: Columns::default(),
            hook_counts: Vec::new(),
        }
    }
}

impl RunsTable {
    pub fn push(&mut self, run: &Run) {
        self.runs.row(vec![
            columns::Cell::new(clean(&run.id)).style(Style::Bold),
            columns::Cell::new(when(&run.started)),
            columns::Cell::new(clean(&run.start.release)),
            columns::Cell::new(clean(&run.start.namespace)),
            columns::Cell::new(clean(&run.start.operation)),
            columns::Cell::new(format!("{} → {}", from_label(run), to_label(run))),
            columns::Cell::new(match &run.resolved {
                Some(r) => format!(
                    "{} (then revision {} {})",
                    status_text(run.status),
                    r.release_revision,
                    clean(&r.release_status)
                ),
                None => status_text(run.status).to_string(),
            })
            .style(status_style(run.status)),
            columns::Cell::new(clean(&recorded_by(&run.start))),
            columns::Cell::new(recorded_in(run)),
        ]);
        let outcomes = run.outcomes();
        self.hook_counts.push(outcomes.len());
        for o in outcomes.iter() {
            self.hooks.row(vec![
                columns::Cell::new(clean(&o.event)),
                columns::Cell::new(hook_name(o)),
                columns::Cell::new(clean(&o.phase.text())).style(phase_style(&o.phase)),
                columns::Cell::new(o.duration_ms.map_or("-".to_string(), format_ms)).right(),
                columns::Cell::new(
                    o.message
                        .as_deref()
                        .map_or(String::new(), |m| truncate(m, 72)),
                ),
            ]);
        }
    }

    /// Runs pushed so far.
    pub fn len(&self) -> usize {
        self.hook_counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hook_counts.is_empty()
    }

    /// The header, then each run's line and its hooks' lines.
    pub fn finish(self, p: Painter) -> String {
        let mut out = String::with_capacity(128 * (self.runs.row_count() + self.hooks.row_count()));
        self.runs.write_line(0, p, &mut out);
        out.push('\n');
        let mut hook = 0;
        for (i, count) in self.hook_counts.into_iter().enumerate() {
            self.runs.write_line(i + 1, p, &mut out);
            out.push('\n');
            for _ in 0..count {
                out.push_str("    ");
                self.hooks.write_line(hook, p, &mut out);
                out.push('\n');
                hook += 1;
            }
        }
        out
    }
}

/// Why the cluster was left out, when it was asked and did not answer.
pub fn cluster_note(part: &ClusterPart) -> Option<String> {
    match part {
        ClusterPart::Unavailable(reason) => Some(format!(
            "local runs only: {} (--source local skips the cluster)",
            clean(reason)
        )),
        _ => None,
    }
}

/// The run objects that could not be read, one warning each.
pub fn cluster_warnings(part: &ClusterPart) -> Vec<String> {
    match part {
        ClusterPart::Read { namespace, damaged } => damaged
            .iter()
            .map(|(name, reason)| {
                format!(
                    "run object {} in namespace {} was skipped: {}",
                    clean(name),
                    clean(namespace),
                    clean(reason)
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Where the runs were read: the log's path, and the namespace when the
/// cluster was read.
pub fn where_read(path: &Path, part: &ClusterPart) -> String {
    match part {
        ClusterPart::Read { namespace, .. } if path.as_os_str().is_empty() => {
            format!("namespace {}", clean(namespace))
        }
        ClusterPart::Read { namespace, .. } => {
            format!("{} or namespace {}", path.display(), clean(namespace))
        }
        _ => path.display().to_string(),
    }
}

/// `local`, `cluster` or `local+cluster`.
fn recorded_in(run: &Run) -> String {
    run.recorded_in
        .iter()
        .map(|s| match s {
            Store::Local => "local",
            Store::Cluster => "cluster",
        })
        .collect::<Vec<_>>()
        .join("+")
}

fn comparison_text(c: &DurationComparison) -> String {
    if c.phase == HookPhase::NotRun {
        // Nothing ran to compare.
        return "-".to_string();
    }
    match (c.duration_ms, c.median_ms, c.delta_ms) {
        (Some(_), Some(m), Some(delta)) => {
            let sign = if delta < 0 { "-" } else { "+" };
            let pct = if m > 0 {
                format!(
                    " ({sign}{:.0}%)",
                    (delta.unsigned_abs() as f64) * 100.0 / m as f64
                )
            } else {
                String::new()
            };
            format!(
                "{sign}{}{pct} vs median {} of {} earlier",
                format_ms(delta.unsigned_abs()),
                format_ms(m),
                c.earlier_successes
            )
        }
        (None, Some(m), _) => format!("median {} of {} earlier", format_ms(m), c.earlier_successes),
        _ => "no earlier success".to_string(),
    }
}

/// One run in full: who and what, the timeline as planned, every state
/// change, the outcomes with durations against earlier runs, then the
/// failure messages and log excerpts.
pub fn run_detail(run: &Run, durations: &[DurationComparison], p: Painter) -> String {
    let mut out = run_fields(run, p);
    planned_timeline(run, p, &mut out);
    state_changes(run, p, &mut out);
    let outcomes = run.outcomes();
    outcome_table(&outcomes, durations, p, &mut out);
    outcome_details(&outcomes, p, &mut out);
    out
}

/// The run's header: when, where, what, by whom.
fn run_fields(run: &Run, p: Painter) -> String {
    let s = &run.start;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  {}",
        p.paint(Style::Bold, "Run"),
        clean(&run.id),
        p.paint(status_style(run.status), status_text(run.status))
    );
    let mut field = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<10} {value}");
    };
    let ended = match (
        &run.ended,
        run.ended
            .as_deref()
            .and_then(|e| since_start(&run.started, e)),
    ) {
        (Some(e), Some(ms)) => format!(", ended {} UTC ({})", when(e), format_ms(ms)),
        (Some(e), None) => format!(", ended {} UTC", when(e)),
        (None, _) => ", no end recorded (interrupted)".to_string(),
    };
    field("started", format!("{} UTC{ended}", when(&run.started)));
    let mut target = format!("{} in namespace {}", clean(&s.release), clean(&s.namespace));
    let cluster: Vec<String> = [("context", &s.kube_context), ("server", &s.kube_server)]
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k} {}", clean(v))))
        .collect();
    if !cluster.is_empty() {
        let _ = write!(target, " ({})", cluster.join(", "));
    }
    field("release", target);
    field(
        "chart",
        format!(
            "{} {} ({} in {})",
            clean(&s.chart_name),
            clean(&s.chart_version),
            if s.chart_path.is_empty() {
                ".".to_string()
            } else {
                clean(&s.chart_path)
            },
            clean(&s.repository)
        ),
    );
    let mut to = rev_detail(Some(&s.to_rev), s.to_sha.as_deref(), s.worktree);
    if let Some(h) = &s.worktree_hash {
        let _ = write!(to, " (content {})", short_sha(&clean(h)));
    }
    field(
        "revision",
        format!(
            "{} → {to}",
            rev_detail(s.from_rev.as_deref(), s.from_sha.as_deref(), false)
        ),
    );
    let mut helm = format!("{}, {}", clean(&s.helm_version), clean(&s.operation));
    if let Some(e) = &run.end {
        let _ = write!(helm, ", exit {}", e.helm_exit);
        if let Some(r) = e.release_revision {
            let _ = write!(helm, "; release revision {r}");
        }
        if let Some(st) = &e.release_status {
            let _ = write!(helm, " {}", clean(st));
        }
    }
    field("helm", helm);
    if let Some(r) = &run.resolved {
        field(
            "after",
            format!(
                "Helm went on without helm-hooks: the release was at revision {} ({}) when run {} looked",
                r.release_revision,
                clean(&r.release_status),
                clean(&r.found_by)
            ),
        );
    }
    let mut by = format!("{}@{} (pid {})", clean(&s.user), clean(&s.host), s.pid);
    if let Some(job) = &s.ci_job {
        let _ = write!(by, ", {}", clean(job));
    }
    field("by", by);
    if !run.recorded_in.is_empty() {
        field("recorded", recorded_in(run));
    }
    if !s.args.is_empty() {
        field("command", clean(&s.args.join(" ")));
    }

    out
}

fn planned_timeline(run: &Run, p: Painter, out: &mut String) {
    let s = &run.start;
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", p.paint(Style::Bold, "Timeline (as planned)"));
    if s.timeline.is_empty() {
        let _ = writeln!(out, "  {}", p.paint(Style::Dim, "no hooks"));
    } else {
        let mut t = p.table();
        t.set_header(header(&["#", "EVENT", "WEIGHT", "HOOK", "CHANGE"]));
        for h in &s.timeline {
            t.add_row(vec![
                Cell::new(h.position).set_alignment(CellAlignment::Right),
                Cell::new(clean(&h.event)),
                Cell::new(h.weight).set_alignment(CellAlignment::Right),
                Cell::new(clean(&format!("{}/{}", h.kind, h.name))),
                Cell::new(clean(&h.change)),
            ]);
        }
        for line in t.trim_fmt().lines() {
            let _ = writeln!(out, " {line}");
        }
    }
}

fn state_changes(run: &Run, p: Painter, out: &mut String) {
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", p.paint(Style::Bold, "State changes"));
    if run.states.is_empty() {
        let _ = writeln!(out, "  {}", p.paint(Style::Dim, "none recorded"));
    } else {
        let mut t = p.table();
        t.set_header(header(&["TIME (UTC)", "+", "HOOK", "STATE", "DETAIL"]));
        for (time, st) in &run.states {
            t.add_row(vec![
                Cell::new(when(time)),
                Cell::new(since_start(&run.started, time).map_or(String::new(), format_ms))
                    .set_alignment(CellAlignment::Right),
                Cell::new(clean(&format!("{}/{}", st.kind, st.name))),
                Cell::new(clean(&st.state)),
                Cell::new(
                    st.detail
                        .as_deref()
                        .map_or(String::new(), |d| truncate(d, 100)),
                ),
            ]);
        }
        for line in t.trim_fmt().lines() {
            let _ = writeln!(out, " {line}");
        }
    }
}

fn outcome_table(
    outcomes: &[HookOutcome],
    durations: &[DurationComparison],
    p: Painter,
    out: &mut String,
) {
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", p.paint(Style::Bold, "Outcomes"));
    if outcomes.is_empty() {
        let _ = writeln!(out, "  {}", p.paint(Style::Dim, "no hooks"));
    } else {
        let mut t = p.table();
        t.set_header(header(&[
            "EVENT",
            "HOOK",
            "PHASE",
            "STARTED (UTC)",
            "DURATION",
            "AGAINST EARLIER RUNS",
            "LEFT IN CLUSTER",
        ]));
        for o in outcomes {
            let cmp = durations
                .iter()
                .find(|c| c.kind == o.kind && c.name == o.name && c.event == o.event);
            t.add_row(vec![
                Cell::new(clean(&o.event)),
                Cell::new(hook_name(o)),
                colored(Cell::new(clean(&o.phase.text())), phase_color(&o.phase)),
                Cell::new(o.started_at.as_deref().map_or("-".to_string(), when)),
                Cell::new(o.duration_ms.map_or("-".to_string(), format_ms))
                    .set_alignment(CellAlignment::Right),
                Cell::new(cmp.map_or(String::new(), comparison_text)),
                Cell::new(match o.left_in_cluster {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                }),
            ]);
        }
        for line in t.trim_fmt().lines() {
            let _ = writeln!(out, " {line}");
        }
    }
}

/// Each hook's message and last log lines.
fn outcome_details(outcomes: &[HookOutcome], p: Painter, out: &mut String) {
    for o in outcomes {
        if o.message.is_none() && o.log_tail.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        let title = format!(
            "{} ({}, {})",
            hook_name(o),
            clean(&o.event),
            clean(&o.phase.text())
        );
        let _ = writeln!(out, "{}", p.paint(Style::Bold, &title));
        if let Some(m) = &o.message {
            let style = if o.phase == HookPhase::Failed {
                Style::Error
            } else {
                Style::Dim
            };
            for (i, line) in m.lines().enumerate() {
                let label = if i == 0 { "message:" } else { "        " };
                let _ = writeln!(out, "  {} {}", p.paint(style, label), clean(line));
            }
        }
        if !o.log_tail.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                p.paint(Style::Dim, &format!("last {} log lines:", o.log_tail.len()))
            );
            for line in &o.log_tail {
                let _ = writeln!(out, "  {} {}", p.paint(Style::Dim, "|"), clean(line));
            }
        }
    }
}

/// What each hook of the run took, as Gantt bars: hooks (local ones too)
/// with a recorded start, in run order, one section per event.
pub fn run_bars(outcomes: &[HookOutcome]) -> Vec<Bar> {
    outcomes
        .iter()
        .filter_map(|o| {
            let start = o.started_at.as_deref().and_then(parse_time)?;
            let end = o
                .completed_at
                .as_deref()
                .and_then(parse_time)
                .or_else(|| {
                    o.duration_ms
                        .map(|ms| start + std::time::Duration::from_millis(ms))
                })
                .unwrap_or(start);
            let took = o
                .duration_ms
                .or_else(|| end.duration_since(start).ok().map(|d| d.as_millis() as u64));
            // The section is the event alone: a longer name runs into
            // the bars (Mermaid gives it 75 pixels); the label says local.
            Some(Bar {
                section: clean(&o.event),
                label: format!(
                    "{} {}{}",
                    md_hook_name(o),
                    clean(&o.phase.text()),
                    took.map_or(String::new(), |ms| format!(" {}", format_ms(ms)))
                ),
                start,
                end,
                state: match o.phase {
                    HookPhase::Succeeded => BarState::Done,
                    HookPhase::Failed => BarState::Failed,
                    _ => BarState::Open,
                },
            })
        })
        .collect()
}

/// A hook as the markdown view names it: a local hook by its command
/// line, as plan's views do (`local: ./check.sh`).
fn md_hook_name(o: &HookOutcome) -> String {
    match o.kind == crate::core::local::LOCAL_HOOK_KIND {
        true => format!("local: {}", clean(&o.name)),
        false => hook_name(o),
    }
}

fn md_cell(text: &str) -> String {
    clean(text).replace('|', "\\|").replace('`', "'")
}

/// `history --run ID -o markdown`: the run's header, a Gantt of what
/// each hook took, and the outcomes table.
pub fn run_markdown(run: &Run, durations: &[DurationComparison]) -> String {
    let s = &run.start;
    let mut out = format!(
        "### Hook run `{}`: {}\n\n",
        md_cell(&run.id),
        status_text(run.status)
    );
    let took = run
        .ended
        .as_deref()
        .and_then(|e| since_start(&run.started, e))
        .map_or(String::new(), |ms| format!(", took {}", format_ms(ms)));
    let _ = writeln!(
        out,
        "`{}` of release `{}` in namespace `{}`, chart `{}` {} at `{}` → `{}`, {}; started {} UTC{took}.\n",
        md_cell(&s.operation),
        md_cell(&s.release),
        md_cell(&s.namespace),
        md_cell(&s.chart_name),
        md_cell(&s.chart_version),
        from_label(run),
        to_label(run),
        md_cell(&s.helm_version),
        when(&run.started),
    );
    let outcomes = run.outcomes();
    let title = format!("{} {} (UTC)", s.operation, s.release);
    if let Some(g) = mermaid::gantt(&title, &run_bars(&outcomes)) {
        let _ = writeln!(out, "{}", mermaid::fenced(&g));
    }
    if outcomes.is_empty() {
        out.push_str("_No hooks ran._\n");
        return out;
    }
    out.push_str("| event | hook | phase | started (UTC) | duration | against earlier runs | left in cluster |\n|---|---|---|---|--:|---|---|\n");
    for o in outcomes.iter() {
        let cmp = durations
            .iter()
            .find(|c| c.kind == o.kind && c.name == o.name && c.event == o.event);
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} |",
            md_cell(&o.event),
            md_cell(&md_hook_name(o)),
            md_cell(&o.phase.text()),
            o.started_at.as_deref().map_or("-".to_string(), when),
            o.duration_ms.map_or("-".to_string(), format_ms),
            cmp.map_or(String::new(), comparison_text),
            match o.left_in_cluster {
                Some(true) => "yes",
                Some(false) => "no",
                None => "-",
            }
        );
    }
    for o in outcomes.iter().filter(|o| o.message.is_some()) {
        let _ = write!(out, "\n**`{}`**:", md_cell(&md_hook_name(o)));
        for line in o.message.iter().flat_map(|m| m.lines()) {
            let _ = write!(out, " {}", md_cell(line));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(format_ms(850), "850ms");
        assert_eq!(format_ms(12_345), "12.3s");
        assert_eq!(format_ms(65_000), "1m05s");
        assert_eq!(format_ms(3_720_000), "1h02m");
    }

    #[test]
    fn comparisons_name_the_delta_and_the_median() {
        let c = |d: Option<u64>, m: Option<u64>, n| DurationComparison {
            event: "pre-upgrade".into(),
            kind: "Job".into(),
            name: "migrate".into(),
            phase: HookPhase::Succeeded,
            duration_ms: d,
            earlier_successes: n,
            median_ms: m,
            delta_ms: d.zip(m).map(|(d, m)| d as i64 - m as i64),
        };
        assert_eq!(
            comparison_text(&c(Some(15_000), Some(10_000), 3)),
            "+5.0s (+50%) vs median 10.0s of 3 earlier"
        );
        assert_eq!(
            comparison_text(&c(Some(8_000), Some(10_000), 1)),
            "-2.0s (-20%) vs median 10.0s of 1 earlier"
        );
        assert_eq!(
            comparison_text(&c(None, Some(10_000), 2)),
            "median 10.0s of 2 earlier"
        );
        assert_eq!(comparison_text(&c(Some(1), None, 0)), "no earlier success");
        // A hook that did not run has nothing to compare.
        let not_run = DurationComparison {
            phase: HookPhase::NotRun,
            ..c(None, Some(10_000), 2)
        };
        assert_eq!(comparison_text(&not_run), "-");
    }

    #[test]
    fn log_text_cannot_drive_the_terminal() {
        assert_eq!(
            clean("a\x1b[31mred\r\nb\tc"),
            "a\u{fffd}[31mred\u{fffd}\u{fffd}b c"
        );
        assert_eq!(truncate("first line\nsecond", 5), "firs…");
    }

    #[test]
    fn times_show_as_utc_seconds() {
        assert_eq!(when("2026-01-03T10:00:00.123Z"), "2026-01-03 10:00:00");
        assert_eq!(when("not a time"), "not a time");
    }
}

/// `history --stats`: one line per hook.
pub fn stats_table(stats: &[HookStats], p: Painter) -> String {
    if stats.is_empty() {
        return "No hook runs to count.\n".into();
    }
    let mut t = p.table();
    t.set_header(header(&[
        "RELEASE",
        "NAMESPACE",
        "HOOK",
        "RUNS",
        "FAILED",
        "MEDIAN",
        "P95",
        "SLOWEST",
        "LAST RUNS",
        "TREND",
    ]));
    let ms = |v: Option<u64>| v.map(format_ms).unwrap_or_else(|| "-".into());
    for s in stats {
        let failed = Cell::new(s.failures);
        t.add_row(vec![
            Cell::new(clean(&s.release)),
            Cell::new(clean(&s.namespace)),
            Cell::new(clean(&format!("{}/{}", s.kind, s.name))),
            Cell::new(s.runs),
            match s.failures {
                0 => failed,
                _ => failed.fg(Color::Red),
            },
            Cell::new(ms(s.median_ms)),
            Cell::new(ms(s.p95_ms)),
            Cell::new(ms(s.max_ms)),
            Cell::new(
                s.trend_ms
                    .iter()
                    .map(|v| format_ms(*v))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Cell::new(s.trend),
        ]);
    }
    let mut out = String::new();
    for line in t.trim_fmt().lines() {
        let _ = writeln!(out, "{line}");
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsDocument<'a> {
    api_version: &'static str,
    kind: &'static str,
    hooks: &'a [HookStats],
}

pub fn stats_json(stats: &[HookStats]) -> serde_json::Result<String> {
    Ok(serde_json::to_string_pretty(&StatsDocument {
        api_version: HISTORY_API_VERSION,
        kind: "HookStats",
        hooks: stats,
    })? + "\n")
}
