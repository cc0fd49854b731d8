//! Secret values never leave the process unless the user asks.

use super::hook::RawDocument;
use serde_json::Value;

pub const REDACTED: &str = "<redacted>";
pub const REDACTED_CHANGED: &str = "<redacted, changed>";

/// A `Secret`'s `data` and `stringData` values, replaced. When `other` (the
/// same Secret at the other revision) is given, a value that differs is
/// marked so a diff still shows that it changed.
pub fn redact_secret(doc: &Value, other: Option<&Value>) -> Value {
    let mut out = doc.clone();
    if doc.get("kind").and_then(Value::as_str) != Some("Secret") {
        return out;
    }
    for field in ["data", "stringData"] {
        let Some(Value::Object(map)) = out.get_mut(field) else {
            continue;
        };
        for (key, value) in map.iter_mut() {
            // A value masked as random per render is no secret any more.
            if value.as_str() == Some(super::random::RANDOM) {
                continue;
            }
            let before = other.and_then(|o| o.get(field)).and_then(|m| m.get(key));
            let changed = other.is_some() && before != Some(value);
            *value = Value::String(if changed { REDACTED_CHANGED } else { REDACTED }.into());
        }
    }
    out
}

/// What a keyed digest of a Secret value starts with.
pub const DIGEST_PREFIX: &str = "hh-digest:";

/// Helm's output with every Secret's `data`/`stringData` values replaced
/// by a keyed digest (`hh-digest:…`), for what is kept on disk: equal
/// values stay equal and different ones differ, so a diff still says
/// `<redacted, changed>`, yet no value can be read back. Other documents
/// are kept byte for byte. `None` when a Secret cannot be read: then
/// nothing may be stored.
pub fn digest_secrets(stream: &str, digest: &dyn Fn(&str) -> String) -> Option<String> {
    match secret_documents(stream) {
        None => Some(stream.to_string()),
        Some(docs) => digest_documents_with(&docs, &|text| digest_document(text, digest)),
    }
}

/// The stream's documents, each with whether it may be a Secret; `None`
/// when none may be (the stream is then kept as it is).
pub fn secret_documents(stream: &str) -> Option<Vec<(RawDocument<'_>, bool)>> {
    let docs: Vec<_> = super::hook::split_documents(stream)
        .into_iter()
        .map(|d| {
            let secret = super::hook::quick_head(d.text)
                .map_or(d.text.contains("Secret"), |(kind, _)| kind == "Secret");
            (d, secret)
        })
        .collect();
    docs.iter().any(|(_, secret)| *secret).then_some(docs)
}

