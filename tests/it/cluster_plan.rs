//! Issue 31: the plan apply shows is what Helm then runs on this cluster.
//! Each test plans and applies with the real Helm 3.17.1 and 4.1.4 on the
//! test cluster (Kubernetes 1.20), and compares the plan recorded when the
//! run started with the hooks Helm stored and ran.

use crate::apply::{Apply, job};
use crate::cluster::cluster;
use crate::common::*;
use serde_json::Value;
use std::process::Output;

/// (event, kind/name, weight) of each hook run, in order.
type Planned = Vec<(String, String, i64)>;

/// (event, kind/name, weight) of a hook run in a record or a plan.
fn hook_run(h: &Value) -> (String, String, i64) {
    (
        h["event"].as_str().unwrap().to_string(),
        format!(
            "{}/{}",
            h["kind"].as_str().unwrap(),
            h["name"].as_str().unwrap()
        ),
        h["weight"].as_i64().unwrap(),
    )
}

/// (event, kind/name, weight) of the plan the last run started with.
fn planned(a: &Apply) -> Planned {
    let audit = a.audit();
    last_record(&audit, "runStarted")["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(hook_run)
        .collect()
}

/// What Helm ran for `events` in the release's latest revision, in
/// Helm's order (weight, then name): from its own stored record, each
/// hook checked to have run and succeeded.
fn helm_ran(a: &Apply, release: &str, events: &[&str]) -> Vec<(String, String, i64)> {
    let status: Value = serde_json::from_slice(&a.helm(&["status", release, "-o", "json"]).stdout)
        .expect("helm status -o json");
    let mut out = Vec::new();
    for event in events {
        let mut at: Vec<(String, String, i64)> = status["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["events"].as_array().unwrap().iter().any(|e| e == event))
            .map(|h| {
                assert_eq!(h["last_run"]["phase"], "Succeeded", "{h}");
                (
                    event.to_string(),
                    format!(
                        "{}/{}",
                        h["kind"].as_str().unwrap(),
                        h["name"].as_str().unwrap()
                    ),
                    h["weight"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        at.sort_by(|x, y| x.2.cmp(&y.2).then_with(|| x.1.cmp(&y.1)));
        out.extend(at);
    }
    out
}

/// The newest audit record of `kind` (`runStarted`, `runEnded`).
fn last_record<'a>(audit: &'a [Value], kind: &str) -> &'a Value {
    audit
        .iter()
        .rev()
        .find(|r| r["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} record"))
}

fn ok(out: Output, what: &str) -> String {
    ok_output(&out, what)
}

fn ok_output(out: &Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{what}: {err}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

/// (event, kind/name, weight) of each hook run of operation `op` in a
/// plan's JSON document; `None` when the plan has no such operation.
fn plan_steps(doc: &Value, op: &str) -> Option<Planned> {
    let op = doc["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == op)?;
    Some(
        op["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["type"] == "hook")
            .map(hook_run)
            .collect(),
    )
}

fn entry(event: &str, hook: &str, weight: i64) -> (String, String, i64) {
    (event.to_string(), hook.to_string(), weight)
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n";

/// A chart whose values switch a hook off and re-weight another.
fn values_chart() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/values.yaml",
        "migrate:\n  enabled: true\nnotifyWeight: 5\n",
    );
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/migrate.yaml",
        &format!(
            "{{{{- if .Values.migrate.enabled }}}}\n{}{{{{- end }}}}\n",
            job(
                "migrate",
                "pre-install,pre-upgrade",
                0,
                0,
                "100ms",
                "migrated"
            )
        ),
    );
    repo.write(
        "app/templates/notify.yaml",
        &job(
            "notify",
            "post-install,post-upgrade",
            5,
            0,
            "100ms",
            "notified",
        )
        .replace(
            "helm.sh/hook-weight: \"5\"",
            "helm.sh/hook-weight: {{ .Values.notifyWeight | quote }}",
        ),
    );
    repo.commit("v1");
    repo
}

#[test]
fn values_reused_reset_and_merged_are_planned_as_helm_runs_them() {
    let repo = values_chart();
    let chart = repo.path().join("app");
    let upgrade = ["pre-upgrade", "post-upgrade"];
    for major in [3, 4] {
        let a = Apply::new(major, "values");
        // Installed by hand with one hook off and the other re-weighted.
        let out = a.helm(&[
            "install",
            "web",
            chart.to_str().unwrap(),
            "--set",
            "migrate.enabled=false",
            "--set",
            "notifyWeight=9",
            "--wait",
            "--timeout",
            "60s",
        ]);
        ok(out, "helm install");

        // Each apply: its flags, the plan it must show (= what Helm then
        // ran), and what the header must say of the values.
        let steps: [(&[&str], Planned, &str); 5] = [
            // No values given: Helm copies revision 1's.
            (
                &[],
                vec![entry("post-upgrade", "Job/notify", 9)],
                "values reused from revision 1",
            ),
            // --reset-values: the chart's own values.
            (
                &["--", "--reset-values"],
                vec![
                    entry("pre-upgrade", "Job/migrate", 0),
                    entry("post-upgrade", "Job/notify", 5),
                ],
                "(--reset-values)",
            ),
            (
                &["--set", "notifyWeight=7"],
                vec![
                    entry("pre-upgrade", "Job/migrate", 0),
                    entry("post-upgrade", "Job/notify", 7),
                ],
                "values the chart's and those given",
            ),
            // --reuse-values with a --set: the last values under the new one.
            (
                &["--set", "migrate.enabled=false", "--", "--reuse-values"],
                vec![entry("post-upgrade", "Job/notify", 7)],
                "--reuse-values",
            ),
            // --reset-then-reuse-values: new defaults, then the last values
            // (weight 7, migrate off), then those given.
            (
                &["--set", "notifyWeight=3", "--", "--reset-then-reuse-values"],
                vec![entry("post-upgrade", "Job/notify", 3)],
                "--reset-then-reuse-values",
            ),
        ];
        for (i, (extra, expected, values)) in steps.iter().enumerate() {
            // `plan --release` (no --from) plans what apply is about to run,
            // given the same values (Helm's flags after `--` are apply's).
            if !extra.contains(&"--") {
                let args = [&["plan", "app", "--release", "web", "-o", "json"], *extra].concat();
                let out = a.run_in(&repo, &args);
                let err = ok_output(&out, &args.join(" "));
                let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(
                    plan_steps(&doc, "upgrade").as_ref(),
                    Some(expected),
                    "helm {major}, {args:?}: {doc}"
                );
                let rendered = doc["rendered"].to_string();
                assert!(
                    rendered.contains(&format!("\"revision\":{}", i + 2)),
                    "helm {major}: {rendered}"
                );
                assert_eq!(doc["from"]["spec"], format!("revision {}", i + 1));
                // Helm upgrades a deployed release: install is not planned.
                assert!(plan_steps(&doc, "install").is_none(), "{doc}");
                assert!(plan_steps(&doc, "test").is_some(), "{doc}");
                assert!(err.contains("install is not planned"), "{err}");
            }
            let args = [&["apply", "web", "app", "--yes"], *extra].concat();
            let err = ok(a.run_in(&repo, &args), &args.join(" "));
            assert!(err.contains(values), "helm {major}, {args:?}: {err}");
            let revision = format!("upgrade to revision {}", i + 2);
            assert!(err.contains(&revision), "helm {major}: {err}");
            let plan = planned(&a);
            assert_eq!(&plan, expected, "helm {major}, {args:?}");
            assert_eq!(
                plan,
                helm_ran(&a, "web", &upgrade),
                "helm {major}, {args:?}"
            );
        }
        // Nothing planned was left unrun, nothing run was unplanned.
        let audit = a.audit();
        let end = last_record(&audit, "runEnded");
        assert_eq!(end["releaseRevision"], 6, "{end}");
        for h in end["hooks"].as_array().unwrap() {
            assert_eq!(h["phase"], "Succeeded", "helm {major}: {h}");
        }
    }
}

/// A chart whose hooks depend on what only the cluster knows: its
/// Kubernetes version (1.20 here; `helm template` assumes 1.32 or 1.35),
/// an API group a CRD serves, a Secret a `lookup` finds, and the revision.
fn cluster_chart(group: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    let gated = |name: &str, cond: &str| {
        format!(
            "{{{{- if {cond} }}}}\n{}{{{{- end }}}}\n",
            job(name, "pre-install,pre-upgrade", 1, 0, "100ms", name)
        )
    };
    repo.write(
        "app/templates/psp.yaml",
        &gated(
            "psp-setup",
            "semverCompare \"<1.25.0-0\" .Capabilities.KubeVersion.Version",
        ),
    );
    repo.write(
        "app/templates/crd-hook.yaml",
        &gated(
            "register-widgets",
            &format!(".Capabilities.APIVersions.Has \"{group}/v1\""),
        ),
    );
    repo.write(
        "app/templates/creds.yaml",
        &gated(
            "migrate-with-creds",
            "(lookup \"v1\" \"Secret\" .Release.Namespace \"db-creds\")",
        ),
    );
    repo.write(
        "app/templates/snapshot.yaml",
        &job("snapshot", "pre-upgrade", 2, 0, "100ms", "snap")
            .replace("name: snapshot", "name: snapshot-r{{ .Release.Revision }}"),
    );
    repo.commit("v1");
    repo
}

/// A CRD of `group` on the cluster (shared by every test: cluster-wide).
fn ensure_crd(group: &str) {
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\nspec:\n  group: {group}\n  names:\n    kind: Widget\n    plural: widgets\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n"
    );
    let mut child = cluster()
        .kubectl()
        .args(["apply", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), crd.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Discovery serves the group once the CRD is established.
    let out = cluster()
        .kubectl()
        .args(["wait", "--for=condition=Established", "--timeout=60s"])
        .arg(format!("crd/widgets.{group}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn capabilities_lookups_and_the_revision_are_the_clusters() {
    let group = "hh31.example.com";
    ensure_crd(group);
    let repo = cluster_chart(group);
    for major in [3, 4] {
        let a = Apply::new(major, "caps");
        let out = cluster()
            .kubectl()
            .args(["-n", &a.ns, "create", "secret", "generic", "db-creds"])
            .args(["--from-literal=password=s3cr3t-db"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // Offline, none of the three gated hooks renders.
        let out = a.run_in(
            &repo,
            &[
                "plan", "app", "--from", "HEAD", "--to", "HEAD", "-o", "json",
            ],
        );
        let offline = json(&out.stdout);
        let names = install_hook_names(&offline);
        assert!(names.is_empty(), "helm {major}: {names:?}");

        // Captured where the cluster is at hand, read offline: the
        // capabilities gates open as on the cluster; lookup stays empty.
        let caps = a.env.path("caps.yaml");
        let out = a.run_in(&repo, &["capabilities"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&caps, &out.stdout).unwrap();
        let captured = String::from_utf8_lossy(&out.stdout).into_owned();
        for needle in [
            "kubeVersion: v1.20.2".to_string(),
            "- v1\n".to_string(),
            "- apps/v1/Deployment\n".to_string(),
            format!("- {group}/v1\n"),
            format!("- {group}/v1/Widget\n"),
        ] {
            assert!(captured.contains(&needle), "{needle:?} in {captured}");
        }
        let out = a.run_in(
            &repo,
            &[
                "plan",
                "app",
                "--from",
                "HEAD",
                "--to",
                "HEAD",
                "-o",
                "json",
                "--capabilities",
                caps.to_str().unwrap(),
            ],
        );
        let names = install_hook_names(&json(&out.stdout));
        assert_eq!(
            names,
            ["Job/psp-setup", "Job/register-widgets"],
            "helm {major}: the capabilities gates open, lookup stays empty"
        );
        // A plan given a kube context reads them from its cluster itself.
        let context = cluster()
            .kubectl()
            .args(["config", "current-context"])
            .output()
            .unwrap();
        let context = String::from_utf8_lossy(&context.stdout).trim().to_string();
        assert!(!context.is_empty());
        let args = [
            "plan",
            "app",
            "--from",
            "HEAD",
            "--to",
            "HEAD",
            "--kube-context",
            &context,
        ];
        let out = a.run_in(&repo, &[&args[..], &["-o", "json"]].concat());
        let doc = json(&out.stdout);
        assert_eq!(
            install_hook_names(&doc),
            ["Job/psp-setup", "Job/register-widgets"],
            "helm {major}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(doc["rendered"]["context"], context.as_str());
        assert_eq!(doc["rendered"]["kubeVersion"], "v1.20.2");
        let table = String::from_utf8_lossy(&a.run_in(&repo, &args).stdout).into_owned();
        assert!(
            table.contains("Kubernetes v1.20.2 and the ")
                && table.contains(&format!(
                    "API versions of context {context}, lookup finds nothing"
                )),
            "{table}"
        );

        let err = ok(
            a.run_in(
                &repo,
                &["apply", "web", "app", "--yes", "--kube-version", "1.28.0"],
            ),
            "install",
        );
        // --kube-version is taken, and said to be the cluster's business.
        assert!(err.contains("for plans without a cluster"), "{err}");
        assert!(err.contains("(Kubernetes v1.20"), "helm {major}: {err}");
        assert!(err.contains("install to revision 1"), "helm {major}: {err}");
        let plan = planned(&a);
        assert_eq!(
            plan,
            [
                entry("pre-install", "Job/migrate-with-creds", 1),
                entry("pre-install", "Job/psp-setup", 1),
                entry("pre-install", "Job/register-widgets", 1),
            ],
            "helm {major}"
        );
        assert_eq!(plan, helm_ran(&a, "web", &["pre-install"]), "helm {major}");
        assert!(!err.contains("s3cr3t-db"), "{err}");

        // The upgrade's snapshot hook is named by the next revision.
        ok(
            a.run_in(&repo, &["apply", "web", "app", "--yes"]),
            "upgrade",
        );
        let plan = planned(&a);
        assert!(
            plan.contains(&entry("pre-upgrade", "Job/snapshot-r2", 2)),
            "helm {major}: {plan:?}"
        );
        assert_eq!(plan, helm_ran(&a, "web", &["pre-upgrade"]), "helm {major}");
        let log = std::fs::read_to_string(a.env.path("data/hooks/audit.jsonl")).unwrap();
        assert!(!log.contains("s3cr3t-db"), "the looked-up secret stays out");
    }
}

/// `upgrade --install` of a release uninstalled with --keep-history is an
/// install: its pre-install hooks run, as revision N+1.
#[test]
fn a_release_uninstalled_with_keep_history_is_installed_again() {
    let repo = values_chart();
    for major in [3, 4] {
        let a = Apply::new(major, "keep");
        ok(
            a.run_in(&repo, &["apply", "web", "app", "--yes"]),
            "install",
        );
        let out = a.helm(&["uninstall", "web", "--keep-history"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = ok(a.run_in(&repo, &["apply", "web", "app", "--yes"]), "again");
        assert!(err.contains("install to revision 2"), "helm {major}: {err}");
        let plan = planned(&a);
        assert_eq!(
            plan,
            [
                entry("pre-install", "Job/migrate", 0),
                entry("post-install", "Job/notify", 5)
            ],
            "helm {major}"
        );
        assert_eq!(
            plan,
            helm_ran(&a, "web", &["pre-install", "post-install"]),
            "helm {major}"
        );
        let audit = a.audit();
        let start = last_record(&audit, "runStarted");
        assert_eq!(start["operation"], "install", "helm {major}");
        let end = last_record(&audit, "runEnded");
        let events: Vec<&Value> = end["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| &h["event"])
            .collect();
        assert!(
            events
                .iter()
                .all(|e| e.as_str().unwrap().ends_with("-install")),
            "{end}"
        );
    }
}

/// A post-renderer that moves the `migrate` hook from pre- to
/// post-upgrade. Helm 4 runs post-renderers on hooks too (a plugin of type
/// postrenderer/v1, named by `--post-renderer`); Helm 3 only on the
/// ordinary manifests (an executable's path), so its hooks stay put.
fn mover(a: &Apply, major: u32) -> String {
    let dir = a.env.path("data/plugins/mover");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("mover.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nexec sed 's/helm.sh\\/hook: pre-install,pre-upgrade/helm.sh\\/hook: post-install,post-upgrade/'\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    match major {
        3 => script.display().to_string(),
        _ => {
            std::fs::write(
                dir.join("plugin.yaml"),
                "name: mover\nversion: 0.1.0\ntype: postrenderer/v1\napiVersion: v1\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - command: \"${HELM_PLUGIN_DIR}/mover.sh\"\n",
            )
            .unwrap();
            "mover".to_string()
        }
    }
}

#[test]
fn a_post_renderer_moves_hooks_on_helm_4_only_and_the_plan_says_so() {
    let repo = values_chart();
    for major in [3, 4] {
        let a = Apply::new(major, "post");
        ok(
            a.run_in(&repo, &["apply", "web", "app", "--yes"]),
            "install",
        );
        let renderer = mover(&a, major);
        let err = ok(
            a.run_in(
                &repo,
                &[
                    "apply",
                    "web",
                    "app",
                    "--yes",
                    "--",
                    "--post-renderer",
                    &renderer,
                ],
            ),
            "apply with a post-renderer",
        );
        assert!(err.contains("post-renderer applied"), "helm {major}: {err}");
        let plan = planned(&a);
        let migrate_at = match major {
            3 => "pre-upgrade",
            _ => "post-upgrade",
        };
        assert!(
            plan.contains(&entry(migrate_at, "Job/migrate", 0)),
            "helm {major}: {plan:?}"
        );
        assert_eq!(
            plan,
            helm_ran(&a, "web", &["pre-upgrade", "post-upgrade"]),
            "helm {major}"
        );
    }
}

/// The cluster changes between the plan and Helm's run (here a presync
/// local hook creates the Secret a `lookup` gates a hook on): the hook
/// Helm then runs is recorded with its outcome as not in the plan, and
/// the summary says the plan missed it.
#[test]
fn a_hook_helm_ran_that_the_plan_lacked_is_recorded_as_not_in_plan() {
    let kubectl = cluster().kubectl().get_program().to_owned();
    for major in [3, 4] {
        let a = Apply::new(major, "unplanned");
        let repo = GitRepo::new();
        repo.write("app/Chart.yaml", &chart_yaml("app"));
        repo.write("app/templates/cm.yaml", CONFIGMAP);
        repo.write(
            "app/templates/creds.yaml",
            &format!(
                "{{{{- if (lookup \"v1\" \"Secret\" .Release.Namespace \"db-creds\") }}}}\n{}{{{{- end }}}}\n",
                job("migrate-with-creds", "pre-install,pre-upgrade", 1, 0, "100ms", "m")
            ),
        );
        repo.write(
            "app/.helm-hooks.yaml",
            &format!(
                "hooks:\n- events: [presync]\n  command: {}\n  args: [-n, {}, create, secret, generic, db-creds, --from-literal=password=pw]\n",
                kubectl.to_string_lossy(),
                a.ns
            ),
        );
        repo.commit("v1");
        let out = a.run_in(&repo, &["apply", "web", "app", "--yes"]);
        let err = ok(out, "install");
        let plan = planned(&a);
        assert!(
            plan.iter()
                .all(|(_, hook, _)| hook.starts_with("LocalHook/")),
            "helm {major}: the chart's hook is not in the plan: {plan:?}"
        );
        assert!(
            err.contains(
                "the plan missed Job/migrate-with-creds: Helm ran it at pre-install (Succeeded)"
            ),
            "helm {major}: {err}"
        );
        let audit = a.audit();
        let end = last_record(&audit, "runEnded");
        let hook = end["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "migrate-with-creds")
            .unwrap_or_else(|| panic!("helm {major}: {end}"));
        assert_eq!(hook["notInPlan"], true, "{hook}");
        assert_eq!(hook["phase"], "Succeeded", "{hook}");
        assert_eq!(hook["event"], "pre-install", "{hook}");
    }
}

/// `--atomic` (Helm 4: `--rollback-on-failure`): the plan shows what Helm
/// does should the upgrade fail, a rollback running revision 1's stored
/// rollback hooks, and when the upgrade fails the record says the branch
/// was taken, with those hooks.
#[test]
fn the_atomic_failure_branch_is_shown_and_recorded_when_taken() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/rollback.yaml",
        &[
            job("restore", "pre-rollback", 0, 0, "100ms", "restored"),
            job("announce", "post-rollback", 0, 0, "100ms", "announced"),
        ]
        .join("---\n"),
    );
    repo.write(
        "app/templates/migrate.yaml",
        &job("migrate", "pre-upgrade", 0, 0, "100ms", "ok"),
    );
    repo.commit("v1");
    repo.write(
        "app/templates/migrate.yaml",
        &job("migrate", "pre-upgrade", 0, 6, "100ms", "broken"),
    );
    repo.commit("v2: the migration fails");
    for major in [3, 4] {
        let a = Apply::new(major, "atomic");
        ok(
            a.run_in(&repo, &["apply", "web", "app", "--yes", "--to", "HEAD~1"]),
            "install",
        );
        let before = cluster().created_in(&a.ns).len();
        let out = a.run_in(&repo, &["apply", "web", "app", "--yes", "--atomic"]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert!(
            err.contains("if this upgrade fails, Helm rolls back to revision 1 (--atomic) and runs pre-rollback Job/restore, then post-rollback Job/announce"),
            "helm {major}: {err}"
        );
        let audit = a.audit();
        let end = last_record(&audit, "runEnded");
        let branch = &end["failureBranch"];
        assert_eq!(branch["taken"], true, "helm {major}: {end}");
        assert_eq!(branch["action"], "rollback", "{branch}");
        assert_eq!(branch["toRevision"], 1, "{branch}");
        let hooks: Vec<(&str, &str)> = branch["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["event"].as_str().unwrap(), h["name"].as_str().unwrap()))
            .collect();
        assert_eq!(
            hooks,
            [("pre-rollback", "restore"), ("post-rollback", "announce")],
            "{branch}"
        );
        // The API server saw Helm create them, in that order.
        let created = cluster().created_in(&a.ns)[before..].to_vec();
        let at = |name: &str| {
            created
                .iter()
                .position(|c| c == &format!("jobs/{name}"))
                .unwrap_or_else(|| panic!("helm {major}: {name} not created: {created:?}"))
        };
        assert!(at("restore") < at("announce"), "{created:?}");
        // Helm's record of the rollback it made has their runs.
        for h in branch["hooks"].as_array().unwrap() {
            assert_eq!(h["phase"], "Succeeded", "helm {major}: {h}");
            assert!(h["durationMs"].as_u64().is_some(), "{h}");
        }
    }
}

/// `-- --no-hooks`: the plan shows that no hook runs, Helm runs none, and
/// `-- --description` keeps the marker `plan --release` reads the commit
/// from.
#[test]
fn no_hooks_plans_no_hook_and_a_users_description_keeps_the_marker() {
    let repo = values_chart();
    for major in [3, 4] {
        let a = Apply::new(major, "nohooks");
        ok(
            a.run_in(&repo, &["apply", "web", "app", "--yes"]),
            "install",
        );
        let err = ok(
            a.run_in(
                &repo,
                &[
                    "apply",
                    "web",
                    "app",
                    "--yes",
                    "--",
                    "--no-hooks",
                    "--description",
                    "ticket 42",
                ],
            ),
            "apply --no-hooks",
        );
        assert!(
            err.contains(
                "--no-hooks: Helm stores the chart's 2 hooks in the release and runs none of them"
            ),
            "helm {major}: {err}"
        );
        assert!(planned(&a).is_empty(), "helm {major}: {:?}", planned(&a));
        let status: Value =
            serde_json::from_slice(&a.helm(&["status", "web", "-o", "json"]).stdout).unwrap();
        assert_eq!(status["version"], 2);
        for h in status["hooks"].as_array().unwrap() {
            assert_ne!(
                h["last_run"]["phase"], "Succeeded",
                "helm {major}: not run: {h}"
            );
        }
        let description = status["info"]["description"].as_str().unwrap();
        let sha = repo.git(&["rev-parse", "HEAD"]);
        assert_eq!(
            description,
            format!("helm-hooks apply HEAD {} - ticket 42", sha.trim()),
            "helm {major}"
        );
    }
}

/// Helm 4 creates hooks server-side only when the release uses
/// server-side apply (`--server-side=auto` follows the previous release):
/// a release Helm 3 installed stays client-side, so a hook object left
/// behind meets "already exists", not a patch. The plan reads the method
/// from Helm's dry run.
#[test]
fn helm4_plans_the_apply_method_of_the_release() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/keep.yaml",
        &job("keep", "pre-install,pre-upgrade", 0, 0, "100ms", "kept")
            .replace("before-hook-creation", "hook-failed"),
    );
    repo.commit("v1");
    let next_run = |a: &Apply| {
        let file = a.env.path("plan.json");
        let out = a.run_in(
            &repo,
            &[
                "plan",
                "app",
                "--release",
                "web",
                "--out",
                file.to_str().unwrap(),
                "-o",
                "json",
            ],
        );
        let plan = json(&out.stdout);
        // The plan file's document says how it was rendered.
        assert_eq!(plan["rendered"]["mode"], "cluster", "{}", plan["rendered"]);
        assert_eq!(
            plan["rendered"]["operation"], "upgrade",
            "{}",
            plan["rendered"]
        );
        plan["operations"][0]["steps"][0]["nextRun"].clone()
    };
    // Installed by Helm 3, planned and applied by Helm 4: client-side.
    let a = Apply::new(4, "csa");
    let mut install = a.env.helm(&helm(3));
    let out = install
        .env("KUBECONFIG", cluster().kubeconfig())
        .args(["install", "web", repo.path().join("app").to_str().unwrap()])
        .args(["-n", &a.ns, "--wait", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(next_run(&a), "already-exists");
    let out = a.run_in(&repo, &["apply", "web", "app", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "as planned, Helm fails: {err}");
    assert!(err.contains("already exists"), "{err}");

    // Installed by Helm 4: server-side, the leftover is patched.
    let b = Apply::new(4, "ssa");
    ok(
        b.run_in(&repo, &["apply", "web", "app", "--yes"]),
        "install",
    );
    assert_eq!(next_run(&b), "patched");
    ok(
        b.run_in(&repo, &["apply", "web", "app", "--yes"]),
        "upgrade",
    );
}
