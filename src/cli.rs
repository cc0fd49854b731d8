//! Command-line definitions (clap). Flags follow Helm's names and shapes.

pub mod complete;
mod examples;

use crate::adapters::render::RenderOptions;
use crate::app::apply::{RunRequest, UpgradeFlags};
use crate::app::team_record::ClusterRecordOptions;
use crate::core::capabilities::Capabilities;
use crate::core::diff::DiffOptions;
use crate::core::time::GoDuration;
use crate::core::timeline::Operation;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;
use complete as candidates;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "helm-hooks",
    bin_name = "helm hooks",
    version,
    // The last `-o` (or any flag given twice) wins, as in kubectl and Helm.
    args_override_self = true,
    about = "See, run and record Helm hooks, Git-first",
    long_about = "See which Helm hooks a change adds or reorders, in the exact order Helm runs them.\n\nRun as a Helm plugin (`helm hooks ...`) or standalone (`helm-hooks ...`).",
    after_help = examples::TOP
)]
pub struct Cli {
    /// Print debug logs on stderr (Helm's --debug sets HELM_DEBUG for plugins).
    // `hide_env_values`: clap prints an unset variable as `[env: X=]`.
    #[arg(
        long,
        global = true,
        env = "HELM_DEBUG",
        hide_env_values = true,
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = GLOBAL
    )]
    pub debug: bool,

    /// Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT).
    #[arg(
        long = "kube-context",
        global = true,
        value_name = "NAME",
        env = "HELM_KUBECONTEXT",
        hide_env_values = true,
        help_heading = GLOBAL
    )]
    pub kube_context: Option<String>,

    /// Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG).
    #[arg(
        long = "kubeconfig",
        global = true,
        value_name = "FILE",
        env = "KUBECONFIG",
        hide_env_values = true,
        help_heading = GLOBAL
    )]
    pub kubeconfig: Option<PathBuf>,

    /// When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = GLOBAL
    )]
    pub color: ColorWhen,

    /// Without one, the help (as bare `helm` prints its own).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The heading of the flags every command takes, apart from its own (as
/// `helm --help` lists "Global Flags").
const GLOBAL: &str = "Global Options";

