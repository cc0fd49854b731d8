//! The one place that turns errors into exit codes and hint lines.

use crate::adapters::audit_store::AuditError;
use crate::adapters::deps::DepsError;
use crate::adapters::git::GitError;
use crate::adapters::helm::HelmError;
use crate::adapters::release::ReleaseQueryError;
use crate::adapters::render::RenderError;
use crate::commands::apply::{ConfirmError, HelmFailed};
use crate::core::audit::HistoryError;
use crate::core::hook::ParseError;

/// Exit codes, as `helm`, `git diff --exit-code` and `terraform plan
/// -detailed-exitcode` users expect them.
pub mod code {
    pub const ERROR: i32 = 1;
    /// `--detailed-exitcode` and hooks changed; apply refused for lack of a terminal.
    pub const CHANGES: i32 = 2;
    pub const REFUSED: i32 = 2;
    /// Interrupted (Ctrl-C), as shells report 128 + SIGINT.
    pub const INTERRUPTED: i32 = 130;
}

/// A non-error outcome that still needs a particular exit code.
#[derive(Debug, thiserror::Error)]
#[error("exit {0}")]
pub struct Exit(pub i32);

/// What the user sees for an error: one line saying the problem and the
/// fix, and optionally Helm's own output above it.
pub struct Report {
    pub line: String,
    pub helm_output: Option<String>,
    pub code: i32,
}

fn hint_for(err: &anyhow::Error) -> Option<(String, Option<String>, i32)> {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<ConfirmError>() {
            return Some(match e {
                ConfirmError::NoTerminal => (
                    format!("{e}; pass --yes to apply without asking"),
                    None,
                    code::REFUSED,
                ),
                ConfirmError::Declined => (e.to_string(), None, code::ERROR),
            });
        }
        if let Some(e) = cause.downcast_ref::<HelmFailed>() {
            return Some((
                format!("{e}; the hook summary above names what failed"),
                None,
                e.code,
            ));
        }
        if let Some(e) = cause.downcast_ref::<HistoryError>() {
            let fix = match e {
                HistoryError::BadSince { .. } => {
                    "use a duration (2d, 3h, 90m) or a date (2026-01-31, 2026-01-31T12:00:00Z)"
                }
                HistoryError::UnknownRun { .. } => "list the runs with `helm hooks history`",
                HistoryError::AmbiguousRun { .. } => "give more characters of the run id",
            };
            return Some((format!("{e}; {fix}"), None, code::ERROR));
        }
        if let Some(e) = cause.downcast_ref::<AuditError>() {
            return Some((
                format!("{e}; check the permissions of HELM_DATA_HOME/hooks"),
                None,
                code::ERROR,
            ));
        }
        if let Some(e) = cause.downcast_ref::<ReleaseQueryError>() {
            return Some((
                format!("{e}; check the kube context and namespace (HELM_KUBECONTEXT, -n)"),
                Some(e.stderr.clone()),
                code::ERROR,
            ));
        }
        if let Some(e) = cause.downcast_ref::<GitError>() {
            let fix = match e {
                GitError::NoRepository { .. } => {
                    "run inside a Git repository or pass a chart directory that is in one"
                }
                GitError::BadRevision { .. } => {
                    "use a branch, tag, commit (see `git log --oneline`) or WORKTREE"
                }
                GitError::NotAChart { .. } => {
                    "pass the chart directory (the one with Chart.yaml) that exists at that revision; a chart that moved: --from-path names its directory at --from"
                }
                GitError::GeneratedChart { .. } => {
                    "generate it (the chart's build, e.g. `make`) and plan the generated chart directory with --from/--to WORKTREE, or compare revisions that commit a Chart.yaml"
                }
                GitError::OutsideRepository { .. } => {
                    "pass a directory of the same repository as CHART"
                }
                GitError::BareWorktree { .. } => {
                    "pass --from and --to revisions; a bare repository has no WORKTREE"
                }
                GitError::MissingObject { .. } => {
                    "let git fetch them by reading them once, e.g. `git diff REV -- CHART >/dev/null` (a partial clone fetches on read)"
                }
                GitError::MissingValues { .. } => {
                    "commit the values file, or pick a revision that has it (in a bare repository -f paths are relative to the repository root; an absolute path is read from disk)"
                }
                GitError::Read { .. } => "check the path and its permissions",
            };
            return Some((format!("{e}; {fix}"), None, code::ERROR));
        }
        if let Some(e) = cause.downcast_ref::<DepsError>() {
            let fix = match e {
                DepsError::Fetch { .. } => {
                    "add the chart repository (`helm repo add NAME URL`) or check the network and credentials, then retry; offline, run `helm dependency build` in the chart once online"
                }
                DepsError::LockOutOfSync { .. } => {
                    "run `helm dependency update` in the chart and commit the lock file"
                }
                DepsError::Meta { .. } => "fix Chart.yaml or Chart.lock at that revision",
                DepsError::Spawn { .. } => "set HELM_BIN to a working helm binary",
                DepsError::Io(_) => "check free space and permissions of the temp directory",
            };
            return Some((
                format!("{e}; {fix}"),
                e.helm_stderr().map(str::to_string),
                code::ERROR,
            ));
        }
        if let Some(e) = cause.downcast_ref::<RenderError>() {
            let fix = match e {
                RenderError::MissingDependencies { .. } => {
                    "run `helm dependency build` and commit charts/, or make the dependency a file:// path inside the repository"
                }
                RenderError::Template { .. } => {
                    "fix the template at that revision (Helm's output above)"
                }
                RenderError::Spawn { .. } => "set HELM_BIN to a working helm binary",
                RenderError::Values { .. } => "check the -f path",
                RenderError::Io(_) => "check free space and permissions of the temp directory",
            };
            return Some((
                format!("{e}; {fix}"),
                e.helm_stderr().map(str::to_string),
                code::ERROR,
            ));
        }
        if let Some(e) = cause.downcast_ref::<HelmError>() {
            let fix = "install Helm 3.17+ or 4, or set HELM_BIN to its path";
            return Some((format!("{e}; {fix}"), None, code::ERROR));
        }
        if let Some(e) = cause.downcast_ref::<ParseError>() {
            return Some((
                format!("{e}; fix the template so it renders valid YAML"),
                None,
                code::ERROR,
            ));
        }
    }
    None
}

/// A broken pipe (`helm hooks plan | head`) is how the reader says
/// "enough", not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub fn report(err: &anyhow::Error) -> Report {
    if let Some(Exit(code)) = err.downcast_ref::<Exit>() {
        return Report {
            line: String::new(),
            helm_output: None,
            code: *code,
        };
    }
    let (line, helm_output, code) = hint_for(err).unwrap_or_else(|| {
        // Unknown errors: the whole context chain on one line.
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        (chain.join(": "), None, code::ERROR)
    });
    // A line of Helm's output that the error line already says adds
    // nothing: the same text twice is noise. The rest stays, in order.
    let helm_output = helm_output
        .map(|out| {
            out.lines()
                .filter(|l| {
                    let t = l.trim().trim_start_matches("Error: ");
                    !t.is_empty() && !line.contains(t)
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|out| !out.is_empty());
    Report {
        line,
        helm_output,
        code,
    }
}
