//! Text of `helm hooks apply`: what will run, the question, the outcome.

use super::common::{expected_line, expected_text, format_ms, local_label, short_sha};
use super::fit::{NAME_FLOOR, ellipsize, fit_table};
use super::{Painter, Style};
use crate::core::audit::{FailureBranch, HookOutcome, HookPhase};
use crate::core::diff::Change;
use crate::core::model::Revision;
use crate::core::plan::{OperationPlan, PlanRow};
use crate::core::timeline::{Leftover, Operation};
use comfy_table::{Cell, CellAlignment, Color};
use std::fmt::Write;

fn rev_text(to: &Revision) -> String {
    match &to.commit {
        Some(c) => format!("{} ({})", to.spec, short_sha(c)),
        None => "WORKTREE (uncommitted edits included)".into(),
    }
}

pub fn intro(
    release: &str,
    namespace: &str,
    op: Operation,
    to: &Revision,
    latest: Option<(u64, &str)>,
) -> String {
    match latest {
        // Helm installs a release it knows only as uninstalled (kept with
        // --keep-history) anew, as the next revision.
        Some((rev, status)) if op == Operation::Install => format!(
            "Install of release {release} in namespace {namespace} ({} revision {rev}, installed anew) to {}:",
            if status.is_empty() { "latest" } else { status },
            rev_text(to)
        ),
        // "deployed" only when it is: a failed or pending revision says so.
        Some((rev, status)) => format!(
            "Upgrade of release {release} in namespace {namespace} ({} revision {rev}) to {}:",
            if status.is_empty() { "latest" } else { status },
            rev_text(to)
        ),
        None => format!(
            "Release {release} does not exist in namespace {namespace}: {op} of {}:",
            rev_text(to)
        ),
    }
}

/// The way out Helm takes should the run fail (`--atomic`), as the plan
/// shows it: the action and the hooks it runs, in order.
pub fn failure_branch(op: Operation, b: &FailureBranch) -> String {
    let action = match b.to_revision {
        Some(rev) => format!("rolls back to revision {rev}"),
        None => "uninstalls the release".to_string(),
    };
    let hooks = match b.hooks.is_empty() {
        true => "no hook".to_string(),
        false => b
            .hooks
            .iter()
            .map(|h| format!("{} {}/{}", h.event, h.kind, h.name))
            .collect::<Vec<_>>()
            .join(", then "),
    };
    format!("if this {op} fails, Helm {action} (--atomic) and runs {hooks}")
}

/// The first line of a test, rollback or uninstall: the release, the
/// revision Helm acts on and, for a rollback, the one it restores (whose
/// stored hooks are those that run).
pub fn lifecycle_intro(
    release: &str,
    namespace: &str,
    op: Operation,
    latest: Option<(u64, &str)>,
    rollback_to: Option<(u64, Option<&str>)>,
) -> String {
    let at = match latest {
        Some((rev, status)) if !status.is_empty() => format!("{status} revision {rev}"),
        Some((rev, _)) => format!("revision {rev}"),
        None => "no revision".into(),
    };
    match (op, rollback_to) {
        (Operation::Rollback, Some((to, sha))) => format!(
            "Rollback of release {release} in namespace {namespace} from {at} to revision {to}{}: the hooks stored in revision {to} run:",
            sha.map(|s| format!(" ({})", short_sha(s)))
                .unwrap_or_default()
        ),
        (Operation::Test, _) => {
            format!("Tests of release {release} in namespace {namespace} ({at}), as stored in it:")
        }
        _ => format!(
            "Uninstall of release {release} in namespace {namespace} ({at}): its stored delete hooks run:"
        ),
    }
}

