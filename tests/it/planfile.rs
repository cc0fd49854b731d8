//! Plan files: `plan --release NAME --out FILE` then `apply --plan FILE`,
//! on the test cluster with the real Helm 3.17.1 and 4.1.4. A plan applied
//! as is goes through; any drift is refused with its reason, and the API
//! server's audit log shows that nothing was written.

use crate::apply::Apply;
use crate::cluster::cluster;
use crate::common::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

fn job(name: &str, weight: i32) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "{weight}"
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        kubelet-sim/duration: 100ms
    spec:
      restartPolicy: Never
      containers: [{{name: main, image: busybox}}]
"#
    )
}

/// A Secret hook whose password comes from the values.
const SECRET: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: creds
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
stringData:
  password: {{ .Values.password | quote }}
"#;

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  tier: {{ .Values.tier | quote }}\n";

const PASSWORD: &str = "pl4nf1le-s3cret";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sha256_of(path: &std::path::Path) -> String {
    use sha2::Digest;
    format!(
        "sha256:{:x}",
        sha2::Sha256::digest(std::fs::read(path).unwrap())
    )
}

/// `plan --release web --to HEAD -f VALUES --out NAME.json`, the clock
/// pinned to `at` when given; the file's path.
fn make_plan(a: &Apply, repo: &GitRepo, values: &str, name: &str, at: Option<&str>) -> String {
    let path = a.env.path(&format!("{name}.json"));
    let path = path.to_str().unwrap().to_string();
    let mut cmd = a.hooks();
    if let Some(t) = at {
        cmd.env("HELM_HOOKS_TIMESTAMP", t);
    }
    let out = cmd
        .current_dir(repo.path())
        .args([
            "plan",
            "app",
            "--release",
            "web",
            "--to",
            "HEAD",
            "-f",
            values,
        ])
        .args(["--out", &path])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("plan written to"), "{}", stderr(&out));
    path
}

/// `apply --plan FILE` refuses with exit 3 and `reason`, and the API
/// server saw no write in the namespace meanwhile.
fn assert_refused(a: &Apply, repo: &GitRepo, plan: &str, extra: &[&str], reason: &str) {
    let before = cluster().every_write_in(&a.ns);
    let mut args = vec!["apply", "--plan", plan, "--yes"];
    args.extend_from_slice(extra);
    let out = a.run_in(repo, &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "helm {}: {err}", a.helm.major);
    assert!(
        err.contains(reason),
        "{reason:?} not said: {err}\n{}\n{}",
        std::fs::read_to_string(plan).unwrap_or_default(),
        repo.git(&["log", "--oneline", "-p", "--", "app/templates/migrate.yaml"])
    );
    assert!(err.contains("nothing was changed"), "{err}");
    // The way out names what is known, to be pasted as it is.
    let replan = format!(
        "make and review a new plan: `helm hooks plan app --release web -n {} --out {plan}`",
        a.ns
    );
    assert!(err.contains(&replan), "{replan:?} not said: {err}");
    assert_eq!(
        cluster().every_write_in(&a.ns),
        before,
        "helm {}: a refused plan wrote nothing",
        a.helm.major
    );
}

