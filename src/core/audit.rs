//! The audit log's records, and how a list of them reads as runs.
//!
//! One record per line (JSON Lines). Every record carries the schema
//! version, its run id and its time; readers fold them into runs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::SystemTime;

pub const AUDIT_SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub schema: u32,
    pub run: String,
    /// RFC 3339, UTC.
    pub time: String,
    #[serde(flatten)]
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
// One start per run against many state records: boxing would only move
// the allocation.
#[allow(clippy::large_enum_variant)]
pub enum Body {
    RunStarted(RunStarted),
    HookState(HookState),
    RunEnded(RunEnded),
    /// Appended to an interrupted run by a later apply to the same release:
    /// what Helm, left running, made of it.
    RunResolved(RunResolved),
}

/// The release as a later apply found it after an interrupted run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunResolved {
    pub release_revision: u64,
    pub release_status: String,
    /// The run that looked.
    pub found_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PlannedHook {
    pub position: usize,
    pub event: String,
    pub kind: String,
    pub name: String,
    pub weight: i64,
    /// added | changed | unchanged, against what was deployed.
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunStarted {
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub kube_context: Option<String>,
    pub kube_server: Option<String>,
    pub namespace: String,
    pub release: String,
    /// install | upgrade
    pub operation: String,
    pub chart_name: String,
    pub chart_version: String,
    pub repository: String,
    pub chart_path: String,
    pub from_rev: Option<String>,
    pub from_sha: Option<String>,
    pub to_rev: String,
    pub to_sha: Option<String>,
    pub worktree: bool,
    /// Content hash of the chart when `to` is WORKTREE.
    pub worktree_hash: Option<String>,
    pub helm_version: String,
    /// The command line, with values of --set and credentials removed.
    pub args: Vec<String>,
    pub timeline: Vec<PlannedHook>,
    /// `apply --plan FILE`: the digest of the plan file applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_file: Option<String>,
    /// The CI job that ran it (`GITHUB_RUN_ID`, `CI_JOB_ID`, `CI`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_job: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HookState {
    pub kind: String,
    pub name: String,
    /// created | running | succeeded | failed | deleted
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What became of a hook run. Written as Helm's `last_run.phase` words
/// (`Succeeded`, `Failed`, `Running`, `Unknown`), `NotRun`, or, for a run
/// that was interrupted, its last state seen (`running (interrupted)`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HookPhase {
    Succeeded,
    Failed,
    Running,
    #[default]
    Unknown,
    /// Helm never got to it.
    NotRun,
    /// The run was interrupted; the last state seen of the hook.
    Interrupted(String),
}

impl HookPhase {
    /// Reads Helm's word (or the log's); anything else is `Unknown`.
    pub fn parse(text: &str) -> Self {
        match text {
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Running" => Self::Running,
            "NotRun" => Self::NotRun,
            "Interrupted" => Self::Interrupted("unknown".into()),
            t => match t.strip_suffix(" (interrupted)") {
                Some(state) => Self::Interrupted(state.to_string()),
                None => Self::Unknown,
            },
        }
    }

    pub fn text(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Self::Succeeded => "Succeeded".into(),
            Self::Failed => "Failed".into(),
            Self::Running => "Running".into(),
            Self::Unknown => "Unknown".into(),
            Self::NotRun => "NotRun".into(),
            Self::Interrupted(state) => format!("{state} (interrupted)").into(),
        }
    }
}

impl std::fmt::Display for HookPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for HookPhase {
    /// One word each, an enum for readers; an interrupted hook's last
    /// state is its outcome's `lastState`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Interrupted(_) => s.serialize_str("Interrupted"),
            other => s.serialize_str(&other.text()),
        }
    }
}

impl<'de> Deserialize<'de> for HookPhase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HookOutcome {
    pub event: String,
    pub kind: String,
    pub name: String,
    pub weight: i64,
    pub phase: HookPhase,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub message: Option<String>,
    #[serde(default)]
    pub log_tail: Vec<String>,
    /// Whether the object was still in the cluster when apply ended.
    pub left_in_cluster: Option<bool>,
    /// A local hook's exit status (`kind: LocalHook`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// For a hook of an interrupted run: the last state seen of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_state: Option<String>,
    /// Helm ran it, and the plan confirmed before the run did not show it
    /// (the cluster changed in between: a lookup, a local hook's doing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_in_plan: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunEnded {
    pub helm_exit: i32,
    pub interrupted: bool,
    pub release_revision: Option<u64>,
    pub release_status: Option<String>,
    pub hooks: Vec<HookOutcome>,
    /// The local hook that stopped the run before Helm started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    /// What Helm does should the run fail under `--atomic` /
    /// `--rollback-on-failure`, and whether it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_branch: Option<FailureBranch>,
}

/// Helm's way out of a failed run under `--atomic`/`--rollback-on-failure`:
/// a failed upgrade is rolled back to the last successful revision, whose
/// stored rollback hooks run; a failed install is uninstalled, and the
/// release's delete hooks run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailureBranch {
    /// `rollback` or `uninstall`.
    pub action: String,
    /// The revision a rollback restores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_revision: Option<u64>,
    /// The hooks it runs, in Helm's order (`NotRun` unless taken).
    pub hooks: Vec<HookOutcome>,
    /// The run failed and Helm took this way.
    #[serde(default)]
    pub taken: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    Succeeded,
    Failed,
    Interrupted,
}

/// Where a run was read from: this machine's log, or the cluster's run
/// objects (`cluster_record`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    Local,
    Cluster,
}

/// A run as read back: its start, the state changes, and its end if any.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub started: String,
    pub ended: Option<String>,
    pub status: RunStatus,
    pub start: RunStarted,
    /// Serialized as `{time, kind, name, state, detail}` objects.
    #[serde(serialize_with = "states_as_objects")]
    pub states: Vec<(String, HookState)>,
    pub end: Option<RunEnded>,
    /// For an interrupted run: what Helm did after, as found later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<RunResolved>,
    /// The stores it was read from (`history` fills it in).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recorded_in: Vec<Store>,
}

