//! Completion candidates in the form Helm reads from a plugin's
//! `plugin.complete` (cobra's protocol).

/// One candidate and its description.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: String,
    pub help: Option<String>,
}

/// cobra's ShellCompDirectiveNoFileComp: offer no file names instead.
pub const NO_FILE_COMPLETION: u32 = 4;

/// cobra's ShellCompDirectiveKeepOrder: show the candidates as given, not
/// sorted (bash's `nosort`, zsh's `-V`, fish's `-k`).
pub const KEEP_ORDER: u32 = 32;

/// One `VALUE[\tDESCRIPTION]` line per candidate, then `:DIRECTIVE`. The
/// description is one line: a newline would start a bogus candidate.
pub fn helm_lines(candidates: &[Candidate], directive: u32) -> String {
    let mut out = String::new();
    for c in candidates {
        if c.value.is_empty() || c.value.contains(['\n', '\t']) {
            continue;
        }
        out.push_str(&c.value);
        let help = c
            .help
            .as_deref()
            .and_then(|h| h.lines().map(str::trim).find(|l| !l.is_empty()))
            .map(|h| h.replace('\t', " "));
        if let Some(h) = help {
            out.push('\t');
            out.push_str(&h);
        }
        out.push('\n');
    }
    out.push_str(&format!(":{directive}\n"));
    out
}

/// The shell's own file completion, when our candidates have nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Files ending in .yaml or .yml (cobra's FilterFileExt).
    YamlFiles,
    /// Directories only (cobra's FilterDirs).
    Directories,
}

/// cobra's FilterFileExt (the lines are extensions) and FilterDirs.
pub fn fallback_lines(fallback: Fallback) -> String {
    match fallback {
        Fallback::YamlFiles => "yaml\nyml\n:8\n".to_string(),
        Fallback::Directories => ":16\n".to_string(),
    }
}

/// A release as the picker lists it.
pub fn release_item(name: &str, status: &str, chart: &str) -> String {
    format!("{name}  ({status}, {chart})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_then_directive() {
        let text = helm_lines(
            &[
                Candidate {
                    value: "main".into(),
                    help: Some("branch".into()),
                },
                Candidate {
                    value: "HEAD".into(),
                    help: None,
                },
                Candidate {
                    value: "x\ny".into(),
                    help: None,
                },
            ],
            NO_FILE_COMPLETION,
        );
        assert_eq!(text, "main\tbranch\nHEAD\n:4\n");
    }
}
