//! `helm hooks history` end to end on audit logs written as apply writes
//! them, and `plan --release` defaulting `--from` to the last apply.

use crate::common::*;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const WEB_MIGRATE: &str = "web-migrate";
const SHA1: &str = "1111111111111111111111111111111111111111";
const SHA2: &str = "2222222222222222222222222222222222222222";

fn hook_entry(event: &str, name: &str, position: usize) -> Value {
    json!({"position": position, "event": event, "kind": "Job", "name": name,
           "weight": 0, "change": "unchanged"})
}

struct Start<'a> {
    run: &'a str,
    time: String,
    release: &'a str,
    operation: &'a str,
    from_sha: Option<&'a str>,
    to_sha: Option<&'a str>,
    hooks: &'a [(&'a str, &'a str)],
}

fn started(s: &Start<'_>) -> Value {
    let worktree = s.to_sha.is_none();
    json!({
        "schema": 1, "run": s.run, "time": s.time, "type": "runStarted",
        "user": "alice", "host": "laptop", "pid": 4242,
        "kubeContext": "kind-hh", "kubeServer": "https://127.0.0.1:6443",
        "namespace": "prod", "release": s.release, "operation": s.operation,
        "chartName": "shop", "chartVersion": "0.2.0",
        "repository": "/src/shop", "chartPath": "shop",
        "fromRev": s.from_sha.map(|_| "revision 3"), "fromSha": s.from_sha,
        "toRev": if worktree { "WORKTREE" } else { "HEAD" }, "toSha": s.to_sha,
        "worktree": worktree,
        "worktreeHash": if worktree { Some("abcdef0123456789") } else { None },
        "helmVersion": "v3.17.1",
        "args": ["apply", s.release, "--set", "db.password=<redacted>"],
        "timeline": s.hooks.iter().enumerate()
            .map(|(i, (event, name))| hook_entry(event, name, i + 1)).collect::<Vec<_>>(),
    })
}

fn state(run: &str, time: &str, name: &str, state: &str, detail: Option<&str>) -> Value {
    json!({"schema": 1, "run": run, "time": time, "type": "hookState",
           "kind": "Job", "name": name, "state": state, "detail": detail})
}

struct Outcome<'a> {
    event: &'a str,
    name: &'a str,
    phase: &'a str,
    ms: u64,
    message: Option<&'a str>,
    log: &'a [&'a str],
}

fn ok(event: &'static str, name: &'static str, ms: u64) -> Outcome<'static> {
    Outcome {
        event,
        name,
        phase: "Succeeded",
        ms,
        message: None,
        log: &[],
    }
}

