//! `plan --all`: every chart of a repository whose hooks or rendered
//! input changed between two revisions, each planned (in parallel), in one
//! report. Unchanged charts cost a tree comparison, not a render.

use super::plan::{PlanReport, PlanRequest};
use super::workspace::Workspace;
use crate::adapters::git::ChartRepo;
use crate::adapters::local_source::CONFIG_FILE;
use crate::adapters::render::RenderOptions;
use crate::core::diff::DiffOptions;
use crate::core::local::parse_chart_config;
use crate::core::model::Revision;
use crate::core::timeline::Operation;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartStatus {
    Added,
    Removed,
    Changed,
    Unchanged,
    /// A library chart: Helm installs none, its users are planned.
    Library,
}

impl ChartStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChartStatus::Added => "added",
            ChartStatus::Removed => "removed",
            ChartStatus::Changed => "changed",
            ChartStatus::Unchanged => "unchanged",
            ChartStatus::Library => "library",
        }
    }
}

pub struct AllRequest<'a> {
    /// Where charts are looked for: a chart directory (that chart), or a
    /// directory with charts below it; `None`: the whole repository.
    pub path: Option<&'a Path>,
    pub from: &'a str,
    pub to: &'a str,
    /// `-f`/`--set` for every chart; release and namespace unless a
    /// chart's `.helm-hooks.yaml` names its own.
    pub render: &'a RenderOptions,
    pub operations: &'a [Operation],
    pub diff: DiffOptions,
    pub timeout: Duration,
    /// Charts planned at once.
    pub jobs: usize,
}

pub struct ChartEntry {
    /// Repository-relative.
    pub path: String,
    pub status: ChartStatus,
    pub release: String,
    pub namespace: String,
    /// The plan of an added or changed chart, and its workspace's facts.
    pub report: Option<(PlanReport, ChartFacts)>,
    /// Why it could not be planned.
    pub error: Option<String>,
}

/// What the report says of a planned chart's workspace.
pub struct ChartFacts {
    pub helm_version: String,
    pub repository: String,
}

/// A chart waiting to be planned, with its own values files.
type Pending = (ChartEntry, Vec<String>);

pub struct PlanSet {
    pub from: Revision,
    pub to: Revision,
    pub charts: Vec<ChartEntry>,
}

/// Some charts could not be planned; their entries say why.
#[derive(Debug, thiserror::Error)]
#[error("{count} of {total} charts could not be planned: see their entries above")]
pub struct ChartsFailed {
    pub count: usize,
    pub total: usize,
}

/// The PATH given to `--all` holds no chart at either revision: a typo, or
/// the wrong directory. Planning nothing would read as "nothing changed".
#[derive(Debug, thiserror::Error)]
#[error("{path} {}", match .exists {
    true => format!("holds no chart at {} or {}: no Chart.yaml in it or below it", .from, .to),
    false => format!("does not exist (nor any chart there at {} or {})", .from, .to),
})]
pub struct NoChartsAt {
    pub path: String,
    pub exists: bool,
    pub from: String,
    pub to: String,
}

/// The chart's `.helm-hooks.yaml` at `rev`: values files (chart-relative),
/// release, namespace.
fn chart_config(
    repo: &ChartRepo,
    rev: &Revision,
    dir: &str,
) -> anyhow::Result<crate::core::local::ChartConfig> {
    let path = join(dir, CONFIG_FILE);
    Ok(match repo.read_file(rev, &path)? {
        Some(text) => parse_chart_config(&path, &String::from_utf8_lossy(&text))?,
        None => Default::default(),
    })
}

fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        d => format!("{d}/{name}"),
    }
}

/// What decides a chart's render at `rev`: its files and in-repository
/// `file://` dependencies (the snapshot's fingerprint), and its values
/// files' contents.
fn input_of(
    repo: &ChartRepo,
    rev: &Revision,
    dir: &str,
) -> anyhow::Result<(String, Vec<Option<Vec<u8>>>)> {
    let chart = ChartRepo::open(&repo_root(repo))?.with_chart_dir(dir);
    let fingerprint = chart.snapshot(rev)?.fingerprint;
    let config = chart_config(repo, rev, dir)?;
    let values = config
        .values
        .iter()
        .map(|v| repo.read_file(rev, &join(dir, v)))
        .collect::<Result<_, _>>()?;
    Ok((fingerprint, values))
}

