//! Shared helpers: real Helm binaries, temp Git repositories, hermetic env.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// One real Helm binary, installed by `scripts/get-helm.sh`.
#[derive(Debug, Clone)]
pub struct HelmBin {
    pub major: u32,
    pub version: &'static str,
    pub path: PathBuf,
}

fn cache_root() -> PathBuf {
    std::env::var_os("HELM_HOOKS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/helm-hooks")
        })
}

/// The single place tests find Helm: `HELM_HOOKS_HELM3`/`HELM_HOOKS_HELM4`,
/// else the cache folder `scripts/get-helm.sh` installs into. A missing
/// binary fails the test: nothing is skipped.
pub fn helm(major: u32) -> HelmBin {
    let version = match major {
        3 => "v3.17.1",
        4 => "v4.1.4",
        _ => panic!("no Helm {major} for tests"),
    };
    let path = std::env::var_os(format!("HELM_HOOKS_HELM{major}"))
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_root().join("helm").join(version).join("helm"));
    assert!(
        path.is_file(),
        "Helm {version} not found at {}: run scripts/get-helm.sh",
        path.display()
    );
    HelmBin {
        major,
        version,
        path,
    }
}

pub fn helms() -> [HelmBin; 2] {
    [helm(3), helm(4)]
}

/// A hermetic home for Helm and helm-hooks: nothing of the machine's Helm
/// configuration, plugins, cache or kube context leaks in.
pub struct Env {
    pub dir: tempfile::TempDir,
    /// The real Helm behind `counting_helm`, once asked for.
    counted: std::sync::Mutex<Option<PathBuf>>,
}

impl Env {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("hh-env-")
            .tempdir()
            .unwrap();
        // helm-hooks' temporary chart copies land here, and go with it.
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        Self {
            dir,
            counted: std::sync::Mutex::new(None),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Applies the hermetic variables to any command.
    pub fn apply(&self, cmd: &mut Command) {
        for var in [
            "HELM_NAMESPACE",
            "HELM_KUBECONTEXT",
            "KUBECONFIG",
            "HELM_BIN",
            "HELM_DEBUG",
            "NO_COLOR",
            "GIT_DIR",
            "HELM_DRIVER",
            // Who ran it: a CI job, when these say so (tests set them).
            "CI",
            "GITHUB_RUN_ID",
            "GITHUB_SERVER_URL",
            "GITHUB_REPOSITORY",
            "CI_JOB_ID",
            "CI_JOB_URL",
            // The forge a CI job comments on (`helm hooks comment`).
            "GITHUB_ACTIONS",
            "GITHUB_API_URL",
            "GITHUB_EVENT_PATH",
            "GITHUB_EVENT_NAME",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITLAB_CI",
            "CI_API_V4_URL",
            "CI_PROJECT_ID",
            "CI_MERGE_REQUEST_IID",
            "GITLAB_TOKEN",
            "CI_JOB_TOKEN",
            "HELM_HOOKS_NO_CLUSTER_RECORD",
            "HELM_HOOKS_HISTORY_MAX",
        ] {
            cmd.env_remove(var);
        }
        let d = self.dir.path();
        cmd.env("HOME", d.join("home"))
            .env("HELM_CACHE_HOME", d.join("cache"))
            .env("HELM_CONFIG_HOME", d.join("config"))
            .env("HELM_DATA_HOME", d.join("data"))
            .env("HELM_PLUGINS", d.join("data/plugins"))
            .env("XDG_CACHE_HOME", d.join("xdg-cache"))
            .env("XDG_DATA_HOME", d.join("xdg-data"))
            .env("XDG_CONFIG_HOME", d.join("xdg-config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("TERM", "dumb")
            .env("TZ", "UTC")
            .env("TMPDIR", d.join("tmp"));
        if let Some(real) = self.counted.lock().unwrap().as_ref() {
            cmd.env("COUNTING_HELM_REAL", real)
                .env("COUNTING_HELM_LOG", self.path("helm-calls.log"));
        }
    }

    /// The helm-hooks binary, run with `helm` as its Helm.
    pub fn hooks(&self, helm: &HelmBin) -> assert_cmd::Command {
        let mut std_cmd = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
        self.apply(&mut std_cmd);
        std_cmd.env("HELM_BIN", &helm.path);
        assert_cmd::Command::from_std(std_cmd)
    }

    /// A stand-in for the real `helm` (the compiled `counting-helm` of
    /// this workspace) that logs each call's first word (`template`,
    /// `list`, ...) to the returned file, then runs the real one: tests
    /// count Helm processes with it, Helm itself stays real.
    pub fn counting_helm(&self, helm: &HelmBin) -> (HelmBin, PathBuf) {
        *self.counted.lock().unwrap() = Some(helm.path.clone());
        let counting = HelmBin {
            path: counting_helm_bin(),
            ..helm.clone()
        };
        (counting, self.path("helm-calls.log"))
    }

    /// The real Helm binary itself.
    pub fn helm(&self, helm: &HelmBin) -> Command {
        let mut cmd = Command::new(&helm.path);
        self.apply(&mut cmd);
        cmd
    }
}

/// A temporary Git repository driven with the real `git`.
pub struct GitRepo {
    pub dir: tempfile::TempDir,
}

impl GitRepo {
    pub fn new() -> Self {
        let repo = Self {
            dir: tempfile::Builder::new()
                .prefix("hh-repo-")
                .tempdir()
                .unwrap(),
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn write(&self, rel: &str, content: &str) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.path().join(rel)).unwrap();
        self
    }

    /// Commits everything; returns the commit's sha.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn tag(&self, name: &str) {
        self.git(&["tag", name]);
    }
}

/// `Chart.yaml` of a minimal chart.
pub fn chart_yaml(name: &str) -> String {
    format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
}

/// A hook document.
pub fn hook(
    kind: &str,
    name: &str,
    events: &str,
    weight: Option<&str>,
    policy: Option<&str>,
) -> String {
    let api = match kind {
        "Job" => "batch/v1",
        "Role" | "RoleBinding" => "rbac.authorization.k8s.io/v1",
        _ => "v1",
    };
    let mut s = format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n"
    );
    if let Some(w) = weight {
        s.push_str(&format!("    helm.sh/hook-weight: {w:?}\n"));
    }
    if let Some(p) = policy {
        s.push_str(&format!("    helm.sh/hook-delete-policy: {p}\n"));
    }
    if kind == "Job" {
        s.push_str("spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: busybox\n");
    }
    s
}

pub fn json(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(output)))
}

