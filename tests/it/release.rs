//! Installing from a release: the archive `scripts/package.sh` makes for
//! this machine, served from loopback, installed by the real Helm 3.17.1
//! and 4.1.4 through install.sh (no Rust toolchain), by URL with its
//! provenance and from an OCI registry (Helm 4); the version check the
//! release workflow runs.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A source checkout as `git clone` gives it, without a binary: the plugin
/// files and (stand-in) sources, so install.sh could build if it had to.
fn checkout(root: &Path) -> PathBuf {
    let dir = root.join("helm-hooks");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for f in ["plugin.yaml", "install.sh", "plugin.complete"] {
        std::fs::copy(repo().join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("man")).unwrap();
    for page in std::fs::read_dir(repo().join("man")).unwrap() {
        let page = page.unwrap();
        std::fs::copy(page.path(), dir.join("man").join(page.file_name())).unwrap();
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"helm-hooks\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    dir
}

/// Helm with no cargo anywhere it could be found (PATH, ~/.cargo), and
/// loopback reached directly whatever proxy the machine has.
fn helm_without_cargo(env: &Env, helm: &HelmBin) -> Command {
    let mut cmd = env.helm(helm);
    cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env_remove("CARGO_HOME")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("HELM_HOOKS_ARCHIVE")
        .env_remove("HELM_HOOKS_BUILD")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// install.sh's own lines on stderr (Helm adds its `Error: ...` line).
fn our_error_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("helm-hooks:"))
        .map(str::to_string)
        .collect()
}

fn listed(env: &Env, helm: &HelmBin) -> Option<String> {
    let out = env.helm(helm).args(["plugin", "list"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.split_whitespace().next() == Some("hooks"))
        .map(str::to_string)
}

/// `helm hooks --help` through Helm answers with the plugin's help.
fn assert_helm_hooks_runs(env: &Env, helm: &HelmBin) {
    let out = env.helm(helm).args(["hooks", "--help"]).output().unwrap();
    assert!(out.status.success(), "{}: {}", helm.version, text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("helm hooks plan"),
        "{}: {}",
        helm.version,
        text(&out)
    );
}

/// A failed install left nothing: not listed, no binary in the checkout,
/// and install.sh said why in exactly one line containing `what`.
fn assert_nothing_installed(env: &Env, helm: &HelmBin, dir: &Path, out: &Output, what: &str) {
    assert!(!out.status.success(), "{}: {}", helm.version, text(out));
    let lines = our_error_lines(out);
    assert_eq!(lines.len(), 1, "{}: one line: {}", helm.version, text(out));
    assert!(
        lines[0].contains(what) && lines[0].contains("nothing was installed"),
        "{}: {}",
        helm.version,
        lines[0]
    );
    assert_eq!(
        listed(env, helm),
        None,
        "{}: still registered",
        helm.version
    );
    assert!(!dir.join("bin/helm-hooks").exists(), "{}", helm.version);
}

#[test]
fn a_checkout_installs_the_release_binary_in_seconds_without_cargo() {
    let release = release();
    let server = FileServer::start(&release.dir);
    let packed = std::fs::read(&release.binary).unwrap();
    for helm in helms() {
        let env = Env::new();
        let dir = checkout(&env.path("src"));
        let started = Instant::now();
        let out = helm_without_cargo(&env, &helm)
            .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
            .args(["plugin", "install"])
            .arg(&dir)
            .output()
            .unwrap();
        let took = started.elapsed();
        eprintln!(
            "helm {} plugin install from a release: {took:.2?}",
            helm.version
        );
        assert!(out.status.success(), "{}: {}", helm.version, text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!(
                "from {}/{} (sha256 checked)",
                server.url, release.name
            )),
            "{}: {}",
            helm.version,
            text(&out)
        );
        assert!(
            std::fs::read(dir.join("bin/helm-hooks")).unwrap() == packed,
            "{}: the released binary is installed",
            helm.version
        );
        assert_helm_hooks_runs(&env, &helm);
        // The man pages came with it, where man finds a user's own.
        let page = env.path("xdg-data/man/man1/helm-hooks-plan.1");
        assert!(page.is_file(), "{}: no {}", helm.version, page.display());
        // Run again (as `helm plugin update` would): that version is
        // there, nothing is downloaded.
        let hits = server.hits.load(std::sync::atomic::Ordering::SeqCst);
        let out = Command::new("bash")
            .arg(dir.join("install.sh"))
            .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!(
                "helm-hooks: {}/bin/helm-hooks is already {VERSION}",
                dir.display()
            )
        );
        assert_eq!(
            server.hits.load(std::sync::atomic::Ordering::SeqCst),
            hits,
            "nothing downloaded"
        );
    }
}

