//! The one place that turns errors into exit codes and hint lines.

use crate::adapters::audit_store::AuditError;
use crate::adapters::deps::{DepsError, FetchCause};
use crate::adapters::forge::{ForgeEnvError, ForgeError};
use crate::adapters::git::GitError;
use crate::adapters::helm::HelmError;
use crate::adapters::kube::KubeconfigUnusable;
use crate::adapters::plan_file::PlanFileError;
use crate::adapters::release::{ClusterUnreachable, ReleaseQueryError};
use crate::adapters::render::{BadFlag, RenderError};
use crate::app::apply::{
    ConfirmError, HelmFailed, LocalHookFailed, NoSuchRelease, PickError, RunInterrupted,
};
use crate::app::history::ClusterUnavailable;
use crate::app::plan_all::{ChartsFailed, NoChartsAt};
use crate::app::planfile::{OutNeedsRelease, PlanDrift};
use crate::cli::ChartVersionGiven;
use crate::core::audit::{BadCommitId, HistoryError};
use crate::core::chart::ChartFileError;
use crate::core::comment::Forge;
use crate::core::hook::ParseError;
use crate::core::lifecycle::LifecycleError;
use crate::core::local::LocalHookError;

/// Exit codes, as `helm`, `git diff --exit-code` and `terraform plan
/// -detailed-exitcode` users expect them.
pub mod code {
    pub const ERROR: i32 = 1;
    /// `--detailed-exitcode` and hooks changed; apply refused for lack of a terminal.
    pub const CHANGES: i32 = 2;
    pub const REFUSED: i32 = 2;
    /// `apply --plan`: the plan no longer holds; nothing was changed.
    pub const DRIFT: i32 = 3;
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

/// What an error tells the user beyond its own text: the fix, Helm's own
/// output when Helm failed, and the exit status.
struct Hint {
    fix: std::borrow::Cow<'static, str>,
    helm_output: Option<String>,
    code: i32,
    /// Keep the context above the error (which file, which revision).
    with_context: bool,
}

impl Hint {
    fn fix(fix: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            fix: fix.into(),
            helm_output: None,
            code: code::ERROR,
            with_context: false,
        }
    }

    fn in_context(mut self) -> Self {
        self.with_context = true;
        self
    }

    fn with_helm(mut self, output: Option<&str>) -> Self {
        self.helm_output = output.map(str::to_string);
        self
    }

    fn code(mut self, code: i32) -> Self {
        self.code = code;
        self
    }
}

/// Each error type of the use cases and adapters says its fix, matched
/// exhaustively on its variants.
trait Hinted: std::error::Error + Send + Sync + 'static {
    fn hint(&self) -> Hint;
}

impl Hinted for ConfirmError {
    fn hint(&self) -> Hint {
        match self {
            // Needs a terminal: the same status everywhere.
            ConfirmError::NoTerminal { verb } => {
                Hint::fix(format!("pass --yes to {verb} without asking")).code(code::REFUSED)
            }
            ConfirmError::Declined { verb } => {
                Hint::fix(format!("run it again and answer y to {verb}"))
            }
        }
    }
}

impl Hinted for NoSuchRelease {
    fn hint(&self) -> Hint {
        Hint::fix("install it first with `helm hooks apply RELEASE CHART`")
    }
}

impl Hinted for LifecycleError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            LifecycleError::BadFilter(_) => "as in `helm test --filter name=smoke`",
            LifecycleError::NoSuchRevision { .. } => {
                "pick one that `helm history RELEASE` lists, other than the latest"
            }
        })
    }
}

impl Hinted for PlanDrift {
    fn hint(&self) -> Hint {
        Hint::fix(format!(
            "nothing was changed; make and review a new plan: `{}`",
            self.replan
        ))
        .code(code::DRIFT)
    }
}

impl Hinted for PlanFileError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            PlanFileError::Read { .. } | PlanFileError::NotAPlan { .. } => {
                "pass the file `helm hooks plan --release NAME --out FILE` wrote"
            }
            PlanFileError::Write { .. } => "check the directory exists and is writable",
        })
    }
}

