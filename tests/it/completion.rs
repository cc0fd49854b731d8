//! Shell completion through the real Helm 3.17.1 and 4.1.4 (`helm
//! __complete hooks ...` with the plugin installed), in a real bash, the
//! standalone scripts, and the release picker in a pseudo-terminal.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the plugin as `helm plugin install` lays it out (its files in
/// `$HELM_PLUGINS/hooks`), with `bin/helm-hooks` the binary under test
/// instead of a release build by install.sh.
fn install_plugin(env: &Env) -> PathBuf {
    let dir = env.path("data/plugins/hooks");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    for file in ["plugin.yaml", "plugin.complete"] {
        std::fs::copy(repo_root().join(file), dir.join(file)).unwrap();
    }
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin!("helm-hooks"),
        dir.join("bin/helm-hooks"),
    )
    .unwrap();
    dir
}

/// A chart repository with branches, tags, values files and templates.
fn chart_repo() -> (GitRepo, String) {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"))
        .write("app/values.yaml", "a: 1\n")
        .write("app/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"{{ .Release.Name }}-cm\"\ndata: {a: b}\n",
        )
        .write("env/prod.yaml", "a: 2\n");
    repo.commit("first commit");
    repo.tag("v1.0.0");
    repo.git(&["branch", "feature/backup"]);
    // Refs both packed (as after a clone) and loose (main moves on, a new branch).
    repo.git(&["pack-refs", "--all"]);
    repo.write("app/values.yaml", "a: 3\n");
    let head = repo.commit("raise a to 3");
    repo.git(&["branch", "fix/loose"]);
    (repo, head)
}

/// An audit log with one run, so that hook and release candidates exist.
fn write_audit(env: &Env) {
    let record = serde_json::json!({
        "schema": 1, "run": "run-0001", "time": "2026-01-01T00:00:00Z", "type": "runStarted",
        "user": "u", "host": "h", "pid": 1, "kubeContext": null, "kubeServer": null,
        "namespace": "default", "release": "shop-from-audit", "operation": "install",
        "chartName": "app", "chartVersion": "0.1.0", "repository": "/r", "chartPath": "app",
        "fromRev": null, "fromSha": null, "toRev": "HEAD", "toSha": null, "worktree": false,
        "worktreeHash": null, "helmVersion": "v3.17.1", "args": [],
        "timeline": [{"position": 1, "event": "pre-install", "kind": "Job",
                      "name": "db-migrate", "weight": 0, "change": "added"}]
    });
    let path = env.path("data/hooks/audit.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("{record}\n")).unwrap();
}

struct Completion {
    /// `(value, description)` per candidate line.
    candidates: Vec<(String, String)>,
    directive: String,
}

impl Completion {
    fn values(&self) -> Vec<&str> {
        self.candidates.iter().map(|(v, _)| v.as_str()).collect()
    }

    fn help(&self, value: &str) -> &str {
        &self
            .candidates
            .iter()
            .find(|(v, _)| v == value)
            .unwrap_or_else(|| panic!("{value} not offered: {:?}", self.values()))
            .1
    }
}

/// `helm __complete hooks WORDS...` in `dir`; checks that nothing but
/// cobra's own closing line is on stderr and that every line is a
/// well-formed candidate.
fn complete(env: &Env, helm: &HelmBin, dir: &Path, words: &[&str]) -> Completion {
    let out = env
        .helm(helm)
        .current_dir(dir)
        .arg("__complete")
        .arg("hooks")
        .args(words)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success(),
        "helm {}: {words:?}: {stderr}",
        helm.major
    );
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("Completion ended with directive:")),
        "helm {} {words:?}: stderr noise: {stderr:?}",
        helm.major
    );
    let mut lines: Vec<&str> = stdout.lines().collect();
    let directive = lines.pop().expect("a directive line").to_string();
    assert!(directive.starts_with(':'), "{stdout}");
    let candidates = lines
        .iter()
        .map(|l| {
            let (v, h) = l.split_once('\t').unwrap_or((l, ""));
            assert!(
                !v.is_empty() && !v.contains(' '),
                "helm {} {words:?}: not a candidate line: {l:?}",
                helm.major
            );
            (v.to_string(), h.to_string())
        })
        .collect();
    Completion {
        candidates,
        directive,
    }
}

