//! Issue 20: where plans of real charts were not exact. Fixtures are built
//! like the charts that showed each gap; every test runs Helm 3 and 4.

use crate::common::*;
use std::process::Command;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// cert-manager's `startupapicheck.jobAnnotations` set with `--set`: the
/// weight reaches the YAML unquoted.
#[test]
fn an_unquoted_weight_is_an_error_finding_and_the_order_stays_helms() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/startupapicheck.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: startupapicheck\n  annotations:\n    helm.sh/hook: post-install\n{{- range $k, $v := .Values.jobAnnotations }}\n    {{ $k }}: {{ $v }}\n{{- end }}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: busybox\n",
    );
    repo.write(
        "app/templates/other.yaml",
        &hook("Job", "aaa-other", "post-install", None, None),
    );
    repo.commit("chart");
    for helm in helms() {
        let env = Env::new();
        let plan = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "app",
                "--from",
                "HEAD",
                "--to",
                "HEAD",
                "--set",
                "jobAnnotations.helm\\.sh/hook-weight=-10",
                "-o",
                "json",
                "--operation",
                "install",
            ])
            .assert()
            .success();
        let plan = json(&plan.get_output().stdout);
        // Helm's sorter reads the unquoted -10 as "-10": first.
        assert_eq!(
            runs(&plan, "install"),
            pairs(&[
                ("post-install", "Job/startupapicheck"),
                ("post-install", "Job/aaa-other")
            ]),
            "helm {}",
            helm.version
        );
        let f = plan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "HH014")
            .unwrap_or_else(|| panic!("no HH014: {}", plan["findings"]));
        assert_eq!(f["severity"], "error");
        assert_eq!(f["hook"]["name"], "startupapicheck");
        let msg = f["message"].as_str().unwrap();
        assert!(
            msg.contains("helm.sh/hook-weight") && msg.contains("quote it"),
            "{msg}"
        );

        // The table shows it, and lint fails on it.
        let table = env
            .hooks(&helm)
            .current_dir(repo.path())
            .env("NO_COLOR", "1")
            .args(["plan", "app", "--from", "HEAD", "--to", "HEAD"])
            .args(["--set", "jobAnnotations.helm\\.sh/hook-weight=-10"])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
        assert!(
            text.contains("HH014") && text.contains("quote it"),
            "{text}"
        );
        let lint = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "--rev", "HEAD", "-o", "json"])
            .args(["--set", "jobAnnotations.helm\\.sh/hook-weight=-10"])
            .output()
            .unwrap();
        assert_eq!(lint.status.code(), Some(1));
        assert!(json(&lint.stdout).to_string().contains("HH014"));
        // Quoted, it is fine.
        let lint = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "--rev", "HEAD", "-o", "json"])
            .args(["--set", "jobAnnotations.helm\\.sh/hook-weight=\"-10\""])
            .output()
            .unwrap();
        assert!(!json(&lint.stdout).to_string().contains("HH014"));
    }
}

