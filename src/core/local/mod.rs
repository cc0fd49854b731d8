//! Helmfile-style local hooks: commands run on the operator's machine
//! around an apply, read from a `helmfile.yaml` release (and its global
//! `hooks:`) or from `.helm-hooks.yaml` beside `Chart.yaml`.
//!
//! Semantics follow Helmfile's docs/hooks.md: events `prepare`,
//! `preapply`, `presync`, `preuninstall`, `postuninstall`, `postsync`,
//! `cleanup`; hooks of one event run in definition order; global hooks only
//! at `prepare` and `cleanup`.

use super::model::Operation;
use serde::Serialize;
use std::fmt;

/// The audit log's `kind` for a local hook.
mod diff;
mod helmfile;
mod template;

pub use diff::*;
pub use helmfile::*;
pub use template::*;
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

/// `s` as one shell word.
pub fn shell_quote(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Change;

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