#[test]
fn helm_completes_subcommands_flags_and_values() {
    let (repo, head) = chart_repo();
    let short = &repo.git(&["rev-parse", "--short", "HEAD"]);
    assert!(head.starts_with(short.as_str()));
    for helm in helms() {
        let env = Env::new();
        install_plugin(&env);
        write_audit(&env);
        let c = |words: &[&str]| complete(&env, &helm, repo.path(), words);

        let subs = c(&[""]);
        for s in [
            "plan",
            "apply",
            "test",
            "rollback",
            "uninstall",
            "history",
            "lint",
            "completion",
        ] {
            assert!(!subs.help(s).is_empty(), "{s} has a description");
        }
        assert!(
            !subs.values().iter().any(|v| v.starts_with('-')),
            "flags wait for a dash"
        );
        assert_eq!(subs.directive, ":4");
        assert_eq!(c(&["pl"]).values(), ["plan"]);

        let flags = c(&["plan", "--"]);
        for f in [
            "--from",
            "--to",
            "--values",
            "--operation",
            "--output",
            "--detailed-exitcode",
        ] {
            assert!(
                flags.values().contains(&f),
                "helm {}: {f} missing: {:?}",
                helm.major,
                flags.values()
            );
        }
        assert!(flags.help("--from").starts_with("Revision to compare from"));
        assert!(c(&["plan", "-"]).values().contains(&"-f"));

        let revs = c(&["plan", "--from", ""]);
        assert_eq!(revs.values().iter().filter(|v| **v == "main").count(), 1);
        for r in [
            "fix/loose",
            "HEAD",
            "WORKTREE",
            "main",
            "feature/backup",
            "v1.0.0",
            short.as_str(),
        ] {
            assert!(
                revs.values().contains(&r),
                "helm {}: {r} missing: {:?}",
                helm.major,
                revs.values()
            );
        }
        assert_eq!(revs.help("v1.0.0"), "tag");
        assert_eq!(revs.help("feature/backup"), "branch");
        assert_eq!(revs.help(short), "raise a to 3");
        assert_eq!(revs.directive, ":36");
        assert_eq!(c(&["plan", "app", "--to", "v"]).values(), ["v1.0.0"]);
        // The chart given before the flag decides the repository.
        let elsewhere = complete(
            &env,
            &helm,
            env.dir.path(),
            &["plan", repo.path().to_str().unwrap(), "--from", "v"],
        );
        assert_eq!(elsewhere.values(), ["v1.0.0"]);
        assert_eq!(
            c(&["plan", "--from=feat"]).values(),
            ["feature/backup"],
            "the value after ="
        );
        assert_eq!(c(&["lint", "--rev", "W"]).values(), ["WORKTREE"]);
        assert_eq!(
            c(&["apply", "web", "--to", "fe"]).values(),
            ["feature/backup"]
        );

        assert_eq!(c(&["plan", ""]).values(), ["app"]);
        assert_eq!(c(&["plan", ""]).help("app"), "chart app 0.1.0");
        assert_eq!(c(&["lint", "./a"]).values(), ["./app"]);
        let mut values = c(&["plan", "-f", ""])
            .values()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>();
        values.sort();
        assert_eq!(
            values,
            ["app/values.yaml", "env/prod.yaml"],
            "no templates, no Chart.yaml"
        );
        // Nothing in the repository fits: the shell's own YAML files or directories.
        let outside = c(&["plan", "-f", "/nonexistent/"]);
        assert_eq!(
            (outside.values(), outside.directive.as_str()),
            (vec!["yaml", "yml"], ":8")
        );
        let outside = c(&["plan", "/nonexistent/"]);
        assert_eq!(
            (outside.values().len(), outside.directive.as_str()),
            (0, ":16")
        );
        // From a subdirectory, paths are as typed from there.
        let sub = complete(
            &env,
            &helm,
            &repo.path().join("app"),
            &["plan", "--values", ""],
        );
        assert!(
            sub.values().contains(&"../env/prod.yaml"),
            "{:?}",
            sub.values()
        );

        assert_eq!(
            c(&["plan", "-o", ""]).values(),
            ["table", "json", "yaml", "markdown"]
        );
        assert_eq!(
            c(&["lint", "--output", ""]).values(),
            ["table", "json", "sarif"]
        );
        assert_eq!(
            c(&["plan", "--operation", ""]).values(),
            ["install", "upgrade", "rollback", "uninstall", "test", "all"]
        );
        assert_eq!(
            c(&["plan", "--operation", "install,u"]).values(),
            ["install,upgrade", "install,uninstall"]
        );
        assert_eq!(
            c(&["apply", "--progress", ""]).values(),
            ["auto", "bars", "plain", "none"]
        );

        // From the audit log (no cluster here: Helm's list fails fast and quietly).
        assert_eq!(c(&["history", "--hook", "db"]).values(), ["db-migrate"]);
        let rel = c(&["history", "shop"]);
        assert_eq!(rel.values(), ["shop-from-audit"]);
        assert_eq!(rel.help("shop-from-audit"), "seen in the audit log");
        // Helm's -n narrows releases to that namespace.
        assert!(
            complete(
                &env,
                &helm,
                repo.path(),
                &["-n", "other", "history", "shop"]
            )
            .candidates
            .is_empty()
        );
        assert_eq!(c(&["history", "--run", ""]).values(), ["run-0001"]);
    }
}

