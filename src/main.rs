//! helm-hooks: see, run and record Helm hooks, Git-first.

mod adapters;
mod app;
mod cli;
mod commands;
mod core;
mod error;
mod ui;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Helm's plugin.complete, answered before clap parses so that no word
    // typed so far can make it fail or print on stderr.
    let mut argv = std::env::args_os().skip(1);
    if argv
        .next()
        .is_some_and(|a| a == commands::complete::HIDDEN_COMMAND)
    {
        let mut words: Vec<_> = argv.collect();
        if words.first().is_some_and(|w| w == "--") {
            words.remove(0);
        }
        let _ = commands::complete::run(words, &ui::Ui::new());
        return ExitCode::SUCCESS;
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 1, so that 2 keeps meaning "hooks changed"
            // under --detailed-exitcode.
            return ExitCode::from(if e.use_stderr() {
                error::code::ERROR as u8
            } else {
                0
            });
        }
    };
    if cli.debug {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter("helm_hooks=debug")
            .init();
    }
    let ui = ui::Ui::new();
    match commands::run(cli, &ui) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if error::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let report = error::report(&e);
            if !report.line.is_empty() {
                ui.error(&report);
            }
            ExitCode::from(report.code as u8)
        }
    }
}