impl Hinted for ChartsFailed {
    fn hint(&self) -> Hint {
        Hint::fix("each failed chart's entry names its error; the other charts were planned")
    }
}

impl Hinted for NoChartsAt {
    fn hint(&self) -> Hint {
        Hint::fix(
            "pass a chart directory or one with charts below it, relative to the current directory; without a path, --all plans every chart of the repository",
        )
    }
}

impl Hinted for OutNeedsRelease {
    fn hint(&self) -> Hint {
        Hint::fix("add --release NAME (and -n NAMESPACE) of the release to apply it to")
    }
}

impl Hinted for ChartVersionGiven {
    fn hint(&self) -> Hint {
        Hint::fix(
            "name the chart's Git revision instead (a tag, branch or commit: apply/plan --to, lint --rev); `helm hooks --version` prints this tool's version",
        )
    }
}

impl Hinted for PickError {
    fn hint(&self) -> Hint {
        match self {
            PickError::NoTerminal => Hint::fix("name it on the command line").code(code::REFUSED),
            PickError::NoReleases { .. } => Hint::fix("check the namespace (-n) and kube context"),
            PickError::Cancelled => Hint::fix("run it again and pick one, or name it"),
        }
    }
}

impl Hinted for LocalHookFailed {
    fn hint(&self) -> Hint {
        Hint::fix("its output is in the summary above and in `helm hooks history`")
    }
}

impl Hinted for HelmFailed {
    fn hint(&self) -> Hint {
        Hint::fix(match self.hook_failed {
            true => "the hook summary above names what failed",
            false => "no hook failed: Helm's output above says why",
        })
        .code(self.code)
    }
}

impl Hinted for HistoryError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            HistoryError::BadSince { .. } => {
                "use a duration (2d, 3h, 90m) or a date (2026-01-31, 2026-01-31T12:00:00Z)"
            }
            HistoryError::UnknownRun { .. } => "list the runs with `helm hooks history`",
            HistoryError::AmbiguousRun { .. } => "give more characters of the run id",
            HistoryError::MarkdownNeedsRun => {
                "pass --run ID (`helm hooks history` lists the ids), or use -o table or -o json"
            }
        })
    }
}

impl Hinted for ClusterUnavailable {
    fn hint(&self) -> Hint {
        Hint::fix(
            "check the kube context and namespace (-n), or read this machine's log alone with --source local",
        )
    }
}

impl Hinted for BadCommitId {
    fn hint(&self) -> Hint {
        Hint::fix("correct or delete that run's lines in HELM_DATA_HOME/hooks/audit.jsonl")
    }
}

impl Hinted for AuditError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            AuditError::Write { .. } | AuditError::Read { .. } => {
                "check the permissions of HELM_DATA_HOME/hooks"
            }
            AuditError::FileInTheWay { .. } => {
                "point HELM_DATA_HOME at a directory (or unset it), or move that file away"
            }
        })
    }
}

impl Hinted for ReleaseQueryError {
    fn hint(&self) -> Hint {
        // The dry run that plans an apply is Helm's own answer to the very
        // upgrade asked for: what it names is what to fix.
        let fix = match self.command.starts_with("upgrade") {
            true => {
                "nothing was changed: Helm refuses this upgrade as asked; fix what it names (the flags after --, the chart or its values), or wait for the release's other operation to end"
            }
            false => "check the kube context and namespace (HELM_KUBECONTEXT, -n)",
        };
        Hint::fix(fix).with_helm(Some(&self.stderr))
    }
}

impl Hinted for ClusterUnreachable {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            ClusterUnreachable::NoKubeconfig { .. } => {
                "point KUBECONFIG (or helm --kubeconfig) at the cluster's kubeconfig, or pass --kube-apiserver"
            }
            ClusterUnreachable::Server { .. } => {
                "check that the cluster is up and that this is the right one: --kube-context NAME (`kubectl config get-contexts`)"
            }
        })
    }
}

impl Hinted for KubeconfigUnusable {
    fn hint(&self) -> Hint {
        Hint::fix(
            "fix the file the kubeconfig names, or pick another context with --kube-context NAME",
        )
    }
}