/// A bare repository has no files on disk: `-f` is read from the revision,
/// relative to the repository root, as CHART is.
#[test]
fn values_files_in_a_bare_repository_are_read_from_the_revision() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/j.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: {{ .Values.weight | quote }}\n",
    );
    repo.write("deploy/prod.yaml", "weight: 1\n");
    repo.commit("one");
    repo.write("deploy/prod.yaml", "weight: 7\n");
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
    for helm in helms() {
        let env = Env::new();
        let plan = |args: &[&str]| {
            env.hooks(&helm)
                .current_dir(&bare_path)
                .args(["plan", "app", "--from", "HEAD~1", "--to", "HEAD"])
                .args(["-o", "json", "--operation", "upgrade"])
                .args(args)
                .output()
                .unwrap()
        };
        let out = plan(&["-f", "deploy/prod.yaml"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = json(&out.stdout);
        assert_eq!(p["hooks"][0]["fields"][0]["field"], "weight", "{p}");
        assert_eq!(p["hooks"][0]["fields"][0]["from"], 1);
        assert_eq!(p["hooks"][0]["fields"][0]["to"], 7);
        // A file the revision lacks: one line, naming the rule.
        let e = one_line_error(&plan(&["-f", "deploy/nope.yaml"]));
        assert!(
            e.contains("deploy/nope.yaml does not exist at HEAD~1")
                && e.contains("relative to the repository root"),
            "{e}"
        );
        // An absolute path is a file on disk.
        let disk = env.path("disk-values.yaml");
        std::fs::write(&disk, "weight: 3\n").unwrap();
        let p = json(&plan(&["-f", disk.to_str().unwrap()]).stdout);
        assert_eq!(p["changed"], false, "{p}");
    }
}

/// cert-manager v1.4-v1.20 commit `Chart.template.yaml`; `make` writes
/// Chart.yaml. One line says so and how to plan it.
#[test]
fn a_generated_chart_yaml_is_one_clear_error_with_the_way_out() {
    let repo = GitRepo::new();
    repo.write(
        "deploy/charts/cert-manager/Chart.template.yaml",
        "apiVersion: v2\nname: cert-manager\nversion: v0.0.0\nappVersion: v0.0.0\n",
    );
    repo.write(
        "deploy/charts/cert-manager/templates/startupapicheck-job.yaml",
        &hook("Job", "startupapicheck", "post-install", Some("1"), None),
    );
    repo.commit("chart with a generated Chart.yaml");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "deploy/charts/cert-manager", "--from", "HEAD"])
            .args(["--to", "HEAD"])
            .output()
            .unwrap();
        let e = one_line_error(&out);
        assert!(
            e.contains("only Chart.template.yaml")
                && e.contains("generated")
                && e.contains("WORKTREE"),
            "{e}"
        );
        // As the line says: generate it, plan the working tree.
        repo.write(
            "deploy/charts/cert-manager/Chart.yaml",
            "apiVersion: v2\nname: cert-manager\nversion: v1.0.0\n",
        );
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "deploy/charts/cert-manager", "--from", "WORKTREE"])
            .args(["-o", "json", "--operation", "install"])
            .assert()
            .success();
        assert_eq!(
            runs(&json(&out.get_output().stdout), "install"),
            pairs(&[("post-install", "Job/startupapicheck")])
        );
        repo.remove("deploy/charts/cert-manager/Chart.yaml");
    }
}

/// sentry moved `sentry/` to `charts/sentry/`: planned across the move with
/// --from-path, and found by its name without it.
#[test]
fn a_chart_that_moved_directory_is_planned_across_the_move() {
    let repo = GitRepo::new();
    repo.write("sentry/Chart.yaml", &chart_yaml("sentry"));
    repo.write(
        "sentry/templates/hooks/db-init.yaml",
        &hook(
            "Job",
            "sentry-db-init",
            "pre-install,pre-upgrade",
            Some("1"),
            None,
        ),
    );
    repo.write("other/Chart.yaml", &chart_yaml("other"));
    // A vendored subchart of the same name inside another chart is no
    // candidate for where sentry was.
    repo.write("other/charts/sentry/Chart.yaml", &chart_yaml("sentry"));
    repo.commit("sentry at the root");
    std::fs::create_dir_all(repo.path().join("charts")).unwrap();
    repo.git(&["mv", "sentry", "charts/sentry"]);
    repo.write(
        "charts/sentry/templates/hooks/db-init.yaml",
        &hook(
            "Job",
            "sentry-db-init",
            "pre-install,pre-upgrade",
            Some("2"),
            None,
        ),
    );
    repo.commit("move under charts/, weight 2");
    for helm in helms() {
        let env = Env::new();
        let plan = |extra: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args(["plan", "charts/sentry", "--from", "HEAD~1", "--to", "HEAD"])
                .args(["-o", "json", "--operation", "upgrade"])
                .args(extra)
                .output()
                .unwrap()
        };
        let check = |out: &std::process::Output| {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let p = json(&out.stdout);
            let h = &p["hooks"][0];
            assert_eq!(h["change"], "changed", "{p}");
            assert_eq!(h["fields"][0]["field"], "weight");
            assert_eq!(p["operations"][0]["summary"]["removed"], 0);
        };
        check(&plan(&["--from-path", "sentry"]));
        // Without --from-path: the one chart named sentry at HEAD~1.
        let out = plan(&[]);
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("using sentry") && stderr.contains("--from-path"),
            "{stderr}"
        );
        // A wrong --from-path is one line naming the flag.
        let e = one_line_error(&plan(&["--from-path", "other/templates"]));
        assert!(
            e.contains("other/templates does not exist at HEAD~1") && e.contains("--from-path"),
            "{e}"
        );
        // lint --from follows the move too.
        let lint = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "charts/sentry", "--rev", "HEAD", "--from", "HEAD~1"])
            .args(["--from-path", "sentry", "-o", "json"])
            .output()
            .unwrap();
        assert!(
            lint.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&lint.stderr)
        );
        assert_eq!(json(&lint.stdout)["kind"], "HookLint");
    }
}

