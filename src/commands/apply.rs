//! `helm hooks apply`: plan against what is deployed, confirm, run `helm
//! upgrade --install` while following each hook, and record the outcome.

use crate::adapters::audit_store::{AuditStore, now_rfc3339};
use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::helm::Helm;
use crate::adapters::kube::{self, Feed, WatchSpec};
use crate::adapters::release::{self, Release};
use crate::adapters::render::{Needs, PreparedChart, render_side};
use crate::cli::{ApplyArgs, ProgressArg};
use crate::commands::plan::render_options;
use crate::core::audit::{Body, HookOutcome, HookState, PlannedHook, RunEnded, RunStarted, scrub};
use crate::core::diff::{Change, DiffOptions};
use crate::core::hook::{Hook, Rendered, parse_rendered};
use crate::core::local::{LOCAL_HOOK_KIND, LocalEvent, LocalHook, TemplateContext, expand};
use crate::core::plan::{OperationPlan, SideRenders, plan};
use crate::core::redact::secret_values;
use crate::core::timeline::{Leftover, LocalStep, Operation, Step};
use crate::core::tracker::{RunState, Tracker};
use crate::error::{Exit, code};
use crate::ui::Ui;
use crate::ui::apply_view;
use crate::ui::progress::{Mode, Progress, Row};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Apply was not confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("refusing to apply without confirmation: no terminal to ask on")]
    NoTerminal,
    #[error("apply cancelled: nothing was changed")]
    Declined,
}

const LOG_TAIL: usize = 20;

/// A local hook failed: before Helm (which then did not run) or after.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalHookFailed(pub String);

/// Everything decided before the cluster is touched.
struct Prepared {
    release: String,
    namespace: String,
    operation: Operation,
    deployed: Option<Release>,
    to_hooks: Vec<Hook>,
    op_plan: OperationPlan,
    secrets: Vec<String>,
    local_hooks: Vec<LocalHook>,
    /// Where each local hook runs (the directory of its file).
    local_dirs: Vec<std::path::PathBuf>,
    local_timeout: Duration,
}