impl Hinted for GitError {
    fn hint(&self) -> Hint {
        if let GitError::NoChartDir {
            nearest: Some(n), ..
        } = self
        {
            return Hint::fix(format!("did you mean {n}? (the nearest chart by name)"));
        }
        Hint::fix(match self {
            GitError::NoRepository { .. } => {
                "run inside a Git repository or pass a chart directory that is in one"
            }
            GitError::NoSuchPath { .. } => {
                "check the chart path: the directory with Chart.yaml, inside a Git repository"
            }
            GitError::NoCommits { .. } => {
                "commit the chart first (`git add` and `git commit`), or name WORKTREE (lint --rev WORKTREE)"
            }
            GitError::NoHistory { .. } => {
                "leave out --from/--to/--rev (the directory is read as it is on disk), or put the chart in a Git repository to compare revisions"
            }
            GitError::BadRevision { .. } => {
                "use a branch, tag, commit (see `git log --oneline`) or WORKTREE"
            }
            GitError::NoChartDir { .. } => {
                "check the chart path (the directory with Chart.yaml); a chart that moved: --from-path names its directory at --from"
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
                "name committed revisions (plan/apply: --from and --to; lint: --rev); a bare repository has no WORKTREE"
            }
            GitError::MissingObject { .. } => {
                "let git fetch them by reading them once, e.g. `git diff REV -- CHART >/dev/null` (a partial clone fetches on read)"
            }
            GitError::MissingValues { .. } => {
                "commit the values file, or pick a revision that has it (in a bare repository -f paths are relative to the repository root; an absolute path is read from disk)"
            }
            GitError::Read { .. } => "check the path and its permissions",
        })
    }
}

impl Hinted for DepsError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            // Only what Helm's message points at: a version constraint is
            // no network problem.
            DepsError::Fetch { cause, .. } => match cause {
                FetchCause::Unreachable => {
                    "check the network and the repository's URL, then retry; offline, run `helm dependency build` in the chart once online"
                }
                FetchCause::Denied => {
                    "give Helm the repository's credentials (`helm repo add NAME URL --username USER --password-stdin`; OCI: `helm registry login HOST`), then retry"
                }
                FetchCause::Version => {
                    "pick a version the repository has: fix version: in Chart.yaml, run `helm dependency update` in the chart and commit Chart.lock"
                }
                FetchCause::UnknownAlias => {
                    "add the repository the alias names (`helm repo add NAME URL`), or write its URL as the dependency's repository:"
                }
                FetchCause::Other => "fix what Helm's error says, then retry",
            },
            DepsError::RepositoryConfig { .. } => {
                "fix the YAML of that file (Helm reads it too: `helm repo list`), or point HELM_REPOSITORY_CONFIG at a good one"
            }
            DepsError::LockOutOfSync { .. } => {
                "run `helm dependency update` in the chart and commit the lock file"
            }
            DepsError::InTreeMissing { .. } => {
                "commit that subchart as a directory under charts/ (`helm dependency build` will not take an archive of it), or give the dependency its repository:"
            }
            DepsError::Meta { .. } => "fix Chart.yaml or Chart.lock at that revision",
            DepsError::Spawn { .. } => "set HELM_BIN to a working helm binary",
            DepsError::Io(_) => "check free space and permissions of the temp directory",
        })
        .with_helm(self.helm_stderr())
    }
}

impl Hinted for RenderError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            RenderError::MissingDependencies { .. } => {
                "run `helm dependency build` and commit charts/, or make the dependency a file:// path inside the repository"
            }
            RenderError::Template { .. } => "fix the template at that revision",
            RenderError::Flag { flag, .. } => match flag {
                BadFlag::Set => {
                    "fix that --set value (Helm's syntax: a.b=c,d[0]=e; a comma, dot or bracket inside a value needs a backslash)"
                }
                BadFlag::SetFile => "check the --set-file path (key=path, relative to the current directory)",
                BadFlag::KubeVersion => "give --kube-version a Kubernetes version, such as 1.31.0",
                BadFlag::Values => "fix the YAML of that -f values file",
            },
            RenderError::ValueRequired { .. } => {
                "give the chart the value it asks for (--set or -f), or change that required/fail check"
            }
            RenderError::Spawn { .. } => "set HELM_BIN to a working helm binary",
            RenderError::Values { .. } => "check the -f path",
            RenderError::Io(_) => "check free space and permissions of the temp directory",
        })
        .with_helm(self.helm_stderr())
    }
}

