//! `helm hooks plan` end to end: real Git repositories, real Helm 3 and 4.

use crate::common::*;
use std::process::Command;

/// A chart whose hooks tie on weight, and on weight AND name across kinds,
/// written in an order that is neither kind order nor run order.
fn tie_chart(repo: &GitRepo) {
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/a-setup-job.yaml",
        &hook("Job", "setup", "pre-install,pre-upgrade", Some("0"), None),
    );
    repo.write(
        "app/templates/b-setup-rbac.yaml",
        &[
            hook(
                "RoleBinding",
                "setup",
                "pre-install,pre-upgrade",
                Some("0"),
                None,
            ),
            hook("Role", "setup", "pre-install,pre-upgrade", Some("0"), None),
        ]
        .join("---\n"),
    );
    repo.write(
        "app/templates/c-setup-sa.yaml",
        &hook(
            "ServiceAccount",
            "setup",
            "pre-install,pre-upgrade",
            Some("0"),
            None,
        ),
    );
    repo.write(
        "app/templates/d-others.yaml",
        &[
            hook("Job", "zz-last", "pre-install", Some("0"), None),
            hook("ServiceAccount", "aa-first", "pre-install", Some("0"), None),
            hook(
                "Job",
                "migrate",
                "pre-install,pre-upgrade",
                Some("-5"),
                Some("hook-succeeded"),
            ),
            hook("Job", "weird-weight", "pre-install", Some(" 5"), None),
            hook(
                "Job",
                "notify",
                "post-install,post-upgrade",
                Some("1"),
                None,
            ),
            hook("Pod", "smoke", "test-success", None, None),
        ]
        .join("---\n"),
    );
    repo.write(
        "app/templates/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n",
    );
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn order_equals_the_order_written_by_hand_from_the_semantics() {
    let repo = GitRepo::new();
    tie_chart(&repo);
    repo.commit("tie chart");
    // By hand, from helm-hook-semantics.md §2: weight, then name (byte
    // order); equal weight+name falls back to InstallOrder of the kinds
    // (ServiceAccount, Role, RoleBinding, Job). " 5" is read as 0.
    let install = pairs(&[
        ("pre-install", "Job/migrate"),
        ("pre-install", "ServiceAccount/aa-first"),
        ("pre-install", "ServiceAccount/setup"),
        ("pre-install", "Role/setup"),
        ("pre-install", "RoleBinding/setup"),
        ("pre-install", "Job/setup"),
        ("pre-install", "Job/weird-weight"),
        ("pre-install", "Job/zz-last"),
        ("post-install", "Job/notify"),
    ]);
    let upgrade = pairs(&[
        ("pre-upgrade", "Job/migrate"),
        ("pre-upgrade", "ServiceAccount/setup"),
        ("pre-upgrade", "Role/setup"),
        ("pre-upgrade", "RoleBinding/setup"),
        ("pre-upgrade", "Job/setup"),
        ("post-upgrade", "Job/notify"),
    ]);
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan", "app", "--from", "HEAD", "--to", "HEAD", "-o", "json",
            ])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        assert_eq!(
            runs(&plan, "install"),
            install,
            "install order, helm {}",
            helm.version
        );
        assert_eq!(
            runs(&plan, "upgrade"),
            upgrade,
            "upgrade order, helm {}",
            helm.version
        );
        assert_eq!(runs(&plan, "test"), pairs(&[("test", "Pod/smoke")]));
        assert_eq!(plan["changed"], false);
        let warnings = plan["warnings"].to_string();
        assert!(
            warnings.contains("weightReadAsZero") && warnings.contains("\" 5\""),
            "{warnings}"
        );
    }
}

