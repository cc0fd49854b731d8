//! `capabilities`: what the cluster serves, as Helm's install and upgrade
//! read it, kept for offline plans (`plan --capabilities FILE`).

use crate::adapters::kube;
use crate::adapters::render::RenderOptions;
use crate::core::capabilities::Capabilities;

pub fn capture(namespace: &str) -> anyhow::Result<Capabilities> {
    let found = kube::discover(namespace)?;
    let mut caps = Capabilities::new(found.kube_version, found.group_versions, found.kinds);
    caps.captured_from = Some(found.server);
    caps.captured_at = Some(super::apply::record::now());
    Ok(caps)
}

/// A plan given a kube context (`--kube-context`, no `--release`): both
/// offline renders take that cluster's capabilities, as its install would
/// see them (`lookup` still finds nothing: that takes `--release`). `None`
/// without a named context, or when `--kube-version`/`--capabilities`
/// already say; else the context, or why it could not be read.
pub fn of_named_context(render: &mut RenderOptions) -> Option<Result<String, String>> {
    let context = kube::named_context()?;
    if render.kube_version.is_some() {
        return None;
    }
    Some(match capture(&render.namespace) {
        Ok(caps) => {
            render.kube_version = Some(caps.kube_version);
            render.api_versions.extend(caps.api_versions);
            Ok(context)
        }
        Err(e) => Err(format!(
            "kube context {context}: its capabilities could not be read ({e:#}); planned with Helm's defaults"
        )),
    })
}
