//! Secret values never leave the process unless the user asks.

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
    fn leaves_other_kinds_alone() {
        let cm = json!({"kind": "ConfigMap", "data": {"a": "1"}});
        assert_eq!(redact_secret(&cm, None), cm);
    }
}

/// Every value of every Secret in a rendered stream (`stringData` as
/// written, `data` base64-decoded), so text bound for the terminal or the
/// audit log can be scrubbed of them.
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