/// Helm 4 reports its own parse of the chart's hooks without a cluster
/// (`install --dry-run=client -o json`): ours must agree on every field.
#[test]
fn hook_fields_agree_with_helm4s_own_parse() {
    let repo = GitRepo::new();
    tie_chart(&repo);
    repo.commit("tie chart");
    let helm = helm(4);
    let env = Env::new();
    let mut cmd = env.helm(&helm);
    cmd.current_dir(repo.path()).args([
        "install",
        "rel",
        "app",
        "--dry-run=client",
        "-o",
        "json",
        "-n",
        "default",
    ]);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let release = json(&out.stdout);
    let mut helm_hooks: Vec<String> = release["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{}/{} {} w={} dp={}",
                h["kind"].as_str().unwrap(),
                h["name"].as_str().unwrap(),
                h["events"],
                h["weight"].as_i64().unwrap_or(0),
                h["delete_policies"]
            )
        })
        .collect();
    let ours = env
        .hooks(&helm)
        .current_dir(repo.path())
        .args([
            "plan",
            "app",
            "--release",
            "rel",
            "--from",
            "HEAD",
            "--to",
            "HEAD",
            "-o",
            "json",
        ])
        .assert()
        .success();
    let plan = json(&ours.get_output().stdout);
    // Every (hook, event) run in our plan's install/upgrade/test timelines,
    // folded back into per-hook event lists.
    let mut by_hook: std::collections::BTreeMap<String, (Vec<String>, i64, String)> =
        Default::default();
    for op in plan["operations"].as_array().unwrap() {
        for s in op["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["type"] == "hook")
        {
            let id = format!(
                "{}/{}",
                s["kind"].as_str().unwrap(),
                s["name"].as_str().unwrap()
            );
            let e = by_hook.entry(id).or_insert_with(|| {
                let dp: Vec<String> = if s["defaultDeletePolicy"] == true {
                    vec![]
                } else {
                    serde_json::from_value(s["deletePolicies"].clone()).unwrap()
                };
                (
                    vec![],
                    s["weight"].as_i64().unwrap(),
                    serde_json::to_string(&dp).unwrap(),
                )
            });
            let ev = s["event"].as_str().unwrap().to_string();
            if !e.0.contains(&ev) {
                e.0.push(ev);
            }
        }
    }
    let mut ours: Vec<String> = by_hook
        .into_iter()
        .map(|(id, (mut events, w, dp))| {
            // Helm lists events in annotation order; compare as sets.
            events.sort();
            format!("{id} {events:?} w={w} dp={dp}")
        })
        .collect();
    for h in helm_hooks.iter_mut() {
        let (head, rest) = h.split_once(" [").unwrap();
        let (events, tail) = rest.split_once("] ").unwrap();
        let mut ev: Vec<String> = serde_json::from_str(&format!("[{events}]")).unwrap();
        ev.sort();
        ev.dedup();
        *h = format!("{head} {ev:?} {}", tail.replace("dp=null", "dp=[]"));
    }
    helm_hooks.sort();
    ours.sort();
    assert_eq!(ours, helm_hooks);
}

#[test]
fn worktree_with_uncommitted_edits_is_planned_and_left_untouched() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-upgrade", Some("1"), None),
    );
    repo.write(
        "templates/b.yaml",
        &hook("Job", "b", "pre-upgrade", Some("2"), None),
    );
    repo.commit("base");
    // Uncommitted: b now runs first, and a new hook appears.
    repo.write(
        "templates/b.yaml",
        &hook("Job", "b", "pre-upgrade", Some("0"), None),
    );
    repo.write(
        "templates/c.yaml",
        &hook("Job", "c", "pre-upgrade", Some("9"), None),
    );
    let status_before = repo.git(&["status", "--porcelain"]);
    let head_before = repo.git(&["rev-parse", "HEAD"]);
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "-o", "json", "--operation", "upgrade"])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        assert_eq!(plan["to"]["worktree"], true);
        assert_eq!(
            runs(&plan, "upgrade"),
            pairs(&[
                ("pre-upgrade", "Job/b"),
                ("pre-upgrade", "Job/a"),
                ("pre-upgrade", "Job/c")
            ])
        );
        let steps = &plan["operations"][0]["steps"];
        let hooks: Vec<&serde_json::Value> = plan["operations"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
        assert!(!hooks.is_empty(), "{steps}");
        let changes = &plan["operations"][0];
        assert_eq!(changes["summary"]["added"], 1, "{changes}");
        assert_eq!(changes["summary"]["changed"], 1, "{changes}");
        assert!(
            changes["summary"]["moved"].as_u64().unwrap() >= 1,
            "{changes}"
        );
    }
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        status_before,
        "working tree untouched"
    );
    assert_eq!(
        repo.git(&["rev-parse", "HEAD"]),
        head_before,
        "HEAD untouched"
    );
}

