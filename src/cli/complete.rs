//! Completers attached to the arguments in `cli.rs`: revisions, charts,
//! values files, releases and hooks. Clap's engine calls them with the
//! partial word only; `prime` first reads the words before it, since
//! revisions depend on the chart's repository and releases on the namespace.

use super::Cli;
use crate::adapters::audit_store::AuditStore;
use crate::adapters::cache::Cache;
use crate::adapters::git::{ChartRepo, RevisionKind};
use crate::adapters::helm::Helm;
use crate::adapters::release::{self, ListedRelease};
use crate::app::history;
use crate::core::chart::ChartMeta;
use crate::ui::complete_view;
use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Commits offered after the refs: enough to find "the one before last"
/// without flooding the list.
const RECENT_COMMITS: usize = 20;

/// How long Helm's release list is reused: repeated TABs stay instant, a
/// release installed a moment ago shows up soon after.
const RELEASES_TTL: Duration = Duration::from_secs(5);

/// A TAB must not hang on an unreachable cluster.
const HELM_LIST_TIMEOUT: Duration = Duration::from_secs(3);

/// What the words before the partial one say. The engine calls completers
/// with the partial word only, yet revisions depend on the chart's
/// repository and releases on the namespace.
struct Context {
    chart: PathBuf,
    namespace: String,
    /// RELEASE, when typed before the partial word.
    release: Option<String>,
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

/// The whole word being completed: the engine hands a completer only the
/// part after the last delimiter.
static CURRENT: OnceLock<OsString> = OnceLock::new();

/// What the shell should offer when a completer found nothing that fits:
/// its own file names, filtered (a values file or chart outside the
/// repository).
static FALLBACK: Mutex<Option<complete_view::Fallback>> = Mutex::new(None);

/// Whether the shell must show the candidates in the order given (cobra's
/// ShellCompDirectiveKeepOrder): shells sort them otherwise, and the newest
/// commit would sit among the branches by its hash.
static KEEP_ORDER: AtomicBool = AtomicBool::new(false);

fn keep_order() {
    KEEP_ORDER.store(true, Ordering::Relaxed);
}

fn fall_back_to(current: &OsStr, fallback: complete_view::Fallback) {
    if !current.to_string_lossy().starts_with('-')
        && let Ok(mut f) = FALLBACK.lock()
    {
        *f = Some(fallback);
    }
}

/// Helm passes its `-n` as HELM_NAMESPACE.
fn default_namespace() -> String {
    std::env::var("HELM_NAMESPACE")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".to_string())
}

fn context() -> &'static Context {
    CONTEXT.get_or_init(|| Context {
        chart: PathBuf::from("."),
        namespace: default_namespace(),
        release: None,
    })
}

/// Parses the finished words leniently (clap's `ignore_errors`), so that
/// `--from <TAB>` before CHART or `-n NS` is known, with the parser's own
/// defaults and env (HELM_NAMESPACE) for what is not given.
fn context_from(words: &[OsString]) -> Context {
    let mut argv = vec![OsString::from("helm-hooks")];
    argv.extend_from_slice(words);
    let matches = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(argv)
        .ok();
    let sub = matches
        .as_ref()
        .and_then(|m| m.subcommand())
        .map(|(_, m)| m);
    let chart = sub
        .and_then(|m| m.try_get_one::<PathBuf>("chart").ok().flatten())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let namespace = sub
        .and_then(|m| m.try_get_one::<String>("namespace").ok().flatten())
        .cloned()
        .unwrap_or_else(default_namespace);
    let release = sub
        .and_then(|m| m.try_get_one::<String>("release").ok().flatten())
        .cloned();
    Context {
        chart,
        namespace,
        release,
    }
}

fn candidate(value: impl Into<String>, help: impl Into<String>) -> CompletionCandidate {
    let help: String = help.into();
    let c = CompletionCandidate::new(value.into());
    if help.is_empty() {
        c
    } else {
        c.help(Some(help.into()))
    }
}

fn matching(mut all: Vec<CompletionCandidate>, current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    all.retain(|c| {
        c.get_value()
            .to_string_lossy()
            .starts_with(current.as_ref())
    });
    all
}

/// `--from`/`--to`/`--rev`: HEAD, WORKTREE, branches, tags and recent
/// commits of the chart's repository.
pub fn revisions(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut all = vec![
        candidate("HEAD", "the commit checked out"),
        candidate(
            crate::adapters::git::WORKTREE,
            "the working tree, uncommitted edits included",
        ),
    ];
    if let Ok(repo) = ChartRepo::open(&context().chart) {
        for r in repo.revision_names(RECENT_COMMITS) {
            let help = match r.kind {
                RevisionKind::Branch => "branch".to_string(),
                RevisionKind::RemoteBranch => "remote branch".to_string(),
                RevisionKind::Tag => "tag".to_string(),
                RevisionKind::Commit => r.subject.unwrap_or_default(),
            };
            all.push(candidate(r.name, help));
        }
    }
    keep_order();
    matching(all, current)
}

