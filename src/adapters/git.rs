//! Charts as they are at a Git revision (from objects, never touching the
//! working tree, index or HEAD), or in the working tree.

use crate::core::chart::ChartMeta;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The pseudo-revision naming the working tree, uncommitted edits included.
pub const WORKTREE: &str = "WORKTREE";

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path} is not inside a Git repository")]
    NoRepository { path: String },
    #[error("unknown revision {spec:?} in {repo}")]
    BadRevision { spec: String, repo: String },
    #[error("{path} is not a chart at {rev}: no Chart.yaml there")]
    NotAChart { rev: String, path: String },
    #[error("WORKTREE needs a working tree, but {repo} is a bare repository")]
    BareWorktree { repo: String },
    #[error("Git object for {path} is missing at {rev} (partial clone?)")]
    MissingObject { rev: String, path: String },
    #[error("values file {path} does not exist at {rev}")]
    MissingValues { rev: String, path: String },
    #[error("cannot read {path} at {rev}: {message}")]
    Read {
        rev: String,
        path: String,
        message: String,
    },
}

/// A resolved revision.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// As the user wrote it.
    pub spec: String,
    /// `None` for WORKTREE.
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub worktree: bool,
    #[serde(skip)]
    tree: Option<git2::Oid>,
}

pub struct ChartRepo {
    repo: git2::Repository,
    /// The working tree root; `None` for a bare repository.
    workdir: Option<PathBuf>,
    /// The chart's directory relative to the repository root, `/`-separated
    /// (empty for the root).
    chart: String,
}

fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn to_slash(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn join_rel(base: &str, rel: &str) -> String {
    to_slash(&lexical_normalize(&Path::new(base).join(rel)))
}

impl ChartRepo {
    /// Finds the repository holding `chart` (a directory, relative to the
    /// current directory). `GIT_DIR` is honoured; in a bare repository the
    /// chart path is taken relative to the repository root.
    pub fn open(chart: &Path) -> Result<Self, GitError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let abs = lexical_normalize(&cwd.join(chart));
        let no_repo = || GitError::NoRepository {
            path: chart.display().to_string(),
        };
        let repo = if std::env::var_os("GIT_DIR").is_some() {
            git2::Repository::open_from_env().map_err(|_| no_repo())?
        } else {
            let start = if abs.is_dir() {
                abs.clone()
            } else {
                cwd.clone()
            };
            git2::Repository::discover(&start).map_err(|_| no_repo())?
        };
        let workdir = repo
            .workdir()
            .map(|w| fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()));
        let chart_rel = match &workdir {
            Some(w) => {
                let real = fs::canonicalize(&abs).unwrap_or(abs.clone());
                real.strip_prefix(w).map(to_slash).map_err(|_| no_repo())?
            }
            None => to_slash(&lexical_normalize(chart)),
        };
        Ok(Self {
            repo,
            workdir,
            chart: chart_rel,
        })
    }

    pub fn root_display(&self) -> String {
        match &self.workdir {
            Some(w) => w.display().to_string(),
            None => self.repo.path().display().to_string(),
        }
    }

    pub fn chart_path(&self) -> &str {
        &self.chart
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    pub fn resolve(&self, spec: &str) -> Result<Revision, GitError> {
        if spec == WORKTREE {
            if self.workdir.is_none() {
                return Err(GitError::BareWorktree {
                    repo: self.root_display(),
                });
            }
            return Ok(Revision {
                spec: spec.to_string(),
                commit: None,
                subject: None,
                worktree: true,
                tree: None,
            });
        }
        let bad = || GitError::BadRevision {
            spec: spec.to_string(),
            repo: self.root_display(),
        };
        let commit = self
            .repo
            .revparse_single(spec)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| bad())?;
        Ok(Revision {
            spec: spec.to_string(),
            commit: Some(commit.id().to_string()),
            subject: commit.summary().ok().flatten().map(str::to_string),
            worktree: false,
            tree: Some(commit.tree_id()),
        })
    }

    fn source<'r>(&'r self, rev: &'r Revision) -> Result<Source<'r>, GitError> {
        match rev.tree {
            None => Ok(Source::Disk(self.workdir.clone().ok_or(
                GitError::BareWorktree {
                    repo: self.root_display(),
                },
            )?)),
            Some(oid) => {
                let tree = self
                    .repo
                    .find_tree(oid)
                    .map_err(|_| GitError::MissingObject {
                        rev: rev.spec.clone(),
                        path: String::new(),
                    })?;
                Ok(Source::Tree {
                    repo: &self.repo,
                    tree,
                    rev: &rev.spec,
                })
            }
        }
    }

    /// Reads a file of the repository at `rev` (repository-relative path).
    pub fn read_file(&self, rev: &Revision, rel: &str) -> Result<Option<Vec<u8>>, GitError> {
        self.source(rev)?.read(rel)
    }

    /// Makes `path` (as given on the command line) repository-relative when
    /// it lies inside the working tree.
    pub fn repo_relative(&self, path: &Path) -> Option<String> {
        let w = self.workdir.as_ref()?;
        let cwd = std::env::current_dir().ok()?;
        let abs = lexical_normalize(&cwd.join(path));
        let real = match abs.parent().and_then(|p| fs::canonicalize(p).ok()) {
            Some(parent) => parent.join(abs.file_name()?),
            None => abs,
        };
        real.strip_prefix(w).ok().map(to_slash)
    }

    /// The chart at `rev`, with its in-repository `file://` dependencies.
    pub fn snapshot(&self, rev: &Revision) -> Result<ChartSnapshot, GitError> {
        let source = self.source(rev)?;
        if source.read(&join_rel(&self.chart, "Chart.yaml"))?.is_none() {
            return Err(GitError::NotAChart {
                rev: rev.spec.clone(),
                path: if self.chart.is_empty() {
                    ".".to_string()
                } else {
                    self.chart.clone()
                },
            });
        }
        let mut files = Vec::new();
        source.collect(&self.chart, "", &mut files)?;
        vendor_file_dependencies(&source, &self.chart, "", &mut files, 0)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        // Blob ids are content hashes: the fingerprint needs no blob read,
        // and a working-tree file hashes to the id of the same committed
        // content (so an unedited WORKTREE shares HEAD's renders).
        let mut hasher = Sha256::new();
        hasher.update(b"ids-v1");
        for f in &files {
            hasher.update(f.path.as_bytes());
            hasher.update([0, f.executable as u8]);
            hasher.update(f.oid.map(|o| o.as_bytes().to_vec()).unwrap_or_default());
        }
        Ok(ChartSnapshot {
            fingerprint: format!("{:x}", hasher.finalize()),
            files,
            objects: rev.tree.map(|_| ObjectReader {
                git_dir: self.repo.path().to_path_buf(),
                rev: rev.spec.clone(),
                repo: Mutex::new(None),
            }),
        })
    }
}

