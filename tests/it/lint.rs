//! `helm hooks lint` end to end: real Git repositories, real Helm 3 and 4;
//! the HH009 trap installed on the test cluster.

use crate::common::*;
use serde_json::Value;

/// A Job hook with every best practice; `pod` replaces its container list.
fn good_job(name: &str, events: &str, extra_annotations: &str, pod: &str) -> String {
    format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  annotations:
    helm.sh/hook: {events}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{extra_annotations}spec:
  backoffLimit: 0
  activeDeadlineSeconds: 60
  template:
    spec:
      restartPolicy: Never
{pod}"
    )
}

const CONTAINER: &str = "      containers:
        - name: main
          image: busybox
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 10m, memory: 16Mi}
";

fn findings(doc: &Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {doc:#}"))
        .iter()
        .map(|f| {
            let hook = match &f["hook"] {
                Value::Null => String::new(),
                h => format!(
                    "{}/{}",
                    h["kind"].as_str().unwrap(),
                    h["name"].as_str().unwrap()
                ),
            };
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                hook,
            )
        })
        .collect()
}

fn has(list: &[(String, String, String)], rule: &str, severity: &str, hook: &str) -> bool {
    list.iter()
        .any(|(r, s, h)| r == rule && s == severity && h == hook)
}

fn rules(list: &[(String, String, String)]) -> Vec<&str> {
    let mut r: Vec<&str> = list.iter().map(|(r, _, _)| r.as_str()).collect();
    r.sort();
    r.dedup();
    r
}

/// A chart that walks into five traps at once.
fn trap_chart(repo: &GitRepo) {
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata: {a: b}\n",
    );
    // HH009: the chart's own ConfigMap does not exist at pre-install time.
    repo.write(
        "app/templates/migrate.yaml",
        &good_job(
            "{{ .Release.Name }}-migrate",
            "pre-install,pre-upgrade",
            "",
            &format!(
                "{CONTAINER}          envFrom:\n            - configMapRef:\n                name: {{{{ .Release.Name }}}}-config\n          env:\n            - name: DB_PASSWORD\n              value: hunter2-literal\n"
            ),
        ),
    );
    // HH001: Helm drops this document (test-failure is Helm 2's).
    repo.write(
        "app/templates/dropped.yaml",
        &good_job("dropped", "test-failure", "", CONTAINER),
    );
    // HH002: " 5" is read as 0.
    repo.write(
        "app/templates/weight.yaml",
        &good_job(
            "weighted",
            "post-install",
            "    helm.sh/hook-weight: \" 5\"\n",
            CONTAINER,
        ),
    );
    // HH008: a Pod test hook that restarts forever.
    repo.write(
        "app/templates/smoke.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\nspec:\n  restartPolicy: Always\n  containers:\n    - name: t\n      image: busybox\n      resources: {requests: {cpu: 1m}, limits: {cpu: 1m}}\n",
    );
}

