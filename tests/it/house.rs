//! The shape of the house, checked on the sources: commands never import
//! each other, no module cycle in non-test code, no function over 120
//! lines. Text-level checks, enough for this codebase's style.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module (`core::plan`, `app::apply::run`, ...) and its source
/// without the test module.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src()).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod" || p == "main") {
            parts.pop();
        }
        if parts.last().is_some_and(|p| p == "snapshot_tests") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        let code: String = code
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(parts.join("::"), code);
    }
    out
}

/// The modules a module's code refers to (`crate::a::b`, `super::c`).
fn references(name: &str, code: &str, all: &BTreeMap<String, String>) -> BTreeSet<String> {
    let base: Vec<&str> = name.split("::").filter(|p| !p.is_empty()).collect();
    let mut out = BTreeSet::new();
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{' || c == ','))
        .collect();
    for w in words {
        let (root, rest) = if let Some(r) = w.strip_prefix("crate::") {
            (Vec::new(), r)
        } else if let Some(r) = w.strip_prefix("super::") {
            (base[..base.len().saturating_sub(1)].to_vec(), r)
        } else {
            continue;
        };
        // `a::b::{c, d}` names several; a path names its longest module.
        let (head, group) = match rest.split_once("::{") {
            Some((h, g)) => (h, g.trim_end_matches('}').split(',').collect::<Vec<_>>()),
            None => (rest, vec![""]),
        };
        for g in group {
            let mut path: Vec<&str> = root.clone();
            path.extend(head.split("::").filter(|p| !p.is_empty()));
            path.extend(g.split("::").filter(|p| !p.is_empty()));
            for k in (1..=path.len()).rev() {
                let key = path[..k].join("::");
                if all.contains_key(&key) {
                    // A parent's reference to its own child is structure.
                    if key != name && !key.starts_with(&format!("{name}::")) {
                        out.insert(key);
                    }
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn no_command_imports_another_command() {
    let all = modules();
    for (name, code) in &all {
        if !name.starts_with("commands::") {
            continue;
        }
        let bad: Vec<_> = references(name, code, &all)
            .into_iter()
            .filter(|r| r.starts_with("commands"))
            .collect();
        assert!(bad.is_empty(), "{name} imports {bad:?}");
    }
}

#[test]
fn no_module_cycle_in_non_test_code() {
    let all = modules();
    let edges: BTreeMap<&str, BTreeSet<String>> = all
        .iter()
        .map(|(n, c)| (n.as_str(), references(n, c, &all)))
        .collect();
    // A cycle: some module reaches itself.
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = edges[start].iter().cloned().collect();
        while let Some(m) = stack.pop() {
            assert!(m != *start, "module cycle through {start}");
            if seen.insert(m.clone())
                && let Some(next) = edges.get(m.as_str())
            {
                stack.extend(next.iter().cloned());
            }
        }
    }
    // The pure core reaches nothing outside it, the views no adapter.
    for (name, refs) in &edges {
        if name.starts_with("core") {
            assert!(
                refs.iter().all(|r| r.starts_with("core")),
                "{name}: {refs:?}"
            );
        }
        if name.starts_with("ui") {
            assert!(
                !refs.iter().any(|r| r.starts_with("adapters")),
                "{name}: {refs:?}"
            );
        }
    }
}

#[test]
fn no_function_over_120_lines() {
    let mut long = Vec::new();
    for (name, code) in modules() {
        let lines: Vec<&str> = code.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i].trim_start();
            let is_fn = [
                "fn ",
                "pub fn ",
                "async fn ",
                "pub async fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
            ]
            .iter()
            .any(|p| l.starts_with(p));
            if !is_fn {
                i += 1;
                continue;
            }
            let (mut depth, mut opened, mut j) = (0i32, false, i);
            while j < lines.len() {
                // Braces in strings are rare here; skip string literals.
                let mut in_str = false;
                for c in lines[j].chars() {
                    match c {
                        '"' => in_str = !in_str,
                        '{' if !in_str => {
                            depth += 1;
                            opened = true;
                        }
                        '}' if !in_str => depth -= 1,
                        _ => {}
                    }
                }
                if (opened && depth <= 0) || (!opened && lines[j].trim_end().ends_with(';')) {
                    break;
                }
                j += 1;
            }
            if opened && j - i + 1 > 120 {
                long.push(format!("{name}: {} ({} lines)", l, j - i + 1));
            }
            i += 1;
        }
    }
    assert!(long.is_empty(), "{long:#?}");
}
