//! The cluster, reached exactly as Helm reaches it, and watched for hooks.

use crate::core::tracker::{ObjectStatus, Observation};
use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use kube::api::{Api, DynamicObject, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Config};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The kube context the user named (`--kube-context`, which Helm passes
/// to plugins as `HELM_KUBECONTEXT`); `None` when the kubeconfig's current
/// context is only the default.
pub fn named_context() -> Option<String> {
    env("HELM_KUBECONTEXT")
}

/// The kubeconfig names something that cannot be used (a missing CA or
/// client certificate file, bad YAML): kube's text once, and its paths
/// quoted once.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KubeconfigUnusable(String);

impl KubeconfigUnusable {
    /// kube's errors repeat their source in their own text (`failed to
    /// load certificate authority: failed to read file '"/x"': ... (os
    /// error 2)`, then the same file error, then the OS error again) and
    /// quote paths as `'"/x"'`: each text is kept only when not already
    /// said, the doubled quotes made single.
    fn from_chain(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut text = err.to_string();
        let mut cause = err.source();
        while let Some(c) = cause {
            let said = c.to_string();
            if !text.contains(&said) {
                text = format!("{text}: {said}");
            }
            cause = c.source();
        }
        Self(text.replace("'\"", "\"").replace("\"'", "\""))
    }
}

pub struct Cluster {
    pub client: Client,
    pub context: Option<String>,
    pub server: String,
}

/// A client configured from Helm's environment: KUBECONFIG (or the default
/// file), `HELM_KUBECONTEXT`, and the `HELM_KUBEAPISERVER`/`HELM_KUBETOKEN`/
/// `HELM_KUBECAFILE`/`HELM_KUBEINSECURE_SKIP_TLS_VERIFY`/`HELM_KUBEASUSER`/
/// `HELM_KUBEASGROUPS`/`HELM_KUBETLS_SERVER_NAME` overrides Helm passes to
/// plugins for its own `--kube-*` flags.
pub async fn connect(namespace: &str) -> anyhow::Result<Cluster> {
    let options = KubeConfigOptions {
        context: env("HELM_KUBECONTEXT"),
        ..Default::default()
    };
    let unusable = |e: &(dyn std::error::Error + 'static)| KubeconfigUnusable::from_chain(e);
    let (mut config, context) = match Kubeconfig::read() {
        Ok(kc) => {
            let context = options.context.clone().or(kc.current_context.clone());
            let config = Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| unusable(&e))?;
            (config, context)
        }
        Err(e) => match env("HELM_KUBEAPISERVER") {
            Some(server) => (Config::new(server.parse()?), None),
            None => match Config::incluster() {
                Ok(c) => (c, None),
                Err(_) => return Err(unusable(&e).into()),
            },
        },
    };
    if let Some(server) = env("HELM_KUBEAPISERVER") {
        config.cluster_url = server.parse()?;
    }
    if let Some(token) = env("HELM_KUBETOKEN") {
        config.auth_info.token = Some(token.into());
    }
    if let Some(ca) = env("HELM_KUBECAFILE") {
        config.root_cert_file = Some(ca.into());
    }
    if env("HELM_KUBEINSECURE_SKIP_TLS_VERIFY").as_deref() == Some("true") {
        config.accept_invalid_certs = true;
    }
    if let Some(user) = env("HELM_KUBEASUSER") {
        config.auth_info.impersonate = Some(user);
    }
    if let Some(groups) = env("HELM_KUBEASGROUPS") {
        config.auth_info.impersonate_groups = Some(groups.split(',').map(str::to_string).collect());
    }
    if let Some(name) = env("HELM_KUBETLS_SERVER_NAME") {
        config.tls_server_name = Some(name);
    }
    config.default_namespace = namespace.to_string();
    let server = config.cluster_url.to_string();
    Ok(Cluster {
        client: Client::try_from(config).map_err(|e| unusable(&e))?,
        context,
        server,
    })
}

/// The API server's Kubernetes version (`v1.30.4-eks-...`), as Helm's
/// capabilities will have it; `None` when it does not answer in 3 s (the
/// plan's header then leaves it out; Helm's own run says the rest).
pub fn server_version(namespace: &str) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let ask = async {
            let cluster = connect(namespace).await.ok()?;
            cluster.client.apiserver_version().await.ok()
        };
        let info = tokio::time::timeout(std::time::Duration::from_secs(3), ask)
            .await
            .ok()??;
        Some(info.git_version)
    })
}

