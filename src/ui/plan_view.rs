//! `helm hooks plan` output: table (terminal), markdown (PR comments),
//! JSON and YAML (the versioned schema CI reads).

use super::common::{ChartInfo, expected_line, expected_text, local_label, rev_label};
use super::fit::{NAME_FLOOR, ellipsize, fit_table, visible_width};
use super::mermaid::{self, Mark, Phase, TimelineBox};
use super::{Painter, Style};
use crate::app::baseline::{Baseline, Reason};
use crate::core::diff::{Change, HookChange, RemovedStep, StepChange};
use crate::core::hook::HookEvent;
use crate::core::hook::Warning;
use crate::core::lint::{Finding, Severity};
use crate::core::local::{LocalEvent, LocalHookChange, LocalStepChange, command_line};
use crate::core::model::Revision;
use crate::core::plan::{OperationPlan, Plan, PlanRow};
use crate::core::render_source::RenderSource;
use crate::core::timeline::{HookStep, Leftover, LocalStep, NextRun};
use comfy_table::{Attribute, Cell, CellAlignment, Color};
use serde::Serialize;
use std::fmt::Write;

/// Identifies the JSON/YAML schema; bumped on any incompatible change.
pub const PLAN_API_VERSION: &str = "helm-hooks/v1";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDocument<'a> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub helm_version: String,
    pub chart: ChartInfo,
    pub release: &'a str,
    pub namespace: &'a str,
    pub from: &'a Revision,
    pub to: &'a Revision,
    #[serde(flatten)]
    pub plan: &'a Plan,
    /// `helm hooks lint` findings for `to`; `introduced` when `from` lacks them.
    pub findings: &'a [Finding],
    /// What Helm printed on stderr while rendering `to` (e.g. dropped hooks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub helm_notices: Vec<String>,
    /// How `to` was rendered, when as the cluster's Helm will run it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<&'a RenderSource>,
}

fn leftover(l: Leftover) -> &'static str {
    match l {
        Leftover::Deleted => "deleted",
        Leftover::Kept => "kept",
    }
}