/// velero moved `upgrade-crds` from post- to pre-upgrade; a ConfigMap
/// stopped being a hook, a Secret became one.
#[test]
fn hooks_moving_between_phases_are_moved_and_resources_becoming_hooks_say_so() {
    let repo = GitRepo::new();
    let cm = |annotated: bool| {
        let mut s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n".to_string();
        if annotated {
            s.push_str("  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n");
        }
        s
    };
    let secret = |annotated: bool| {
        let mut s = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n".to_string();
        if annotated {
            s.push_str("  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-10\"\n");
        }
        s
    };
    repo.write("velero/Chart.yaml", &chart_yaml("velero"));
    repo.write(
        "velero/templates/upgrade-crds.yaml",
        &hook(
            "Job",
            "velero-upgrade-crds",
            "post-upgrade",
            Some("-5"),
            None,
        ),
    );
    repo.write(
        "velero/templates/cleanup.yaml",
        &hook("Job", "velero-cleanup", "pre-upgrade", Some("0"), None),
    );
    repo.write("velero/templates/cm.yaml", &cm(true));
    repo.write("velero/templates/secret.yaml", &secret(false));
    repo.commit("v1");
    repo.write(
        "velero/templates/upgrade-crds.yaml",
        &hook(
            "Job",
            "velero-upgrade-crds",
            "pre-upgrade",
            Some("-5"),
            None,
        ),
    );
    repo.write("velero/templates/cm.yaml", &cm(false));
    repo.write("velero/templates/secret.yaml", &secret(true));
    repo.commit("v2");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "velero", "--from", "HEAD~1", "--to", "HEAD"])
            .args(["-o", "json", "--operation", "upgrade"])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        let op = &plan["operations"][0];
        assert_eq!(
            runs(&plan, "upgrade"),
            pairs(&[
                ("pre-upgrade", "Secret/creds"),
                ("pre-upgrade", "Job/velero-upgrade-crds"),
                ("pre-upgrade", "Job/velero-cleanup"),
            ]),
            "helm {}",
            helm.version
        );
        let crds = &op["changes"][1];
        assert_eq!(crds["change"], "changed", "{op}");
        assert_eq!(crds["moved"], true, "{op}");
        assert_eq!(crds["wasEvent"], "post-upgrade", "{op}");
        // The one hook both run at the same event did not move.
        assert_eq!(op["changes"][2]["moved"], false, "{op}");
        assert!(op["changes"][2].get("wasEvent").is_none());
        let secret = &op["changes"][0];
        assert_eq!(secret["change"], "added");
        assert_eq!(secret["wasResource"], true, "{op}");
        assert_eq!(op["removed"][0]["name"], "settings");
        assert_eq!(op["removed"][0]["nowResource"], true, "{op}");
        assert_eq!(op["summary"]["moved"], 1);
        let hooks = plan["hooks"].as_array().unwrap();
        let h = |name: &str| hooks.iter().find(|h| h["name"] == name).unwrap().clone();
        assert_eq!(h("creds")["wasResource"], true);
        assert_eq!(h("settings")["nowResource"], true);
        assert!(h("velero-cleanup").get("wasResource").is_none());

        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .env("NO_COLOR", "1")
            .args(["plan", "velero", "--from", "HEAD~1", "--to", "HEAD"])
            .args(["--operation", "upgrade"])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        for want in [
            "changed, moved (was #3 post-upgrade)",
            "added (was an ordinary resource)",
            "removed (was #1; now an ordinary resource)",
            "ConfigMap/settings (removed: now an ordinary resource",
        ] {
            assert!(text.contains(want), "{want:?} in\n{text}");
        }
    }
}

