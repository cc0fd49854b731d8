//! The test cluster fixture (issue 2).
//!
//! One real Kubernetes 1.20 control plane plus `kubelet-sim` per test binary
//! run, started by `scripts/cluster.sh up` on first use with this process as
//! its owner: when the test binary exits (or crashes), the script's watchdog
//! stops every process and removes the state folder. Each test takes its own
//! namespace. Set `HELM_HOOKS_KEEP_CLUSTER=1` to keep the state folder (logs,
//! audit log) for a look after the run; the processes still stop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use serde_json::Value;

use crate::common::{self, Env, HelmBin};

pub struct TestCluster {
    state: PathBuf,
    env: HashMap<String, String>,
    rt: tokio::runtime::Runtime,
    client: kube::Client,
    namespaces: AtomicUsize,
}

static CLUSTER: OnceLock<Result<TestCluster, String>> = OnceLock::new();

/// The test cluster, started on first use. A cluster that cannot start fails
/// the test that asked for it, with the reason.
pub fn cluster() -> &'static TestCluster {
    match CLUSTER.get_or_init(start) {
        Ok(c) => c,
        Err(e) => panic!("the test cluster could not start:\n{e}"),
    }
}

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn start() -> Result<TestCluster, String> {
    let began = Instant::now();
    let state = tempfile::Builder::new()
        .prefix("helm-hooks-cluster-")
        .tempdir()
        .map_err(|e| format!("creating a state folder: {e}"))?
        .keep();
    let mut up = Command::new("bash");
    up.arg(repo_root().join("scripts/cluster.sh"))
        .arg("up")
        .arg(&state)
        .arg("--owner")
        .arg(std::process::id().to_string());
    if std::env::var_os("HELM_HOOKS_KEEP_CLUSTER").is_none() {
        up.arg("--remove-on-exit");
    }
    let out = up
        .output()
        .map_err(|e| format!("running scripts/cluster.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`bash scripts/cluster.sh up {}` failed ({}); run `bash scripts/cluster.sh build` first \
             if the binaries are missing.\n{}",
            state.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let env_text = std::fs::read_to_string(state.join("cluster.env"))
        .map_err(|e| format!("reading cluster.env: {e}"))?;
    let env: HashMap<String, String> = env_text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let kubeconfig = PathBuf::from(&env["KUBECONFIG"]);
    let client = rt
        .block_on(async {
            let kc = kube::config::Kubeconfig::read_from(&kubeconfig)?;
            let config = kube::Config::from_custom_kubeconfig(
                kc,
                &kube::config::KubeConfigOptions::default(),
            )
            .await?;
            anyhow::Ok(kube::Client::try_from(config)?)
        })
        .map_err(|e| format!("kube client for the test cluster: {e:#}"))?;
    eprintln!(
        "test cluster up in {:.1}s ({})",
        began.elapsed().as_secs_f64(),
        state.display()
    );
    Ok(TestCluster {
        state,
        env,
        rt,
        client,
        namespaces: AtomicUsize::new(0),
    })
}

/// One write the API server's audit log recorded.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub verb: String,
    pub user: String,
    pub code: i64,
    pub namespace: String,
    /// Plural resource, e.g. `jobs`.
    pub resource: String,
    pub subresource: String,
    pub name: String,
}

impl TestCluster {
    pub fn kubeconfig(&self) -> PathBuf {
        PathBuf::from(&self.env["KUBECONFIG"])
    }

    pub fn state_dir(&self) -> &Path {
        &self.state
    }

    /// The user Helm and kubectl act as (the kubeconfig's client cert CN).
    pub fn admin_user(&self) -> &str {
        &self.env["ADMIN_USER"]
    }

    /// A user RBAC lets do nothing until a test binds it a Role
    /// (`restrict_to`), and its kubeconfig.
    pub fn restricted_user(&self) -> (&str, PathBuf) {
        (
            &self.env["RESTRICTED_USER"],
            PathBuf::from(&self.env["RESTRICTED_KUBECONFIG"]),
        )
    }

    /// Lets the restricted user do everything to `resources` (`group:plural`,
    /// `plural` for the core group; `pods/log` for a subresource) in `ns`,
    /// and nothing else.
    pub fn restrict_to(&self, ns: &str, resources: &[&str]) {
        let mut by_group: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for r in resources {
            let (group, plural) = r.split_once(':').unwrap_or(("", r));
            by_group.entry(group).or_default().push(plural);
        }
        let rules: Vec<Value> = by_group
            .into_iter()
            .map(|(g, rs)| serde_json::json!({"apiGroups": [g], "resources": rs, "verbs": ["*"]}))
            .collect();
        let (user, _) = self.restricted_user();
        for doc in [
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "restricted", "namespace": ns}, "rules": rules}),
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "restricted", "namespace": ns},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "restricted"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]}),
        ] {
            let mut child = self
                .kubectl()
                .args(["apply", "-f", "-"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(doc.to_string().as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success(), "kubectl apply {doc}");
        }
    }

    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    /// Runs a kube-rs future on the fixture's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A new namespace, unique in this run, named after `prefix`.
    pub fn new_namespace(&self, prefix: &str) -> String {
        let n = self.namespaces.fetch_add(1, Ordering::SeqCst);
        let mut base: String = prefix
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        base.truncate(50);
        let name = format!("{}-{n}", base.trim_matches('-'));
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name}
        }))
        .unwrap();
        let api: Api<Namespace> = Api::all(self.client());
        self.block_on(api.create(&PostParams::default(), &ns))
            .unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
        name
    }

    /// `kubectl` (Debian's v1.20.2 client, cached with the cluster binaries)
    /// against this cluster.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new(&self.env["KUBECTL"]);
        cmd.env("KUBECONFIG", self.kubeconfig());
        cmd
    }

    /// Every write the API server has logged so far, in the order it logged
    /// them (the audit log is written before each response is sent).
    pub fn audit_events(&self) -> Vec<AuditEvent> {
        let text = std::fs::read_to_string(&self.env["AUDIT_LOG"]).expect("reading the audit log");
        let s = |v: &Value, p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["stage"] == "ResponseComplete")
            .map(|v| AuditEvent {
                verb: s(&v, "/verb"),
                user: s(&v, "/user/username"),
                code: v
                    .pointer("/responseStatus/code")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                namespace: s(&v, "/objectRef/namespace"),
                resource: s(&v, "/objectRef/resource"),
                subresource: s(&v, "/objectRef/subresource"),
                name: s(&v, "/objectRef/name"),
            })
            .collect()
    }

    /// The admin user's (Helm's, kubectl's) successful writes in `ns`, in
    /// the order the API server made them. Helm's release Secrets and
    /// subresources (status) are left out.
    fn admin_writes(&self, ns: &str) -> Vec<AuditEvent> {
        self.audit_events()
            .into_iter()
            .filter(|e| {
                e.namespace == ns
                    && e.user == self.admin_user()
                    && (200..300).contains(&e.code)
                    && e.subresource.is_empty()
                    && !(e.resource == "secrets" && e.name.starts_with("sh.helm.release."))
            })
            .collect()
    }

    /// What the admin user created in `ns`, as `resource/name`, in order. A
    /// create is whatever the server answered 201 Created: a POST (Helm 3)
    /// or a server-side apply PATCH (Helm 4).
    pub fn created_in(&self, ns: &str) -> Vec<String> {
        self.admin_writes(ns)
            .into_iter()
            .filter(|e| e.code == 201)
            .map(|e| format!("{}/{}", e.resource, e.name))
            .collect()
    }

    /// The admin user's successful writes in `ns` as `verb resource/name`,
    /// in order; creates (201) read `create` whatever the HTTP verb.
    pub fn writes_in(&self, ns: &str) -> Vec<String> {
        self.admin_writes(ns)
            .into_iter()
            .map(|e| {
                let verb = if e.code == 201 { "create" } else { &e.verb };
                format!("{verb} {}/{}", e.resource, e.name)
            })
            .collect()
    }

    /// Every successful write in `ns` by a client (Helm, helm-hooks,
    /// kubectl: the admin user), Helm's release Secrets and subresources
    /// included, as `verb resource/name`: what must not move when a command
    /// refuses to act. The control plane's own writes are left out: the
    /// garbage collector deletes a deleted Job's pods whenever it gets to
    /// them, and the simulated node patches pods.
    pub fn every_write_in(&self, ns: &str) -> Vec<String> {
        self.audit_events()
            .into_iter()
            .filter(|e| {
                e.namespace == ns
                    && e.user == self.admin_user()
                    && (200..300).contains(&e.code)
                    && ["create", "update", "patch", "delete", "deletecollection"]
                        .contains(&e.verb.as_str())
            })
            .map(|e| format!("{} {}/{}", e.verb, e.resource, e.name))
            .collect()
    }

    /// The admin user's successful writes of one verb in `ns`, as
    /// `resource/name`, in order.
    pub fn succeeded_in(&self, ns: &str, verb: &str) -> Vec<String> {
        self.admin_writes(ns)
            .into_iter()
            .filter(|e| e.verb == verb)
            .map(|e| format!("{}/{}", e.resource, e.name))
            .collect()
    }
}