/// The default of every `--timeout` that Helm's `--timeout` means, in the
/// form `helm --help` shows it (Go's `Duration.String()`).
const HELM_TIMEOUT: &str = "5m0s";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show which hooks fire, in Helm's order, and what changed between two Git revisions.
    #[command(after_help = examples::PLAN)]
    Plan(PlanArgs),
    /// Show the plan, confirm, run `helm upgrade --install` with live hook progress, and record each hook's outcome.
    #[command(after_help = examples::APPLY)]
    Apply(ApplyArgs),
    /// Run `helm test` with live progress and pod logs for each test hook, record it, and write a JUnit report.
    #[command(after_help = examples::TEST)]
    Test(TestArgs),
    /// Show the hooks stored in the revision Helm rolls back to, confirm, run `helm rollback`, and record it.
    #[command(after_help = examples::ROLLBACK)]
    Rollback(RollbackArgs),
    /// Show the release's stored delete hooks, confirm, run `helm uninstall`, and record it.
    #[command(after_help = examples::UNINSTALL)]
    Uninstall(UninstallArgs),
    /// List recorded hook runs, newest first, or show one run in full.
    #[command(after_help = examples::HISTORY)]
    History(HistoryArgs),
    /// Check a revision's hooks for the traps Helm runs into without a word.
    #[command(after_help = examples::LINT)]
    Lint(LintArgs),
    /// Print a completion script for standalone `helm-hooks` (through Helm, `helm completion` already covers `helm hooks`).
    #[command(after_help = examples::COMPLETION)]
    Completion(CompletionArgs),
    /// Print the plugin's version (as `helm diff version` does).
    #[command(after_help = examples::VERSION)]
    Version(VersionArgs),
    /// Print the cluster's Kubernetes version and API versions, as Helm's install and upgrade see them, for offline plans (`plan --capabilities FILE`).
    #[command(after_help = examples::CAPABILITIES)]
    Capabilities(CapabilitiesArgs),
    /// Post a plan's markdown as the one comment of a pull request (GitHub) or merge request (GitLab) that each CI run updates.
    #[command(after_help = examples::COMMENT)]
    Comment(CommentArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommentMode {
    /// One comment per --key, edited in place on every run.
    Update,
    /// A new comment on every run.
    New,
    /// No comment (nothing is read from the forge).
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForgeArg {
    /// GitHub Actions (GITHUB_ACTIONS) or GitLab CI (GITLAB_CI), from the environment.
    Auto,
    Github,
    Gitlab,
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The plan's markdown (`helm hooks plan -o markdown > FILE`); `-` or none: standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Names the comment among others on the pull request (one per chart set), as a hidden marker `<!-- helm-hooks:KEY -->`.
    #[arg(long, value_name = "KEY", default_value = "plan")]
    pub key: String,
    /// update: one comment per key, edited in place; new: a new comment each run; off: none.
    #[arg(long, value_enum, default_value = "update")]
    pub mode: CommentMode,
    /// The exit status of `plan --detailed-exitcode`: 0 says "no hook changes" (an earlier comment is updated to say so, none is created), 2 changes, anything else a failed plan.
    #[arg(
        long = "plan-exit-code",
        value_name = "CODE",
        allow_negative_numbers = true
    )]
    pub plan_exit_code: Option<i32>,
    /// The forge whose API is called (token: GITHUB_TOKEN; GITLAB_TOKEN or CI_JOB_TOKEN).
    #[arg(long, value_enum, default_value = "auto")]
    pub forge: ForgeArg,
    /// The pull (merge) request's number (default: GITHUB_EVENT_PATH's pull request; CI_MERGE_REQUEST_IID).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// Where the full plan is, for the pointer of a comment cut below the forge's limit (default: the run's job summary on GitHub, CI_JOB_URL on GitLab).
    #[arg(long = "details-url", value_name = "URL")]
    pub details_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CapabilitiesFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct CapabilitiesArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "yaml")]
    pub output: CapabilitiesFormat,
    /// Namespace to connect with (discovery itself is cluster-wide).
    #[arg(
        short = 'n',
        long,
        env = "HELM_NAMESPACE",
        default_value = "default",
        hide_env_values = true
    )]
    pub namespace: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: VersionFormat,
}

/// `--version` on a subcommand. For Helm users it is the chart's version
/// (`helm upgrade --version 1.2.0`): printing the tool's version and
/// exiting 0 there would turn a CI step green having done nothing.
#[derive(Debug, Args, Clone)]
pub struct NoChartVersion {
    #[arg(long = "version", value_name = "VERSION", hide = true, num_args = 0..=1, default_missing_value = "")]
    pub chart_version: Option<String>,
}

/// `--version` given to a subcommand: charts come from Git here.
#[derive(Debug, thiserror::Error)]
#[error("{command} takes no --version{}: charts come from Git here, not from a chart repository", match .version.as_str() { "" => String::new(), v => format!(" ({v})") })]
pub struct ChartVersionGiven {
    pub command: &'static str,
    pub version: String,
}

impl Command {
    /// Whether the command takes `-n` (and so a default namespace).
    pub fn needs_namespace(&self) -> bool {
        matches!(
            self,
            Command::Plan(_)
                | Command::Apply(_)
                | Command::Lint(_)
                | Command::Test(_)
                | Command::Rollback(_)
                | Command::Uninstall(_)
                | Command::History(_)
        )
    }

