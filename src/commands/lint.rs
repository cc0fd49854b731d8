//! `helm hooks lint`: render one revision and check its hooks against the
//! rules of `core::lint`.

use crate::adapters::local_source::CONFIG_FILE;
use crate::app::lint;
use crate::app::workspace::Workspace;
use crate::cli::{LintArgs, LintFormat};
use crate::core::lint::{counts, go_duration_text};
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::common::ChartInfo;
use crate::ui::lint_view::{self, LINT_API_VERSION, LINT_KIND, LintDocument};

pub fn run(args: LintArgs, ui: &Ui) -> anyhow::Result<()> {
    let ws = Workspace::open_or_outside_git(&args.chart)?;
    let opts = args.render.options(&args.release);
    for note in ws.values_notes(&opts) {
        ui.note(&note);
    }
    let report = lint::run(
        &ws,
        &args.rev,
        (args.from.as_deref(), args.from_path.as_deref()),
        &opts,
        args.timeout,
    )?;
    for id in &report.findings.unknown_ignores {
        ui.warn(&format!(
            "{}: lint.ignore names {id:?}, which is no rule (HH001..HH014)",
            ws.chart_file(CONFIG_FILE)
        ));
    }
    let findings = &report.findings.findings;
    let (errors, warnings, _) = counts(findings);
    let doc = LintDocument {
        api_version: LINT_API_VERSION,
        kind: LINT_KIND,
        helm_version: ws.helm()?.version.to_string(),
        chart: ChartInfo {
            repository: ws.repo.root_display(),
            path: ws.repo.chart_path().to_string(),
            label: ws.repo.chart_label(),
            arg: ws.repo.dir_from_current(ws.repo.chart_path()),
        },
        release: &opts.release,
        namespace: &opts.namespace,
        revision: &report.rev.rev,
        from: report.from.as_ref().map(|f| &f.rev),
        timeout: go_duration_text(args.timeout),
        strict: args.strict,
        summary: lint_view::Summary::of(findings),
        findings,
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
