//! The `helm upgrade --install` command line, in what the running Helm
//! accepts.

use super::Action;
use crate::adapters::render::RenderOptions;
use crate::core::helm::HelmVersion;

/// What the user asked of Helm beyond the chart and values.
#[derive(Debug, Clone, Default)]
pub struct UpgradeFlags {
    /// `--timeout` as the user wrote it (Helm parses it again).
    pub timeout: String,
    pub wait: bool,
    pub atomic: bool,
    /// Everything after `--`, passed through.
    pub extra: Vec<String>,
}

pub struct UpgradeTarget<'a> {
    pub release: &'a str,
    pub namespace: &'a str,
    pub chart_dir: &'a str,
    /// `--values` files as prepared for Helm, in the user's order.
    pub values: &'a [String],
    pub render: &'a RenderOptions,
    /// Written into the release's description: `helm-hooks apply REV SHA`.
    pub description: String,
}

/// The flags after `--` without `--description`, and the description they
/// gave (Helm takes the last one given).
fn split_description(extra: &[String]) -> (Vec<String>, Option<String>) {
    let mut rest = Vec::new();
    let mut description = None;
    let mut args = extra.iter();
    while let Some(arg) = args.next() {
        match arg.strip_prefix("--description") {
            Some("") => description = args.next().cloned(),
            Some(v) if v.starts_with('=') => description = Some(v[1..].to_string()),
            _ => rest.push(arg.clone()),
        }
    }
    (rest, description)
}

pub fn upgrade_args(t: &UpgradeTarget<'_>, flags: &UpgradeFlags, helm: HelmVersion) -> Vec<String> {
    // The marker `plan --release` reads the deployed commit from comes
    // first; the user's own description follows it, never replaces it.
    let (extra, user_description) = split_description(&flags.extra);
    let description = match user_description {
        Some(d) => format!("{} - {d}", t.description),
        None => t.description.clone(),
    };
    let mut args: Vec<String> = [
        "upgrade",
        "--install",
        t.release,
        t.chart_dir,
        "--namespace",
        t.namespace,
        "--timeout",
        &flags.timeout,
        "--description",
        &description,
    ]
    .map(String::from)
    .to_vec();
    for v in t.values {
        args.extend(["--values".to_string(), v.clone()]);
    }
    for (flag, value) in &t.render.set {
        args.extend([flag.clone(), value.clone()]);
    }
    // No --kube-version/--api-versions: `helm upgrade` has neither (they
    // are `helm template`'s); the cluster says what it serves.
    // Helm 4 renamed --atomic and made --wait take a strategy.
    let helm4 = helm.major >= 4;
    if flags.wait {
        args.push(if helm4 { "--wait=watcher" } else { "--wait" }.into());
    }
    if flags.atomic {
        args.push(
            if helm4 {
                "--rollback-on-failure"
            } else {
                "--atomic"
            }
            .into(),
        );
    }
    args.extend(extra);
    args
}