fn change_text(c: &StepChange) -> String {
    let mut parts = Vec::new();
    match c.change {
        Change::Added if c.was_resource => {
            parts.push("added (was an ordinary resource)".to_string())
        }
        Change::Added => parts.push("added".to_string()),
        // Only labels/annotations: the fold line below the table names them.
        Change::Changed if c.metadata_only => parts.push("metadata".to_string()),
        Change::Changed => parts.push("changed".to_string()),
        _ => {}
    }
    if c.moved {
        let was: Vec<String> = [
            c.was_position
                .filter(|p| *p != c.position || c.was_event.is_some())
                .map(|p| format!("#{p}")),
            c.was_event.map(|e| e.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.push(match was.is_empty() {
            true => "moved".to_string(),
            false => format!("moved (was {})", was.join(" ")),
        });
    }
    parts.join(", ")
}

fn removed_text(r: &RemovedStep) -> String {
    match r.now_resource {
        true => format!(
            "removed (was #{}; now an ordinary resource)",
            r.was_position
        ),
        false => format!("removed (was #{})", r.was_position),
    }
}

fn marker(c: &StepChange) -> (&'static str, Option<Color>) {
    match (c.change, c.moved) {
        (Change::Added, _) => ("+", Some(Color::Green)),
        (Change::Changed, _) => ("~", Some(Color::Yellow)),
        (_, true) => ("↕", Some(Color::Cyan)),
        _ => (" ", None),
    }
}

pub fn summary_line(op: &OperationPlan) -> String {
    let s = &op.diff.summary;
    let mut hooks = format!(
        "{} hook run{}",
        s.hooks,
        if s.hooks == 1 { "" } else { "s" }
    );
    if s.local > 0 {
        hooks.push_str(&format!(
            " and {} local hook run{}",
            s.local,
            if s.local == 1 { "" } else { "s" }
        ));
    }
    if !s.has_changes() {
        return format!("{}: {hooks}, no changes", op.timeline.operation);
    }
    let parts: Vec<String> = [
        (s.added, "added"),
        (s.removed, "removed"),
        (s.changed, "changed"),
        (s.moved, "moved"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| match *w {
        "changed" if s.metadata_only > 0 => {
            format!(
                "{n} changed ({} only in labels/annotations)",
                s.metadata_only
            )
        }
        _ => format!("{n} {w}"),
    })
    .collect();
    format!("{}: {hooks}, {}", op.timeline.operation, parts.join(", "))
}

/// The one line that stands for an operation's hooks changed only in
/// labels and annotations: how many, and which keys.
pub fn metadata_fold(op: &OperationPlan, hooks: &[HookChange]) -> Option<String> {
    let n = op.diff.summary.metadata_only;
    if n == 0 {
        return None;
    }
    let mut keys: Vec<&str> = Vec::new();
    for h in op.timeline.hooks() {
        if let Some(c) = hooks
            .iter()
            .find(|c| c.kind == h.kind && c.name == h.name && c.metadata_only())
        {
            for k in c.metadata_keys() {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
    }
    Some(format!(
        "{n} hook run{} changed only in labels/annotations: {}",
        if n == 1 { "" } else { "s" },
        keys.join(", ")
    ))
}

fn hook_label(h: &HookStep) -> String {
    format!("{}/{}", h.kind, h.name)
}

fn local_change_text(c: &LocalStepChange) -> &'static str {
    match c.change {
        Change::Added => "added",
        Change::Changed => "changed",
        _ => "",
    }
}

fn local_marker(c: &LocalStepChange) -> (&'static str, Option<Color>) {
    match c.change {
        Change::Added => ("+", Some(Color::Green)),
        Change::Changed => ("~", Some(Color::Yellow)),
        _ => (" ", None),
    }
}

/// "added", "removed", "unchanged", or "changed: " and what changed.
fn change_what(change: Change, fields: impl Iterator<Item = String>) -> String {
    match change {
        Change::Added => "added".to_string(),
        Change::Removed => "removed".to_string(),
        Change::Changed => format!("changed: {}", fields.collect::<Vec<_>>().join(", ")),
        Change::Unchanged => "unchanged".to_string(),
    }
}

fn local_change_header(c: &LocalHookChange) -> String {
    let what = change_what(c.change, c.fields.iter().map(|f| f.describe()));
    let events: Vec<&str> = c.hook.events.iter().map(|e| e.as_str()).collect();
    format!(
        "local: {} [{}] in {} ({what})",
        c.hook.label(),
        events.join(","),
        c.hook.source
    )
}

fn change_header(c: &HookChange) -> String {
    let mut what = change_what(c.change, c.fields.iter().map(|f| f.describe()));
    if c.was_resource {
        what.push_str(": was an ordinary resource, now a hook");
    }
    if c.now_resource {
        what.push_str(": now an ordinary resource, created with the chart's resources");
    }
    format!("{}/{} ({what})", c.kind, c.name)
}

/// The terminal table: a numbered timeline per operation, then the
/// manifest diffs, then warnings, then one summary line per operation.
pub fn table(doc: &PlanDocument<'_>, p: Painter) -> String {
    let mut out = String::new();
    let head = format!(
        "{} {} → {}",
        p.paint(Style::Bold, "Hook plan:"),
        rev_label(doc.from),
        rev_label(doc.to),
    );
    let about = format!("(chart {}, helm {})", &doc.chart.label, doc.helm_version);
    // On a narrow terminal the chart and Helm go to a line of their own.
    match p.width {
        Some(w) if visible_width(&head) + 2 + visible_width(&about) >= w => {
            let _ = writeln!(out, "{head}\n  {about}");
        }
        _ => {
            let _ = writeln!(out, "{head}  {about}");
        }
    }
    if let Some(r) = doc.rendered {
        let _ = writeln!(out, "{}", p.wrapped("  ", Style::Dim, &r.to_string()));
    }
    // A note of several operations (the hook-succeeded one) is said once,
    // after them.
    let shared = shared_notes(&doc.plan.operations);
    for op in &doc.plan.operations {
        operation_table(op, p, &shared, &mut out);
        if let Some(fold) = metadata_fold(op, &doc.plan.hooks) {
            out.push_str(&labelled(p, "  ", &p.paint(Style::Dim, "~"), &fold));
        }
    }
    if !shared.is_empty() {
        let _ = writeln!(out);
        for note in &shared {
            out.push_str(&labelled(p, "", &p.paint(Style::Dim, "note:"), note));
        }
    }
    changed_hooks(doc, p, &mut out);
    changed_local_hooks(doc, p, &mut out);
    warnings_and_findings(doc, p, &mut out);
    let _ = writeln!(out);
    for op in &doc.plan.operations {
        let _ = writeln!(out, "{}", summary_line(op));
    }
    out
}

/// Notes that more than one operation's timeline carries, in order.
fn shared_notes(ops: &[OperationPlan]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in ops {
        for n in &op.timeline.notes {
            let count = ops.iter().filter(|o| o.timeline.notes.contains(n)).count();
            if count > 1 && !out.contains(n) {
                out.push(n.clone());
            }
        }
    }
    out
}

/// One operation: its header, the numbered timeline, removed runs, and the
/// notes that are its own. Its summary line comes once, at the end.
fn operation_table(op: &OperationPlan, p: Painter, shared: &[String], out: &mut String) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        p.paint(Style::Bold, &op.timeline.operation.as_str().to_uppercase())
    );
    if op.timeline.hooks().next().is_none()
        && op.timeline.locals().next().is_none()
        && op.diff.removed.is_empty()
        && op.diff.local_removed.is_empty()
    {
        let _ = writeln!(out, "  {}", p.paint(Style::Dim, "no hooks"));
        return;
    }
    for line in fitted_timeline(op, p).lines() {
        let _ = writeln!(out, " {line}");
    }
    if let Some(line) = expected_line(&op.timeline) {
        out.push_str(&labelled(p, "  ", &p.paint(Style::Dim, "~"), &line));
    }
    for note in op.timeline.notes.iter().filter(|n| !shared.contains(n)) {
        out.push_str(&labelled(p, "  ", &p.paint(Style::Dim, "note:"), note));
    }
}

/// `{indent}{label} {text}` and a newline, the text wrapped at spaces to
/// the painter's width with continuation lines indented under it.
fn labelled(p: Painter, indent: &str, label: &str, text: &str) -> String {
    super::fit::labelled(p.width, indent, label, text) + "\n"
}

/// How much of the TEMPLATE column a narrow terminal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TemplateColumn {
    Full,
    /// The path below `templates/`.
    Short,
    Hidden,
}

fn template_text(path: &str, template: TemplateColumn) -> String {
    match template {
        TemplateColumn::Short => path
            .rsplit_once("templates/")
            .map_or(path, |(_, rest)| rest)
            .to_string(),
        _ => path.to_string(),
    }
}

/// The timeline table in the painter's width: TEMPLATE shortened first,
/// then dropped, then hook names shortened with an ellipsis and the
/// remaining cells wrapped at word boundaries; should names still be cut
/// below `NAME_FLOOR`, EXPECTED goes too when that leaves them more.
fn fitted_timeline(op: &OperationPlan, p: Painter) -> String {
    let Some(width) = p.width else {
        return timeline_table(op, p, TemplateColumn::Full, None).trim_fmt();
    };
    // One column of indent before each line.
    let fits = |text: &str| text.lines().all(|l| visible_width(l) < width);
    for mode in [TemplateColumn::Full, TemplateColumn::Short] {
        let text = timeline_table(op, p, mode, None).trim_fmt();
        if fits(&text) {
            return text;
        }
    }
    let (mut t, names) = fit_table(p.width, 1, 4, &|names| {
        timeline_table(op, p, TemplateColumn::Hidden, names)
    });
    if names.is_none_or(|n| n >= NAME_FLOOR) || t.column_count() <= EXPECTED_COLUMN {
        return t.trim_fmt();
    }
    // Which hook runs matters more than how long it took before.
    let (bare, more) = fit_table(p.width, 1, 4, &|names| {
        let mut t = timeline_table(op, p, TemplateColumn::Hidden, names);
        if let Some(c) = t.column_mut(EXPECTED_COLUMN) {
            c.set_constraint(comfy_table::ColumnConstraint::Hidden);
        }
        t
    });
    match more.is_none_or(|m| m > names.unwrap_or(0)) {
        true => bare.trim_fmt(),
        false => t.trim_fmt(),
    }
}

/// Where the timeline table has EXPECTED, when it has it.
const EXPECTED_COLUMN: usize = 10;

/// One operation's numbered timeline, removed runs last.
/// `names`: the most columns a HOOK cell may take (longer names are
/// shortened with an ellipsis).
fn timeline_table(
    op: &OperationPlan,
    p: Painter,
    template: TemplateColumn,
    names: Option<usize>,
) -> comfy_table::Table {
    let name = |text: String| match names {
        Some(max) => ellipsize(&text, max),
        None => text,
    };
    let with_expected = op.timeline.hooks().any(|h| h.expected.is_some());
    let mut t = p.table();
    t.set_header(
        [
            "",
            "#",
            "EVENT",
            "WEIGHT",
            "HOOK",
            "TEMPLATE",
            "WAITS",
            "ON SUCCESS",
            "ON FAILURE",
            "CHANGE",
            "EXPECTED",
        ]
        .iter()
        .take(if with_expected { 11 } else { 10 })
        .map(|h| Cell::new(h).add_attribute(Attribute::Dim)),
    );
    for row in op.rows() {
        match row {
            PlanRow::Local(l, c) => {
                let (m, color) = local_marker(c);
                let colored = |cell: Cell| match color {
                    Some(col) => cell.fg(col),
                    None => cell,
                };
                t.add_row(vec![
                    colored(Cell::new(m)),
                    Cell::new(l.position).set_alignment(CellAlignment::Right),
                    Cell::new(l.event),
                    Cell::new(""),
                    colored(Cell::new(name(local_label(l)))),
                    Cell::new(template_text(&l.source, template)),
                    Cell::new("yes"),
                    Cell::new("-"),
                    Cell::new("-"),
                    colored(Cell::new(local_change_text(c))),
                ]);
            }
            PlanRow::Resources { action, count } => {
                t.add_row(vec![
                    Cell::new(""),
                    Cell::new("·"),
                    Cell::new(""),
                    Cell::new(""),
                    Cell::new(format!("{action} ({count})")).add_attribute(Attribute::Dim),
                ]);
            }
            PlanRow::Hook(h, c) => {
                let (m, color) = marker(c);
                let colored = |cell: Cell| match color {
                    Some(col) => cell.fg(col),
                    None => cell,
                };
                t.add_row(vec![
                    colored(Cell::new(m)),
                    Cell::new(h.position).set_alignment(CellAlignment::Right),
                    Cell::new(h.event),
                    Cell::new(h.weight).set_alignment(CellAlignment::Right),
                    colored(Cell::new(name(hook_label(h)))),
                    Cell::new(template_text(&h.path, template)),
                    Cell::new(if h.waits { "yes" } else { "no" }),
                    Cell::new(leftover(h.after_success)),
                    Cell::new(leftover(h.after_failure)),
                    colored(Cell::new(change_text(c))),
                ]);
                if with_expected && let Some(row) = t.row_mut(t.row_count() - 1) {
                    row.add_cell(Cell::new(expected_text(h.expected)));
                }
            }
        }
    }
    removed_rows(op, &mut t, &name);
    if template == TemplateColumn::Hidden
        && let Some(c) = t.column_mut(5)
    {
        c.set_constraint(comfy_table::ColumnConstraint::Hidden);
    }
    t
}

/// Runs `from` had that `to` no longer has, chart and local.
fn removed_rows(op: &OperationPlan, t: &mut comfy_table::Table, name: &dyn Fn(String) -> String) {
    for r in &op.diff.removed {
        t.add_row(vec![
            Cell::new("-").fg(Color::Red),
            Cell::new(""),
            Cell::new(r.event),
            Cell::new(""),
            Cell::new(name(format!("{}/{}", r.kind, r.name))).fg(Color::Red),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
            Cell::new(removed_text(r)).fg(Color::Red),
        ]);
    }
    for r in &op.diff.local_removed {
        t.add_row(vec![
            Cell::new("-").fg(Color::Red),
            Cell::new(""),
            Cell::new(r.event),
            Cell::new(""),
            Cell::new(name(format!(
                "local: {}",
                command_line(&r.command, &r.args)
            )))
            .fg(Color::Red),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
            Cell::new(format!("removed (was #{})", r.was_position)).fg(Color::Red),
        ]);
    }
}

/// The manifest diff of each changed hook.
/// Where a hook first shows in the operations' timelines, in order (a
/// removed one where it was): "Changed hooks" follow the timeline.
fn timeline_place(ops: &[OperationPlan], c: &HookChange) -> (usize, usize) {
    for (i, op) in ops.iter().enumerate() {
        if let Some(h) = op
            .timeline
            .hooks()
            .find(|h| h.kind == c.kind && h.name == c.name)
        {
            return (i, h.position);
        }
        if let Some(r) = op
            .diff
            .removed
            .iter()
            .find(|r| r.kind == c.kind && r.name == c.name)
        {
            return (i, r.was_position);
        }
    }
    (usize::MAX, usize::MAX)
}

fn changed_hooks(doc: &PlanDocument<'_>, p: Painter, out: &mut String) {
    // Metadata-only changes are folded into one line per operation.
    let mut diffs: Vec<&HookChange> = doc
        .plan
        .hooks
        .iter()
        .filter(|c| c.change != Change::Unchanged && !c.metadata_only())
        .collect();
    diffs.sort_by_key(|c| timeline_place(&doc.plan.operations, c));
    if !diffs.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.paint(Style::Bold, "Changed hooks"));
        for c in diffs {
            let style = match c.change {
                Change::Added => Style::Added,
                Change::Removed => Style::Removed,
                _ => Style::Changed,
            };
            let _ = writeln!(out, "\n{}", p.wrapped("  ", style, &change_header(c)));
            if let Some(diff) = &c.diff {
                for line in diff.lines() {
                    let s = if line.starts_with("+++") || line.starts_with("---") {
                        Style::Bold
                    } else if line.starts_with('+') {
                        Style::Added
                    } else if line.starts_with('-') {
                        Style::Removed
                    } else if line.starts_with("@@") {
                        Style::Hunk
                    } else {
                        Style::Dim
                    };
                    let _ = writeln!(out, "    {}", p.paint(s, line));
                }
            }
        }
    }
}

