//! The Node object: registration and the Ready heartbeat.

use std::time::Duration;

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::Node;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::Args;
use crate::time::now_k8s;

fn conditions() -> Value {
    let now = now_k8s();
    let cond = |ty: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": ty, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": now, "lastTransitionTime": now,
        })
    };
    json!([
        cond(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet-sim has memory"
        ),
        cond(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet-sim has disk"
        ),
        cond(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet-sim has PIDs"
        ),
        cond(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet-sim is posting ready status"
        ),
    ])
}

pub async fn register(client: &kube::Client, args: &Args) -> Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    let name = &args.node_name;
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
        },
    }))?;
    // Like a kubelet, wait for the API server to come up.
    let mut tries = 0;
    loop {
        match api.create(&PostParams::default(), &node).await {
            Ok(_) => break,
            // A restarted simulator takes over its old Node.
            Err(kube::Error::Api(e)) if e.code == 409 => break,
            Err(e) if tries < 300 => {
                tries += 1;
                if tries % 50 == 0 {
                    eprintln!("kubelet-sim: still waiting to register the Node: {e}");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e).context("creating the Node"),
        }
    }
    let capacity =
        json!({"cpu": "8", "memory": "32Gi", "pods": "250", "ephemeral-storage": "100Gi"});
    let status = json!({
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "conditions": conditions(),
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": args.port}},
            "nodeInfo": {
                "machineID": "kubelet-sim", "systemUUID": "kubelet-sim", "bootID": "kubelet-sim",
                "kernelVersion": "sim", "osImage": "kubelet-sim",
                "containerRuntimeVersion": "sim://0", "kubeletVersion": "v1.20.2",
                "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux", "architecture": "amd64",
            },
        }
    });
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .context("setting the Node's status")?;
    // The API server taints a new Node not-ready; the node lifecycle
    // controller, which is off here, would lift that once the Node is Ready.
    let current = api.get(name).await.context("reading the Node")?;
    let taints: Vec<_> = current
        .spec
        .and_then(|s| s.taints)
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.key != "node.kubernetes.io/not-ready")
        .collect();
    let patch = json!({"spec": {"taints": taints}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .context("lifting the not-ready taint")?;
    Ok(())
}

/// Keeps the Ready condition fresh, as a kubelet does.
pub async fn heartbeat(client: kube::Client, name: String) -> Result<()> {
    let api: Api<Node> = Api::all(client);
    loop {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let patch = json!({"status": {"conditions": conditions()}});
        if let Err(e) = api
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            // A missed heartbeat is harmless here: node lifecycle is off.
            eprintln!("kubelet-sim: heartbeat failed: {e}");
        }
    }
}