/// The path from `base` to `target` (both absolute, normalized), as a user
/// would type it: `.`, `sub/dir`, `../other`.
fn relative(base: &Path, target: &Path) -> String {
    let b: Vec<Component> = base.components().collect();
    let t: Vec<Component> = target.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// Tracked files of the repository holding `from`, with their path as typed
/// from the current directory.
fn tracked_from_cwd(from: &Path) -> Vec<(String, String)> {
    let Ok(repo) = ChartRepo::open(from) else {
        return Vec::new();
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Vec::new();
    };
    let Some(cwd) = std::env::current_dir()
        .ok()
        .map(|c| std::fs::canonicalize(&c).unwrap_or(c))
    else {
        return Vec::new();
    };
    repo.tracked_files()
        .into_iter()
        .map(|f| {
            let typed = relative(&cwd, &workdir.join(&f));
            (f, typed)
        })
        .collect()
}

/// The user's `./` is kept on the candidates, so that they still match.
fn with_dot_prefix(current: &OsStr, value: String) -> String {
    if current.to_string_lossy().starts_with("./") && value != "." && !value.starts_with("..") {
        format!("./{value}")
    } else {
        value
    }
}

/// CHART: directories of the repository holding a Chart.yaml.
pub fn charts(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut all = Vec::new();
    for (_, typed) in tracked_from_cwd(Path::new(".")) {
        let Some(dir) = typed
            .strip_suffix("/Chart.yaml")
            .or((typed == "Chart.yaml").then_some("."))
        else {
            continue;
        };
        let help = std::fs::read_to_string(Path::new(dir).join("Chart.yaml"))
            .ok()
            .and_then(|t| ChartMeta::parse(t.as_bytes()).ok())
            .map(|m| format!("chart {} {}", m.name, m.version).trim().to_string())
            .unwrap_or_else(|| "chart".to_string());
        all.push(candidate(with_dot_prefix(current, dir.to_string()), help));
    }
    let found = matching(all, current);
    if found.is_empty() {
        fall_back_to(current, complete_view::Fallback::Directories);
    }
    found
}

/// Files that are YAML yet never values: chart metadata and templates.
fn is_values_candidate(repo_path: &str) -> bool {
    let name = repo_path.rsplit('/').next().unwrap_or(repo_path);
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !matches!(
            name,
            "Chart.yaml" | "Chart.lock" | "requirements.yaml" | "requirements.lock"
        )
        && !repo_path
            .split('/')
            .any(|seg| seg == "templates" || seg.starts_with('.'))
}

/// Whether a YAML file reads as a values file by its name or folder:
/// `values*.yaml`, `*.values.yaml`, or anything under `values/` or `ci/`
/// (where charts keep their CI values).
fn looks_like_values(repo_path: &str) -> bool {
    let name = repo_path.rsplit('/').next().unwrap_or(repo_path);
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name);
    stem.starts_with("values")
        || stem.ends_with(".values")
        || repo_path
            .split('/')
            .rev()
            .skip(1)
            .any(|dir| dir == "values" || dir == "ci")
}

/// `-f/--values`: the YAML files of the chart's repository, values files
/// first (a plugin's or CI's YAML is rarely what `-f` wants).
pub fn values_files(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut files: Vec<(String, String)> = tracked_from_cwd(&context().chart)
        .into_iter()
        .filter(|(repo_path, _)| is_values_candidate(repo_path))
        .collect();
    // Stable: each group keeps the index's path order.
    files.sort_by_key(|(repo_path, _)| !looks_like_values(repo_path));
    let all = files
        .into_iter()
        .map(|(_, typed)| candidate(with_dot_prefix(current, typed), ""))
        .collect();
    let found = matching(all, current);
    if found.is_empty() {
        fall_back_to(current, complete_view::Fallback::YamlFiles);
    } else {
        keep_order();
    }
    found
}

/// `--operation`: the operations in lifecycle order. The engine hands over
/// only the item after the last comma and puts the list before it back;
/// the items already listed (read from the whole word) are not offered
/// again, nor `all` after any.
pub fn operations(current: &OsStr) -> Vec<CompletionCandidate> {
    use clap::ValueEnum;
    let word = CURRENT
        .get()
        .map(|w| w.to_string_lossy())
        .unwrap_or_default();
    // `--operation=install,u`: the list is after the `=`.
    let list = match word.starts_with("--") {
        true => word.split_once('=').map_or("", |(_, v)| v),
        false => &word,
    };
    let listed: Vec<&str> = list.split(',').rev().skip(1).collect();
    let all = super::OperationArg::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .filter(|v| !listed.contains(&v.get_name()))
        .filter(|v| listed.is_empty() || v.get_name() != "all")
        .map(|v| {
            let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
            candidate(v.get_name(), help)
        })
        .collect();
    keep_order();
    matching(all, current)
}

