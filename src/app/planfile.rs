//! Plan files: `plan --release NAME --out FILE` keeps what the reviewer saw
//! with the digests of every input; `apply --plan FILE` re-plans the same
//! way and goes on only when nothing drifted.

use super::apply::{Action, Prepared};
use super::workspace::Workspace;
use crate::adapters::plan_file;
use crate::adapters::render::values_inputs;
use crate::core::planfile::{
    ChartInput, DeployedInput, Drift, HookInput, NamedDigest, PLAN_FILE_API_VERSION,
    PLAN_FILE_KIND, PlanFile, PlanInputs, PlanViews, age_drift, digest, drifts,
};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The plan no longer holds: apply refuses, having changed nothing.
#[derive(Debug, thiserror::Error)]
#[error("refusing to apply plan {path}: {}{}", .drifts[0], match .drifts.len() { 1 => String::new(), n => format!(" (and {} more, above)", n - 1) })]
pub struct PlanDrift {
    pub path: String,
    pub drifts: Vec<Drift>,
    /// The `plan` command that makes a new plan file in its place.
    pub replan: String,
}

/// `plan --out` without `--release`: a plan file is applied to a release.
#[derive(Debug, thiserror::Error)]
#[error("--out needs --release NAME: a plan file is planned against the release it is applied to")]
pub struct OutNeedsRelease;

/// `--set a.b=1,c=2` as `--set a.b,c`: which keys, never their values.
fn set_name(flag: &str, arg: &str) -> String {
    let keys: Vec<&str> = arg
        .split(',')
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
        .collect();
    format!("{flag} {}", keys.join(","))
}

/// The digests of everything that decides what `p` makes Helm do.
pub fn inputs(ws: &Workspace, p: &Prepared, salt: &str) -> anyhow::Result<PlanInputs> {
    let Action::Upgrade { to, render } = &p.action else {
        anyhow::bail!("plan files are of apply (helm upgrade --install) only");
    };
    let rev = &to.rev;
    let worktree_hash = match rev.worktree {
        true => Some(ws.repo.snapshot(rev)?.fingerprint),
        false => None,
    };
    let values = values_inputs(&ws.repo, rev, render)?
        .into_iter()
        .map(|(path, content)| NamedDigest {
            name: ws
                .repo
                .repo_relative(&path)
                .unwrap_or_else(|| path.display().to_string()),
            digest: digest(salt, &content),
        })
        .collect();
    let set = render
        .set
        .iter()
        .map(|(flag, arg)| NamedDigest {
            name: set_name(flag, arg),
            digest: digest(salt, format!("{flag}\0{arg}").as_bytes()),
        })
        .collect();
    let hooks: Vec<HookInput> = p
        .to_hooks
        .iter()
        .map(|h| HookInput {
            kind: h.kind.clone(),
            name: h.name.clone(),
            events: h.events.iter().map(|e| e.to_string()).collect(),
            weight: h.weight,
            digest: digest(salt, &serde_json::to_vec(&h.document).unwrap_or_default()),
        })
        .collect();
    let order: String = p
        .op_plan
        .timeline
        .hooks()
        .map(|s| format!("{} {}/{} {}\n", s.event, s.kind, s.name, s.weight))
        .collect();
    Ok(PlanInputs {
        release: p.release.clone(),
        namespace: p.namespace.clone(),
        operation: p.operation.to_string(),
        helm_version: ws.helm()?.version.to_string(),
        deployed: p.deployed.as_ref().map(|d| DeployedInput {
            revision: d.version,
            digest: digest(salt, d.stored_stream().as_bytes()),
        }),
        chart: ChartInput {
            path: ws.repo.chart_path().to_string(),
            rev: rev.spec.clone(),
            commit: rev.commit.clone(),
            tree: rev.tree.clone(),
            worktree_hash,
        },
        values,
        set,
        hooks,
        hooks_digest: digest(salt, order.as_bytes()),
        manifest_digest: digest(salt, to.text_for(p.operation).as_bytes()),
    })
}

/// Writes the plan file of `p`: `plan` is the `HookPlan` document shown,
/// `views` its table and markdown.
pub fn save(
    ws: &Workspace,
    p: &Prepared,
    path: &Path,
    plan: serde_json::Value,
    views: PlanViews,
) -> anyhow::Result<()> {
    let salt = plan_file::new_salt()?;
    let file = PlanFile {
        api_version: PLAN_FILE_API_VERSION.into(),
        kind: PLAN_FILE_KIND.into(),
        created_at: crate::app::apply::record::now(),
        inputs: inputs(ws, p, &salt)?,
        salt,
        plan,
        views,
    };
    plan_file::write(path, &file)?;
    Ok(())
}

/// A plan file and the digest of its bytes.
pub fn load(path: &Path) -> anyhow::Result<(PlanFile, String)> {
    Ok(plan_file::read(path)?)
}

/// `helm hooks plan [CHART] --release NAME -n NS --out FILE` for the
/// release at hand, the chart named from the current directory (left out
/// when it is that directory, `plan`'s default).
fn replan_command(ws: &Workspace, p: &Prepared, path: &Path) -> String {
    use crate::core::local::shell_quote;
    let chart = match ws.repo.dir_from_current(ws.repo.chart_path()) {
        c if c == "." => String::new(),
        c => format!(" {}", shell_quote(&c)),
    };
    format!(
        "helm hooks plan{chart} --release {} -n {} --out {}",
        shell_quote(&p.release),
        shell_quote(&p.namespace),
        shell_quote(&path.display().to_string())
    )
}

/// What stops `p` from honouring `file`: every input that drifted, and
/// the plan's age past `max_age`.
pub fn check(
    ws: &Workspace,
    p: &Prepared,
    path: &Path,
    file: &PlanFile,
    max_age: Duration,
) -> anyhow::Result<()> {
    let now = inputs(ws, p, &file.salt)?;
    let mut found = drifts(&file.inputs, &now);
    let created = crate::core::time::parse_rfc3339(&file.created_at);
    let age = created
        .and_then(|c| SystemTime::now().duration_since(c).ok())
        .unwrap_or_default();
    found.extend(age_drift(age, max_age));
    match found.is_empty() {
        true => Ok(()),
        false => Err(PlanDrift {
            path: path.display().to_string(),
            drifts: found,
            replan: replan_command(ws, p, path),
        }
        .into()),
    }
}
