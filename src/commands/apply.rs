//! `helm hooks apply`: plan against what is deployed, confirm, run `helm
//! upgrade --install` while following each hook, and record the outcome.

use crate::app::apply::UpgradeFlags;
use crate::app::apply::{
    self, ApplyRequest, ConfirmError, Outcome, PickError, Prepared, Reporter, RunRequest, Verdict,
    kube_target,
};
use crate::app::workspace::Workspace;
use crate::cli::{ApplyArgs, ProgressArg};
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::apply_view;
use crate::ui::complete_view::release_item;
use crate::ui::progress::{Mode, Progress};

pub fn run(args: ApplyArgs, ui: &Ui) -> anyhow::Result<()> {
    let ws = Workspace::open(&args.chart)?;
    let namespace = args.render.namespace.clone();
    let release = match args.release.clone() {
        Some(name) => name,
        None => pick_release(&ws, &namespace, ui)?,
    };
    let opts = args.render.options(&release);
    let prepared = apply::prepare(
        &ws,
        &ApplyRequest {
            release: &release,
            to: &args.to,
            render: &opts,
            timeout: args.timeout.value,
            local_timeout: args.local_hook_timeout.value,
        },
    )?;
    show_plan(&prepared, ui);
    // A dry run changes nothing: nothing to confirm.
    if args.dry_run {
        ui.status("dry run: nothing was applied");
        return Ok(());
    }
    if !args.yes {
        if !ui.can_prompt() {
            return Err(ConfirmError::NoTerminal.into());
        }
        let target = kube_target();
        let dest = apply_view::Destination {
            namespace: &namespace,
            context: target.context.as_deref(),
            server: target.server.as_deref(),
        };
        let question = apply_view::question(&release, &dest, prepared.operation, &prepared.op_plan);
        if !ui.confirm(&question)? {
            return Err(ConfirmError::Declined.into());
        }
    }
    let mode = match args.progress {
        ProgressArg::Bars => Mode::Bars,
        ProgressArg::Plain => Mode::Plain,
        ProgressArg::None => Mode::None,
        ProgressArg::Auto if ui.stderr_is_terminal() => Mode::Bars,
        ProgressArg::Auto => Mode::Plain,
    };
    let rows = || apply_view::rows(&prepared.op_plan);
    let reporter_for = |watching: bool| -> Box<dyn Reporter> {
        Box::new(Progress::new(
            if watching { mode } else { Mode::None },
            rows(),
            ui.err,
        ))
    };
    let request = RunRequest {
        flags: UpgradeFlags {
            timeout: args.timeout.text.clone(),
            wait: args.wait,
            atomic: args.atomic,
            extra: args.helm_args.clone(),
        },
        logs: args.logs,
        argv: std::env::args().skip(1).collect(),
    };
    let outcome = apply::run(&ws, &prepared, &request, &reporter_for, &|w| ui.warn(w))?;
    report(&outcome, &release, ui)
}

/// Without RELEASE, a terminal user picks one of the namespace's releases.
fn pick_release(ws: &Workspace, namespace: &str, ui: &Ui) -> anyhow::Result<String> {
    if !ui.can_prompt() {
        return Err(PickError::NoTerminal.into());
    }
    let releases = apply::releases(ws, namespace)?;
    let items: Vec<String> = releases
        .iter()
        .map(|r| release_item(&r.name, &r.status, &r.chart))
        .collect();
    let prompt = format!("Release in namespace {namespace} (type to filter)");
    match ui.pick(&prompt, &items)? {
        Some(i) => Ok(releases[i].name.clone()),
        None => Err(PickError::Cancelled.into()),
    }
}

/// The timeline, warnings and lint errors: shown before the question.
fn show_plan(p: &Prepared, ui: &Ui) {
    for note in &p.notes {
        ui.warn(note);
    }
    ui.status(&apply_view::intro(
        &p.release,
        &p.namespace,
        p.operation,
        &p.to.rev,
        p.deployed
            .as_ref()
            .map(|d| (d.version, d.info.status.as_str())),
    ));
    ui.status(&apply_view::timeline(&p.op_plan, ui.err));
    for w in &p.warnings {
        ui.warn(&w.to_string());
    }
    for f in &p.lint_errors {
        ui.lint_error(f);
    }
}

/// The summary, Helm's output, and the failure that sets the exit status.
fn report(outcome: &Outcome, release: &str, ui: &Ui) -> anyhow::Result<()> {
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