#[test]
fn a_values_file_in_the_repository_is_read_at_each_revision() {
    let repo = GitRepo::new();
    repo.write("chart/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "chart/templates/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: {{ .Values.weight | quote }}\n",
    );
    repo.write("env/prod.yaml", "weight: 1\n");
    repo.commit("weight 1");
    repo.write("env/prod.yaml", "weight: 7\n");
    repo.commit("weight 7");
    // An uncommitted edit must not leak into a commit-to-commit plan.
    repo.write("env/prod.yaml", "weight: 99\n");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "chart",
                "--from",
                "HEAD~1",
                "--to",
                "HEAD",
                "-f",
                "env/prod.yaml",
                "-o",
                "json",
            ])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        let change = plan["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "migrate")
            .unwrap();
        assert_eq!(change["change"], "changed");
        assert_eq!(
            change["fields"][0],
            serde_json::json!({"field": "weight", "from": 1, "to": 7})
        );
    }
}

#[test]
fn install_and_upgrade_timelines_come_from_their_own_renders() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/seed.yaml",
        &format!(
            "{{{{- if .Release.IsInstall }}}}\n{}{{{{- end }}}}\n",
            hook("Job", "seed", "post-install,post-upgrade", None, None)
        ),
    );
    repo.commit("seed on install only");
    for helm in helms() {
        let out = Env::new()
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "--from", "HEAD", "--to", "HEAD", "-o", "json"])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        assert_eq!(
            runs(&plan, "install"),
            pairs(&[("post-install", "Job/seed")])
        );
        assert_eq!(runs(&plan, "upgrade"), vec![]);
    }
}

#[test]
fn detailed_exitcode_says_whether_hooks_changed() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-upgrade", None, None),
    );
    repo.commit("one");
    repo.write(
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    repo.commit("not a hook change");
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-upgrade", Some("3"), None),
    );
    repo.commit("hook change");
    let helm = helm(3);
    let env = Env::new();
    let run = |from: &str, to: &str| {
        env.hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "--from", from, "--to", to, "--detailed-exitcode"])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("HEAD~2", "HEAD~1"), Some(0));
    assert_eq!(run("HEAD~1", "HEAD"), Some(2));
    assert_eq!(run("nope", "HEAD"), Some(1));
}

#[test]
fn the_chosen_operations_alone_make_the_diff_changed_and_the_exit_code() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/i.yaml",
        &hook("Job", "setup", "pre-install", None, None),
    );
    repo.write(
        "templates/u.yaml",
        &hook("Job", "migrate", "pre-upgrade", None, None),
    );
    repo.commit("one");
    // Only the upgrade hook changes.
    repo.write(
        "templates/u.yaml",
        &hook("Job", "migrate", "pre-upgrade", Some("3"), None),
    );
    repo.commit("upgrade hook change");
    for helm in helms() {
        let env = Env::new();
        let run = |op: &str, output: &str| {
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
                .args(["--operation", op, "-o", output])
                .output()
                .unwrap()
        };
        let out = run("install", "json");
        assert_eq!(out.status.code(), Some(0), "{}: {out:?}", helm.version);
        let plan = json(&out.stdout);
        assert_eq!(plan["changed"], false, "{}: {plan:#}", helm.version);
        let listed: Vec<&str> = plan["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["change"] != "unchanged")
            .map(|h| h["name"].as_str().unwrap())
            .collect();
        assert!(listed.is_empty(), "{}: {listed:?}", helm.version);
        let text = String::from_utf8_lossy(&run("install", "table").stdout).to_string();
        assert!(!text.contains("migrate"), "{}: {text}", helm.version);
        let out = run("upgrade", "json");
        assert_eq!(out.status.code(), Some(2), "{}: {out:?}", helm.version);
        assert_eq!(json(&out.stdout)["changed"], true);
        let out = run("install,upgrade", "json");
        assert_eq!(out.status.code(), Some(2), "{}", helm.version);
    }
}

