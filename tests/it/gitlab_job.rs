//! The GitLab CI template (ci/gitlab/helm-hooks.gitlab-ci.yml) run as a
//! runner runs a job extending `.helm-hooks`: its variables, then each
//! `script:` line in order, stopping at the first that fails, in a merge
//! request pipeline of a real Git repository, against the fake forge's
//! GitLab API on loopback. The plugin is the one under test, already in
//! the job's cached HELM_PLUGINS (so nothing is downloaded).

use crate::common::*;
use std::path::Path;

const TOKEN: &str = "glpat-jobTOKENs3cret";

struct Job {
    code: i32,
    log: String,
}

fn template() -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("ci/gitlab/helm-hooks.gitlab-ci.yml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// HELM_PLUGINS as the job's cache keeps it: the plugin, its binary the
/// one under test.
fn cached_plugins(dir: &Path) {
    let plugin = dir.join("hooks");
    std::fs::create_dir_all(plugin.join("bin")).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("plugin.yaml"), plugin.join("plugin.yaml")).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin!("helm-hooks"),
        plugin.join("bin/helm-hooks"),
    )
    .unwrap();
}

/// The job on merge request 5 of project 42, base commit `base`, with
/// `vars` over the template's variables.
fn run_job(
    env: &Env,
    helm: &HelmBin,
    repo: &GitRepo,
    forge: &FakeForge,
    base: &str,
    vars: &[(&str, &str)],
) -> Job {
    let job_def = &template()[".helm-hooks"];
    let bin = env.path("job-bin");
    if !bin.exists() {
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(&helm.path, bin.join("helm")).unwrap();
        cached_plugins(&env.path("job-plugins"));
    }
    let mut job = Job {
        code: 0,
        log: String::new(),
    };
    for line in job_def["script"].as_array().unwrap() {
        let mut cmd = std::process::Command::new("bash");
        env.apply(&mut cmd);
        cmd.args(["-e", "-c", line.as_str().unwrap()])
            .current_dir(repo.path());
        for (k, v) in job_def["variables"].as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        cmd.env("PATH", path)
            .env("HELM_PLUGINS", env.path("job-plugins"))
            .env("CI_PROJECT_DIR", repo.path())
            .env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", "merge_request_event")
            .env("CI_API_V4_URL", format!("{}/api/v4", forge.url))
            .env("CI_PROJECT_ID", "42")
            .env("CI_MERGE_REQUEST_IID", "5")
            .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)
            .env("CI_JOB_URL", "https://gitlab.example/g/p/-/jobs/77")
            .env("CI_JOB_TOKEN", "job-token-unused")
            .env("GITLAB_TOKEN", TOKEN);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        job.log.push_str(&String::from_utf8_lossy(&out.stdout));
        job.log.push_str(&String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            job.code = out.status.code().unwrap();
            break;
        }
    }
    assert!(!job.log.contains(TOKEN), "the token leaked: {}", job.log);
    job
}

fn merge_request(repo: &GitRepo, extra: &str) -> String {
    let base = repo.git(&["rev-parse", "HEAD"]);
    let hooks = format!(
        "{}---\n{extra}",
        hook("Job", "migrate", "pre-upgrade", Some("-5"), None)
    );
    repo.write("shop/templates/hooks.yaml", &hooks);
    repo.commit("the merge request's change");
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

#[test]
fn the_template_posts_one_note_updates_it_and_fails_on_change_when_asked() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    let repo = new_repo();
    let base = merge_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );

    let job = run_job(&env, &helm, &repo, &forge, &base, &[]);
    assert_eq!(job.code, 0, "{}", job.log);
    assert!(
        job.log.contains("created comment 1000 on merge request 5"),
        "{}",
        job.log
    );
    // The full plan is in the job log, where the note's pointer sends.
    assert!(job.log.contains("Job/backup"), "{}", job.log);

    merge_request(
        &repo,
        &hook("Job", "notify", "post-upgrade", Some("10"), None),
    );
    let vars = [("HELM_HOOKS_FAIL_ON_CHANGE", "true")];
    let job = run_job(&env, &helm, &repo, &forge, &base, &vars);
    assert_eq!(job.code, 2, "{}", job.log);
    assert!(job.log.contains("updated comment 1000"), "{}", job.log);
    let st = forge.state.lock().unwrap();
    assert_eq!(st.comments.len(), 1, "one note, updated");
    assert!(
        st.comments[0].1.starts_with("<!-- helm-hooks:all -->\n"),
        "{}",
        st.comments[0].1
    );
    assert!(
        st.comments[0].1.contains("Job/notify"),
        "{}",
        st.comments[0].1
    );
    assert_eq!(
        st.writes(),
        [
            ("POST", "/api/v4/projects/42/merge_requests/5/notes"),
            ("PUT", "/api/v4/projects/42/merge_requests/5/notes/1000"),
        ]
    );
    assert!(
        st.requests
            .iter()
            .all(|r| r.header("private-token") == Some(TOKEN))
    );
}

#[test]
fn a_refused_note_fails_the_job_in_one_line_and_says_what_the_plan_said() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    forge.state.lock().unwrap().fail = Some((401, "401 Unauthorized".into()));
    let repo = new_repo();
    let base = merge_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );
    let job = run_job(&env, &helm, &repo, &forge, &base, &[]);
    assert_eq!(job.code, 1, "{}", job.log);
    let error = the_error_line(&job.log);
    assert!(
        error.contains("HTTP 401") && error.contains("GITLAB_TOKEN may not write"),
        "{error}"
    );
    assert!(
        job.log
            .contains("the note was not posted (its error is above); the plan exited 2"),
        "{}",
        job.log
    );
}

#[test]
fn a_shallow_clone_is_told_to_set_git_depth_0() {
    let helm = helm(3);
    let env = Env::new();
    let forge = FakeForge::start();
    let repo = new_repo();
    merge_request(
        &repo,
        &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
    );
    let missing = "89abcdef0123456789abcdef0123456789abcdef";
    let job = run_job(&env, &helm, &repo, &forge, missing, &[]);
    assert_eq!(job.code, 1, "{}", job.log);
    assert!(
        job.log.contains(&format!(
            "{missing} is not in this clone's history; set GIT_DEPTH: \"0\""
        )),
        "{}",
        job.log
    );
    assert!(forge.state.lock().unwrap().requests.is_empty());
}
