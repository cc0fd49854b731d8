//! The runner of every recorded operation: apply (`helm upgrade
//! --install` of the chart as of a revision), test, rollback and
//! uninstall. Each is planned into a [`Prepared`] (`prepare` here for
//! apply, `lifecycle` for the others, from the hooks Helm stored), then
//! run the same way: Helm while following each hook, and a record of what
//! this run did. Parts: `helm_args`, `helm_process` (signals, exit),
//! `monitor` (watch feed -> tracker -> progress and audit), `outcome`
//! (what each hook did), `local` (local hooks), `record` (the audit
//! record), `run` (the order of it all).

mod helm_args;
mod helm_process;
mod lifecycle;
mod local;
mod monitor;
mod outcome;
pub mod record;
mod run;
mod watch;

pub use helm_args::UpgradeFlags;
pub use lifecycle::{LifecycleRequest, NoSuchRelease, prepare_lifecycle};
pub use run::{Outcome, RunRequest, Verdict, run};

use super::revision::RenderedRevision;
use super::workspace::Workspace;
use crate::adapters::local_source;
use crate::adapters::release::{self, ListedRelease, Release};
use crate::adapters::render::{Needs, RenderOptions};
use crate::core::audit::{FailureBranch, HookOutcome, HookPhase};
use crate::core::diff::DiffOptions;
use crate::core::hook::{Hook, Warning};
use crate::core::lifecycle::TestFilter;
use crate::core::lint::{Finding, Severity};
use crate::core::local::LocalHook;
use crate::core::model::Revision;
use crate::core::order::KindOrder;
use crate::core::plan::{OperationPlan, Plan, plan};
use crate::core::redact::secret_values;
use crate::core::render_source::{RenderSource, ValueFlags, values_source};
use crate::core::timeline::{Operation, timeline};
use std::path::PathBuf;
use std::time::Duration;

/// The run was not confirmed. `verb`: apply, roll back, uninstall.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("refusing to {verb} without confirmation: no terminal to ask on")]
    NoTerminal { verb: &'static str },
    #[error("{verb} cancelled: nothing was changed")]
    Declined { verb: &'static str },
}

impl ConfirmError {
    /// The word the question and its refusal use for `op`.
    pub fn verb(op: Operation) -> &'static str {
        match op {
            Operation::Rollback => "roll back",
            Operation::Uninstall => "uninstall",
            Operation::Test => "test",
            Operation::Install | Operation::Upgrade => "apply",
        }
    }
}

/// No RELEASE, and none could be picked.
#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error(
        "no RELEASE given and no terminal to pick one on: pass it, as in `helm hooks apply RELEASE [CHART]`"
    )]
    NoTerminal,
    #[error(
        "no RELEASE given and namespace {namespace} has no release to pick: name the release to install, as in `helm hooks apply RELEASE [CHART]`"
    )]
    NoReleases { namespace: String },
    #[error("no release picked: nothing was changed")]
    Cancelled,
}

/// Helm itself failed; its exit status becomes ours.
#[derive(Debug, thiserror::Error)]
#[error("helm {command} failed: {message}")]
pub struct HelmFailed {
    /// `upgrade`, `test`, `rollback`, `uninstall`.
    pub command: &'static str,
    pub code: i32,
    pub message: String,
    /// A hook failed, and the summary above names it.
    pub hook_failed: bool,
}

/// The run was stopped (Ctrl-C, SIGTERM): exit 130, as shells report it.
/// What was recorded is said before.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct RunInterrupted;

/// A local hook failed: before Helm (which then did not run) or after.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalHookFailed(pub String);

/// Lines of a hook's log kept for the report and the record.
const LOG_TAIL: usize = 20;