#[test]
fn finds_the_traps_of_a_real_chart_with_both_helms() {
    let repo = GitRepo::new();
    trap_chart(&repo);
    repo.commit("traps");
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "--release", "rel", "-o", "json"])
            .assert()
            .code(1);
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        let doc = json(stdout.as_bytes());
        assert_eq!(doc["apiVersion"], "helm-hooks/v1");
        assert_eq!(doc["kind"], "HookLint");
        assert_eq!(doc["revision"]["spec"], "WORKTREE");
        let f = findings(&doc);
        let v = helm.version;
        assert!(has(&f, "HH009", "error", "Job/rel-migrate"), "{v}: {f:#?}");
        assert!(
            has(&f, "HH012", "warning", "Job/rel-migrate"),
            "{v}: {f:#?}"
        );
        assert!(has(&f, "HH002", "error", "Job/weighted"), "{v}: {f:#?}");
        assert!(has(&f, "HH008", "error", "Pod/smoke"), "{v}: {f:#?}");
        // Helm drops the document; the finding points at its template.
        let dropped = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "HH001")
            .unwrap_or_else(|| panic!("{v}: no HH001 in {doc:#}"));
        assert_eq!(dropped["path"], "app/templates/dropped.yaml", "{v}");
        // Named as its source writes it, with the fix for that very typo.
        let message = dropped["message"].as_str().unwrap();
        assert!(message.starts_with("Job/dropped in "), "{v}: {message}");
        assert!(
            message.contains("test-failure no longer exists: use test"),
            "{v}: {message}"
        );
        assert!(dropped["line"].as_u64().is_some(), "{v}: {dropped:#}");
        assert_eq!(
            doc["summary"]["errors"].as_u64().unwrap() as usize,
            f.iter().filter(|x| x.1 == "error").count()
        );
        assert!(!stdout.contains("hunter2"), "{v}: a secret value printed");
        // Nothing the chart does right is reported.
        assert_eq!(
            rules(&f),
            ["HH001", "HH002", "HH008", "HH009", "HH012"],
            "{v}: {f:#?}"
        );

        // The table names the hook and the fix; no colour off a terminal.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "--release", "rel"])
            .assert()
            .code(1);
        let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(
            table.contains("error[HH009] Job/rel-migrate  app/templates/migrate.yaml"),
            "{table}"
        );
        assert!(table.contains("create ConfigMap/rel-config as a pre-install hook"));
        assert!(!table.contains('\x1b'), "{table}");
        assert!(table.contains("4 errors, 1 warning, 0 info"), "{table}");
    }
}

/// Rule HH009 reads the install render: a hook that needs the ConfigMap
/// only when `.Release.IsInstall`.
#[test]
fn pre_install_hooks_are_checked_on_the_install_render() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n",
    );
    repo.write(
        "app/templates/job.yaml",
        &good_job(
            "job",
            "pre-install,pre-upgrade",
            "",
            &format!(
                "{CONTAINER}{{{{- if .Release.IsInstall }}}}\n          envFrom: [{{configMapRef: {{name: cfg}}}}]\n{{{{- end }}}}\n"
            ),
        ),
    );
    repo.commit("branching chart");
    for helm in helms() {
        let out = Env::new()
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "-o", "json"])
            .assert()
            .code(1);
        let f = findings(&json(&out.get_output().stdout));
        assert_eq!(
            f,
            [("HH009".into(), "error".into(), "Job/job".into())],
            "{}",
            helm.version
        );
    }
}

#[test]
fn exit_codes_and_strict() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/job.yaml",
        &good_job("clean", "post-install", "", CONTAINER),
    );
    repo.commit("clean");
    let helm = helm(3);
    let env = Env::new();
    let lint = |args: &[&str]| {
        let mut c = env.hooks(&helm);
        c.current_dir(repo.path()).arg("lint").args(args);
        c
    };
    let out = lint(&["app", "--strict"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("No findings."), "{text}");
    assert!(text.contains("0 errors, 0 warnings, 0 info"), "{text}");

    // A warning only (no delete policy): 0, but 1 with --strict.
    repo.write(
        "app/templates/job.yaml",
        &good_job("clean", "post-install", "", CONTAINER).replace(
            "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
            "",
        ),
    );
    let out = lint(&["app", "-o", "json"]).assert().success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(
        findings(&doc),
        [("HH004".into(), "warning".into(), "Job/clean".into())]
    );
    lint(&["app", "--strict"]).assert().code(1);
    // The committed revision is still clean.
    lint(&["app", "--strict", "--rev", "HEAD"])
        .assert()
        .success();

    // A deadline past --timeout; the same one under a longer timeout.
    repo.write(
        "app/templates/job.yaml",
        &good_job("clean", "post-install", "", CONTAINER)
            .replace("activeDeadlineSeconds: 60", "activeDeadlineSeconds: 600"),
    );
    let out = lint(&["app", "--strict"]).assert().code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("spec.activeDeadlineSeconds 600 longer than Helm's --timeout 5m0s"),
        "{text}"
    );
    lint(&["app", "--strict", "--timeout", "15m"])
        .assert()
        .success();
    let out = lint(&["app", "--timeout", "soon"]).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("invalid duration \"soon\""), "{err}");
    // Errors that are no findings exit 1 with one error line.
    let out = lint(&["app", "--rev", "no-such-rev"]).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.starts_with("error: unknown revision"), "{err}");
}

