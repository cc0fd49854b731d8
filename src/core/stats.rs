//! What the audit log says of how long hooks take: per hook, its runs,
//! failures and durations (`history --stats`), and what a plan should
//! expect of each step, against Helm's `--timeout`.

use super::audit::{HookPhase, Run, median};
use super::model::Expected;
use super::timeline::{Step, Timeline};
use serde::Serialize;
use std::time::Duration;

/// Durations of the last runs kept for a trend.
const TREND_RUNS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookStats {
    pub release: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    /// Runs that got to the hook (succeeded or failed).
    pub runs: usize,
    pub failures: usize,
    pub median_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub max_ms: Option<u64>,
    /// The last successful durations, oldest first.
    pub trend_ms: Vec<u64>,
    /// `slower`, `faster` or `steady`: the last run against the median;
    /// `never succeeded` when no run of it did.
    pub trend: &'static str,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// Successful durations of one hook (release, namespace, kind, name),
/// oldest first; and how many runs got to it, and how many failed.
fn history_of(runs: &[Run], key: (&str, &str, &str, &str)) -> (Vec<u64>, usize, usize) {
    let (release, namespace, kind, name) = key;
    let mut ok = Vec::new();
    let (mut ran, mut failed) = (0, 0);
    // `runs` is newest first.
    for run in runs.iter().rev() {
        if run.start.release != release || run.start.namespace != namespace {
            continue;
        }
        let Some(end) = &run.end else { continue };
        for h in end
            .hooks
            .iter()
            .filter(|h| h.kind == kind && h.name == name)
        {
            match h.phase {
                HookPhase::Succeeded => {
                    ran += 1;
                    ok.extend(h.duration_ms);
                }
                HookPhase::Failed => {
                    ran += 1;
                    failed += 1;
                }
                _ => {}
            }
        }
    }
    (ok, ran, failed)
}

/// Per hook of the log (of `release` only, when given): runs, failures,
/// median, p95 and slowest successful durations, and the trend. (The app
/// feeds a [`StatsAccumulator`] run by run instead.)
#[cfg(test)]
pub fn hook_stats(runs: &[Run], release: Option<&str>) -> Vec<HookStats> {
    let mut acc = StatsAccumulator::default();
    for run in runs {
        if release.is_none_or(|r| r == run.start.release) {
            acc.add(run);
        }
    }
    acc.finish()
}

type HookKey = (String, String, String, String);

/// [`hook_stats`] fed one run at a time, newest first: what it keeps is
/// per hook, not per run.
#[derive(Debug, Default)]
pub struct StatsAccumulator {
    hooks: std::collections::HashMap<HookKey, Tally>,
    runs: u64,
}

#[derive(Debug, Default)]
struct Tally {
    /// Successful durations, newest first.
    ok: Vec<u64>,
    ran: usize,
    failed: usize,
    /// The oldest run that has the hook (runs counted newest first) and
    /// the hook's place in it: the order hooks are listed in.
    oldest: (u64, usize),
}

impl StatsAccumulator {
    pub fn add(&mut self, run: &Run) {
        self.runs += 1;
        let Some(end) = &run.end else { return };
        for (i, h) in end.hooks.iter().enumerate() {
            let key = (
                run.start.release.clone(),
                run.start.namespace.clone(),
                h.kind.clone(),
                h.name.clone(),
            );
            let tally = self.hooks.entry(key).or_default();
            if tally.oldest.0 != self.runs {
                tally.oldest = (self.runs, i);
            }
            match h.phase {
                HookPhase::Succeeded => {
                    tally.ran += 1;
                    tally.ok.extend(h.duration_ms);
                }
                HookPhase::Failed => {
                    tally.ran += 1;
                    tally.failed += 1;
                }
                _ => {}
            }
        }
    }

    /// Hooks in the order their first run (oldest first) lists them.
    pub fn finish(self) -> Vec<HookStats> {
        let mut hooks: Vec<(HookKey, Tally)> = self.hooks.into_iter().collect();
        hooks.sort_by_key(|(_, t)| (std::cmp::Reverse(t.oldest.0), t.oldest.1));
        hooks
            .into_iter()
            .filter(|(_, t)| t.ran > 0)
            .map(|((release, namespace, kind, name), mut t)| {
                t.ok.reverse();
                let ok = t.ok;
                let mut sorted = ok.clone();
                let median_ms = median(&mut sorted);
                let trend_ms: Vec<u64> = ok[ok.len().saturating_sub(TREND_RUNS)..].to_vec();
                let trend = match (ok.last(), median_ms) {
                    (Some(&last), Some(m)) if ok.len() > 1 && last * 10 > m * 12 => "slower",
                    (Some(&last), Some(m)) if ok.len() > 1 && last * 10 < m * 8 => "faster",
                    // "steady" would read as fine: no success to compare.
                    (None, _) => "never succeeded",
                    _ => "steady",
                };
                HookStats {
                    p95_ms: percentile(&sorted, 95),
                    max_ms: sorted.last().copied(),
                    median_ms,
                    trend_ms,
                    trend,
                    runs: t.ran,
                    failures: t.failed,
                    release,
                    namespace,
                    kind,
                    name,
                }
            })
            .collect()
    }
}

/// What earlier successful runs say of one hook, if any.
pub fn expected(
    runs: &[Run],
    release: &str,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Option<Expected> {
    let (mut ok, _, _) = history_of(runs, (release, namespace, kind, name));
    let max_ms = ok.iter().copied().max()?;
    let n = ok.len();
    Some(Expected {
        median_ms: median(&mut ok)?,
        max_ms,
        runs: n,
    })
}

/// Each event's expected duration (Helm waits hook by hook: the sum of
/// its hooks' medians), in timeline order, for the events with at least
/// one hook that has an expectation; a hook without one counts 0.
pub fn event_expectations(t: &Timeline) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for s in &t.steps {
        if let Step::Hook(h) = s
            && let Some(e) = h.expected
        {
            match out.iter_mut().find(|(ev, _)| *ev == h.event.as_str()) {
                Some((_, sum)) => *sum += e.median_ms,
                None => out.push((h.event.to_string(), e.median_ms)),
            }
        }
    }
    out
}

/// Warnings where history says `--timeout` is close: a hook whose slowest
/// run, or an event whose expected duration, is over 80% of it.
pub fn timeout_warnings(t: &Timeline, timeout: Duration) -> Vec<String> {
    let limit = timeout.as_millis() as u64;
    let over = |ms: u64| ms * 10 > limit * 8;
    let shown =
        |ms: u64| humantime::format_duration(Duration::from_millis(ms / 1000 * 1000)).to_string();
    let timeout_text = humantime::format_duration(timeout).to_string();
    let mut out = Vec::new();
    for h in t.hooks() {
        if let Some(e) = h.expected
            && over(e.max_ms)
        {
            out.push(format!(
                "{}/{} ({}): its slowest earlier run took {}, over 80% of --timeout {timeout_text}; Helm fails a hook that outlives it",
                h.kind,
                h.name,
                h.event,
                shown(e.max_ms)
            ));
        }
    }
    for (event, ms) in event_expectations(t) {
        if over(ms) {
            out.push(format!(
                "{} of {}: its hooks are expected to take {} in all, over 80% of --timeout {timeout_text}",
                event,
                t.operation,
                shown(ms)
            ));
        }
    }
    out
}

/// Sets each hook step's expectation from earlier successful runs of the
/// same hook of `release` in `namespace`.
pub fn fill_expected(t: &mut Timeline, runs: &[Run], release: &str, namespace: &str) {
    for s in t.steps.iter_mut() {
        if let Step::Hook(h) = s {
            h.expected = expected(runs, release, namespace, &h.kind, &h.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&v, 95), Some(19));
        assert_eq!(percentile(&v, 100), Some(20));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[], 95), None);
    }
}
