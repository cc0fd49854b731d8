//! Plan files on disk: written whole (a temporary file renamed into
//! place) and `0600`, read back with the digest of their exact bytes.

use crate::core::planfile::{PLAN_FILE_API_VERSION, PLAN_FILE_KIND, PlanFile};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot read plan file {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} is not a helm-hooks plan file ({message})")]
    NotAPlan { path: String, message: String },
    #[error("cannot write plan file {path}: {message}")]
    Write { path: String, message: String },
}

/// A fresh random salt (hex), from the system's generator.
pub fn new_salt() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn write(path: &Path, file: &PlanFile) -> Result<(), PlanFileError> {
    let err = |e: std::io::Error| PlanFileError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let text = serde_json::to_string_pretty(file).map_err(|e| err(e.into()))? + "\n";
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates 0600; the rename keeps it, and a reader never sees
    // half a plan.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(text.as_bytes()).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// The plan file and the digest of its bytes (`sha256:<hex>`).
pub fn read(path: &Path) -> Result<(PlanFile, String), PlanFileError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| PlanFileError::Read {
        path: shown.clone(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".into(),
            _ => e.to_string(),
        },
    })?;
    let not_a_plan = |message: String| PlanFileError::NotAPlan {
        path: shown.clone(),
        message,
    };
    let head: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| not_a_plan(format!("not JSON: {e}")))?;
    if head["kind"] != PLAN_FILE_KIND || head["apiVersion"] != PLAN_FILE_API_VERSION {
        return Err(not_a_plan(format!(
            "kind {} apiVersion {}, expected {PLAN_FILE_KIND} {PLAN_FILE_API_VERSION}",
            head["kind"], head["apiVersion"]
        )));
    }
    let file: PlanFile = serde_json::from_value(head).map_err(|e| not_a_plan(e.to_string()))?;
    Ok((file, format!("sha256:{:x}", Sha256::digest(&bytes))))
}