#[test]
fn a_plan_file_applies_as_is_and_any_drift_is_refused_without_a_write() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/values.yaml", "tier: web\npassword: \"\"\n");
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write("app/templates/secret.yaml", SECRET);
    repo.write("app/templates/migrate.yaml", &job("migrate", 0));
    repo.commit("v1");
    for major in [3, 4] {
        let a = Apply::new(major, "planfile");
        let other_helm = helm(if major == 3 { 4 } else { 3 });
        let values = a.env.path("prod.yaml");
        std::fs::write(&values, format!("password: {PASSWORD}\n")).unwrap();
        let values = values.to_str().unwrap().to_string();
        let out = a.run_in(&repo, &["apply", "web", "app", "--yes", "-f", &values]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));

        // A plan of HEAD against revision 1, applied as is.
        let plan = &make_plan(&a, &repo, &values, "p1", None);
        let mode = std::fs::metadata(plan).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(plan).unwrap();
        assert!(!text.contains(PASSWORD), "no Secret value in the plan file");
        let file: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(file["kind"], "HookPlanFile");
        assert_eq!(file["apiVersion"], "helm-hooks/v1");
        assert_eq!(file["inputs"]["deployed"]["revision"], 1);
        assert_eq!(
            file["inputs"]["chart"]["commit"],
            repo.git(&["rev-parse", "HEAD"])
        );

        // Printed back as it was shown, for the pull request.
        let out = a.run_in(&repo, &["plan", "--plan", plan, "-o", "markdown"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let md = String::from_utf8_lossy(&out.stdout);
        assert_eq!(md, file["views"]["markdown"].as_str().unwrap());
        assert!(md.contains("| ") && md.contains("Job/migrate"), "{md}");

        let out = a.run_in(&repo, &["apply", "--plan", plan, "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let audit = a.audit();
        let start = audit
            .iter()
            .rev()
            .find(|r| r["type"] == "runStarted")
            .unwrap();
        assert_eq!(start["planFile"], sha256_of(std::path::Path::new(plan)));
        assert_eq!(a.history("web").len(), 2);

        // Another apply moved the release since.
        let p2 = &make_plan(&a, &repo, &values, "p2", None);
        let moved = a.run_in(&repo, &["apply", "web", "app", "--yes", "-f", &values]);
        assert!(moved.status.success(), "{}", stderr(&moved));
        assert_refused(
            &a,
            &repo,
            p2,
            &[],
            "the release moved from revision 2 to 3 since the plan",
        );

        // A commit that changes a hook.
        let p3 = &make_plan(&a, &repo, &values, "p3", None);
        // Each loop moves the weight on: 0 -> 5, then 5 -> 10.
        let (was, now) = if major == 3 { (0, 5) } else { (5, 10) };
        repo.write("app/templates/migrate.yaml", &job("migrate", now));
        repo.commit(&format!("migrate later (helm {major})"));
        let reason = format!("hook Job/migrate changed: weight {was} -> {now}");
        assert_refused(&a, &repo, p3, &[], &reason);

        // A values change.
        let p4 = &make_plan(&a, &repo, &values, "p4", None);
        std::fs::write(&values, format!("password: {PASSWORD}\ntier: db\n")).unwrap();
        assert_refused(&a, &repo, p4, &[], "prod.yaml changed");

        // Another Helm.
        let p5 = &make_plan(&a, &repo, &values, "p5", None);
        let before = cluster().every_write_in(&a.ns);
        let out = a
            .hooks()
            .current_dir(repo.path())
            .env("HELM_BIN", &other_helm.path)
            .args(["apply", "--plan", p5, "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let want = if major == 3 {
            "Helm v4.1.4, plan made with v3.17.1"
        } else {
            "Helm v3.17.1, plan made with v4.1.4"
        };
        assert!(stderr(&out).contains(want), "{}", stderr(&out));
        assert_eq!(cluster().every_write_in(&a.ns), before);

        // Past its age: made "yesterday" (the clock pinned for the record).
        let p6 = &make_plan(&a, &repo, &values, "p6", Some("2026-01-01T00:00:00Z"));
        assert_refused(
            &a,
            &repo,
            p6,
            &["--plan-max-age", "2h"],
            "past --plan-max-age 2h",
        );
        // And within a generous age it still applies.
        let out = a.run_in(&repo, &["apply", "--plan", p5, "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
    }
}

/// Issue 35 item 12: a revision whose description is not helm-hooks'
/// (a failed upgrade's is Helm's error) is shown with the commit that
/// made it, from the audit log: in a plan file's markdown, in the next
/// run's record, and in `history`.
#[test]
fn a_failed_revision_is_shown_with_the_commit_that_made_it() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n",
    );
    repo.commit("v1");
    repo.write(
        "templates/fail.yaml",
        &crate::apply::job("fails", "post-upgrade", 0, 1, "200ms", "refused"),
    );
    let v2 = repo.commit("v2: a post-upgrade hook that fails");
    for major in [3, 4] {
        let a = Apply::new(major, "revsha");
        let out = a.run_in(&repo, &["apply", "web", "--to", "HEAD~1", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        assert!(!out.status.success(), "helm {major}: the hook fails");
        let hist = a.history("web");
        assert_eq!(hist.last().unwrap()["status"], "failed", "helm {major}");
        assert_eq!(hist.last().unwrap()["revision"], 2, "helm {major}");

        let plan = a.env.path("revsha.plan");
        let out = a.run_in(
            &repo,
            &[
                "plan",
                "--release",
                "web",
                "--out",
                plan.to_str().unwrap(),
                "-o",
                "markdown",
            ],
        );
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let md = String::from_utf8_lossy(&out.stdout);
        let head = format!("`revision 2 ({})`", &v2[..12]);
        assert!(md.contains(&head), "helm {major}: {head} in\n{md}");

        // The next run starts at revision 2 and records its commit.
        let _ = a.run_in(&repo, &["apply", "web", "--yes"]);
        let audit = a.audit();
        let start = audit
            .iter()
            .rev()
            .find(|r| r["type"] == "runStarted")
            .unwrap();
        assert_eq!(start["fromRev"], "revision 2", "helm {major}: {start}");
        assert_eq!(start["fromSha"], v2.as_str(), "helm {major}: {start}");
        let out = a.run_in(&repo, &["history", "web"]);
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        assert!(!table.contains("revision 2 →"), "helm {major}:\n{table}");
        assert!(
            table.contains(&format!("{} → {}", &v2[..12], &v2[..12])),
            "helm {major}:\n{table}"
        );
    }
}
