//! `helm hooks test`, `rollback` and `uninstall` on the test cluster with
//! the real Helm 3.17.1 and 4.1.4: what each runs is what Helm STORED, and
//! what each records is what the API server saw.

use crate::apply::Apply;
use crate::cluster::cluster;
use crate::common::*;
use serde_json::Value;
use std::process::Output;

/// A Job hook the simulated node plays out.
fn job(name: &str, events: &str, weight: i32, exit: i32, log: &str) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  annotations:
    helm.sh/hook: {events}
    helm.sh/hook-weight: "{weight}"
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        kubelet-sim/exit-code: "{exit}"
        kubelet-sim/duration: 200ms
        kubelet-sim/log: {log:?}
    spec:
      restartPolicy: Never
      containers: [{{name: main, image: busybox}}]
"#
    )
}

/// A test Pod: `exit` 0 passes.
fn test_pod(name: &str, weight: i32, exit: i32, log: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-weight: "{weight}"
    kubelet-sim/exit-code: "{exit}"
    kubelet-sim/duration: 200ms
    kubelet-sim/log: {log:?}
spec:
  restartPolicy: Never
  containers: [{{name: main, image: busybox}}]
"#
    )
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_of<'a>(audit: &'a [Value], kind: &str) -> &'a Value {
    audit
        .iter()
        .rev()
        .find(|r| r["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} record"))
}