fn changed_local_hooks(doc: &PlanDocument<'_>, p: Painter, out: &mut String) {
    let local_diffs: Vec<&LocalHookChange> = doc
        .plan
        .local_hooks
        .iter()
        .filter(|c| c.change != Change::Unchanged)
        .collect();
    if !local_diffs.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.paint(Style::Bold, "Changed local hooks"));
        let _ = writeln!(out);
        for c in local_diffs {
            let style = match c.change {
                Change::Added => Style::Added,
                Change::Removed => Style::Removed,
                _ => Style::Changed,
            };
            let _ = writeln!(out, "{}", p.wrapped("  ", style, &local_change_header(c)));
        }
    }
}

/// Warnings (what Helm does silently), Helm's notices, lint findings.
fn warnings_and_findings(doc: &PlanDocument<'_>, p: Painter, out: &mut String) {
    if !doc.plan.warnings.is_empty() || !doc.helm_notices.is_empty() {
        let _ = writeln!(out);
        for w in &doc.plan.warnings {
            // What lint calls an error (HH001, HH002) is one here too.
            let (label, style) = match w {
                Warning::DroppedDocument { .. } => ("error[HH001]:", Style::Error),
                Warning::WeightReadAsZero { .. } => ("error[HH002]:", Style::Error),
                Warning::RandomPerRender { .. } | Warning::LookupOffline { .. } => {
                    ("warning:", Style::Warn)
                }
            };
            out.push_str(&labelled(p, "", &p.paint(style, label), &w.to_string()));
        }
        for n in &doc.helm_notices {
            out.push_str(&labelled(
                p,
                "",
                &p.paint(Style::Warn, "warning:"),
                &format!("helm said: {n}"),
            ));
        }
    }
    if !doc.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                Style::Bold,
                &format!("Findings ({})", findings_summary(doc))
            )
        );
        for f in shown_findings(doc) {
            let _ = write!(out, "\n{}", super::lint_view::finding_lines(f, p, "  "));
        }
        if let Some(note) = more_note(doc) {
            let _ = writeln!(out, "\n{}", p.wrapped("  ", Style::Dim, &note));
        }
    }
}

