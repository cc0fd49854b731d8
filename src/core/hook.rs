//! Reading `helm template` output into hooks, exactly as Helm's
//! `releaseutil.SortManifests` classifies documents.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
pub const OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookEvent {
    PreInstall,
    PostInstall,
    PreDelete,
    PostDelete,
    PreUpgrade,
    PostUpgrade,
    PreRollback,
    PostRollback,
    Test,
}

impl HookEvent {
    pub const ALL: [HookEvent; 9] = [
        HookEvent::PreInstall,
        HookEvent::PostInstall,
        HookEvent::PreDelete,
        HookEvent::PostDelete,
        HookEvent::PreUpgrade,
        HookEvent::PostUpgrade,
        HookEvent::PreRollback,
        HookEvent::PostRollback,
        HookEvent::Test,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }

    /// One already trimmed, lower-cased part of `helm.sh/hook`.
    /// `test-success` is Helm 2's name for `test` and still accepted.
    pub fn from_part(part: &str) -> Option<Self> {
        if part == "test-success" {
            return Some(HookEvent::Test);
        }
        Self::ALL.into_iter().find(|e| e.as_str() == part)
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Helm splits, trims and lower-cases list annotations.
fn split_annotation(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(',').map(|p| p.trim().to_lowercase())
}

/// The parts of a `helm.sh/hook` value Helm does not know (empty: a hook).
pub fn unknown_events(value: &str) -> Vec<String> {
    split_annotation(value)
        .filter(|p| HookEvent::from_part(p).is_none())
        .collect()
}

/// Go's `strconv.Atoi`: optional sign, ASCII digits, 64-bit range, nothing
/// else (no spaces, no `_`). Rust's `i64::from_str` accepts the same set.
pub fn go_atoi(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok()
}

/// A hook's identity across revisions: Helm's `kind` + `metadata.name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct HookId {
    pub kind: String,
    pub name: String,
}

impl fmt::Display for HookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hook {
    pub kind: String,
    pub name: String,
    /// Template path as Helm prints it in `# Source:` (starts with the chart name).
    pub path: String,
    /// `sub` for `parent/charts/sub/templates/...`; nested: `sub/charts/deeper`.
    pub subchart: Option<String>,
    pub events: Vec<HookEvent>,
    pub weight: i64,
    /// The annotation's raw text, when present.
    pub weight_raw: Option<String>,
    /// Delete policies as written (after Helm's trim + lower-case); empty
    /// means Helm will fill in `before-hook-creation` when it runs the hook.
    pub delete_policies: Vec<String>,
    pub output_log_policies: Vec<String>,
    /// The document as rendered (raw text).
    pub manifest: String,
    /// The document parsed, for structural comparison and redaction.
    #[serde(skip)]
    pub document: serde_json::Value,
}

impl Hook {
    pub fn id(&self) -> HookId {
        HookId {
            kind: self.kind.clone(),
            name: self.name.clone(),
        }
    }
}

/// An ordinary (non-hook) resource of the release manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: String,
    pub name: String,
    pub path: String,
}

/// Something Helm will do silently that the user should hear about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Warning {
    /// A document whose `helm.sh/hook` has an unknown event: Helm drops the
    /// whole document, it is neither hook nor manifest.
    #[serde(rename_all = "camelCase")]
    DroppedDocument {
        /// The templates that emitted it (Helm's `# Source:` form); empty
        /// when none could be told.
        path: Vec<String>,
        /// Chart files outside `templates/` that hold the dropped text,
        /// read in by the templates through `.Files.Get` or `tpl`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        held_in: Vec<String>,
        value: String,
        unknown: Vec<String>,
        /// The document as its source names it (`Job/migrate`).
        #[serde(skip_serializing_if = "Option::is_none")]
        hook: Option<String>,
    },
    /// Hooks with values that differ between two renders of the same input
    /// (`randAlphaNum`...): compared by their place in their template, with
    /// those values left out.
    #[serde(rename_all = "camelCase")]
    RandomPerRender { hooks: Vec<RandomHook> },
    /// `helm.sh/hook-weight` that Go's Atoi rejects: Helm uses 0.
    #[serde(rename_all = "camelCase")]
    WeightReadAsZero {
        path: String,
        hook: String,
        raw: String,
    },
    /// Hook templates that call `lookup`: offline (`helm template`) it
    /// returns nothing, so they render as if the cluster were empty.
    #[serde(rename_all = "camelCase")]
    LookupOffline { path: Vec<String> },
}