    /// A `--version` given to the subcommand, refused before anything runs.
    pub fn chart_version(&self) -> Result<(), ChartVersionGiven> {
        let (command, flag) = match self {
            Command::Plan(a) => ("plan", &a.no_version),
            Command::Apply(a) => ("apply", &a.no_version),
            Command::Test(a) => ("test", &a.no_version),
            Command::Rollback(a) => ("rollback", &a.no_version),
            Command::Uninstall(a) => ("uninstall", &a.no_version),
            Command::History(a) => ("history", &a.no_version),
            Command::Lint(a) => ("lint", &a.no_version),
            Command::Completion(a) => ("completion", &a.no_version),
            Command::Version(_) | Command::Capabilities(_) | Command::Comment(_) => return Ok(()),
        };
        match &flag.chart_version {
            Some(v) => Err(ChartVersionGiven {
                command,
                version: v.clone(),
            }),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to print the script for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

/// Rendering flags shared by every command that renders a chart.
#[derive(Debug, Args, Clone)]
pub struct RenderArgs {
    /// Values file (repeatable). A file inside the repository is read at the same revision as the chart.
    #[arg(short = 'f', long = "values", value_name = "FILE", add = ArgValueCompleter::new(candidates::values_files))]
    pub values: Vec<PathBuf>,
    /// Set values on the command line (repeatable): key1=val1,key2=val2.
    #[arg(long, value_name = "K=V")]
    pub set: Vec<String>,
    /// Set STRING values on the command line (repeatable).
    #[arg(long = "set-string", value_name = "K=V")]
    pub set_string: Vec<String>,
    /// Set values from files (repeatable): key=path.
    #[arg(long = "set-file", value_name = "K=PATH")]
    pub set_file: Vec<String>,
    /// Set JSON values on the command line (repeatable).
    #[arg(long = "set-json", value_name = "K=JSON")]
    pub set_json: Vec<String>,
    /// Namespace (Helm passes its -n as HELM_NAMESPACE).
    #[arg(
        short = 'n',
        long,
        env = "HELM_NAMESPACE",
        default_value = "default",
        hide_env_values = true
    )]
    pub namespace: String,
    /// Kubernetes version used for Capabilities.KubeVersion.
    #[arg(long = "kube-version", value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Kubernetes API versions used for Capabilities.APIVersions (repeatable).
    #[arg(short = 'a', long = "api-versions", value_name = "VERSION")]
    pub api_versions: Vec<String>,
    /// A cluster's capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it).
    #[arg(long = "capabilities", value_name = "FILE", value_parser = read_capabilities)]
    pub capabilities: Option<Capabilities>,
    #[command(flatten)]
    pub repository: RepositoryArgs,
}

/// `--capabilities FILE`, read and checked when the flags are.
fn read_capabilities(path: &str) -> Result<Capabilities, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Capabilities::parse(&text).map_err(|e| {
        format!("{path}: {e}; write one with `helm hooks capabilities > {path}` where the cluster is at hand")
    })
}

/// How dependencies are fetched from chart repositories and OCI
/// registries: passed to `helm dependency build` as Helm names them.
#[derive(Debug, Args, Clone)]
pub struct RepositoryArgs {
    /// Fetch dependencies over plain HTTP (an OCI registry without TLS).
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Verify repositories' TLS certificates with this CA bundle.
    #[arg(long = "ca-file", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate checks when fetching dependencies.
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
}

impl RepositoryArgs {
    pub fn helm_flags(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.plain_http {
            out.push("--plain-http".to_string());
        }
        if let Some(ca) = &self.ca_file {
            out.push(format!("--ca-file={}", ca.display()));
        }
        if self.insecure_skip_tls_verify {
            out.push("--insecure-skip-tls-verify".to_string());
        }
        out
    }
}

impl RenderArgs {
    /// The options Helm's `template` takes, for `release`.
    pub fn options(&self, release: &str) -> RenderOptions {
        let mut set = Vec::new();
        for (flag, values) in [
            ("--set", &self.set),
            ("--set-string", &self.set_string),
            ("--set-file", &self.set_file),
            ("--set-json", &self.set_json),
        ] {
            set.extend(values.iter().map(|v| (flag.to_string(), v.clone())));
        }
        RenderOptions {
            release: release.to_string(),
            namespace: self.namespace.clone(),
            values_files: self.values.clone(),
            set,
            kube_version: self
                .kube_version
                .clone()
                .or_else(|| self.capabilities.as_ref().map(|c| c.kube_version.clone())),
            api_versions: self
                .api_versions
                .iter()
                .chain(self.capabilities.iter().flat_map(|c| &c.api_versions))
                .cloned()
                .collect(),
            secret_values: false,
            dependency_flags: self.repository.helm_flags(),
        }
    }
}

