//! The GitHub Action's own steps (action.yml), run as a runner runs a
//! composite action: each `run:` script through `bash -eo pipefail` in
//! order, its `env:` expressions evaluated from the inputs, the pull
//! request event and the earlier steps' outputs (GITHUB_OUTPUT), stopping
//! at the first failing step. The steps that download (`uses:`, the
//! install from the release archive) are replaced by the built binary on
//! PATH. Real Git, real Helm, the fake forge on loopback: what the job's
//! exit status, its summary and the pull request's comment end up being.

use crate::common::*;
use serde_json::{Value, json};
use std::path::Path;

const TOKEN: &str = "ghs_actionTOKENs3cret";

struct Job {
    /// The job's status: the first failing step's exit code, else 0.
    code: i32,
    /// Every step's stdout and stderr, in order.
    log: String,
    summary: String,
    /// The steps that ran, by name.
    ran: Vec<String>,
}

fn action() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    serde_saphyr::from_str(&std::fs::read_to_string(root.join("action.yml")).unwrap()).unwrap()
}

/// `a.b.c` in `ctx`; the inputs' names hold dashes.
fn lookup(ctx: &Value, path: &str) -> Value {
    let mut v = ctx;
    for part in path.trim().split('.') {
        v = &v[part];
    }
    v.clone()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false)) && v != &json!("") && v != &json!(0)
}

/// An expression of the few shapes action.yml uses: `a || b`, `a && b`,
/// `x != 'lit'`, `x == 'lit'`, a context path. Anything else fails the
/// test, so a new shape in action.yml is seen here.
fn eval(ctx: &Value, expr: &str) -> Value {
    let expr = expr.trim();
    if let Some((a, b)) = expr.split_once("||") {
        let left = eval(ctx, a);
        return if truthy(&left) { left } else { eval(ctx, b) };
    }
    if let Some((a, b)) = expr.split_once("&&") {
        let left = eval(ctx, a);
        return if truthy(&left) { eval(ctx, b) } else { left };
    }
    for (op, equal) in [("!=", false), ("==", true)] {
        if let Some((a, b)) = expr.split_once(op) {
            let lit = b.trim().trim_matches('\'');
            assert!(!b.contains('('), "unsupported expression {expr}");
            return Value::Bool((text(&eval(ctx, a)) == lit) == equal);
        }
    }
    assert!(
        expr.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "unsupported expression {expr}"
    );
    lookup(ctx, expr)
}

