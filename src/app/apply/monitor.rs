//! Follows the cluster while Helm runs: each watch event goes through the
//! tracker, and every state change reaches the progress display and the
//! audit record.

use super::record::Recorder;
use super::{LOG_TAIL, Reporter};
use crate::adapters::kube::Feed;
use crate::core::audit::scrub;
use crate::core::timeline::{HookStep, Leftover, Step, Timeline};
use crate::core::tracker::{RunState, Tracker};
use std::collections::{HashMap, VecDeque};
use std::time::Instant;

/// The chart's resources between the pre- and post- hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourcesState {
    Waiting,
    Applying,
    Done,
}

pub struct Monitor<'a> {
    pub tracker: Tracker,
    /// The hook runs, in timeline order (the tracker's order).
    pub hook_steps: Vec<HookStep>,
    /// Row (timeline step) of each hook run.
    row_of_hook: Vec<usize>,
    resources_row: Option<usize>,
    /// Hook runs before the resources step.
    pre_count: usize,
    resources: ResourcesState,
    /// Last log lines per hook (kind, name), scrubbed.
    pub tails: HashMap<(String, String), VecDeque<String>>,
    lost_reported: bool,
    secrets: &'a [String],
    logs: bool,
    t0: Instant,
    /// The wall-clock time of `t0`.
    pub started: std::time::SystemTime,
    recorder: &'a Recorder<'a>,
}

