//! The runs recorded, newest first: this machine's audit log, the run
//! objects in the cluster, or both merged by run id.
//!
//! Runs are read one at a time, newest first, through the log's index:
//! what a command costs follows what it reads (the newest runs of a
//! release, one run), not the size of the log.

use super::team_record::{self, ClusterRuns};
use crate::adapters::audit_index::{Cursor, LocalLog, LocalRun, Lookup};
use crate::adapters::audit_store::AuditStore;
use crate::core::audit::{
    DamagedLine, DurationComparison, HistoryError, Record, Run, changed_deployed, check_commit_ids,
    compare_with, fill_revision_commit, fold_run, missing_revision_commits, revision_commit,
};
use crate::core::cluster_record::{Store, merge};
use std::collections::HashMap;
use std::time::Duration;

pub use crate::adapters::audit_index::Depth;

/// Earlier runs of a release (in its namespace) that say how long its
/// hooks take: for a plan's expectations and `history --run`'s comparison.
pub const EXPECTATION_RUNS: usize = 100;

/// The runs of the stores asked; damaged lines and objects are reported,
/// never fatal.
pub struct Log {
    pub path: std::path::PathBuf,
    local: Option<LocalLog>,
    /// The cluster's runs the local log does not have, newest first.
    cluster_only: Vec<Run>,
    /// The cluster's records of runs the local log has too, by run id.
    cluster_shared: HashMap<String, Vec<Record>>,
    /// The first damaged lines, and how many there are.
    pub damaged: Vec<DamagedLine>,
    pub damaged_total: usize,
    pub cluster: ClusterPart,
}

/// What the cluster added to the log.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterPart {
    /// Not asked (`--source local`).
    NotAsked,
    /// The run objects of the namespace were read; those that could not
    /// be are named (object, reason).
    Read {
        namespace: String,
        damaged: Vec<(String, String)>,
    },
    /// Asked, not reached (`--source all` then shows the local log).
    Unavailable(String),
}

/// Where runs are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Local,
    Cluster,
    /// Both, when the cluster answers in time; else the local log.
    All,
}

/// `--source cluster` and the cluster did not answer.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the run objects in namespace {namespace}: {reason}")]
pub struct ClusterUnavailable {
    pub namespace: String,
    pub reason: String,
}

/// Time the cluster has when it was asked for by name.
const EXPLICIT_BUDGET: Duration = Duration::from_secs(10);

/// The local audit log alone.
pub fn read(store: &AuditStore) -> anyhow::Result<Log> {
    read_from(store, Source::Local, "", None)
}

/// The runs of `source`; the cluster's are those in `namespace` (of
/// `release`, when given).
pub fn read_from(
    store: &AuditStore,
    source: Source,
    namespace: &str,
    release: Option<&str>,
) -> anyhow::Result<Log> {
    let local = match source {
        Source::Cluster => None,
        Source::Local | Source::All => Some(store.open_log()?),
    };
    let (cluster_records, cluster) = match source {
        Source::Local => (Vec::new(), ClusterPart::NotAsked),
        Source::All => split(team_record::read(
            namespace,
            release,
            team_record::READ_BUDGET,
        )),
        Source::Cluster => match split(team_record::read(namespace, release, EXPLICIT_BUDGET)) {
            (_, ClusterPart::Unavailable(reason)) => {
                return Err(ClusterUnavailable {
                    namespace: namespace.to_string(),
                    reason,
                }
                .into());
            }
            read => read,
        },
    };
    let (damaged, damaged_total) = local.as_ref().map(LocalLog::damaged).unwrap_or_default();
    let (cluster_only, cluster_shared) = part_cluster(local.as_ref(), cluster_records)?;
    Ok(Log {
        // Empty when the local log was not read.
        path: match source {
            Source::Cluster => std::path::PathBuf::new(),
            _ => store.path.clone(),
        },
        local,
        cluster_only,
        cluster_shared,
        damaged,
        damaged_total,
        cluster,
    })
}

