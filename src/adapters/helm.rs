//! The Helm binary: where it is and which version it is.

use super::cache::Cache;
use crate::core::helm::HelmVersion;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    #[error("no Helm binary: HELM_BIN is not set and `helm` is not on PATH")]
    NotFound,
    #[error("cannot run {path}: {message}")]
    NotRunnable { path: String, message: String },
    #[error("{path} printed an unexpected version {output:?}")]
    BadVersion { path: String, output: String },
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

impl Helm {
    /// `$HELM_BIN` (set by Helm for plugins), else `helm` on PATH. The
    /// version is remembered per binary (path, size, mtime), so a warm run
    /// starts no Helm process just to ask it.
    pub fn locate(cache: &Cache) -> Result<Self, HelmError> {
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
        let meta = std::fs::metadata(&path).map_err(|e| HelmError::NotRunnable {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let stamp = format!(
            "helm-version\0{}\0{}\0{:?}",
            path.display(),
            meta.len(),
            meta.modified().ok()
        );
        let key = Cache::key(&[stamp.as_bytes()]);
        if let Some(v) = cache
            .get("helm-version", &key)
            .and_then(|b| HelmVersion::parse(&String::from_utf8_lossy(&b)).ok())
        {
            return Ok(Self { path, version: v });
        }
        let version = query_version(&path)?;
        cache.put("helm-version", &key, version.to_string().as_bytes());
        Ok(Self { path, version })
    }
}

fn query_version(path: &Path) -> Result<HelmVersion, HelmError> {
    let out = Command::new(path)
        .args(["version", "--template", "{{.Version}}"])
        .output()
        .map_err(|e| HelmError::NotRunnable {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    HelmVersion::parse(&text).map_err(|_| HelmError::BadVersion {
        path: path.display().to_string(),
        output: text,
    })
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