impl OperationArg {
    /// The operations the flags name, each once, in lifecycle order.
    pub fn expand(args: &[OperationArg]) -> Vec<Operation> {
        let mut ops: Vec<Operation> = Vec::new();
        for a in args {
            let add: &[Operation] = match a {
                OperationArg::All => &Operation::ALL,
                OperationArg::Install => &[Operation::Install],
                OperationArg::Upgrade => &[Operation::Upgrade],
                OperationArg::Rollback => &[Operation::Rollback],
                OperationArg::Uninstall => &[Operation::Uninstall],
                OperationArg::Test => &[Operation::Test],
            };
            for op in add {
                if !ops.contains(op) {
                    ops.push(*op);
                }
            }
        }
        ops.sort();
        ops
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OperationArg {
    Install,
    Upgrade,
    Rollback,
    Uninstall,
    Test,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    Yaml,
    Markdown,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Chart directory (default: the current directory; with --all: the whole repository); its Git repository is discovered from it (in none: planned as it is on disk, as a first install).
    // No clap default: --all tells a `.` typed from none given.
    #[arg(value_name = "CHART", add = ArgValueCompleter::new(candidates::charts))]
    pub chart: Option<PathBuf>,
    /// Revision to compare from: anything Git resolves, or WORKTREE (a plan between Git revisions, rendered offline). Default: with --release and its cluster at hand, the deployed revision; else what was last applied to --release (audit log), else HEAD.
    #[arg(long, value_name = "REV", add = ArgValueCompleter::new(candidates::revisions))]
    pub from: Option<String>,
    /// The chart's directory at --from, when the chart moved since (default: CHART).
    #[arg(long = "from-path", value_name = "DIR", add = ArgValueCompleter::new(candidates::charts))]
    pub from_path: Option<PathBuf>,
    /// Revision to compare to: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included).
    #[arg(long, value_name = "REV", default_value = "WORKTREE", add = ArgValueCompleter::new(candidates::revisions))]
    pub to: String,
    /// The release to plan against: with its cluster at hand, its deployed revision against Helm's dry run of this upgrade there (no --from); else the name the Git revisions are rendered with (Helm template's default: release-name).
    #[arg(long, value_name = "NAME", default_value = "release-name")]
    pub release: String,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Operations to show (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all", add = ArgValueCompleter::new(candidates::operations))]
    pub operation: Vec<OperationArg>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: PlanFormat,
    /// Lines of context in manifest diffs.
    #[arg(short = 'C', long, value_name = "N", default_value_t = 3)]
    pub context: usize,
    /// Show Secret data in diffs (redacted by default).
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    /// Exit 0 when no hook changed, 2 when hooks changed, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// The --timeout Helm will run with (each hook wait): Job deadlines and, with --release, hooks' expected durations are checked against it.
    #[arg(long, value_name = "DURATION", default_value = HELM_TIMEOUT, value_parser = crate::core::time::parse_go_duration)]
    pub timeout: std::time::Duration,
    /// With --detailed-exitcode: hooks changed only in labels and annotations do not count.
    #[arg(long = "ignore-metadata")]
    pub ignore_metadata: bool,
    /// Every chart under CHART (default: the repository root) whose files, in-repository file:// dependencies or values changed between --from (default HEAD) and --to, each planned, in one report.
    #[arg(long, conflicts_with_all = ["out", "plan", "from_path"])]
    pub all: bool,
    /// With --all: charts planned at once (default: the machine's cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// With --all: write the lint findings of every planned chart as one SARIF 2.1.0 file.
    #[arg(long, value_name = "FILE", requires = "all")]
    pub sarif: Option<PathBuf>,
    /// Write a plan file for `apply --plan` (needs --release: planned against what is deployed, as apply plans).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["plan", "from", "from_path"])]
    pub out: Option<PathBuf>,
    /// Print a plan file as a plan (-o table, markdown, json, yaml); nothing is rendered.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Table,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Chart directory (default: the current directory); its Git repository is discovered from it.
    #[arg(value_name = "CHART", default_value = ".", add = ArgValueCompleter::new(candidates::charts))]
    pub chart: PathBuf,
    /// Revision to lint: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included).
    #[arg(long, value_name = "REV", default_value = "WORKTREE", add = ArgValueCompleter::new(candidates::revisions))]
    pub rev: String,
    /// Compare with this revision: findings it does not have are marked new, and resources it lacks are new (HH009 on pre-upgrade hooks).
    #[arg(long, value_name = "REV", add = ArgValueCompleter::new(candidates::revisions))]
    pub from: Option<String>,
    /// The chart's directory at --from, when the chart moved since (default: CHART).
    #[arg(long = "from-path", value_name = "DIR", add = ArgValueCompleter::new(candidates::charts))]
    pub from_path: Option<PathBuf>,
    /// Release name used to render (Helm template's default: release-name).
    #[arg(long, value_name = "NAME", default_value = "release-name")]
    pub release: String,
    #[command(flatten)]
    pub render: RenderArgs,
    /// The --timeout Helm will run with (each hook wait): Job deadlines are checked against it.
    #[arg(long, value_name = "DURATION", default_value = HELM_TIMEOUT, value_parser = crate::core::time::parse_go_duration)]
    pub timeout: std::time::Duration,
    /// Exit 1 on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: LintFormat,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// Bars on a terminal, plain lines otherwise.
    Auto,
    Bars,
    Plain,
    None,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Release to install or upgrade. Without it, on a terminal: pick one of the namespace's releases.
    #[arg(value_name = "RELEASE", add = ArgValueCompleter::new(candidates::releases))]
    pub release: Option<String>,
    /// Chart directory (default: the current directory).
    #[arg(value_name = "CHART", default_value = ".", add = ArgValueCompleter::new(candidates::charts))]
    pub chart: PathBuf,
    /// Revision of the chart to apply: anything Git resolves, or WORKTREE.
    #[arg(long, value_name = "REV", default_value = "HEAD", add = ArgValueCompleter::new(candidates::revisions))]
    pub to: String,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Apply without asking for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Time Helm waits for each hook (and for resources with --wait).
    #[arg(long, value_name = "DURATION", default_value = HELM_TIMEOUT, value_parser = GoDuration::parse)]
    pub timeout: GoDuration,
    /// Time each local (helmfile.yaml / .helm-hooks.yaml) hook may run before it is killed.
    #[arg(long, value_name = "DURATION", default_value = "5m0s", value_parser = GoDuration::parse)]
    pub local_hook_timeout: GoDuration,
    /// Wait for the chart's resources to be ready (Helm 4: --wait=watcher).
    #[arg(long)]
    pub wait: bool,
    /// Roll back (upgrade) or uninstall (install) on failure; passed as Helm 3's --atomic or Helm 4's --rollback-on-failure.
    #[arg(long, visible_alias = "rollback-on-failure")]
    pub atomic: bool,
    /// Print hook pods' log lines as they arrive.
    #[arg(long)]
    pub logs: bool,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
    /// Show the plan and ask, but change nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Apply a plan file (`plan --release NAME --out FILE`) exactly: its release, namespace, revision and values files; refused (exit 3) when anything drifted since.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["to"])]
    pub plan: Option<PathBuf>,
    /// With --plan: refuse plan files older than this.
    #[arg(long = "plan-max-age", value_name = "DURATION", default_value = "24h", value_parser = crate::core::time::parse_go_duration)]
    pub plan_max_age: std::time::Duration,
    #[command(flatten)]
    pub record: ClusterRecordArgs,
    /// Further flags for `helm upgrade`, after `--`.
    #[arg(last = true, value_name = "HELM_FLAGS")]
    pub helm_args: Vec<String>,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

/// `-n` alone, for the commands that act on a release, not a chart.
#[derive(Debug, Args, Clone)]
pub struct NamespaceArg {
    /// Namespace of the release (Helm passes its -n as HELM_NAMESPACE).
    #[arg(
        short = 'n',
        long,
        env = "HELM_NAMESPACE",
        default_value = "default",
        hide_env_values = true
    )]
    pub namespace: String,
}

/// The run's object in the cluster, for the team's history.
#[derive(Debug, Args, Clone)]
pub struct ClusterRecordArgs {
    /// Run objects kept per release in its namespace, the oldest deleted first (0: no limit).
    #[arg(long = "history-max", value_name = "N", default_value_t = crate::core::cluster_record::DEFAULT_HISTORY_MAX, env = "HELM_HOOKS_HISTORY_MAX", hide_env_values = true)]
    pub history_max: usize,
    /// Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release's namespace.
    #[arg(long = "no-cluster-record", env = "HELM_HOOKS_NO_CLUSTER_RECORD", hide_env_values = true, value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cluster_record: bool,
}

impl ClusterRecordArgs {
    /// `purge`: uninstall's `--purge-history`.
    pub fn options(&self, purge: bool) -> ClusterRecordOptions {
        ClusterRecordOptions {
            enabled: !self.no_cluster_record,
            history_max: self.history_max,
            purge,
        }
    }
}

/// How a run against the cluster is followed and bounded.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Time Helm waits for each hook.
    #[arg(long, value_name = "DURATION", default_value = HELM_TIMEOUT, value_parser = GoDuration::parse)]
    pub timeout: GoDuration,
    /// Print hook pods' log lines as they arrive.
    #[arg(long)]
    pub logs: bool,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
}

impl PlanArgs {
    /// The chart directory: CHART, else the current directory.
    pub fn chart(&self) -> &Path {
        self.chart.as_deref().unwrap_or(Path::new("."))
    }