/// What discovery says, as Helm's install and upgrade read it for
/// `.Capabilities` (`GetVersionSet`): the server's version, every group
/// version, and each resource's (group version, kind).
pub struct Discovered {
    pub server: String,
    pub kube_version: String,
    pub group_versions: Vec<String>,
    pub kinds: Vec<(String, String)>,
}

/// Asks the cluster, connected as Helm connects, within 30 s.
pub fn discover(namespace: &str) -> anyhow::Result<Discovered> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let ask = async {
            let cluster = connect(namespace).await?;
            let client = &cluster.client;
            let version = client.apiserver_version().await?;
            let mut group_versions: Vec<String> = client.list_core_api_versions().await?.versions;
            for group in client.list_api_groups().await?.groups {
                group_versions.extend(group.versions.into_iter().map(|v| v.group_version));
            }
            let mut kinds = Vec::new();
            for gv in &group_versions {
                let list = match gv.contains('/') {
                    true => client.list_api_group_resources(gv).await?,
                    false => client.list_core_api_resources(gv).await?,
                };
                kinds.extend(list.resources.into_iter().map(|r| (gv.clone(), r.kind)));
            }
            anyhow::Ok(Discovered {
                server: cluster.server,
                kube_version: version.git_version,
                group_versions,
                kinds,
            })
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), ask)
            .await
            .map_err(|_| anyhow::anyhow!("the API server did not answer discovery within 30 s"))?
    })
}

/// Where Helm will act, as the kubeconfig and Helm's overrides say: the
/// context and the API server, for the question before a change. `None`
/// parts are unknown (no kubeconfig, or a context that names no cluster).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub context: Option<String>,
    pub server: Option<String>,
}