/// Where order means something, the directive carries cobra's keep-order
/// bit (32) through both Helms, so shells do not sort: HEAD and WORKTREE,
/// refs, then commits newest first; values files before other YAML.
#[test]
fn helm_keeps_the_order_of_revisions_values_files_and_operations() {
    let (repo, head) = chart_repo();
    repo.write("plugin.yaml", "name: x\n")
        .write("app/ci/lint-values.yaml", "a: 4\n")
        .write("app/prod.values.yaml", "a: 5\n");
    let newest = repo.commit("more values");
    let short = |sha: &str| repo.git(&["rev-parse", "--short", sha]);
    let (newest, older) = (short(&newest), short(&head));
    for helm in helms() {
        let env = Env::new();
        install_plugin(&env);
        write_audit(&env);
        let c = |words: &[&str]| complete(&env, &helm, repo.path(), words);

        let revs = c(&["plan", "--from", ""]);
        assert_eq!(revs.directive, ":36", "helm {}", helm.major);
        let at = |v: &str| revs.values().iter().position(|x| *x == v).unwrap();
        assert_eq!(&revs.values()[..2], ["HEAD", "WORKTREE"]);
        assert!(at("v1.0.0") < at(&newest) && at(&newest) < at(&older));

        let values = c(&["plan", "-f", ""]);
        assert_eq!(values.directive, ":36");
        assert_eq!(
            values.values(),
            [
                "app/ci/lint-values.yaml",
                "app/prod.values.yaml",
                "app/values.yaml",
                "env/prod.yaml",
                "plugin.yaml"
            ],
            "helm {}",
            helm.major
        );

        // The last item of a comma list, the listed ones not again.
        let ops = c(&["plan", "--operation", "install,u"]);
        assert_eq!(ops.values(), ["install,upgrade", "install,uninstall"]);
        assert_eq!(ops.directive, ":36");
        assert_eq!(
            c(&["plan", "--operation", "install,"]).values(),
            [
                "install,upgrade",
                "install,rollback",
                "install,uninstall",
                "install,test"
            ]
        );
        assert_eq!(
            c(&["plan", "--operation=upgrade,t"]).values(),
            ["upgrade,test"]
        );
        // Runs newest first; releases as Helm lists them, no order asked.
        assert_eq!(c(&["history", "--run", ""]).directive, ":36");
        assert_eq!(c(&["history", "shop"]).directive, ":4");
    }
}

/// Debian's bash-completion package (scripts/test.sh installs it).
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// An interactive bash in `dir` whose PATH starts with `env`'s `bin/`
/// holding `name` -> `target`, with bash-completion and `script` sourced
/// (a shell command that loads the completion under test).
fn real_bash(
    env: &Env,
    dir: &Path,
    (name, target): (&str, &Path),
    script: &str,
) -> rexpect::session::PtySession {
    assert!(
        Path::new(BASH_COMPLETION).is_file(),
        "{BASH_COMPLETION} missing: apt-get install bash-completion (scripts/test.sh does)"
    );
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(target, bin.join(name)).unwrap();
    let mut cmd = Command::new("bash");
    env.apply(&mut cmd);
    cmd.args(["--norc", "--noprofile", "-i"])
        .current_dir(dir)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("PS1", "READY$ ")
        .env("TERM", "xterm");
    let mut bash = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    bash.exp_string("READY$ ").unwrap();
    // rexpect turns the pty's echo off, and readline then shows no line at
    // all. Helm's script needs bash-completion, as every distribution's
    // bash has it.
    bash.send_line(&format!(
        "stty echo && source {BASH_COMPLETION} && {script} && echo LOADED"
    ))
    .unwrap();
    bash.exp_string("LOADED").unwrap();
    bash.exp_string("READY$ ").unwrap();
    bash
}

