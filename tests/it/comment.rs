//! `helm hooks comment` against a fake forge API on loopback (GitHub's
//! issue comments, GitLab's merge request notes): one comment per marker,
//! created then updated in place, cut below the limit with a pointer, "no
//! changes" said on the comment, API errors in one line with exit 1, and
//! the token never shown.

use crate::common::*;

const TOKEN: &str = "ghs_s3cretTOKENvalue";

/// `helm hooks comment ARGS` as a GitHub Actions job on pull request 7 of
/// o/r sees it, with `stdin` as the plan's markdown.
fn github(env: &Env, forge: &FakeForge, args: &[&str], stdin: &str) -> std::process::Output {
    let event = env.path("event.json");
    std::fs::write(
        &event,
        r#"{"action":"synchronize","pull_request":{"number":7}}"#,
    )
    .unwrap();
    env.hooks(&helm(3))
        .arg("comment")
        .args(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", &forge.url)
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "99")
        .env("GITHUB_TOKEN", TOKEN)
        .write_stdin(stdin)
        .output()
        .unwrap()
}

fn gitlab(
    env: &Env,
    forge: &FakeForge,
    token: (&str, &str),
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    env.hooks(&helm(3))
        .arg("comment")
        .args(args)
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", forge.url))
        .env("CI_PROJECT_ID", "42")
        .env("CI_MERGE_REQUEST_IID", "5")
        .env("CI_JOB_URL", "https://gitlab.example/g/p/-/jobs/123")
        .env(token.0, token.1)
        .write_stdin(stdin)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the token leaked: {stderr}");
    stderr
}

fn marked(forge: &FakeForge, marker: &str) -> Vec<(u64, String)> {
    let st = forge.state.lock().unwrap();
    st.comments
        .iter()
        .filter(|c| c.1.contains(marker))
        .map(|c| (c.0, c.1.clone()))
        .collect()
}

/// A chart with one hook at `main`, the same with a second hook in the
/// working tree: a real plan with changes, rendered by the real Helm.
fn plan_markdown(env: &Env, helm: &HelmBin, repo: &GitRepo, extra: &str) -> (String, i32) {
    repo.write(
        "shop/templates/hooks.yaml",
        &format!(
            "{}---\n{extra}",
            hook("Job", "migrate", "pre-upgrade", Some("-5"), None)
        ),
    );
    let out = env
        .hooks(helm)
        .args([
            "plan",
            "shop",
            "--from",
            "HEAD",
            "-o",
            "markdown",
            "--detailed-exitcode",
        ])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), code)
}

#[test]
fn first_run_creates_one_comment_and_the_next_push_updates_it() {
    for helm in helms() {
        let env = Env::new();
        let forge = FakeForge::start();
        // Other people's comments, over two pages, before ours.
        forge.state.lock().unwrap().comments = vec![
            (1, "LGTM".into(), false),
            (
                2,
                "<!-- helm-hooks:charts/other -->\nanother chart set".into(),
                false,
            ),
            (3, "nit: typo".into(), false),
        ];
        let repo = GitRepo::new();
        repo.write("shop/Chart.yaml", &chart_yaml("shop")).write(
            "shop/templates/hooks.yaml",
            &hook("Job", "migrate", "pre-upgrade", Some("-5"), None),
        );
        repo.commit("chart");

        let (first, code) = plan_markdown(
            &env,
            &helm,
            &repo,
            &hook("Job", "backup", "pre-upgrade", Some("-20"), None),
        );
        assert_eq!(code, 2, "{first}");
        let code = code.to_string();
        let args = ["--key", "shop", "--plan-exit-code", &code];
        let stderr = ok(&github(&env, &forge, &args, &first));
        assert!(
            stderr.contains("created comment 1003 on pull request 7"),
            "{stderr}"
        );
        let mine = marked(&forge, "<!-- helm-hooks:shop -->");
        assert_eq!(mine.len(), 1);
        assert_eq!(
            mine[0].1,
            format!("<!-- helm-hooks:shop -->\n{}\n", first.trim_end())
        );
        assert!(mine[0].1.contains("Job/backup"), "{}", mine[0].1);
        {
            let st = forge.state.lock().unwrap();
            let post: Vec<_> = st.requests.iter().filter(|r| r.method == "POST").collect();
            assert_eq!(post.len(), 1);
            assert_eq!(post[0].path, "/repos/o/r/issues/7/comments");
            assert_eq!(
                post[0].header("authorization"),
                Some(format!("Bearer {TOKEN}").as_str())
            );
            assert!(
                post[0]
                    .header("user-agent")
                    .unwrap()
                    .starts_with("helm-hooks/")
            );
            // Two pages of two comments were read before posting.
            let gets = st.requests.iter().filter(|r| r.method == "GET").count();
            assert_eq!(gets, 2);
        }

        // The next push: another hook, the same comment edited.
        let (second, _) = plan_markdown(
            &env,
            &helm,
            &repo,
            &hook("Job", "notify", "post-upgrade", Some("10"), None),
        );
        let stderr = ok(&github(&env, &forge, &args, &second));
        assert!(
            stderr.contains("updated comment 1003 on pull request 7"),
            "{stderr}"
        );
        let mine = marked(&forge, "<!-- helm-hooks:shop -->");
        assert_eq!(mine.len(), 1, "one comment, updated");
        assert_eq!(mine[0].0, 1003);
        assert!(mine[0].1.contains("Job/notify"), "{}", mine[0].1);
        let st = forge.state.lock().unwrap();
        assert_eq!(st.comments.len(), 4, "no second comment");
        let patch = st.requests.last().unwrap();
        assert_eq!(
            (patch.method.as_str(), patch.path.as_str()),
            ("PATCH", "/repos/o/r/issues/comments/1003")
        );
        // The other chart set's comment is left alone.
        assert_eq!(
            st.comments[1].1,
            "<!-- helm-hooks:charts/other -->\nanother chart set"
        );
    }
}