/// `(event, kind/name)` of each hook run of one operation in a plan.
pub fn runs(plan: &serde_json::Value, op: &str) -> Vec<(String, String)> {
    plan["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == op)
        .unwrap_or_else(|| panic!("no {op} in plan"))["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["type"] == "hook")
        .map(|s| {
            (
                s["event"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}",
                    s["kind"].as_str().unwrap(),
                    s["name"].as_str().unwrap()
                ),
            )
        })
        .collect()
}

/// The hooks of a plan's install timeline, `KIND/NAME` in order.
pub fn install_hook_names(plan: &serde_json::Value) -> Vec<String> {
    runs(plan, "install").into_iter().map(|(_, h)| h).collect()
}

/// `out` of a command that must have succeeded (its stderr says why not).
pub fn succeeded(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What a command printed: its stdout, then its stderr.
pub fn printed(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The one `error:` line of a failed run (exit 1, nothing on stdout).
pub fn one_line_error(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "no data on error");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    the_error_line(&stderr).to_string()
}

/// The one `error: ` line of `text` (a command's stderr, a CI job's log).
pub fn the_error_line(text: &str) -> &str {
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "exactly one error line: {text}");
    errors[0]
}

/// A static file server on loopback (a Helm chart repository: `index.yaml`
/// and packaged charts), stopped when dropped. Counts the requests served.
pub struct FileServer {
    pub url: String,
    pub hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileServer {
    pub fn start(root: &Path) -> Self {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (root, h, s) = (root.to_path_buf(), hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(stream);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                // Headers up to the blank line; GET has no body.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                h.fetch_add(1, Ordering::SeqCst);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let file = root.join(path.trim_start_matches('/'));
                let mut stream = reader.into_inner();
                let _ = match std::fs::read(&file) {
                    Ok(body) => stream
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .and_then(|_| stream.write_all(&body)),
                    Err(_) => stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                };
            }
        });
        Self {
            url,
            hits,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// An OCI registry on loopback: Debian's `docker-registry` (the CNCF
/// distribution registry, which `scripts/test.sh` installs), started by
/// the test on a free port and stopped when dropped.
pub struct Registry {
    child: std::process::Child,
    pub host: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    pub fn start() -> Self {
        let bin = Path::new("/usr/bin/docker-registry");
        assert!(
            bin.is_file(),
            "{} is missing: scripts/test.sh installs Debian's docker-registry",
            bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("hh-oci-")
            .tempdir()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let host = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let mut child = std::process::Command::new(bin)
            .arg("serve")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Bounded: up to 10 s for the port to answer.
        for _ in 0..200 {
            if std::net::TcpStream::connect(&host).is_ok() {
                return Self {
                    child,
                    host,
                    _dir: dir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the registry did not listen on {host}");
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/<profile>/counting-helm`, beside this test binary's `deps/`.
fn counting_helm_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("counting-helm");
    assert!(
        bin.is_file(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        bin.display()
    );
    bin
}

/// Every file and folder under `dir`, with its permission bits.
pub fn walk_files(dir: &std::path::Path, out: &mut Vec<(PathBuf, u32, bool)>) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = e.metadata().unwrap();
        out.push((e.path(), meta.permissions().mode() & 0o777, meta.is_dir()));
        if meta.is_dir() {
            walk_files(&e.path(), out);
        }
    }
}

/// One HTTP/1.1 request on loopback, std only: `(status, headers, body)`.
/// Header names come back lower-cased, one `name: value` per line.
pub fn http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = memchr::memmem::find(&raw, b"\r\n\r\n").expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers = head
        .lines()
        .skip(1)
        .map(|l| match l.split_once(':') {
            Some((k, v)) => format!("{}:{v}", k.to_ascii_lowercase()),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (status, headers, raw[split + 4..].to_vec())
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Registry {
    /// Uploads one blob (POST, then PUT with its digest, as the
    /// distribution API has it); returns its OCI descriptor.
    fn push_blob(&self, repo: &str, media_type: &str, data: &[u8]) -> serde_json::Value {
        let digest = format!("sha256:{}", sha256_hex(data));
        let (status, headers, _) = http(
            &self.host,
            "POST",
            &format!("/v2/{repo}/blobs/uploads/"),
            &[],
            b"",
        );
        assert_eq!(status, 202, "blob upload start: {headers}");
        let location = headers
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .expect("a Location header")
            .to_string();
        // Location may be absolute; the path is what the server wants.
        let path = match location.find("/v2/") {
            Some(i) => location[i..].to_string(),
            None => location,
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let (status, headers, _) = http(
            &self.host,
            "PUT",
            &format!("{path}{sep}digest={digest}"),
            &[("Content-Type", "application/octet-stream")],
            data,
        );
        assert_eq!(status, 201, "blob upload: {headers}");
        serde_json::json!({ "mediaType": media_type, "digest": digest, "size": data.len() })
    }

    /// Pushes a Helm 4 plugin artifact as `oras push --artifact-type
    /// application/vnd.helm.plugin.v1+json` would: an OCI image manifest of
    /// that artifact type, an empty config, and one layer per file titled
    /// with its name (`NAME-VERSION.tgz`, `NAME-VERSION.tgz.prov`), which is
    /// how Helm 4 finds them.
    pub fn push_plugin(&self, repo: &str, tag: &str, files: &[(&str, &str, &[u8])]) {
        let config = self.push_blob(repo, "application/vnd.oci.empty.v1+json", b"{}");
        let layers: Vec<_> = files
            .iter()
            .map(|(title, media_type, data)| {
                let mut d = self.push_blob(repo, media_type, data);
                d["annotations"] = serde_json::json!({ "org.opencontainers.image.title": title });
                d
            })
            .collect();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.helm.plugin.v1+json",
            "config": config,
            "layers": layers,
        });
        let (status, headers, body) = http(
            &self.host,
            "PUT",
            &format!("/v2/{repo}/manifests/{tag}"),
            &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
            &serde_json::to_vec(&manifest).unwrap(),
        );
        assert_eq!(
            status,
            201,
            "manifest: {headers}\n{}",
            String::from_utf8_lossy(&body)
        );
    }
}

/// This machine as the release archives name platforms (`linux-amd64`)
/// and the Rust target `scripts/package.sh` takes for it.
pub fn release_platform() -> (String, String) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let (arch, cpu) = match std::env::consts::ARCH {
        "x86_64" => ("amd64", "x86_64"),
        "aarch64" => ("arm64", "aarch64"),
        other => panic!("no release archive for {other}"),
    };
    let target = match os {
        "darwin" => format!("{cpu}-apple-darwin"),
        _ => format!("{cpu}-unknown-linux-gnu"),
    };
    (format!("{os}-{arch}"), target)
}

/// A release as the release workflow publishes it, made once per test run
/// by `scripts/package.sh` for this machine: `dir` holds
/// `hooks-VERSION-OS-ARCH.tgz`, `SHA256SUMS` and the `.prov` signed with a
/// throwaway GnuPG key whose public keyring is `keyring`. The binary packed
/// is the one under test, debug info stripped as the release profile does
/// (so it weighs what a release binary weighs).
pub struct Release {
    pub dir: PathBuf,
    pub name: String,
    pub keyring: PathBuf,
    pub binary: PathBuf,
}

pub fn release() -> &'static Release {
    static RELEASE: std::sync::OnceLock<Release> = std::sync::OnceLock::new();
    RELEASE.get_or_init(make_release)
}

fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn make_release() -> Release {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("release");
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join("dist");
    std::fs::create_dir_all(&dir).unwrap();
    let binary = root.join("helm-hooks");
    run_ok(
        Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&binary)
            .arg(assert_cmd::cargo::cargo_bin!("helm-hooks")),
    );
    // A short GNUPGHOME: gpg-agent's socket path has a length limit.
    let gnupg = tempfile::Builder::new()
        .prefix("hh-gpg-")
        .tempdir()
        .unwrap();
    let gpg = |args: &[&str]| {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", gnupg.path())
            .args(["--batch", "--quiet"])
            .args(args);
        run_ok(&mut cmd)
    };
    let uid = "helm-hooks test <release-test@example.invalid>";
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        uid,
        "ed25519",
        "sign",
        "1d",
    ]);
    let keyring = root.join("keyring.gpg");
    std::fs::write(&keyring, gpg(&["--export", uid]).stdout).unwrap();
    let (platform, target) = release_platform();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    run_ok(
        Command::new("bash")
            .arg(repo.join("scripts/package.sh"))
            .arg(&target)
            .env("HELM_HOOKS_BINARY", &binary)
            .env("HELM_HOOKS_DIST", &dir)
            .env("HELM_HOOKS_GPG_KEY", uid)
            .env("GNUPGHOME", gnupg.path()),
    );
    // The agent gpg started is this run's to stop.
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", gnupg.path())
        .args(["--kill", "gpg-agent"])
        .status();
    Release {
        name: format!("hooks-{}-{platform}.tgz", env!("CARGO_PKG_VERSION")),
        dir,
        keyring,
        binary,
    }
}

impl Release {
    pub fn archive(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// A copy of the release in `to`, each file passed through `edit`
    /// (file name, bytes) -> new bytes, or None to leave it out.
    pub fn copy_to(&self, to: &Path, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(&self.dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(data) = edit(&name, std::fs::read(e.path()).unwrap()) {
                std::fs::write(to.join(&name), data).unwrap();
            }
        }
    }
}

/// One request the fake forge received.
#[derive(Debug, Clone)]
pub struct ForgeRequest {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl ForgeRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `body` of the JSON the request sent.
    pub fn comment_body(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.body).unwrap();
        v["body"].as_str().unwrap().to_string()
    }
}

/// The state of the fake forge: its comments (id, body, system note) and
/// every request in order.
#[derive(Debug, Default)]
pub struct ForgeState {
    pub comments: Vec<(u64, String, bool)>,
    pub requests: Vec<ForgeRequest>,
    /// When set, every request is answered with this status and message.
    pub fail: Option<(u16, String)>,
}

impl ForgeState {
    /// (method, path) of each request that was not a read.
    pub fn writes(&self) -> Vec<(&str, &str)> {
        self.requests
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect()
    }
}

/// A forge's comment API on loopback, as much of it as `helm hooks
/// comment` uses, for GitHub and GitLab alike (the paths differ, the
/// shapes match): GET lists the comments two per page with a `Link: rel=
/// "next"` header, POST creates one, PATCH (GitHub) or PUT (GitLab) on
/// `.../ID` replaces one's body. Records every request; stopped when dropped.
pub struct FakeForge {
    pub url: String,
    pub state: std::sync::Arc<std::sync::Mutex<ForgeState>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeForge {
    pub const PAGE: usize = 2;

    pub fn start() -> Self {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = std::sync::Arc::new(std::sync::Mutex::new(ForgeState::default()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (st, s, base) = (state.clone(), stop.clone(), url.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                Self::serve(stream, &st, &base);
            }
        });
        Self {
            url,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn serve(stream: std::net::TcpStream, state: &std::sync::Mutex<ForgeState>, base: &str) {
        use std::io::{BufRead, BufReader, Read, Write};
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut first = String::new();
        if reader.read_line(&mut first).is_err() {
            return;
        }
        let mut parts = first.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("/").to_string(),
        );
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) <= 2 {
                break;
            }
            if let Some((n, v)) = line.trim_end().split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let request = ForgeRequest {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        let (status, extra, answer) = Self::answer(&request, state, base);
        state.lock().unwrap().requests.push(request);
        let mut stream = reader.into_inner();
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{answer}",
                answer.len()
            )
            .as_bytes(),
        );
    }

    fn answer(
        r: &ForgeRequest,
        state: &std::sync::Mutex<ForgeState>,
        base: &str,
    ) -> (u16, String, String) {
        let mut st = state.lock().unwrap();
        if let Some((status, message)) = &st.fail {
            return (
                *status,
                String::new(),
                serde_json::json!({ "message": message }).to_string(),
            );
        }
        let (route, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
        match r.method.as_str() {
            "GET" => {
                let page: usize = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("page="))
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1);
                let items: Vec<serde_json::Value> = st
                    .comments
                    .iter()
                    .skip((page - 1) * Self::PAGE)
                    .take(Self::PAGE)
                    .map(|(id, body, system)| {
                        serde_json::json!({ "id": id, "body": body, "system": system })
                    })
                    .collect();
                let rest: Vec<&str> = query
                    .split('&')
                    .filter(|kv| !kv.starts_with("page="))
                    .collect();
                let link = match page * Self::PAGE < st.comments.len() {
                    true => format!(
                        "Link: <{base}{route}?{}&page={}>; rel=\"next\"\r\n",
                        rest.join("&"),
                        page + 1
                    ),
                    false => String::new(),
                };
                (200, link, serde_json::Value::from(items).to_string())
            }
            "POST" => {
                let id = 1000 + st.comments.len() as u64;
                st.comments.push((id, r.comment_body(), false));
                (
                    201,
                    String::new(),
                    serde_json::json!({ "id": id }).to_string(),
                )
            }
            "PATCH" | "PUT" => {
                let id: u64 = route.rsplit('/').next().unwrap().parse().unwrap();
                let body = r.comment_body();
                match st.comments.iter_mut().find(|c| c.0 == id) {
                    Some(c) => {
                        c.1 = body;
                        (
                            200,
                            String::new(),
                            serde_json::json!({ "id": id }).to_string(),
                        )
                    }
                    None => (404, String::new(), r#"{"message":"Not Found"}"#.into()),
                }
            }
            _ => (405, String::new(), "{}".into()),
        }
    }
}

impl Drop for FakeForge {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