#[test]
fn every_path_is_a_path_of_the_repository_not_of_the_charts_name() {
    let repo = GitRepo::new();
    // The chart's name is not its directory.
    repo.write("deploy/web/Chart.yaml", &chart_yaml("shop"));
    repo.write(
        "deploy/web/templates/a.yaml",
        &hook("Job", "a", "pre-install", None, None),
    );
    repo.commit("one");
    for helm in helms() {
        let env = Env::new();
        let run = |output: &str| {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan",
                    "deploy/web",
                    "--from",
                    "HEAD",
                    "--to",
                    "HEAD",
                    "-o",
                    output,
                ])
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let plan = json(run("json").as_bytes());
        let step = &plan["operations"][0]["steps"][0];
        assert_eq!(
            step["path"], "deploy/web/templates/a.yaml",
            "{}: {step}",
            helm.version
        );
        let f = plan["findings"].as_array().unwrap();
        assert!(!f.is_empty());
        assert!(
            f.iter().all(|f| f["path"] == "deploy/web/templates/a.yaml"),
            "{f:#?}"
        );
        let table = run("table");
        assert!(table.contains("(chart deploy/web,"), "{table}");
        assert!(table.contains(" deploy/web/templates/a.yaml "), "{table}");
        assert!(!table.contains("shop/templates"), "{table}");
    }
}

#[test]
fn bad_input_gets_one_clear_error_line_and_exit_1() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/a.yaml",
        &hook("Job", "a", "pre-upgrade", None, None),
    );
    repo.commit("one");
    repo.write(
        "app/templates/broken.yaml",
        "kind: Job\nmetadata:\n  name: {{ .Values.nope.deeper }}\n",
    );
    repo.commit("broken template");
    for helm in helms() {
        let env = Env::new();
        let run = |args: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args(args)
                .output()
                .unwrap()
        };

        let e = one_line_error(&run(&["plan", "app", "--from", "no-such-ref"]));
        assert!(
            e.contains("unknown revision \"no-such-ref\"") && e.contains("branch, tag, commit"),
            "{e}"
        );

        let e = one_line_error(&run(&[
            "plan",
            "templates",
            "--from",
            "HEAD",
            "--to",
            "HEAD",
        ]));
        assert!(
            e.contains("templates does not exist at HEAD") && e.contains("Chart.yaml"),
            "{e}"
        );

        let out = run(&["plan", "app", "--from", "HEAD~1", "--to", "HEAD"]);
        let e = one_line_error(&out);
        assert!(
            e.contains("helm template failed for HEAD") && e.contains("fix the template"),
            "{e}"
        );
        // Helm's error is the line itself: said once, without Helm's
        // advice to pass it --debug.
        assert!(e.contains("app/templates/broken.yaml:3:18"), "{e}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.matches("nil pointer").count(), 1, "{stderr}");
        assert!(!stderr.contains("--debug flag"), "{stderr}");

        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .env("HELM_BIN", "")
            .env("PATH", "/nonexistent")
            .args(["plan", "app"])
            .output()
            .unwrap();
        let e = one_line_error(&out);
        assert!(
            e.contains("no Helm binary") && e.contains("HELM_BIN"),
            "{e}"
        );

        let out = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"))
            .current_dir(std::env::temp_dir())
            .env("HELM_BIN", &helm.path)
            .env_remove("GIT_DIR")
            .args(["plan", "/"])
            .output()
            .unwrap();
        let e = one_line_error(&out);
        assert!(e.contains("not inside a Git repository"), "{e}");
    }
}

