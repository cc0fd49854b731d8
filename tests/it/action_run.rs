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
use std::path::{Path, PathBuf};

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

/// The runner of one job: its temporary directory (RUNNER_TEMP, where the
/// action's cache lies: the same one for two runs is a cache hit), the
/// event, the summary, the expression contexts, PATH (GITHUB_PATH added).
struct Runner {
    temp: PathBuf,
    event: PathBuf,
    summary: PathBuf,
    ctx: Value,
    path: String,
}

impl Runner {
    /// Pull request 7 of o/r with base commit `base`, `inputs` over the
    /// action's defaults. Without a `download-url` input the install step
    /// is skipped and the binary under test is on PATH.
    fn new(temp: &Path, helm: &HelmBin, base: &str, inputs: &[(&str, &str)]) -> Self {
        let bin = temp.join("test-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let _ = std::fs::remove_file(bin.join("helm"));
        let _ = std::fs::remove_file(bin.join("helm-hooks"));
        std::os::unix::fs::symlink(&helm.path, bin.join("helm")).unwrap();
        if !inputs.iter().any(|(k, _)| *k == "download-url") {
            let built = assert_cmd::cargo::cargo_bin!("helm-hooks");
            std::os::unix::fs::symlink(built, bin.join("helm-hooks")).unwrap();
        }
        let event = temp.join("event.json");
        let pr = json!({ "number": 7, "base": { "sha": base } });
        let body = json!({ "action": "synchronize", "pull_request": pr });
        std::fs::write(&event, body.to_string()).unwrap();
        let summary = temp.join("summary.md");
        std::fs::write(&summary, "").unwrap();
        let _ = std::fs::remove_file(temp.join("path"));
        let mut ctx = json!({
            "github": { "token": TOKEN, "event": { "pull_request": pr } },
            "runner": { "os": "Linux", "arch": "X64", "temp": temp },
            "inputs": {}, "steps": {},
        });
        let declared = action()["inputs"].as_object().unwrap().clone();
        for (name, spec) in &declared {
            let default = template(&ctx, spec["default"].as_str().unwrap_or(""));
            ctx["inputs"][name] = json!(default);
        }
        for (name, value) in inputs {
            assert!(declared.contains_key(*name), "no input {name}");
            ctx["inputs"][*name] = json!(value);
        }
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        Runner {
            temp: temp.to_path_buf(),
            event,
            summary,
            ctx,
            path,
        }
    }

    /// One `run:` step as the runner runs it, in `repo`; its outputs are
    /// kept for the next steps' expressions.
    fn step(
        &mut self,
        env: &Env,
        repo: &GitRepo,
        forge: &FakeForge,
        step: &Value,
    ) -> std::process::Output {
        let output = self.temp.join("output");
        std::fs::write(&output, "").unwrap();
        let file = self.temp.join("step.sh");
        std::fs::write(&file, step["run"].as_str().unwrap()).unwrap();
        let mut cmd = std::process::Command::new("bash");
        env.apply(&mut cmd);
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(repo.path())
            .env("PATH", &self.path)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", &forge.url)
            .env("GITHUB_SERVER_URL", "https://github.example")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_RUN_ID", "31")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &self.event)
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("GITHUB_PATH", self.temp.join("path"))
            .env("RUNNER_TEMP", &self.temp);
        for (k, v) in step["env"].as_object().into_iter().flatten() {
            cmd.env(k, template(&self.ctx, v.as_str().unwrap()));
        }
        let out = cmd.output().unwrap();
        if let Some(id) = step["id"].as_str() {
            let mut outputs = serde_json::Map::new();
            for line in std::fs::read_to_string(&output).unwrap().lines() {
                let (k, v) = line.split_once('=').unwrap();
                outputs.insert(k.into(), json!(v));
            }
            self.ctx["steps"][id] = json!({ "outputs": outputs });
        }
        // GITHUB_PATH's directories come first for the next steps.
        if let Ok(added) = std::fs::read_to_string(self.temp.join("path")) {
            for dir in added.lines() {
                self.path = format!("{dir}:{}", self.path);
            }
            std::fs::remove_file(self.temp.join("path")).unwrap();
        }
        out
    }
}

/// Runs the action's steps in `repo` on pull request 7 of o/r, whose
/// base commit is `base`, with `inputs` over the action's defaults and
/// `temp` as RUNNER_TEMP.
fn run_action_in(
    temp: &Path,
    env: &Env,
    helm: &HelmBin,
    repo: &GitRepo,
    forge: &FakeForge,
    base: &str,
    inputs: &[(&str, &str)],
) -> Job {
    let mut runner = Runner::new(temp, helm, base, inputs);
    let install = inputs.iter().any(|(k, _)| *k == "download-url");
    let mut job = Job {
        code: 0,
        log: String::new(),
        summary: String::new(),
        ran: Vec::new(),
    };
    for step in action()["runs"]["steps"].as_array().unwrap() {
        // Not run here: `uses:` (the cache, Helm's setup, SARIF's upload).
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        if let Some(cond) = step["if"].as_str()
            && !truthy(&eval(&runner.ctx, cond))
        {
            continue;
        }
        if script.contains("install.sh") && !install {
            continue;
        }
        let out = runner.step(env, repo, forge, step);
        job.log.push_str(&String::from_utf8_lossy(&out.stdout));
        job.log.push_str(&String::from_utf8_lossy(&out.stderr));
        job.ran.push(step["name"].as_str().unwrap().to_string());
        if !out.status.success() {
            job.code = out.status.code().unwrap();
            break;
        }
    }
    job.summary = std::fs::read_to_string(&runner.summary).unwrap();
    job
}

fn run_action(
    env: &Env,
    helm: &HelmBin,
    repo: &GitRepo,
    forge: &FakeForge,
    base: &str,
    inputs: &[(&str, &str)],
) -> Job {
    let temp = tempfile::tempdir().unwrap();
    run_action_in(temp.path(), env, helm, repo, forge, base, inputs)
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
    let error = the_error_line(&job.log);
    assert!(
        error.contains("HTTP 403") && error.contains("pull-requests: write"),
        "{error}"
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

#[test]
fn the_pinned_release_is_installed_from_its_archive_then_reused_from_the_cache() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    let server = FileServer::start(&release().dir);
    let repo = new_repo();
    let base = pull_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );
    let runner_temp = tempfile::tempdir().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    // No version: the one of the action's own plugin.yaml.
    let job = run_action_in(
        runner_temp.path(),
        &env,
        &helm,
        &repo,
        &forge,
        &base,
        &[("download-url", &server.url)],
    );
    assert_eq!(job.code, 0, "{}", job.log);
    let dir = runner_temp.path().join(format!("helm-hooks-{version}"));
    assert!(
        job.log.contains(&format!(
            "installed {}/bin/helm-hooks from {}/hooks-{version}-",
            dir.display(),
            server.url
        )),
        "{}",
        job.log
    );
    assert!(job.log.contains("(sha256 checked)"), "{}", job.log);
    // The installed binary is what planned and commented.
    assert!(
        job.log.contains("created comment 1000 on pull request 7"),
        "{}",
        job.log
    );
    let downloads = server.hits.load(std::sync::atomic::Ordering::SeqCst);
    assert!(downloads >= 2, "the archive and SHA256SUMS: {downloads}");
    let out = std::process::Command::new(dir.join("bin/helm-hooks"))
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), version);

    // The next run restores the cached directory (the same RUNNER_TEMP
    // here): the pinned version (a leading v is fine) is not downloaded again.
    let pinned = format!("v{version}");
    let inputs = [
        ("download-url", server.url.as_str()),
        ("version", pinned.as_str()),
    ];
    let job = run_action_in(
        runner_temp.path(),
        &env,
        &helm,
        &repo,
        &forge,
        &base,
        &inputs,
    );
    assert_eq!(job.code, 0, "{}", job.log);
    assert_eq!(
        server.hits.load(std::sync::atomic::Ordering::SeqCst),
        downloads,
        "{}",
        job.log
    );
    assert!(
        job.log
            .contains("no comment posted on pull request 7: the comment already says this"),
        "{}",
        job.log
    );
}
