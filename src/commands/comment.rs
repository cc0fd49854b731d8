//! `helm hooks comment`: a plan's markdown as the pull request's one
//! comment for its chart set, kept up to date by each CI run.

use crate::app::comment::{self, Request};
use crate::cli::{CommentArgs, CommentMode, ForgeArg};
use crate::core::comment::{Forge, Mode};
use crate::ui::Ui;
use anyhow::Context;
use std::io::Read;

pub fn run(args: CommentArgs, ui: &Ui) -> anyhow::Result<()> {
    let markdown = match args.file.as_deref() {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the plan's markdown {}", p.display()))?,
    };
    let outcome = comment::run(Request {
        markdown,
        key: args.key,
        mode: match args.mode {
            CommentMode::Update => Mode::Update,
            CommentMode::New => Mode::New,
            CommentMode::Off => Mode::Off,
        },
        plan_exit_code: args.plan_exit_code,
        forge: match args.forge {
            ForgeArg::Auto => None,
            ForgeArg::Github => Some(Forge::GitHub),
            ForgeArg::Gitlab => Some(Forge::GitLab),
        },
        number: args.pr,
        details_url: args.details_url,
    })?;
    ui.status(&crate::ui::comment_view::done_line(&outcome));
    Ok(())
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the plan's markdown from standard input")?;
    Ok(text)
}
