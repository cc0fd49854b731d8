//! Prompts that stand in for a missing argument on a terminal. Each one
//! has an argument that answers it, so scripts never need a terminal.

use crate::adapters::helm::Helm;
use crate::adapters::release;
use crate::ui::Ui;
use crate::ui::complete_view::release_item;
use std::io::IsTerminal;

#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error(
        "no RELEASE given and no terminal to pick one on: pass it, as in `helm hooks apply RELEASE [CHART]`"
    )]
    NoTerminal,
    #[error(
        "no RELEASE given and namespace {namespace} has no release to pick: name the release to install, as in `helm hooks apply RELEASE [CHART]`"
    )]
    NoReleases { namespace: String },
    #[error("no release picked: nothing was changed")]
    Cancelled,
}

/// RELEASE as given, else a fuzzy pick of the namespace's releases.
pub fn release(
    given: Option<String>,
    helm: &Helm,
    namespace: &str,
    ui: &Ui,
) -> anyhow::Result<String> {
    if let Some(name) = given {
        return Ok(name);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(PickError::NoTerminal.into());
    }
    let releases = release::list(helm, namespace)?;
    if releases.is_empty() {
        return Err(PickError::NoReleases {
            namespace: namespace.to_string(),
        }
        .into());
    }
    let items: Vec<String> = releases
        .iter()
        .map(|r| release_item(&r.name, &r.status, &r.chart))
        .collect();
    let prompt = format!("Release in namespace {namespace} (type to filter)");
    match ui.pick(&prompt, &items)? {
        Some(i) => Ok(releases[i].name.clone()),
        None => Err(PickError::Cancelled.into()),
    }
}
