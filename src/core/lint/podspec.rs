//! Reading a hook's pod spec: containers, and what it references.

use crate::core::hook::Hook;
use serde_json::Value;

/// The pod spec of a workload document, by kind.
pub(super) fn pod_spec<'a>(kind: &str, doc: &'a Value) -> Option<&'a Value> {
    let pointer = match kind {
        "Pod" => "/spec",
        "Job"
        | "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => return None,
    };
    doc.pointer(pointer).filter(|v| v.is_object())
}

/// `(what, container)` for init and ordinary containers.
pub(super) fn containers(spec: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (field, label) in [
        ("initContainers", "init container"),
        ("containers", "container"),
    ] {
        for c in spec[field].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or("?");
            out.push((format!("{label} {name}"), c));
        }
    }
    out
}

pub(super) fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn optional(v: &Value) -> bool {
    v["optional"].as_bool() == Some(true)
}

/// A ConfigMap, Secret, ServiceAccount or PVC a pod spec needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reference {
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) via: String,
}

impl Reference {
    pub(super) fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// What the pod cannot start without (optional references left out).
pub(super) fn references(hook: &Hook) -> Vec<Reference> {
    let Some(spec) = pod_spec(&hook.kind, &hook.document) else {
        return Vec::new();
    };
    let mut out: Vec<Reference> = Vec::new();
    let mut add = |kind: &'static str, name: Option<String>, via: String| {
        if let Some(name) = name
            && !out.iter().any(|r| r.kind == kind && r.name == name)
        {
            out.push(Reference { kind, name, via });
        }
    };
    for field in ["serviceAccountName", "serviceAccount"] {
        add("ServiceAccount", text(&spec[field]), field.to_string());
    }
    for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        add("Secret", text(&s["name"]), "imagePullSecrets".to_string());
    }
    for (what, c) in containers(spec) {
        for e in c["envFrom"].as_array().into_iter().flatten() {
            for (key, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                let r = &e[key];
                if r.is_object() && !optional(r) {
                    add(kind, text(&r["name"]), format!("envFrom of {what}"));
                }
            }
        }
        for e in c["env"].as_array().into_iter().flatten() {
            let var = e["name"].as_str().unwrap_or("?");
            for (key, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                let r = &e["valueFrom"][key];
                if r.is_object() && !optional(r) {
                    add(kind, text(&r["name"]), format!("env {var} of {what}"));
                }
            }
        }
    }
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let vol = v["name"].as_str().unwrap_or("?");
        let via = format!("volume {vol}");
        if v["configMap"].is_object() && !optional(&v["configMap"]) {
            add("ConfigMap", text(&v["configMap"]["name"]), via.clone());
        }
        if v["secret"].is_object() && !optional(&v["secret"]) {
            add("Secret", text(&v["secret"]["secretName"]), via.clone());
        }
        if v["persistentVolumeClaim"].is_object() {
            add(
                "PersistentVolumeClaim",
                text(&v["persistentVolumeClaim"]["claimName"]),
                via.clone(),
            );
        }
        for src in v["projected"]["sources"].as_array().into_iter().flatten() {
            for (key, kind) in [("configMap", "ConfigMap"), ("secret", "Secret")] {
                if src[key].is_object() && !optional(&src[key]) {
                    add(kind, text(&src[key]["name"]), via.clone());
                }
            }
        }
    }
    out
}