/// The operation's timeline, as the user confirms it.
pub fn timeline(op: &OperationPlan, painter: Painter) -> String {
    let t = fitted_timeline(op, painter);
    let mut out = String::new();
    for line in t.trim_fmt().lines() {
        let _ = writeln!(out, " {line}");
    }
    if let Some(line) = expected_line(&op.timeline) {
        let _ = writeln!(out, "  {line}");
    }
    for r in &op.diff.removed {
        let _ = writeln!(
            out,
            "  {} {}/{} no longer runs ({})",
            painter.paint(Style::Removed, "-"),
            r.kind,
            r.name,
            r.event
        );
    }
    for r in &op.diff.local_removed {
        let _ = writeln!(
            out,
            "  {} local: {} no longer runs ({})",
            painter.paint(Style::Removed, "-"),
            crate::core::local::command_line(&r.command, &r.args),
            r.event
        );
    }
    out.trim_end().to_string()
}

/// The timeline table in the painter's width. Too wide whole, EXPECTED
/// keeps the median alone (the line below the table sums each event) and
/// names and cells give way; should names still be cut below
/// `NAME_FLOOR`, EXPECTED goes when that leaves them more: which hook
/// runs matters more.
fn fitted_timeline(op: &OperationPlan, painter: Painter) -> comfy_table::Table {
    let whole = timeline_table(op, painter, None, Expected::Whole);
    let fits = painter.width.is_none_or(|w| {
        whole
            .trim_fmt()
            .lines()
            .all(|l| super::fit::visible_width(l) < w)
    });
    if fits {
        return whole;
    }
    let fit = |expected: Expected| {
        fit_table(painter.width, 1, 4, &|names| {
            timeline_table(op, painter, names, expected)
        })
    };
    let (t, names) = fit(Expected::Median);
    if names.is_none_or(|n| n >= NAME_FLOOR) {
        return t;
    }
    let (bare, more) = fit(Expected::Hidden);
    match more.is_none_or(|m| m > names.unwrap_or(0)) {
        true => bare,
        false => t,
    }
}

/// How much of the EXPECTED column a narrow terminal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Whole,
    Median,
    Hidden,
}

/// The timeline's table, HOOK cells at most `names` columns wide.
fn timeline_table(
    op: &OperationPlan,
    painter: Painter,
    names: Option<usize>,
    expected: Expected,
) -> comfy_table::Table {
    let name = |text: String| match names {
        Some(max) => ellipsize(&text, max),
        None => text,
    };
    let with_expected =
        expected != Expected::Hidden && op.timeline.hooks().any(|h| h.expected.is_some());
    let mut t = painter.table();
    t.set_header(
        [
            "",
            "#",
            "EVENT",
            "WEIGHT",
            "HOOK",
            "WAITS",
            "ON SUCCESS",
            "ON FAILURE",
            "EXPECTED",
        ]
        .iter()
        .take(if with_expected { 9 } else { 8 }),
    );
    for row in op.rows() {
        match row {
            PlanRow::Local(l, c) => {
                let (mark, color) = match c.change {
                    Change::Added => ("new", Some(Color::Green)),
                    Change::Changed => ("changed", Some(Color::Yellow)),
                    _ => ("", None),
                };
                let cell = |s: String| match color {
                    Some(col) => Cell::new(s).fg(col),
                    None => Cell::new(s),
                };
                t.add_row(vec![
                    cell(mark.into()),
                    Cell::new(l.position).set_alignment(CellAlignment::Right),
                    Cell::new(l.event),
                    Cell::new(""),
                    cell(name(local_label(l))),
                    Cell::new("yes"),
                    Cell::new("-"),
                    Cell::new("-"),
                ]);
            }
            PlanRow::Resources { action, count } => {
                t.add_row(vec![
                    Cell::new(""),
                    Cell::new("·"),
                    Cell::new(""),
                    Cell::new(""),
                    Cell::new(format!("{action} ({count})")),
                ]);
            }
            PlanRow::Hook(h, c) => {
                let (mark, color) = match c.change {
                    Change::Added => ("new", Some(Color::Green)),
                    Change::Changed => ("changed", Some(Color::Yellow)),
                    _ => ("", None),
                };
                let left = |l: Leftover| {
                    if l == Leftover::Deleted {
                        "deleted"
                    } else {
                        "kept"
                    }
                };
                let cell = |s: String| match color {
                    Some(col) => Cell::new(s).fg(col),
                    None => Cell::new(s),
                };
                t.add_row(vec![
                    cell(mark.into()),
                    Cell::new(h.position).set_alignment(CellAlignment::Right),
                    Cell::new(h.event),
                    Cell::new(h.weight).set_alignment(CellAlignment::Right),
                    cell(name(format!("{}/{}", h.kind, h.name))),
                    Cell::new(if h.waits { "yes" } else { "no" }),
                    Cell::new(left(h.after_success)),
                    Cell::new(left(h.after_failure)),
                ]);
                if with_expected && let Some(row) = t.row_mut(t.row_count() - 1) {
                    row.add_cell(Cell::new(match (expected, h.expected) {
                        (Expected::Median, Some(e)) => format_ms(e.median_ms),
                        _ => expected_text(h.expected),
                    }));
                }
            }
        }
    }
    t
}

