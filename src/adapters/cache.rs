//! A small content-addressed cache under Helm's cache directory.

use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Cache {
    /// `None` when no cache directory can be found: everything misses.
    root: Option<PathBuf>,
}

impl Cache {
    /// A cache that holds nothing (every read misses).
    #[cfg(test)]
    pub fn none() -> Self {
        Self { root: None }
    }

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

    /// A keyed digest of a Secret value, for what the cache keeps instead
    /// of the value. The key is random per cache, made on first use (0600
    /// in the 0700 cache folder); without a cache, per process.
    pub fn secret_digest(&self, value: &str) -> String {
        static KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| self.secret_key());
        let mut h = Sha256::new();
        h.update(key);
        h.update(value.as_bytes());
        format!("{:x}", h.finalize())[..32].to_string()
    }

    fn secret_key(&self) -> Vec<u8> {
        let fresh = || {
            let mut key = vec![0u8; 32];
            use std::io::Read;
            let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key));
            key
        };
        let Some(root) = &self.root else {
            return fresh();
        };
        let path = root.join("secret-key");
        if let Ok(key) = std::fs::read(&path)
            && key.len() == 32
        {
            return key;
        }
        let key = fresh();
        // The first run to make it wins (no clobbering): every render
        // cached is digested with the same key.
        if self.make_dir(root).is_ok()
            && let Ok(mut tmp) = tempfile::NamedTempFile::new_in(root)
        {
            use std::io::Write;
            if tmp.write_all(&key).is_ok() {
                let _ = tmp.persist_noclobber(&path);
            }
        }
        std::fs::read(&path)
            .ok()
            .filter(|k| k.len() == 32)
            .unwrap_or(key)
    }

    /// Cache folders are private: what is cached describes the user's
    /// charts and values.
    fn make_dir(&self, dir: &std::path::Path) -> std::io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
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
        if self.make_dir(dir).is_err() {
            return;
        }
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            use std::io::Write;
            if tmp.write_all(value).is_ok() {
                let _ = tmp.persist(&path);
            }
        }
    }

    /// Removes whole buckets an older version wrote (best effort).
    pub fn forget(&self, buckets: &[&str]) {
        let Some(root) = &self.root else { return };
        for b in buckets {
            let _ = std::fs::remove_dir_all(root.join(b));
        }
    }
}
