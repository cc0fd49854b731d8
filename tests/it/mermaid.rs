//! The Mermaid diagrams of the markdown views, read back by Mermaid's own
//! parser under Node (`tests/mermaid/validate.mjs`, the package installed by
//! `scripts/get-mermaid.sh`): a plan (real Git, Helm 3 and 4) with every
//! kind of change in every operation, and a run's Gantt from the audit log.

use crate::common::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

/// The folder holding Mermaid's node_modules: `HELM_HOOKS_MERMAID`, else
/// where `scripts/get-mermaid.sh` installs the pinned lock file. Missing
/// node or Mermaid fails the test: nothing is skipped.
fn mermaid_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("HELM_HOOKS_MERMAID")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let lock = std::fs::read(root.join("tests/mermaid/package-lock.json")).unwrap();
            let cache = std::env::var_os("HELM_HOOKS_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/helm-hooks")
                });
            cache.join("mermaid").join(&sha256_hex(&lock)[..16])
        });
    assert!(
        dir.join(".installed").is_file(),
        "Mermaid is not installed at {}: run scripts/get-mermaid.sh (needs node and npm)",
        dir.display()
    );
    dir
}

/// The ```mermaid blocks of a markdown text, without their fences.
fn blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("```mermaid\n") {
        let body = &rest[start + "```mermaid\n".len()..];
        let end = body.find("\n```\n").expect("a mermaid block is closed");
        out.push(body[..=end].to_string());
        rest = &body[end..];
    }
    out
}

/// What Mermaid read of each diagram; every one must parse.
fn parse(diagrams: &[String]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = diagrams
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let f = dir.path().join(format!("{i}.mmd"));
            std::fs::write(&f, d).unwrap();
            f
        })
        .collect();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mermaid/validate.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(mermaid_dir())
        .args(&files)
        // Gantt dates are read in the local zone: UTC, as written.
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("node does not run ({e}): apt-get install -y nodejs npm"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        results.len(),
        diagrams.len(),
        "validate.mjs: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (r, d) in results.iter().zip(diagrams) {
        assert_eq!(r["ok"], true, "Mermaid refused:\n{d}\n{}", r["error"]);
    }
    assert!(out.status.success(), "{stdout}");
    results
}

fn cm(name: &str, events: &str, weight: i64, labels: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels: {{{labels}}}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\ndata:\n  a: b\n"
    )
}

fn job(name: &str, events: &str, weight: i64, policy: &str, image: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n{policy}spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: {image}\n"
    )
}

const LONG: &str = "connection-test-of-the-primary-database-through-the-pooler-and-the-read-replicas-in-every-zone";

/// v1 → v2 changes something in every operation: a Job changed, a hook
/// re-weighted ahead of others (changed and moved), one moved by others'
/// new weights (moved only), one removed, one changed only in its labels,
/// hooks added (one with a long name), local hooks added, removed and
/// changed (to a command full of characters Mermaid reads as syntax).
fn every_change_repo() -> GitRepo {
    let repo = GitRepo::new();
    let policy = "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n";
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n",
    );
    let v1 = [
        job(
            "migrate",
            "pre-install,pre-upgrade",
            -5,
            policy,
            "busybox:1.36",
        ),
        cm("setup", "pre-install,pre-upgrade,pre-rollback", -10, ""),
        cm("settings", "pre-install,pre-upgrade", 0, ""),
        cm("old-settings", "pre-upgrade,pre-rollback", 5, ""),
        cm("labelled", "post-install,post-upgrade", 5, "tier: \"1\""),
        cm("x-first", "post-install,post-upgrade", 1, ""),
        cm("y-second", "post-install,post-upgrade", 2, ""),
        cm("z-third", "post-install,post-upgrade", 3, ""),
        job("cleanup", "pre-delete", 0, "", "busybox:1.36"),
        job("smoke", "test", 0, policy, "busybox:1.36"),
    ];
    repo.write("app/templates/hooks.yaml", &v1.join("---\n"));
    repo.write(
        "app/.helm-hooks.yaml",
        "hooks:\n- events: [presync, preuninstall]\n  command: ./check.sh\n- events: [prepare]\n  command: ./prepare.sh\n",
    );
    repo.commit("v1");
    let v2 = [
        job(
            "migrate",
            "pre-install,pre-upgrade",
            -5,
            policy,
            "busybox:1.37",
        ),
        cm("setup", "pre-install,pre-upgrade,pre-rollback", -10, ""),
        cm("settings", "pre-install,pre-upgrade", -20, ""),
        cm("labelled", "post-install,post-upgrade", 5, "tier: \"2\""),
        // y and z re-weighted ahead of x: x, unchanged, is what moved.
        cm("x-first", "post-install,post-upgrade", 1, ""),
        cm("y-second", "post-install,post-upgrade", -3, ""),
        cm("z-third", "post-install,post-upgrade", -2, ""),
        job("cleanup", "pre-delete", 0, "", "busybox:1.37"),
        job(
            "notify",
            "post-rollback,post-delete",
            0,
            "    helm.sh/hook-delete-policy: hook-failed\n",
            "busybox:1.36",
        ),
        job("smoke", "test", 0, policy, "busybox:1.36"),
        job(LONG, "test", 1, "", "busybox:1.36"),
    ];
    repo.write("app/templates/hooks.yaml", &v2.join("---\n"));
    repo.write(
        "app/.helm-hooks.yaml",
        "hooks:\n- events: [presync, preuninstall]\n  command: sh\n  args: [-c, 'echo \"[x] #1;<b>&%\"']\n- events: [postsync]\n  command: ./notify.sh\n",
    );
    repo.commit("v2");
    repo
}

