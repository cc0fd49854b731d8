//! What each hook of the run did: Helm's `last_run` where it has one, what
//! was watched for the rest, and whether the object is still there.

use super::Prepared;
use super::monitor::Monitor;
use super::watch::Watching;
use crate::adapters::kube;
use crate::adapters::release::{self, LastRun};
use crate::app::workspace::Workspace;
use crate::core::audit::{FailureBranch, HookOutcome, HookPhase, scrub};
use crate::core::local::{LOCAL_HOOK_KIND, LocalHook};
use crate::core::plan::{OperationPlan, PlanRow};
use crate::core::time::{millis_between, parse_rfc3339};
use crate::core::timeline::{HookStep, LocalStep};
use crate::core::tracker::{RunState, Tracked};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

type Key = (String, String);

/// What the run knows at its end, for the chart's hooks.
pub struct Evidence<'a> {
    pub steps: &'a [HookStep],
    pub tracked: &'a [Tracked],
    /// Helm's `last_run` per hook (kind, name), when Helm ran.
    pub last_runs: &'a HashMap<Key, LastRun>,
    /// Whether each hook object was still in the cluster at the end.
    pub present: &'a HashMap<Key, bool>,
    pub tails: &'a HashMap<Key, VecDeque<String>>,
    pub secrets: &'a [String],
    /// When the run began (the tracker's times count from there).
    pub run_start: SystemTime,
    pub now_ms: u64,
    /// Helm's error line: it names a hook it could not build or create
    /// (`... for pre-install hook app/templates/x.yaml: ...`).
    pub helm_error: Option<&'a str>,
}

/// Whether Helm's `last_run` is of this run: started after it began (Helm
/// runs on this machine, so one clock; a second of slack). After an
/// `--atomic` rollback, or when Helm failed before any hook, `helm status`
/// shows an older revision's record.
fn of_this_run(l: &LastRun, run_start: SystemTime) -> bool {
    l.started_at
        .as_deref()
        .and_then(parse_rfc3339)
        .is_some_and(|t| t + Duration::from_secs(1) >= run_start)
}

/// Whether Helm's `last_run` began after `run_start`, with no slack: for
/// a hook the plan lacked, an older run must never pass for this one.
fn started_after(l: &LastRun, run_start: SystemTime) -> bool {
    l.started_at
        .as_deref()
        .and_then(parse_rfc3339)
        .is_some_and(|t| t >= run_start)
}

/// One outcome per hook run, in timeline order. What this run watched
/// wins; Helm's `last_run` fills in only when it is of this run, and then
/// for the hook's last run of the operation (Helm keeps one per hook: a
/// `pre-install,post-install` hook's is the post- run's). A hook this run
/// never saw is `NotRun`.
pub fn chart_outcomes(e: &Evidence<'_>) -> Vec<HookOutcome> {
    let last_index: HashMap<(&str, &str), usize> = e
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.kind.as_str(), s.name.as_str()), i))
        .collect();
    e.steps
        .iter()
        .zip(e.tracked)
        .enumerate()
        .map(|(i, (step, tracked))| {
            let key = (step.kind.clone(), step.name.clone());
            let last = e
                .last_runs
                .get(&key)
                .filter(|_| last_index.get(&(step.kind.as_str(), step.name.as_str())) == Some(&i))
                .filter(|l| of_this_run(l, e.run_start));
            let watched = match tracked.state {
                RunState::Succeeded | RunState::Deleted => Some(HookPhase::Succeeded),
                RunState::Created if !tracked.waits => Some(HookPhase::Succeeded),
                RunState::Failed => Some(HookPhase::Failed),
                _ => None,
            };
            let helms = last
                .and_then(|l| l.phase.as_deref())
                .map(HookPhase::parse)
                .filter(|p| *p != HookPhase::Unknown);
            // Never created because Helm could not build it (an invalid
            // object): failed, with Helm's reason.
            let helm_says = e.helm_error.filter(|err| {
                tracked.state == RunState::Waiting && err.contains(&format!("hook {}", step.path))
            });
            let phase = match (watched, helms, tracked.state) {
                (Some(p), _, _) => p,
                // The watch may end before the failure reaches it (Helm
                // exits as soon as it has seen it); Helm's error names it.
                (None, _, _) if helm_names_failed(e.helm_error, step) => HookPhase::Failed,
                (None, Some(p), _) => p,
                (None, None, _) if helm_says.is_some() => HookPhase::Failed,
                (None, None, RunState::Waiting) => HookPhase::NotRun,
                (None, None, _) => HookPhase::Unknown,
            };
            let at = |ms: Option<u64>| {
                ms.map(|ms| {
                    humantime::format_rfc3339_millis(e.run_start + Duration::from_millis(ms))
                        .to_string()
                })
            };
            // Helm's own times when its record is of this run; else those
            // this run watched.
            let (started_at, completed_at) = match last {
                Some(l) => (l.started_at.clone(), l.completed_at.clone()),
                None => (at(tracked.started_ms), at(tracked.ended_ms)),
            };
            let duration_ms = last
                .and_then(|l| millis_between(l.started_at.as_deref()?, l.completed_at.as_deref()?))
                .or_else(|| tracked.elapsed_ms(e.now_ms));
            HookOutcome {
                event: step.event.to_string(),
                kind: step.kind.clone(),
                name: step.name.clone(),
                weight: step.weight,
                started_at,
                completed_at,
                duration_ms,
                message: (phase == HookPhase::Failed)
                    .then(|| tracked.detail.clone().or(helm_says.map(str::to_string)))
                    .flatten()
                    .map(|m| scrub(&m, e.secrets)),
                log_tail: e
                    .tails
                    .get(&key)
                    .map(|t| t.iter().cloned().collect())
                    .unwrap_or_default(),
                left_in_cluster: e
                    .present
                    .get(&key)
                    .copied()
                    .filter(|_| phase != HookPhase::NotRun),
                exit_code: tracked.exit_code.filter(|_| phase == HookPhase::Failed),
                phase,
                last_state: None,
                not_in_plan: false,
            }
        })
        .collect()
}

