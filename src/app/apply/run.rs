//! The order of a run: watch, local hooks before, Helm, local hooks
//! after, then what each hook did, recorded.

use super::helm_args::{UpgradeFlags, UpgradeTarget, lifecycle_args, upgrade_args};
use super::helm_process::{HelmProcess, Signals, error_line};
use super::local::{LocalPhase, LocalRunner, is_before_helm};
use super::monitor::Monitor;
use super::outcome::{failure_branch_taken, finish};
use super::record::{self, Recorder};
use super::watch::{Watching, watch};
use super::{Action, HelmFailed, LocalHookFailed, Prepared, Reporter};
use crate::adapters::audit_store::AuditStore;
use crate::adapters::git::ChartSnapshot;
use crate::adapters::kube::Feed;
use crate::adapters::render::{PreparedChart, RenderOptions};
use crate::app::team_record::{ClusterRecordOptions, RunRecorder};
use crate::app::workspace::Workspace;
use crate::core::audit::{
    AUDIT_SCHEMA, Body, HookOutcome, HookPhase, Record, RunEnded, RunResolved, RunStarted, scrub,
};
use crate::core::local::{LOCAL_HOOK_KIND, LocalEvent};
use crate::core::model::Revision;
use crate::core::timeline::LocalStep;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Exit statuses for Helm when it gives none: it never ran, or a signal
/// ended it (as shells report 128 + SIGINT).
const NOT_RUN: i32 = 1;
const INTERRUPTED: i32 = 130;
/// After Ctrl-C or SIGTERM: how long Helm has to stop, and the cluster
/// to take the run's record (the local log is written at once).
const HELM_STOP: Duration = Duration::from_secs(1);
const INTERRUPTED_CLUSTER_RECORD: Duration = Duration::from_secs(1);

pub struct RunRequest {
    pub flags: UpgradeFlags,
    /// Stream hook pods' log lines.
    pub logs: bool,
    /// The command line, for the record (redacted there).
    pub argv: Vec<String>,
    /// `apply --plan FILE`: the plan file's digest, for the record.
    pub plan_file: Option<String>,
    /// The run's object in the cluster, besides the local log.
    pub cluster: ClusterRecordOptions,
}

pub struct Outcome {
    pub run_id: String,
    /// The Helm command run (`upgrade`, `test`...).
    pub command: &'static str,
    pub helm_exit: i32,
    pub helm_error: Option<String>,
    /// Helm's stdout; on failure its stderr too, each line `helm: `.
    pub helm_output: String,
    pub interrupted: bool,
    pub hooks: Vec<HookOutcome>,
    /// A local hook before Helm failed: Helm did not run.
    pub stopped_by: Option<String>,
    /// A local hook after Helm (postsync, cleanup) failed.
    pub local_failure: Option<String>,
    pub helm_ran: bool,
}

/// How a run ended: what sets the exit status, and the hook to name.
pub enum Verdict<'a> {
    Done,
    Interrupted,
    Failed {
        hook: Option<&'a HookOutcome>,
        error: anyhow::Error,
    },
}

impl Outcome {
    pub fn verdict(&self, release: &str) -> Verdict<'_> {
        if self.interrupted {
            return Verdict::Interrupted;
        }
        let failed = |local: Option<bool>| {
            self.hooks.iter().find(|h| {
                h.phase == HookPhase::Failed
                    && local.is_none_or(|l| (h.kind == LOCAL_HOOK_KIND) == l)
            })
        };
        if let Some(stopped) = &self.stopped_by {
            return Verdict::Failed {
                hook: failed(None),
                error: LocalHookFailed(format!(
                    "{stopped}; Helm did not run, release {release} is unchanged"
                ))
                .into(),
            };
        }
        if self.helm_exit != 0 {
            let hook = failed(Some(false));
            return Verdict::Failed {
                hook,
                error: HelmFailed {
                    command: self.command,
                    hook_failed: hook.is_some(),
                    code: self.helm_exit,
                    message: self
                        .helm_error
                        .clone()
                        .unwrap_or_else(|| "see Helm's output above".into()),
                }
                .into(),
            };
        }
        match &self.local_failure {
            Some(failure) => Verdict::Failed {
                hook: failed(Some(true)),
                error: LocalHookFailed(format!(
                    "{failure}; helm {} of release {release} succeeded",
                    self.command
                ))
                .into(),
            },
            None => Verdict::Done,
        }
    }
}

