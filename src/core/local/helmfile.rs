//! Reading local hooks: a `helmfile.yaml` release's (and its global)
//! `hooks:`, and `.helm-hooks.yaml`.

use super::*;
use serde_json::Value;

fn yaml_docs(path: &str, text: &str) -> Result<Vec<Value>, LocalHookError> {
    serde_saphyr::from_multiple::<Value>(text)
        .map(|docs| docs.into_iter().filter(|d| !d.is_null()).collect())
        .map_err(|e| LocalHookError::Yaml {
            path: path.to_string(),
            message: e.to_string(),
        })
}

/// Reads a `hooks:` list.
fn parse_hooks(
    path: &str,
    list: &Value,
    global: bool,
    prefix: &str,
) -> Result<Vec<LocalHook>, LocalHookError> {
    let Some(items) = list.as_array() else {
        if list.is_null() {
            return Ok(Vec::new());
        }
        return Err(LocalHookError::Invalid {
            path: path.to_string(),
            hook: format!("{prefix}hooks"),
            problem: "must be a list of {events, command, args, showlogs}".into(),
        });
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = format!("{prefix}hooks[{i}]");
        let invalid = |problem: &str| LocalHookError::Invalid {
            path: path.to_string(),
            hook: name.clone(),
            problem: problem.to_string(),
        };
        if !item.is_object() {
            return Err(invalid(
                "must be a mapping {events, command, args, showlogs}",
            ));
        }
        if item.get("kubectlApply").is_some_and(|v| !v.is_null()) {
            return Err(invalid(
                "uses kubectlApply, which helm-hooks does not run; write command: kubectl with args: [apply, -f, FILE]",
            ));
        }
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let command = item
            .get("command")
            .and_then(text)
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| invalid("has no command"))?;
        let args = match item.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| text(v).ok_or_else(|| invalid("has an argument that is not a string")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid("has args that are not a list")),
        };
        let showlogs = match item.get("showlogs") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid("has showlogs that is not true or false")),
        };
        let raw_events: Vec<String> = match item.get("events") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| text(v).ok_or_else(|| invalid("has an event that is not a string")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid("has events that are not a list")),
        };
        let mut events = Vec::new();
        for e in raw_events {
            let event = LocalEvent::parse(&e).ok_or_else(|| LocalHookError::UnknownEvent {
                path: path.to_string(),
                hook: name.clone(),
                event: e.clone(),
            })?;
            if global && !matches!(event, LocalEvent::Prepare | LocalEvent::Cleanup) {
                return Err(LocalHookError::GlobalEvent {
                    path: path.to_string(),
                    hook: name.clone(),
                    event: e,
                });
            }
            if !events.contains(&event) {
                events.push(event);
            }
        }
        let hook = LocalHook {
            events,
            command,
            args,
            showlogs,
            source: path.to_string(),
            global,
        };
        // Checked now, so `plan` reports what `apply` would stumble on.
        let probe = TemplateContext {
            release: "r",
            namespace: "n",
            event: LocalEvent::Prepare,
            error: None,
        };
        expand(&hook, &probe).map_err(|source| LocalHookError::Template {
            path: path.to_string(),
            hook: name.clone(),
            source,
        })?;
        out.push(hook);
    }
    Ok(out)
}

/// The chart's helm-hooks settings, `.helm-hooks.yaml` beside `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartConfig {
    pub hooks: Vec<LocalHook>,
    /// Lint rule ids the chart silences (`lint: {ignore: [HH013]}`).
    pub lint_ignore: Vec<String>,
    /// `plan --all`: values files (chart-relative), release and namespace
    /// to plan the chart with.
    pub values: Vec<String>,
    pub release: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct LintConfig {
    #[serde(default)]
    ignore: Vec<String>,
}

