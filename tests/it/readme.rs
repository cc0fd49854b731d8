//! README.md is the front door (issue 36): short, every link of it and of
//! docs/ lands, and every command example in it is run by a test.
//!
//! The convention README.md keeps to for its examples:
//! - An example is a line of a fenced code block that starts with
//!   `$ helm hooks ` (in a ```console block) or `helm hooks ` (any block).
//! - In a ```console block, the lines after a `$ ` line, up to the next
//!   `$ ` line or the fence, are what the command prints (stdout and stderr
//!   together). Each of them must be a line of the real output, compared
//!   with shas, run ids, times and durations masked and runs of spaces
//!   collapsed (so column widths may differ); a line `...` stands for lines
//!   left out, and the order is not checked (stderr and stdout interleave).
//! - An example exits 0, unless its line ends in a comment `# exits N`.
//! - They run in README order, in one scenario: examples/shop's history as
//!   scripts/demo.sh makes it (tag `v1.1.0`, then `HEAD` adding the backup
//!   hook), from the repository's root, with the user and host pinned to
//!   `dev@laptop`; once with Helm 3, once with Helm 4 (the README shows
//!   Helm 3's version strings). Those that need no cluster run with none;
//!   all of them run against a fresh namespace of the test cluster (the
//!   namespace Helm passes, `HELM_NAMESPACE`).
//! - Any other command of README's code blocks (setup, install) names the
//!   test that runs it in OTHER_COMMANDS.

use crate::apply::Apply;
use crate::common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn readme_is_the_front_door_under_200_lines() {
    let text = read(&root().join("README.md"));
    let lines = text.lines().count();
    assert!(
        lines < 200,
        "README.md has {lines} lines; move reference text to docs/"
    );
    // It leads to the reference.
    assert!(
        text.contains("(docs/README.md)"),
        "README links docs/README.md"
    );
}

