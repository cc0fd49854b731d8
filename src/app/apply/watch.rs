//! The cluster connection and its watchers, set up before Helm starts.

use super::Prepared;
use crate::adapters::kube::{self, Cluster, Feed, WatchSpec};
use crate::core::audit::RunStarted;
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// The cluster connection and its watchers.
pub struct Watching {
    pub cluster: Cluster,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// The API version and kind of every hook, and their (kind, name)s.
fn watch_spec(p: &Prepared) -> WatchSpec {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for h in &p.to_hooks {
        let api = h.document["apiVersion"]
            .as_str()
            .unwrap_or("v1")
            .to_string();
        if !kinds.iter().any(|(a, k)| *a == api && *k == h.kind) {
            kinds.push((api, h.kind.clone()));
        }
    }
    WatchSpec {
        namespace: p.namespace.clone(),
        kinds,
        names: p
            .to_hooks
            .iter()
            .map(|h| (h.kind.clone(), h.name.clone()))
            .collect::<HashSet<_>>(),
    }
}

/// Connects and lists before Helm starts, so older copies of hook objects
/// are known as such. Losing the cluster only loses the progress.
pub async fn watch(
    p: &Prepared,
    start: &mut RunStarted,
    warn: &dyn Fn(&str),
) -> (Option<Watching>, UnboundedReceiver<Feed>, Vec<Feed>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Feed>();
    let watching = match kube::connect(&p.namespace).await {
        Ok(cluster) => {
            start.kube_context = cluster.context.clone();
            start.kube_server = Some(cluster.server.clone());
            let tasks = kube::watch(&cluster.client, watch_spec(p), tx.clone());
            Some(Watching { cluster, tasks })
        }
        Err(e) => {
            warn(&format!(
                "cannot watch the cluster ({e}); showing Helm's own output only"
            ));
            None
        }
    };
    drop(tx);
    // Wait (bounded) for every watcher's first listing.
    let expected = watching.as_ref().map_or(0, |w| w.tasks.len());
    let mut early = Vec::new();
    let mut listed = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while listed < expected {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Feed::Listed)) => listed += 1,
            Ok(Some(other)) => early.push(other),
            Ok(None) | Err(_) => break,
        }
    }
    (watching, rx, early)
}