#[test]
fn sarif_for_code_scanning() {
    let repo = GitRepo::new();
    repo.write("charts/app/Chart.yaml", &chart_yaml("shop"));
    repo.write(
        "charts/app/templates/job.yaml",
        &good_job("noisy", "post-install", "", CONTAINER)
            .replace("restartPolicy: Never", "restartPolicy: Always")
            .replace("  backoffLimit: 0\n", ""),
    );
    repo.commit("chart");
    let source =
        std::fs::read_to_string(repo.path().join("charts/app/templates/job.yaml")).unwrap();
    let annotation_line = source
        .lines()
        .position(|l| l.trim_start().starts_with("helm.sh/hook:"))
        .unwrap()
        + 1;
    assert!(annotation_line > 1);
    for helm in helms() {
        let out = Env::new()
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "charts/app", "-o", "sarif"])
            .assert()
            .code(1);
        let s = json(&out.get_output().stdout);
        assert_eq!(s["version"], "2.1.0");
        assert!(s["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let run = &s["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "helm-hooks");
        let ids: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 14);
        assert_eq!((ids[0], ids[12]), ("HH001", "HH013"));
        assert_eq!(ids[13], "HH014");
        let results = run["results"].as_array().unwrap();
        let mut got: Vec<(&str, &str)> = results
            .iter()
            .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
            .collect();
        got.sort();
        assert_eq!(got, [("HH007", "warning"), ("HH008", "error")]);
        for r in results {
            let rule = r["ruleId"].as_str().unwrap();
            assert_eq!(ids[r["ruleIndex"].as_u64().unwrap() as usize], rule);
            let loc = &r["locations"][0];
            // Repository-relative, not Helm's `shop/templates/...`.
            assert_eq!(
                loc["physicalLocation"]["artifactLocation"]["uri"],
                "charts/app/templates/job.yaml"
            );
            assert_eq!(loc["logicalLocations"][0]["name"], "Job/noisy");
            assert!(r["message"]["text"].as_str().unwrap().contains("Job/noisy"));
            // The line of the hook's annotation in the template's source.
            assert_eq!(
                loc["physicalLocation"]["region"]["startLine"], annotation_line,
                "{r:#}"
            );
        }
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            let full = rule["fullDescription"]["text"].as_str().unwrap();
            assert!(full.contains("Fix: "), "{rule:#}");
            assert!(rule["help"]["text"].as_str().unwrap().starts_with("Fix: "));
        }
    }
}

#[test]
fn silenced_by_annotation_and_by_the_charts_file_at_that_revision() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    // HH004 (no policy) and HH013 (no resources) on both hooks.
    let bare = |name: &str, annotations: &str| {
        good_job(
            name,
            "post-install",
            annotations,
            "      containers:\n        - name: main\n          image: busybox\n",
        )
        .replace(
            "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
            "",
        )
    };
    repo.write(
        "app/templates/a.yaml",
        &bare("quiet", "    helm-hooks.io/ignore: HH004, hh013\n"),
    );
    repo.write(
        "app/templates/b.yaml",
        &bare("loud", "    helm.sh/hook-weight: \"1\"\n"),
    );
    repo.write("app/.helm-hooks.yaml", "lint:\n  ignore: [HH013, HH999]\n");
    repo.commit("with config");
    repo.remove("app/.helm-hooks.yaml");
    let helm = helm(4);
    let env = Env::new();
    let run = |rev: &str| {
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "--rev", rev, "-o", "json"])
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        (findings(&json(&out.get_output().stdout)), stderr)
    };
    let (head, stderr) = run("HEAD");
    assert_eq!(
        head,
        [("HH004".into(), "warning".into(), "Job/loud".into())],
        "the annotation silences Job/quiet, the file HH013"
    );
    assert!(
        stderr.contains("warning: app/.helm-hooks.yaml: lint.ignore names \"HH999\""),
        "{stderr}"
    );
    // The working tree has no config file any more: HH013 is back.
    let (worktree, stderr) = run("WORKTREE");
    assert!(stderr.is_empty(), "{stderr}");
    let mut got = worktree.clone();
    got.sort();
    assert_eq!(
        got,
        [
            ("HH004".into(), "warning".into(), "Job/loud".into()),
            ("HH013".into(), "info".into(), "Job/loud".into())
        ]
    );
    // A broken file is an error that names it.
    repo.write("app/.helm-hooks.yaml", "lint: [oops\n");
    let out = env
        .hooks(&helm)
        .current_dir(repo.path())
        .args(["lint", "app"])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("app/.helm-hooks.yaml"), "{err}");
}