/// Whether Helm's error line says this hook failed: Helm 3 `* job NAME
/// failed: ...`, Helm 4 `resource Job/NS/NAME not ready. status: Failed`.
fn helm_names_failed(error: Option<&str>, step: &HookStep) -> bool {
    let Some(err) = error else {
        return false;
    };
    let v3 = format!("{} {} failed", step.kind.to_ascii_lowercase(), step.name);
    let v4 = format!("/{} not ready. status: Failed", step.name);
    err.contains(&v3) || (err.contains(&format!("resource {}/", step.kind)) && err.contains(&v4))
}

/// Chart and local outcomes in run order, as the timeline has them; a
/// local hook that never ran is `NotRun`.
pub fn in_run_order(
    plan: &OperationPlan,
    chart: Vec<HookOutcome>,
    local: Vec<(&LocalStep, Option<HookOutcome>)>,
    local_hooks: &[LocalHook],
) -> Vec<HookOutcome> {
    let mut chart = chart.into_iter();
    let mut local = local.into_iter();
    plan.rows()
        .into_iter()
        .filter_map(|row| match row {
            PlanRow::Hook(..) => chart.next(),
            PlanRow::Local(..) => local.next().map(|(step, o)| {
                o.unwrap_or_else(|| HookOutcome {
                    event: step.event.to_string(),
                    kind: LOCAL_HOOK_KIND.into(),
                    name: local_hooks[step.hook].label(),
                    phase: HookPhase::NotRun,
                    ..Default::default()
                })
            }),
            PlanRow::Resources { .. } => None,
        })
        .collect()
}

/// What each hook did, from Helm's record, the watch and what is left.
/// Whether Helm ran, and its error line when it failed.
#[derive(Debug, Clone, Copy)]
pub struct HelmEnd<'a> {
    pub ran: bool,
    pub error: Option<&'a str>,
    /// Ctrl-C or SIGTERM: the cluster is read within `INTERRUPTED_READ`.
    pub interrupted: bool,
}

/// After an interrupt, the time the release's state and the hooks'
/// presence have each to be read: the record is written right after.
const INTERRUPTED_READ: Duration = Duration::from_millis(500);