pub fn run(mut args: ApplyArgs, ui: &Ui) -> anyhow::Result<()> {
    let cache = Cache::open();
    let helm = Helm::locate(&cache)?;
    // Without RELEASE, a terminal user picks one of the namespace's releases.
    let release_name =
        crate::commands::pick::release(args.release.take(), &helm, &args.render.namespace, ui)?;
    let repo = ChartRepo::open(&args.chart)?;
    let to = repo.resolve(&args.to)?;
    let namespace = args.render.namespace.clone();
    let opts = render_options(&release_name, &args.render);

    // Ask Helm what is deployed while the chart renders: both wait on
    // processes. Both renders are asked for, since the operation is not
    // known yet; a chart that does not branch on it renders once anyway.
    let (deployed, side) = std::thread::scope(|s| {
        let status = s.spawn(|| release::status(&helm, &release_name, &namespace));
        let side = render_side(
            &repo,
            &to,
            &opts,
            Needs {
                install: true,
                upgrade: true,
            },
            &crate::adapters::helm::HelmProbe::known(&helm),
            &cache,
        );
        (status.join().expect("release status thread panicked"), side)
    });
    let (deployed, side) = (deployed?, side?);
    let local_to = crate::adapters::local_source::load(&repo, &to, &release_name)?;
    // Local hooks are compared with those of the commit deployed last (its
    // sha is in the release description), else all count as new.
    let local_from = deployed
        .as_ref()
        .and_then(|d| deployed_sha(&d.info.description))
        .and_then(|sha| repo.resolve(&sha).ok())
        .map(|rev| crate::adapters::local_source::load(&repo, &rev, &release_name))
        .transpose()
        .unwrap_or_else(|e| {
            ui.warn(&format!("local hooks of the deployed commit: {e:#}"));
            None
        })
        .unwrap_or_default();
    let local_timeout = crate::core::lint::parse_go_duration(&args.local_hook_timeout)?;
    let operation = if deployed.is_some() {
        Operation::Upgrade
    } else {
        Operation::Install
    };
    let to_text = match operation {
        Operation::Install => side.install.clone(),
        _ => side.upgrade.clone(),
    }
    .unwrap_or_default();
    let parsed = crate::commands::lint::side_renders(&repo, &to, &side)?;
    let to_rendered = match operation {
        Operation::Install => parsed.install.clone(),
        _ => parsed.upgrade().clone(),
    };
    let from_rendered = match &deployed {
        Some(r) => parse_rendered(&r.hooks_stream())?,
        None => Rendered::default(),
    };
    let result = plan(
        SideRenders {
            install: &from_rendered,
            upgrade: &from_rendered,
        },
        SideRenders {
            install: &to_rendered,
            upgrade: &to_rendered,
        },
        &[operation],
        helm.version,
        DiffOptions {
            context: 3,
            show_secrets: false,
        },
        (&local_from, &local_to),
    );
    let op_plan = result
        .operations
        .into_iter()
        .next()
        .expect("one operation planned");
    let mut secrets = secret_values(&to_text);
    secrets.extend(
        opts.set
            .iter()
            .filter_map(|(_, kv)| kv.split_once('=').map(|(_, v)| v.to_string())),
    );

    ui.status(&apply_view::intro(
        &release_name,
        &namespace,
        operation,
        &to,
        deployed.as_ref().map(|d| d.version),
    ));
    ui.status(&apply_view::timeline(&op_plan, ui.err));
    for w in &result.warnings {
        ui.warn(&w.to_string());
    }
    // Lint errors are shown before the question, so the answer is informed.
    let timeout = crate::core::lint::parse_go_duration(&args.timeout)?;
    let (findings, _) = crate::commands::lint::revision_findings(
        &repo,
        (&to, &parsed),
        None,
        helm.version,
        timeout,
    )?;
    for f in findings
        .iter()
        .filter(|f| f.severity == crate::core::lint::Severity::Error)
    {
        ui.lint_error(f);
    }

    if !args.yes {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        if !interactive {
            return Err(ConfirmError::NoTerminal.into());
        }
        if !ui.confirm(&apply_view::question(&release_name, operation, &op_plan))? {
            return Err(ConfirmError::Declined.into());
        }
    }
    if args.dry_run {
        ui.status("dry run: nothing was applied");
        return Ok(());
    }

    let (chart, snapshot) = PreparedChart::prepare(&repo, &to, &opts, &helm.path, &cache)?;
    let prepared = Prepared {
        release: release_name.clone(),
        namespace,
        operation,
        deployed,
        to_hooks: {
            let mut hooks = to_rendered.hooks.clone();
            crate::core::order::KindOrder::for_helm(helm.version).sort_hooks(&mut hooks);
            hooks
        },
        op_plan,
        secrets,
        local_dirs: local_to
            .iter()
            .map(|h| crate::adapters::local_source::hook_dir(&repo, h))
            .collect(),
        local_hooks: local_to,
        local_timeout,
    };

    let mut helm_args: Vec<String> = vec![
        "upgrade".into(),
        "--install".into(),
        prepared.release.clone(),
        chart.chart_dir().display().to_string(),
        "--namespace".into(),
        prepared.namespace.clone(),
        "--timeout".into(),
        args.timeout.clone(),
        "--description".into(),
        format!(
            "helm-hooks apply {} {}",
            to.spec,
            to.commit
                .clone()
                .unwrap_or_else(|| format!("worktree:{}", &snapshot.fingerprint[..16]))
        ),
    ];
    for v in &chart.value_args {
        helm_args.extend(["--values".to_string(), v.clone()]);
    }
    for (flag, value) in &opts.set {
        helm_args.extend([flag.clone(), value.clone()]);
    }
    for (flag, value) in [("--kube-version", &opts.kube_version)] {
        if let Some(v) = value {
            helm_args.extend([flag.to_string(), v.clone()]);
        }
    }
    // Map to what the running Helm accepts: Helm 4 renamed --atomic and
    // made --wait take a strategy.
    if args.wait {
        helm_args.push(
            if helm.version.major >= 4 {
                "--wait=watcher"
            } else {
                "--wait"
            }
            .into(),
        );
    }
    if args.atomic {
        helm_args.push(
            if helm.version.major >= 4 {
                "--rollback-on-failure"
            } else {
                "--atomic"
            }
            .into(),
        );
    }
    helm_args.extend(args.helm_args.iter().cloned());

    let mode = match args.progress {
        ProgressArg::Bars => Mode::Bars,
        ProgressArg::Plain => Mode::Plain,
        ProgressArg::None => Mode::None,
        ProgressArg::Auto if std::io::stderr().is_terminal() => Mode::Bars,
        ProgressArg::Auto => Mode::Plain,
    };

    let store = AuditStore::open_default();
    let run_id = new_run_id();
    let start = RunStarted {
        user: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_default(),
        host: std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default(),
        pid: std::process::id(),
        kube_context: None,
        kube_server: None,
        namespace: prepared.namespace.clone(),
        release: prepared.release.clone(),
        operation: prepared.operation.to_string(),
        chart_name: chart_field(&snapshot, "name"),
        chart_version: chart_field(&snapshot, "version"),
        repository: repo.root_display(),
        chart_path: repo.chart_path().to_string(),
        from_rev: prepared
            .deployed
            .as_ref()
            .map(|d| format!("revision {}", d.version)),
        from_sha: prepared
            .deployed
            .as_ref()
            .and_then(|d| deployed_sha(&d.info.description)),
        to_rev: to.spec.clone(),
        to_sha: to.commit.clone(),
        worktree: to.worktree,
        worktree_hash: to.worktree.then(|| snapshot.fingerprint.clone()),
        helm_version: helm.version.to_string(),
        args: redacted_args(),
        timeline: planned_hooks(&prepared),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(execute(ExecuteInput {
        helm: &helm,
        helm_args,
        prepared: &prepared,
        start,
        store: &store,
        run_id: &run_id,
        mode,
        logs: args.logs,
        ui,
    }))?;
    drop(chart);
    tracing::debug!(peak_rss_kib = super::peak_rss_kib(), "apply done");

    ui.status(&apply_view::summary(&outcome.hooks, ui.err));
    if let Some(out) = outcome
        .helm_output
        .as_deref()
        .filter(|o| !o.trim().is_empty())
    {
        ui.status(out.trim_end());
    }
    if outcome.interrupted {
        ui.warn(&format!(
            "interrupted: {}; run {run_id} recorded as interrupted",
            if outcome.helm_ran {
                "Helm was stopped"
            } else {
                "Helm did not start, the release is unchanged"
            }
        ));
        return Err(Exit(code::INTERRUPTED).into());
    }
    if let Some(stopped) = outcome.stopped_by {
        if let Some(failed) = outcome.hooks.iter().find(|h| h.phase == "Failed") {
            ui.status(&apply_view::failure(failed, ui.err));
        }
        return Err(LocalHookFailed(format!(
            "{stopped}; Helm did not run, release {release_name} is unchanged"
        ))
        .into());
    }
    if outcome.helm_exit != 0 {
        if let Some(failed) = outcome
            .hooks
            .iter()
            .find(|h| h.phase == "Failed" && h.kind != LOCAL_HOOK_KIND)
        {
            ui.status(&apply_view::failure(failed, ui.err));
        }
        return Err(HelmFailed {
            code: outcome.helm_exit,
            message: outcome
                .helm_error
                .unwrap_or_else(|| "see Helm's output above".into()),
        }
        .into());
    }
    if let Some(failed) = outcome.local_failure {
        if let Some(h) = outcome
            .hooks
            .iter()
            .find(|h| h.phase == "Failed" && h.kind == LOCAL_HOOK_KIND)
        {
            ui.status(&apply_view::failure(h, ui.err));
        }
        return Err(LocalHookFailed(format!(
            "{failed}; Helm succeeded, release {release_name} was applied"
        ))
        .into());
    }
    Ok(())
}

/// The audit log's timeline: chart and local hook runs in run order.
fn planned_hooks(prepared: &Prepared) -> Vec<PlannedHook> {
    let change = |c: Change| {
        match c {
            Change::Added => "added",
            Change::Changed => "changed",
            _ => "unchanged",
        }
        .to_string()
    };
    let diff = &prepared.op_plan.diff;
    let (mut chart, mut local) = (diff.steps.iter(), diff.local_changes.iter());
    prepared
        .op_plan
        .timeline
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Hook(h) => Some(PlannedHook {
                position: h.position,
                event: h.event.to_string(),
                kind: h.kind.clone(),
                name: h.name.clone(),
                weight: h.weight,
                change: change(chart.next().expect("one change per hook run").change),
            }),
            Step::Local(l) => Some(PlannedHook {
                position: l.position,
                event: l.event.to_string(),
                kind: LOCAL_HOOK_KIND.into(),
                name: prepared.local_hooks[l.hook].label(),
                weight: 0,
                change: change(local.next().expect("one change per local run").change),
            }),
            Step::Resources { .. } => None,
        })
        .collect()
}

