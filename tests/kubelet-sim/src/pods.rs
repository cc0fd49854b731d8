//! Plays out the pods bound to the node: Pending, Running, then Succeeded or
//! Failed, as the pod's annotations say; finalizes pods being deleted. A pod
//! whose ConfigMaps or Secrets are missing stays Pending until they exist.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Result, anyhow};
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret};
use kube::api::{DeleteParams, Patch, PatchParams, Preconditions};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::logs::{self, Store};
use crate::time::now_k8s;

/// Annotation keys; documented in README.md.
const EXIT_CODE: &str = "kubelet-sim/exit-code";
const DURATION: &str = "kubelet-sim/duration";
const LINES: &str = "kubelet-sim/lines";
const LOG: &str = "kubelet-sim/log";

#[derive(Debug, Clone, PartialEq)]
struct Behaviour {
    exit_code: i32,
    duration: Duration,
    /// Lines every container prints, spread evenly over `duration`.
    lines: Vec<String>,
}

fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit() && c != '.')?);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

fn behaviour(pod: &Pod) -> Behaviour {
    let ann = pod.annotations();
    let name = pod.name_any();
    let warn = |key: &str, v: &str| eprintln!("kubelet-sim: pod {name}: ignoring {key}={v:?}");
    let exit_code = match ann.get(EXIT_CODE) {
        Some(v) => v.trim().parse().unwrap_or_else(|_| {
            warn(EXIT_CODE, v);
            0
        }),
        None => 0,
    };
    let duration = match ann.get(DURATION) {
        Some(v) => parse_duration(v).unwrap_or_else(|| {
            warn(DURATION, v);
            Duration::from_millis(200)
        }),
        None => Duration::from_millis(200),
    };
    let lines = if let Some(text) = ann.get(LOG) {
        text.lines().map(str::to_owned).collect()
    } else {
        let n: usize = match ann.get(LINES) {
            Some(v) => v.trim().parse().unwrap_or_else(|_| {
                warn(LINES, v);
                1
            }),
            None => 1,
        };
        (1..=n)
            .map(|i| format!("kubelet-sim: {name} line {i}/{n}"))
            .collect()
    };
    Behaviour {
        exit_code,
        duration,
        lines,
    }
}

/// A ConfigMap or Secret that a pod cannot start without.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ObjectRef {
    ConfigMap(String),
    Secret(String),
}

impl ObjectRef {
    /// The kubelet's message when it is missing.
    fn not_found(&self) -> String {
        match self {
            ObjectRef::ConfigMap(n) => format!("configmap \"{n}\" not found"),
            ObjectRef::Secret(n) => format!("secret \"{n}\" not found"),
        }
    }
}

/// What a pod needs before its containers can start (optional references
/// left out), in the order a kubelet checks them.
#[derive(Debug, Default, PartialEq)]
struct ConfigRefs {
    /// `volumes[].configMap` and `volumes[].secret`: without them the pod
    /// stays in ContainerCreating.
    volumes: Vec<(String, ObjectRef)>,
    /// Per init container, in order: what its environment needs.
    init: Vec<(String, Vec<ObjectRef>)>,
    /// Per container: what its environment needs.
    main: Vec<(String, Vec<ObjectRef>)>,
}

impl ConfigRefs {
    fn all(&self) -> impl Iterator<Item = &ObjectRef> {
        self.volumes
            .iter()
            .map(|(_, r)| r)
            .chain(self.init.iter().chain(&self.main).flat_map(|(_, rs)| rs))
    }
}

/// The non-optional ConfigMap and Secret references of a container's
/// `envFrom` and `env[].valueFrom`.
fn env_refs(c: &Container) -> Vec<ObjectRef> {
    let mut out = Vec::new();
    let mut add = |r: ObjectRef| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    for e in c.env_from.iter().flatten() {
        if let Some(r) = &e.config_map_ref
            && r.optional != Some(true)
        {
            add(ObjectRef::ConfigMap(r.name.clone()));
        }
        if let Some(r) = &e.secret_ref
            && r.optional != Some(true)
        {
            add(ObjectRef::Secret(r.name.clone()));
        }
    }
    for e in c.env.iter().flatten() {
        let Some(v) = &e.value_from else { continue };
        if let Some(r) = &v.config_map_key_ref
            && r.optional != Some(true)
        {
            add(ObjectRef::ConfigMap(r.name.clone()));
        }
        if let Some(r) = &v.secret_key_ref
            && r.optional != Some(true)
        {
            add(ObjectRef::Secret(r.name.clone()));
        }
    }
    out
}

