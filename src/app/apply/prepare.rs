//! Apply's plan: the hooks stored in the deployed release against those
//! Helm will run, from a dry run of this very `helm upgrade --install` on
//! the cluster (values, capabilities, lookups, revision, post-renderer are
//! Helm's own), with what Helm does should the run fail.

use super::Action;
use super::{ApplyRequest, Prepared, UpgradeFlags, kube_target, run};
use crate::adapters::audit_store::AuditStore;
use crate::adapters::local_source;
use crate::adapters::release::{self, Release};
use crate::adapters::render::{Needs, RenderOptions};
use crate::app::revision::RenderedRevision;
use crate::app::workspace::Workspace;
use crate::core::audit::{FailureBranch, HookOutcome, HookPhase};
use crate::core::hook::Hook;
use crate::core::local::LocalHook;
use crate::core::model::Revision;
use crate::core::order::KindOrder;
use crate::core::plan::plan;
use crate::core::redact::secret_values;
use crate::core::render_source::{RenderSource, ValueFlags, values_source};
use crate::core::timeline::{Operation, timeline};

/// What Helm says before an apply.
struct HelmAnswers {
    /// The release's latest revision.
    deployed: Option<Release>,
    kube_version: Option<String>,
    /// The dry run of this very upgrade on the cluster.
    dry: Release,
    /// The offline render of the chart.
    rendered: RenderedRevision,
    /// Earlier runs of the release (the local log and the cluster's), for
    /// the hooks' expected durations.
    runs: Option<anyhow::Result<crate::app::history::Log>>,
}

