//! What every use case opens first: the cache, Helm, the chart's repository.

use super::revision::RenderedRevision;
use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::helm::Helm;
use crate::adapters::render::{Needs, RenderOptions, render_side};
use crate::core::model::Revision;
use std::path::{Path, PathBuf};

pub struct Workspace {
    pub cache: Cache,
    pub helm: Helm,
    pub repo: ChartRepo,
    /// CHART as given, to open more repository handles (one per thread).
    chart: PathBuf,
}

impl Workspace {
    pub fn open(chart: &Path) -> anyhow::Result<Self> {
        let cache = Cache::open();
        let helm = Helm::locate(&cache)?;
        let repo = ChartRepo::open(chart)?;
        Ok(Self {
            cache,
            helm,
            repo,
            chart: chart.to_path_buf(),
        })
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

    /// Renders and parses one revision.
    pub fn render(
        &self,
        rev: &Revision,
        opts: &RenderOptions,
        needs: Needs,
    ) -> anyhow::Result<RenderedRevision> {
        let side = render_side(&self.repo, rev, opts, needs, &self.helm, &self.cache)?;
        RenderedRevision::parse(&self.repo, rev.clone(), side)
    }

    /// Renders two revisions at once (Helm runs for both in parallel). The
    /// second thread opens its own repository handle: libgit2 handles are
    /// not shared across threads.
    pub fn render_pair(
        &self,
        from: &Revision,
        to: &Revision,
        opts: &RenderOptions,
        needs: Needs,
    ) -> anyhow::Result<(RenderedRevision, RenderedRevision)> {
        let (chart, helm, cache) = (&self.chart, &self.helm, &self.cache);
        let (from_side, to_side) = std::thread::scope(|s| {
            let from_job = s.spawn(move || -> anyhow::Result<_> {
                let repo = ChartRepo::open(chart)?;
                let side = render_side(&repo, from, opts, needs, helm, cache)?;
                RenderedRevision::parse(&repo, from.clone(), side)
            });
            let to_side = self.render(to, opts, needs);
            let from_side = from_job.join().expect("render thread panicked");
            (from_side, to_side)
        });
        let (from, to) = (from_side?, to_side?);
        tracing::debug!(
            from = from.helm_runs,
            to = to.helm_runs,
            "helm template runs"
        );
        Ok((from, to))
    }
}
