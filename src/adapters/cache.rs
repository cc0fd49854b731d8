//! A small content-addressed cache under Helm's cache directory.

use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Cache {
    /// `None` when no cache directory can be found: everything misses.
    root: Option<PathBuf>,
}

impl Cache {
    /// `$HELM_CACHE_HOME/hooks` (Helm sets it for plugins), else the
    /// platform's cache directory under `helm/hooks`, as Helm lays it out.
    pub fn open() -> Self {
        let base = std::env::var_os("HELM_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|b| b.cache_dir().join("helm")));
        Self {
            root: base.map(|b| b.join("hooks")),
        }
    }

    /// A cache that stores nothing.
    pub fn disabled() -> Self {
        Self { root: None }
    }

    pub fn key(parts: &[&[u8]]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        format!("{:x}", h.finalize())
    }

    fn path(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        Some(self.root.as_ref()?.join(bucket).join(key))
    }

    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(bucket, key)?).ok()
    }

    /// Best effort: a cache that cannot be written only costs speed. The
    /// entry appears atomically (temp file + rename), so concurrent runs
    /// never read half an entry.
    pub fn put(&self, bucket: &str, key: &str, value: &[u8]) {
        let Some(path) = self.path(bucket, key) else {
            return;
        };
        let Some(dir) = path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            use std::io::Write;
            if tmp.write_all(value).is_ok() {
                let _ = tmp.persist(&path);
            }
        }
    }
}