/// Which document of a template's source holds `value` (a dropped hook's
/// annotation), as written: `Kind/name` when both are literal, else
/// `document N of the template` (from 1). Helm drops the document, so its
/// source is all there is to name it by.
pub fn written_identity(source: &str, value: &str) -> Option<String> {
    let mut docs: Vec<Vec<&str>> = vec![Vec::new()];
    for line in source.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(Vec::new());
        } else if let Some(d) = docs.last_mut() {
            d.push(line);
        }
    }
    // Documents with only comments or template actions are not counted.
    let docs: Vec<&Vec<&str>> = docs
        .iter()
        .filter(|d| d.iter().any(|l| l.contains(':')))
        .collect();
    let (index, doc) = docs.iter().enumerate().find(|(_, d)| {
        d.iter()
            .any(|l| l.contains("helm.sh/hook") && l.contains(value))
    })?;
    let top = |key: &str| {
        doc.iter()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
    };
    // `name:` indented once, under `metadata:`.
    let name = doc
        .iter()
        .skip_while(|l| !l.starts_with("metadata:"))
        .skip(1)
        .take_while(|l| l.starts_with(' ') || l.trim().is_empty())
        .find_map(|l| {
            let t = l.trim_start();
            (l.len() - t.len() <= 4)
                .then(|| t.strip_prefix("name:"))
                .flatten()
        })
        .map(|v| v.trim().trim_matches(['"', '\'']).to_string());
    match (top("kind:"), name) {
        (Some(k), Some(n)) if !k.contains("{{") && !n.contains("{{") && !n.is_empty() => {
            Some(format!("{k}/{n}"))
        }
        _ => Some(format!("document {} of the template", index + 1)),
    }
}

/// Where in a template's source the `helm.sh/hook` annotations are (lines
/// from 1, for code-scanning UIs), with the names of its documents: read
/// once, since a template with many hooks is asked for each.
pub struct AnnotationIndex<'a> {
    /// (line number, line, document index) of each annotation line.
    hooks: Vec<(usize, &'a str, usize)>,
    /// Each document's `metadata.name`, as written.
    names: Vec<Option<String>>,
}

