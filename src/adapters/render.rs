//! Rendering a chart at a revision with `helm template`, cached by content.

use super::cache::Cache;
use super::git::{ChartRepo, ChartSnapshot, GitError, Revision, mentions_operation};
use super::helm::HelmProbe;
use crate::core::redact::{
    digest_document, digest_documents_with, digest_secrets, secret_documents,
};
use crate::core::template_scan::calls_random_function;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("helm template failed for {rev}: {summary}")]
    Template {
        rev: String,
        summary: String,
        stderr: String,
    },
    #[error("chart at {rev} is missing dependencies: {summary}")]
    MissingDependencies {
        rev: String,
        summary: String,
        stderr: String,
    },
    /// A flag's value Helm could not take: the user's input, not the chart.
    #[error("{summary}")]
    Flag {
        flag: BadFlag,
        summary: String,
        stderr: String,
    },
    /// The chart's own `required`/`fail` stopped the render.
    #[error("the chart at {rev} stopped rendering: {summary}")]
    ValueRequired {
        rev: String,
        summary: String,
        stderr: String,
    },
    #[error("cannot run {helm}: {message}")]
    Spawn { helm: String, message: String },
    #[error("cannot read values file {path}: {message}")]
    Values { path: String, message: String },
    #[error("cannot prepare the chart for Helm: {0}")]
    Io(#[from] std::io::Error),
}

impl RenderError {
    /// Helm's own stderr, for the user to read in full.
    pub fn helm_stderr(&self) -> Option<&str> {
        match self {
            RenderError::Template { stderr, .. }
            | RenderError::MissingDependencies { stderr, .. }
            | RenderError::Flag { stderr, .. }
            | RenderError::ValueRequired { stderr, .. } => Some(stderr),
            _ => None,
        }
    }
}

/// Which of the user's flags Helm refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadFlag {
    /// `--set`, `--set-string` or `--set-json`.
    Set,
    SetFile,
    KubeVersion,
    /// A `-f` file that is not YAML.
    Values,
}

/// The user's rendering flags, as Helm's `template` takes them.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub release: String,
    pub namespace: String,
    pub values_files: Vec<PathBuf>,
    /// `(flag, value)` pairs such as `("--set", "a=b")`, in the order given.
    pub set: Vec<(String, String)>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    /// The renders must carry Secret values (`--show-secrets`, apply's
    /// scrubbing): they skip the cache, which keeps digests only.
    pub secret_values: bool,
    /// For `helm dependency build` only (`--plain-http`, `--ca-file`...):
    /// how to reach repositories, not what renders.
    pub dependency_flags: Vec<String>,
}

/// Which renders a side needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub install: bool,
    pub upgrade: bool,
    /// A render that may differ per run is rendered a second time alongside
    /// the first (the plan of a changed side needs it to tell random
    /// values from changes): started with the first, not queued after.
    pub again: bool,
}