/// `0 errors, 2 warnings, 3 info; 1 new`.
fn findings_summary(doc: &PlanDocument<'_>) -> String {
    let new = doc
        .findings
        .iter()
        .filter(|f| f.introduced == Some(true))
        .count();
    // Compared with nothing (a chart directory in no Git repository), no
    // finding is new or old.
    if doc.findings.iter().all(|f| f.introduced.is_none()) {
        return super::lint_view::summary_line(doc.findings);
    }
    format!(
        "{}; {new} new in {}",
        super::lint_view::summary_line(doc.findings),
        rev_label(doc.to)
    )
}

/// Every error, and the warnings the change introduces. The rest
/// (warnings `from` already had, infos) would drown the plan: they are
/// counted, and listed by `helm hooks lint` and in JSON. HH001/HH002
/// restate the warnings printed just above.
fn shown(f: &Finding) -> bool {
    let relevant = match f.severity {
        Severity::Error => true,
        Severity::Warning => f.introduced != Some(false),
        Severity::Info => false,
    };
    relevant && f.rule != "HH001" && f.rule != "HH002"
}

fn shown_findings<'d>(doc: &'d PlanDocument<'_>) -> impl Iterator<Item = &'d Finding> {
    doc.findings.iter().filter(|f| shown(f))
}

