//! The audit record of a run: its id, who ran it where, the command line
//! without secrets, what was planned, and each state change. User, host,
//! clock and run id can be pinned by environment variables
//! (`HELM_HOOKS_USER`, `HELM_HOOKS_HOST`, `HELM_HOOKS_TIMESTAMP`,
//! `HELM_HOOKS_RUN_ID`) so that output can be snapshotted, as jj does with
//! `JJ_TIMESTAMP`.

use super::{Action, Prepared, deployed_commit};
use crate::adapters::audit_store::{AuditStore, now_rfc3339};
use crate::adapters::git::ChartSnapshot;
use crate::app::workspace::Workspace;
use crate::core::audit::RunStarted;
use crate::core::audit::{AUDIT_SCHEMA, Body, HookState, PlannedHook, Record};
use crate::core::chart::ChartMeta;
use crate::core::diff::Change;
use crate::core::local::{LOCAL_HOOK_KIND, LocalHook};
use crate::core::plan::{OperationPlan, PlanRow};

fn pinned(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// The time records carry (RFC 3339, UTC).
pub fn now() -> String {
    pinned("HELM_HOOKS_TIMESTAMP").unwrap_or_else(now_rfc3339)
}

/// `20261202T012345-1a2b3c`: sortable, and unique enough per machine.
pub fn new_run_id() -> String {
    if let Some(id) = pinned("HELM_HOOKS_RUN_ID") {
        return id;
    }
    let now = std::time::SystemTime::now();
    let nanos = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    let stamp = humantime::format_rfc3339_seconds(now)
        .to_string()
        .replace([':', '-'], "");
    format!(
        "{}-{:06x}",
        stamp.trim_end_matches('Z'),
        (nanos ^ std::process::id()) & 0xff_ffff
    )
}

/// Who runs: `$USER`, `$LOGNAME`, else the password database.
pub fn user() -> String {
    pinned("HELM_HOOKS_USER")
        .or_else(|| pinned("USER"))
        .or_else(|| pinned("LOGNAME"))
        .or_else(password_db_user)
        .unwrap_or_default()
}

fn password_db_user() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; the
    // name is copied out before any other call can overwrite it.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

pub fn host() -> String {
    pinned("HELM_HOOKS_HOST").unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default()
    })
}

/// The command line with values that may be secret removed: every `--set*`
/// value, and the value of any credential flag.
pub fn redacted_args(argv: impl IntoIterator<Item = String>) -> Vec<String> {
    let secretish = |flag: &str| {
        flag.starts_with("--set")
            || ["password", "token", "secret", "key"]
                .iter()
                .any(|w| flag.contains(w))
    };
    let mut out = Vec::new();
    let mut hide_next = false;
    for a in argv {
        if std::mem::take(&mut hide_next) {
            out.push("<redacted>".into());
            continue;
        }
        match a.split_once('=') {
            Some((flag, _)) if flag.starts_with("--") && secretish(flag) => {
                out.push(format!("{flag}=<redacted>"))
            }
            _ if a.starts_with("--") && secretish(&a) => {
                out.push(a);
                hide_next = true;
            }
            _ => out.push(a),
        }
    }
    out
}

/// The record's timeline: chart and local hook runs in run order.
pub fn planned_hooks(plan: &OperationPlan, local_hooks: &[LocalHook]) -> Vec<PlannedHook> {
    let change = |c: Change| {
        match c {
            Change::Added => "added",
            Change::Changed => "changed",
            _ => "unchanged",
        }
        .to_string()
    };
    plan.rows()
        .into_iter()
        .filter_map(|row| match row {
            PlanRow::Hook(h, c) => Some(PlannedHook {
                position: h.position,
                event: h.event.to_string(),
                kind: h.kind.clone(),
                name: h.name.clone(),
                weight: h.weight,
                change: change(c.change),
            }),
            PlanRow::Local(l, c) => Some(PlannedHook {
                position: l.position,
                event: l.event.to_string(),
                kind: LOCAL_HOOK_KIND.into(),
                name: local_hooks[l.hook].label(),
                weight: 0,
                change: change(c.change),
            }),
            PlanRow::Resources { .. } => None,
        })
        .collect()
}

/// Appends this run's records to the local log, and keeps them for the
/// run's object in the cluster.
pub struct Recorder<'a> {
    pub store: &'a AuditStore,
    pub run_id: &'a str,
    pub written: std::sync::Mutex<Vec<Record>>,
}

