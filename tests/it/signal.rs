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