impl<'a> AnnotationIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut hooks = Vec::new();
        let mut doc_name: Option<String> = None;
        let mut in_metadata = false;
        let mut names: Vec<Option<String>> = Vec::new();
        for (i, line) in source.lines().enumerate() {
            if line.trim_end() == "---" || line.starts_with("--- ") {
                names.push(doc_name.take());
                in_metadata = false;
                continue;
            }
            if !line.starts_with(' ') && !line.trim().is_empty() {
                in_metadata = line.starts_with("metadata:");
            } else if in_metadata && doc_name.is_none() {
                let t = line.trim_start();
                if line.len() - t.len() <= 4
                    && let Some(v) = t.strip_prefix("name:")
                {
                    doc_name = Some(v.trim().trim_matches(['"', '\'']).to_string());
                }
            }
            let t = line.trim_start().trim_start_matches(['"', '\'']);
            if t.starts_with("helm.sh/hook") && !t.starts_with("helm.sh/hook-") {
                hooks.push((i + 1, line, names.len()));
            }
        }
        names.push(doc_name);
        Self { hooks, names }
    }

    /// The line of the annotation that made a hook: the document whose
    /// literal name is `name`, else the annotation holding `value` (a
    /// dropped document's), else the template's only hook document.
    pub fn line(&self, name: Option<&str>, value: Option<&str>) -> Option<usize> {
        if let Some(n) = name {
            let by_name = self
                .hooks
                .iter()
                .find(|(_, _, d)| self.names.get(*d).and_then(|x| x.as_deref()) == Some(n));
            if let Some((line, _, _)) = by_name {
                return Some(*line);
            }
        }
        if let Some(v) = value {
            return self
                .hooks
                .iter()
                .find(|(_, text, _)| text.contains(v))
                .map(|(l, _, _)| *l);
        }
        match self.hooks.as_slice() {
            [(line, _, _)] => Some(*line),
            _ => None,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::DroppedDocument {
                path,
                held_in,
                value,
                unknown,
                hook,
            } => {
                let mut at = match path.is_empty() {
                    true => "a template".to_string(),
                    false => path.join(", "),
                };
                if let Some(hook) = hook {
                    at = format!("{hook} in {at}");
                }
                if !held_in.is_empty() {
                    at.push_str(&format!(" (the text is in {})", held_in.join(", ")));
                }
                write!(
                    f,
                    "{at}: Helm silently drops this document: helm.sh/hook {value:?} has unknown event(s) {}; valid: {}, test-success",
                    unknown
                        .iter()
                        .map(|u| format!("{u:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    HookEvent::ALL.map(HookEvent::as_str).join(", ")
                )
            }
            Warning::RandomPerRender { hooks } => {
                let list: Vec<String> = hooks
                    .iter()
                    .map(|h| {
                        format!(
                            "{}/{} ({}) in {}",
                            h.kind,
                            h.name,
                            h.fields.join(", "),
                            h.path
                        )
                    })
                    .collect();
                let names = hooks.iter().any(|h| h.name_is_random());
                write!(
                    f,
                    "random per render (two renders of the same input differ, e.g. randAlphaNum): {}; these values are left out of the comparison and the hooks are matched by their place in their template{}",
                    list.join("; "),
                    if names {
                        "; a random name is new on every run, and so is Helm's order among hooks of equal weight"
                    } else {
                        ""
                    }
                )
            }
            Warning::LookupOffline { path } => write!(
                f,
                "{}: calls lookup, which returns nothing offline (helm template): these hooks are planned as if the cluster held nothing; `helm hooks apply RELEASE --dry-run` plans them as the cluster will render them",
                path.join(", ")
            ),
            Warning::WeightReadAsZero { path, hook, raw } => write!(
                f,
                "{path}: {hook} has helm.sh/hook-weight {raw:?}, which Helm reads as 0 (write a plain integer such as \"5\" or \"-5\")"
            ),
        }
    }
}

/// One `helm template` output, classified.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// Hooks in Helm's stored order (render order, then stable by kind).
    pub hooks: Vec<Hook>,
    pub resources: Vec<Resource>,
    pub warnings: Vec<Warning>,
}

/// A parse as a cache keeps it. JSON reads several times faster than the
/// YAML it came from, and a warm plan spends half its time parsing YAML.
/// Bump `PARSE_CACHE_VERSION` whenever the parse or these shapes change.
pub const PARSE_CACHE_VERSION: &str = "parsed-v1";

#[derive(Serialize, Deserialize)]
struct CachedParse {
    hooks: Vec<CachedHook>,
    resources: Vec<Resource>,
    warnings: Vec<CachedWarning>,
}

#[derive(Serialize, Deserialize)]
struct CachedHook {
    kind: String,
    name: String,
    path: String,
    subchart: Option<String>,
    events: Vec<HookEvent>,
    weight: i64,
    weight_raw: Option<String>,
    delete_policies: Vec<String>,
    output_log_policies: Vec<String>,
    manifest: String,
    document: serde_json::Value,
}

/// The warnings a parse can give (random values are found later).
#[derive(Serialize, Deserialize)]
enum CachedWarning {
    Dropped {
        path: Vec<String>,
        held_in: Vec<String>,
        value: String,
        unknown: Vec<String>,
        hook: Option<String>,
    },
    Weight {
        path: String,
        hook: String,
        raw: String,
    },
}

