//! What several views share: revision labels, durations, the chart header.

use crate::core::local::command_line;
use crate::core::model::Revision;
use crate::core::timeline::LocalStep;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartInfo {
    pub repository: String,
    pub path: String,
    /// How headers name the chart: `path`, `.` at the root, or outside
    /// Git the directory as given (`path` is empty there).
    #[serde(skip)]
    pub label: String,
    /// The chart's directory from the current directory, for suggested
    /// commands (`.` when it is the current directory).
    #[serde(skip)]
    pub arg: String,
}

impl ChartInfo {
    /// A chart of a Git repository: labelled by its path, `.` at the root.
    pub fn in_repository(repository: String, path: String, arg: String) -> Self {
        let label = match path.as_str() {
            "" => ".".to_string(),
            p => p.to_string(),
        };
        Self {
            repository,
            path,
            label,
            arg,
        }
    }
}

/// The first 12 characters of a commit id. By characters, not bytes: a
/// hand-edited audit log may hold anything there.
pub fn short_sha(sha: &str) -> &str {
    sha.char_indices().nth(12).map_or(sha, |(at, _)| &sha[..at])
}

/// A revision as headers name it: `WORKTREE`, a short sha when the user
/// typed one, else `spec (sha)`.
pub fn rev_label(r: &Revision) -> String {
    match (&r.commit, r.worktree) {
        (_, true) => "WORKTREE".to_string(),
        (Some(c), _) if c.starts_with(&r.spec) => short_sha(c).to_string(),
        (Some(c), _) => format!("{} ({})", r.spec, short_sha(c)),
        (None, _) => r.spec.clone(),
    }
}

/// A duration for people: `850ms`, `12.3s`, `4m05s`, `2h03m`.
pub fn format_ms(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000),
        _ => format!("{}h{:02}m", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

/// A hook step's expectation from earlier runs: `20.0s (max 31.0s, 3 runs)`.
pub fn expected_text(e: Option<crate::core::model::Expected>) -> String {
    match e {
        Some(e) => format!(
            "{} (max {}, {} run{})",
            format_ms(e.median_ms),
            format_ms(e.max_ms),
            e.runs,
            if e.runs == 1 { "" } else { "s" }
        ),
        None => String::new(),
    }
}

/// `expected: pre-upgrade 51.0s, post-upgrade 1.2s (medians of earlier
/// runs)`, when the timeline has expectations.
pub fn expected_line(t: &crate::core::timeline::Timeline) -> Option<String> {
    let events = crate::core::stats::event_expectations(t);
    if events.is_empty() {
        return None;
    }
    let parts: Vec<String> = events
        .iter()
        .map(|(e, ms)| format!("{e} {}", format_ms(*ms)))
        .collect();
    Some(format!(
        "expected: {} (Helm waits hook by hook; medians of earlier runs)",
        parts.join(", ")
    ))
}

/// A local hook in the HOOK column: what runs on this machine.
pub fn local_label(l: &LocalStep) -> String {
    format!("local: {}", command_line(&l.command, &l.args))
}

/// Text from a log or a cluster goes to a terminal: control characters (escape
/// sequences from a pod's log, newlines from a hand edit) are neutralised
/// so they can neither restyle the terminal nor break the table's rows.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sha_never_splits_a_character() {
        assert_eq!(short_sha("0123456789abcdef"), "0123456789ab");
        assert_eq!(short_sha("abc"), "abc");
        assert_eq!(short_sha("ééééééééééééééé"), "éééééééééééé");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(format_ms(850), "850ms");
        assert_eq!(format_ms(12_340), "12.3s");
        assert_eq!(format_ms(245_000), "4m05s");
        assert_eq!(format_ms(7_380_000), "2h03m");
    }
}