fn ended(run: &str, time: &str, exit: i32, hooks: &[Outcome<'_>]) -> Value {
    json!({
        "schema": 1, "run": run, "time": time, "type": "runEnded",
        "helmExit": exit, "interrupted": false,
        "releaseRevision": 4, "releaseStatus": if exit == 0 { "deployed" } else { "failed" },
        "hooks": hooks.iter().map(|o| json!({
            "event": o.event, "kind": "Job", "name": o.name, "weight": 0, "phase": o.phase,
            "startedAt": time, "completedAt": time, "durationMs": o.ms,
            "message": o.message, "logTail": o.log, "leftInCluster": o.phase != "Succeeded",
        })).collect::<Vec<_>>(),
    })
}

fn day(d: u32) -> String {
    format!("2026-01-{d:02}T10:00:00Z")
}

fn audit_path(env: &Env) -> std::path::PathBuf {
    env.path("data/hooks/audit.jsonl")
}

fn write_log(env: &Env, lines: &[String]) {
    let path = audit_path(env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

const A: &str = "20260101T100000-aaaaaa";
const B: &str = "20260102T100000-bbbbbb";
const C: &str = "20260103T100000-cccccc";
const D: &str = "20260104T100000-dddddd";
const E: &str = "20260105T100000-eeeeee";
const F: &str = "20260106T100000-ffffff";
/// Line of the torn write in `standard_log`.
const DAMAGED_LINE: usize = 7;

/// Six runs in file order A..F; F started an hour ago, the others in
/// January. A torn write sits in the middle of the file, and D failed,
/// E has no end (interrupted).
fn standard_log(env: &Env) {
    let web_hooks = [("pre-upgrade", WEB_MIGRATE), ("post-upgrade", "web-notify")];
    let web = |run, time: String, from, to| {
        started(&Start {
            run,
            time,
            release: "web",
            operation: "upgrade",
            from_sha: from,
            to_sha: to,
            hooks: &web_hooks,
        })
    };
    let recent = SystemTime::now() - Duration::from_secs(3600);
    let f_time = humantime::format_rfc3339_seconds(recent).to_string();
    let lines: Vec<Value> = vec![
        web(A, day(1), Some(SHA1), Some(SHA2)),
        ended(
            A,
            &day(1),
            0,
            &[
                ok("pre-upgrade", WEB_MIGRATE, 10_000),
                ok("post-upgrade", "web-notify", 1_000),
            ],
        ),
        started(&Start {
            run: B,
            time: day(2),
            release: "api",
            operation: "install",
            from_sha: None,
            to_sha: Some(SHA2),
            hooks: &[("pre-install", "api-seed")],
        }),
        ended(B, &day(2), 0, &[ok("pre-install", "api-seed", 2_000)]),
        web(C, day(3), Some(SHA2), Some(SHA2)),
        ended(C, &day(3), 0, &[ok("pre-upgrade", WEB_MIGRATE, 30_000)]),
    ];
    let mut text: Vec<String> = lines.iter().map(Value::to_string).collect();
    // A torn write: the start of a record, cut off.
    text.push(r#"{"schema":1,"run":"20260103T2","time":"2026-01-03T2"#.to_string());
    assert_eq!(text.len(), DAMAGED_LINE);
    let rest: Vec<Value> = vec![
        web(D, day(4), Some(SHA2), Some(SHA2)),
        state(D, "2026-01-04T10:00:01Z", WEB_MIGRATE, "created", None),
        state(
            D,
            "2026-01-04T10:00:02Z",
            WEB_MIGRATE,
            "running",
            Some("pod Running"),
        ),
        state(
            D,
            "2026-01-04T10:00:07Z",
            WEB_MIGRATE,
            "failed",
            Some("BackoffLimitExceeded, exit code 3"),
        ),
        ended(
            D,
            "2026-01-04T10:00:08Z",
            1,
            &[
                Outcome {
                    event: "pre-upgrade",
                    name: WEB_MIGRATE,
                    phase: "Failed",
                    ms: 5_000,
                    message: Some("BackoffLimitExceeded: container main exited with 3"),
                    log: &[
                        "applying 0042_add_index",
                        "ERROR: relation \"idx\" already exists",
                    ],
                },
                Outcome {
                    event: "post-upgrade",
                    name: "web-notify",
                    phase: "NotRun",
                    ms: 0,
                    message: None,
                    log: &[],
                },
            ],
        ),
        web(E, day(5), Some(SHA2), None),
        state(E, "2026-01-05T10:00:01Z", WEB_MIGRATE, "running", None),
        web(F, f_time.clone(), Some(SHA2), Some(SHA1)),
        state(F, &f_time, WEB_MIGRATE, "created", None),
        ended(
            F,
            &f_time,
            0,
            &[
                ok("pre-upgrade", WEB_MIGRATE, 26_000),
                ok("post-upgrade", "web-notify", 900),
            ],
        ),
    ];
    text.extend(rest.iter().map(Value::to_string));
    write_log(env, &text);
}

fn history(env: &Env, args: &[&str]) -> std::process::Output {
    env.hooks(&helm(3))
        .arg("history")
        .args(args)
        .output()
        .expect("helm-hooks runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn ids(args: &[&str], env: &Env) -> Vec<String> {
    let out = history(env, &[args, &["-o", "json"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    json(&out.stdout)["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The table line of each run, in output order, without the table's
/// one-space margin.
fn run_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with(" 2026"))
        .map(|l| &l[1..])
        .collect()
}

#[test]
fn runs_are_listed_newest_first_with_outcomes_despite_a_damaged_line() {
    let env = Env::new();
    standard_log(&env);
    let out = history(&env, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));

    let lines = run_lines(&stdout);
    let order: Vec<&str> = lines.iter().map(|l| &l[..22]).collect();
    assert_eq!(order, [F, E, D, C, B, A], "{stdout}");
    assert!(
        stdout.lines().next().unwrap().starts_with(" RUN "),
        "{stdout}"
    );
    let line_of = |id: &str| *lines.iter().find(|l| l.starts_with(id)).unwrap();
    for (id, status) in [
        (F, "succeeded"),
        (E, "interrupted"),
        (D, "failed"),
        (A, "succeeded"),
    ] {
        assert!(
            line_of(id).contains(&format!(" {status} ")),
            "{id}: {stdout}"
        );
    }
    assert!(
        line_of(A).contains("111111111111 → 222222222222"),
        "{stdout}"
    );
    assert!(line_of(E).contains("222222222222 → WORKTREE"), "{stdout}");
    assert!(line_of(B).contains("- → 222222222222") && line_of(B).contains("install"));
    assert!(line_of(D).contains("web") && line_of(D).contains("prod"));

    // Each run's hooks follow its line, indented.
    let after = |id: &str| -> Vec<&str> {
        stdout
            .lines()
            .skip_while(|l| !l.starts_with(&format!(" {id}")))
            .skip(1)
            .take_while(|l| l.starts_with("    "))
            .collect()
    };
    let d = after(D);
    assert_eq!(d.len(), 2, "{stdout}");
    assert!(d[0].contains("pre-upgrade") && d[0].contains("Job/web-migrate"));
    assert!(d[0].contains("Failed") && d[0].contains("5.0s"));
    assert!(d[0].contains("BackoffLimitExceeded"), "{stdout}");
    assert!(d[1].contains("Job/web-notify") && d[1].contains("NotRun"));
    let e = after(E);
    assert!(e[0].contains("running (interrupted)"), "{stdout}");
    assert!(e[1].contains("NotRun"), "{stdout}");
    assert!(after(A)[0].contains("10.0s") && after(A)[1].contains("1.0s"));

    // The damaged line is named once, as a warning.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(&format!("line {DAMAGED_LINE} "))
            && warnings[0].contains("audit.jsonl")
            && warnings[0].contains("skipped"),
        "{stderr}"
    );
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn filters_narrow_the_runs() {
    let env = Env::new();
    standard_log(&env);
    assert_eq!(ids(&[], &env), [F, E, D, C, B, A]);
    assert_eq!(ids(&["api"], &env), [B]);
    assert_eq!(ids(&["web", "--limit", "2"], &env), [F, E]);
    assert_eq!(ids(&["--hook", "web-notify"], &env), [F, E, D, A]);
    assert_eq!(ids(&["--hook", "Job/api-seed"], &env), [B]);
    assert_eq!(ids(&["--hook", "Pod/api-seed"], &env), Vec::<String>::new());
    assert_eq!(ids(&["--failed"], &env), [E, D]);
    // A run counts as failed for a hook only if that hook did not succeed.
    assert_eq!(ids(&["--failed", "--hook", "web-migrate"], &env), [E, D]);
    assert_eq!(
        ids(&["--failed", "--hook", "api-seed"], &env),
        Vec::<String>::new()
    );
    assert_eq!(ids(&["--since", "2026-01-04"], &env), [F, E, D]);
    assert_eq!(
        ids(&["--since", "2026-01-04T11:00:00+01:00"], &env),
        [F, E, D]
    );
    assert_eq!(ids(&["--since", "2026-01-04T10:00:01Z"], &env), [F, E]);
    assert_eq!(ids(&["--since", "2d"], &env), [F]);
    assert_eq!(ids(&["--since", "30m"], &env), Vec::<String>::new());

    // Nothing matches: an empty list, a note on stderr, exit 0.
    let out = history(&env, &["nope"]);
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("No run matches (6 recorded"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).lines().count(), 1, "header only");

    let out = history(&env, &["--since", "last tuesday"]);
    assert_eq!(out.status.code(), Some(1));
    // One line, before (and without) reading the log's damaged line.
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        "error: --since \"last tuesday\" is neither a duration nor a date; \
         use a duration (2d, 3h, 90m) or a date (2026-01-31, 2026-01-31T12:00:00Z)\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn json_is_the_versioned_document_of_the_folded_runs() {
    let env = Env::new();
    standard_log(&env);
    let out = history(&env, &["-o", "json"]);
    assert!(out.status.success());
    let doc = json(&out.stdout);
    assert_eq!(doc["apiVersion"], "helm-hooks/v1");
    assert_eq!(doc["kind"], "HookHistory");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6);
    let d = runs.iter().find(|r| r["id"] == D).unwrap();
    assert_eq!(d["status"], "failed");
    assert_eq!(d["started"], "2026-01-04T10:00:00Z");
    assert_eq!(d["ended"], "2026-01-04T10:00:08Z");
    assert_eq!(d["start"]["release"], "web");
    assert_eq!(d["start"]["namespace"], "prod");
    assert_eq!(d["start"]["toSha"], SHA2);
    assert_eq!(d["start"]["timeline"][0]["name"], WEB_MIGRATE);
    assert_eq!(
        d["states"][1],
        json!({"time": "2026-01-04T10:00:02Z", "kind": "Job", "name": WEB_MIGRATE,
               "state": "running", "detail": "pod Running"})
    );
    assert_eq!(d["end"]["helmExit"], 1);
    assert_eq!(d["end"]["releaseStatus"], "failed");
    assert_eq!(d["outcomes"][0]["phase"], "Failed");
    assert_eq!(d["outcomes"][0]["durationMs"], 5000);
    assert_eq!(
        d["outcomes"][0]["logTail"][1],
        "ERROR: relation \"idx\" already exists"
    );
    assert!(d.get("durations").is_none(), "only with --run");
    let e = runs.iter().find(|r| r["id"] == E).unwrap();
    assert_eq!(e["status"], "interrupted");
    assert_eq!(e["end"], Value::Null);
    // One word of an enum; the state seen last beside it.
    assert_eq!(e["outcomes"][0]["phase"], "Interrupted");
    assert_eq!(e["outcomes"][0]["lastState"], "running");
    assert_eq!(e["start"]["worktree"], true);
}

#[test]
fn one_run_in_full_with_durations_against_earlier_runs() {
    let env = Env::new();
    standard_log(&env);
    // F's migrate took 26s; earlier successes of web's migrate: 10s (A) and
    // 30s (C); D's failure (5s) does not count: median 20s, +6s.
    let out = history(&env, &["--run", "20260106"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!("Run {F}  succeeded")),
        "{stdout}"
    );
    for want in [
        "Timeline (as planned)",
        "State changes",
        "Outcomes",
        "+6.0s (+30%) vs median 20.0s of 2 earlier",
        "v3.17.1, upgrade, exit 0; release revision 4 deployed",
        "revision 3 (222222222222) → HEAD (111111111111)",
        "alice@laptop (pid 4242)",
        "web in namespace prod (context kind-hh, server https://127.0.0.1:6443)",
    ] {
        assert!(stdout.contains(want), "{want:?} missing in:\n{stdout}");
    }
    let notify = stdout
        .lines()
        .find(|l| l.contains("Job/web-notify") && l.contains("Succeeded"))
        .unwrap();
    // A's notify (1s) is the only earlier success: 900ms is 100ms faster.
    assert!(
        notify.contains("-100ms (-10%) vs median 1.0s of 1 earlier"),
        "{stdout}"
    );

    // The failed run: state changes with times, message and log excerpt.
    let out = history(&env, &["web", "--run", "20260104T"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(&format!("Run {D}  failed")), "{stdout}");
    let changes: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "State changes")
        .skip(2)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(changes.len(), 3, "{stdout}");
    assert!(changes[0].contains("2026-01-04 10:00:01") && changes[0].contains("created"));
    assert!(
        changes[2].contains("7.0s") && changes[2].contains("BackoffLimitExceeded, exit code 3")
    );
    // 5s against A's 10s and C's 30s: faster, because it failed early.
    assert!(
        stdout.contains("-15.0s (-75%) vs median 20.0s of 2 earlier"),
        "{stdout}"
    );
    assert!(stdout.contains("message: BackoffLimitExceeded: container main exited with 3"));
    assert!(stdout.contains("| applying 0042_add_index"), "{stdout}");
    assert!(
        stdout.contains("| ERROR: relation \"idx\" already exists"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ended 2026-01-04 10:00:08 UTC (8.0s)"),
        "{stdout}"
    );

    // The interrupted run reads as such, with the last state of each hook.
    let out = history(&env, &["--run", E]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!("Run {E}  interrupted")),
        "{stdout}"
    );
    assert!(stdout.contains("no end recorded (interrupted)"), "{stdout}");
    assert!(stdout.contains("running (interrupted)"), "{stdout}");
    assert!(
        stdout.contains("→ WORKTREE (content abcdef012345)"),
        "{stdout}"
    );

    // JSON: the one run, with the comparisons.
    let out = history(&env, &["--run", "20260106", "-o", "json"]);
    let doc = json(&out.stdout);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    let cmp = &doc["runs"][0]["durations"][0];
    assert_eq!(cmp["name"], WEB_MIGRATE);
    assert_eq!(cmp["earlierSuccesses"], 2);
    assert_eq!(cmp["medianMs"], 20_000);
    assert_eq!(cmp["deltaMs"], 6_000);
}

#[test]
fn an_unknown_or_ambiguous_run_is_one_error_line() {
    let env = Env::new();
    standard_log(&env);
    for (id, want) in [
        (
            "nope",
            "error: no run \"nope\" in the audit log (6 runs recorded); list the runs with `helm hooks history`",
        ),
        (
            "2026010",
            "error: run \"2026010\" is ambiguous: 6 run ids start with it",
        ),
    ] {
        let out = history(&env, &["--run", id]);
        assert_eq!(out.status.code(), Some(1), "{id}");
        let stderr = text(&out.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("warning:") && !l.starts_with("note:"))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].starts_with(want), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // A run of another release is not found under RELEASE.
    let out = history(&env, &["api", "--run", "20260106"]);
    assert_eq!(out.status.code(), Some(1));
    // --run shows one run: list filters do not go with it.
    let out = history(&env, &["--run", F, "--failed"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_empty_log_is_a_friendly_line_and_an_empty_list() {
    let env = Env::new();
    for format in ["table", "json"] {
        let out = history(&env, &["-o", format]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        // No kubeconfig here: the local log alone, and a note saying so.
        assert!(
            stderr.starts_with("note: local runs only: no kubeconfig names a cluster"),
            "{stderr}"
        );
        assert!(
            stderr.contains("\nNo hook runs recorded yet in "),
            "{stderr}"
        );
        assert!(stderr.contains("data/hooks/audit.jsonl"), "{stderr}");
        assert!(!audit_path(&env).exists(), "reading creates nothing");
        let stdout = text(&out.stdout);
        if format == "json" {
            assert_eq!(json(&out.stdout)["runs"], json!([]));
        } else {
            assert_eq!(stdout.lines().count(), 1, "{stdout}");
            assert!(stdout.starts_with(" RUN "), "{stdout}");
        }
    }
}

#[test]
fn nothing_but_the_scrubbed_records_reaches_the_output() {
    let env = Env::new();
    standard_log(&env);
    // Escape sequences in a log tail (a pod printing colours or clearing
    // the screen) must not reach the terminal raw.
    let mut lines: Vec<String> = std::fs::read_to_string(audit_path(&env))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let run = "20260107T100000-777777";
    lines.push(
        started(&Start {
            run,
            time: day(7),
            release: "esc",
            operation: "upgrade",
            from_sha: None,
            to_sha: Some(SHA1),
            hooks: &[("pre-upgrade", "esc")],
        })
        .to_string(),
    );
    lines.push(
        ended(
            run,
            &day(7),
            1,
            &[Outcome {
                event: "pre-upgrade",
                name: "esc",
                phase: "Failed",
                ms: 1,
                message: Some("boom\u{1b}[2J"),
                log: &["\u{1b}[31mred\u{1b}[0m", "bell\u{7}"],
            }],
        )
        .to_string(),
    );
    write_log(&env, &lines);
    let secret = "tok-3f9a-do-not-print";
    let kubeconfig = env.path("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: {secret}\n"),
    )
    .unwrap();
    for args in [
        vec!["-o", "table"],
        vec!["-o", "json"],
        vec!["--run", run],
        vec!["--run", D],
        vec!["--run", D, "-o", "json"],
    ] {
        let out = env
            .hooks(&helm(3))
            .env("HELM_KUBETOKEN", secret)
            .env("KUBECONFIG", &kubeconfig)
            .arg("history")
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(!all.contains(secret), "{args:?}: {all}");
        // The recorded, already redacted arguments are shown as recorded.
        if args[0] == "--run" && args[1] == D {
            assert!(all.contains("db.password=<redacted>"), "{all}");
        }
        if args[1] != "json" {
            assert!(
                !all.contains('\u{1b}') && !all.contains('\u{7}'),
                "{args:?}: {all:?}"
            );
        }
    }
}

// ---- plan --release: --from defaults to what was last applied ----

fn plan_repo() -> (GitRepo, String, String) {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/migrate.yaml",
        &hook("Job", "migrate", "pre-upgrade", Some("0"), None),
    );
    let first = repo.commit("first");
    repo.write(
        "app/templates/migrate.yaml",
        &hook("Job", "migrate", "pre-upgrade", Some("5"), None),
    );
    let second = repo.commit("second");
    (repo, first, second)
}

fn applied(run: &str, time: String, release: &str, to_sha: Option<&str>, exit: i32) -> [String; 2] {
    let mut start = started(&Start {
        run,
        time: time.clone(),
        release,
        operation: "upgrade",
        from_sha: None,
        to_sha,
        hooks: &[("pre-upgrade", "migrate")],
    });
    start["namespace"] = json!("default");
    [start.to_string(), ended(run, &time, exit, &[]).to_string()]
}

fn plan_from(env: &Env, repo: &GitRepo, extra: &[&str]) -> (Value, String) {
    let out = env
        .hooks(&helm(3))
        .current_dir(repo.path())
        .args([
            "plan",
            "app",
            "--to",
            "HEAD",
            "-o",
            "json",
            "--operation",
            "upgrade",
        ])
        .args(extra)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    (json(&out.stdout)["from"].clone(), stderr)
}

#[test]
fn plan_release_compares_from_the_last_successful_apply() {
    let (repo, first, second) = plan_repo();
    let env = Env::new();
    // Newest first: a failed apply of `second`, then a successful one of
    // `first`; another release's newer success does not count.
    let mut log: Vec<String> = Vec::new();
    log.extend(applied("r1", day(1), "web", Some(&second), 0));
    log.extend(applied("r2", day(2), "web", Some(&first), 0));
    log.extend(applied("r3", day(3), "web", Some(&second), 1));
    log.extend(applied("r4", day(4), "other", Some(&second), 0));
    write_log(&env, &log);

    let (from, stderr) = plan_from(&env, &repo, &["--release", "web"]);
    assert_eq!(from["commit"], first.as_str(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Comparing from {}: last applied to release web in namespace default (run r2",
            &first[..12]
        )),
        "{stderr}"
    );

    // An explicit --from wins, silently.
    let (from, stderr) = plan_from(&env, &repo, &["--release", "web", "--from", "HEAD"]);
    assert_eq!(from["commit"], second.as_str());
    assert!(!stderr.contains("Comparing from"), "{stderr}");

    // Another namespace has no apply of web: HEAD, and it says so.
    let (from, stderr) = plan_from(&env, &repo, &["--release", "web", "-n", "dev"]);
    assert_eq!(from["commit"], second.as_str());
    assert!(stderr.contains("Comparing from HEAD: the audit log has no successful apply of release web in namespace dev"), "{stderr}");

    // No --release: HEAD, as before, without a word.
    let (from, stderr) = plan_from(&env, &repo, &[]);
    assert_eq!(from["commit"], second.as_str());
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn plan_release_falls_back_to_head_when_the_last_apply_cannot_be_reproduced() {
    let (repo, _first, second) = plan_repo();
    for (to_sha, want) in [
        (
            None,
            "WORKTREE (uncommitted files) was last applied to release web",
        ),
        (
            Some("0123456789abcdef0123456789abcdef01234567"),
            "0123456789ab was last applied to release web in namespace default (run r1",
        ),
    ] {
        let env = Env::new();
        let mut log = applied("r1", day(1), "web", to_sha, 0).to_vec();
        // A damaged line does not stop the plan.
        log.push("garbage".into());
        write_log(&env, &log);
        let (from, stderr) = plan_from(&env, &repo, &["--release", "web"]);
        assert_eq!(from["commit"], second.as_str(), "{stderr}");
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings.len(), 2, "{stderr}");
        assert!(
            warnings.iter().any(|w| w.contains("line 3 is damaged")),
            "{stderr}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(want) && w.ends_with("comparing from HEAD")),
            "{stderr}"
        );
        // Without --release the log is not read: no word of its damage.
        let (_, stderr) = plan_from(&env, &repo, &[]);
        assert!(stderr.is_empty(), "{stderr}");
    }
}

#[test]
fn a_hand_edited_commit_id_is_one_error_line_not_a_panic() {
    let (repo, _first, _second) = plan_repo();
    let env = Env::new();
    // Two-byte characters: byte 12 falls inside one.
    let sha = "ééééééééééééééééééééé";
    write_log(&env, &applied("r1", day(1), "web", Some(sha), 0));
    let want = format!("run r1 in the audit log names toSha {sha:?}, which is not a commit id");
    for out in [
        history(&env, &[]),
        history(&env, &["--run", "r1"]),
        env.hooks(&helm(3))
            .current_dir(repo.path())
            .args(["plan", "app", "--release", "web"])
            .output()
            .unwrap(),
    ] {
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        let e = one_line_error(&out);
        assert!(e.contains(&want) && e.contains("audit.jsonl"), "{e}");
    }
}

#[test]
fn a_timeout_go_refuses_is_refused_before_anything_runs() {
    let (repo, _first, _second) = plan_repo();
    let env = Env::new();
    for flag in ["--timeout", "--local-hook-timeout"] {
        let out = env
            .hooks(&helm(3))
            .current_dir(repo.path())
            .args([
                "apply",
                "web",
                "app",
                "--yes",
                flag,
                "9999999999999999999999h",
            ])
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains("invalid duration") && stderr.contains(flag),
            "{stderr}"
        );
        assert!(!audit_path(&env).exists(), "nothing ran, nothing recorded");
    }
}

/// A kubeconfig whose API server takes connections and never answers.
fn silent_cluster(env: &Env) -> (std::net::TcpListener, std::path::PathBuf) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let path = env.path("silent.kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: silent\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: silent\n  context: {{cluster: silent, user: u}}\ncurrent-context: silent\n"
        ),
    )
    .unwrap();
    (listener, path)
}

#[test]
fn a_cluster_that_does_not_answer_leaves_the_local_log_with_a_note() {
    let env = Env::new();
    standard_log(&env);
    // The listener's backlog takes the connection; nobody ever speaks TLS.
    let (_listener, kubeconfig) = silent_cluster(&env);
    let out = env
        .hooks(&helm(3))
        .env("KUBECONFIG", &kubeconfig)
        .args(["history", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("note: local runs only: the cluster did not answer within 3s"),
        "{stderr}"
    );
    let runs = json(&out.stdout)["runs"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 6);
    assert!(runs.iter().all(|r| r["recordedIn"] == json!(["local"])));
    // Asked for by name, the cluster's silence is the error.
    let out = env
        .hooks(&helm(3))
        .env("KUBECONFIG", &kubeconfig)
        .args(["history", "--source", "cluster", "-n", "shop"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = one_line_error(&out);
    assert!(
        err.starts_with(
            "error: cannot read the run objects in namespace shop: list secrets in namespace shop took over 5s; "
        ),
        "{err}"
    );
    assert!(err.contains("--source local"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_kubeconfig_naming_a_missing_file_is_noted_once() {
    let env = Env::new();
    standard_log(&env);
    let kubeconfig = env.path("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\", certificate-authority: /nonexistent/ca.crt}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: x\n",
    )
    .unwrap();
    let out = env
        .hooks(&helm(3))
        .env("KUBECONFIG", &kubeconfig)
        .args(["history", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // (The standard log's damaged line has its own warning above.)
    assert_eq!(
        stderr
            .lines()
            .find(|l| l.starts_with("note:"))
            .unwrap_or_default(),
        "note: local runs only: failed to load certificate authority: failed to read file \"/nonexistent/ca.crt\": No such file or directory (os error 2) (--source local skips the cluster)"
    );
    // Asked for by name, it is the error, with the fix.
    let out = env
        .hooks(&helm(3))
        .env("KUBECONFIG", &kubeconfig)
        .args(["history", "--source", "cluster"])
        .output()
        .unwrap();
    let err = one_line_error(&out);
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
    assert!(!err.contains("'\""), "{err}");
}

#[test]
fn a_helm_data_home_that_is_a_file_is_said_to_be_one() {
    let env = Env::new();
    let file = env.path("data-file");
    std::fs::write(&file, "x").unwrap();
    let out = env
        .hooks(&helm(3))
        .env("HELM_DATA_HOME", &file)
        .args(["history", "--source", "local"])
        .output()
        .unwrap();
    let err = one_line_error(&out);
    assert_eq!(
        err,
        format!(
            "error: cannot keep the audit log {}/hooks/audit.jsonl: {} is a file, not a directory; point HELM_DATA_HOME at a directory (or unset it), or move that file away",
            file.display(),
            file.display()
        )
    );
}