impl Rendered {
    /// The parse for the cache; `None` for one it cannot hold.
    pub fn to_cache(&self) -> Option<Vec<u8>> {
        let warnings = self
            .warnings
            .iter()
            .map(|w| match w.clone() {
                Warning::DroppedDocument {
                    path,
                    held_in,
                    value,
                    unknown,
                    hook,
                } => Some(CachedWarning::Dropped {
                    path,
                    held_in,
                    value,
                    unknown,
                    hook,
                }),
                Warning::WeightReadAsZero { path, hook, raw } => {
                    Some(CachedWarning::Weight { path, hook, raw })
                }
                Warning::RandomPerRender { .. } | Warning::LookupOffline { .. } => None,
            })
            .collect::<Option<Vec<_>>>()?;
        let hooks = self
            .hooks
            .iter()
            .map(|h| CachedHook {
                kind: h.kind.clone(),
                name: h.name.clone(),
                path: h.path.clone(),
                subchart: h.subchart.clone(),
                events: h.events.clone(),
                weight: h.weight,
                weight_raw: h.weight_raw.clone(),
                delete_policies: h.delete_policies.clone(),
                output_log_policies: h.output_log_policies.clone(),
                manifest: h.manifest.clone(),
                document: h.document.clone(),
            })
            .collect();
        serde_json::to_vec(&CachedParse {
            hooks,
            resources: self.resources.clone(),
            warnings,
        })
        .ok()
    }

    /// A parse the cache kept; `None` when it does not read as one.
    pub fn from_cache(bytes: &[u8]) -> Option<Self> {
        let c: CachedParse = serde_json::from_slice(bytes).ok()?;
        Some(Self {
            hooks: c
                .hooks
                .into_iter()
                .map(|h| Hook {
                    kind: h.kind,
                    name: h.name,
                    path: h.path,
                    subchart: h.subchart,
                    events: h.events,
                    weight: h.weight,
                    weight_raw: h.weight_raw,
                    delete_policies: h.delete_policies,
                    output_log_policies: h.output_log_policies,
                    manifest: h.manifest,
                    document: h.document,
                })
                .collect(),
            resources: c.resources,
            warnings: c
                .warnings
                .into_iter()
                .map(|w| match w {
                    CachedWarning::Dropped {
                        path,
                        held_in,
                        value,
                        unknown,
                        hook,
                    } => Warning::DroppedDocument {
                        path,
                        held_in,
                        value,
                        unknown,
                        hook,
                    },
                    CachedWarning::Weight { path, hook, raw } => {
                        Warning::WeightReadAsZero { path, hook, raw }
                    }
                })
                .collect(),
        })
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("YAML parse error in {path}: {message}")]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

/// A raw document with the template path from its `# Source:` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDocument<'a> {
    pub path: Option<&'a str>,
    pub text: &'a str,
}

/// Splits a `helm template` stream at `---` lines, keeping `# Source:` paths.
pub fn split_documents(stream: &str) -> Vec<RawDocument<'_>> {
    fn push<'a>(text: &'a str, docs: &mut Vec<RawDocument<'a>>) {
        let path = text
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(str::trim);
        let has_content = text
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if has_content {
            docs.push(RawDocument { path, text });
        }
    }
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in stream.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") {
            push(&stream[start..offset], &mut docs);
            start = offset + line.len();
        }
        offset += line.len();
    }
    push(&stream[start..], &mut docs);
    docs
}

#[derive(Deserialize, Default)]
struct Head {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    name: Option<serde_json::Value>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, serde_json::Value>>,
}

/// An annotation value as Helm reads it into a `string`: sigs.k8s.io/yaml
/// turns YAML 1.1 scalars into text (`5` → "5", `5.0` → "5", `yes` →
/// "true"), formatting floats like Go's `FormatFloat(f, 'g', -1, 32)`.
fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => go_float_text(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Go's shortest `%g` of a float32: integers below 1e6 print plainly,
/// larger ones in exponent form, which Atoi then rejects.
fn go_float_text(f: f64) -> String {
    let f32v = f as f32;
    if f32v.fract() == 0.0 && f32v.abs() < 1e6 {
        format!("{}", f32v as i64)
    } else {
        format!("{f32v:e}")
    }
}

/// YAML as Helm's parser (go-yaml v2, YAML 1.1) reads it: `010` is octal.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    // Comments never reach a value; not handing them over saves ~8% of
    // a parse.
    options.emit_comments = false;
    options
}

/// Parses a rendered stream. Only documents that mention `helm.sh/hook` are
/// parsed in full; the others only need their kind and name.
pub fn parse_rendered(stream: &str) -> Result<Rendered, ParseError> {
    parse_documents_with(&split_documents(stream), parse_document)
}

