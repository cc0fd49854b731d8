//! `plan --all`: every chart of a repository whose input changed, in one
//! report, with the real Helm 3 and 4.

use crate::common::*;
use serde_json::Value;

fn chart(repo: &GitRepo, dir: &str, name: &str) {
    repo.write(&format!("{dir}/Chart.yaml"), &chart_yaml(name));
}

/// v1 -> v2 of a platform repository: web gains a hook, api does not
/// change, the library changes (so does its user, through file://), old
/// is removed, new is added, broken gets a template error.
fn platform_repo() -> GitRepo {
    let repo = GitRepo::new();
    chart(&repo, "charts/web", "web");
    repo.write(
        "charts/web/templates/a.yaml",
        &hook("Job", "migrate", "pre-upgrade", None, None),
    );
    chart(&repo, "charts/web/charts/sub", "sub");
    chart(&repo, "team/a/api", "api");
    repo.write(
        "team/a/api/templates/a.yaml",
        &hook("Job", "api-migrate", "pre-upgrade", None, None),
    );
    repo.write(
        "charts/lib/Chart.yaml",
        "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
    );
    repo.write(
        "charts/lib/templates/_name.tpl",
        "{{- define \"lib.name\" -}}one{{- end -}}\n",
    );
    repo.write(
        "charts/uses-lib/Chart.yaml",
        "apiVersion: v2\nname: uses-lib\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 0.1.0\n  repository: file://../lib\n",
    );
    repo.write(
        "charts/uses-lib/templates/j.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"lib.name\" . }}\n  annotations:\n    helm.sh/hook: pre-install\n",
    );
    chart(&repo, "charts/old", "old");
    repo.write(
        "charts/old/templates/a.yaml",
        &hook("Job", "old-hook", "pre-install", None, None),
    );
    chart(&repo, "charts/broken", "broken");
    repo.write(
        "charts/broken/templates/a.yaml",
        &hook("Job", "b", "pre-install", None, None),
    );
    repo.write(
        "charts/web/.helm-hooks.yaml",
        "release: shop\nnamespace: prod\n",
    );
    repo.commit("v1");
    repo.write(
        "charts/web/templates/b.yaml",
        &hook("Job", "backup", "pre-upgrade", Some("-5"), None),
    );
    repo.write(
        "charts/lib/templates/_name.tpl",
        "{{- define \"lib.name\" -}}two{{- end -}}\n",
    );
    std::fs::remove_dir_all(repo.path().join("charts/old")).unwrap();
    chart(&repo, "charts/new", "new");
    repo.write(
        "charts/new/templates/a.yaml",
        &hook("Job", "new-hook", "pre-install", None, None),
    );
    repo.write(
        "charts/broken/templates/a.yaml",
        "{{ .Values.nope.deeper }}\n",
    );
    repo.commit("v2");
    repo
}

