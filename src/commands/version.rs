//! `helm hooks version`: the plugin's version, as `helm diff version`
//! prints its own (Helm's `helm version` is Helm's).

use crate::cli::{VersionArgs, VersionFormat};
use crate::ui::Ui;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn run(args: VersionArgs, ui: &Ui) -> anyhow::Result<()> {
    let text = match args.output {
        VersionFormat::Text => format!("{VERSION}\n"),
        VersionFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({ "version": VERSION }))? + "\n"
        }
    };
    Ok(ui.data(&text)?)
}