/// Runs the prepared operation's Helm command. `reporter_for`
/// makes the progress display, told whether the cluster is watched.
pub fn run<'r>(
    ws: &Workspace,
    p: &Prepared,
    req: &RunRequest,
    reporter_for: &dyn Fn(bool) -> Box<dyn Reporter + 'r>,
    warn: &dyn Fn(&str),
) -> anyhow::Result<Outcome> {
    let helm = ws.helm()?;
    // Only an upgrade hands Helm a chart; the others act on what it stored.
    let (chart, snapshot, helm_args) = match &p.action {
        Action::Upgrade { to, render } => {
            let (chart, snapshot, args) =
                upgrade_command(ws, (&p.release, &p.namespace), &to.rev, render, &req.flags)?;
            (Some(chart), Some(snapshot), args)
        }
        action => {
            let args = lifecycle_args(&p.release, &p.namespace, action, &req.flags, helm.version);
            (None, None, args)
        }
    };
    let store = AuditStore::open_default();
    let run_id = record::new_run_id();
    let start = record::start_record(
        ws,
        p,
        snapshot.as_ref(),
        &req.argv,
        req.plan_file.as_deref(),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let recorder = Recorder::new(&store, &run_id);
    let outcome = runtime.block_on(execute(Execute {
        ws,
        p,
        helm_args,
        start,
        recorder: &recorder,
        cluster: &req.cluster,
        logs: req.logs,
        reporter_for,
        warn,
    }))?;
    drop(chart);
    tracing::debug!(peak_rss_kib = crate::app::peak_rss_kib(), "apply done");
    Ok(Outcome { run_id, ..outcome })
}

/// The chart of `to` as Helm needs it, and the `helm upgrade --install`
/// command line that installs it: one for the dry run that plans an apply
/// and the run itself, so that the plan is of what runs.
pub(super) fn upgrade_command(
    ws: &Workspace,
    (release, namespace): (&str, &str),
    to: &Revision,
    render: &RenderOptions,
    flags: &UpgradeFlags,
) -> anyhow::Result<(PreparedChart, ChartSnapshot, Vec<String>)> {
    let helm = ws.helm()?;
    let (chart, snapshot) = PreparedChart::prepare(&ws.repo, to, render, &helm.path, &ws.cache)?;
    let chart_dir = chart.chart_dir().display().to_string();
    let args = upgrade_args(
        &UpgradeTarget {
            release,
            namespace,
            chart_dir: &chart_dir,
            values: &chart.value_args,
            render,
            description: super::description_marker(
                &to.spec,
                &to.commit
                    .clone()
                    .unwrap_or_else(|| format!("worktree:{}", &snapshot.fingerprint[..16])),
            ),
        },
        flags,
        helm.version,
    );
    Ok((chart, snapshot, args))
}

struct Execute<'a, 'r> {
    ws: &'a Workspace,
    p: &'a Prepared,
    helm_args: Vec<String>,
    start: RunStarted,
    recorder: &'a Recorder<'a>,
    cluster: &'a ClusterRecordOptions,
    logs: bool,
    reporter_for: &'a dyn Fn(bool) -> Box<dyn Reporter + 'r>,
    warn: &'a dyn Fn(&str),
}

async fn execute(mut x: Execute<'_, '_>) -> anyhow::Result<Outcome> {
    let p = x.p;
    let mut monitor = Monitor::new(&p.op_plan.timeline, &p.secrets, x.logs, x.recorder);
    let (watching, mut rx, early) = watch(p, &mut x.start, x.warn).await;
    let mut team = record_start(&x, watching.as_ref()).await?;
    let reporter = (x.reporter_for)(watching.is_some());
    let reporter: &dyn Reporter = reporter.as_ref();

    let mut signals = Signals::catch()?;
    let mut interrupted = false;
    let runner = LocalRunner {
        prepared: p,
        recorder: x.recorder,
        reporter,
    };
    let local_steps: Vec<LocalStep> = p.op_plan.timeline.locals().cloned().collect();
    let local_rows = LocalPhase::rows(&p.op_plan.timeline);
    let mut locals = LocalPhase {
        steps: &local_steps,
        rows: &local_rows,
        outcomes: vec![None; local_steps.len()],
    };
    // prepare, preapply, presync (preuninstall): one failure and Helm
    // does not run.
    let stopped_by = locals
        .run(
            &runner,
            &mut signals,
            &mut interrupted,
            is_before_helm,
            None,
            true,
        )
        .await?;
    let run_helm = stopped_by.is_none() && !interrupted;
    for feed in early {
        monitor.handle(feed, reporter)?;
    }
    let (helm_exit, helm_stdout, helm_stderr) = match run_helm {
        true => {
            let helm = HelmProcess::spawn(&x.ws.helm()?.path, &x.helm_args)?;
            follow_helm(
                helm,
                &mut rx,
                &mut monitor,
                reporter,
                &mut signals,
                &mut interrupted,
            )
            .await?
        }
        // Helm never started: a local hook before it failed.
        false => (NOT_RUN, String::new(), String::new()),
    };
    if helm_exit == 0 {
        monitor.resources_applied(reporter);
    }
    let helm_stderr = scrub(&helm_stderr, &p.secrets);
    let helm_error = error_line(&helm_stderr);
    // postsync after Helm, failed or not, and told its error; cleanup
    // always, as the counterpart of prepare.
    let event_error = helm_failure(p, helm_exit, helm_error.as_deref());
    let after_helm = |e: LocalEvent| match e {
        LocalEvent::Postsync | LocalEvent::Postuninstall => run_helm,
        LocalEvent::Cleanup => true,
        _ => false,
    };
    let local_failure = locals
        .run(
            &runner,
            &mut signals,
            &mut interrupted,
            after_helm,
            event_error.as_deref(),
            false,
        )
        .await?;
    reporter.finish();

    let (hooks, after) = finish(
        x.ws,
        p,
        &monitor,
        watching,
        super::outcome::HelmEnd {
            ran: run_helm,
            error: helm_error.as_deref(),
            interrupted,
        },
        &local_steps,
        locals.outcomes,
    )
    .await;
    x.recorder.append(Body::RunEnded(RunEnded {
        helm_exit,
        interrupted,
        release_revision: after.as_ref().map(|r| r.version),
        release_status: after.as_ref().map(|r| r.info.status.clone()),
        hooks: hooks.clone(),
        stopped_by: stopped_by.clone(),
        failure_branch: failure_branch_taken(p, helm_exit, after.as_ref(), monitor.started),
    }))?;
    if let Some(team) = &mut team {
        let uninstalled = matches!(p.action, Action::Uninstall) && helm_exit == 0;
        record_end_in_cluster(&x, team, uninstalled, interrupted).await;
    }
    let helm_output = helm_output(helm_exit, helm_stdout, &helm_stderr);
    Ok(Outcome {
        run_id: String::new(),
        command: p.action.helm_command(),
        helm_exit,
        helm_error,
        helm_output,
        interrupted,
        hooks,
        stopped_by,
        local_failure,
        helm_ran: run_helm,
    })
}

/// The run's end in its run object. After an interrupt within a bound:
/// the user asked to stop, a slow API server must not hold the exit up.
async fn record_end_in_cluster(
    x: &Execute<'_, '_>,
    team: &mut RunRecorder,
    uninstalled: bool,
    interrupted: bool,
) {
    let records = x.recorder.records();
    let write = team.finish(&records, uninstalled, x.warn);
    if !interrupted {
        return write.await;
    }
    if tokio::time::timeout(INTERRUPTED_CLUSTER_RECORD, write)
        .await
        .is_err()
    {
        (x.warn)(&format!(
            "run {} was interrupted and its end not recorded in the cluster within {}s; the local audit log has it",
            x.recorder.run_id,
            INTERRUPTED_CLUSTER_RECORD.as_secs()
        ));
    }
}

/// What local hooks after Helm are told of its failure, if it failed.
fn helm_failure(p: &Prepared, exit: i32, error: Option<&str>) -> Option<String> {
    (exit != 0).then(|| {
        error
            .map(str::to_string)
            .unwrap_or_else(|| format!("helm {} exited with {exit}", p.action.helm_command()))
    })
}

/// The run's start, in the local log and in the cluster. The team's
/// record goes through the watch's connection: no cluster to watch, none
/// to record in (the watch said so).
async fn record_start(
    x: &Execute<'_, '_>,
    watching: Option<&Watching>,
) -> anyhow::Result<Option<RunRecorder>> {
    let p = x.p;
    let resolutions = resolve_interrupted(p, x.recorder);
    x.recorder.append(Body::RunStarted(x.start.clone()))?;
    let team = watching.and_then(|w| {
        RunRecorder::new(
            w.cluster.client.clone(),
            &p.namespace,
            &p.release,
            x.recorder.run_id,
            x.cluster.clone(),
        )
    });
    let Some(mut team) = team else {
        return Ok(None);
    };
    team.record(&x.recorder.records(), x.warn).await;
    team.resolve(&resolutions, x.warn).await;
    Ok(Some(team))
}

/// Helm's stdout; on failure its stderr too, each line `helm: `.
fn helm_output(exit: i32, stdout: String, stderr: &str) -> String {
    match exit {
        0 => stdout,
        _ => format!("{stdout}{stderr}")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("helm: {l}\n"))
            .collect(),
    }
}