/// The question, in hook terms: which hooks fire, which are new or changed.
/// Where a change lands: the namespace, the kube context and its server,
/// named in the question as kapp and Helmfile do.
pub struct Destination<'a> {
    pub namespace: &'a str,
    pub context: Option<&'a str>,
    pub server: Option<&'a str>,
}

impl Destination<'_> {
    fn text(&self) -> String {
        let mut out = format!("in namespace {}", self.namespace);
        match (self.context, self.server) {
            (Some(c), Some(s)) => out.push_str(&format!(" of context {c} ({s})")),
            (Some(c), None) => out.push_str(&format!(" of context {c}")),
            (None, Some(s)) => out.push_str(&format!(" on {s}")),
            (None, None) => {}
        }
        out
    }
}

pub fn question(
    release: &str,
    dest: &Destination<'_>,
    op: Operation,
    plan: &OperationPlan,
) -> String {
    let runs = plan.timeline.hooks().count();
    let names = |keep: &dyn Fn(&crate::core::diff::StepChange) -> bool| -> Vec<String> {
        plan.timeline
            .hooks()
            .zip(&plan.diff.steps)
            .filter(|(_, s)| keep(s))
            .map(|(h, _)| format!("{}/{}", h.kind, h.name))
            .collect()
    };
    let new = names(&|s| s.change == Change::Added);
    // Labels and annotations alone change nothing a hook does: said
    // apart, so "changed" keeps its weight.
    let changed = names(&|s| s.change == Change::Changed && !s.metadata_only);
    let metadata = names(&|s| s.metadata_only);
    let mut what = format!(
        "{runs} hook run{} will fire",
        if runs == 1 { "" } else { "s" }
    );
    if !new.is_empty() {
        what.push_str(&format!("; new: {}", new.join(", ")));
    }
    if !changed.is_empty() {
        what.push_str(&format!("; changed: {}", changed.join(", ")));
    }
    if !metadata.is_empty() {
        what.push_str(&format!(
            "; only labels/annotations changed: {}",
            metadata.join(", ")
        ));
    }
    // Commands on this machine deserve their own mention.
    let locals = plan.diff.local_changes.len();
    if locals > 0 {
        let fresh = plan
            .diff
            .local_changes
            .iter()
            .filter(|c| c.change != Change::Unchanged)
            .count();
        what.push_str(&format!(
            "; {locals} local command{} will run here",
            if locals == 1 { "" } else { "s" }
        ));
        if fresh > 0 {
            what.push_str(&format!(" ({fresh} new or changed)"));
        }
    }
    let expected: u64 = crate::core::stats::event_expectations(&plan.timeline)
        .iter()
        .map(|(_, ms)| ms)
        .sum();
    if expected > 0 {
        what.push_str(&format!("; expected to take about {}", format_ms(expected)));
    }
    let verb = match op {
        Operation::Install => "Install",
        Operation::Upgrade => "Upgrade",
        Operation::Rollback => "Roll back",
        Operation::Uninstall => "Uninstall",
        Operation::Test => "Test",
    };
    format!("{verb} {release} {}? {what}. Continue", dest.text())
}

