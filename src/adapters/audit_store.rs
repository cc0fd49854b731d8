//! The audit log on disk: `$HELM_DATA_HOME/hooks/audit.jsonl`, append-only
//! JSON Lines, 0600 in a 0700 folder.

use crate::core::audit::Record;
#[cfg(test)]
use crate::core::audit::{AUDIT_SCHEMA, Body, DamagedLine, parse_line};
use std::fs::{self, OpenOptions};
use std::io::Write;
#[cfg(test)]
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot write the audit log {path}: {message}")]
    Write { path: String, message: String },
    #[error("cannot read the audit log {path}: {message}")]
    Read { path: String, message: String },
    /// A folder on the way to the log is a file (HELM_DATA_HOME set to a
    /// file): no permission would help.
    #[error("cannot keep the audit log {path}: {file} is a file, not a directory")]
    FileInTheWay { path: String, file: String },
}

#[derive(Debug, Clone)]
pub struct AuditStore {
    pub path: PathBuf,
}

impl AuditStore {
    /// Helm's data directory (`HELM_DATA_HOME`, set for plugins), else the
    /// platform's data directory under `helm`, as Helm lays it out.
    pub fn open_default() -> Self {
        let base = std::env::var_os("HELM_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|b| b.data_dir().join("helm")))
            .unwrap_or_else(|| PathBuf::from(".helm"));
        Self {
            path: base.join("hooks").join("audit.jsonl"),
        }
    }

    fn write_err(&self, e: impl std::fmt::Display) -> AuditError {
        self.file_in_the_way().unwrap_or_else(|| AuditError::Write {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })
    }

    pub(crate) fn read_error(&self, e: impl std::fmt::Display) -> AuditError {
        self.file_in_the_way().unwrap_or_else(|| AuditError::Read {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// The nearest folder of the log's path that exists as a file, if any:
    /// the OS says only "Not a directory".
    fn file_in_the_way(&self) -> Option<AuditError> {
        let file = self
            .path
            .ancestors()
            .skip(1)
            .find(|a| a.exists())
            .filter(|a| !a.is_dir())?;
        Some(AuditError::FileInTheWay {
            path: self.path.display().to_string(),
            file: file.display().to_string(),
        })
    }

    /// The record of `run` at `time`, appended (for tests).
    #[cfg(test)]
    pub fn append(&self, run: &str, time: &str, body: Body) -> Result<(), AuditError> {
        self.append_record(&Record {
            schema: AUDIT_SCHEMA,
            run: run.to_string(),
            time: time.to_string(),
            body,
        })
    }

    /// Appends one record: a single `write` of one line with O_APPEND,
    /// under an exclusive lock, synced before returning. Concurrent applies
    /// interleave whole lines, never parts of them.
    pub fn append_record(&self, record: &Record) -> Result<(), AuditError> {
        let mut line = serde_json::to_string(record).map_err(|e| self.write_err(e))?;
        line.push('\n');
        if let Some(dir) = self.path.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| self.write_err(e))?;
        }
        // Readable too: the last byte says whether the last line is whole.
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| self.write_err(e))?;
        // A file created by an older umask or by hand keeps no wider mode.
        let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
        file.lock().map_err(|e| self.write_err(e))?;
        // A crash mid-write leaves a last line without its newline: this
        // record starts on a line of its own, so only the torn one is lost.
        if ends_torn(&file).map_err(|e| self.write_err(e))? {
            line.insert(0, '\n');
        }
        let result = file
            .write_all(line.as_bytes())
            .and_then(|_| file.sync_data());
        let _ = file.unlock();
        result.map_err(|e| self.write_err(e))
    }

    /// Every readable record in file order, and the lines that were not.
    /// A missing file is an empty log. (Commands read through the index.)
    #[cfg(test)]
    pub fn read(&self) -> Result<(Vec<Record>, Vec<DamagedLine>), AuditError> {
        let file = match fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
            Err(e) => return Err(self.read_error(e)),
        };
        let mut records = Vec::new();
        let mut damaged = Vec::new();
        for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(|e| self.read_error(e))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match parse_line(&line) {
                Ok(r) => records.push(r),
                Err(reason) => damaged.push(DamagedLine {
                    line: i + 1,
                    reason,
                }),
            }
        }
        Ok((records, damaged))
    }
}

/// Now as RFC 3339 (UTC, seconds).
/// Whether a non-empty file's last byte is not a newline.
fn ends_torn(file: &fs::File) -> std::io::Result<bool> {
    use std::os::unix::fs::FileExt;
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] != b'\n')
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::audit::HookState;

    #[test]
    fn a_torn_last_line_loses_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore {
            path: dir.path().join("audit.jsonl"),
        };
        let state = |name: &str| {
            Body::HookState(HookState {
                kind: "Job".into(),
                name: name.into(),
                state: "created".into(),
                detail: None,
            })
        };
        store
            .append("r1", "2026-01-01T00:00:00Z", state("a"))
            .unwrap();
        // A crash in the middle of the next write.
        let mut f = OpenOptions::new().append(true).open(&store.path).unwrap();
        f.write_all(br#"{"schema":1,"run":"r1","ti"#).unwrap();
        drop(f);
        store
            .append("r2", "2026-01-01T00:00:01Z", state("b"))
            .unwrap();
        let (records, damaged) = store.read().unwrap();
        let runs: Vec<&str> = records.iter().map(|r| r.run.as_str()).collect();
        assert_eq!(runs, ["r1", "r2"]);
        assert_eq!(damaged.len(), 1);
        assert_eq!(damaged[0].line, 2);
    }

    #[test]
    fn appends_lines_and_skips_damaged_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore {
            path: dir.path().join("hooks/audit.jsonl"),
        };
        let state = |n: &str| {
            Body::HookState(HookState {
                kind: "Job".into(),
                name: n.into(),
                state: "created".into(),
                detail: None,
            })
        };
        store
            .append("r1", "2026-01-01T00:00:00Z", state("a"))
            .unwrap();
        // A torn write and a hand edit between two good records.
        let mut f = OpenOptions::new().append(true).open(&store.path).unwrap();
        f.write_all(b"{\"schema\":1,\"run\":\"r1\",\"ti\nnot json at all\n")
            .unwrap();
        store
            .append("r1", "2026-01-01T00:00:01Z", state("b"))
            .unwrap();
        let (records, damaged) = store.read().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(damaged.iter().map(|d| d.line).collect::<Vec<_>>(), [2, 3]);
        let mode = fs::metadata(&store.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = fs::metadata(store.path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode, 0o700);
    }
}
