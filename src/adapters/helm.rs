//! The Helm binary: where it is and which version it is.

use super::cache::Cache;
use crate::core::helm::HelmVersion;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

#[derive(Debug, Clone, thiserror::Error)]
pub enum HelmError {
    #[error("no Helm binary: HELM_BIN is not set and `helm` is not on PATH")]
    NotFound,
    #[error("cannot run {path}: {message}")]
    NotRunnable { path: String, message: String },
    #[error("{path} printed an unexpected version {output:?}")]
    BadVersion { path: String, output: String },
    #[error("`{path} version` failed ({status}): {summary}")]
    VersionFailed {
        path: String,
        status: String,
        summary: String,
        stderr: String,
    },
    #[error("Helm {version} at {path} is older than 3.17, the oldest Helm this tool follows")]
    TooOld { path: String, version: HelmVersion },
}

#[derive(Debug, Clone)]
pub struct Helm {
    pub path: PathBuf,
    pub version: HelmVersion,
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Go's collector tuned for a Helm that only renders and exits: a
/// `helm template` run frees nothing worth collecting before it ends, and
/// collecting costs it about a third of its CPU (two renders side by side
/// then cost more than one). No collection until the heap nears
/// [`RENDER_HEAP_LIMIT`], past which Go collects as usual. Left alone when
/// the user set either knob. Never for installs, which run for minutes.
pub fn short_lived(cmd: &mut Command) -> &mut Command {
    tune_gc(cmd, |k| std::env::var_os(k))
}

fn tune_gc(cmd: &mut Command, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> &mut Command {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    if !set("GOGC") && !set("GOMEMLIMIT") {
        cmd.env("GOGC", "off").env("GOMEMLIMIT", RENDER_HEAP_LIMIT);
    }
    cmd
}

/// The heap a render may grow to before Go collects: three times what the
/// bench's large chart (300 files, 2.3 MB, 0.9 MB rendered) reaches without
/// collecting, and small beside a CI runner's memory even with a few
/// renders running at once.
pub const RENDER_HEAP_LIMIT: &str = "512MiB";

impl Helm {
    /// `$HELM_BIN` (set by Helm for plugins), else `helm` on PATH, with its
    /// version (asked once per binary; see [`HelmProbe`]).
    pub fn locate(cache: &Cache) -> Result<Self, HelmError> {
        HelmProbe::start(cache)?.helm()
    }
}

/// The Helm binary, its version known or being asked. The version is
/// remembered per binary (path, size, mtime), so a warm run starts no Helm
/// process just to ask it; when it is not known yet, `helm version` runs
/// alongside the Git reads and renders instead of before them.
pub struct HelmProbe {
    pub path: PathBuf,
    cache: Cache,
    key: String,
    query: Mutex<Option<Child>>,
    version: OnceLock<Result<HelmVersion, HelmError>>,
}

impl HelmProbe {
    pub fn start(cache: &Cache) -> Result<Self, HelmError> {
        let path = match std::env::var_os("HELM_BIN").filter(|v| !v.is_empty()) {
            Some(bin) => {
                let p = PathBuf::from(&bin);
                if p.components().count() == 1 {
                    find_on_path(&p.to_string_lossy()).unwrap_or(p)
                } else {
                    p
                }
            }
            None => find_on_path("helm").ok_or(HelmError::NotFound)?,
        };
        let meta = std::fs::metadata(&path).map_err(|e| not_runnable(&path, e))?;
        let stamp = format!(
            "helm-version\0{}\0{}\0{:?}",
            path.display(),
            meta.len(),
            meta.modified().ok()
        );
        let key = Cache::key(&[stamp.as_bytes()]);
        let version = OnceLock::new();
        let mut query = None;
        match cache
            .get("helm-version", &key)
            .and_then(|b| HelmVersion::parse(&String::from_utf8_lossy(&b)).ok())
        {
            Some(v) => {
                let _ = version.set(Ok(v));
            }
            None => {
                let child = short_lived(&mut Command::new(&path))
                    .args(["version", "--template", "{{.Version}}"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| not_runnable(&path, e))?;
                query = Some(child);
            }
        }
        Ok(Self {
            path,
            cache: cache.clone(),
            key,
            query: Mutex::new(query),
            version,
        })
    }

    /// The version if known without waiting.
    pub fn known_version(&self) -> Option<HelmVersion> {
        self.version.get().and_then(|r| r.as_ref().ok().copied())
    }

    /// The version, waiting for `helm version` if it still runs.
    pub fn version(&self) -> Result<HelmVersion, HelmError> {
        self.version
            .get_or_init(|| {
                let child = self.query.lock().ok().and_then(|mut q| q.take());
                let Some(child) = child else {
                    return Err(HelmError::NotFound);
                };
                let out = child
                    .wait_with_output()
                    .map_err(|e| not_runnable(&self.path, e))?;
                let path = self.path.display().to_string();
                if !out.status.success() {
                    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                    return Err(HelmError::VersionFailed {
                        path,
                        status: out.status.to_string(),
                        summary: stderr_summary(&stderr),
                        stderr,
                    });
                }
                let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
                let v = HelmVersion::parse(&text).map_err(|_| HelmError::BadVersion {
                    path: path.clone(),
                    output: text,
                })?;
                if !v.is_supported() {
                    return Err(HelmError::TooOld { path, version: v });
                }
                self.cache
                    .put("helm-version", &self.key, v.to_string().as_bytes());
                Ok(v)
            })
            .clone()
    }

    pub fn helm(&self) -> Result<Helm, HelmError> {
        Ok(Helm {
            path: self.path.clone(),
            version: self.version()?,
        })
    }
}

/// The release name of [`default_kube_version`]'s render (tests tell its
/// `helm template` from a chart's by it).
pub const KUBE_DEFAULT_PROBE: &str = "helm-hooks-kube-default";

/// The Kubernetes version `helm template` assumes without
/// `--kube-version` (the client-go its release was built with: v1.32.0 for
/// 3.17.1, v1.35.0 for 4.1.4), asked of the binary by rendering a chart of
/// one template, remembered per binary as its version is. `None` when Helm
/// cannot say (the plan then says "Helm's default").
pub fn default_kube_version(helm: &Helm, cache: &Cache) -> Option<String> {
    let meta = std::fs::metadata(&helm.path).ok()?;
    let stamp = format!(
        "helm-kube-default\0{}\0{}\0{:?}",
        helm.path.display(),
        meta.len(),
        meta.modified().ok()
    );
    let key = Cache::key(&[stamp.as_bytes()]);
    if let Some(v) = cache.get("helm-kube-default", &key) {
        return Some(String::from_utf8_lossy(&v).into_owned());
    }
    // A scratch folder as every chart handed to Helm gets (private, in
    // RAM, removed on a signal).
    let scratch = super::scratch::ScratchDir::new(super::scratch::Place::Ram).ok()?;
    let chart = scratch.path().join("kube-default");
    std::fs::create_dir(&chart).ok()?;
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: kube-default\nversion: 0.1.0\n",
    )
    .ok()?;
    std::fs::create_dir(chart.join("templates")).ok()?;
    std::fs::write(
        chart.join("templates/kube.yaml"),
        "kube: {{ .Capabilities.KubeVersion.Version }}\n",
    )
    .ok()?;
    let out = short_lived(&mut Command::new(&helm.path))
        .args(["template", KUBE_DEFAULT_PROBE])
        .arg(&chart)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("kube: "))?
        .trim()
        .to_string();
    cache.put("helm-kube-default", &key, version.as_bytes());
    Some(version)
}

fn not_runnable(path: &Path, e: std::io::Error) -> HelmError {
    HelmError::NotRunnable {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The line of Helm's stderr that says what went wrong: its `Error:` line
/// (without the prefix), else the first line it printed.
pub fn stderr_summary(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("Error:"))
        .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no output")
        .trim_start_matches("Error: ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{OsStr, OsString};

    fn envs(cmd: &Command) -> Vec<(String, String)> {
        cmd.get_envs()
            .map(|(k, v)| {
                let s = |o: &OsStr| o.to_string_lossy().into_owned();
                (s(k), v.map(s).unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn renders_skip_collection_unless_the_user_tuned_go() {
        let mut cmd = Command::new("helm");
        tune_gc(&mut cmd, |_| None);
        assert_eq!(
            envs(&cmd),
            [
                ("GOGC".to_string(), "off".to_string()),
                ("GOMEMLIMIT".to_string(), RENDER_HEAP_LIMIT.to_string())
            ]
        );
        for knob in ["GOGC", "GOMEMLIMIT"] {
            let mut cmd = Command::new("helm");
            tune_gc(&mut cmd, |k| (k == knob).then(|| OsString::from("200")));
            assert!(envs(&cmd).is_empty(), "{knob} set by the user is theirs");
        }
        // An empty value is Go's default, not a choice.
        let mut cmd = Command::new("helm");
        tune_gc(&mut cmd, |_| Some(OsString::new()));
        assert_eq!(envs(&cmd).len(), 2);
    }
}
