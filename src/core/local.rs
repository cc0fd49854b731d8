//! Helmfile-style local hooks: commands run on the operator's machine
//! around an apply, read from a `helmfile.yaml` release (and its global
//! `hooks:`) or from `.helm-hooks.yaml` beside `Chart.yaml`.
//!
//! Semantics follow Helmfile's docs/hooks.md: events `prepare`,
//! `preapply`, `presync`, `preuninstall`, `postuninstall`, `postsync`,
//! `cleanup`; hooks of one event run in definition order; global hooks only
//! at `prepare` and `cleanup`.

use super::model::{Change, Operation};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// The audit log's `kind` for a local hook.
pub const LOCAL_HOOK_KIND: &str = "LocalHook";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalEvent {
    Prepare,
    Preapply,
    Presync,
    Preuninstall,
    Postuninstall,
    Postsync,
    Cleanup,
}

impl LocalEvent {
    pub const ALL: [LocalEvent; 7] = [
        LocalEvent::Prepare,
        LocalEvent::Preapply,
        LocalEvent::Presync,
        LocalEvent::Preuninstall,
        LocalEvent::Postuninstall,
        LocalEvent::Postsync,
        LocalEvent::Cleanup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LocalEvent::Prepare => "prepare",
            LocalEvent::Preapply => "preapply",
            LocalEvent::Presync => "presync",
            LocalEvent::Preuninstall => "preuninstall",
            LocalEvent::Postuninstall => "postuninstall",
            LocalEvent::Postsync => "postsync",
            LocalEvent::Cleanup => "cleanup",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Local events before the chart's own hooks of `op`, and after.
    /// Rollback and test have none: Helmfile has no such events.
    pub fn around(op: Operation) -> (&'static [LocalEvent], &'static [LocalEvent]) {
        use LocalEvent::*;
        match op {
            Operation::Install | Operation::Upgrade => {
                (&[Prepare, Preapply, Presync], &[Postsync, Cleanup])
            }
            // As `helmfile destroy` runs them.
            Operation::Uninstall => (&[Prepare, Preuninstall], &[Postuninstall, Cleanup]),
            Operation::Rollback | Operation::Test => (&[], &[]),
        }
    }
}

impl fmt::Display for LocalEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn valid_events() -> String {
    LocalEvent::ALL.map(LocalEvent::as_str).join(", ")
}

/// One hook as defined.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalHook {
    pub events: Vec<LocalEvent>,
    pub command: String,
    pub args: Vec<String>,
    pub showlogs: bool,
    /// Repository-relative path of the file that defines it; the hook runs
    /// in that file's directory.
    pub source: String,
    /// A top-level `hooks:` entry of a helmfile.yaml.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub global: bool,
}

impl LocalHook {
    /// The command line as written (templates unexpanded), shell-quoted:
    /// stable across runs, so it names the hook in the audit log.
    pub fn label(&self) -> String {
        command_line(&self.command, &self.args)
    }

    /// The directory it runs in, repository-relative (`""` for the root).
    pub fn dir(&self) -> &str {
        self.source.rsplit_once('/').map_or("", |(d, _)| d)
    }
}

/// `cmd arg 'arg with space'`, quoted as a POSIX shell would need it.
pub fn command_line(command: &str, args: &[String]) -> String {
    std::iter::once(command)
        .chain(args.iter().map(String::as_str))
        .map(shell_quote)
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalHookError {
    #[error("{path}: not valid YAML: {message}")]
    Yaml { path: String, message: String },
    #[error(
        "{path}: hook {hook} has unknown event {event:?}; valid events: {}",
        valid_events()
    )]
    UnknownEvent {
        path: String,
        hook: String,
        event: String,
    },
    #[error(
        "{path}: global hook {hook} has event {event:?}; global hooks run only at prepare and cleanup (move it to the release's hooks)"
    )]
    GlobalEvent {
        path: String,
        hook: String,
        event: String,
    },
    #[error("{path}: hook {hook} {problem}")]
    Invalid {
        path: String,
        hook: String,
        problem: String,
    },
    #[error(
        "{path} is a templated helmfile: helm-hooks reads hooks only from a plain helmfile.yaml (Helmfile v1 style, no {{{{ }}}} outside hook command/args) or from .helm-hooks.yaml beside Chart.yaml"
    )]
    Templated { path: String },
    #[error(
        "{path}: releases {names:?} all use chart {chart}; pass --release with one of them to choose its hooks"
    )]
    AmbiguousRelease {
        path: String,
        chart: String,
        names: Vec<String>,
    },
    #[error("{path}: hook {hook}: {source}")]
    Template {
        path: String,
        hook: String,
        source: TemplateError,
    },
}