#[test]
fn missing_dependencies_name_helm_dependency_build_and_file_deps_are_vendored() {
    let repo = GitRepo::new();
    repo.write(
        "app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://../lib\n",
    );
    repo.write("lib/Chart.yaml", &chart_yaml("lib"));
    repo.write(
        "lib/templates/j.yaml",
        &hook("Job", "lib-hook", "pre-install", Some("-1"), None),
    );
    repo.write(
        "app/templates/j.yaml",
        &hook("Job", "app-hook", "pre-install", None, None),
    );
    repo.commit("file dependency, charts/ not committed");
    repo.write(
        "remote/Chart.yaml",
        "apiVersion: v2\nname: remote\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.invalid\n",
    );
    repo.commit("remote dependency, not built");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "app",
                "--from",
                "HEAD",
                "--to",
                "HEAD",
                "-o",
                "json",
                "--operation",
                "install",
            ])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        assert_eq!(
            runs(&plan, "install"),
            pairs(&[
                ("pre-install", "Job/lib-hook"),
                ("pre-install", "Job/app-hook")
            ])
        );
        let sub = &plan["operations"][0]["steps"][0];
        assert_eq!(sub["subchart"], "lib", "{sub}");

        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "remote", "--from", "HEAD", "--to", "HEAD"])
            .output()
            .unwrap();
        let e = one_line_error(&out);
        assert!(
            e.contains("missing dependencies") && e.contains("helm dependency build"),
            "{e}"
        );
        assert_eq!(e.matches("helm dependency build").count(), 1, "{e}");
        // Helm's lines above it do not say again what the line says.
        for l in String::from_utf8_lossy(&out.stderr).lines() {
            if let Some(h) = l.strip_prefix("helm: ") {
                let t = h.trim().trim_start_matches("Error: ");
                assert!(
                    !t.is_empty() && !e.contains(t),
                    "{t:?} twice in\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

#[test]
fn helm_dropping_a_document_is_a_warning_naming_file_and_value() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/ok.yaml",
        &hook("Job", "ok", "pre-install", None, None),
    );
    repo.write(
        "templates/typo.yaml",
        &hook("Job", "typo", "pre-install,test-failure", None, None),
    );
    repo.commit("typo");
    for helm in helms() {
        let out = Env::new()
            .hooks(&helm)
            .current_dir(repo.path())
            .env("NO_COLOR", "1")
            .args([
                "plan",
                "--from",
                "HEAD",
                "--to",
                "HEAD",
                "--operation",
                "install",
            ])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        let line = text
            .lines()
            .find(|l| l.contains("silently drops"))
            .unwrap_or_else(|| {
                panic!(
                    "no dropped-document warning with helm {}:\n{text}",
                    helm.version
                )
            });
        assert!(
            line.contains("templates/typo.yaml") && line.contains("\"test-failure\""),
            "{line}"
        );
        // An error, as in lint, naming the document.
        assert!(line.starts_with("error[HH001]: Job/typo in "), "{line}");
        assert!(
            !text
                .lines()
                .any(|l| l.contains("Job/typo") && !l.contains("silently drops")),
            "the dropped hook is not in the timeline:\n{text}"
        );
    }
}

#[test]
fn an_unchanged_revision_costs_no_helm_process_the_second_time() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-upgrade", None, None),
    );
    repo.commit("one");
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-upgrade", Some("2"), None),
    );
    repo.commit("two");
    let helm = helm(3);
    let env = Env::new();
    let (counting, log) = env.counting_helm(&helm);
    let plan = || {
        env.hooks(&counting)
            .current_dir(repo.path())
            .args(["plan", "--from", "HEAD~1", "--to", "HEAD", "-o", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let first = plan();
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().filter(|l| *l == "template").count(),
        2,
        "{calls}"
    );
    let second = plan();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        calls,
        "no Helm process on the warm run"
    );
    assert_eq!(first, second);
}

