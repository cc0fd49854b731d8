//! What the commands that run Helm share (apply, test, rollback,
//! uninstall): the plan shown before, the question, the progress display,
//! and the report after. Not a command itself.

use crate::app::apply::{
    self, Action, ConfirmError, Outcome, Prepared, Reporter, RunRequest, UpgradeFlags, Verdict,
    kube_target,
};
use crate::app::workspace::Workspace;
use crate::cli::ProgressArg;
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::apply_view;
use crate::ui::progress::{Mode, Progress};

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
    ui.status(&apply_view::timeline(&p.op_plan, ui.err));
    for w in &p.warnings {
        ui.warn(&w.to_string());
    }
    for f in &p.lint_errors {
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

/// How a run is shown and what Helm is given.
pub struct RunView {
    pub progress: ProgressArg,
    pub flags: UpgradeFlags,
    pub logs: bool,
}

/// Runs Helm with the live progress display; the outcome, recorded.
pub fn execute(ws: &Workspace, p: &Prepared, view: RunView, ui: &Ui) -> anyhow::Result<Outcome> {
    let mode = match view.progress {
        ProgressArg::Bars => Mode::Bars,
        ProgressArg::Plain => Mode::Plain,
        ProgressArg::None => Mode::None,
        ProgressArg::Auto if ui.stderr_is_terminal() => Mode::Bars,
        ProgressArg::Auto => Mode::Plain,
    };
    let rows = || apply_view::rows(&p.op_plan);
    let reporter_for = |watching: bool| -> Box<dyn Reporter> {
        Box::new(Progress::new(
            if watching { mode } else { Mode::None },
            rows(),
            ui.err,
        ))
    };
    let request = RunRequest {
        flags: view.flags,
        logs: view.logs,
        argv: std::env::args().skip(1).collect(),
    };
    apply::run(ws, p, &request, &reporter_for, &|w| ui.warn(w))
}

/// The summary, Helm's output, and the failure that sets the exit status.
pub fn report(outcome: &Outcome, release: &str, ui: &Ui) -> anyhow::Result<()> {
    ui.status(&apply_view::summary(&outcome.hooks, ui.err));
    if !outcome.helm_output.trim().is_empty() {
        ui.status(outcome.helm_output.trim_end());
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
            Err(Exit(code::INTERRUPTED).into())
        }
        Verdict::Failed { hook, error } => {
            if let Some(h) = hook {
                ui.status(&apply_view::failure(h, ui.err));
            }
            Err(error)
        }
    }
}
