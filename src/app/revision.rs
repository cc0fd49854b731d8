//! One revision rendered by Helm and parsed: the one type plan, lint and
//! apply share for "the chart at REV".

use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::render::{PARALLEL_RENDER_BYTES, SideRender};
use crate::core::chart::ChartMeta;
use crate::core::hook::{
    DocumentParse, HOOK_ANNOTATION, PARSE_CACHE_VERSION, ParseError, RawDocument, Rendered,
    Warning, parse_document, parse_documents_with, parse_rendered, split_documents, unknown_events,
};
use crate::core::model::{Operation, Revision};
use crate::core::plan::SideRenders;
use anyhow::Context;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

#[derive(Debug, Clone)]
pub struct RenderedRevision {
    pub rev: Revision,
    pub install: Rendered,
    /// Only when it differs from install (templates that branch on
    /// `.Release.IsInstall`/`IsUpgrade`).
    upgrade: Option<Rendered>,
    /// Helm's own text of each render, for what it names (Secret values).
    install_text: String,
    upgrade_text: Option<String>,
    /// Helm's stderr notices while rendering.
    pub notices: Vec<String>,
    /// How many `helm template` processes ran (0: all from the cache).
    pub helm_runs: usize,
    /// The chart calls a function whose output differs per render.
    pub may_vary: bool,
}

impl RenderedRevision {
    /// Parses a side's renders (a shared render once) and adds the
    /// documents Helm dropped, which it names only on stderr, as warnings.
    /// `cache`: where parses are kept by their text's digest; `None` when
    /// the text may hold Secret values (`--show-secrets`).
    pub fn parse(
        repo: &ChartRepo,
        rev: Revision,
        side: SideRender,
        cache: Option<&Cache>,
    ) -> anyhow::Result<Self> {
        let parsed = parse_renders(&texts_of(&side), cache, &HookParses::new());
        Self::assemble(repo, rev, side, parsed)
    }

    /// [`Self::parse`] of both sides of a plan at once: the hooks they
    /// share are parsed once; those in `early` (parsed as each render
    /// came in, see [`parse_side_hooks`]) are not parsed again.
    pub fn parse_both(
        (from_repo, from_rev, from_side): (&ChartRepo, Revision, SideRender),
        (to_repo, to_rev, to_side): (&ChartRepo, Revision, SideRender),
        cache: Option<&Cache>,
        early: &HookParses,
    ) -> anyhow::Result<(Self, Self)> {
        let from_texts = texts_of(&from_side);
        let split = from_texts.len();
        let mut texts = from_texts;
        texts.extend(texts_of(&to_side));
        let mut parsed = parse_renders(&texts, cache, early);
        let to_parsed = parsed.split_off(split);
        let from = Self::assemble(from_repo, from_rev, from_side, parsed)?;
        let to = Self::assemble(to_repo, to_rev, to_side, to_parsed)?;
        Ok((from, to))
    }

    /// A side from the parses of [`texts_of`] it, in that order; adds the
    /// documents Helm dropped, which it names only on stderr, as warnings.
    fn assemble(
        repo: &ChartRepo,
        rev: Revision,
        side: SideRender,
        parsed: Vec<Result<Rendered, ParseError>>,
    ) -> anyhow::Result<Self> {
        let mut parsed = parsed
            .into_iter()
            .map(|p| p.with_context(|| format!("reading Helm's output for {}", rev.spec)));
        let install_parsed = match side.install {
            Some(_) => parsed.next().transpose()?,
            None => None,
        };
        let upgrade = match parsed.next() {
            Some(p) => Some(p?),
            None => None,
        };
        let mut install = install_parsed
            .or_else(|| upgrade.clone())
            .unwrap_or_default();
        let name = chart_name(repo, &rev)?;
        for d in &side.dropped {
            let helm_path = |f: &String| format!("{name}/{f}");
            install.warnings.push(Warning::DroppedDocument {
                path: d.files.iter().map(helm_path).collect(),
                held_in: d.held_in.iter().map(helm_path).collect(),
                value: d.value.clone(),
                unknown: unknown_events(&d.value),
                hook: d.hook.clone(),
            });
        }
        if !side.lookups.is_empty() {
            install.warnings.push(Warning::LookupOffline {
                path: side.lookups.iter().map(|f| format!("{name}/{f}")).collect(),
            });
        }
        let upgrade_text = match (&side.install, side.upgrade) {
            (Some(a), Some(b)) if *a == b => None,
            (_, b) => b,
        };
        Ok(Self {
            rev,
            install,
            upgrade,
            install_text: side.install.unwrap_or_default(),
            upgrade_text,
            notices: side.notices,
            helm_runs: side.helm_runs,
            may_vary: side.may_vary,
        })
    }

