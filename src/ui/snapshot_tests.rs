//! Snapshots of the lint, history and apply views, built from typed
//! records and real parses (no hand-written JSON), colour off.

use super::Painter;
use super::common::ChartInfo;
use crate::core::audit::{
    AUDIT_SCHEMA, Body, HookOutcome, HookPhase, HookState, PlannedHook, Record, RunEnded,
    RunStarted, fold_runs,
};
use crate::core::diff::DiffOptions;
use crate::core::helm::HelmVersion;
use crate::core::hook::parse_rendered;
use crate::core::lint::{LintOptions, lint};
use crate::core::model::Revision;
use crate::core::plan::{SideRenders, plan};
use crate::core::timeline::Operation;
use std::time::Duration;

const PLAIN: Painter = Painter {
    color: false,
    width: None,
};

const OLD: &str = "---\n# Source: shop/templates/migrate.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"0\"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: app:1}]\n";
const NEW: &str = "---\n# Source: shop/templates/migrate.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: hook-succeeded\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: app:2}]\n---\n# Source: shop/templates/backup.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: backup\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-10\"\nspec:\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers: [{name: b, image: backup:1}]\n---\n# Source: shop/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n";

fn helm() -> HelmVersion {
    HelmVersion::parse("v3.17.1").unwrap()
}

fn rev(spec: &str, commit: &str) -> Revision {
    Revision {
        spec: spec.into(),
        commit: Some(commit.into()),
        subject: None,
        worktree: false,
        tree: None,
    }
}

/// The upgrade plan from one rendered stream to another.
fn upgrade_plan_of(old: &str, new: &str) -> crate::core::plan::Plan {
    let (old, new) = (parse_rendered(old).unwrap(), parse_rendered(new).unwrap());
    let side = |r| SideRenders {
        install: r,
        upgrade: r,
    };
    plan(
        side(&old),
        side(&new),
        &[Operation::Upgrade],
        helm(),
        DiffOptions {
            context: 3,
            show_secrets: false,
        },
        (&[], &[]),
    )
}

fn upgrade_plan() -> crate::core::plan::OperationPlan {
    upgrade_plan_of(OLD, NEW).operations.remove(0)
}

#[test]
fn apply_timeline_question_summary_and_failure() {
    let op = upgrade_plan();
    let outcomes = vec![
        HookOutcome {
            event: "pre-upgrade".into(),
            kind: "Job".into(),
            name: "backup".into(),
            weight: -10,
            phase: HookPhase::Succeeded,
            duration_ms: Some(2_340),
            left_in_cluster: Some(true),
            ..Default::default()
        },
        HookOutcome {
            event: "pre-upgrade".into(),
            kind: "Job".into(),
            name: "migrate".into(),
            weight: -5,
            phase: HookPhase::Failed,
            duration_ms: Some(61_000),
            message: Some("BackoffLimitExceeded, exit code 3".into()),
            log_tail: vec!["connecting to db".into(), "migration 42 failed".into()],
            left_in_cluster: Some(true),
            ..Default::default()
        },
    ];
    let text = [
        super::apply_view::intro(
            "web",
            "shop",
            Operation::Upgrade,
            &rev("HEAD", "0123456789abcdef0123456789abcdef01234567"),
            Some((4, "deployed")),
        ),
        super::apply_view::intro(
            "web",
            "shop",
            Operation::Upgrade,
            &rev("HEAD", "0123456789abcdef0123456789abcdef01234567"),
            Some((5, "failed")),
        ),
        super::apply_view::timeline(&op, PLAIN),
        super::apply_view::question(
            "web",
            &super::apply_view::Destination {
                namespace: "shop",
                context: Some("prod-eu"),
                server: Some("https://10.0.0.1:6443"),
            },
            Operation::Upgrade,
            &op,
        ),
        super::apply_view::summary(&outcomes, PLAIN),
        super::apply_view::failure(&outcomes[1], PLAIN),
    ]
    .join("\n---\n");
    insta::assert_snapshot!(text);
}

