//! Mermaid diagrams for the markdown views (forges render ```mermaid
//! blocks in comments and job summaries): a flowchart of an operation's
//! timeline, a Gantt of a run. Pure: the views describe boxes and bars,
//! this module only writes them as Mermaid text, escaped.

use super::fit::ellipsize;
use std::fmt::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a box of the timeline compares with the `from` revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Unchanged,
    Added,
    Changed,
    Moved,
    /// Changed only in labels and annotations.
    Metadata,
    /// `from` ran it, `to` no longer does: drawn dashed, not linked.
    Removed,
}

impl Mark {
    fn class(self) -> Option<&'static str> {
        match self {
            Mark::Unchanged => None,
            Mark::Added => Some("added"),
            Mark::Changed => Some("changed"),
            Mark::Moved => Some("moved"),
            Mark::Metadata => Some("metadata"),
            Mark::Removed => Some("removed"),
        }
    }
}

/// One hook run (or local hook run): its lines of text, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineBox {
    pub lines: Vec<String>,
    pub mark: Mark,
}

/// A phase of the operation, in the order Helm runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// An event's hooks, by weight: one subgraph, its boxes in a chain.
    Hooks {
        title: String,
        boxes: Vec<TimelineBox>,
    },
    /// A step of Helm's own (the chart's resources): one rounded box.
    Step { text: String },
}

/// Boxes past which a timeline is not drawn: the diagram would be
/// unreadable, and could pass Mermaid's and the forge's size limits.
pub const MAX_BOXES: usize = 60;

/// The longest word of a label, in characters: Mermaid breaks a word
/// wider than its box within the word, line after line, so a longer one
/// (a hook's name reaches 253 characters) keeps its start and end around
/// an ellipsis, two or three lines of a box at most.
const MAX_WORD: usize = 48;

/// Class styles: fill, stroke and text colour all set, so a box reads the
/// same on a light and a dark page.
const CLASS_DEFS: &[(&str, &str)] = &[
    // First, so the others override it: an unchanged box is plain, not
    // the theme's lavender, which reads as the blue of `moved`.
    ("default", "fill:#ffffff,stroke:#8c959f,color:#24292f"),
    (
        "added",
        "fill:#dafbe1,stroke:#1a7f37,color:#0f3d1c,stroke-width:2px",
    ),
    (
        "changed",
        "fill:#fff8c5,stroke:#9a6700,color:#4d2d00,stroke-width:2px",
    ),
    (
        "moved",
        "fill:#ddf4ff,stroke:#0969da,color:#0a3069,stroke-width:2px",
    ),
    ("metadata", "fill:#fbefff,stroke:#8250df,color:#3e1f79"),
    (
        "removed",
        "fill:#ffebe9,stroke:#cf222e,color:#82071e,stroke-dasharray:5 5",
    ),
    ("helm", "fill:#eaeef2,stroke:#57606a,color:#24292f"),
    // Nearly clear, so the theme's title colour reads on it, light or dark.
    ("phase", "fill:#8c959f14,stroke:#8c959f"),
];

