//! Runs recorded in the cluster for the whole team: one Secret per run in
//! the release's namespace, of its own type, as Helm keeps its releases.
//! This module says what such an object holds and how a set of them is
//! read, kept and merged with the local log; the adapter talks to the API.

pub use super::audit::Store;
use super::audit::{AUDIT_SCHEMA, Body, Record, Run, RunStarted, RunStatus, fold_runs};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::collections::HashSet;
use std::io::{Read, Write};

/// The Secret type of a run object: never one of Helm's release Secrets
/// (`helm.sh/release.v1`), never an application's.
pub const RUN_TYPE: &str = "helm-hooks.io/run.v1";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "helm-hooks";
pub const RELEASE_LABEL: &str = "helm-hooks.io/release";
pub const RUN_LABEL: &str = "helm-hooks.io/run";
pub const STATUS_LABEL: &str = "helm-hooks.io/status";
/// The data key holding the run's records: gzip of JSON Lines.
pub const RECORDS_KEY: &str = "records";
/// Runs kept per release when `--history-max` is not given, as Helm keeps
/// its own revisions bounded.
pub const DEFAULT_HISTORY_MAX: usize = 20;

/// A label value Kubernetes accepts: at most 63 of `[A-Za-z0-9._-]`,
/// starting and ending alphanumeric. Anything else becomes `-`.
pub fn label_value(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '-',
        })
        .take(63)
        .collect();
    mapped
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// The object's name: `helm-hooks.run.v1.<release>.<run id>`, lowercase as
/// a DNS subdomain must be (run ids hold a `T`). Release names are DNS
/// labels already (Helm refuses others).
pub fn object_name(release: &str, run_id: &str) -> String {
    let id: String = run_id
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '.') => c,
            _ => '-',
        })
        .collect();
    let name = format!("helm-hooks.run.v1.{release}.{}", id.trim_matches('-'));
    name.chars().take(253).collect()
}

/// The label selector of a release's run objects, or of every run object.
pub fn selector(release: Option<&str>) -> String {
    match release {
        Some(r) => format!(
            "{MANAGED_BY_LABEL}={MANAGED_BY},{RELEASE_LABEL}={}",
            label_value(r)
        ),
        None => format!("{MANAGED_BY_LABEL}={MANAGED_BY},{RELEASE_LABEL}"),
    }
}

/// The status label: `running` until the run records its end, then how
/// it ended.
pub fn status_label(records: &[Record]) -> &'static str {
    match fold_runs(records.iter().cloned()).first() {
        // A later run found it killed: it will never end.
        Some(run) if run.end.is_none() && run.resolved.is_some() => "interrupted",
        Some(run) if run.end.is_none() => "running",
        Some(run) => match run.status {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        },
        None => "running",
    }
}

/// The labels of a run object.
pub fn labels(release: &str, run_id: &str, records: &[Record]) -> Vec<(String, String)> {
    vec![
        (MANAGED_BY_LABEL.into(), MANAGED_BY.into()),
        (RELEASE_LABEL.into(), label_value(release)),
        (RUN_LABEL.into(), label_value(run_id)),
        (STATUS_LABEL.into(), status_label(records).into()),
    ]
}

/// The records as stored: JSON Lines, gzip-compressed (a run with long
/// log tails would otherwise come near a Secret's 1 MiB).
pub fn encode(records: &[Record]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    for r in records {
        // Writing to memory cannot fail; a record always serializes.
        let line = serde_json::to_vec(r).expect("a record serializes");
        gz.write_all(&line).expect("writing to memory");
        gz.write_all(b"\n").expect("writing to memory");
    }
    gz.finish().expect("writing to memory")
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("its records are not gzip: {0}")]
    NotGzip(String),
    #[error("record {line} is not one this helm-hooks reads: {reason}")]
    BadRecord { line: usize, reason: String },
}

/// The records of a run object, in the order written.
pub fn decode(bytes: &[u8]) -> Result<Vec<Record>, DecodeError> {
    let mut text = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut text)
        .map_err(|e| DecodeError::NotGzip(e.to_string()))?;
    let mut records = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: Record = serde_json::from_slice(line).map_err(|e| DecodeError::BadRecord {
            line: i + 1,
            reason: e.to_string(),
        })?;
        if record.schema > AUDIT_SCHEMA {
            return Err(DecodeError::BadRecord {
                line: i + 1,
                reason: format!(
                    "schema {} is newer than this helm-hooks reads ({AUDIT_SCHEMA})",
                    record.schema
                ),
            });
        }
        records.push(record);
    }
    Ok(records)
}