/// Reads blobs for a snapshot on first use, through its own repository
/// handle (libgit2 handles are not shared across threads).
struct ObjectReader {
    git_dir: PathBuf,
    rev: String,
    repo: Mutex<Option<git2::Repository>>,
}

impl ObjectReader {
    fn read(&self, f: &ChartFile) -> Result<Vec<u8>, GitError> {
        let missing = || GitError::MissingObject {
            rev: self.rev.clone(),
            path: f.path.clone(),
        };
        let oid = f.oid.ok_or_else(missing)?;
        let mut repo = self.repo.lock().map_err(|_| missing())?;
        if repo.is_none() {
            *repo = Some(git2::Repository::open(&self.git_dir).map_err(|_| missing())?);
        }
        let repo = repo.as_ref().expect("opened above");
        let blob = repo.find_blob(oid).map_err(|_| missing())?;
        Ok(blob.content().to_vec())
    }
}

/// One file of a chart snapshot, relative to the chart's root. Its content
/// is read from Git on first use: a warm plan reads only tree objects.
pub struct ChartFile {
    pub path: String,
    pub executable: bool,
    /// The Git blob id of the content; `None` for files known by another
    /// digest (fetched dependency archives).
    pub oid: Option<git2::Oid>,
    content: OnceLock<Vec<u8>>,
}

impl ChartFile {
    /// A file whose content is at hand.
    pub fn new(path: String, content: Vec<u8>, executable: bool) -> Self {
        Self {
            path,
            executable,
            oid: None,
            content: OnceLock::from(content),
        }
    }

    fn in_git(path: String, oid: git2::Oid, executable: bool) -> Self {
        Self {
            path,
            executable,
            oid: Some(oid),
            content: OnceLock::new(),
        }
    }

    /// A file read from disk, with the blob id Git would give it.
    fn on_disk(path: String, content: Vec<u8>, executable: bool) -> Self {
        let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &content).ok();
        Self {
            path,
            executable,
            oid,
            content: OnceLock::from(content),
        }
    }
}

pub struct ChartSnapshot {
    /// Hash of every file's path, mode and content id: equal content,
    /// equal render.
    pub fingerprint: String,
    pub files: Vec<ChartFile>,
    objects: Option<ObjectReader>,
}

