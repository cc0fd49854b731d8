//! The local audit log at scale: logs far larger than the index's
//! in-memory part (so read through saved segments), generated here in
//! the shape apply writes; every record comes back, the index is rebuilt
//! from the log when deleted, corrupt or stale, crashes lose nothing
//! earlier, and `history` shows the newest 256 runs with a line for the
//! rest.

use crate::common::*;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SHA: &str = "3333333333333333333333333333333333333333";

/// What a generated log holds, to check answers against.
struct Generated {
    /// Run ids in log order (of their start).
    ids: Vec<String>,
    /// Release of each run, in the same order.
    releases: Vec<String>,
    records: usize,
}

/// A log of `runs` runs (numbered from `first`, which their ids say) over
/// `releases` releases, written as apply writes it (start, two hook
/// states, end): every 97th run's end comes after the next run's start,
/// every 500th run is interrupted (no end) and resolved by a record after
/// the next run's start.
fn generate(path: &Path, first: usize, runs: usize, releases: usize) -> Generated {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut g = Generated {
        ids: Vec::with_capacity(runs),
        releases: Vec::with_capacity(runs),
        records: 0,
    };
    let mut late: Vec<String> = Vec::new();
    for i in first..first + runs {
        let id = format!("20250101T{:06}-{:06x}", i / 1000, i % 0x100_0000);
        let release = format!("rel-{:03}", i % releases);
        let time = format!("2025-01-01T00:00:{:02}Z", i % 60);
        write!(
            out,
            r#"{{"schema":1,"run":"{id}","time":"{time}","type":"runStarted","user":"ci","host":"h","pid":{pid},"kubeContext":null,"kubeServer":null,"namespace":"default","release":"{release}","operation":"upgrade","chartName":"app","chartVersion":"0.1.0","repository":"/r","chartPath":"app","fromRev":null,"fromSha":null,"toRev":"HEAD","toSha":"{SHA}","worktree":false,"worktreeHash":null,"helmVersion":"v3.17.1","args":[],"timeline":[{{"position":1,"event":"pre-upgrade","kind":"Job","name":"migrate","weight":0,"change":"unchanged"}}]}}"#,
            pid = 100 + i % 1000
        )
        .unwrap();
        out.write_all(b"\n").unwrap();
        for text in late.drain(..) {
            out.write_all(text.as_bytes()).unwrap();
        }
        for state in ["created", "succeeded"] {
            writeln!(
                out,
                r#"{{"schema":1,"run":"{id}","time":"{time}","type":"hookState","kind":"Job","name":"migrate","state":"{state}"}}"#
            )
            .unwrap();
        }
        g.records += 3;
        let last = if i % 500 == 499 {
            format!(
                "{{\"schema\":1,\"run\":\"{id}\",\"time\":\"{time}\",\"type\":\"runResolved\",\"releaseRevision\":{i},\"releaseStatus\":\"deployed\",\"foundBy\":\"later\"}}\n"
            )
        } else {
            format!(
                "{{\"schema\":1,\"run\":\"{id}\",\"time\":\"{time}\",\"type\":\"runEnded\",\"helmExit\":0,\"interrupted\":false,\"releaseRevision\":{i},\"releaseStatus\":\"deployed\",\"hooks\":[{{\"event\":\"pre-upgrade\",\"kind\":\"Job\",\"name\":\"migrate\",\"weight\":0,\"phase\":\"Succeeded\",\"startedAt\":null,\"completedAt\":null,\"durationMs\":{ms},\"message\":null,\"logTail\":[],\"leftInCluster\":false}}]}}\n",
                ms = 1000 + i % 7
            )
        };
        g.records += 1;
        match i % 97 == 0 || i % 500 == 499 {
            true => late.push(last),
            false => out.write_all(last.as_bytes()).unwrap(),
        }
        g.ids.push(id);
        g.releases.push(release);
    }
    for text in late {
        out.write_all(text.as_bytes()).unwrap();
    }
    out.flush().unwrap();
    g
}

fn log_path(env: &Env) -> PathBuf {
    env.path("data/hooks/audit.jsonl")
}

fn index_dir(env: &Env) -> PathBuf {
    env.path("data/hooks/audit.idx")
}