#[test]
fn secrets_are_redacted_unless_asked() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    let secret = |pw: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  annotations:\n    helm.sh/hook: pre-install\nstringData:\n  password: {pw}\n  user: admin\n"
        )
    };
    repo.write("templates/s.yaml", &secret("hunter2-old"));
    repo.commit("one");
    repo.write("templates/s.yaml", &secret("hunter2-new"));
    for helm in helms() {
        let env = Env::new();
        for format in ["table", "json", "markdown", "yaml"] {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args(["plan", "-o", format])
                .assert()
                .success();
            let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
            assert!(
                !text.contains("hunter2"),
                "{format} leaks a secret:\n{text}"
            );
            assert!(
                text.contains("<redacted, changed>"),
                "{format} shows the change:\n{text}"
            );
        }
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "--show-secrets"])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            text.contains("-  password: hunter2-old") && text.contains("+  password: hunter2-new"),
            "{text}"
        );
    }
}

#[test]
fn a_bare_repository_plans_between_commits() {
    let repo = GitRepo::new();
    tie_chart(&repo);
    repo.commit("one");
    repo.write(
        "app/templates/e.yaml",
        &hook("Job", "extra", "pre-install", None, None),
    );
    repo.commit("two");
    let bare = tempfile::tempdir().unwrap();
    let bare_path = bare.path().join("repo.git");
    let st = Command::new("git")
        .args(["clone", "--quiet", "--bare"])
        .arg(repo.path())
        .arg(&bare_path)
        .status()
        .unwrap();
    assert!(st.success());
    let helm = helm(4);
    let env = Env::new();
    let out = env
        .hooks(&helm)
        .current_dir(&bare_path)
        .args([
            "plan",
            "app",
            "--from",
            "HEAD~1",
            "--to",
            "HEAD",
            "-o",
            "json",
            "--operation",
            "install",
        ])
        .assert()
        .success();
    let plan = json(&out.get_output().stdout);
    assert_eq!(plan["operations"][0]["summary"]["added"], 1);
    let out = env
        .hooks(&helm)
        .current_dir(&bare_path)
        .args(["plan", "app"])
        .output()
        .unwrap();
    assert!(one_line_error(&out).contains("bare repository"));
}

#[test]
fn a_partial_clone_works_while_the_charts_objects_are_there() {
    let repo = GitRepo::new();
    tie_chart(&repo);
    repo.commit("one");
    // A blob only HEAD~1 has: the clone will not fetch it.
    repo.write(
        "app/templates/a-setup-job.yaml",
        &hook("Job", "setup", "pre-install", Some("3"), None),
    );
    repo.commit("two");
    repo.git(&["config", "uploadpack.allowFilter", "true"]);
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clone");
    let st = Command::new("git")
        .args(["clone", "--quiet", "--filter=blob:none"])
        .arg(format!("file://{}", repo.path().display()))
        .arg(&clone)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(st.success());
    let helm = helm(3);
    let env = Env::new();
    // HEAD's blobs came with the checkout.
    let out = env
        .hooks(&helm)
        .current_dir(&clone)
        .args(["plan", "app", "-o", "json", "--operation", "install"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout)["changed"], false);
    // HEAD~1's blobs were never fetched: one clear line says how.
    let out = env
        .hooks(&helm)
        .current_dir(&clone)
        .args(["plan", "app", "--from", "HEAD~1", "--to", "HEAD"])
        .output()
        .unwrap();
    let e = one_line_error(&out);
    assert!(
        e.contains("missing at HEAD~1") && e.contains("git diff"),
        "{e}"
    );
}

/// Insta filters for what differs between runs: shas, temp paths, the
/// Helm patch version.
fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"[0-9a-f]{40}", "[SHA]");
    settings.add_filter(r"\b[0-9a-f]{12}\b", "[SHORTSHA]");
    settings.add_filter(r#"/tmp/[^\s"]+"#, "[PATH]");
    settings.add_filter(r"v[34]\.\d+\.\d+", "[HELM]");
    settings
}

