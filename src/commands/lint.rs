//! `helm hooks lint`: render one revision and check its hooks against the
//! rules of `core::lint`.

use crate::adapters::cache::Cache;
use crate::adapters::git::{ChartRepo, Revision};
use crate::adapters::render::{Needs, SideRender, render_side};
use crate::cli::{LintArgs, LintFormat};
use crate::commands::plan::{parse_side, render_options};
use crate::core::helm::HelmVersion;
use crate::core::hook::{Rendered, Warning, unknown_events};
use crate::core::lint::{Finding, LintOptions, counts, go_duration_text, lint, rule};
use crate::core::plan::SideRenders;
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::lint_view::{self, LINT_API_VERSION, LINT_KIND, LintDocument};
use crate::ui::plan_view::ChartInfo;
use anyhow::Context;
use serde::Deserialize;
use std::time::Duration;

/// The chart's helm-hooks settings, beside `Chart.yaml`.
pub const CONFIG_FILE: &str = ".helm-hooks.yaml";

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    lint: LintConfig,
}

#[derive(Debug, Default, Deserialize)]
struct LintConfig {
    #[serde(default)]
    ignore: Vec<String>,
}

fn chart_file(repo: &ChartRepo, name: &str) -> String {
    match repo.chart_path() {
        "" => name.to_string(),
        dir => format!("{dir}/{name}"),
    }
}

/// Rule ids the chart silences at `rev` (`lint.ignore` of `.helm-hooks.yaml`).
pub fn chart_ignores(repo: &ChartRepo, rev: &Revision) -> anyhow::Result<Vec<String>> {
    let path = chart_file(repo, CONFIG_FILE);
    let Some(bytes) = repo.read_file(rev, &path)? else {
        return Ok(Vec::new());
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let config: ConfigFile = serde_saphyr::from_str(&text).with_context(|| {
        format!(
            "reading {path} at {}: expected `lint: {{ignore: [HH013]}}`",
            rev.spec
        )
    })?;
    Ok(config.lint.ignore)
}

/// The chart's name as Helm prefixes template paths with it.
fn chart_name(repo: &ChartRepo, rev: &Revision) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct ChartYaml {
        #[serde(default)]
        name: String,
    }
    let path = chart_file(repo, "Chart.yaml");
    let bytes = repo.read_file(rev, &path)?.unwrap_or_default();
    let chart: ChartYaml = serde_saphyr::from_str(&String::from_utf8_lossy(&bytes))
        .with_context(|| format!("reading {path} at {}", rev.spec))?;
    Ok(chart.name)
}

/// One revision's renders, parsed once: install, and upgrade when it
/// differs (templates that branch on `.Release.IsInstall`/`IsUpgrade`).
pub struct ParsedSide {
    pub install: Rendered,
    upgrade: Option<Rendered>,
}

impl ParsedSide {
    pub fn upgrade(&self) -> &Rendered {
        self.upgrade.as_ref().unwrap_or(&self.install)
    }

    pub fn renders(&self) -> SideRenders<'_> {
        SideRenders {
            install: &self.install,
            upgrade: self.upgrade(),
        }
    }
}

/// A side's renders parsed, with the documents Helm dropped (it names them
/// only on stderr) added as warnings.
pub fn side_renders(
    repo: &ChartRepo,
    rev: &Revision,
    side: &SideRender,
) -> anyhow::Result<ParsedSide> {
    let (mut install, upgrade) = parse_side(side, &rev.spec)?;
    let name = chart_name(repo, rev)?;
    for d in &side.dropped {
        let files: Vec<String> = d.files.iter().map(|f| format!("{name}/{f}")).collect();
        install.warnings.push(Warning::DroppedDocument {
            path: (!files.is_empty()).then(|| files.join(", ")),
            value: d.value.clone(),
            unknown: unknown_events(&d.value),
        });
    }
    Ok(ParsedSide { install, upgrade })
}

/// Findings of `to`, marked against `from` when given. The ignore list of
/// `to`'s `.helm-hooks.yaml` applies to both, so that silencing a rule
/// never makes a finding look new.
pub fn revision_findings(
    repo: &ChartRepo,
    to: (&Revision, &ParsedSide),
    from: Option<(&Revision, &ParsedSide)>,
    helm: HelmVersion,
    timeout: Duration,
) -> anyhow::Result<(Vec<Finding>, Vec<String>)> {
    let ignore = chart_ignores(repo, to.0)?;
    let unknown_ids: Vec<String> = ignore
        .iter()
        .filter(|i| rule(i).is_none())
        .cloned()
        .collect();
    let opts = LintOptions {
        helm,
        timeout,
        ignore,
    };
    let findings = lint(to.1.renders(), from.map(|(_, f)| f.renders()), &opts);
    Ok((findings, unknown_ids))
}

pub fn run(args: LintArgs, ui: &Ui) -> anyhow::Result<()> {
    let cache = Cache::open();
    let probe = crate::adapters::helm::HelmProbe::start(&cache)?;
    let repo = ChartRepo::open(&args.chart)?;
    let rev = repo.resolve(&args.rev)?;
    let from = args.from.as_deref().map(|f| repo.resolve(f)).transpose()?;
    let opts = render_options(&args.release, &args.render);
    // Pre-install hooks come from the install render, the others from the
    // upgrade render (they differ when templates branch on IsInstall).
    let needs = Needs {
        install: true,
        upgrade: true,
    };
    let side = render_side(&repo, &rev, &opts, needs, &probe, &cache)?;
    let from_side = from
        .as_ref()
        .map(|f| render_side(&repo, f, &opts, needs, &probe, &cache))
        .transpose()?;
    let helm = probe.helm()?;
    let parsed = side_renders(&repo, &rev, &side)?;
    let from_parsed = match (&from, &from_side) {
        (Some(f), Some(side)) => Some(side_renders(&repo, f, side)?),
        _ => None,
    };
    let (findings, unknown_ids) = revision_findings(
        &repo,
        (&rev, &parsed),
        from.as_ref().zip(from_parsed.as_ref()),
        helm.version,
        args.timeout,
    )?;
    for id in &unknown_ids {
        ui.warn(&format!(
            "{}: lint.ignore names {id:?}, which is no rule (HH001..HH013)",
            chart_file(&repo, CONFIG_FILE)
        ));
    }
    let (errors, warnings, _) = counts(&findings);
    let doc = LintDocument {
        api_version: LINT_API_VERSION,
        kind: LINT_KIND,
        helm_version: helm.version.to_string(),
        chart: ChartInfo {
            repository: repo.root_display(),
            path: repo.chart_path().to_string(),
        },
        release: &opts.release,
        namespace: &opts.namespace,
        revision: &rev,
        from: from.as_ref(),
        timeout: go_duration_text(args.timeout),
        strict: args.strict,
        summary: lint_view::Summary::of(&findings),
        findings: &findings,
    };
    let text = match args.output {
        LintFormat::Table => lint_view::table(&doc, ui.out),
        LintFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        LintFormat::Sarif => serde_json::to_string_pretty(&lint_view::sarif(&doc))? + "\n",
    };
    ui.data(&text)?;
    if errors > 0 || (args.strict && warnings > 0) {
        return Err(Exit(code::ERROR).into());
    }
    Ok(())
}
