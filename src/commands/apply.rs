//! `helm hooks apply`: plan against what is deployed, confirm, run `helm
//! upgrade --install` while following each hook, and record the outcome.

use crate::app::apply::{self, ApplyRequest, PickError, RunRequest, UpgradeFlags};
use crate::app::workspace::Workspace;
use crate::cli::ApplyArgs;
use crate::ui::Ui;
use crate::ui::complete_view::release_item;
use crate::ui::run_view;

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
    run_view::show_plan(&prepared, ui);
    // A dry run changes nothing: nothing to confirm.
    if args.dry_run {
        ui.status("dry run: nothing was applied");
        return Ok(());
    }
    run_view::confirm(&prepared, args.yes, ui)?;
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
    let reporter_for = run_view::reporter_for(args.progress, &prepared, ui);
    let outcome = apply::run(&ws, &prepared, &request, &reporter_for, &|w| ui.warn(w))?;
    run_view::report(&outcome, &release, ui)
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
