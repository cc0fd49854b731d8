//! `helm hooks capabilities`: the cluster's Kubernetes version and API
//! versions, as a file that offline plans read (`plan --capabilities`).

use crate::app::capabilities;
use crate::cli::{CapabilitiesArgs, CapabilitiesFormat};
use crate::ui::Ui;

pub fn run(args: CapabilitiesArgs, ui: &Ui) -> anyhow::Result<()> {
    let caps = capabilities::capture(&args.namespace)?;
    let text = match args.output {
        CapabilitiesFormat::Yaml => serde_saphyr::to_string(&caps)?,
        CapabilitiesFormat::Json => serde_json::to_string_pretty(&caps)? + "\n",
    };
    Ok(ui.data(&text)?)
}