#[test]
fn mode_new_posts_a_comment_per_run_and_off_posts_none() {
    let env = Env::new();
    let forge = FakeForge::start();
    for _ in 0..2 {
        ok(&github(&env, &forge, &["--mode", "new"], "# plan\n"));
    }
    assert_eq!(marked(&forge, "<!-- helm-hooks:plan -->").len(), 2);
    // Off reads nothing from the environment: no forge, no token needed.
    let out = env
        .hooks(&helm(3))
        .args(["comment", "--mode", "off"])
        .write_stdin("# plan\n")
        .output()
        .unwrap();
    assert!(ok(&out).contains("no comment posted: comment: off"));
    assert_eq!(forge.state.lock().unwrap().requests.len(), 2 * 2);
}

#[test]
fn an_oversized_plan_is_cut_below_the_limit_with_a_pointer_to_the_summary() {
    let env = Env::new();
    let forge = FakeForge::start();
    let mut md = String::from(
        "### Helm hooks: `HEAD` → `WORKTREE`\n\n<details><summary><code>Job/x</code></summary>\n\n```diff\n",
    );
    let mut n = 0;
    while md.len() < 150_000 {
        md.push_str(&format!(
            "+    - echo line {n} of a very long hook script ünïcödé\n"
        ));
        n += 1;
    }
    md.push_str("```\n\n</details>\n");
    let file = env.path("plan.md");
    std::fs::write(&file, &md).unwrap();
    let stderr = ok(&github(
        &env,
        &forge,
        &[file.to_str().unwrap(), "--plan-exit-code", "2"],
        "",
    ));
    let body = marked(&forge, "<!-- helm-hooks:plan -->").remove(0).1;
    let chars = body.chars().count();
    assert!(chars <= 65_536 && chars > 60_000, "{chars} characters");
    let total = md.trim_end().lines().count();
    let shown: usize = stderr
        .split("(cut: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no cut reported: {stderr}"));
    assert!(
        stderr.contains(&format!("(cut: {shown} of {total} lines of the plan)")),
        "{stderr}"
    );
    assert!(shown > 1000 && shown < total, "{shown} of {total}");
    // Whole lines of the plan, in order, then the fence and details closed.
    let kept: Vec<&str> = body.lines().skip(1).take(shown).collect();
    let lines: Vec<&str> = md.lines().take(shown).collect();
    assert_eq!(kept, lines);
    assert_eq!(
        body.lines().filter(|l| l.starts_with("```")).count() % 2,
        0,
        "fences balanced"
    );
    assert!(body.contains("```\n\n</details>\n"));
    assert!(
        body.trim_end().ends_with(&format!(
            "{shown} of {total} lines shown. The full plan is in the [job summary](https://github.example/o/r/actions/runs/99)."
        )),
        "{}",
        &body[body.len() - 400..]
    );
}

