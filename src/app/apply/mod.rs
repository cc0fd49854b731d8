//! The runner of every recorded operation: apply (`helm upgrade
//! --install` of the chart as of a revision), test, rollback and
//! uninstall. Each is planned into a [`Prepared`] (`prepare` for apply,
//! from Helm's dry run; `lifecycle` for the others, from the hooks Helm
//! stored), then
//! run the same way: Helm while following each hook, and a record of what
//! this run did. Parts: `helm_args`, `helm_process` (signals, exit),
//! `monitor` (watch feed -> tracker -> progress and audit), `outcome`
//! (what each hook did), `local` (local hooks), `record` (the audit
//! record), `run` (the order of it all).

mod helm_args;
mod helm_process;
mod lifecycle;
mod local;
mod monitor;
mod outcome;
mod prepare;
pub mod record;
mod run;
mod watch;

pub use helm_args::UpgradeFlags;
pub use lifecycle::{
    LifecycleRequest, NoSuchRelease, audit_log_path, left_after_uninstall, prepare_lifecycle,
    test_report_hooks,
};
pub use prepare::{deployed_commit, deployed_sha, description_marker, prepare};
pub use run::{Outcome, RunRequest, Verdict, run};

use super::revision::RenderedRevision;
use super::workspace::Workspace;
use crate::adapters::release::{self, ListedRelease, Release};
use crate::adapters::render::RenderOptions;
use crate::core::audit::FailureBranch;
use crate::core::hook::{Hook, Warning};
use crate::core::lifecycle::TestFilter;
use crate::core::lint::Finding;
use crate::core::local::LocalHook;
use crate::core::plan::{OperationPlan, Plan};
use crate::core::render_source::RenderSource;
use crate::core::timeline::Operation;
use std::path::PathBuf;
use std::time::Duration;

/// The run was not confirmed. `verb`: apply, roll back, uninstall.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("refusing to {verb} without confirmation: no terminal to ask on")]
    NoTerminal { verb: &'static str },
    #[error("{verb} cancelled: nothing was changed")]
    Declined { verb: &'static str },
}

impl ConfirmError {
    /// The word the question and its refusal use for `op`.
    pub fn verb(op: Operation) -> &'static str {
        match op {
            Operation::Rollback => "roll back",
            Operation::Uninstall => "uninstall",
            Operation::Test => "test",
            Operation::Install | Operation::Upgrade => "apply",
        }
    }
}

/// No RELEASE, and none could be picked.
#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error(
        "no RELEASE given and no terminal to pick one on: pass it, as in `helm hooks apply RELEASE [CHART]`"
    )]
    NoTerminal,
    #[error(
        "no RELEASE given and namespace {namespace} has no release to pick: name the release to install, as in `helm hooks apply RELEASE [CHART]`"
    )]
    NoReleases { namespace: String },
    #[error("no release picked: nothing was changed")]
    Cancelled,
}

/// Helm itself failed; its exit status becomes ours.
#[derive(Debug, thiserror::Error)]
#[error("helm {command} failed: {message}")]
pub struct HelmFailed {
    /// `upgrade`, `test`, `rollback`, `uninstall`.
    pub command: &'static str,
    pub code: i32,
    pub message: String,
    /// A hook failed, and the summary above names it.
    pub hook_failed: bool,
}

/// The run was stopped (Ctrl-C, SIGTERM): exit 130, as shells report it.
/// What was recorded is said before.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct RunInterrupted;

/// A local hook failed: before Helm (which then did not run) or after.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalHookFailed(pub String);

/// Lines of a hook's log kept for the report and the record.
const LOG_TAIL: usize = 20;

/// Where progress goes while apply runs; the UI implements it. Rows are
/// the steps of the operation's timeline, in order.
pub trait Reporter {
    fn started(&self, row: usize);
    fn update(&self, row: usize, state: &str, detail: Option<&str>, done: bool, ms: Option<u64>);
    fn log(&self, tag: &str, line: &str);
    fn warn(&self, message: &str);
    fn finish(&self);
    /// Ctrl-C or SIGTERM: the display stops as it is, at once. Through
    /// `helm hooks`, Helm exits on the same Ctrl-C and the shell's prompt
    /// comes back: anything redrawn later would land after it.
    fn interrupted(&self) {
        self.finish();
    }
}