/// A hook changed only in a label is not "changed" in apply's question:
/// it is named apart, with what does change.
#[test]
fn apply_question_names_hooks_changed_only_in_labels_apart() {
    let labelled = NEW.replace(
        "  name: backup\n",
        "  name: backup\n  labels:\n    helm.sh/chart: shop-1.1.0\n",
    );
    let op = upgrade_plan_of(NEW, &labelled).operations.remove(0);
    let q = super::apply_view::question(
        "web",
        &super::apply_view::Destination {
            namespace: "shop",
            context: None,
            server: None,
        },
        Operation::Upgrade,
        &op,
    );
    assert!(
        q.contains("; only labels/annotations changed: Job/backup"),
        "{q}"
    );
    assert!(!q.contains("; changed:"), "{q}");
    // With a real change beside it, each is named for what it is.
    let both = labelled.replace("image: app:2", "image: app:3");
    let op = upgrade_plan_of(NEW, &both).operations.remove(0);
    let q = super::apply_view::question(
        "web",
        &super::apply_view::Destination {
            namespace: "shop",
            context: None,
            server: None,
        },
        Operation::Upgrade,
        &op,
    );
    assert!(
        q.contains("; changed: Job/migrate; only labels/annotations changed: Job/backup"),
        "{q}"
    );
}

fn record(run: &str, time: &str, body: Body) -> Record {
    Record {
        schema: AUDIT_SCHEMA,
        run: run.into(),
        time: time.into(),
        body,
    }
}

#[test]
fn history_table_and_run_detail() {
    let start = |release: &str| RunStarted {
        user: "ana".into(),
        host: "ci-7".into(),
        pid: 4242,
        kube_context: Some("kind-dev".into()),
        kube_server: Some("https://127.0.0.1:6443".into()),
        namespace: "shop".into(),
        release: release.into(),
        operation: "upgrade".into(),
        chart_name: "shop".into(),
        chart_version: "1.2.0".into(),
        repository: "/src/shop".into(),
        chart_path: "charts/shop".into(),
        from_rev: Some("revision 4".into()),
        from_sha: Some("89abcdef0123456789abcdef0123456789abcdef".into()),
        to_rev: "HEAD".into(),
        to_sha: Some("0123456789abcdef0123456789abcdef01234567".into()),
        helm_version: "v3.17.1".into(),
        args: vec![
            "apply".into(),
            release.into(),
            "--set".into(),
            "<redacted>".into(),
        ],
        timeline: vec![PlannedHook {
            position: 1,
            event: "pre-upgrade".into(),
            kind: "Job".into(),
            name: "migrate".into(),
            weight: -5,
            change: "changed".into(),
        }],
        ..Default::default()
    };
    let outcome = |phase: &str, ms| HookOutcome {
        event: "pre-upgrade".into(),
        kind: "Job".into(),
        name: "migrate".into(),
        weight: -5,
        phase: HookPhase::parse(phase),
        started_at: Some("2026-12-01T10:00:01Z".into()),
        completed_at: Some("2026-12-01T10:00:05Z".into()),
        duration_ms: Some(ms),
        left_in_cluster: Some(false),
        ..Default::default()
    };
    let records = vec![
        record("r1", "2026-11-30T10:00:00Z", Body::RunStarted(start("web"))),
        record(
            "r1",
            "2026-11-30T10:00:09Z",
            Body::RunEnded(RunEnded {
                helm_exit: 0,
                release_revision: Some(4),
                release_status: Some("deployed".into()),
                hooks: vec![outcome("Succeeded", 3_000)],
                ..Default::default()
            }),
        ),
        record("r2", "2026-12-01T10:00:00Z", Body::RunStarted(start("web"))),
        record(
            "r2",
            "2026-12-01T10:00:02Z",
            Body::HookState(HookState {
                kind: "Job".into(),
                name: "migrate".into(),
                state: "running".into(),
                detail: Some("Running".into()),
            }),
        ),
        record(
            "r2",
            "2026-12-01T10:00:09Z",
            Body::RunEnded(RunEnded {
                helm_exit: 1,
                release_revision: Some(5),
                release_status: Some("failed".into()),
                hooks: vec![HookOutcome {
                    message: Some("BackoffLimitExceeded".into()),
                    ..outcome("Failed", 4_000)
                }],
                ..Default::default()
            }),
        ),
    ];
    let runs = fold_runs(records);
    let newest = runs.iter().position(|r| r.id == "r2").unwrap();
    let durations = crate::core::audit::compare_durations(&runs, newest);
    let text = [
        {
            let mut table = super::history_view::RunsTable::default();
            runs.iter().for_each(|r| table.push(r));
            table.finish(PLAIN)
        },
        super::history_view::run_detail(&runs[newest], &durations, PLAIN),
    ]
    .join("\n---\n");
    insta::assert_snapshot!(text);
}