/// One revision, rendered.
#[derive(Debug, Clone)]
pub struct SideRender {
    pub install: Option<String>,
    pub upgrade: Option<String>,
    /// Helm's stderr lines (notices such as dropped hooks), de-duplicated.
    pub notices: Vec<String>,
    /// Documents Helm dropped for an unknown hook event, with the chart
    /// files whose text holds that annotation value.
    pub dropped: Vec<DroppedHook>,
    /// How many renders ran Helm (0 when everything came from the cache).
    pub helm_runs: usize,
    /// Whether the input may render differently each time (see
    /// [`ChartSnapshot::may_render_randomly`]).
    pub may_vary: bool,
    /// Hook templates that call `lookup` (chart-relative), which renders
    /// empty offline.
    pub lookups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DroppedHook {
    pub value: String,
    /// The templates that emitted the document (chart-relative).
    pub files: Vec<String>,
    /// Files outside `templates/` whose text holds it (`.Files.Get`, `tpl`).
    pub held_in: Vec<String>,
    /// The document as its source names it (`Job/migrate`).
    pub hook: Option<String>,
}

/// `(chart root, path in that chart)` of a chart-relative file: a file of
/// a subchart belongs to the innermost `charts/<name>/`.
fn split_chart_root(path: &str) -> (&str, &str) {
    let mut root = 0;
    let parts: Vec<&str> = path.split('/').collect();
    let mut offset = 0;
    let mut i = 0;
    while i < parts.len() {
        if parts[i] == "charts" && offset == root && i + 2 < parts.len() {
            offset += parts[i].len() + parts[i + 1].len() + 2;
            root = offset;
            i += 2;
            continue;
        }
        offset += parts[i].len() + 1;
        i += 1;
    }
    (&path[..root], &path[root..])
}

fn is_template(path: &str) -> bool {
    split_chart_root(path).1.starts_with("templates/")
}

/// Where a dropped hook document came from. Helm names only the value, and
/// a document read in through `.Files.Get`/`tpl` has no `# Source:` of its
/// own: look for the text in templates, else in the chart's other files,
/// and then for the templates of the same chart that read those files in.
pub fn dropped_origin(snapshot: &ChartSnapshot, value: &str) -> DroppedHook {
    let files = &snapshot.files;
    let text_of = |f: &super::git::ChartFile| {
        String::from_utf8_lossy(snapshot.content(f).unwrap_or_default()).into_owned()
    };
    let holds = |f: &&super::git::ChartFile| {
        let text = text_of(f);
        !f.path.ends_with(".tgz")
            && text.contains("helm.sh/hook")
            && !value.trim().is_empty()
            && text.contains(value)
    };
    let (templates, others): (Vec<&super::git::ChartFile>, Vec<_>) = files
        .iter()
        .filter(holds)
        .partition(|f| is_template(&f.path));
    if !templates.is_empty() || others.is_empty() {
        return DroppedHook {
            value: value.to_string(),
            files: templates.iter().map(|f| f.path.clone()).collect(),
            held_in: Vec::new(),
            hook: templates
                .first()
                .and_then(|t| crate::core::hook::written_identity(&text_of(t), value)),
        };
    }
    let mut emitters: Vec<String> = Vec::new();
    for held in &others {
        let (root, rel) = split_chart_root(&held.path);
        let dir = rel.rsplit_once('/').map(|(d, _)| format!("{d}/"));
        for t in files
            .iter()
            .filter(|t| is_template(&t.path) && split_chart_root(&t.path).0 == root)
        {
            let text = text_of(t);
            let reads = text.contains(&format!("\"{rel}\""))
                || (text.contains(".Files.Glob")
                    && dir
                        .as_ref()
                        .is_some_and(|d| text.contains(&format!("\"{d}"))))
                || (rel == "values.yaml" && text.contains("tpl "));
            if reads && !emitters.contains(&t.path) {
                emitters.push(t.path.clone());
            }
        }
    }
    DroppedHook {
        value: value.to_string(),
        files: emitters,
        hook: others
            .first()
            .and_then(|t| crate::core::hook::written_identity(&text_of(t), value)),
        held_in: others.iter().map(|f| f.path.clone()).collect(),
    }
}

/// Reads a Go-quoted (`%q`) string at the start of `s`.
fn go_unquote(s: &str) -> Option<String> {
    let mut chars = s.strip_prefix('"')?.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

/// The annotation value of Helm's notice about a dropped hook document:
/// v3 logs `skipping unknown hook: "VALUE"`, v4 `hookTypes=VALUE` (quoted
/// when it holds spaces or quotes).
pub fn dropped_hook_value(line: &str) -> Option<String> {
    if let Some((_, rest)) = line.split_once("skipping unknown hook: ") {
        return go_unquote(rest.trim());
    }
    if line.contains("skipping unknown hooks") {
        let (_, rest) = line.split_once("hookTypes=")?;
        return match rest.starts_with('"') {
            true => go_unquote(rest),
            false => Some(
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
        };
    }
    None
}

/// A line of Helm's debug log: v3 `install.go:225: 2026-12-02 13:11:04.06 +0000
/// UTC m=+0.09 [debug] ...`, v4 `level=DEBUG msg=...` (slog's text form).
pub fn is_debug_log(line: &str) -> bool {
    if line.starts_with("level=DEBUG ") || line.contains(" level=DEBUG ") {
        return true;
    }
    // v3: `FILE.go:LINE: DATE TIME ... [debug] `, the date right after.
    let Some((file, rest)) = line.split_once(".go:") else {
        return false;
    };
    let after_line = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    !file.contains(' ')
        && after_line.len() < rest.len()
        && after_line
            .strip_prefix(": ")
            .is_some_and(|t| t.get(4..5) == Some("-") && t[..4].bytes().all(|b| b.is_ascii_digit()))
        && after_line.contains(" [debug] ")
}

struct ValuesInput {
    /// A URL Helm fetches itself, or `None` for content we pass as a file.
    url: Option<String>,
    content: Vec<u8>,
}

fn read_values(
    repo: &ChartRepo,
    rev: &Revision,
    opts: &RenderOptions,
) -> Result<Vec<ValuesInput>, anyhow::Error> {
    let mut out = Vec::new();
    for path in &opts.values_files {
        let text = path.to_string_lossy();
        if text.contains("://") {
            out.push(ValuesInput {
                url: Some(text.into_owned()),
                content: Vec::new(),
            });
            continue;
        }
        // A values file of the repository is read at the chart's revision:
        // a values change is a change. One Git does not track (untracked,
        // gitignored: local secrets) has no revision; it is read from disk.
        let content = match repo.repo_relative(path) {
            Some(rel) if repo.is_tracked(&rel) => {
                repo.read_file(rev, &rel)?
                    .ok_or_else(|| GitError::MissingValues {
                        rev: rev.spec.clone(),
                        path: rel.clone(),
                    })?
            }
            _ => read_values_file(path)?,
        };
        out.push(ValuesInput { url: None, content });
    }
    Ok(out)
}

/// Each `-f` as Helm will get it at `rev`: its content, or the URL Helm
/// fetches itself (for a plan file's digests).
pub fn values_inputs(
    repo: &ChartRepo,
    rev: &Revision,
    opts: &RenderOptions,
) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    Ok(opts
        .values_files
        .iter()
        .cloned()
        .zip(read_values(repo, rev, opts)?)
        .map(|(path, v)| (path, v.url.map(String::into_bytes).unwrap_or(v.content)))
        .collect())
}

/// A values file read from disk; a missing one says so plainly (a typo).
fn read_values_file(path: &std::path::Path) -> Result<Vec<u8>, RenderError> {
    std::fs::read(path).map_err(|e| RenderError::Values {
        path: path.display().to_string(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        },
    })
}

/// The `-f` files inside the working tree that Git does not track: read
/// from disk for every revision, which the user is told.
pub fn untracked_values(repo: &ChartRepo, opts: &RenderOptions) -> Vec<PathBuf> {
    opts.values_files
        .iter()
        .filter(|p| p.is_file())
        .filter(|p| {
            repo.repo_relative(p)
                .is_some_and(|rel| !repo.is_tracked(&rel))
        })
        .cloned()
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Install,
    Upgrade,
}

/// Renders `rev` for the operations in `needs`. When nothing in the chart
/// or values mentions `IsInstall`/`IsUpgrade`, one render serves both.
/// A chart written out for Helm: the snapshot's files and the values
/// files as read at the same revision, in a temp dir removed on drop.
pub struct PreparedChart {
    dir: super::scratch::ScratchDir,
    /// `--values` arguments, in the user's order.
    pub value_args: Vec<String>,
}

impl PreparedChart {
    fn write(snapshot: &ChartSnapshot, values: &[ValuesInput]) -> std::io::Result<Self> {
        // RAM first (a few ms for hundreds of files, ~100 ms on a disk);
        // a RAM folder that is full falls back to the disk.
        match Self::write_in(super::scratch::Place::Ram, snapshot, values) {
            Ok(p) => Ok(p),
            Err(_) => Self::write_in(super::scratch::Place::Disk, snapshot, values),
        }
    }

    fn write_in(
        place: super::scratch::Place,
        snapshot: &ChartSnapshot,
        values: &[ValuesInput],
    ) -> std::io::Result<Self> {
        let dir = super::scratch::ScratchDir::new(place)?;
        snapshot.write_to(&dir.path().join("chart"))?;
        let mut value_args = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match &v.url {
                Some(url) => value_args.push(url.clone()),
                None => {
                    let p = dir.path().join(format!("values-{i}.yaml"));
                    std::fs::write(&p, &v.content)?;
                    value_args.push(p.display().to_string());
                }
            }
        }
        Ok(Self { dir, value_args })
    }

    /// Prepares `rev`'s chart (dependencies included) and values for a
    /// Helm command.
    pub fn prepare(
        repo: &ChartRepo,
        rev: &Revision,
        opts: &RenderOptions,
        helm: &std::path::Path,
        cache: &Cache,
    ) -> anyhow::Result<(Self, ChartSnapshot)> {
        let build = super::deps::DependencyBuild {
            helm,
            flags: &opts.dependency_flags,
        };
        let snapshot = chart_snapshot(repo, rev, build, cache)?;
        let values = read_values(repo, rev, opts)?;
        Ok((Self::write(&snapshot, &values)?, snapshot))
    }

    pub fn chart_dir(&self) -> PathBuf {
        self.dir.path().join("chart")
    }
}

/// The chart at `rev` as Helm needs it: its files, in-repository `file://`
/// dependencies, and the dependencies it fetches from chart repositories.
pub fn chart_snapshot(
    repo: &ChartRepo,
    rev: &Revision,
    build: super::deps::DependencyBuild<'_>,
    cache: &Cache,
) -> anyhow::Result<ChartSnapshot> {
    let mut snapshot = repo.snapshot(rev)?;
    let worktree_charts = repo
        .workdir()
        .map(|w| w.join(repo.chart_path()).join("charts"));
    super::deps::complete(
        &mut snapshot,
        repo.chart_path(),
        worktree_charts.as_deref(),
        build,
        cache,
        &rev.spec,
    )?;
    Ok(snapshot)
}

pub fn render_side(
    repo: &ChartRepo,
    rev: &Revision,
    opts: &RenderOptions,
    needs: Needs,
    helm: &HelmProbe,
    cache: &Cache,
) -> anyhow::Result<SideRender> {
    render_pass(repo, rev, opts, needs, helm, cache, 0)
}

/// `rev` rendered once more, from the same input: what differs from the
/// first render is random per render (`randAlphaNum`). Cached under its
/// own key, so it costs one Helm run per input, ever.
pub fn render_side_again(
    repo: &ChartRepo,
    rev: &Revision,
    opts: &RenderOptions,
    needs: Needs,
    helm: &HelmProbe,
    cache: &Cache,
) -> anyhow::Result<SideRender> {
    render_pass(repo, rev, opts, needs, helm, cache, 1)
}

fn render_pass(
    repo: &ChartRepo,
    rev: &Revision,
    opts: &RenderOptions,
    needs: Needs,
    helm: &HelmProbe,
    cache: &Cache,
    pass: u8,
) -> anyhow::Result<SideRender> {
    let build = super::deps::DependencyBuild {
        helm: &helm.path,
        flags: &opts.dependency_flags,
    };
    let snapshot = chart_snapshot(repo, rev, build, cache)?;
    let values = read_values(repo, rev, opts)?;
    let (split, modes) = render_modes(&snapshot, &values, opts, needs, cache)?;
    let key_for = |mode, version, pass| render_key(&snapshot, opts, &values, (mode, version, pass));
    let mut results: Vec<(Mode, String, String)> = Vec::new();
    let mut missing: Vec<Mode> = Vec::new();
    // An unknown version (a binary not seen before) is asked alongside
    // the renders, not before them: its renders cannot be cached yet.
    let version = helm.known_version();
    for mode in modes {
        // Renders that must carry Secret values skip the cache: it holds
        // none.
        let cached = version.filter(|_| !opts.secret_values).and_then(|v| {
            let key = key_for(mode, v, pass);
            Some((cache.get(RENDER, &key)?, cache.get(RENDER_ERR, &key)?))
        });
        match cached {
            Some((out, err)) => results.push((mode, into_text(out), into_text(err))),
            None => missing.push(mode),
        }
    }
    let helm_runs = missing.len();
    let facts = || side_facts(&snapshot, &values, opts, cache);
    let mut known = None;
    if !missing.is_empty() {
        snapshot.load()?;
        let prepared = PreparedChart::write(&snapshot, &values)?;
        let chart_dir = prepared.chart_dir();
        let value_args = prepared.value_args.clone();
        // Start every render before waiting on any: they run concurrently.
        let children = spawn_renders(helm, opts, (&chart_dir, &value_args), &missing)?;
        // Read while Helm renders, not after: a cold plan waits on Helm.
        let read = facts()?;
        let again = match needs.again && pass == 0 && !opts.secret_values && read.may_vary {
            true => {
                tracing::debug!(rev = %rev.spec, "second render started alongside the first");
                spawn_renders(helm, opts, (&chart_dir, &value_args), &missing)?
            }
            false => Vec::new(),
        };
        known = Some(read);
        for (mode, child) in children {
            let out = child.wait_with_output()?;
            tracing::debug!(rev = %rev.spec, ?mode, "helm template exited");
            let stdout = into_text(out.stdout);
            let stderr = into_text(out.stderr);
            if !out.status.success() {
                return Err(render_failure(helm, rev, opts, &prepared, stderr));
            }
            let key = key_for(mode, helm.version()?, pass);
            let stdout = keep(cache, &key, stdout, &stderr, opts.secret_values);
            results.push((mode, stdout, stderr));
        }
        // The second renders are only cached: a failed one is run again,
        // and reported, by the pass that needs it.
        for (mode, child) in again {
            let out = child.wait_with_output()?;
            if out.status.success() {
                let key = key_for(mode, helm.version()?, 1);
                keep(
                    cache,
                    &key,
                    into_text(out.stdout),
                    &into_text(out.stderr),
                    false,
                );
            }
        }
    }

    let facts = match known {
        Some(f) => f,
        None => facts()?,
    };
    let mut side = SideRender {
        install: None,
        upgrade: None,
        notices: Vec::new(),
        dropped: Vec::new(),
        helm_runs,
        may_vary: facts.may_vary,
        lookups: facts.lookups,
    };
    collect_renders(&mut side, &snapshot, split, results);
    Ok(side)
}

/// The cache key of a render: every input that can change Helm's output
/// (chart content, release, namespace, Helm version, install or upgrade,
/// capabilities given, values), and the pass (a second render of the same
/// input is its own entry).
fn render_key(
    snapshot: &ChartSnapshot,
    opts: &RenderOptions,
    values: &[ValuesInput],
    (mode, version, pass): (Mode, crate::core::helm::HelmVersion, u8),
) -> String {
    let mut parts: Vec<&[u8]> = vec![
        // v2: Secret values are kept as digests.
        b"render-v2",
        snapshot.fingerprint.as_bytes(),
        opts.release.as_bytes(),
        opts.namespace.as_bytes(),
    ];
    let mut owned: Vec<Vec<u8>> = vec![
        version.to_string().into_bytes(),
        vec![(mode == Mode::Upgrade) as u8],
        opts.kube_version.clone().unwrap_or_default().into_bytes(),
    ];
    owned.extend(opts.api_versions.iter().map(|a| a.clone().into_bytes()));
    // The first pass keeps the key it always had (warm caches stay warm).
    if pass > 0 {
        owned.push(format!("pass\0{pass}").into_bytes());
    }
    for (flag, value) in &opts.set {
        owned.push(format!("{flag}\0{value}").into_bytes());
    }
    for v in values {
        owned.push(v.url.clone().unwrap_or_default().into_bytes());
        owned.push(v.content.clone());
    }
    parts.extend(owned.iter().map(Vec::as_slice));
    Cache::key(&parts)
}

/// `helm template` of the prepared chart once per mode, all started.
fn spawn_renders(
    helm: &HelmProbe,
    opts: &RenderOptions,
    (chart_dir, value_args): (&std::path::Path, &[String]),
    modes: &[Mode],
) -> anyhow::Result<Vec<(Mode, std::process::Child)>> {
    let mut children = Vec::new();
    for &mode in modes {
        let mut cmd = template_command(&helm.path, opts, chart_dir, value_args, mode);
        let child = cmd.spawn().map_err(|e| RenderError::Spawn {
            helm: helm.path.display().to_string(),
            message: e.to_string(),
        })?;
        children.push((mode, child));
    }
    Ok(children)
}

/// Whether install and upgrade renders differ (the chart or its values
/// branch on `.Release.IsInstall`/`IsUpgrade`), and so which renders a
/// side needs: one shared render when they cannot differ.
fn render_modes(
    snapshot: &ChartSnapshot,
    values: &[ValuesInput],
    opts: &RenderOptions,
    needs: Needs,
    cache: &Cache,
) -> anyhow::Result<(bool, Vec<Mode>)> {
    let split = chart_branches_on_operation(snapshot, cache)?
        || values.iter().any(|v| mentions_operation(&v.content))
        || opts
            .set
            .iter()
            .any(|(_, v)| mentions_operation(v.as_bytes()));
    let modes = match (split, needs.install, needs.upgrade) {
        (true, i, u) => [(i, Mode::Install), (u, Mode::Upgrade)]
            .into_iter()
            .filter_map(|(n, m)| n.then_some(m))
            .collect(),
        (false, _, _) => vec![Mode::Install],
    };
    Ok((split, modes))
}

/// Cache buckets of renders (Secret values as keyed digests).
const RENDER: &str = "render2";
const RENDER_ERR: &str = "render2-err";

/// Stores a fresh render under `key` with Secret values as digests, and
/// returns what a cached run would see (unless the values are asked for).
fn keep(cache: &Cache, key: &str, stdout: String, stderr: &str, secret_values: bool) -> String {
    let kept = digest_in_halves(&stdout, cache);
    if let Some(kept) = &kept {
        cache.put(RENDER, key, kept.as_bytes());
        cache.put(RENDER_ERR, key, stderr.as_bytes());
        // Renders cached before secrets were digested hold Secret values
        // in plain text: gone at the first write of the new kind.
        cache.forget(&["render", "render-err"]);
    }
    match (secret_values, kept) {
        (false, Some(kept)) => kept,
        _ => stdout,
    }
}

/// A render big enough for its work to be split across threads (on this
/// bench's large chart, ~15 ms of it per side after Helm exits); below it,
/// a thread costs more than it saves.
pub const PARALLEL_RENDER_BYTES: usize = 256 * 1024;

/// [`digest_secrets`] with the cache's key; for a large render, its two
/// halves side by side (it is on the way from the last render to the
/// plan), and a Secret both sides of a plan render alike digested once, by
/// the side that gets to it first.
fn digest_in_halves(stdout: &str, cache: &Cache) -> Option<String> {
    // Secret text -> what is kept of it, for this process's secret key.
    static DIGESTED: std::sync::OnceLock<std::sync::Mutex<HashMap<String, String>>> =
        std::sync::OnceLock::new();
    let memo = DIGESTED.get_or_init(Default::default);
    let digest = |v: &str| cache.secret_digest(v);
    let one = |text: &str| {
        let known = memo.lock().ok().and_then(|m| m.get(text).cloned());
        if known.is_some() {
            return known;
        }
        let kept = digest_document(text, &digest)?;
        if let Ok(mut m) = memo.lock() {
            m.insert(text.to_string(), kept.clone());
        }
        Some(kept)
    };
    if stdout.len() < PARALLEL_RENDER_BYTES {
        return digest_secrets(stdout, &digest);
    }
    let Some(docs) = secret_documents(stdout) else {
        return Some(stdout.to_string());
    };
    let (first, second) = docs.split_at(docs.len() / 2);
    let (head, tail) = std::thread::scope(|s| {
        let tail = s.spawn(|| digest_documents_with(second, &one));
        (
            digest_documents_with(first, &one),
            tail.join().expect("digest thread panicked"),
        )
    });
    Some(head? + &tail?)
}

/// `helm template` of the chart written out for Helm, for one mode.
fn template_command(
    helm: &std::path::Path,
    opts: &RenderOptions,
    chart_dir: &std::path::Path,
    value_args: &[String],
    mode: Mode,
) -> Command {
    let mut cmd = Command::new(helm);
    super::helm::short_lived(&mut cmd);
    cmd.arg("template")
        .arg(&opts.release)
        .arg(chart_dir)
        .args(["--namespace", &opts.namespace]);
    if mode == Mode::Upgrade {
        cmd.arg("--is-upgrade");
    }
    if let Some(kv) = &opts.kube_version {
        cmd.args(["--kube-version", kv]);
    }
    for a in &opts.api_versions {
        cmd.args(["--api-versions", a]);
    }
    for v in value_args {
        cmd.args(["--values", v]);
    }
    for (flag, value) in &opts.set {
        cmd.arg(flag).arg(value);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Each render's text into its side, and what Helm said on stderr: the
/// documents it dropped (located in the chart) and its other notices.
fn collect_renders(
    side: &mut SideRender,
    snapshot: &ChartSnapshot,
    split: bool,
    results: Vec<(Mode, String, String)>,
) {
    for (mode, stdout, stderr) in results {
        for line in stderr.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if is_debug_log(line) {
                // `helm --debug hooks` hands HELM_DEBUG to the renders:
                // Helm's own debug log is ours, not a notice.
                tracing::debug!("helm: {line}");
            } else if let Some(value) = dropped_hook_value(line) {
                let d = dropped_origin(snapshot, &value);
                if !side.dropped.contains(&d) {
                    side.dropped.push(d);
                }
            } else if !side.notices.iter().any(|n| n == line) {
                side.notices.push(line.to_string());
            }
        }
        match (split, mode) {
            (false, _) => {
                side.install = Some(stdout.clone());
                side.upgrade = Some(stdout);
            }
            (true, Mode::Install) => side.install = Some(stdout),
            (true, Mode::Upgrade) => side.upgrade = Some(stdout),
        }
    }
}

/// Whether the chart's templates branch on the operation, remembered by
/// the chart's fingerprint: answering it reads every file, which a warm
/// plan must not.
fn chart_branches_on_operation(snapshot: &ChartSnapshot, cache: &Cache) -> anyhow::Result<bool> {
    remembered(snapshot, cache, "split", || {
        snapshot.branches_on_operation()
    })
}

/// Whether the chart calls a function whose output differs per render,
/// remembered by content like the split.
fn chart_may_vary(snapshot: &ChartSnapshot, cache: &Cache) -> anyhow::Result<bool> {
    // Not the older "random" bucket: that one counted any word in any
    // file, and its answers must not be reused.
    remembered(snapshot, cache, "random-calls", || {
        snapshot.may_render_randomly()
    })
}

/// What a side's text says of its render, read from the chart's
/// templates (once per content: a warm run reads no file for it).
struct SideFacts {
    may_vary: bool,
    lookups: Vec<String>,
}

/// Whether a side's render may differ per run (by its chart, its values
/// files or its `--set` values), and which of its hook templates call
/// `lookup`.
fn side_facts(
    snapshot: &ChartSnapshot,
    values: &[ValuesInput],
    opts: &RenderOptions,
    cache: &Cache,
) -> anyhow::Result<SideFacts> {
    let may_vary = chart_may_vary(snapshot, cache)?
        || values.iter().any(|v| calls_random_function(&v.content))
        || opts
            .set
            .iter()
            .any(|(_, v)| calls_random_function(v.as_bytes()));
    let key = Cache::key(&[b"lookup-calls-v1", snapshot.fingerprint.as_bytes()]);
    let lookups = match cache.get("lookup-calls", &key) {
        Some(list) => into_text(list).lines().map(str::to_string).collect(),
        None => {
            let list = snapshot.hook_templates_calling_lookup()?;
            cache.put("lookup-calls", &key, list.join("\n").as_bytes());
            list
        }
    };
    Ok(SideFacts { may_vary, lookups })
}

/// A yes/no fact of a chart's content, read once per fingerprint: a warm
/// run reads no file for it.
fn remembered(
    snapshot: &ChartSnapshot,
    cache: &Cache,
    what: &str,
    read: impl FnOnce() -> Result<bool, GitError>,
) -> anyhow::Result<bool> {
    let key = Cache::key(&[what.as_bytes(), b"-v1", snapshot.fingerprint.as_bytes()]);
    if let Some(v) = cache.get(what, &key) {
        return Ok(v == b"1");
    }
    let yes = read()?;
    cache.put(what, &key, if yes { b"1" } else { b"0" });
    Ok(yes)
}

/// Bytes as text without a copy when they are UTF-8 (they are, from Helm).
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A failed `helm template` as the error that says what to fix.
fn render_failure(
    helm: &HelmProbe,
    rev: &Revision,
    opts: &RenderOptions,
    prepared: &PreparedChart,
    stderr: String,
) -> anyhow::Error {
    // A Helm that cannot say its version fails every command: that is
    // the error, not the template.
    if let Err(e) = helm.version() {
        return e.into();
    }
    let stderr = own_paths(stderr, &prepared.value_args, &opts.values_files);
    classify_failure(&rev.spec, stderr).into()
}

/// Helm's stderr with the values files' temporary copies named as the
/// user gave them: a path the user never typed fixes nothing.
fn own_paths(mut stderr: String, passed: &[String], given: &[PathBuf]) -> String {
    for (copy, user) in passed.iter().zip(given) {
        if copy.as_str() != user.as_os_str() {
            stderr = stderr.replace(copy.as_str(), &user.display().to_string());
        }
    }
    stderr
}

/// Turns Helm's stderr into an error whose one line says what to do.
fn classify_failure(rev: &str, stderr: String) -> RenderError {
    let summary = super::helm::stderr_summary(&stderr);
    let flag = if summary.contains("failed parsing --set-file data") {
        Some(BadFlag::SetFile)
    } else if summary.contains("failed parsing --set") {
        Some(BadFlag::Set)
    } else if summary.contains("invalid kube version") {
        Some(BadFlag::KubeVersion)
    } else if summary.starts_with("failed to parse ") {
        // Helm's words for a values file that is not YAML.
        Some(BadFlag::Values)
    } else {
        None
    };
    if let Some(flag) = flag {
        return RenderError::Flag {
            flag,
            summary,
            stderr,
        };
    }
    // Helm's wording for a template's `required` or `fail`.
    if summary.contains("execution error at (") {
        return RenderError::ValueRequired {
            rev: rev.to_string(),
            summary,
            stderr,
        };
    }
    if stderr.contains("missing in charts/ directory") || stderr.contains("helm dependency build") {
        // Helm's line carries its own "You may need to run `helm dependency
        // build`" before what is missing; the hint says what to run, once.
        let summary = match summary.find("found in Chart.yaml") {
            Some(i) => summary[i..].to_string(),
            None => summary,
        };
        return RenderError::MissingDependencies {
            rev: rev.to_string(),
            summary,
            stderr,
        };
    }
    RenderError::Template {
        rev: rev.to_string(),
        summary,
        stderr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_render_digested_in_halves_equals_one_pass() {
        let mut stream = String::new();
        for i in 0..900 {
            stream.push_str(&match i % 3 {
                0 => format!(
                    "---\n# Source: app/templates/s{i}.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s{i}\ndata:\n  k: c2VjcmV0{i}\nstringData:\n  p: \"pw{i}\"\n"
                ),
                _ => format!(
                    "---\n# Source: app/templates/c{i}.yaml\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: \"{}\"\n",
                    "x".repeat(400)
                ),
            });
        }
        let cache = Cache::none();
        let digest = |v: &str| cache.secret_digest(v);
        let halves = digest_in_halves(&stream, &cache).unwrap();
        assert_eq!(
            digest_in_halves(&stream, &cache).unwrap(),
            halves,
            "the second time from the memo"
        );
        assert!(
            stream.len() > PARALLEL_RENDER_BYTES,
            "the test must take the two-thread path"
        );
        assert_eq!(
            halves,
            crate::core::redact::digest_secrets(&stream, &digest).unwrap()
        );
        assert!(
            !halves.contains("pw5"),
            "no value is left: {}",
            &halves[..400]
        );
        assert_eq!(halves.matches("hh-digest:").count(), 600);
    }

    #[test]
    fn helms_debug_log_is_told_from_its_notices() {
        assert!(is_debug_log(
            "install.go:225: 2026-12-02 13:11:04.063658849 +0000 UTC m=+0.098637075 [debug] CHART PATH: /tmp/c"
        ));
        assert!(is_debug_log(
            r#"level=DEBUG msg="Chart path" path=/tmp/e12/c"#
        ));
        assert!(is_debug_log(
            r#"time=2026-12-02T13:11:04Z level=DEBUG msg=x"#
        ));
        assert!(!is_debug_log(
            r#"level=WARN msg="skipping unknown hooks" hookTypes=x"#
        ));
        assert!(!is_debug_log("walk.go:75: found symbolic link in path"));
        assert!(!is_debug_log(
            "coalesce.go:301: warning: destination for x is a table [debug] y"
        ));
    }

    #[test]
    fn files_belong_to_the_innermost_chart() {
        assert_eq!(
            split_chart_root("templates/a.yaml"),
            ("", "templates/a.yaml")
        );
        assert_eq!(
            split_chart_root("charts/sub/files/x.yaml"),
            ("charts/sub/", "files/x.yaml")
        );
        assert_eq!(
            split_chart_root("charts/a/charts/b/templates/x.yaml"),
            ("charts/a/charts/b/", "templates/x.yaml")
        );
        assert_eq!(
            split_chart_root("files/charts/x/y.yaml"),
            ("", "files/charts/x/y.yaml")
        );
    }

    #[test]
    fn reads_both_helms_dropped_hook_notices() {
        assert_eq!(
            dropped_hook_value(
                r#"manifest_sorter.go:190: info: skipping unknown hook: "pre-install,test-failure""#
            ),
            Some("pre-install,test-failure".into())
        );
        assert_eq!(
            dropped_hook_value(
                r#"time=2026-11-21T10:00:00Z level=INFO msg="skipping unknown hooks" hookTypes=pre-install,test-failure"#
            ),
            Some("pre-install,test-failure".into())
        );
        assert_eq!(
            dropped_hook_value(
                r#"level=INFO msg="skipping unknown hooks" hookTypes="pre install""#
            ),
            Some("pre install".into())
        );
        assert_eq!(
            dropped_hook_value(r#"info: skipping unknown hook: """#),
            Some(String::new())
        );
        assert_eq!(dropped_hook_value("walk.go:74: found symbolic link"), None);
    }
}