/// `helm upgrade` itself failed; its exit status becomes ours.
#[derive(Debug, thiserror::Error)]
#[error("helm upgrade failed: {message}")]
pub struct HelmFailed {
    pub code: i32,
    pub message: String,
}

fn chart_field(snapshot: &crate::adapters::git::ChartSnapshot, field: &str) -> String {
    snapshot
        .file("Chart.yaml")
        .and_then(|c| serde_saphyr::from_slice::<serde_json::Value>(c).ok())
        .and_then(|v| {
            v.get(field).map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
        })
        .unwrap_or_default()
}

/// The sha a previous apply wrote into the release description.
fn deployed_sha(description: &str) -> Option<String> {
    let rest = description.strip_prefix("helm-hooks apply ")?;
    rest.split_whitespace().nth(1).map(str::to_string)
}

fn new_run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace([':', '-'], "");
    format!(
        "{}-{:06x}",
        stamp.trim_end_matches('Z'),
        (now.subsec_nanos() ^ std::process::id()) & 0xff_ffff
    )
}

/// The command line with values that may be secret removed: every
/// `--set*` value, and the value of any credential flag.
fn redacted_args() -> Vec<String> {
    let mut out = Vec::new();
    let mut hide_next = false;
    for a in std::env::args().skip(1) {
        if hide_next {
            out.push("<redacted>".into());
            hide_next = false;
            continue;
        }
        let secretish = |flag: &str| {
            flag.starts_with("--set")
                || ["password", "token", "secret", "key"]
                    .iter()
                    .any(|w| flag.contains(w))
        };
        match a.split_once('=') {
            Some((flag, _)) if flag.starts_with("--") && secretish(flag) => {
                out.push(format!("{flag}=<redacted>"))
            }
            _ if a.starts_with("--") && secretish(&a) => {
                out.push(a);
                hide_next = true;
            }
            _ => out.push(a),
        }
    }
    out
}

