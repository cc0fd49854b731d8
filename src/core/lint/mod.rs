//! Hook safety rules (`helm hooks lint`): the traps Helm walks into without
//! a word, checked on the rendered hooks of one revision.
//!
//! Pure: takes renders and settings, returns findings.

use super::helm::HelmVersion;
use super::hook::{Hook, HookEvent, HookId, Rendered};
use super::order::KindOrder;
use super::plan::SideRenders;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::time::Duration;

/// Per-hook silencing: `helm-hooks.io/ignore: HH004,HH013`.
pub const IGNORE_ANNOTATION: &str = "helm-hooks.io/ignore";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: a stable id, a short name, its severity and what it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    /// The severity of most findings; HH009 is a warning for pre-upgrade.
    pub severity: Severity,
    pub summary: &'static str,
    /// How to fix a finding of it.
    pub fix: &'static str,
}

pub const RULES: [Rule; 14] = [
    Rule {
        id: "HH001",
        name: "dropped-hook-document",
        severity: Severity::Error,
        summary: "a helm.sh/hook value with an unknown event: Helm drops the whole document silently",
        fix: "write each helm.sh/hook event exactly as Helm knows it (pre-install, post-install, pre-delete, post-delete, pre-upgrade, post-upgrade, pre-rollback, post-rollback, test); CRDs go in crds/, test-failure is gone",
    },
    Rule {
        id: "HH002",
        name: "weight-read-as-zero",
        severity: Severity::Error,
        summary: "a helm.sh/hook-weight Go's Atoi rejects (\" 5\", \"abc\", \"1.5\"): Helm uses 0",
        fix: "write helm.sh/hook-weight as a plain quoted integer such as \"5\" or \"-5\"",
    },
    Rule {
        id: "HH003",
        name: "unknown-delete-policy",
        severity: Severity::Warning,
        summary: "a helm.sh/hook-delete-policy value Helm does not know: it is ignored",
        fix: "use before-hook-creation, hook-succeeded or hook-failed",
    },
    Rule {
        id: "HH004",
        name: "hook-never-deleted",
        severity: Severity::Warning,
        summary: "only the default delete policy: every finished hook stays in the cluster",
        fix: "add helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded (or, for a Job, spec.ttlSecondsAfterFinished)",
    },
    Rule {
        id: "HH005",
        name: "succeeded-without-before-creation",
        severity: Severity::Warning,
        summary: "hook-succeeded without before-hook-creation: a left-over object makes the next run fail with \"already exists\" on Helm 3",
        fix: "add before-hook-creation beside hook-succeeded",
    },
    Rule {
        id: "HH006",
        name: "order-by-name-or-kind",
        severity: Severity::Info,
        summary: "hooks of one event with equal weights: their order is decided by name (or kind)",
        fix: "give the hooks distinct helm.sh/hook-weight values in the order they must run",
    },
    Rule {
        id: "HH007",
        name: "job-limits",
        severity: Severity::Warning,
        summary: "a Job hook without backoffLimit or activeDeadlineSeconds, or with a deadline longer than Helm's --timeout",
        fix: "set spec.backoffLimit and spec.activeDeadlineSeconds below Helm's --timeout",
    },
    Rule {
        id: "HH008",
        name: "restart-policy-always",
        severity: Severity::Error,
        summary: "restartPolicy Always (or absent) in a Pod or Job hook: the Pod never completes, the Job is rejected",
        fix: "set restartPolicy: Never or OnFailure in the pod template",
    },
    Rule {
        id: "HH009",
        name: "pre-hook-uses-chart-resource",
        severity: Severity::Error,
        summary: "a pre-install (error) or pre-upgrade (warning, resource new in the revision) hook uses a ConfigMap, Secret, ServiceAccount or PVC the chart creates only after the hooks",
        fix: "create what the hook uses in a hook of its own with a lower weight, or make the hook post-install/post-upgrade",
    },
    Rule {
        id: "HH010",
        name: "uses-later-hook",
        severity: Severity::Error,
        summary: "a hook uses a resource that another hook of the same event creates later",
        fix: "give the hook that creates the resource a lower weight than the one that uses it",
    },
    Rule {
        id: "HH011",
        name: "not-waited-kind",
        severity: Severity::Info,
        summary: "a workload hook Helm does not wait on (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, CronJob)",
        fix: "use a Job or a Pod for work that must finish before Helm goes on",
    },
    Rule {
        id: "HH012",
        name: "literal-secret-env",
        severity: Severity::Warning,
        summary: "a literal value in a hook env var named like a secret (PASSWORD, TOKEN, KEY, SECRET...)",
        fix: "read the value from a Secret (valueFrom.secretKeyRef) instead of writing it in the chart",
    },
    Rule {
        id: "HH013",
        name: "no-resources",
        severity: Severity::Info,
        summary: "a hook container without resource requests or limits",
        fix: "set resources.requests and resources.limits of cpu and memory on every container",
    },
    Rule {
        id: "HH014",
        name: "non-string-metadata-value",
        severity: Severity::Error,
        summary: "an annotation or label value that is not a string (unquoted -10, true): Helm orders the hook, then fails to create it",
        fix: "quote the value so that it is a string (\"-10\", \"true\")",
    },
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id.trim()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The hook at fault; `None` for a document Helm dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookId>,
    /// The template path as Helm prints it in `# Source:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The line of the hook's `helm.sh/hook` annotation in that template's
    /// source, when it can be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
    /// With a `from` revision: whether the finding is new in this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<bool>,
    /// What the finding is about, beyond rule and hook (the container, the
    /// referenced resource...): the identity across revisions, so that a
    /// message that mentions a changed weight is still the same finding.
    #[serde(skip)]
    pub subject: String,
}