/// The outcome table after Helm exits.
pub fn summary(hooks: &[HookOutcome], painter: Painter) -> String {
    if hooks.is_empty() {
        return "No hooks ran.".into();
    }
    let (t, _) = fit_table(painter.width, 1, 1, &|names| {
        summary_table(hooks, painter, names)
    });
    let mut out = String::from("\n");
    for line in t.trim_fmt().lines() {
        let _ = writeln!(out, " {line}");
    }
    out.trim_end().to_string()
}

/// The outcome table, HOOK cells at most `names` columns wide.
fn summary_table(
    hooks: &[HookOutcome],
    painter: Painter,
    names: Option<usize>,
) -> comfy_table::Table {
    let mut t = painter.table();
    t.set_header(["EVENT", "HOOK", "PHASE", "DURATION", "LEFT IN CLUSTER"]);
    for h in hooks {
        let name = format!("{}/{}", h.kind, h.name);
        let phase = match h.phase {
            HookPhase::Succeeded => Cell::new(&h.phase).fg(Color::Green),
            HookPhase::Failed => Cell::new(&h.phase).fg(Color::Red),
            _ => Cell::new(&h.phase),
        };
        t.add_row(vec![
            Cell::new(&h.event),
            Cell::new(names.map_or(name.clone(), |max| ellipsize(&name, max))),
            phase,
            Cell::new(h.duration_ms.map(format_ms).unwrap_or_default()),
            Cell::new(match h.left_in_cluster {
                Some(true) => "yes",
                Some(false) => "no",
                // A local hook leaves nothing in the cluster, nor does a
                // hook this run never started.
                None if h.kind == crate::core::local::LOCAL_HOOK_KIND => "-",
                None if h.phase == HookPhase::NotRun => "-",
                None => "?",
            }),
        ]);
    }
    t
}

/// Names the failing hook and its last log lines.
pub fn failure(h: &HookOutcome, painter: Painter) -> String {
    let mut out = format!(
        "{} {}/{} ({}) failed{}",
        painter.paint(Style::Error, "hook"),
        h.kind,
        h.name,
        h.event,
        h.message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default()
    );
    if !h.log_tail.is_empty() {
        let _ = write!(out, "\n  last log lines:");
        for l in h.log_tail.iter().rev().take(10).rev() {
            let _ = write!(out, "\n    {l}");
        }
    }
    out
}

/// The progress display's rows: one per timeline step, in order.
pub fn rows(op: &OperationPlan) -> Vec<super::progress::Row> {
    op.rows()
        .into_iter()
        .map(|row| super::progress::Row {
            label: match row {
                PlanRow::Local(l, _) => format!("#{} {} {}", l.position, l.event, local_label(l)),
                PlanRow::Hook(h, _) => format!("#{} {} {}/{}", h.position, h.event, h.kind, h.name),
                PlanRow::Resources { action, count } => format!("· {action} ({count})"),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::summary_table;
    use crate::core::audit::{HookOutcome, HookPhase};
    use crate::ui::Painter;

    #[test]
    fn a_hook_that_did_not_run_left_nothing_and_an_unknown_one_is_a_question() {
        let hook = |name: &str, phase| HookOutcome {
            event: "pre-upgrade".into(),
            kind: "Job".into(),
            name: name.into(),
            phase,
            ..Default::default()
        };
        let painter = Painter {
            color: false,
            width: None,
        };
        let hooks = [
            hook("skipped", HookPhase::NotRun),
            hook("lost", HookPhase::Unknown),
        ];
        let table = summary_table(&hooks, painter, None).to_string();
        let cell = |name: &str| {
            let line = table.lines().find(|l| l.contains(name)).unwrap();
            line.split_whitespace().last().unwrap().to_string()
        };
        assert_eq!(cell("Job/skipped"), "-", "{table}");
        assert_eq!(cell("Job/lost"), "?", "{table}");
    }
}