/// Where progress goes while apply runs; the UI implements it. Rows are
/// the steps of the operation's timeline, in order.
pub trait Reporter {
    fn started(&self, row: usize);
    fn update(&self, row: usize, state: &str, detail: Option<&str>, done: bool, ms: Option<u64>);
    fn log(&self, tag: &str, line: &str);
    fn warn(&self, message: &str);
    fn finish(&self);
    /// Ctrl-C or SIGTERM: the display stops as it is, at once. Through
    /// `helm hooks`, Helm exits on the same Ctrl-C and the shell's prompt
    /// comes back: anything redrawn later would land after it.
    fn interrupted(&self) {
        self.finish();
    }
}

/// The kube context and server Helm will act on, for the question.
pub fn kube_target() -> crate::adapters::kube::Target {
    crate::adapters::kube::target()
}

/// The namespace's releases, for a pick when RELEASE is not given.
pub fn releases(ws: &Workspace, namespace: &str) -> anyhow::Result<Vec<ListedRelease>> {
    let list = release::list(&ws.helm()?, namespace)?;
    if list.is_empty() {
        return Err(PickError::NoReleases {
            namespace: namespace.to_string(),
        }
        .into());
    }
    Ok(list)
}

pub struct ApplyRequest<'a> {
    pub release: &'a str,
    pub to: &'a str,
    pub render: &'a RenderOptions,
    /// The flags the upgrade runs with: its dry run is given the same.
    pub flags: &'a UpgradeFlags,
    /// Helm's `--timeout`, for the lint of Job deadlines.
    pub timeout: Duration,
    pub local_timeout: Duration,
}

/// What Helm is asked to do.
pub enum Action {
    /// `helm upgrade --install` of the chart as of `to`.
    Upgrade {
        to: Box<RenderedRevision>,
        render: RenderOptions,
    },
    /// `helm test`, with the filters Helm is given.
    Test { filters: Vec<TestFilter> },
    /// `helm rollback` from the latest revision to `to`: the shas are the
    /// commits those revisions were applied from, where known.
    Rollback {
        from: u64,
        to: u64,
        from_sha: Option<String>,
        to_sha: Option<String>,
    },
    /// `helm uninstall`.
    Uninstall,
}

impl Action {
    /// The Helm command run.
    pub fn helm_command(&self) -> &'static str {
        match self {
            Action::Upgrade { .. } => "upgrade",
            Action::Test { .. } => "test",
            Action::Rollback { .. } => "rollback",
            Action::Uninstall => "uninstall",
        }
    }
}

/// Everything decided before the cluster is touched.
pub struct Prepared {
    pub release: String,
    pub namespace: String,
    pub operation: Operation,
    /// The release's latest revision (the one Helm acts on).
    pub deployed: Option<Release>,
    /// How the hooks about to run were had (`None`: not said).
    pub source: Option<RenderSource>,
    /// What Helm does should the run fail (`--atomic`).
    pub failure_branch: Option<FailureBranch>,
    pub action: Action,
    /// The hooks the operation runs, in Helm's kind order.
    pub to_hooks: Vec<Hook>,
    pub op_plan: OperationPlan,
    /// The whole plan `op_plan` is the one operation of (for plan files).
    pub plan: Plan,
    pub warnings: Vec<Warning>,
    /// Lint errors, shown before the question.
    pub lint_errors: Vec<Finding>,
    /// What could not be read but does not stop the apply.
    pub notes: Vec<String>,
    /// Values that must not reach the terminal or the record.
    pub secrets: Vec<String>,
    pub local_hooks: Vec<LocalHook>,
    /// Where each local hook runs (the directory of its file).
    pub local_dirs: Vec<PathBuf>,
    pub local_timeout: Duration,
    /// The chart's name and version as Helm stored them (for operations
    /// on what is deployed; an upgrade reads its chart's Chart.yaml).
    pub stored_chart: Option<(String, String)>,
}

/// What Helm says before an apply.
struct HelmAnswers {
    /// The release's latest revision.
    deployed: Option<Release>,
    kube_version: Option<String>,
    /// The dry run of this very upgrade on the cluster.
    dry: Release,
    /// The offline render of the chart.
    rendered: RenderedRevision,
}

