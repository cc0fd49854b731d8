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
    let first = argv.next();
    if first
        .as_ref()
        .is_some_and(|a| a == commands::man::HIDDEN_COMMAND)
    {
        let dir = argv.next().unwrap_or_else(|| "man".into());
        return match commands::man::run(std::path::Path::new(&dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let report = error::report(&e);
                ui::Ui::new().error(&report);
                ExitCode::from(report.code as u8)
            }
        };
    }
    if first.is_some_and(|a| a == commands::complete::HIDDEN_COMMAND) {
        let mut words: Vec<_> = argv.collect();
        if words.first().is_some_and(|w| w == "--") {
            words.remove(0);
        }
        let _ = commands::complete::run(words, &ui::Ui::new());
        return ExitCode::SUCCESS;
    }
    let mut cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if export_kube_env(&cli) {
        // The context's namespace is now the default of -n.
        cli = match parse() {
            Ok(cli) => cli,
            Err(code) => return code,
        };
    }
    if cli.debug {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter("helm_hooks=debug")
            .init();
    }
    let ui = ui::Ui::with_color(match cli.color {
        cli::ColorWhen::Auto => None,
        cli::ColorWhen::Always => Some(true),
        cli::ColorWhen::Never => Some(false),
    });
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

fn parse() -> Result<cli::Cli, ExitCode> {
    cli::Cli::try_parse().map_err(|e| {
        let _ = e.print();
        // Usage errors exit 1, so that 2 keeps meaning "hooks changed"
        // under --detailed-exitcode.
        ExitCode::from(if e.use_stderr() {
            error::code::ERROR as u8
        } else {
            0
        })
    })
}

/// Standalone, `--kube-context` and `--kubeconfig` reach every part as Helm
/// hands them to a plugin: as HELM_KUBECONTEXT and KUBECONFIG, which Helm
/// itself and the kube client read. Without HELM_NAMESPACE (Helm always
/// sets it for plugins), the context's namespace is the default, as in
/// Helm. True when that default changed.
fn export_kube_env(cli: &cli::Cli) -> bool {
    // SAFETY: main's first steps, before any thread is started.
    unsafe {
        if let Some(context) = &cli.kube_context {
            std::env::set_var("HELM_KUBECONTEXT", context);
        }
        if let Some(file) = &cli.kubeconfig {
            std::env::set_var("KUBECONFIG", file);
        }
    }
    if std::env::var_os("HELM_NAMESPACE").is_some_and(|n| !n.is_empty())
        || !cli
            .command
            .as_ref()
            .is_some_and(cli::Command::needs_namespace)
    {
        return false;
    }
    match adapters::kube::context_namespace() {
        Some(namespace) => {
            // SAFETY: as above.
            unsafe { std::env::set_var("HELM_NAMESPACE", namespace) };
            true
        }
        None => false,
    }
}