struct ExecuteInput<'a> {
    helm: &'a Helm,
    helm_args: Vec<String>,
    prepared: &'a Prepared,
    start: RunStarted,
    store: &'a AuditStore,
    run_id: &'a str,
    mode: Mode,
    logs: bool,
    ui: &'a Ui,
}

struct Outcome {
    helm_exit: i32,
    helm_error: Option<String>,
    helm_output: Option<String>,
    interrupted: bool,
    hooks: Vec<HookOutcome>,
    /// A local hook before Helm failed: Helm did not run.
    stopped_by: Option<String>,
    /// A local hook after Helm (postsync, cleanup) failed.
    local_failure: Option<String>,
    helm_ran: bool,
}

/// All of a pipe's text (empty without a pipe).
async fn pipe_text(pipe: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
    let mut s = String::new();
    if let Some(mut p) = pipe {
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut p, &mut s).await;
    }
    s
}

fn ms_since(t0: Instant) -> u64 {
    t0.elapsed().as_millis() as u64
}

async fn execute(input: ExecuteInput<'_>) -> anyhow::Result<Outcome> {
    let ExecuteInput {
        helm,
        helm_args,
        prepared,
        mut start,
        store,
        run_id,
        mode,
        logs,
        ui,
    } = input;
    let t0 = Instant::now();
    let hook_steps: Vec<_> = prepared.op_plan.timeline.hooks().cloned().collect();
    let mut tracker = Tracker::new(
        hook_steps
            .iter()
            .map(|h| (h.event.to_string(), h.kind.clone(), h.name.clone(), h.waits)),
    );

    // Rows: hook runs in order, the chart's resources between pre and post.
    let mut rows = Vec::new();
    let mut row_of_hook = Vec::new();
    let mut row_of_local = Vec::new();
    let mut resources_row = None;
    for step in &prepared.op_plan.timeline.steps {
        match step {
            Step::Local(l) => {
                row_of_local.push(rows.len());
                rows.push(Row {
                    label: format!(
                        "#{} {} {}",
                        l.position,
                        l.event,
                        crate::ui::plan_view::local_label(l)
                    ),
                });
            }
            Step::Hook(h) => {
                row_of_hook.push(rows.len());
                rows.push(Row {
                    label: format!("#{} {} {}/{}", h.position, h.event, h.kind, h.name),
                });
            }
            Step::Resources { action, count } => {
                resources_row = Some(rows.len());
                rows.push(Row {
                    label: format!("· {action} ({count})"),
                });
            }
        }
    }
    // Chart hook runs before the resources step (local ones are not tracked).
    let pre_count = prepared
        .op_plan
        .timeline
        .steps
        .iter()
        .take_while(|s| !matches!(s, Step::Resources { .. }))
        .filter(|s| matches!(s, Step::Hook(_)))
        .count();
    let local_steps: Vec<LocalStep> = prepared.op_plan.timeline.locals().cloned().collect();
    let mut local_outcomes: Vec<Option<HookOutcome>> = vec![None; local_steps.len()];

    // Connect and list before Helm starts, so older copies of hook objects
    // are known as such. Losing the cluster only loses the progress.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Feed>();
    let mut watching = 0usize;
    let mut cluster = None;
    match kube::connect(&prepared.namespace).await {
        Ok(c) => {
            start.kube_context = c.context.clone();
            start.kube_server = Some(c.server.clone());
            let mut kinds: Vec<(String, String)> = Vec::new();
            for h in &prepared.to_hooks {
                let api = h.document["apiVersion"]
                    .as_str()
                    .unwrap_or("v1")
                    .to_string();
                if !kinds.iter().any(|(a, k)| *a == api && *k == h.kind) {
                    kinds.push((api, h.kind.clone()));
                }
            }
            let names: HashSet<(String, String)> = prepared
                .to_hooks
                .iter()
                .map(|h| (h.kind.clone(), h.name.clone()))
                .collect();
            let tasks = kube::watch(
                &c.client,
                WatchSpec {
                    namespace: prepared.namespace.clone(),
                    kinds,
                    names,
                },
                tx.clone(),
            );
            watching = tasks.len();
            cluster = Some((c, tasks));
        }
        Err(e) => ui.warn(&format!(
            "cannot watch the cluster ({e}); showing Helm's own output only"
        )),
    }
    drop(tx);

    store.append(run_id, &now_rfc3339(), Body::RunStarted(start))?;
    let progress = Progress::new(
        if cluster.is_some() { mode } else { Mode::None },
        rows,
        ui.err,
    );

    // Wait (bounded) for every watcher's first listing.
    let mut early = Vec::new();
    let mut listed = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while listed < watching {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Feed::Listed)) => listed += 1,
            Ok(Some(other)) => early.push(other),
            Ok(None) | Err(_) => break,
        }
    }

    // Ctrl-C now stops Helm gracefully; the chart folder goes on drop.
    crate::adapters::scratch::signals_handled_elsewhere();
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupted = false;
    let local = LocalRunner {
        prepared,
        store,
        run_id,
        progress: &progress,
    };

    // prepare, preapply, presync: one failure and Helm does not run.
    let mut stopped_by = None;
    for (k, step) in local_steps.iter().enumerate() {
        if !is_before_helm(step.event) || stopped_by.is_some() || interrupted {
            continue;
        }
        let stop = async {
            tokio::select! {
                _ = sigint.recv() => {}
                _ = sigterm.recv() => {}
            }
        };
        let (outcome, failure, stopped) = local.run(step, row_of_local[k], None, stop).await?;
        interrupted |= stopped;
        if let Some(f) = failure {
            stopped_by = Some(f);
        }
        local_outcomes[k] = Some(outcome);
    }
    let run_helm = stopped_by.is_none() && !interrupted;

    let mut cmd = tokio::process::Command::new(&helm.path);
    cmd.args(&helm_args).stdin(std::process::Stdio::null());
    // Its own process group: a terminal's Ctrl-C reaches us, and we pass it
    // on once, so Helm sees one interrupt and can record the failure.
    cmd.process_group(0);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = if run_helm { Some(cmd.spawn()?) } else { None };
    let pid = child.as_ref().and_then(|c| c.id()).map(|p| p as i32);
    let (out_pipe, err_pipe) = match child.as_mut() {
        Some(c) => (c.stdout.take(), c.stderr.take()),
        None => (None, None),
    };
    let out_task = tokio::spawn(pipe_text(out_pipe));
    let err_task = tokio::spawn(pipe_text(err_pipe));
    let mut tails: HashMap<(String, String), VecDeque<String>> = HashMap::new();
    let mut lost_reported = false;
    let mut resources_state = "waiting";

    let mut handle_feed =
        |feed: Feed, tracker: &mut Tracker, progress: &Progress| -> anyhow::Result<()> {
            match feed {
                Feed::Listed => {}
                Feed::Lost(msg) => {
                    if !lost_reported {
                        lost_reported = true;
                        progress.warn(&format!("progress may be incomplete: {msg}"));
                    }
                }
                Feed::Log(kind, name, line) => {
                    let line = scrub(&line, &prepared.secrets);
                    if logs {
                        progress.log(&format!("{kind}/{name}"), &line);
                    }
                    let tail = tails.entry((kind, name)).or_default();
                    tail.push_back(line);
                    if tail.len() > LOG_TAIL {
                        tail.pop_front();
                    }
                }
                Feed::Observation(obs) => {
                    let now = ms_since(t0);
                    for t in tracker.observe(obs, now) {
                        let tracked = &tracker.hooks[t.index];
                        let row = row_of_hook[t.index];
                        if t.state == RunState::Created {
                            progress.started(row);
                        }
                        let done = matches!(t.state, RunState::Deleted | RunState::Failed)
                            || (t.state == RunState::Succeeded)
                            || (t.state == RunState::Created && !tracked.waits);
                        let detail = t.detail.as_deref().map(|d| scrub(d, &prepared.secrets));
                        progress.update(
                            row,
                            t.state.as_str(),
                            detail.as_deref(),
                            done,
                            tracked.elapsed_ms(now),
                        );
                        store.append(
                            run_id,
                            &now_rfc3339(),
                            Body::HookState(HookState {
                                kind: tracked.kind.clone(),
                                name: tracked.name.clone(),
                                state: t.state.as_str().into(),
                                detail,
                            }),
                        )?;
                    }
                    // The chart's resources apply once every pre- hook is done,
                    // and are done once a post- hook starts.
                    if let Some(row) = resources_row {
                        let pre_done = tracker.hooks[..pre_count].iter().all(|h| {
                            matches!(h.state, RunState::Succeeded | RunState::Deleted)
                                || (h.state == RunState::Created && !h.waits)
                        });
                        let post_started = tracker.hooks[pre_count..]
                            .iter()
                            .any(|h| h.state != RunState::Waiting);
                        if post_started && resources_state != "done" {
                            resources_state = "done";
                            progress.update(row, "done", None, true, None);
                        } else if pre_done && resources_state == "waiting" {
                            resources_state = "applying";
                            progress.started(row);
                            progress.update(row, "applying", None, false, None);
                        }
                    }
                }
            }
            Ok(())
        };
    for feed in early {
        handle_feed(feed, &mut tracker, &progress)?;
    }

    let helm_exit = match child.as_mut() {
        // Helm never started: a local hook before it failed.
        None => code::ERROR,
        Some(child) => {
            let status = loop {
                tokio::select! {
                    status = child.wait() => break status?,
                    Some(feed) = rx.recv() => handle_feed(feed, &mut tracker, &progress)?,
                    _ = sigint.recv() => {
                        interrupted = true;
                        if let Some(p) = pid { unsafe { libc::kill(p, libc::SIGINT); } }
                    }
                    _ = sigterm.recv() => {
                        interrupted = true;
                        if let Some(p) = pid { unsafe { libc::kill(p, libc::SIGTERM); } }
                    }
                }
            };
            // Deletions by policy come right after Helm's last wait: keep
            // listening until each one the plan predicts has been seen (a
            // bounded wait: a watch event can be late or lost).
            let awaiting = |tracker: &Tracker| {
                tracker
                    .hooks
                    .iter()
                    .zip(&hook_steps)
                    .any(|(t, step)| match t.state {
                        RunState::Succeeded => step.after_success == Leftover::Deleted,
                        RunState::Created if !t.waits => step.after_success == Leftover::Deleted,
                        RunState::Failed => step.after_failure == Leftover::Deleted,
                        _ => false,
                    })
            };
            let grace = tokio::time::Instant::now() + Duration::from_millis(1500);
            while awaiting(&tracker) {
                match tokio::time::timeout_at(grace, rx.recv()).await {
                    Ok(Some(feed)) => handle_feed(feed, &mut tracker, &progress)?,
                    _ => break,
                }
            }
            status.code().unwrap_or(if interrupted {
                code::INTERRUPTED
            } else {
                code::ERROR
            })
        }
    };
    if let Some(row) = resources_row.filter(|_| resources_state != "done" && helm_exit == 0) {
        progress.update(row, "done", None, true, None);
    }
    let helm_stdout = out_task.await.unwrap_or_default();
    let helm_stderr = scrub(&err_task.await.unwrap_or_default(), &prepared.secrets);
    // Helm's error can span lines ("1 error occurred:\n\t* job x failed"):
    // keep it as one line.
    let helm_error = helm_stderr.find("Error: ").map(|at| {
        helm_stderr[at + "Error: ".len()..]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    });

    // postsync after Helm, failed or not, and told its error; cleanup
    // always, as the counterpart of prepare.
    let event_error = (helm_exit != 0).then(|| {
        helm_error
            .clone()
            .unwrap_or_else(|| format!("helm upgrade exited with {helm_exit}"))
    });
    let mut local_failure = None;
    for (k, step) in local_steps.iter().enumerate() {
        let runs = match step.event {
            LocalEvent::Postsync => run_helm,
            LocalEvent::Cleanup => true,
            _ => false,
        };
        if !runs {
            continue;
        }
        let stop = async {
            tokio::select! {
                _ = sigint.recv() => {}
                _ = sigterm.recv() => {}
            }
        };
        let error = (step.event == LocalEvent::Postsync)
            .then_some(event_error.as_deref())
            .flatten();
        let (outcome, failure, stopped) = local.run(step, row_of_local[k], error, stop).await?;
        interrupted |= stopped;
        if local_failure.is_none() {
            local_failure = failure;
        }
        local_outcomes[k] = Some(outcome);
    }
    progress.finish();

    // Helm's record is authoritative; what was watched fills the gaps.
    let after = release::status(helm, &prepared.release, &prepared.namespace)
        .ok()
        .flatten();
    let last_runs: HashMap<(String, String), release::LastRun> = after
        .as_ref()
        .filter(|_| run_helm)
        .map(|r| {
            r.hooks
                .iter()
                .map(|h| ((h.kind.clone(), h.name.clone()), h.last_run.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut present = HashMap::new();
    if let Some((c, tasks)) = &cluster {
        for t in tasks {
            t.abort();
        }
        let objects: Vec<(String, String, String)> = prepared
            .to_hooks
            .iter()
            .map(|h| {
                (
                    h.document["apiVersion"]
                        .as_str()
                        .unwrap_or("v1")
                        .to_string(),
                    h.kind.clone(),
                    h.name.clone(),
                )
            })
            .collect();
        present = kube::still_there(&c.client, &prepared.namespace, &objects).await;
    }
    let now = ms_since(t0);
    let mut seen = HashSet::new();
    let chart_hooks: Vec<HookOutcome> = hook_steps
        .iter()
        .zip(&tracker.hooks)
        .map(|(step, tracked)| {
            let key = (step.kind.clone(), step.name.clone());
            let first_run_of_hook = seen.insert(key.clone());
            let last = last_runs.get(&key).filter(|_| first_run_of_hook);
            let phase = match (
                last.and_then(|l| l.phase.clone()).filter(|p| !p.is_empty()),
                tracked.state,
            ) {
                (Some(p), _) if p != "Unknown" => p,
                (_, RunState::Succeeded) => "Succeeded".into(),
                (_, RunState::Failed) => "Failed".into(),
                (_, RunState::Created) if !tracked.waits => "Succeeded".into(),
                (_, RunState::Deleted) => "Succeeded".into(),
                (_, RunState::Waiting) => "NotRun".into(),
                (_, _) => "Unknown".into(),
            };
            let duration_ms = last
                .and_then(|l| {
                    Some((
                        parse_time(l.started_at.as_deref()?)?,
                        parse_time(l.completed_at.as_deref()?)?,
                    ))
                })
                .and_then(|(a, b)| b.duration_since(a).ok())
                .map(|d| d.as_millis() as u64)
                .or_else(|| tracked.elapsed_ms(now));
            HookOutcome {
                event: step.event.to_string(),
                kind: step.kind.clone(),
                name: step.name.clone(),
                weight: step.weight,
                started_at: last.and_then(|l| l.started_at.clone()),
                completed_at: last.and_then(|l| l.completed_at.clone()),
                duration_ms,
                message: (phase == "Failed")
                    .then(|| tracked.detail.clone())
                    .flatten()
                    .map(|m| scrub(&m, &prepared.secrets)),
                log_tail: tails
                    .get(&key)
                    .map(|t| t.iter().cloned().collect())
                    .unwrap_or_default(),
                left_in_cluster: present.get(&key).copied().filter(|_| phase != "NotRun"),
                exit_code: None,
                phase,
            }
        })
        .collect();
    // Outcomes in run order: local and chart hooks as the timeline has them.
    let mut chart_iter = chart_hooks.into_iter();
    let mut local_iter = local_steps.iter().zip(local_outcomes);
    let hooks: Vec<HookOutcome> = prepared
        .op_plan
        .timeline
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Hook(_) => chart_iter.next(),
            Step::Local(_) => local_iter.next().map(|(step, o)| {
                o.unwrap_or_else(|| HookOutcome {
                    event: step.event.to_string(),
                    kind: LOCAL_HOOK_KIND.into(),
                    name: prepared.local_hooks[step.hook].label(),
                    phase: "NotRun".into(),
                    ..Default::default()
                })
            }),
            Step::Resources { .. } => None,
        })
        .collect();
    store.append(
        run_id,
        &now_rfc3339(),
        Body::RunEnded(RunEnded {
            helm_exit,
            interrupted,
            release_revision: after.as_ref().map(|r| r.version),
            release_status: after.as_ref().map(|r| r.info.status.clone()),
            hooks: hooks.clone(),
            stopped_by: stopped_by.clone(),
        }),
    )?;
    let helm_output = if helm_exit == 0 {
        helm_stdout
    } else {
        format!("{helm_stdout}{helm_stderr}")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("helm: {l}\n"))
            .collect()
    };
    Ok(Outcome {
        helm_exit,
        helm_error,
        helm_output: Some(helm_output),
        interrupted,
        hooks,
        stopped_by,
        local_failure,
        helm_ran: run_helm,
    })
}