#[test]
fn a_corrupted_archive_or_a_missing_checksum_line_installs_nothing() {
    let release = release();
    let name = release.name.clone();
    for helm in helms() {
        for (case, what) in [
            ("corrupted", "checksum mismatch for"),
            ("unlisted", "has no line for"),
            ("no-sums", "no SHA256SUMS beside"),
        ] {
            let env = Env::new();
            let served = env.path("served");
            release.copy_to(&served, |file, mut data| match (case, file) {
                ("corrupted", f) if f == name => {
                    let mid = data.len() / 2;
                    data[mid] ^= 0xff;
                    Some(data)
                }
                ("unlisted", "SHA256SUMS") => Some(
                    String::from_utf8(data)
                        .unwrap()
                        .lines()
                        .filter(|l| !l.ends_with(&name))
                        .map(|l| format!("{l}\n"))
                        .collect::<String>()
                        .into_bytes(),
                ),
                ("no-sums", "SHA256SUMS") => None,
                _ => Some(data),
            });
            let server = FileServer::start(&served);
            let dir = checkout(&env.path("src"));
            let out = helm_without_cargo(&env, &helm)
                .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
                .args(["plugin", "install"])
                .arg(&dir)
                .output()
                .unwrap();
            assert_nothing_installed(&env, &helm, &dir, &out, what);
        }
    }
}

/// A stand-in `cargo` on PATH: records its arguments, then "builds" the
/// binary under test where cargo would put it.
fn stand_in_cargo(bin_dir: &Path, log: &Path) {
    std::fs::create_dir_all(bin_dir).unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\nmkdir -p target/release\ncp '{}' target/release/helm-hooks\n",
        log.display(),
        release().binary.display()
    );
    let cargo = bin_dir.join("cargo");
    std::fs::write(&cargo, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Helm as [`helm_without_cargo`], but with [`stand_in_cargo`] first on
/// PATH; the file where the stand-in records its calls.
fn helm_with_stand_in_cargo(env: &Env, helm: &HelmBin) -> (Command, PathBuf) {
    let (bin_dir, log) = (env.path("cargo-bin"), env.path("cargo.log"));
    stand_in_cargo(&bin_dir, &log);
    let mut cmd = helm_without_cargo(env, helm);
    cmd.env(
        "PATH",
        format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display()),
    );
    (cmd, log)
}

/// A release server with no archive: every download is a 404.
fn no_archive_server(env: &Env) -> FileServer {
    let empty = env.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    FileServer::start(&empty)
}

