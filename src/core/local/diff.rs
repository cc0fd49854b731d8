//! Local hooks of two revisions compared: per hook, and per run in the
//! timeline.

use super::*;
use crate::core::model::Change;
use serde::Serialize;
use std::collections::HashMap;

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