#[test]
fn snapshots_of_table_json_and_markdown() {
    let repo = GitRepo::new();
    tie_chart(&repo);
    repo.commit("one");
    repo.write(
        "app/templates/c-setup-sa.yaml",
        &hook(
            "ServiceAccount",
            "setup",
            "pre-install,pre-upgrade",
            Some("-9"),
            None,
        ),
    );
    repo.write(
        "app/templates/e.yaml",
        &hook(
            "Job",
            "backup",
            "pre-upgrade,pre-delete",
            Some("-20"),
            Some("before-hook-creation,hook-failed"),
        ),
    );
    repo.remove("app/templates/a-setup-job.yaml");
    repo.commit("two");
    for helm in helms() {
        let env = Env::new();
        for (format, ops) in [
            ("table", "all"),
            ("json", "upgrade"),
            ("markdown", "upgrade,uninstall"),
        ] {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .env("NO_COLOR", "1")
                .args([
                    "plan",
                    "app",
                    "--from",
                    "HEAD~1",
                    "--to",
                    "HEAD",
                    "-o",
                    format,
                    "--operation",
                    ops,
                ])
                .assert()
                .success();
            let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
            snapshot_settings().bind(|| {
                insta::assert_snapshot!(format!("plan_{format}_helm{}", helm.major), text);
            });
        }
    }
}

/// A Helm wrapper that logs, per `helm template`, the scratch folder
/// holding the chart (the chart path's parent) and its mode, then runs
/// Helm, or with `hang` sleeps in Helm's place (its pid logged).
fn scratch_logging_helm(env: &Env, helm: &HelmBin, hang: bool) -> (HelmBin, std::path::PathBuf) {
    let log = env.path(if hang {
        "scratch-hang.log"
    } else {
        "scratch.log"
    });
    let wrapper = env.path(if hang { "helm-hang" } else { "helm-scratch" });
    let run = match hang {
        true => "echo \"pid $$\" >> \"$LOG\"; exec sleep 30".to_string(),
        false => format!("exec '{}' \"$@\"", helm.path.display()),
    };
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nLOG='{log}'\nif [ \"$1\" = template ]; then\n  d=$(dirname \"$3\")\n  echo \"dir $d $(stat -c %a \"$d\")\" >> \"$LOG\"\n  {run}\nfi\nexec '{helm}' \"$@\"\n",
            log = log.display(),
            helm = helm.path.display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    (
        HelmBin {
            path: wrapper,
            ..helm.clone()
        },
        log,
    )
}

fn logged(log: &std::path::Path, what: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix(what).map(str::to_string))
        .collect()
}

#[test]
fn the_chart_copy_for_helm_is_private_in_ram_and_gone_after_plan_and_after_ctrl_c() {
    let repo = GitRepo::new();
    tie_chart(&repo);
    repo.commit("one");
    let helm = helm(4);
    let env = Env::new();
    // A RAM-backed runtime folder where there is one; TMPDIR (the
    // fallback) is watched too.
    let ram = std::path::Path::new("/dev/shm");
    let runtime = match ram.is_dir() {
        true => tempfile::tempdir_in(ram).unwrap(),
        false => tempfile::tempdir().unwrap(),
    };
    let tmpdir = tempfile::tempdir().unwrap();
    let leftovers = || {
        [runtime.path(), tmpdir.path()]
            .iter()
            .flat_map(|d| std::fs::read_dir(d).unwrap().flatten())
            .map(|e| e.path().display().to_string())
            .collect::<Vec<_>>()
    };

    let (wrapped, log) = scratch_logging_helm(&env, &helm, false);
    env.hooks(&wrapped)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("TMPDIR", tmpdir.path())
        .args(["plan", "app", "--from", "HEAD", "--to", "HEAD"])
        .current_dir(repo.path())
        .assert()
        .success();
    let dirs = logged(&log, "dir ");
    assert!(!dirs.is_empty(), "Helm never rendered");
    for logged_dir in &dirs {
        let (dir, mode) = logged_dir.rsplit_once(' ').unwrap();
        assert_eq!(mode, "700", "{dir}");
        if ram.is_dir() {
            assert!(
                dir.starts_with(&runtime.path().display().to_string()),
                "{dir}"
            );
        }
    }
    assert!(leftovers().is_empty(), "{:?}", leftovers());

    // Ctrl-C while Helm renders: the folder goes, the exit says SIGINT.
    let (hanging, hang_log) = scratch_logging_helm(&env, &helm, true);
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
    env.apply(&mut cmd);
    let mut child = cmd
        .env("HELM_BIN", &hanging.path)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("TMPDIR", tmpdir.path())
        .env("HELM_CACHE_HOME", env.path("cache-hang"))
        .args(["plan", "app", "--from", "HEAD", "--to", "HEAD"])
        .current_dir(repo.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while logged(&hang_log, "pid ").is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pids = logged(&hang_log, "pid ");
    assert!(!pids.is_empty(), "Helm never started");
    assert!(!leftovers().is_empty(), "no chart folder while Helm runs");
    // SAFETY: signals processes this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    for pid in pids {
        // SAFETY: the sleeping stand-ins for Helm this test started.
        unsafe { libc::kill(pid.parse().unwrap(), libc::SIGKILL) };
    }
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert!(leftovers().is_empty(), "{:?}", leftovers());
}

