//! `helm-hooks __man DIR`: a man page per command, from the clap
//! definitions `--help` prints, so the two cannot drift. The pages are
//! committed under `man/` (a test keeps them fresh) and installed with the
//! plugin. Hidden, as `__complete` is: not a command for users.

use crate::cli::Cli;
use clap::CommandFactory;
use std::path::Path;

pub const HIDDEN_COMMAND: &str = "__man";

pub fn run(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    Ok(())
}
