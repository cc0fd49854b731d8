//! One file per command: each wires adapters to the core and hands the
//! result to the UI.

pub mod apply;
pub mod complete;
pub mod history;
pub mod lint;
pub mod pick;
pub mod plan;

use crate::cli::{Cli, Command};
use crate::ui::Ui;

pub fn run(cli: Cli, ui: &Ui) -> anyhow::Result<()> {
    match cli.command {
        Command::Plan(args) => plan::run(args, ui),
        Command::History(args) => history::run(args, ui),
        Command::Apply(args) => apply::run(args, ui),
        Command::Lint(args) => lint::run(args, ui),
        Command::Completion(args) => complete::completion(args, ui),
    }
}

/// This process's peak resident memory (Linux `VmHWM`), for benchmarks.
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
