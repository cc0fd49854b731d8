//! The one place that turns errors into exit codes and hint lines.

use crate::adapters::git::GitError;
use crate::adapters::helm::HelmError;
use crate::adapters::render::RenderError;
use crate::core::hook::ParseError;

/// Exit codes, as `helm`, `git diff --exit-code` and `terraform plan
/// -detailed-exitcode` users expect them.
pub mod code {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    /// `--detailed-exitcode` and hooks changed.
    pub const CHANGES: i32 = 2;
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

fn hint_for(err: &anyhow::Error) -> Option<(String, Option<String>)> {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<GitError>() {
            let fix = match e {
                GitError::NoRepository { .. } => {
                    "run inside a Git repository or pass a chart directory that is in one"
                }
                GitError::BadRevision { .. } => {
                    "use a branch, tag, commit (see `git log --oneline`) or WORKTREE"
                }
                GitError::NotAChart { .. } => {
                    "pass the chart directory (the one with Chart.yaml) that exists at that revision"
                }
                GitError::BareWorktree { .. } => {
                    "pass --from and --to revisions; a bare repository has no WORKTREE"
                }
                GitError::MissingObject { .. } => {
                    "fetch the missing objects (git fetch) or check the revision out once"
                }
                GitError::MissingValues { .. } => {
                    "commit the values file, or pick a revision that has it"
                }
                GitError::Read { .. } => "check the path and its permissions",
            };
            return Some((format!("{e}; {fix}"), None));
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
            return Some((format!("{e}; {fix}"), e.helm_stderr().map(str::to_string)));
        }
        if let Some(e) = cause.downcast_ref::<HelmError>() {
            let fix = "install Helm 3.17+ or 4, or set HELM_BIN to its path";
            return Some((format!("{e}; {fix}"), None));
        }
        if let Some(e) = cause.downcast_ref::<ParseError>() {
            return Some((
                format!("{e}; fix the template so it renders valid YAML"),
                None,
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
    let (line, helm_output) = hint_for(err).unwrap_or_else(|| {
        // Unknown errors: the whole context chain on one line.
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        (chain.join(": "), None)
    });
    Report {
        line,
        helm_output,
        code: code::ERROR,
    }
}
