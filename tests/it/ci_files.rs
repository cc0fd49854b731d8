//! The CI files users run: the GitHub Action (`action.yml`), the project's
//! workflows and the GitLab template, checked by the linters GitHub and
//! GitLab users run: actionlint on the workflows (which checks action.yml's
//! metadata through the workflow using it, `uses: ./`), the JSON schemas of
//! SchemaStore (check-jsonschema) on the action, the workflows and the
//! GitLab template, and shellcheck on every script step. The linters are
//! installed by scripts/test.sh; a missing one fails the test, never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A linter from the virtualenv scripts/test.sh installs
/// (HELM_HOOKS_CI_LINT, else HELM_HOOKS_CACHE or ~/.cache/helm-hooks, in
/// ci-lint/), else PATH.
fn linter(name: &str) -> PathBuf {
    let venv = std::env::var_os("HELM_HOOKS_CI_LINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HELM_HOOKS_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/helm-hooks")
                })
                .join("ci-lint")
        });
    let candidate = venv.join("bin").join(name);
    if candidate.is_file() {
        return candidate;
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| {
        panic!(
            "{name} is missing (looked in {} and PATH): scripts/test.sh installs it",
            venv.display()
        )
    })
}

fn workflows() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    out.sort();
    out
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (out.status.success(), crate::common::printed(&out))
}

#[test]
fn actionlint_passes_the_workflows_and_the_action_they_use() {
    let actionlint = linter("actionlint");
    let mut cmd = Command::new(&actionlint);
    cmd.current_dir(root())
        .arg("-shellcheck")
        .arg(linter("shellcheck"))
        .args(workflows());
    let (ok, text) = run(&mut cmd);
    assert!(ok, "actionlint:\n{text}");
    // The workflow `uses: ./`, so actionlint reads action.yml: a broken
    // one in a copy of the repository is caught.
    let copy = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(copy.path().join(".git")).unwrap();
    std::fs::create_dir_all(copy.path().join(".github/workflows")).unwrap();
    let uses = workflows()
        .into_iter()
        .find(|w| std::fs::read_to_string(w).unwrap().contains("uses: ./\n"))
        .expect("a workflow runs the project's own action (uses: ./)");
    std::fs::copy(&uses, copy.path().join(".github/workflows/w.yml")).unwrap();
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    std::fs::write(
        copy.path().join("action.yml"),
        action.replace("  icon: anchor", "  icon: no-such-icon"),
    )
    .unwrap();
    let (ok, text) = run(Command::new(&actionlint)
        .current_dir(copy.path())
        .args(["-shellcheck=", ".github/workflows/w.yml"]));
    assert!(!ok && text.contains("no-such-icon"), "{text}");
}

#[test]
fn the_action_the_workflows_and_the_gitlab_template_match_their_schemas() {
    let checker = linter("check-jsonschema");
    let gitlab = root().join("ci/gitlab/helm-hooks.gitlab-ci.yml");
    for (schema, files) in [
        ("vendor.github-actions", vec![root().join("action.yml")]),
        ("vendor.github-workflows", workflows()),
        ("vendor.gitlab-ci", vec![gitlab.clone()]),
    ] {
        let (ok, text) = run(Command::new(&checker)
            .arg("--builtin-schema")
            .arg(schema)
            .args(&files));
        assert!(ok, "{schema} {files:?}:\n{text}");
    }
    // The schema check can fail: a composite step without its shell.
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("action.yml");
    std::fs::write(&bad, action.replacen("      shell: bash\n", "", 1)).unwrap();
    let (ok, _) = run(Command::new(&checker)
        .args(["--builtin-schema", "vendor.github-actions"])
        .arg(&bad));
    assert!(!ok, "a step without shell passed the schema");
}