fn is_before_helm(event: LocalEvent) -> bool {
    matches!(
        event,
        LocalEvent::Prepare | LocalEvent::Preapply | LocalEvent::Presync
    )
}

/// Runs local hooks as rows of the progress display and records them.
struct LocalRunner<'a> {
    prepared: &'a Prepared,
    store: &'a AuditStore,
    run_id: &'a str,
    progress: &'a Progress,
}

impl LocalRunner<'_> {
    fn record(&self, name: &str, state: &str, detail: Option<String>) -> anyhow::Result<()> {
        self.store.append(
            self.run_id,
            &now_rfc3339(),
            Body::HookState(HookState {
                kind: LOCAL_HOOK_KIND.into(),
                name: name.to_string(),
                state: state.into(),
                detail,
            }),
        )?;
        Ok(())
    }

    /// Returns the outcome, the failure line naming the hook (if it
    /// failed) and whether it was stopped by Ctrl-C.
    async fn run(
        &self,
        step: &LocalStep,
        row: usize,
        error: Option<&str>,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<(HookOutcome, Option<String>, bool)> {
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
        let started_at = now_rfc3339();
        self.progress.started(row);
        self.progress.update(row, "running", None, false, None);
        self.record(&name, "running", None)?;
        let result = match expand(hook, &ctx) {
            // Checked when read; kept as a failure rather than a panic.
            Err(e) => crate::adapters::local_exec::ExecResult {
                exit_code: None,
                failure: Some(e.to_string()),
                duration: Duration::ZERO,
                tail: Vec::new(),
                interrupted: false,
            },
            Ok((command, args)) => {
                let tag = format!("{} {}", step.event, hook.command);
                crate::adapters::local_exec::run(
                    &command,
                    &args,
                    &p.local_dirs[step.hook],
                    p.local_timeout,
                    LOG_TAIL,
                    |line| {
                        if hook.showlogs {
                            self.progress.log(&tag, &scrub(line, secrets));
                        }
                    },
                    stop,
                )
                .await
            }
        };
        let failure = result.failure.as_deref().map(|f| scrub(f, secrets));
        let ms = result.duration.as_millis() as u64;
        let state = if failure.is_some() {
            "failed"
        } else {
            "succeeded"
        };
        self.progress
            .update(row, state, failure.as_deref(), true, Some(ms));
        self.record(&name, state, failure.clone())?;
        let line = failure.as_ref().map(|f| {
            format!(
                "local {} hook `{name}` ({}) failed: {f}",
                step.event, hook.source
            )
        });
        Ok((
            HookOutcome {
                event: step.event.to_string(),
                kind: LOCAL_HOOK_KIND.into(),
                name,
                weight: 0,
                phase: if failure.is_some() {
                    "Failed"
                } else {
                    "Succeeded"
                }
                .into(),
                started_at: Some(started_at),
                completed_at: Some(now_rfc3339()),
                duration_ms: Some(ms),
                message: failure,
                log_tail: result.tail.iter().map(|l| scrub(l, secrets)).collect(),
                left_in_cluster: None,
                exit_code: result.exit_code,
            },
            line,
            result.interrupted,
        ))
    }
}

fn parse_time(s: &str) -> Option<std::time::SystemTime> {
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z').split('+').next()?).ok()
}
