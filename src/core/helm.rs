//! Which Helm we are predicting: some rules differ between versions.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HelmVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read Helm version from {0:?}")]
pub struct BadHelmVersion(pub String);

impl HelmVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Parses `v3.17.1`, `3.17.1`, `v4.1.4+gabc` (the shapes `helm version` prints).
    pub fn parse(text: &str) -> Result<Self, BadHelmVersion> {
        let bad = || BadHelmVersion(text.to_string());
        let core = text.trim().trim_start_matches('v');
        let core = core.split(['+', '-']).next().unwrap_or_default();
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let mut next = || parts.next().and_then(Result::ok).ok_or_else(bad);
        Ok(Self::new(next()?, next()?, next()?))
    }

    /// The Helm versions whose hook semantics this tool was checked
    /// against: 3.17 and later, 4 included.
    pub fn is_supported(self) -> bool {
        self >= Self::new(3, 17, 0)
    }

    /// `helm.sh/hook-output-log-policy` exists from Helm 3.18 on.
    pub fn supports_output_log_policy(self) -> bool {
        self >= Self::new(3, 18, 0)
    }

    /// From 3.18 on, a failing hook makes Helm delete the event's earlier
    /// hooks that succeeded and carry `hook-succeeded`; 3.17 leaves them.
    pub fn cleans_succeeded_on_failure(self) -> bool {
        self >= Self::new(3, 18, 0)
    }

    /// Helm 4 installs with server-side apply: an existing hook object left
    /// behind is patched instead of failing with "already exists".
    pub fn server_side_apply(self) -> bool {
        self.major >= 4
    }
}

impl fmt::Display for HelmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_older_than_3_17_is_not_supported() {
        assert!(!HelmVersion::new(3, 16, 4).is_supported());
        assert!(!HelmVersion::new(2, 17, 0).is_supported());
        assert!(HelmVersion::new(3, 17, 0).is_supported());
        assert!(HelmVersion::new(3, 19, 2).is_supported());
        assert!(HelmVersion::new(4, 0, 0).is_supported());
    }

    #[test]
    fn parses_helm_version_shapes() {
        assert_eq!(
            HelmVersion::parse("v3.17.1").unwrap(),
            HelmVersion::new(3, 17, 1)
        );
        assert_eq!(
            HelmVersion::parse("v4.1.4+g05fa379").unwrap(),
            HelmVersion::new(4, 1, 4)
        );
        assert_eq!(
            HelmVersion::parse("4.0.0-rc.1\n").unwrap(),
            HelmVersion::new(4, 0, 0)
        );
        assert!(HelmVersion::parse("v3").is_err());
        assert!(HelmVersion::parse("").is_err());
    }

    #[test]
    fn version_gates() {
        assert!(!HelmVersion::new(3, 17, 1).supports_output_log_policy());
        assert!(HelmVersion::new(3, 18, 0).supports_output_log_policy());
        assert!(HelmVersion::new(4, 1, 4).server_side_apply());
        assert!(!HelmVersion::new(3, 17, 1).cleans_succeeded_on_failure());
    }
}