/// Three waits on processes, side by side: what is deployed, Helm's dry
/// run of this upgrade on this cluster (what the plan shows), and the
/// offline render (cached; lint reads it, since only `helm template` names
/// the documents Helm drops). Both renders are asked for, since the
/// operation is not known yet; a chart that does not branch on it renders
/// once anyway.
fn ask_helm(ws: &Workspace, req: &ApplyRequest<'_>, to: &Revision) -> anyhow::Result<HelmAnswers> {
    let namespace = &req.render.namespace;
    let helm = &ws.helm()?;
    let (status, dry, rendered) = std::thread::scope(|s| {
        let status = s.spawn(|| {
            let status = release::status(helm, req.release, namespace);
            (status, crate::adapters::kube::server_version(namespace))
        });
        // The chart is written out here (the repository is not shared
        // across threads), then Helm's dry run reads it on its own thread.
        let dry = run::upgrade_command(ws, (req.release, namespace), to, req.render, req.flags)
            .map(|(chart, _, args)| (chart, s.spawn(move || release::dry_run(helm, &args))));
        let needs = Needs {
            install: true,
            upgrade: true,
            again: false,
        };
        // Secret values must be known to keep them out of logs and records.
        let opts = RenderOptions {
            secret_values: true,
            ..req.render.clone()
        };
        let rendered = ws.render(to, &opts, needs);
        let dry = dry.and_then(|(chart, run)| {
            let release = run.join().expect("dry run thread panicked");
            drop(chart);
            release
        });
        (
            status.join().expect("release status thread panicked"),
            dry,
            rendered,
        )
    });
    let (deployed, kube_version) = status;
    Ok(HelmAnswers {
        deployed: deployed?,
        kube_version,
        dry: dry?,
        rendered: rendered?,
    })
}

/// The local hooks of the commit deployed last (its sha is in the release
/// description), to compare with; none (all new) when it cannot be read.
fn deployed_local_hooks(
    ws: &Workspace,
    deployed: Option<&Release>,
    release: &str,
    notes: &mut Vec<String>,
) -> Vec<LocalHook> {
    deployed
        .and_then(|d| deployed_sha(&d.info.description))
        .and_then(|sha| ws.repo.resolve(&sha).ok())
        .map(|rev| local_source::load(&ws.repo, &rev, release))
        .transpose()
        .unwrap_or_else(|e| {
            notes.push(format!("local hooks of the deployed commit: {e:#}"));
            None
        })
        .unwrap_or_default()
}

/// Values that must not reach the terminal or the record: what Helm will
/// render (lookups, reused values), what the offline render named, and
/// the values of `--set` flags. Longest first, so a secret inside another
/// is not half-scrubbed.
fn secrets_of(render: &RenderOptions, offline_text: &str, dry: &Release) -> Vec<String> {
    let mut secrets = secret_values(offline_text);
    secrets.extend(secret_values(&dry.stored_stream()));
    for (flag, arg) in &render.set {
        match flag.as_str() {
            "--set" | "--set-string" => secrets.extend(crate::core::redact::set_values(arg)),
            _ => secrets.extend(arg.split_once('=').map(|(_, v)| v.to_string())),
        }
    }
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    secrets
}

/// `-- --no-hooks`: Helm runs no hook of the operation.
fn runs_no_hooks(flags: &UpgradeFlags) -> bool {
    flags
        .extra
        .iter()
        .any(|a| a == "--no-hooks" || a == "--no-hooks=true")
}

/// Whether Helm rolls back a failed run: `--atomic` (Helm 4's
/// `--rollback-on-failure`), given to apply or passed through after `--`.
fn rolls_back_on_failure(flags: &UpgradeFlags) -> bool {
    flags.atomic
        || flags.extra.iter().any(|a| {
            matches!(
                a.as_str(),
                "--atomic"
                    | "--atomic=true"
                    | "--rollback-on-failure"
                    | "--rollback-on-failure=true"
            )
        })
}

