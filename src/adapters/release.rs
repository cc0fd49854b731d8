//! What Helm has deployed, asked of Helm itself.

use super::helm::Helm;
use serde::Deserialize;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
#[error("helm {command} failed: {summary}")]
pub struct ReleaseQueryError {
    pub command: String,
    pub summary: String,
    pub stderr: String,
}

/// Helm could not reach the cluster: which one it tried, and whether any
/// kubeconfig told it where to look.
#[derive(Debug, thiserror::Error)]
pub enum ClusterUnreachable {
    #[error("no kubeconfig found (KUBECONFIG, ~/.kube/config), so Helm tried {summary}")]
    NoKubeconfig { summary: String },
    #[error("cannot reach the Kubernetes API server {server}{}: {summary}", .context.as_ref().map(|c| format!(" of kube context {c}")).unwrap_or_default())]
    Server {
        server: String,
        context: Option<String>,
        summary: String,
    },
}

/// Helm's failure as the error that names its fix.
fn query_error(command: &str, stderr: String) -> anyhow::Error {
    let summary = super::helm::stderr_summary(&stderr);
    // v3 says "Kubernetes cluster unreachable", v4 "kubernetes cluster ...".
    let Some(i) = summary
        .to_ascii_lowercase()
        .find("kubernetes cluster unreachable: ")
    else {
        return ReleaseQueryError {
            command: command.into(),
            summary,
            stderr,
        }
        .into();
    };
    let why = summary[i + "kubernetes cluster unreachable: ".len()..].to_string();
    let target = super::kube::target();
    match (target.server, super::kube::has_kubeconfig()) {
        (Some(server), _) => ClusterUnreachable::Server {
            server,
            context: target.context,
            summary: why,
        },
        (None, false) => ClusterUnreachable::NoKubeconfig {
            summary: why.replace(
                "Get \"http://localhost:8080/version\": ",
                "localhost:8080: ",
            ),
        },
        (None, true) => ClusterUnreachable::Server {
            server: "of the kubeconfig".into(),
            context: target.context,
            summary: why,
        },
    }
    .into()
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct LastRun {
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default)]
    pub phase: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StoredHook {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub manifest: String,
    #[serde(default)]
    pub last_run: LastRun,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub weight: i64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ReleaseInfoStatus {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: String,
}

/// The parts of `helm status -o json` helm-hooks reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    #[serde(default)]
    pub info: ReleaseInfoStatus,
    #[serde(default)]
    pub hooks: Vec<StoredHook>,
    #[serde(default)]
    pub version: u64,
    /// The chart's resources as Helm applied them.
    #[serde(default)]
    pub manifest: String,
    /// The release has user values (`-f`/`--set` of its upgrade): what
    /// Helm copies into the next upgrade given none. Only whether: the
    /// values themselves may hold secrets and are never kept.
    #[serde(default, rename = "config", deserialize_with = "non_empty")]
    pub has_user_values: bool,
    /// Helm 4: `ssa` (server-side apply) or `csa`; unset is client-side.
    #[serde(default)]
    pub apply_method: String,
}

/// Whether a JSON value holds anything, read without keeping it.
fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Object(m) => !m.is_empty(),
        serde_json::Value::Null => false,
        _ => true,
    })
}

impl Release {
    /// Helm's dry run said it would install (no release, or one
    /// uninstalled with `--keep-history`), not upgrade.
    pub fn is_pending_install(&self) -> bool {
        self.info.status == "pending-install"
    }

    /// The stored resources and hooks as one `helm template`-like stream.
    pub fn stored_stream(&self) -> String {
        format!("{}\n{}", self.manifest, self.hooks_stream())
    }

    /// The stored hooks as a `helm template`-like stream, for the core parser.
    pub fn hooks_stream(&self) -> String {
        self.hooks
            .iter()
            .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
            .collect()
    }
}