fn vertex<'a>(diagram: &'a Value, needle: &str) -> &'a Value {
    diagram["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["text"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no box with {needle:?} in {diagram:#}"))
}

fn id_of(diagram: &Value, needle: &str) -> String {
    vertex(diagram, needle)["id"].as_str().unwrap().to_string()
}

fn text_of<'a>(diagram: &'a Value, needle: &str) -> &'a str {
    vertex(diagram, needle)["text"].as_str().unwrap()
}

fn class_of<'a>(diagram: &'a Value, needle: &str) -> Vec<&'a str> {
    vertex(diagram, needle)["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

fn subgraphs(diagram: &Value) -> &Vec<Value> {
    diagram["subgraphs"].as_array().unwrap()
}

/// The subgraphs' titles, in the order they were written.
fn titles(diagram: &Value) -> Vec<&str> {
    subgraphs(diagram)
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect()
}

/// The id of the subgraph titled `title`, and the ids of its boxes.
fn phase<'a>(diagram: &'a Value, title: &str) -> (String, Vec<&'a str>) {
    let s = subgraphs(diagram)
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("no phase {title:?} in {diagram:#}"));
    let nodes = s["nodes"].as_array().unwrap();
    (
        s["id"].as_str().unwrap().to_string(),
        nodes.iter().map(|n| n.as_str().unwrap()).collect(),
    )
}