fn more_note(doc: &PlanDocument<'_>) -> Option<String> {
    let hidden: Vec<&Finding> = doc
        .findings
        .iter()
        .filter(|f| !shown(f) && f.rule != "HH001" && f.rule != "HH002")
        .collect();
    let n = hidden.len();
    // Named by what is hidden: "warnings X already had" is only true of
    // warnings, and only when there is an X.
    let mut kinds = Vec::new();
    if hidden.iter().any(|f| f.severity == Severity::Warning) {
        kinds.push(format!("warnings {} already had", rev_label(doc.from)));
    }
    if hidden.iter().any(|f| f.severity == Severity::Info) {
        kinds.push("infos".to_string());
    }
    (n > 0).then(|| {
        format!(
            "{n} more finding{} not shown ({}): run `helm hooks lint {}--rev {}`",
            if n == 1 { "" } else { "s" },
            kinds.join(", "),
            // The chart's path, unless lint's default (`.`) finds it.
            match doc.chart.arg.as_str() {
                "." | "" => String::new(),
                arg => format!("{} ", crate::core::local::shell_quote(arg)),
            },
            doc.to.spec
        )
    })
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown for a pull-request comment.
pub fn markdown(doc: &PlanDocument<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Helm hooks: `{}` → `{}`\n",
        rev_label(doc.from),
        rev_label(doc.to)
    );
    let _ = writeln!(
        out,
        "Chart `{}`, Helm {}. {}\n",
        &doc.chart.label,
        doc.helm_version,
        if doc.plan.changed {
            "**Hooks changed.**"
        } else {
            "No hook changes."
        }
    );
    if let Some(r) = doc.rendered {
        let _ = writeln!(out, "_{}_\n", md_escape(&r.to_string()));
    }
    for op in &doc.plan.operations {
        markdown_operation(op, &mut out);
        if let Some(fold) = metadata_fold(op, &doc.plan.hooks) {
            let _ = writeln!(out, "_{}_\n", md_escape(&fold));
        }
    }
    for c in doc
        .plan
        .hooks
        .iter()
        .filter(|c| c.change != Change::Unchanged && !c.metadata_only())
    {
        let _ = writeln!(
            out,
            "<details><summary><code>{}</code></summary>\n",
            md_escape(&change_header(c))
        );
        if let Some(diff) = &c.diff {
            let _ = writeln!(out, "```diff\n{}```\n", diff);
        }
        let _ = writeln!(out, "</details>\n");
    }
    let local_diffs: Vec<&LocalHookChange> = doc
        .plan
        .local_hooks
        .iter()
        .filter(|c| c.change != Change::Unchanged)
        .collect();
    if !local_diffs.is_empty() {
        let _ = writeln!(out, "**Changed local hooks**\n");
        for c in local_diffs {
            let _ = writeln!(out, "- `{}`", md_escape(&local_change_header(c)));
        }
        let _ = writeln!(out);
    }
    for w in &doc.plan.warnings {
        let _ = writeln!(out, "> [!WARNING]\n> {w}\n");
    }
    for n in &doc.helm_notices {
        let _ = writeln!(out, "> [!WARNING]\n> Helm said: {n}\n");
    }
    markdown_findings(doc, &mut out);
    out
}