impl Hinted for HelmError {
    fn hint(&self) -> Hint {
        match self {
            HelmError::NotFound | HelmError::NotRunnable { .. } | HelmError::BadVersion { .. } => {
                Hint::fix("install Helm 3.17+ or 4, or set HELM_BIN to its path")
            }
            HelmError::VersionFailed { stderr, .. } => {
                Hint::fix("set HELM_BIN to a working helm binary").with_helm(Some(stderr))
            }
            HelmError::TooOld { .. } => Hint::fix(
                "install Helm 3.17 or later (3.x from 3.17, or 4.x), or set HELM_BIN to one",
            ),
        }
    }
}

impl Hinted for ParseError {
    fn hint(&self) -> Hint {
        Hint::fix("fix the template so it renders valid YAML")
    }
}

impl Hinted for LocalHookError {
    fn hint(&self) -> Hint {
        Hint::fix("fix the hook definition at that revision (see docs/local-hooks.md)").in_context()
    }
}

impl Hinted for ChartFileError {
    fn hint(&self) -> Hint {
        Hint::fix("fix the file at that revision so that Helm can read it").in_context()
    }
}

impl Hinted for ForgeEnvError {
    fn hint(&self) -> Hint {
        Hint::fix(match self {
            ForgeEnvError::NoForge => {
                "run it in a GitHub Actions or GitLab CI job, or pass --forge github|gitlab with that forge's variables set"
            }
            ForgeEnvError::Missing { .. } => {
                "run it in the CI job of a pull request (GitHub) or merge request pipeline (GitLab), which sets it"
            }
            ForgeEnvError::NoPullRequest {
                forge: Forge::GitHub,
                ..
            } => "run the workflow `on: pull_request`, or pass --pr N",
            ForgeEnvError::NoPullRequest {
                forge: Forge::GitLab,
                ..
            } => {
                "run the job in merge request pipelines (rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or pass --pr IID"
            }
            ForgeEnvError::NoToken {
                forge: Forge::GitHub,
                ..
            } => {
                "pass the job's token: `env: GITHUB_TOKEN: ${{ github.token }}`, with `permissions: pull-requests: write`"
            }
            ForgeEnvError::NoToken {
                forge: Forge::GitLab,
                ..
            } => {
                "set GITLAB_TOKEN (a CI/CD variable, masked) to a project access token with the api scope"
            }
            ForgeEnvError::BadToken { .. } => {
                "set the variable to the token alone, on one line (a secret pasted with a line break is the usual cause)"
            }
            ForgeEnvError::BadEvent { .. } => {
                "run it inside the GitHub Actions job, which writes that file"
            }
        })
    }
}

impl Hinted for ForgeError {
    fn hint(&self) -> Hint {
        let fix: std::borrow::Cow<'static, str> = match self {
            ForgeError::Status { forge: Forge::GitHub, status: 401, .. } => {
                "the token was refused: pass a valid one, `env: GITHUB_TOKEN: ${{ github.token }}`".into()
            }
            ForgeError::Status { forge: Forge::GitHub, status: 403, .. } => {
                "give the workflow's token `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: use comment: off there)".into()
            }
            ForgeError::Status { forge: Forge::GitHub, status: 404, .. } => {
                "check GITHUB_REPOSITORY and the pull request number (--pr); a token without access to the repository also gets 404".into()
            }
            ForgeError::Status { forge: Forge::GitLab, status: 401 | 403, token_var, .. } => {
                format!("{token_var} may not write merge request notes: set GITLAB_TOKEN to a project access token with the api scope and at least the Reporter role")
                    .into()
            }
            ForgeError::Status { forge: Forge::GitLab, status: 404, .. } => {
                "check CI_PROJECT_ID and CI_MERGE_REQUEST_IID (--pr); a token without access to the project also gets 404".into()
            }
            ForgeError::Status { status: 500.., .. } => "the forge failed: run the job again".into(),
            ForgeError::Status { .. } => "the forge refused the request: its message says why".into(),
            ForgeError::Untrusted { .. } => {
                "add the certificate authority that signed the forge's certificate to the system's trust store, or set SSL_CERT_FILE to a PEM file holding it".into()
            }
            ForgeError::Unreachable { .. } => {
                "check the network and the API URL (GITHUB_API_URL, CI_API_V4_URL), then run the job again".into()
            }
            ForgeError::BadAnswer { .. } => {
                "check that the API URL (GITHUB_API_URL, CI_API_V4_URL) is the forge's REST API".into()
            }
        };
        Hint::fix(fix)
    }
}

