//! A chart's local hooks at a revision, read from Git objects like the
//! chart itself: the nearest `helmfile.yaml` (chart directory, then its
//! parents up to the repository root) with a release of this chart, then
//! `.helm-hooks.yaml` beside `Chart.yaml`.

use super::git::{ChartRepo, Revision};
use crate::core::local::{LocalHook, LocalHookError, parse_config, read_helmfile};
use anyhow::Context;
use std::path::PathBuf;

pub const HELMFILE: &str = "helmfile.yaml";
pub const HELMFILE_TEMPLATE: &str = "helmfile.yaml.gotmpl";
pub const CONFIG_FILE: &str = ".helm-hooks.yaml";

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The chart directory and each parent, nearest first, ending at the root.
fn dirs_up(chart: &str) -> Vec<String> {
    let mut out = vec![chart.to_string()];
    let mut d = chart;
    while let Some((parent, _)) = d.rsplit_once('/') {
        out.push(parent.to_string());
        d = parent;
    }
    if !chart.is_empty() {
        out.push(String::new());
    }
    out
}

fn read_text(repo: &ChartRepo, rev: &Revision, path: &str) -> anyhow::Result<Option<String>> {
    Ok(repo
        .read_file(rev, path)?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Local hooks of the chart at `rev`, for `release`, in definition order.
pub fn load(repo: &ChartRepo, rev: &Revision, release: &str) -> anyhow::Result<Vec<LocalHook>> {
    Ok(load_with_note(repo, rev, release, None)?.0)
}

/// [`load`], and with `namespace` (the render's) a note when the helmfile
/// release sets a namespace or values that the render does not use.
pub fn load_with_note(
    repo: &ChartRepo,
    rev: &Revision,
    release: &str,
    namespace: Option<&str>,
) -> anyhow::Result<(Vec<LocalHook>, Option<String>)> {
    let chart = repo.chart_path();
    let mut note = None;
    let context = || format!("reading local hooks at {}", rev.spec);
    let mut hooks = Vec::new();
    for dir in dirs_up(chart) {
        // A template cannot be read without Helmfile; one that defines
        // hooks must not be skipped silently.
        let tpl = join(&dir, HELMFILE_TEMPLATE);
        if read_text(repo, rev, &tpl)?.is_some_and(|t| t.contains("hooks:")) {
            return Err(LocalHookError::Templated { path: tpl }).with_context(context);
        }
        let path = join(&dir, HELMFILE);
        let Some(text) = read_text(repo, rev, &path)? else {
            continue;
        };
        if let Some(found) = read_helmfile(&path, &text, chart, release).with_context(context)? {
            note = namespace.and_then(|ns| found.render_note(&path, ns));
            hooks = found.hooks;
            break;
        }
    }
    let path = join(chart, CONFIG_FILE);
    if let Some(text) = read_text(repo, rev, &path)? {
        hooks.extend(parse_config(&path, &text).with_context(context)?);
    }
    Ok((hooks, note))
}

/// Where a hook runs: the directory of the file that defines it, in the
/// working tree (the current directory for a bare repository).
pub fn hook_dir(repo: &ChartRepo, hook: &LocalHook) -> PathBuf {
    match repo.workdir() {
        Some(w) => w.join(hook.dir()),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirs_go_up_to_the_root() {
        assert_eq!(dirs_up("a/b/app"), ["a/b/app", "a/b", "a", ""]);
        assert_eq!(dirs_up(""), [""]);
    }
}