fn segments(env: &Env) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(index_dir(env))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("seg-"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Segments this long (of log) in these tests: a log of a few MB has many.
const SEGMENT_BYTES: &str = "2097152";

/// helm-hooks in `env`, with small segments.
fn hooks(env: &Env) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("helm-hooks"));
    env.apply(&mut cmd);
    cmd.env("HELM_BIN", helm(3).path)
        .env("HELM_HOOKS_AUDIT_SEGMENT_BYTES", SEGMENT_BYTES);
    cmd
}

fn history(env: &Env, args: &[&str]) -> std::process::Output {
    hooks(env)
        .arg("history")
        .args(["--source", "local"])
        .args(args)
        .output()
        .expect("helm-hooks runs")
}

fn ok_stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// FNV-1a over ids, each ended by a newline: an order-sensitive checksum.
fn checksum<'a>(ids: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.bytes().chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// What `history --max 0 -o json` printed, read as it streams: run ids
/// (newest first), and how many hook states, ends and resolutions.
#[derive(Debug, PartialEq, Eq)]
struct Listing {
    runs: usize,
    ids: u64,
    states: usize,
    ends: usize,
    resolved: usize,
    older: Option<u64>,
}

fn list_all(env: &Env) -> Listing {
    let mut child = hooks(env)
        .args(["history", "--source", "local", "--max", "0", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ids = Vec::new();
    let mut l = Listing {
        runs: 0,
        ids: 0,
        states: 0,
        ends: 0,
        resolved: 0,
        older: None,
    };
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        // The document is pretty-printed: a run's fields sit 6 deep.
        if let Some(id) = line.strip_prefix("      \"id\": \"") {
            ids.push(id.trim_end_matches("\",").to_string());
        } else if line.trim_start().starts_with("\"state\": \"") {
            l.states += 1;
        } else if line.starts_with("        \"helmExit\": ") {
            l.ends += 1;
        } else if line.starts_with("        \"foundBy\": ") {
            l.resolved += 1;
        } else if let Some(n) = line.strip_prefix("  \"olderRuns\": ") {
            l.older = n.trim().parse().ok();
        }
    }
    assert!(child.wait().unwrap().success());
    l.runs = ids.len();
    l.ids = checksum(ids.iter().map(String::as_str));
    l
}

/// The listing a generated log should give.
fn expected_listing(g: &Generated) -> Listing {
    let interrupted = g.ids.len() / 500;
    Listing {
        runs: g.ids.len(),
        ids: checksum(g.ids.iter().rev().map(String::as_str)),
        states: 2 * g.ids.len(),
        ends: g.ids.len() - interrupted,
        resolved: interrupted,
        older: Some(0),
    }
}

#[test]
fn a_million_record_log_round_trips_every_record() {
    let env = Env::new();
    let g = generate(&log_path(&env), 0, 250_000, 100);
    assert_eq!(g.records, 1_000_000);
    let listing = list_all(&env);
    assert_eq!(listing, expected_listing(&g));
    // Read through the index it built, saved beside the log.
    assert!(segments(&env).len() > 1, "{:?}", segments(&env));
    assert_eq!(list_all(&env), expected_listing(&g));
}

/// Answers of several kinds, to compare before and after the index changes.
fn answers(env: &Env, g: &Generated) -> Vec<String> {
    let old = &g.ids[g.ids.len() / 3];
    let interrupted = &g.ids[499];
    [
        vec!["rel-007"],
        vec!["rel-007", "-o", "json"],
        vec!["--run", old.as_str(), "-o", "json"],
        vec!["--run", interrupted.as_str(), "-o", "json"],
        vec!["--run", &old[..old.len() - 1]],
        vec!["--stats", "--max", "0", "-o", "json"],
        vec!["--failed", "--max", "3", "-o", "json"],
        vec![],
    ]
    .into_iter()
    .map(|args| {
        let out = history(env, &args);
        format!(
            "{args:?} {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
    .collect()
}

#[test]
fn a_deleted_or_corrupt_index_is_rebuilt_and_the_answers_are_the_same() {
    let env = Env::new();
    let g = generate(&log_path(&env), 0, 30_000, 40);
    let want = answers(&env, &g);
    assert!(want[2].contains(&format!("\"id\": \"{}\"", g.ids[10_000])));
    assert!(
        want[3].contains("\"status\": \"interrupted\""),
        "{}",
        want[3]
    );
    assert!(want[4].contains("is ambiguous: 16 run ids"), "{}", want[4]);
    let saved = segments(&env);
    assert!(saved.len() > 1, "{saved:?}");
    let intact: Vec<Vec<u8>> = saved.iter().map(|p| std::fs::read(p).unwrap()).collect();

    // Deleted.
    std::fs::remove_dir_all(index_dir(&env)).unwrap();
    assert_eq!(answers(&env, &g), want);
    assert!(!segments(&env).is_empty());

    // Each kind of damage: a table overwritten, the header's counts, the
    // file cut short, a table's entries pointing at other records.
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 4] = [
        ("release lists overwritten", |b| {
            let at = |field: usize| {
                u64::from_le_bytes(b[8 + field * 8..16 + field * 8].try_into().unwrap()) as usize
            };
            let (lists_at, ids_at) = (at(14), at(15));
            b[lists_at..ids_at].fill(0xA5);
        }),
        ("header", |b| b[8 + 7 * 8] ^= 0x01),
        ("cut short", |b| b.truncate(b.len() * 2 / 3)),
        ("entries swapped", |b| {
            // Runs table entries of the first key list: swap two entries'
            // start offsets (valid offsets, the wrong records).
            let runs_at =
                u64::from_le_bytes(b[8 + 13 * 8..8 + 14 * 8].try_into().unwrap()) as usize;
            let (a, c) = (runs_at, runs_at + 20);
            let first: Vec<u8> = b[a..a + 8].to_vec();
            let second: Vec<u8> = b[c..c + 8].to_vec();
            b[a..a + 8].copy_from_slice(&second);
            b[c..c + 8].copy_from_slice(&first);
        }),
    ];
    for (what, damage) in damages {
        for seg in segments(&env) {
            let mut bytes = std::fs::read(&seg).unwrap();
            damage(&mut bytes);
            std::fs::write(&seg, bytes).unwrap();
        }
        assert_eq!(answers(&env, &g), want, "{what}");
        // Rebuilt as it was.
        let now: Vec<Vec<u8>> = segments(&env)
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        assert!(now == intact, "{what}: the index was not rebuilt");
    }
    // A log grown since: the index covers the new runs too.
    let more = generate(&env.path("more.jsonl"), 30_000, 10, 1);
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(log_path(&env))
        .unwrap();
    log.write_all(&std::fs::read(env.path("more.jsonl")).unwrap())
        .unwrap();
    let newest = history(&env, &["--max", "1", "-o", "json"]);
    assert!(
        ok_stdout(&newest).contains(&format!("\"id\": \"{}\"", more.ids[9])),
        "{}",
        ok_stdout(&newest)
    );
}

#[test]
fn a_replaced_log_is_not_read_through_the_old_ones_index() {
    let env = Env::new();
    generate(&log_path(&env), 0, 5_000, 5);
    ok_stdout(&history(&env, &["rel-001"]));
    assert!(!segments(&env).is_empty());
    // Other runs: another file in its place.
    let other = env.path("other.jsonl");
    let g = generate(&other, 0, 5_000, 7);
    std::fs::rename(&other, log_path(&env)).unwrap();
    let out = ok_stdout(&history(&env, &["rel-006", "--max", "0", "-o", "json"]));
    let want = g.releases.iter().filter(|r| *r == "rel-006").count();
    assert_eq!(out.matches("      \"id\": ").count(), want);
}

#[test]
fn history_shows_the_newest_256_runs_and_says_how_many_are_older() {
    let env = Env::new();
    let g = generate(&log_path(&env), 0, 3_000, 10);
    let runs_of = |rel: &str| g.releases.iter().filter(|r| *r == rel).count();
    assert_eq!(runs_of("rel-003"), 300);

    let out = history(&env, &["rel-003"]);
    let table = ok_stdout(&out);
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with(" 2025")).collect();
    assert_eq!(rows.len(), 256);
    // Newest first: the last run of rel-003 in the log.
    let newest = g
        .ids
        .iter()
        .zip(&g.releases)
        .rev()
        .find(|(_, r)| *r == "rel-003")
        .unwrap()
        .0;
    assert!(rows[0].starts_with(&format!(" {newest}")), "{}", rows[0]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("44 older runs not shown (--max 0 shows all)."),
        "{stderr}"
    );

    let doc = json(&history(&env, &["rel-003", "-o", "json"]).stdout);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 256);
    assert_eq!(doc["olderRuns"], 44);

    let out = history(&env, &["rel-003", "--max", "0"]);
    let all = ok_stdout(&out);
    assert_eq!(all.lines().filter(|l| l.starts_with(" 2025")).count(), 300);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("older"));

    let out = history(&env, &["--max", "10"]);
    ok_stdout(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2990 older runs not shown"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Kept by what they hold: the older ones were not searched.
    let out = history(&env, &["--failed", "--max", "2"]);
    ok_stdout(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("older runs not searched (--max 0 searches all)."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --limit, the old name, still works.
    let doc = json(&history(&env, &["rel-003", "--limit", "3", "-o", "json"]).stdout);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 3);
    assert_eq!(doc["olderRuns"], 297);
}

#[test]
fn a_torn_append_and_a_killed_index_build_lose_nothing_earlier() {
    let env = Env::new();
    let g = generate(&log_path(&env), 0, 20_000, 20);
    let before = list_all(&env);
    assert_eq!(before, expected_listing(&g));

    // A writer killed in the middle of its write leaves part of a line.
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(log_path(&env))
        .unwrap();
    log.write_all(br#"{"schema":1,"run":"20990101T000000-ffffff","time":"2099-01-01T00:"#)
        .unwrap();
    drop(log);
    assert_eq!(list_all(&env), before);
    let out = history(&env, &["--max", "1"]);
    ok_stdout(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is damaged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An index build killed at any point: a half-written segment is
    // never taken for one.
    std::fs::remove_dir_all(index_dir(&env)).unwrap();
    for delay_ms in [5, 40, 150] {
        let mut child = hooks(&env)
            .args(["history", "--source", "local", "rel-001"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SIGKILL: no chance to clean up.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(list_all(&env), before, "killed after {delay_ms} ms");
        std::fs::remove_dir_all(index_dir(&env)).ok();
    }
}

#[test]
fn readers_indexing_at_once_while_runs_are_appended_all_read_whole_runs() {
    let env = Env::new();
    let g = generate(&log_path(&env), 0, 8_000, 8);
    let extra = generate(&env.path("extra.jsonl"), 8_000, 400, 8);
    let extra_text = std::fs::read_to_string(env.path("extra.jsonl")).unwrap();
    let readers: Vec<_> = (0..8)
        .map(|i| {
            hooks(&env)
                .args(["history", "--source", "local", "--max", "0", "-o", "json"])
                .arg(format!("rel-00{i}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Appends while they read, a whole line per write, as apply does.
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(log_path(&env))
        .unwrap();
    for line in extra_text.lines() {
        log.write_all(format!("{line}\n").as_bytes()).unwrap();
    }
    for (i, reader) in readers.into_iter().enumerate() {
        let out = reader.wait_with_output().unwrap();
        let doc = json(&out.stdout);
        let rel = format!("rel-00{i}");
        let runs = doc["runs"].as_array().unwrap();
        // At least what was there before, each of those runs whole. A
        // run appended meanwhile is read as far as the log went when the
        // reader opened it (apply writes a line at a time): its lines in
        // order, whole, the end only after both states.
        let before = g.releases.iter().filter(|r| **r == rel).count();
        assert!(runs.len() >= before, "{rel}: {}", runs.len());
        for r in runs {
            assert_eq!(r["start"]["release"], rel.as_str());
            let states = r["states"].as_array().unwrap().len();
            let id = r["id"].as_str().unwrap();
            match g.ids.iter().any(|old| old == id) {
                true => assert_eq!(states, 2, "{r}"),
                false => assert!(states == 2 || (states < 2 && r["end"].is_null()), "{r}"),
            }
        }
    }
    // Afterwards, everything, once.
    let all: Vec<String> = g.ids.iter().chain(&extra.ids).cloned().collect();
    let listing = list_all(&env);
    assert_eq!(listing.runs, all.len());
    assert_eq!(listing.ids, checksum(all.iter().rev().map(String::as_str)));
}