#[test]
fn no_changes_updates_the_comment_to_say_so_and_creates_none_where_there_was_none() {
    let env = Env::new();
    let forge = FakeForge::start();
    let quiet = "### Helm hooks\n\nChart `shop`, Helm v3. No hook changes.\n";
    let stderr = ok(&github(&env, &forge, &["--plan-exit-code", "0"], quiet));
    assert!(
        stderr.contains(
            "no comment posted on pull request 7: no hook changes and no earlier comment"
        ),
        "{stderr}"
    );
    assert!(forge.state.lock().unwrap().comments.is_empty());

    ok(&github(
        &env,
        &forge,
        &["--plan-exit-code", "2"],
        "### Helm hooks\n\n**Hooks changed.**\n",
    ));
    let stderr = ok(&github(&env, &forge, &["--plan-exit-code", "0"], quiet));
    assert!(stderr.contains("updated comment 1000"), "{stderr}");
    let mine = marked(&forge, "<!-- helm-hooks:plan -->");
    assert_eq!(mine.len(), 1);
    assert!(
        mine[0].1.contains("**No hook changes** (any more)"),
        "{}",
        mine[0].1
    );
    assert!(!mine[0].1.contains("Hooks changed"), "{}", mine[0].1);

    // A failed plan says so on the comment too, instead of an old plan.
    ok(&github(&env, &forge, &["--plan-exit-code", "1"], ""));
    let mine = marked(&forge, "<!-- helm-hooks:plan -->");
    assert!(mine[0].1.contains("**The hook plan failed** (exit 1): the [job summary](https://github.example/o/r/actions/runs/99) says why"), "{}", mine[0].1);
}