/// The cluster's runs only it has (folded, newest first), and the records
/// of those the local log has too, by run id.
type ClusterParts = (Vec<Run>, HashMap<String, Vec<Record>>);

/// The cluster's runs split into those only it has and those the local
/// log has too.
fn part_cluster(local: Option<&LocalLog>, records: Vec<Record>) -> anyhow::Result<ClusterParts> {
    let mut by_run: HashMap<String, Vec<Record>> = HashMap::new();
    for r in records {
        by_run.entry(r.run.clone()).or_default().push(r);
    }
    let mut shared = HashMap::new();
    let mut only = Vec::new();
    for (id, records) in by_run {
        let in_local = match local {
            Some(log) => matches!(log.find(&id, None)?, Lookup::Found(r) if run_id(&r) == id),
            None => false,
        };
        match in_local {
            true => {
                shared.insert(id, records);
            }
            false => only.extend(records),
        }
    }
    Ok((merge(Vec::new(), only), shared))
}

fn run_id(r: &LocalRun) -> &str {
    r.records.first().map_or("", |r| r.run.as_str())
}

fn split(runs: ClusterRuns) -> (Vec<Record>, ClusterPart) {
    match runs {
        ClusterRuns::Read {
            namespace,
            records,
            damaged,
        } => (records, ClusterPart::Read { namespace, damaged }),
        ClusterRuns::Unavailable(reason) => (Vec::new(), ClusterPart::Unavailable(reason)),
    }
}

/// Where a run sits among the others, to walk those older than it.
#[derive(Debug, Clone)]
pub struct Position {
    /// Its start in the local log, if it is there.
    offset: Option<u64>,
    started: String,
}

/// Runs newest first, the local log's and the cluster's merged by start
/// time; see [`Log::runs`].
pub struct Runs<'a> {
    log: &'a Log,
    cursor: Option<Cursor>,
    depth: Depth,
    release: Option<String>,
    /// Local runs are those older than `before` only when it has no offset.
    before: Option<Position>,
    next_local: Option<(Run, u64)>,
    cluster_at: usize,
    local_done: bool,
    skip_ended: bool,
}

