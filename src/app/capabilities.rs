//! `capabilities`: what the cluster serves, as Helm's install and upgrade
//! read it, kept for offline plans (`plan --capabilities FILE`).

use crate::adapters::kube;
use crate::core::capabilities::Capabilities;

pub fn capture(namespace: &str) -> anyhow::Result<Capabilities> {
    let found = kube::discover(namespace)?;
    let mut caps = Capabilities::new(found.kube_version, found.group_versions, found.kinds);
    caps.captured_from = Some(found.server);
    caps.captured_at = Some(super::apply::record::now());
    Ok(caps)
}