fn states_as_objects<S: serde::Serializer>(
    states: &[(String, HookState)],
    ser: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Timed<'a> {
        time: &'a str,
        #[serde(flatten)]
        state: &'a HookState,
    }
    ser.collect_seq(states.iter().map(|(time, state)| Timed { time, state }))
}

impl Run {
    /// Outcomes as recorded at the end, or, for an interrupted run, the
    /// last state seen of each planned hook.
    pub fn outcomes(&self) -> std::borrow::Cow<'_, [HookOutcome]> {
        if let Some(end) = &self.end {
            return std::borrow::Cow::Borrowed(&end.hooks);
        }
        self.start
            .timeline
            .iter()
            .map(|p| {
                let last = self
                    .states
                    .iter()
                    .rev()
                    .find(|(_, s)| s.kind == p.kind && s.name == p.name);
                HookOutcome {
                    event: p.event.clone(),
                    kind: p.kind.clone(),
                    name: p.name.clone(),
                    weight: p.weight,
                    phase: last.map_or(HookPhase::NotRun, |(_, s)| {
                        HookPhase::Interrupted(s.state.clone())
                    }),
                    last_state: last.map(|(_, s)| s.state.clone()),
                    ..Default::default()
                }
            })
            .collect()
    }
}

/// One line of the log as a record, or why it is not one (a torn write,
/// a hand edit, a newer schema).
pub fn parse_line(line: &[u8]) -> Result<Record, String> {
    if let Some(record) = parse_as_written(line) {
        return Ok(record);
    }
    match serde_json::from_slice::<Record>(line) {
        Ok(r) if r.schema <= AUDIT_SCHEMA => Ok(r),
        Ok(r) => Err(format!(
            "schema {} is newer than this helm-hooks reads ({AUDIT_SCHEMA})",
            r.schema
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// A line in the writer's own layout, `{"schema":1,"run":"ID","time":"T",
/// "type":"KIND",...}`, read without the buffering `flatten` costs (a few
/// times faster, which a long log feels). `None` for anything else, and
/// for any line the general reading might read otherwise or reject: that
/// reading then decides.
fn parse_as_written(line: &[u8]) -> Option<Record> {
    let rest = line.strip_prefix(b"{\"schema\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    // JSON has no leading zeros.
    if digits == 0 || digits > 9 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let schema: u32 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    if schema > AUDIT_SCHEMA {
        return None;
    }
    let rest = rest[digits..].strip_prefix(b",\"run\":\"")?;
    let (run, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(b",\"time\":\"")?;
    let (time, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(b",\"type\":\"")?;
    let (kind, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(b",")?;
    // A field of the record's own again (a hand edit) is for the general
    // reading to refuse.
    static OWN_KEYS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 4]> =
        std::sync::LazyLock::new(|| {
            [&b"\"schema\":"[..], b"\"run\":", b"\"time\":", b"\"type\":"]
                .map(memchr::memmem::Finder::new)
        });
    if OWN_KEYS.iter().any(|key| key.find(rest).is_some()) {
        return None;
    }
    // The body's fields are read from the whole line: the four above are
    // none of its own, and are passed over.
    let body = match kind {
        "runStarted" => Body::RunStarted(serde_json::from_slice(line).ok()?),
        "hookState" => Body::HookState(serde_json::from_slice(line).ok()?),
        "runEnded" => Body::RunEnded(serde_json::from_slice(line).ok()?),
        "runResolved" => Body::RunResolved(serde_json::from_slice(line).ok()?),
        _ => return None,
    };
    Some(Record {
        schema,
        run: run.to_string(),
        time: time.to_string(),
        body,
    })
}

/// A JSON string's text up to its closing quote, when it has no escapes
/// or control characters (read as is), and what follows the quote.
fn plain_string(b: &[u8]) -> Option<(&str, &[u8])> {
    let end = memchr::memchr(b'"', b)?;
    let text = &b[..end];
    if text.iter().any(|&c| c == b'\\' || c < 0x20) {
        return None;
    }
    Some((std::str::from_utf8(text).ok()?, &b[end + 1..]))
}

/// Folds records into runs, newest first. Records of unknown runs (a
/// state or end without a start, e.g. after a hand edit) are ignored.
pub fn fold_runs(records: impl IntoIterator<Item = Record>) -> Vec<Run> {
    let mut runs: BTreeMap<String, Run> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in records {
        match r.body {
            Body::RunStarted(start) => {
                order.push(r.run.clone());
                runs.insert(r.run.clone(), started(r.run, r.time, start));
            }
            body => {
                if let Some(run) = runs.get_mut(&r.run) {
                    add(run, r.time, body);
                }
            }
        }
    }
    order
        .into_iter()
        .rev()
        .filter_map(|id| runs.remove(&id))
        .collect()
}

/// [`fold_runs`] of the records of a single run (as the log's index
/// reads them): its start, then what followed.
pub fn fold_run(records: impl IntoIterator<Item = Record>) -> Option<Run> {
    let mut run = None;
    for r in records {
        match (r.body, run.as_mut()) {
            (Body::RunStarted(start), _) => run = Some(started(r.run, r.time, start)),
            (body, Some(run)) => add(run, r.time, body),
            (_, None) => {}
        }
    }
    run
}

/// A run as its start record says, before anything else is known.
fn started(id: String, time: String, start: RunStarted) -> Run {
    Run {
        id,
        started: time,
        ended: None,
        status: RunStatus::Interrupted,
        start,
        states: Vec::new(),
        end: None,
        resolved: None,
        recorded_in: Vec::new(),
    }
}

/// A record after the start folded into its run.
fn add(run: &mut Run, time: String, body: Body) {
    match body {
        // Starts make runs: the callers' part.
        Body::RunStarted(_) => {}
        Body::HookState(s) => run.states.push((time, s)),
        Body::RunResolved(found) => run.resolved = Some(found),
        Body::RunEnded(end) => {
            run.status = if end.interrupted {
                RunStatus::Interrupted
            } else if end.helm_exit == 0
                // A local hook after Helm (postsync) that failed
                // fails the run, as apply's exit status says.
                && !end.hooks.iter().any(|h| h.phase == HookPhase::Failed)
            {
                RunStatus::Succeeded
            } else {
                RunStatus::Failed
            };
            run.ended = Some(time);
            run.end = Some(end);
        }
    }
}

/// What `history` keeps.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub release: Option<String>,
    pub hook: Option<String>,
    pub failed_only: bool,
    /// RFC 3339 lower bound on the start time.
    pub since: Option<String>,
}

/// The runs a filter keeps (the app walks runs one at a time instead).
#[cfg(test)]
pub fn filter_runs(runs: Vec<Run>, f: &HistoryFilter) -> Vec<Run> {
    runs.into_iter().filter(|r| f.keeps(r)).collect()
}

impl HistoryFilter {
    /// Whether `run` is one the filter keeps (`limit` aside).
    pub fn keeps(&self, r: &Run) -> bool {
        self.release
            .as_ref()
            .is_none_or(|rel| &r.start.release == rel)
            && self
                .since
                .as_ref()
                .is_none_or(|s| !time_before(&r.started, s))
            && self
                .hook
                .as_ref()
                .is_none_or(|h| r.outcomes().iter().any(|o| hook_matches(o, h)))
            && (!self.failed_only
                || r.status != RunStatus::Succeeded
                    && (self.hook.is_none()
                        || r.outcomes().iter().any(|o| {
                            self.hook.as_ref().is_some_and(|h| hook_matches(o, h))
                                && o.phase != HookPhase::Succeeded
                        })))
    }

    /// Whether it keeps runs by what they hold, not only by release.
    pub fn by_content(&self) -> bool {
        self.hook.is_some() || self.failed_only || self.since.is_some()
    }
}

/// `a < b` for two RFC 3339 times. Parsed, so that `…:00.5Z` and `…:00Z`
/// compare as times; unparsable ones (hand edits) compare as text.
fn time_before(a: &str, b: &str) -> bool {
    match (super::time::parse_rfc3339(a), super::time::parse_rfc3339(b)) {
        (Some(a), Some(b)) => a < b,
        _ => a < b,
    }
}

/// `--hook` names a hook by name (`migrate`) or kind and name (`Job/migrate`).
fn hook_matches(o: &HookOutcome, wanted: &str) -> bool {
    o.name == wanted
        || wanted
            .split_once('/')
            .is_some_and(|(k, n)| k.eq_ignore_ascii_case(&o.kind) && n == o.name)
}

/// Why `history` cannot do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("--since {input:?} is neither a duration nor a date")]
    BadSince { input: String },
    #[error("no run {id:?} in the audit log ({runs} runs recorded)")]
    UnknownRun { id: String, runs: usize },
    /// `candidates`: the newest few of the `count` ids.
    #[error("run {id:?} is ambiguous: {count} run ids start with it ({})", preview(candidates, *count))]
    AmbiguousRun {
        id: String,
        count: usize,
        candidates: Vec<String>,
    },
    #[error("-o markdown shows one run, and no --run was given")]
    MarkdownNeedsRun,
}

/// The first few ids, so an error stays one readable line.
fn preview(ids: &[String], count: usize) -> String {
    const SHOWN: usize = 3;
    let mut text = ids[..ids.len().min(SHOWN)].join(", ");
    if count > SHOWN {
        text.push_str(", …");
    }
    text
}

/// `--since`: a duration back from `now` (`2d`, `3h 30m`), a day
/// (`2026-01-31`, midnight UTC) or an RFC 3339 time with any offset.
pub fn parse_since(input: &str, now: SystemTime) -> Result<SystemTime, HistoryError> {
    let s = input.trim();
    let bad = || HistoryError::BadSince {
        input: input.to_string(),
    };
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(d) = humantime::parse_duration(s) {
        return Ok(now.checked_sub(d).unwrap_or(SystemTime::UNIX_EPOCH));
    }
    if s.len() == 10 {
        return humantime::parse_rfc3339(&format!("{s}T00:00:00Z")).map_err(|_| bad());
    }
    super::time::parse_rfc3339(s).ok_or_else(bad)
}

/// The run `id` names: the exact id, else the one id it is a prefix of.
/// (The app asks the log's index, which answers alike.)
#[cfg(test)]
pub fn find_run<'a>(runs: &'a [Run], id: &str) -> Result<&'a Run, HistoryError> {
    if let Some(r) = runs.iter().find(|r| r.id == id) {
        return Ok(r);
    }
    let matches: Vec<&Run> = if id.is_empty() {
        Vec::new()
    } else {
        runs.iter().filter(|r| r.id.starts_with(id)).collect()
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(HistoryError::UnknownRun {
            id: id.to_string(),
            runs: runs.len(),
        }),
        many => Err(HistoryError::AmbiguousRun {
            id: id.to_string(),
            count: many.len(),
            candidates: many.iter().map(|r| r.id.clone()).collect(),
        }),
    }
}

/// One hook's duration in a run against earlier runs of the same hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationComparison {
    pub event: String,
    pub kind: String,
    pub name: String,
    pub phase: HookPhase,
    pub duration_ms: Option<u64>,
    /// Earlier runs of the same release (and namespace) in which this hook
    /// succeeded with a known duration.
    pub earlier_successes: usize,
    pub median_ms: Option<u64>,
    /// `duration_ms - median_ms`.
    pub delta_ms: Option<i64>,
}

pub fn median(values: &mut [u64]) -> Option<u64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        // The mean of the two middle values, without overflow.
        _ => {
            let (a, b) = (values[n / 2 - 1], values[n / 2]);
            Some(a + (b - a) / 2)
        }
    }
}