/// RELEASE: Helm's releases in the namespace, then releases the audit log
/// has seen there.
pub fn releases(current: &OsStr) -> Vec<CompletionCandidate> {
    let namespace = &context().namespace;
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for r in cached_releases(namespace) {
        if seen.insert(r.name.clone()) {
            all.push(candidate(r.name, format!("{} {}", r.status, r.chart)));
        }
    }
    for release in audit_releases(namespace) {
        if seen.insert(release.clone()) {
            all.push(candidate(release, "seen in the audit log"));
        }
    }
    matching(all, current)
}

/// Runs of the audit log a completion looks at: the newest, read to their
/// start and end (a TAB must not read a long log).
const COMPLETION_RUNS: usize = 256;

fn audit_runs(release: Option<&str>, n: usize) -> Vec<crate::core::audit::Run> {
    let Ok(log) = history::read(&AuditStore::open_default()) else {
        return Vec::new();
    };
    log.runs(release, history::Depth::Summary)
        .map_while(Result::ok)
        .take(n)
        .collect()
}

/// Releases of the audit log with a run in `namespace` among their newest.
fn audit_releases(namespace: &str) -> Vec<String> {
    let Ok(log) = history::read(&AuditStore::open_default()) else {
        return Vec::new();
    };
    log.releases()
        .into_iter()
        .filter(|release| {
            log.runs(Some(release), history::Depth::Summary)
                .map_while(Result::ok)
                .take(8)
                .any(|r| r.start.namespace == namespace)
        })
        .collect()
}

/// `--hook`: hook names the audit log's newest runs planned or ran.
pub fn hooks(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for run in audit_runs(None, COMPLETION_RUNS) {
        for h in run.start.timeline {
            if seen.insert(h.name.clone()) {
                all.push(candidate(h.name, format!("{} {}", h.kind, h.event)));
            }
        }
        for h in run.end.into_iter().flat_map(|e| e.hooks) {
            if seen.insert(h.name.clone()) {
                all.push(candidate(h.name, h.kind));
            }
        }
    }
    matching(all, current)
}

/// `--run`: the newest run ids of the audit log, newest first.
pub fn runs(current: &OsStr) -> Vec<CompletionCandidate> {
    let all: Vec<CompletionCandidate> = audit_runs(None, COMPLETION_RUNS)
        .into_iter()
        .map(|r| {
            let about = format!("{} {} {}", r.start.release, r.start.operation, r.started);
            candidate(r.id, about)
        })
        .collect();
    keep_order();
    matching(all, current)
}

/// `f` on a thread, its answer if it comes within Helm's list timeout:
/// a TAB must not hang on an unreachable cluster.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> Option<T> + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(HELM_LIST_TIMEOUT).ok().flatten()
}

/// `test --filter`: `name=X` and `!name=X` for each test hook stored in
/// the release typed before.
pub fn test_filters(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(name) = context().release.clone() else {
        return Vec::new();
    };
    let namespace = context().namespace.clone();
    let Ok(helm) = Helm::locate(&Cache::open()) else {
        return Vec::new();
    };
    let stored = bounded(move || release::status(&helm, &name, &namespace).ok().flatten());
    let Some(stored) = stored else {
        return Vec::new();
    };
    let tests: Vec<String> = crate::core::hook::parse_rendered(&stored.hooks_stream())
        .map(|r| {
            r.hooks
                .into_iter()
                .filter(|h| h.events.contains(&crate::core::hook::HookEvent::Test))
                .map(|h| h.name)
                .collect()
        })
        .unwrap_or_default();
    let mut all: Vec<CompletionCandidate> = Vec::new();
    for t in &tests {
        all.push(candidate(format!("name={t}"), "run only this test"));
    }
    for t in &tests {
        all.push(candidate(format!("!name={t}"), "skip this test"));
    }
    matching(all, current)
}

/// rollback's REVISION: the release's revisions (`helm history`), newest
/// first, but the latest (rolling back to it restores nothing).
pub fn release_revisions(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(name) = context().release.clone() else {
        return Vec::new();
    };
    let namespace = context().namespace.clone();
    let Ok(helm) = Helm::locate(&Cache::open()) else {
        return Vec::new();
    };
    let history =
        bounded(move || release::history(&helm, &name, &namespace).ok()).unwrap_or_default();
    let mut all: Vec<CompletionCandidate> = history
        .iter()
        .rev()
        .skip(1)
        .map(|e| {
            candidate(
                e.revision.to_string(),
                format!("{} {} {}", e.status, e.chart, e.description),
            )
        })
        .collect();
    all.truncate(RECENT_COMMITS);
    keep_order();
    matching(all, current)
}

