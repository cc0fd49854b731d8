//! A `helm test` run as JUnit XML, the report CI systems display: one
//! `testcase` per test hook run, with its duration, its failure and its
//! log tail.

use super::audit::{HookOutcome, HookPhase};
use std::fmt::Write;

/// What the report is of.
pub struct Suite<'a> {
    pub release: &'a str,
    pub namespace: &'a str,
    /// When the run started (RFC 3339).
    pub timestamp: &'a str,
    /// Helm's error line when `helm test` failed without a hook to blame.
    pub error: Option<&'a str>,
}

/// XML text and attribute escaping; characters XML 1.0 cannot hold
/// (control characters from a pod's log) are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn seconds(ms: Option<u64>) -> String {
    format!("{:.3}", ms.unwrap_or(0) as f64 / 1000.0)
}

/// The report of the test hooks' outcomes (in the order they ran).
pub fn report(suite: &Suite<'_>, hooks: &[HookOutcome]) -> String {
    let failed = |h: &HookOutcome| h.phase == HookPhase::Failed;
    let skipped = |h: &HookOutcome| matches!(h.phase, HookPhase::NotRun);
    let errored = |h: &HookOutcome| !failed(h) && !skipped(h) && h.phase != HookPhase::Succeeded;
    let count = |f: &dyn Fn(&HookOutcome) -> bool| hooks.iter().filter(|h| f(h)).count();
    let total_ms: u64 = hooks.iter().filter_map(|h| h.duration_ms).sum();
    let name = escape(&format!("helm test {}", suite.release));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        hooks.len(),
        count(&failed),
        count(&errored),
        count(&skipped),
        seconds(Some(total_ms)),
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">",
        hooks.len(),
        count(&failed),
        count(&errored),
        count(&skipped),
        seconds(Some(total_ms)),
        escape(suite.timestamp),
    );
    let _ = writeln!(
        x,
        "    <properties>\n      <property name=\"release\" value=\"{}\"/>\n      <property name=\"namespace\" value=\"{}\"/>\n    </properties>",
        escape(suite.release),
        escape(suite.namespace)
    );
    let classname = escape(&format!("{}.{}", suite.namespace, suite.release));
    for h in hooks {
        let _ = write!(
            x,
            "    <testcase name=\"{}\" classname=\"{classname}\" time=\"{}\">",
            escape(&format!("{}/{}", h.kind, h.name)),
            seconds(h.duration_ms)
        );
        let log = h.log_tail.join("\n");
        let message = h
            .message
            .clone()
            .or_else(|| suite.error.map(str::to_string));
        match &h.phase {
            HookPhase::Succeeded => {}
            HookPhase::Failed => {
                let message = message.unwrap_or_else(|| "failed".into());
                let _ = write!(
                    x,
                    "\n      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(&message),
                    h.exit_code
                        .map(|c| format!("exit code {c}"))
                        .unwrap_or_else(|| "failed".into()),
                    escape(&log)
                );
            }
            HookPhase::NotRun => {
                let why = h.message.as_deref();
                let _ = write!(
                    x,
                    "\n      <skipped message=\"{}\"/>",
                    escape(why.unwrap_or("not run: an earlier test failed or Helm stopped"))
                );
            }
            other => {
                let _ = write!(
                    x,
                    "\n      <error message=\"{}\" type=\"{}\"/>",
                    escape(&message.unwrap_or_else(|| format!("ended {}", other.text()))),
                    escape(&other.text())
                );
            }
        }
        if !log.is_empty() {
            let _ = write!(x, "\n      <system-out>{}</system-out>", escape(&log));
        }
        if h.phase != HookPhase::Succeeded || !log.is_empty() {
            x.push_str("\n    ");
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, phase: HookPhase, ms: u64, log: &[&str]) -> HookOutcome {
        HookOutcome {
            event: "test".into(),
            kind: "Pod".into(),
            name: name.into(),
            phase,
            duration_ms: Some(ms),
            log_tail: log.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn failures_carry_their_message_and_log_tail_escaped() {
        let mut bad = outcome(
            "db",
            HookPhase::Failed,
            1250,
            &["connecting", "<refused> & \u{1b}[31mgone"],
        );
        bad.message = Some("pod db failed: \"exit 3\"".into());
        bad.exit_code = Some(3);
        let hooks = [
            outcome("smoke", HookPhase::Succeeded, 500, &[]),
            bad,
            outcome("late", HookPhase::NotRun, 0, &[]),
        ];
        let xml = report(
            &Suite {
                release: "web",
                namespace: "shop",
                timestamp: "2026-12-03T10:00:00Z",
                error: None,
            },
            &hooks,
        );
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"1.750\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<testcase name=\"Pod/smoke\" classname=\"shop.web\" time=\"0.500\"></testcase>"
            ),
            "{xml}"
        );
        assert!(xml.contains("<failure message=\"pod db failed: &quot;exit 3&quot;\" type=\"exit code 3\">connecting\n&lt;refused&gt; &amp; [31mgone</failure>"), "{xml}");
        assert!(xml.contains("<skipped message="), "{xml}");
        assert!(!xml.contains('\u{1b}'), "no control characters");
    }
}