/// Whether a kubeconfig file or an in-cluster service account tells
/// Helm where the cluster is.
pub fn has_kubeconfig() -> bool {
    Kubeconfig::read().is_ok() || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

/// The namespace the current kube context names, if any.
pub fn context_namespace() -> Option<String> {
    let kc = Kubeconfig::read().ok()?;
    let name = env("HELM_KUBECONTEXT").or_else(|| kc.current_context.clone())?;
    let ctx = kc.contexts.iter().find(|c| c.name == name)?;
    ctx.context
        .as_ref()?
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
}

pub fn target() -> Target {
    let kc = Kubeconfig::read().ok();
    let context = env("HELM_KUBECONTEXT").or_else(|| kc.as_ref()?.current_context.clone());
    let from_file = || {
        let kc = kc.as_ref()?;
        let ctx = kc
            .contexts
            .iter()
            .find(|c| Some(&c.name) == context.as_ref())?;
        let cluster = ctx.context.as_ref()?.cluster.clone();
        let named = kc.clusters.iter().find(|c| c.name == cluster)?;
        named.cluster.as_ref()?.server.clone()
    };
    Target {
        server: env("HELM_KUBEAPISERVER").or_else(from_file),
        context,
    }
}

/// What the watchers send.
#[derive(Debug)]
pub enum Feed {
    Observation(Observation),
    /// A log line of a hook's pod: (hook kind, hook name, line).
    Log(String, String, String),
    /// One watcher finished its first listing.
    Listed,
    /// Watching failed (API error, permissions): progress degrades.
    Lost(String),
}

fn status_of(kind: &str, data: &Value) -> ObjectStatus {
    let status = &data["status"];
    match kind {
        "Job" => {
            let cond = |t: &str| {
                status["conditions"]
                    .as_array()
                    .and_then(|cs| cs.iter().find(|c| c["type"] == t && c["status"] == "True"))
            };
            if cond("Complete").is_some() {
                ObjectStatus::Succeeded
            } else if let Some(c) = cond("Failed") {
                let reason = c["reason"].as_str().unwrap_or("Failed");
                match c["message"].as_str() {
                    Some(m) => ObjectStatus::Failed(format!("{reason}: {m}")),
                    None => ObjectStatus::Failed(reason.to_string()),
                }
            } else if status["active"].as_i64().unwrap_or(0) > 0 {
                ObjectStatus::Running(String::new())
            } else {
                ObjectStatus::Present
            }
        }
        "Pod" => match status["phase"].as_str() {
            Some("Running") => ObjectStatus::Running("pod Running".into()),
            Some("Succeeded") => ObjectStatus::Succeeded,
            Some("Failed") => ObjectStatus::Failed(match pod_failure(data) {
                Some((code, reason)) => format!("exit code {code} ({reason})"),
                None => "pod Failed".into(),
            }),
            _ => ObjectStatus::Present,
        },
        _ => ObjectStatus::Present,
    }
}

/// The first container that ended with a non-zero code.
fn pod_failure(pod: &Value) -> Option<(i32, String)> {
    pod["status"]["containerStatuses"]
        .as_array()?
        .iter()
        .find_map(|c| {
            let t = &c["state"]["terminated"];
            let code = t["exitCode"].as_i64()? as i32;
            (code != 0).then(|| (code, t["reason"].as_str().unwrap_or("Error").to_string()))
        })
}

fn owner_job(pod: &Value) -> Option<String> {
    pod["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|o| o["kind"] == "Job")
        .and_then(|o| o["name"].as_str())
        .map(str::to_string)
}

/// Hooks to watch: (apiVersion, kind) per hook kind, and the hook names.
pub struct WatchSpec {
    pub namespace: String,
    pub kinds: Vec<(String, String)>,
    pub names: HashSet<(String, String)>,
}

/// Starts one watcher per hook kind (and one for Pods, to follow Job pods
/// and stream logs). Everything arrives on `tx`.
pub fn watch(
    client: &Client,
    spec: WatchSpec,
    tx: UnboundedSender<Feed>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let spec = Arc::new(spec);
    let streamed: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut kinds: Vec<(String, String)> = spec.kinds.clone();
    if !kinds.iter().any(|(_, k)| k == "Pod") {
        kinds.push(("v1".into(), "Pod".into()));
    }
    kinds
        .into_iter()
        .map(|(api_version, kind)| {
            let (client, spec, tx, streamed) =
                (client.clone(), spec.clone(), tx.clone(), streamed.clone());
            tokio::spawn(async move {
                if let Err(e) =
                    watch_kind(&client, &spec, &api_version, &kind, &tx, &streamed).await
                {
                    let _ = tx.send(Feed::Lost(format!("watching {kind}: {}", describe(&*e))));
                    let _ = tx.send(Feed::Listed);
                }
            })
        })
        .collect()
}

async fn watch_kind(
    client: &Client,
    spec: &WatchSpec,
    api_version: &str,
    kind: &str,
    tx: &UnboundedSender<Feed>,
    streamed: &Mutex<HashSet<String>>,
) -> anyhow::Result<()> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (resource, caps) = kube::discovery::pinned_kind(client, &gvk).await?;
    // ClusterRoles, CRDs, Namespaces, webhook configurations...: watched
    // where they live, not in the release's namespace.
    let api = scoped(client, &spec.namespace, &resource, &caps);
    let pods: Api<k8s_openapi::api::core::v1::Pod> =
        Api::namespaced(client.clone(), &spec.namespace);
    let job_names: HashSet<&str> = spec
        .names
        .iter()
        .filter(|(k, _)| k == "Job")
        .map(|(_, n)| n.as_str())
        .collect();
    let mut first_listing = true;
    let mut old_pods: HashSet<String> = HashSet::new();
    let mut reported_error = false;
    let mut stream = watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                if !reported_error {
                    reported_error = true;
                    let _ = tx.send(Feed::Lost(format!("watching {kind}: {}", describe(&e))));
                    if first_listing {
                        let _ = tx.send(Feed::Listed);
                        first_listing = false;
                    }
                }
                continue;
            }
        };
        let (obj, initial, gone) = match event {
            watcher::Event::Init => continue,
            watcher::Event::InitDone => {
                if first_listing {
                    first_listing = false;
                    let _ = tx.send(Feed::Listed);
                }
                continue;
            }
            watcher::Event::InitApply(o) => (o, first_listing, false),
            watcher::Event::Apply(o) => (o, false, false),
            watcher::Event::Delete(o) => (o, false, true),
        };
        let name = obj.metadata.name.clone().unwrap_or_default();
        let uid = obj.metadata.uid.clone().unwrap_or_default();
        let data = serde_json::to_value(&obj).unwrap_or_default();
        let is_hook = spec.names.contains(&(kind.to_string(), name.clone()));
        if kind == "Pod" && initial {
            old_pods.insert(uid.clone());
        }
        // Pods of an earlier run (listed before Helm started, or already
        // being deleted by before-hook-creation) must not lend this run
        // their phase or their logs.
        let leftover = old_pods.contains(&uid) || obj.metadata.deletion_timestamp.is_some();
        if kind == "Pod" && !gone && !initial && !leftover {
            if let Some(job) = owner_job(&data).filter(|j| job_names.contains(j.as_str())) {
                let phase = data["status"]["phase"]
                    .as_str()
                    .unwrap_or("Pending")
                    .to_string();
                let _ = tx.send(Feed::Observation(Observation::JobPod {
                    job: job.clone(),
                    phase: phase.clone(),
                    failure: pod_failure(&data),
                }));
                maybe_stream_logs(&pods, &name, &uid, &phase, ("Job", &job), tx, streamed);
            } else if is_hook {
                let phase = data["status"]["phase"]
                    .as_str()
                    .unwrap_or("Pending")
                    .to_string();
                maybe_stream_logs(&pods, &name, &uid, &phase, ("Pod", &name), tx, streamed);
            }
        }
        if !is_hook {
            continue;
        }
        let obs = if gone {
            Observation::Gone {
                kind: kind.to_string(),
                name,
                uid,
            }
        } else {
            Observation::Seen {
                kind: kind.to_string(),
                status: status_of(kind, &data),
                name,
                uid,
                initial,
            }
        };
        if tx.send(Feed::Observation(obs)).is_err() {
            break;
        }
    }
    Ok(())
}