/// `helm list`, reused for a few seconds per Helm binary, namespace and
/// cluster. An unreachable cluster gives no releases, not a stuck TAB.
fn cached_releases(namespace: &str) -> Vec<ListedRelease> {
    let cache = Cache::open();
    let Ok(helm) = Helm::locate(&cache) else {
        return Vec::new();
    };
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let key = Cache::key(&[
        helm.path.to_string_lossy().as_bytes(),
        namespace.as_bytes(),
        env("HELM_KUBECONTEXT").as_bytes(),
        env("KUBECONFIG").as_bytes(),
        env("HELM_KUBEAPISERVER").as_bytes(),
    ]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if let Some(bytes) = cache.get("complete-releases", &key)
        && let Some(list) = parse_cached(&bytes, now)
    {
        return list;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let ns = namespace.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(release::list(&helm, &ns));
    });
    // A cluster that fails or does not answer is remembered too: each TAB
    // must not wait for it again.
    let list = match rx.recv_timeout(HELM_LIST_TIMEOUT) {
        Ok(Ok(list)) => list,
        _ => Vec::new(),
    };
    let mut text = format!("{now}\n");
    for r in &list {
        text.push_str(&format!("{}\t{}\t{}\n", r.name, r.status, r.chart));
    }
    cache.put("complete-releases", &key, text.as_bytes());
    list
}

/// `SECONDS\nNAME\tSTATUS\tCHART\n...`, when still fresh.
fn parse_cached(bytes: &[u8], now: u64) -> Option<Vec<ListedRelease>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.lines();
    let stamp: u64 = lines.next()?.parse().ok()?;
    if now.saturating_sub(stamp) >= RELEASES_TTL.as_secs() {
        return None;
    }
    Some(
        lines
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some(ListedRelease {
                    name: f.next()?.to_string(),
                    status: f.next().unwrap_or_default().to_string(),
                    chart: f.next().unwrap_or_default().to_string(),
                })
            })
            .collect(),
    )
}

/// Reads the finished words (all but the partial one) and the partial one
/// for the completers.
pub fn prime(finished: &[OsString], current: &OsStr) {
    let _ = CONTEXT.set(context_from(finished));
    let _ = CURRENT.set(current.to_os_string());
}

/// Whether a completer asked the shell to keep its order.
pub fn keeps_order() -> bool {
    KEEP_ORDER.load(Ordering::Relaxed)
}

/// What the shell should complete itself when no completer had an answer.
pub fn fallback() -> Option<complete_view::Fallback> {
    FALLBACK.lock().ok().and_then(|f| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_read_as_typed() {
        assert_eq!(relative(Path::new("/r"), Path::new("/r")), ".");
        assert_eq!(relative(Path::new("/r"), Path::new("/r/a/b")), "a/b");
        assert_eq!(
            relative(Path::new("/r/a"), Path::new("/r/c.yaml")),
            "../c.yaml"
        );
    }

    #[test]
    fn values_candidates_skip_templates_and_metadata() {
        assert!(is_values_candidate("values.yaml"));
        assert!(is_values_candidate("env/prod.yml"));
        assert!(!is_values_candidate("shop/templates/job.yaml"));
        assert!(!is_values_candidate("shop/Chart.yaml"));
        assert!(!is_values_candidate(".github/workflows/ci.yaml"));
        assert!(!is_values_candidate("README.md"));
    }

    #[test]
    fn values_files_are_told_by_name_or_folder() {
        for p in [
            "values.yaml",
            "app/values-prod.yml",
            "app/prod.values.yaml",
            "app/ci/lint.yaml",
            "values/eu/prod.yaml",
        ] {
            assert!(looks_like_values(p), "{p}");
        }
        for p in [
            "plugin.yaml",
            "env/prod.yaml",
            "ci.yaml",
            "app/myvalues.yaml",
        ] {
            assert!(!looks_like_values(p), "{p}");
        }
    }

    #[test]
    fn cached_releases_expire() {
        let text = b"100\nweb\tdeployed\tapp-0.1.0\n";
        let list = parse_cached(text, 102).unwrap();
        assert_eq!(list[0].name, "web");
        assert_eq!(list[0].chart, "app-0.1.0");
        assert!(parse_cached(text, 100 + RELEASES_TTL.as_secs()).is_none());
    }
}