/// What the pod cannot start without; see README.md.
fn config_refs(pod: &Pod) -> ConfigRefs {
    let Some(spec) = &pod.spec else {
        return ConfigRefs::default();
    };
    let mut volumes = Vec::new();
    for v in spec.volumes.iter().flatten() {
        if let Some(cm) = &v.config_map
            && cm.optional != Some(true)
        {
            volumes.push((v.name.clone(), ObjectRef::ConfigMap(cm.name.clone())));
        }
        if let Some(s) = &v.secret
            && s.optional != Some(true)
            && let Some(name) = &s.secret_name
        {
            volumes.push((v.name.clone(), ObjectRef::Secret(name.clone())));
        }
    }
    let per = |cs: &[Container]| -> Vec<(String, Vec<ObjectRef>)> {
        cs.iter().map(|c| (c.name.clone(), env_refs(c))).collect()
    };
    ConfigRefs {
        volumes,
        init: per(spec.init_containers.as_deref().unwrap_or_default()),
        main: per(&spec.containers),
    }
}

/// Which of `refs` do not exist in `ns` (yet). An error other than 404 counts
/// as missing for now, and is reported.
async fn missing(client: &Client, ns: &str, refs: &ConfigRefs) -> Vec<ObjectRef> {
    let mut out: Vec<ObjectRef> = Vec::new();
    for r in refs.all() {
        if out.contains(r) {
            continue;
        }
        let got = match r {
            ObjectRef::ConfigMap(n) => Api::<ConfigMap>::namespaced(client.clone(), ns)
                .get_metadata_opt(n)
                .await
                .map(|o| o.is_some()),
            ObjectRef::Secret(n) => Api::<Secret>::namespaced(client.clone(), ns)
                .get_metadata_opt(n)
                .await
                .map(|o| o.is_some()),
        };
        match got {
            Ok(true) => {}
            Ok(false) => out.push(r.clone()),
            Err(e) => {
                eprintln!("kubelet-sim: looking up {r:?} in {ns}: {e:#}");
                out.push(r.clone());
            }
        }
    }
    out
}

/// (name, image) of each container.
type Containers = Vec<(String, String)>;

