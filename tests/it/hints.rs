//! Errors and hints a new user meets (issue 18 items 10-12): each one line
//! that says what is wrong and how to fix it, with the real Helm.

use crate::common::*;

/// A chart that renders only when `.Values.db` is set.
fn required_chart(repo: &GitRepo) {
    repo.write("web/Chart.yaml", &chart_yaml("web"));
    repo.write(
        "web/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n  annotations:\n    helm.sh/hook: pre-install\ndata:\n  db: {{ required \"set .Values.db\" .Values.db | quote }}\n",
    );
}

#[test]
fn flags_values_and_required_values_say_what_is_wrong_not_fix_the_template() {
    let repo = GitRepo::new();
    required_chart(&repo);
    repo.commit("web");
    repo.write("broken.yaml", "a: [\n");
    for helm in helms() {
        let env = Env::new();
        let err = |args: &[&str]| {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args(["plan", "web", "--from", "HEAD", "--to", "HEAD"])
                .args(args)
                .output()
                .unwrap();
            let line = one_line_error(&out);
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(!line.contains("fix the template"), "{args:?}: {line}");
            // Helm's "Use --debug flag" advice is not ours.
            assert!(!stderr.contains("--debug flag"), "{args:?}: {stderr}");
            line
        };
        let e = err(&["--set-file", "db=no-such-file.txt"]);
        assert!(
            e.contains("no-such-file.txt") && e.contains("check the --set-file path"),
            "{e}"
        );
        let e = err(&["--set", "db=x", "--kube-version", "banana"]);
        assert!(
            e.contains("banana") && e.contains("give --kube-version a Kubernetes version"),
            "{e}"
        );
        let e = err(&[]);
        assert!(
            e.contains("set .Values.db") && e.contains("give the chart the value it asks for"),
            "{e}"
        );
        // The user's file, never the temporary copy Helm was given.
        let e = err(&["--set", "db=x", "-f", "broken.yaml"]);
        assert!(
            e.contains("failed to parse broken.yaml") && e.contains("fix the YAML of that -f"),
            "{e}"
        );
        assert!(!e.contains("values-0"), "{e}");
        // Helm 3 cannot parse this --set; Helm 4 reads it as a key.
        if helm.major == 3 {
            let e = err(&["--set", "a[=1"]);
            assert!(
                e.contains("failed parsing --set data") && e.contains("fix that --set value"),
                "{e}"
            );
        }
    }
}

#[test]
fn a_missing_path_an_empty_repository_and_a_failing_helm_bin_say_what_is_wrong() {
    let helm = helm(4);
    let env = Env::new();
    let outside = env.path("outside");
    std::fs::create_dir(&outside).unwrap();
    let e = one_line_error(
        &env.hooks(&helm)
            .current_dir(&outside)
            .args(["plan", "no/such/chart"])
            .output()
            .unwrap(),
    );
    assert!(e.contains("no/such/chart does not exist"), "{e}");
    assert!(!e.contains("not inside a Git repository"), "{e}");

    let empty = GitRepo::new();
    let e = one_line_error(
        &env.hooks(&helm)
            .current_dir(empty.path())
            .args(["plan", "."])
            .output()
            .unwrap(),
    );
    assert!(
        e.contains("has no commits yet") && e.contains("git commit"),
        "{e}"
    );

    // The repository root of a monorepo names the charts it holds.
    let repo = GitRepo::new();
    required_chart(&repo);
    repo.write("charts/api/Chart.yaml", &chart_yaml("api"));
    repo.write("charts/api/charts/redis/Chart.yaml", &chart_yaml("redis"));
    repo.commit("two charts");
    for args in [&["plan", "."][..], &["lint", ".", "--rev", "HEAD"]] {
        let e = one_line_error(
            &env.hooks(&helm)
                .current_dir(repo.path())
                .args(args)
                .output()
                .unwrap(),
        );
        assert!(
            e.contains("charts below it: charts/api, web"),
            "{args:?}: {e}"
        );
    }
    // Paths as they are typed from where the user is, not from the
    // argument: pasted back, they work.
    let from = |dir: &str, arg: &str| {
        one_line_error(
            &env.hooks(&helm)
                .current_dir(repo.path().join(dir))
                .args(["plan", arg])
                .output()
                .unwrap(),
        )
    };
    let e = from(".", "charts");
    assert!(
        e.starts_with("error: charts is not a chart") && e.contains("charts below it: charts/api;"),
        "{e}"
    );
    let e = from("web/templates", "../..");
    assert!(
        e.starts_with("error: ../.. is not a chart")
            && e.contains("charts below it: ../../charts/api, ..;"),
        "{e}"
    );

    // A HELM_BIN that is not a working Helm: its own words, not a template error.
    let fake = env.path("broken-helm");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'cannot load libfoo.so' >&2\nexit 127\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = env
        .hooks(&helm)
        .env("HELM_BIN", &fake)
        .current_dir(repo.path())
        .args(["plan", "web", "--set", "db=x"])
        .output()
        .unwrap();
    let e = one_line_error(&out);
    assert!(
        e.contains("version` failed") && e.contains("cannot load libfoo.so"),
        "{e}"
    );
    assert!(e.contains("set HELM_BIN to a working helm"), "{e}");
}