#[test]
fn plan_and_lint_mark_what_a_change_introduces() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/migrate.yaml",
        &good_job(
            "migrate",
            "pre-upgrade",
            "",
            &format!("{CONTAINER}          envFrom: [{{configMapRef: {{name: settings}}}}]\n"),
        )
        .replace("  backoffLimit: 0\n", ""),
    );
    repo.commit("v1");
    repo.tag("v1");
    // The change adds the ConfigMap the pre-upgrade hook needs as an
    // ordinary resource: missing during the upgrade that adds it.
    repo.write(
        "app/templates/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    );
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "app", "--from", "v1", "-o", "json"])
            .assert()
            .success();
        let plan = json(&out.get_output().stdout);
        let list = plan["findings"].as_array().unwrap();
        let by_rule = |r: &str| list.iter().find(|f| f["rule"] == r).unwrap();
        let v = helm.version;
        assert_eq!(by_rule("HH009")["severity"], "warning", "{v}");
        assert_eq!(by_rule("HH009")["introduced"], true, "{v}");
        assert_eq!(by_rule("HH007")["introduced"], false, "{v}: v1 had it");
        assert_eq!(list.len(), 2, "{v}: {list:#?}");

        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "app", "--from", "v1"])
            .assert()
            .success();
        let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        let section = table
            .split_once("Findings (0 errors, 2 warnings, 0 info; 1 new in WORKTREE)")
            .unwrap_or_else(|| panic!("{v}: no findings section:\n{table}"))
            .1;
        assert!(
            section.contains("warning[HH009] Job/migrate  app/templates/migrate.yaml  (new)"),
            "{table}"
        );
        // v1 had the HH007 warning: counted, not repeated.
        assert!(!section.contains("HH007"), "{table}");
        assert!(
            section.contains("1 more finding not shown (warnings v1 (")
                && section.contains("already had): run `helm hooks lint app --rev WORKTREE`"),
            "{table}"
        );
        let md = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["plan", "app", "--from", "v1", "-o", "markdown"])
            .assert()
            .success();
        let md = String::from_utf8_lossy(&md.get_output().stdout).into_owned();
        assert!(
            md.contains("- **warning** HH009 `Job/migrate` **new**: "),
            "{md}"
        );

        // lint --from says the same; without --from it cannot know the
        // ConfigMap is new, so HH009 stays quiet.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "--from", "v1", "--strict", "-o", "json"])
            .assert()
            .code(1);
        let doc = json(&out.get_output().stdout);
        assert!(has(&findings(&doc), "HH009", "warning", "Job/migrate"));
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args(["lint", "app", "-o", "json"])
            .assert()
            .success();
        let doc = json(&out.get_output().stdout);
        assert_eq!(rules(&findings(&doc)), ["HH007"], "{v}");
    }
}

mod on_the_cluster {
    //! The HH009 trap installed with real Helm on the test cluster.
    //!
    //! The real kube-scheduler refuses a pod whose PersistentVolumeClaim does
    //! not exist; the cluster's node, `kubelet-sim`, does not start a pod
    //! whose ConfigMap or Secret is missing, as a kubelet
    //! (tests/kubelet-sim/README.md): its container waits in
    //! CreateContainerConfigError. The trap is shown with both.

    use crate::cluster::{Helm, HelmVersion, cluster};
    use crate::common::{Env, GitRepo, HelmBin, chart_yaml, helm};
    use serde_json::Value;

