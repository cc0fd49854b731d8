//! Helmfile-style local hooks: in `plan` (real Git, Helm 3 and 4) and in
//! `apply` on the test cluster.

use crate::apply::Apply;
use crate::common::*;
use serde_json::Value;
use std::process::{Command, Output};

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n";

/// A Job hook the simulated node plays out: `exit` is its exit code.
fn job(name: &str, events: &str, exit: i32) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  annotations:
    helm.sh/hook: {events}
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        kubelet-sim/exit-code: "{exit}"
        kubelet-sim/duration: 200ms
        kubelet-sim/log: "running {name}"
    spec:
      restartPolicy: Never
      containers: [{{name: main, image: busybox}}]
"#
    )
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const HELMFILE_V1: &str = r#"hooks:
- events: [prepare, cleanup]
  command: echo
  args: ["{{ .Event.Name }}"]
releases:
- name: other
  chart: ./charts/other
  hooks:
  - events: [presync]
    command: "false"
- name: web
  chart: ./charts/app
  hooks:
  - events: [presync]
    showlogs: true
    command: sh
    args: [-c, "echo backup {{ .Release.Name }}"]
  - events: [postsync]
    command: ./notify.sh
"#;

/// v2: a new preapply hook, the presync args changed, postsync removed.
const HELMFILE_V2: &str = r#"hooks:
- events: [prepare, cleanup]
  command: echo
  args: ["{{ .Event.Name }}"]
releases:
- name: other
  chart: ./charts/other
  hooks:
  - events: [presync]
    command: "false"
- name: web
  chart: ./charts/app
  hooks:
  - events: [preapply]
    command: "true"
  - events: [presync]
    showlogs: true
    command: sh
    args: [-c, "echo backup {{ .Release.Name }} --full"]
"#;

fn plan_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("charts/app/Chart.yaml", &chart_yaml("app"));
    repo.write("charts/app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "charts/app/templates/hooks.yaml",
        &[
            job("migrate", "pre-install,pre-upgrade", 0),
            job("smoke", "post-install,post-upgrade", 0),
        ]
        .join("---\n"),
    );
    repo.write("helmfile.yaml", HELMFILE_V1);
    repo.commit("v1");
    repo.write("helmfile.yaml", HELMFILE_V2);
    repo.commit("v2: hooks change");
    repo
}