/// A `{{ }}` expression helm-hooks does not evaluate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "unsupported template {expr:?}; supported: {}{}",
        SUPPORTED.join(", "),
        escape_hint(expr)
    )]
    Unsupported { expr: String },
    #[error("unclosed {{{{ in {text:?}")]
    Unclosed { text: String },
    #[error("{{{{ if }}}}, {{{{ else }}}} and {{{{ end }}}} do not match in {text:?}")]
    Unbalanced { text: String },
}

const SUPPORTED: [&str; 6] = [
    "{{ .Release.Name }}",
    "{{ .Release.Namespace }}",
    "{{ .Event.Name }}",
    "{{ .Event.Error }}",
    "{{ .Environment.Name }}",
    "{{ if .Event.Error }}…{{ else }}…{{ end }} (also eq/ne X \"text\")",
];

fn escape_hint(expr: &str) -> &'static str {
    if expr.starts_with('`') {
        " (helmfile.yaml is read as plain YAML: write {{ .Release.Name }} without the {{` `}} escaping)"
    } else {
        ""
    }
}

/// What a hook's `{{ }}` expressions expand to.
#[derive(Debug, Clone)]
pub struct TemplateContext<'a> {
    pub release: &'a str,
    pub namespace: &'a str,
    pub event: LocalEvent,
    /// The failed release's error, for `postsync`; empty otherwise.
    pub error: Option<&'a str>,
}

/// Helmfile's environment: helm-hooks has none, so Helmfile's default.
pub const ENVIRONMENT: &str = "default";

/// Expands `{{ .Release.Name }}` and friends, and `{{ if X }}…{{ else
/// }}…{{ end }}` on them (`X`: a value, non-empty is true, or `eq`/`ne` of
/// a value and a quoted string), as Helmfile's docs use it; `{{-`/`-}}`
/// trim whitespace as in Go templates. Anything else is an error, so a
/// typo is caught by `plan` rather than passed to the command.
pub fn render(text: &str, ctx: &TemplateContext<'_>) -> Result<String, TemplateError> {
    let value = |name: &str| -> Result<&str, TemplateError> {
        Ok(match name {
            ".Release.Name" => ctx.release,
            ".Release.Namespace" => ctx.namespace,
            ".Event.Name" => ctx.event.as_str(),
            ".Event.Error" => ctx.error.unwrap_or(""),
            ".Environment.Name" => ENVIRONMENT,
            other => {
                return Err(TemplateError::Unsupported {
                    expr: other.to_string(),
                });
            }
        })
    };
    let condition = |expr: &str| -> Result<bool, TemplateError> {
        let compared = ["eq ", "ne "].iter().find_map(|op| {
            let rest = expr.strip_prefix(op)?.trim();
            let (name, lit) = rest.split_once(char::is_whitespace)?;
            let lit = lit.trim().strip_prefix('"')?.strip_suffix('"')?;
            Some((op.starts_with('e'), name, lit))
        });
        match compared {
            Some((eq, name, lit)) => Ok((value(name)? == lit) == eq),
            None => Ok(!value(expr)?.is_empty()),
        }
    };
    let unbalanced = || TemplateError::Unbalanced {
        text: text.to_string(),
    };
    // Per open `if`: (this branch is output, some branch was taken).
    let mut branches: Vec<(bool, bool)> = Vec::new();
    let on = |b: &[(bool, bool)]| b.iter().all(|x| x.0);
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let mut before = &rest[..open];
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            return Err(TemplateError::Unclosed {
                text: text.to_string(),
            });
        };
        let mut expr = &after_open[..close];
        if let Some(e) = expr
            .strip_prefix('-')
            .filter(|e| e.starts_with(char::is_whitespace))
        {
            before = before.trim_end();
            expr = e;
        }
        let mut trim_next = false;
        if let Some(e) = expr
            .strip_suffix('-')
            .filter(|e| e.ends_with(char::is_whitespace))
        {
            trim_next = true;
            expr = e;
        }
        if on(&branches) {
            out.push_str(before);
        }
        let expr = expr.trim();
        if let Some(cond) = expr.strip_prefix("if ") {
            let c = condition(cond.trim())?;
            branches.push((c, c));
        } else if expr == "else" {
            let top = branches.last_mut().ok_or_else(unbalanced)?;
            *top = (!top.1, true);
        } else if expr == "end" {
            branches.pop().ok_or_else(unbalanced)?;
        } else {
            let v = value(expr)?;
            if on(&branches) {
                out.push_str(v);
            }
        }
        rest = &after_open[close + 2..];
        if trim_next {
            rest = rest.trim_start();
        }
    }
    if !branches.is_empty() {
        return Err(unbalanced());
    }
    out.push_str(rest);
    Ok(out)
}