/// The one reader of `.helm-hooks.yaml`; unknown keys are left for later
/// versions.
pub fn parse_chart_config(path: &str, text: &str) -> Result<ChartConfig, LocalHookError> {
    let mut out = ChartConfig::default();
    for doc in yaml_docs(path, text)? {
        if let Some(list) = doc.get("hooks") {
            out.hooks.extend(parse_hooks(path, list, false, "")?);
        }
        if let Some(lint) = doc.get("lint").filter(|l| !l.is_null()) {
            let lint: LintConfig =
                serde_json::from_value(lint.clone()).map_err(|_| LocalHookError::Invalid {
                    path: path.to_string(),
                    hook: "lint".into(),
                    problem: "must read `lint: {ignore: [HH013]}`".into(),
                })?;
            out.lint_ignore.extend(lint.ignore);
        }
        let invalid = |key: &str, problem: &str| LocalHookError::Invalid {
            path: path.to_string(),
            hook: key.into(),
            problem: problem.into(),
        };
        if let Some(v) = doc.get("values").filter(|v| !v.is_null()) {
            let files: Vec<String> = serde_json::from_value(v.clone()).map_err(|_| {
                invalid(
                    "values",
                    "must be a list of files: `values: [values-prod.yaml]`",
                )
            })?;
            out.values.extend(files);
        }
        for (key, slot) in [
            ("release", &mut out.release),
            ("namespace", &mut out.namespace),
        ] {
            if let Some(v) = doc.get(key).filter(|v| !v.is_null()) {
                *slot = Some(
                    v.as_str()
                        .ok_or_else(|| invalid(key, "must be a name"))?
                        .to_string(),
                );
            }
        }
    }
    Ok(out)
}

/// `.helm-hooks.yaml`'s `hooks:`.
pub fn parse_config(path: &str, text: &str) -> Result<Vec<LocalHook>, LocalHookError> {
    Ok(parse_chart_config(path, text)?.hooks)
}

/// `a/./b/../c` → `a/c`, `/`-separated, no leading `./`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Fails on `{{` anywhere but a hook's command or args: Helmfile v1 renders
/// only `.gotmpl` files, so such a file was written for templating.
fn check_untemplated(path: &str, v: &Value, at: &[&str]) -> Result<(), LocalHookError> {
    let templated = || LocalHookError::Templated {
        path: path.to_string(),
    };
    let in_hook = |at: &[&str]| {
        let n = at.len();
        (n >= 3 && at[n - 3] == "hooks" && at[n - 1] == "command")
            || (n >= 4 && at[n - 4] == "hooks" && at[n - 2] == "args")
    };
    match v {
        Value::String(s) if s.contains("{{") && !in_hook(at) => Err(templated()),
        Value::Array(a) => a.iter().try_for_each(|x| {
            let mut at = at.to_vec();
            at.push("[]");
            check_untemplated(path, x, &at)
        }),
        Value::Object(m) => m.iter().try_for_each(|(k, x)| {
            if k.contains("{{") {
                return Err(templated());
            }
            let mut at = at.to_vec();
            at.push(k);
            check_untemplated(path, x, &at)
        }),
        _ => Ok(()),
    }
}

/// A `helmfile.yaml` at `path` (repository-relative): the hooks of the
/// release whose `chart:` is `chart_dir` and/or whose `name:` is `release`,
/// after the file's global hooks. `None` when no release matches: the file
/// is about other charts.
#[cfg(test)]
pub fn parse_helmfile(
    path: &str,
    text: &str,
    chart_dir: &str,
    release: &str,
) -> Result<Option<Vec<LocalHook>>, LocalHookError> {
    Ok(read_helmfile(path, text, chart_dir, release)?.map(|r| r.hooks))
}

/// The release of a `helmfile.yaml` that is this chart's: its hooks (the
/// file's global ones first) and the settings that shape its render.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HelmfileRelease {
    pub name: String,
    pub hooks: Vec<LocalHook>,
    pub namespace: Option<String>,
    /// `values:`, `set:` and `secrets:` entries as written: file paths,
    /// `an inline map`, `set NAME`.
    pub values: Vec<String>,
}

