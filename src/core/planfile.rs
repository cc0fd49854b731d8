//! A plan file: what a reviewer saw, and what `apply --plan` must meet to
//! honour it. Every input that decides what Helm does is kept as a salted
//! digest (never a value), and drift is the list of inputs whose digest
//! moved, said in the user's terms.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::Duration;

pub const PLAN_FILE_API_VERSION: &str = "helm-hooks/v1";
pub const PLAN_FILE_KIND: &str = "HookPlanFile";

/// `sha256:<hex>` of `salt`, a NUL, and `bytes`. The salt (random per
/// plan file) keeps a digest of a short value from being looked up in a
/// table made in advance.
pub fn digest(salt: &str, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0]);
    h.update(bytes);
    format!("sha256:{:x}", h.finalize())
}

/// The deployed revision the plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedInput {
    pub revision: u64,
    /// Of its stored manifest and hooks.
    pub digest: String,
}

/// The chart as of the planned revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartInput {
    /// Repository-relative directory.
    pub path: String,
    /// The revision as the user wrote it (`HEAD`, `main`, a sha, WORKTREE).
    pub rev: String,
    pub commit: Option<String>,
    pub tree: Option<String>,
    /// Content hash of the chart when `rev` is WORKTREE.
    pub worktree_hash: Option<String>,
}

/// One input by name (a values file's path, `--set` and its keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedDigest {
    pub name: String,
    pub digest: String,
}

/// One hook of the plan: what identifies it, what orders it, its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookInput {
    pub kind: String,
    pub name: String,
    pub events: Vec<String>,
    pub weight: i64,
    pub digest: String,
}

/// Everything apply must meet to honour a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanInputs {
    pub release: String,
    pub namespace: String,
    /// install | upgrade
    pub operation: String,
    pub helm_version: String,
    /// `None`: the release did not exist.
    pub deployed: Option<DeployedInput>,
    pub chart: ChartInput,
    pub values: Vec<NamedDigest>,
    pub set: Vec<NamedDigest>,
    pub hooks: Vec<HookInput>,
    pub hooks_digest: String,
    pub manifest_digest: String,
}

/// What a reviewer saw, rendered when the plan was made (no colour).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanViews {
    pub table: String,
    pub markdown: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanFile {
    pub api_version: String,
    pub kind: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Hex; the digests' salt.
    pub salt: String,
    pub inputs: PlanInputs,
    /// The `HookPlan` document (`plan -o json`) as it was shown.
    pub plan: serde_json::Value,
    pub views: PlanViews,
}

/// One reason a plan no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Release {
        planned: String,
        now: String,
    },
    Moved {
        from: u64,
        to: u64,
    },
    Installed {
        now: u64,
    },
    Uninstalled {
        was: u64,
    },
    RevisionChanged {
        revision: u64,
    },
    Commit {
        rev: String,
        planned: String,
        now: String,
    },
    Worktree,
    Values {
        name: String,
        what: &'static str,
    },
    Set,
    Helm {
        planned: String,
        now: String,
    },
    HookAdded {
        hook: String,
    },
    HookRemoved {
        hook: String,
    },
    HookWeight {
        hook: String,
        planned: i64,
        now: i64,
    },
    HookEvents {
        hook: String,
        planned: String,
        now: String,
    },
    HookChanged {
        hook: String,
    },
    Manifest,
    TooOld {
        age: Duration,
        max: Duration,
    },
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Release { planned, now } => {
                write!(f, "the plan is for {planned}, not {now}")
            }
            Drift::Moved { from, to } => {
                write!(
                    f,
                    "the release moved from revision {from} to {to} since the plan"
                )
            }
            Drift::Installed { now } => write!(
                f,
                "the release did not exist when planned; it is now at revision {now}"
            ),
            Drift::Uninstalled { was } => write!(
                f,
                "the release was at revision {was} when planned; it is gone now"
            ),
            Drift::RevisionChanged { revision } => write!(
                f,
                "revision {revision}'s stored manifest or hooks changed since the plan"
            ),
            Drift::Commit { rev, planned, now } => write!(
                f,
                "{rev} is now {} (the plan was made at {})",
                short(now),
                short(planned)
            ),
            Drift::Worktree => write!(f, "the working tree's chart changed since the plan"),
            Drift::Values { name, what } => write!(f, "{name} {what}"),
            Drift::Set => write!(f, "the --set values differ from the plan's"),
            Drift::Helm { planned, now } => write!(f, "Helm {now}, plan made with {planned}"),
            Drift::HookAdded { hook } => write!(f, "hook {hook} is new since the plan"),
            Drift::HookRemoved { hook } => write!(f, "hook {hook} was removed since the plan"),
            Drift::HookWeight { hook, planned, now } => {
                write!(f, "hook {hook} changed: weight {planned} -> {now}")
            }
            Drift::HookEvents { hook, planned, now } => {
                write!(f, "hook {hook} changed: events {planned} -> {now}")
            }
            Drift::HookChanged { hook } => write!(f, "hook {hook} changed"),
            Drift::Manifest => write!(f, "the rendered manifest changed since the plan"),
            Drift::TooOld { age, max } => write!(
                f,
                "the plan is {} old, past --plan-max-age {}",
                humantime::format_duration(Duration::from_secs(age.as_secs())),
                humantime::format_duration(*max)
            ),
        }
    }
}

