//! One file per command: each wires adapters to the core and hands the
//! result to the UI.

pub mod plan;

use crate::cli::{Cli, Command};
use crate::ui::Ui;

pub fn run(cli: Cli, ui: &Ui) -> anyhow::Result<()> {
    match cli.command {
        Command::Plan(args) => plan::run(args, ui),
    }
}
