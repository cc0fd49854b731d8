//! `helm hooks rollback`: the hooks stored in the revision Helm rolls back
//! to, diffed against the latest's, confirmed, run and recorded.

use super::runner::{self, RunView};
use crate::app::apply::{self, LifecycleRequest, UpgradeFlags};
use crate::app::workspace::Workspace;
use crate::cli::RollbackArgs;
use crate::core::timeline::Operation;
use crate::ui::Ui;

pub fn run(args: RollbackArgs, ui: &Ui) -> anyhow::Result<()> {
    let ws = Workspace::for_release(None)?;
    let prepared = apply::prepare_lifecycle(
        &ws,
        &LifecycleRequest {
            release: &args.release,
            namespace: &args.namespace.namespace,
            operation: Operation::Rollback,
            revision: args.revision,
            filters: Vec::new(),
            local_timeout: args.run.timeout.value,
        },
    )?;
    runner::show_plan(&prepared, ui);
    if args.dry_run {
        ui.status("dry run: nothing was rolled back");
        return Ok(());
    }
    runner::confirm(&prepared, args.yes, ui)?;
    let view = RunView {
        progress: args.run.progress,
        flags: UpgradeFlags {
            timeout: args.run.timeout.text.clone(),
            wait: args.wait,
            atomic: false,
            extra: args.helm_args.clone(),
        },
        logs: args.run.logs,
    };
    let outcome = runner::execute(&ws, &prepared, view, ui)?;
    runner::report(&outcome, &args.release, ui)
}
