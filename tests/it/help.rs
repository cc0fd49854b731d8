//! `--help` as a new user reads it: the global flags under their own
//! heading, environment variables named without an empty value, real
//! examples at the end of each command, one form of `--timeout`'s default,
//! and `helm hooks version`.

use crate::common::*;

const COMMANDS: [&str; 9] = [
    "plan",
    "apply",
    "test",
    "rollback",
    "uninstall",
    "history",
    "lint",
    "completion",
    "version",
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
