//! `helm hooks uninstall`: the release's stored pre- and post-delete hooks
//! and local hooks, confirmed, `helm uninstall` run and recorded.

use crate::app::apply::{self, LifecycleRequest};
use crate::app::workspace::Workspace;
use crate::cli::UninstallArgs;
use crate::core::timeline::Operation;
use crate::ui::Ui;
use crate::ui::run_view;

pub fn run(args: UninstallArgs, ui: &Ui) -> anyhow::Result<()> {
    let ws = Workspace::for_release(args.chart.as_deref())?;
    let prepared = apply::prepare_lifecycle(
        &ws,
        &LifecycleRequest {
            release: &args.release,
            namespace: &args.namespace.namespace,
            operation: Operation::Uninstall,
            revision: None,
            filters: Vec::new(),
            local_timeout: args.local_hook_timeout.value,
        },
    )?;
    run_view::show_plan(&prepared, ui);
    if args.change.dry_run {
        ui.status("dry run: nothing was uninstalled");
        return Ok(());
    }
    run_view::confirm(&prepared, args.change.yes, ui)?;
    let cluster = args.record.options(args.purge_history);
    let request = args.change.request(&args.run, cluster, &args.helm_args);
    let reporter_for = run_view::reporter_for(args.run.progress, &prepared, ui);
    let outcome = apply::run(&ws, &prepared, &request, &reporter_for, &|w| ui.warn(w))?;
    run_view::report(&outcome, &args.release, ui)?;
    let audit_log = apply::audit_log_path();
    run_view::uninstall_leftovers(
        &apply::left_after_uninstall(&prepared, &outcome),
        &prepared.namespace,
        &run_view::RecordsKept {
            audit_log: &audit_log,
            purged: args.purge_history && !args.record.no_cluster_record,
        },
        ui,
    );
    Ok(())
}