fn repo_root(repo: &ChartRepo) -> PathBuf {
    repo.workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The charts at either revision and how each changed; then each added or
/// changed one planned, `jobs` at a time. One chart's failure is its
/// entry's error.
pub fn run(req: &AllRequest<'_>) -> anyhow::Result<PlanSet> {
    let repo = match req.path {
        // No PATH: the whole repository, wherever it is run.
        None => ChartRepo::open(Path::new("."))?.with_chart_dir(""),
        Some(path) => ChartRepo::open(path)?,
    };
    let from = repo.resolve(req.from)?;
    let to = repo.resolve(req.to)?;
    let at_from = repo.charts_at(&from)?;
    let at_to = repo.charts_at(&to)?;
    if let Some(path) = req.path
        && at_from.is_empty()
        && at_to.is_empty()
    {
        return Err(NoChartsAt {
            path: path.display().to_string(),
            exists: path.exists(),
            from: from.spec.clone(),
            to: to.spec.clone(),
        }
        .into());
    }
    let mut dirs: Vec<String> = at_from
        .iter()
        .chain(&at_to)
        .map(|(d, _)| d.clone())
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut charts = Vec::new();
    for dir in dirs {
        let in_from = at_from.iter().find(|(d, _)| *d == dir);
        let in_to = at_to.iter().find(|(d, _)| *d == dir);
        let library = in_to.or(in_from).is_some_and(|(_, lib)| *lib);
        let status = match (in_from, in_to) {
            _ if library => ChartStatus::Library,
            (None, Some(_)) => ChartStatus::Added,
            (Some(_), None) => ChartStatus::Removed,
            _ => match input_of(&repo, &from, &dir)? == input_of(&repo, &to, &dir)? {
                true => ChartStatus::Unchanged,
                false => ChartStatus::Changed,
            },
        };
        let config_rev = if in_to.is_some() { &to } else { &from };
        let (config, error) = match chart_config(&repo, config_rev, &dir) {
            Ok(c) => (c, None),
            Err(e) => (Default::default(), Some(format!("{e:#}"))),
        };
        charts.push((
            ChartEntry {
                path: dir,
                status,
                release: config
                    .release
                    .clone()
                    .unwrap_or_else(|| req.render.release.clone()),
                namespace: config
                    .namespace
                    .clone()
                    .unwrap_or_else(|| req.render.namespace.clone()),
                report: None,
                error,
            },
            config.values,
        ));
    }
    let root = repo_root(&repo);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Pending>>> =
        charts.into_iter().map(|c| Mutex::new(Some(c))).collect();
    std::thread::scope(|s| {
        for _ in 0..req.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = slots.get(i) else { break };
                    let mut guard = slot.lock().expect("a chart's slot");
                    let (entry, values) = guard.as_mut().expect("planned once");
                    let wanted = matches!(entry.status, ChartStatus::Added | ChartStatus::Changed);
                    if !wanted || entry.error.is_some() {
                        continue;
                    }
                    match plan_one(req, &root, entry, values) {
                        Ok(done) => entry.report = Some(done),
                        Err(e) => entry.error = Some(format!("{e:#}")),
                    }
                }
            });
        }
    });
    let charts = slots
        .into_iter()
        .map(|m| m.into_inner().expect("a chart's slot").expect("kept").0)
        .collect();
    Ok(PlanSet { from, to, charts })
}

fn plan_one(
    req: &AllRequest<'_>,
    root: &Path,
    entry: &ChartEntry,
    values: &[String],
) -> anyhow::Result<(PlanReport, ChartFacts)> {
    let ws = Workspace::open_dir(root, &entry.path)?;
    let mut render = req.render.clone();
    render.release = entry.release.clone();
    render.namespace = entry.namespace.clone();
    // The chart's own values files first, then the command line's.
    let mut files: Vec<PathBuf> = values
        .iter()
        .map(|v| root.join(&entry.path).join(v))
        .collect();
    files.extend(req.render.values_files.iter().cloned());
    render.values_files = files;
    let report = super::plan::run(
        &ws,
        &PlanRequest {
            from: Some(req.from),
            from_path: None,
            to: req.to,
            render: &render,
            operations: req.operations,
            diff: req.diff,
            timeout: req.timeout,
            added: entry.status == ChartStatus::Added,
            context: None,
        },
    )?;
    let facts = ChartFacts {
        helm_version: ws.helm()?.version.to_string(),
        repository: ws.repo.root_display(),
    };
    Ok((report, facts))
}
