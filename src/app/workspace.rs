//! What every use case opens first: the cache, Helm, the chart's repository.

use super::revision::{HookParses, RenderedRevision, parse_side_hooks};
use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::helm::{Helm, HelmError, HelmProbe};
use crate::adapters::render::{Needs, RenderOptions, render_side};
use crate::core::model::Revision;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Where the chart is at `--from`.
#[derive(Debug, Clone, PartialEq)]
pub enum FromChart {
    /// Where it is at `--to`.
    Same,
    /// `--from-path`: as given on the command line.
    Path(PathBuf),
    /// Found by name at `--from` (repository-relative).
    Dir(String),
}

pub struct Workspace {
    pub cache: Cache,
    /// Helm, its version asked (when not cached) while the charts render.
    probe: HelmProbe,
    pub repo: ChartRepo,
    /// CHART as given, to open more repository handles (one per thread).
    chart: PathBuf,
}

impl Workspace {
    /// The Kubernetes version Helm's offline render assumes (see
    /// [`crate::adapters::helm::default_kube_version`]), to be asked on a
    /// thread beside the renders (the workspace's repository cannot go).
    pub fn kube_default(&self) -> impl FnOnce() -> Option<String> + Send + '_ {
        let (probe, cache) = (&self.probe, &self.cache);
        move || {
            probe
                .helm()
                .ok()
                .and_then(|h| crate::adapters::helm::default_kube_version(&h, cache))
        }
    }

    pub fn open(chart: &Path) -> anyhow::Result<Self> {
        Self::open_with(chart, ChartRepo::open(chart)?)
    }

    /// `open`, taking a chart directory in no Git repository too (lint).
    pub fn open_or_outside_git(chart: &Path) -> anyhow::Result<Self> {
        Self::open_with(chart, ChartRepo::open_or_outside_git(chart)?)
    }

    /// The chart a plan file names (repository-relative) in the repository
    /// that holds `start`.
    pub fn open_planned(start: &Path, chart: &str) -> anyhow::Result<Self> {
        let repo = ChartRepo::open(start)?;
        let root = repo
            .workdir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::open(&root.join(chart))
    }

    /// The chart at `rel` (repository-relative) of the repository at
    /// `root`, whether or not the directory is in the working tree.
    pub fn open_dir(root: &Path, rel: &str) -> anyhow::Result<Self> {
        let repo = ChartRepo::open(root)?.with_chart_dir(rel);
        Self::open_with(&root.join(rel), repo)
    }

    /// For test, rollback and uninstall, which act on a release: `dir` (or
    /// the current directory) is only where local hook files are read,
    /// from its working tree. A directory that is no chart and in no
    /// repository is taken as it is.
    pub fn for_release(dir: Option<&Path>) -> anyhow::Result<Self> {
        let given = dir.unwrap_or(Path::new("."));
        let repo = match ChartRepo::open_or_outside_git(given) {
            Ok(repo) => repo,
            Err(_) if given.is_dir() => ChartRepo::detached(given)?,
            Err(e) => return Err(e.into()),
        };
        Self::open_with(given, repo)
    }

    fn open_with(chart: &Path, repo: ChartRepo) -> anyhow::Result<Self> {
        let cache = Cache::open();
        let probe = HelmProbe::start(&cache)?;
        Ok(Self {
            cache,
            probe,
            repo,
            chart: chart.to_path_buf(),
        })
    }

    /// `-f` files Git does not track, read from disk for every revision:
    /// one note each.
    pub fn values_notes(&self, opts: &RenderOptions) -> Vec<String> {
        if self.repo.is_outside_git() {
            return Vec::new();
        }
        crate::adapters::render::untracked_values(&self.repo, opts)
            .iter()
            .map(|p| {
                format!(
                    "values file {} is not tracked by Git: read from disk, the same for every revision",
                    p.display()
                )
            })
            .collect()
    }

    /// What apply says before the question about the working tree: the
    /// values files read from disk, and uncommitted edits of the chart (or
    /// of its tracked values files) that applying `to`, HEAD's commit,
    /// leaves out.
    pub fn apply_notes(&self, to: &Revision, opts: &RenderOptions) -> Vec<String> {
        let mut notes = self.values_notes(opts);
        let at_head = to.commit.is_some() && to.commit == self.repo.head_commit();
        let mut paths = vec![self.repo.chart_path().to_string()];
        paths.extend(
            opts.values_files
                .iter()
                .filter_map(|p| self.repo.repo_relative(p)),
        );
        if at_head && self.repo.uncommitted_in(&paths) {
            let sha = to.commit.as_deref().unwrap_or_default();
            notes.push(format!(
                "working tree has uncommitted changes; applying {} ({}); use --to WORKTREE to apply them",
                to.spec,
                &sha[..sha.len().min(12)]
            ));
        }
        notes
    }

    /// Helm with its version (waits for `helm version` the first time).
    pub fn helm(&self) -> Result<Helm, HelmError> {
        self.probe.helm()
    }

    pub fn resolve(&self, spec: &str) -> anyhow::Result<Revision> {
        Ok(self.repo.resolve(spec)?)
    }

    /// A file beside the chart's `Chart.yaml`, repository-relative.
    pub fn chart_file(&self, name: &str) -> String {
        match self.repo.chart_path() {
            "" => name.to_string(),
            dir => format!("{dir}/{name}"),
        }
    }

    /// Where the chart is at `from`: `--from-path`, else where it is at `to`,
    /// else the one directory of `from` with a chart of the same name (a chart
    /// that moved). Ambiguity leaves it where it is: the missing chart's error
    /// then names `--from-path`.
    pub fn chart_at_from(
        &self,
        from_path: Option<&Path>,
        from: &Revision,
        to: &Revision,
    ) -> anyhow::Result<FromChart> {
        if let Some(p) = from_path {
            return Ok(FromChart::Path(p.to_path_buf()));
        }
        if self.repo.has_chart(from)? {
            return Ok(FromChart::Same);
        }
        let Some(name) = self.repo.chart_name(to)? else {
            return Ok(FromChart::Same);
        };
        Ok(match self.repo.chart_dirs_named(from, &name).as_slice() {
            [one] => FromChart::Dir(one.clone()),
            _ => FromChart::Same,
        })
    }

    /// A repository handle for the chart where it is at `--from`.
    pub fn open_repo(&self, chart: &FromChart) -> anyhow::Result<ChartRepo> {
        open_chart(&self.chart, chart)
    }

    /// Renders `rev` a second time from the same input (its own cache
    /// entry): what differs is random per render.
    pub fn render_again(
        &self,
        rev: &Revision,
        opts: &RenderOptions,
        needs: Needs,
    ) -> anyhow::Result<RenderedRevision> {
        let side = crate::adapters::render::render_side_again(
            &self.repo,
            rev,
            opts,
            needs,
            &self.probe,
            &self.cache,
        )?;
        RenderedRevision::parse(
            &self.repo,
            rev.clone(),
            side,
            parse_cache(&self.cache, opts),
        )
    }

    /// Renders and parses one revision.
    pub fn render(
        &self,
        rev: &Revision,
        opts: &RenderOptions,
        needs: Needs,
    ) -> anyhow::Result<RenderedRevision> {
        let side = render_side(&self.repo, rev, opts, needs, &self.probe, &self.cache)?;
        RenderedRevision::parse(
            &self.repo,
            rev.clone(),
            side,
            parse_cache(&self.cache, opts),
        )
    }

    /// Renders two revisions at once (Helm runs for both in parallel). The
    /// second thread opens its own repository handle: libgit2 handles are
    /// not shared across threads.
    pub fn render_pair(
        &self,
        (from, from_chart): (&Revision, &FromChart),
        to: &Revision,
        opts: &RenderOptions,
        needs: Needs,
    ) -> anyhow::Result<(RenderedRevision, RenderedRevision)> {
        let (chart, helm, cache) = (&self.chart, &self.probe, &self.cache);
        let early_parses = Mutex::new(HookParses::new());
        let early = &early_parses;
        let (from_side, to_side) = std::thread::scope(|s| {
            let from_job = s.spawn(move || -> anyhow::Result<_> {
                let repo = open_chart(chart, from_chart)?;
                // Only `to`'s random values are told apart by a second render.
                let needs = Needs {
                    again: false,
                    ..needs
                };
                let side = render_side(&repo, from, opts, needs, helm, cache)?;
                parse_side_hooks(&side, early);
                Ok((repo, side))
            });
            let to_side = render_side(&self.repo, to, opts, needs, &self.probe, &self.cache);
            if let Ok(side) = &to_side {
                parse_side_hooks(side, early);
            }
            let from_side = from_job.join().expect("render thread panicked");
            (from_side, to_side)
        });
        let ((from_repo, from_side), to_side) = (from_side?, to_side?);
        tracing::debug!("both sides rendered and kept");
        // Each side's hooks were parsed as its render came in; what is
        // left is parsed together, each document once.
        let early = early_parses
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let (from, to) = RenderedRevision::parse_both(
            (&from_repo, from.clone(), from_side),
            (&self.repo, to.clone(), to_side),
            parse_cache(cache, opts),
            &early,
        )?;
        tracing::debug!(
            from = from.helm_runs,
            to = to.helm_runs,
            "helm template runs"
        );
        Ok((from, to))
    }
}

/// The cache for parses, unless the renders carry Secret values: the
/// cache holds none.
fn parse_cache<'c>(cache: &'c Cache, opts: &RenderOptions) -> Option<&'c Cache> {
    (!opts.secret_values).then_some(cache)
}

fn open_chart(chart: &Path, at: &FromChart) -> anyhow::Result<ChartRepo> {
    let repo = ChartRepo::open_or_outside_git(chart)?;
    Ok(match at {
        FromChart::Same => repo,
        FromChart::Path(p) => repo.with_chart(p)?,
        FromChart::Dir(d) => repo.with_chart_dir(d),
    })
}