/// The way Helm takes out of a failure under `--atomic`: a failed upgrade
/// rolls back to the newest superseded or deployed revision and runs its
/// stored rollback hooks; a failed install uninstalls, running the new
/// release's delete hooks (Helm's `failRelease`).
fn failure_branch(
    ws: &Workspace,
    req: &ApplyRequest<'_>,
    deployed: Option<&Release>,
    from: &RenderedRevision,
    planned: &RenderedRevision,
    operation: Operation,
) -> anyhow::Result<Option<FailureBranch>> {
    if !rolls_back_on_failure(req.flags) {
        return Ok(None);
    }
    let helm = ws.helm()?;
    let (action, to_revision, op, stored) = match (operation, deployed) {
        (Operation::Upgrade, Some(d)) if d.info.status == "deployed" => (
            "rollback",
            Some(d.version),
            Operation::Rollback,
            from.install.hooks.clone(),
        ),
        (Operation::Upgrade, _) => {
            // The latest revision failed: Helm restores the newest one
            // that succeeded, with that revision's stored hooks.
            let target = release::history(&helm, req.release, &req.render.namespace)?
                .into_iter()
                .rev()
                .find(|h| h.status == "superseded" || h.status == "deployed");
            let Some(target) = target else {
                return Ok(None);
            };
            let stored =
                release::status_at(&helm, req.release, &req.render.namespace, target.revision)?
                    .map(|r| RenderedRevision::stored(from.rev.clone(), &r.hooks_stream()))
                    .transpose()?
                    .map(|r| r.install.hooks)
                    .unwrap_or_default();
            (
                "rollback",
                Some(target.revision),
                Operation::Rollback,
                stored,
            )
        }
        _ => (
            "uninstall",
            None,
            Operation::Uninstall,
            planned.install.hooks.clone(),
        ),
    };
    let mut stored: Vec<&Hook> = stored.iter().collect();
    KindOrder::for_helm(helm.version).sort_hooks(&mut stored);
    let steps = timeline(op, &stored, 0, helm.version, &[]);
    Ok(Some(FailureBranch {
        action: action.into(),
        to_revision,
        hooks: steps
            .hooks()
            .map(|s| HookOutcome {
                event: s.event.to_string(),
                kind: s.kind.clone(),
                name: s.name.clone(),
                weight: s.weight,
                phase: HookPhase::NotRun,
                ..Default::default()
            })
            .collect(),
        taken: false,
    }))
}

/// What the plan's header says of how the hooks about to run were had.
fn render_source(
    req: &ApplyRequest<'_>,
    deployed: &Option<Release>,
    dry: &Release,
    operation: Operation,
    kube_version: Option<String>,
) -> RenderSource {
    // Helm copies the values of the last *deployed* revision: the latest
    // one's number only when it is that.
    let previous = match deployed {
        Some(d) => (
            (d.info.status == "deployed").then_some(d.version),
            d.has_user_values,
        ),
        None => (None, false),
    };
    let given = !req.render.values_files.is_empty() || !req.render.set.is_empty();
    RenderSource::Cluster {
        server: kube_target().server,
        kube_version,
        operation,
        // Helm's dry run of an install over a release kept with
        // --keep-history says revision 1: the real install numbers it
        // after the last one only past the point where a dry run returns
        // (`replaceRelease`). The render itself sees 1 in both.
        revision: match (operation, deployed) {
            (Operation::Install, Some(d)) => d.version + 1,
            _ => dry.version,
        },
        values: values_source(
            operation == Operation::Install,
            given,
            ValueFlags::from_args(&req.flags.extra),
            previous,
        ),
        post_renderer: req
            .flags
            .extra
            .iter()
            .any(|a| a == "--post-renderer" || a.starts_with("--post-renderer=")),
    }
}

/// The sha a previous apply wrote into the release description.
pub fn deployed_sha(description: &str) -> Option<String> {
    let rest = description.strip_prefix("helm-hooks apply ")?;
    rest.split_whitespace().nth(1).map(str::to_string)
}