fn hinted<T: Hinted>(cause: &(dyn std::error::Error + 'static)) -> Option<(String, Hint)> {
    cause.downcast_ref::<T>().map(|e| (e.to_string(), e.hint()))
}

/// The first error of the chain that knows its fix, as `(line, Helm's
/// output, exit status)`.
fn hint_for(err: &anyhow::Error) -> Option<(String, Option<String>, i32)> {
    for (depth, cause) in err.chain().enumerate() {
        let found = hinted::<ConfirmError>(cause)
            .or_else(|| hinted::<ChartVersionGiven>(cause))
            .or_else(|| hinted::<PickError>(cause))
            .or_else(|| hinted::<NoSuchRelease>(cause))
            .or_else(|| hinted::<PlanDrift>(cause))
            .or_else(|| hinted::<PlanFileError>(cause))
            .or_else(|| hinted::<OutNeedsRelease>(cause))
            .or_else(|| hinted::<ChartsFailed>(cause))
            .or_else(|| hinted::<NoChartsAt>(cause))
            .or_else(|| hinted::<LifecycleError>(cause))
            .or_else(|| hinted::<LocalHookFailed>(cause))
            .or_else(|| hinted::<HelmFailed>(cause))
            .or_else(|| hinted::<HistoryError>(cause))
            .or_else(|| hinted::<BadCommitId>(cause))
            .or_else(|| hinted::<ClusterUnavailable>(cause))
            .or_else(|| hinted::<AuditError>(cause))
            .or_else(|| hinted::<ReleaseQueryError>(cause))
            .or_else(|| hinted::<ClusterUnreachable>(cause))
            .or_else(|| hinted::<KubeconfigUnusable>(cause))
            .or_else(|| hinted::<GitError>(cause))
            .or_else(|| hinted::<DepsError>(cause))
            .or_else(|| hinted::<RenderError>(cause))
            .or_else(|| hinted::<HelmError>(cause))
            .or_else(|| hinted::<ParseError>(cause))
            .or_else(|| hinted::<LocalHookError>(cause))
            .or_else(|| hinted::<ChartFileError>(cause))
            .or_else(|| hinted::<ForgeEnvError>(cause))
            .or_else(|| hinted::<ForgeError>(cause));
        if let Some((mut text, hint)) = found {
            if hint.with_context {
                let chain: Vec<String> =
                    err.chain().take(depth + 1).map(|c| c.to_string()).collect();
                text = chain.join(": ");
            }
            return Some((format!("{text}; {}", hint.fix), hint.helm_output, hint.code));
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
    if err.downcast_ref::<RunInterrupted>().is_some() {
        return Report {
            line: String::new(),
            helm_output: None,
            code: code::INTERRUPTED,
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
                    // Helm's advice to pass it --debug is not ours to give:
                    // `helm hooks --debug` shows no invalid YAML.
                    !t.is_empty() && !line.contains(t) && !t.starts_with("Use --debug flag")
                })
                .collect::<Vec<_>>()
                .join(
                    "
",
                )
        })
        .filter(|out| !out.is_empty());
    Report {
        line,
        helm_output,
        code,
    }
}
