//! `helm hooks plan`: render two revisions, diff their hooks, show the
//! timelines in Helm's order.

use crate::adapters::render::RenderOptions;
use crate::app::apply::{self, Action, ApplyRequest};
use crate::app::capabilities;
use crate::app::plan::{self, PlanRequest};
use crate::app::plan_all::{self, AllRequest, ChartsFailed};
use crate::app::planfile::{self, OutNeedsRelease};
use crate::app::workspace::Workspace;
use crate::cli::{OperationArg, PlanArgs, PlanFormat};
use crate::core::lint::DEFAULT_TIMEOUT;
use crate::core::model::{Operation, Revision};
use crate::core::planfile::PlanViews;
use crate::error::{Exit, code};
use crate::ui::Painter;
use crate::ui::Ui;
use crate::ui::common::ChartInfo;
use crate::ui::lint_view::{self, LINT_API_VERSION, LINT_KIND, LintDocument};
use crate::ui::plan_view::{self, PLAN_API_VERSION, PlanDocument};
use crate::ui::plan_view::{PlanSetDocument, SetEntry};
use anyhow::Context;
use std::path::Path;

/// Helm template's release name: `--release` not given.
const DEFAULT_RELEASE: &str = "release-name";

pub fn run(args: PlanArgs, ui: &Ui) -> anyhow::Result<()> {
    if let Some(path) = &args.plan {
        return print_plan_file(path, args.output, ui);
    }
    if let Some(path) = &args.out {
        return write_plan_file(&args, path, ui);
    }
    if args.all {
        return plan_all(&args, ui);
    }
    // As lint does: a chart directory in no Git repository is planned as
    // it is on disk, a first install's hooks.
    let ws = Workspace::open_or_outside_git(args.chart())?;
    // `--release` with its cluster at hand: "deployed -> about to run", as
    // Helm's dry run of this upgrade says; `--from` asks for Git revisions.
    if args.release != DEFAULT_RELEASE
        && args.from.is_none()
        && args.from_path.is_none()
        && !ws.repo.is_outside_git()
    {
        let opts = args.render.options(&args.release);
        match plan::cluster_version(&opts.namespace) {
            Some(_) => return plan_release(&args, &ws, ui),
            None => ui.note(&format!(
                "no cluster answered for release {}: planned from Git, offline (the commit last applied -> {}); see docs/assumptions.md",
                args.release, args.to
            )),
        }
    }
    if ws.repo.is_outside_git() {
        ui.note(&format!(
            "{} is in no Git repository: planned as it is on disk, each hook as a first install runs it (no --from side)",
            ws.repo.chart_label()
        ));
    }
    let mut opts = RenderOptions {
        secret_values: args.show_secrets,
        ..args.render.options(&args.release)
    };
    // Given a kube context, the renders take its cluster's capabilities.
    let context = match capabilities::of_named_context(&mut opts) {
        Some(Ok(context)) => Some(context),
        Some(Err(warning)) => {
            ui.warn(&warning);
            None
        }
        None => None,
    };
    let ops = OperationArg::expand(&args.operation);
    for note in ws.values_notes(&opts) {
        ui.note(&note);
    }
    let report = plan::run(
        &ws,
        &PlanRequest {
            from: args.from.as_deref(),
            from_path: args.from_path.as_deref(),
            to: &args.to,
            render: &opts,
            operations: &ops,
            diff: args.diff_options(),
            timeout: args.timeout,
            added: false,
            context: context.as_deref(),
        },
    )?;
    tracing::debug!("plan computed");
    // Asked by name only: the cluster is not read for every plan.
    let mut report = report;
    if args.operation.contains(&OperationArg::Rollback) && args.release != DEFAULT_RELEASE {
        match plan::use_stored_rollback(&ws, &mut report.plan, &opts.release, &opts.namespace) {
            Ok(note) => ui.note(&note),
            Err(note) => ui.warn(&note),
        }
    }
    if let Some(b) = &report.baseline {
        ui.baseline(b);
    }
    if let Some(note) = &report.helmfile_note {
        ui.note(note);
    }
    for w in &report.timeout_warnings {
        ui.warn(w);
    }
    if let Some(dir) = &report.moved_from {
        ui.warn(&plan_view::moved_note(
            ws.repo.chart_path(),
            &report.from.rev.spec,
            dir,
        ));
    }
    let mut doc = document(
        &ws,
        &opts,
        (&report.from.rev, &report.to.rev),
        &report.plan,
        &report.findings,
        report.to.notices.clone(),
    )?;
    doc.rendered = Some(&report.source);
    let text = shown(&doc, args.output, ui.out)?;
    ui.data(&text)?;
    tracing::debug!(peak_rss_kib = crate::app::peak_rss_kib(), "plan done");
    let exit = exit_for(&args, &report.plan);
    // The process ends here: freeing every parsed document one by one
    // would only cost time (rustc does the same). Pure data, no handles.
    std::mem::forget(doc);
    std::mem::forget(report);
    exit
}

