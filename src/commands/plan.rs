//! `helm hooks plan`: render two revisions, diff their hooks, show the
//! timelines in Helm's order.

use crate::adapters::render::RenderOptions;
use crate::app::plan::{self, PlanRequest};
use crate::app::workspace::Workspace;
use crate::cli::{OperationArg, PlanArgs, PlanFormat};
use crate::core::diff::DiffOptions;
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::common::ChartInfo;
use crate::ui::plan_view::{self, PLAN_API_VERSION, PlanDocument};

/// Helm template's release name: `--release` not given.
const DEFAULT_RELEASE: &str = "release-name";

pub fn run(args: PlanArgs, ui: &Ui) -> anyhow::Result<()> {
    let ws = Workspace::open(&args.chart)?;
    let opts = RenderOptions {
        secret_values: args.show_secrets,
        ..args.render.options(&args.release)
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
            diff: DiffOptions {
                context: args.context,
                show_secrets: args.show_secrets,
            },
        },
    )?;
    // Asked by name only: the cluster is not read for every plan.
    let mut report = report;
    if args.operation.contains(&OperationArg::Rollback) && args.release != DEFAULT_RELEASE {
        match plan::use_stored_rollback(&ws, &mut report, &opts.release, &opts.namespace) {
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
    if let Some(dir) = &report.moved_from {
        ui.warn(&plan_view::moved_note(
            ws.repo.chart_path(),
            &report.from.rev.spec,
            dir,
        ));
    }
    let doc = PlanDocument {
        api_version: PLAN_API_VERSION,
        kind: "HookPlan",
        helm_version: ws.helm()?.version.to_string(),
        chart: ChartInfo {
            repository: ws.repo.root_display(),
            path: ws.repo.chart_path().to_string(),
        },
        release: &opts.release,
        namespace: &opts.namespace,
        from: &report.from.rev,
        to: &report.to.rev,
        plan: &report.plan,
        findings: &report.findings,
        helm_notices: report.to.notices.clone(),
    };
    let text = match args.output {
        PlanFormat::Table => plan_view::table(&doc, ui.out),
        PlanFormat::Markdown => plan_view::markdown(&doc),
        PlanFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        PlanFormat::Yaml => serde_saphyr::to_string(&doc)?,
    };
    ui.data(&text)?;
    tracing::debug!(peak_rss_kib = crate::app::peak_rss_kib(), "plan done");
    if args.detailed_exitcode && report.plan.changed {
        return Err(Exit(code::CHANGES).into());
    }
    Ok(())
}
