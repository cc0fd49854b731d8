//! What a plan says matters: hooks changed only in labels and
//! annotations apart from real changes, with the real Helm 3 and 4.

use crate::common::*;
use serde_json::Value;

/// A Job hook: `label` goes on the Job and its pod template (as charts
/// put `helm.sh/chart` on both), `checksum` on the pod template, `image`
/// is its spec.
fn job(name: &str, label: &str, checksum: &str, image: &str) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    helm.sh/chart: {label}
  annotations:
    helm.sh/hook: pre-upgrade
spec:
  template:
    metadata:
      labels:
        helm.sh/chart: {label}
      annotations:
        checksum/config: "{checksum}"
    spec:
      restartPolicy: Never
      containers: [{{name: main, image: "{image}"}}]
"#
    )
}

fn fields_of(plan: &Value, name: &str) -> Vec<String> {
    plan["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {plan}"))["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn metadata_only_changes_are_classified_folded_and_optional_for_the_exit_code() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    let write = |label: &str, checksum: &str, spec_image: &str| {
        repo.write(
            "templates/hooks.yaml",
            &[
                job("labels-only", label, checksum, "app:1"),
                job("spec-only", "app-1.0.0", "aaa", spec_image),
                job("both", label, "aaa", spec_image),
            ]
            .join("---\n"),
        );
    };
    write("app-1.0.0", "aaa", "app:1");
    repo.commit("v1");
    write("app-1.1.0", "bbb", "app:2");
    repo.commit("v2");
    for helm in helms() {
        let env = Env::new();
        let plan = |extra: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan",
                    "--from",
                    "HEAD~1",
                    "--to",
                    "HEAD",
                    "--operation",
                    "upgrade",
                ])
                .args(extra)
                .output()
                .unwrap()
        };
        let out = plan(&["-o", "json"]);
        assert!(out.status.success(), "helm {}", helm.major);
        let doc = json(&out.stdout);
        assert_eq!(fields_of(&doc, "labels-only"), ["metadata"]);
        assert_eq!(fields_of(&doc, "spec-only"), ["spec"]);
        assert_eq!(fields_of(&doc, "both"), ["metadata", "spec"]);
        let keys = doc["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "labels-only")
            .unwrap()["fields"][0]["keys"]
            .clone();
        assert_eq!(
            keys,
            serde_json::json!(["checksum/config", "helm.sh/chart"])
        );
        assert_eq!(doc["operations"][0]["summary"]["metadataOnly"], 1);
        // Each row says so too; `change` stays `changed` for the schema's
        // earlier readers.
        let hook = |name: &str| {
            doc["hooks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["name"] == name)
                .unwrap()
                .clone()
        };
        assert_eq!(hook("labels-only")["metadataOnly"], true);
        assert_eq!(hook("labels-only")["change"], "changed");
        assert!(hook("both").get("metadataOnly").is_none());
        let steps = doc["operations"][0]["steps"].as_array().unwrap();
        let changes = doc["operations"][0]["changes"].as_array().unwrap();
        let row = |name: &str| {
            let at = steps
                .iter()
                .filter(|s| s["type"] == "hook")
                .position(|s| s["name"] == name)
                .unwrap();
            changes[at].clone()
        };
        assert_eq!(row("labels-only")["change"], "changed");
        assert_eq!(row("labels-only")["metadataOnly"], true);
        assert!(row("spec-only").get("metadataOnly").is_none());
        assert!(row("both").get("metadataOnly").is_none());

        // The table: one folded line, no diff for the metadata-only hook.
        let out = plan(&[]);
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(
            table.contains(
                "1 hook run changed only in labels/annotations: checksum/config, helm.sh/chart"
            ),
            "{table}"
        );
        assert!(!table.contains("Job/labels-only (changed"), "{table}");
        // Its row's CHANGE is `metadata`, the others' `changed`.
        let row_of = |name: &str| {
            table
                .lines()
                .find(|l| l.contains(&format!("Job/{name} ")))
                .unwrap_or_else(|| panic!("no row of {name}: {table}"))
                .trim_end()
                .to_string()
        };
        assert!(row_of("labels-only").ends_with(" metadata"), "{table}");
        assert!(row_of("spec-only").ends_with(" changed"), "{table}");
        assert!(row_of("both").ends_with(" changed"), "{table}");
        assert!(table.contains("Job/spec-only (changed: spec)"), "{table}");
        assert!(
            table.contains("Job/both (changed: metadata (helm.sh/chart), spec)"),
            "{table}"
        );
        assert!(
            table.contains("3 changed (1 only in labels/annotations)"),
            "{table}"
        );

        // Markdown likewise.
        let out = plan(&["-o", "markdown"]);
        let md = String::from_utf8_lossy(&out.stdout);
        assert!(
            md.contains(
                "_1 hook run changed only in labels/annotations: checksum/config, helm.sh/chart_"
            ),
            "{md}"
        );
        assert!(!md.contains("<code>Job/labels-only"), "{md}");
        assert!(
            md.lines()
                .any(|l| l.starts_with("| metadata |") && l.contains("`Job/labels-only`")),
            "{md}"
        );
        assert!(
            md.lines()
                .any(|l| l.starts_with("| changed |") && l.contains("`Job/spec-only`")),
            "{md}"
        );

        // The exit code counts them, unless asked not to.
        assert_eq!(plan(&["--detailed-exitcode"]).status.code(), Some(2));
        assert_eq!(
            plan(&["--detailed-exitcode", "--ignore-metadata"])
                .status
                .code(),
            Some(2),
            "spec changes still count"
        );
    }
    // Only labels changed: --ignore-metadata makes it a no-change plan.
    write("app-1.2.0", "ccc", "app:2");
    repo.commit("v3: a version bump");
    for helm in helms() {
        let env = Env::new();
        let code = |extra: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan",
                    "--from",
                    "HEAD~1",
                    "--to",
                    "HEAD",
                    "--detailed-exitcode",
                ])
                .args(extra)
                .output()
                .unwrap()
                .status
                .code()
        };
        assert_eq!(code(&[]), Some(2), "helm {}", helm.major);
        assert_eq!(code(&["--ignore-metadata"]), Some(0), "helm {}", helm.major);
    }
}