fn plan(env: &Env, helm: &HelmBin, repo: &GitRepo, args: &[&str]) -> Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
    env.apply(&mut cmd);
    cmd.env("HELM_BIN", &helm.path)
        .current_dir(repo.path())
        .arg("plan")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn plan_interleaves_helmfile_hooks_in_helmfiles_order_with_their_changes() {
    let repo = plan_repo();
    for helm in helms() {
        let env = Env::new();
        let args = [
            "charts/app",
            "--from",
            "HEAD~1",
            "--to",
            "HEAD",
            "--operation",
            "upgrade",
        ];
        let out = plan(&env, &helm, &repo, &[&args[..], &["-o", "json"]].concat());
        assert!(
            out.status.success(),
            "helm {}: {}",
            helm.version,
            stderr(&out)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let op = &doc["operations"][0];
        let steps: Vec<String> = op["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| match s["type"].as_str().unwrap() {
                "local" => format!(
                    "{} {} #{}",
                    s["event"].as_str().unwrap(),
                    s["command"].as_str().unwrap(),
                    s["position"]
                ),
                "hook" => format!(
                    "{} {} #{}",
                    s["event"].as_str().unwrap(),
                    s["name"].as_str().unwrap(),
                    s["position"]
                ),
                _ => "resources".to_string(),
            })
            .collect();
        assert_eq!(
            steps,
            [
                "prepare echo #1",
                "preapply true #2",
                "presync sh #3",
                "pre-upgrade migrate #4",
                "resources",
                "post-upgrade smoke #5",
                "cleanup echo #6",
            ],
            "helm {}",
            helm.version
        );
        let presync = &op["steps"][2];
        assert_eq!(
            presync["args"],
            serde_json::json!(["-c", "echo backup {{ .Release.Name }} --full"])
        );
        assert_eq!(presync["showlogs"], true);
        assert_eq!(presync["source"], "helmfile.yaml");
        assert_eq!(op["steps"][0]["global"], true);
        let changes: Vec<&str> = op["localChanges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert_eq!(changes, ["unchanged", "added", "changed", "unchanged"]);
        assert_eq!(op["localRemoved"][0]["command"], "./notify.sh");
        assert_eq!(op["localRemoved"][0]["event"], "postsync");
        assert_eq!(op["summary"]["local"], 4);
        assert_eq!(op["summary"]["added"], 1);
        assert_eq!(op["summary"]["changed"], 1);
        assert_eq!(op["summary"]["removed"], 1);
        assert_eq!(doc["changed"], true);
        let changed = doc["localHooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["change"] == "changed")
            .unwrap();
        assert_eq!(changed["fields"][0]["field"], "args");
        // The other release's hooks are not this chart's.
        assert!(
            !out.stdout.windows(7).any(|w| w == b"\"false\""),
            "other release leaked"
        );

        // The table reads in the same order, with the change marked.
        let out = plan(&env, &helm, &repo, &args);
        let text = stdout(&out);
        assert!(out.status.success(), "{}", stderr(&out));
        let pos = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing:\n{text}"))
        };
        assert!(pos("local: echo '{{ .Event.Name }}'") < pos("local: true"));
        assert!(pos("local: true") < pos("local: sh -c 'echo backup {{ .Release.Name }} --full'"));
        assert!(pos("local: sh -c") < pos("Job/migrate") && pos("Job/smoke") < pos(" cleanup "));
        let presync_line = text.lines().find(|l| l.contains("local: sh -c")).unwrap();
        assert!(
            presync_line.trim_end().ends_with("changed"),
            "{presync_line}"
        );
        let removed = text
            .lines()
            .find(|l| l.contains("local: ./notify.sh"))
            .unwrap();
        assert!(removed.contains("removed (was #5)"), "{removed}");
        assert!(text.contains("Changed local hooks"), "{text}");
        assert!(
            text.contains("args [-c 'echo backup {{ .Release.Name }}'] → [-c 'echo backup {{ .Release.Name }} --full']"),
            "{text}"
        );
        assert!(
            text.contains(
                "upgrade: 2 hook runs and 4 local hook runs, 1 added, 1 removed, 1 changed"
            ),
            "{text}"
        );
    }
}

#[test]
fn plan_reads_helm_hooks_yaml_and_refuses_what_it_cannot_read() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write("app/.helm-hooks.yaml", "lint:\n  ignore: [HH013]\n");
    repo.commit("v1");
    let helm = helm(3);
    let env = Env::new();
    // Without local hooks, nothing about them in the output.
    let out = plan(
        &env,
        &helm,
        &repo,
        &["app", "--from", "HEAD", "--to", "HEAD", "-o", "json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("local"), "{}", stdout(&out));

    repo.write(
        "app/.helm-hooks.yaml",
        "lint:\n  ignore: [HH013]\nhooks:\n- events: [presync]\n  command: ./check.sh\n",
    );
    let out = plan(&env, &helm, &repo, &["app", "--operation", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("local: ./check.sh"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("presync") && line.contains("app/.helm-hooks.yaml") && line.contains("added"),
        "{line}"
    );

    // postapply is no Helmfile event.
    repo.write(
        "app/.helm-hooks.yaml",
        "hooks:\n- events: [postapply]\n  command: x\n",
    );
    let out = plan(&env, &helm, &repo, &["app"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("\"postapply\"") && err.contains("valid events: prepare, preapply, presync, preuninstall, postuninstall, postsync, cleanup"),
        "{err}"
    );

    // A templated helmfile with hooks: a clear refusal.
    repo.write("app/.helm-hooks.yaml", "");
    repo.write(
        "helmfile.yaml.gotmpl",
        "releases:\n- name: {{ .Values.name }}\n  chart: ./app\n  hooks: []\n",
    );
    let out = plan(&env, &helm, &repo, &["app"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("helmfile.yaml.gotmpl is a templated helmfile")
            && err.contains(".helm-hooks.yaml"),
        "{err}"
    );
}

/// `apply web app --yes ARGS` in the harness's namespace.
fn apply_web(a: &Apply, repo: &GitRepo, args: &[&str]) -> Output {
    a.hooks()
        .current_dir(repo.path())
        .args(["apply", "web", "app", "--yes"])
        .args(args)
        .output()
        .unwrap()
}

fn last_run_end(a: &Apply) -> Value {
    a.audit()
        .into_iter()
        .rev()
        .find(|r| r["type"] == "runEnded")
        .expect("a runEnded record")
}

fn outcome<'a>(end: &'a Value, event: &str) -> &'a Value {
    end["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == event)
        .unwrap_or_else(|| panic!("no {event} outcome in {end}"))
}

/// A hook list entry (indented by `indent`) running
/// `sh -c 'echo "$0" > FILE' ARG`: writes ARG, templated, into FILE.
fn writer(indent: &str, events: &str, file: &std::path::Path, arg: &str) -> String {
    format!(
        "{indent}- events: [{events}]\n{indent}  command: sh\n{indent}  args: [-c, 'echo \"$0\" > {}', '{arg}']\n",
        file.display()
    )
}

#[test]
fn a_failing_presync_hook_stops_the_upgrade_and_cleanup_still_runs() {
    let out_dir = tempfile::tempdir().unwrap();
    let cleaned = out_dir.path().join("cleaned");
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/migrate.yaml",
        &job("migrate", "pre-install,pre-upgrade", 0),
    );
    repo.commit("v1");
    repo.write(
        "helmfile.yaml",
        &format!(
            "releases:\n- name: web\n  chart: ./app\n  hooks:\n  - events: [presync]\n    command: sh\n    args: [-c, 'echo checking; exit 4']\n{}",
            writer("  ", "cleanup", &cleaned, "{{ .Event.Name }} {{ .Release.Name }}")
        ),
    );
    repo.commit("v2: a presync check that fails");
    for major in [3, 4] {
        let _ = std::fs::remove_file(&cleaned);
        let a = Apply::new(major, "local-presync");
        let ok = apply_web(&a, &repo, &["--to", "HEAD~1"]);
        assert!(ok.status.success(), "helm {major}: {}", stderr(&ok));
        assert_eq!(a.history("web").len(), 1);

        let out = apply_web(&a, &repo, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains("local presync hook `sh -c 'echo checking; exit 4'` (helmfile.yaml) failed: exited with 4")
                && errors[0].contains("Helm did not run"),
            "{}",
            errors[0]
        );
        assert_eq!(
            a.history("web").len(),
            1,
            "helm {major}: the release is unchanged"
        );
        assert_eq!(
            std::fs::read_to_string(&cleaned).unwrap(),
            "cleanup web\n",
            "cleanup ran"
        );

        let end = last_run_end(&a);
        assert!(
            end["stoppedBy"].as_str().unwrap().contains("exited with 4"),
            "{end}"
        );
        let presync = outcome(&end, "presync");
        assert_eq!(presync["kind"], "LocalHook");
        assert_eq!(presync["phase"], "Failed");
        assert_eq!(presync["exitCode"], 4);
        assert_eq!(presync["logTail"], serde_json::json!(["checking"]));
        assert!(presync["durationMs"].is_u64());
        assert_eq!(outcome(&end, "pre-upgrade")["phase"], "NotRun");
        assert_eq!(outcome(&end, "cleanup")["phase"], "Succeeded");
        assert_eq!(outcome(&end, "cleanup")["exitCode"], 0);
    }
}

#[test]
fn a_failed_upgrade_still_runs_postsync_with_the_error_and_cleanup() {
    let out_dir = tempfile::tempdir().unwrap();
    let (synced, cleaned) = (
        out_dir.path().join("synced"),
        out_dir.path().join("cleaned"),
    );
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.commit("v1");
    repo.write(
        "app/templates/migrate.yaml",
        &job("migrate", "pre-upgrade", 3),
    );
    repo.write(
        "app/.helm-hooks.yaml",
        &format!(
            "lint: {{ignore: [HH013]}}\nhooks:\n{}{}- events: [presync]\n  command: \"true\"\n",
            writer(
                "",
                "postsync",
                &synced,
                "{{ .Event.Name }}: {{ .Event.Error }}"
            ),
            writer("", "cleanup", &cleaned, "{{ .Event.Name }}")
        ),
    );
    repo.commit("v2: a pre-upgrade Job that fails, local hooks around it");
    for major in [3, 4] {
        let _ = std::fs::remove_file(&synced);
        let _ = std::fs::remove_file(&cleaned);
        let a = Apply::new(major, "local-postsync");
        let ok = apply_web(&a, &repo, &["--to", "HEAD~1"]);
        assert!(ok.status.success(), "helm {major}: {}", stderr(&ok));

        let out = apply_web(&a, &repo, &["--progress", "plain"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert_eq!(a.history("web").len(), 2, "helm {major} ran the upgrade");
        let seen = std::fs::read_to_string(&synced)
            .unwrap_or_else(|e| panic!("postsync did not run ({e}): {err}"));
        assert!(
            seen.starts_with("postsync: ") && seen.contains("migrate"),
            "postsync sees Helm's error: {seen:?}"
        );
        assert_eq!(std::fs::read_to_string(&cleaned).unwrap(), "cleanup\n");
        // Progress rows for local hooks, in order around Helm's.
        let pos = |needle: &str| {
            err.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing: {err}"))
        };
        assert!(pos("presync local: true: succeeded") < pos("pre-upgrade Job/migrate: created"));
        assert!(pos("pre-upgrade Job/migrate: failed") < pos("postsync local: sh"));

        let end = last_run_end(&a);
        assert_eq!(end["helmExit"], 1);
        assert!(end.get("stoppedBy").is_none(), "{end}");
        let events: Vec<(&str, &str)> = end["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["event"].as_str().unwrap(), h["phase"].as_str().unwrap()))
            .collect();
        assert_eq!(
            events,
            [
                ("presync", "Succeeded"),
                ("pre-upgrade", "Failed"),
                ("postsync", "Succeeded"),
                ("cleanup", "Succeeded")
            ],
            "helm {major}"
        );
        assert_eq!(outcome(&end, "postsync")["kind"], "LocalHook");
    }
}

#[test]
fn a_helmfile_releases_namespace_and_values_are_named_not_ignored_silently() {
    let repo = GitRepo::new();
    repo.write("charts/app/Chart.yaml", &chart_yaml("app"));
    repo.write("charts/app/templates/cm.yaml", CONFIGMAP);
    repo.write("values/prod.yaml", "a: 1\n");
    repo.write(
        "helmfile.yaml",
        "releases:\n- name: web\n  chart: ./charts/app\n  namespace: prod\n  values:\n  - values/prod.yaml\n  - {replicas: 2}\n  hooks:\n  - events: [presync]\n    command: \"true\"\n- name: api\n  chart: ./charts/app\n  namespace: default\n",
    );
    repo.commit("v1");
    for helm in helms() {
        let env = Env::new();
        let run = |args: &[&str]| {
            let out = plan(
                &env,
                &helm,
                &repo,
                &[&["charts/app", "--from", "HEAD", "--to", "HEAD"][..], args].concat(),
            );
            assert!(out.status.success(), "{}: {}", helm.version, stderr(&out));
            stderr(&out)
        };
        let err = run(&["--release", "web"]);
        let note = err
            .lines()
            .find(|l| l.starts_with("note: helmfile.yaml: release web sets"))
            .unwrap_or_else(|| panic!("{}: no note: {err}", helm.version));
        assert!(note.contains("namespace prod"), "{note}");
        assert!(
            note.contains("values (values/prod.yaml, an inline map)"),
            "{note}"
        );
        assert!(note.contains("pass -n prod"), "{note}");
        // With -n prod, the values still differ.
        let err = run(&["--release", "web", "-n", "prod"]);
        assert!(
            err.contains("sets values (") && !err.contains("namespace prod"),
            "{err}"
        );
        // A release that sets nothing the render leaves out: no note.
        let err = run(&["--release", "api"]);
        assert!(!err.contains("helmfile.yaml: release"), "{err}");
    }
}
