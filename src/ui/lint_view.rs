//! `helm hooks lint` output: table (terminal), JSON (versioned schema) and
//! SARIF 2.1.0 (code-scanning UIs).

use super::common::{ChartInfo, rev_label};
use super::{Painter, Style};
use crate::core::lint::{Finding, RULES, Severity, counts};
use crate::core::model::Revision;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write;

pub const LINT_API_VERSION: &str = "helm-hooks/v1";
pub const LINT_KIND: &str = "HookLint";

#[derive(Debug, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Self {
        let (errors, warnings, infos) = counts(findings);
        Self {
            errors,
            warnings,
            infos,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintDocument<'a> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub helm_version: String,
    pub chart: ChartInfo,
    pub release: &'a str,
    pub namespace: &'a str,
    pub revision: &'a Revision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<&'a Revision>,
    /// Helm's `--timeout` the Job deadlines were checked against.
    pub timeout: String,
    pub strict: bool,
    pub summary: Summary,
    pub findings: &'a [Finding],
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => Style::Error,
        Severity::Warning => Style::Warn,
        Severity::Info => Style::Moved,
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `2 errors, 1 warning, 3 info`.
pub fn summary_line(findings: &[Finding]) -> String {
    let (e, w, i) = counts(findings);
    format!("{}, {}, {i} info", plural(e, "error"), plural(w, "warning"))
}

/// One finding as two lines: `error[HH009] Job/x  path  (new)`, then the
/// message, indented by `indent`.
pub fn finding_lines(f: &Finding, p: Painter, indent: &str) -> String {
    let mut head = p.paint(
        severity_style(f.severity),
        &format!("{}[{}]", f.severity, f.rule),
    );
    if let Some(h) = &f.hook {
        let _ = write!(head, " {}", p.paint(Style::Bold, &h.to_string()));
    }
    if let Some(path) = &f.path {
        let long = p.width.is_some_and(|w| {
            indent.len() + super::fit::visible_width(&head) + 2 + path.chars().count() >= w
        });
        // A path that does not fit beside the hook gets a line of its own.
        let sep = if long {
            format!("\n{indent}  ")
        } else {
            "  ".to_string()
        };
        let _ = write!(head, "{sep}{}", p.paint(Style::Dim, path));
    }
    if f.introduced == Some(true) {
        let _ = write!(head, "  {}", p.paint(Style::Added, "(new)"));
    }
    let message = match p.width {
        Some(w) => super::fit::wrap(&f.message, w.saturating_sub(indent.len() + 3).max(30))
            .join(&format!("\n{indent}  ")),
        None => f.message.clone(),
    };
    format!("{indent}{head}\n{indent}  {message}\n")
}

pub fn table(doc: &LintDocument<'_>, p: Painter) -> String {
    let mut out = String::new();
    let chart = &doc.chart.label;
    let from = doc
        .from
        .map(|f| format!(", new since {}", rev_label(f)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {}  (chart {chart}, helm {}, timeout {}{from})",
        p.paint(Style::Bold, "Hook lint:"),
        rev_label(doc.revision),
        doc.helm_version,
        doc.timeout
    );
    let _ = writeln!(out);
    if doc.findings.is_empty() {
        let _ = writeln!(out, "No findings.");
    }
    for f in doc.findings {
        let _ = writeln!(out, "{}", finding_lines(f, p, ""));
    }
    let _ = writeln!(out, "{}", summary_line(doc.findings));
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn sarif(doc: &LintDocument<'_>) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": format!("{}. Fix: {}.", r.summary, r.fix)},
                "help": {"text": format!("Fix: {}.", r.fix)},
                "defaultConfiguration": {"level": sarif_level(r.severity)},
            });
            // The rule table of docs/lint.md, once the project names where it lives.
            let repository = env!("CARGO_PKG_REPOSITORY");
            if !repository.is_empty() {
                rule["helpUri"] = json!(format!("{repository}/blob/main/docs/lint.md#rules"));
            }
            rule
        })
        .collect();
    let results: Vec<Value> = doc
        .findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.id == f.rule);
            let mut locations: Vec<Value> = f
                .path
                .iter()
                .flat_map(|p| p.split(", "))
                .map(|p| {
                    json!({"physicalLocation": {"artifactLocation": {
                        "uri": p,
                        "uriBaseId": "%SRCROOT%",
                    }}})
                })
                .collect();
            if let (Some(h), Some(first)) = (&f.hook, locations.first_mut()) {
                first["logicalLocations"] = json!([{"name": h.to_string(), "kind": "resource"}]);
            }
            if let (Some(line), Some(first)) = (f.line, locations.first_mut()) {
                first["physicalLocation"]["region"] = json!({"startLine": line});
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": locations,
            });
            if let Some(new) = f.introduced {
                result["properties"] = json!({"introduced": new});
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "helm-hooks",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "properties": {
                "revision": doc.revision.commit.clone().unwrap_or_else(|| doc.revision.spec.clone()),
                "helmVersion": doc.helm_version,
            },
            "results": results,
        }]
    })
}

/// Several SARIF logs of [`sarif`] as one: one run, every result (`plan
/// --all --sarif`).
pub fn merge_sarif(logs: Vec<Value>) -> Value {
    let mut logs = logs.into_iter();
    let Some(mut first) = logs.next() else {
        return sarif_empty();
    };
    for log in logs {
        if let (Some(into), Some(more)) = (
            first["runs"][0]["results"].as_array_mut(),
            log["runs"][0]["results"].as_array(),
        ) {
            into.extend(more.iter().cloned());
        }
    }
    first["runs"][0]
        .as_object_mut()
        .map(|run| run.remove("properties"));
    first
}

/// A SARIF log with no result: no chart had findings.
fn sarif_empty() -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "helm-hooks", "version": env!("CARGO_PKG_VERSION"), "rules": []}},
            "results": [],
        }]
    })
}
