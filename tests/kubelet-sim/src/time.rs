//! Timestamps in the formats Kubernetes expects.

use jiff::{Timestamp, Unit};

/// metav1.Time: RFC 3339 with whole seconds, UTC.
pub fn now_k8s() -> String {
    let t = Timestamp::now()
        .round(Unit::Second)
        .unwrap_or(Timestamp::now());
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The kubelet's log timestamps (`timestamps=true`): RFC 3339 with nanoseconds.
pub fn now_nanos() -> String {
    Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        .to_string()
}
