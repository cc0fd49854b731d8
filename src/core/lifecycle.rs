//! What `helm test`, `helm rollback` and `helm uninstall` decide before any
//! hook runs: which test hooks a `--filter` keeps, which revision a
//! rollback restores.

use super::hook::Hook;

/// One `helm test --filter` value: `name=X` keeps only the named hooks,
/// `!name=X` leaves a hook out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestFilter {
    Include(String),
    Exclude(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error(
        "--filter {0:?} is not one Helm reads: write name=NAME (run only NAME) or !name=NAME (skip NAME)"
    )]
    BadFilter(String),
    #[error("release {release} has no revision {revision} to roll back to{}: see `helm history {release}`", .current.map(|c| format!(" (it is at revision {c})")).unwrap_or_default())]
    NoSuchRevision {
        release: String,
        revision: u64,
        current: Option<u64>,
    },
}

impl TestFilter {
    /// Parses the values as Helm does: each `--filter` is split on commas
    /// (a string slice flag), then read by its prefix. Helm ignores any
    /// other prefix silently; here it is refused, since it filters nothing.
    pub fn parse_all(values: &[String]) -> Result<Vec<TestFilter>, LifecycleError> {
        let mut out = Vec::new();
        for part in values.iter().flat_map(|v| v.split(',')) {
            if let Some(name) = part.strip_prefix("!name=") {
                out.push(TestFilter::Exclude(name.to_string()));
            } else if let Some(name) = part.strip_prefix("name=") {
                out.push(TestFilter::Include(name.to_string()));
            } else {
                return Err(LifecycleError::BadFilter(part.to_string()));
            }
        }
        Ok(out)
    }

    /// The flag as Helm is given it.
    pub fn to_arg(&self) -> String {
        match self {
            TestFilter::Include(n) => format!("name={n}"),
            TestFilter::Exclude(n) => format!("!name={n}"),
        }
    }
}

