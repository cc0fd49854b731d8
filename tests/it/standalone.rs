//! Standalone `helm-hooks` as `helm hooks` (issue 18 items 15 and 17):
//! the kube flags Helm hands a plugin, and charts outside Git.

use crate::common::*;

/// A hook whose name says the namespace it was rendered for.
fn namespaced_chart(repo: &GitRepo) {
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: in-{{ .Release.Namespace }}\n  annotations:\n    helm.sh/hook: pre-install\n",
    );
}

#[test]
fn standalone_takes_kube_context_kubeconfig_and_the_contexts_namespace() {
    let repo = GitRepo::new();
    namespaced_chart(&repo);
    repo.commit("app");
    let env = Env::new();
    let kubeconfig = env.path("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\ncontexts:\n- {name: plain, context: {cluster: c, user: u}}\n- {name: team, context: {cluster: c, user: u, namespace: team-a}}\nusers: [{name: u, user: {token: t}}]\ncurrent-context: plain\n",
    )
    .unwrap();
    for helm in helms() {
        let plan = |args: &[&str]| {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args(args)
                .args([
                    "plan", "app", "--from", "HEAD", "--to", "HEAD", "-o", "json",
                ])
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
            install_hook_names(&json(&out.stdout))
        };
        let kc = kubeconfig.to_str().unwrap();
        // The current context names no namespace: Helm's "default".
        assert_eq!(plan(&["--kubeconfig", kc]), ["ConfigMap/in-default"]);
        // The context's namespace, as Helm takes it.
        assert_eq!(
            plan(&["--kubeconfig", kc, "--kube-context", "team"]),
            ["ConfigMap/in-team-a"]
        );
        // -n still wins.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "--kubeconfig",
                kc,
                "--kube-context",
                "team",
                "plan",
                "app",
                "-n",
                "ops",
            ])
            .args(["--from", "HEAD", "--to", "HEAD", "-o", "json"])
            .output()
            .unwrap();
        assert_eq!(install_hook_names(&json(&out.stdout)), ["ConfigMap/in-ops"]);
        // KUBECONFIG as Helm hands it to a plugin works the same.
        let out = env
            .hooks(&helm)
            .env("KUBECONFIG", &kubeconfig)
            .env("HELM_KUBECONTEXT", "team")
            .current_dir(repo.path())
            .args([
                "plan", "app", "--from", "HEAD", "--to", "HEAD", "-o", "json",
            ])
            .output()
            .unwrap();
        assert_eq!(
            install_hook_names(&json(&out.stdout)),
            ["ConfigMap/in-team-a"]
        );

        // apply acts where the flags point: the context and its server.
        let out = env
            .hooks(&helm)
            .current_dir(repo.path())
            .args([
                "--kubeconfig",
                kc,
                "apply",
                "web",
                "app",
                "--yes",
                "--kube-context",
                "team",
            ])
            .output()
            .unwrap();
        let e = one_line_error(&out);
        assert!(
            e.contains("https://127.0.0.1:1 of kube context team"),
            "{}: {e}",
            helm.version
        );
    }
}

#[test]
fn flags_behave_as_in_helm_and_kubectl() {
    let repo = GitRepo::new();
    namespaced_chart(&repo);
    repo.commit("app");
    let helm = helm(4);
    let env = Env::new();
    let run = |args: &[&str]| {
        env.hooks(&helm)
            .current_dir(repo.path())
            .args(args)
            .output()
            .unwrap()
    };
    // Bare, the help on stdout, exit 0, as bare `helm`.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Usage: helm hooks") && help.contains("plan"),
        "{help}"
    );

    // The last -o wins; -C is --context.
    let plan = ["plan", "app", "--from", "HEAD", "--to", "HEAD"];
    let out = run(&[&plan[..], &["-o", "table", "-o", "json", "-C", "1"]].concat());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(json(&out.stdout)["kind"], "HookPlan");
    let out = run(&[&plan[..], &["-o", "json", "-o", "table"]].concat());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Hook plan:"));

    // --color: always colours a pipe, never stays plain, NO_COLOR or not.
    let out = run(&[&plan[..], &["--color", "always"]].concat());
    assert!(out.stdout.contains(&0x1b), "no colour: {out:?}");
    let out = env
        .hooks(&helm)
        .current_dir(repo.path())
        .env("TERM", "xterm")
        .args(plan)
        .args(["--color", "never"])
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b), "{out:?}");
    let out = run(&[&plan[..], &["--color", "sometimes"]].concat());
    assert_eq!(out.status.code(), Some(1));

    // A usage error shows no --debug the user did not type, even when
    // Helm's --debug set HELM_DEBUG.
    let out = env
        .hooks(&helm)
        .env("HELM_DEBUG", "true")
        .args(["plan", "--no-such-flag"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    assert!(!stderr.contains("--debug"), "{stderr}");
}