/// The `HookPlan` document of a plan of the workspace's chart.
fn document<'a>(
    ws: &Workspace,
    opts: &'a RenderOptions,
    (from, to): (&'a Revision, &'a Revision),
    plan: &'a crate::core::plan::Plan,
    findings: &'a [crate::core::lint::Finding],
    helm_notices: Vec<String>,
) -> anyhow::Result<PlanDocument<'a>> {
    Ok(PlanDocument {
        api_version: PLAN_API_VERSION,
        kind: "HookPlan",
        helm_version: ws.helm()?.version.to_string(),
        chart: ChartInfo {
            repository: ws.repo.root_display(),
            path: ws.repo.chart_path().to_string(),
            label: ws.repo.chart_label(),
            arg: ws.repo.dir_from_current(ws.repo.chart_path()),
        },
        release: &opts.release,
        namespace: &opts.namespace,
        from,
        to,
        plan,
        findings,
        helm_notices,
        rendered: None,
    })
}

/// The document in the format asked for.
fn shown(doc: &PlanDocument<'_>, output: PlanFormat, painter: Painter) -> anyhow::Result<String> {
    Ok(match output {
        PlanFormat::Table => plan_view::table(doc, painter),
        PlanFormat::Markdown => plan_view::markdown(doc),
        PlanFormat::Json => serde_json::to_string_pretty(doc)? + "\n",
        PlanFormat::Yaml => serde_saphyr::to_string(doc)?,
    })
}

/// A plan file as the reviewer saw it: its table or markdown as rendered
/// then, or its `HookPlan` document.
fn print_plan_file(path: &Path, output: PlanFormat, ui: &Ui) -> anyhow::Result<()> {
    let (file, _) = planfile::load(path)?;
    let text = match output {
        PlanFormat::Table => file.views.table,
        PlanFormat::Markdown => file.views.markdown,
        PlanFormat::Json => serde_json::to_string_pretty(&file.plan)? + "\n",
        PlanFormat::Yaml => serde_saphyr::to_string(&file.plan)?,
    };
    Ok(ui.data(&text)?)
}

/// A release's plan as apply makes it: the hooks Helm stored in the
/// deployed revision against Helm's dry run of this upgrade on the cluster,
/// with the other operations asked for (rollback from the stored hooks).
fn release_plan(
    args: &PlanArgs,
    ws: &Workspace,
    opts: &RenderOptions,
    operations: &[Operation],
    ui: &Ui,
) -> anyhow::Result<(apply::Prepared, Revision)> {
    // Planned with the flags a plain `apply --plan FILE` runs with.
    let flags = apply::UpgradeFlags {
        timeout: format!("{}s", args.timeout.as_secs()),
        ..Default::default()
    };
    let mut prepared = apply::prepare(
        ws,
        &ApplyRequest {
            release: &args.release,
            to: &args.to,
            render: opts,
            flags: &flags,
            timeout: args.timeout,
            local_timeout: DEFAULT_TIMEOUT,
            also: operations,
            diff: args.diff_options(),
        },
    )?;
    for note in &prepared.notes {
        ui.warn(note);
    }
    if let Some(note) = plan::unplanned_operation(operations, prepared.operation, &args.release) {
        ui.note(&note);
    }
    // Helm rolls back to the revision before the latest, with its stored
    // hooks: with none before it, there is nothing to plan.
    if operations.contains(&Operation::Rollback) {
        match prepared.deployed.as_ref().map(|d| d.version) {
            Some(v) if v > 1 => {
                match plan::use_stored_rollback(
                    ws,
                    &mut prepared.plan,
                    &opts.release,
                    &opts.namespace,
                ) {
                    Ok(note) => ui.note(&note),
                    Err(note) => ui.warn(&note),
                }
            }
            latest => {
                prepared
                    .plan
                    .operations
                    .retain(|o| o.timeline.operation != Operation::Rollback);
                ui.note(&plan::no_rollback_note(&args.release, latest));
            }
        }
    }
    // `--operation rollback` (say) asks for none of Helm's two: the
    // upgrade was planned for apply's sake only.
    if !operations.is_empty()
        && !operations
            .iter()
            .any(|o| matches!(o, Operation::Install | Operation::Upgrade))
    {
        let runs = prepared.operation;
        prepared
            .plan
            .operations
            .retain(|o| o.timeline.operation != runs);
        // Changed means changed in the operations shown.
        prepared.plan.changed = prepared
            .plan
            .operations
            .iter()
            .any(|o| o.diff.summary.has_changes());
    }
    let from = match &prepared.deployed {
        Some(d) => Revision {
            spec: format!("revision {}", d.version),
            commit: apply::deployed_commit(d, &args.release, &opts.namespace),
            subject: None,
            worktree: false,
            tree: None,
        },
        None => Revision {
            spec: "(not installed)".into(),
            commit: None,
            subject: None,
            worktree: false,
            tree: None,
        },
    };
    Ok((prepared, from))
}

