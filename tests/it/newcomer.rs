//! What a new user trips on (issue 18): traps, errors and hints, parity
//! between `helm hooks` and standalone `helm-hooks`.

use crate::common::*;
use std::path::{Path, PathBuf};

fn one_hook_chart(repo: &GitRepo) {
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/a.yaml",
        &hook("Job", "a", "pre-install,pre-upgrade", Some("-1"), None),
    );
}

#[test]
fn version_on_a_subcommand_is_an_error_naming_git_not_the_tools_version() {
    let repo = GitRepo::new();
    one_hook_chart(&repo);
    repo.commit("one");
    for helm in helms() {
        let env = Env::new();
        let run = |args: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args(args)
                .output()
                .unwrap()
        };
        for args in [
            &["apply", "web", "app", "--version", "1.2.0", "--yes"][..],
            &["plan", "app", "--version=1.2.0"],
            &["lint", "app", "--version"],
            &["history", "--version", "1.2.0"],
        ] {
            let e = one_line_error(&run(args));
            assert!(
                e.contains("takes no --version") && e.contains("charts come from Git"),
                "{args:?}: {e}"
            );
            assert!(e.contains("--to") && e.contains("--rev"), "{args:?}: {e}");
        }
        // The tool's own version stays on the top level.
        let out = run(&["--version"]);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("helm-hooks "),
            "{out:?}"
        );
    }
}

/// A chart whose hook's name comes from a value, so a plan shows which
/// values file was read.
fn valued_chart(repo: &GitRepo) {
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hook-{{ .Values.suffix | default \"none\" }}\n  annotations:\n    helm.sh/hook: pre-install\n",
    );
}

#[test]
fn values_files_git_does_not_track_are_read_from_disk_for_both_revisions() {
    let repo = GitRepo::new();
    valued_chart(&repo);
    repo.write(".gitignore", "local-secrets.yaml\n");
    repo.commit("one");
    repo.write(
        "app/templates/b.yaml",
        &hook("Job", "b", "post-install", None, None),
    );
    repo.commit("two");
    repo.write("local-secrets.yaml", "suffix: secret\n");
    repo.write("scratch.yaml", "suffix: scratch\n");
    for helm in helms() {
        let env = Env::new();
        for file in ["local-secrets.yaml", "scratch.yaml"] {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan", "app", "--from", "HEAD~1", "--to", "HEAD", "-o", "json", "-f", file,
                ])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{file}: {stderr}");
            let plan = json(&out.stdout);
            let want = format!("ConfigMap/hook-{}", file.split(['-', '.']).next().unwrap());
            let want = want.replace("local", "secret");
            assert!(install_hook_names(&plan).contains(&want), "{file}: {plan}");
            // Both sides read the same file: the ConfigMap is unchanged.
            let steps = plan["operations"][0]["steps"].as_array().unwrap();
            let cm = steps.iter().find(|s| s["kind"] == "ConfigMap").unwrap();
            assert!(
                cm["change"].is_null() || cm["change"] == "unchanged",
                "{file}: {cm}"
            );
            assert!(
                stderr.contains(&format!(
                    "note: values file {file} is not tracked by Git: read from disk"
                )),
                "{stderr}"
            );
            assert!(!stderr.contains("commit the values file"), "{stderr}");
            let lint = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args(["lint", "app", "--rev", "HEAD~1", "-f", file])
                .output()
                .unwrap();
            assert!(
                String::from_utf8_lossy(&lint.stderr).contains("is not tracked by Git"),
                "{lint:?}"
            );
        }
        // A typo is "no such file", not advice to commit it.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "plan",
                "app",
                "--from",
                "HEAD~1",
                "--to",
                "HEAD",
                "-f",
                "locla-secrets.yaml",
            ])
            .output()
            .unwrap();
        let e = one_line_error(&out);
        assert!(
            e.contains("locla-secrets.yaml") && e.contains("no such file") && !e.contains("commit"),
            "{e}"
        );
    }
    // A tracked values file missing at a revision still says to commit it
    // or pick a revision that has it.
    repo.write("app/values-prod.yaml", "suffix: prod\n");
    repo.commit("three");
    let env = Env::new();
    let out = env
        .hooks(&helm(4))
        .current_dir(repo.path())
        .args([
            "plan",
            "app",
            "--from",
            "HEAD~2",
            "--to",
            "HEAD",
            "-f",
            "app/values-prod.yaml",
        ])
        .output()
        .unwrap();
    let e = one_line_error(&out);
    assert!(e.contains("does not exist at HEAD~2"), "{e}");
}

