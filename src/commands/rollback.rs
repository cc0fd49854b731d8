//! `helm hooks rollback`: the hooks stored in the revision Helm rolls back
//! to, diffed against the latest's, confirmed, run and recorded.

use crate::app::apply::{self, LifecycleRequest};
use crate::app::workspace::Workspace;
use crate::cli::RollbackArgs;
use crate::core::timeline::Operation;
use crate::ui::Ui;
use crate::ui::run_view;

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
    run_view::show_plan(&prepared, ui);
    if args.change.dry_run {
        ui.status("dry run: nothing was rolled back");
        return Ok(());
    }
    run_view::confirm(&prepared, args.change.yes, ui)?;
    let request = args
        .change
        .request(&args.run, args.record.options(false), &args.helm_args);
    let reporter_for = run_view::reporter_for(args.run.progress, &prepared, ui);
    let outcome = apply::run(&ws, &prepared, &request, &reporter_for, &|w| ui.warn(w))?;
    run_view::report(&outcome, &args.release, ui)
}