    macro_rules! for_both_helms {
        ($($name:ident),* $(,)?) => {$(
            mod $name {
                #[test]
                fn helm3() {
                    super::$name(super::HelmVersion::V3);
                }
                #[test]
                fn helm4() {
                    super::$name(super::HelmVersion::V4);
                }
            }
        )*};
    }

    for_both_helms!(
        pre_install_hook_using_the_charts_own_pvc,
        pre_install_hook_using_the_charts_own_configmap,
    );

    const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 60
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: sim/migrate:1
          resources: {requests: {cpu: 1m}, limits: {cpu: 1m}}
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: {{ .Release.Name }}-data
";

    /// The chart's PVC; `hook` makes it a pre-install hook of that weight.
    fn pvc(hook: Option<&str>) -> String {
        let annotations = hook
            .map(|w| {
                format!(
                    "  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"{w}\"\n    helm-hooks.io/ignore: HH004\n"
                )
            })
            .unwrap_or_default();
        format!(
            "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{{{ .Release.Name }}}}-data
{annotations}spec:
  accessModes: [ReadWriteOnce]
  storageClassName: \"\"
  volumeName: {{{{ .Values.pv }}}}
  resources:
    requests:
      storage: 1Mi
"
        )
    }

    fn lint(bin: &HelmBin, repo: &GitRepo, rev: &str) -> (i32, Value) {
        let out = Env::new()
            .hooks(bin)
            .current_dir(repo.path())
            .args([
                "lint",
                "app",
                "--rev",
                rev,
                "--release",
                "rel",
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        (out.status.code().unwrap(), crate::common::json(&out.stdout))
    }

    fn rules_of(doc: &Value) -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap(),
                    f["severity"].as_str().unwrap()
                )
            })
            .collect()
    }

    fn pre_install_hook_using_the_charts_own_pvc(v: HelmVersion) {
        let bin = helm(match v {
            HelmVersion::V3 => 3,
            HelmVersion::V4 => 4,
        });
        let repo = GitRepo::new();
        repo.write("app/Chart.yaml", &chart_yaml("app"));
        repo.write("app/values.yaml", "pv: none\n");
        repo.write("app/templates/migrate.yaml", JOB);
        repo.write("app/templates/data.yaml", &pvc(None));
        let trap = repo.commit("trap");
        repo.write("app/templates/data.yaml", &pvc(Some("5")));
        let late = repo.commit("PVC as a hook, but after the Job");
        repo.write("app/templates/data.yaml", &pvc(Some("-5")));
        let fixed = repo.commit("PVC as a hook before the Job");

        // What lint says beforehand.
        let (code, doc) = lint(&bin, &repo, &trap);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(rules_of(&doc), ["HH009 error"], "{doc:#}");
        let message = doc["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("uses PersistentVolumeClaim/rel-data (volume data)"),
            "{message}"
        );
        let (code, doc) = lint(&bin, &repo, &late);
        assert_eq!(
            (code, rules_of(&doc)),
            (1, vec!["HH010 error".to_string()]),
            "{doc:#}"
        );
        let (code, doc) = lint(&bin, &repo, &fixed);
        assert_eq!((code, rules_of(&doc)), (0, vec![]), "{doc:#}");

        let c = cluster();
        let helm = Helm::new(v, c);
        let tag = match v {
            HelmVersion::V3 => "h3",
            HelmVersion::V4 => "h4",
        };
        let chart = repo.path().join("app");
        for (commit, fails) in [(&trap, true), (&late, true), (&fixed, false)] {
            repo.git(&["checkout", "--quiet", commit]);
            let ns = c.new_namespace(&format!("lint-hh009-{tag}"));
            // A volume for the claim to bind to, so only the order matters.
            let pv = format!("{ns}-pv");
            let manifest = format!(
                "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {pv}\nspec:\n  capacity: {{storage: 1Mi}}\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  hostPath: {{path: /tmp/{pv}}}\n"
            );
            let mut kubectl = c.kubectl();
            kubectl
                .args(["apply", "-f", "-"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null());
            let mut child = kubectl.spawn().unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(manifest.as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success(), "creating {pv}");

            let chart = chart.to_string_lossy();
            // The failing case waits out its timeout; the passing one gets
            // room for a loaded machine.
            let timeout = if fails { "15s" } else { "90s" };
            let args = [
                "install",
                "rel",
                &chart,
                "-n",
                &ns,
                "--set",
                &format!("pv={pv}"),
                "--timeout",
                timeout,
            ];
            let out = helm.run(args);
            if !fails {
                assert!(out.out.status.success(), "{}", out.all());
                assert!(c.created_in(&ns).contains(&"jobs/rel-migrate".to_string()));
                continue;
            }
            assert!(
                !out.out.status.success(),
                "install should fail:\n{}",
                out.all()
            );
            assert!(out.stderr().contains("failed pre-install"), "{}", out.all());
            let st = helm.ok(["status", "rel", "-n", &ns, "-o", "json"]).json();
            assert_eq!(st["info"]["status"], "failed", "{st:#}");
            // The Job's pod never got a node: its claim did not exist.
            let pods = c
                .kubectl()
                .args(["get", "pods", "-n", &ns, "-o", "json"])
                .output()
                .unwrap();
            let pods: Value = serde_json::from_slice(&pods.stdout).unwrap();
            let pod = &pods["items"][0];
            assert_eq!(pod["status"]["phase"], "Pending", "{pods:#}");
            let cond = &pod["status"]["conditions"][0];
            assert_eq!(cond["reason"], "Unschedulable", "{pods:#}");
            assert!(
                cond["message"]
                    .as_str()
                    .unwrap()
                    .contains("persistentvolumeclaim \"rel-data\" not found"),
                "{pods:#}"
            );
            assert!(
                !c.created_in(&ns)
                    .contains(&"persistentvolumeclaims/rel-data".to_string()),
                "Helm never got to the chart's PVC: {:#?}",
                c.created_in(&ns)
            );
        }
    }

    const JOB_WITH_CONFIG: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 60
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: sim/migrate:1
          resources: {requests: {cpu: 1m}, limits: {cpu: 1m}}
          envFrom:
            - configMapRef:
                name: {{ .Release.Name }}-config
";

    /// The chart's ConfigMap; `hook` makes it a pre-install hook of that weight.
    fn configmap(hook: Option<&str>) -> String {
        let annotations = hook
            .map(|w| {
                format!(
                    "  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"{w}\"\n    helm-hooks.io/ignore: HH004\n"
                )
            })
            .unwrap_or_default();
        format!(
            "apiVersion: v1
kind: ConfigMap
metadata:
  name: {{{{ .Release.Name }}}}-config
{annotations}data:
  DATABASE: db
"
        )
    }

    fn pre_install_hook_using_the_charts_own_configmap(v: HelmVersion) {
        let bin = helm(match v {
            HelmVersion::V3 => 3,
            HelmVersion::V4 => 4,
        });
        let repo = GitRepo::new();
        repo.write("app/Chart.yaml", &chart_yaml("app"));
        repo.write("app/values.yaml", "");
        repo.write("app/templates/migrate.yaml", JOB_WITH_CONFIG);
        repo.write("app/templates/config.yaml", &configmap(None));
        let trap = repo.commit("trap");
        repo.write("app/templates/config.yaml", &configmap(Some("-5")));
        let fixed = repo.commit("ConfigMap as a hook before the Job");

        // What lint says beforehand.
        let (code, doc) = lint(&bin, &repo, &trap);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(rules_of(&doc), ["HH009 error"], "{doc:#}");
        let message = doc["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("uses ConfigMap/rel-config (envFrom of container main)"),
            "{message}"
        );
        let (code, doc) = lint(&bin, &repo, &fixed);
        assert_eq!((code, rules_of(&doc)), (0, vec![]), "{doc:#}");

        let c = cluster();
        let helm = Helm::new(v, c);
        let tag = match v {
            HelmVersion::V3 => "h3",
            HelmVersion::V4 => "h4",
        };
        let chart = repo.path().join("app");
        let chart = chart.to_string_lossy();
        for (commit, fails) in [(&trap, true), (&fixed, false)] {
            repo.git(&["checkout", "--quiet", commit]);
            let ns = c.new_namespace(&format!("lint-hh009-cm-{tag}"));
            let args = ["install", "rel", &chart, "-n", &ns, "--timeout", "20s"];
            let out = helm.run(args);
            let created = c.created_in(&ns);
            if !fails {
                assert!(out.out.status.success(), "{}", out.all());
                assert!(created.contains(&"configmaps/rel-config".to_string()));
                assert!(created.contains(&"jobs/rel-migrate".to_string()));
                continue;
            }
            assert!(
                !out.out.status.success(),
                "install should fail:\n{}",
                out.all()
            );
            assert!(out.stderr().contains("failed pre-install"), "{}", out.all());
            let st = helm.ok(["status", "rel", "-n", &ns, "-o", "json"]).json();
            assert_eq!(st["info"]["status"], "failed", "{st:#}");
            // The Job's pod got the node, which would not start it: its
            // ConfigMap did not exist.
            let pods = c
                .kubectl()
                .args(["get", "pods", "-n", &ns, "-o", "json"])
                .output()
                .unwrap();
            let pods: Value = serde_json::from_slice(&pods.stdout).unwrap();
            assert_eq!(pods["items"].as_array().unwrap().len(), 1, "{pods:#}");
            let pod = &pods["items"][0];
            assert_eq!(pod["status"]["phase"], "Pending", "{pods:#}");
            let waiting = &pod["status"]["containerStatuses"][0]["state"]["waiting"];
            assert_eq!(waiting["reason"], "CreateContainerConfigError", "{pods:#}");
            assert_eq!(
                waiting["message"], "configmap \"rel-config\" not found",
                "{pods:#}"
            );
            assert!(
                !created.contains(&"configmaps/rel-config".to_string()),
                "Helm never got to the chart's ConfigMap: {created:#?}"
            );
        }
    }
}

