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