/// A string with `${{ ... }}` in it, evaluated.
fn template(ctx: &Value, s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start;
        out.push_str(&text(&eval(ctx, &rest[start + 3..end])));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Runs the action's steps in `repo` on pull request 7 of o/r, whose
/// base commit is `base`, with `inputs` over the action's defaults.
fn run_action(
    env: &Env,
    helm: &HelmBin,
    repo: &GitRepo,
    forge: &FakeForge,
    base: &str,
    inputs: &[(&str, &str)],
) -> Job {
    let action = action();
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin!("helm-hooks"),
        bin.join("helm-hooks"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&helm.path, bin.join("helm")).unwrap();
    let event = work.path().join("event.json");
    let pr = json!({ "number": 7, "base": { "sha": base } });
    std::fs::write(
        &event,
        json!({ "action": "synchronize", "pull_request": pr }).to_string(),
    )
    .unwrap();
    let summary = work.path().join("summary.md");
    std::fs::write(&summary, "").unwrap();

    let mut ctx = json!({
        "github": { "token": TOKEN, "event": { "pull_request": pr } },
        "runner": { "os": "Linux", "arch": "X64", "temp": work.path() },
        "inputs": {}, "steps": {},
    });
    let declared = action["inputs"].as_object().unwrap().clone();
    for (name, spec) in &declared {
        let default = template(&ctx, spec["default"].as_str().unwrap_or(""));
        ctx["inputs"][name] = json!(default);
    }
    for (name, value) in inputs {
        assert!(declared.contains_key(*name), "no input {name}");
        ctx["inputs"][*name] = json!(value);
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut job = Job {
        code: 0,
        log: String::new(),
        summary: String::new(),
        ran: Vec::new(),
    };
    for step in action["runs"]["steps"].as_array().unwrap() {
        let name = step["name"].as_str().unwrap().to_string();
        // Downloads: the cache, Helm's setup, SARIF's upload, the install.
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        if let Some(cond) = step["if"].as_str()
            && !truthy(&eval(&ctx, cond))
        {
            continue;
        }
        if script.contains("install.sh") {
            continue;
        }
        let output = work.path().join(format!("output-{}", job.ran.len()));
        std::fs::write(&output, "").unwrap();
        let file = work.path().join("step.sh");
        std::fs::write(&file, script).unwrap();
        let mut cmd = std::process::Command::new("bash");
        env.apply(&mut cmd);
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(repo.path())
            .env("PATH", &path)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", &forge.url)
            .env("GITHUB_SERVER_URL", "https://github.example")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_RUN_ID", "31")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_PATH", work.path().join("path"))
            .env("RUNNER_TEMP", work.path());
        if let Some(vars) = step["env"].as_object() {
            for (k, v) in vars {
                cmd.env(k, template(&ctx, v.as_str().unwrap()));
            }
        }
        let out = cmd.output().unwrap();
        job.log.push_str(&String::from_utf8_lossy(&out.stdout));
        job.log.push_str(&String::from_utf8_lossy(&out.stderr));
        job.ran.push(name);
        if let Some(id) = step["id"].as_str() {
            let mut outputs = serde_json::Map::new();
            for line in std::fs::read_to_string(&output).unwrap().lines() {
                let (k, v) = line.split_once('=').unwrap();
                outputs.insert(k.into(), json!(v));
            }
            ctx["steps"][id] = json!({ "outputs": outputs });
        }
        if !out.status.success() {
            job.code = out.status.code().unwrap();
            break;
        }
    }
    job.summary = std::fs::read_to_string(&summary).unwrap();
    job
}

/// A chart with one hook at the base commit, and the pull request's head
/// that adds `extra`; returns the base commit.
fn pull_request(repo: &GitRepo, extra: &str) -> String {
    let base = repo.git(&["rev-parse", "HEAD"]);
    let hooks = format!(
        "{}---\n{extra}",
        hook("Job", "migrate", "pre-upgrade", Some("-5"), None)
    );
    repo.write("shop/templates/hooks.yaml", &hooks);
    repo.commit("the pull request's change");
    base
}

fn new_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("shop/Chart.yaml", &chart_yaml("shop")).write(
        "shop/templates/hooks.yaml",
        &hook("Job", "migrate", "pre-upgrade", Some("-5"), None),
    );
    repo.commit("chart");
    repo
}

fn comments(forge: &FakeForge) -> Vec<String> {
    forge
        .state
        .lock()
        .unwrap()
        .comments
        .iter()
        .map(|c| c.1.clone())
        .collect()
}