/// `text` safe inside a quoted Mermaid label: characters that end the
/// string, start an entity, a comment or markup are written as entity
/// codes (`#quot;`, `#35;`), control characters as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            // Gantt splits a task at `:`; `;` ends a statement; `%%` starts
            // a comment; a backtick starts a markdown string.
            ':' | ';' | '%' | '`' | '\\' | '|' | '[' | ']' | '{' | '}' => {
                let _ = write!(out, "#{};", c as u32);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` with each word longer than [`MAX_WORD`] shortened.
fn fit(text: &str) -> String {
    text.split(' ')
        .map(|w| ellipsize(w, MAX_WORD))
        .collect::<Vec<_>>()
        .join(" ")
}

fn box_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape(&fit(l)))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// The timeline as a left-to-right flowchart: one subgraph per event
/// with its hooks top to bottom, Helm's own steps between them. `None`
/// when it has more than [`MAX_BOXES`] boxes.
pub fn flowchart(phases: &[Phase]) -> Option<String> {
    let boxes: usize = phases
        .iter()
        .map(|p| match p {
            Phase::Hooks { boxes, .. } => boxes.len(),
            Phase::Step { .. } => 1,
        })
        .sum();
    if boxes > MAX_BOXES || phases.is_empty() {
        return None;
    }
    let mut out = String::from("flowchart LR\n");
    let mut ids = Vec::new();
    let mut groups = Vec::new();
    let mut node = 0;
    for (i, phase) in phases.iter().enumerate() {
        match phase {
            Phase::Step { text } => {
                node += 1;
                let id = format!("n{node}");
                let _ = writeln!(
                    out,
                    "  {id}([\"{}\"]):::helm",
                    box_label(std::slice::from_ref(text))
                );
                ids.push(id);
            }
            Phase::Hooks { title, boxes } => {
                let id = format!("p{}", i + 1);
                let _ = writeln!(out, "  subgraph {id}[\"{}\"]", escape(title));
                let _ = writeln!(out, "    direction TB");
                let mut chain = Vec::new();
                for b in boxes {
                    node += 1;
                    let n = format!("n{node}");
                    let class = b.mark.class().map_or(String::new(), |c| format!(":::{c}"));
                    let _ = writeln!(out, "    {n}[\"{}\"]{class}", box_label(&b.lines));
                    if b.mark != Mark::Removed {
                        chain.push(n);
                    }
                }
                // Helm runs an event's hooks one after the other.
                if chain.len() > 1 {
                    let _ = writeln!(out, "    {}", chain.join(" --> "));
                }
                let _ = writeln!(out, "  end");
                groups.push(id.clone());
                ids.push(id);
            }
        }
    }
    if ids.len() > 1 {
        let _ = writeln!(out, "  {}", ids.join(" --> "));
    }
    // After the links: a link to a subgraph makes a node of its id, whose
    // classes Mermaid then draws the subgraph with; a class given before
    // the link reaches only the subgraph and is lost.
    if !groups.is_empty() {
        let _ = writeln!(out, "  class {} phase", groups.join(","));
    }
    for (name, style) in CLASS_DEFS {
        let _ = writeln!(out, "  classDef {name} {style}");
    }
    Some(out)
}

/// How a bar of the Gantt is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarState {
    Done,
    Failed,
    /// Running when the run ended (interrupted), or never settled.
    Open,
}

/// One hook's run: when it started and ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub section: String,
    pub label: String,
    pub start: SystemTime,
    pub end: SystemTime,
    pub state: BarState,
}

/// `2026-01-03 10:00:00.250`: the Gantt's `dateFormat`, in UTC.
fn gantt_time(t: SystemTime) -> String {
    let text = humantime::format_rfc3339_millis(t).to_string();
    text.trim_end_matches('Z').replacen('T', " ", 1)
}

/// A Gantt of the bars, one section per run of equal `section`s.
/// `None` without bars.
pub fn gantt(title: &str, bars: &[Bar]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let first = bars.iter().map(|b| b.start).min().unwrap_or(UNIX_EPOCH);
    let last = bars
        .iter()
        .map(|b| b.end.max(b.start))
        .max()
        .unwrap_or(first);
    let span = last.duration_since(first).unwrap_or_default();
    // Under about 7 s Mermaid's ten or so ticks fall within a second
    // (d3 steps of 500 ms and less): without milliseconds several would
    // read the same.
    let axis = match span < Duration::from_millis(7500) {
        true => "%H:%M:%S.%L",
        false => "%H:%M:%S",
    };
    let mut out = String::from("gantt\n");
    let _ = writeln!(out, "  title {}", escape(title));
    let _ = writeln!(
        out,
        "  dateFormat YYYY-MM-DD HH:mm:ss.SSS\n  axisFormat {axis}"
    );
    let mut section: Option<&str> = None;
    for b in bars {
        if section != Some(b.section.as_str()) {
            let _ = writeln!(out, "  section {}", escape(&b.section));
            section = Some(&b.section);
        }
        let tag = match b.state {
            BarState::Done => "done, ",
            BarState::Failed => "crit, ",
            BarState::Open => "active, ",
        };
        // An end before the start (a clock step) is drawn as no time.
        let end = b.end.max(b.start);
        let _ = writeln!(
            out,
            "  {} :{tag}{}, {}",
            escape(&fit(&b.label)),
            gantt_time(b.start),
            gantt_time(end)
        );
    }
    Some(out)
}

/// A fenced block, as the forges expect it.
pub fn fenced(diagram: &str) -> String {
    format!("```mermaid\n{diagram}```\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(lines: &[&str], mark: Mark) -> TimelineBox {
        TimelineBox {
            lines: lines.iter().map(|s| s.to_string()).collect(),
            mark,
        }
    }

    #[test]
    fn escape_leaves_no_character_that_ends_or_breaks_a_label() {
        let e = escape("a\"b#c<d>e&f:g;h%i`j\nk[l]m|n{o}p\\q");
        assert_eq!(
            e,
            "a#quot;b#35;c#lt;d#gt;e#amp;f#58;g#59;h#37;i#96;j k#91;l#93;m#124;n#123;o#125;p#92;q"
        );
        // Every `#` left starts an entity code this function wrote.
        for (i, _) in e.match_indices('#') {
            let rest = &e[i + 1..];
            let end = rest.find(';').expect("entity ends");
            assert!(rest[..end].chars().all(|c| c.is_ascii_alphanumeric()));
        }
        assert_eq!(escape("Job/db-migrate.v2 (x)"), "Job/db-migrate.v2 (x)");
    }

    #[test]
    fn long_words_keep_their_start_and_end_and_sentences_stay_whole() {
        let name = format!("Job/{}-end", "x".repeat(250));
        let s = ellipsize(&name, 48);
        assert_eq!(s.chars().count(), 48);
        assert!(s.starts_with("Job/xx") && s.ends_with("x-end") && s.contains('…'));
        let line = format!("#2 {name} (added)");
        assert_eq!(fit(&line), format!("#2 {s} (added)"));
        let sentence = "restore chart resources of the target revision and some more words (1)";
        assert_eq!(fit(sentence), sentence);
    }

    #[test]
    fn flowchart_chains_each_event_and_links_the_phases() {
        let phases = vec![
            Phase::Hooks {
                title: "pre-upgrade".into(),
                boxes: vec![
                    b(&["#1 Job/a", "weight -5"], Mark::Added),
                    b(&["Job/old"], Mark::Removed),
                    b(&["#2 \"quoted\""], Mark::Unchanged),
                ],
            },
            Phase::Step {
                text: "update chart resources (3)".into(),
            },
            Phase::Hooks {
                title: "post-upgrade".into(),
                boxes: vec![b(&["#3 Pod/p"], Mark::Moved)],
            },
        ];
        let f = flowchart(&phases).unwrap();
        assert!(f.starts_with("flowchart LR\n"), "{f}");
        assert!(
            f.contains("  subgraph p1[\"pre-upgrade\"]\n    direction TB\n"),
            "{f}"
        );
        assert!(
            f.contains("n1[\"#35;1 Job/a<br/>weight -5\"]:::added"),
            "{f}"
        );
        assert!(f.contains("n2[\"Job/old\"]:::removed"), "{f}");
        assert!(f.contains("n3[\"#35;2 #quot;quoted#quot;\"]\n"), "{f}");
        // The removed box is not in the chain: Helm no longer runs it.
        assert!(f.contains("    n1 --> n3\n"), "{f}");
        assert!(
            f.contains("  n4([\"update chart resources (3)\"]):::helm"),
            "{f}"
        );
        assert!(
            f.contains("  p1 --> n4 --> p3\n  class p1,p3 phase\n"),
            "{f}"
        );
        assert!(f.contains("classDef removed "), "{f}");
    }

    #[test]
    fn too_many_boxes_draw_nothing() {
        let many = Phase::Hooks {
            title: "pre-install".into(),
            boxes: vec![b(&["x"], Mark::Added); MAX_BOXES + 1],
        };
        assert_eq!(flowchart(&[many]), None);
        assert_eq!(flowchart(&[]), None);
    }

    #[test]
    fn gantt_bars_carry_millisecond_times_and_state() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_261_600_250);
        let bar = |section: &str, label: &str, from: u64, to: u64, state| Bar {
            section: section.into(),
            label: label.into(),
            start: t0 + Duration::from_millis(from),
            end: t0 + Duration::from_millis(to),
            state,
        };
        let g = gantt(
            "Run 1: upgrade",
            &[
                bar("pre-upgrade", "Job/a", 0, 1200, BarState::Done),
                bar("pre-upgrade", "Job/b", 1200, 1300, BarState::Failed),
                bar(
                    "presync (local)",
                    "local: sh -c 'a; b'",
                    5,
                    0,
                    BarState::Open,
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            g,
            "gantt\n  title Run 1#58; upgrade\n  dateFormat YYYY-MM-DD HH:mm:ss.SSS\n  axisFormat %H:%M:%S.%L\n  section pre-upgrade\n  Job/a :done, 2026-01-01 10:00:00.250, 2026-01-01 10:00:01.450\n  Job/b :crit, 2026-01-01 10:00:01.450, 2026-01-01 10:00:01.550\n  section presync (local)\n  local#58; sh -c 'a#59; b' :active, 2026-01-01 10:00:00.255, 2026-01-01 10:00:00.255\n"
        );
        assert_eq!(gantt("x", &[]), None);
    }
}
