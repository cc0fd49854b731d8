//! Where a side of a plan comes from, and what Helm's render of it
//! assumed: the words a plan's header says about how it was rendered.
//!
//! A side is had one of three ways: a Git revision rendered offline by
//! `helm template` (the binary's default capabilities, no lookups, revision
//! 1), a revision rendered as this cluster's Helm will render it (`helm
//! upgrade --install --dry-run=server`: the cluster's capabilities, real
//! lookups, the next revision, the values Helm reuses, the post-renderer),
//! or a release revision as Helm stored it.

use super::model::Operation;
use serde::Serialize;

/// Where the user values of an upgrade come from, by Helm's rules
/// (`pkg/action/upgrade.go`, `reuseValues`, the same in Helm 3 and 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "from")]
pub enum ValuesSource {
    /// The chart's values and those given (`-f`, `--set`): an install, an
    /// upgrade with values given, or one whose last release had none.
    Chart,
    /// `--reset-values`: the chart's values and those given, nothing kept.
    Reset,
    /// No `-f`/`--set`: Helm copies the user values of the release's last
    /// deployed revision (`None`: that revision's number is not known).
    Reused { revision: Option<u64> },
    /// `--reuse-values`: the last revision's values under those given,
    /// over the chart values it was installed with (new defaults lost).
    ReuseValues { revision: Option<u64> },
    /// `--reset-then-reuse-values`: the new chart's values, then the last
    /// revision's, then those given.
    ResetThenReuse { revision: Option<u64> },
}

/// The upgrade value flags among Helm's arguments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValueFlags {
    pub reset: bool,
    pub reuse: bool,
    pub reset_then_reuse: bool,
}

impl ValueFlags {
    /// Read from the arguments passed through to Helm (`-- --reuse-values`).
    /// A boolean flag may be written `--flag`, `--flag=true` or
    /// `--flag=false`, as Go's flag parser takes it; the last one counts.
    pub fn from_args(args: &[String]) -> Self {
        let mut flags = Self::default();
        for arg in args {
            let (name, value) = match arg.split_once('=') {
                Some((n, v)) => (n, v.eq_ignore_ascii_case("true") || v == "1"),
                None => (arg.as_str(), true),
            };
            match name {
                "--reset-values" => flags.reset = value,
                "--reuse-values" => flags.reuse = value,
                "--reset-then-reuse-values" => flags.reset_then_reuse = value,
                _ => {}
            }
        }
        flags
    }
}

/// What Helm's upgrade does with the values: `install` (no release to
/// reuse from), `given` (some `-f`/`--set` was passed), `previous` (the
/// last deployed revision: its number if known, and whether it has user
/// values at all). Helm checks reset first, then reuse, then
/// reset-then-reuse, then copies the old values only when none are given.
pub fn values_source(
    install: bool,
    given: bool,
    flags: ValueFlags,
    previous: (Option<u64>, bool),
) -> ValuesSource {
    let (revision, had_values) = previous;
    if install {
        return ValuesSource::Chart;
    }
    if flags.reset {
        return ValuesSource::Reset;
    }
    if flags.reuse {
        return ValuesSource::ReuseValues { revision };
    }
    if flags.reset_then_reuse {
        return ValuesSource::ResetThenReuse { revision };
    }
    match !given && had_values {
        true => ValuesSource::Reused { revision },
        false => ValuesSource::Chart,
    }
}

/// How a side was rendered, as the plan's header says it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "mode")]
pub enum RenderSource {
    /// `helm upgrade --install --dry-run=server` with the run's own flags.
    #[serde(rename_all = "camelCase")]
    Cluster {
        #[serde(skip_serializing_if = "Option::is_none")]
        server: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        kube_version: Option<String>,
        operation: Operation,
        revision: u64,
        values: ValuesSource,
        /// A `--post-renderer` was passed (Helm 4 runs it on hooks too).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        post_renderer: bool,
    },
    /// `helm template`, without the cluster: the Kubernetes version and
    /// API versions given or Helm's built-in ones, `lookup` finding
    /// nothing, revision 1, the chart's values and those given.
    #[serde(rename_all = "camelCase")]
    Offline {
        /// The Kubernetes version the render assumed (`None`: Helm's
        /// default, which the binary did not tell).
        #[serde(skip_serializing_if = "Option::is_none")]
        kube_version: Option<String>,
        /// It was given (`--kube-version`, `--capabilities FILE`), not
        /// Helm's default.
        kube_version_given: bool,
        /// API versions given beyond Helm's built-in set.
        api_versions_given: usize,
        /// Both came from this kube context's cluster (`--kube-context`).
        #[serde(skip_serializing_if = "Option::is_none")]
        context: Option<String>,
    },
}

impl std::fmt::Display for ValuesSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rev = |r: &Option<u64>| match r {
            Some(n) => format!("revision {n}"),
            None => "the last deployed revision".to_string(),
        };
        match self {
            ValuesSource::Chart => f.write_str("the chart's and those given"),
            ValuesSource::Reset => f.write_str("the chart's and those given (--reset-values)"),
            ValuesSource::Reused { revision } => write!(
                f,
                "reused from {} (no -f/--set given, so Helm copies them)",
                rev(revision)
            ),
            ValuesSource::ReuseValues { revision } => write!(
                f,
                "{} merged under those given (--reuse-values: the new chart's new defaults are not read)",
                rev(revision)
            ),
            ValuesSource::ResetThenReuse { revision } => write!(
                f,
                "the chart's, then {}, then those given (--reset-then-reuse-values)",
                rev(revision)
            ),
        }
    }
}