impl ChartSnapshot {
    #[cfg(test)]
    pub fn from_files(files: Vec<ChartFile>) -> Self {
        Self {
            fingerprint: String::new(),
            files,
            objects: None,
        }
    }

    /// A file's content, read from Git the first time it is asked for.
    pub fn content<'s>(&'s self, f: &'s ChartFile) -> Result<&'s [u8], GitError> {
        if let Some(c) = f.content.get() {
            return Ok(c);
        }
        let bytes = match &self.objects {
            Some(reader) => reader.read(f)?,
            None => Vec::new(),
        };
        Ok(f.content.get_or_init(|| bytes))
    }

    /// The content of the file at `path`, if the chart has it and it can
    /// be read.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        let f = self.files.iter().find(|f| f.path == path)?;
        self.content(f).ok()
    }

    /// Reads every file's content (before the chart is written for Helm):
    /// a missing object fails here, with the file it belongs to.
    pub fn load(&self) -> Result<(), GitError> {
        for f in &self.files {
            self.content(f)?;
        }
        Ok(())
    }

    /// Writes the chart into `dest` for Helm to load.
    pub fn write_to(&self, dest: &Path) -> std::io::Result<()> {
        for f in &self.files {
            let target = dest.join(&f.path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&target, self.content(f).map_err(std::io::Error::other)?)?;
        }
        Ok(())
    }

    /// Whether any file mentions what distinguishes an install render from
    /// an upgrade render (`.Release.IsInstall` / `.Release.IsUpgrade`),
    /// inside archived subcharts (`charts/*.tgz`) too.
    pub fn branches_on_operation(&self) -> Result<bool, GitError> {
        for f in &self.files {
            let content = self.content(f)?;
            if mentions_operation(content)
                || (f.path.ends_with(".tgz")
                    && super::archive::any_file(content, &mentions_operation))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds files whose content is known by digest (fetched dependency
    /// archives): the fingerprint folds in their digests, not their bytes.
    pub fn extend(&mut self, files: Vec<(ChartFile, String)>) {
        if files.is_empty() {
            return;
        }
        let mut hasher = Sha256::new();
        hasher.update(self.fingerprint.as_bytes());
        for (f, digest) in files {
            hasher.update([0]);
            hasher.update(f.path.as_bytes());
            hasher.update([0]);
            hasher.update(digest.as_bytes());
            self.files.push(f);
        }
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.fingerprint = format!("{:x}", hasher.finalize());
    }
}

/// Text that makes install and upgrade renders differ.
pub fn mentions_operation(content: &[u8]) -> bool {
    // Runs over every byte of the chart on every plan: a real substring
    // search, not a window-by-window compare.
    memchr::memmem::find(content, b"IsUpgrade").is_some()
        || memchr::memmem::find(content, b"IsInstall").is_some()
}

enum Source<'r> {
    Tree {
        repo: &'r git2::Repository,
        tree: git2::Tree<'r>,
        rev: &'r str,
    },
    Disk(PathBuf),
}

impl Source<'_> {
    fn rev(&self) -> &str {
        match self {
            Source::Tree { rev, .. } => rev,
            Source::Disk(_) => WORKTREE,
        }
    }

    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, GitError> {
        match self {
            Source::Disk(root) => match fs::read(root.join(rel)) {
                Ok(b) => Ok(Some(b)),
                Err(_) => Ok(None),
            },
            Source::Tree { repo, tree, rev } => {
                let Ok(entry) = tree.get_path(Path::new(rel)) else {
                    return Ok(None);
                };
                if entry.kind() != Some(git2::ObjectType::Blob) {
                    return Ok(None);
                }
                let blob = repo
                    .find_blob(entry.id())
                    .map_err(|_| GitError::MissingObject {
                        rev: rev.to_string(),
                        path: rel.to_string(),
                    })?;
                Ok(Some(blob.content().to_vec()))
            }
        }
    }

    fn is_dir(&self, rel: &str) -> bool {
        match self {
            Source::Disk(root) => root.join(rel).is_dir(),
            Source::Tree { tree, .. } => tree
                .get_path(Path::new(rel))
                .map(|e| e.kind() == Some(git2::ObjectType::Tree))
                .unwrap_or(rel.is_empty()),
        }
    }

    /// Collects every file under `dir` (repository-relative) into `out`,
    /// with paths prefixed by `prefix` (chart-relative destination).
    fn collect(&self, dir: &str, prefix: &str, out: &mut Vec<ChartFile>) -> Result<(), GitError> {
        let err = |message: String| GitError::Read {
            rev: self.rev().to_string(),
            path: dir.to_string(),
            message,
        };
        match self {
            Source::Disk(root) => {
                let mut stack = vec![(root.join(dir), prefix.to_string())];
                while let Some((abs, pre)) = stack.pop() {
                    for entry in fs::read_dir(&abs).map_err(|e| err(e.to_string()))? {
                        let entry = entry.map_err(|e| err(e.to_string()))?;
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if name == ".git" {
                            continue;
                        }
                        let dest = if pre.is_empty() {
                            name.clone()
                        } else {
                            format!("{pre}/{name}")
                        };
                        let meta = fs::metadata(entry.path()).map_err(|e| err(e.to_string()))?;
                        if meta.is_dir() {
                            stack.push((entry.path(), dest));
                        } else {
                            use std::os::unix::fs::PermissionsExt;
                            out.push(ChartFile::on_disk(
                                dest,
                                fs::read(entry.path()).map_err(|e| err(e.to_string()))?,
                                meta.permissions().mode() & 0o111 != 0,
                            ));
                        }
                    }
                }
                Ok(())
            }
            Source::Tree { repo, tree, rev } => {
                let sub = if dir.is_empty() {
                    tree.clone()
                } else {
                    let entry = tree
                        .get_path(Path::new(dir))
                        .map_err(|e| err(e.message().to_string()))?;
                    repo.find_tree(entry.id())
                        .map_err(|_| GitError::MissingObject {
                            rev: rev.to_string(),
                            path: dir.to_string(),
                        })?
                };
                // Ids only: blobs are read when their content is needed.
                let _ = (repo, rev);
                sub.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
                    if entry.kind() != Some(git2::ObjectType::Blob) {
                        return git2::TreeWalkResult::Ok;
                    }
                    let name = entry.name().unwrap_or_default();
                    let rel = format!("{parent}{name}");
                    out.push(ChartFile::in_git(
                        if prefix.is_empty() {
                            rel
                        } else {
                            format!("{prefix}/{rel}")
                        },
                        entry.id(),
                        entry.filemode() == 0o100755,
                    ));
                    git2::TreeWalkResult::Ok
                })
                .ok();
                Ok(())
            }
        }
    }
}

