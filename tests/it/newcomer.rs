//! What a new user trips on (issue 18): traps, errors and hints, parity
//! between `helm hooks` and standalone `helm-hooks`.

use crate::common::*;

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