impl<'a> Recorder<'a> {
    pub fn new(store: &'a AuditStore, run_id: &'a str) -> Self {
        Self {
            store,
            run_id,
            written: Default::default(),
        }
    }

    pub fn append(&self, body: Body) -> anyhow::Result<()> {
        let record = Record {
            schema: AUDIT_SCHEMA,
            run: self.run_id.to_string(),
            time: now(),
            body,
        };
        self.store.append_record(&record)?;
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
        Ok(())
    }

    /// Every record this run wrote, in order.
    pub fn records(&self) -> Vec<Record> {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn hook_state(
        &self,
        kind: &str,
        name: &str,
        state: &str,
        detail: Option<String>,
    ) -> anyhow::Result<()> {
        self.append(Body::HookState(HookState {
            kind: kind.to_string(),
            name: name.to_string(),
            state: state.into(),
            detail,
        }))
    }
}

pub fn start_record(
    ws: &Workspace,
    p: &Prepared,
    snapshot: Option<&ChartSnapshot>,
    argv: &[String],
    plan_file: Option<&str>,
) -> anyhow::Result<RunStarted> {
    let helm_version = ws.helm()?.version;
    let (chart_name, chart_version) = match snapshot {
        Some(snapshot) => {
            let meta = snapshot
                .file("Chart.yaml")
                .and_then(|c| ChartMeta::parse(c).ok())
                .unwrap_or_default();
            (meta.name, meta.version)
        }
        None => p.stored_chart.clone().unwrap_or_default(),
    };
    let latest = p.deployed.as_ref();
    let (from_rev, from_sha, to_rev, to_sha, worktree) = match &p.action {
        Action::Upgrade { to, .. } => (
            latest.map(|d| format!("revision {}", d.version)),
            latest.and_then(|d| deployed_commit(d, &p.release, &p.namespace)),
            to.rev.spec.clone(),
            to.rev.commit.clone(),
            to.rev.worktree,
        ),
        Action::Rollback {
            from,
            to,
            from_sha,
            to_sha,
        } => (
            Some(format!("revision {from}")),
            from_sha.clone(),
            format!("revision {to}"),
            to_sha.clone(),
            false,
        ),
        // Test and uninstall act on the latest revision itself.
        Action::Test { .. } | Action::Uninstall => {
            let rev = latest.map(|d| format!("revision {}", d.version));
            let sha = latest.and_then(|d| deployed_commit(d, &p.release, &p.namespace));
            (
                rev.clone(),
                sha.clone(),
                rev.unwrap_or_default(),
                sha,
                false,
            )
        }
    };
    Ok(RunStarted {
        user: user(),
        host: host(),
        pid: std::process::id(),
        kube_context: None,
        kube_server: None,
        namespace: p.namespace.clone(),
        release: p.release.clone(),
        operation: p.operation.to_string(),
        chart_name,
        chart_version,
        repository: ws.repo.root_display(),
        chart_path: ws.repo.chart_path().to_string(),
        from_rev,
        from_sha,
        to_rev,
        to_sha,
        worktree,
        worktree_hash: snapshot.filter(|_| worktree).map(|s| s.fingerprint.clone()),
        helm_version: helm_version.to_string(),
        args: redacted_args(argv.iter().cloned()),
        timeline: planned_hooks(&p.op_plan, &p.local_hooks),
        plan_file: plan_file.map(str::to_string),
        ci_job: crate::core::cluster_record::ci_job(&pinned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn set_values_and_credentials_are_redacted() {
        let out = redacted_args(strings(&[
            "apply",
            "web",
            "--set",
            "db.password=s3cret",
            "--set-string=a=b",
            "--token",
            "abc",
            "--kube-token=xyz",
            "-n",
            "shop",
        ]));
        assert_eq!(
            out,
            strings(&[
                "apply",
                "web",
                "--set",
                "<redacted>",
                "--set-string=<redacted>",
                "--token",
                "<redacted>",
                "--kube-token=<redacted>",
                "-n",
                "shop"
            ])
        );
    }

    #[test]
    fn run_ids_sort_by_time() {
        let id = new_run_id();
        assert_eq!(id.len(), "20261202T012345-1a2b3c".len(), "{id}");
        assert!(id.starts_with("20"), "{id}");
    }

    #[test]
    fn someone_runs_it() {
        // USER may be unset in CI containers: the password database answers.
        assert!(!user().is_empty() || password_db_user().is_none());
    }
}