/// What a completion candidate for a revision is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionKind {
    Branch,
    RemoteBranch,
    Tag,
    Commit,
}

/// A name Git resolves, offered by shell completion.
#[derive(Debug, Clone)]
pub struct RevisionName {
    pub name: String,
    pub kind: RevisionKind,
    /// The subject line, for commits only.
    pub subject: Option<String>,
}

impl ChartRepo {
    /// Branches, remote branches and tags (names only: no object is read,
    /// so thousands of refs stay fast), then the `recent` newest commits
    /// from HEAD as short shas with their subjects.
    pub fn revision_names(&self, recent: usize) -> Vec<RevisionName> {
        let mut out = Vec::new();
        for name in self.ref_names() {
            let name = name.as_str();
            let (kind, short) = if let Some(s) = name.strip_prefix("refs/heads/") {
                (RevisionKind::Branch, s)
            } else if let Some(s) = name.strip_prefix("refs/tags/") {
                (RevisionKind::Tag, s)
            } else if let Some(s) = name.strip_prefix("refs/remotes/") {
                // origin/HEAD only repeats what it points at.
                if s.ends_with("/HEAD") {
                    continue;
                }
                (RevisionKind::RemoteBranch, s)
            } else {
                continue;
            };
            out.push(RevisionName {
                name: short.to_string(),
                kind,
                subject: None,
            });
        }
        for commit in self.newest_commits(recent) {
            let short = commit
                .as_object()
                .short_id()
                .ok()
                .and_then(|b| b.as_str().ok().map(str::to_string))
                .unwrap_or_else(|| commit.id().to_string()[..12].to_string());
            out.push(RevisionName {
                name: short,
                kind: RevisionKind::Commit,
                subject: commit.summary().ok().flatten().map(str::to_string),
            });
        }
        out
    }