#[test]
fn no_archive_for_this_version_falls_back_to_the_build() {
    for helm in helms() {
        let env = Env::new();
        let server = no_archive_server(&env);
        let dir = checkout(&env.path("src"));
        let (mut helm_cmd, log) = helm_with_stand_in_cargo(&env, &helm);
        let out = helm_cmd
            .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
            .args(["plugin", "install"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", helm.version, text(&out));
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "build --release --locked --bin helm-hooks\n",
            "{}",
            helm.version
        );
        let notice = our_error_lines(&out);
        assert!(
            notice.len() == 1 && notice[0].contains("404") && notice[0].contains("building"),
            "{}: {}",
            helm.version,
            text(&out)
        );
        assert_helm_hooks_runs(&env, &helm);
    }
}

#[test]
fn helm_hooks_build_never_fails_rather_than_build() {
    let env = Env::new();
    let server = no_archive_server(&env);
    let dir = checkout(&env.path("src"));
    let helm = helm(4);
    let (mut helm_cmd, log) = helm_with_stand_in_cargo(&env, &helm);
    let out = helm_cmd
        .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
        .env("HELM_HOOKS_BUILD", "never")
        .args(["plugin", "install"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_nothing_installed(&env, &helm, &dir, &out, "HELM_HOOKS_BUILD=never");
    assert!(!log.exists(), "cargo was not called");
}

#[test]
fn helm_hooks_archive_installs_offline() {
    let release = release();
    for helm in helms() {
        let env = Env::new();
        // Nothing listens there: any download attempt would fail.
        let offline = "http://127.0.0.1:9/nowhere";
        let dir = checkout(&env.path("src"));
        let out = helm_without_cargo(&env, &helm)
            .env("HELM_HOOKS_DOWNLOAD_URL", offline)
            .env("HELM_HOOKS_ARCHIVE", release.archive())
            .args(["plugin", "install"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", helm.version, text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("(sha256 checked against"),
            "{}",
            text(&out)
        );
        assert_helm_hooks_runs(&env, &helm);

        // Without a SHA256SUMS beside it, installed and said so; with one
        // that disagrees, refused.
        for (sums, ok) in [(None, true), (Some("0".repeat(64)), false)] {
            let env = Env::new();
            let alone = env.path("alone");
            std::fs::create_dir_all(&alone).unwrap();
            std::fs::copy(release.archive(), alone.join(&release.name)).unwrap();
            if let Some(sum) = &sums {
                std::fs::write(
                    alone.join("SHA256SUMS"),
                    format!("{sum}  {}\n", release.name),
                )
                .unwrap();
            }
            let dir = checkout(&env.path("src"));
            let out = helm_without_cargo(&env, &helm)
                .env("HELM_HOOKS_DOWNLOAD_URL", offline)
                .env("HELM_HOOKS_ARCHIVE", alone.join(&release.name))
                .args(["plugin", "install"])
                .arg(&dir)
                .output()
                .unwrap();
            if ok {
                assert!(out.status.success(), "{}: {}", helm.version, text(&out));
                assert!(
                    String::from_utf8_lossy(&out.stdout)
                        .contains("(unchecked: no SHA256SUMS beside it)"),
                    "{}",
                    text(&out)
                );
            } else {
                assert_nothing_installed(&env, &helm, &dir, &out, "checksum mismatch");
            }
        }
    }
}

/// The archive extracted is a plugin directory: Helm 3.17 (which cannot
/// install an archive whose plugin sits in a folder) and Helm 4 install it
/// as one, offline, and install.sh finds its binary already in place.
#[test]
fn the_extracted_archive_installs_as_a_directory_on_both_helms() {
    let release = release();
    for helm in helms() {
        let env = Env::new();
        let into = env.path("extracted");
        std::fs::create_dir_all(&into).unwrap();
        let st = Command::new("tar")
            .arg("-xzf")
            .arg(release.archive())
            .arg("-C")
            .arg(&into)
            .status()
            .unwrap();
        assert!(st.success());
        let out = helm_without_cargo(&env, &helm)
            .env("HELM_HOOKS_DOWNLOAD_URL", "http://127.0.0.1:9/nowhere")
            .args(["plugin", "install"])
            .arg(into.join("hooks"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", helm.version, text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!("is already {VERSION}")),
            "{}",
            text(&out)
        );
        assert_helm_hooks_runs(&env, &helm);
    }
}

#[test]
fn helm4_installs_the_signed_archive_by_url_and_refuses_one_changed_byte() {
    let release = release();
    let helm = helm(4);
    let env = Env::new();
    let server = FileServer::start(&release.dir);
    let url = format!("{}/{}", server.url, release.name);
    let out = helm_without_cargo(&env, &helm)
        .args(["plugin", "install", &url, "--keyring"])
        .arg(&release.keyring)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Signed by: helm-hooks test <release-test@example.invalid>")
            && stdout.contains("Plugin Hash Verified: sha256:")
            && stdout.contains(&format!("is already {VERSION}")),
        "{}",
        text(&out)
    );
    // Helm fetched the archive and its .prov; install.sh fetched nothing.
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    let line = listed(&env, &helm).expect("listed");
    assert!(
        line.contains(VERSION) && line.split_whitespace().any(|w| w == "signed"),
        "{line}"
    );
    assert_helm_hooks_runs(&env, &helm);

    // One byte changed, the same .prov: refused, nothing installed.
    let env = Env::new();
    let served = env.path("served");
    let name = release.name.clone();
    release.copy_to(&served, |file, mut data| {
        if file == name {
            let last = data.len() - 1;
            data[last] ^= 0x01;
        }
        Some(data)
    });
    let server = FileServer::start(&served);
    let out = helm_without_cargo(&env, &helm)
        .args([
            "plugin",
            "install",
            &format!("{}/{}", server.url, release.name),
            "--keyring",
        ])
        .arg(&release.keyring)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sha256 sum does not match"),
        "{}",
        text(&out)
    );
    assert_eq!(listed(&env, &helm), None);
    assert!(!env.path("data/plugins/hooks").exists());
}

#[test]
fn helm4_installs_the_archive_from_an_oci_registry() {
    let release = release();
    let helm = helm(4);
    let env = Env::new();
    let registry = Registry::start();
    let tgz = std::fs::read(release.archive()).unwrap();
    let prov = std::fs::read(release.dir.join(format!("{}.prov", release.name))).unwrap();
    let (platform, _) = release_platform();
    let tag = format!("{VERSION}-{platform}");
    registry.push_plugin(
        "helm-plugins/hooks",
        &tag,
        &[
            (
                format!("hooks-{VERSION}.tgz").as_str(),
                "application/vnd.oci.image.layer.v1.tar+gzip",
                tgz.as_slice(),
            ),
            (
                format!("hooks-{VERSION}.tgz.prov").as_str(),
                "application/vnd.oci.image.layer.v1.tar",
                prov.as_slice(),
            ),
        ],
    );
    let started = Instant::now();
    let out = helm_without_cargo(&env, &helm)
        .args([
            "plugin",
            "install",
            &format!("oci://{}/helm-plugins/hooks:{tag}", registry.host),
            "--plain-http",
            "--keyring",
        ])
        .arg(&release.keyring)
        .output()
        .unwrap();
    eprintln!(
        "helm {} plugin install oci://: {:.2?}",
        helm.version,
        started.elapsed()
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Plugin Hash Verified: sha256:"),
        "{}",
        text(&out)
    );
    let line = listed(&env, &helm).expect("listed");
    assert!(
        line.contains(VERSION) && line.split_whitespace().any(|w| w == "signed"),
        "{line}"
    );
    assert_helm_hooks_runs(&env, &helm);
}

#[test]
fn package_sh_is_reproducible_and_lays_out_a_plugin() {
    let env = Env::new();
    let (platform, target) = release_platform();
    let name = format!("hooks-{VERSION}-{platform}.tgz");
    // A small stand-in binary: what is checked here is the packing.
    let binary = env.path("helm-hooks");
    std::fs::write(&binary, "#!/bin/sh\necho 0.1.0\n").unwrap();
    let package = |dist: &str, umask: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("umask {umask} && exec bash \"$0\" \"$1\"",))
            .arg(repo().join("scripts/package.sh"))
            .arg(&target)
            .env("HELM_HOOKS_BINARY", &binary)
            .env("HELM_HOOKS_DIST", env.path(dist))
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env_remove("HELM_HOOKS_GPG_KEY")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        std::fs::read(env.path(dist).join(&name)).unwrap()
    };
    let a = package("a", "022");
    let b = package("b", "077");
    assert!(a == b, "same bytes from the same inputs");
    let sums = std::fs::read_to_string(env.path("a/SHA256SUMS")).unwrap();
    assert_eq!(sums, format!("{}  {name}\n", sha256_hex(&a)));
    let out = Command::new("tar")
        .args(["-tvzf"])
        .arg(env.path("a").join(&name))
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    let entries: Vec<(&str, &str)> = listing
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f[1], "0/0", "owner: {l}");
            assert_eq!(
                format!("{} {}", f[3], f[4]),
                "2023-11-14 22:13",
                "time: {l}"
            );
            (f[0], f[5])
        })
        .collect();
    let names: Vec<&str> = entries.iter().map(|e| e.1).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted entries");
    for (mode, path) in [
        ("drwxr-xr-x", "hooks/"),
        ("-rw-r--r--", "hooks/plugin.yaml"),
        ("-rwxr-xr-x", "hooks/install.sh"),
        ("-rwxr-xr-x", "hooks/plugin.complete"),
        ("-rwxr-xr-x", "hooks/bin/helm-hooks"),
        ("-rw-r--r--", "hooks/LICENSE"),
        ("-rw-r--r--", "hooks/README.md"),
        ("-rw-r--r--", "hooks/completions/helm-hooks.bash"),
    ] {
        assert!(
            entries.contains(&(mode, path)),
            "{mode} {path} in:\n{listing}"
        );
    }
}

