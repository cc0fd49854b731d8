//! A cluster's capabilities as Helm's install and upgrade see them (its
//! Kubernetes version and the API versions it serves), kept in a file so
//! that an offline plan (a pull request's CI, with no cluster) renders
//! `.Capabilities` as that cluster will. Versions only: nothing secret.

use serde::{Deserialize, Serialize};

pub const CAPABILITIES_API_VERSION: &str = "helm-hooks/v1";
pub const CAPABILITIES_KIND: &str = "Capabilities";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub api_version: String,
    pub kind: String,
    /// The API server's version (`v1.30.4-eks-...`), for
    /// `.Capabilities.KubeVersion` and the chart's `kubeVersion:`.
    pub kube_version: String,
    /// `group/version` and `group/version/Kind`, as Helm's `GetVersionSet`
    /// builds `.Capabilities.APIVersions` from discovery (CRDs included).
    pub api_versions: Vec<String>,
    /// Where and when they were read, for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CapabilitiesError {
    #[error("not a capabilities file: {0}")]
    Parse(String),
    #[error("not a capabilities file: kind {kind:?} (want {CAPABILITIES_KIND})")]
    Kind { kind: String },
    #[error("the capabilities file names no kubeVersion")]
    NoKubeVersion,
}

impl Capabilities {
    /// From discovery's answers: group versions and, per group version,
    /// its resources' kinds. Sorted and de-duplicated, so two captures of
    /// one cluster are the same file.
    pub fn new(
        kube_version: String,
        group_versions: Vec<String>,
        kinds: Vec<(String, String)>,
    ) -> Self {
        let mut api_versions = group_versions;
        api_versions.extend(kinds.into_iter().map(|(gv, kind)| format!("{gv}/{kind}")));
        api_versions.sort();
        api_versions.dedup();
        Self {
            api_version: CAPABILITIES_API_VERSION.into(),
            kind: CAPABILITIES_KIND.into(),
            kube_version,
            api_versions,
            captured_from: None,
            captured_at: None,
        }
    }

    /// A capabilities file (YAML or JSON).
    pub fn parse(text: &str) -> Result<Self, CapabilitiesError> {
        let caps: Self =
            serde_saphyr::from_str(text).map_err(|e| CapabilitiesError::Parse(e.to_string()))?;
        if caps.kind != CAPABILITIES_KIND {
            return Err(CapabilitiesError::Kind { kind: caps.kind });
        }
        if caps.kube_version.trim().is_empty() {
            return Err(CapabilitiesError::NoKubeVersion);
        }
        Ok(caps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_kinds_are_helms_set_sorted_once() {
        let caps = Capabilities::new(
            "v1.20.2".into(),
            vec!["v1".into(), "apps/v1".into(), "v1".into()],
            vec![
                ("apps/v1".into(), "Deployment".into()),
                ("v1".into(), "Pod".into()),
                ("v1".into(), "Pod".into()),
            ],
        );
        assert_eq!(
            caps.api_versions,
            ["apps/v1", "apps/v1/Deployment", "v1", "v1/Pod"]
        );
        let text = serde_saphyr::to_string(&caps).unwrap();
        assert_eq!(Capabilities::parse(&text).unwrap(), caps);
    }

    #[test]
    fn another_file_is_refused_with_what_it_is() {
        let e =
            Capabilities::parse("apiVersion: v2\nkind: Chart\nkubeVersion: x\napiVersions: []\n")
                .unwrap_err();
        assert!(e.to_string().contains("kind \"Chart\""), "{e}");
        assert!(Capabilities::parse("name: chart\n").is_err());
    }
}
