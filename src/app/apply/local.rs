//! Local hooks (Helmfile-style, on this machine) as rows of the progress
//! display and records of the run.

use super::helm_process::Signals;
use super::record::{Recorder, now};
use super::{LOG_TAIL, Prepared, Reporter};
use crate::adapters::local_exec::{self, ExecResult};
use crate::core::audit::{HookOutcome, HookPhase, scrub};
use crate::core::local::{LOCAL_HOOK_KIND, LocalEvent, TemplateContext, expand};
use crate::core::timeline::{LocalStep, Step, Timeline};
use std::time::Duration;

pub fn is_before_helm(event: LocalEvent) -> bool {
    matches!(
        event,
        LocalEvent::Prepare | LocalEvent::Preapply | LocalEvent::Presync | LocalEvent::Preuninstall
    )
}

/// What one local hook run did.
pub struct LocalRun {
    pub outcome: HookOutcome,
    /// The line naming the hook, when it failed.
    pub failure: Option<String>,
    /// Stopped by Ctrl-C or SIGTERM.
    pub interrupted: bool,
}

pub struct LocalRunner<'a> {
    pub prepared: &'a Prepared,
    pub recorder: &'a Recorder<'a>,
    pub reporter: &'a dyn Reporter,
}

impl LocalRunner<'_> {
    /// Runs the hook of `step` on `row`; `error` is Helm's, for postsync.
    pub async fn run(
        &self,
        step: &LocalStep,
        row: usize,
        error: Option<&str>,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<LocalRun> {
        let p = self.prepared;
        let hook = &p.local_hooks[step.hook];
        let name = hook.label();
        let secrets = &p.secrets;
        let ctx = TemplateContext {
            release: &p.release,
            namespace: &p.namespace,
            event: step.event,
            error,
        };
        let started_at = now();
        self.reporter.started(row);
        self.reporter.update(row, "running", None, false, None);
        self.recorder
            .hook_state(LOCAL_HOOK_KIND, &name, "running", None)?;
        let result = match expand(hook, &ctx) {
            // Checked when read; kept as a failure rather than a panic.
            Err(e) => ExecResult {
                exit_code: None,
                failure: Some(e.to_string()),
                duration: Duration::ZERO,
                tail: Vec::new(),
                interrupted: false,
            },
            Ok((command, args)) => {
                let tag = format!("{} {}", step.event, hook.command);
                local_exec::run(
                    &command,
                    &args,
                    &p.local_dirs[step.hook],
                    p.local_timeout,
                    LOG_TAIL,
                    |line| {
                        if hook.showlogs {
                            self.reporter.log(&tag, &scrub(line, secrets));
                        }
                    },
                    stop,
                )
                .await
            }
        };
        let failure = result.failure.as_deref().map(|f| scrub(f, secrets));
        let ms = result.duration.as_millis() as u64;
        let (state, phase) = match failure {
            Some(_) => ("failed", HookPhase::Failed),
            None => ("succeeded", HookPhase::Succeeded),
        };
        self.reporter
            .update(row, state, failure.as_deref(), true, Some(ms));
        self.recorder
            .hook_state(LOCAL_HOOK_KIND, &name, state, failure.clone())?;
        let line = failure.as_ref().map(|f| {
            format!(
                "local {} hook `{name}` ({}) failed: {f}",
                step.event, hook.source
            )
        });
        Ok(LocalRun {
            outcome: HookOutcome {
                event: step.event.to_string(),
                kind: LOCAL_HOOK_KIND.into(),
                name,
                weight: 0,
                phase,
                started_at: Some(started_at),
                completed_at: Some(now()),
                duration_ms: Some(ms),
                message: failure,
                log_tail: result.tail.iter().map(|l| scrub(l, secrets)).collect(),
                left_in_cluster: None,
                exit_code: result.exit_code,
                last_state: None,
                not_in_plan: false,
            },
            failure: line,
            interrupted: result.interrupted,
        })
    }
}

/// Local hooks of `step`s that pass `runs`, each recorded in `outcomes`.
pub struct LocalPhase<'a> {
    pub steps: &'a [LocalStep],
    pub rows: &'a [usize],
    pub outcomes: Vec<Option<HookOutcome>>,
}

impl LocalPhase<'_> {
    /// The progress row (timeline step) of each local hook run.
    pub fn rows(timeline: &Timeline) -> Vec<usize> {
        timeline
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Step::Local(_)))
            .map(|(row, _)| row)
            .collect()
    }

    /// Runs the steps `runs` selects; returns the first failure line.
    pub async fn run(
        &mut self,
        runner: &LocalRunner<'_>,
        signals: &mut Signals,
        interrupted: &mut bool,
        runs: impl Fn(LocalEvent) -> bool,
        helm_error: Option<&str>,
        stop_on_failure: bool,
    ) -> anyhow::Result<Option<String>> {
        let mut failure = None;
        for (k, step) in self.steps.iter().enumerate() {
            if !runs(step.event) || (stop_on_failure && (failure.is_some() || *interrupted)) {
                continue;
            }
            let error = (step.event == LocalEvent::Postsync)
                .then_some(helm_error)
                .flatten();
            let stop = async {
                signals.next().await;
            };
            let done = runner.run(step, self.rows[k], error, stop).await?;
            if done.interrupted {
                runner.reporter.interrupted();
            }
            *interrupted |= done.interrupted;
            if failure.is_none() {
                failure = done.failure;
            }
            self.outcomes[k] = Some(done.outcome);
        }
        Ok(failure)
    }
}