/// One run of `release` in `ns` as apply records it: its start and end,
/// each hook `(event, name, phase, ms)`.
fn crafted_run(id: &str, day: u32, ns: &str, hooks: &[(&str, &str, &str, u64)]) -> String {
    let time = format!("2026-01-{day:02}T10:00:00Z");
    let start = serde_json::json!({
        "schema": 1, "run": id, "time": time, "type": "runStarted",
        "user": "alice", "host": "ci", "pid": 1, "kubeContext": null, "kubeServer": null,
        "namespace": ns, "release": "web", "operation": "upgrade",
        "chartName": "app", "chartVersion": "0.1.0", "repository": "/src", "chartPath": "",
        "fromRev": "revision 1", "fromSha": null, "toRev": "HEAD", "toSha": null,
        "worktree": false, "worktreeHash": null, "helmVersion": "v4.1.4", "args": [],
        "timeline": [],
    });
    let failed = hooks.iter().any(|h| h.2 == "Failed");
    let end = serde_json::json!({
        "schema": 1, "run": id, "time": time, "type": "runEnded",
        "helmExit": if failed { 1 } else { 0 }, "interrupted": false,
        "releaseRevision": day, "releaseStatus": "deployed",
        "hooks": hooks.iter().map(|(event, name, phase, ms)| serde_json::json!({
            "event": event, "kind": "Job", "name": name, "weight": 0, "phase": phase,
            "startedAt": time, "completedAt": time, "durationMs": ms,
            "message": null, "logTail": [], "leftInCluster": true,
        })).collect::<Vec<_>>(),
    });
    format!("{start}\n{end}\n")
}

/// Three successful runs (migrate 20s, 30s, then 4m10s; notify 1s, 1s,
/// 2s) and one whose migrate failed after 5s, oldest first.
fn crafted_log(env: &Env, ns: &str) {
    let log = [
        crafted_run(
            "r1",
            1,
            ns,
            &[
                ("pre-upgrade", "migrate", "Succeeded", 20_000),
                ("post-upgrade", "notify", "Succeeded", 1_000),
            ],
        ),
        crafted_run(
            "r2",
            2,
            ns,
            &[
                ("pre-upgrade", "migrate", "Failed", 5_000),
                ("post-upgrade", "notify", "NotRun", 0),
            ],
        ),
        crafted_run(
            "r3",
            3,
            ns,
            &[
                ("pre-upgrade", "migrate", "Succeeded", 30_000),
                ("post-upgrade", "notify", "Succeeded", 1_000),
            ],
        ),
        crafted_run(
            "r4",
            4,
            ns,
            &[
                ("pre-upgrade", "migrate", "Succeeded", 250_000),
                ("post-upgrade", "notify", "Succeeded", 2_000),
            ],
        ),
    ]
    .concat();
    let path = env.path("data/hooks/audit.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, log).unwrap();
}

fn timed_chart() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/hooks.yaml",
        &[
            hook("Job", "migrate", "pre-install,pre-upgrade", None, None),
            hook("Job", "notify", "post-install,post-upgrade", None, None),
        ]
        .join("---\n"),
    );
    repo.commit("v1");
    repo
}