impl Finding {
    fn key(&self) -> (&str, Option<&HookId>, &str) {
        (self.rule, self.hook.as_ref(), &self.subject)
    }
}

/// Helm's default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct LintOptions {
    pub helm: HelmVersion,
    /// Helm's `--timeout`: applies to each hook wait.
    pub timeout: Duration,
    /// Rule ids silenced for the whole chart (`.helm-hooks.yaml`).
    pub ignore: Vec<String>,
}

pub use super::time::go_duration_text;

mod checks;
mod podspec;

use checks::*;

/// The hooks that matter for a side: install events come from the install
/// render, every other event from the upgrade render.
fn relevant_hooks<'a>(side: SideRenders<'a>) -> Vec<&'a Hook> {
    let install_event = |e: &HookEvent| matches!(e, HookEvent::PreInstall | HookEvent::PostInstall);
    let mut out: Vec<&Hook> = side
        .install
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(install_event))
        .collect();
    for h in side
        .upgrade
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| !install_event(e)))
    {
        if !out
            .iter()
            .any(|o| o.kind == h.kind && o.name == h.name && o.manifest == h.manifest)
        {
            out.push(h);
        }
    }
    out
}

/// A render's hooks in Helm's stored order, as references: the hooks
/// themselves are not copied.
fn stored_order<'r>(order: &KindOrder, r: &'r Rendered) -> Vec<&'r Hook> {
    let mut hooks: Vec<&Hook> = r.hooks.iter().collect();
    order.sort_hooks(&mut hooks);
    hooks
}