/// [`digest_secrets`] of documents from [`secret_documents`], each
/// Secret-looking document's text turned into what is kept of it by `one`
/// (see [`digest_document`]): the outputs of consecutive runs of
/// documents, joined, equal the output of all.
pub fn digest_documents_with(
    docs: &[(RawDocument<'_>, bool)],
    one: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(docs.iter().map(|(d, _)| d.text.len() + 4).sum());
    for (d, secret) in docs {
        out.push_str("---\n");
        match secret {
            false => out.push_str(d.text),
            true => out.push_str(&one(d.text)?),
        }
    }
    Some(out)
}

/// What a Secret-looking document is kept as: its values digested, or its
/// text when it is no Secret. A function of its text (and the digest)
/// alone.
pub fn digest_document(text: &str, digest: &dyn Fn(&str) -> String) -> Option<String> {
    let mut doc: Value =
        serde_saphyr::from_str_with_options(text, super::hook::yaml_options()).ok()?;
    if !is_secret(&doc) {
        return Some(text.to_string());
    }
    for field in ["data", "stringData"] {
        if let Some(Value::Object(map)) = doc.get_mut(field) {
            for value in map.values_mut() {
                let text = match &*value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                *value = Value::String(format!("{DIGEST_PREFIX}{}", digest(&text)));
            }
        }
    }
    // The comment lines (`# Source:`) say where the document is from.
    let mut out = String::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&serde_saphyr::to_string(&doc).ok()?);
    Some(out)
}

/// True when a document is a Secret, whose text must not be shown raw.
pub fn is_secret(doc: &Value) -> bool {
    doc.get("kind").and_then(Value::as_str) == Some("Secret")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_data_and_string_data_and_marks_changes() {
        let old = json!({"kind": "Secret", "data": {"a": "MQ==", "b": "Mg=="}});
        let new =
            json!({"kind": "Secret", "data": {"a": "MQ==", "b": "Mw=="}, "stringData": {"c": "x"}});
        let r = redact_secret(&new, Some(&old));
        assert_eq!(r["data"]["a"], REDACTED);
        assert_eq!(r["data"]["b"], REDACTED_CHANGED);
        assert_eq!(r["stringData"]["c"], REDACTED_CHANGED);
        assert!(!r.to_string().contains("Mw=="));
    }

    #[test]
    fn digests_keep_secret_values_out_and_equality_in() {
        let stream = "---\n# Source: a/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n  same: hunter2\ndata:\n  token: c2VjcmV0\n---\n# Source: a/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n";
        let digest = |v: &str| format!("{:x}", v.len() * 7);
        let out = digest_secrets(stream, &digest).unwrap();
        assert!(
            !out.contains("hunter2") && !out.contains("c2VjcmV0"),
            "{out}"
        );
        assert!(out.contains("# Source: a/templates/s.yaml"), "{out}");
        assert!(out.ends_with("---\n# Source: a/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n"), "{out}");
        let r = crate::core::hook::parse_rendered(&out).unwrap();
        assert_eq!(r.resources.len(), 2);
        let plain = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        assert_eq!(digest_secrets(plain, &digest).unwrap(), plain);
    }

    #[test]
    fn set_values_split_as_helm_splits_them() {
        assert_eq!(
            set_values("a=s3cret,b=x\\,y"),
            ["czNjcmV0", "s3cret", "eCx5", "x,y"]
        );
        assert!(set_values("empty=").is_empty());
    }

    #[test]
    fn leaves_other_kinds_alone() {
        let cm = json!({"kind": "ConfigMap", "data": {"a": "1"}});
        assert_eq!(redact_secret(&cm, None), cm);
    }
}

/// Every value of every Secret in a rendered stream (`stringData` as
/// written, `data` base64-decoded), so text bound for the terminal or the
/// audit log can be scrubbed of them.
/// The values of one `--set`/`--set-string` argument, as Helm splits it
/// (`a=s3cret,b=x`: commas separate pairs unless escaped), each also in
/// base64, the form it takes in a Secret's `data`.
pub fn set_values(arg: &str) -> Vec<String> {
    use base64::Engine;
    let mut pairs = vec![String::new()];
    let mut chars = arg.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    pairs.last_mut().unwrap().push(next);
                }
            }
            ',' => pairs.push(String::new()),
            c => pairs.last_mut().unwrap().push(c),
        }
    }
    let mut out = Vec::new();
    for p in pairs {
        if let Some((_, v)) = p.split_once('=').filter(|(_, v)| !v.trim().is_empty()) {
            out.push(base64::engine::general_purpose::STANDARD.encode(v));
            out.push(v.to_string());
        }
    }
    out
}

pub fn secret_values(stream: &str) -> Vec<String> {
    use base64::Engine;
    let mut out = Vec::new();
    for doc in super::hook::split_documents(stream) {
        if !doc.text.contains("Secret") {
            continue;
        }
        let Ok(v) = serde_saphyr::from_str::<Value>(doc.text) else {
            continue;
        };
        if !is_secret(&v) {
            continue;
        }
        for (field, encoded) in [("stringData", false), ("data", true)] {
            let Some(map) = v.get(field).and_then(Value::as_object) else {
                continue;
            };
            for value in map.values().filter_map(Value::as_str) {
                let plain = if encoded {
                    base64::engine::general_purpose::STANDARD
                        .decode(value.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                } else {
                    Some(value.to_string())
                };
                out.extend(plain.filter(|p| !p.trim().is_empty()));
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

#[cfg(test)]
mod secret_value_tests {
    use super::*;

    #[test]
    fn collects_string_data_and_decoded_data() {
        let stream = "---\nkind: Secret\nmetadata: {name: a}\nstringData: {pw: hunter2}\ndata: {token: czNjcjN0}\n---\nkind: ConfigMap\ndata: {x: visible}\n";
        let v = secret_values(stream);
        assert!(v.contains(&"hunter2".to_string()) && v.contains(&"s3cr3t".to_string()));
        assert!(!v.contains(&"visible".to_string()));
    }
}
