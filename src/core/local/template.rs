//! The `{{ }}` expressions Helmfile hooks use (`.Release.Name`,
//! `.Event.Name`, ...): the few helm-hooks evaluates, and a clear error for
//! the rest.

use super::*;

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