fn check_side(
    side: SideRenders<'_>,
    base: Option<&HashSet<(String, String)>>,
    opts: &LintOptions,
) -> Vec<Finding> {
    let mut cx = Ctx {
        opts,
        out: Vec::new(),
    };
    check_warnings(side.install, &mut cx);
    check_warnings(side.upgrade, &mut cx);
    for h in relevant_hooks(side) {
        check_policies(h, &mut cx);
        check_job_limits(h, &mut cx);
        check_restart_policy(h, &mut cx);
        check_not_waited(h, &mut cx);
        check_literal_secrets(h, &mut cx);
        check_resources(h, &mut cx);
        check_metadata_strings(h, &mut cx);
    }
    let order = KindOrder::for_helm(opts.helm);
    let (install, upgrade) = (
        stored_order(&order, side.install),
        stored_order(&order, side.upgrade),
    );
    let events: Vec<(HookEvent, Vec<&Hook>)> = HookEvent::ALL
        .into_iter()
        .map(|e| {
            let hooks = match e {
                HookEvent::PreInstall | HookEvent::PostInstall => &install,
                _ => &upgrade,
            };
            (e, event_run(hooks, e))
        })
        .collect();
    check_ties(&events, &mut cx);
    check_later_hooks(&events, &mut cx);
    check_pre_hooks(side, base, &mut cx);

    // Silencing: the chart's list, then each hook's annotation.
    let all_hooks: Vec<&Hook> = side
        .install
        .hooks
        .iter()
        .chain(&side.upgrade.hooks)
        .collect();
    // Findings outnumber hooks on big charts: look hooks up by identity
    // and findings by key, not by scanning.
    let mut by_id: std::collections::HashMap<HookId, Vec<&Hook>> = std::collections::HashMap::new();
    for h in &all_hooks {
        by_id.entry(h.id()).or_default().push(h);
    }
    let mut seen: std::collections::HashSet<(&'static str, Option<HookId>, String)> =
        std::collections::HashSet::new();
    let mut out: Vec<Finding> = Vec::new();
    for f in cx.out {
        if opts
            .ignore
            .iter()
            .any(|i| i.trim().eq_ignore_ascii_case(f.rule))
        {
            continue;
        }
        let silenced = f.hook.as_ref().is_some_and(|id| {
            by_id
                .get(id)
                .is_some_and(|hs| hs.iter().any(|h| ignored_by_annotation(h, f.rule)))
        });
        if !silenced && seen.insert((f.rule, f.hook.clone(), f.subject.clone())) {
            out.push(f);
        }
    }
    out.sort_by(|a, b| {
        (a.severity, a.rule, &a.path, &a.hook).cmp(&(b.severity, b.rule, &b.path, &b.hook))
    });
    out
}

/// Lints `to`. With `from`, each finding says whether the change introduced
/// it, and HH009 knows which resources are new in `to`.
pub fn lint(
    to: SideRenders<'_>,
    from: Option<SideRenders<'_>>,
    opts: &LintOptions,
) -> Vec<Finding> {
    let base: Option<HashSet<(String, String)>> = from.map(|f| {
        f.upgrade
            .resources
            .iter()
            .map(|r| (r.kind.clone(), r.name.clone()))
            .collect()
    });
    let mut findings = check_side(to, base.as_ref(), opts);
    if let Some(from) = from {
        let before = check_side(from, None, opts);
        let keys: BTreeSet<_> = before.iter().map(Finding::key).collect();
        for f in &mut findings {
            f.introduced = Some(!keys.contains(&f.key()));
        }
    }
    findings
}

/// Counts by severity: `(errors, warnings, infos)`.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

#[cfg(test)]
mod tests {
    use super::checks::*;
    use super::*;
    use crate::core::hook::Warning;
    use crate::core::hook::parse_rendered;
    use crate::core::time::parse_go_duration;

    const V3: HelmVersion = HelmVersion::new(3, 17, 1);

    fn opts() -> LintOptions {
        LintOptions {
            helm: V3,
            timeout: DEFAULT_TIMEOUT,
            ignore: Vec::new(),
        }
    }

    fn render(docs: &[&str]) -> Rendered {
        let stream: String = docs
            .iter()
            .enumerate()
            .map(|(i, d)| format!("---\n# Source: app/templates/t{i}.yaml\n{d}"))
            .collect();
        parse_rendered(&stream).unwrap()
    }

    fn run_with(docs: &[&str], o: &LintOptions) -> Vec<Finding> {
        let r = render(docs);
        lint(
            SideRenders {
                install: &r,
                upgrade: &r,
            },
            None,
            o,
        )
    }

    fn run(docs: &[&str]) -> Vec<Finding> {
        run_with(docs, &opts())
    }

    fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
        findings.iter().filter(|f| f.rule == rule).collect()
    }

    /// A Job hook with every best practice, then `extra` annotation lines
    /// and a pod spec body that can be replaced.
    fn job(name: &str, events: &str, annotations: &str, pod: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n{annotations}spec:\n  backoffLimit: 1\n  activeDeadlineSeconds: 120\n  template:\n    spec:\n{pod}"
        )
    }

    const GOOD_POLICY: &str =
        "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n";

    fn pod_body(container_extra: &str, spec_extra: &str) -> String {
        format!(
            "      restartPolicy: Never\n{spec_extra}      containers:\n        - name: main\n          image: busybox\n          resources:\n            requests: {{cpu: 10m, memory: 16Mi}}\n            limits: {{cpu: 100m, memory: 64Mi}}\n{container_extra}"
        )
    }

    fn good_job(name: &str, events: &str) -> String {
        job(name, events, GOOD_POLICY, &pod_body("", ""))
    }

    #[test]
    fn a_hook_with_every_best_practice_has_no_findings() {
        assert_eq!(
            run(&[&good_job("migrate", "pre-install,pre-upgrade")]),
            vec![]
        );
    }

    #[test]
    fn hh001_dropped_documents() {
        let mut r = render(&[&good_job("a", "pre-install")]);
        assert!(of(&lint_one(&r), "HH001").is_empty());
        r.warnings.push(Warning::DroppedDocument {
            path: vec!["app/templates/t.yaml".into()],
            held_in: Vec::new(),
            value: "pre-install,test-failure".into(),
            unknown: vec!["test-failure".into()],
            hook: Some("Pod/smoke".into()),
        });
        let f = lint_one(&r);
        let hits = of(&f, "HH001");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Error);
        assert_eq!(hits[0].path.as_deref(), Some("app/templates/t.yaml"));
        assert!(
            hits[0]
                .message
                .contains("test-failure no longer exists: use test")
        );
        // The hook is named.
        assert!(
            hits[0]
                .message
                .starts_with("Pod/smoke in app/templates/t.yaml"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn hh001_gives_each_typo_its_own_fix() {
        let fix =
            |u: &[&str]| checks::dropped_fix(&u.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(fix(&["crd-install"]).contains("crds/ directory"));
        assert!(!fix(&["crd-install"]).contains("use test"));
        assert_eq!(
            fix(&["preinstall"]),
            "\"preinstall\" is not \"pre-install\": write it exactly so"
        );
        assert_eq!(
            fix(&["post_upgrade"]),
            "\"post_upgrade\" is not \"post-upgrade\": write it exactly so"
        );
        assert!(fix(&["deploy"]).contains("\"deploy\" is no event"));
        assert_eq!(
            fix(&["test-failure", "preinstall"]).matches("; ").count(),
            1
        );
    }

    #[test]
    fn hh004_and_hh013_say_what_is_true_of_the_kind_and_of_what_is_missing() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations:\n    helm.sh/hook: pre-install\n";
        let f = run(&[cm]);
        let hh004 = of(&f, "HH004");
        assert_eq!(hh004.len(), 1);
        assert!(
            !hh004[0].message.contains("finished run"),
            "{}",
            hh004[0].message
        );
        assert!(
            hh004[0]
                .message
                .contains("the ConfigMap stays in the cluster")
        );
        assert!(!hh004[0].message.contains("ttlSecondsAfterFinished"));

        let no_limits = good_job("r", "pre-install")
            .replace("            limits: {cpu: 100m, memory: 64Mi}\n", "");
        let f = run(&[&no_limits]);
        let hits = of(&f, "HH013");
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("has no resources.limits:"),
            "{}",
            hits[0].message
        );
        assert!(!hits[0].message.contains("starved"), "{}", hits[0].message);
    }

    fn lint_one(r: &Rendered) -> Vec<Finding> {
        lint(
            SideRenders {
                install: r,
                upgrade: r,
            },
            None,
            &opts(),
        )
    }

    #[test]
    fn hh002_weight_read_as_zero() {
        let bad = job(
            "w",
            "pre-install",
            &format!("{GOOD_POLICY}    helm.sh/hook-weight: \" 5\"\n"),
            &pod_body("", ""),
        );
        let f = run(&[&bad]);
        let hits = of(&f, "HH002");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].hook.as_ref().unwrap().name, "w");
        assert!(hits[0].message.contains("\" 5\""));
        let ok = job(
            "w",
            "pre-install",
            &format!("{GOOD_POLICY}    helm.sh/hook-weight: \"-5\"\n"),
            &pod_body("", ""),
        );
        assert!(of(&run(&[&ok]), "HH002").is_empty());
    }

    #[test]
    fn hh003_unknown_delete_policy() {
        let bad = job(
            "p",
            "pre-install",
            "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeded\n",
            &pod_body("", ""),
        );
        let f = run(&[&bad]);
        let hits = of(&f, "HH003");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("hook-succeded"));
        assert!(of(&run(&[&good_job("p", "pre-install")]), "HH003").is_empty());
    }

    #[test]
    fn hh004_only_the_default_policy() {
        for annotations in ["", "    helm.sh/hook-delete-policy: before-hook-creation\n"] {
            let f = run(&[&job("d", "pre-install", annotations, &pod_body("", ""))]);
            assert_eq!(of(&f, "HH004").len(), 1, "{annotations:?}");
        }
        assert!(of(&run(&[&good_job("d", "pre-install")]), "HH004").is_empty());
        // A Job that removes itself needs no policy; a CRD is never deleted.
        let ttl = job("d", "pre-install", "", &pod_body("", "")).replace(
            "  backoffLimit: 1\n",
            "  backoffLimit: 1\n  ttlSecondsAfterFinished: 60\n",
        );
        assert!(of(&run(&[&ttl]), "HH004").is_empty());
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n  annotations:\n    helm.sh/hook: pre-install\n";
        assert!(of(&run(&[crd]), "HH004").is_empty());
    }

    #[test]
    fn hh005_hook_succeeded_without_before_hook_creation() {
        let bad = job(
            "s",
            "pre-install",
            "    helm.sh/hook-delete-policy: hook-succeeded\n",
            &pod_body("", ""),
        );
        let f = run(&[&bad]);
        assert_eq!(of(&f, "HH005").len(), 1);
        assert!(of(&f, "HH004").is_empty(), "it is deleted on success");
        assert!(of(&run(&[&good_job("s", "pre-install")]), "HH005").is_empty());
    }

    #[test]
    fn hh006_equal_weights_and_the_order_helm_uses() {
        let sa = |name: &str| {
            format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n{GOOD_POLICY}"
            )
        };
        let f = run(&[
            &good_job("setup", "pre-install,pre-upgrade"),
            &sa("setup"),
            &sa("b-account"),
        ]);
        let hits = of(&f, "HH006");
        assert_eq!(hits.len(), 1, "one group, both events: {hits:#?}");
        assert!(
            hits[0]
                .message
                .starts_with("pre-install, pre-upgrade hooks with weight 0")
        );
        // Helm's order: name first, kind between equal names.
        assert!(
            hits[0]
                .message
                .contains("ServiceAccount/b-account, ServiceAccount/setup, Job/setup"),
            "{}",
            hits[0].message
        );
        assert!(hits[0].message.contains("by kind"));

        let weighted = job(
            "setup",
            "pre-install,pre-upgrade",
            &format!("{GOOD_POLICY}    helm.sh/hook-weight: \"5\"\n"),
            &pod_body("", ""),
        );
        let f = run(&[&weighted, &sa("setup")]);
        assert!(of(&f, "HH006").is_empty(), "{f:#?}");
    }

    #[test]
    fn hh007_job_limits_against_the_timeout() {
        let f = run(&[&good_job("j", "pre-install")]);
        assert!(of(&f, "HH007").is_empty());
        let none = good_job("j", "pre-install")
            .replace("  backoffLimit: 1\n  activeDeadlineSeconds: 120\n", "");
        let f = run(&[&none]);
        let hits = of(&f, "HH007");
        assert_eq!(hits.len(), 1, "one finding per Job");
        assert!(
            hits[0].message.contains("no spec.backoffLimit")
                && hits[0].message.contains("no spec.activeDeadlineSeconds"),
            "{}",
            hits[0].message
        );
        let long = good_job("j", "pre-install").replace("120", "600");
        let f = run(&[&long]);
        let hits = of(&f, "HH007");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("5m0s"), "{}", hits[0].message);
        // The same deadline is fine under a longer timeout.
        let mut o = opts();
        o.timeout = parse_go_duration("15m").unwrap();
        assert!(of(&run_with(&[&long], &o), "HH007").is_empty());
    }

    #[test]
    fn hh008_restart_policy_always() {
        let always = good_job("r", "pre-install").replace("Never", "Always");
        let f = run(&[&always]);
        assert_eq!(of(&f, "HH008").len(), 1);
        assert_eq!(of(&f, "HH008")[0].severity, Severity::Error);
        let pod_default = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n{GOOD_POLICY}spec:\n  containers:\n    - name: t\n      image: busybox\n"
        );
        let f = run(&[&pod_default]);
        assert!(of(&f, "HH008")[0].message.contains("defaults it to Always"));
        assert!(of(&run(&[&good_job("r", "pre-install")]), "HH008").is_empty());
        let on_failure = good_job("r", "pre-install").replace("Never", "OnFailure");
        assert!(of(&run(&[&on_failure]), "HH008").is_empty());
    }

    fn configmap(name: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {{a: b}}\n")
    }

    fn env_from(cm: &str) -> String {
        format!("          envFrom:\n            - configMapRef:\n                name: {cm}\n")
    }

    #[test]
    fn hh009_pre_install_hook_using_the_charts_own_configmap() {
        let hook = job(
            "migrate",
            "pre-install,pre-upgrade",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        let f = run(&[&hook, &configmap("app-config")]);
        let hits = of(&f, "HH009");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert_eq!(hits[0].severity, Severity::Error);
        assert!(
            hits[0]
                .message
                .contains("ConfigMap/app-config (envFrom of container main)")
        );
        // A post-install hook, or a ConfigMap the chart does not create, is fine.
        let post = job(
            "migrate",
            "post-install",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        assert!(of(&run(&[&post, &configmap("app-config")]), "HH009").is_empty());
        assert!(of(&run(&[&hook, &configmap("other")]), "HH009").is_empty());
        // Optional references do not stop the pod.
        let optional = hook.replace(
            "name: app-config\n",
            "name: app-config\n                optional: true\n",
        );
        assert!(of(&run(&[&optional, &configmap("app-config")]), "HH009").is_empty());
    }

    #[test]
    fn hh009_every_kind_of_reference() {
        let spec = "      serviceAccountName: sa\n      imagePullSecrets: [{name: pull}]\n      volumes:\n        - name: data\n          persistentVolumeClaim: {claimName: pvc}\n        - name: cfg\n          secret: {secretName: vol-secret}\n";
        let env = "          env:\n            - name: X\n              valueFrom: {secretKeyRef: {name: env-secret, key: x}}\n";
        let hook = job("h", "pre-install", GOOD_POLICY, &pod_body(env, spec));
        let res = [
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n".to_string(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\n".to_string(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vol-secret\n".to_string(),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: env-secret\n".to_string(),
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pvc\n".to_string(),
        ];
        let mut docs = vec![hook.as_str()];
        docs.extend(res.iter().map(String::as_str));
        let f = run(&docs);
        let mut got: Vec<&str> = of(&f, "HH009").iter().map(|f| f.subject.as_str()).collect();
        got.sort();
        assert_eq!(
            got,
            [
                "PersistentVolumeClaim/pvc",
                "Secret/env-secret",
                "Secret/pull",
                "Secret/vol-secret",
                "ServiceAccount/sa"
            ]
        );
    }

    #[test]
    fn hh009_pre_upgrade_only_when_the_resource_is_new() {
        let hook = job(
            "migrate",
            "pre-upgrade",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        let cm = configmap("app-config");
        let new = render(&[&hook, &cm]);
        let old_without = render(&[&hook]);
        let old_with = render(&[&hook, &cm]);
        let side = |r| SideRenders {
            install: r,
            upgrade: r,
        };
        let f = lint(side(&new), Some(side(&old_without)), &opts());
        let hits = of(&f, "HH009");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Warning);
        assert_eq!(hits[0].introduced, Some(true));
        let f = lint(side(&new), Some(side(&old_with)), &opts());
        assert!(
            of(&f, "HH009").is_empty(),
            "it exists from the last release"
        );
        assert!(
            of(&lint(side(&new), None, &opts()), "HH009").is_empty(),
            "unknown: no base"
        );
    }

    #[test]
    fn hh010_hook_uses_what_a_later_hook_creates() {
        let user = job(
            "a-migrate",
            "pre-install",
            GOOD_POLICY,
            &pod_body(&env_from("z-config"), ""),
        );
        let cm = |weight: &str| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z-config\n  annotations:\n    helm.sh/hook: pre-install\n{GOOD_POLICY}    helm.sh/hook-weight: \"{weight}\"\n"
            )
        };
        let f = run(&[&user, &cm("0")]);
        let hits = of(&f, "HH010");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert!(hits[0].message.contains("names sort so"));
        assert_eq!(hits[0].hook.as_ref().unwrap().name, "a-migrate");
        assert!(of(&run(&[&user, &cm("-1")]), "HH010").is_empty());
    }

    #[test]
    fn hh011_kinds_helm_does_not_wait_on() {
        let deploy = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\n  annotations:\n    helm.sh/hook: pre-install\n{GOOD_POLICY}"
        );
        let f = run(&[&deploy]);
        assert_eq!(of(&f, "HH011").len(), 1);
        assert!(
            of(&f, "HH011")[0]
                .message
                .starts_with("pre-install hook Deployment/db")
        );
        assert!(of(&run(&[&good_job("db", "pre-install")]), "HH011").is_empty());
    }

    #[test]
    fn hh012_literal_secrets_never_print_the_value() {
        let env = "          env:\n            - name: DB_PASSWORD\n              value: hunter2\n            - name: LOG_LEVEL\n              value: debug\n            - name: API_TOKEN\n              valueFrom: {secretKeyRef: {name: s, key: t}}\n";
        let f = run(&[&job("s", "pre-install", GOOD_POLICY, &pod_body(env, ""))]);
        let hits = of(&f, "HH012");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert!(hits[0].message.contains("DB_PASSWORD"));
        assert!(f.iter().all(|f| !f.message.contains("hunter2")));
        assert!(of(&run(&[&good_job("s", "pre-install")]), "HH012").is_empty());
        assert!(secret_like("AWS_SECRET_ACCESS_KEY") && secret_like("githubToken"));
        assert!(!secret_like("MONKEY") && !secret_like("KEYCLOAK_URL"));
    }

    #[test]
    fn hh013_containers_without_resources() {
        let bare = good_job("r", "pre-install").replace(
            "          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n            limits: {cpu: 100m, memory: 64Mi}\n",
            "",
        );
        let f = run(&[&bare]);
        let hits = of(&f, "HH013");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("requests or resources.limits"));
        assert!(of(&run(&[&good_job("r", "pre-install")]), "HH013").is_empty());
    }

    #[test]
    fn hh014_annotation_and_label_values_must_be_strings() {
        let j = job(
            "w",
            "pre-install",
            &format!(
                "{GOOD_POLICY}    helm.sh/hook-weight: -10\n    n: null\n  labels:\n    on: true\n    tier: \"5\"\n"
            ),
            &pod_body("", ""),
        );
        let f = run(&[&j]);
        let hits = of(&f, "HH014");
        assert_eq!(hits.len(), 2, "{hits:#?}");
        assert!(hits.iter().all(|h| h.severity == Severity::Error));
        let weight = hits
            .iter()
            .find(|h| h.subject == "annotations/helm.sh/hook-weight")
            .unwrap();
        assert!(
            weight.message.contains("Job/w") && weight.message.contains("quote it"),
            "{}",
            weight.message
        );
        assert!(hits.iter().any(|h| h.subject == "labels/on"));
        assert!(of(&run(&[&good_job("g", "pre-install")]), "HH014").is_empty());
    }

    #[test]
    fn silenced_by_annotation_or_chart_list() {
        let bare = job(
            "q",
            "pre-install",
            "    helm-hooks.io/ignore: \"hh004, HH013\"\n",
            &pod_body("", ""),
        )
        .replace("          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n            limits: {cpu: 100m, memory: 64Mi}\n", "");
        let f = run(&[&bare]);
        assert!(
            of(&f, "HH004").is_empty() && of(&f, "HH013").is_empty(),
            "{f:#?}"
        );
        let loud = bare.replace("hh004, HH013", "HH999");
        let f = run(&[&loud]);
        assert!(!of(&f, "HH004").is_empty() && !of(&f, "HH013").is_empty());
        let mut o = opts();
        o.ignore = vec!["HH004".into()];
        let f = run_with(&[&loud], &o);
        assert!(of(&f, "HH004").is_empty() && !of(&f, "HH013").is_empty());
    }

    #[test]
    fn introduced_findings_are_marked_against_from() {
        let old = render(&[&good_job("a", "pre-install")]);
        let new = render(&[
            &good_job("a", "pre-install"),
            &job("b", "pre-install", "", &pod_body("", "")),
        ]);
        let side = |r| SideRenders {
            install: r,
            upgrade: r,
        };
        let f = lint(side(&new), Some(side(&old)), &opts());
        let b = f.iter().find(|f| f.rule == "HH004").unwrap();
        assert_eq!(b.introduced, Some(true));
        let tie = f.iter().find(|f| f.rule == "HH006").unwrap();
        assert_eq!(tie.introduced, Some(true));
        let same = lint(side(&new), Some(side(&new)), &opts());
        assert!(same.iter().all(|f| f.introduced == Some(false)));
    }

    #[test]
    fn install_events_come_from_the_install_render() {
        // The chart branches on IsInstall: the upgrade render has no trap.
        let cm = configmap("app-config");
        let install_hook = job(
            "m",
            "pre-install,pre-upgrade",
            GOOD_POLICY,
            &pod_body(&env_from("app-config"), ""),
        );
        let upgrade_hook = good_job("m", "pre-install,pre-upgrade");
        let install = render(&[&install_hook, &cm]);
        let upgrade = render(&[&upgrade_hook, &cm]);
        let f = lint(
            SideRenders {
                install: &install,
                upgrade: &upgrade,
            },
            None,
            &opts(),
        );
        assert_eq!(of(&f, "HH009").len(), 1);
        let f = lint(
            SideRenders {
                install: &upgrade,
                upgrade: &install,
            },
            None,
            &opts(),
        );
        assert!(of(&f, "HH009").is_empty());
    }

    #[test]
    fn go_durations() {
        for (text, secs) in [
            ("5m", 300.0),
            ("300s", 300.0),
            ("1h30m", 5400.0),
            ("1.5s", 1.5),
            ("500ms", 0.5),
            ("0", 0.0),
        ] {
            assert_eq!(
                parse_go_duration(text).unwrap().as_secs_f64(),
                secs,
                "{text}"
            );
        }
        for bad in ["", "5", "5x", "-1s", "m"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(go_duration_text(Duration::from_secs(300)), "5m0s");
        assert_eq!(go_duration_text(Duration::from_secs(3725)), "1h2m5s");
        assert_eq!(go_duration_text(Duration::from_secs(45)), "45s");
    }

    #[test]
    fn every_rule_is_documented_once() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 14);
        assert_eq!(
            rule("hh009").map(|r| r.name),
            Some("pre-hook-uses-chart-resource")
        );
    }
}
