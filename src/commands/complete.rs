//! Shell completion. `__complete` answers Helm's `plugin.complete`: clap's
//! own engine walks the words with the same definitions as the parser, and
//! the completers of `cli::complete` supply revisions, charts, values
//! files, releases and hooks. `completion SHELL` prints the standalone
//! scripts.

use crate::cli::{Cli, CompletionArgs, CompletionShell, complete as completers};
use crate::ui::Ui;
use crate::ui::complete_view::{self, Candidate};
use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use std::ffi::OsString;

/// The argument `main` routes here. Not a clap subcommand: the standalone
/// scripts would offer it, and clap would parse (and reject) the words.
/// The leading underscores keep it apart from any subcommand name.
pub const HIDDEN_COMMAND: &str = "__complete";

/// `helm-hooks __complete -- WORD... PARTIAL`: one candidate per line (TAB
/// and a description), then `:4` (no file completion; `:36` to keep the
/// order), as Helm reads it.
/// Nothing on stderr and always exit 0: Helm 4 mixes stderr into the
/// candidates, and a failing script loses them all.
pub fn run(mut words: Vec<OsString>, ui: &Ui) -> anyhow::Result<()> {
    if words.is_empty() {
        words.push(OsString::new());
    }
    let current = words.last().cloned().unwrap_or_default();
    completers::prime(&words[..words.len() - 1], &current);

    let mut argv = vec![OsString::from("helm-hooks")];
    argv.extend(words);
    let index = argv.len() - 1;
    let cwd = std::env::current_dir().ok();
    let found = clap_complete::engine::complete(&mut Cli::command(), argv, index, cwd.as_deref())
        .unwrap_or_default();
    let candidates = shape(found, &current.to_string_lossy());
    let fallback = completers::fallback();
    let text = match fallback {
        Some(f) if candidates.is_empty() => complete_view::fallback_lines(f),
        _ => {
            let keep = match completers::keeps_order() {
                true => complete_view::KEEP_ORDER,
                false => 0,
            };
            complete_view::helm_lines(&candidates, complete_view::NO_FILE_COMPLETION | keep)
        }
    };
    ui.data(&text)?;
    Ok(())
}

/// Adapts the engine's answer to Helm's (cobra's) conventions: flags only
/// once a `-` is typed (unless nothing else fits), and for `--flag=VALUE`
/// the value alone, since shells complete the part after `=`.
fn shape(found: Vec<CompletionCandidate>, current: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = found
        .into_iter()
        .map(|c| Candidate {
            value: c.get_value().to_string_lossy().into_owned(),
            help: c.get_help().map(|h| h.to_string()),
        })
        .collect();
    if !current.starts_with('-') && out.iter().any(|c| !c.value.starts_with('-')) {
        out.retain(|c| !c.value.starts_with('-'));
    }
    if current.starts_with("--")
        && let Some(eq) = current.find('=')
    {
        let prefix = &current[..=eq];
        for c in &mut out {
            if let Some(v) = c.value.strip_prefix(prefix) {
                c.value = v.to_string();
            }
        }
    }
    out
}

/// The standalone script for `shell`, for the binary named `helm-hooks`.
pub fn script(shell: CompletionShell) -> String {
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut buf = Vec::new();
    // The parser calls itself `helm hooks`; standalone, the binary is the command.
    let mut cmd = Cli::command()
        .bin_name("helm-hooks")
        .display_name("helm-hooks");
    if shell == Shell::Bash {
        // clap_complete's bash script names its states after the binary
        // with `-` as `__` but its case labels after the subcommands' bin
        // names with `-` as `__subcmd__`: for `helm-hooks` they never
        // meet, and nothing completes past the subcommand. Bin names in
        // the states' spelling make them meet.
        // Built first, so that the generated `help` subcommands are there.
        cmd.build();
        cmd = bash_bin_names(cmd, "helm__hooks");
    }
    clap_complete::generate(shell, &mut cmd, "helm-hooks", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// `cmd`'s subcommands, at every depth, with bin names under `parent`.
fn bash_bin_names(mut cmd: clap::Command, parent: &str) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let bin = format!("{parent} {name}");
        cmd = cmd.mut_subcommand(&name, |s| bash_bin_names(s.bin_name(&bin), &bin));
    }
    cmd
}

/// `helm-hooks completion SHELL`.
pub fn completion(args: CompletionArgs, ui: &Ui) -> anyhow::Result<()> {
    ui.data(&script(args.shell))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hidden_command_clashes_with_no_subcommand() {
        let cmd = Cli::command();
        assert!(cmd.find_subcommand(HIDDEN_COMMAND).is_none());
    }

    #[test]
    fn flags_wait_for_a_dash_and_flag_values_lose_their_prefix() {
        let found = || {
            vec![
                CompletionCandidate::new("main"),
                CompletionCandidate::new("--from"),
            ]
        };
        let out = shape(found(), "");
        assert_eq!(
            out.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(),
            ["main"]
        );
        let out = shape(found(), "-");
        assert_eq!(out.len(), 2);
        let out = shape(vec![CompletionCandidate::new("--from=v1")], "--from=v");
        assert_eq!(out[0].value, "v1");
    }
}
