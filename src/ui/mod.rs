//! The only module that writes to the terminal: data on stdout; status,
//! warnings, errors and prompts on stderr.

pub mod apply_view;
pub mod columns;
pub mod comment_view;
pub mod common;
pub mod complete_view;
pub mod fit;
pub mod history_view;
pub mod lint_view;
pub mod mermaid;
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

/// For a terminal, `$COLUMNS` when it is a number (a test's fixed width,
/// a user's choice), else the terminal's width; `None` for a pipe or file,
/// whatever `$COLUMNS` says.
fn width_of(stream: impl std::os::fd::AsFd + IsTerminal) -> Option<usize> {
    if !stream.is_terminal() {
        return None;
    }
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

    /// `{indent}{text}` wrapped at spaces to the width, continuation lines
    /// two columns further in, each line painted in `style` (so that no
    /// colour runs into the indent of the next). No newline at the end.
    pub fn wrapped(&self, indent: &str, style: Style, text: &str) -> String {
        fit::fill(&format!("{indent}{text}"), self.width, 2)
            .split('\n')
            .map(|l| {
                let body = l.trim_start_matches(' ');
                format!("{}{}", &l[..l.len() - body.len()], self.paint(style, body))
            })
            .collect::<Vec<_>>()
            .join("\n")
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

    /// A line for the terminal, wrapped at spaces to stderr's width.
    fn say(&self, label: &str, message: &str) {
        let text = fit::labelled(self.err.width, "", label, message);
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    pub fn warn(&self, message: &str) {
        self.say(&self.err.paint(Style::Warn, "warning:"), message);
    }

    /// Something the user should know that is not wrong.
    pub fn note(&self, message: &str) {
        self.say(&self.err.paint(Style::Dim, "note:"), message);
    }

    /// A lint error shown before apply's question.
    pub fn lint_error(&self, f: &crate::core::lint::Finding) {
        self.say(
            &self.err.paint(Style::Error, "lint error:"),
            &format!("[{}] {}", f.rule, f.message),
        );
    }

    /// Text for people on stderr: each line wider than the terminal
    /// wrapped at spaces, continuation lines two columns in.
    pub fn status(&self, message: &str) {
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            fit::fill(message, self.err.width, 2)
        );
    }

    /// Helm's own output, passed on as Helm wrote it (its NOTES hold
    /// commands to copy whole); its error lines after a failure (`helm: `
    /// before each) wrapped as ours are.
    pub fn helm_output(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        for line in text.lines() {
            let _ = match line.strip_prefix("helm: ") {
                Some(rest) => writeln!(err, "{}", fit::labelled(self.err.width, "", "helm:", rest)),
                None => writeln!(err, "{line}"),
            };
        }
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
        let (before, prompt) = prompt_lines(question, self.err.width);
        if !before.is_empty() {
            let _ = writeln!(std::io::stderr(), "{before}");
        }
        dialoguer::Confirm::new()
            .with_prompt(prompt)
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
                let helm = self.err.paint(Style::Dim, "helm:");
                let _ = writeln!(err, "{}", fit::labelled(self.err.width, "", &helm, line));
            }
        }
        let label = self.err.paint(Style::Error, "error:");
        let _ = writeln!(
            err,
            "{}",
            fit::labelled(self.err.width, "", &label, &report.line)
        );
    }
}

/// A question as lines printed before the prompt, and the prompt. When
/// it answers, dialoguer clears the prompt's last screen line only and
/// prints the prompt again with the answer: a prompt wider than the
/// terminal would show twice. So the question is wrapped at spaces, and
/// only its last line (with room for ` [y/N] `) is the prompt.
fn prompt_lines(question: &str, width: Option<usize>) -> (String, String) {
    let Some(width) = width else {
        return (String::new(), question.to_string());
    };
    let tail = " [y/N] ".len();
    if fit::visible_width(question) + tail < width {
        return (String::new(), question.to_string());
    }
    let mut lines = fit::wrap(question, width.saturating_sub(1).max(20));
    let last = lines.pop().unwrap_or_default();
    // The last line may need one more break to leave room for `[y/N]`.
    let mut end = fit::wrap(&last, width.saturating_sub(tail + 1).max(20));
    let prompt = end.pop().unwrap_or_default();
    lines.extend(end);
    (lines.join("\n"), prompt)
}

impl Default for Ui {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::prompt_lines;

    #[test]
    fn a_long_question_ends_in_a_prompt_of_one_line() {
        let q = "Upgrade web in namespace demo of context helm-hooks-test (https://127.0.0.1:56681)? 3 hook runs will fire; new: Job/notify-the-release-channel-about-the-new-deployment-of-orders. Continue";
        let (before, prompt) = prompt_lines(q, Some(90));
        assert!(prompt.ends_with("Continue") && prompt.len() + " [y/N] ".len() < 90);
        assert!(before.lines().all(|l| l.len() < 90), "{before}");
        assert!(before.lines().count() >= 2, "{before}");
        let again = format!("{before} {prompt}");
        assert_eq!(
            again.split_whitespace().collect::<Vec<_>>(),
            q.split_whitespace().collect::<Vec<_>>(),
            "every word, whole and once"
        );
        // Wide enough, or no terminal width known: the question is the prompt.
        assert_eq!(
            prompt_lines("Upgrade web? Continue", Some(90)),
            (String::new(), "Upgrade web? Continue".into())
        );
        assert_eq!(prompt_lines(q, None), (String::new(), q.into()));
    }
}