/// A run object as listed: enough to choose which to delete.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub name: String,
    /// RFC 3339, from the API server's clock (one clock for every writer).
    pub created: String,
}

/// The objects to delete so that `keep` remain, oldest first; `keep` 0
/// keeps every one, as Helm's `--history-max 0` does.
pub fn to_prune(mut objects: Vec<Listed>, keep: usize) -> Vec<String> {
    if keep == 0 || objects.len() <= keep {
        return Vec::new();
    }
    // RFC 3339 in UTC sorts as text; the name breaks ties (same second).
    objects.sort_by(|a, b| a.created.cmp(&b.created).then(a.name.cmp(&b.name)));
    let excess = objects.len() - keep;
    objects.into_iter().take(excess).map(|o| o.name).collect()
}

/// Who ran it: the CI job when one ran it, else `user@host`.
pub fn recorded_by(start: &RunStarted) -> String {
    match &start.ci_job {
        Some(job) => job.clone(),
        None if start.host.is_empty() => start.user.clone(),
        None => format!("{}@{}", start.user, start.host),
    }
}

/// The CI job running this process, from the variables CI systems set:
/// GitHub Actions (`GITHUB_RUN_ID`), GitLab (`CI_JOB_ID`), or any CI
/// that sets `CI`. `var` reads the environment.
pub fn ci_job(var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(run) = var("GITHUB_RUN_ID") {
        return Some(match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY")) {
            (Some(server), Some(repo)) => format!("{server}/{repo}/actions/runs/{run}"),
            _ => format!("GitHub Actions run {run}"),
        });
    }
    if let Some(job) = var("CI_JOB_ID") {
        return Some(var("CI_JOB_URL").unwrap_or_else(|| format!("GitLab job {job}")));
    }
    let truthy = |v: String| !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false");
    var("CI").filter(|v| truthy(v.clone())).map(|_| {
        let host = var("HOSTNAME").unwrap_or_default();
        match host.is_empty() {
            true => "a CI job".to_string(),
            false => format!("a CI job on {host}"),
        }
    })
}