    /// A revision with no hooks: what an install compares against.
    pub fn empty(rev: Revision) -> Self {
        Self {
            rev,
            install: Rendered::default(),
            upgrade: None,
            install_text: String::new(),
            upgrade_text: None,
            notices: Vec::new(),
            helm_runs: 0,
            may_vary: false,
        }
    }

    /// A revision from hooks Helm stored (`helm get hooks`, `helm status`).
    pub fn stored(rev: Revision, hooks_text: &str) -> anyhow::Result<Self> {
        Ok(Self {
            install: parse_rendered(hooks_text)?,
            install_text: hooks_text.to_string(),
            ..Self::empty(rev)
        })
    }

    /// Install and upgrade renders to change in place; the upgrade one is
    /// split off the install one first when they are the same render.
    pub fn split_mut(&mut self) -> (&mut Rendered, &mut Rendered) {
        let upgrade = self.upgrade.get_or_insert_with(|| self.install.clone());
        (&mut self.install, upgrade)
    }

    pub fn upgrade(&self) -> &Rendered {
        self.upgrade.as_ref().unwrap_or(&self.install)
    }

    /// Helm's text of the render for `op`.
    pub fn text_for(&self, op: Operation) -> &str {
        match (op.needs_upgrade_render(), &self.upgrade_text) {
            (true, Some(t)) => t,
            _ => &self.install_text,
        }
    }

    /// The core's view of both renders.
    pub fn renders(&self) -> SideRenders<'_> {
        SideRenders {
            install: &self.install,
            upgrade: self.upgrade(),
        }
    }
}

/// The chart's name as Helm prefixes template paths with it.
fn chart_name(repo: &ChartRepo, rev: &Revision) -> anyhow::Result<String> {
    let path = match repo.chart_path() {
        "" => "Chart.yaml".to_string(),
        dir => format!("{dir}/Chart.yaml"),
    };
    let bytes = repo.read_file(rev, &path)?.unwrap_or_default();
    let meta =
        ChartMeta::parse(&bytes).with_context(|| format!("reading {path} at {}", rev.spec))?;
    Ok(meta.name)
}

/// A side's render texts: install, then upgrade when it differs.
fn texts_of(side: &SideRender) -> Vec<&str> {
    let mut texts: Vec<&str> = side.install.as_deref().into_iter().collect();
    match (&side.install, &side.upgrade) {
        (Some(a), Some(b)) if a == b => {}
        (_, Some(b)) => texts.push(b),
        _ => {}
    }
    texts
}

/// Hook documents parsed, by their text.
pub type HookParses = HashMap<String, Result<DocumentParse, ParseError>>;

/// Adds to `early` the hook documents of a side Helm just rendered,
/// parsed in its render thread as soon as its render is there: the two
/// sides' renders seldom end together, so one side's hooks are parsed
/// while the other's Helm still runs, and the later side parses only the
/// hooks the earlier one did not have (the lock is held while parsing,
/// so that a shared hook is never parsed twice). Nothing when the side
/// came from the cache (its parse is cached with it).
pub fn parse_side_hooks(side: &SideRender, early: &Mutex<HookParses>) {
    if side.helm_runs == 0 {
        return;
    }
    let docs: Vec<Vec<RawDocument<'_>>> = texts_of(side).into_iter().map(split_documents).collect();
    let mut early = early.lock().unwrap_or_else(PoisonError::into_inner);
    let fresh = parse_hooks_once(&docs, &early);
    early.extend(
        fresh
            .into_iter()
            .map(|(text, parsed)| (text.to_string(), parsed)),
    );
}