fn hook_drifts(planned: &[HookInput], now: &[HookInput], out: &mut Vec<Drift>) {
    let id = |h: &HookInput| format!("{}/{}", h.kind, h.name);
    let find = |list: &[HookInput], h: &HookInput| {
        list.iter()
            .find(|x| x.kind == h.kind && x.name == h.name)
            .cloned()
    };
    for p in planned {
        match find(now, p) {
            None => out.push(Drift::HookRemoved { hook: id(p) }),
            Some(n) if n.weight != p.weight => out.push(Drift::HookWeight {
                hook: id(p),
                planned: p.weight,
                now: n.weight,
            }),
            Some(n) if n.events != p.events => out.push(Drift::HookEvents {
                hook: id(p),
                planned: p.events.join(","),
                now: n.events.join(","),
            }),
            Some(n) if n.digest != p.digest => out.push(Drift::HookChanged { hook: id(p) }),
            Some(_) => {}
        }
    }
    for n in now {
        if find(planned, n).is_none() {
            out.push(Drift::HookAdded { hook: id(n) });
        }
    }
}

/// Every input of `now` whose digest is not the plan's, most telling first.
pub fn drifts(planned: &PlanInputs, now: &PlanInputs) -> Vec<Drift> {
    let mut out = Vec::new();
    let target = |i: &PlanInputs| format!("release {} in namespace {}", i.release, i.namespace);
    if (&planned.release, &planned.namespace) != (&now.release, &now.namespace) {
        out.push(Drift::Release {
            planned: target(planned),
            now: target(now),
        });
    }
    match (&planned.deployed, &now.deployed) {
        (Some(p), Some(n)) if p.revision != n.revision => out.push(Drift::Moved {
            from: p.revision,
            to: n.revision,
        }),
        (Some(p), Some(n)) if p.digest != n.digest => out.push(Drift::RevisionChanged {
            revision: p.revision,
        }),
        (None, Some(n)) => out.push(Drift::Installed { now: n.revision }),
        (Some(p), None) => out.push(Drift::Uninstalled { was: p.revision }),
        _ => {}
    }
    if planned.helm_version != now.helm_version {
        out.push(Drift::Helm {
            planned: planned.helm_version.clone(),
            now: now.helm_version.clone(),
        });
    }
    let (pc, nc) = (&planned.chart, &now.chart);
    if let (Some(p), Some(n)) = (&pc.commit, &nc.commit)
        && (p != n || pc.tree != nc.tree)
    {
        out.push(Drift::Commit {
            rev: pc.rev.clone(),
            planned: p.clone(),
            now: n.clone(),
        });
    }
    if pc.worktree_hash != nc.worktree_hash || pc.commit.is_some() != nc.commit.is_some() {
        out.push(Drift::Worktree);
    }
    for p in &planned.values {
        match now.values.iter().find(|n| n.name == p.name) {
            None => out.push(Drift::Values {
                name: p.name.clone(),
                what: "is no longer given (-f)",
            }),
            Some(n) if n.digest != p.digest => out.push(Drift::Values {
                name: p.name.clone(),
                what: "changed",
            }),
            Some(_) => {}
        }
    }
    for n in &now.values {
        if !planned.values.iter().any(|p| p.name == n.name) {
            out.push(Drift::Values {
                name: n.name.clone(),
                what: "is given (-f) but was not when planned",
            });
        }
    }
    if planned.set != now.set {
        out.push(Drift::Set);
    }
    let before = out.len();
    hook_drifts(&planned.hooks, &now.hooks, &mut out);
    if out.len() == before && planned.hooks_digest != now.hooks_digest {
        out.push(Drift::HookChanged {
            hook: "order".into(),
        });
    }
    if planned.manifest_digest != now.manifest_digest && out.is_empty() {
        out.push(Drift::Manifest);
    }
    out
}