/// The action's scripts (actionlint checks workflow steps, not a composite
/// action's) and the GitLab template's, through shellcheck as bash.
#[test]
fn every_script_step_passes_shellcheck() {
    let shellcheck = linter("shellcheck");
    let action: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    let mut scripts: Vec<(String, String)> = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| {
            let run = s["run"].as_str()?;
            assert_eq!(s["shell"], "bash", "{s}");
            // Inputs reach scripts through env, never `${{ }}` inside them
            // (an input with a quote would break out of the script).
            assert!(!run.contains("${{"), "expression in a script: {run}");
            Some((format!("action.yml: {}", s["name"]), run.to_string()))
        })
        .collect();
    let gitlab =
        std::fs::read_to_string(root().join("ci/gitlab/helm-hooks.gitlab-ci.yml")).unwrap();
    let template: serde_json::Value = serde_saphyr::from_str(&gitlab).unwrap();
    for line in template[".helm-hooks"]["script"].as_array().unwrap() {
        let line = line.as_str().unwrap();
        let body = match line.split_once("<<'SCRIPT'\n") {
            Some((_, rest)) => rest.trim_end().trim_end_matches("SCRIPT").to_string(),
            None => line.to_string(),
        };
        scripts.push(("helm-hooks.gitlab-ci.yml".into(), body));
    }
    assert!(scripts.len() >= 6, "{scripts:?}");
    for (name, script) in scripts {
        let mut child = Command::new(&shellcheck)
            .args(["-s", "bash", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{name}:\n{}\n{script}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// What the issue asks of the action, read from action.yml itself.
#[test]
fn the_action_has_the_promised_inputs_and_steps() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    for input in [
        "version",
        "helm-version",
        "chart",
        "from",
        "values",
        "comment",
        "fail-on-change",
        "sarif",
    ] {
        assert!(action["inputs"][input].is_object(), "no input {input}");
    }
    assert_eq!(action["inputs"]["comment"]["default"], "update");
    assert_eq!(action["inputs"]["chart"]["default"], "all");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        uses.iter().any(|u| u.starts_with("actions/cache@")),
        "{uses:?}"
    );
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    let runs: String = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "git cat-file -e \"$FROM^{commit}\"",
        "fetch-depth: 0",
        "--detailed-exitcode",
        "-o markdown",
        "GITHUB_STEP_SUMMARY",
        "helm-hooks comment",
        "install.sh",
    ] {
        assert!(
            runs.contains(needle),
            "no {needle:?} in the action's scripts"
        );
    }
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .unwrap();
    let key = cache["with"]["key"].as_str().unwrap();
    for part in ["steps.version.outputs.version", "runner.os", "runner.arch"] {
        assert!(key.contains(part), "cache key {key} lacks {part}");
    }
}

/// The README's workflows (section "In CI"): the GitHub one passes
/// actionlint and the workflow schema and gives the action only inputs it
/// has; the GitLab one matches GitLab's schema and sets only variables the
/// template reads. Each is at most ten lines.
#[test]
fn the_readme_workflows_lint_and_name_real_inputs() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## In CI\n")
        .nth(1)
        .expect("README has a section \"In CI\"");
    let blocks: Vec<&str> = section
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("\n```").next().unwrap())
        .take(2)
        .collect();
    assert_eq!(blocks.len(), 2, "a GitHub and a GitLab workflow");
    for b in &blocks {
        assert!(b.lines().count() <= 10, "over ten lines:\n{b}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    let github = dir.path().join(".github/workflows/hooks.yml");
    std::fs::write(&github, format!("name: hooks\n{}\n", blocks[0])).unwrap();
    let (ok, text) = run(Command::new(linter("actionlint"))
        .current_dir(dir.path())
        .arg("-shellcheck=")
        .arg(".github/workflows/hooks.yml"));
    assert!(ok, "actionlint on the README's workflow:\n{text}");
    let action: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(blocks[0]).unwrap();
    let steps = workflow["jobs"]["hooks"]["steps"].as_array().unwrap();
    let ours = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("helm-hooks/helm-hooks@"))
        })
        .expect("the README's workflow uses the action");
    for input in ours["with"].as_object().unwrap().keys() {
        assert!(action["inputs"][input].is_object(), "no input {input}");
    }
    let gitlab = dir.path().join(".gitlab-ci.yml");
    std::fs::write(&gitlab, blocks[1]).unwrap();
    let (ok, text) = run(Command::new(linter("check-jsonschema"))
        .args(["--builtin-schema", "vendor.gitlab-ci"])
        .arg(&gitlab));
    assert!(ok, "the README's GitLab job:\n{text}");
    let template =
        std::fs::read_to_string(root().join("ci/gitlab/helm-hooks.gitlab-ci.yml")).unwrap();
    let job: serde_json::Value = serde_saphyr::from_str(blocks[1]).unwrap();
    assert_eq!(job["helm-hooks"]["extends"], ".helm-hooks");
    for var in job["helm-hooks"]["variables"].as_object().unwrap().keys() {
        assert!(
            template.contains(&format!("    {var}:")),
            "the template has no {var}"
        );
    }
}
