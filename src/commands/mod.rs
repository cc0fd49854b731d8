//! One file per command: each wires adapters to the core and hands the
//! result to the UI.

pub mod apply;
pub mod capabilities;
pub mod comment;
pub mod complete;
pub mod history;
pub mod lint;
pub mod man;
pub mod plan;
pub mod rollback;
pub mod test;
pub mod uninstall;
pub mod version;

use crate::cli::{Cli, Command};
use crate::ui::Ui;

pub fn run(cli: Cli, ui: &Ui) -> anyhow::Result<()> {
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        ui.data(&Cli::command().render_help().to_string())?;
        return Ok(());
    };
    command.chart_version()?;
    match command {
        Command::Plan(args) => plan::run(args, ui),
        Command::History(args) => history::run(args, ui),
        Command::Apply(args) => apply::run(args, ui),
        Command::Test(args) => test::run(args, ui),
        Command::Rollback(args) => rollback::run(args, ui),
        Command::Uninstall(args) => uninstall::run(args, ui),
        Command::Lint(args) => lint::run(args, ui),
        Command::Completion(args) => complete::completion(args, ui),
        Command::Version(args) => version::run(args, ui),
        Command::Capabilities(args) => capabilities::run(args, ui),
        Command::Comment(args) => comment::run(args, ui),
    }
}