impl Log {
    /// Runs of `release` (or all), newest first, read to `depth`.
    pub fn runs(&self, release: Option<&str>, depth: Depth) -> Runs<'_> {
        self.runs_before(release, depth, None)
    }

    /// As [`Log::runs`], of those older than `before`.
    pub fn runs_before(
        &self,
        release: Option<&str>,
        depth: Depth,
        before: Option<&Position>,
    ) -> Runs<'_> {
        let offset = before.and_then(|p| p.offset);
        Runs {
            log: self,
            cursor: self.local.as_ref().map(|l| l.cursor(release, offset)),
            depth,
            release: release.map(str::to_string),
            before: before.cloned(),
            next_local: None,
            cluster_at: 0,
            local_done: false,
            skip_ended: false,
        }
    }

    /// Runs of `release` that never recorded their end nor were resolved
    /// (what else is left out is known from the index alone).
    pub fn unended(&self, release: &str) -> Runs<'_> {
        let mut runs = self.runs(Some(release), Depth::Summary);
        runs.skip_ended = true;
        if let Some(c) = runs.cursor.as_mut() {
            c.skip_ended();
        }
        runs
    }

    /// Runs recorded (of `release`, when given).
    pub fn count(&self, release: Option<&str>) -> usize {
        self.local.as_ref().map_or(0, |l| l.count(release))
            + self
                .cluster_only
                .iter()
                .filter(|r| release.is_none_or(|rel| r.start.release == rel))
                .count()
    }

    /// Every release the log and the cluster have runs of.
    pub fn releases(&self) -> Vec<String> {
        let mut all = self
            .local
            .as_ref()
            .map(LocalLog::releases)
            .unwrap_or_default();
        all.extend(self.cluster_only.iter().map(|r| r.start.release.clone()));
        all.sort();
        all.dedup();
        all
    }

    /// The run `id` names (exactly, or as the start of one id), read in
    /// full, and where it sits; RELEASE narrows which runs it may name.
    /// An exact id wins over being the start of others.
    pub fn find(&self, id: &str, release: Option<&str>) -> anyhow::Result<(Run, Position)> {
        let cluster: Vec<&Run> = self
            .cluster_only
            .iter()
            .filter(|r| release.is_none_or(|rel| r.start.release == rel))
            .collect();
        let local = match &self.local {
            Some(log) => log.find(id, release)?,
            None => Lookup::Unknown,
        };
        let (mut count, mut candidates, mut single) = (0, Vec::new(), None);
        match local {
            Lookup::Found(found) => {
                let (run, offset) = self.local_run(found)?;
                let position = Position {
                    offset: Some(offset),
                    started: run.started.clone(),
                };
                if run.id == id {
                    return Ok((run, position));
                }
                count = 1;
                candidates.push(run.id.clone());
                single = Some((run, position));
            }
            Lookup::Unknown => {}
            Lookup::Ambiguous { count: n, newest } => {
                count = n;
                candidates = newest;
            }
        }
        let in_cluster = |r: &&&Run| r.id == id;
        let by_prefix = |r: &&&Run| !id.is_empty() && r.id.starts_with(id);
        let named = cluster.iter().find(in_cluster).or_else(|| {
            (count == 0 && cluster.iter().filter(by_prefix).count() == 1)
                .then(|| cluster.iter().find(by_prefix))
                .flatten()
        });
        if let Some(run) = named {
            let position = Position {
                offset: None,
                started: run.started.clone(),
            };
            return Ok(((*run).clone(), position));
        }
        let prefixed: Vec<String> = cluster
            .iter()
            .filter(by_prefix)
            .map(|r| r.id.clone())
            .collect();
        match (count + prefixed.len(), single) {
            (1, Some(found)) => Ok(found),
            (0, _) => Err(HistoryError::UnknownRun {
                id: id.to_string(),
                runs: self.count(release),
            }
            .into()),
            (total, _) => Err(HistoryError::AmbiguousRun {
                id: id.to_string(),
                count: total,
                candidates: candidates.into_iter().chain(prefixed).collect(),
            }
            .into()),
        }
    }

    /// A local run folded, with the cluster's records of it if it has
    /// some, and its offset; its commit ids checked.
    fn local_run(&self, found: LocalRun) -> anyhow::Result<(Run, u64)> {
        let id = run_id(&found).to_string();
        let run = match self.cluster_shared.get(&id) {
            Some(theirs) => merge(found.records, theirs.clone()).into_iter().next(),
            None => fold_run(found.records).map(|mut r| {
                r.recorded_in.push(Store::Local);
                r
            }),
        };
        let run = run.ok_or_else(|| anyhow::anyhow!("run {id} has no start in the audit log"))?;
        check_commit_ids(std::slice::from_ref(&run))?;
        Ok((run, found.start))
    }

    /// One run, with its hooks' durations against the newest earlier runs
    /// of its release in its namespace.
    pub fn one_run(
        &self,
        id: &str,
        release: Option<&str>,
    ) -> anyhow::Result<(Run, Vec<DurationComparison>)> {
        let (run, position) = self.find(id, release)?;
        let earlier = self.recent(
            &run.start.release,
            &run.start.namespace,
            Some(&position),
            EXPECTATION_RUNS,
        )?;
        let durations = compare_with(&run, &earlier.iter().collect::<Vec<_>>());
        Ok((run, durations))
    }

    /// The newest `n` runs of `release` in `namespace` (older than
    /// `before`, when given), read to their start and end.
    pub fn recent(
        &self,
        release: &str,
        namespace: &str,
        before: Option<&Position>,
        n: usize,
    ) -> anyhow::Result<Vec<Run>> {
        let mut out = Vec::new();
        for run in self.runs_before(Some(release), Depth::Summary, before) {
            let run = run?;
            if run.start.namespace == namespace {
                out.push(run);
                if out.len() == n {
                    break;
                }
            }
        }
        Ok(out)
    }
}