impl<'a> Monitor<'a> {
    pub fn new(
        timeline: &Timeline,
        secrets: &'a [String],
        logs: bool,
        recorder: &'a Recorder<'a>,
    ) -> Self {
        let hook_steps: Vec<HookStep> = timeline.hooks().cloned().collect();
        let tracker = Tracker::new(
            hook_steps
                .iter()
                .map(|h| (h.event.to_string(), h.kind.clone(), h.name.clone(), h.waits)),
        );
        let mut row_of_hook = Vec::new();
        let mut resources_row = None;
        for (row, step) in timeline.steps.iter().enumerate() {
            match step {
                Step::Hook(_) => row_of_hook.push(row),
                Step::Resources { .. } => resources_row = Some(row),
                Step::Local(_) => {}
            }
        }
        let pre_count = timeline
            .steps
            .iter()
            .take_while(|s| !matches!(s, Step::Resources { .. }))
            .filter(|s| matches!(s, Step::Hook(_)))
            .count();
        Self {
            tracker,
            hook_steps,
            row_of_hook,
            resources_row,
            pre_count,
            resources: ResourcesState::Waiting,
            tails: HashMap::new(),
            lost_reported: false,
            secrets,
            logs,
            t0: Instant::now(),
            started: std::time::SystemTime::now(),
            recorder,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.t0.elapsed().as_millis() as u64
    }

    pub fn handle(&mut self, feed: Feed, reporter: &dyn Reporter) -> anyhow::Result<()> {
        match feed {
            Feed::Listed => {}
            Feed::Lost(msg) => {
                if !std::mem::replace(&mut self.lost_reported, true) {
                    reporter.warn(&format!("progress may be incomplete: {msg}"));
                }
            }
            Feed::Log(kind, name, line) => {
                let line = scrub(&line, self.secrets);
                if self.logs {
                    reporter.log(&format!("{kind}/{name}"), &line);
                }
                let tail = self.tails.entry((kind, name)).or_default();
                tail.push_back(line);
                if tail.len() > LOG_TAIL {
                    tail.pop_front();
                }
            }
            Feed::Observation(obs) => {
                let now = self.now_ms();
                for t in self.tracker.observe(obs, now) {
                    let tracked = &self.tracker.hooks[t.index];
                    let row = self.row_of_hook[t.index];
                    if t.state == RunState::Created {
                        reporter.started(row);
                    }
                    let done = matches!(
                        t.state,
                        RunState::Deleted | RunState::Failed | RunState::Succeeded
                    ) || (t.state == RunState::Created && !tracked.waits);
                    let detail = t.detail.as_deref().map(|d| scrub(d, self.secrets));
                    reporter.update(
                        row,
                        t.state.as_str(),
                        detail.as_deref(),
                        done,
                        tracked.elapsed_ms(now),
                    );
                    self.recorder.hook_state(
                        &tracked.kind,
                        &tracked.name,
                        t.state.as_str(),
                        detail,
                    )?;
                }
                self.follow_resources(reporter);
            }
        }
        Ok(())
    }

    /// The chart's resources apply once every pre- hook is done, and are
    /// done once a post- hook starts.
    fn follow_resources(&mut self, reporter: &dyn Reporter) {
        let Some(row) = self.resources_row else {
            return;
        };
        let hooks = &self.tracker.hooks;
        let pre_done = hooks[..self.pre_count].iter().all(|h| {
            matches!(h.state, RunState::Succeeded | RunState::Deleted)
                || (h.state == RunState::Created && !h.waits)
        });
        let post_started = hooks[self.pre_count..]
            .iter()
            .any(|h| h.state != RunState::Waiting);
        if post_started && self.resources != ResourcesState::Done {
            self.resources = ResourcesState::Done;
            reporter.update(row, "done", None, true, None);
        } else if pre_done && self.resources == ResourcesState::Waiting {
            self.resources = ResourcesState::Applying;
            reporter.started(row);
            reporter.update(row, "applying", None, false, None);
        }
    }

    /// Helm succeeded: its resources are in, whatever was seen.
    pub fn resources_applied(&mut self, reporter: &dyn Reporter) {
        if let Some(row) = self.resources_row
            && self.resources != ResourcesState::Done
        {
            self.resources = ResourcesState::Done;
            reporter.update(row, "done", None, true, None);
        }
    }

    /// Whether the end of a hook Helm waited on is still to be seen: Helm
    /// exits as soon as its own watch saw a hook fail, and ours may not
    /// have the event yet.
    pub fn awaiting_an_end(&self) -> bool {
        self.tracker
            .hooks
            .iter()
            .any(|t| t.waits && matches!(t.state, RunState::Created | RunState::Running))
    }

    /// Whether a deletion the plan predicts (by delete policy) is still to
    /// be seen: Helm deletes right after its last wait.
    pub fn awaiting_deletions(&self) -> bool {
        self.tracker
            .hooks
            .iter()
            .zip(&self.hook_steps)
            .any(|(t, step)| match t.state {
                RunState::Succeeded => step.after_success == Leftover::Deleted,
                RunState::Created if !t.waits => step.after_success == Leftover::Deleted,
                RunState::Failed => step.after_failure == Leftover::Deleted,
                _ => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::audit_store::AuditStore;
    use crate::core::audit::Body;
    use crate::core::tracker::{ObjectStatus, Observation};
    use std::cell::RefCell;

    /// Every call a reporter gets, as text.
    #[derive(Default)]
    struct Script(RefCell<Vec<String>>);

    impl Reporter for Script {
        fn started(&self, row: usize) {
            self.0.borrow_mut().push(format!("start {row}"));
        }
        fn update(
            &self,
            row: usize,
            state: &str,
            detail: Option<&str>,
            done: bool,
            _: Option<u64>,
        ) {
            let d = detail.map(|d| format!(" ({d})")).unwrap_or_default();
            let end = if done { " done" } else { "" };
            self.0.borrow_mut().push(format!("{row} {state}{d}{end}"));
        }
        fn log(&self, tag: &str, line: &str) {
            self.0.borrow_mut().push(format!("log {tag}: {line}"));
        }
        fn warn(&self, message: &str) {
            self.0.borrow_mut().push(format!("warn {message}"));
        }
        fn finish(&self) {}
    }

    fn timeline() -> Timeline {
        use crate::core::helm::HelmVersion;
        use crate::core::hook::parse_rendered;
        let stream = "---\n# Source: app/templates/j.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: hook-succeeded\n---\n# Source: app/templates/n.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: notify\n  annotations:\n    helm.sh/hook: post-upgrade\n";
        let rendered = parse_rendered(stream).unwrap();
        crate::core::timeline::timeline(
            crate::core::timeline::Operation::Upgrade,
            &rendered.hooks,
            3,
            HelmVersion::parse("v3.17.1").unwrap(),
            &[],
        )
    }

    fn seen(name: &str, uid: &str, status: ObjectStatus) -> Feed {
        Feed::Observation(Observation::Seen {
            kind: "Job".into(),
            name: name.into(),
            uid: uid.into(),
            initial: false,
            status,
        })
    }

    #[test]
    fn a_scripted_feed_drives_rows_records_and_resources() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore {
            path: dir.path().join("audit.jsonl"),
        };
        let recorder = Recorder::new(&store, "r1");
        let secrets = vec!["s3cret".to_string()];
        let tl = timeline();
        let mut m = Monitor::new(&tl, &secrets, true, &recorder);
        let script = Script::default();
        for feed in [
            seen("migrate", "u1", ObjectStatus::Present),
            Feed::Log("Job".into(), "migrate".into(), "password=s3cret".into()),
            seen("migrate", "u1", ObjectStatus::Succeeded),
        ] {
            m.handle(feed, &script).unwrap();
        }
        assert!(m.awaiting_deletions(), "hook-succeeded: a deletion is due");
        m.handle(
            Feed::Observation(Observation::Gone {
                kind: "Job".into(),
                name: "migrate".into(),
                uid: "u1".into(),
            }),
            &script,
        )
        .unwrap();
        assert!(!m.awaiting_deletions());
        m.handle(
            seen("notify", "u2", ObjectStatus::Running("Running".into())),
            &script,
        )
        .unwrap();
        let calls = script.0.borrow().clone();
        assert_eq!(
            calls,
            [
                "start 0",
                "0 created",
                "log Job/migrate: password=<redacted>",
                "0 succeeded done",
                "start 1",
                "1 applying",
                "0 deleted (after succeeded) done",
                "start 2",
                "2 created",
                "2 running (Running)",
                "1 done done",
            ],
            "{calls:#?}"
        );
        let (records, _) = store.read().unwrap();
        let states: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.body {
                Body::HookState(h) => Some(format!("{}:{}", h.name, h.state)),
                _ => None,
            })
            .collect();
        assert_eq!(
            states,
            [
                "migrate:created",
                "migrate:succeeded",
                "migrate:deleted",
                "notify:created",
                "notify:running"
            ]
        );
        assert_eq!(
            m.tails[&("Job".to_string(), "migrate".to_string())],
            ["password=<redacted>"]
        );
    }

    #[test]
    fn losing_the_watch_is_said_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore {
            path: dir.path().join("a.jsonl"),
        };
        let recorder = Recorder::new(&store, "r");
        let tl = timeline();
        let mut m = Monitor::new(&tl, &[], false, &recorder);
        let script = Script::default();
        for _ in 0..3 {
            m.handle(Feed::Lost("403 forbidden".into()), &script)
                .unwrap();
        }
        assert_eq!(
            *script.0.borrow(),
            ["warn progress may be incomplete: 403 forbidden"]
        );
    }
}