/// `helm test`, `helm rollback` or `helm uninstall` of the release.
pub fn lifecycle_args(
    release: &str,
    namespace: &str,
    action: &Action,
    flags: &UpgradeFlags,
    helm: HelmVersion,
) -> Vec<String> {
    let mut args: Vec<String> = match action {
        Action::Test { .. } => vec!["test".into(), release.into()],
        Action::Rollback { to, .. } => vec!["rollback".into(), release.into(), to.to_string()],
        Action::Uninstall => vec!["uninstall".into(), release.into()],
        Action::Upgrade { .. } => unreachable!("an upgrade's arguments are upgrade_args'"),
    };
    args.extend(["--namespace".into(), namespace.into()]);
    args.extend(["--timeout".into(), flags.timeout.clone()]);
    if let Action::Test { filters } = action {
        for f in filters {
            args.extend(["--filter".to_string(), f.to_arg()]);
        }
    }
    if flags.wait && !matches!(action, Action::Test { .. }) {
        let helm4 = helm.major >= 4;
        args.push(if helm4 { "--wait=watcher" } else { "--wait" }.into());
    }
    args.extend(flags.extra.iter().cloned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(major: u64, flags: UpgradeFlags) -> Vec<String> {
        let render = RenderOptions {
            set: vec![("--set".into(), "a=b".into())],
            kube_version: Some("1.30".into()),
            ..Default::default()
        };
        upgrade_args(
            &UpgradeTarget {
                release: "web",
                namespace: "shop",
                chart_dir: "/tmp/c",
                values: &["/tmp/v0.yaml".into()],
                render: &render,
                description: "helm-hooks apply HEAD abc".into(),
            },
            &flags,
            HelmVersion::parse(&format!("v{major}.1.0")).unwrap(),
        )
    }

    #[test]
    fn flags_follow_the_running_helm() {
        let flags = UpgradeFlags {
            timeout: "5m0s".into(),
            wait: true,
            atomic: true,
            extra: vec!["--debug".into()],
        };
        let v3 = args(3, flags.clone());
        assert_eq!(
            v3,
            [
                "upgrade",
                "--install",
                "web",
                "/tmp/c",
                "--namespace",
                "shop",
                "--timeout",
                "5m0s",
                "--description",
                "helm-hooks apply HEAD abc",
                "--values",
                "/tmp/v0.yaml",
                "--set",
                "a=b",
                "--wait",
                "--atomic",
                "--debug"
            ]
        );
        let v4 = args(4, flags);
        assert!(v4.contains(&"--wait=watcher".to_string()));
        assert!(v4.contains(&"--rollback-on-failure".to_string()));
        assert!(!v4.contains(&"--atomic".to_string()));
    }

    #[test]
    fn a_users_description_follows_the_marker_never_replaces_it() {
        for extra in [
            vec!["--description".to_string(), "ticket 42".to_string()],
            vec!["--description=ticket 42".to_string()],
        ] {
            let a = args(
                3,
                UpgradeFlags {
                    extra: [extra, vec!["--debug".into()]].concat(),
                    ..Default::default()
                },
            );
            let given: Vec<&String> = a
                .iter()
                .filter(|x| x.starts_with("--description"))
                .collect();
            assert_eq!(given, ["--description"], "{a:?}");
            let i = a.iter().position(|x| x == "--description").unwrap();
            assert_eq!(a[i + 1], "helm-hooks apply HEAD abc - ticket 42");
            assert_eq!(
                super::super::deployed_sha(&a[i + 1]).as_deref(),
                Some("abc")
            );
            assert_eq!(a.last().unwrap(), "--debug");
        }
    }

    #[test]
    fn nothing_added_unasked() {
        let a = args(4, UpgradeFlags::default());
        assert!(
            !a.iter()
                .any(|x| x.starts_with("--wait") || x == "--rollback-on-failure")
        );
    }

    #[test]
    fn lifecycle_commands_name_the_release_and_revision() {
        use crate::core::lifecycle::TestFilter;
        let flags = UpgradeFlags {
            timeout: "2m".into(),
            wait: true,
            extra: vec!["--no-hooks".into()],
            ..Default::default()
        };
        let v4 = HelmVersion::parse("v4.1.4").unwrap();
        let test = Action::Test {
            filters: vec![TestFilter::Exclude("slow".into())],
        };
        assert_eq!(
            lifecycle_args("web", "shop", &test, &flags, v4),
            [
                "test",
                "web",
                "--namespace",
                "shop",
                "--timeout",
                "2m",
                "--filter",
                "!name=slow",
                "--no-hooks"
            ]
        );
        let rollback = Action::Rollback {
            from: 3,
            to: 1,
            from_sha: None,
            to_sha: None,
        };
        assert_eq!(
            lifecycle_args(
                "web",
                "shop",
                &rollback,
                &flags,
                HelmVersion::parse("v3.17.1").unwrap()
            ),
            [
                "rollback",
                "web",
                "1",
                "--namespace",
                "shop",
                "--timeout",
                "2m",
                "--wait",
                "--no-hooks"
            ]
        );
        assert_eq!(
            lifecycle_args("web", "shop", &Action::Uninstall, &flags, v4)[..2],
            ["uninstall", "web"]
        );
    }
}