/// The `HookPlan` document of a release's plan (see [`release_plan`]).
fn release_document<'a>(
    ws: &Workspace,
    opts: &'a RenderOptions,
    prepared: &'a apply::Prepared,
    from: &'a Revision,
) -> anyhow::Result<PlanDocument<'a>> {
    let Action::Upgrade { to, .. } = &prepared.action else {
        unreachable!("apply prepares an upgrade")
    };
    let mut doc = document(
        ws,
        opts,
        (from, &to.rev),
        &prepared.plan,
        &prepared.findings,
        to.notices.clone(),
    )?;
    doc.rendered = prepared.source.as_ref();
    Ok(doc)
}

/// `--detailed-exitcode`: exit 2 when the plan shows changes (beyond
/// labels and annotations with `--ignore-metadata`).
fn exit_for(args: &PlanArgs, plan: &crate::core::plan::Plan) -> anyhow::Result<()> {
    let changed = match args.ignore_metadata {
        true => plan.changed_beyond_metadata(),
        false => plan.changed,
    };
    match args.detailed_exitcode && changed {
        true => Err(Exit(code::CHANGES).into()),
        false => Ok(()),
    }
}

/// `plan --release NAME` with its cluster at hand: what apply would run.
fn plan_release(args: &PlanArgs, ws: &Workspace, ui: &Ui) -> anyhow::Result<()> {
    let opts = RenderOptions {
        secret_values: args.show_secrets,
        ..args.render.options(&args.release)
    };
    let ops = OperationArg::expand(&args.operation);
    let (prepared, from) = release_plan(args, ws, &opts, &ops, ui)?;
    let doc = release_document(ws, &opts, &prepared, &from)?;
    let text = shown(&doc, args.output, ui.out)?;
    ui.data(&text)?;
    exit_for(args, &prepared.plan)
}

/// `--release NAME --out FILE`: planned as apply plans (against what is
/// deployed), shown, and kept with the digests `apply --plan` checks.
fn write_plan_file(args: &PlanArgs, path: &Path, ui: &Ui) -> anyhow::Result<()> {
    if args.release == DEFAULT_RELEASE {
        return Err(OutNeedsRelease.into());
    }
    let ws = Workspace::open(args.chart())?;
    let opts = args.render.options(&args.release);
    let (prepared, from) = release_plan(args, &ws, &opts, &[], ui)?;
    let doc = release_document(&ws, &opts, &prepared, &from)?;
    let plain = Painter {
        color: false,
        width: None,
    };
    let views = PlanViews {
        table: plan_view::table(&doc, plain),
        markdown: plan_view::markdown(&doc),
    };
    let text = shown(&doc, args.output, ui.out)?;
    planfile::save(&ws, &prepared, path, serde_json::to_value(&doc)?, views)?;
    ui.data(&text)?;
    ui.status(&format!(
        "plan written to {}: apply it with `helm hooks apply --plan {}`",
        path.display(),
        path.display()
    ));
    exit_for(args, &prepared.plan)
}