#[test]
fn completion_in_a_real_bash_shows_branches_and_tags() {
    let (repo, _) = chart_repo();
    for helm in helms() {
        let env = Env::new();
        install_plugin(&env);
        // `helm` on PATH is the real Helm under test.
        let mut bash = real_bash(
            &env,
            repo.path(),
            ("helm", &helm.path),
            "source <(helm completion bash)",
        );
        bash.send("helm hooks plan --from ").unwrap();
        bash.send("\t\t").unwrap();
        bash.flush().unwrap();
        // Listed with descriptions in the order given (keep-order), not
        // sorted: refs, then the tag, then the commits, newest first.
        let (before, tag) = bash.exp_regex(r"v1\.0\.0 +\(tag\)").unwrap();
        let shown = before + &tag;
        for r in ["main", "feature/backup", "v1.0.0", "WORKTREE"] {
            assert!(
                shown.contains(r),
                "helm {}: {r} not listed: {shown:?}",
                helm.major
            );
        }
        assert!(!shown.contains("raise a to 3"), "sorted: {shown:?}");
        bash.exp_string("(raise a to 3)").unwrap();
        bash.exp_string("(first commit)").unwrap();
        // A unique prefix completes in place.
        bash.send("v\t").unwrap();
        bash.flush().unwrap();
        bash.exp_string("1.0.0").unwrap();
        bash.send_control('c').unwrap();
        bash.exp_string("READY$ ").unwrap();
        // The last item of a comma list: one fits, completed in place.
        bash.send("helm hooks plan --operation install,upg\t")
            .unwrap();
        bash.flush().unwrap();
        bash.exp_string("rade").unwrap();
        bash.send_control('c').unwrap();
        bash.send_line("exit").unwrap();
    }
}

#[test]
fn standalone_bash_completion_goes_past_the_subcommand_in_a_real_bash() {
    let (repo, _) = chart_repo();
    let env = Env::new();
    // The committed script, as a package would install it.
    let script = format!(
        "source {}",
        repo_root().join("completions/helm-hooks.bash").display()
    );
    let mut bash = real_bash(
        &env,
        repo.path(),
        ("helm-hooks", assert_cmd::cargo::cargo_bin!("helm-hooks")),
        &script,
    );
    // A flag only `plan` has, and one only `history` has.
    bash.send("helm-hooks plan --detailed-e\t").unwrap();
    bash.flush().unwrap();
    bash.exp_string("xitcode").unwrap();
    bash.send_control('c').unwrap();
    bash.exp_string("READY$ ").unwrap();
    bash.send("helm-hooks history --sin\t").unwrap();
    bash.flush().unwrap();
    bash.exp_string("ce").unwrap();
    bash.send_control('c').unwrap();
    bash.send_line("exit").unwrap();
}

