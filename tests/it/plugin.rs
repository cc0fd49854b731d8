//! The plugin as users install it: `helm plugin install DIR`, then
//! `helm hooks ...` through the real Helm 3.17.1 and 4.1.4.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin directory as a user's checkout has it, with `bin/helm-hooks`
/// already built (the binary under test): install.sh finds that version
/// there and neither downloads nor builds.
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

/// What docs/cli.md says of exits through Helm: an intended non-zero exit
/// (`--detailed-exitcode` finding changes) keeps its code, and Helm adds
/// its own `Error: plugin "hooks" exited with error` line on stderr; a zero
/// exit gets none. `helm hooks version` answers through Helm too.
#[test]
fn helm_keeps_the_plugins_exit_code_and_adds_its_own_error_line() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-install", Some("-1"), None),
    );
    repo.commit("one");
    repo.write(
        "templates/a.yaml",
        &hook("Job", "a", "pre-install", Some("5"), None),
    );
    const HELM_LINE: &str = "Error: plugin \"hooks\" exited with error";
    for helm in helms() {
        let env = Env::new();
        let dir = plugin_dir(env.dir.path());
        let out = env
            .helm(&helm)
            .args(["plugin", "install"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", helm.version);
        let plan = |extra: &[&str]| {
            env.helm(&helm)
                .current_dir(repo.path())
                .args(["hooks", "plan", "--operation", "install"])
                .args(extra)
                .output()
                .unwrap()
        };
        let out = plan(&["--detailed-exitcode"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {out:?}", helm.version);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("changed"),
            "{}: {out:?}",
            helm.version
        );
        assert_eq!(
            stderr.lines().last(),
            Some(HELM_LINE),
            "{}: {stderr}",
            helm.version
        );
        let out = plan(&[]);
        assert_eq!(out.status.code(), Some(0), "{}: {out:?}", helm.version);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains(HELM_LINE),
            "{}: {out:?}",
            helm.version
        );
        let out = env.helm(&helm).args(["hooks", "version"]).output().unwrap();
        assert!(out.status.success(), "{}: {out:?}", helm.version);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\n", env!("CARGO_PKG_VERSION")),
            "{}",
            helm.version
        );
    }
}

#[test]
fn install_hook_without_cargo_says_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    let dir = plugin_dir(root.path());
    std::fs::remove_file(dir.join("bin/helm-hooks")).unwrap();
    with_sources(&dir);
    // No release archive for this version: install.sh falls back to the
    // build, which has no cargo.
    let empty = tempfile::tempdir().unwrap();
    let server = FileServer::start(empty.path());
    // Run by hand, as the message of a failed build tells.
    let out = Command::new("/bin/bash")
        .arg(dir.join("install.sh"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", root.path())
        .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no prebuilt binary at")
            && err.contains("404")
            && err.contains("cargo not found")
            && err.contains("install.sh"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

/// Stand-in sources beside the plugin files, so install.sh gets as far as
/// looking for cargo.
fn with_sources(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"helm-hooks\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
}

/// `dir` as a Git repository with one commit: a plugin as `helm plugin
/// install URL` clones it.
fn as_git_repo(dir: &Path) {
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "v1",
        ],
    ] {
        let st = Command::new("git")
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(st.success(), "git {args:?}");
    }
}

/// `helm plugin install` of a Git URL; Helm 4 verifies by default, which
/// a Git source cannot offer.
fn install_from_git(env: &Env, helm: &HelmBin, url: &str) -> std::process::Output {
    let mut cmd = env.helm(helm);
    cmd.args(["plugin", "install", url]);
    if helm.major >= 4 {
        cmd.arg("--verify=false");
    }
    cmd.output().unwrap()
}

fn listed_version(env: &Env, helm: &HelmBin) -> Option<String> {
    let out = env.helm(helm).args(["plugin", "list"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.split_whitespace().next() == Some("hooks"))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
}

/// The release archive of the next version (0.1.1) and its SHA256SUMS on
/// a loopback server, as install.sh downloads them on update (the binary
/// in it is the one under test), and the archive's name. The directory
/// lives as long as the first.
fn next_version_served() -> (tempfile::TempDir, FileServer, String) {
    let served = tempfile::tempdir().unwrap();
    let (platform, _) = release_platform();
    let next = format!("hooks-0.1.1-{platform}.tgz");
    let tgz = std::fs::read(release().archive()).unwrap();
    std::fs::write(served.path().join(&next), &tgz).unwrap();
    std::fs::write(
        served.path().join("SHA256SUMS"),
        format!("{}  {next}\n", sha256_hex(&tgz)),
    )
    .unwrap();
    let server = FileServer::start(served.path());
    (served, server, next)
}

#[test]
fn a_plugin_installed_from_git_updates_with_helm_plugin_update() {
    let (_served, server, next) = next_version_served();
    for helm in helms() {
        let env = Env::new();
        let src = plugin_dir(&env.path("src"));
        // The binary under test by a link: Git keeps it as a link, and
        // hundreds of megabytes of debug binary need not be committed.
        std::fs::remove_file(src.join("bin/helm-hooks")).unwrap();
        std::os::unix::fs::symlink(
            assert_cmd::cargo::cargo_bin!("helm-hooks"),
            src.join("bin/helm-hooks"),
        )
        .unwrap();
        as_git_repo(&src);
        let url = format!("file://{}", src.display());
        let out = install_from_git(&env, &helm, &url);
        assert!(out.status.success(), "{}: {out:?}", helm.version);
        assert_eq!(listed_version(&env, &helm).as_deref(), Some("0.1.0"));
        // A new version is pushed; `helm plugin update` pulls it and runs
        // install.sh again.
        let yaml = std::fs::read_to_string(src.join("plugin.yaml")).unwrap();
        std::fs::write(
            src.join("plugin.yaml"),
            yaml.replace("version: 0.1.0", "version: 0.1.1"),
        )
        .unwrap();
        let st = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qam",
                "v2",
            ])
            .current_dir(&src)
            .status()
            .unwrap();
        assert!(st.success());
        let out = env
            .helm(&helm)
            .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
            .env("NO_PROXY", "127.0.0.1")
            .args(["plugin", "update", "hooks"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", helm.version);
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains(&format!("from {}/{next} (sha256 checked)", server.url)),
            "the update hook downloaded the new version: {out:?}"
        );
        assert_eq!(
            listed_version(&env, &helm).as_deref(),
            Some("0.1.1"),
            "{}",
            helm.version
        );
        let out = env
            .helm(&helm)
            .args(["hooks", "--version"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", helm.version);
    }
}

#[test]
fn install_without_cargo_leaves_nothing_registered() {
    for helm in helms() {
        let env = Env::new();
        // A checkout with sources and no binary yet: install.sh must build.
        let src = plugin_dir(&env.path("src"));
        std::fs::remove_file(src.join("bin/helm-hooks")).unwrap();
        with_sources(&src);
        as_git_repo(&src);
        // No release archive for this version either.
        let empty = tempfile::tempdir().unwrap();
        let server = FileServer::start(empty.path());
        let no_cargo = |cmd: &mut Command| {
            cmd.env("PATH", "/usr/bin:/bin")
                .env("HOME", env.path("home"))
                .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
                .env_remove("CARGO_HOME");
        };
        // From a local directory: Helm's link goes, the directory stays.
        let mut cmd = env.helm(&helm);
        no_cargo(&mut cmd);
        let out = cmd.args(["plugin", "install"]).arg(&src).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cargo not found"),
            "{}: {stderr}",
            helm.version
        );
        assert!(
            stderr.contains("nothing was installed"),
            "{}: {stderr}",
            helm.version
        );
        assert_eq!(
            listed_version(&env, &helm),
            None,
            "{}: half-registered",
            helm.version
        );
        assert!(src.join("plugin.yaml").is_file() && src.join("src/main.rs").is_file());
        // From a Git URL: Helm's clone goes.
        let mut cmd = env.helm(&helm);
        no_cargo(&mut cmd);
        cmd.args(["plugin", "install", &format!("file://{}", src.display())]);
        if helm.major >= 4 {
            cmd.arg("--verify=false");
        }
        let out = cmd.output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("nothing was installed"),
            "{out:?}"
        );
        assert_eq!(
            listed_version(&env, &helm),
            None,
            "{}: half-registered",
            helm.version
        );
        let plugins = env.path("data/plugins");
        let left: Vec<_> = std::fs::read_dir(&plugins)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            left.is_empty(),
            "{}: {left:?} left in {}",
            helm.version,
            plugins.display()
        );
    }
}

