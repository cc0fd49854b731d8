//! Plain value types shared across the core, the use cases and the views.

use super::hook::HookEvent;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    Install,
    Upgrade,
    Rollback,
    Uninstall,
    Test,
}

impl Operation {
    pub const ALL: [Operation; 5] = [
        Operation::Install,
        Operation::Upgrade,
        Operation::Rollback,
        Operation::Uninstall,
        Operation::Test,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Install => "install",
            Operation::Upgrade => "upgrade",
            Operation::Rollback => "rollback",
            Operation::Uninstall => "uninstall",
            Operation::Test => "test",
        }
    }

    /// Events before the chart's own resources are touched, and after.
    pub fn events(self) -> (&'static [HookEvent], &'static [HookEvent]) {
        match self {
            Operation::Install => (&[HookEvent::PreInstall], &[HookEvent::PostInstall]),
            Operation::Upgrade => (&[HookEvent::PreUpgrade], &[HookEvent::PostUpgrade]),
            Operation::Rollback => (&[HookEvent::PreRollback], &[HookEvent::PostRollback]),
            Operation::Uninstall => (&[HookEvent::PreDelete], &[HookEvent::PostDelete]),
            Operation::Test => (&[HookEvent::Test], &[]),
        }
    }

    /// What happens to the chart's resources between pre- and post- hooks.
    pub fn resources_step(self) -> Option<&'static str> {
        match self {
            Operation::Install => Some("create chart resources"),
            Operation::Upgrade => Some("update chart resources"),
            Operation::Rollback => Some("restore chart resources of the target revision"),
            Operation::Uninstall => Some("delete chart resources"),
            Operation::Test => None,
        }
    }

    /// Whether the hooks come from an `--is-upgrade` render.
    pub fn needs_upgrade_render(self) -> bool {
        !matches!(self, Operation::Install)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// A resolved revision.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// As the user wrote it.
    pub spec: String,
    /// `None` for WORKTREE.
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub worktree: bool,
    /// The commit's tree id (hex), for the Git adapter.
    #[serde(skip)]
    pub tree: Option<String>,
}

impl Revision {
    /// The side a chart directory in no Git repository lacks: no commit,
    /// no working tree, no hooks (a plan of it is a first install's).
    pub fn nothing() -> Self {
        Self {
            spec: NOTHING.to_string(),
            commit: None,
            subject: None,
            worktree: false,
            tree: None,
        }
    }
}

/// How `Revision::nothing` is named in headers and documents.
pub const NOTHING: &str = "(none)";

/// A hook's earlier successful runs (the audit log), for a plan step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expected {
    pub median_ms: u64,
    pub max_ms: u64,
    /// How many successful runs these come from.
    pub runs: usize,
}