/// Plans the operation against the hooks stored in the deployed release
/// (an install when there is none). The hooks about to run are Helm's
/// own: a dry run of this very `helm upgrade --install` on the cluster.
pub fn prepare(ws: &Workspace, req: &ApplyRequest<'_>) -> anyhow::Result<Prepared> {
    let to = ws.resolve(req.to)?;
    let namespace = req.render.namespace.clone();
    let HelmAnswers {
        deployed,
        kube_version,
        dry,
        rendered,
    } = ask_helm(ws, req, &to)?;
    let (local_to, helmfile_note) =
        local_source::load_with_note(&ws.repo, &to, req.release, Some(&req.render.namespace))?;
    let mut notes = ws.apply_notes(&to, req.render);
    notes.extend(helmfile_note);
    // Local hooks are compared with those of the commit deployed last (its
    // sha is in the release description), else all count as new.
    let local_from = deployed_local_hooks(ws, deployed.as_ref(), req.release, &mut notes);
    // Helm's word, not ours: a release uninstalled with --keep-history is
    // installed again (pre-install hooks, a new revision N+1).
    let operation = match dry.is_pending_install() {
        true => Operation::Install,
        false => Operation::Upgrade,
    };
    let from = match (&deployed, operation) {
        (Some(r), Operation::Upgrade) => RenderedRevision::stored(to.clone(), &r.hooks_stream())?,
        _ => RenderedRevision::empty(to.clone()),
    };
    // Its chart resources too: the timeline counts what Helm updates.
    let mut planned = RenderedRevision::stored(to.clone(), &dry.stored_stream())?;
    let mut from = from;
    if runs_no_hooks(req.flags) {
        // Helm stores the hooks in the release and runs none of them.
        notes.push(format!(
            "--no-hooks: Helm stores the chart's {} hooks in the release and runs none of them",
            planned.install.hooks.len()
        ));
        planned.install.hooks.clear();
        from.install.hooks.clear();
    }
    let both = crate::core::plan::SideRenders {
        install: &planned.install,
        upgrade: &planned.install,
    };
    let mut result = plan(
        from.renders(),
        both,
        &[operation],
        ws.helm()?.version,
        DiffOptions {
            context: 3,
            show_secrets: false,
        },
        (&local_from, &local_to),
    );
    // Helm's dry run says how this release's objects will be applied.
    if ws.helm()?.version.server_side_apply() && dry.apply_method != "ssa" {
        for op in &mut result.operations {
            op.timeline.created_client_side();
        }
    }
    notes.extend(crate::app::expected::expect_durations(
        &mut result,
        req.release,
        &namespace,
        req.timeout,
    ));
    if req.render.kube_version.is_some() || !req.render.api_versions.is_empty() {
        notes.push(format!(
            "--kube-version and --api-versions are for plans without a cluster: Helm's upgrade takes what the cluster serves{}",
            kube_version
                .as_ref()
                .map(|v| format!(" (Kubernetes {v})"))
                .unwrap_or_default()
        ));
    }
    let source = render_source(req, &deployed, &dry, operation, kube_version);
    let op_plan = result
        .operations
        .first()
        .cloned()
        .expect("one operation planned");
    let secrets = secrets_of(req.render, rendered.text_for(operation), &dry);
    let lint_errors = super::lint::findings(ws, &rendered, None, req.timeout)?
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let failure_branch = failure_branch(ws, req, deployed.as_ref(), &from, &planned, operation)?;
    let mut to_hooks = planned.install.hooks;
    KindOrder::for_helm(ws.helm()?.version).sort_hooks(&mut to_hooks);
    Ok(Prepared {
        release: req.release.to_string(),
        namespace,
        operation,
        source: Some(source),
        failure_branch,
        deployed,
        action: Action::Upgrade {
            to: Box::new(rendered),
            render: req.render.clone(),
        },
        to_hooks,
        op_plan,
        warnings: result.warnings.clone(),
        plan: result,
        lint_errors,
        notes,
        secrets,
        local_dirs: local_to
            .iter()
            .map(|h| local_source::hook_dir(&ws.repo, h))
            .collect(),
        local_hooks: local_to,
        local_timeout: req.local_timeout,
        stored_chart: None,
    })
}