/// (name, phase) of the last run's hooks, in run order.
fn phases(end: &Value) -> Vec<(String, String)> {
    end["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                format!(
                    "{}/{}",
                    h["kind"].as_str().unwrap(),
                    h["name"].as_str().unwrap()
                ),
                h["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What the API server created in the namespace since `before` writes,
/// as `resource/name`, hooks' kinds only.
fn hook_creations_since(ns: &str, before: usize, resources: &[&str]) -> Vec<String> {
    cluster()
        .created_in(ns)
        .into_iter()
        .skip(before)
        .filter(|c| resources.iter().any(|r| c.starts_with(&format!("{r}/"))))
        .collect()
}

/// The run's hooks that ran, in recorded order, as the API server names
/// them (`jobs/x`, `pods/y`).
fn recorded_order(end: &Value) -> Vec<String> {
    end["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] != "LocalHook" && h["phase"] != "NotRun")
        .map(|h| {
            let kind = h["kind"].as_str().unwrap().to_lowercase();
            format!("{kind}s/{}", h["name"].as_str().unwrap())
        })
        .collect()
}

#[test]
fn test_runs_the_stored_test_hooks_records_them_and_writes_junit() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/tests.yaml",
        &[
            test_pod("smoke", -1, 0, "smoke ok"),
            test_pod(
                "db-check",
                0,
                3,
                "connecting to db\nconnection <refused> & gave up",
            ),
            test_pod("after", 5, 0, "never"),
        ]
        .join("---\n"),
    );
    repo.commit("v1");
    for major in [3, 4] {
        let a = Apply::new(major, "test");
        let out = a.run_in(&repo, &["apply", "web", "app", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));

        // The failing test: Helm's exit status, its log lines live, the
        // failure named, the later test not run.
        let before = cluster().created_in(&a.ns).len();
        let junit = a.env.path("report.xml");
        let out = a.run_in(
            &repo,
            &["test", "web", "--logs", "--junit", junit.to_str().unwrap()],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert!(err.contains("Tests of release web"), "{err}");
        assert!(
            err.contains("[Pod/db-check] connecting to db"),
            "live logs: {err}"
        );
        assert!(err.contains("hook Pod/db-check (test) failed"), "{err}");
        assert!(err.contains("helm test failed"), "{err}");

        let audit = a.audit();
        assert_eq!(last_of(&audit, "runStarted")["operation"], "test");
        let end = last_of(&audit, "runEnded");
        assert_eq!(
            phases(end),
            [
                ("Pod/smoke".to_string(), "Succeeded".to_string()),
                ("Pod/db-check".to_string(), "Failed".to_string()),
                ("Pod/after".to_string(), "NotRun".to_string()),
            ],
            "helm {major}: {err}"
        );
        assert_eq!(
            recorded_order(end),
            hook_creations_since(&a.ns, before, &["pods"]),
            "helm {major}: the recorded order is the API server's"
        );

        // The JUnit report parses, and names the failure with its log tail.
        let xml = std::fs::read_to_string(&junit).expect("the JUnit report is written");
        let doc = roxmltree::Document::parse(&xml).expect("valid XML");
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(suite.attribute("tests"), Some("3"));
        assert_eq!(suite.attribute("failures"), Some("1"));
        assert_eq!(suite.attribute("skipped"), Some("1"));
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
        assert_eq!(names, ["Pod/smoke", "Pod/db-check", "Pod/after"]);
        let failure = cases[1]
            .children()
            .find(|n| n.has_tag_name("failure"))
            .expect("db-check has a failure");
        assert!(
            failure
                .text()
                .unwrap()
                .contains("connection <refused> & gave up"),
            "{xml}"
        );
        assert!(cases[0].children().all(|n| !n.has_tag_name("failure")));
        let time: f64 = cases[0].attribute("time").unwrap().parse().unwrap();
        assert!(time > 0.0, "a duration: {xml}");

        // --filter as Helm reads it: only smoke runs, and passes; the
        // report lists the tests it left out as skipped, saying why.
        let before = cluster().created_in(&a.ns).len();
        let out = a.run_in(
            &repo,
            &[
                "test",
                "web",
                "--filter",
                "name=smoke",
                "--junit",
                junit.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let xml = std::fs::read_to_string(&junit).unwrap();
        let doc = roxmltree::Document::parse(&xml).expect("valid XML");
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(
            (suite.attribute("tests"), suite.attribute("skipped")),
            (Some("3"), Some("2")),
            "{xml}"
        );
        let skipped: Vec<(&str, &str)> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|c| {
                let s = c.children().find(|n| n.has_tag_name("skipped"))?;
                Some((c.attribute("name")?, s.attribute("message")?))
            })
            .collect();
        assert_eq!(
            skipped,
            [
                ("Pod/db-check", "excluded by --filter"),
                ("Pod/after", "excluded by --filter")
            ],
            "{xml}"
        );
        let audit = a.audit();
        let end = last_of(&audit, "runEnded");
        assert_eq!(
            phases(end),
            [("Pod/smoke".to_string(), "Succeeded".to_string())]
        );
        assert_eq!(
            recorded_order(end),
            hook_creations_since(&a.ns, before, &["pods"])
        );

        // And history lists the runs with their operations.
        let out = a.run_in(&repo, &["history", "web", "-o", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ops: Vec<&str> = doc["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["start"]["operation"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["test", "test", "install"], "newest first");
    }
}

#[test]
fn test_of_a_release_without_test_hooks_says_so_and_prints_no_empty_table() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.commit("v1");
    for major in [3, 4] {
        let a = Apply::new(major, "notests");
        let out = a.run_in(&repo, &["apply", "web", "app", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let out = a.run_in(&repo, &["test", "web"]);
        let all = printed(&out);
        assert!(out.status.success(), "helm {major}: {all}");
        assert!(
            all.contains("stores no test hooks: helm test has nothing to run"),
            "helm {major}: {all}"
        );
        for header in ["PHASE", "LEFT IN CLUSTER", "DURATION"] {
            assert!(!all.contains(header), "helm {major}: an empty table: {all}");
        }
    }
}

#[test]
fn rollback_runs_the_target_revisions_stored_hooks_and_uninstall_its_delete_hooks() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/hooks.yaml",
        &[
            job("restore", "pre-rollback", 0, 0, "restoring v1"),
            job("verify", "post-rollback", 0, 0, "verified"),
            job("drain", "pre-delete", 0, 0, "draining"),
            job("goodbye", "post-delete", 0, 0, "bye"),
        ]
        .join("---\n"),
    );
    repo.write(
        "app/.helm-hooks.yaml",
        "hooks:\n- events: [preuninstall, postuninstall]\n  command: sh\n  args: [-c, \"echo {{ .Event.Name }} >> uninstall.log\"]\n",
    );
    repo.commit("v1");
    let v1 = repo.git(&["rev-parse", "HEAD"]);
    repo.write(
        "app/templates/hooks.yaml",
        &[
            job("restore-v2", "pre-rollback", 0, 0, "restoring v2"),
            job("verify", "post-rollback", 0, 0, "verified"),
        ]
        .join("---\n"),
    );
    repo.commit("v2: another restore");
    let v2 = repo.git(&["rev-parse", "HEAD"]);
    for major in [3, 4] {
        let a = Apply::new(major, "rollback");
        for to in ["HEAD~1", "HEAD"] {
            let out = a.run_in(&repo, &["apply", "web", "app", "--yes", "--to", to]);
            assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        }

        // plan --operation rollback shows revision 1's stored hooks, not
        // the chart's.
        let out = a.run_in(
            &repo,
            &[
                "plan",
                "app",
                "--release",
                "web",
                "--operation",
                "rollback",
                "-o",
                "json",
            ],
        );
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
        let steps: Vec<&str> = plan["operations"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        assert_eq!(steps, ["restore", "verify"], "helm {major}: {plan}");

        // No terminal and no --yes: refused, nothing changed.
        let out = a.run_in(&repo, &["rollback", "web"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("refusing to roll back without confirmation"));
        assert_eq!(a.history("web").len(), 2);

        let before = cluster().created_in(&a.ns).len();
        let out = a.run_in(&repo, &["rollback", "web", "1", "--yes", "--logs"]);
        let err = stderr(&out);
        assert!(out.status.success(), "helm {major}: {err}");
        assert!(
            err.contains("to revision 1") && err.contains("stored in revision 1"),
            "{err}"
        );
        assert!(err.contains("[Job/restore] restoring v1"), "{err}");
        assert!(err.contains("Job/restore-v2 no longer runs"), "{err}");
        assert!(
            !err.contains("Job/restore-v2:"),
            "revision 2's hook does not run: {err}"
        );
        let audit = a.audit();
        let start = last_of(&audit, "runStarted");
        assert_eq!(start["operation"], "rollback");
        assert_eq!(start["fromRev"], "revision 2");
        assert_eq!(start["toRev"], "revision 1");
        assert_eq!(start["fromSha"], v2.as_str());
        assert_eq!(start["toSha"], v1.as_str());
        let end = last_of(&audit, "runEnded");
        assert_eq!(end["releaseRevision"], 3);
        assert_eq!(
            phases(end),
            [
                ("Job/restore".to_string(), "Succeeded".to_string()),
                ("Job/verify".to_string(), "Succeeded".to_string()),
            ]
        );
        assert_eq!(
            recorded_order(end),
            hook_creations_since(&a.ns, before, &["jobs"]),
            "helm {major}: the recorded order is the API server's"
        );
        // Revision 1's hook is new against revision 2's stored ones.
        let timeline = start["timeline"].as_array().unwrap();
        assert_eq!(timeline[0]["name"], "restore");
        assert_eq!(timeline[0]["change"], "added");

        // Uninstall: the stored delete hooks of revision 3 (revision 1's),
        // between the local preuninstall and postuninstall hooks.
        let before = cluster().created_in(&a.ns).len();
        let out = a.run_in(&repo, &["uninstall", "web", "--yes", "--chart", "app"]);
        let err = stderr(&out);
        assert!(out.status.success(), "helm {major}: {err}");
        let audit = a.audit();
        assert_eq!(last_of(&audit, "runStarted")["operation"], "uninstall");
        let end = last_of(&audit, "runEnded");
        let ran: Vec<String> = phases(end)
            .into_iter()
            .map(|(h, p)| format!("{h} {p}"))
            .collect();
        assert_eq!(ran.len(), 4, "{ran:?}");
        assert!(
            ran[0].starts_with("LocalHook/") && ran[0].ends_with("Succeeded"),
            "{ran:?}"
        );
        assert_eq!(ran[1], "Job/drain Succeeded");
        assert_eq!(ran[2], "Job/goodbye Succeeded");
        assert!(
            ran[3].starts_with("LocalHook/") && ran[3].ends_with("Succeeded"),
            "{ran:?}"
        );
        assert_eq!(
            recorded_order(end),
            hook_creations_since(&a.ns, before, &["jobs"]),
            "helm {major}: the recorded order is the API server's"
        );
        let log = std::fs::read_to_string(repo.path().join("app/uninstall.log")).unwrap();
        assert_eq!(log, "preuninstall\npostuninstall\n");
        std::fs::remove_file(repo.path().join("app/uninstall.log")).unwrap();
        assert!(a.history("web").is_empty(), "the release is gone");

        let out = a.run_in(&repo, &["history", "web", "-o", "json"]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ops: Vec<&str> = doc["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["start"]["operation"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["uninstall", "rollback", "upgrade", "install"]);

        // Nothing left to act on: one line naming the fix.
        let out = a.run_in(&repo, &["rollback", "web", "--yes"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("release web not found in namespace"),
            "{}",
            stderr(&out)
        );
    }
}

/// Issue 35 item 12: uninstall says what Helm leaves behind, as the
/// cluster then shows it: a test pod without a delete policy (after
/// `helm test`) and a Job hook without `hook-succeeded` stay, a
/// `hook-succeeded` one is gone and not named; the run records stay.
#[test]
fn uninstall_names_the_hook_objects_and_records_it_leaves() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.write(
        "templates/hooks.yaml",
        &[
            job("migrate", "pre-install", 0, 0, "migrated"),
            job("seed", "post-install", 0, 0, "seeded").replace(
                "    helm.sh/hook-weight",
                "    helm.sh/hook-delete-policy: hook-succeeded\n    helm.sh/hook-weight",
            ),
            test_pod("smoke", 0, 0, "ok"),
        ]
        .join("---\n"),
    );
    repo.commit("v1");
    for major in [3, 4] {
        let a = Apply::new(major, "leftover");
        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let out = a.helm(&["test", "web"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let out = a.run_in(&repo, &["uninstall", "web", "--yes"]);
        let err = stderr(&out);
        assert!(out.status.success(), "helm {major}: {err}");
        let named = |what: &str| err.lines().any(|l| l.trim_start().starts_with(what));
        assert!(
            err.contains("Helm never deletes hook objects on uninstall"),
            "helm {major}: {err}"
        );
        assert!(
            named("Pod/smoke (test): last run succeeded, no delete policy"),
            "helm {major}: {err}"
        );
        assert!(
            named("Job/migrate (pre-install): last run succeeded, no delete policy"),
            "helm {major}: {err}"
        );
        assert!(
            !err.contains("Job/seed"),
            "helm {major}: deleted by its policy: {err}"
        );
        assert!(
            err.contains(&format!("kubectl delete -n {} job/migrate pod/smoke", a.ns))
                || err.contains(&format!("kubectl delete -n {} pod/smoke job/migrate", a.ns)),
            "helm {major}: {err}"
        );
        assert!(
            err.contains("stay in the local audit log"),
            "helm {major}: {err}"
        );
        // What was said is what the cluster has.
        let get = |what: &str| {
            cluster()
                .kubectl()
                .args(["get", what, "-n", &a.ns, "-o", "name"])
                .output()
                .unwrap()
        };
        assert!(
            get("pod/smoke").status.success(),
            "helm {major}: the test pod stays"
        );
        assert!(
            get("job/migrate").status.success(),
            "helm {major}: migrate stays"
        );
        assert!(
            !get("job/seed").status.success(),
            "helm {major}: seed was deleted"
        );
        let secrets = String::from_utf8_lossy(&get("secrets").stdout).into_owned();
        assert!(
            secrets.contains("helm-hooks.run.v1.web."),
            "helm {major}: {secrets}"
        );
    }
}
