//! Following hooks as they run: observations of cluster objects in, state
//! transitions per planned hook out. Pure: the caller supplies the clock.

use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    Waiting,
    Created,
    Running,
    Succeeded,
    Failed,
    Deleted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Waiting => "waiting",
            RunState::Created => "created",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Deleted => "deleted",
        }
    }
}

/// What an object's status says, already read from its kind's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectStatus {
    /// Exists; nothing more to say (most kinds).
    Present,
    /// A Job with active pods, or a Pod that is running (detail: pod phase).
    Running(String),
    Succeeded,
    /// With the reason (e.g. `BackoffLimitExceeded: Job has reached ...`).
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// An object was listed or changed. `initial`: part of the listing made
    /// before Helm started, so it is an older copy, not this run's object.
    Seen {
        kind: String,
        name: String,
        uid: String,
        initial: bool,
        status: ObjectStatus,
    },
    Gone {
        kind: String,
        name: String,
        uid: String,
    },
    /// A pod a Job hook owns: its phase and, once a container ended badly,
    /// the exit code and reason.
    JobPod {
        job: String,
        phase: String,
        failure: Option<(i32, String)>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracked {
    pub kind: String,
    pub name: String,
    pub event: String,
    pub waits: bool,
    pub state: RunState,
    pub detail: Option<String>,
    pub started_ms: Option<u64>,
    pub ended_ms: Option<u64>,
    /// The failing container's exit code, when a Job's pod ended badly.
    pub exit_code: Option<i32>,
    #[serde(skip)]
    uid: Option<String>,
}

impl Tracked {
    pub fn elapsed_ms(&self, now_ms: u64) -> Option<u64> {
        let start = self.started_ms?;
        Some(self.ended_ms.unwrap_or(now_ms).saturating_sub(start))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub index: usize,
    pub state: RunState,
    pub detail: Option<String>,
}

#[derive(Debug, Default)]
pub struct Tracker {
    pub hooks: Vec<Tracked>,
    old_uids: HashSet<String>,
}

impl Tracker {
    /// `planned`: (event, kind, name, waits) in timeline order. A hook that
    /// runs twice (repeated event) is tracked once per run.
    pub fn new(planned: impl IntoIterator<Item = (String, String, String, bool)>) -> Self {
        Self {
            hooks: planned
                .into_iter()
                .map(|(event, kind, name, waits)| Tracked {
                    kind,
                    name,
                    event,
                    waits,
                    state: RunState::Waiting,
                    detail: None,
                    started_ms: None,
                    ended_ms: None,
                    exit_code: None,
                    uid: None,
                })
                .collect(),
            old_uids: HashSet::new(),
        }
    }

    /// The tracked run an observation of (kind, name, uid) belongs to: the
    /// one already bound to the uid, else the first still waiting.
    fn slot(&self, kind: &str, name: &str, uid: &str) -> Option<usize> {
        let same = |t: &&Tracked| t.kind == kind && t.name == name;
        self.hooks
            .iter()
            .position(|t| same(&t) && t.uid.as_deref() == Some(uid))
            .or_else(|| {
                self.hooks
                    .iter()
                    .position(|t| same(&t) && t.state == RunState::Waiting)
            })
    }

    fn set(
        &mut self,
        i: usize,
        state: RunState,
        detail: Option<String>,
        now: u64,
        out: &mut Vec<Transition>,
    ) {
        let t = &mut self.hooks[i];
        if t.state == state && t.detail == detail {
            return;
        }
        if t.started_ms.is_none() {
            t.started_ms = Some(now);
        }
        if matches!(state, RunState::Succeeded | RunState::Failed)
            || (state == RunState::Created && !t.waits)
        {
            t.ended_ms.get_or_insert(now);
        }
        t.state = state;
        t.detail = detail.clone();
        out.push(Transition {
            index: i,
            state,
            detail,
        });
    }

    pub fn observe(&mut self, obs: Observation, now_ms: u64) -> Vec<Transition> {
        let mut out = Vec::new();
        match obs {
            Observation::Seen {
                kind,
                name,
                uid,
                initial,
                status,
            } => {
                if initial {
                    self.old_uids.insert(uid);
                    return out;
                }
                if self.old_uids.contains(&uid) {
                    return out;
                }
                let Some(i) = self.slot(&kind, &name, &uid) else {
                    return out;
                };
                if self.hooks[i].uid.is_none() {
                    self.hooks[i].uid = Some(uid);
                    self.set(i, RunState::Created, None, now_ms, &mut out);
                }
                let t = &self.hooks[i];
                if !t.waits
                    || matches!(
                        t.state,
                        RunState::Succeeded | RunState::Failed | RunState::Deleted
                    )
                {
                    return out;
                }
                match status {
                    ObjectStatus::Present => {}
                    // A Job's own "active" says less than its pod's phase.
                    ObjectStatus::Running(d)
                        if d.is_empty() && self.hooks[i].state == RunState::Running => {}
                    ObjectStatus::Running(d) => {
                        let detail = (!d.is_empty()).then_some(d);
                        self.set(i, RunState::Running, detail, now_ms, &mut out)
                    }
                    ObjectStatus::Succeeded => {
                        self.set(i, RunState::Succeeded, None, now_ms, &mut out)
                    }
                    ObjectStatus::Failed(reason) => {
                        // Keep the container's exit code learnt from its pod.
                        let detail = match &self.hooks[i].detail {
                            Some(d) if d.contains("exit code") => format!("{reason}; {d}"),
                            _ => reason,
                        };
                        self.set(i, RunState::Failed, Some(detail), now_ms, &mut out)
                    }
                }
            }
            Observation::Gone { kind, name, uid } => {
                if self.old_uids.contains(&uid) {
                    return out;
                }
                if let Some(i) = self.hooks.iter().position(|t| {
                    t.kind == kind && t.name == name && t.uid.as_deref() == Some(&uid)
                }) {
                    let detail = Some(format!("after {}", self.hooks[i].state.as_str()));
                    if self.hooks[i].state != RunState::Deleted {
                        self.hooks[i].ended_ms.get_or_insert(now_ms);
                        self.set(i, RunState::Deleted, detail, now_ms, &mut out);
                    }
                }
            }
            Observation::JobPod {
                job,
                phase,
                failure,
            } => {
                let Some(i) = self.hooks.iter().position(|t| {
                    t.kind == "Job"
                        && t.name == job
                        && t.uid.is_some()
                        && matches!(t.state, RunState::Created | RunState::Running)
                }) else {
                    return out;
                };
                let detail = match failure {
                    Some((code, reason)) => {
                        self.hooks[i].exit_code = Some(code);
                        format!("pod {phase}, exit code {code} ({reason})")
                    }
                    None => format!("pod {phase}"),
                };
                self.set(i, RunState::Running, Some(detail), now_ms, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(kind: &str, name: &str, uid: &str, initial: bool, status: ObjectStatus) -> Observation {
        Observation::Seen {
            kind: kind.into(),
            name: name.into(),
            uid: uid.into(),
            initial,
            status,
        }
    }

    fn tracker() -> Tracker {
        Tracker::new([
            (
                "pre-upgrade".into(),
                "ServiceAccount".into(),
                "sa".into(),
                false,
            ),
            ("pre-upgrade".into(), "Job".into(), "migrate".into(), true),
        ])
    }

    #[test]
    fn an_old_copy_is_ignored_and_the_new_one_followed_to_deletion() {
        let mut t = tracker();
        assert!(
            t.observe(
                seen("Job", "migrate", "old", true, ObjectStatus::Succeeded),
                0
            )
            .is_empty()
        );
        assert!(
            t.observe(
                Observation::Gone {
                    kind: "Job".into(),
                    name: "migrate".into(),
                    uid: "old".into()
                },
                1
            )
            .is_empty()
        );
        let tr = t.observe(
            seen("Job", "migrate", "new", false, ObjectStatus::Present),
            10,
        );
        assert_eq!(tr[0].state, RunState::Created);
        t.observe(
            Observation::JobPod {
                job: "migrate".into(),
                phase: "Running".into(),
                failure: None,
            },
            20,
        );
        assert_eq!(t.hooks[1].state, RunState::Running);
        t.observe(
            seen("Job", "migrate", "new", false, ObjectStatus::Succeeded),
            110,
        );
        assert_eq!(t.hooks[1].state, RunState::Succeeded);
        assert_eq!(t.hooks[1].elapsed_ms(999), Some(100));
        let tr = t.observe(
            Observation::Gone {
                kind: "Job".into(),
                name: "migrate".into(),
                uid: "new".into(),
            },
            120,
        );
        assert_eq!(tr[0].state, RunState::Deleted);
        assert_eq!(tr[0].detail.as_deref(), Some("after succeeded"));
    }

    #[test]
    fn failures_keep_the_pods_exit_code() {
        let mut t = tracker();
        t.observe(seen("Job", "migrate", "u", false, ObjectStatus::Present), 0);
        t.observe(
            Observation::JobPod {
                job: "migrate".into(),
                phase: "Failed".into(),
                failure: Some((3, "Error".into())),
            },
            5,
        );
        t.observe(
            seen(
                "Job",
                "migrate",
                "u",
                false,
                ObjectStatus::Failed("BackoffLimitExceeded".into()),
            ),
            9,
        );
        assert_eq!(t.hooks[1].state, RunState::Failed);
        assert_eq!(
            t.hooks[1].detail.as_deref(),
            Some("BackoffLimitExceeded; pod Failed, exit code 3 (Error)")
        );
    }

    #[test]
    fn kinds_helm_does_not_wait_on_are_done_once_created() {
        let mut t = tracker();
        t.observe(
            seen("ServiceAccount", "sa", "s", false, ObjectStatus::Present),
            4,
        );
        assert_eq!(t.hooks[0].state, RunState::Created);
        assert_eq!(t.hooks[0].elapsed_ms(100), Some(0));
        assert_eq!(t.hooks[1].state, RunState::Waiting);
    }

    #[test]
    fn a_hook_that_runs_twice_binds_each_run_to_its_own_object() {
        let mut t = Tracker::new([
            ("test".into(), "Pod".into(), "t".into(), true),
            ("test".into(), "Pod".into(), "t".into(), true),
        ]);
        t.observe(seen("Pod", "t", "one", false, ObjectStatus::Succeeded), 1);
        t.observe(
            seen(
                "Pod",
                "t",
                "two",
                false,
                ObjectStatus::Running("Running".into()),
            ),
            2,
        );
        assert_eq!(t.hooks[0].state, RunState::Succeeded);
        assert_eq!(t.hooks[1].state, RunState::Running);
    }
}