/// The two real Helm versions the project supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelmVersion {
    V3,
    V4,
}

impl HelmVersion {
    pub fn major(self) -> u32 {
        match self {
            HelmVersion::V3 => 3,
            HelmVersion::V4 => 4,
        }
    }
}

/// A real Helm (found by `common::helm`) with a hermetic environment
/// (`common::Env`) and the test cluster's kubeconfig.
pub struct Helm {
    bin: HelmBin,
    env: Env,
    kubeconfig: PathBuf,
    cluster_state: PathBuf,
}

impl Helm {
    pub fn new(version: HelmVersion, cluster: &TestCluster) -> Helm {
        Helm {
            bin: common::helm(version.major()),
            env: Env::new(),
            kubeconfig: cluster.kubeconfig(),
            cluster_state: cluster.state_dir().to_owned(),
        }
    }

    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.env.helm(&self.bin);
        cmd.args(args).env("KUBECONFIG", &self.kubeconfig);
        cmd
    }

    /// Runs helm; the output, whatever the exit status.
    pub fn run<I, S>(&self, args: I) -> HelmOutput
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.command(args);
        let shown = format!(
            "helm {} {}",
            self.bin.version,
            cmd.get_args()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("running {shown}: {e}"));
        HelmOutput { shown, out }
    }

    /// Runs helm and fails the test unless it succeeds.
    pub fn ok<I, S>(&self, args: I) -> HelmOutput
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.run(args);
        assert!(
            out.out.status.success(),
            "{} failed:\n{}\n(cluster logs: {}/logs; set HELM_HOOKS_KEEP_CLUSTER=1 to keep them)",
            out.shown,
            out.all(),
            self.cluster_state.display()
        );
        out
    }
}

pub struct HelmOutput {
    pub shown: String,
    pub out: Output,
}

impl HelmOutput {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    pub fn all(&self) -> String {
        format!(
            "status: {}\nstdout:\n{}\nstderr:\n{}",
            self.out.status,
            self.stdout(),
            self.stderr()
        )
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.out.stdout)
            .unwrap_or_else(|e| panic!("{} printed no JSON ({e}):\n{}", self.shown, self.all()))
    }
}