#[test]
fn committed_completion_scripts_are_fresh() {
    let update = std::env::var_os("HELM_HOOKS_UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in [
        ("bash", "helm-hooks.bash"),
        ("zsh", "_helm-hooks"),
        ("fish", "helm-hooks.fish"),
        ("powershell", "_helm-hooks.ps1"),
    ] {
        let out = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"))
            .args(["completion", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let path = repo_root().join("completions").join(file);
        if std::fs::read(&path).ok().as_deref() != Some(&out.stdout[..]) {
            if update {
                std::fs::write(&path, &out.stdout).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} are stale: run HELM_HOOKS_UPDATE_COMPLETIONS=1 cargo test --test it completion::committed_completion_scripts_are_fresh"
    );
}

#[test]
fn apply_without_release_or_terminal_names_release() {
    let (repo, _) = chart_repo();
    let env = Env::new();
    let out = env
        .hooks(&helm(3))
        .current_dir(repo.path())
        .args(["apply"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: no RELEASE given"), "{stderr}");
}

#[test]
fn test_filters_and_rollback_revisions_complete_from_the_release() {
    use crate::cluster::cluster;
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/test.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers: [{name: t, image: busybox}]\n",
    );
    repo.commit("one");
    let c = cluster();
    for helm in helms() {
        let env = Env::new();
        let ns = c.new_namespace(&format!("cfilter-h{}", helm.major));
        for verb in ["install", "upgrade"] {
            let out = env
                .helm(&helm)
                .env("KUBECONFIG", c.kubeconfig())
                .args([verb, "web", "app", "-n", &ns])
                .current_dir(repo.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        install_plugin(&env);
        let complete = |words: &[&str]| {
            let out = env
                .helm(&helm)
                .env("KUBECONFIG", c.kubeconfig())
                .args(["__complete", "-n", &ns, "hooks"])
                .args(words)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let filters = complete(&["test", "web", "--filter", ""]);
        assert_eq!(
            filters, "name=smoke\trun only this test\n!name=smoke\tskip this test\n:4\n",
            "helm {}",
            helm.major
        );
        // The latest revision is no rollback target: only revision 1.
        let revisions = complete(&["rollback", "web", ""]);
        assert!(
            revisions.starts_with("1\tsuperseded app-0.1.0 Install complete\n"),
            "helm {}: {revisions}",
            helm.major
        );
        assert_eq!(revisions.lines().count(), 2, "{revisions}");
    }
}

#[test]
fn releases_complete_and_apply_picks_one_in_a_pseudo_terminal() {
    use crate::cluster::cluster;
    let (repo, _) = chart_repo();
    let c = cluster();
    for helm in helms() {
        let env = Env::new();
        let ns = c.new_namespace(&format!("pick-h{}", helm.major));
        for name in ["alpha", "beta"] {
            let out = env
                .helm(&helm)
                .env("KUBECONFIG", c.kubeconfig())
                .args(["install", name, "app", "-n", &ns])
                .current_dir(repo.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Through Helm: the namespace's releases with status and chart.
        install_plugin(&env);
        let out = env
            .helm(&helm)
            .env("KUBECONFIG", c.kubeconfig())
            .args(["__complete", "-n", &ns, "hooks", "apply", ""])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with("alpha\tdeployed app-0.1.0\nbeta\tdeployed app-0.1.0\n"),
            "helm {}: {stdout}",
            helm.major
        );
        // Repeated TABs reuse the answer: one `helm list` for two completions.
        let (counting, calls) = env.counting_helm(&helm);
        let wrapper = counting.path;
        for _ in 0..2 {
            let out = env
                .hooks(&helm)
                .env("HELM_BIN", &wrapper)
                .env("KUBECONFIG", c.kubeconfig())
                .env("HELM_NAMESPACE", &ns)
                .args(["__complete", "--", "history", "b"])
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "beta\tdeployed app-0.1.0\n:4\n"
            );
        }
        let calls = std::fs::read_to_string(&calls).unwrap();
        assert_eq!(calls.lines().filter(|l| *l == "list").count(), 1, "{calls}");

        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
        env.apply(&mut cmd);
        // A user's terminal: console reads keys, not whole lines as with
        // the tests' TERM=dumb. RELEASE comes before CHART, so without it
        // the chart is the current directory.
        cmd.env("TERM", "xterm")
            .env("HELM_BIN", &helm.path)
            .env("KUBECONFIG", c.kubeconfig())
            .env("HELM_NAMESPACE", &ns)
            .current_dir(repo.path().join("app"))
            .args(["apply", "--yes", "--dry-run"]);
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
        p.exp_string(&format!("Release in namespace {ns}")).unwrap();
        p.exp_string("alpha").unwrap();
        p.send("bet").unwrap();
        p.flush().unwrap();
        p.send("\r").unwrap();
        p.flush().unwrap();
        p.exp_string(&format!("Upgrade of release beta in namespace {ns}"))
            .unwrap();
        p.exp_string("dry run: nothing was applied").unwrap();
        p.exp_eof().unwrap();
    }
}

#[test]
fn an_unreachable_cluster_is_asked_once_for_many_tabs() {
    let env = Env::new();
    let kubeconfig = env.path("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: x\n",
    )
    .unwrap();
    for helm in helms() {
        let (counting, calls) = env.counting_helm(&helm);
        let _ = std::fs::remove_file(&calls);
        for _ in 0..3 {
            let out = env
                .hooks(&helm)
                .env("HELM_BIN", &counting.path)
                .env("KUBECONFIG", &kubeconfig)
                .env("HELM_NAMESPACE", format!("ns-{}", helm.major))
                .args(["__complete", "--", "history", ""])
                .output()
                .unwrap();
            assert!(out.status.success());
            assert!(out.stderr.is_empty(), "{out:?}");
            // No release to offer, so the flags; and never an error.
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                stdout.starts_with("--") && stdout.ends_with(":4\n"),
                "{stdout}"
            );
        }
        let calls = std::fs::read_to_string(&calls).unwrap();
        assert_eq!(
            calls.lines().filter(|l| *l == "list").count(),
            1,
            "helm {}: {calls}",
            helm.major
        );
    }
}