/// The pod's init containers and containers.
fn container_names(pod: &Pod) -> (Containers, Containers) {
    let spec = pod.spec.clone().unwrap_or_default();
    let names = |cs: Vec<k8s_openapi::api::core::v1::Container>| {
        cs.into_iter()
            .map(|c| (c.name, c.image.unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    (
        names(spec.init_containers.unwrap_or_default()),
        names(spec.containers),
    )
}

fn cond(ty: &str, ok: bool, reason: Option<&str>, t: &str) -> Value {
    let mut c =
        json!({"type": ty, "status": if ok {"True"} else {"False"}, "lastTransitionTime": t});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    c
}

fn container_status(
    name: &str,
    image: &str,
    uid: &str,
    mut state: Value,
    ready: bool,
    restarts: u32,
    last_state: &Value,
) -> Value {
    let id = format!("sim://{uid}/{name}");
    if let Some(t) = state.get_mut("terminated") {
        t["containerID"] = json!(id);
    }
    json!({
        "name": name, "image": image, "imageID": format!("sim://{image}"),
        "containerID": id,
        "ready": ready, "started": state.get("running").is_some(),
        "restartCount": restarts, "state": state, "lastState": last_state,
    })
}

struct Ctx {
    api: Api<Pod>,
    name: String,
    uid: String,
    init: Containers,
    main: Containers,
    start_time: String,
}

impl Ctx {
    async fn patch(&self, status: Value) -> Result<()> {
        let body = json!({"status": status});
        self.api
            .patch_status(&self.name, &PatchParams::default(), &Patch::Merge(&body))
            .await?;
        Ok(())
    }

    fn init_done(&self, started: &str, finished: &str) -> Value {
        let st = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": finished}});
        self.init
            .iter()
            .map(|(n, i)| container_status(n, i, &self.uid, st.clone(), true, 0, &json!({})))
            .collect()
    }

    async fn pending(&self) -> Result<()> {
        let t = now_k8s();
        let waiting = json!({"waiting": {"reason": "ContainerCreating"}});
        let cs: Vec<Value> = self
            .main
            .iter()
            .map(|(n, i)| container_status(n, i, &self.uid, waiting.clone(), false, 0, &json!({})))
            .collect();
        self.patch(json!({
            "phase": "Pending", "hostIP": "127.0.0.1", "startTime": self.start_time,
            "conditions": [
                cond("Initialized", false, Some("ContainersNotInitialized"), &t),
                cond("Ready", false, Some("ContainersNotReady"), &t),
                cond("ContainersReady", false, Some("ContainersNotReady"), &t),
                cond("PodScheduled", true, None, &t),
            ],
            "containerStatuses": cs,
        }))
        .await
    }

    /// Still Pending because the ConfigMaps or Secrets in `missing`
    /// (non-empty) do not exist, as a kubelet reports it: a missing volume
    /// keeps every container in ContainerCreating; a container whose
    /// environment needs one waits in CreateContainerConfigError (the others
    /// in ContainerCreating, or PodInitializing behind an init container).
    async fn blocked(&self, refs: &ConfigRefs, missing: &[ObjectRef]) -> Result<()> {
        let t = now_k8s();
        let waiting = |reason: &str, message: Option<String>| {
            let mut w = json!({"reason": reason});
            if let Some(m) = message {
                w["message"] = json!(m);
            }
            json!({"waiting": w})
        };
        let config_error = |rs: &[ObjectRef]| {
            rs.iter()
                .find(|r| missing.contains(r))
                .map(|r| waiting("CreateContainerConfigError", Some(r.not_found())))
        };
        let status = |(n, i): &(String, String), st: Value| {
            container_status(n, i, &self.uid, st, false, 0, &json!({}))
        };
        let env_of = |list: &[(String, Vec<ObjectRef>)], name: &str| {
            list.iter()
                .find(|(n, _)| n == name)
                .map(|(_, rs)| rs.clone())
                .unwrap_or_default()
        };
        let (initialized, init, main): (bool, Value, Vec<Value>) = if let Some((vol, r)) =
            refs.volumes.iter().find(|(_, r)| missing.contains(r))
        {
            eprintln!(
                "kubelet-sim: pod {}: FailedMount: MountVolume.SetUp failed for volume \"{vol}\" : {}",
                self.name,
                r.not_found()
            );
            let st = waiting("ContainerCreating", None);
            let main = self.main.iter().map(|c| status(c, st.clone())).collect();
            (false, Value::Null, main)
        } else if let Some(k) = self
            .init
            .iter()
            .position(|(n, _)| config_error(&env_of(&refs.init, n)).is_some())
        {
            let done = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": t, "finishedAt": t}});
            let init = self
                .init
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let st = match i.cmp(&k) {
                        std::cmp::Ordering::Less => done.clone(),
                        std::cmp::Ordering::Equal => {
                            config_error(&env_of(&refs.init, &c.0)).unwrap_or_default()
                        }
                        std::cmp::Ordering::Greater => waiting("PodInitializing", None),
                    };
                    let ready = i < k;
                    container_status(&c.0, &c.1, &self.uid, st, ready, 0, &json!({}))
                })
                .collect();
            let st = waiting("PodInitializing", None);
            let main = self.main.iter().map(|c| status(c, st.clone())).collect();
            (false, init, main)
        } else {
            let main = self
                .main
                .iter()
                .map(|c| {
                    let st = config_error(&env_of(&refs.main, &c.0))
                        .unwrap_or_else(|| waiting("ContainerCreating", None));
                    status(c, st)
                })
                .collect();
            (true, self.init_done(&t, &t), main)
        };
        let init_cond = if initialized {
            cond("Initialized", true, None, &t)
        } else {
            cond("Initialized", false, Some("ContainersNotInitialized"), &t)
        };
        self.patch(json!({
            "phase": "Pending", "hostIP": "127.0.0.1", "startTime": self.start_time,
            "conditions": [
                init_cond,
                cond("Ready", false, Some("ContainersNotReady"), &t),
                cond("ContainersReady", false, Some("ContainersNotReady"), &t),
                cond("PodScheduled", true, None, &t),
            ],
            "initContainerStatuses": init,
            "containerStatuses": main,
        }))
        .await
    }

    async fn running(&self, started: &str, restarts: u32, last: &Value) -> Result<()> {
        let st = json!({"running": {"startedAt": started}});
        let cs: Vec<Value> = self
            .main
            .iter()
            .map(|(n, i)| container_status(n, i, &self.uid, st.clone(), true, restarts, last))
            .collect();
        self.patch(json!({
            "phase": "Running", "hostIP": "127.0.0.1", "podIP": "127.0.0.1",
            "podIPs": [{"ip": "127.0.0.1"}], "startTime": self.start_time,
            "conditions": [
                cond("Initialized", true, None, started),
                cond("Ready", true, None, started),
                cond("ContainersReady", true, None, started),
                cond("PodScheduled", true, None, started),
            ],
            "initContainerStatuses": self.init_done(started, started),
            "containerStatuses": cs,
        }))
        .await
    }

    /// A crashed container of a `restartPolicy: Always` pod, backing off.
    async fn crash_loop(&self, started: &str, restarts: u32, last: &Value) -> Result<()> {
        let t = now_k8s();
        let st = json!({"waiting": {
            "reason": "CrashLoopBackOff",
            "message": "back-off restarting failed container",
        }});
        let cs: Vec<Value> = self
            .main
            .iter()
            .map(|(n, i)| container_status(n, i, &self.uid, st.clone(), false, restarts, last))
            .collect();
        self.patch(json!({
            "phase": "Running", "hostIP": "127.0.0.1", "podIP": "127.0.0.1",
            "podIPs": [{"ip": "127.0.0.1"}], "startTime": self.start_time,
            "conditions": [
                cond("Initialized", true, None, started),
                cond("Ready", false, Some("ContainersNotReady"), &t),
                cond("ContainersReady", false, Some("ContainersNotReady"), &t),
                cond("PodScheduled", true, None, started),
            ],
            "initContainerStatuses": self.init_done(started, started),
            "containerStatuses": cs,
        }))
        .await
    }

    async fn terminated(&self, started: &str, exit_code: i32, reason: &str) -> Result<()> {
        let t = now_k8s();
        let st = json!({"terminated": {
            "exitCode": exit_code, "reason": reason,
            "startedAt": started, "finishedAt": t,
        }});
        let cs: Vec<Value> = self
            .main
            .iter()
            .map(|(n, i)| container_status(n, i, &self.uid, st.clone(), false, 0, &json!({})))
            .collect();
        let phase = if exit_code == 0 {
            "Succeeded"
        } else {
            "Failed"
        };
        self.patch(json!({
            "phase": phase, "hostIP": "127.0.0.1", "podIP": "127.0.0.1",
            "podIPs": [{"ip": "127.0.0.1"}], "startTime": self.start_time,
            "conditions": [
                cond("Initialized", true, None, started),
                cond("Ready", false, Some("PodCompleted"), &t),
                cond("ContainersReady", false, Some("PodCompleted"), &t),
                cond("PodScheduled", true, None, started),
            ],
            "initContainerStatuses": self.init_done(started, started),
            "containerStatuses": cs,
        }))
        .await
    }

    /// The kubelet's last word on a deleted pod: remove it for good, but only
    /// the incarnation we ran.
    async fn finalize(&self) -> Result<()> {
        let dp = DeleteParams {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(self.uid.clone()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match self.api.delete(&self.name, &dp).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(e)) if e.code == 404 || e.code == 409 => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Runs one pod to its end, or until `kill` fires (the pod is being deleted).
async fn play(client: Client, store: Store, pod: Pod, mut kill: oneshot::Receiver<()>) {
    let ns = pod.namespace().unwrap_or_default();
    let (init, main) = container_names(&pod);
    let b = behaviour(&pod);
    // Pods of Deployments and the like (Always, the default) never end.
    let always = pod
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .is_none_or(|p| p == "Always");
    let refs = config_refs(&pod);
    let ctx = Ctx {
        api: Api::namespaced(client.clone(), &ns),
        name: pod.name_any(),
        uid: pod.uid().unwrap_or_default(),
        init,
        main,
        start_time: now_k8s(),
    };
    let result: Result<()> = async {
        // Known (but not started) from the start, so that a log request
        // now gets the kubelet's "waiting to start" answer.
        let logs: Vec<_> = ctx
            .main
            .iter()
            .map(|(c, _)| store.create(&ns, &ctx.name, c))
            .collect();
        let lifecycle = async {
            ctx.pending().await?;
            // Not started while a ConfigMap or Secret it needs is missing;
            // looked up again every second.
            if refs.all().next().is_some() {
                let mut reported: Vec<ObjectRef> = Vec::new();
                loop {
                    let m = missing(&client, &ns, &refs).await;
                    if m.is_empty() {
                        break;
                    }
                    if m != reported {
                        ctx.blocked(&refs, &m).await?;
                        reported = m;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            // Long enough for a watcher to see Pending.
            tokio::time::sleep(Duration::from_millis(100)).await;
            for l in &logs {
                l.send_modify(|s| s.started = true);
            }
            let step = b.duration / (b.lines.len().max(1) as u32);
            let mut restarts = 0;
            let mut last = json!({});
            loop {
                let started = now_k8s();
                ctx.running(&started, restarts, &last).await?;
                for (i, line) in b.lines.iter().enumerate() {
                    if i > 0 {
                        tokio::time::sleep(step).await;
                    }
                    for l in &logs {
                        logs::append(l, line.clone());
                    }
                }
                tokio::time::sleep(step).await;
                if !always {
                    // Status first, so a log follower that ends sees the pod ended.
                    let reason = if b.exit_code == 0 {
                        "Completed"
                    } else {
                        "Error"
                    };
                    let r = ctx.terminated(&started, b.exit_code, reason).await;
                    for l in &logs {
                        l.send_modify(|s| s.done = true);
                    }
                    return r;
                }
                if b.exit_code == 0 {
                    // A server: it runs until the pod is deleted.
                    std::future::pending::<()>().await;
                }
                // Crashed: restarted after a back-off, forever, as a kubelet
                // does; a controller's pod must not churn.
                last = json!({"terminated": {
                    "exitCode": b.exit_code, "reason": "Error",
                    "startedAt": started, "finishedAt": now_k8s(),
                }});
                restarts += 1;
                ctx.crash_loop(&started, restarts, &last).await?;
                // 1, 2, 4, then 8s between restarts (a kubelet: 10s to 5m).
                let backoff = Duration::from_secs(1 << (restarts - 1).min(3));
                tokio::time::sleep(backoff).await;
            }
        };
        let lifecycle = std::pin::pin!(lifecycle);
        tokio::select! {
            r = lifecycle => r?,
            _ = &mut kill => {
                // SIGTERM'd: exit 143, then the pod object goes away.
                let t = now_k8s();
                let _ = ctx.terminated(&t, 143, "Error").await;
                for l in &logs {
                    l.send_modify(|s| s.done = true);
                }
                ctx.finalize().await?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        eprintln!("kubelet-sim: pod {ns}/{}: {e:#}", ctx.name);
    }
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// Watches the pods bound to `node` and plays each one.
pub async fn run(client: Client, node: String, store: Store) -> Result<()> {
    let api: Api<Pod> = Api::all(client.clone());
    let cfg = watcher::Config::default().fields(&format!("spec.nodeName={node}"));
    // uid -> kill switch of the running simulation
    let mut running: HashMap<String, oneshot::Sender<()>> = HashMap::new();
    let mut stream = std::pin::pin!(watcher(api, cfg));
    while let Some(ev) = stream.try_next().await? {
        let pod = match ev {
            watcher::Event::Apply(p) | watcher::Event::InitApply(p) => p,
            watcher::Event::Delete(p) => {
                if let Some(uid) = p.uid() {
                    running.remove(&uid);
                }
                store.remove_pod(&p.namespace().unwrap_or_default(), &p.name_any());
                continue;
            }
            watcher::Event::Init | watcher::Event::InitDone => continue,
        };
        let uid = pod.uid().ok_or_else(|| anyhow!("pod without uid"))?;
        let deleting = pod.metadata.deletion_timestamp.is_some();
        if deleting {
            if let Some(kill) = running.remove(&uid) {
                let _ = kill.send(());
            } else if !is_terminal(&pod) {
                // Never started here (or the simulator restarted): just let it go.
                let ns = pod.namespace().unwrap_or_default();
                let ctx = Ctx {
                    api: Api::namespaced(client.clone(), &ns),
                    name: pod.name_any(),
                    uid: uid.clone(),
                    init: vec![],
                    main: vec![],
                    start_time: now_k8s(),
                };
                tokio::spawn(async move {
                    if let Err(e) = ctx.finalize().await {
                        eprintln!("kubelet-sim: finalizing {ns}/{}: {e:#}", ctx.name);
                    }
                });
            }
            continue;
        }
        if is_terminal(&pod) || running.contains_key(&uid) {
            continue;
        }
        let (tx, rx) = oneshot::channel();
        running.insert(uid, tx);
        tokio::spawn(play(client.clone(), store.clone(), pod, rx));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("150ms"), Some(Duration::from_millis(150)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("xs"), None);
    }

    #[test]
    fn defaults_and_annotations() {
        let mut pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}
        }))
        .unwrap();
        let b = behaviour(&pod);
        assert_eq!(b.exit_code, 0);
        assert_eq!(b.duration, Duration::from_millis(200));
        assert_eq!(b.lines, vec!["kubelet-sim: p line 1/1".to_owned()]);
        pod.metadata.annotations = Some(
            [(EXIT_CODE, "3"), (DURATION, "4s"), (LOG, "a\nb")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
        let b = behaviour(&pod);
        assert_eq!(b.exit_code, 3);
        assert_eq!(b.duration, Duration::from_secs(4));
        assert_eq!(b.lines, vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn config_references() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [{"name": "init", "envFrom": [
                    {"secretRef": {"name": "s-init"}},
                ]}],
                "containers": [
                    {"name": "a", "envFrom": [
                        {"configMapRef": {"name": "cm"}},
                        {"configMapRef": {"name": "cm-opt", "optional": true}},
                        {"secretRef": {"name": "s"}},
                        {"secretRef": {"name": "s-opt", "optional": true}},
                    ], "env": [
                        {"name": "PLAIN", "value": "x"},
                        {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cm-key", "key": "k"}}},
                        {"name": "K2", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
                        {"name": "O", "valueFrom": {"secretKeyRef": {"name": "s-key-opt", "key": "k", "optional": true}}},
                        {"name": "F", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    ]},
                    {"name": "b", "env": [
                        {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s-key", "key": "k"}}},
                    ]},
                ],
                "volumes": [
                    {"name": "v-cm", "configMap": {"name": "cm-vol"}},
                    {"name": "v-cm-opt", "configMap": {"name": "x", "optional": true}},
                    {"name": "v-s", "secret": {"secretName": "s-vol"}},
                    {"name": "v-s-opt", "secret": {"secretName": "y", "optional": true}},
                    {"name": "v-pvc", "persistentVolumeClaim": {"claimName": "data"}},
                    {"name": "v-empty", "emptyDir": {}},
                ],
            }
        }))
        .unwrap();
        use ObjectRef::{ConfigMap as C, Secret as S};
        let s = |x: &str| x.to_owned();
        assert_eq!(
            config_refs(&pod),
            ConfigRefs {
                volumes: vec![(s("v-cm"), C(s("cm-vol"))), (s("v-s"), S(s("s-vol")))],
                init: vec![(s("init"), vec![S(s("s-init"))])],
                main: vec![
                    (s("a"), vec![C(s("cm")), S(s("s")), C(s("cm-key"))]),
                    (s("b"), vec![S(s("s-key"))]),
                ],
            }
        );
        assert_eq!(C(s("x")).not_found(), "configmap \"x\" not found");
        assert_eq!(S(s("x")).not_found(), "secret \"x\" not found");
        let bare: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}
        }))
        .unwrap();
        assert_eq!(config_refs(&bare).all().count(), 0);
    }
}
