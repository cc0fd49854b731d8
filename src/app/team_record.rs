//! The team's record in the cluster: each run written to its run object
//! as it starts and as it ends, older ones pruned, and the objects read
//! back for `history` and `plan`. Recording never fails a run: the first
//! failure is one warning, and the local log has the run anyway.

use crate::adapters::kube;
use crate::adapters::run_objects::{RunObjectError, RunObjects};
use crate::core::audit::Record;
use std::time::Duration;

/// What `--no-cluster-record` and `--history-max` say.
#[derive(Debug, Clone)]
pub struct ClusterRecordOptions {
    pub enabled: bool,
    /// Run objects kept per release; 0 keeps all.
    pub history_max: usize,
    /// `uninstall --purge-history`: after a successful uninstall, delete
    /// the release's run objects.
    pub purge: bool,
}

impl Default for ClusterRecordOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            history_max: crate::core::cluster_record::DEFAULT_HISTORY_MAX,
            purge: false,
        }
    }
}

/// Writes one run's object; gives up, with one warning, at the first
/// failure.
pub struct RunRecorder {
    objects: RunObjects,
    release: String,
    run_id: String,
    options: ClusterRecordOptions,
    written: bool,
    gave_up: bool,
    /// The first write found no namespace (`-- --create-namespace`
    /// makes it when Helm runs): tried again at the run's end.
    awaiting_namespace: bool,
}

/// How long the run's end tries again for a namespace Helm was to create
/// (the API server can lag a moment behind the namespace's creation).
const NAMESPACE_RETRY: Duration = Duration::from_secs(1);
const NAMESPACE_RETRY_PAUSE: Duration = Duration::from_millis(200);

impl RunRecorder {
    pub fn new(
        client: ::kube::Client,
        namespace: &str,
        release: &str,
        run_id: &str,
        options: ClusterRecordOptions,
    ) -> Option<Self> {
        options.enabled.then(|| Self {
            objects: RunObjects::new(client, namespace),
            release: release.to_string(),
            run_id: run_id.to_string(),
            options,
            written: false,
            gave_up: false,
            awaiting_namespace: false,
        })
    }

    /// Writes the run's records so far: at the start (then prunes the
    /// oldest objects) and at the end.
    pub async fn record(&mut self, records: &[Record], warn: &dyn Fn(&str)) {
        if self.gave_up {
            return;
        }
        match self.write(records).await {
            // Not yet: the end tries again, once Helm has made it.
            Err(RunObjectError::NamespaceMissing { .. }) if !self.written => {
                self.awaiting_namespace = true;
            }
            Err(e) => {
                self.gave_up = true;
                warn(&not_recorded(&self.run_id, &e));
            }
            Ok(()) => self.awaiting_namespace = false,
        }
    }

    /// The run's end when the start found no namespace: tried for a short
    /// while, then the one warning.
    async fn record_once_namespace_exists(&mut self, records: &[Record], warn: &dyn Fn(&str)) {
        let deadline = tokio::time::Instant::now() + NAMESPACE_RETRY;
        loop {
            match self.write(records).await {
                Ok(()) => {
                    self.awaiting_namespace = false;
                    return;
                }
                Err(RunObjectError::NamespaceMissing { .. })
                    if tokio::time::Instant::now() + NAMESPACE_RETRY_PAUSE < deadline =>
                {
                    tokio::time::sleep(NAMESPACE_RETRY_PAUSE).await;
                }
                Err(e) => {
                    self.gave_up = true;
                    warn(&not_recorded(&self.run_id, &e));
                    return;
                }
            }
        }
    }

    async fn write(&mut self, records: &[Record]) -> Result<(), RunObjectError> {
        async {
            self.objects
                .put(&self.release, &self.run_id, records, self.written)
                .await?;
            if !std::mem::replace(&mut self.written, true) {
                self.objects
                    .prune(&self.release, self.options.history_max)
                    .await?;
            }
            Ok(())
        }
        .await
    }

    /// Adds what a later run found (a resolution) to the objects of
    /// runs that were killed.
    pub async fn resolve(&mut self, resolutions: &[Record], warn: &dyn Fn(&str)) {
        for r in resolutions {
            // No namespace, no objects of earlier runs in it.
            if self.gave_up || self.awaiting_namespace {
                return;
            }
            if let Err(e) = self.objects.append(&self.release, r).await {
                self.gave_up = true;
                warn(&not_recorded(&self.run_id, &e));
            }
        }
    }

    /// The run's end: every record; then, after a successful uninstall
    /// with `--purge-history`, the release's run objects go, this run's
    /// too (the local log keeps it).
    pub async fn finish(&mut self, records: &[Record], uninstalled: bool, warn: &dyn Fn(&str)) {
        match self.awaiting_namespace {
            true => self.record_once_namespace_exists(records, warn).await,
            false => self.record(records, warn).await,
        }
        if !self.options.purge || !uninstalled || self.gave_up {
            return;
        }
        if let Err(e) = self.objects.purge(&self.release).await {
            warn(&format!(
                "the run objects of release {} were not deleted: {e}",
                self.release
            ));
        }
    }
}

/// The warning for a run the cluster did not get: what failed, what is
/// safe, and the way out.
fn not_recorded(run_id: &str, e: &RunObjectError) -> String {
    let fix = match e {
        RunObjectError::Forbidden { .. } => {
            "recording needs create, update, get, list and delete on secrets there; or pass --no-cluster-record".to_string()
        }
        RunObjectError::NamespaceMissing { .. } => {
            "Helm did not create it: pass -- --create-namespace, or --no-cluster-record to stop trying".to_string()
        }
        _ => "pass --no-cluster-record to stop trying".to_string(),
    };
    format!("run {run_id} was not recorded in the cluster: {e}; the local audit log has it ({fix})")
}

/// What the cluster gave `history` and `plan`.
pub enum ClusterRuns {
    /// The records of every run object read, and the objects that could
    /// not be (name, reason).
    Read {
        namespace: String,
        records: Vec<Record>,
        damaged: Vec<(String, String)>,
    },
    /// Not reached: why, in a few words.
    Unavailable(String),
}

/// Time the cluster has to answer `history` before it shows the local
/// log alone.
pub const READ_BUDGET: Duration = Duration::from_secs(3);

/// Reads the run objects in `namespace` (of `release`, or all), bounded
/// by `budget` in all: connecting and listing.
pub fn read(namespace: &str, release: Option<&str>, budget: Duration) -> ClusterRuns {
    if !kube::has_kubeconfig() && std::env::var_os("HELM_KUBEAPISERVER").is_none() {
        return ClusterRuns::Unavailable("no kubeconfig names a cluster".into());
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return ClusterRuns::Unavailable(e.to_string()),
    };
    runtime.block_on(async {
        let listing = async {
            let cluster = kube::connect(namespace).await?;
            let objects = RunObjects::new(cluster.client, namespace);
            anyhow::Ok(objects.list(release).await?)
        };
        match tokio::time::timeout(budget, listing).await {
            Err(_) => ClusterRuns::Unavailable(format!(
                "the cluster did not answer within {}s",
                budget.as_secs()
            )),
            Ok(Err(e)) => ClusterRuns::Unavailable(format!("{e:#}")),
            Ok(Ok(stored)) => {
                let mut records = Vec::new();
                let mut damaged = Vec::new();
                for s in stored {
                    match s.records {
                        Ok(r) => records.extend(r),
                        Err(e) => damaged.push((s.name, e.to_string())),
                    }
                }
                ClusterRuns::Read {
                    namespace: namespace.to_string(),
                    records,
                    damaged,
                }
            }
        }
    })
}