pub async fn finish(
    ws: &Workspace,
    p: &Prepared,
    monitor: &Monitor<'_>,
    watching: Option<Watching>,
    helm: HelmEnd<'_>,
    local_steps: &[LocalStep],
    local_outcomes: Vec<Option<HookOutcome>>,
) -> (Vec<HookOutcome>, Option<release::Release>) {
    // `helm status` is a process: waited for off the runtime's workers, so
    // the watchers go on meanwhile.
    let after = match (helm.interrupted, ws.helm()) {
        (true, Ok(h)) => {
            release::status_within(&h, &p.release, &p.namespace, INTERRUPTED_READ).await
        }
        (false, Ok(h)) => tokio::task::block_in_place(|| {
            release::status(&h, &p.release, &p.namespace).ok().flatten()
        }),
        (_, Err(_)) => None,
    };
    // After an --atomic rollback, Helm's status is of the revision it
    // restored: its records are of an older run, never of this one.
    let last_runs: HashMap<(String, String), release::LastRun> = after
        .as_ref()
        .filter(|_| helm.ran)
        .filter(|r| !r.info.description.starts_with("Rollback to"))
        .map(|r| {
            r.hooks
                .iter()
                .map(|h| ((h.kind.clone(), h.name.clone()), h.last_run.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut present = HashMap::new();
    if let Some(w) = &watching {
        for t in &w.tasks {
            t.abort();
        }
        let objects: Vec<(String, String, String)> = p
            .to_hooks
            .iter()
            .map(|h| {
                let api = h.document["apiVersion"].as_str().unwrap_or("v1");
                (api.to_string(), h.kind.clone(), h.name.clone())
            })
            .collect();
        let asked = kube::still_there(&w.cluster.client, &p.namespace, &objects);
        present = match helm.interrupted {
            // Unknown ("?") rather than a wait.
            true => tokio::time::timeout(INTERRUPTED_READ, asked)
                .await
                .unwrap_or_default(),
            false => asked.await,
        };
    }
    let chart = chart_outcomes(&Evidence {
        steps: &monitor.hook_steps,
        tracked: &monitor.tracker.hooks,
        last_runs: &last_runs,
        present: &present,
        tails: &monitor.tails,
        secrets: &p.secrets,
        run_start: monitor.started,
        now_ms: monitor.now_ms(),
        helm_error: helm.error,
    });
    let local = local_steps.iter().zip(local_outcomes).collect();
    let mut outcomes = in_run_order(&p.op_plan, chart, local, &p.local_hooks);
    // Only an apply's plan can miss a hook: the other operations plan
    // the very hooks Helm stored (and `test --filter` leaves some out).
    if helm.ran
        && matches!(p.action, super::Action::Upgrade { .. })
        && let Some(after) = &after
    {
        outcomes.extend(unplanned(after, &monitor.hook_steps, p, monitor.started));
    }
    (outcomes, after)
}

/// The plan's failure branch as the run ended: taken when Helm failed and
/// then rolled back (the release's latest revision is the rollback Helm
/// made) or uninstalled (no release left); each hook's phase is Helm's
/// record when it is of this run.
pub fn failure_branch_taken(
    p: &Prepared,
    helm_exit: i32,
    after: Option<&release::Release>,
    run_start: SystemTime,
) -> Option<FailureBranch> {
    let mut branch = p.failure_branch.clone()?;
    branch.taken = helm_exit != 0
        && match branch.action.as_str() {
            "rollback" => after.is_some_and(|r| r.info.description.starts_with("Rollback to")),
            _ => after.is_none_or(|r| r.info.status == "uninstalled"),
        };
    if !branch.taken {
        return Some(branch);
    }
    for h in &mut branch.hooks {
        let last = after.and_then(|r| {
            r.hooks
                .iter()
                .find(|s| s.kind == h.kind && s.name == h.name)
                .map(|s| &s.last_run)
                .filter(|l| started_after(l, run_start))
        });
        h.phase = match last.and_then(|l| l.phase.as_deref()) {
            Some(phase) => HookPhase::parse(phase),
            None => HookPhase::Unknown,
        };
        if let Some(l) = last {
            h.started_at = l.started_at.clone();
            h.completed_at = l.completed_at.clone();
            h.duration_ms = millis_between(
                l.started_at.as_deref().unwrap_or_default(),
                l.completed_at.as_deref().unwrap_or_default(),
            );
        }
    }
    Some(branch)
}

/// The hooks Helm ran in this run that the plan did not have: the record
/// is the truth even when the plan was wrong. From Helm's own record of
/// the operation's events, in Helm's order (event, then weight and name).
fn unplanned(
    after: &release::Release,
    steps: &[HookStep],
    p: &Prepared,
    run_start: SystemTime,
) -> Vec<HookOutcome> {
    let (pre, post) = p.operation.events();
    let mut out = Vec::new();
    for event in pre.iter().chain(post) {
        let event = event.to_string();
        let mut at: Vec<&release::StoredHook> = after
            .hooks
            .iter()
            .filter(|h| h.events.contains(&event) && started_after(&h.last_run, run_start))
            .filter(|h| !steps.iter().any(|s| s.kind == h.kind && s.name == h.name))
            .collect();
        at.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.name.cmp(&b.name)));
        out.extend(at.into_iter().map(|h| {
            HookOutcome {
                event: event.clone(),
                kind: h.kind.clone(),
                name: h.name.clone(),
                weight: h.weight,
                phase: h
                    .last_run
                    .phase
                    .as_deref()
                    .map_or(HookPhase::Unknown, HookPhase::parse),
                started_at: h.last_run.started_at.clone(),
                completed_at: h.last_run.completed_at.clone(),
                duration_ms: millis_between(
                    h.last_run.started_at.as_deref().unwrap_or_default(),
                    h.last_run.completed_at.as_deref().unwrap_or_default(),
                ),
                not_in_plan: true,
                ..Default::default()
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::tracker::{ObjectStatus, Observation, Tracker};

    fn steps() -> Vec<HookStep> {
        use crate::core::helm::HelmVersion;
        use crate::core::hook::parse_rendered;
        let stream = "---\n# Source: a/templates/j.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,post-install\n---\n# Source: a/templates/s.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: never\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: \"9\"\n";
        let r = parse_rendered(stream).unwrap();
        crate::core::timeline::timeline(
            crate::core::timeline::Operation::Install,
            &r.hooks,
            0,
            HelmVersion::parse("v4.1.4").unwrap(),
            &[],
        )
        .hooks()
        .cloned()
        .collect()
    }

    #[test]
    fn helms_error_line_names_the_hook_that_failed_in_either_major() {
        let job = &steps()[0];
        let v3 = "UPGRADE FAILED: release web failed, and has been rolled back due to atomic being set: pre-upgrade hooks failed: 1 error occurred: * job migrate failed: BackoffLimitExceeded";
        let v4 =
            "resource Job/shop/migrate not ready. status: Failed, message: Job Failed. failed: 1/1";
        assert!(helm_names_failed(Some(v3), job));
        assert!(helm_names_failed(Some(v4), job));
        assert!(!helm_names_failed(Some("* job migrate-2 failed: x"), job));
        assert!(!helm_names_failed(
            Some("resource Job/shop/other not ready. status: Failed"),
            job
        ));
        assert!(!helm_names_failed(None, job));
    }

    #[test]
    fn what_this_run_watched_wins_and_helms_record_counts_only_when_of_this_run() {
        let steps = steps();
        let mut tracker = Tracker::new(
            steps
                .iter()
                .map(|h| (h.event.to_string(), h.kind.clone(), h.name.clone(), h.waits)),
        );
        let seen = |uid: &str, status| Observation::Seen {
            kind: "Job".into(),
            name: "migrate".into(),
            uid: uid.into(),
            initial: false,
            status,
        };
        tracker.observe(seen("u1", ObjectStatus::Present), 10);
        tracker.observe(seen("u1", ObjectStatus::Succeeded), 500);
        tracker.observe(seen("u2", ObjectStatus::Present), 900);
        tracker.observe(
            seen(
                "u2",
                ObjectStatus::Failed("BackoffLimitExceeded, pw=hunter2".into()),
            ),
            1200,
        );
        let run_start = parse_rfc3339("2026-12-02T09:59:59Z").unwrap();
        let last_runs = HashMap::from([
            (
                ("Job".to_string(), "migrate".to_string()),
                LastRun {
                    started_at: Some("2026-12-02T10:00:00Z".into()),
                    completed_at: Some("2026-12-02T12:00:00.400+02:00".into()),
                    phase: Some("Succeeded".into()),
                },
            ),
            // An older revision's record (a rollback restored it).
            (
                ("ServiceAccount".to_string(), "never".to_string()),
                LastRun {
                    started_at: Some("2026-12-02T08:00:00Z".into()),
                    completed_at: Some("2026-12-02T08:00:01Z".into()),
                    phase: Some("Succeeded".into()),
                },
            ),
        ]);
        let present = HashMap::from([(("Job".to_string(), "migrate".to_string()), true)]);
        let tails = HashMap::new();
        let secrets = vec!["hunter2".to_string()];
        let out = chart_outcomes(&Evidence {
            steps: &steps,
            tracked: &tracker.hooks,
            last_runs: &last_runs,
            present: &present,
            tails: &tails,
            secrets: &secrets,
            run_start,
            now_ms: 2000,
            helm_error: None,
        });
        let phases: Vec<(&str, &HookPhase)> =
            out.iter().map(|o| (o.event.as_str(), &o.phase)).collect();
        assert_eq!(
            phases,
            [
                ("pre-install", &HookPhase::Succeeded),
                // Helm's record says Succeeded; the run watched it fail.
                ("post-install", &HookPhase::Failed),
                // Never seen; Helm's record is of an older run.
                ("post-install", &HookPhase::NotRun)
            ]
        );
        // Helm's one last_run is the hook's last run of the operation's.
        assert_eq!(
            out[1].duration_ms,
            Some(400),
            "Helm's times, offsets applied"
        );
        assert_eq!(out[1].started_at.as_deref(), Some("2026-12-02T10:00:00Z"));
        // The first run gets the times this run watched.
        assert_eq!(out[0].duration_ms, Some(490));
        assert_eq!(
            out[0].started_at.as_deref(),
            Some("2026-12-02T09:59:59.010Z")
        );
        assert_eq!(
            out[0].completed_at.as_deref(),
            Some("2026-12-02T09:59:59.500Z")
        );
        assert_eq!(
            out[1].message.as_deref(),
            Some("BackoffLimitExceeded, pw=<redacted>")
        );
        assert_eq!(out[2].left_in_cluster, None, "never ran: nothing to say");
        assert_eq!(out[2].started_at, None);
    }
}