#[test]
fn the_action_comments_once_updates_on_the_next_push_and_exits_as_detailed_exitcode_when_asked() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    let repo = new_repo();
    let base = pull_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );

    // Changes, not asked to fail: a green job, a comment, the summary.
    let job = run_action(&env, &helm, &repo, &forge, &base, &[]);
    assert_eq!(job.code, 0, "{}", job.log);
    assert!(
        job.log.contains("created comment 1000 on pull request 7"),
        "{}",
        job.log
    );
    assert!(job.summary.contains("Job/backup"), "{}", job.summary);
    let posted = comments(&forge);
    assert_eq!(posted.len(), 1);
    assert!(
        posted[0].starts_with("<!-- helm-hooks:all -->\n"),
        "{}",
        posted[0]
    );
    assert_eq!(
        posted[0].trim_end(),
        format!("<!-- helm-hooks:all -->\n{}", job.summary.trim_end())
    );
    assert!(!job.log.contains(TOKEN));

    // The next push, fail-on-change: exit 2, the same comment updated.
    pull_request(
        &repo,
        &hook("Job", "notify", "post-upgrade", Some("10"), None),
    );
    let job = run_action(
        &env,
        &helm,
        &repo,
        &forge,
        &base,
        &[("fail-on-change", "true")],
    );
    assert_eq!(job.code, 2, "{}", job.log);
    assert!(job.log.contains("updated comment 1000"), "{}", job.log);
    assert!(
        job.log.contains("hooks changed (fail-on-change: true)"),
        "{}",
        job.log
    );
    let posted = comments(&forge);
    assert_eq!(posted.len(), 1, "one comment, updated");
    assert!(posted[0].contains("Job/notify"), "{}", posted[0]);
    assert_eq!(job.ran.last().map(String::as_str), Some("Verdict"));

    // comment: off reads and writes nothing on the forge.
    let before = forge.state.lock().unwrap().requests.len();
    let job = run_action(&env, &helm, &repo, &forge, &base, &[("comment", "off")]);
    assert_eq!(job.code, 0, "{}", job.log);
    assert!(
        !job.ran.iter().any(|s| s.starts_with("Comment")),
        "{:?}",
        job.ran
    );
    assert_eq!(forge.state.lock().unwrap().requests.len(), before);
}

#[test]
fn a_forge_error_fails_the_job_in_one_line_without_hiding_the_plan() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    forge.state.lock().unwrap().fail = Some((403, "Resource not accessible by integration".into()));
    let repo = new_repo();
    let base = pull_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );
    // Not asked to fail on changes: the job would be green but for the comment.
    let job = run_action(&env, &helm, &repo, &forge, &base, &[]);
    assert_eq!(job.code, 1, "{}", job.log);
    let errors: Vec<&str> = job
        .log
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", job.log);
    assert!(
        errors[0].contains("HTTP 403") && errors[0].contains("pull-requests: write"),
        "{}",
        errors[0]
    );
    assert!(
        job.log
            .contains("the comment was not posted (its error is above); the plan exited 2"),
        "{}",
        job.log
    );
    assert!(!job.log.contains(TOKEN));
    // The plan is still whole in the summary.
    assert!(job.summary.contains("Job/backup"), "{}", job.summary);
    assert_eq!(job.ran.last().map(String::as_str), Some("Verdict"));
}

#[test]
fn a_shallow_checkout_is_told_to_fetch_the_whole_history() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    let repo = new_repo();
    pull_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );
    // A base commit the checkout does not have, as with fetch-depth: 1.
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let job = run_action(&env, &helm, &repo, &forge, missing, &[]);
    assert_eq!(job.code, 1, "{}", job.log);
    assert!(
        job.log.contains(&format!(
            "{missing} is not in this checkout's history; set fetch-depth: 0"
        )),
        "{}",
        job.log
    );
    assert_eq!(job.ran.len(), 1, "nothing after the check: {:?}", job.ran);
    assert!(forge.state.lock().unwrap().requests.is_empty());
}

#[test]
fn one_chart_with_values_files_gets_its_own_comment_and_a_sarif_file() {
    let helm = helm(4);
    let env = Env::new();
    let forge = FakeForge::start();
    let repo = new_repo();
    repo.write("shop/values-prod.yaml", "replicas: 3\n");
    repo.commit("prod values");
    let base = pull_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );
    let sarif = env.path("hooks.sarif");
    let inputs = [
        ("chart", "shop"),
        ("values", "shop/values-prod.yaml\n"),
        ("sarif", sarif.to_str().unwrap()),
    ];
    let job = run_action(&env, &helm, &repo, &forge, &base, &inputs);
    assert_eq!(job.code, 0, "{}", job.log);
    let posted = comments(&forge);
    assert_eq!(posted.len(), 1);
    assert!(
        posted[0].starts_with("<!-- helm-hooks:shop:shop/values-prod.yaml -->\n"),
        "{}",
        posted[0]
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(report["version"], "2.1.0");
    assert!(
        report["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["message"]["text"]
                .as_str()
                .unwrap_or("")
                .contains("Job/backup")),
        "{report}"
    );
}