/// Hook documents enough to be parsed in two halves side by side.
const PARALLEL_HOOK_BYTES: usize = 64 * 1024;

const PARSE_BUCKET: &str = "parsed";

fn parse_key(text: &str) -> String {
    Cache::key(&[PARSE_CACHE_VERSION.as_bytes(), text.as_bytes()])
}

/// The parses of several renders (both sides of a plan), each from the
/// cache when it holds one for that very text (`core::hook`'s round-trip
/// test shows a parse reads back equal). A hook document found in several
/// renders (most hooks, between two revisions) is parsed once; each
/// render's result, and its first error, are those of parsing it alone.
fn parse_renders(
    texts: &[&str],
    cache: Option<&Cache>,
    early: &HookParses,
) -> Vec<Result<Rendered, ParseError>> {
    // Each key hashes a whole render: computed once, for the read and the
    // write.
    let keys: Vec<Option<String>> = texts.iter().map(|t| cache.map(|_| parse_key(t))).collect();
    let cached: Vec<Option<Rendered>> = keys
        .iter()
        .map(|key| Rendered::from_cache(&cache?.get(PARSE_BUCKET, key.as_ref()?)?))
        .collect();
    let docs: Vec<Vec<RawDocument<'_>>> = texts
        .iter()
        .zip(&cached)
        .map(|(t, c)| match c {
            Some(_) => Vec::new(),
            None => split_documents(t),
        })
        .collect();
    let memo = parse_hooks_once(&docs, early);
    let finish = |text: &str, key: &Option<String>, docs: &[RawDocument<'_>]| {
        let parsed = parse_documents_with(docs, |d| match memo.get(d.text) {
            Some(known) => known.clone(),
            None => match early.get(d.text) {
                Some(known) => known.clone(),
                None => parse_document(d),
            },
        });
        if let (Some(cache), Some(key), Ok(parsed)) = (cache, key, &parsed) {
            keep_parse(cache, key, text, parsed);
        }
        parsed
    };
    // Each fresh render assembled and kept on its own thread when big.
    std::thread::scope(|s| {
        let jobs: Vec<_> = texts
            .iter()
            .zip(&keys)
            .zip(&docs)
            .zip(cached)
            .map(|(((text, key), docs), cached)| match cached {
                Some(parsed) => Job::Done(Ok(parsed)),
                None if text.len() < PARALLEL_RENDER_BYTES => Job::Done(finish(text, key, docs)),
                None => Job::Running(s.spawn(|| finish(text, key, docs))),
            })
            .collect();
        jobs.into_iter()
            .map(|job| match job {
                Job::Done(parsed) => parsed,
                Job::Running(h) => h.join().expect("parse thread panicked"),
            })
            .collect()
    })
}

enum Job<'s, T> {
    Done(T),
    Running(std::thread::ScopedJoinHandle<'s, T>),
}

/// Every distinct hook document of the renders not in `early`, parsed
/// once: in two threads when there is enough of them.
fn parse_hooks_once<'t>(
    renders: &[Vec<RawDocument<'t>>],
    early: &HookParses,
) -> HashMap<&'t str, Result<DocumentParse, ParseError>> {
    let mut seen = HashSet::new();
    let hooks: Vec<&RawDocument<'t>> = renders
        .iter()
        .flatten()
        .filter(|d| {
            d.text.contains(HOOK_ANNOTATION) && !early.contains_key(d.text) && seen.insert(d.text)
        })
        .collect();
    let parse = |docs: &[&RawDocument<'t>]| -> Vec<(&'t str, Result<DocumentParse, ParseError>)> {
        docs.iter().map(|d| (d.text, parse_document(d))).collect()
    };
    let bytes: usize = hooks.iter().map(|d| d.text.len()).sum();
    if bytes < PARALLEL_HOOK_BYTES {
        return parse(&hooks).into_iter().collect();
    }
    let (first, second) = hooks.split_at(hooks.len() / 2);
    let (mut head, tail) = std::thread::scope(|s| {
        let tail = s.spawn(|| parse(second));
        (parse(first), tail.join().expect("parse thread panicked"))
    });
    head.extend(tail);
    head.into_iter().collect()
}