#[test]
fn plan_all_lists_exactly_the_charts_whose_input_changed() {
    let repo = platform_repo();
    for helm in helms() {
        let env = Env::new();
        let sarif = env.path("hooks.sarif");
        let run = |extra: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path().join("team"))
                .args(["plan", "--all", "--from", "HEAD~1", "--to", "HEAD"])
                .args(extra)
                .output()
                .unwrap()
        };
        let out = run(&["-o", "json", "-j", "2", "--sarif", sarif.to_str().unwrap()]);
        // The broken chart's error is its entry's; the others are planned.
        assert_eq!(out.status.code(), Some(1), "helm {}", helm.major);
        let doc: Value = json(&out.stdout);
        assert_eq!(doc["kind"], "HookPlanSet");
        let listed: Vec<(String, String)> = doc["charts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["path"].as_str().unwrap().into(),
                    c["status"].as_str().unwrap().into(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = [
            ("charts/broken", "changed"),
            ("charts/new", "added"),
            ("charts/old", "removed"),
            ("charts/uses-lib", "changed"),
            ("charts/web", "changed"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(listed, want, "helm {}", helm.major);
        // team/a/api and the library chart: counted, not listed (the
        // subchart of web is no chart of its own).
        assert_eq!(doc["unchanged"], 2, "{doc}");
        let chart = |path: &str| {
            doc["charts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["path"] == path)
                .unwrap()
                .clone()
        };
        let broken = chart("charts/broken")["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            broken.contains("broken/templates/a.yaml"),
            "helm {}: {broken}",
            helm.major
        );
        let web = chart("charts/web");
        assert_eq!(web["release"], "shop", ".helm-hooks.yaml names it");
        assert_eq!(web["namespace"], "prod");
        assert_eq!(web["plan"]["kind"], "HookPlan");
        let added: Vec<&str> = web["plan"]["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["change"] == "added")
            .map(|h| h["name"].as_str().unwrap())
            .collect();
        assert_eq!(added, ["backup"]);
        let new_hooks = chart("charts/new")["plan"]["hooks"].clone();
        assert_eq!(new_hooks[0]["change"], "added", "{new_hooks}");
        let uses = chart("charts/uses-lib");
        let changed: Vec<&str> = uses["plan"]["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["change"].as_str().unwrap())
            .collect();
        assert_eq!(
            changed,
            ["added", "removed"],
            "the hook's name comes from the library: {uses}"
        );

        // SARIF 2.1.0 shape.
        let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
        assert_eq!(log["version"], "2.1.0");
        assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let run0 = &log["runs"][0];
        assert_eq!(run0["tool"]["driver"]["name"], "helm-hooks");
        assert!(run0["tool"]["driver"]["rules"].as_array().is_some());
        assert!(run0["results"].as_array().is_some());

        // Markdown: a summary table, each chart folded.
        let out = run(&["-o", "markdown"]);
        let md = String::from_utf8_lossy(&out.stdout);
        assert!(
            md.contains("| chart | status | hooks |\n|---|---|---|\n"),
            "{md}"
        );
        assert!(md.contains("| `charts/web` | changed | upgrade:"), "{md}");
        assert!(
            md.contains("<details><summary><code>charts/web</code> (changed)</summary>"),
            "{md}"
        );
        assert!(md.contains("5 of 7 charts changed"), "{md}");
    }
    // Without the broken chart's change, --detailed-exitcode says 2.
    repo.write(
        "charts/broken/templates/a.yaml",
        &hook("Job", "b", "pre-install", None, None),
    );
    repo.commit("v3: fixed");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "--all",
                "--from",
                "HEAD~2",
                "--to",
                "HEAD",
                "--detailed-exitcode",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(table.contains("charts/web: changed; upgrade:"), "{table}");
        assert!(table.contains("── charts/web ──"), "{table}");
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "--all",
                "--from",
                "HEAD",
                "--to",
                "HEAD",
                "--detailed-exitcode",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "nothing changed");
    }
}

/// Two charts that both gain a hook between HEAD~1 and HEAD; `one` has a
/// subchart, and `docs/` holds no chart.
fn two_charts_repo() -> GitRepo {
    let repo = GitRepo::new();
    for name in ["one", "two"] {
        chart(&repo, &format!("charts/{name}"), name);
        repo.write(
            &format!("charts/{name}/templates/a.yaml"),
            &hook("Job", &format!("{name}-migrate"), "pre-upgrade", None, None),
        );
    }
    chart(&repo, "charts/one/charts/sub", "sub");
    repo.write("docs/README.md", "no chart here\n");
    repo.commit("v1");
    for name in ["one", "two"] {
        repo.write(
            &format!("charts/{name}/templates/b.yaml"),
            &hook(
                "Job",
                &format!("{name}-backup"),
                "pre-upgrade",
                Some("-5"),
                None,
            ),
        );
    }
    repo.commit("v2");
    repo
}

/// `(path, status)` of each listed chart, and the unchanged count.
fn listed(doc: &Value) -> (Vec<(String, String)>, u64) {
    let charts = doc["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (charts, doc["unchanged"].as_u64().unwrap())
}

#[test]
fn plan_all_of_a_chart_directory_plans_that_chart() {
    let repo = two_charts_repo();
    let one = || vec![("charts/one".to_string(), "changed".to_string())];
    for helm in helms() {
        let env = Env::new();
        let run = |dir: &str, path: Option<&str>| {
            env.hooks(&helm)
                .current_dir(repo.path().join(dir))
                .args(["plan", "--all"])
                .args(path)
                .args([
                    "--from",
                    "HEAD~1",
                    "--to",
                    "HEAD",
                    "--detailed-exitcode",
                    "-o",
                    "json",
                ])
                .output()
                .unwrap()
        };
        // From the root, and as `.` inside the chart: that chart alone
        // (its subchart is no chart of its own), and its change counts.
        for (dir, path) in [("", "charts/one"), ("charts/one", ".")] {
            let out = run(dir, Some(path));
            assert_eq!(
                out.status.code(),
                Some(2),
                "helm {} in {dir:?}: {}",
                helm.major,
                String::from_utf8_lossy(&out.stderr)
            );
            let doc = json(&out.stdout);
            assert_eq!(listed(&doc), (one(), 0), "in {dir:?}: {doc}");
            let added: Vec<&str> = doc["charts"][0]["plan"]["hooks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| h["change"] == "added")
                .map(|h| h["name"].as_str().unwrap())
                .collect();
            assert_eq!(added, ["one-backup"], "helm {}", helm.major);
        }
        // No path, even inside a chart: the whole repository.
        let doc = json(&run("charts/one", None).stdout);
        let (charts, _) = listed(&doc);
        let paths: Vec<&str> = charts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["charts/one", "charts/two"], "{doc}");
        // The table's count says it too.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "--all",
                "charts/one",
                "--from",
                "HEAD~1",
                "--to",
                "HEAD",
            ])
            .output()
            .unwrap();
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(table.contains("(1 of 1 charts changed)"), "{table}");
    }
}

#[test]
fn plan_all_of_a_path_without_a_chart_is_an_error_naming_it() {
    let repo = two_charts_repo();
    let env = Env::new();
    let helm = helm(3);
    let run = |path: &str| {
        env.hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "--all",
                path,
                "--from",
                "HEAD~1",
                "--to",
                "HEAD",
                "--detailed-exitcode",
            ])
            .output()
            .unwrap()
    };
    let e = one_line_error(&run("nonexistent"));
    assert!(
        e.contains("nonexistent does not exist")
            && e.contains("without a path, --all plans every chart"),
        "{e}"
    );
    let e = one_line_error(&run("docs"));
    assert!(
        e.contains("docs holds no chart at HEAD~1 or HEAD") && e.contains("pass a chart directory"),
        "{e}"
    );
}