/// The lint findings of one rendered stream.
fn lint_of(text: &str) -> Vec<crate::core::lint::Finding> {
    let new = parse_rendered(text).unwrap();
    lint(
        SideRenders {
            install: &new,
            upgrade: &new,
        },
        None,
        &LintOptions {
            helm: helm(),
            timeout: Duration::from_secs(300),
            ignore: Vec::new(),
        },
    )
}

/// The lint view of `findings` at `rev`, for the chart at charts/shop.
fn lint_text(findings: &[crate::core::lint::Finding], r: &Revision, p: Painter) -> String {
    let doc = super::lint_view::LintDocument {
        api_version: super::lint_view::LINT_API_VERSION,
        kind: super::lint_view::LINT_KIND,
        helm_version: "v3.17.1".into(),
        chart: ChartInfo {
            repository: "/src/shop".into(),
            path: "charts/shop".into(),
            label: "charts/shop".into(),
            arg: "charts/shop".into(),
        },
        release: "release-name",
        namespace: "default",
        revision: r,
        from: None,
        timeout: "5m0s".into(),
        strict: false,
        summary: super::lint_view::Summary::of(findings),
        findings,
    };
    super::lint_view::table(&doc, p)
}

#[test]
fn lint_table() {
    let findings = lint_of(NEW);
    let r = rev("HEAD", "0123456789abcdef0123456789abcdef01234567");
    insta::assert_snapshot!(lint_text(&findings, &r, PLAIN));
}

/// The plan and lint tables of a chart with long template paths, at the
/// widths of a narrow, a usual and a wide terminal: no line wider than the
/// terminal, no word cut.
#[test]
fn plan_and_lint_tables_fit_80_100_and_200_columns() {
    let long = |s: &str| {
        s.replace(
            "shop/templates/migrate.yaml",
            "charts/shop/templates/database/migrations/pre-upgrade-migrate-schema.yaml",
        )
        .replace(
            "shop/templates/backup.yaml",
            "charts/shop/templates/database/backups/pre-upgrade-backup-to-object-storage.yaml",
        )
    };
    let plan = upgrade_plan_of(&long(OLD), &long(NEW));
    let findings = lint_of(&long(NEW));
    let (from, to) = (
        rev("v1", "1111111111111111111111111111111111111111"),
        rev("HEAD", "0123456789abcdef0123456789abcdef01234567"),
    );
    let chart = || ChartInfo {
        repository: "/src/shop".into(),
        path: "charts/shop".into(),
        label: "charts/shop".into(),
        arg: "charts/shop".into(),
    };
    let mut shots = Vec::new();
    for width in [80, 100, 200] {
        let p = Painter {
            color: false,
            width: Some(width),
        };
        let plan_doc = super::plan_view::PlanDocument {
            api_version: super::plan_view::PLAN_API_VERSION,
            kind: "HookPlan",
            helm_version: "v3.17.1".into(),
            chart: chart(),
            release: "release-name",
            namespace: "default",
            from: &from,
            to: &to,
            plan: &plan,
            findings: &[],
            helm_notices: Vec::new(),
            rendered: None,
        };
        let plan_text = super::plan_view::table(&plan_doc, p);
        let lint_text = lint_text(&findings, &to, p);
        // The timelines and findings fit; only a unified diff's lines (the
        // manifest as written) may run longer, as in `git diff`.
        let timeline_and_findings = plan_text
            .split("\nChanged hooks")
            .next()
            .unwrap()
            .to_string()
            + &lint_text;
        for line in timeline_and_findings.lines() {
            // A path longer than the terminal is one word: never cut.
            let one_word = !line.trim().contains(' ');
            assert!(
                line.chars().count() < width || one_word,
                "{width}: {} columns: {line}",
                line.chars().count()
            );
        }
        let timeline = plan_text.split("\nChanged hooks").next().unwrap();
        for h in ["Job/backup", "Job/migrate"] {
            assert!(timeline.contains(h), "{width}: {h} cut:\n{timeline}");
        }
        // Words are whole: every word of every message is in the output.
        for f in &findings {
            for word in f.message.split(' ') {
                assert!(lint_text.contains(word), "{width}: {word:?} cut");
            }
        }
        shots.push(format!(
            "=== {width} columns ===\n{}\n{lint_text}",
            plan_text.split("\nChanged hooks").next().unwrap()
        ));
    }
    insta::assert_snapshot!(shots.join("\n"));
}