/// Compares each hook of `runs[index]` with the same hook (kind and name)
/// in earlier runs of the same release and namespace. `runs` is newest
/// first, as `fold_runs` returns it, so "earlier" is "later in the list".
/// Only successful earlier durations count: a failure's duration says how
/// long it took to fail, not how long the hook takes.
#[cfg(test)]
pub fn compare_durations(runs: &[Run], index: usize) -> Vec<DurationComparison> {
    let run = &runs[index];
    let earlier: Vec<&Run> = runs[index + 1..].iter().collect();
    compare_with(run, &earlier)
}

/// As `compare_durations`, against `earlier` runs (any release; those
/// of the run's release and namespace count).
pub fn compare_with(run: &Run, earlier: &[&Run]) -> Vec<DurationComparison> {
    let earlier: Vec<&RunEnded> = earlier
        .iter()
        .filter(|r| {
            r.start.release == run.start.release && r.start.namespace == run.start.namespace
        })
        .filter_map(|r| r.end.as_ref())
        .collect();
    run.outcomes()
        .into_owned()
        .into_iter()
        .map(|o| {
            let mut past: Vec<u64> = earlier
                .iter()
                .flat_map(|e| e.hooks.iter())
                .filter(|p| p.kind == o.kind && p.name == o.name && p.phase == HookPhase::Succeeded)
                .filter_map(|p| p.duration_ms)
                .collect();
            let median_ms = median(&mut past);
            let delta_ms = match (o.duration_ms, median_ms) {
                (Some(d), Some(m)) => Some(d as i64 - m as i64),
                _ => None,
            };
            DurationComparison {
                event: o.event,
                kind: o.kind,
                name: o.name,
                phase: o.phase,
                duration_ms: o.duration_ms,
                earlier_successes: past.len(),
                median_ms,
                delta_ms,
            }
        })
        .collect()
}