/// A fresh parse into the cache, under its render's `key`.
fn keep_parse(cache: &Cache, key: &str, text: &str, parsed: &Rendered) {
    // JSON has no NaN or infinity: a float YAML spells `.nan`/`.inf` would
    // not read back as it was, so such a render is not kept.
    // Found without a lower-cased copy of the whole render.
    let non_finite = text.as_bytes().windows(4).any(|w| {
        w[0] == b'.' && (w[1..].eq_ignore_ascii_case(b"nan") || w[1..].eq_ignore_ascii_case(b"inf"))
    });
    if !non_finite && let Some(bytes) = parsed.to_cache() {
        cache.put(PARSE_BUCKET, key, &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: usize, bad: &[usize]) -> String {
        let mut s = String::new();
        for i in 0..n {
            let body = match i % 3 {
                0 => format!(
                    "kind: Job\nmetadata:\n  name: j{i}\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"{}\"\nspec:\n  x: \"{}\"\n",
                    if i % 7 == 0 {
                        "heavy".to_string()
                    } else {
                        (i % 5).to_string()
                    },
                    "y".repeat(300)
                ),
                1 => format!(
                    "kind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: \"{}\"\n",
                    "z".repeat(300)
                ),
                _ => format!("{{kind: Service, metadata: {{name: s{i}}}}}\n"),
            };
            let body = match bad.contains(&i) {
                true => format!(
                    "kind: Job\nmetadata:\n  name: [bad{i}\n  annotations: {{helm.sh/hook: test}}\n"
                ),
                false => body,
            };
            s.push_str(&format!("---\n# Source: app/templates/t{i}.yaml\n{body}"));
        }
        s
    }

    fn alone(text: &str) -> Result<Rendered, String> {
        parse_rendered(text).map_err(|e| e.to_string())
    }

    fn together(texts: &[&str]) -> Vec<Result<Rendered, String>> {
        parse_renders(texts, None, &HookParses::new())
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn renders_parsed_together_equal_each_parsed_alone() {
        let from = stream(2400, &[]);
        // The same documents but a few: most hooks are shared.
        let to = from.replace("name: j300\n", "name: j300b\n") + &stream(3, &[]);
        let hook_bytes: usize = split_documents(&from)
            .iter()
            .filter(|d| d.text.contains(HOOK_ANNOTATION))
            .map(|d| d.text.len())
            .sum();
        assert!(
            hook_bytes > PARALLEL_RENDER_BYTES,
            "the test must take the threaded paths"
        );
        let both = together(&[&from, &to]);
        assert_eq!(both, [alone(&from), alone(&to)]);
        let to_parse = both[1].as_ref().unwrap();
        assert!(to_parse.hooks.iter().any(|h| h.name == "j300b"));
        assert_eq!(to_parse.hooks.len(), 801);
        assert!(
            !to_parse.warnings.is_empty(),
            "weights read as zero are warned, in order"
        );
        // A small render takes the one-thread path, to the same result.
        let small = stream(30, &[]);
        assert_eq!(together(&[&small, &small]), [alone(&small), alone(&small)]);
    }

    #[test]
    fn each_render_fails_on_its_own_first_broken_document() {
        let late = stream(2400, &[2300]);
        let both = stream(2400, &[2300, 100]);
        let clean = stream(2400, &[]);
        let results = together(&[&late, &both, &clean]);
        assert_eq!(results, [alone(&late), alone(&both), alone(&clean)]);
        assert!(
            results[0]
                .as_ref()
                .unwrap_err()
                .contains("app/templates/t2300.yaml")
        );
        assert!(
            results[1]
                .as_ref()
                .unwrap_err()
                .contains("app/templates/t100.yaml")
        );
        assert!(results[2].is_ok());
    }
}
