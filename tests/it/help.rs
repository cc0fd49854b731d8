//! `--help` as a new user reads it: the global flags under their own
//! heading, environment variables named without an empty value, real
//! examples at the end of each command, one form of `--timeout`'s default,
//! and `helm hooks version`.

use crate::common::*;

const COMMANDS: [&str; 10] = [
    "plan",
    "apply",
    "test",
    "rollback",
    "uninstall",
    "history",
    "lint",
    "completion",
    "version",
    "comment",
];

/// `helm-hooks ARGS --help` (as Helm hands `helm hooks ARGS --help` over),
/// its stdout; it must succeed.
fn help(env: &Env, args: &[&str]) -> String {
    let out = env
        .hooks(&helm(3))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text between two headings (`Options:` ... `Global Options:`).
fn between<'t>(text: &'t str, from: &str, to: &str) -> &'t str {
    let start = text
        .find(&format!("\n{from}:\n"))
        .unwrap_or_else(|| panic!("no {from}: in\n{text}"));
    let rest = &text[start + from.len() + 2..];
    let end = rest
        .find(&format!("\n{to}:\n"))
        .unwrap_or_else(|| panic!("no {to}: after {from}: in\n{text}"));
    &rest[..end]
}

#[test]
fn global_flags_are_grouped_under_their_own_heading() {
    let env = Env::new();
    for cmd in ["plan", "apply", "lint", "history", "test"] {
        let text = help(&env, &[cmd]);
        let options = between(&text, "Options", "Global Options");
        let global = between(&text, "Global Options", "Examples");
        for flag in ["--debug", "--kube-context", "--kubeconfig", "--color"] {
            assert!(global.contains(flag), "{cmd}: {flag} not global:\n{text}");
            assert!(
                !options.contains(flag),
                "{cmd}: {flag} among the command's options:\n{text}"
            );
        }
        // The command's own flags stay where they were.
        assert!(options.contains("--help"), "{cmd}:\n{text}");
    }
    let plan = help(&env, &["plan"]);
    assert!(
        between(&plan, "Options", "Global Options").contains("--from <REV>"),
        "{plan}"
    );
}

#[test]
fn environment_variables_are_named_without_an_empty_value() {
    let env = Env::new();
    for cmd in COMMANDS {
        // Unset (the hermetic env removes them) and set: neither shows a value.
        for set in [false, true] {
            let mut c = env.hooks(&helm(3));
            if set {
                c.env("HELM_HOOKS_HISTORY_MAX", "7")
                    .env("HELM_NAMESPACE", "team-a");
            }
            let out = c.args([cmd, "--help"]).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                !text.contains("=]") && !text.contains("[env: HELM_NAMESPACE=team-a]"),
                "{cmd}:\n{text}"
            );
            assert!(text.contains("[env: HELM_DEBUG]"), "{cmd}:\n{text}");
        }
    }
    let apply = help(&env, &["apply"]);
    for var in [
        "HELM_NAMESPACE",
        "HELM_HOOKS_HISTORY_MAX",
        "HELM_HOOKS_NO_CLUSTER_RECORD",
    ] {
        assert!(apply.contains(&format!("[env: {var}]")), "{var}:\n{apply}");
    }
}

/// Each command's help ends with examples, and each example is a command
/// line clap takes: its words, then `--help`, parse (an unknown flag or a
/// bad value before `--help` is an error).
#[test]
fn every_command_ends_with_examples_that_parse() {
    let env = Env::new();
    let top = help(&env, &[]);
    assert!(top.contains("\nExamples:\n"), "{top}");
    for cmd in COMMANDS {
        let text = help(&env, &[cmd]);
        let (_, examples) = text
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{cmd}: no examples:\n{text}"));
        let lines: Vec<&str> = examples
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("helm hooks ") || l.starts_with("helm-hooks "))
            .collect();
        assert!(lines.len() >= 2, "{cmd}: {examples}");
        let own = format!("{cmd} ");
        assert!(
            lines
                .iter()
                .filter(|l| l.contains(&own) || l.ends_with(cmd))
                .count()
                >= 2,
            "{cmd}: fewer than two examples of it: {examples}"
        );
        for line in lines {
            let words = line
                .trim_start_matches("helm hooks ")
                .trim_start_matches("helm-hooks ");
            // What the shell does with `> FILE` and what follows `--`.
            let words = words.split(" > ").next().unwrap();
            let words = words.split(" -- ").next().unwrap();
            let args: Vec<&str> = words.split_whitespace().collect();
            help(&env, &args);
        }
    }
}