#[test]
fn a_bare_repository_names_the_revision_flags() {
    let repo = GitRepo::new();
    required_chart(&repo);
    repo.commit("web");
    let env = Env::new();
    let bare = env.path("bare.git");
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--bare"])
        .arg(repo.path())
        .arg(&bare)
        .status()
        .unwrap();
    assert!(status.success());
    let e = one_line_error(
        &env.hooks(&helm(4))
            .env("GIT_DIR", &bare)
            .args(["lint", "web"])
            .output()
            .unwrap(),
    );
    assert!(
        e.contains("bare repository") && e.contains("lint: --rev"),
        "{e}"
    );
}

#[test]
fn no_kubeconfig_and_an_unreachable_server_are_one_line_each_naming_the_fix() {
    let repo = GitRepo::new();
    required_chart(&repo);
    repo.commit("web");
    for helm in helms() {
        let env = Env::new();
        let apply = |kubeconfig: Option<&std::path::Path>| {
            let mut cmd = env.hooks(&helm);
            cmd.current_dir(repo.path())
                .args(["apply", "web", "web", "--set", "db=x", "--yes"]);
            if let Some(k) = kubeconfig {
                cmd.env("KUBECONFIG", k);
            }
            one_line_error(&cmd.output().unwrap())
        };
        let e = apply(None);
        assert!(
            e.contains("no kubeconfig found (KUBECONFIG, ~/.kube/config)"),
            "{}: {e}",
            helm.version
        );
        assert!(e.contains("point KUBECONFIG"), "{e}");

        let kubeconfig = env.path("kubeconfig");
        std::fs::write(
            &kubeconfig,
            "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\ncontexts: [{name: far-away, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: far-away\n",
        )
        .unwrap();
        let e = apply(Some(&kubeconfig));
        assert!(
            e.contains("cannot reach the Kubernetes API server https://127.0.0.1:1 of kube context far-away"),
            "{}: {e}",
            helm.version
        );
        assert!(e.contains("--kube-context"), "{e}");
    }
}

#[test]
fn helms_debug_log_is_debug_not_a_warning() {
    let repo = GitRepo::new();
    required_chart(&repo);
    repo.commit("web");
    for helm in helms() {
        let env = Env::new();
        // `helm --debug hooks plan` hands the plugin HELM_DEBUG=true.
        let out = env
            .hooks(&helm)
            .env("HELM_DEBUG", "true")
            .current_dir(repo.path())
            .args([
                "plan", "web", "--from", "HEAD", "--to", "HEAD", "--set", "db=x",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("warning: helm said"),
            "{}: {stderr}",
            helm.version
        );
        // Helm's own debug lines are still there, as debug output.
        let marker = match helm.major {
            3 => "[debug]",
            _ => "level=DEBUG",
        };
        assert!(
            stderr
                .lines()
                .any(|l| l.contains("helm: ") && l.contains(marker)),
            "{}: {stderr}",
            helm.version
        );
    }
}

#[test]
fn a_typo_in_the_chart_path_says_it_does_not_exist_and_names_the_nearest_chart() {
    let repo = GitRepo::new();
    repo.write("charts/web/Chart.yaml", &chart_yaml("web"))
        .write("charts/worker/Chart.yaml", &chart_yaml("worker"))
        .write("charts/empty/.keep", "");
    repo.commit("charts");
    for helm in helms() {
        let env = Env::new();
        let err = |args: &[&str]| {
            one_line_error(
                &env.hooks(&helm)
                    .current_dir(repo.path())
                    .args(args)
                    .output()
                    .unwrap(),
            )
        };
        assert_eq!(
            err(&["plan", "charts/wbe", "--from", "HEAD", "--to", "HEAD"]),
            "error: charts/wbe does not exist at HEAD; did you mean charts/web? (the nearest chart by name)",
            "helm {}",
            helm.major
        );
        assert_eq!(
            err(&["lint", "charts/workr"]),
            "error: charts/workr does not exist at WORKTREE; did you mean charts/worker? (the nearest chart by name)"
        );
        // Nothing near: no guess.
        let far = err(&["lint", "charts/database"]);
        assert!(
            far.starts_with(
                "error: charts/database does not exist at WORKTREE; check the chart path"
            ),
            "{far}"
        );
        // A directory that exists but holds no chart is still said so.
        let empty = err(&["lint", "charts/empty"]);
        assert!(empty.contains("no Chart.yaml there"), "{empty}");
    }
}
