//! `helm hooks test`: `helm test` of a release's stored test hooks, each
//! followed live with its pod's logs, recorded, and written as JUnit XML.

use crate::app::apply::{self, LifecycleRequest, RunRequest, UpgradeFlags};
use crate::app::workspace::Workspace;
use crate::cli::TestArgs;
use crate::core::junit;
use crate::core::lifecycle::TestFilter;
use crate::core::timeline::Operation;
use crate::ui::Ui;
use crate::ui::run_view;
use anyhow::Context;

pub fn run(args: TestArgs, ui: &Ui) -> anyhow::Result<()> {
    let filters = TestFilter::parse_all(&args.filter)?;
    let ws = Workspace::for_release(None)?;
    let prepared = apply::prepare_lifecycle(
        &ws,
        &LifecycleRequest {
            release: &args.release,
            namespace: &args.namespace.namespace,
            operation: Operation::Test,
            revision: None,
            filters,
            local_timeout: args.run.timeout.value,
        },
    )?;
    run_view::show_plan(&prepared, ui);
    // No question: `helm test` changes nothing but its own pods.
    let request = RunRequest {
        flags: UpgradeFlags {
            timeout: args.run.timeout.text.clone(),
            extra: args.helm_args.clone(),
            ..Default::default()
        },
        logs: args.run.logs,
        argv: std::env::args().skip(1).collect(),
        plan_file: None,
        cluster: args.record.options(false),
    };
    let reporter_for = run_view::reporter_for(args.run.progress, &prepared, ui);
    let outcome = apply::run(&ws, &prepared, &request, &reporter_for, &|w| ui.warn(w))?;
    if let Some(path) = &args.junit {
        let started = crate::app::apply::record::now();
        let xml = junit::report(
            &junit::Suite {
                release: &args.release,
                namespace: &args.namespace.namespace,
                timestamp: &started,
                error: outcome.helm_error.as_deref(),
            },
            &apply::test_report_hooks(&prepared, &outcome.hooks),
        );
        std::fs::write(path, xml)
            .with_context(|| format!("writing the JUnit report {}", path.display()))?;
        ui.status(&format!("JUnit report written to {}", path.display()));
    }
    run_view::report(&outcome, &args.release, ui)
}
