//! What the commands that run Helm show (apply, test, rollback,
//! uninstall): the plan before, the question, the progress display, and
//! the report after.

use super::Ui;
use super::apply_view;
use super::progress::{Mode, Progress};
use crate::app::apply::{
    Action, ConfirmError, Outcome, Prepared, Reporter, RunInterrupted, Verdict, kube_target,
};
use crate::cli::ProgressArg;

/// The timeline, warnings and lint errors: shown before the question.
pub fn show_plan(p: &Prepared, ui: &Ui) {
    for note in &p.notes {
        ui.warn(note);
    }
    let latest = p
        .deployed
        .as_ref()
        .map(|d| (d.version, d.info.status.as_str()));
    let intro = match &p.action {
        Action::Upgrade { to, .. } => {
            apply_view::intro(&p.release, &p.namespace, p.operation, &to.rev, latest)
        }
        Action::Rollback { to, to_sha, .. } => apply_view::lifecycle_intro(
            &p.release,
            &p.namespace,
            p.operation,
            latest,
            Some((*to, to_sha.as_deref())),
        ),
        Action::Test { .. } | Action::Uninstall => {
            apply_view::lifecycle_intro(&p.release, &p.namespace, p.operation, latest, None)
        }
    };
    ui.status(&intro);
    if let Some(source) = &p.source {
        ui.note(&source.to_string());
    }
    ui.status(&apply_view::timeline(&p.op_plan, ui.err));
    if let Some(branch) = &p.failure_branch {
        ui.note(&apply_view::failure_branch(p.operation, branch));
    }
    for w in &p.warnings {
        ui.warn(&w.to_string());
    }
    for f in p
        .findings
        .iter()
        .filter(|f| f.severity == crate::core::lint::Severity::Error)
    {
        ui.lint_error(f);
    }
}

/// Asks before anything changes, unless `--yes`; no terminal, no answer.
pub fn confirm(p: &Prepared, yes: bool, ui: &Ui) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !ui.can_prompt() {
        return Err(ConfirmError::NoTerminal {
            verb: ConfirmError::verb(p.operation),
        }
        .into());
    }
    let target = kube_target();
    let dest = apply_view::Destination {
        namespace: &p.namespace,
        context: target.context.as_deref(),
        server: target.server.as_deref(),
    };
    let question = apply_view::question(&p.release, &dest, p.operation, &p.op_plan);
    match ui.confirm(&question)? {
        true => Ok(()),
        false => Err(ConfirmError::Declined {
            verb: ConfirmError::verb(p.operation),
        }
        .into()),
    }
}

/// The progress display for `p`'s timeline, as `--progress` asks (`auto`:
/// bars on a terminal), told whether the cluster is watched (without a
/// watch, Helm's own output is all there is).
pub fn reporter_for<'a>(
    progress: ProgressArg,
    p: &'a Prepared,
    ui: &'a Ui,
) -> impl Fn(bool) -> Box<dyn Reporter> + 'a {
    let mode = match progress {
        ProgressArg::Bars => Mode::Bars,
        ProgressArg::Plain => Mode::Plain,
        ProgressArg::None => Mode::None,
        ProgressArg::Auto if ui.stderr_is_terminal() => Mode::Bars,
        ProgressArg::Auto => Mode::Plain,
    };
    move |watching: bool| -> Box<dyn Reporter> {
        Box::new(Progress::new(
            if watching { mode } else { Mode::None },
            apply_view::rows(&p.op_plan),
            ui.err,
        ))
    }
}

/// The summary, Helm's output, and the failure that sets the exit status.
pub fn report(outcome: &Outcome, release: &str, ui: &Ui) -> anyhow::Result<()> {
    ui.status(&apply_view::summary(&outcome.hooks, ui.err));
    for h in outcome.hooks.iter().filter(|h| h.not_in_plan) {
        ui.warn(&format!(
            "the plan missed {}/{}: Helm ran it at {} ({}), as the cluster had changed since the plan; run {} records it as not in plan",
            h.kind, h.name, h.event, h.phase, outcome.run_id
        ));
    }
    if !outcome.helm_output.trim().is_empty() {
        ui.helm_output(outcome.helm_output.trim_end());
    }
    match outcome.verdict(release) {
        Verdict::Done => Ok(()),
        Verdict::Interrupted => {
            ui.warn(&format!(
                "interrupted: {}; run {} recorded as interrupted",
                match outcome.helm_ran {
                    true => "Helm was stopped",
                    false => "Helm did not start, the release is unchanged",
                },
                outcome.run_id
            ));
            Err(RunInterrupted.into())
        }
        Verdict::Failed { hook, error } => {
            if let Some(h) = hook {
                ui.status(&apply_view::failure(h, ui.err));
            }
            Err(error)
        }
    }
}

/// What the run records keep after an uninstall.
pub struct RecordsKept<'a> {
    pub audit_log: &'a std::path::Path,
    /// `--purge-history`: the run objects were deleted.
    pub purged: bool,
}

/// After an uninstall: what Helm left in the namespace (hook objects no
/// delete policy removed, test pods among them) and the run records that
/// stay, so that nobody takes the namespace for clean.
pub fn uninstall_leftovers(
    left: &[crate::core::lifecycle::LeftBehind],
    namespace: &str,
    records: &RecordsKept<'_>,
    ui: &Ui,
) {
    if !left.is_empty() {
        ui.note(&format!(
            "Helm never deletes hook objects on uninstall; by their delete policies and last runs, {} stay{} in namespace {namespace}:",
            left.len(),
            if left.len() == 1 { "s" } else { "" }
        ));
        for l in left {
            ui.status(&format!(
                "  {}/{} ({}): {}",
                l.kind,
                l.name,
                l.events.join(","),
                l.why
            ));
        }
        let objects: Vec<String> = left
            .iter()
            .map(|l| format!("{}/{}", l.kind.to_lowercase(), l.name))
            .collect();
        ui.status(&format!(
            "  delete them with `kubectl delete -n {namespace} {}`",
            objects.join(" ")
        ));
    }
    let objects = match records.purged {
        true => format!("its run objects in namespace {namespace} were deleted (--purge-history)"),
        false => format!(
            "its run objects (Secrets of type helm-hooks.io/run.v1) in namespace {namespace} stay too; --purge-history deletes those"
        ),
    };
    ui.note(&format!(
        "the release's runs stay in the local audit log ({}) for `helm hooks history`; {objects}",
        records.audit_log.display()
    ));
}