/// Follows the cluster until Helm exits, passing Ctrl-C and SIGTERM on;
/// then, briefly, until the deletions the plan predicts are seen.
/// Returns Helm's exit code, stdout and stderr.
async fn follow_helm(
    mut helm: HelmProcess,
    rx: &mut UnboundedReceiver<Feed>,
    monitor: &mut Monitor<'_>,
    reporter: &dyn Reporter,
    signals: &mut Signals,
    interrupted: &mut bool,
) -> anyhow::Result<(i32, String, String)> {
    // Set by the first signal: how long Helm then has to stop.
    let mut stop_by: Option<tokio::time::Instant> = None;
    let status = loop {
        let deadline = stop_by.unwrap_or_else(|| tokio::time::Instant::now() + HELM_STOP);
        tokio::select! {
            status = helm.wait() => break Some(status?),
            Some(feed) = rx.recv() => monitor.handle(feed, reporter)?,
            sig = signals.next() => {
                tracing::debug!(sig, "signal");
                *interrupted = true;
                reporter.interrupted();
                helm.forward(sig);
                stop_by.get_or_insert(tokio::time::Instant::now() + HELM_STOP);
            }
            // Helm stops within milliseconds of a signal; one that does
            // not is left to finish on its own (its own process group).
            _ = tokio::time::sleep_until(deadline), if stop_by.is_some() => break None,
        }
    };
    // A bounded wait: a watch event can be late or lost (a hook's failure,
    // a deletion by policy). Not after an interrupt: Helm deletes nothing
    // more, and the user is waiting.
    let grace = tokio::time::Instant::now() + Duration::from_millis(1500);
    while !*interrupted && (monitor.awaiting_deletions() || monitor.awaiting_an_end()) {
        match tokio::time::timeout_at(grace, rx.recv()).await {
            Ok(Some(feed)) => monitor.handle(feed, reporter)?,
            _ => break,
        }
    }
    let Some(status) = status else {
        // Its pipes stay open while it runs: its output is not waited for.
        return Ok((INTERRUPTED, String::new(), String::new()));
    };
    let code = status.code().unwrap_or(match *interrupted {
        true => INTERRUPTED,
        false => NOT_RUN,
    });
    let (stdout, stderr) = helm.output().await;
    Ok((code, stdout, stderr))
}