/// One operation as a markdown table, with removed runs and notes.
fn markdown_operation(op: &OperationPlan, out: &mut String) {
    let _ = writeln!(out, "#### {}\n", md_escape(&summary_line(op)));
    if op.diff.summary.has_changes() {
        markdown_diagram(op, out);
    }
    let _ = writeln!(
        out,
        "| | # | event | weight | hook | template | waits | on success | on failure |\n|---|--:|---|--:|---|---|---|---|---|"
    );
    for row in op.rows() {
        match row {
            PlanRow::Local(l, c) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | | `{}` | `{}` | yes | - | - |",
                    local_change_text(c),
                    l.position,
                    l.event,
                    md_escape(&local_label(l)),
                    md_escape(&l.source),
                );
            }
            PlanRow::Resources { action, count } => {
                let _ = writeln!(out, "| | · | | | _{action} ({count})_ | | | | |");
            }
            PlanRow::Hook(h, c) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | `{}` | `{}` | {} | {} | {} |",
                    md_escape(&change_text(c)),
                    h.position,
                    h.event,
                    h.weight,
                    md_escape(&hook_label(h)),
                    md_escape(&h.path),
                    if h.waits { "yes" } else { "no" },
                    leftover(h.after_success),
                    leftover(h.after_failure)
                );
            }
        }
    }
    for r in &op.diff.removed {
        let _ = writeln!(
            out,
            "| {} | | {} | | ~~`{}/{}`~~ | | | | |",
            removed_text(r),
            r.event,
            r.kind,
            r.name
        );
    }
    for r in &op.diff.local_removed {
        let _ = writeln!(
            out,
            "| removed (was #{}) | | {} | | ~~`local: {}`~~ | | | | |",
            r.was_position,
            r.event,
            md_escape(&command_line(&r.command, &r.args))
        );
    }
    for note in &op.timeline.notes {
        let _ = writeln!(out, "\n> {note}");
    }
    let _ = writeln!(out);
}

/// The changed operation's timeline as a Mermaid flowchart, with the
/// legend its colours need (they also say it in words, in each box).
fn markdown_diagram(op: &OperationPlan, out: &mut String) {
    match mermaid::flowchart(&timeline_phases(op)) {
        Some(chart) => {
            let _ = writeln!(
                out,
                "{}\n_Phases left to right in Helm's order, each event's hooks top to bottom by weight, each box saying what is waited on and what is deleted or left behind. Green: added; yellow: changed; blue: moved; purple: labels/annotations only; red, dashed: removed; white: unchanged._\n",
                mermaid::fenced(&chart)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "_No diagram: more than {} runs; the table below has them all._\n",
                mermaid::MAX_BOXES
            );
        }
    }
}

/// The lines of a hook run's box: what it is, how it changed, its
/// weight and wait, what Helm deletes of it and what it leaves behind.
fn hook_box(h: &HookStep, c: &StepChange) -> TimelineBox {
    let mut lines = vec![format!("#{} {}", h.position, hook_label(h))];
    let change = change_text(c);
    if !change.is_empty() {
        lines.push(change);
    }
    lines.push(format!(
        "weight {} · {}",
        h.weight,
        if h.waits {
            "waits until done"
        } else {
            "not waited on"
        }
    ));
    let mut deleted = Vec::new();
    let mut left = Vec::new();
    if h.next_run == NextRun::Replaced {
        deleted.push("before creation");
    }
    for (when, l) in [
        ("after success", h.after_success),
        ("after failure", h.after_failure),
    ] {
        match l {
            Leftover::Deleted => deleted.push(when),
            Leftover::Kept => left.push(when),
        }
    }
    if !deleted.is_empty() {
        lines.push(format!("deleted: {}", deleted.join(", ")));
    }
    if !left.is_empty() {
        lines.push(format!("left behind: {}", left.join(", ")));
        match h.next_run {
            NextRun::AlreadyExists => lines.push("next run: fails, already exists".into()),
            NextRun::Patched => lines.push("next run: patches it".into()),
            NextRun::Replaced => {}
        }
    }
    let mark = match (c.change, c.moved) {
        (Change::Added, _) => Mark::Added,
        (Change::Changed, _) if c.metadata_only => Mark::Metadata,
        (Change::Changed, _) => Mark::Changed,
        (_, true) => Mark::Moved,
        _ => Mark::Unchanged,
    };
    TimelineBox { lines, mark }
}

