//! Live hook progress: one bar per hook on a terminal, one timestamped
//! line per state change elsewhere, nothing with `--progress none`.

use super::common::{clean, format_ms};
use super::fit::{NAME_FLOOR, ellipsize, truncate};
use super::{Painter, Style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bars,
    Plain,
    None,
}

/// One line of the display: a hook run, or the chart's resources.
pub struct Row {
    pub label: String,
}

pub struct Progress {
    mode: Mode,
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
    labels: Vec<String>,
    painter: Painter,
    /// Interrupted: the bars stay as last drawn, never redrawn.
    frozen: AtomicBool,
    /// Columns the labels take, padded to the longest.
    label_width: usize,
}

/// What a bar keeps beside its label for the state, its detail and time.
const MESSAGE_ROOM: usize = 24;

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("valid progress template")
}

impl Progress {
    pub fn new(mode: Mode, rows: Vec<Row>, painter: Painter) -> Self {
        let multi = MultiProgress::with_draw_target(match mode {
            Mode::Bars => ProgressDrawTarget::stderr(),
            _ => ProgressDrawTarget::hidden(),
        });
        // A bar wider than the terminal would wrap, and each redraw
        // would leave a line behind: labels give way first (their middle
        // cut, the step and the name's end kept), messages are cut to
        // what is left.
        let most = painter
            .width
            .map(|w| w.saturating_sub(3 + MESSAGE_ROOM).max(NAME_FLOOR));
        let fitted = |label: &str| most.map_or(label.to_string(), |m| ellipsize(label, m));
        let width = rows
            .iter()
            .map(|r| fitted(&r.label).chars().count())
            .max()
            .unwrap_or(0);
        let bars = rows
            .iter()
            .map(|r| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style("  {prefix} {msg}"));
                bar.set_prefix(format!("{:width$}", fitted(&r.label)));
                bar.set_message(painter.paint(Style::Dim, "waiting"));
                bar
            })
            .collect();
        Self {
            mode,
            multi,
            bars,
            labels: rows.into_iter().map(|r| r.label).collect(),
            painter,
            frozen: AtomicBool::new(false),
            label_width: width,
        }
    }

    /// ` (detail)` cut to what a bar line has left after its label, the
    /// state and `taken` columns; the whole detail is in the summary and
    /// the audit log.
    fn detail_text(&self, state: &str, detail: &str, taken: usize) -> String {
        let detail = clean(detail);
        let Some(width) = self.painter.width.filter(|_| self.mode == Mode::Bars) else {
            return format!(" ({detail})");
        };
        let room =
            width.saturating_sub(3 + self.label_width + 1 + state.chars().count() + 3 + taken);
        match room {
            0..8 => String::new(),
            _ => format!(" ({})", truncate(&detail, room)),
        }
    }

    /// Bars that no longer draw: after an interrupt.
    fn bars_frozen(&self) -> bool {
        self.mode == Mode::Bars && self.frozen.load(Ordering::Relaxed)
    }

    fn plain(&self, line: &str) {
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
        let _ = writeln!(std::io::stderr(), "{now} {line}");
    }

    /// A row changed state. `done`: it will not change again (success,
    /// failure, deletion); `elapsed_ms`: its time so far or in total.
    pub fn update(
        &self,
        row: usize,
        state: &str,
        detail: Option<&str>,
        done: bool,
        elapsed_ms: Option<u64>,
    ) {
        if self.bars_frozen() {
            return;
        }
        let style_for = match state {
            "succeeded" | "created" | "done" => Style::Added,
            "failed" => Style::Removed,
            "deleted" => Style::Dim,
            _ => Style::Changed,
        };
        let mut text = self.painter.paint(style_for, state);
        if let Some(d) = detail {
            // A running bar has a spinner and its clock beside the
            // message, a finished one its time: 8 columns either way.
            text.push_str(&self.detail_text(state, d, 8));
        }
        match self.mode {
            Mode::None => {}
            Mode::Plain => {
                let took = elapsed_ms
                    .filter(|_| done)
                    .map(|ms| format!(" {}", took(ms, "after ")))
                    .unwrap_or_default();
                self.plain(&format!("{}: {text}{took}", self.labels[row].trim()));
            }
            Mode::Bars => {
                let bar = &self.bars[row];
                if done {
                    let took = elapsed_ms
                        .map(|ms| format!(" {}", self.painter.paint(Style::Dim, &took(ms, ""))))
                        .unwrap_or_default();
                    bar.set_style(style("  {prefix} {msg}"));
                    bar.finish_with_message(format!("{text}{took}"));
                } else {
                    if bar.is_finished() {
                        return;
                    }
                    bar.set_style(style("  {prefix} {spinner} {msg} {elapsed:.dim}"));
                    bar.set_message(text);
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            }
        }
    }

    /// Restarts a row's clock when its hook is created.
    pub fn started(&self, row: usize) {
        if self.mode == Mode::Bars && !self.bars_frozen() {
            self.bars[row].reset_elapsed();
        }
    }

    /// A hook's log line, shown above the bars.
    pub fn log(&self, hook: &str, line: &str) {
        // A pod's log can hold escape sequences: they must not restyle
        // the terminal or break the bars.
        let text = format!(
            "{} {}",
            self.painter.paint(Style::Dim, &format!("[{hook}]")),
            clean(line)
        );
        match self.mode {
            // Frozen: the audit log keeps the line; printed now it would
            // redraw the bars.
            Mode::Bars if self.bars_frozen() => {}
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
            Mode::Plain => self.plain(&text),
            Mode::None => {}
        }
    }

    pub fn warn(&self, message: &str) {
        let text = format!("{} {message}", self.painter.paint(Style::Warn, "warning:"));
        match self.mode {
            Mode::Bars if !self.bars_frozen() => {
                let _ = self.multi.println(text);
            }
            _ => {
                let _ = writeln!(std::io::stderr(), "{text}");
            }
        }
    }

    /// Stops every bar where it is.
    pub fn finish(&self) {
        for bar in &self.bars {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }

    /// Stops the bars without drawing them again: the terminal has echoed
    /// `^C` below them and (through `helm hooks`) the shell may have
    /// printed its prompt, so a redraw, which moves the cursor up over
    /// the lines it drew, would print the block a second time. What
    /// follows starts on a line of its own.
    pub fn interrupted(&self) {
        if self.mode != Mode::Bars || self.frozen.swap(true, Ordering::Relaxed) {
            return;
        }
        self.multi.set_draw_target(ProgressDrawTarget::hidden());
        for bar in &self.bars {
            bar.disable_steady_tick();
            if !bar.is_finished() {
                bar.abandon();
            }
        }
        let _ = writeln!(std::io::stderr());
    }
}

impl crate::app::apply::Reporter for Progress {
    fn started(&self, row: usize) {
        Progress::started(self, row)
    }
    fn update(&self, row: usize, state: &str, detail: Option<&str>, done: bool, ms: Option<u64>) {
        Progress::update(self, row, state, detail, done, ms)
    }
    fn log(&self, tag: &str, line: &str) {
        Progress::log(self, tag, line)
    }
    fn warn(&self, message: &str) {
        Progress::warn(self, message)
    }
    fn finish(&self) {
        Progress::finish(self)
    }
    fn interrupted(&self) {
        Progress::interrupted(self)
    }
}

/// How long a row took to finish (`after 1.2s`). A hook done as soon as
/// it is created (a ConfigMap) took under the millisecond measured, and
/// "created after 0ms" reads as a glitch: "created at once".
fn took(ms: u64, before: &str) -> String {
    match ms {
        0 => "at once".to_string(),
        ms => format!("{before}{}", format_ms(ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::took;

    #[test]
    fn a_row_done_within_the_millisecond_is_done_at_once() {
        assert_eq!(took(0, "after "), "at once");
        assert_eq!(took(1, "after "), "after 1ms");
        assert_eq!(took(1_200, ""), "1.2s");
    }
}