fn edges(diagram: &Value) -> Vec<(String, String)> {
    diagram["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_str().unwrap().into(), e[1].as_str().unwrap().into()))
        .collect()
}

/// The boxes `needles` name, in this order, are a chain of links: each
/// the next one's only predecessor within the list.
fn assert_chain(diagram: &Value, needles: &[&str]) {
    let ids: Vec<String> = needles.iter().map(|n| id_of(diagram, n)).collect();
    let all = edges(diagram);
    for pair in ids.windows(2) {
        assert!(
            all.contains(&(pair[0].clone(), pair[1].clone())),
            "{needles:?}: no link {} --> {} in {diagram:#}",
            pair[0],
            pair[1]
        );
    }
}

/// Every subgraph is drawn as a phase, not in the theme's default colour.
fn assert_phases_classed(diagram: &Value) {
    for s in subgraphs(diagram) {
        assert!(
            s["classes"].as_array().unwrap().contains(&json!("phase")),
            "{s:#}"
        );
        let id = s["id"].as_str().unwrap();
        if let Some(v) = diagram["vertices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
        {
            assert_eq!(v["classes"], json!(["phase"]), "{diagram:#}");
        }
    }
}

/// Upgrade's phases, left to right in Helm's order with Helm's own step
/// between the pre- and post- hooks, each event's hooks by weight.
fn check_order(upgrade: &Value) {
    assert_eq!(
        titles(upgrade),
        [
            "prepare (local)",
            "presync (local)",
            "pre-upgrade",
            "post-upgrade",
            "postsync (local)"
        ],
        "{upgrade:#}"
    );
    let resources = id_of(upgrade, "update chart resources (1)");
    assert_eq!(class_of(upgrade, "update chart resources"), ["helm"]);
    let ids: Vec<String> = subgraphs(upgrade)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let mut between: Vec<(String, String)> = vec![
        (ids[0].clone(), ids[1].clone()),
        (ids[1].clone(), ids[2].clone()),
        (ids[2].clone(), resources.clone()),
        (resources, ids[3].clone()),
        (ids[3].clone(), ids[4].clone()),
    ];
    // The links between phases are exactly these; the others stay inside.
    let inside: Vec<&str> = titles(upgrade)
        .into_iter()
        .flat_map(|t| phase(upgrade, t).1)
        .collect();
    let mut got: Vec<(String, String)> = edges(upgrade)
        .into_iter()
        .filter(|(a, b)| !inside.contains(&a.as_str()) && !inside.contains(&b.as_str()))
        .collect();
    got.sort();
    between.sort();
    assert_eq!(got, between, "{upgrade:#}");
    // By weight: settings (-20), setup (-10), migrate (-5); y (-3), z (-2),
    // x (1), labelled (5).
    assert_chain(
        upgrade,
        &["ConfigMap/settings", "ConfigMap/setup", "Job/migrate"],
    );
    assert_chain(
        upgrade,
        &[
            "ConfigMap/y-second",
            "ConfigMap/z-third",
            "ConfigMap/x-first",
            "ConfigMap/labelled",
        ],
    );
    let (_, pre) = phase(upgrade, "pre-upgrade");
    for hook in [
        "ConfigMap/settings",
        "ConfigMap/setup",
        "Job/migrate",
        "old-settings",
    ] {
        assert!(
            pre.contains(&id_of(upgrade, hook).as_str()),
            "{hook}: {upgrade:#}"
        );
    }
    let (_, post) = phase(upgrade, "post-upgrade");
    assert!(post.contains(&id_of(upgrade, "ConfigMap/labelled").as_str()));
    assert_phases_classed(upgrade);
}

/// Each change kind has its class, and says it in words; a removed hook
/// is drawn where it ran, out of the chain.
fn check_marks(upgrade: &Value) {
    assert_eq!(class_of(upgrade, "Job/migrate"), ["changed"]);
    assert_eq!(class_of(upgrade, "ConfigMap/settings"), ["changed"]);
    assert_eq!(class_of(upgrade, "ConfigMap/x-first"), ["moved"]);
    assert_eq!(class_of(upgrade, "ConfigMap/y-second"), ["changed"]);
    assert_eq!(class_of(upgrade, "ConfigMap/old-settings"), ["removed"]);
    assert_eq!(class_of(upgrade, "ConfigMap/labelled"), ["metadata"]);
    assert_eq!(class_of(upgrade, "ConfigMap/setup"), Vec::<&str>::new());
    assert!(text_of(upgrade, "ConfigMap/old-settings").contains("removed (was #6)"));
    assert!(text_of(upgrade, "ConfigMap/settings").contains("changed, moved (was #5)"));
    assert!(text_of(upgrade, "ConfigMap/x-first").contains("<br>moved<br>"));
    assert!(text_of(upgrade, "ConfigMap/labelled").contains("metadata"));
    let old = id_of(upgrade, "old-settings");
    assert!(
        !edges(upgrade).iter().any(|(a, b)| *a == old || *b == old),
        "{upgrade:#}"
    );
    // The classes' colours are defined, unchanged boxes plain.
    let classes = upgrade["classes"].as_array().unwrap();
    for c in [
        "default", "added", "changed", "moved", "metadata", "removed", "helm", "phase",
    ] {
        assert!(classes.contains(&json!(c)), "{c}: {classes:?}");
    }
}

/// What each box says of waits and deletions.
fn check_waits_and_deletions(upgrade: &Value, rollback: &Value, helm_major: u32) {
    let migrate = text_of(upgrade, "Job/migrate");
    assert!(
        migrate.contains("weight -5 · waits until done"),
        "{migrate}"
    );
    assert!(
        migrate.contains("deleted: before creation, after success"),
        "{migrate}"
    );
    assert!(migrate.contains("left behind: after failure"), "{migrate}");
    let setup = text_of(upgrade, "ConfigMap/setup");
    assert!(setup.contains("weight -10 · not waited on"), "{setup}");
    assert!(
        setup.contains("left behind: after success, after failure"),
        "{setup}"
    );
    // hook-failed alone: no before-hook-creation, kept after success.
    let notify = text_of(rollback, "Job/notify");
    assert!(!notify.contains("before creation"), "{notify}");
    assert!(notify.contains("deleted: after failure"), "{notify}");
    assert!(notify.contains("left behind: after success"), "{notify}");
    let next = match helm_major {
        3 => "next run: fails, already exists",
        _ => "next run: patches it",
    };
    assert!(notify.contains(next), "Helm {helm_major}: {notify}");
}

/// Install's local hooks (a command Mermaid reads as syntax comes back
/// as written), rollback, uninstall and test.
fn check_other_operations(install: &Value, rollback: &Value, uninstall: &Value, test: &Value) {
    let local = text_of(install, "local: sh");
    assert!(
        local.contains(r#"local: sh -c 'echo "[x] #1;<b>&%"'"#),
        "{local}"
    );
    assert!(
        local.contains("runs on this machine · waits until done"),
        "{local}"
    );
    assert_eq!(class_of(install, "local: sh"), ["changed"]);
    assert_eq!(class_of(install, "local: ./prepare.sh"), ["removed"]);
    assert_eq!(class_of(install, "local: ./notify.sh"), ["added"]);
    assert_eq!(
        titles(install),
        [
            "prepare (local)",
            "presync (local)",
            "pre-install",
            "post-install",
            "postsync (local)"
        ]
    );
    vertex(install, "create chart resources (1)");

    assert_eq!(class_of(rollback, "ConfigMap/old-settings"), ["removed"]);
    assert_eq!(class_of(rollback, "Job/notify"), ["added"]);
    assert_eq!(titles(rollback), ["pre-rollback", "post-rollback"]);

    assert_eq!(class_of(uninstall, "Job/cleanup"), ["changed"]);
    assert_eq!(
        titles(uninstall),
        [
            "prepare (local)",
            "preuninstall (local)",
            "pre-delete",
            "post-delete"
        ]
    );
    assert_eq!(class_of(uninstall, "Job/notify"), ["added"]);
    vertex(uninstall, "delete chart resources (1)");

    assert_eq!(titles(test), ["test"]);
    // By weight: smoke (0), then the long one (1); its name keeps its
    // start and end.
    assert_chain(test, &["Job/smoke", "Job/connection-test"]);
    let long = text_of(test, "Job/connection-test");
    assert!(long.contains('…') && long.contains("every-zone"), "{long}");
    assert_eq!(class_of(test, "Job/connection-test"), ["added"]);
    assert_eq!(class_of(test, "Job/smoke"), Vec::<&str>::new());
    for d in [install, rollback, uninstall, test] {
        assert_phases_classed(d);
    }
}

/// `HELM_HOOKS_TEST_DUMP_MARKDOWN=DIR` keeps each plan's markdown there
/// (to look at it with scripts/render-markdown.sh).
fn dump(md: &str, name: &str) {
    if let Some(dir) = std::env::var_os("HELM_HOOKS_TEST_DUMP_MARKDOWN") {
        std::fs::write(std::path::Path::new(&dir).join(name), md).unwrap();
    }
}

#[test]
fn plan_diagrams_of_every_change_and_operation_parse_in_mermaid() {
    let repo = every_change_repo();
    for helm in helms() {
        let env = Env::new();
        let plan = |from: &str| {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args(["plan", "app", "--from", from, "--to", "HEAD"])
                .args(["--operation", "all", "-o", "markdown"])
                .output()
                .unwrap();
            String::from_utf8(succeeded(out).stdout).unwrap()
        };
        let md = plan("HEAD~1");
        dump(&md, &format!("plan-helm{}.md", helm.major));
        let diagrams = blocks(&md);
        // Every operation changed: one diagram each, in the plan's order.
        assert_eq!(diagrams.len(), 5, "{md}");
        let read = parse(&diagrams);
        assert!(read.iter().all(|r| r["type"] == "flowchart-v2"), "{read:?}");
        let [install, upgrade, rollback, uninstall, test] = &read[..] else {
            unreachable!()
        };
        check_order(upgrade);
        check_marks(upgrade);
        check_waits_and_deletions(upgrade, rollback, helm.major);
        check_other_operations(install, rollback, uninstall, test);
        // Nothing changed: no picture, the tables as before.
        let same = plan("HEAD");
        assert!(!same.contains("```mermaid"), "{same}");
    }
}

const RUN: &str = "20260301T100000-abcdef";

/// A run as apply records it: a local hook, a Job that succeeded, one that
/// failed, and one Helm never got to.
fn run_log(env: &Env) {
    let outcome = |event: &str,
                   kind: &str,
                   name: &str,
                   phase: &str,
                   times: Option<(&str, &str, u64)>| {
        json!({
            "event": event, "kind": kind, "name": name, "weight": 0, "phase": phase,
            "startedAt": times.map(|t| t.0), "completedAt": times.map(|t| t.1),
            "durationMs": times.map(|t| t.2), "message": (phase == "Failed").then_some("BackoffLimitExceeded"),
            "logTail": [], "leftInCluster": phase == "Failed",
        })
    };
    let lines = [
        json!({
            "schema": 1, "run": RUN, "time": "2026-03-01T10:00:00Z", "type": "runStarted",
            "user": "alice", "host": "laptop", "pid": 4242, "namespace": "prod",
            "release": "web", "operation": "upgrade", "chartName": "shop", "chartVersion": "0.2.0",
            "repository": "/src/shop", "chartPath": "shop", "toRev": "HEAD",
            "toSha": "1111111111111111111111111111111111111111", "worktree": false,
            "helmVersion": "v3.17.1", "args": ["apply", "web"], "timeline": [],
        }),
        json!({
            "schema": 1, "run": RUN, "time": "2026-03-01T10:00:09.500Z", "type": "runEnded",
            "helmExit": 1, "interrupted": false, "releaseRevision": 4, "releaseStatus": "failed",
            "hooks": [
                outcome("presync", "LocalHook", "sh -c 'echo \"a: b\"; exit 0'", "Succeeded",
                    Some(("2026-03-01T10:00:00.100Z", "2026-03-01T10:00:00.350Z", 250))),
                outcome("pre-upgrade", "Job", "web-migrate", "Succeeded",
                    Some(("2026-03-01T10:00:01Z", "2026-03-01T10:00:07.250Z", 6250))),
                outcome("pre-upgrade", "Job", "web-seed", "Failed",
                    Some(("2026-03-01T10:00:07.300Z", "2026-03-01T10:00:09.400Z", 2100))),
                outcome("post-upgrade", "Job", "web-notify", "NotRun", None),
            ],
        }),
    ];
    let path = env.path("data/hooks/audit.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

#[test]
fn a_runs_gantt_shows_what_each_hook_took_and_parses_in_mermaid() {
    let env = Env::new();
    run_log(&env);
    let out = env
        .hooks(&helm(3))
        .args([
            "history", "--source", "local", "--run", RUN, "-o", "markdown",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&succeeded(out).stdout).into_owned();
    dump(&md, "run.md");
    assert!(
        md.starts_with(&format!("### Hook run `{RUN}`: failed\n")),
        "{md}"
    );
    assert!(
        md.contains("| pre-upgrade | `Job/web-seed` | Failed |"),
        "{md}"
    );
    assert!(
        md.contains("| presync | `local: sh -c 'echo \"a: b\"; exit 0'` | Succeeded |"),
        "{md}"
    );
    let diagrams = blocks(&md);
    assert_eq!(diagrams.len(), 1, "{md}");
    let read = parse(&diagrams);
    let g = &read[0];
    assert_eq!(g["type"], "gantt");
    assert_eq!(g["title"], "upgrade web (UTC)");
    // 9.4 s from the first start to the last end: ticks a second apart.
    assert_eq!(g["axisFormat"], "%H:%M:%S");
    let tasks: Vec<(&str, &str, &str, &str)> = g["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["section"].as_str().unwrap(),
                t["task"].as_str().unwrap(),
                t["start"].as_str().unwrap(),
                t["end"].as_str().unwrap(),
            )
        })
        .collect();
    // Hooks Helm never started have no bar; the local hook's command comes
    // back as written.
    assert_eq!(
        tasks,
        [
            (
                "presync",
                "local: sh -c 'echo \"a: b\"; exit 0' Succeeded 250ms",
                "2026-03-01T10:00:00.100Z",
                "2026-03-01T10:00:00.350Z"
            ),
            (
                "pre-upgrade",
                "Job/web-migrate Succeeded 6.2s",
                "2026-03-01T10:00:01.000Z",
                "2026-03-01T10:00:07.250Z"
            ),
            (
                "pre-upgrade",
                "Job/web-seed Failed 2.1s",
                "2026-03-01T10:00:07.300Z",
                "2026-03-01T10:00:09.400Z"
            ),
        ]
    );
    let flags: Vec<(bool, bool)> = g["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["done"].as_bool().unwrap(), t["crit"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [(true, false), (true, false), (false, true)]);

    // The list has no markdown: one line saying what to pass.
    let out = env
        .hooks(&helm(3))
        .args(["history", "--source", "local", "-o", "markdown"])
        .output()
        .unwrap();
    let e = one_line_error(&out);
    assert!(
        e.contains("-o markdown shows one run") && e.contains("--run ID"),
        "{e}"
    );
}