/// The plan's age against `--plan-max-age`.
pub fn age_drift(age: Duration, max: Duration) -> Option<Drift> {
    (age > max).then_some(Drift::TooOld { age, max })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> PlanInputs {
        PlanInputs {
            release: "web".into(),
            namespace: "shop".into(),
            operation: "upgrade".into(),
            helm_version: "v4.1.4".into(),
            deployed: Some(DeployedInput {
                revision: 4,
                digest: "d4".into(),
            }),
            chart: ChartInput {
                path: "app".into(),
                rev: "HEAD".into(),
                commit: Some("a".repeat(40)),
                tree: Some("t1".into()),
                worktree_hash: None,
            },
            values: vec![NamedDigest {
                name: "app/values.yaml".into(),
                digest: "v1".into(),
            }],
            set: vec![NamedDigest {
                name: "--set db.password".into(),
                digest: "s1".into(),
            }],
            hooks: vec![HookInput {
                kind: "Job".into(),
                name: "x".into(),
                events: vec!["pre-upgrade".into()],
                weight: -5,
                digest: "h1".into(),
            }],
            hooks_digest: "hh".into(),
            manifest_digest: "mm".into(),
        }
    }

    #[test]
    fn the_same_inputs_hold() {
        assert!(drifts(&inputs(), &inputs()).is_empty());
    }

    #[test]
    fn changing_any_one_input_changes_the_verdict() {
        type Edit = fn(&mut PlanInputs);
        let edits: Vec<(&str, Edit)> = vec![
            (
                "the plan is for release web in namespace shop, not release web in namespace prod",
                |i| i.namespace = "prod".into(),
            ),
            (
                "the release moved from revision 4 to 5 since the plan",
                |i| i.deployed.as_mut().unwrap().revision = 5,
            ),
            (
                "revision 4's stored manifest or hooks changed since the plan",
                |i| i.deployed.as_mut().unwrap().digest = "x".into(),
            ),
            (
                "the release was at revision 4 when planned; it is gone now",
                |i| i.deployed = None,
            ),
            ("Helm v3.17.1, plan made with v4.1.4", |i| {
                i.helm_version = "v3.17.1".into()
            }),
            (
                "HEAD is now bbbbbbbbbbbb (the plan was made at aaaaaaaaaaaa)",
                |i| i.chart.commit = Some("b".repeat(40)),
            ),
            ("the working tree's chart changed since the plan", |i| {
                i.chart.commit = None;
                i.chart.worktree_hash = Some("w".into())
            }),
            ("app/values.yaml changed", |i| {
                i.values[0].digest = "v2".into()
            }),
            ("app/values.yaml is no longer given (-f)", |i| {
                i.values.clear()
            }),
            ("the --set values differ from the plan's", |i| {
                i.set[0].digest = "s2".into()
            }),
            ("hook Job/x changed: weight -5 -> 0", |i| {
                i.hooks[0].weight = 0
            }),
            (
                "hook Job/x changed: events pre-upgrade -> post-upgrade",
                |i| i.hooks[0].events = vec!["post-upgrade".into()],
            ),
            ("hook Job/x changed", |i| i.hooks[0].digest = "h2".into()),
            ("hook Job/x was removed since the plan", |i| i.hooks.clear()),
            ("the rendered manifest changed since the plan", |i| {
                i.manifest_digest = "m2".into()
            }),
        ];
        for (want, edit) in edits {
            let mut now = inputs();
            edit(&mut now);
            let got: Vec<String> = drifts(&inputs(), &now)
                .iter()
                .map(|d| d.to_string())
                .collect();
            assert!(got.contains(&want.to_string()), "{want:?} not in {got:?}");
        }
    }

    #[test]
    fn digests_are_salted_and_plans_age() {
        assert_ne!(digest("a", b"hunter2"), digest("b", b"hunter2"));
        assert_eq!(digest("a", b"x"), digest("a", b"x"));
        assert!(!digest("a", b"hunter2").contains("hunter2"));
        let day = Duration::from_secs(86_400);
        assert_eq!(age_drift(day / 2, day), None);
        assert_eq!(
            age_drift(day + Duration::from_secs(7200), day)
                .unwrap()
                .to_string(),
            "the plan is 1day 2h old, past --plan-max-age 1day"
        );
    }
}