fn helm_json(helm: &Helm, args: &[&str]) -> anyhow::Result<Result<Vec<u8>, String>> {
    let out = Command::new(&helm.path).args(args).output()?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).into_owned()))
    }
}

/// The release's latest revision, or `None` when Helm knows no such release.
pub fn status(helm: &Helm, release: &str, namespace: &str) -> anyhow::Result<Option<Release>> {
    match helm_json(
        helm,
        &["status", release, "--namespace", namespace, "-o", "json"],
    )? {
        Ok(stdout) => Ok(Some(serde_json::from_slice(&stdout)?)),
        Err(stderr) if stderr.contains("not found") => Ok(None),
        Err(stderr) => Err(query_error("status", stderr)),
    }
}

/// `status`, given at most `budget` (after Ctrl-C): `None` when Helm did
/// not answer in time or could not; Helm is killed past the budget.
pub async fn status_within(
    helm: &Helm,
    release: &str,
    namespace: &str,
    budget: std::time::Duration,
) -> Option<Release> {
    let out = tokio::process::Command::new(&helm.path)
        .args(["status", release, "--namespace", namespace, "-o", "json"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(budget, out).await.ok()?.ok()?;
    match out.status.success() {
        true => serde_json::from_slice(&out.stdout).ok(),
        false => None,
    }
}

/// The release `helm upgrade --install ARGS` would make on this cluster,
/// from Helm itself: `--dry-run=server` renders with the cluster's
/// capabilities, real lookups, the next revision, the values Helm reuses
/// and the post-renderer, and changes nothing. `args` are the real run's.
pub fn dry_run(helm: &Helm, args: &[String]) -> anyhow::Result<Release> {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--dry-run=server", "-o", "json"]);
    match helm_json(helm, &args)? {
        Ok(stdout) => Ok(serde_json::from_slice(&stdout)?),
        Err(stderr) => Err(query_error("upgrade --dry-run=server", stderr)),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListedRelease {
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub chart: String,
}

/// Releases in the namespace (`helm list`, every status).
pub fn list(helm: &Helm, namespace: &str) -> anyhow::Result<Vec<ListedRelease>> {
    let mut args = vec!["list", "--namespace", namespace, "-o", "json"];
    // Helm 4 lists every status by default and rejects `--all` (helm#31295);
    // Helm 3 needs it to show more than deployed and failed releases.
    if helm.version.major < 4 {
        args.push("--all");
    }
    match helm_json(helm, &args)? {
        Ok(stdout) => Ok(serde_json::from_slice(&stdout)?),
        Err(stderr) => Err(query_error("list", stderr)),
    }
}

/// One revision of the release as `helm status --revision N` has it.
pub fn status_at(
    helm: &Helm,
    release: &str,
    namespace: &str,
    revision: u64,
) -> anyhow::Result<Option<Release>> {
    let revision = revision.to_string();
    match helm_json(
        helm,
        &[
            "status",
            release,
            "--namespace",
            namespace,
            "--revision",
            &revision,
            "-o",
            "json",
        ],
    )? {
        Ok(stdout) => Ok(Some(serde_json::from_slice(&stdout)?)),
        Err(stderr) if stderr.contains("not found") => Ok(None),
        Err(stderr) => Err(query_error("status", stderr)),
    }
}

/// One line of `helm history -o json`.
#[derive(Debug, Clone, Deserialize)]
pub struct HistoryEntry {
    pub revision: u64,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub chart: String,
    #[serde(default)]
    pub description: String,
}

/// The release's revisions, oldest first (empty when Helm knows no such
/// release).
pub fn history(helm: &Helm, release: &str, namespace: &str) -> anyhow::Result<Vec<HistoryEntry>> {
    match helm_json(
        helm,
        &["history", release, "--namespace", namespace, "-o", "json"],
    )? {
        Ok(stdout) => Ok(serde_json::from_slice(&stdout)?),
        Err(stderr) if stderr.contains("not found") => Ok(Vec::new()),
        Err(stderr) => Err(query_error("history", stderr)),
    }
}