/// Issue 35 item 12: what docs/install.md says `helm plugin update hooks`
/// prints for a plugin installed from a local directory is what each Helm
/// prints, and the way out it gives (update the linked checkout, run
/// install.sh) updates the plugin Helm lists.
#[test]
fn plugin_update_of_a_local_directory_fails_as_the_install_docs_say() {
    let (_served, server, _) = next_version_served();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/install.md"))
            .unwrap();
    // The page wraps lines: compared with its whitespace folded.
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    for helm in helms() {
        let env = Env::new();
        let dir = plugin_dir(&env.path("src"));
        let out = env
            .helm(&helm)
            .args(["plugin", "install"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", helm.version);
        let out = env
            .helm(&helm)
            .args(["plugin", "update", "hooks"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", helm.version);
        let err = String::from_utf8_lossy(&out.stderr);
        let said = "update plugin hooks, got error (cannot get information about plugin source)";
        let capital = if helm.major == 3 { "Failed" } else { "failed" };
        assert!(
            err.contains(&format!("Error: {capital} to {said}")),
            "{}: {err}",
            helm.version
        );
        assert!(readme.contains(&format!("`Error: failed to {said}`")));
        if helm.major == 4 {
            let warn = "level=WARN msg=\"cannot get information about plugin source\"";
            assert!(err.contains(warn), "{err}");
            assert!(err.contains("error=\"Cannot detect VCS\""), "{err}");
            assert!(readme.contains(warn) && readme.contains("error=\"Cannot detect VCS\""));
        }
        let out = env
            .helm(&helm)
            .args(["plugin", "update", "helm-hooks"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(
            err.contains("plugin: helm-hooks not found"),
            "{}: {err}",
            helm.version
        );
        assert!(readme.contains("`plugin: helm-hooks not found`"));
        // The way out: the checkout changes, install.sh runs, Helm lists
        // the new version through its link.
        let yaml = std::fs::read_to_string(dir.join("plugin.yaml")).unwrap();
        std::fs::write(
            dir.join("plugin.yaml"),
            yaml.replace("version: 0.1.0", "version: 0.1.1"),
        )
        .unwrap();
        let st = Command::new("bash")
            .arg(dir.join("install.sh"))
            .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(
            listed_version(&env, &helm).as_deref(),
            Some("0.1.1"),
            "{}",
            helm.version
        );
        assert!(readme.contains("git -C helm-hooks pull && bash helm-hooks/install.sh"));
    }
}
