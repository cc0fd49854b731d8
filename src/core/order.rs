//! Helm's orders: the kind order hooks are stored in, and the per-event run
//! order (weight, then name; kind only through the stable sort).

use super::helm::HelmVersion;
use super::hook::{Hook, HookEvent};
use std::borrow::Borrow;
use std::cmp::Ordering;

/// `InstallOrder` of Helm 3.17 (`pkg/releaseutil/kind_sorter.go`).
const INSTALL_ORDER_V3: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Helm 4 appends the admission webhook configurations.
const INSTALL_ORDER_V4_EXTRA: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The kind order of one Helm version.
#[derive(Debug, Clone)]
pub struct KindOrder {
    kinds: Vec<&'static str>,
}

impl KindOrder {
    pub fn for_helm(version: HelmVersion) -> Self {
        let mut kinds = INSTALL_ORDER_V3.to_vec();
        if version.major >= 4 {
            kinds.extend_from_slice(INSTALL_ORDER_V4_EXTRA);
        }
        Self { kinds }
    }

    fn rank(&self, kind: &str) -> Option<usize> {
        self.kinds.iter().position(|k| *k == kind)
    }

    /// Helm's `lessByKind`: known kinds by rank, unknown kinds last and
    /// alphabetically among themselves; equal ranks keep their order.
    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        match (self.rank(a), self.rank(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    }

    /// Sorts hooks into the order Helm stores them in the release (stable).
    /// Hooks, or references to them, into Helm's stored order.
    pub fn sort_hooks<H: Borrow<Hook>>(&self, hooks: &mut [H]) {
        hooks.sort_by(|a, b| self.compare(&a.borrow().kind, &b.borrow().kind));
    }
}

/// The hooks Helm runs for `event`, in the order it runs them.
///
/// `stored` must be in stored order (see [`KindOrder::sort_hooks`]). A hook
/// is taken once per matching entry of its event list, as Helm's loop does,
/// so `test,test-success` makes it run twice.
pub fn run_order<H: Borrow<Hook>>(stored: &[H], event: HookEvent) -> Vec<&Hook> {
    let mut executing: Vec<&Hook> = stored
        .iter()
        .map(Borrow::borrow)
        .flat_map(|h: &Hook| {
            h.events
                .iter()
                .filter(move |e| **e == event)
                .map(move |_| h)
        })
        .collect();
    // Go's string `<` compares bytes, as Rust's `str::cmp` does.
    executing.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.name.cmp(&b.name)));
    executing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::hook::parse_rendered;

    const V3: HelmVersion = HelmVersion::new(3, 17, 1);
    const V4: HelmVersion = HelmVersion::new(4, 1, 4);

    /// Hooks (kind, name, events, weight) in render order.
    fn hooks(spec: &[(&str, &str, &str, &str)]) -> Vec<Hook> {
        let mut s = String::new();
        for (kind, name, events, weight) in spec {
            s.push_str(&format!(
                "---\n# Source: app/templates/t.yaml\nkind: {kind}\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n"
            ));
        }
        parse_rendered(&s).unwrap().hooks
    }

    fn ids(run: &[&Hook]) -> Vec<String> {
        run.iter()
            .map(|h| format!("{}/{}", h.kind, h.name))
            .collect()
    }

    fn stored(mut hs: Vec<Hook>, v: HelmVersion) -> Vec<Hook> {
        KindOrder::for_helm(v).sort_hooks(&mut hs);
        hs
    }

    #[test]
    fn weight_first_then_name_in_byte_order() {
        let hs = stored(
            hooks(&[
                ("Job", "b", "pre-install", "0"),
                ("Job", "a", "pre-install", "0"),
                ("Job", "Z", "pre-install", "0"),
                ("Job", "late", "pre-install", "5"),
                ("Job", "early", "pre-install", "-5"),
            ]),
            V3,
        );
        assert_eq!(
            ids(&run_order(&hs, HookEvent::PreInstall)),
            ["Job/early", "Job/Z", "Job/a", "Job/b", "Job/late"]
        );
    }

    #[test]
    fn kind_is_no_sort_key_except_between_equal_weight_and_name() {
        // Written in the "wrong" kind order: the stored (kind) order decides
        // among same weight AND same name; a different name beats kind.
        let hs = stored(
            hooks(&[
                ("Job", "setup", "pre-install", "0"),
                ("RoleBinding", "setup", "pre-install", "0"),
                ("Role", "setup", "pre-install", "0"),
                ("ServiceAccount", "setup", "pre-install", "0"),
                ("ServiceAccount", "zz-account", "pre-install", "0"),
                ("Job", "aa-job", "pre-install", "0"),
            ]),
            V3,
        );
        assert_eq!(
            ids(&run_order(&hs, HookEvent::PreInstall)),
            [
                "Job/aa-job",
                "ServiceAccount/setup",
                "Role/setup",
                "RoleBinding/setup",
                "Job/setup",
                "ServiceAccount/zz-account"
            ]
        );
    }

    #[test]
    fn unknown_kinds_sort_last_alphabetically_and_keep_order_within_a_kind() {
        let hs = stored(
            hooks(&[
                ("Zeta", "x1", "pre-install", "0"),
                ("Alpha", "x", "pre-install", "0"),
                ("Job", "x", "pre-install", "0"),
                ("Zeta", "x0", "pre-install", "0"),
            ]),
            V3,
        );
        let kinds: Vec<_> = hs
            .iter()
            .map(|h| format!("{}/{}", h.kind, h.name))
            .collect();
        assert_eq!(kinds, ["Job/x", "Alpha/x", "Zeta/x1", "Zeta/x0"]);
        assert_eq!(
            ids(&run_order(&hs, HookEvent::PreInstall)),
            ["Job/x", "Alpha/x", "Zeta/x0", "Zeta/x1"]
        );
    }

    #[test]
    fn helm4_knows_webhook_configurations() {
        let spec = [
            ("ValidatingWebhookConfiguration", "w", "pre-install", "0"),
            ("Certificate", "w", "pre-install", "0"),
        ];
        let v3 = stored(hooks(&spec), V3);
        let v4 = stored(hooks(&spec), V4);
        assert_eq!(v3[0].kind, "Certificate", "unknown to v3: alphabetical");
        assert_eq!(
            v4[0].kind, "ValidatingWebhookConfiguration",
            "known to v4: before unknown kinds"
        );
    }

    #[test]
    fn negative_and_invalid_weights() {
        let hs = stored(
            hooks(&[
                ("Job", "invalid", "pre-upgrade", "abc"),
                ("Job", "neg", "pre-upgrade", "-1"),
                ("Job", "a-zero", "pre-upgrade", "0"),
            ]),
            V3,
        );
        assert_eq!(
            ids(&run_order(&hs, HookEvent::PreUpgrade)),
            ["Job/neg", "Job/a-zero", "Job/invalid"]
        );
    }

    #[test]
    fn multi_event_hooks_join_each_event_and_repeats_run_twice() {
        let hs = stored(
            hooks(&[
                ("Job", "both", "pre-install,pre-upgrade", "0"),
                ("Job", "only-upgrade", "pre-upgrade", "0"),
                ("Pod", "t", "test,test-success", "0"),
            ]),
            V3,
        );
        assert_eq!(ids(&run_order(&hs, HookEvent::PreInstall)), ["Job/both"]);
        assert_eq!(
            ids(&run_order(&hs, HookEvent::PreUpgrade)),
            ["Job/both", "Job/only-upgrade"]
        );
        assert_eq!(ids(&run_order(&hs, HookEvent::Test)), ["Pod/t", "Pod/t"]);
    }

    #[test]
    fn subchart_hooks_sort_with_the_parent_by_weight_and_name() {
        let s = "---\n# Source: app/charts/db/templates/j.yaml\nkind: Job\nmetadata:\n  name: a-db\n  annotations:\n    helm.sh/hook: pre-install\n---\n# Source: app/templates/j.yaml\nkind: Job\nmetadata:\n  name: b-app\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-1\"\n";
        let hs = stored(parse_rendered(s).unwrap().hooks, V3);
        let run = run_order(&hs, HookEvent::PreInstall);
        assert_eq!(ids(&run), ["Job/b-app", "Job/a-db"]);
        assert_eq!(run[1].subchart.as_deref(), Some("db"));
    }
}