/// The kube context and server Helm will act on, for the question.
pub fn kube_target() -> crate::adapters::kube::Target {
    crate::adapters::kube::target()
}

/// The namespace's releases, for a pick when RELEASE is not given.
pub fn releases(ws: &Workspace, namespace: &str) -> anyhow::Result<Vec<ListedRelease>> {
    let list = release::list(&ws.helm()?, namespace)?;
    if list.is_empty() {
        return Err(PickError::NoReleases {
            namespace: namespace.to_string(),
        }
        .into());
    }
    Ok(list)
}

pub struct ApplyRequest<'a> {
    pub release: &'a str,
    pub to: &'a str,
    pub render: &'a RenderOptions,
    /// The flags the upgrade runs with: its dry run is given the same.
    pub flags: &'a UpgradeFlags,
    /// Helm's `--timeout`, for the lint of Job deadlines.
    pub timeout: Duration,
    pub local_timeout: Duration,
    /// Operations planned beside the one Helm runs, from the same hooks
    /// (`plan --release` shows test, rollback and uninstall after it);
    /// install and upgrade are Helm's choice, never added. Apply: none.
    pub also: &'a [Operation],
    pub diff: crate::core::diff::DiffOptions,
}

/// What Helm is asked to do.
pub enum Action {
    /// `helm upgrade --install` of the chart as of `to`.
    Upgrade {
        to: Box<RenderedRevision>,
        render: RenderOptions,
    },
    /// `helm test`, with the filters Helm is given.
    Test { filters: Vec<TestFilter> },
    /// `helm rollback` from the latest revision to `to`: the shas are the
    /// commits those revisions were applied from, where known.
    Rollback {
        from: u64,
        to: u64,
        from_sha: Option<String>,
        to_sha: Option<String>,
    },
    /// `helm uninstall`.
    Uninstall,
}

impl Action {
    /// The Helm command run.
    pub fn helm_command(&self) -> &'static str {
        match self {
            Action::Upgrade { .. } => "upgrade",
            Action::Test { .. } => "test",
            Action::Rollback { .. } => "rollback",
            Action::Uninstall => "uninstall",
        }
    }
}

/// Everything decided before the cluster is touched.
pub struct Prepared {
    pub release: String,
    pub namespace: String,
    pub operation: Operation,
    /// The release's latest revision (the one Helm acts on).
    pub deployed: Option<Release>,
    /// How the hooks about to run were had (`None`: not said).
    pub source: Option<RenderSource>,
    /// What Helm does should the run fail (`--atomic`).
    pub failure_branch: Option<FailureBranch>,
    pub action: Action,
    /// The hooks the operation runs, in Helm's kind order.
    pub to_hooks: Vec<Hook>,
    pub op_plan: OperationPlan,
    /// The whole plan `op_plan` is the one operation of (for plan files).
    pub plan: Plan,
    pub warnings: Vec<Warning>,
    /// Lint findings of the chart about to run (apply shows its errors
    /// before the question).
    pub findings: Vec<Finding>,
    /// What could not be read but does not stop the apply.
    pub notes: Vec<String>,
    /// Values that must not reach the terminal or the record.
    pub secrets: Vec<String>,
    pub local_hooks: Vec<LocalHook>,
    /// Where each local hook runs (the directory of its file).
    pub local_dirs: Vec<PathBuf>,
    pub local_timeout: Duration,
    /// The chart's name and version as Helm stored them (for operations
    /// on what is deployed; an upgrade reads its chart's Chart.yaml).
    pub stored_chart: Option<(String, String)>,
    /// `helm test`'s hooks its `--filter` leaves out, in Helm's order.
    pub filtered_out: Vec<Hook>,
}