impl std::fmt::Display for RenderSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderSource::Cluster {
                server,
                kube_version,
                operation,
                revision,
                values,
                post_renderer,
            } => {
                write!(f, "rendered as Helm will run it on ")?;
                match server {
                    Some(s) => write!(f, "{s}")?,
                    None => f.write_str("the cluster")?,
                }
                if let Some(v) = kube_version {
                    write!(f, " (Kubernetes {v})")?;
                }
                write!(f, ": {operation} to revision {revision}; values {values}")?;
                if *post_renderer {
                    f.write_str("; post-renderer applied")?;
                }
                Ok(())
            }
            RenderSource::Offline {
                kube_version,
                kube_version_given,
                api_versions_given,
                context,
            } => {
                f.write_str("rendered offline: Kubernetes ")?;
                match (kube_version, kube_version_given) {
                    (Some(v), true) if context.is_some() => write!(
                        f,
                        "{v} and the {api_versions_given} API versions of context {}",
                        context.as_deref().unwrap_or_default()
                    )?,
                    (Some(v), true) => write!(f, "{v} (given)")?,
                    (Some(v), false) => write!(f, "{v} (Helm's default)")?,
                    (None, _) => f.write_str("as Helm assumes")?,
                }
                if context.is_none() {
                    f.write_str(", Helm's API versions")?;
                    if *api_versions_given > 0 {
                        write!(f, " and {api_versions_given} given")?;
                    }
                }
                f.write_str(
                    ", lookup finds nothing, revision 1; values the chart's and those given",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> ValueFlags {
        ValueFlags::from_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn an_offline_render_says_what_it_assumed() {
        let default = RenderSource::Offline {
            kube_version: Some("v1.32.0".into()),
            kube_version_given: false,
            api_versions_given: 0,
            context: None,
        };
        assert_eq!(
            default.to_string(),
            "rendered offline: Kubernetes v1.32.0 (Helm's default), Helm's API versions, lookup finds nothing, revision 1; values the chart's and those given"
        );
        let mut given = RenderSource::Offline {
            kube_version: Some("v1.20.2".into()),
            kube_version_given: true,
            api_versions_given: 41,
            context: None,
        };
        assert!(
            given
                .to_string()
                .contains("Kubernetes v1.20.2 (given), Helm's API versions and 41 given,")
        );
        let RenderSource::Offline { context, .. } = &mut given else {
            unreachable!("built above")
        };
        *context = Some("prod".into());
        assert!(given.to_string().starts_with(
            "rendered offline: Kubernetes v1.20.2 and the 41 API versions of context prod, lookup finds nothing"
        ));
    }

    #[test]
    fn value_flags_are_read_as_go_reads_booleans() {
        assert!(flags(&["--wait", "--reuse-values"]).reuse);
        assert!(!flags(&["--reuse-values=false"]).reuse);
        assert!(!flags(&["--reuse-values", "--reuse-values=false"]).reuse);
        assert!(flags(&["--reset-values=true"]).reset);
        assert!(flags(&["--reset-then-reuse-values"]).reset_then_reuse);
        assert_eq!(flags(&["--reuse-values-x"]), ValueFlags::default());
    }

    #[test]
    fn values_follow_helms_rules_in_its_order() {
        let none = ValueFlags::default();
        let prev = (Some(3), true);
        assert_eq!(values_source(true, false, none, prev), ValuesSource::Chart);
        assert_eq!(
            values_source(false, false, none, prev),
            ValuesSource::Reused { revision: Some(3) }
        );
        assert_eq!(values_source(false, true, none, prev), ValuesSource::Chart);
        // Nothing to copy: the chart's values.
        assert_eq!(
            values_source(false, false, none, (Some(3), false)),
            ValuesSource::Chart
        );
        let all = ValueFlags {
            reset: true,
            reuse: true,
            reset_then_reuse: true,
        };
        assert_eq!(values_source(false, false, all, prev), ValuesSource::Reset);
        let reuse = ValueFlags {
            reuse: true,
            reset_then_reuse: true,
            ..none
        };
        assert_eq!(
            values_source(false, true, reuse, prev),
            ValuesSource::ReuseValues { revision: Some(3) }
        );
        let rtr = ValueFlags {
            reset_then_reuse: true,
            ..none
        };
        assert_eq!(
            values_source(false, true, rtr, prev),
            ValuesSource::ResetThenReuse { revision: Some(3) }
        );
    }

    #[test]
    fn the_header_says_how_it_was_rendered() {
        let s = RenderSource::Cluster {
            server: Some("https://127.0.0.1:6443".into()),
            kube_version: Some("v1.30.4".into()),
            operation: Operation::Upgrade,
            revision: 4,
            values: ValuesSource::Reused { revision: Some(3) },
            post_renderer: false,
        };
        assert_eq!(
            s.to_string(),
            "rendered as Helm will run it on https://127.0.0.1:6443 (Kubernetes v1.30.4): upgrade to revision 4; values reused from revision 3 (no -f/--set given, so Helm copies them)"
        );
    }
}
