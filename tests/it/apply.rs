//! `helm hooks apply` and its audit log, against the test cluster with the
//! real Helm 3.17.1 and 4.1.4.

use crate::cluster::cluster;
use crate::common::*;
use serde_json::Value;
use std::process::{Command, Output};
use std::time::Duration;

/// A Job hook whose pod the simulated node plays out as told.
pub(crate) fn job(
    name: &str,
    events: &str,
    weight: i32,
    exit: i32,
    duration: &str,
    log: &str,
) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  annotations:
    helm.sh/hook: {events}
    helm.sh/hook-weight: "{weight}"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        kubelet-sim/exit-code: "{exit}"
        kubelet-sim/duration: {duration}
        kubelet-sim/log: {log:?}
    spec:
      restartPolicy: Never
      containers: [{{name: main, image: busybox}}]
"#
    )
}

fn pod(name: &str, events: &str, log: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations:
    helm.sh/hook: {events}
    kubelet-sim/duration: 300ms
    kubelet-sim/log: {log:?}
spec:
  restartPolicy: Never
  containers: [{{name: main, image: busybox}}]
"#
    )
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n";

/// A repository whose first commit installs cleanly and whose second adds
/// a pre-upgrade hook.
fn chart_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write("app/templates/cm.yaml", CONFIGMAP);
    repo.write(
        "app/templates/hooks.yaml",
        &[
            job(
                "migrate",
                "pre-install,pre-upgrade",
                0,
                0,
                "500ms",
                "migrating\nmigrated",
            ),
            job(
                "notify",
                "post-install,post-upgrade",
                5,
                0,
                "200ms",
                "notified",
            ),
            pod("warmup", "post-install,post-upgrade", "warm"),
        ]
        .join("---\n"),
    );
    repo.commit("v1");
    repo.write(
        "app/templates/backup.yaml",
        &job("backup", "pre-upgrade", -10, 0, "300ms", "backed up"),
    );
    repo.commit("v2: back up before upgrades");
    repo
}

/// Drives the binary against one namespace of the test cluster (shared
/// with the local-hooks tests).
pub(crate) struct Apply {
    pub(crate) env: Env,
    pub(crate) helm: HelmBin,
    pub(crate) ns: String,
}

impl Apply {
    pub(crate) fn new(major: u32, prefix: &str) -> Self {
        let c = cluster();
        Self {
            env: Env::new(),
            helm: helm(major),
            ns: c.new_namespace(&format!("{prefix}-h{major}")),
        }
    }

    pub(crate) fn hooks(&self) -> Command {
        let mut cmd: Command = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
        self.env.apply(&mut cmd);
        cmd.env("HELM_BIN", &self.helm.path)
            .env("KUBECONFIG", cluster().kubeconfig())
            .env("HELM_NAMESPACE", &self.ns);
        cmd
    }

    /// `helm-hooks ARGS` in `repo`, run to its end.
    pub(crate) fn run_in(&self, repo: &GitRepo, args: &[&str]) -> Output {
        self.hooks()
            .current_dir(repo.path())
            .args(args)
            .output()
            .unwrap()
    }

    pub(crate) fn helm(&self, args: &[&str]) -> Output {
        let mut cmd = self.env.helm(&self.helm);
        cmd.env("KUBECONFIG", cluster().kubeconfig())
            .args(args)
            .args(["-n", &self.ns]);
        cmd.output().unwrap()
    }

    pub(crate) fn history(&self, release: &str) -> Vec<Value> {
        let out = self.helm(&["history", release, "-o", "json"]);
        if !out.status.success() {
            return vec![];
        }
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }

    pub(crate) fn audit(&self) -> Vec<Value> {
        let text =
            std::fs::read_to_string(self.env.path("data/hooks/audit.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("every audit line is JSON"))
            .collect()
    }
}

/// A chart of one ConfigMap and one hook (`templates/<file>`), committed.
fn chart_with_hook(file: &str, hook: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.write(&format!("templates/{file}"), hook);
    repo.commit(file);
    repo
}

/// Waits (bounded) until the audit log says a hook runs.
fn wait_until_a_hook_runs(a: &Apply) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !a.audit().iter().any(|r| r["state"] == "running") {
        assert!(std::time::Instant::now() < deadline, "hook never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn run_records<'a>(audit: &'a [Value], kind: &str) -> Vec<&'a Value> {
    audit.iter().filter(|r| r["type"] == kind).collect()
}

#[test]
fn install_then_upgrade_with_progress_lines_and_a_complete_audit_run() {
    let repo = chart_repo();
    for major in [3, 4] {
        let a = Apply::new(major, "ok");
        // Install (the release does not exist), from the first commit.
        let out = a.run_in(&repo, &["apply", "web", "app", "--to", "HEAD~1", "--yes"]);
        let err = stderr(&out);
        assert!(out.status.success(), "helm {major}: {err}");
        assert!(err.contains("does not exist in namespace"), "{err}");
        // Plain, timestamped lines in a pipe: one per state change.
        let line = err
            .lines()
            .find(|l| l.contains("pre-install Job/migrate: succeeded"))
            .unwrap_or_else(|| panic!("no plain progress line: {err}"));
        assert!(
            line.starts_with("20") && line.contains('T'),
            "timestamped: {line}"
        );
        assert!(!err.contains('\u{1b}'), "no escape codes in a pipe");

        // Upgrade to HEAD: the new backup hook runs first.
        let out = a.run_in(&repo, &["apply", "web", "app", "--yes", "--logs"]);
        let err = stderr(&out);
        assert!(out.status.success(), "helm {major}: {err}");
        let pos = |needle: &str| {
            err.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing: {err}"))
        };
        assert!(pos("pre-upgrade Job/backup: created") < pos("pre-upgrade Job/migrate: created"));
        assert!(pos("[Job/migrate] migrating") < pos("pre-upgrade Job/migrate: succeeded"));
        assert!(pos("update chart resources (1): done") < pos("post-upgrade Job/notify: created"));

        // The audit run matches Helm's own record of the hooks.
        let audit = a.audit();
        let ends = run_records(&audit, "runEnded");
        assert_eq!(run_records(&audit, "runStarted").len(), 2);
        assert_eq!(ends.len(), 2);
        let last = ends[1];
        assert_eq!(last["helmExit"], 0);
        assert_eq!(last["releaseRevision"], 2);
        assert_eq!(last["releaseStatus"], "deployed");
        let status: Value =
            serde_json::from_slice(&a.helm(&["status", "web", "-o", "json"]).stdout).unwrap();
        for h in status["hooks"].as_array().unwrap() {
            let ours = last["hooks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["kind"] == h["kind"] && o["name"] == h["name"])
                .unwrap_or_else(|| panic!("{} not in audit run", h["name"]));
            assert_eq!(ours["phase"], h["last_run"]["phase"], "{}", h["name"]);
            assert_eq!(
                ours["startedAt"], h["last_run"]["started_at"],
                "{}",
                h["name"]
            );
        }
        let migrate = last["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "migrate")
            .unwrap();
        assert_eq!(
            migrate["logTail"],
            serde_json::json!(["migrating", "migrated"])
        );
        assert_eq!(
            migrate["leftInCluster"], true,
            "default policy keeps the Job"
        );
        let start = run_records(&audit, "runStarted")[1];
        assert_eq!(start["operation"], "upgrade");
        assert_eq!(start["toSha"], repo.git(&["rev-parse", "HEAD"]));
        assert_eq!(start["timeline"][0]["name"], "backup");
        assert_eq!(start["timeline"][0]["change"], "added");
        // The applied revision is on the release too.
        let hist = a.history("web");
        let desc = hist.last().unwrap()["description"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(desc.contains(&repo.git(&["rev-parse", "HEAD"])), "{desc}");
    }
}

#[test]
fn a_failing_pre_upgrade_hook_is_named_with_its_log_tail() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.write(
        "templates/ok.yaml",
        &job("ok", "pre-install,pre-upgrade", 0, 0, "100ms", "fine"),
    );
    repo.commit("v1");
    repo.write(
        "templates/bad.yaml",
        &job(
            "bad",
            "pre-upgrade",
            1,
            7,
            "300ms",
            "starting\nboom: disk full",
        ),
    );
    repo.commit("v2");
    for major in [3, 4] {
        let a = Apply::new(major, "fail");
        let ok = a.run_in(&repo, &["apply", "web", "--to", "HEAD~1", "--yes"]);
        assert!(ok.status.success(), "{}", stderr(&ok));
        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert!(
            err.contains("hook Job/bad (pre-upgrade) failed") && err.contains("exit code 7"),
            "{err}"
        );
        assert!(err.contains("boom: disk full"), "log tail shown: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains("pre-upgrade hooks failed"),
            "{}",
            errors[0]
        );
        // Helm's own verdict: the new revision failed.
        let hist = a.history("web");
        assert_eq!(hist.last().unwrap()["status"], "failed");
        let audit = a.audit();
        let end = run_records(&audit, "runEnded")[1];
        assert_eq!(end["helmExit"], 1);
        let bad = end["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "bad")
            .unwrap();
        assert_eq!(bad["phase"], "Failed");
        assert_eq!(bad["exitCode"], 7, "{bad}");
        assert!(
            bad["message"].as_str().unwrap().contains("exit code 7"),
            "{bad}"
        );
        assert_eq!(bad["logTail"][1], "boom: disk full");
    }
}

#[test]
fn atomic_rolls_back_with_the_flag_the_running_helm_accepts() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.commit("v1");
    repo.write(
        "templates/bad.yaml",
        &job("bad", "post-upgrade", 0, 1, "100ms", "no"),
    );
    repo.commit("v2");
    for major in [3, 4] {
        let a = Apply::new(major, "atomic");
        let ok = a.run_in(&repo, &["apply", "web", "--to", "HEAD~1", "--yes"]);
        assert!(ok.status.success(), "{}", stderr(&ok));
        let flag = if major == 3 {
            "--atomic"
        } else {
            "--rollback-on-failure"
        };
        let out = a.run_in(&repo, &["apply", "web", "--yes", flag]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let hist = a.history("web");
        let statuses: Vec<&str> = hist.iter().map(|h| h["status"].as_str().unwrap()).collect();
        assert_eq!(
            statuses,
            ["superseded", "failed", "deployed"],
            "helm {major} rolled back"
        );
    }
}

#[test]
fn no_terminal_without_yes_refuses_and_changes_nothing() {
    // A dry run asks nothing and needs no --yes.
    let repo = chart_repo();
    let a = Apply::new(3, "dry");
    let out = a.run_in(&repo, &["apply", "web", "app", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("dry run: nothing was applied"));
    assert!(a.history("web").is_empty(), "no release was made");
    let repo = chart_repo();
    // A Pod hook that never completes: lint's error must come before the refusal.
    repo.write(
        "app/templates/forever.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: forever\n  annotations:\n    helm.sh/hook: pre-install\nspec:\n  restartPolicy: Always\n  containers: [{name: main, image: busybox}]\n",
    );
    repo.commit("a pod hook that never completes");
    let a = Apply::new(3, "refuse");
    let out = a
        .hooks()
        .current_dir(repo.path())
        .args(["apply", "web", "app"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("error: ") && l.contains("--yes")),
        "{err}"
    );
    let lint = err
        .find("lint error: [HH008]")
        .unwrap_or_else(|| panic!("lint error shown: {err}"));
    assert!(lint < err.find("error: refusing").unwrap());
    assert!(a.history("web").is_empty(), "no release was made");
    assert!(a.audit().is_empty(), "no run recorded");
}

#[test]
fn answering_no_at_the_prompt_changes_nothing() {
    let repo = chart_repo();
    let a = Apply::new(4, "answer-no");
    let mut cmd = a.hooks();
    cmd.current_dir(repo.path())
        .env("TERM", "xterm")
        .args(["apply", "web", "app", "--to", "HEAD~1"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
    // The question names where the change lands.
    let kubeconfig = std::fs::read_to_string(cluster().kubeconfig()).unwrap();
    let server = kubeconfig
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap()
        .to_string();
    p.exp_string(&format!(
        "Install web in namespace {} of context helm-hooks-test ({server})?",
        a.ns
    ))
    .unwrap();
    p.exp_string("[y/N]").unwrap();
    // The prompt reads single keys once the tty is raw: give it a moment.
    std::thread::sleep(Duration::from_millis(500));
    p.send_line("n").unwrap();
    p.exp_string("apply cancelled").unwrap();
    p.exp_eof().unwrap();
    assert!(a.history("web").is_empty(), "no release was made");
}

#[test]
fn bars_in_a_terminal() {
    let repo = chart_repo();
    let a = Apply::new(3, "bars");
    let mut cmd = a.hooks();
    cmd.current_dir(repo.path())
        .env("TERM", "xterm")
        .args(["apply", "web", "app", "--to", "HEAD~1", "--yes"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    // Bars redraw in place: the final frame shows every hook's end state.
    let (before, _) = p.exp_regex("EVENT +HOOK +PHASE").unwrap();
    p.exp_eof().unwrap();
    assert!(before.contains("#1 pre-install Job/migrate"), "{before}");
    assert!(before.contains("\u{1b}["), "terminal escape codes drawn");
    assert!(before.contains("succeeded"), "{before}");
    let hist = a.history("web");
    assert_eq!(hist.last().unwrap()["status"], "deployed");
}

#[test]
fn ctrl_c_stops_helm_and_records_the_run_as_interrupted() {
    let repo = chart_with_hook(
        "slow.yaml",
        &job("slow", "pre-install", 0, 0, "60s", "working"),
    );
    for major in [3, 4] {
        let a = Apply::new(major, "ctrlc");
        let child = a
            .hooks()
            .current_dir(repo.path())
            .args(["apply", "web", "--yes"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        wait_until_a_hook_runs(&a);
        unsafe {
            libc::kill(child.id() as i32, libc::SIGINT);
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
        let audit = a.audit();
        let end = run_records(&audit, "runEnded");
        assert_eq!(end.len(), 1);
        assert_eq!(end[0]["interrupted"], true);
        // Helm stopped: the release is not deployed.
        let hist = a.history("web");
        assert!(hist.iter().all(|h| h["status"] != "deployed"), "{hist:?}");
        let out = a.run_in(&repo, &["history", "web"]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("interrupted"),
            "{}",
            stderr(&out)
        );
    }
}

/// A quick hook deleted on success, then a slow one: Ctrl-C comes while
/// the slow one runs, with the quick one's deletion still owed (Helm does
/// it at the event's end, which never comes).
fn interrupted_chart() -> GitRepo {
    let quick = job("quick", "pre-install", -5, 0, "200ms", "quick").replace(
        "hook-delete-policy: before-hook-creation",
        "hook-delete-policy: before-hook-creation,hook-succeeded",
    );
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.write("templates/quick.yaml", &quick);
    repo.write(
        "templates/slow.yaml",
        &job("slow", "pre-install", 0, 0, "60s", "working"),
    );
    repo.commit("v1");
    repo
}

/// Waits (bounded) until the audit log says the hook `name` runs.
fn wait_until_running(a: &Apply, name: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !a
        .audit()
        .iter()
        .any(|r| r["state"] == "running" && r["name"] == name)
    {
        assert!(std::time::Instant::now() < deadline, "{name} never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Through `helm hooks`, Helm exits at once on Ctrl-C and the prompt
/// comes back: helm-hooks must be done within moments, not after its
/// 1.5 s wait for deletions and unbounded reads (1.65 s here before).
#[test]
fn after_ctrl_c_the_run_is_recorded_and_the_exit_follows_within_a_second() {
    let repo = interrupted_chart();
    for major in [3, 4] {
        let a = Apply::new(major, "ctrlc-fast");
        let child = a
            .hooks()
            .current_dir(repo.path())
            .args(["apply", "web", "--yes", "--progress", "plain"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        wait_until_running(&a, "slow");
        let signalled = std::time::Instant::now();
        unsafe {
            libc::kill(child.id() as i32, libc::SIGINT);
        }
        let out = child.wait_with_output().unwrap();
        let took = signalled.elapsed();
        eprintln!("helm {major}: exit {took:?} after SIGINT");
        assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
        assert!(took < Duration::from_millis(1000), "helm {major}: {took:?}");
        // The local record is whole once the process is gone.
        let audit = a.audit();
        let end = run_records(&audit, "runEnded");
        assert_eq!(end.len(), 1, "helm {major}");
        assert_eq!(end[0]["interrupted"], true);
        let phases: Vec<(&str, &str)> = end[0]["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["name"].as_str().unwrap(), h["phase"].as_str().unwrap()))
            .collect();
        assert_eq!(phases[0], ("quick", "Succeeded"), "{phases:?}");
        assert_eq!(phases[1].0, "slow", "{phases:?}");
        // Helm's own word on the release, read within the bound.
        assert_eq!(end[0]["releaseStatus"], "failed", "{}", end[0]);
        // The summary, once.
        let all = printed(&out);
        assert_eq!(all.matches("LEFT IN CLUSTER").count(), 1, "{all}");
        assert_eq!(all.matches("recorded as interrupted").count(), 1, "{all}");
    }
}

/// On a terminal, the bars stop as they are at Ctrl-C: redrawn after the
/// terminal echoed `^C` (and, through Helm, the prompt came back) they
/// would show the whole block a second time.
#[test]
fn ctrl_c_on_a_terminal_leaves_the_bars_as_they_were_and_prints_the_summary_once() {
    let repo = interrupted_chart();
    for major in [3, 4] {
        let a = Apply::new(major, "ctrlc-tty");
        let mut cmd = a.hooks();
        cmd.current_dir(repo.path())
            .env("TERM", "xterm")
            .args(["apply", "web", "--yes"]);
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
        wait_until_running(&a, "slow");
        // Let the bars draw the running state before the interrupt.
        std::thread::sleep(Duration::from_millis(300));
        p.send_control('c').unwrap();
        let all = p.exp_eof().unwrap();
        // The last frame of the slow hook's bar is a live one, its spinner
        // turning (a braille glyph: 0xE2 first, the pty's bytes read one
        // to a char); a redraw after the interrupt would end it on the
        // stopped bar's blank spinner.
        let last = all.rfind("#2 pre-install Job/slow").expect("bars drawn");
        let frame = all[last + "#2 pre-install Job/slow".len()..].trim_start_matches(' ');
        assert!(frame.starts_with('\u{e2}'), "helm {major}: {frame:?}");
        assert_eq!(all.matches("LEFT IN CLUSTER").count(), 1, "{all:?}");
        assert_eq!(all.matches("recorded as interrupted").count(), 1, "{all:?}");
    }
}

#[test]
fn two_applies_at_once_keep_both_audit_runs_intact_and_no_secret_reaches_the_log() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write(
        "templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-1\"\nstringData:\n  password: sw0rdf1sh-very-secret\n",
    );
    repo.write(
        "templates/leak.yaml",
        &job(
            "leaky",
            "pre-install",
            0,
            0,
            "300ms",
            "password is sw0rdf1sh-very-secret",
        ),
    );
    repo.commit("v1");
    let a = Apply::new(3, "concurrent");
    // Same-named hooks of two releases would collide in one namespace (Helm
    // says "already exists"): each release gets its own.
    let other_ns = cluster().new_namespace("concurrent-other");
    let spawn = |rel: &str| {
        let ns = if rel == "one" {
            a.ns.clone()
        } else {
            other_ns.clone()
        };
        a.hooks()
            .current_dir(repo.path())
            .args([
                "apply",
                rel,
                "--yes",
                "--logs",
                "-n",
                &ns,
                "--set",
                "token=t0ps3cr3t-value",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (one, two) = (spawn("one"), spawn("two"));
    let (one, two) = (
        one.wait_with_output().unwrap(),
        two.wait_with_output().unwrap(),
    );
    assert!(one.status.success(), "{}", stderr(&one));
    assert!(two.status.success(), "{}", stderr(&two));
    for out in [&one, &two] {
        assert!(
            !stderr(out).contains("sw0rdf1sh"),
            "terminal shows no secret: {}",
            stderr(out)
        );
    }
    let raw = std::fs::read_to_string(a.env.path("data/hooks/audit.jsonl")).unwrap();
    assert!(
        !raw.contains("sw0rdf1sh") && !raw.contains("t0ps3cr3t"),
        "audit log holds a secret"
    );
    let audit = a.audit();
    for rel in ["one", "two"] {
        let start = audit
            .iter()
            .find(|r| r["type"] == "runStarted" && r["release"] == rel)
            .unwrap();
        let id = &start["run"];
        let end = audit
            .iter()
            .find(|r| r["type"] == "runEnded" && &r["run"] == id)
            .unwrap();
        assert_eq!(end["helmExit"], 0);
        let leaky = end["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "leaky")
            .unwrap();
        assert_eq!(leaky["logTail"][0], "password is <redacted>");
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(a.env.path("data/hooks/audit.jsonl"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

/// The hooks of the last `runEnded` record, as `(name, phase)`.
fn ended_phases(a: &Apply) -> Vec<(String, String)> {
    let audit = a.audit();
    let end = run_records(&audit, "runEnded")
        .last()
        .copied()
        .cloned()
        .unwrap();
    end["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap().to_string(),
                h["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_record_is_what_this_run_did_not_helms_older_record() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.write(
        "templates/migrate.yaml",
        &job("migrate", "pre-upgrade", 0, 0, "100ms", "ok"),
    );
    repo.commit("v1");
    repo.write(
        "templates/migrate.yaml",
        &job("migrate", "pre-upgrade", 0, 6, "100ms", "broken"),
    );
    repo.commit("v2: the migration fails");
    for major in [3, 4] {
        let a = Apply::new(major, "stale");
        let apply = |args: &[&str]| {
            a.hooks()
                .current_dir(repo.path())
                .args(["apply", "web", "--yes"])
                .args(args)
                .output()
                .unwrap()
        };
        // Install, then an upgrade whose pre-upgrade hook succeeds: Helm's
        // record of revision 2 says Succeeded.
        for _ in 0..2 {
            let ok = apply(&["--to", "HEAD~1"]);
            assert!(ok.status.success(), "helm {major}: {}", stderr(&ok));
        }
        assert_eq!(ended_phases(&a), [("migrate".into(), "Succeeded".into())]);

        // The failing upgrade is rolled back to revision 2, whose record
        // is the older run's: the failure is what is recorded.
        let flag = if major == 3 {
            "--atomic"
        } else {
            "--rollback-on-failure"
        };
        let out = apply(&[flag]);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {}", stderr(&out));
        assert_eq!(
            ended_phases(&a),
            [("migrate".into(), "Failed".into())],
            "helm {major}: {}",
            stderr(&out)
        );

        // Helm refuses the upgrade as asked: its dry run, which plans the
        // apply, says so before anything runs, and nothing is recorded.
        let runs = run_records(&a.audit(), "runStarted").len();
        let out = apply(&["--to", "HEAD~1", "--", "--no-such-flag"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert!(
            err.contains("unknown flag: --no-such-flag") && err.contains("nothing was changed"),
            "helm {major}: {err}"
        );
        assert_eq!(run_records(&a.audit(), "runStarted").len(), runs);
    }
}

#[test]
fn cluster_scoped_hooks_are_followed_where_they_live() {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    // Cluster-scoped: named after the namespace, as two test runs share
    // the cluster.
    repo.write(
        "templates/rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {{ .Release.Namespace }}-reader\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-5\"\nrules:\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n",
    );
    repo.write(
        "templates/migrate.yaml",
        &job("migrate", "pre-install", 0, 0, "100ms", "ok"),
    );
    repo.commit("a cluster-scoped hook");
    for major in [3, 4] {
        let a = Apply::new(major, "scope");
        let out = a.run_in(&repo, &["apply", "web", "--yes", "--progress", "plain"]);
        let err = stderr(&out);
        assert!(out.status.success(), "helm {major}: {err}");
        // 404 as a word: a temp path or port may hold the digits.
        let not_found = err
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "404");
        assert!(!err.contains("Status {") && !not_found, "{err}");
        assert!(
            err.contains(&format!("ClusterRole/{}-reader: created", a.ns)),
            "helm {major}: {err}"
        );
        let audit = a.audit();
        let end = run_records(&audit, "runEnded")[0];
        let role = end["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["kind"] == "ClusterRole")
            .unwrap();
        assert_eq!(role["phase"], "Succeeded", "{role}");
        assert_eq!(role["leftInCluster"], true, "{role}");
        // Clean up what outlives the namespace.
        let _ = cluster()
            .kubectl()
            .args(["delete", "clusterrole", &format!("{}-reader", a.ns)])
            .output();
    }
}

#[test]
fn a_hook_at_two_events_gets_each_runs_own_times() {
    let repo = chart_with_hook(
        "twice.yaml",
        &job("twice", "pre-install,post-install", 0, 0, "300ms", "ran"),
    );
    for major in [3, 4] {
        let a = Apply::new(major, "twice");
        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let audit = a.audit();
        let end = run_records(&audit, "runEnded")[0];
        let runs: Vec<&Value> = end["hooks"].as_array().unwrap().iter().collect();
        assert_eq!(runs.len(), 2, "{end}");
        let time = |v: &Value, f: &str| {
            let t = v[f].as_str().unwrap_or_else(|| panic!("no {f} in {v}"));
            humantime::parse_rfc3339_weak(t.trim_end_matches('Z'))
                .unwrap_or_else(|e| panic!("{t}: {e}"))
        };
        assert_eq!(runs[0]["event"], "pre-install");
        assert_eq!(runs[1]["event"], "post-install");
        for r in &runs {
            assert_eq!(r["phase"], "Succeeded", "{r}");
        }
        // The pre- run ended before the post- run began.
        assert!(
            time(runs[0], "completedAt") <= time(runs[1], "startedAt"),
            "helm {major}: {runs:#?}"
        );
    }
}

#[test]
fn after_kill_9_the_next_apply_records_what_helm_did_meanwhile() {
    let repo = chart_with_hook(
        "slow.yaml",
        &job("slow", "pre-install,pre-upgrade", 0, 0, "2s", "working"),
    );
    for major in [3, 4] {
        let a = Apply::new(major, "kill9");
        let mut child = a
            .hooks()
            .current_dir(repo.path())
            .args(["apply", "web", "--yes", "--progress", "none"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_until_a_hook_runs(&a);
        child.kill().unwrap();
        child.wait().unwrap();
        // Helm, in its own process group, goes on and deploys.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !a.history("web").iter().any(|h| h["status"] == "deployed") {
            assert!(std::time::Instant::now() < deadline, "helm never finished");
            std::thread::sleep(Duration::from_millis(200));
        }
        let killed = run_records(&a.audit(), "runStarted")[0]["run"]
            .as_str()
            .unwrap()
            .to_string();
        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let out = a
            .hooks()
            .args(["history", "--run", &killed, "-o", "json"])
            .output()
            .unwrap();
        let doc = json(&out.stdout);
        let run = &doc["runs"][0];
        assert_eq!(run["status"], "interrupted", "{run}");
        assert_eq!(run["resolved"]["releaseRevision"], 1, "{run}");
        assert_eq!(run["resolved"]["releaseStatus"], "deployed", "{run}");
        let out = a
            .hooks()
            .args(["history", "--run", &killed])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Helm went on without helm-hooks"), "{text}");
    }
}

#[test]
fn a_hook_helm_cannot_build_is_failed_with_helms_reason() {
    // HH014's case: Helm orders the hook, then cannot build it.
    let repo = chart_with_hook(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: -10\n",
    );
    for major in [3, 4] {
        let a = Apply::new(major, "unbuilt");
        let out = a.run_in(&repo, &["apply", "web", "--yes", "--progress", "none"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert!(err.contains("lint error: [HH014]"), "{err}");
        let audit = a.audit();
        let end = run_records(&audit, "runEnded")[0];
        let pre = &end["hooks"][0];
        assert_eq!(pre["name"], "pre", "{end}");
        assert_eq!(pre["phase"], "Failed", "helm {major}: {end}");
        assert!(
            pre["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot unmarshal number")),
            "{pre}"
        );
        assert!(
            err.contains("hook ConfigMap/pre"),
            "the failing hook is named: {err}"
        );
    }
}

#[test]
fn a_torn_last_line_loses_only_itself_and_the_next_run_is_whole() {
    let repo = chart_with_hook(
        "migrate.yaml",
        &job("migrate", "pre-install,pre-upgrade", 0, 0, "100ms", "ok"),
    );
    repo.write("templates/cm.yaml", &CONFIGMAP.replace("{a: b}", "{a: c}"));
    let head = repo.commit("v2");
    for major in [3, 4] {
        let a = Apply::new(major, "torn");
        let out = a.run_in(&repo, &["apply", "web", "--yes", "--to", "HEAD~1"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        // A crash mid-write: the last record cut short, no newline.
        let path = a.env.path("data/hooks/audit.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let kept = text.lines().count() - 1;
        std::fs::write(&path, &text[..text.trim_end().len() - 12]).unwrap();

        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        let text = std::fs::read_to_string(&path).unwrap();
        let damaged: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| serde_json::from_str::<Value>(l).is_err())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(damaged, [kept], "only the torn line is damaged:\n{text}");

        let out = a
            .hooks()
            .args(["history", "web", "-o", "json"])
            .output()
            .unwrap();
        let doc = json(&out.stdout);
        let err = stderr(&out);
        assert!(err.contains("is damaged"), "the damage is named: {err}");
        let newest = &doc["runs"][0];
        assert_eq!(newest["status"], "succeeded", "helm {major}: {newest}");
        assert_eq!(newest["end"]["releaseRevision"], 2, "{newest}");
        assert_eq!(newest["outcomes"][0]["phase"], "Succeeded", "{newest}");

        // plan --release compares from the second run's commit.
        let out = a
            .hooks()
            .current_dir(repo.path())
            .args(["plan", "--release", "web", "-o", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(json(&out.stdout)["from"]["commit"], head.as_str());
    }
}

#[test]
fn apply_keeps_no_secret_value_in_the_cache_the_record_or_the_terminal() {
    let repo = chart_with_hook(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\nstringData:\n  password: {{ .Values.password }}\n",
    );
    repo.write("values.yaml", "password: hunter2-in-values\n");
    repo.commit("values");
    let secrets = ["hunter2-in-values", "hunter2-on-the-line"];
    for major in [3, 4] {
        let a = Apply::new(major, "secrets");
        let mut seen = String::new();
        for args in [
            &["plan", "--release", "web"][..],
            &["apply", "web", "--yes", "--progress", "plain", "--logs"][..],
            &[
                "apply",
                "web",
                "--yes",
                "--progress",
                "plain",
                "--set",
                "password=hunter2-on-the-line",
            ][..],
        ] {
            let out = a.run_in(&repo, args);
            assert!(out.status.success(), "helm {major}: {}", stderr(&out));
            seen.push_str(&String::from_utf8_lossy(&out.stdout));
            seen.push_str(&stderr(&out));
        }
        let mut files = Vec::new();
        walk_files(&a.env.path("cache"), &mut files);
        walk_files(&a.env.path("data/hooks"), &mut files);
        assert!(files.iter().any(|(p, _, _)| p.ends_with("audit.jsonl")));
        for (path, mode, is_dir) in &files {
            if *is_dir {
                if path.starts_with(a.env.path("cache/hooks")) {
                    assert_eq!(*mode, 0o700, "{}", path.display());
                }
                continue;
            }
            seen.push_str(&String::from_utf8_lossy(&std::fs::read(path).unwrap()));
        }
        use base64::Engine as _;
        for s in secrets {
            let b64 = base64::engine::general_purpose::STANDARD.encode(s);
            assert!(!seen.contains(s) && !seen.contains(&b64), "{s} leaked");
        }
        // The cluster got the value: the scrubbing is ours, not a lost value.
        let out = cluster()
            .kubectl()
            .args([
                "get",
                "secret",
                "db",
                "-n",
                &a.ns,
                "-o",
                "jsonpath={.data.password}",
            ])
            .output()
            .unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(secrets[1]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), b64);
    }
}

#[test]
fn a_release_busy_with_another_operation_is_refused_before_anything_runs() {
    let repo = chart_with_hook(
        "slow.yaml",
        &job(
            "slow",
            "pre-install,pre-upgrade",
            0,
            0,
            "{{ .Values.duration }}",
            "working",
        ),
    );
    repo.write("values.yaml", "duration: 100ms\n");
    repo.commit("values");
    for major in [3, 4] {
        let a = Apply::new(major, "busy");
        let out = a.run_in(&repo, &["apply", "web", "--yes"]);
        assert!(out.status.success(), "helm {major}: {}", stderr(&out));
        // Another operator's upgrade, stuck in its pre-upgrade hook.
        let mut other = a.env.helm(&a.helm);
        let mut other = other
            .env("KUBECONFIG", cluster().kubeconfig())
            .args(["upgrade", "web", &repo.path().display().to_string()])
            .args(["-n", &a.ns, "--set", "duration=60s"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !a
            .history("web")
            .iter()
            .any(|h| h["status"] == "pending-upgrade")
        {
            assert!(std::time::Instant::now() < deadline, "no pending upgrade");
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_millis(1500));

        let out = a.run_in(&repo, &["apply", "web", "--yes", "--progress", "plain"]);
        other.kill().unwrap();
        other.wait().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "helm {major}: {err}");
        assert!(err.contains("another operation"), "Helm's reason: {err}");
        // Refused by the dry run that plans it: no run, no hook followed.
        assert!(err.contains("nothing was changed"), "{err}");
        assert_eq!(run_records(&a.audit(), "runStarted").len(), 1, "{err}");
        assert!(!err.contains("slow: running"), "not this run's Job: {err}");
    }
}