#[test]
fn plans_expect_durations_from_the_log_and_warn_near_the_timeout() {
    let repo = timed_chart();
    for helm in helms() {
        let env = Env::new();
        crafted_log(&env, "prod");
        let plan = |extra: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan",
                    "--release",
                    "web",
                    "-n",
                    "prod",
                    "--from",
                    "HEAD",
                    "--to",
                    "HEAD",
                ])
                .args(["--operation", "upgrade"])
                .args(extra)
                .output()
                .unwrap()
        };
        let out = plan(&["-o", "json"]);
        assert!(out.status.success(), "helm {}", helm.major);
        let doc = json(&out.stdout);
        let steps = doc["operations"][0]["steps"].as_array().unwrap();
        let expected =
            |name: &str| steps.iter().find(|s| s["name"] == name).unwrap()["expected"].clone();
        // The failure's 5s does not count: it says how long it took to fail.
        assert_eq!(
            expected("migrate"),
            serde_json::json!({"medianMs": 30000, "maxMs": 250000, "runs": 3})
        );
        assert_eq!(
            expected("notify"),
            serde_json::json!({"medianMs": 1000, "maxMs": 2000, "runs": 3})
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Job/migrate (pre-upgrade): its slowest earlier run took 4m 10s, over 80% of --timeout 5m"),
            "{err}"
        );
        let out = plan(&["--timeout", "10m"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("over 80%"), "{err}");
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(table.contains("EXPECTED"), "{table}");
        assert!(table.contains("30.0s (max 4m10s, 3 runs)"), "{table}");
        assert!(
            table.contains("expected: pre-upgrade 30.0s, post-upgrade 1.0s"),
            "{table}"
        );
        // Another release has no history: nothing expected.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "--release",
                "api",
                "-n",
                "prod",
                "--from",
                "HEAD",
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains("\"expected\""));
    }
}

#[test]
fn history_stats_count_runs_failures_and_durations() {
    let env = Env::new();
    crafted_log(&env, "prod");
    let out = env
        .hooks(&helm(4))
        .args(["history", "--stats", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out.stdout);
    assert_eq!(doc["kind"], "HookStats");
    let migrate = doc["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "migrate")
        .unwrap();
    assert_eq!(migrate["runs"], 4);
    assert_eq!(migrate["failures"], 1);
    assert_eq!(migrate["medianMs"], 30000);
    assert_eq!(migrate["p95Ms"], 250000);
    assert_eq!(migrate["maxMs"], 250000);
    assert_eq!(
        migrate["trendMs"],
        serde_json::json!([20000, 30000, 250000])
    );
    assert_eq!(migrate["trend"], "slower");
    let notify = doc["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "notify")
        .unwrap();
    assert_eq!(notify["runs"], 3, "NotRun does not count");
    assert_eq!(notify["failures"], 0);
    let out = env
        .hooks(&helm(4))
        .args(["history", "--stats", "web"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Job/migrate"), "{table}");
    assert!(table.contains("4m10s"), "{table}");
}

#[test]
fn applys_question_says_how_long_the_hooks_are_expected_to_take() {
    let repo = timed_chart();
    for major in [3, 4] {
        let a = crate::apply::Apply::new(major, "expect");
        crafted_log(&a.env, &a.ns);
        let mut cmd = a.hooks();
        cmd.env("TERM", "xterm")
            .current_dir(repo.path())
            .args(["apply", "web"]);
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
        p.exp_string("its slowest earlier run took 4m 10s, over 80% of --timeout 5m")
            .unwrap();
        p.exp_string("expected: pre-install 30.0s, post-install 1.0s")
            .unwrap();
        p.exp_string("expected to take about 31.0s. Continue")
            .unwrap();
        p.send("n").unwrap();
        p.flush().unwrap();
        p.exp_string("cancelled").unwrap();
        p.exp_eof().unwrap();
        assert!(a.history("web").is_empty(), "nothing was installed");
    }
}