/// Follows a pod's log once it has started, once per pod.
fn maybe_stream_logs(
    pods: &Api<k8s_openapi::api::core::v1::Pod>,
    pod: &str,
    uid: &str,
    phase: &str,
    hook: (&str, &str),
    tx: &UnboundedSender<Feed>,
    streamed: &Mutex<HashSet<String>>,
) {
    if phase == "Pending" || !streamed.lock().unwrap().insert(uid.to_string()) {
        return;
    }
    let (pods, pod, tx) = (pods.clone(), pod.to_string(), tx.clone());
    let (kind, name) = (hook.0.to_string(), hook.1.to_string());
    tokio::spawn(async move {
        let params = LogParams {
            follow: true,
            ..Default::default()
        };
        let Ok(reader) = pods.log_stream(&pod, &params).await else {
            return;
        };
        let mut lines = reader.lines();
        while let Ok(Some(line)) = lines.try_next().await {
            if tx
                .send(Feed::Log(kind.clone(), name.clone(), line))
                .is_err()
            {
                break;
            }
        }
    });
}

/// Whether each (apiVersion, kind, name) still exists in the namespace.
pub async fn still_there(
    client: &Client,
    namespace: &str,
    objects: &[(String, String, String)],
) -> HashMap<(String, String), bool> {
    let mut out = HashMap::new();
    let mut resources: HashMap<(String, String), Option<(ApiResource, ApiCapabilities)>> =
        HashMap::new();
    for (api_version, kind, name) in objects {
        let key = (api_version.clone(), kind.clone());
        if !resources.contains_key(&key) {
            let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
            let gvk = GroupVersionKind::gvk(group, version, kind);
            let r = kube::discovery::pinned_kind(client, &gvk).await.ok();
            resources.insert(key.clone(), r);
        }
        if let Some(Some((r, caps))) = resources.get(&key) {
            let api = scoped(client, namespace, r, caps);
            if let Ok(found) = api.get_opt(name).await {
                out.insert((kind.clone(), name.clone()), found.is_some());
            }
        }
    }
    out
}