/// argo-cd's CRDs come from a file read with `.Files.Get`, annotated with
/// Helm 2's `crd-install`: Helm drops them, and `# Source:` is of no help.
#[test]
fn a_document_dropped_from_files_get_names_the_template_and_the_file() {
    let repo = GitRepo::new();
    repo.write("argo-cd/Chart.yaml", &chart_yaml("argo-cd"));
    repo.write(
        "argo-cd/files/crds.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: applications.argoproj.io\n  annotations:\n    helm.sh/hook: crd-install\n",
    );
    repo.write(
        "argo-cd/templates/crds.yaml",
        "{{ .Files.Get \"files/crds.yaml\" }}\n",
    );
    repo.write(
        "argo-cd/templates/other.yaml",
        &hook("Job", "other", "pre-install", None, None),
    );
    repo.commit("chart");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "argo-cd", "--from", "HEAD", "--to", "HEAD"])
            .args(["-o", "json", "--operation", "install"])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        let w = plan["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["type"] == "droppedDocument")
            .unwrap_or_else(|| panic!("{}", plan["warnings"]))
            .clone();
        assert_eq!(
            w["path"],
            serde_json::json!(["argo-cd/templates/crds.yaml"]),
            "helm {}: {w}",
            helm.version
        );
        assert_eq!(w["heldIn"], serde_json::json!(["argo-cd/files/crds.yaml"]));
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .env("NO_COLOR", "1")
            .args(["plan", "argo-cd", "--from", "HEAD", "--to", "HEAD"])
            .args(["--operation", "install"])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            text.contains(
                "argo-cd/templates/crds.yaml (the text is in argo-cd/files/crds.yaml): Helm silently drops"
            ),
            "{text}"
        );
    }
}

