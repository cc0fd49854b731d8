//! `helm hooks plan`: render two revisions, diff their hooks, show the
//! timelines in Helm's order.

use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::helm::Helm;
use crate::adapters::render::{Needs, RenderOptions, SideRender, render_side, render_side_again};
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

/// Leaves values random per render (`to` against `again`, a second render
/// of its input) out of both sides, with one warning on `to`. Returns
/// whether there were any.
fn neutralize_random(from: &mut ParsedSide, to: &mut ParsedSide, again: &ParsedSide) -> bool {
    use crate::core::random::{neutralize, random_hooks, warning};
    let shared = std::ptr::eq(to.renders().install, to.renders().upgrade);
    let on_install = random_hooks(to.renders().install, again.renders().install);
    let on_upgrade = match shared {
        true => on_install.clone(),
        false => random_hooks(to.renders().upgrade, again.renders().upgrade),
    };
    if on_install.is_empty() && on_upgrade.is_empty() {
        return false;
    }
    let (from_i, from_u) = from.split_mut();
    let (to_i, to_u) = to.split_mut();
    neutralize(from_i, to_i, &on_install);
    neutralize(from_u, to_u, &on_upgrade);
    // Noted once: a hook of both renders is listed once.
    let mut all = on_install;
    for r in on_upgrade {
        if !all
            .iter()
            .any(|a| a.kind == r.kind && a.path == r.path && a.fields == r.fields)
        {
            all.push(r);
        }
    }
    to_i.warnings.extend(warning(&all));
    true
}

fn display_dir(rel: &str) -> &str {
    if rel.is_empty() { "." } else { rel }
}

/// Where the chart was at `from` when it moved since: the one directory of
/// `from` holding a chart of the same name (as `to`'s), outside other
/// charts. `None` when it did not move, or the answer is not unique (the
/// snapshot then reports the missing chart, whose hint names --from-path).
pub fn moved_chart(
    repo: &ChartRepo,
    from: &crate::adapters::git::Revision,
    to: &crate::adapters::git::Revision,
) -> anyhow::Result<Option<String>> {
    if repo.has_chart(from)? {
        return Ok(None);
    }
    let Some(name) = repo.chart_name(to)? else {
        return Ok(None);
    };
    let dirs = repo.chart_dirs_named(from, &name);
    Ok(match dirs.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

pub fn run(args: PlanArgs, ui: &Ui) -> anyhow::Result<()> {
    let ops = operations(&args.operation);
    let cache = Cache::open();
    let helm = Helm::locate(&cache)?;
    let repo = ChartRepo::open(&args.chart)?;
    // The chart at --from: the same directory, or --from-path when it moved.
    let from_spec = match &args.from {
        Some(spec) => spec.clone(),
        None => super::history::default_from(&repo, &args.release, &args.render.namespace, ui),
    };
    let from = repo.resolve(&from_spec)?;
    let to = repo.resolve(&args.to)?;
    let moved = match &args.from_path {
        Some(_) => None,
        None => moved_chart(&repo, &from, &to)?,
    };
    if let Some(dir) = &moved {
        ui.warn(&format!(
            "the chart is not at {} at {}: using {dir}, the one directory there with a chart of the same name (pass --from-path to choose)",
            display_dir(repo.chart_path()),
            from.spec
        ));
    }
    let open_from = || -> anyhow::Result<ChartRepo> {
        let r = ChartRepo::open(&args.chart)?;
        Ok(match (&args.from_path, &moved) {
            (Some(p), _) => r.with_chart(p)?,
            (None, Some(dir)) => r.with_chart_dir(dir),
            (None, None) => r,
        })
    };
    let from_repo = open_from()?;
    // Read first: a broken helmfile.yaml fails before any render.
    let local_from = crate::adapters::local_source::load(&from_repo, &from, &args.release)?;
    let local_to = crate::adapters::local_source::load(&repo, &to, &args.release)?;
    let opts = render_options(&args.release, &args.render);
    let needs = Needs {
        install: ops.contains(&Operation::Install),
        upgrade: ops.iter().any(|o| o.needs_upgrade_render()),
    };

    // Both revisions render at once; each thread opens its own repository
    // handle (libgit2 handles are not shared across threads).
    let (from_side, to_side) = std::thread::scope(|s| {
        let from_job = s.spawn(|| -> anyhow::Result<SideRender> {
            render_side(&open_from()?, &from, &opts, needs, &helm, &cache)
        });
        let to_side = render_side(&repo, &to, &opts, needs, &helm, &cache);
        let from_side = from_job.join().expect("render thread panicked");
        (from_side, to_side)
    });
    let (from_side, to_side) = (from_side?, to_side?);
    tracing::debug!(
        from = from_side.helm_runs,
        to = to_side.helm_runs,
        "helm template runs"
    );

    // Parsed once; plan and lint share them.
    let mut from_parsed = crate::commands::lint::side_renders(&from_repo, &from, &from_side)?;
    let mut to_parsed = crate::commands::lint::side_renders(&repo, &to, &to_side)?;
    let run_plan = |from_parsed: &ParsedSide, to_parsed: &ParsedSide| {
        plan(
            from_parsed.renders(),
            to_parsed.renders(),
            &ops,
            helm.version,
            DiffOptions {
                context: args.context,
                show_secrets: args.show_secrets,
            },
            (&local_from, &local_to),
        )
    };
    let mut result = run_plan(&from_parsed, &to_parsed);
    // Only a plan that shows changes, of a chart that calls a random
    // function somewhere, can owe them to random values: then `to` is
    // rendered once more from the same input (cached like any render, so a
    // warm run still starts no Helm), and what differs between its two
    // renders is random, not a change.
    if result.changed && to_side.may_vary {
        let again = render_side_again(&repo, &to, &opts, needs, &helm, &cache)?;
        let again = crate::commands::lint::side_renders(&repo, &to, &again)?;
        if neutralize_random(&mut from_parsed, &mut to_parsed, &again) {
            result = run_plan(&from_parsed, &to_parsed);
        }
    }

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
    if args.detailed_exitcode && result.changed {
        return Err(Exit(code::CHANGES).into());
    }
    Ok(())
}