#[test]
fn apply_of_head_with_uncommitted_edits_says_so_before_the_question() {
    use crate::apply::Apply;
    let repo = GitRepo::new();
    one_hook_chart(&repo);
    let sha = repo.commit("one");
    for major in [3, 4] {
        let a = Apply::new(major, "dirty");
        let dry = |repo: &GitRepo, extra: &[&str]| {
            let mut args = vec!["apply", "web", "app", "--dry-run", "--yes"];
            args.extend(extra);
            let out = a.run_in(repo, &args);
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(out.status.success(), "{stderr}");
            assert!(stderr.contains("nothing was applied"), "{stderr}");
            stderr
        };
        let note = format!(
            "working tree has uncommitted changes; applying HEAD ({}); use --to WORKTREE to apply them",
            &sha[..12]
        );
        let clean = dry(&repo, &[]);
        assert!(!clean.contains("working tree has"), "{clean}");
        repo.write(
            "app/templates/b.yaml",
            &hook("Job", "b", "pre-install", Some("5"), None),
        );
        let dirty = dry(&repo, &[]);
        assert!(dirty.contains(&note), "{dirty}");
        assert!(
            !dirty.contains("Job/b"),
            "HEAD is applied, not the edit: {dirty}"
        );
        let worktree = dry(&repo, &["--to", "WORKTREE"]);
        assert!(!worktree.contains("working tree has"), "{worktree}");
        assert!(worktree.contains("Job/b"), "{worktree}");
        // Edits outside the chart do not matter to it.
        repo.remove("app/templates/b.yaml");
        repo.write("README.md", "edited\n");
        let outside = dry(&repo, &[]);
        assert!(!outside.contains("working tree has"), "{outside}");
        repo.remove("README.md");
        // Nothing reached the cluster.
        assert!(a.history("web").is_empty());
    }
}

/// A Helm stand-in that, for `helm template`, logs the chart copy's
/// folder, its mode and the mode of a values file in it, then fails
/// (`fail`) or sleeps (its pid logged), and otherwise runs the real Helm.
fn copy_watching_helm(env: &Env, helm: &HelmBin, name: &str, then: &str) -> (HelmBin, PathBuf) {
    let log = env.path(&format!("{name}.log"));
    let wrapper = env.path(name);
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nLOG='{log}'\nif [ \"$1\" = template ]; then\n  d=$(dirname \"$3\")\n  echo \"dir $d $(stat -c %a \"$d\")\" >> \"$LOG\"\n  {then}\nfi\nexec '{helm}' \"$@\"\n",
            log = log.display(),
            helm = helm.path.display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    (
        HelmBin {
            path: wrapper,
            ..helm.clone()
        },
        log,
    )
}

fn logged(log: &Path, what: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix(what).map(str::to_string))
        .collect()
}

#[test]
fn chart_copies_are_private_and_gone_after_a_failed_render_and_after_sigterm() {
    let repo = GitRepo::new();
    one_hook_chart(&repo);
    repo.write("secret-values.yaml", "password: hunter2\n");
    repo.commit("one");
    for helm in helms() {
        let env = Env::new();
        let tmpdir = tempfile::tempdir().unwrap();
        // The copies Helm was handed that are still there.
        let leftovers = |log: &Path| {
            logged(log, "dir ")
                .iter()
                .filter(|d| Path::new(d.rsplit_once(' ').unwrap().0).exists())
                .count()
        };
        let hooks = |h: &HelmBin| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
            env.apply(&mut cmd);
            cmd.env("HELM_BIN", &h.path)
                .env("XDG_RUNTIME_DIR", tmpdir.path())
                .env("TMPDIR", tmpdir.path())
                .current_dir(repo.path());
            cmd
        };

        // Helm fails: the error path removes the copy too.
        let (failing, log) =
            copy_watching_helm(&env, &helm, "helm-fail", "echo 'Error: boom' >&2; exit 1");
        let out = hooks(&failing)
            .args(["lint", "app", "--rev", "HEAD", "-f", "secret-values.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let dirs = logged(&log, "dir ");
        assert!(!dirs.is_empty(), "Helm never rendered");
        for d in &dirs {
            assert!(d.ends_with(" 700"), "{d}");
        }
        assert_eq!(leftovers(&log), 0, "copy left after a failed render");

        // SIGTERM while Helm renders (CI cancelling a job).
        let (hanging, hang_log) = copy_watching_helm(
            &env,
            &helm,
            "helm-hang",
            "echo \"pid $$\" >> \"$LOG\"; exec sleep 30",
        );
        let mut child = hooks(&hanging)
            .env("HELM_CACHE_HOME", env.path("cache-hang"))
            .args([
                "plan",
                "app",
                "--from",
                "HEAD",
                "--to",
                "HEAD",
                "-f",
                "secret-values.yaml",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while logged(&hang_log, "pid ").is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let pids = logged(&hang_log, "pid ");
        assert!(!pids.is_empty(), "Helm never started");
        assert!(leftovers(&hang_log) > 0, "no chart copy while Helm runs");
        // SAFETY: signals the process this test started.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let status = child.wait().unwrap();
        for pid in pids {
            // SAFETY: the sleeping stand-ins for Helm this test started.
            unsafe { libc::kill(pid.parse().unwrap(), libc::SIGKILL) };
        }
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
        assert_eq!(leftovers(&hang_log), 0, "copy left after SIGTERM");
    }
}