fn local_box(l: &LocalStep, c: &LocalStepChange) -> TimelineBox {
    let mut lines = vec![format!("#{} {}", l.position, local_label(l))];
    let change = local_change_text(c);
    if !change.is_empty() {
        lines.push(change.to_string());
    }
    lines.push("runs on this machine · waits until done".into());
    let mark = match c.change {
        Change::Added => Mark::Added,
        Change::Changed => Mark::Changed,
        _ => Mark::Unchanged,
    };
    TimelineBox { lines, mark }
}

/// One operation's timeline as the diagram's phases: Helm's order (local
/// hooks where Helmfile runs them), each event's runs by weight, the runs
/// `from` had and `to` no longer has in the event they ran at.
pub fn timeline_phases(op: &OperationPlan) -> Vec<Phase> {
    let operation = op.timeline.operation;
    let (pre, post) = operation.events();
    let (local_pre, local_post) = LocalEvent::around(operation);
    let rows = op.rows();
    let local_phase = |e: LocalEvent| {
        let mut boxes: Vec<TimelineBox> = rows
            .iter()
            .filter_map(|r| match r {
                PlanRow::Local(l, c) if l.event == e => Some(local_box(l, c)),
                _ => None,
            })
            .collect();
        boxes.extend(
            op.diff
                .local_removed
                .iter()
                .filter(|r| r.event == e)
                .map(|r| TimelineBox {
                    lines: vec![
                        format!("local: {}", command_line(&r.command, &r.args)),
                        format!("removed (was #{})", r.was_position),
                    ],
                    mark: Mark::Removed,
                }),
        );
        (!boxes.is_empty()).then(|| Phase::Hooks {
            title: format!("{e} (local)"),
            boxes,
        })
    };
    let hook_phase = |e: HookEvent| {
        let mut boxes: Vec<TimelineBox> = rows
            .iter()
            .filter_map(|r| match r {
                PlanRow::Hook(h, c) if h.event == e => Some(hook_box(h, c)),
                _ => None,
            })
            .collect();
        boxes.extend(
            op.diff
                .removed
                .iter()
                .filter(|r| r.event == e)
                .map(|r| TimelineBox {
                    lines: vec![format!("{}/{}", r.kind, r.name), removed_text(r)],
                    mark: Mark::Removed,
                }),
        );
        (!boxes.is_empty()).then(|| Phase::Hooks {
            title: e.to_string(),
            boxes,
        })
    };
    let mut phases: Vec<Phase> = local_pre.iter().filter_map(|e| local_phase(*e)).collect();
    phases.extend(pre.iter().filter_map(|e| hook_phase(*e)));
    phases.extend(rows.iter().filter_map(|r| match r {
        PlanRow::Resources { action, count } => Some(Phase::Step {
            text: format!("{action} ({count})"),
        }),
        _ => None,
    }));
    phases.extend(post.iter().filter_map(|e| hook_phase(*e)));
    phases.extend(local_post.iter().filter_map(|e| local_phase(*e)));
    phases
}

fn markdown_findings(doc: &PlanDocument<'_>, out: &mut String) {
    if !doc.findings.is_empty() {
        let _ = writeln!(
            out,
            "#### Findings ({})\n",
            md_escape(&findings_summary(doc))
        );
        for f in shown_findings(doc) {
            let hook = f
                .hook
                .as_ref()
                .map(|h| format!(" `{h}`"))
                .unwrap_or_default();
            let new = if f.introduced == Some(true) {
                " **new**"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "- **{}** {}{hook}{new}: {}",
                f.severity,
                f.rule,
                md_escape(&f.message)
            );
        }
        if let Some(note) = more_note(doc) {
            let _ = writeln!(out, "\n_{note}_");
        }
        let _ = writeln!(out);
    }
}

/// The chart was found elsewhere at `--from`.
pub fn moved_note(chart: &str, from: &str, dir: &str) -> String {
    let chart = if chart.is_empty() { "." } else { chart };
    format!(
        "the chart is not at {chart} at {from}: using {dir}, the one directory there with a chart of the same name (pass --from-path to choose)"
    )
}