#[test]
fn an_api_error_fails_in_one_line_naming_the_fix_and_never_the_token() {
    let env = Env::new();
    for (status, message, fix) in [
        (
            403,
            "Resource not accessible by integration",
            "pull-requests: write",
        ),
        (401, "Bad credentials", "GITHUB_TOKEN: ${{ github.token }}"),
        (
            404,
            "Not Found",
            "check GITHUB_REPOSITORY and the pull request number",
        ),
        (502, "Server Error", "run the job again"),
    ] {
        let forge = FakeForge::start();
        forge.state.lock().unwrap().fail = Some((status, message.into()));
        let out = github(&env, &forge, &["--plan-exit-code", "2"], "# plan\n");
        let line = one_line_error(&out);
        assert!(
            line.contains(&format!("HTTP {status} ({message})")),
            "{line}"
        );
        assert!(
            line.contains("listing the comments of pull request 7"),
            "{line}"
        );
        assert!(line.contains(fix), "{line}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(TOKEN));
    }
    // Nobody listening: one line too.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = env
        .hooks(&helm(3))
        .args(["comment", "--forge", "github", "--pr", "7"])
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_TOKEN", TOKEN)
        .write_stdin("# plan\n")
        .output()
        .unwrap();
    let line = one_line_error(&out);
    assert!(line.contains("GitHub API at http://127.0.0.1:"), "{line}");
    assert!(line.contains("check the network"), "{line}");
}

#[test]
fn a_job_without_a_pull_request_or_token_is_told_how_to_give_one() {
    let env = Env::new();
    let forge = FakeForge::start();
    let event = env.path("push.json");
    std::fs::write(&event, r#"{"ref":"refs/heads/main"}"#).unwrap();
    let out = env
        .hooks(&helm(3))
        .arg("comment")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", &forge.url)
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_TOKEN", TOKEN)
        .write_stdin("# plan\n")
        .output()
        .unwrap();
    let line = one_line_error(&out);
    assert!(
        line.contains("not about a pull request") && line.contains("--pr N"),
        "{line}"
    );
    let out = env
        .hooks(&helm(3))
        .args(["comment", "--pr", "7"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "o/r")
        .write_stdin("# plan\n")
        .output()
        .unwrap();
    let line = one_line_error(&out);
    assert!(
        line.contains("no GitHub token") && line.contains("pull-requests: write"),
        "{line}"
    );
    assert!(forge.state.lock().unwrap().requests.is_empty());
}

#[test]
fn gitlab_merge_request_notes_are_created_then_updated() {
    let env = Env::new();
    let forge = FakeForge::start();
    // A system note quoting our marker is GitLab's, not a comment to edit.
    forge.state.lock().unwrap().comments = vec![
        (1, "added 1 commit".into(), true),
        (
            2,
            "changed the description <!-- helm-hooks:all -->".into(),
            true,
        ),
        (3, "Looks good".into(), false),
    ];
    let token = ("GITLAB_TOKEN", "glpat-s3cret");
    let stderr = ok(&gitlab(
        &env,
        &forge,
        token,
        &["--key", "all"],
        "# plan one\n",
    ));
    assert!(
        stderr.contains("created comment 1003 on merge request 5"),
        "{stderr}"
    );
    let stderr = ok(&gitlab(
        &env,
        &forge,
        token,
        &["--key", "all"],
        "# plan two\n",
    ));
    assert!(
        stderr.contains("updated comment 1003 on merge request 5"),
        "{stderr}"
    );
    assert!(!stderr.contains("glpat-s3cret"));
    let st = forge.state.lock().unwrap();
    assert_eq!(
        st.writes(),
        [
            ("POST", "/api/v4/projects/42/merge_requests/5/notes"),
            ("PUT", "/api/v4/projects/42/merge_requests/5/notes/1003"),
        ]
    );
    assert!(
        st.requests
            .iter()
            .all(|r| r.header("private-token") == Some("glpat-s3cret"))
    );
    let get = st.requests.iter().find(|r| r.method == "GET").unwrap();
    assert!(get.path.contains("sort=asc"), "{}", get.path);
    assert_eq!(st.comments.len(), 4);
    assert_eq!(st.comments[3].1, "<!-- helm-hooks:all -->\n# plan two\n");
    assert_eq!(
        st.comments[1].1,
        "changed the description <!-- helm-hooks:all -->"
    );
}

#[test]
fn gitlab_with_the_job_token_alone_is_told_to_set_gitlab_token_when_refused() {
    let env = Env::new();
    let forge = FakeForge::start();
    forge.state.lock().unwrap().fail = Some((403, "403 Forbidden".into()));
    let out = gitlab(
        &env,
        &forge,
        ("CI_JOB_TOKEN", "job-s3cret"),
        &[],
        "# plan\n",
    );
    let line = one_line_error(&out);
    assert!(
        line.contains("HTTP 403")
            && line.contains("CI_JOB_TOKEN may not write merge request notes: set GITLAB_TOKEN"),
        "{line}"
    );
    let st = forge.state.lock().unwrap();
    assert_eq!(st.requests[0].header("job-token"), Some("job-s3cret"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("job-s3cret"));
}

#[test]
fn the_marker_keeps_one_comment_per_chart_set() {
    let env = Env::new();
    let forge = FakeForge::start();
    for key in ["charts/a", "charts/ab", "charts/a"] {
        ok(&github(
            &env,
            &forge,
            &["--key", key],
            &format!("# plan of {key}\n"),
        ));
    }
    let st = forge.state.lock().unwrap();
    let bodies: Vec<&str> = st.comments.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "<!-- helm-hooks:charts/a -->\n# plan of charts/a\n",
            "<!-- helm-hooks:charts/ab -->\n# plan of charts/ab\n",
        ]
    );
}

/// HTTPS to a forge on loopback (`openssl s_server`) whose certificate a
/// test authority signed: refused in one line naming the fix while that
/// authority is not trusted, before anything is sent; with SSL_CERT_FILE
/// naming it, the handshake goes through (and s_server's page, which is
/// no API answer, is said to be one).
#[test]
fn a_forge_whose_certificate_is_not_trusted_is_refused_in_one_line() {
    let env = Env::new();
    let dir = env.path("tls");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    for args in [
        "req -x509 -newkey rsa:2048 -nodes -days 1 -keyout ca.key -out ca.pem -subj /CN=test-ca",
        "req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1",
        "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext.cnf -out leaf.pem",
    ] {
        let made = std::process::Command::new("openssl")
            .args(args.split(' '))
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("openssl")
        .args([
            "s_server", "-quiet", "-www", "-cert", "leaf.pem", "-key", "leaf.key",
        ])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Ready when it accepts (bounded: 200 tries).
    let up = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let comment = |ca: Option<&std::path::Path>| {
        let mut cmd = env.hooks(&helm(3));
        cmd.args(["comment", "--forge", "github", "--pr", "7"])
            .env("GITHUB_API_URL", format!("https://127.0.0.1:{port}"))
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_TOKEN", TOKEN)
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .write_stdin("# plan\n");
        if let Some(ca) = ca {
            cmd.env("SSL_CERT_FILE", ca);
        }
        cmd.output().unwrap()
    };
    let untrusted = comment(None);
    let trusted = comment(Some(&dir.join("ca.pem")));
    let _ = server.kill();
    let _ = server.wait();
    assert!(up, "openssl s_server did not start");
    let line = one_line_error(&untrusted);
    assert!(
        line.contains(&format!("GitHub API at https://127.0.0.1:{port}")),
        "{line}"
    );
    assert!(
        line.contains("certificate is not trusted here") && line.contains("SSL_CERT_FILE"),
        "{line}"
    );
    assert!(!String::from_utf8_lossy(&untrusted.stderr).contains(TOKEN));
    let line = one_line_error(&trusted);
    assert!(line.contains("unexpected answer"), "{line}");
}