/// A test pod named with `randAlphaNum` and a hook Secret with random
/// data: a README-only change is no change, a real one is one.
#[test]
fn values_random_per_render_are_not_changes() {
    let repo = GitRepo::new();
    let pod = |weight: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{{{ .Release.Name }}}}-test-{{{{ randAlphaNum 5 | lower }}}}\n  annotations:\n    helm.sh/hook: test\n    helm.sh/hook-weight: \"{weight}\"\nspec:\n  restartPolicy: Never\n  containers:\n    - name: t\n      image: busybox\n"
        )
    };
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/README.md", "one\n");
    repo.write("app/templates/tests/test.yaml", &pod("1"));
    repo.write(
        "app/templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: admin\n  annotations:\n    helm.sh/hook: pre-install\nstringData:\n  password: {{ randAlphaNum 16 | quote }}\n  user: admin\n",
    );
    repo.commit("one");
    repo.write("app/README.md", "two\n");
    repo.commit("README only");
    repo.write("app/templates/tests/test.yaml", &pod("2"));
    repo.commit("test pod weight 2");
    for helm in helms() {
        let env = Env::new();
        let (counting, log) = env.counting_helm(&helm);
        let plan = |from: &str, to: &str, extra: &[&str]| {
            env.hooks(&counting)
                .current_dir(repo.path())
                .args(["plan", "app", "--from", from, "--to", to])
                .args(extra)
                .output()
                .unwrap()
        };
        let out = plan("HEAD~2", "HEAD~1", &["-o", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = json(&out.stdout);
        assert_eq!(p["changed"], false, "helm {}: {p:#}", helm.version);
        for op in p["operations"].as_array().unwrap() {
            assert!(op["removed"].as_array().unwrap().is_empty(), "{op}");
        }
        let random: Vec<&serde_json::Value> = p["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["type"] == "randomPerRender")
            .collect();
        assert_eq!(random.len(), 1, "noted once: {}", p["warnings"]);
        let hooks = random[0]["hooks"].as_array().unwrap();
        let fields = |kind: &str| {
            hooks
                .iter()
                .find(|h| h["kind"] == kind)
                .map(|h| h["fields"].clone())
                .unwrap_or_else(|| panic!("{kind} in {hooks:?}"))
        };
        assert_eq!(fields("Pod"), serde_json::json!(["metadata.name"]));
        assert_eq!(fields("Secret"), serde_json::json!(["stringData.password"]));
        let calls = std::fs::read_to_string(&log).unwrap();
        // One render per side, and `to` once more to see what is random.
        assert_eq!(
            calls.lines().filter(|l| *l == "template").count(),
            3,
            "{calls}"
        );

        // Exit 0 under --detailed-exitcode, and the warm run starts no Helm.
        let out = plan("HEAD~2", "HEAD~1", &["--detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(std::fs::read_to_string(&log).unwrap(), calls, "warm run");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            text.contains("random per render") && !text.contains("<redacted, changed>"),
            "{text}"
        );

        // A real change to the random-named pod: changed, matched by place.
        let out = plan("HEAD~1", "HEAD", &["-o", "json", "--operation", "test"]);
        let p = json(&out.stdout);
        let op = &p["operations"][0];
        assert_eq!(op["changes"][0]["change"], "changed", "{op}");
        assert_eq!(op["summary"]["added"], 0, "{op}");
        assert_eq!(op["summary"]["removed"], 0, "{op}");
        let pod = p["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["kind"] == "Pod")
            .unwrap();
        assert_eq!(pod["fields"].as_array().unwrap().len(), 1, "{pod}");
        assert_eq!(pod["fields"][0]["field"], "weight");
    }
}

/// Issue 32: the words of real charts' docs ("now", "know", "random",
/// "brand") in a README, a changelog, CRD descriptions, values comments and
/// NOTES text are no calls: a plan with changes runs Helm once per side.
#[test]
fn words_in_docs_crds_and_comments_cost_no_third_render() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/README.md",
        "# app\n\nYou know how it is: now install it. A random brand of `randAlphaNum`, uuidv4 and genCA.\n",
    );
    repo.write(
        "app/CHANGELOG.md",
        "## 1.1.0\n- random jitter for retries; now known to work. Example: {{ randAlphaNum 5 }}\n",
    );
    repo.write(
        "app/crds/crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: brands.example.com\nspec:\n  group: example.com\n  names:\n    kind: Brand\n    plural: brands\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          description: A random brand, reconciled now and then (know that {{ now }} is text here).\n          type: object\n",
    );
    repo.write(
        "app/values.yaml",
        "# Set it now, or a random password is not generated: you know best.\npassword: \"\"\n",
    );
    repo.write(
        "app/templates/NOTES.txt",
        "Now you know: {{ .Release.Name }} is installed, a random brand.\n{{- /* randAlphaNum is not called */}}\n",
    );
    commit_a_weight_change(&repo);
    for helm in helms() {
        let env = Env::new();
        let (counting, log) = env.counting_helm(&helm);
        let out = env
            .hooks(&counting)
            .current_dir(repo.path())
            .args([
                "plan", "app", "--from", "HEAD~1", "--to", "HEAD", "-o", "json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = json(&out.stdout);
        assert_eq!(p["changed"], true, "helm {}: {p:#}", helm.version);
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            calls.lines().filter(|l| *l == "template").count(),
            2,
            "helm {}: one render per side, no third: {calls}",
            helm.version
        );
    }
}

/// Issue 32: a values string a chart renders with `tpl`, calling
/// `randAlphaNum`, is random per render, not a change.
#[test]
fn a_tpl_rendered_value_calling_rand_is_left_out_of_the_diff() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/values.yaml",
        "# A random password unless you set one now.\npassword: \"{{ randAlphaNum 12 }}\"\n",
    );
    repo.write(
        "app/templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  annotations:\n    helm.sh/hook: pre-upgrade\nstringData:\n  password: {{ tpl .Values.password . | quote }}\n",
    );
    commit_a_weight_change(&repo);
    for helm in helms() {
        let env = Env::new();
        let (counting, log) = env.counting_helm(&helm);
        let out = env
            .hooks(&counting)
            .current_dir(repo.path())
            .args(["plan", "app", "--from", "HEAD~1", "--to", "HEAD"])
            .args(["-o", "json", "--operation", "upgrade"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = json(&out.stdout);
        let changed: Vec<String> = p["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["change"] != "unchanged")
            .map(|h| {
                format!(
                    "{}/{}",
                    h["kind"].as_str().unwrap(),
                    h["name"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            changed,
            ["Job/migrate"],
            "helm {}: only the Job changed: {p:#}",
            helm.version
        );
        assert_eq!(p["operations"][0]["summary"]["changed"], 1, "{p:#}");
        let random: Vec<&serde_json::Value> = p["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["type"] == "randomPerRender")
            .collect();
        assert_eq!(random.len(), 1, "{}", p["warnings"]);
        assert_eq!(random[0]["hooks"][0]["kind"], "Secret");
        assert_eq!(
            random[0]["hooks"][0]["fields"],
            serde_json::json!(["stringData.password"])
        );
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            calls.lines().filter(|l| *l == "template").count(),
            3,
            "{calls}"
        );

        // The second render of HEAD starts with the first two, not after
        // them: a cold plan waits on two rounds of Helm, not three.
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "app", "--from", "HEAD~1", "--to", "HEAD", "--debug"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        let at = |needle: &str| {
            err.find(needle)
                .unwrap_or_else(|| panic!("helm {}: {needle:?} missing: {err}", helm.version))
        };
        assert!(
            at("second render started alongside the first") < at("both sides rendered"),
            "{err}"
        );
    }
}

/// Issue 31: offline, `lookup` returns nothing; a hook template that calls
/// it is planned as if the cluster were empty, and the plan says so.
#[test]
fn a_hook_template_calling_lookup_is_named_in_an_offline_plan() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/creds.yaml",
        "{{- if (lookup \"v1\" \"Secret\" .Release.Namespace \"db-creds\") }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: busybox}]\n{{- end }}\n",
    );
    // Words and fields are no call: no warning for this one.
    repo.write(
        "app/templates/job.yaml",
        "# we lookup nothing here: {{ .Values.lookup | default \"x\" }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: other\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: busybox}]\n",
    );
    repo.commit("one");
    for helm in helms() {
        let env = Env::new();
        let plan = |format: &str| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan", "app", "--from", "HEAD", "--to", "HEAD", "-o", format,
                ])
                .output()
                .unwrap()
        };
        let out = plan("json");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = json(&out.stdout);
        let lookups: Vec<&serde_json::Value> = p["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["type"] == "lookupOffline")
            .collect();
        assert_eq!(lookups.len(), 1, "helm {}: {}", helm.version, p["warnings"]);
        assert_eq!(
            lookups[0]["path"],
            serde_json::json!(["app/templates/creds.yaml"])
        );
        let text = String::from_utf8_lossy(&plan("table").stdout).to_string();
        assert!(
            text.contains(
                "warning: app/templates/creds.yaml: calls lookup, which returns nothing offline"
            ),
            "{text}"
        );
        // The header says what the render assumed: this Helm's built-in
        // Kubernetes version (its release build's client-go), no lookups.
        let kube = match helm.major == 3 {
            true => "v1.32.0",
            false => "v1.35.0",
        };
        assert_eq!(p["rendered"]["mode"], "offline", "{}", p["rendered"]);
        assert_eq!(p["rendered"]["kubeVersion"], kube, "{}", p["rendered"]);
        assert!(
            text.contains(&format!(
                "rendered offline: Kubernetes {kube} (Helm's default), Helm's API versions, lookup finds nothing, revision 1"
            )),
            "{text}"
        );
        // Given, it is said so, and the next render is still exact.
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
                "--kube-version",
                "1.24.0",
                "--api-versions",
                "x.example.com/v1",
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        let p = json(&out.stdout);
        assert_eq!(p["rendered"]["kubeVersion"], "1.24.0", "{}", p["rendered"]);
        assert_eq!(p["rendered"]["kubeVersionGiven"], true);
        assert_eq!(p["rendered"]["apiVersionsGiven"], 1);
    }
}

/// Commits the chart as it is with a pre-upgrade Job `migrate`, then again
/// with the Job's weight moved: a plan of HEAD~1..HEAD has a real change.
fn commit_a_weight_change(repo: &GitRepo) {
    repo.write(
        "app/templates/job.yaml",
        &hook("Job", "migrate", "pre-upgrade", None, None),
    );
    repo.commit("one");
    repo.write(
        "app/templates/job.yaml",
        &hook("Job", "migrate", "pre-upgrade", Some("5"), None),
    );
    repo.commit("two");
}