/// Runs of both stores, merged by run id, newest first. A record found in
/// both is taken once; a record only one store has (a resolution another
/// machine wrote to the cluster, or a local one) is kept.
pub fn merge(local: Vec<Record>, cluster: Vec<Record>) -> Vec<Run> {
    let in_local: HashSet<String> = local.iter().map(|r| r.run.clone()).collect();
    let in_cluster: HashSet<String> = cluster.iter().map(|r| r.run.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut all = Vec::with_capacity(local.len() + cluster.len());
    for r in local.into_iter().chain(cluster) {
        // Serialized, a record is its own identity.
        let key = serde_json::to_string(&r).unwrap_or_default();
        if seen.insert(key) {
            all.push(r);
        }
    }
    // Starts come first so that each run's other records find it, whatever
    // store they came from.
    all.sort_by_key(|r| !matches!(r.body, Body::RunStarted(_)));
    let mut runs = fold_runs(all);
    for run in &mut runs {
        if in_local.contains(&run.id) {
            run.recorded_in.push(Store::Local);
        }
        if in_cluster.contains(&run.id) {
            run.recorded_in.push(Store::Cluster);
        }
    }
    // Newest first across machines, by start time; a stable sort keeps the
    // log's own order among runs of the same second.
    runs.sort_by(|a, b| b.started.cmp(&a.started));
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::audit::test_record as rec;
    use crate::core::audit::{HookState, RunEnded};

    fn started(release: &str, user: &str, host: &str) -> Body {
        Body::RunStarted(RunStarted {
            release: release.into(),
            namespace: "shop".into(),
            user: user.into(),
            host: host.into(),
            operation: "upgrade".into(),
            ..Default::default()
        })
    }

    fn ended(exit: i32) -> Body {
        Body::RunEnded(RunEnded {
            helm_exit: exit,
            ..Default::default()
        })
    }

    #[test]
    fn names_and_labels_are_what_kubernetes_accepts() {
        assert_eq!(
            object_name("web", "20261203T140501-1a2b3c"),
            "helm-hooks.run.v1.web.20261203t140501-1a2b3c"
        );
        assert_eq!(
            object_name("web", "Run_1/x"),
            "helm-hooks.run.v1.web.run-1-x"
        );
        assert_eq!(
            label_value("20261203T140501-1a2b3c"),
            "20261203T140501-1a2b3c"
        );
        assert_eq!(label_value("-a b:c-"), "a-b-c");
        assert_eq!(label_value(&"x".repeat(80)).len(), 63);
        assert_eq!(
            selector(Some("web")),
            "app.kubernetes.io/managed-by=helm-hooks,helm-hooks.io/release=web"
        );
    }

    #[test]
    fn the_status_label_says_running_until_the_end_is_recorded() {
        let mut records = vec![rec("r1", "2026-12-03T10:00:00Z", started("web", "a", "h"))];
        assert_eq!(status_label(&records), "running");
        let resolved = rec(
            "r1",
            "2026-12-03T10:01:00Z",
            Body::RunResolved(crate::core::audit::RunResolved::default()),
        );
        assert_eq!(
            status_label(&[records.clone(), vec![resolved]].concat()),
            "interrupted"
        );
        records.push(rec("r1", "2026-12-03T10:00:05Z", ended(1)));
        assert_eq!(status_label(&records), "failed");
        records.pop();
        records.push(rec("r1", "2026-12-03T10:00:05Z", ended(0)));
        assert_eq!(status_label(&records), "succeeded");
        let labels = labels("web", "r1", &records);
        assert!(labels.contains(&(STATUS_LABEL.into(), "succeeded".into())));
        assert!(labels.contains(&(MANAGED_BY_LABEL.into(), MANAGED_BY.into())));
    }

    #[test]
    fn records_round_trip_compressed() {
        let records = vec![
            rec("r1", "2026-12-03T10:00:00Z", started("web", "a", "h")),
            rec(
                "r1",
                "2026-12-03T10:00:01Z",
                Body::HookState(HookState {
                    kind: "Job".into(),
                    name: "migrate".into(),
                    state: "running".into(),
                    detail: Some("x".repeat(10_000)),
                }),
            ),
        ];
        let bytes = encode(&records);
        assert!(bytes.len() < 2_000, "{}", bytes.len());
        assert_eq!(decode(&bytes).unwrap(), records);
        assert!(matches!(decode(b"plain"), Err(DecodeError::NotGzip(_))));
    }

    #[test]
    fn pruning_deletes_the_oldest_beyond_the_limit() {
        let listed = |name: &str, created: &str| Listed {
            name: name.into(),
            created: created.into(),
        };
        let objects = vec![
            listed("c", "2026-12-03T10:00:03Z"),
            listed("a", "2026-12-03T10:00:01Z"),
            listed("b2", "2026-12-03T10:00:02Z"),
            listed("b1", "2026-12-03T10:00:02Z"),
        ];
        assert_eq!(to_prune(objects.clone(), 2), ["a", "b1"]);
        assert_eq!(to_prune(objects.clone(), 4), Vec::<String>::new());
        assert_eq!(to_prune(objects, 0), Vec::<String>::new());
    }

    #[test]
    fn the_ci_job_names_who_ran_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            ci_job(&env(&[
                ("GITHUB_RUN_ID", "42"),
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("CI", "true"),
            ])),
            Some("https://github.com/acme/shop/actions/runs/42".into())
        );
        assert_eq!(
            ci_job(&env(&[("CI_JOB_ID", "7"), ("CI", "true")])),
            Some("GitLab job 7".into())
        );
        assert_eq!(ci_job(&env(&[("CI", "false")])), None);
        assert_eq!(ci_job(&env(&[])), None);
        let mut start = RunStarted {
            user: "ann".into(),
            host: "laptop".into(),
            ..Default::default()
        };
        assert_eq!(recorded_by(&start), "ann@laptop");
        start.ci_job = Some("GitLab job 7".into());
        assert_eq!(recorded_by(&start), "GitLab job 7");
    }

    #[test]
    fn merging_takes_each_run_once_and_says_where_it_was() {
        let local = vec![
            rec("r1", "2026-12-03T10:00:00Z", started("web", "ann", "a")),
            rec("r1", "2026-12-03T10:00:09Z", ended(0)),
            rec("r0", "2026-12-03T09:00:00Z", started("web", "ann", "a")),
        ];
        let cluster = vec![
            // Another machine's run, newer than both.
            rec("r2", "2026-12-03T11:00:00Z", started("web", "bob", "b")),
            // The same run as the local one, as the cluster holds it.
            rec("r1", "2026-12-03T10:00:00Z", started("web", "ann", "a")),
            rec("r1", "2026-12-03T10:00:09Z", ended(0)),
        ];
        let runs = merge(local, cluster);
        let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["r2", "r1", "r0"]);
        assert_eq!(runs[0].recorded_in, [Store::Cluster]);
        assert_eq!(runs[1].recorded_in, [Store::Local, Store::Cluster]);
        assert_eq!(runs[2].recorded_in, [Store::Local]);
        assert_eq!(runs[1].status, RunStatus::Succeeded);
        assert_eq!(runs[0].status, RunStatus::Interrupted);
    }
}