/// What was last applied to a release: its newest run where Helm exited 0
/// that changed what is deployed (an install, upgrade or rollback; a test
/// changes nothing). After an uninstall, nothing is.
#[cfg(test)]
pub fn last_applied<'a>(runs: &'a [Run], release: &str, namespace: &str) -> Option<&'a Run> {
    runs.iter()
        .find(|r| changed_deployed(r, release, namespace))
        .filter(|r| r.start.operation != "uninstall")
}

/// The commit revision `revision` of a release was made from, as the run
/// that made it recorded: newest first, a run that ended at that revision
/// having succeeded (a test or uninstall acts on the revision as it is)
/// or having failed there after starting elsewhere (Helm's failed
/// revision is still the commit's). `None` when no run made it, or made
/// it from uncommitted files. Reading stops at the first older revision
/// of the release or its uninstall: runs older than those cannot have
/// made it (a reinstall starts again at revision 1).
pub fn revision_commit<R: std::borrow::Borrow<Run>>(
    runs: impl IntoIterator<Item = R>,
    release: &str,
    namespace: &str,
    revision: u64,
) -> Option<String> {
    for r in runs {
        let r = r.borrow();
        if r.start.release != release || r.start.namespace != namespace {
            continue;
        }
        let Some(end) = &r.end else { continue };
        let started_at = r.start.from_rev.as_deref().and_then(revision_number);
        if end.release_revision == Some(revision)
            && (end.helm_exit == 0
                || (end.release_status.as_deref() == Some("failed")
                    && started_at != Some(revision)))
        {
            return r.start.to_sha.clone();
        }
        let older = end.release_revision.is_some_and(|n| n < revision);
        let uninstalled = r.start.operation == "uninstall" && end.helm_exit == 0;
        if older || uninstalled {
            return None;
        }
    }
    None
}

/// `N` of a side recorded as `revision N` (what Helm stored, not a commit).
fn revision_number(spec: &str) -> Option<u64> {
    spec.strip_prefix("revision ")?.parse().ok()
}

/// The revisions whose commit `run` lacks: its sides recorded as
/// `revision N` without one (the description of revision N was Helm's
/// error or `Rollback to M`, or the run predates the lookup).
pub fn missing_revision_commits(run: &Run) -> (Option<u64>, Option<u64>) {
    let s = &run.start;
    let from = match (&s.from_sha, &s.from_rev) {
        (None, Some(rev)) => revision_number(rev),
        _ => None,
    };
    let to = match &s.to_sha {
        None => revision_number(&s.to_rev),
        _ => None,
    };
    (from, to)
}

/// Fills what [`missing_revision_commits`] names with `commit_of(N)`: the
/// commit of the older run that made revision N.
pub fn fill_revision_commit(run: &mut Run, mut commit_of: impl FnMut(u64) -> Option<String>) {
    let (from, to) = missing_revision_commits(run);
    if let Some(n) = from {
        run.start.from_sha = commit_of(n);
    }
    if let Some(n) = to {
        run.start.to_sha = commit_of(n);
    }
}

/// [`fill_revision_commit`] for each of `runs` (newest first), from the
/// older runs among them.
#[cfg(test)]
fn fill_revision_commits(runs: &mut [Run]) {
    for i in 0..runs.len() {
        let (head, older) = runs.split_at_mut(i + 1);
        let run = &mut head[i];
        let (release, namespace) = (run.start.release.clone(), run.start.namespace.clone());
        fill_revision_commit(run, |n| {
            revision_commit(older.iter(), &release, &namespace, n)
        });
    }
}