/// Issue 35 item 7: hook names longer than a 90-column terminal leaves
/// them are shortened with an ellipsis in the plan's and apply's tables,
/// and every other line wraps between words.
#[test]
fn long_hook_names_fit_90_columns_with_an_ellipsis() {
    let long = |s: &str| {
        s.replace(
            "name: migrate",
            "name: database-schema-migration-for-the-orders-service",
        )
        .replace(
            "name: backup",
            "name: backup-of-the-orders-database-to-object-storage",
        )
    };
    let plan = upgrade_plan_of(&long(OLD), &long(NEW));
    let p = Painter {
        color: false,
        width: Some(90),
    };
    let (from, to) = (
        rev("v1", "1111111111111111111111111111111111111111"),
        rev("HEAD", "0123456789abcdef0123456789abcdef01234567"),
    );
    let doc = super::plan_view::PlanDocument {
        api_version: super::plan_view::PLAN_API_VERSION,
        kind: "HookPlan",
        helm_version: "v3.17.1".into(),
        chart: ChartInfo::in_repository("/src/shop".into(), "shop".into(), "shop".into()),
        release: "release-name",
        namespace: "default",
        from: &from,
        to: &to,
        plan: &plan,
        findings: &[],
        helm_notices: Vec::new(),
        rendered: None,
    };
    let plan_text = super::plan_view::table(&doc, p);
    let op = &plan.operations[0];
    let outcomes: Vec<HookOutcome> = op
        .timeline
        .hooks()
        .map(|h| HookOutcome {
            event: h.event.to_string(),
            kind: h.kind.clone(),
            name: h.name.clone(),
            phase: HookPhase::Succeeded,
            duration_ms: Some(1_200),
            left_in_cluster: Some(false),
            ..Default::default()
        })
        .collect();
    let apply_text = format!(
        "{}\n{}",
        super::apply_view::timeline(op, p),
        super::apply_view::summary(&outcomes, p)
    );
    // A unified diff's lines are the manifest as written, as in `git diff`.
    let text = plan_text.split("\n    ---").next().unwrap().to_string() + "\n" + &apply_text;
    for line in text.lines() {
        assert!(
            line.chars().count() <= 90,
            "{} columns: {line}\n{text}",
            line.chars().count()
        );
    }
    for t in [&plan_text, &apply_text] {
        let row = t
            .lines()
            .find(|l| l.contains("Job/backup-of"))
            .unwrap_or_else(|| panic!("{t}"));
        assert!(row.contains('…') && row.contains("storage "), "{row}");
    }
    // The changed hook's heading names it whole, wrapped between words.
    assert!(
        plan_text.contains("\n  Job/backup-of-the-orders-database-to-object-storage (added)"),
        "{plan_text}"
    );
}