/// The hooks `helm test` keeps: those not excluded by name; then, when any
/// `name=` filter is given, only those it names. Helm filters the whole
/// hook list by name before it picks the test event's hooks.
pub fn filter_tests(hooks: &[Hook], filters: &[TestFilter]) -> Vec<Hook> {
    let excluded: Vec<&str> = filters
        .iter()
        .filter_map(|f| match f {
            TestFilter::Exclude(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let included: Vec<&str> = filters
        .iter()
        .filter_map(|f| match f {
            TestFilter::Include(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    hooks
        .iter()
        .filter(|h| !excluded.contains(&h.name.as_str()))
        .filter(|h| included.is_empty() || included.contains(&h.name.as_str()))
        .cloned()
        .collect()
}

/// The revision `helm rollback RELEASE [N]` restores: N, or without it the
/// one before the latest (Helm takes latest - 1, whatever its status). It
/// must be one Helm still keeps.
pub fn rollback_target(
    release: &str,
    latest: u64,
    requested: Option<u64>,
    kept: &[u64],
) -> Result<u64, LifecycleError> {
    let target = match requested {
        Some(0) | None => latest.saturating_sub(1),
        Some(n) => n,
    };
    if target == 0 || !kept.contains(&target) {
        return Err(LifecycleError::NoSuchRevision {
            release: release.to_string(),
            revision: target,
            current: Some(latest),
        });
    }
    Ok(target)
}

/// A hook object `helm uninstall` leaves in the cluster: Helm stores hooks
/// apart from the release's manifest and never deletes them on uninstall,
/// so what a hook's delete policy did not remove after its last run stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftBehind {
    pub kind: String,
    pub name: String,
    /// Its events, `test` for a test pod.
    pub events: Vec<String>,
    /// Why it stays: its last run and the policy it lacks.
    pub why: String,
}

/// The hooks of the uninstalled revision whose objects stay, from what
/// the release recorded: `last_phase` is Helm's `last_run` phase of each
/// (none or `Unknown`: it never ran, nothing was created). Hooks in
/// `ran_now` (this uninstall's delete hooks) are left out: the summary
/// says where each is.
pub fn left_after_uninstall(
    hooks: &[Hook],
    last_phase: &dyn Fn(&Hook) -> Option<String>,
    ran_now: &[(String, String)],
) -> Vec<LeftBehind> {
    let mut out = Vec::new();
    for h in hooks {
        if ran_now.iter().any(|(k, n)| *k == h.kind && *n == h.name) {
            continue;
        }
        let Some(phase) = last_phase(h) else {
            continue;
        };
        let has = |p: &str| h.delete_policies.iter().any(|x| x == p);
        let lacks = |p: &str| match h.delete_policies.is_empty() {
            true => "no delete policy".to_string(),
            false => format!("no {p} policy"),
        };
        let why = match phase.as_str() {
            _ if h.kind == "CustomResourceDefinition" => {
                "Helm never deletes a CRD hook".to_string()
            }
            "Succeeded" if !has("hook-succeeded") => {
                format!("last run succeeded, {}", lacks("hook-succeeded"))
            }
            "Failed" if !has("hook-failed") => {
                format!("last run failed, {}", lacks("hook-failed"))
            }
            "Running" => "last run never ended".to_string(),
            _ => continue,
        };
        out.push(LeftBehind {
            kind: h.kind.clone(),
            name: h.name.clone(),
            events: h.events.iter().map(|e| e.to_string()).collect(),
            why,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::hook::parse_rendered;

    fn hooks() -> Vec<Hook> {
        let doc = |name: &str| {
            format!(
                "---\n# Source: a/templates/{name}.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: test\n"
            )
        };
        parse_rendered(&["db", "web", "smoke"].map(doc).concat())
            .unwrap()
            .hooks
    }

    fn names(h: &[Hook]) -> Vec<&str> {
        h.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn filters_read_as_helm_reads_them() {
        let f = TestFilter::parse_all(&["name=db,!name=web".into(), "name=smoke".into()]).unwrap();
        assert_eq!(
            f,
            [
                TestFilter::Include("db".into()),
                TestFilter::Exclude("web".into()),
                TestFilter::Include("smoke".into())
            ]
        );
        assert_eq!(f[1].to_arg(), "!name=web");
        let err = TestFilter::parse_all(&["db".into()]).unwrap_err();
        assert!(err.to_string().contains("name=NAME"), "{err}");
    }

    #[test]
    fn exclusions_apply_then_inclusions_narrow() {
        let all = hooks();
        assert_eq!(names(&filter_tests(&all, &[])), ["db", "web", "smoke"]);
        let f = TestFilter::parse_all(&["!name=web".into()]).unwrap();
        assert_eq!(names(&filter_tests(&all, &f)), ["db", "smoke"]);
        let f = TestFilter::parse_all(&["name=web,name=db".into()]).unwrap();
        assert_eq!(names(&filter_tests(&all, &f)), ["db", "web"]);
        // Excluded and included: excluded wins, as Helm excludes first.
        let f = TestFilter::parse_all(&["name=web,!name=web".into()]).unwrap();
        assert!(filter_tests(&all, &f).is_empty());
    }

    #[test]
    fn rollback_goes_to_the_revision_before_the_latest_unless_told() {
        assert_eq!(rollback_target("web", 3, None, &[1, 2, 3]), Ok(2));
        assert_eq!(rollback_target("web", 3, Some(0), &[1, 2, 3]), Ok(2));
        assert_eq!(rollback_target("web", 3, Some(1), &[1, 2, 3]), Ok(1));
        let err = rollback_target("web", 1, None, &[1]).unwrap_err();
        assert!(err.to_string().contains("no revision 0"), "{err}");
        // Pruned by --history-max.
        let err = rollback_target("web", 5, Some(1), &[3, 4, 5]).unwrap_err();
        assert!(
            err.to_string()
                .contains("has no revision 1 to roll back to (it is at revision 5)"),
            "{err}"
        );
    }

    #[test]
    fn uninstall_leaves_what_no_delete_policy_removed_after_its_last_run() {
        let doc = |name: &str, kind: &str, events: &str, policy: &str| {
            let policy = match policy {
                "" => String::new(),
                p => format!("\n    helm.sh/hook-delete-policy: {p}"),
            };
            format!(
                "---\n# Source: a/templates/{name}.yaml\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}{policy}\n"
            )
        };
        let stream = [
            doc("smoke", "Pod", "test", ""),
            doc("tidy", "Pod", "test", "hook-succeeded"),
            doc(
                "migrate",
                "Job",
                "pre-install,pre-upgrade",
                "before-hook-creation",
            ),
            doc("seed", "Job", "post-install", "hook-succeeded"),
            doc("never", "Job", "post-rollback", ""),
            doc("bye", "Job", "pre-delete", ""),
        ]
        .concat();
        let hooks = parse_rendered(&stream).unwrap().hooks;
        let phase = |h: &Hook| match h.name.as_str() {
            "never" => None,
            "seed" => Some("Failed".to_string()),
            _ => Some("Succeeded".to_string()),
        };
        let left = left_after_uninstall(&hooks, &phase, &[("Job".into(), "bye".into())]);
        let got: Vec<(&str, &str)> = left
            .iter()
            .map(|l| (l.name.as_str(), l.why.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("smoke", "last run succeeded, no delete policy"),
                ("migrate", "last run succeeded, no hook-succeeded policy"),
                ("seed", "last run failed, no hook-failed policy"),
            ]
        );
        assert_eq!(left[0].events, ["test"]);
    }
}