/// A parse of documents in their order, each one's part from `one` (which
/// must give what [`parse_document`] gives: a parse already made of an
/// equal document, say); the first error ends it.
pub fn parse_documents_with<'t>(
    docs: &[RawDocument<'t>],
    one: impl Fn(&RawDocument<'t>) -> Result<DocumentParse, ParseError>,
) -> Result<Rendered, ParseError> {
    let mut out = Rendered::default();
    for doc in docs {
        out.push(one(doc)?);
    }
    Ok(out)
}

/// What one document adds to a parse: a function of its text alone, so
/// equal documents parse equal (both sides of a plan share most).
#[derive(Debug, Clone, Default)]
pub struct DocumentParse {
    hook: Option<Hook>,
    resource: Option<Resource>,
    warnings: Vec<Warning>,
}

impl Rendered {
    pub fn push(&mut self, d: DocumentParse) {
        self.hooks.extend(d.hook);
        self.resources.extend(d.resource);
        self.warnings.extend(d.warnings);
    }
}

pub fn parse_document(doc: &RawDocument<'_>) -> Result<DocumentParse, ParseError> {
    let mut out = DocumentParse::default();
    let path = doc.path.unwrap_or("").to_string();
    let parse_err = |e: serde_saphyr::Error| ParseError {
        path: path.clone(),
        message: e.to_string().lines().next().unwrap_or_default().to_string(),
    };
    if !doc.text.contains(HOOK_ANNOTATION) {
        // Ordinary resources only need kind and name: read them off the
        // lines when the document has the usual block shape, and parse
        // only the unusual ones.
        let (kind, name) = match quick_head(doc.text) {
            Some(head) => head,
            None => {
                let head: Head = serde_saphyr::from_str_with_options(doc.text, yaml_options())
                    .map_err(parse_err)?;
                let meta = head.metadata.unwrap_or_default();
                (
                    head.kind.unwrap_or_default(),
                    meta.name.as_ref().map(value_text).unwrap_or_default(),
                )
            }
        };
        out.resource = Some(Resource { kind, name, path });
        return Ok(out);
    }
    let document: serde_json::Value =
        serde_saphyr::from_str_with_options(doc.text, yaml_options()).map_err(parse_err)?;
    let head = Head::deserialize(&document).unwrap_or_default();
    let meta = head.metadata.unwrap_or_default();
    let kind = head.kind.unwrap_or_default();
    let name = meta.name.as_ref().map(value_text).unwrap_or_default();
    let annotations: BTreeMap<String, String> = meta
        .annotations
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| (k.clone(), value_text(v)))
        .collect();
    let Some(hook_value) = annotations.get(HOOK_ANNOTATION) else {
        out.resource = Some(Resource { kind, name, path });
        return Ok(out);
    };
    let parts: Vec<String> = split_annotation(hook_value).collect();
    let unknown = unknown_events(hook_value);
    if !unknown.is_empty() {
        out.warnings.push(Warning::DroppedDocument {
            path: doc.path.map(str::to_string).into_iter().collect(),
            held_in: Vec::new(),
            value: hook_value.clone(),
            unknown,
            hook: Some(format!("{kind}/{name}")),
        });
        return Ok(out);
    }
    let events = parts
        .iter()
        .filter_map(|p| HookEvent::from_part(p))
        .collect();
    let weight_raw = annotations.get(WEIGHT_ANNOTATION).cloned();
    let weight = match weight_raw.as_deref().map(|raw| (raw, go_atoi(raw))) {
        None => 0,
        Some((_, Some(w))) => w,
        Some((raw, None)) => {
            out.warnings.push(Warning::WeightReadAsZero {
                path: path.clone(),
                hook: format!("{kind}/{name}"),
                raw: raw.to_string(),
            });
            0
        }
    };
    let list = |key: &str| -> Vec<String> {
        annotations
            .get(key)
            .map(|v| split_annotation(v).collect())
            .unwrap_or_default()
    };
    out.hook = Some(Hook {
        subchart: subchart_of(&path),
        delete_policies: list(DELETE_ANNOTATION),
        output_log_policies: list(OUTPUT_LOG_ANNOTATION),
        kind,
        name,
        path,
        events,
        weight,
        weight_raw,
        manifest: doc.text.trim_start_matches('\n').to_string(),
        document,
    });
    Ok(out)
}

