//! `helm hooks plan`: render two revisions, diff their hooks, show the
//! timelines in Helm's order.

use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::helm::HelmProbe;
use crate::adapters::render::{Needs, RenderOptions, SideRender, render_side};
use crate::cli::{OperationArg, PlanArgs, PlanFormat, RenderArgs};
use crate::commands::lint::ParsedSide;
use crate::core::diff::DiffOptions;
use crate::core::hook::{Rendered, parse_rendered};
use crate::core::plan::plan;
use crate::core::timeline::Operation;
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::plan_view::{self, ChartInfo, PLAN_API_VERSION, PlanDocument};
use anyhow::Context;

pub fn operations(args: &[OperationArg]) -> Vec<Operation> {
    let mut ops: Vec<Operation> = Vec::new();
    for a in args {
        let add: &[Operation] = match a {
            OperationArg::All => &Operation::ALL,
            OperationArg::Install => &[Operation::Install],
            OperationArg::Upgrade => &[Operation::Upgrade],
            OperationArg::Rollback => &[Operation::Rollback],
            OperationArg::Uninstall => &[Operation::Uninstall],
            OperationArg::Test => &[Operation::Test],
        };
        for op in add {
            if !ops.contains(op) {
                ops.push(*op);
            }
        }
    }
    ops.sort();
    ops
}

pub fn render_options(release: &str, r: &RenderArgs) -> RenderOptions {
    let mut set = Vec::new();
    for (flag, values) in [
        ("--set", &r.set),
        ("--set-string", &r.set_string),
        ("--set-file", &r.set_file),
        ("--set-json", &r.set_json),
    ] {
        set.extend(values.iter().map(|v| (flag.to_string(), v.clone())));
    }
    RenderOptions {
        release: release.to_string(),
        namespace: r.namespace.clone(),
        values_files: r.values.clone(),
        set,
        kube_version: r.kube_version.clone(),
        api_versions: r.api_versions.clone(),
    }
}

/// Parses a side's renders; a shared render is parsed once.
pub fn parse_side(side: &SideRender, rev: &str) -> anyhow::Result<(Rendered, Option<Rendered>)> {
    let parse = |text: &str| {
        parse_rendered(text).with_context(|| format!("reading Helm's output for {rev}"))
    };
    let install = side.install.as_deref().map(parse).transpose()?;
    let upgrade = match (&side.install, &side.upgrade) {
        (Some(a), Some(b)) if a == b => None,
        (_, Some(b)) => Some(parse(b)?),
        _ => None,
    };
    Ok((
        install.or_else(|| upgrade.clone()).unwrap_or_default(),
        upgrade,
    ))
}

pub fn run(args: PlanArgs, ui: &Ui) -> anyhow::Result<()> {
    let ops = operations(&args.operation);
    let cache = Cache::open();
    // Asked (when not cached) while Git is read and the charts render.
    let probe = HelmProbe::start(&cache)?;
    let repo = ChartRepo::open(&args.chart)?;
    let from_spec = match &args.from {
        Some(spec) => spec.clone(),
        None => super::history::default_from(&repo, &args.release, &args.render.namespace, ui),
    };
    let from = repo.resolve(&from_spec)?;
    let to = repo.resolve(&args.to)?;
    // Read first: a broken helmfile.yaml fails before any render.
    let local_from = crate::adapters::local_source::load(&repo, &from, &args.release)?;
    let local_to = crate::adapters::local_source::load(&repo, &to, &args.release)?;
    let opts = render_options(&args.release, &args.render);
    let needs = Needs {
        install: ops.contains(&Operation::Install),
        upgrade: ops.iter().any(|o| o.needs_upgrade_render()),
    };

    // Both revisions render and are parsed at once (a side is parsed as
    // soon as its own render is there); each thread opens its own
    // repository handle (libgit2 handles are not shared across threads).
    let side = |repo: &ChartRepo, rev| -> anyhow::Result<(SideRender, ParsedSide)> {
        let rendered = render_side(repo, rev, &opts, needs, &probe, &cache)?;
        let parsed = crate::commands::lint::side_renders(repo, rev, &rendered)?;
        Ok((rendered, parsed))
    };
    let (from_side, to_side) = std::thread::scope(|s| {
        let from_job = s.spawn(|| side(&ChartRepo::open(&args.chart)?, &from));
        let to_side = side(&repo, &to);
        let from_side = from_job.join().expect("render thread panicked");
        (from_side, to_side)
    });
    let ((from_side, from_parsed), (to_side, to_parsed)) = (from_side?, to_side?);
    let helm = probe.helm()?;
    tracing::debug!(
        from = from_side.helm_runs,
        to = to_side.helm_runs,
        "helm template runs"
    );

    let result = plan(
        from_parsed.renders(),
        to_parsed.renders(),
        &ops,
        helm.version,
        DiffOptions {
            context: args.context,
            show_secrets: args.show_secrets,
        },
        (&local_from, &local_to),
    );

    // Findings of `to`, marked when `from` does not have them. Plan has no
    // --timeout: Job deadlines are checked against Helm's default.
    let (findings, _) = crate::commands::lint::revision_findings(
        &repo,
        (&to, &to_parsed),
        Some((&from, &from_parsed)),
        helm.version,
        crate::core::lint::DEFAULT_TIMEOUT,
    )?;
    let doc = PlanDocument {
        api_version: PLAN_API_VERSION,
        kind: "HookPlan",
        helm_version: helm.version.to_string(),
        chart: ChartInfo {
            repository: repo.root_display(),
            path: repo.chart_path().to_string(),
        },
        release: &opts.release,
        namespace: &opts.namespace,
        from: &from,
        to: &to,
        plan: &result,
        findings: &findings,
        helm_notices: to_side.notices.clone(),
    };
    let text = match args.output {
        PlanFormat::Table => plan_view::table(&doc, ui.out),
        PlanFormat::Markdown => plan_view::markdown(&doc),
        PlanFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        PlanFormat::Yaml => serde_saphyr::to_string(&doc)?,
    };
    ui.data(&text)?;
    tracing::debug!(peak_rss_kib = super::peak_rss_kib(), "plan done");
    if args.detailed_exitcode && result.changed {
        return Err(Exit(code::CHANGES).into());
    }
    Ok(())
}