    /// Names of branches, remote branches and tags: `packed-refs` plus the
    /// loose ref files' names. libgit2's iterator opens every loose ref,
    /// which costs ~100 ms for 5,000 of them; a name needs no content.
    fn ref_names(&self) -> std::collections::BTreeSet<String> {
        let common = self.repo.commondir();
        let mut names = std::collections::BTreeSet::new();
        // reftable (Git 2.45+) keeps no ref files: ask libgit2.
        if common.join("reftable").is_dir() {
            if let Ok(mut refs) = self.repo.references() {
                names.extend(refs.names().flatten().map(str::to_string));
            }
            return names;
        }
        if let Ok(text) = fs::read_to_string(common.join("packed-refs")) {
            for line in text.lines().filter(|l| !l.starts_with(['#', '^'])) {
                if let Some((_, name)) = line.split_once(' ') {
                    names.insert(name.to_string());
                }
            }
        }
        let mut stack: Vec<(PathBuf, String)> = ["refs/heads", "refs/tags", "refs/remotes"]
            .iter()
            .map(|r| (common.join(r), r.to_string()))
            .collect();
        while let Some((dir, prefix)) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                let name = format!("{prefix}/{file}");
                match entry.file_type() {
                    Ok(t) if t.is_dir() => stack.push((entry.path(), name)),
                    Ok(_) if !file.ends_with(".lock") => {
                        names.insert(name);
                    }
                    _ => {}
                }
            }
        }
        names
    }

    /// The `n` newest commits reachable from HEAD, newest first. By hand
    /// because a sorted libgit2 revwalk reads the whole history first; this
    /// reads about `n` commits.
    fn newest_commits(&self, n: usize) -> Vec<git2::Commit<'_>> {
        use std::collections::{BinaryHeap, HashSet};
        let mut out = Vec::new();
        let Ok(head) = self.repo.head().and_then(|h| h.peel_to_commit()) else {
            return out;
        };
        let mut seen = HashSet::from([head.id()]);
        let mut queue = BinaryHeap::from([(head.time().seconds(), head.id())]);
        while out.len() < n
            && let Some((_, oid)) = queue.pop()
        {
            let Ok(commit) = self.repo.find_commit(oid) else {
                continue;
            };
            for parent in commit.parents() {
                if seen.insert(parent.id()) {
                    queue.push((parent.time().seconds(), parent.id()));
                }
            }
            out.push(commit);
        }
        out
    }

    /// Files in the index (tracked), repository-relative and `/`-separated.
    pub fn tracked_files(&self) -> Vec<String> {
        let Ok(index) = self.repo.index() else {
            return Vec::new();
        };
        index
            .iter()
            .filter_map(|e| String::from_utf8(e.path).ok())
            .collect()
    }
}

/// Copies `file://` dependencies that live in the repository into the
/// snapshot's `charts/`, as `helm dependency build` would, unless `charts/`
/// already holds them.
fn vendor_file_dependencies(
    source: &Source<'_>,
    chart_dir: &str,
    prefix: &str,
    files: &mut Vec<ChartFile>,
    depth: usize,
) -> Result<(), GitError> {
    if depth > 8 {
        return Ok(());
    }
    // A Chart.yaml that does not parse is Helm's to report.
    let deps = match source.read(&join_rel(chart_dir, "Chart.yaml"))? {
        Some(bytes) => {
            ChartMeta::parse(&bytes)
                .unwrap_or_default()
                .with_requirements(
                    source
                        .read(&join_rel(chart_dir, "requirements.yaml"))?
                        .as_deref(),
                )
                .dependencies
        }
        None => Vec::new(),
    };
    let charts_prefix = if prefix.is_empty() {
        "charts".to_string()
    } else {
        format!("{prefix}/charts")
    };
    for dep in deps {
        let Some(rel) = dep.repository.strip_prefix("file://") else {
            continue;
        };
        let present = files.iter().any(|f| {
            f.path
                .strip_prefix(&format!("{charts_prefix}/"))
                .is_some_and(|rest| {
                    rest.starts_with(&format!("{}/", dep.name))
                        || (rest.starts_with(&format!("{}-", dep.name)) && rest.ends_with(".tgz"))
                })
        });
        let dep_dir = join_rel(chart_dir, rel);
        if present
            || !source.is_dir(&dep_dir)
            || source.read(&join_rel(&dep_dir, "Chart.yaml"))?.is_none()
        {
            continue;
        }
        let dest = format!("{charts_prefix}/{}", dep.name);
        source.collect(&dep_dir, &dest, files)?;
        vendor_file_dependencies(source, &dep_dir, &dest, files, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths_lexically() {
        assert_eq!(join_rel("charts/app", "../lib"), "charts/lib");
        assert_eq!(join_rel("", "Chart.yaml"), "Chart.yaml");
        assert_eq!(join_rel("a/b", "./c"), "a/b/c");
    }

    #[test]
    fn detects_operation_branching() {
        assert!(mentions_operation(b"{{ if .Release.IsUpgrade }}"));
        assert!(!mentions_operation(b"{{ .Release.Name }}"));
    }
}