/// Whether `r` changed what is deployed of `release` in `namespace`: the
/// newest such run (newest first) is what `last_applied` looks at.
pub fn changed_deployed(r: &Run, release: &str, namespace: &str) -> bool {
    r.start.release == release
        && r.start.namespace == namespace
        && r.start.operation != "test"
        && r.end.as_ref().is_some_and(|e| e.helm_exit == 0)
}

/// Replaces every known secret value in `text` (values of the chart's
/// Secrets), so log tails and messages cannot carry them into the log.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "<redacted>");
        }
    }
    out
}

/// Whether `r`, a run of `release` in `namespace`, was interrupted before
/// it could record its end (the process was killed), is not yet resolved,
/// and its process `alive` says is gone.
pub fn is_unresolved(
    r: &Run,
    release: &str,
    namespace: &str,
    alive: &dyn Fn(&RunStarted) -> bool,
) -> bool {
    r.start.release == release
        && r.start.namespace == namespace
        && r.end.is_none()
        && r.resolved.is_none()
        && !alive(&r.start)
}

/// A hand-edited run whose commit id is not one: shown or compared from,
/// it would mislead (and once it could crash the reader).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("run {run} in the audit log names {field} {value:?}, which is not a commit id")]
pub struct BadCommitId {
    pub run: String,
    pub field: &'static str,
    pub value: String,
}