    /// How the plan's diffs are shown.
    pub fn diff_options(&self) -> DiffOptions {
        DiffOptions {
            context: self.context,
            show_secrets: self.show_secrets,
        }
    }
}

impl ChangeArgs {
    /// The run of a rollback or uninstall: no chart, so no `--atomic`.
    pub fn request(
        &self,
        run: &RunArgs,
        cluster: ClusterRecordOptions,
        helm_args: &[String],
    ) -> RunRequest {
        RunRequest {
            flags: UpgradeFlags {
                timeout: run.timeout.text.clone(),
                wait: self.wait,
                atomic: false,
                extra: helm_args.to_vec(),
            },
            logs: run.logs,
            argv: std::env::args().skip(1).collect(),
            plan_file: None,
            cluster,
        }
    }
}

/// The question and Helm's `--wait`, for rollback and uninstall.
#[derive(Debug, Args, Clone)]
pub struct ChangeArgs {
    /// Go on without asking for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Show the plan, but change nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Wait for the chart's resources (restored or deleted) to be ready or gone (Helm 4: --wait=watcher).
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Release whose stored test hooks run.
    #[arg(value_name = "RELEASE", add = ArgValueCompleter::new(candidates::releases))]
    pub release: String,
    #[command(flatten)]
    pub namespace: NamespaceArg,
    /// As Helm's: name=NAME runs only NAME, !name=NAME skips it (repeatable or comma-separated).
    #[arg(long, value_name = "name=NAME|!name=NAME", add = ArgValueCompleter::new(candidates::test_filters))]
    pub filter: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Write a JUnit XML report of the test hooks to FILE (one testcase each, with its log tail).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub record: ClusterRecordArgs,
    /// Further flags for `helm test`, after `--`.
    #[arg(last = true, value_name = "HELM_FLAGS")]
    pub helm_args: Vec<String>,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Release to roll back.
    #[arg(value_name = "RELEASE", add = ArgValueCompleter::new(candidates::releases))]
    pub release: String,
    /// Revision to roll back to (default: the one before the latest, as Helm chooses).
    #[arg(value_name = "REVISION", add = ArgValueCompleter::new(candidates::release_revisions))]
    pub revision: Option<u64>,
    #[command(flatten)]
    pub namespace: NamespaceArg,
    #[command(flatten)]
    pub change: ChangeArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub record: ClusterRecordArgs,
    /// Further flags for `helm rollback`, after `--`.
    #[arg(last = true, value_name = "HELM_FLAGS")]
    pub helm_args: Vec<String>,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Release to uninstall.
    #[arg(value_name = "RELEASE", add = ArgValueCompleter::new(candidates::releases))]
    pub release: String,
    #[command(flatten)]
    pub namespace: NamespaceArg,
    /// Where local hooks (helmfile.yaml, .helm-hooks.yaml) are read, as `helmfile destroy` reads them (default: the current directory).
    #[arg(long, value_name = "DIR", add = ArgValueCompleter::new(candidates::charts))]
    pub chart: Option<PathBuf>,
    #[command(flatten)]
    pub change: ChangeArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Time each local hook may run before it is killed.
    #[arg(long, value_name = "DURATION", default_value = "5m0s", value_parser = GoDuration::parse)]
    pub local_hook_timeout: GoDuration,
    #[command(flatten)]
    pub record: ClusterRecordArgs,
    /// Delete the release's run objects from its namespace too (the local audit log keeps them).
    #[arg(long = "purge-history")]
    pub purge_history: bool,
    /// Further flags for `helm uninstall`, after `--`.
    #[arg(last = true, value_name = "HELM_FLAGS")]
    pub helm_args: Vec<String>,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
    /// One run (`--run ID`) for a pull request or job summary, with a Mermaid Gantt of its hooks.
    Markdown,
}

/// Runs `history` shows when `--max` is not given (Helm's `history --max`
/// default).
pub const DEFAULT_HISTORY_SHOWN: usize = 256;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only runs of this release.
    #[arg(value_name = "RELEASE", add = ArgValueCompleter::new(candidates::releases))]
    pub release: Option<String>,
    /// Only runs in which this hook was planned (its name, or KIND/NAME); with --failed, runs in which it did not succeed.
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(candidates::hooks))]
    pub hook: Option<String>,
    /// Only runs that failed or were interrupted.
    #[arg(long)]
    pub failed: bool,
    /// Only runs started since: a duration back from now (2d, 3h) or a date (2026-01-31, RFC 3339).
    #[arg(long, value_name = "2d|DATE")]
    pub since: Option<String>,
    /// Show the newest N runs (0: all), as `helm history --max` does; a line says how many older runs are not shown. With --stats: count the newest N.
    #[arg(long = "max", alias = "limit", value_name = "N", default_value_t = DEFAULT_HISTORY_SHOWN)]
    pub max: usize,
    /// Per hook: runs, failures, median, p95 and slowest successful duration, and the trend of the last runs.
    #[arg(long, conflicts_with_all = ["run", "hook", "failed"])]
    pub stats: bool,
    /// Show one run in full: its id or a unique prefix of it.
    #[arg(long = "run", value_name = "ID", add = ArgValueCompleter::new(candidates::runs), conflicts_with_all = ["hook", "failed", "since", "max"])]
    pub run: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: HistoryFormat,
    /// Where runs are read from: this machine's audit log, the run objects in the namespace, or both (all: local alone, with a note, when the cluster does not answer within 3s).
    #[arg(long, value_enum, default_value = "all")]
    pub source: HistorySource,
    /// The namespace whose run objects are read (the local log holds every namespace's runs).
    #[command(flatten)]
    pub namespace: NamespaceArg,
    #[command(flatten)]
    pub no_version: NoChartVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistorySource {
    Local,
    Cluster,
    All,
}