/// Every relative link of README.md and docs/*.md names a file that
/// exists, and an anchor (`file.md#heading`, `#heading`) names a heading
/// of that file as GitHub writes its ids.
#[test]
fn every_relative_link_of_the_docs_lands() {
    let mut files = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "md") {
            files.push(p);
        }
    }
    assert!(files.len() > 10, "docs/ has a page per command and concept");
    let mut broken = vec![];
    let mut checked = 0;
    for file in &files {
        for target in links(&read(file)) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest: PathBuf = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !dest.exists() {
                broken.push(format!("{}: {target}: no such file", file.display()));
                continue;
            }
            if let Some(anchor) = anchor
                && !heading_ids(&read(&dest)).contains(anchor)
            {
                broken.push(format!("{}: {target}: no such heading", file.display()));
            }
        }
    }
    assert!(checked > 20, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The targets of `[text](target)` links outside code.
fn links(text: &str) -> Vec<String> {
    let mut out = vec![];
    for line in prose_lines(text) {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            if let Some(end) = rest.find(')') {
                out.push(rest[..end].trim().to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}

/// Lines outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fence = false;
    text.lines()
        .filter(|l| {
            if l.starts_with("```") {
                fence = !fence;
                return false;
            }
            !fence
        })
        .collect()
}

/// GitHub's heading ids: lowercase, letters, digits, `-` and `_` kept,
/// spaces become `-`, the rest dropped.
fn heading_ids(text: &str) -> BTreeSet<String> {
    prose_lines(text)
        .into_iter()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_heading_ids_are_githubs() {
    let ids = heading_ids(
        "# `helm hooks plan`\n## The team's record (run objects in the cluster)\n## Every chart: `plan --all`\n",
    );
    assert!(ids.contains("helm-hooks-plan"), "{ids:?}");
    assert!(
        ids.contains("the-teams-record-run-objects-in-the-cluster"),
        "{ids:?}"
    );
    assert!(ids.contains("every-chart-plan---all"), "{ids:?}");
}

/// One README example: the command line, the exit it documents, and the
/// output lines it shows.
#[derive(Debug)]
struct Example {
    line: usize,
    args: Vec<String>,
    exit: i32,
    shows: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut out: Vec<Example> = vec![];
    let mut fence: Option<String> = None;
    // The example whose output the following lines are.
    let mut open = false;
    for (i, line) in readme.lines().enumerate() {
        if let Some(info) = line.strip_prefix("```") {
            fence = match fence {
                None => Some(info.trim().to_string()),
                Some(_) => None,
            };
            open = false;
            continue;
        }
        let Some(info) = fence.as_deref() else {
            continue;
        };
        let console = info == "console";
        let command = line
            .strip_prefix("$ ")
            .or(if console { None } else { Some(line) })
            .and_then(|c| c.strip_prefix("helm hooks "));
        if let Some(command) = command {
            let (words, exit) = split_command(command);
            out.push(Example {
                line: i + 1,
                args: words,
                exit,
                shows: vec![],
            });
            open = console;
        } else if console && line.starts_with("$ ") {
            panic!(
                "README.md:{}: a console example that is not `helm hooks`: {line}",
                i + 1
            );
        } else if open && !line.trim().is_empty() && line.trim() != "..." {
            out.last_mut().unwrap().shows.push(line.to_string());
        }
    }
    out
}

/// Shell words of a README command line (quotes, no expansion), and the
/// exit its `# exits N` comment documents (else 0).
fn split_command(command: &str) -> (Vec<String>, i32) {
    let mut words = vec![];
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = command.chars();
    let mut comment = "";
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, '#') if word.is_none() => {
                comment = chars.as_str();
                break;
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    let exit = comment
        .trim()
        .strip_prefix("exits ")
        .map(|n| n.trim().parse().expect("`# exits N` names a number"))
        .unwrap_or(0);
    (words, exit)
}

#[test]
fn readme_examples_are_parsed_by_the_convention() {
    let ex = examples(
        "```sh\nhelm hooks plan --help\nhelm plugin install x\n```\n\n```console\n$ helm hooks plan a --set 'x=a b' --detailed-exitcode   # exits 2\nHook plan: x\n...\n\n  +  1  pre-upgrade\n$ helm hooks history\n```\n",
    );
    assert_eq!(ex.len(), 3, "{ex:?}");
    assert_eq!(ex[0].args, ["plan", "--help"]);
    assert_eq!(
        ex[1].args,
        ["plan", "a", "--set", "x=a b", "--detailed-exitcode"]
    );
    assert_eq!(ex[1].exit, 2);
    assert_eq!(ex[1].shows, ["Hook plan: x", "  +  1  pre-upgrade"]);
    assert_eq!((ex[2].exit, ex[2].shows.len()), (0, 0));
}

/// A line with what differs from run to run masked: run ids, dates and
/// times, durations, shas (7+ hex digits, one at least a digit); runs of
/// spaces become one.
fn masked(line: &str) -> String {
    let b: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let word_edge = |j: usize| j >= b.len() || !b[j].is_ascii_alphanumeric();
    while i < b.len() {
        let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if starts_word {
            if let Some(n) = time_len(&b[i..]) {
                out.push_str("<time>");
                i += n;
                continue;
            }
            if let Some(n) = duration_len(&b[i..]).filter(|n| word_edge(i + n)) {
                out.push_str("<dur>");
                i += n;
                continue;
            }
            let hex = b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if hex >= 7 && word_edge(i + hex) && b[i..i + hex].iter().any(|c| c.is_ascii_digit()) {
                out.push_str("<sha>");
                i += hex;
                continue;
            }
        }
        if b[i].is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    out.trim().to_string()
}

/// `2026-01-03 10:00:00`, `2026-01-03T10:00:00.123Z`, `20260103T100000`
/// (a run id's start) or `10:00:00`.
fn time_len(b: &[char]) -> Option<usize> {
    let digits = |s: &[char], n: usize| s.len() >= n && s[..n].iter().all(|c| c.is_ascii_digit());
    let mut i = if digits(b, 8) && b.get(8) == Some(&'T') && digits(&b[9..], 6) {
        15
    } else if digits(b, 4)
        && b.get(4) == Some(&'-')
        && digits(&b[5..], 2)
        && b.get(7) == Some(&'-')
        && digits(b.get(8..)?, 2)
    {
        let mut i = 10;
        if matches!(b.get(10), Some(' ' | 'T'))
            && digits(b.get(11..)?, 2)
            && b.get(13) == Some(&':')
        {
            i = 11 + clock_len(&b[11..])?;
        }
        i
    } else {
        clock_len(b)?
    };
    if b.get(i) == Some(&'.') {
        i += 1 + b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    for suffix in ['Z'] {
        if b.get(i) == Some(&suffix) {
            i += 1;
        }
    }
    Some(i)
}

fn clock_len(b: &[char]) -> Option<usize> {
    let ok = b.len() >= 8
        && b[..8].iter().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                *c == ':'
            } else {
                c.is_ascii_digit()
            }
        });
    ok.then_some(8)
}

/// `31.0s`, `500ms`, `4m10s`, `1h2m`, `0s`.
fn duration_len(b: &[char]) -> Option<usize> {
    let mut i = 0;
    loop {
        let n = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == '.')
            .count();
        if n == 0 || !b[i].is_ascii_digit() {
            break;
        }
        let unit = if b.get(i + n) == Some(&'m') && b.get(i + n + 1) == Some(&'s') {
            2
        } else if matches!(b.get(i + n), Some('h' | 'm' | 's')) {
            1
        } else {
            break;
        };
        i += n + unit;
    }
    (i > 0).then_some(i)
}

#[test]
fn masking_keeps_what_a_reader_checks() {
    assert_eq!(
        masked(
            " 20260103T100000-cccccc  2026-01-03 10:00:00  web   upgrade  222222222222 → WORKTREE   4m10s"
        ),
        "<time>-cccccc <time> web upgrade <sha> → WORKTREE <dur>"
    );
    assert_eq!(
        masked("2026-12-06T07:31:46.120Z pre-upgrade Job/shop-backup: succeeded (0.2s)"),
        "<time> pre-upgrade Job/shop-backup: succeeded (<dur>)"
    );
    // Weights, positions, words made of hex letters stay.
    assert_eq!(
        masked("  +  1  pre-upgrade  -20  added  deadbeef"),
        "+ 1 pre-upgrade -20 added deadbeef"
    );
    assert_eq!(
        masked("Hook plan: v1.1.0 (62c48a758744)"),
        "Hook plan: v1.1.0 (<sha>)"
    );
}

/// What README shows of Helm 3's run, as Helm 4 prints it.
fn for_helm(line: &str, helm: &HelmBin) -> String {
    if helm.major == 3 {
        return line.to_string();
    }
    line.replace("v3.17.1", helm.version)
        .replace("v1.32.0", "v1.35.0")
}

/// examples/shop as scripts/demo.sh commits it: `v1.1.0` without the backup
/// hook and with migrations at weight 0, then `HEAD` with both changes.
fn shop_history() -> GitRepo {
    let repo = GitRepo::new();
    let mut files = vec![];
    walk_files(&root().join("examples/shop"), &mut files);
    let base = root().join("examples");
    for (path, _, is_dir) in &files {
        if *is_dir {
            continue;
        }
        let rel = path
            .strip_prefix(&base)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        repo.write(&rel, &read(path));
    }
    let values = read(&root().join("examples/shop/values.yaml"));
    assert!(values.contains("weight: \"-5\""), "demo.sh edits this line");
    repo.remove("shop/templates/hooks/backup.yaml");
    repo.write(
        "shop/values.yaml",
        &values.replace("weight: \"-5\"", "weight: \"0\""),
    );
    repo.commit("shop 1.1: migrate, seed, notify");
    repo.tag("v1.1.0");
    repo.write(
        "shop/templates/hooks/backup.yaml",
        &read(&root().join("examples/shop/templates/hooks/backup.yaml")),
    );
    repo.write("shop/values.yaml", &values);
    repo.commit("shop 1.2: back up before upgrades");
    repo
}

/// Whether an example needs the test cluster: the commands that talk to a
/// release (and `history`, which reads what they recorded).
fn needs_cluster(ex: &Example) -> bool {
    let live = [
        "apply",
        "test",
        "rollback",
        "uninstall",
        "history",
        "capabilities",
    ];
    live.contains(&ex.args[0].as_str()) || ex.args.iter().any(|a| a == "--release")
}

/// Runs `examples` in order, each with `command` (in `dir`), and returns
/// what differs from what README documents.
fn run_examples(
    examples: &[&Example],
    helm: &HelmBin,
    dir: &Path,
    command: impl Fn() -> std::process::Command,
) -> Vec<String> {
    let mut failures = vec![];
    for ex in examples {
        let out = command()
            .env("HELM_HOOKS_USER", "dev")
            .env("HELM_HOOKS_HOST", "laptop")
            .current_dir(dir)
            .args(&ex.args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let printed = printed(&out);
        let lines: BTreeSet<String> = printed.lines().map(masked).collect();
        let mut problems = vec![];
        if out.status.code() != Some(ex.exit) {
            problems.push(format!(
                "exit {:?}, README documents {}",
                out.status.code(),
                ex.exit
            ));
        }
        for shown in &ex.shows {
            let want = masked(&for_helm(shown, helm));
            if !lines.contains(&want) {
                problems.push(format!("missing line: {want}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "README.md:{}: helm hooks {} (Helm {}):\n  {}\n--- it printed:\n{printed}",
                ex.line,
                ex.args.join(" "),
                helm.major,
                problems.join("\n  ")
            ));
        }
    }
    failures
}

/// The examples that need no cluster (`plan` of Git revisions, `lint`,
/// `--help`) run as written with no cluster anywhere: no kubeconfig, no
/// `HELM_NAMESPACE`.
#[test]
fn readme_examples_without_a_cluster_run_as_documented() {
    let readme = read(&root().join("README.md"));
    let all = examples(&readme);
    let offline: Vec<&Example> = all.iter().filter(|e| !needs_cluster(e)).collect();
    assert!(offline.len() >= 3, "README's offline examples: {offline:?}");
    assert!(
        offline.iter().any(|e| !e.shows.is_empty()),
        "README shows output"
    );
    let repo = shop_history();
    for helm in helms() {
        let env = Env::new();
        let failures = run_examples(&offline, &helm, repo.path(), || {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
            env.apply(&mut cmd);
            cmd.env("HELM_BIN", &helm.path);
            cmd
        });
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
        // The examples that need a cluster parse: their words, `--help`
        // after them, are the command's (clap stops at a bad flag or value
        // before it reads `--help`).
        for ex in all.iter().filter(|e| needs_cluster(e)) {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args(&ex.args)
                .arg("--help")
                .output()
                .unwrap();
            let usage = format!("Usage: helm hooks {} ", ex.args[0]);
            assert!(
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains(&usage),
                "README.md:{}: helm hooks {} does not parse: {out:?}",
                ex.line,
                ex.args.join(" ")
            );
        }
    }
}

/// Every example, those that talk to a release included, runs in README
/// order against a fresh namespace of the test cluster (which
/// scripts/test.sh builds; a missing cluster fails the test).
#[test]
fn every_readme_example_runs_as_documented_against_the_test_cluster() {
    let readme = read(&root().join("README.md"));
    let all = examples(&readme);
    assert!(
        all.iter().any(needs_cluster),
        "README shows a release's life"
    );
    let all: Vec<&Example> = all.iter().collect();
    let repo = shop_history();
    for major in [3, 4] {
        let a = Apply::new(major, "readme");
        let failures = run_examples(&all, &a.helm, repo.path(), || a.hooks());
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }
}

/// The README's other commands (setup, install), each with the test that
/// runs it, or what it does on loopback where it would reach the network.
const OTHER_COMMANDS: &[(&str, &str)] = &[
    (
        "scripts/demo.sh",
        "readme::the_demo_prints_what_the_readme_shows",
    ),
    (
        "scripts/test.sh",
        "readme::ci_runs_the_test_command_of_the_readme",
    ),
    (
        "helm plugin install https://github.com/helm-hooks/helm-hooks",
        "plugin::a_plugin_installed_from_git_updates_with_helm_plugin_update",
    ),
    (
        "helm plugin install ./helm-hooks",
        "release::a_checkout_installs_the_release_binary_in_seconds_without_cargo",
    ),
    (
        "git clone",
        "release::a_checkout_installs_the_release_binary_in_seconds_without_cargo",
    ),
];

/// Every command line of README's code blocks that is no `helm hooks`
/// example is one of OTHER_COMMANDS, and the test named for it exists.
#[test]
fn every_other_readme_command_names_the_test_that_runs_it() {
    let readme = read(&root().join("README.md"));
    let mut fence: Option<String> = None;
    let mut unknown = vec![];
    let mut seen = BTreeSet::new();
    for (i, line) in readme.lines().enumerate() {
        if let Some(info) = line.strip_prefix("```") {
            fence = fence.is_none().then(|| info.trim().to_string());
            continue;
        }
        let Some(info) = fence.as_deref() else {
            continue;
        };
        let command = match info {
            "console" => line.strip_prefix("$ "),
            "sh" | "bash" | "shell" => Some(line),
            _ => None,
        };
        let Some(command) = command.map(str::trim) else {
            continue;
        };
        // Environment assignments and comments are no command.
        let command = command
            .split_whitespace()
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .collect::<Vec<_>>()
            .join(" ");
        if command.is_empty() || command.starts_with('#') || command.starts_with("helm hooks ") {
            continue;
        }
        match OTHER_COMMANDS.iter().find(|(c, _)| command.starts_with(c)) {
            Some((c, _)) => {
                seen.insert(*c);
            }
            None => unknown.push(format!("README.md:{}: {command}", i + 1)),
        }
    }
    assert!(
        unknown.is_empty(),
        "commands no test runs:\n{}",
        unknown.join("\n")
    );
    assert!(
        seen.contains("scripts/test.sh"),
        "README gives CI's test command"
    );
    for (_, test) in OTHER_COMMANDS {
        let (module, name) = test.split_once("::").unwrap();
        let source = read(&root().join(format!("tests/it/{module}.rs")));
        assert!(
            source.contains(&format!("#[test]\nfn {name}()")),
            "no test {test}"
        );
    }
}

/// CI (.ci/run) runs the test command README gives, and only that.
#[test]
fn ci_runs_the_test_command_of_the_readme() {
    let ci = read(&root().join(".ci/run"));
    let commands: Vec<&str> = ci
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter(|l| !l.starts_with("set ") && !l.starts_with("cd "))
        .collect();
    assert_eq!(commands, ["exec bash scripts/test.sh"]);
    let readme = read(&root().join("README.md"));
    assert!(
        readme.contains("\nscripts/test.sh "),
        "README gives scripts/test.sh"
    );
}

/// `scripts/demo.sh --operation upgrade` prints the README's first example
/// (the build step skipped: the binary under test stands in for the
/// release build).
#[test]
fn the_demo_prints_what_the_readme_shows() {
    let readme = read(&root().join("README.md"));
    let all = examples(&readme);
    let first = &all[0];
    assert_eq!(
        first.args,
        [
            "plan",
            "shop",
            "--from",
            "v1.1.0",
            "--to",
            "HEAD",
            "--operation",
            "upgrade"
        ],
        "README opens with the demo's plan"
    );
    assert!(first.shows.len() > 5, "README shows the demo's output");
    let helm = helm(3);
    let env = Env::new();
    let mut cmd = std::process::Command::new("bash");
    env.apply(&mut cmd);
    let out = cmd
        .arg(root().join("scripts/demo.sh"))
        .arg("--operation")
        .arg("upgrade")
        .env(
            "HELM_HOOKS_DEMO_BIN",
            assert_cmd::cargo::cargo_bin!("helm-hooks"),
        )
        .env("HELM_BIN", &helm.path)
        .output()
        .unwrap();
    let printed = printed(&out);
    assert!(out.status.success(), "{printed}");
    let lines: BTreeSet<String> = printed.lines().map(masked).collect();
    let missing: Vec<String> = first
        .shows
        .iter()
        .map(|l| masked(l))
        .filter(|l| !lines.contains(l))
        .collect();
    assert!(
        missing.is_empty(),
        "missing lines: {missing:#?}\n--- it printed:\n{printed}"
    );
}

/// docs/README.md, the reference's index, links each man page.
#[test]
fn the_docs_link_every_man_page() {
    let index = read(&root().join("docs/README.md"));
    let mut pages = 0;
    for entry in std::fs::read_dir(root().join("man")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        pages += 1;
        assert!(
            index.contains(&format!("(../man/{name})")),
            "docs/README.md links man/{name}"
        );
    }
    assert!(pages > 5, "man/ has a page per command");
}

/// The docs pages that messages and SARIF name (`see docs/x.md`,
/// `docs/lint.md#rules`) exist, with that heading.
#[test]
fn the_docs_pages_the_program_names_exist() {
    let mut files = vec![];
    walk_files(&root().join("src"), &mut files);
    let mut named = BTreeSet::new();
    for (path, _, is_dir) in files {
        if is_dir || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        // Code, not comments (which cite other projects' docs too).
        let text = read(&path);
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find("docs/") {
                rest = &rest[i + 5..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.#".contains(c)))
                    .unwrap_or(rest.len());
                let target = rest[..end].trim_end_matches('.');
                if target.contains(".md") {
                    named.insert(target.to_string());
                }
            }
        }
    }
    assert!(named.contains("lint.md#rules"), "{named:?}");
    assert!(named.contains("local-hooks.md"), "{named:?}");
    for target in &named {
        let (page, anchor) = target.split_once('#').unwrap_or((target, ""));
        let path = root().join("docs").join(page);
        assert!(path.is_file(), "src names docs/{target}: no such page");
        if !anchor.is_empty() {
            assert!(
                heading_ids(&read(&path)).contains(anchor),
                "src names docs/{target}: no such heading"
            );
        }
    }
}