/// One chart of `plan --all`, named from the current directory in the
/// commands it suggests.
fn chart_of_set(repository: &str, path: &str) -> ChartInfo {
    let arg = crate::adapters::git::from_current_dir(Path::new(repository), path);
    ChartInfo::in_repository(repository.to_string(), path.to_string(), arg)
}

/// `plan --all`: the repository's charts whose input changed, each
/// planned, in one report; one chart's failure is its entry's.
fn plan_all(args: &PlanArgs, ui: &Ui) -> anyhow::Result<()> {
    let opts = args.render.options(&args.release);
    let ops = OperationArg::expand(&args.operation);
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    let set = plan_all::run(&AllRequest {
        path: args.chart.as_deref(),
        from: args.from.as_deref().unwrap_or("HEAD"),
        to: &args.to,
        render: &opts,
        operations: &ops,
        diff: args.diff_options(),
        timeout: args.timeout,
        jobs,
    })?;
    // The report is of what changed: unchanged and library charts are
    // counted, not listed.
    let quiet = |c: &&plan_all::ChartEntry| {
        c.error.is_none()
            && matches!(
                c.status,
                plan_all::ChartStatus::Unchanged | plan_all::ChartStatus::Library
            )
    };
    let unchanged = set.charts.iter().filter(quiet).count();
    let entries: Vec<SetEntry<'_>> = set
        .charts
        .iter()
        .filter(|c| !quiet(c))
        .map(|c| SetEntry {
            // A chart at the repository root.
            path: match c.path.as_str() {
                "" => ".",
                p => p,
            },
            status: c.status.as_str(),
            release: &c.release,
            namespace: &c.namespace,
            error: c.error.as_deref(),
            plan: c.report.as_ref().map(|(r, facts)| PlanDocument {
                api_version: PLAN_API_VERSION,
                kind: "HookPlan",
                helm_version: facts.helm_version.clone(),
                chart: chart_of_set(&facts.repository, &c.path),
                release: &c.release,
                namespace: &c.namespace,
                from: &r.from.rev,
                to: &r.to.rev,
                plan: &r.plan,
                findings: &r.findings,
                helm_notices: r.to.notices.clone(),
                rendered: None,
            }),
        })
        .collect();
    if let Some(path) = &args.sarif {
        let logs = entries
            .iter()
            .filter_map(|e| e.plan.as_ref())
            .map(|d| {
                lint_view::sarif(&LintDocument {
                    api_version: LINT_API_VERSION,
                    kind: LINT_KIND,
                    helm_version: d.helm_version.clone(),
                    chart: ChartInfo {
                        repository: d.chart.repository.clone(),
                        path: d.chart.path.clone(),
                        label: d.chart.label.clone(),
                        arg: d.chart.arg.clone(),
                    },
                    release: d.release,
                    namespace: d.namespace,
                    revision: d.to,
                    from: Some(d.from),
                    timeout: humantime::format_duration(args.timeout).to_string(),
                    strict: false,
                    summary: lint_view::Summary::of(d.findings),
                    findings: d.findings,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&lint_view::merge_sarif(logs))? + "\n";
        std::fs::write(path, text)
            .with_context(|| format!("writing the SARIF file {}", path.display()))?;
    }
    let changed = entries.iter().any(|e| {
        e.plan.as_ref().is_some_and(|d| match args.ignore_metadata {
            true => d.plan.changed_beyond_metadata(),
            false => d.plan.changed,
        }) || e.status == "removed"
    });
    let failed = entries.iter().filter(|e| e.error.is_some()).count();
    let doc = PlanSetDocument {
        api_version: PLAN_API_VERSION,
        kind: "HookPlanSet",
        from: &set.from,
        to: &set.to,
        unchanged,
        charts: entries,
    };
    let text = match args.output {
        PlanFormat::Table => plan_view::set_table(&doc, ui.out),
        PlanFormat::Markdown => plan_view::set_markdown(&doc),
        PlanFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        PlanFormat::Yaml => serde_saphyr::to_string(&doc)?,
    };
    ui.data(&text)?;
    if failed > 0 {
        return Err(ChartsFailed {
            count: failed,
            total: set.charts.len(),
        }
        .into());
    }
    if args.detailed_exitcode && changed {
        return Err(Exit(code::CHANGES).into());
    }
    Ok(())
}