impl HelmfileRelease {
    /// A note when the release sets what helm-hooks does not take from
    /// the file (namespace, values): it renders with the command line's
    /// `-n`, `-f` and `--set` only, and says how to match Helmfile.
    pub fn render_note(&self, path: &str, namespace: &str) -> Option<String> {
        let other_ns = self.namespace.as_deref().filter(|n| *n != namespace);
        if other_ns.is_none() && self.values.is_empty() {
            return None;
        }
        let mut set = Vec::new();
        let mut pass = Vec::new();
        if let Some(ns) = other_ns {
            set.push(format!("namespace {ns}"));
            pass.push(format!("-n {ns}"));
        }
        if !self.values.is_empty() {
            set.push(format!("values ({})", self.values.join(", ")));
            pass.push("-f/--set with the same values".to_string());
        }
        Some(format!(
            "{path}: release {} sets {}, which helm-hooks does not read: it renders with -n {namespace} and the -f/--set given; pass {} to render as Helmfile does",
            self.name,
            set.join(" and "),
            pass.join(" and ")
        ))
    }
}

fn release_values(r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for v in r
        .get("values")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(match v.as_str() {
            Some(file) => file.to_string(),
            None => "an inline map".to_string(),
        });
    }
    for s in r.get("set").and_then(Value::as_array).into_iter().flatten() {
        let name = s.get("name").and_then(Value::as_str).unwrap_or("?");
        out.push(format!("set {name}"));
    }
    for s in r
        .get("secrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(format!("secrets {}", s.as_str().unwrap_or("(a map)")));
    }
    out
}

/// [`parse_helmfile`] with the chosen release's render settings.
pub fn read_helmfile(
    path: &str,
    text: &str,
    chart_dir: &str,
    release: &str,
) -> Result<Option<HelmfileRelease>, LocalHookError> {
    let docs = match yaml_docs(path, text) {
        Ok(d) => d,
        // A Go template is rarely valid YAML: say so, not "bad YAML".
        Err(_) if text.contains("{{") => {
            return Err(LocalHookError::Templated {
                path: path.to_string(),
            });
        }
        Err(e) => return Err(e),
    };
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let chart_dir = normalize(chart_dir);
    let mut global = Vec::new();
    // (name, the release, chart matches)
    let mut releases: Vec<(String, Value, bool)> = Vec::new();
    for doc in &docs {
        check_untemplated(path, doc, &[])?;
        if let Some(list) = doc.get("hooks") {
            global.extend(parse_hooks(path, list, true, "")?);
        }
        for r in doc
            .get("releases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = r
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let chart_matches = r
                .get("chart")
                .and_then(Value::as_str)
                .is_some_and(|c| normalize(&format!("{dir}/{c}")) == chart_dir);
            releases.push((name, r.clone(), chart_matches));
        }
    }
    let by_chart: Vec<&(String, Value, bool)> = releases.iter().filter(|r| r.2).collect();
    let chosen = match by_chart.as_slice() {
        [one] => Some(*one),
        [] => releases.iter().find(|r| r.0 == release),
        many => match many.iter().find(|r| r.0 == release) {
            Some(r) => Some(*r),
            None => {
                return Err(LocalHookError::AmbiguousRelease {
                    path: path.to_string(),
                    chart: if chart_dir.is_empty() {
                        ".".into()
                    } else {
                        chart_dir
                    },
                    names: many.iter().map(|r| r.0.clone()).collect(),
                });
            }
        },
    };
    let Some((name, r, _)) = chosen else {
        return Ok(None);
    };
    let prefix = format!("releases[{name}].");
    let mut hooks = global;
    let own = r.get("hooks").cloned().unwrap_or(Value::Null);
    hooks.extend(parse_hooks(path, &own, false, &prefix)?);
    Ok(Some(HelmfileRelease {
        name: name.clone(),
        hooks,
        namespace: r
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        values: release_values(r),
    }))
}