/// A run of this release that was killed (kill -9 of helm-hooks leaves
/// Helm running) gets what Helm made of it: the release as found now.
/// Best effort: the record of this run matters more. Returns the records
/// appended, for the cluster's copies of those runs.
fn resolve_interrupted(p: &Prepared, recorder: &Recorder<'_>) -> Vec<Record> {
    let mut appended = Vec::new();
    let Some(deployed) = &p.deployed else {
        return appended;
    };
    let Ok(log) = crate::app::history::read(recorder.store) else {
        return appended;
    };
    let host = record::host();
    // Another host's run, or a live process (a concurrent apply), is not ours to resolve.
    let alive = |s: &RunStarted| {
        // SAFETY: kill(2) with signal 0 only checks that the pid exists.
        s.host != host || unsafe { libc::kill(s.pid as i32, 0) == 0 }
    };
    let unresolved = log
        .unended(&p.release)
        .map_while(Result::ok)
        .filter(|r| crate::core::audit::is_unresolved(r, &p.release, &p.namespace, &alive));
    for run in unresolved {
        let resolution = Record {
            schema: AUDIT_SCHEMA,
            run: run.id.clone(),
            time: record::now(),
            body: Body::RunResolved(RunResolved {
                release_revision: deployed.version,
                release_status: deployed.info.status.clone(),
                found_by: recorder.run_id.to_string(),
            }),
        };
        if recorder.store.append_record(&resolution).is_ok() {
            appended.push(resolution);
        }
    }
    appended
}