#[test]
fn timeout_defaults_read_as_helm_prints_them() {
    let env = Env::new();
    for cmd in ["plan", "lint", "apply", "test", "rollback", "uninstall"] {
        let text = help(&env, &[cmd]);
        let flag = text
            .split("--timeout <DURATION>")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd}: no --timeout:\n{text}"));
        let default = flag
            .split("[default: ")
            .nth(1)
            .and_then(|d| d.split(']').next())
            .unwrap_or_else(|| panic!("{cmd}: no default:\n{text}"));
        assert_eq!(default, "5m0s", "{cmd}:\n{text}");
    }
}

#[test]
fn version_prints_the_plugins_version_as_text_and_json() {
    let env = Env::new();
    let plugin_yaml =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plugin.yaml")).unwrap();
    let listed = plugin_yaml
        .lines()
        .find_map(|l| l.strip_prefix("version: "))
        .unwrap();
    assert_eq!(
        listed,
        env!("CARGO_PKG_VERSION"),
        "plugin.yaml and Cargo.toml agree"
    );
    let out = env.hooks(&helm(3)).arg("version").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{listed}\n"));
    let out = env
        .hooks(&helm(3))
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(json(&out.stdout), serde_json::json!({ "version": listed }));
}

/// The man pages are generated from the definitions `--help` prints (so
/// they cannot drift), committed under man/ fresh, one per command, each
/// naming every flag its `--help` lists. `HELM_HOOKS_UPDATE_MAN=1`
/// rewrites them.
#[test]
fn committed_man_pages_are_fresh_and_name_every_flag() {
    let env = Env::new();
    let dir = env.path("man");
    let out = env
        .hooks(&helm(3))
        .args(["__man", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let committed = crate::cluster::repo_root().join("man");
    let update = std::env::var_os("HELM_HOOKS_UPDATE_MAN").is_some();
    let mut generated: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    generated.sort();
    if update {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        for name in &generated {
            std::fs::copy(dir.join(name), committed.join(name)).unwrap();
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&committed)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    on_disk.sort();
    let stale: Vec<&String> = generated
        .iter()
        .filter(|n| std::fs::read(dir.join(n)).ok() != std::fs::read(committed.join(n)).ok())
        .collect();
    assert!(
        stale.is_empty() && on_disk == generated,
        "man/ is stale ({stale:?}; committed {on_disk:?}): run HELM_HOOKS_UPDATE_MAN=1 cargo test --test it help::committed_man_pages_are_fresh_and_name_every_flag"
    );
    for command in COMMANDS.iter().chain(&["capabilities"]) {
        let page = format!("helm-hooks-{command}.1");
        assert!(generated.contains(&page), "no {page} in {generated:?}");
        // roff escapes a hyphen as `\-`.
        let man = std::fs::read_to_string(dir.join(&page))
            .unwrap()
            .replace("\\-", "-");
        let flags: Vec<String> = help(&env, &[command])
            .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '=')
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(|w| w.trim_end_matches([']', '.', ':', '`']).to_string())
            .collect();
        assert!(!flags.is_empty(), "{command}: no flags in --help");
        for flag in flags {
            // Flags inside the examples are fine to miss only if they are
            // some command's real flag; every option must be there.
            assert!(man.contains(&flag), "{page} lacks {flag}");
        }
    }
}