/// The API of a kind where its objects live: the namespace, or the whole
/// cluster for cluster-scoped kinds.
fn scoped(
    client: &Client,
    namespace: &str,
    resource: &ApiResource,
    caps: &ApiCapabilities,
) -> Api<DynamicObject> {
    match caps.scope {
        Scope::Cluster => Api::all_with(client.clone(), resource),
        Scope::Namespaced => Api::namespaced_with(client.clone(), namespace, resource),
    }
}

/// An error of the API server as one line (its message, code and reason),
/// never the debug dump of its `Status`.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(kube::Error::Api(status)) = c.downcast_ref::<kube::Error>() {
            return format!("{} ({} {})", status.message, status.code, status.reason)
                .replace(" ()", "");
        }
        cause = c.source();
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::tracker::{RunState, Tracker};
    use serde_json::json;

    fn job(status: Value) -> Value {
        json!({"kind": "Job", "metadata": {"name": "migrate"}, "status": status})
    }

    /// The Job status sequences of Kubernetes 1.31+ (success policy, pod
    /// failure policy): `SuccessCriteriaMet` and `FailureTarget` come
    /// first, while pods still terminate; only `Complete`/`Failed` end the
    /// Job, which is where Helm's wait ends too.
    #[test]
    fn newer_job_conditions_end_the_run_only_at_complete_or_failed() {
        let success = [
            json!({"active": 1}),
            json!({"active": 0, "terminating": 1, "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True"}]}),
            json!({"active": 0, "succeeded": 1, "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True"},
                {"type": "Complete", "status": "True"}]}),
        ];
        let seen: Vec<ObjectStatus> = success
            .iter()
            .map(|s| status_of("Job", &job(s.clone())))
            .collect();
        assert_eq!(
            seen,
            [
                ObjectStatus::Running(String::new()),
                ObjectStatus::Present,
                ObjectStatus::Succeeded
            ]
        );
        let failure = [
            json!({"active": 1}),
            json!({"active": 0, "terminating": 1, "failed": 1, "conditions": [
                {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"}]}),
            // podReplacementPolicy: Failed waits for the old pod to be gone.
            json!({"active": 0, "failed": 1, "conditions": [
                {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}]}),
        ];
        let mut tracker = Tracker::new([(
            "pre-upgrade".to_string(),
            "Job".to_string(),
            "migrate".to_string(),
            true,
        )]);
        let mut states = Vec::new();
        for (i, s) in failure.iter().enumerate() {
            let obs = Observation::Seen {
                kind: "Job".into(),
                name: "migrate".into(),
                uid: "u1".into(),
                initial: false,
                status: status_of("Job", &job(s.clone())),
            };
            tracker.observe(obs, i as u64 * 100);
            states.push(tracker.hooks[0].state);
        }
        assert_eq!(
            states,
            [RunState::Running, RunState::Running, RunState::Failed],
            "FailureTarget alone is not a failure yet"
        );
        assert_eq!(
            tracker.hooks[0].detail.as_deref(),
            Some("BackoffLimitExceeded: Job has reached the specified backoff limit")
        );
    }
}
