//! One revision rendered by Helm and parsed: the one type plan, lint and
//! apply share for "the chart at REV".

use crate::adapters::cache::Cache;
use crate::adapters::git::ChartRepo;
use crate::adapters::render::SideRender;
use crate::core::chart::ChartMeta;
use crate::core::hook::{
    PARSE_CACHE_VERSION, ParseError, Rendered, Warning, parse_documents, parse_rendered,
    split_documents, unknown_events,
};
use crate::core::model::{Operation, Revision};
use crate::core::plan::SideRenders;
use anyhow::Context;

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
        let parse = |text: &str| {
            cached_parse(text, cache)
                .with_context(|| format!("reading Helm's output for {}", rev.spec))
        };
        let install_parsed = side.install.as_deref().map(parse).transpose()?;
        let upgrade = match (&side.install, &side.upgrade) {
            (Some(a), Some(b)) if a == b => None,
            (_, Some(b)) => Some(parse(b)?),
            _ => None,
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

    /// The render Helm uses for `op`.
    pub fn for_operation(&self, op: Operation) -> &Rendered {
        match op.needs_upgrade_render() {
            true => self.upgrade(),
            false => &self.install,
        }
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

/// A render's parse, from the cache when it holds one for this very text
/// (`core::hook`'s round-trip test shows a parse reads back equal).
/// A render big enough to be worth a second thread is parsed in two
/// halves side by side: its side's render often ends last, when the other
/// core is free. Below this, a thread costs more than it saves.
const PARALLEL_PARSE_BYTES: usize = 256 * 1024;

fn parse_in_halves(text: &str) -> Result<Rendered, ParseError> {
    let docs = split_documents(text);
    if text.len() < PARALLEL_PARSE_BYTES || docs.len() < 2 {
        return parse_documents(&docs);
    }
    // Halves by bytes, not by count: hooks are the costly documents.
    let mut seen = 0;
    let middle = docs
        .iter()
        .position(|d| {
            seen += d.text.len();
            seen >= text.len() / 2
        })
        .map_or(docs.len() / 2, |i| i + 1)
        .min(docs.len() - 1);
    let (first, second) = docs.split_at(middle);
    let (head, tail) = std::thread::scope(|s| {
        let tail = s.spawn(|| parse_documents(second));
        (
            parse_documents(first),
            tail.join().expect("parse thread panicked"),
        )
    });
    // The first half's error is the one a single pass meets first.
    let mut parsed = head?;
    parsed.append(tail?);
    Ok(parsed)
}

fn cached_parse(text: &str, cache: Option<&Cache>) -> Result<Rendered, ParseError> {
    let Some(cache) = cache else {
        return parse_in_halves(text);
    };
    const BUCKET: &str = "parsed";
    let key = Cache::key(&[PARSE_CACHE_VERSION.as_bytes(), text.as_bytes()]);
    if let Some(parsed) = cache
        .get(BUCKET, &key)
        .and_then(|b| Rendered::from_cache(&b))
    {
        return Ok(parsed);
    }
    let parsed = parse_in_halves(text)?;
    // JSON has no NaN or infinity: a float YAML spells `.nan`/`.inf` would
    // not read back as it was, so such a render is not kept.
    // Found without a lower-cased copy of the whole render.
    let non_finite = text.as_bytes().windows(4).any(|w| {
        w[0] == b'.' && (w[1..].eq_ignore_ascii_case(b"nan") || w[1..].eq_ignore_ascii_case(b"inf"))
    });
    if !non_finite && let Some(bytes) = parsed.to_cache() {
        cache.put(BUCKET, &key, &bytes);
    }
    Ok(parsed)
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

    #[test]
    fn a_render_parsed_in_halves_equals_one_pass() {
        let text = stream(1200, &[]);
        assert!(
            text.len() > PARALLEL_PARSE_BYTES,
            "the test must take the two-thread path"
        );
        let halves = parse_in_halves(&text).unwrap();
        assert_eq!(halves, parse_rendered(&text).unwrap());
        assert_eq!(halves.hooks.len(), 400);
        assert!(
            !halves.warnings.is_empty(),
            "weights read as zero are warned, in order"
        );
    }

    #[test]
    fn the_first_broken_document_is_the_error_of_both_halves() {
        let text = stream(1200, &[1100, 100]);
        let e = parse_in_halves(&text).unwrap_err();
        assert_eq!(e.path, "app/templates/t100.yaml");
        assert_eq!(
            e.to_string(),
            parse_rendered(&text).unwrap_err().to_string()
        );
        let only_late = stream(1200, &[1100]);
        assert_eq!(
            parse_in_halves(&only_late).unwrap_err().path,
            "app/templates/t1100.yaml"
        );
    }
}
