//! The throwaway repository config `helm dependency build` runs with.
//!
//! With a lock, Helm refuses a repository URL that was never `helm repo
//! add`ed ("no repository definition"), though the lock pins every
//! version. As `helm dependency update` (and Argo CD) do, such a URL gets
//! a generated entry, in a copy of the user's `repositories.yaml` made for
//! one build: their own file and repository cache are never written. The
//! copy keeps only the user's entries the chart uses (credentials, CA and
//! TLS settings included, as written), so Helm refreshes those indexes
//! only, and a dead repository the chart does not use cannot fail it.

use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Prefix of the generated entries' names; Helm's own are `helm-manager-`.
const GENERATED: &str = "helm-hooks-";

/// The user's `repositories.yaml`, where Helm looks for it: the variable
/// Helm sets for plugins, else under `HELM_CONFIG_HOME`, else the
/// platform's configuration folder (`~/Library/Preferences` on macOS).
pub fn user_config_path() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    var("HELM_REPOSITORY_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HELM_CONFIG_HOME").map(|h| PathBuf::from(h).join("repositories.yaml")))
        .or_else(|| {
            directories::BaseDirs::new()
                .map(|b| b.preference_dir().join("helm").join("repositories.yaml"))
        })
}

/// The config for a build whose dependencies name `repositories` (their
/// `repository:` values, from Chart.yaml and the lock). `user` is the
/// user's `repositories.yaml`, if any. JSON, which Helm reads as YAML.
pub fn throwaway(user: Option<&[u8]>, repositories: &[&str]) -> Result<Vec<u8>, String> {
    let entries = match user.map(String::from_utf8_lossy) {
        Some(text) if !text.trim().is_empty() => {
            let file: serde_json::Value =
                serde_saphyr::from_str(&text).map_err(|e| first_line(&e.to_string()))?;
            file.get("repositories")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let field = |e: &serde_json::Value, key: &str| {
        e.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let aliases: Vec<&str> = repositories
        .iter()
        .filter_map(|r| r.strip_prefix('@').or_else(|| r.strip_prefix("alias:")))
        .collect();
    let urls: Vec<String> = repositories
        .iter()
        .filter(|r| r.starts_with("http://") || r.starts_with("https://"))
        .map(|r| normalized(r))
        .collect();
    let mut kept: Vec<serde_json::Value> = entries
        .into_iter()
        .filter(|e| {
            aliases.contains(&field(e, "name").as_str())
                || urls.contains(&normalized(&field(e, "url")))
        })
        .collect();
    let mut known: Vec<String> = kept.iter().map(|e| normalized(&field(e, "url"))).collect();
    for r in repositories {
        let url = normalized(r);
        if urls.contains(&url) && !known.contains(&url) {
            kept.push(serde_json::json!({ "name": generated_name(&url), "url": r }));
            known.push(url);
        }
    }
    let file = serde_json::json!({ "apiVersion": "", "repositories": kept });
    Ok(serde_json::to_vec_pretty(&file).expect("a JSON value serializes"))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

fn generated_name(normalized_url: &str) -> String {
    let digest = format!("{:x}", Sha256::digest(normalized_url.as_bytes()));
    format!("{GENERATED}{}", &digest[..12])
}

/// A URL compared as loosely as Helm's `urlutil.Equal` or more (case, `.`,
/// `..`, doubled and trailing slashes): a user's entry Helm would match
/// must never get a generated twin without its credentials, since Helm
/// picks among matching entries in map order.
fn normalized(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").unwrap_or(("", &lower));
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.len() > 1 {
                    parts.pop();
                }
            }
            p => parts.push(p),
        }
    }
    format!("{scheme}://{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_urls(config: &[u8]) -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_slice(config).unwrap();
        v["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["url"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    const USER: &str = "apiVersion: \"\"\nrepositories:\n- name: corp\n  url: https://charts.corp.example/stable/\n  username: me\n  password: secret\n- name: gone\n  url: http://127.0.0.1:9\n- name: stable\n  url: https://stable.example\n";

    #[test]
    fn keeps_the_users_entries_the_chart_uses_with_their_credentials() {
        let config = throwaway(
            Some(USER.as_bytes()),
            &[
                "https://charts.corp.example/stable",
                "@stable",
                "oci://r.example/c",
            ],
        )
        .unwrap();
        assert_eq!(
            names_and_urls(&config),
            [
                ("corp".into(), "https://charts.corp.example/stable/".into()),
                ("stable".into(), "https://stable.example".into()),
            ]
        );
        let v: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(v["repositories"][0]["password"], "secret");
    }

    #[test]
    fn a_url_never_added_gets_one_generated_entry() {
        let config = throwaway(
            Some(USER.as_bytes()),
            &[
                "http://127.0.0.1:8080/",
                "http://127.0.0.1:8080",
                "https://Charts.Corp.example/stable/./",
            ],
        )
        .unwrap();
        let entries = names_and_urls(&config);
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].0, "corp", "matched loosely, not doubled");
        assert!(entries[1].0.starts_with(GENERATED), "{entries:?}");
        assert_eq!(entries[1].1, "http://127.0.0.1:8080/");
        let none = throwaway(None, &["http://127.0.0.1:8080"]).unwrap();
        assert_eq!(names_and_urls(&none)[0].0, entries[1].0, "stable names");
    }

    #[test]
    fn a_broken_user_file_is_an_error() {
        assert!(throwaway(Some(b"repositories: [\n"), &["http://x"]).is_err());
    }
}