/// `kind` and `metadata.name` of a block-style document, read off its lines;
/// `None` for anything unusual (flow style, quotes with escapes, anchors,
/// tabs, block scalars), which the caller then parses for real.
pub fn quick_head(text: &str) -> Option<(String, String)> {
    fn scalar(raw: &str) -> Option<String> {
        let v = match raw.find(" #") {
            Some(i) => &raw[..i],
            None => raw,
        }
        .trim();
        let first = v.chars().next()?;
        if "[{|>&*!%@`".contains(first) || v.contains('\\') {
            return None;
        }
        if first == '"' || first == '\'' {
            let inner = v.strip_prefix(first)?.strip_suffix(first)?;
            return (!inner.contains(first)).then(|| inner.to_string());
        }
        // A plain scalar with ": " inside is not a plain string.
        (!v.contains(": ")).then(|| v.to_string())
    }
    let mut kind = None;
    let mut name = None;
    let mut in_meta = false;
    let mut meta_indent = None;
    for line in text.lines() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if line.starts_with('\t') {
            return None;
        }
        let indent = line.len() - body.len();
        if indent == 0 {
            in_meta = false;
            if let Some(v) = line.strip_prefix("kind:") {
                kind = Some(scalar(v)?);
            } else if let Some(rest) = line.strip_prefix("metadata:") {
                if !rest.trim().is_empty() {
                    return None;
                }
                in_meta = true;
                meta_indent = None;
            } else if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
                return None;
            }
            continue;
        }
        if in_meta
            && *meta_indent.get_or_insert(indent) == indent
            && let Some(v) = body.strip_prefix("name:")
        {
            name = Some(scalar(v)?);
        }
    }
    Some((kind?, name.unwrap_or_default()))
}

/// `parent/charts/sub/templates/x.yaml` → `sub`; deeper nesting keeps the chain.
pub fn subchart_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let mut chain = Vec::new();
    let mut i = 1;
    while i + 1 < parts.len() && parts[i] == "charts" {
        chain.push(parts[i + 1]);
        i += 2;
    }
    (!chain.is_empty()).then(|| chain.join("/charts/"))
}

/// A hook with values that differ between two renders of the same input.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RandomHook {
    pub kind: String,
    /// Its name in the render shown (one draw when the name is random).
    pub name: String,
    pub path: String,
    /// Dotted field paths (`metadata.name`, `stringData.password`).
    pub fields: Vec<String>,
    /// JSON pointers of those fields.
    #[serde(skip)]
    pub(crate) pointers: Vec<String>,
    /// The hook's place: `n`-th hook of its kind in its template.
    #[serde(skip)]
    pub(crate) slot: Slot,
}

impl RandomHook {
    pub fn name_is_random(&self) -> bool {
        self.pointers.iter().any(|p| p == "/metadata/name")
    }
}