/// The hook's command and arguments with templates expanded.
pub fn expand(
    hook: &LocalHook,
    ctx: &TemplateContext<'_>,
) -> Result<(String, Vec<String>), TemplateError> {
    Ok((
        render(&hook.command, ctx)?,
        hook.args
            .iter()
            .map(|a| render(a, ctx))
            .collect::<Result<_, _>>()?,
    ))
}

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

/// `.helm-hooks.yaml`: its `hooks:` (other keys, such as `lint:`, are
/// someone else's).
pub fn parse_config(path: &str, text: &str) -> Result<Vec<LocalHook>, LocalHookError> {
    let mut out = Vec::new();
    for doc in yaml_docs(path, text)? {
        if let Some(list) = doc.get("hooks") {
            out.extend(parse_hooks(path, list, false, "")?);
        }
    }
    Ok(out)
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
pub fn parse_helmfile(
    path: &str,
    text: &str,
    chart_dir: &str,
    release: &str,
) -> Result<Option<Vec<LocalHook>>, LocalHookError> {
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
    // (name, hooks value, chart matches)
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
            let hooks = r.get("hooks").cloned().unwrap_or(Value::Null);
            releases.push((name, hooks, chart_matches));
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
    let Some((name, hooks, _)) = chosen else {
        return Ok(None);
    };
    let prefix = format!("releases[{name}].");
    let mut out = global;
    out.extend(parse_hooks(path, hooks, false, &prefix)?);
    Ok(Some(out))
}

/// The hooks of `event`, in run order: definition order, with a
/// helmfile's global hooks first at `prepare` (they open the whole run)
/// and last at `cleanup` (they close it).
pub fn run_order(hooks: &[LocalHook], event: LocalEvent) -> Vec<usize> {
    let of = |global: bool| {
        hooks
            .iter()
            .enumerate()
            .filter(move |(_, h)| h.global == global && h.events.contains(&event))
            .map(|(i, _)| i)
    };
    if event == LocalEvent::Cleanup {
        of(false).chain(of(true)).collect()
    } else {
        of(true).chain(of(false)).collect()
    }
}

/// A field of a local hook that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "field", rename_all = "camelCase")]
pub enum LocalFieldChange {
    Command {
        from: String,
        to: String,
    },
    Args {
        from: Vec<String>,
        to: Vec<String>,
    },
    Events {
        from: Vec<LocalEvent>,
        to: Vec<LocalEvent>,
    },
    Showlogs {
        from: bool,
        to: bool,
    },
}

impl LocalFieldChange {
    pub fn describe(&self) -> String {
        let events = |v: &[LocalEvent]| v.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",");
        let args = |v: &[String]| {
            format!(
                "[{}]",
                v.iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        match self {
            LocalFieldChange::Command { from, to } => format!("command {from} → {to}"),
            LocalFieldChange::Args { from, to } => format!("args {} → {}", args(from), args(to)),
            LocalFieldChange::Events { from, to } => {
                format!("events {} → {}", events(from), events(to))
            }
            LocalFieldChange::Showlogs { from, to } => format!("showlogs {from} → {to}"),
        }
    }
}

/// One local hook of `to` (or of `from`, when removed), compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalHookChange {
    #[serde(flatten)]
    pub hook: LocalHook,
    pub change: Change,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<LocalFieldChange>,
}

fn fields(a: &LocalHook, b: &LocalHook) -> Vec<LocalFieldChange> {
    let mut out = Vec::new();
    if a.command != b.command {
        out.push(LocalFieldChange::Command {
            from: a.command.clone(),
            to: b.command.clone(),
        });
    }
    if a.args != b.args {
        out.push(LocalFieldChange::Args {
            from: a.args.clone(),
            to: b.args.clone(),
        });
    }
    if a.events != b.events {
        out.push(LocalFieldChange::Events {
            from: a.events.clone(),
            to: b.events.clone(),
        });
    }
    if a.showlogs != b.showlogs {
        out.push(LocalFieldChange::Showlogs {
            from: a.showlogs,
            to: b.showlogs,
        });
    }
    out
}

/// How alike two hooks are: 0 means they are not the same hook edited.
fn likeness(a: &LocalHook, b: &LocalHook) -> u32 {
    let overlap = a.events.iter().any(|e| b.events.contains(e));
    if a.command != b.command && !overlap {
        return 0;
    }
    2 * u32::from(a.command == b.command) + u32::from(overlap) + u32::from(a.args == b.args)
}

/// Pairs the hooks a diff replaced: each new one, in order, with the most
/// alike old one still free (the earliest on ties).
fn pair_similar(
    a: &[&LocalHook],
    b: &[&LocalHook],
    olds: &[usize],
    news: &[usize],
) -> Vec<(usize, usize)> {
    let mut free: Vec<usize> = olds.to_vec();
    let mut out = Vec::new();
    for &n in news {
        let best = free
            .iter()
            .enumerate()
            .map(|(k, &o)| (likeness(a[o], b[n]), k))
            .filter(|(score, _)| *score > 0)
            .max_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
        if let Some((_, k)) = best {
            out.push((free.remove(k), n));
        }
    }
    out
}

/// Per-hook changes, and for each hook of `to` the hook of `from` it
/// continues. Hooks have no name: within one list (same file, global or
/// not), equal hooks are matched by a line diff, and among the hooks a diff
/// replaces, each is paired with the most alike one (same command, a
/// shared event); the rest are added or removed.
pub fn diff_local(
    from: &[LocalHook],
    to: &[LocalHook],
) -> (Vec<LocalHookChange>, Vec<Option<usize>>) {
    let mut pair: Vec<Option<usize>> = vec![None; to.len()];
    let mut groups: Vec<(String, bool)> = Vec::new();
    for h in from.iter().chain(to) {
        let g = (h.source.clone(), h.global);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for g in &groups {
        let idx = |hooks: &[LocalHook]| -> Vec<usize> {
            (0..hooks.len())
                .filter(|&i| hooks[i].source == g.0 && hooks[i].global == g.1)
                .collect()
        };
        let (fa, tb) = (idx(from), idx(to));
        let a: Vec<&LocalHook> = fa.iter().map(|&i| &from[i]).collect();
        let b: Vec<&LocalHook> = tb.iter().map(|&i| &to[i]).collect();
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b) {
            match op {
                similar::DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        pair[tb[new_index + k]] = Some(fa[old_index + k]);
                    }
                }
                similar::DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let olds: Vec<usize> = (old_index..old_index + old_len).collect();
                    let news: Vec<usize> = (new_index..new_index + new_len).collect();
                    for (o, n) in pair_similar(&a, &b, &olds, &news) {
                        pair[tb[n]] = Some(fa[o]);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out: Vec<LocalHookChange> = to
        .iter()
        .zip(&pair)
        .map(|(b, p)| match p {
            None => LocalHookChange {
                hook: b.clone(),
                change: Change::Added,
                fields: Vec::new(),
            },
            Some(i) => {
                let fields = fields(&from[*i], b);
                LocalHookChange {
                    hook: b.clone(),
                    change: if fields.is_empty() {
                        Change::Unchanged
                    } else {
                        Change::Changed
                    },
                    fields,
                }
            }
        })
        .collect();
    for (i, a) in from.iter().enumerate() {
        if !pair.contains(&Some(i)) {
            out.push(LocalHookChange {
                hook: a.clone(),
                change: Change::Removed,
                fields: Vec::new(),
            });
        }
    }
    (out, pair)
}

/// How one local run of an operation compares with `from`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalStepChange {
    pub position: usize,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was_position: Option<usize>,
}

/// A local run `from` had and `to` no longer has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedLocalStep {
    pub event: LocalEvent,
    pub command: String,
    pub args: Vec<String>,
    pub was_position: usize,
}

/// (hook index, event, position) of each local run of a timeline.
pub type LocalRun = (usize, LocalEvent, usize);

/// Compares one operation's local runs, given the pairing of
/// [`diff_local`] and the hook-level changes.
pub fn diff_local_runs(
    from_hooks: &[LocalHook],
    from_runs: &[LocalRun],
    to_runs: &[LocalRun],
    pair: &[Option<usize>],
    changes: &[LocalHookChange],
) -> (Vec<LocalStepChange>, Vec<RemovedLocalStep>) {
    let was: HashMap<(usize, LocalEvent), usize> =
        from_runs.iter().map(|&(i, e, p)| ((i, e), p)).collect();
    let mut kept: Vec<(usize, LocalEvent)> = Vec::new();
    let steps = to_runs
        .iter()
        .map(|&(j, e, position)| {
            let was_position = pair[j].and_then(|i| was.get(&(i, e)).copied());
            if let Some(i) = pair[j].filter(|_| was_position.is_some()) {
                kept.push((i, e));
            }
            LocalStepChange {
                position,
                change: match was_position {
                    None => Change::Added,
                    Some(_) => changes[j].change,
                },
                was_position,
            }
        })
        .collect();
    let removed = from_runs
        .iter()
        .filter(|(i, e, _)| !kept.contains(&(*i, *e)))
        .map(|&(i, e, p)| RemovedLocalStep {
            event: e,
            command: from_hooks[i].command.clone(),
            args: from_hooks[i].args.clone(),
            was_position: p,
        })
        .collect();
    (steps, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(event: LocalEvent, error: Option<&'static str>) -> TemplateContext<'static> {
        TemplateContext {
            release: "web",
            namespace: "prod",
            event,
            error,
        }
    }

    const HELMFILE: &str = r#"
hooks:
- events: [prepare, cleanup]
  command: echo
  args: ["global {{ .Event.Name }}"]
releases:
- name: other
  chart: ./charts/other
  hooks:
  - events: [presync]
    command: "false"
- name: web
  chart: charts/app
  namespace: prod
  hooks:
  - events: ["presync", "postsync"]
    showlogs: true
    command: sh
    args: ["-c", "echo {{ .Release.Name }}"]
  - events: [cleanup]
    command: "true"
"#;

    #[test]
    fn the_release_of_the_chart_is_chosen_with_the_global_hooks_first() {
        let hooks = parse_helmfile("helmfile.yaml", HELMFILE, "charts/app", "release-name")
            .unwrap()
            .unwrap();
        assert_eq!(hooks.len(), 3);
        assert!(hooks[0].global);
        assert_eq!(hooks[1].command, "sh");
        assert_eq!(hooks[1].events, [LocalEvent::Presync, LocalEvent::Postsync]);
        assert!(hooks[1].showlogs);
        assert!(!hooks[2].showlogs);
        assert_eq!(hooks[2].source, "helmfile.yaml");
    }

    #[test]
    fn the_chart_resolves_from_the_helmfiles_folder() {
        let text =
            "releases:\n- name: a\n  chart: ../app\n  hooks: [{events: [presync], command: x}]\n";
        let found = parse_helmfile("deploy/helmfile.yaml", text, "app", "r").unwrap();
        assert_eq!(found.unwrap()[0].command, "x");
        assert_eq!(
            parse_helmfile("deploy/helmfile.yaml", text, "deploy/app", "r").unwrap(),
            None,
            "../app from deploy/ is app, not deploy/app"
        );
        // No chart match: the release name decides.
        assert!(
            parse_helmfile("deploy/helmfile.yaml", text, "elsewhere", "a")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn two_releases_of_one_chart_need_the_release_name() {
        let text = "releases:\n- {name: a, chart: ./c}\n- {name: b, chart: ./c, hooks: [{events: [presync], command: x}]}\n";
        let err = parse_helmfile("helmfile.yaml", text, "c", "release-name").unwrap_err();
        assert!(
            matches!(err, LocalHookError::AmbiguousRelease { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("--release"), "{err}");
        let hooks = parse_helmfile("helmfile.yaml", text, "c", "b")
            .unwrap()
            .unwrap();
        assert_eq!(hooks.len(), 1);
    }

    #[test]
    fn an_unknown_event_lists_the_valid_ones() {
        let err = parse_config(
            "app/.helm-hooks.yaml",
            "hooks:\n- events: [postapply]\n  command: echo\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"postapply\""), "{text}");
        assert!(
            text.contains(
                "prepare, preapply, presync, preuninstall, postuninstall, postsync, cleanup"
            ),
            "{text}"
        );
    }

    #[test]
    fn global_hooks_only_prepare_and_cleanup() {
        let err = parse_helmfile(
            "helmfile.yaml",
            "hooks: [{events: [presync], command: x}]\nreleases: [{name: r, chart: ./c}]\n",
            "c",
            "r",
        )
        .unwrap_err();
        assert!(matches!(err, LocalHookError::GlobalEvent { .. }), "{err}");
    }

    #[test]
    fn templates_outside_hooks_are_refused_and_inside_checked() {
        let err = parse_helmfile(
            "helmfile.yaml",
            "releases:\n- name: r\n  chart: ./c\n  values: ['{{ .Values.x }}']\n",
            "c",
            "r",
        )
        .unwrap_err();
        assert!(matches!(err, LocalHookError::Templated { .. }), "{err}");
        assert!(err.to_string().contains(".helm-hooks.yaml"), "{err}");
        let err = parse_helmfile(
            "helmfile.yaml",
            "releases:\n- name: r\n  chart: ./c\n  hooks: [{events: [presync], command: echo, args: ['{{ .Values.x }}']}]\n",
            "c",
            "r",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("unsupported template \".Values.x\""),
            "{err}"
        );
        // Not YAML at all, because it is a Go template.
        let err = parse_helmfile(
            "helmfile.yaml",
            "{{ range .Values.apps }}\n- x: [\n",
            "c",
            "r",
        )
        .unwrap_err();
        assert!(matches!(err, LocalHookError::Templated { .. }), "{err}");
    }

    #[test]
    fn config_file_keeps_lint_and_tolerates_unknown_keys() {
        let hooks = parse_config(
            "app/.helm-hooks.yaml",
            "lint: {ignore: [HH013]}\nfuture: 1\nhooks:\n- events: [preapply]\n  command: ./backup.sh\n",
        )
        .unwrap();
        assert_eq!(hooks[0].dir(), "app");
        assert_eq!(parse_config("x", "lint: {ignore: []}\n").unwrap(), vec![]);
        let err = parse_config("x", "hooks: [{events: [presync]}]").unwrap_err();
        assert!(err.to_string().contains("has no command"), "{err}");
        let err = parse_config(
            "x",
            "hooks: [{events: [presync], kubectlApply: {filename: a}}]",
        )
        .unwrap_err();
        assert!(err.to_string().contains("kubectlApply"), "{err}");
    }

    #[test]
    fn templates_expand_with_trim_markers() {
        let c = ctx(LocalEvent::Postsync, Some("job failed"));
        assert_eq!(
            render(
                "{{ .Release.Name }}/{{.Release.Namespace}} {{- \" x\" -}}",
                &c
            )
            .unwrap_err(),
            TemplateError::Unsupported {
                expr: "\" x\"".into()
            }
        );
        assert_eq!(
            render(
                "{{ .Release.Name }}/{{.Release.Namespace}}  {{- .Event.Name -}}  !",
                &c
            )
            .unwrap(),
            "web/prodpostsync!"
        );
        assert_eq!(
            render("{{ .Event.Error }}|{{ .Environment.Name }}", &c).unwrap(),
            "job failed|default"
        );
        assert_eq!(
            render("{{ .Event.Error }}", &ctx(LocalEvent::Presync, None)).unwrap(),
            ""
        );
        assert!(matches!(
            render("{{ .Release.Name", &c),
            Err(TemplateError::Unclosed { .. })
        ));
        let escaped = render("{{`{{ .Release.Name }}`}}", &c)
            .unwrap_err()
            .to_string();
        assert!(escaped.contains("without the"), "{escaped}");
    }

    #[test]
    fn conditions_as_helmfiles_docs_use_them() {
        let failed = ctx(LocalEvent::Postsync, Some("boom"));
        let fine = ctx(LocalEvent::Postsync, None);
        let status = "{{ if .Event.Error }}failure{{ else }}success{{ end }}";
        assert_eq!(render(status, &failed).unwrap(), "failure");
        assert_eq!(render(status, &fine).unwrap(), "success");
        let build = r#"{{if eq .Event.Name "prepare"}}build{{else}}clean{{end}}"#;
        assert_eq!(
            render(build, &ctx(LocalEvent::Prepare, None)).unwrap(),
            "build"
        );
        assert_eq!(
            render(build, &ctx(LocalEvent::Cleanup, None)).unwrap(),
            "clean"
        );
        let nested = r#"{{ if ne .Release.Name "x" }}a{{ if .Event.Error }}b{{ end }}c{{ end }}"#;
        assert_eq!(render(nested, &fine).unwrap(), "ac");
        assert_eq!(render(nested, &failed).unwrap(), "abc");
        for bad in ["{{ if .Event.Error }}x", "x{{ end }}", "{{ else }}"] {
            assert!(
                matches!(render(bad, &fine), Err(TemplateError::Unbalanced { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            render("{{ if .Values.x }}a{{ end }}", &fine),
            Err(TemplateError::Unsupported { .. })
        ));
    }

    #[test]
    fn run_order_is_definition_order_with_global_hooks_outermost() {
        let hooks = parse_helmfile("helmfile.yaml", HELMFILE, "charts/app", "r")
            .unwrap()
            .unwrap();
        assert_eq!(run_order(&hooks, LocalEvent::Prepare), [0]);
        assert_eq!(run_order(&hooks, LocalEvent::Cleanup), [2, 0]);
        assert_eq!(run_order(&hooks, LocalEvent::Presync), [1]);
        assert_eq!(run_order(&hooks, LocalEvent::Preapply), Vec::<usize>::new());
    }

    fn hook(cmd: &str, events: &[LocalEvent]) -> LocalHook {
        LocalHook {
            events: events.to_vec(),
            command: cmd.into(),
            args: vec![],
            showlogs: false,
            source: "helmfile.yaml".into(),
            global: false,
        }
    }

    #[test]
    fn diff_pairs_equal_hooks_and_replaced_ones_as_changed() {
        use LocalEvent::*;
        let from = vec![
            hook("backup", &[Presync]),
            hook("notify", &[Postsync]),
            hook("old", &[Cleanup]),
        ];
        let mut changed = hook("notify", &[Postsync]);
        changed.args = vec!["--channel".into(), "ops".into()];
        let to = vec![
            hook("check", &[Prepare]),
            hook("backup", &[Presync]),
            changed,
        ];
        let (changes, pair) = diff_local(&from, &to);
        assert_eq!(pair, [None, Some(0), Some(1)]);
        let kinds: Vec<Change> = changes.iter().map(|c| c.change).collect();
        assert_eq!(
            kinds,
            [
                Change::Added,
                Change::Unchanged,
                Change::Changed,
                Change::Removed
            ]
        );
        assert_eq!(changes[2].fields[0].describe(), "args [] → [--channel ops]");
        assert_eq!(changes[3].hook.command, "old");
    }

    #[test]
    fn replaced_hooks_pair_with_the_most_alike() {
        use LocalEvent::*;
        let mut edited = hook("sh", &[Presync]);
        edited.args = vec!["-c".into(), "backup --full".into()];
        let from = vec![hook("sh", &[Presync]), hook("./notify.sh", &[Postsync])];
        let to = vec![hook("true", &[Preapply]), edited];
        let (changes, pair) = diff_local(&from, &to);
        assert_eq!(pair, [None, Some(0)], "true is new, not notify edited");
        let kinds: Vec<Change> = changes.iter().map(|c| c.change).collect();
        assert_eq!(kinds, [Change::Added, Change::Changed, Change::Removed]);
    }

    #[test]
    fn runs_compare_per_event() {
        use LocalEvent::*;
        let from = vec![hook("a", &[Presync])];
        let to = vec![hook("a", &[Presync, Postsync])];
        let (changes, pair) = diff_local(&from, &to);
        assert_eq!(changes[0].change, Change::Changed);
        let (steps, removed) = diff_local_runs(
            &from,
            &[(0, Presync, 1)],
            &[(0, Presync, 1), (0, Postsync, 3)],
            &pair,
            &changes,
        );
        assert_eq!(steps[0].change, Change::Changed);
        assert_eq!(steps[0].was_position, Some(1));
        assert_eq!(
            steps[1].change,
            Change::Added,
            "a new event of a hook is a new run"
        );
        assert!(removed.is_empty());
        let (_, removed) = diff_local_runs(&from, &[(0, Presync, 1)], &[], &[None], &changes);
        assert_eq!(removed[0].command, "a");
    }

    #[test]
    fn labels_quote_like_a_shell() {
        let mut h = hook("sh", &[]);
        h.args = vec!["-c".into(), "echo \"$0\" > out".into(), "it's".into()];
        assert_eq!(h.label(), r#"sh -c 'echo "$0" > out' 'it'\''s'"#);
    }

    #[test]
    fn the_timeline_wraps_the_chart_hooks_in_helmfiles_order() {
        use crate::core::helm::HelmVersion;
        use crate::core::timeline::{Step, timeline};
        let job = |name: &str, event: &str| {
            format!(
                "---\n# Source: app/templates/{name}.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {event}\n"
            )
        };
        let stream = job("migrate", "pre-upgrade") + &job("smoke", "post-upgrade");
        let chart = crate::core::hook::parse_rendered(&stream).unwrap();
        let local = parse_helmfile("helmfile.yaml", HELMFILE, "charts/app", "web")
            .unwrap()
            .unwrap();
        let t = timeline(
            Operation::Upgrade,
            &chart.hooks,
            2,
            HelmVersion::new(3, 17, 1),
            &local,
        );
        let steps: Vec<String> = t
            .steps
            .iter()
            .map(|s| match s {
                Step::Local(l) => format!("{} {} #{}", l.event, l.command, l.position),
                Step::Hook(h) => format!("{} {} #{}", h.event, h.name, h.position),
                Step::Resources { .. } => "resources".into(),
            })
            .collect();
        assert_eq!(
            steps,
            [
                "prepare echo #1",
                "presync sh #2",
                "pre-upgrade migrate #3",
                "resources",
                "post-upgrade smoke #4",
                "postsync sh #5",
                "cleanup true #6",
                "cleanup echo #7",
            ]
        );
        assert_eq!(t.local_runs()[1], (1, LocalEvent::Presync, 2));
        // Rollback runs no local hooks; without local hooks nothing changes.
        let rb = timeline(
            Operation::Rollback,
            &chart.hooks,
            2,
            HelmVersion::new(3, 17, 1),
            &local,
        );
        assert_eq!(rb.locals().count(), 0);
        let plain = timeline(
            Operation::Upgrade,
            &chart.hooks,
            2,
            HelmVersion::new(3, 17, 1),
            &[],
        );
        assert_eq!(
            plain.hooks().map(|h| h.position).collect::<Vec<_>>(),
            [1, 2]
        );
    }

    #[test]
    fn a_plan_counts_local_changes_and_says_nothing_without_them() {
        use crate::core::diff::DiffOptions;
        use crate::core::helm::HelmVersion;
        use crate::core::hook::Rendered;
        use crate::core::plan::{SideRenders, plan};
        let empty = Rendered::default();
        let side = SideRenders {
            install: &empty,
            upgrade: &empty,
        };
        let opts = DiffOptions {
            context: 3,
            show_secrets: false,
        };
        let helm = HelmVersion::new(4, 1, 4);
        let ops = [Operation::Upgrade, Operation::Rollback];
        let bare = plan(side, side, &ops, helm, opts, (&[], &[]));
        let json = serde_json::to_string(&bare).unwrap();
        assert!(!json.to_lowercase().contains("local"), "{json}");
        assert!(!bare.changed);

        use LocalEvent::*;
        let from = vec![hook("backup", &[Presync]), hook("notify", &[Postsync])];
        let mut edited = hook("backup", &[Presync]);
        edited.showlogs = true;
        let to = vec![hook("check", &[Prepare]), edited];
        let p = plan(side, side, &ops, helm, opts, (&from, &to));
        assert!(p.changed);
        let up = &p.operations[0].diff;
        assert_eq!(
            (
                up.summary.local,
                up.summary.added,
                up.summary.changed,
                up.summary.removed
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(up.local_removed[0].command, "notify");
        assert_eq!(up.local_changes[1].was_position, Some(1));
        assert_eq!(
            p.local_hooks[1].fields,
            [LocalFieldChange::Showlogs {
                from: false,
                to: true
            }]
        );
        // Rollback runs none, so nothing changes there.
        assert!(!p.operations[1].diff.summary.has_changes());
    }

    #[test]
    fn operations_get_helmfiles_events() {
        use LocalEvent::*;
        assert_eq!(
            LocalEvent::around(Operation::Upgrade),
            (&[Prepare, Preapply, Presync][..], &[Postsync, Cleanup][..])
        );
        assert_eq!(
            LocalEvent::around(Operation::Uninstall).0,
            &[Prepare, Preuninstall]
        );
        assert!(LocalEvent::around(Operation::Rollback).0.is_empty());
    }
}
