//! The plugin as users install it: `helm plugin install DIR`, then
//! `helm hooks ...` through the real Helm 3.17.1 and 4.1.4.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin directory as a user's checkout has it, with `bin/helm-hooks`
/// already built (the binary under test), so install.sh skips the build.
fn plugin_dir(root: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("helm-hooks");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    for f in [
        "plugin.yaml",
        "install.sh",
        "plugin.complete",
        "completion.yaml",
    ] {
        if repo.join(f).exists() {
            std::fs::copy(repo.join(f), dir.join(f)).unwrap();
        }
    }
    std::fs::copy(
        assert_cmd::cargo::cargo_bin!("helm-hooks"),
        dir.join("bin/helm-hooks"),
    )
    .unwrap();
    dir
}

#[test]
fn helm_plugin_install_then_helm_hooks_plan_on_both_helms() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-install", Some("-1"), None),
    );
    repo.commit("one");
    for helm in helms() {
        let env = Env::new();
        let dir = plugin_dir(env.dir.path());
        let mut install = env.helm(&helm);
        install.args(["plugin", "install"]).arg(&dir);
        let out = install.output().unwrap();
        assert!(
            out.status.success(),
            "helm {} plugin install: {}{}",
            helm.version,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let list = env.helm(&helm).args(["plugin", "list"]).output().unwrap();
        assert!(
            String::from_utf8_lossy(&list.stdout).contains("hooks"),
            "listed"
        );
        // Helm consumes -n itself and hands it over as HELM_NAMESPACE.
        let out = env
            .helm(&helm)
            .current_dir(repo.path())
            .args([
                "hooks", "plan", "--from", "HEAD", "--to", "HEAD", "-o", "json", "-n", "team-a",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "helm {}: {}",
            helm.version,
            String::from_utf8_lossy(&out.stderr)
        );
        let plan = json(&out.stdout);
        assert_eq!(plan["namespace"], "team-a");
        assert_eq!(
            plan["helmVersion"], helm.version,
            "HELM_BIN is the Helm that ran the plugin"
        );
        assert_eq!(
            runs(&plan, "install"),
            vec![("pre-install".to_string(), "Job/a".to_string())]
        );
    }
}

#[test]
fn install_hook_without_cargo_says_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    let dir = plugin_dir(root.path());
    std::fs::remove_file(dir.join("bin/helm-hooks")).unwrap();
    let out = Command::new("/bin/bash")
        .arg(dir.join("install.sh"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", root.path())
        .env("HELM_PLUGIN_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cargo not found") && err.contains("install.sh"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}