impl Runs<'_> {
    /// Runs in scope not yet returned.
    pub fn remaining(&mut self) -> anyhow::Result<usize> {
        let local = match (&mut self.cursor, &self.log.local) {
            (Some(c), Some(log)) if !self.local_done => log.remaining(c)?,
            _ => 0,
        };
        let cluster = self.log.cluster_only[self.cluster_at..]
            .iter()
            .filter(|r| self.in_scope(r))
            .count();
        Ok(local + cluster + usize::from(self.next_local.is_some()))
    }

    fn in_scope(&self, r: &Run) -> bool {
        self.release
            .as_ref()
            .is_none_or(|rel| &r.start.release == rel)
            && self.before.as_ref().is_none_or(|p| r.started < p.started)
            && !(self.skip_ended && (r.end.is_some() || r.resolved.is_some()))
    }

    fn peek_local(&mut self) -> anyhow::Result<()> {
        while self.next_local.is_none() && !self.local_done {
            let (Some(log), Some(c)) = (&self.log.local, self.cursor.as_mut()) else {
                self.local_done = true;
                break;
            };
            match log.next(c, self.depth) {
                None => self.local_done = true,
                Some(found) => {
                    let (run, offset) = self.log.local_run(found?)?;
                    // Before a run known only to the cluster: by time.
                    let older = match &self.before {
                        Some(p) if p.offset.is_none() => run.started < p.started,
                        _ => true,
                    };
                    let wanted =
                        !(self.skip_ended && (run.end.is_some() || run.resolved.is_some()));
                    if older && wanted {
                        self.next_local = Some((run, offset));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Iterator for Runs<'_> {
    type Item = anyhow::Result<Run>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.peek_local() {
            return Some(Err(e));
        }
        while self.cluster_at < self.log.cluster_only.len()
            && !self.in_scope(&self.log.cluster_only[self.cluster_at])
        {
            self.cluster_at += 1;
        }
        let cluster = self.log.cluster_only.get(self.cluster_at);
        let take_cluster = match (&self.next_local, cluster) {
            (_, None) => false,
            (None, Some(_)) => true,
            // Ties go to the local run, as a stable sort of both would.
            (Some((local, _)), Some(c)) => c.started > local.started,
        };
        if take_cluster {
            self.cluster_at += 1;
            return cluster.cloned().map(Ok);
        }
        self.next_local.take().map(|(run, _)| Ok(run))
    }
}

impl Log {
    /// The commit revision `revision` of `release` in `namespace` was
    /// made from (see `core::audit::revision_commit`), read back from the
    /// newest run (or from those older than `before`) only as far as that
    /// revision.
    pub fn revision_commit(
        &self,
        release: &str,
        namespace: &str,
        revision: u64,
        before: Option<&Position>,
    ) -> Option<String> {
        let runs = self
            .runs_before(Some(release), Depth::Summary, before)
            .map_while(Result::ok);
        revision_commit(runs, release, namespace, revision)
    }

    /// `run`'s sides recorded as `revision N` without their commit get it
    /// from the older run that made revision N; read only when one is
    /// missing.
    pub fn fill_revision_commits(&self, run: &mut Run) -> anyhow::Result<()> {
        if missing_revision_commits(run) == (None, None) {
            return Ok(());
        }
        let release = run.start.release.clone();
        let (_, position) = self.find(&run.id, Some(&release))?;
        let namespace = run.start.namespace.clone();
        fill_revision_commit(run, |n| {
            self.revision_commit(&release, &namespace, n, Some(&position))
        });
        Ok(())
    }
}

/// What was last applied to `release` in `namespace` (see
/// `core::audit::last_applied`): its newest run that changed
/// what is deployed, unless that was an uninstall. Reads back only as far
/// as that run.
pub fn last_applied(log: &Log, release: &str, namespace: &str) -> anyhow::Result<Option<Run>> {
    for run in log.runs(Some(release), Depth::Summary) {
        let run = run?;
        if changed_deployed(&run, release, namespace) {
            return Ok(Some(run).filter(|r| r.start.operation != "uninstall"));
        }
    }
    Ok(None)
}
