//! Run objects in the cluster: Secrets of type `helm-hooks.io/run.v1` in
//! the release's namespace, one per run (`core::cluster_record` says what
//! they hold). Every call is bounded: recording must never hold up a run.

use crate::core::audit::Record;
use crate::core::cluster_record::{
    self, DecodeError, Listed, RECORDS_KEY, RUN_TYPE, labels, object_name,
};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use std::collections::BTreeMap;
use std::time::Duration;

/// Time any one call to the API server may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RunObjectError {
    /// RBAC said no: the verb and resource to grant.
    #[error("{verb} on secrets in namespace {namespace} is forbidden ({message})")]
    Forbidden {
        verb: &'static str,
        namespace: String,
        message: String,
    },
    #[error("{verb} secrets in namespace {namespace} failed: {message}")]
    Failed {
        verb: &'static str,
        namespace: String,
        message: String,
    },
    /// The namespace does not exist (yet: `--create-namespace` makes it
    /// only when Helm runs).
    #[error("{verb} secrets in namespace {namespace} failed: namespace {namespace} does not exist")]
    NamespaceMissing {
        verb: &'static str,
        namespace: String,
    },
    #[error("{verb} secrets in namespace {namespace} took over {}s", CALL_TIMEOUT.as_secs())]
    TimedOut {
        verb: &'static str,
        namespace: String,
    },
}

/// A run object read back.
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub name: String,
    pub created: String,
    pub records: Result<Vec<Record>, DecodeError>,
}

pub struct RunObjects {
    api: Api<Secret>,
    namespace: String,
}

impl RunObjects {
    pub fn new(client: kube::Client, namespace: &str) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            namespace: namespace.to_string(),
        }
    }

    async fn call<T>(
        &self,
        verb: &'static str,
        fut: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, RunObjectError> {
        let namespace = self.namespace.clone();
        match tokio::time::timeout(CALL_TIMEOUT, fut).await {
            Err(_) => Err(RunObjectError::TimedOut { verb, namespace }),
            Ok(Ok(v)) => Ok(v),
            Ok(Err(kube::Error::Api(status))) if status.code == 403 => {
                Err(RunObjectError::Forbidden {
                    verb,
                    namespace,
                    message: status.message.clone(),
                })
            }
            Ok(Err(kube::Error::Api(status)))
                if status.code == 404
                    && status
                        .details
                        .as_ref()
                        .is_some_and(|d| d.kind == "namespaces") =>
            {
                Err(RunObjectError::NamespaceMissing { verb, namespace })
            }
            Ok(Err(kube::Error::Api(status))) => Err(RunObjectError::Failed {
                verb,
                namespace,
                message: format!("{} ({} {})", status.message, status.code, status.reason),
            }),
            Ok(Err(e)) => Err(RunObjectError::Failed {
                verb,
                namespace,
                message: e.to_string(),
            }),
        }
    }

    fn object(&self, release: &str, run_id: &str, records: &[Record]) -> Secret {
        let labels: BTreeMap<String, String> =
            labels(release, run_id, records).into_iter().collect();
        Secret {
            metadata: ObjectMeta {
                name: Some(object_name(release, run_id)),
                namespace: Some(self.namespace.clone()),
                labels: Some(labels),
                ..Default::default()
            },
            type_: Some(RUN_TYPE.into()),
            data: Some(BTreeMap::from([(
                RECORDS_KEY.to_string(),
                ByteString(cluster_record::encode(records)),
            )])),
            ..Default::default()
        }
    }

    /// Writes the run's object: created at the run's start, replaced with
    /// every record at its end (an unconditional update: only this run
    /// writes its object).
    pub async fn put(
        &self,
        release: &str,
        run_id: &str,
        records: &[Record],
        exists: bool,
    ) -> Result<(), RunObjectError> {
        let object = self.object(release, run_id, records);
        let pp = PostParams::default();
        if exists {
            let name = object_name(release, run_id);
            self.call("update", self.api.replace(&name, &pp, &object))
                .await?;
        } else {
            match self.call("create", self.api.create(&pp, &object)).await {
                // The same run id written before (pinned by
                // HELM_HOOKS_RUN_ID): this run's records replace it.
                Err(RunObjectError::Failed { message, .. }) if message.contains("(409 ") => {
                    let name = object_name(release, run_id);
                    self.call("update", self.api.replace(&name, &pp, &object))
                        .await?;
                }
                other => other.map(|_| ())?,
            }
        }
        Ok(())
    }

    /// Adds `record` to the object of its run, if there is one (a run
    /// killed before it could write its end, resolved by a later one).
    pub async fn append(&self, release: &str, record: &Record) -> Result<(), RunObjectError> {
        let name = object_name(release, &record.run);
        let Some(found) = self.call("get", self.api.get_opt(&name)).await? else {
            return Ok(());
        };
        let bytes = found.data.as_ref().and_then(|d| d.get(RECORDS_KEY));
        // A damaged object is left as it is: history names it.
        let Some(Ok(mut records)) = bytes.map(|b| cluster_record::decode(&b.0)) else {
            return Ok(());
        };
        records.push(record.clone());
        self.put(release, &record.run, &records, true).await
    }

    /// The run objects of a release (or of every release), by label.
    pub async fn list(&self, release: Option<&str>) -> Result<Vec<StoredRun>, RunObjectError> {
        let lp = ListParams::default().labels(&cluster_record::selector(release));
        let list = self.call("list", self.api.list(&lp)).await?;
        Ok(list
            .items
            .into_iter()
            // The label could be set by hand on anything: the type decides.
            .filter(|s| s.type_.as_deref() == Some(RUN_TYPE))
            .map(|s| StoredRun {
                name: s.metadata.name.clone().unwrap_or_default(),
                created: s
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.to_string())
                    .unwrap_or_default(),
                records: s
                    .data
                    .as_ref()
                    .and_then(|d| d.get(RECORDS_KEY))
                    .map(|b| cluster_record::decode(&b.0))
                    .unwrap_or_else(|| Ok(Vec::new())),
            })
            .collect())
    }

    /// Deletes the oldest of a release's run objects so that `keep`
    /// remain (0: none deleted). Returns how many went.
    pub async fn prune(&self, release: &str, keep: usize) -> Result<usize, RunObjectError> {
        if keep == 0 {
            return Ok(0);
        }
        let listed = self
            .list(Some(release))
            .await?
            .into_iter()
            .map(|s| Listed {
                name: s.name,
                created: s.created,
            })
            .collect();
        let doomed = cluster_record::to_prune(listed, keep);
        for name in &doomed {
            self.delete(name).await?;
        }
        Ok(doomed.len())
    }

    /// Deletes every run object of a release (`uninstall --purge-history`).
    pub async fn purge(&self, release: &str) -> Result<usize, RunObjectError> {
        let all = self.list(Some(release)).await?;
        for s in &all {
            self.delete(&s.name).await?;
        }
        Ok(all.len())
    }

    async fn delete(&self, name: &str) -> Result<(), RunObjectError> {
        match self
            .call("delete", self.api.delete(name, &DeleteParams::default()))
            .await
        {
            // Gone already (another run pruned it): what was wanted.
            Err(RunObjectError::Failed { message, .. }) if message.contains("(404 ") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}
