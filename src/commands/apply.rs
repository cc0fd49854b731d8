//! `helm hooks apply`: plan against what is deployed, confirm, run `helm
//! upgrade --install` while following each hook, and record the outcome.

use crate::app::apply::{self, ApplyRequest, PickError, RunRequest, UpgradeFlags};
use crate::app::planfile::{self, PlanDrift};
use crate::app::workspace::Workspace;
use crate::cli::ApplyArgs;
use crate::core::diff::DiffOptions;
use crate::core::planfile::NamedDigest;
use crate::ui::Ui;
use crate::ui::complete_view::release_item;
use crate::ui::run_view;

pub fn run(args: ApplyArgs, ui: &Ui) -> anyhow::Result<()> {
    let planned = args.plan.as_deref().map(planfile::load).transpose()?;
    let (ws, release, to, opts) = match &planned {
        // The plan's release, namespace, revision and values files.
        Some((file, _)) => {
            let i = &file.inputs;
            let ws = Workspace::open_planned(&args.chart, &i.chart.path)?;
            let mut render = args.render.clone();
            render.namespace = i.namespace.clone();
            if render.values.is_empty() {
                render.values = planned_values(&ws, &i.values);
            }
            let release = args.release.clone().unwrap_or_else(|| i.release.clone());
            let opts = render.options(&release);
            (ws, release, i.chart.rev.clone(), opts)
        }
        None => {
            let ws = Workspace::open(&args.chart)?;
            let release = match args.release.clone() {
                Some(name) => name,
                None => pick_release(&ws, &args.render.namespace, ui)?,
            };
            let opts = args.render.options(&release);
            (ws, release, args.to.clone(), opts)
        }
    };
    let flags = UpgradeFlags {
        timeout: args.timeout.text.clone(),
        wait: args.wait,
        atomic: args.atomic,
        extra: args.helm_args.clone(),
    };
    let prepared = apply::prepare(
        &ws,
        &ApplyRequest {
            release: &release,
            to: &to,
            render: &opts,
            flags: &flags,
            timeout: args.timeout.value,
            local_timeout: args.local_hook_timeout.value,
            also: &[],
            diff: DiffOptions {
                context: 3,
                show_secrets: false,
            },
        },
    )?;
    if let (Some(path), Some((file, _))) = (&args.plan, &planned)
        && let Err(e) = planfile::check(&ws, &prepared, path, file, args.plan_max_age)
    {
        if let Some(d) = e.downcast_ref::<PlanDrift>() {
            for drift in &d.drifts {
                ui.warn(&format!("drift: {drift}"));
            }
        }
        return Err(e);
    }
    run_view::show_plan(&prepared, ui);
    // A dry run changes nothing: nothing to confirm.
    if args.dry_run {
        ui.status("dry run: nothing was applied");
        return Ok(());
    }
    run_view::confirm(&prepared, args.yes, ui)?;
    let request = RunRequest {
        flags,
        logs: args.logs,
        argv: std::env::args().skip(1).collect(),
        plan_file: planned.as_ref().map(|(_, digest)| digest.clone()),
        cluster: args.record.options(false),
    };
    let reporter_for = run_view::reporter_for(args.progress, &prepared, ui);
    let outcome = apply::run(&ws, &prepared, &request, &reporter_for, &|w| ui.warn(w))?;
    run_view::report(&outcome, &release, ui)
}

/// A plan file's values files: repository-relative names from the
/// repository root, others as written.
fn planned_values(ws: &Workspace, values: &[NamedDigest]) -> Vec<std::path::PathBuf> {
    let root = ws.repo.workdir().map(std::path::Path::to_path_buf);
    values
        .iter()
        .map(|v| {
            let p = std::path::PathBuf::from(&v.name);
            match (&root, p.is_relative() && !v.name.contains("://")) {
                (Some(r), true) => r.join(p),
                _ => p,
            }
        })
        .collect()
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