#[test]
fn check_version_wants_one_version_everywhere() {
    let env = Env::new();
    let tree = env.path("tree");
    std::fs::create_dir_all(tree.join("scripts")).unwrap();
    for f in [
        "Cargo.toml",
        "Cargo.lock",
        "plugin.yaml",
        "install.sh",
        "scripts/check-version.sh",
    ] {
        std::fs::copy(repo().join(f), tree.join(f)).unwrap();
    }
    let check = |tag: Option<&str>| {
        let mut cmd = Command::new("bash");
        cmd.arg(tree.join("scripts/check-version.sh"));
        cmd.args(tag);
        cmd.output().unwrap()
    };
    let tag = format!("v{VERSION}");
    assert!(check(None).status.success(), "{}", text(&check(None)));
    assert!(check(Some(&tag)).status.success());
    let out = check(Some("v9.9.9"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tag v9.9.9") && err.contains("versions differ"),
        "{err}"
    );
    // plugin.yaml alone moves on: refused with and without a tag.
    let yaml = std::fs::read_to_string(tree.join("plugin.yaml")).unwrap();
    std::fs::write(
        tree.join("plugin.yaml"),
        yaml.replace(&format!("version: {VERSION}"), "version: 9.9.9"),
    )
    .unwrap();
    let out = check(None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plugin.yaml 9.9.9"));
    assert_eq!(check(Some("v9.9.9")).status.code(), Some(1));
}

/// Where curl and sha256sum are missing (a minimal image, macOS without
/// coreutils), install.sh downloads with wget and checks with
/// `shasum -a 256`.
#[test]
fn install_sh_falls_back_to_wget_and_shasum() {
    let release = release();
    let server = FileServer::start(&release.dir);
    let env = Env::new();
    let tools = env.path("tools");
    std::fs::create_dir_all(&tools).unwrap();
    for tool in [
        "sh", "bash", "sed", "head", "tail", "mktemp", "uname", "awk", "wget", "shasum", "perl",
        "tar", "gzip", "mkdir", "cp", "chmod", "mv", "rm", "dirname", "basename",
    ] {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} is not installed"));
        std::os::unix::fs::symlink(found, tools.join(tool)).unwrap();
    }
    let dir = checkout(&env.path("src"));
    let out = Command::new(tools.join("bash"))
        .arg(dir.join("install.sh"))
        .env_clear()
        .env("PATH", &tools)
        .env("HOME", env.path("home"))
        .env("TMPDIR", env.path("tmp"))
        .env("HELM_HOOKS_DOWNLOAD_URL", &server.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(sha256 checked)"),
        "{}",
        text(&out)
    );
    assert!(
        std::fs::read(dir.join("bin/helm-hooks")).unwrap()
            == std::fs::read(&release.binary).unwrap()
    );
}