/// Four waits, side by side: what is deployed, the release's earlier runs
/// (local log, cluster records), Helm's dry
/// run of this upgrade on this cluster (what the plan shows), and the
/// offline render (cached; lint reads it, since only `helm template` names
/// the documents Helm drops). Both renders are asked for, since the
/// operation is not known yet; a chart that does not branch on it renders
/// once anyway.
fn ask_helm(ws: &Workspace, req: &ApplyRequest<'_>, to: &Revision) -> anyhow::Result<HelmAnswers> {
    let namespace = &req.render.namespace;
    let helm = &ws.helm()?;
    let (status, dry, rendered, runs) = std::thread::scope(|s| {
        let status = s.spawn(|| {
            let status = release::status(helm, req.release, namespace);
            (status, crate::adapters::kube::server_version(namespace))
        });
        let runs = s.spawn(|| crate::app::baseline::release_log(req.release, namespace));
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
            runs.join().expect("audit log thread panicked"),
        )
    });
    let (deployed, kube_version) = status;
    Ok(HelmAnswers {
        deployed: deployed?,
        kube_version,
        dry: dry?,
        rendered: rendered?,
        runs,
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

/// Helm's operation first among the others asked for, in lifecycle order:
/// install or upgrade is Helm's choice (`upgrade --install`), so the other
/// of the two is never planned.
fn planned_operations(helm_runs: Operation, also: &[Operation]) -> Vec<Operation> {
    Operation::ALL
        .into_iter()
        .filter(|o| {
            *o == helm_runs
                || (also.contains(o) && !matches!(o, Operation::Install | Operation::Upgrade))
        })
        .collect()
}

/// The marker apply writes into the release description, `helm-hooks
/// apply REV SHA`; `helm-hooks apply SHA` when the revision was named by
/// its commit id or an abbreviation of it (said once). `sha` is
/// `worktree:HASH` for uncommitted files.
pub fn description_marker(rev: &str, sha: &str) -> String {
    let abbreviates = rev.len() >= 4 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    match abbreviates && sha.starts_with(rev) {
        true => format!("helm-hooks apply {sha}"),
        false => format!("helm-hooks apply {rev} {sha}"),
    }
}

/// The sha a previous apply wrote into the release description (see
/// [`description_marker`]; a user's `--description` follows it after ` - `).
pub fn deployed_sha(description: &str) -> Option<String> {
    let rest = description.strip_prefix("helm-hooks apply ")?;
    let mut words = rest.split_whitespace();
    let rev = words.next()?;
    match words.next() {
        Some(sha) if sha != "-" => Some(sha.to_string()),
        _ => is_commit_id(rev).then(|| rev.to_string()),
    }
}

/// A full commit id, SHA-1 or SHA-256.
fn is_commit_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit `deployed` (a revision of `release` in `namespace`) was
/// made from: its description says, for an apply; else the local audit
/// log's run that made it (a failed upgrade's description is Helm's
/// error, a rollback's `Rollback to N`).
pub fn deployed_commit(deployed: &Release, release: &str, namespace: &str) -> Option<String> {
    deployed_sha(&deployed.info.description).or_else(|| {
        let log = crate::app::history::read(&AuditStore::open_default()).ok()?;
        log.revision_commit(release, namespace, deployed.version, None)
    })
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
        runs,
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
    let mut from = match (&deployed, operation) {
        (Some(r), Operation::Upgrade) => RenderedRevision::stored(to.clone(), &r.hooks_stream())?,
        _ => RenderedRevision::empty(to.clone()),
    };
    // Its chart resources too: the timeline counts what Helm updates.
    let mut planned = RenderedRevision::stored(to.clone(), &dry.stored_stream())?;
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
    let operations = planned_operations(operation, req.also);
    let helm = ws.helm()?.version;
    let mut result = plan(
        from.renders(),
        both,
        &operations,
        helm,
        req.diff,
        (&local_from, &local_to),
    );
    // Helm's dry run says how this release's objects will be applied.
    if helm.server_side_apply() && dry.apply_method != "ssa" {
        for op in &mut result.operations {
            if op.timeline.operation == operation {
                op.timeline.created_client_side();
            }
        }
    }
    notes.extend(crate::app::expected::expect_durations_from(
        &mut result,
        req.release,
        &namespace,
        req.timeout,
        runs.as_ref().and_then(|r| r.as_ref().ok()),
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
        .iter()
        .find(|o| o.timeline.operation == operation)
        .cloned()
        .expect("Helm's operation is planned");
    let secrets = secrets_of(req.render, rendered.text_for(operation), &dry);
    let findings = crate::app::lint::findings(ws, &rendered, None, req.timeout)?.findings;
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
        findings,
        notes,
        secrets,
        local_dirs: local_to
            .iter()
            .map(|h| local_source::hook_dir(&ws.repo, h))
            .collect(),
        local_hooks: local_to,
        local_timeout: req.local_timeout,
        stored_chart: None,
        filtered_out: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::{deployed_sha, description_marker};

    #[test]
    fn the_description_names_a_commit_once_and_reads_back() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        for (rev, marker) in [
            ("HEAD", format!("helm-hooks apply HEAD {sha}")),
            (sha, format!("helm-hooks apply {sha}")),
            ("0123456", format!("helm-hooks apply {sha}")),
            // A branch whose name is hex but not the commit's start.
            ("beef", format!("helm-hooks apply beef {sha}")),
        ] {
            assert_eq!(description_marker(rev, sha), marker);
            assert_eq!(deployed_sha(&marker).as_deref(), Some(sha), "{marker}");
            let with_user = format!("{marker} - ticket 42");
            assert_eq!(
                deployed_sha(&with_user).as_deref(),
                Some(sha),
                "{with_user}"
            );
        }
        let worktree = description_marker("WORKTREE", "worktree:00aa11bb22cc33dd");
        assert_eq!(
            worktree,
            "helm-hooks apply WORKTREE worktree:00aa11bb22cc33dd"
        );
        assert_eq!(
            deployed_sha(&worktree).as_deref(),
            Some("worktree:00aa11bb22cc33dd")
        );
        assert_eq!(deployed_sha("helm-hooks apply HEAD"), None);
        assert_eq!(deployed_sha("Upgrade complete"), None);
    }
}
