//! Command-line definitions (clap). Flags follow Helm's names and shapes.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "helm-hooks",
    bin_name = "helm hooks",
    version,
    about = "See, run and record Helm hooks, Git-first",
    long_about = "See which Helm hooks a change adds or reorders, in the exact order Helm runs them.\n\nRun as a Helm plugin (`helm hooks ...`) or standalone (`helm-hooks ...`).",
    propagate_version = true
)]
pub struct Cli {
    /// Print debug logs on stderr (Helm's --debug sets HELM_DEBUG for plugins).
    #[arg(long, global = true, env = "HELM_DEBUG", value_parser = clap::builder::FalseyValueParser::new())]
    pub debug: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show which hooks fire, in Helm's order, and what changed between two Git revisions.
    Plan(PlanArgs),
}

/// Rendering flags shared by every command that renders a chart.
#[derive(Debug, Args, Clone)]
pub struct RenderArgs {
    /// Values file (repeatable). A file inside the repository is read at the same revision as the chart.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
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
    /// Release name used to render (Helm template's default: release-name).
    #[arg(long, value_name = "NAME", default_value = "release-name")]
    pub release: String,
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
    /// Chart directory (default: the current directory); its Git repository is discovered from it.
    #[arg(value_name = "CHART", default_value = ".")]
    pub chart: PathBuf,
    /// Revision to compare from: anything Git resolves, or WORKTREE.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub from: String,
    /// Revision to compare to: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included).
    #[arg(long, value_name = "REV", default_value = "WORKTREE")]
    pub to: String,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Operations to show (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
    pub operation: Vec<OperationArg>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: PlanFormat,
    /// Lines of context in manifest diffs.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub context: usize,
    /// Show Secret data in diffs (redacted by default).
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    /// Exit 0 when no hook changed, 2 when hooks changed, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
}