/// What the user hears about a chosen `--from`: `(is_warning, line)`s.
pub fn baseline_notes(b: &Baseline) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> =
        super::history_view::damaged_warnings(&b.log_path, &b.damaged, b.damaged_total)
            .into_iter()
            .map(|w| (true, w))
            .collect();
    match &b.reason {
        Reason::NoRelease => {}
        Reason::Unreadable(e) => out.push((true, format!("{e}; comparing from HEAD"))),
        Reason::NeverApplied { release, namespace } => out.push((
            false,
            format!(
                "Comparing from HEAD: the audit log has no successful apply of release {release} in namespace {namespace}."
            ),
        )),
        Reason::LastApplied { what } => out.push((
            false,
            format!(
                "Comparing from {}: last applied to {what}; pass --from to choose another revision.",
                super::common::short_sha(&b.spec)
            ),
        )),
        Reason::MissingCommit { sha, what } => out.push((
            true,
            format!(
                "{} was last applied to {what}, but this repository does not have that commit (git fetch?); comparing from HEAD",
                super::common::short_sha(sha)
            ),
        )),
        Reason::Worktree { what } => out.push((
            true,
            format!(
                "WORKTREE (uncommitted files) was last applied to {what}; it cannot be reproduced, comparing from HEAD"
            ),
        )),
        Reason::UnknownCommit { what } => out.push((
            true,
            format!(
                "the last change to {what} was a rollback to a revision no recorded apply made, so its commit is not known; comparing from HEAD"
            ),
        )),
    }
    out
}

/// One chart of `plan --all`, for the views.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetEntry<'a> {
    pub path: &'a str,
    pub status: &'a str,
    pub release: &'a str,
    pub namespace: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanDocument<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// `kind: HookPlanSet`: every chart of `plan --all`, each a `HookPlan`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSetDocument<'a> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub from: &'a Revision,
    pub to: &'a Revision,
    /// Charts whose input did not change (and library charts): not listed.
    pub unchanged: usize,
    pub charts: Vec<SetEntry<'a>>,
}

/// A chart's one-line summary: its status and each operation's summary.
fn set_line(e: &SetEntry<'_>) -> String {
    if let Some(err) = e.error {
        return format!("{}: error: {err}", e.path);
    }
    match &e.plan {
        Some(doc) if doc.plan.changed => {
            let ops: Vec<String> = doc
                .plan
                .operations
                .iter()
                .filter(|o| o.diff.summary.has_changes())
                .map(summary_line)
                .collect();
            format!("{}: {}; {}", e.path, e.status, ops.join("; "))
        }
        Some(_) => format!("{}: {}, no hook changes", e.path, e.status),
        None => format!("{}: {}", e.path, e.status),
    }
}

/// The terminal report of `plan --all`: a line per chart, then each
/// planned chart's plan with hook changes.
pub fn set_table(doc: &PlanSetDocument<'_>, p: Painter) -> String {
    let mut out = format!(
        "{} {} → {}  ({} of {} charts changed)\n\n",
        p.paint(Style::Bold, "Hook plans:"),
        rev_label(doc.from),
        rev_label(doc.to),
        doc.charts.len(),
        doc.charts.len() + doc.unchanged
    );
    for e in &doc.charts {
        let _ = writeln!(
            out,
            "{}",
            super::fit::fill(&format!("  {}", set_line(e)), p.width, 2)
        );
    }
    for e in &doc.charts {
        if let Some(plan) = e.plan.as_ref().filter(|d| d.plan.changed) {
            let _ = writeln!(
                out,
                "\n{}",
                p.paint(Style::Bold, &format!("── {} ──", e.path))
            );
            out.push_str(&table(plan, p));
        }
    }
    out
}

/// `plan --all -o markdown`: a summary table, each chart's plan folded.
pub fn set_markdown(doc: &PlanSetDocument<'_>) -> String {
    let mut out = format!(
        "### Helm hooks: `{}` → `{}`\n\n{} of {} charts changed.\n\n| chart | status | hooks |\n|---|---|---|\n",
        rev_label(doc.from),
        rev_label(doc.to),
        doc.charts.len(),
        doc.charts.len() + doc.unchanged
    );
    for e in &doc.charts {
        let hooks = match (e.error, &e.plan) {
            (Some(err), _) => format!("error: {}", md_escape(err)),
            (None, Some(d)) if d.plan.changed => d
                .plan
                .operations
                .iter()
                .filter(|o| o.diff.summary.has_changes())
                .map(|o| md_escape(&summary_line(o)))
                .collect::<Vec<_>>()
                .join("<br>"),
            (None, Some(_)) => "no hook changes".into(),
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "| `{}` | {} | {hooks} |", md_escape(e.path), e.status);
    }
    for e in &doc.charts {
        if let Some(plan) = e.plan.as_ref().filter(|d| d.plan.changed) {
            let _ = writeln!(
                out,
                "\n<details><summary><code>{}</code> ({})</summary>\n\n{}\n</details>",
                md_escape(e.path),
                e.status,
                markdown(plan)
            );
        }
    }
    out
}