/// A hook's place in its template: Helm's render order is the same on
/// every render, whatever the random values are.
pub(crate) type Slot = (String, String, usize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_reads_back_from_the_cache_as_it_was() {
        let text = "---\n# Source: app/templates/a.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: a\n  annotations:\n    helm.sh/hook: pre-install,post-upgrade\n    helm.sh/hook-weight: \" 5\"\n    helm.sh/hook-delete-policy: hook-succeeded\nspec:\n  backoffLimit: 0\n  ratio: 1.5\n  big: 18446744073709551615\n  list: [1, \"two\", null, true]\n---\n# Source: app/charts/db/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n    helm.sh/hook: test\nstringData: {p: x}\n---\n# Source: app/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n---\n# Source: app/templates/typo.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  annotations:\n    helm.sh/hook: pre-instal\n";
        let parsed = parse_rendered(text).unwrap();
        assert_eq!(parsed.hooks.len(), 2);
        assert_eq!(parsed.resources.len(), 1);
        assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
        let bytes = parsed.to_cache().unwrap();
        assert_eq!(Rendered::from_cache(&bytes), Some(parsed.clone()));
        // Anything else is not a parse.
        assert_eq!(Rendered::from_cache(b"{\"hooks\": 1}"), None);
        // A warning found later is not a parse's: such a render is not kept.
        let mut later = parsed;
        later
            .warnings
            .push(Warning::RandomPerRender { hooks: Vec::new() });
        assert!(later.to_cache().is_none());
    }

    #[test]
    fn a_hooks_annotation_line_is_found_by_name_or_as_the_only_one() {
        let src = "kind: ConfigMap\nmetadata:\n  name: plain\n---\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"1\"\n---\nkind: Job\nmetadata:\n  name: seed\n  annotations:\n    \"helm.sh/hook\": post-install\n";
        assert_eq!(AnnotationIndex::new(src).line(Some("seed"), None), Some(16));
        assert_eq!(
            AnnotationIndex::new(src).line(Some("migrate"), None),
            Some(9)
        );
        // Two hooks, a templated name: no guess.
        assert_eq!(AnnotationIndex::new(src).line(Some("{{ x }}"), None), None);
        assert_eq!(
            AnnotationIndex::new(src).line(None, Some("post-install")),
            Some(16)
        );
        let one = "kind: Job\nmetadata:\n  name: {{ .Release.Name }}\n  annotations:\n    helm.sh/hook: pre-install\n";
        assert_eq!(AnnotationIndex::new(one).line(Some("web"), None), Some(5));
    }

    #[test]
    fn a_dropped_document_is_named_as_its_source_writes_it() {
        let src = "# c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: \"migrate\"\n  annotations:\n    \"helm.sh/hook\": crd-install\nspec:\n  template:\n    metadata:\n      name: inner\n";
        assert_eq!(
            written_identity(src, "crd-install").as_deref(),
            Some("Job/migrate")
        );
        let templated = "kind: Job\nmetadata:\n  name: {{ .Release.Name }}-x\n  annotations:\n    helm.sh/hook: pre-instal\n";
        assert_eq!(
            written_identity(
                &format!("kind: A\nmetadata:\n  name: a\n---\n{templated}"),
                "pre-instal"
            )
            .as_deref(),
            Some("document 2 of the template")
        );
        assert_eq!(written_identity(src, "nowhere"), None);
    }

    fn doc(kind: &str, name: &str, annotations: &[(&str, &str)]) -> String {
        let mut s = format!(
            "---\n# Source: app/templates/{name}.yaml\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n"
        );
        if !annotations.is_empty() {
            s.push_str("  annotations:\n");
            for (k, v) in annotations {
                s.push_str(&format!("    {k}: {v}\n"));
            }
        }
        s
    }

    #[test]
    fn a_document_is_a_hook_only_with_the_hook_annotation() {
        let stream = doc("ConfigMap", "plain", &[("other", "x")])
            + &doc("Job", "hook", &[("helm.sh/hook", "pre-install")]);
        let r = parse_rendered(&stream).unwrap();
        assert_eq!(r.resources.len(), 1);
        assert_eq!(r.resources[0].name, "plain");
        assert_eq!(r.hooks.len(), 1);
        assert_eq!(r.hooks[0].path, "app/templates/hook.yaml");
    }

    #[test]
    fn events_are_split_trimmed_and_lower_cased() {
        let r = parse_rendered(&doc(
            "Job",
            "j",
            &[("helm.sh/hook", "\" Pre-Install , POST-upgrade \"")],
        ))
        .unwrap();
        assert_eq!(
            r.hooks[0].events,
            vec![HookEvent::PreInstall, HookEvent::PostUpgrade]
        );
    }

    #[test]
    fn test_success_means_test_and_repeats_are_kept() {
        let r = parse_rendered(&doc("Pod", "t", &[("helm.sh/hook", "test-success")])).unwrap();
        assert_eq!(r.hooks[0].events, vec![HookEvent::Test]);
        let r = parse_rendered(&doc("Pod", "t", &[("helm.sh/hook", "test,test-success")])).unwrap();
        assert_eq!(r.hooks[0].events, vec![HookEvent::Test, HookEvent::Test]);
    }

    #[test]
    fn one_unknown_event_drops_the_whole_document_with_a_warning() {
        for value in ["pre-install,test-failure", "\"\"", "pre-instal"] {
            let r = parse_rendered(&doc("Job", "j", &[("helm.sh/hook", value)])).unwrap();
            assert!(r.hooks.is_empty(), "{value}");
            assert!(r.resources.is_empty(), "{value}: neither hook nor manifest");
            assert!(
                matches!(&r.warnings[0], Warning::DroppedDocument { path, .. } if path == &["app/templates/j.yaml"])
            );
        }
        assert_eq!(
            unknown_events("pre-install, Test-Failure"),
            vec!["test-failure"]
        );
        assert!(unknown_events("pre-install,test-success").is_empty());
    }

    #[test]
    fn weights_follow_go_atoi() {
        let cases = [
            ("\"-5\"", -5, false),
            ("\"+5\"", 5, false),
            ("\"5\"", 5, false),
            ("5", 5, false),
            ("\" 5\"", 0, true),
            ("\"abc\"", 0, true),
            ("\"1.5\"", 0, true),
            ("\"1_000\"", 0, true),
            ("\"99999999999999999999\"", 0, true),
            ("010", 8, false),
            ("5.0", 5, false),
        ];
        for (raw, want, warned) in cases {
            let r = parse_rendered(&doc(
                "Job",
                "j",
                &[
                    ("helm.sh/hook", "pre-install"),
                    ("helm.sh/hook-weight", raw),
                ],
            ))
            .unwrap();
            assert_eq!(r.hooks[0].weight, want, "weight {raw}");
            assert_eq!(
                r.warnings
                    .iter()
                    .any(|w| matches!(w, Warning::WeightReadAsZero { .. })),
                warned,
                "warning for {raw}"
            );
        }
    }

    #[test]
    fn delete_and_log_policies_are_split_not_validated() {
        let r = parse_rendered(&doc(
            "Job",
            "j",
            &[
                ("helm.sh/hook", "pre-install"),
                ("helm.sh/hook-delete-policy", "\" Hook-Succeeded ,bogus\""),
                ("helm.sh/hook-output-log-policy", "hook-failed"),
            ],
        ))
        .unwrap();
        assert_eq!(r.hooks[0].delete_policies, vec!["hook-succeeded", "bogus"]);
        assert_eq!(r.hooks[0].output_log_policies, vec!["hook-failed"]);
    }

    #[test]
    fn subchart_paths_name_the_subchart() {
        assert_eq!(
            subchart_of("app/charts/db/templates/j.yaml").as_deref(),
            Some("db")
        );
        assert_eq!(
            subchart_of("app/charts/db/charts/x/templates/j.yaml").as_deref(),
            Some("db/charts/x")
        );
        assert_eq!(subchart_of("app/templates/charts/j.yaml"), None);
    }

    #[test]
    fn quick_head_agrees_with_the_parser_or_declines() {
        let docs = [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  labels:\n    name: not-this\n",
            "kind: Service # comment\nmetadata:\n    namespace: x\n    name: \"quoted\"\n",
            "metadata:\n  name: 'single'\nkind: Secret\n",
            "kind: Deployment\nmetadata: {name: flow}\n",
            "kind: A\nmetadata:\n  name: \"esc\\\"aped\"\n",
            "kind: A\nmetadata:\n  name: &anchor x\n",
            "kind: A\nmetadata:\n  labels: {}\nspec:\n  name: not-metadata\n",
        ];
        for d in docs {
            let parsed: Head = serde_saphyr::from_str(d).unwrap();
            let meta = parsed.metadata.unwrap_or_default();
            let want = (
                parsed.kind.unwrap_or_default(),
                meta.name.as_ref().map(value_text).unwrap_or_default(),
            );
            if let Some(got) = quick_head(d) {
                assert_eq!(got, want, "{d}");
            }
        }
        assert!(quick_head(docs[3]).is_none(), "flow style declines");
        assert!(quick_head(docs[4]).is_none(), "escapes decline");
        assert_eq!(quick_head(docs[0]).unwrap().1, "plain");
    }

    #[test]
    fn splits_helm_template_streams() {
        let stream = "\n---\n# Source: a/templates/x.yaml\nkind: A\n---\n# Source: a/templates/empty.yaml\n# only a comment\n---\nkind: B\n";
        let docs = split_documents(stream);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].path, Some("a/templates/x.yaml"));
        assert_eq!(docs[1].path, None);
    }
}