/// Every run's `fromSha`/`toSha` is a commit id (hex), when present.
pub fn check_commit_ids(runs: &[Run]) -> Result<(), BadCommitId> {
    let is_id = |s: &str| (4..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit());
    for r in runs {
        for (field, value) in [("fromSha", &r.start.from_sha), ("toSha", &r.start.to_sha)] {
            if let Some(v) = value.as_deref().filter(|v| !is_id(v)) {
                return Err(BadCommitId {
                    run: r.id.clone(),
                    field,
                    value: v.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// A line the reader could not use, reported rather than failing.
#[derive(Debug, Clone, PartialEq)]
pub struct DamagedLine {
    pub line: usize,
    pub reason: String,
}

/// A record of the current schema, for tests.
#[cfg(test)]
pub fn test_record(run: &str, time: &str, body: Body) -> Record {
    Record {
        schema: AUDIT_SCHEMA,
        run: run.into(),
        time: time.into(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::test_record as rec;
    use super::*;

    fn start(release: &str, hooks: &[&str]) -> Body {
        Body::RunStarted(RunStarted {
            release: release.into(),
            timeline: hooks
                .iter()
                .enumerate()
                .map(|(i, n)| PlannedHook {
                    position: i + 1,
                    event: "pre-upgrade".into(),
                    kind: "Job".into(),
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
    }

    #[test]
    fn a_failed_hook_after_helm_fails_the_run() {
        let start = || {
            Body::RunStarted(RunStarted {
                release: "web".into(),
                ..Default::default()
            })
        };
        let end = Body::RunEnded(RunEnded {
            helm_exit: 0,
            hooks: vec![HookOutcome {
                event: "postsync".into(),
                kind: "LocalHook".into(),
                phase: HookPhase::Failed,
                ..Default::default()
            }],
            ..Default::default()
        });
        let rec = |body| Record {
            schema: AUDIT_SCHEMA,
            run: "r".into(),
            time: "2026-01-01T00:00:00Z".into(),
            body,
        };
        let runs = fold_runs([rec(start()), rec(end)]);
        assert_eq!(runs[0].status, RunStatus::Failed);
    }

    #[test]
    fn a_run_without_an_end_reads_as_interrupted_with_its_last_states() {
        let runs = fold_runs([
            rec(
                "a",
                "2026-01-01T00:00:00Z",
                start("web", &["migrate", "seed"]),
            ),
            rec(
                "a",
                "2026-01-01T00:00:01Z",
                Body::HookState(HookState {
                    kind: "Job".into(),
                    name: "migrate".into(),
                    state: "running".into(),
                    detail: None,
                }),
            ),
        ]);
        assert_eq!(runs[0].status, RunStatus::Interrupted);
        let o = runs[0].outcomes();
        assert_eq!(o[0].phase, HookPhase::Interrupted("running".into()));
        assert_eq!(o[0].phase.to_string(), "running (interrupted)");
        assert_eq!(o[1].phase, HookPhase::NotRun);
        // For machines the phase is one word of an enum; the state apart.
        let json = serde_json::to_value(&o[0]).unwrap();
        assert_eq!(json["phase"], "Interrupted");
        assert_eq!(json["lastState"], "running");
        assert!(
            serde_json::to_value(&o[1])
                .unwrap()
                .get("lastState")
                .is_none()
        );
    }

    #[test]
    fn runs_are_newest_first_and_filtered() {
        let end = |exit| {
            Body::RunEnded(RunEnded {
                helm_exit: exit,
                hooks: vec![HookOutcome {
                    name: "migrate".into(),
                    phase: if exit == 0 {
                        HookPhase::Succeeded
                    } else {
                        HookPhase::Failed
                    },
                    ..Default::default()
                }],
                ..Default::default()
            })
        };
        let runs = fold_runs([
            rec("a", "2026-01-01T00:00:00Z", start("web", &["migrate"])),
            rec("b", "2026-01-02T00:00:00Z", start("api", &["migrate"])),
            rec("a", "2026-01-01T00:01:00Z", end(0)),
            rec("b", "2026-01-02T00:01:00Z", end(1)),
            rec("c", "2026-01-03T00:00:00Z", start("web", &["other"])),
        ]);
        let ids: Vec<_> = runs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
        let f = |f: HistoryFilter| {
            filter_runs(runs.clone(), &f)
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            f(HistoryFilter {
                release: Some("web".into()),
                ..Default::default()
            }),
            ["c", "a"]
        );
        assert_eq!(
            f(HistoryFilter {
                failed_only: true,
                ..Default::default()
            }),
            ["c", "b"]
        );
        assert_eq!(
            f(HistoryFilter {
                hook: Some("migrate".into()),
                failed_only: true,
                ..Default::default()
            }),
            ["b"]
        );
        assert_eq!(
            f(HistoryFilter {
                since: Some("2026-01-02T00:00:00Z".into()),
                ..Default::default()
            }),
            ["c", "b"]
        );
    }

    #[test]
    fn scrub_removes_secret_values() {
        assert_eq!(
            scrub("connecting with s3cr3t!", &["s3cr3t".into()]),
            "connecting with <redacted>!"
        );
    }

    #[test]
    fn lines_as_written_read_as_the_general_reading_reads_them() {
        let mut started = match start("web", &["migrate"]) {
            Body::RunStarted(s) => s,
            _ => unreachable!(),
        };
        started.args = vec!["--set".into(), "a=\"run\":1".into()];
        let bodies = [
            Body::RunStarted(started),
            Body::HookState(HookState {
                kind: "Job".into(),
                name: "migrate".into(),
                state: "running".into(),
                detail: Some("pod \u{1b}[31m".into()),
            }),
            Body::RunEnded(RunEnded {
                helm_exit: 1,
                ..Default::default()
            }),
            Body::RunResolved(RunResolved::default()),
        ];
        for body in bodies {
            let line = serde_json::to_vec(&rec("a", "2026-01-01T00:00:00Z", body)).unwrap();
            let general: Record = serde_json::from_slice(&line).unwrap();
            assert_eq!(parse_line(&line).unwrap(), general);
        }
        // What the writer never writes is read the general way, or refused.
        for (line, fast) in [
            (&br#"{"schema":1,"run":"a","time":"t","type":"runResolved","releaseRevision":1,"releaseStatus":"x","foundBy":"b"}"#[..], true),
            (br#"{"run":"a","schema":1,"time":"t","type":"runResolved","releaseRevision":1,"releaseStatus":"x","foundBy":"b"}"#, false),
            (br#"{"schema":1,"run":"a\u0041","time":"t","type":"runResolved","releaseRevision":1,"releaseStatus":"x","foundBy":"b"}"#, false),
            (br#"{"schema":1,"run":"a","time":"t","type":"runResolved","releaseRevision":1,"releaseStatus":"x","foundBy":"b","run":"c"}"#, false),
            (br#"{"schema":01,"run":"a","time":"t","type":"runResolved","releaseRevision":1,"releaseStatus":"x","foundBy":"b"}"#, false),
            (br#"{"schema":2,"run":"a","time":"t","type":"runResolved","releaseRevision":1,"releaseStatus":"x","foundBy":"b"}"#, false),
        ] {
            assert_eq!(parse_as_written(line).is_some(), fast, "{}", String::from_utf8_lossy(line));
            let general = serde_json::from_slice::<Record>(line).ok().filter(|r| r.schema <= AUDIT_SCHEMA);
            assert_eq!(parse_line(line).ok(), general, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn records_round_trip_as_one_json_line() {
        let r = rec("a", "2026-01-01T00:00:00Z", start("web", &["x"]));
        let line = serde_json::to_string(&r).unwrap();
        assert!(!line.contains('\n'));
        assert!(line.contains("\"type\":\"runStarted\"") && line.contains("\"schema\":1"));
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), r);
    }

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn since_reads_durations_days_and_times_with_offsets() {
        let now = at("2026-03-10T12:00:00Z");
        assert_eq!(parse_since("2d", now).unwrap(), at("2026-03-08T12:00:00Z"));
        assert_eq!(
            parse_since("3h 30m", now).unwrap(),
            at("2026-03-10T08:30:00Z")
        );
        assert_eq!(
            parse_since("2026-03-01", now).unwrap(),
            at("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            parse_since("2026-03-01T10:00:00Z", now).unwrap(),
            at("2026-03-01T10:00:00Z")
        );
        assert_eq!(
            parse_since("2026-03-01T12:00:00+02:00", now).unwrap(),
            at("2026-03-01T10:00:00Z")
        );
        assert_eq!(
            parse_since("2026-03-01T12:00:00.5-01:30", now).unwrap(),
            at("2026-03-01T13:30:00.5Z")
        );
        assert_eq!(
            parse_since("2026-03-01T12:00:00.123456789Z", now).unwrap(),
            at("2026-03-01T12:00:00.123456789Z")
        );
        for bad in [
            "",
            "yesterday",
            "2d ago",
            "2026-13-01",
            "2026-03-01T12:00:00+2:00",
            "2026-03-01T12:00:00+99:00",
        ] {
            assert_eq!(
                parse_since(bad, now),
                Err(HistoryError::BadSince { input: bad.into() }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn since_compares_times_not_text() {
        let runs = fold_runs([
            rec("a", "2026-01-02T00:00:00.500Z", start("web", &[])),
            rec("b", "2026-01-01T23:59:59Z", start("web", &[])),
        ]);
        let kept = filter_runs(
            runs,
            &HistoryFilter {
                since: Some("2026-01-02T00:00:00Z".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            kept.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
    }

    #[test]
    fn hook_filter_takes_a_name_or_kind_and_name() {
        let runs = fold_runs([rec("a", "2026-01-01T00:00:00Z", start("web", &["migrate"]))]);
        let ids = |h: &str| {
            filter_runs(
                runs.clone(),
                &HistoryFilter {
                    hook: Some(h.into()),
                    ..Default::default()
                },
            )
            .len()
        };
        assert_eq!(ids("migrate"), 1);
        assert_eq!(ids("Job/migrate"), 1);
        assert_eq!(ids("job/migrate"), 1);
        assert_eq!(ids("Pod/migrate"), 0);
        assert_eq!(ids("migr"), 0);
    }

    #[test]
    fn runs_are_found_by_id_or_unique_prefix() {
        let runs = fold_runs([
            rec("7f3a01", "2026-01-01T00:00:00Z", start("web", &[])),
            rec("7f3b02", "2026-01-02T00:00:00Z", start("web", &[])),
            rec("7f3b", "2026-01-03T00:00:00Z", start("web", &[])),
        ]);
        assert_eq!(find_run(&runs, "7f3a").unwrap().id, "7f3a01");
        // An exact id wins over being a prefix of another.
        assert_eq!(find_run(&runs, "7f3b").unwrap().id, "7f3b");
        assert_eq!(find_run(&runs, "7f3b0").unwrap().id, "7f3b02");
        assert_eq!(
            find_run(&runs, "7f3").map(|r| r.id.clone()),
            Err(HistoryError::AmbiguousRun {
                id: "7f3".into(),
                count: 3,
                candidates: vec!["7f3b".into(), "7f3b02".into(), "7f3a01".into()],
            })
        );
        let many: Vec<String> = (0..5).map(|i| format!("id{i}")).collect();
        let err = HistoryError::AmbiguousRun {
            id: "id".into(),
            count: many.len(),
            candidates: many,
        };
        assert_eq!(
            err.to_string(),
            "run \"id\" is ambiguous: 5 run ids start with it (id0, id1, id2, …)"
        );
        assert_eq!(
            find_run(&runs, "nope").map(|r| r.id.clone()),
            Err(HistoryError::UnknownRun {
                id: "nope".into(),
                runs: 3
            })
        );
        assert!(find_run(&runs, "").is_err());
    }

    fn ended(release: &str, hooks: &[(&str, &str, Option<u64>)]) -> Body {
        Body::RunEnded(RunEnded {
            hooks: hooks
                .iter()
                .map(|(name, phase, ms)| HookOutcome {
                    kind: "Job".into(),
                    name: name.to_string(),
                    phase: HookPhase::parse(phase),
                    duration_ms: *ms,
                    message: Some(release.into()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
    }

    #[test]
    fn durations_compare_with_the_median_of_earlier_successes() {
        let t = |d: u32| format!("2026-01-{d:02}T00:00:00Z");
        let runs = fold_runs([
            rec("1", &t(1), start("web", &["migrate"])),
            rec(
                "1",
                &t(1),
                ended("web", &[("migrate", "Succeeded", Some(10_000))]),
            ),
            rec("2", &t(2), start("web", &["migrate"])),
            rec(
                "2",
                &t(2),
                ended("web", &[("migrate", "Succeeded", Some(30_000))]),
            ),
            // A failure's duration does not count.
            rec("3", &t(3), start("web", &["migrate"])),
            rec(
                "3",
                &t(3),
                ended("web", &[("migrate", "Failed", Some(500))]),
            ),
            // Another release's hook of the same name does not count.
            rec("4", &t(4), start("api", &["migrate"])),
            rec(
                "4",
                &t(4),
                ended("api", &[("migrate", "Succeeded", Some(1))]),
            ),
            rec("5", &t(5), start("web", &["migrate", "seed"])),
            rec(
                "5",
                &t(5),
                ended(
                    "web",
                    &[
                        ("migrate", "Succeeded", Some(26_000)),
                        ("seed", "Succeeded", Some(3)),
                    ],
                ),
            ),
            // Later runs are not "earlier".
            rec("6", &t(6), start("web", &["migrate"])),
            rec(
                "6",
                &t(6),
                ended("web", &[("migrate", "Succeeded", Some(1))]),
            ),
        ]);
        let i = runs.iter().position(|r| r.id == "5").unwrap();
        let c = compare_durations(&runs, i);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "migrate");
        assert_eq!(c[0].earlier_successes, 2);
        assert_eq!(c[0].median_ms, Some(20_000));
        assert_eq!(c[0].delta_ms, Some(6_000));
        assert_eq!(c[1].name, "seed");
        assert_eq!(
            (c[1].earlier_successes, c[1].median_ms, c[1].delta_ms),
            (0, None, None)
        );
        // The oldest run has nothing to compare with.
        let oldest = compare_durations(&runs, runs.len() - 1);
        assert_eq!(oldest[0].median_ms, None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut [u64::MAX, u64::MAX]), Some(u64::MAX));
    }

    #[test]
    fn a_hook_that_never_succeeded_has_no_trend() {
        let t = |d: u32| format!("2026-01-{d:02}T00:00:00Z");
        let mut records = Vec::new();
        for d in 1..=3 {
            let id = d.to_string();
            records.push(rec(&id, &t(d), start("web", &["migrate"])));
            records.push(rec(
                &id,
                &t(d),
                ended("web", &[("migrate", "Failed", Some(500))]),
            ));
        }
        let stats = crate::core::stats::hook_stats(&fold_runs(records), None);
        assert_eq!((stats[0].runs, stats[0].failures), (3, 3));
        assert_eq!(stats[0].trend, "never succeeded");
    }

    #[test]
    fn a_revisions_commit_is_the_one_of_the_run_that_made_it() {
        let started = |from: Option<u64>, sha: &str| {
            Body::RunStarted(RunStarted {
                release: "web".into(),
                from_rev: from.map(|n| format!("revision {n}")),
                to_sha: Some(sha.into()),
                ..Default::default()
            })
        };
        let ended = |code, rev, status: &str| {
            Body::RunEnded(RunEnded {
                helm_exit: code,
                release_revision: Some(rev),
                release_status: Some(status.into()),
                ..Default::default()
            })
        };
        let runs = fold_runs([
            rec("install", "2026-01-01T00:00:00Z", started(None, "aaa")),
            rec("install", "2026-01-01T00:01:00Z", ended(0, 1, "deployed")),
            // Helm made revision 2 from bbb, and it failed there.
            rec("failed", "2026-01-02T00:00:00Z", started(Some(1), "bbb")),
            rec("failed", "2026-01-02T00:01:00Z", ended(1, 2, "failed")),
            // Helm failed before making a revision: 2 stays bbb's.
            rec("early", "2026-01-03T00:00:00Z", started(Some(2), "ccc")),
            rec("early", "2026-01-03T00:01:00Z", ended(1, 2, "failed")),
            // --atomic: revision 3 restores revision 2, not ddd.
            rec("atomic", "2026-01-04T00:00:00Z", started(Some(2), "ddd")),
            rec("atomic", "2026-01-04T00:01:00Z", ended(1, 3, "deployed")),
        ]);
        assert_eq!(revision_commit(&runs, "web", "", 1).as_deref(), Some("aaa"));
        assert_eq!(revision_commit(&runs, "web", "", 2).as_deref(), Some("bbb"));
        assert_eq!(revision_commit(&runs, "web", "", 3), None);
        assert_eq!(revision_commit(&runs, "other", "", 1), None);
        // A later run that started at revision 2 without knowing its
        // commit is told it; revision 3 stays unknown.
        let mut runs = fold_runs([
            rec("failed", "2026-01-02T00:00:00Z", started(Some(1), "bbb")),
            rec("failed", "2026-01-02T00:01:00Z", ended(1, 2, "failed")),
            rec("test", "2026-01-03T00:00:00Z", {
                let mut s = RunStarted {
                    release: "web".into(),
                    from_rev: Some("revision 2".into()),
                    to_rev: "revision 2".into(),
                    ..Default::default()
                };
                s.operation = "test".into();
                Body::RunStarted(s)
            }),
            rec("next", "2026-01-04T00:00:00Z", started(Some(3), "eee")),
        ]);
        runs.sort_by(|a, b| b.started.cmp(&a.started));
        fill_revision_commits(&mut runs);
        let test = runs.iter().find(|r| r.id == "test").unwrap();
        assert_eq!(test.start.from_sha.as_deref(), Some("bbb"));
        assert_eq!(test.start.to_sha.as_deref(), Some("bbb"));
        let next = runs.iter().find(|r| r.id == "next").unwrap();
        assert_eq!(next.start.from_sha, None);
    }

    #[test]
    fn last_applied_is_the_newest_run_helm_finished() {
        let exit = |code| {
            Body::RunEnded(RunEnded {
                helm_exit: code,
                ..Default::default()
            })
        };
        let start_ns = |release: &str, ns: &str| match start(release, &[]) {
            Body::RunStarted(mut s) => {
                s.namespace = ns.into();
                Body::RunStarted(s)
            }
            _ => unreachable!(),
        };
        let runs = fold_runs([
            rec("ok-old", "2026-01-01T00:00:00Z", start_ns("web", "prod")),
            rec("ok-old", "2026-01-01T00:01:00Z", exit(0)),
            rec("ok", "2026-01-02T00:00:00Z", start_ns("web", "prod")),
            rec("ok", "2026-01-02T00:01:00Z", exit(0)),
            rec("failed", "2026-01-03T00:00:00Z", start_ns("web", "prod")),
            rec("failed", "2026-01-03T00:01:00Z", exit(1)),
            rec("other-ns", "2026-01-04T00:00:00Z", start_ns("web", "dev")),
            rec("other-ns", "2026-01-04T00:01:00Z", exit(0)),
            rec(
                "interrupted",
                "2026-01-05T00:00:00Z",
                start_ns("web", "prod"),
            ),
        ]);
        assert_eq!(last_applied(&runs, "web", "prod").unwrap().id, "ok");
        assert_eq!(last_applied(&runs, "web", "dev").unwrap().id, "other-ns");
        assert!(last_applied(&runs, "api", "prod").is_none());
        // A test changes nothing deployed; an uninstall leaves nothing.
        let op = |id: &str, t: &str, operation: &str| match start_ns("web", "prod") {
            Body::RunStarted(mut s) => {
                s.operation = operation.into();
                rec(id, t, Body::RunStarted(s))
            }
            _ => unreachable!(),
        };
        let mut records = vec![
            rec("ok", "2026-01-02T00:00:00Z", start_ns("web", "prod")),
            rec("ok", "2026-01-02T00:01:00Z", exit(0)),
            op("tested", "2026-01-03T00:00:00Z", "test"),
            rec("tested", "2026-01-03T00:01:00Z", exit(0)),
        ];
        assert_eq!(
            last_applied(&fold_runs(records.clone()), "web", "prod")
                .unwrap()
                .id,
            "ok"
        );
        records.push(op("gone", "2026-01-04T00:00:00Z", "uninstall"));
        records.push(rec("gone", "2026-01-04T00:01:00Z", exit(0)));
        assert!(last_applied(&fold_runs(records.clone()), "web", "prod").is_none());
        records.push(op("back", "2026-01-05T00:00:00Z", "rollback"));
        records.push(rec("back", "2026-01-05T00:01:00Z", exit(0)));
        assert_eq!(
            last_applied(&fold_runs(records), "web", "prod").unwrap().id,
            "back"
        );
    }

    #[test]
    fn states_serialize_as_objects() {
        let runs = fold_runs([
            rec("a", "2026-01-01T00:00:00Z", start("web", &["migrate"])),
            rec(
                "a",
                "2026-01-01T00:00:01Z",
                Body::HookState(HookState {
                    kind: "Job".into(),
                    name: "migrate".into(),
                    state: "created".into(),
                    detail: None,
                }),
            ),
        ]);
        let v = serde_json::to_value(&runs[0]).unwrap();
        assert_eq!(
            v["states"][0],
            serde_json::json!({"time": "2026-01-01T00:00:01Z", "kind": "Job", "name": "migrate", "state": "created"})
        );
        assert_eq!(v["status"], "interrupted");
    }
}
