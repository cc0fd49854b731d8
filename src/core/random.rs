//! Values random per render (`randAlphaNum` in a name, in Secret data):
//! found by comparing two renders of the same input, then left out of the
//! comparison with the other revision, whose render is just another draw.

use super::hook::{Hook, RandomHook, Rendered, Slot, Warning};
use serde_json::Value;
use std::collections::HashMap;

/// What a random value is replaced with before comparing and showing.
pub const RANDOM: &str = "<random per render>";

fn slots(hooks: &[Hook]) -> Vec<Slot> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    hooks
        .iter()
        .map(|h| {
            let n = seen.entry((h.kind.clone(), h.path.clone())).or_default();
            *n += 1;
            (h.kind.clone(), h.path.clone(), *n - 1)
        })
        .collect()
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// JSON pointers where `a` and `b` differ: leaves, or the smallest part
/// whose shape differs (keys added, lists of another length).
fn differing(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = format!("{at}/{}", escape(k));
                match y.get(k) {
                    Some(w) => differing(v, w, &p, out),
                    None => out.push(p),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{at}/{}", escape(k)));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differing(v, w, &format!("{at}/{i}"), out);
            }
        }
        _ if a != b => out.push(at.to_string()),
        _ => {}
    }
}

fn dotted(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// The hooks of `first` whose values differ in `second`, a render of the
/// same input (hooks paired by their place in their template).
pub fn random_hooks(first: &Rendered, second: &Rendered) -> Vec<RandomHook> {
    let second_at: HashMap<Slot, &Hook> = slots(&second.hooks)
        .into_iter()
        .zip(&second.hooks)
        .collect();
    let mut out = Vec::new();
    for (slot, h) in slots(&first.hooks).into_iter().zip(&first.hooks) {
        let Some(other) = second_at.get(&slot) else {
            continue;
        };
        let mut pointers = Vec::new();
        differing(&h.document, &other.document, "", &mut pointers);
        if pointers.is_empty() {
            continue;
        }
        out.push(RandomHook {
            kind: h.kind.clone(),
            name: h.name.clone(),
            path: h.path.clone(),
            fields: pointers.iter().map(|p| dotted(p)).collect(),
            pointers,
            slot,
        });
    }
    out
}

fn mask(hook: &mut Hook, pointers: &[String]) {
    let mut touched = false;
    for p in pointers {
        if let Some(v) = hook.document.pointer_mut(p) {
            *v = Value::String(RANDOM.to_string());
            touched = true;
        }
    }
    if touched {
        // The text shown and diffed is the masked document's.
        if let Ok(text) = serde_saphyr::to_string(&hook.document) {
            hook.manifest = text;
        }
    }
}

/// Masks the random values of `to`'s hooks, and the same fields of the
/// hooks at the same places in `from`; a `from` hook at the place of a hook
/// whose name is random takes that name, so the two are compared.
pub fn neutralize(from: &mut Rendered, to: &mut Rendered, random: &[RandomHook]) {
    if random.is_empty() {
        return;
    }
    let to_slots = slots(&to.hooks);
    let from_slots = slots(&from.hooks);
    for r in random {
        if let Some(i) = to_slots.iter().position(|s| *s == r.slot) {
            mask(&mut to.hooks[i], &r.pointers);
        }
        let Some(j) = from_slots.iter().position(|s| *s == r.slot) else {
            continue;
        };
        // A hook of `from` that has `to`'s name already is that hook.
        let named_elsewhere = from
            .hooks
            .iter()
            .any(|h| h.kind == r.kind && h.name == r.name);
        if r.name_is_random() && !named_elsewhere {
            from.hooks[j].name = r.name.clone();
        }
        mask(&mut from.hooks[j], &r.pointers);
    }
}

/// The one warning for all random hooks of a side.
pub fn warning(random: &[RandomHook]) -> Option<Warning> {
    (!random.is_empty()).then(|| Warning::RandomPerRender {
        hooks: random.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::hook::parse_rendered;

    fn render(name: &str, pw: &str) -> Rendered {
        parse_rendered(&format!(
            "---\n# Source: app/templates/test.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: test\n---\n# Source: app/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  annotations:\n    helm.sh/hook: pre-install\nstringData:\n  password: {pw}\n  user: admin\n"
        ))
        .unwrap()
    }

    #[test]
    fn finds_what_two_renders_of_one_input_disagree_on() {
        let r = random_hooks(&render("t-abc", "x1"), &render("t-xyz", "x2"));
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].fields, vec!["metadata.name"]);
        assert!(r[0].name_is_random());
        assert_eq!(r[1].fields, vec!["stringData.password"]);
        assert!(random_hooks(&render("a", "b"), &render("a", "b")).is_empty());
    }

    #[test]
    fn neutralized_hooks_compare_equal_across_revisions() {
        let random = random_hooks(&render("t-abc", "x1"), &render("t-xyz", "x2"));
        let mut to = render("t-abc", "x1");
        let mut from = render("t-old", "x0");
        neutralize(&mut from, &mut to, &random);
        assert_eq!(from.hooks[0].name, "t-abc");
        assert_eq!(from.hooks[0].document, to.hooks[0].document);
        assert_eq!(from.hooks[1].document, to.hooks[1].document);
        assert_eq!(to.hooks[1].document["stringData"]["user"], "admin");
    }
}
