//! The only module that writes to the terminal: data on stdout; status,
//! warnings, errors and prompts on stderr.

pub mod apply_view;
pub mod common;
pub mod complete_view;
pub mod history_view;
pub mod lint_view;
pub mod plan_view;
pub mod progress;
pub mod run_view;
#[cfg(test)]
mod snapshot_tests;

use std::io::{IsTerminal, Write};

/// ANSI styles, applied only when colour is on.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    Added,
    Removed,
    Changed,
    Moved,
    Dim,
    Bold,
    Warn,
    Error,
    Hunk,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Added => "32",
            Style::Removed => "31",
            Style::Changed => "33",
            Style::Moved => "36",
            Style::Dim => "2",
            Style::Bold => "1",
            Style::Warn => "33;1",
            Style::Error => "31;1",
            Style::Hunk => "36",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Painter {
    pub color: bool,
    /// The columns to fit in: `$COLUMNS`, else the terminal's; `None` for
    /// a pipe or file (no limit: lines stay whole for grep and machines).
    pub width: Option<usize>,
}

/// `$COLUMNS` when it is a number, else the width of `stream` when it is a
/// terminal.
fn width_of(stream: impl std::os::fd::AsFd) -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        && n > 0
    {
        return Some(n);
    }
    terminal_size::terminal_size_of(stream).map(|(w, _)| w.0 as usize)
}

impl Painter {
    /// A borderless table, styled only when colour is on.
    pub fn table(&self) -> comfy_table::Table {
        let mut t = comfy_table::Table::new();
        t.load_style(comfy_table::presets::NOTHING)
            .set_content_arrangement(comfy_table::ContentArrangement::Disabled);
        if self.color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_string()
        }
    }
}

/// `NO_COLOR` (any non-empty value) and `TERM=dumb` turn colour off; so
/// does a stream that is not a terminal.
fn color_allowed(is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    is_terminal && !no_color && !dumb
}

pub struct Ui {
    pub out: Painter,
    pub err: Painter,
}

impl Ui {
    pub fn new() -> Self {
        Self::with_color(None)
    }

    /// `Some` is the user's `--color always|never`, over what the streams
    /// and the environment say.
    pub fn with_color(forced: Option<bool>) -> Self {
        Self {
            out: Painter {
                color: forced.unwrap_or_else(|| color_allowed(std::io::stdout().is_terminal())),
                width: width_of(std::io::stdout()),
            },
            err: Painter {
                color: forced.unwrap_or_else(|| color_allowed(std::io::stderr().is_terminal())),
                width: width_of(std::io::stderr()),
            },
        }
    }

    /// Writes data. A closed pipe surfaces as an `io::Error` the caller
    /// returns; `error::is_broken_pipe` turns it into a quiet exit.
    pub fn data(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    pub fn warn(&self, message: &str) {
        let _ = writeln!(
            std::io::stderr(),
            "{} {message}",
            self.err.paint(Style::Warn, "warning:")
        );
    }

    /// Something the user should know that is not wrong.
    pub fn note(&self, message: &str) {
        let _ = writeln!(
            std::io::stderr(),
            "{} {message}",
            self.err.paint(Style::Dim, "note:")
        );
    }

    /// A lint error shown before apply's question.
    pub fn lint_error(&self, f: &crate::core::lint::Finding) {
        let _ = writeln!(
            std::io::stderr(),
            "{} [{}] {}",
            self.err.paint(Style::Error, "lint error:"),
            f.rule,
            f.message
        );
    }

    pub fn status(&self, message: &str) {
        let _ = writeln!(std::io::stderr(), "{message}");
    }

    /// Whether a question can be asked: both stdin and stderr are a terminal.
    pub fn can_prompt(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    pub fn stderr_is_terminal(&self) -> bool {
        std::io::stderr().is_terminal()
    }

    /// Asks a yes/no question on the terminal (stderr); the default is No.
    pub fn confirm(&self, question: &str) -> std::io::Result<bool> {
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact_on(&dialoguer::console::Term::stderr())
            .map_err(|e| match e {
                dialoguer::Error::IO(io) => io,
            })
    }

    /// Fuzzy-picks one of `items` on the terminal (stderr); `None` when the
    /// user presses Esc.
    pub fn pick(&self, prompt: &str, items: &[String]) -> std::io::Result<Option<usize>> {
        dialoguer::FuzzySelect::new()
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact_on_opt(&dialoguer::console::Term::stderr())
            .map_err(|e| match e {
                dialoguer::Error::IO(io) => io,
            })
    }

    /// Which revision a plan compares from, when it chose for the user.
    pub fn baseline(&self, b: &crate::app::baseline::Baseline) {
        for (warn, line) in plan_view::baseline_notes(b) {
            match warn {
                true => self.warn(&line),
                false => self.status(&line),
            }
        }
    }

    pub fn error(&self, report: &crate::error::Report) {
        let mut err = std::io::stderr().lock();
        if let Some(helm) = &report.helm_output {
            for line in helm.lines().filter(|l| !l.trim().is_empty()) {
                let _ = writeln!(err, "{} {line}", self.err.paint(Style::Dim, "helm:"));
            }
        }
        let _ = writeln!(
            err,
            "{} {}",
            self.err.paint(Style::Error, "error:"),
            report.line
        );
    }
}

impl Default for Ui {
    fn default() -> Self {
        Self::new()
    }
}