#[test]
fn lint_takes_a_chart_directory_that_is_in_no_git_repository() {
    // The same traps, in a plain directory (an unpacked chart, say).
    let repo = GitRepo::new();
    trap_chart(&repo);
    let plain = tempfile::Builder::new()
        .prefix("hh-plain-")
        .tempdir()
        .unwrap();
    let chart = plain.path().join("app");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(repo.path().join("app"))
        .arg(&chart)
        .status()
        .unwrap();
    assert!(status.success());
    drop(repo);
    for helm in helms() {
        let env = Env::new();
        let out = env
            .hooks(&helm)
            .current_dir(plain.path())
            .args(["lint", "app", "--release", "rel", "-o", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let doc = json(&out.stdout);
        assert_eq!(doc["revision"]["spec"], "WORKTREE");
        let f = findings(&doc);
        assert!(
            has(&f, "HH009", "error", "Job/rel-migrate"),
            "{}: {f:#?}",
            helm.version
        );
        assert!(
            has(&f, "HH008", "error", "Pod/smoke"),
            "{}: {f:#?}",
            helm.version
        );
        // Nothing is "not tracked by Git" where there is no Git.
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("not tracked"),
            "{out:?}"
        );
        // A revision needs a repository: said in one line.
        let e = one_line_error(
            &env.hooks(&helm)
                .current_dir(plain.path())
                .args(["lint", "app", "--rev", "HEAD"])
                .output()
                .unwrap(),
        );
        assert!(
            e.contains("app is in no Git repository: it has no revision \"HEAD\", only WORKTREE"),
            "{e}"
        );
        // The same for plan's --from: the directory is its one side.
        let e = one_line_error(
            &env.hooks(&helm)
                .current_dir(plain.path())
                .args(["plan", "app", "--from", "HEAD"])
                .output()
                .unwrap(),
        );
        assert!(e.contains("no revision \"HEAD\""), "{e}");
        assert!(e.contains("leave out --from"), "{e}");
    }
}
