//! The use cases between the commands (arguments in, views out) and the
//! adapters: open a workspace, render a revision, find the baseline, plan,
//! lint, read the history, apply. They return data and never print; what
//! the user should hear on the way comes back as values (notes, warnings)
//! or goes through a reporter the caller passes in.

pub mod apply;
pub mod baseline;
pub mod capabilities;
pub mod comment;
pub mod expected;
pub mod history;
pub mod lint;
pub mod plan;
pub mod plan_all;
pub mod planfile;
pub mod revision;
pub mod team_record;
pub mod workspace;

/// This process's peak resident memory (Linux `VmHWM`), for benchmarks.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