/// `helm create mychart && helm hooks plan mychart`, in no Git repository:
/// the directory is the plan's one side, its hooks those of a first
/// install, its lint findings neither new nor old; headers name the chart.
#[test]
fn a_chart_directory_in_no_git_repository_is_planned_as_a_first_install() {
    for helm in helms() {
        let env = Env::new();
        let plain = env.path("plain");
        std::fs::create_dir(&plain).unwrap();
        let created = env
            .helm(&helm)
            .current_dir(&plain)
            .args(["create", "mychart"])
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");
        let hooks = |args: &[&str]| {
            env.hooks(&helm)
                .current_dir(&plain)
                .args(args)
                .output()
                .unwrap()
        };

        let out = hooks(&["plan", "mychart", "-o", "json"]);
        assert!(out.status.success(), "{}: {out:?}", helm.version);
        let doc = json(&out.stdout);
        assert_eq!(doc["from"]["spec"], "(none)", "{doc:#}");
        assert_eq!(doc["to"]["spec"], "WORKTREE");
        assert_eq!(
            runs(&doc, "test"),
            [(
                "test".to_string(),
                "Pod/release-name-mychart-test-connection".to_string()
            )],
            "{}",
            helm.version
        );
        let test = doc["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["operation"] == "test")
            .unwrap();
        assert_eq!(test["changes"][0]["change"], "added", "{test:#}");
        // The Pod keeps its finished runs (HH004): a finding of the
        // directory, not "new" against a side that does not exist.
        let f = doc["findings"].as_array().unwrap();
        let hh004 = f.iter().find(|f| f["rule"] == "HH004").expect("HH004");
        assert!(
            hh004.get("introduced").is_none_or(|v| v.is_null()),
            "{hh004:#}"
        );
        let note = String::from_utf8_lossy(&out.stderr);
        assert!(
            note.contains("mychart is in no Git repository: planned as it is on disk"),
            "{note}"
        );

        let out = hooks(&["plan", "mychart", "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(
            table.starts_with("Hook plan: (none) → WORKTREE  (chart mychart, helm "),
            "{table}"
        );
        assert!(!table.contains(" new in "), "{table}");
        assert!(!table.contains("already had"), "{table}");

        // lint names the chart too, also as `.` from inside it.
        for (dir, arg) in [(plain.clone(), "mychart"), (plain.join("mychart"), ".")] {
            let out = env
                .hooks(&helm)
                .current_dir(&dir)
                .args(["lint", arg])
                .output()
                .unwrap();
            let table = String::from_utf8_lossy(&out.stdout);
            assert!(
                table.starts_with("Hook lint: WORKTREE  (chart mychart, helm "),
                "{table}"
            );
        }
    }
}
