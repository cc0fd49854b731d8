//! The pull-request comment of a plan (`helm hooks comment`): its hidden
//! marker, its body (cut below the forge's limit at a line boundary, with a
//! pointer to the full plan) and whether to create, update or leave it.
//! Data in, data out: the forge's API is an adapter's.

use std::fmt::Write as _;

/// The forges whose pull-request comments are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    GitHub,
    GitLab,
}

impl Forge {
    /// The longest comment body the forge takes, in characters (GitHub
    /// refuses a body over 65,536; GitLab's notes take 1,000,000).
    pub fn limit(self) -> usize {
        match self {
            Forge::GitHub => 65_536,
            Forge::GitLab => 1_000_000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Forge::GitHub => "GitHub",
            Forge::GitLab => "GitLab",
        }
    }

    /// Where the job keeps the full plan, as the pointer names it.
    pub fn full_plan_place(self) -> &'static str {
        match self {
            Forge::GitHub => "job summary",
            Forge::GitLab => "job log",
        }
    }

    /// What the forge calls the thing commented on.
    pub fn request_noun(self) -> &'static str {
        match self {
            Forge::GitHub => "pull request",
            Forge::GitLab => "merge request",
        }
    }
}

/// `update`: one comment per marker, edited in place; `new`: a new comment
/// each run; `off`: none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Update,
    New,
    Off,
}

/// What the plan said, from its `--detailed-exitcode` status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanResult {
    /// Exit 2, or no status given: the markdown is the news.
    Changes,
    /// Exit 0.
    NoChanges,
    /// Any other status: the plan failed (its markdown, if any, is partial).
    Failed(i32),
}

impl PlanResult {
    pub fn from_exit_code(code: Option<i32>) -> Self {
        match code {
            None | Some(2) => PlanResult::Changes,
            Some(0) => PlanResult::NoChanges,
            Some(c) => PlanResult::Failed(c),
        }
    }
}

/// The hidden line that tells this chart set's comment from every other:
/// `<!-- helm-hooks:KEY -->`. Characters an HTML comment or a search could
/// trip on become `_`.
pub fn marker(key: &str) -> String {
    let mut clean: String = key
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '/' | ':' | '=' | '+' | ',' | '-' => c,
            _ => '_',
        })
        .collect();
    // `--` may not appear inside an HTML comment.
    while clean.contains("--") {
        clean = clean.replace("--", "-_");
    }
    format!("<!-- helm-hooks:{clean} -->")
}

/// A comment as the forge lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
}

/// What to do on the forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create(String),
    Update {
        id: u64,
        body: String,
    },
    /// Nothing to post, and why.
    Leave(&'static str),
}

/// Create, update or leave: `update` edits the newest comment that begins
/// with the marker; a plan without changes creates no comment where there was none
/// (no noise on pull requests that do not touch hooks) but replaces an
/// earlier plan, which would otherwise still show changes that are gone.
pub fn decide(
    mode: Mode,
    result: PlanResult,
    existing: &[Comment],
    marker: &str,
    body: String,
) -> Action {
    // Ours start with the marker: a comment quoting it further down (a
    // reviewer pasting a plan) is someone else's, never edited.
    let earlier = existing
        .iter()
        .rev()
        .find(|c| c.body.trim_start().starts_with(marker));
    match (mode, earlier) {
        (Mode::Off, _) => Action::Leave("comment: off"),
        (_, None) if result == PlanResult::NoChanges => {
            Action::Leave("no hook changes and no earlier comment: none created")
        }
        (Mode::Update, Some(c)) if c.body == body => Action::Leave("the comment already says this"),
        (Mode::Update, Some(c)) => Action::Update { id: c.id, body },
        (Mode::Update | Mode::New, _) => Action::Create(body),
    }
}

/// Where the pointer of a cut comment sends the reader.
#[derive(Debug, Clone)]
pub struct Pointer {
    pub place: &'static str,
    pub url: Option<String>,
}

/// A composed comment body and, when it was cut, how many of the plan's
/// lines it shows.
#[derive(Debug, Clone)]
pub struct Body {
    pub text: String,
    pub cut: Option<(usize, usize)>,
}

/// The comment: the marker, a line for no changes or a failed plan, the
/// plan's markdown; cut at a line boundary below `limit` characters, with
/// open code fences and `<details>` closed and a pointer to the full plan.
pub fn compose(
    marker: &str,
    markdown: &str,
    result: PlanResult,
    forge: Forge,
    pointer: &Pointer,
) -> Body {
    compose_within(marker, markdown, result, forge, pointer, forge.limit())
}

fn compose_within(
    marker: &str,
    markdown: &str,
    result: PlanResult,
    forge: Forge,
    pointer: &Pointer,
    limit: usize,
) -> Body {
    let place = match &pointer.url {
        Some(url) => format!("[{}]({url})", pointer.place),
        None => format!("{} of this CI run", pointer.place),
    };
    let markdown = markdown.trim_end();
    let (intro, outro) = match result {
        PlanResult::Changes => (String::new(), ""),
        PlanResult::NoChanges => (
            "**No hook changes** (any more) in this plan.\n\n<details><summary>The plan</summary>\n\n"
                .to_string(),
            "\n\n</details>",
        ),
        PlanResult::Failed(code) => (
            format!("**The hook plan failed** (exit {code}): the {place} says why.\n\n"),
            "",
        ),
    };
    let whole = format!("{marker}\n{intro}{markdown}{outro}\n");
    if whole.chars().count() <= limit {
        return Body {
            text: whole,
            cut: None,
        };
    }
    let total = markdown.lines().count();
    // The pointer's numbers have at most as many digits as `total`.
    let pointer_text = |shown: usize| {
        format!(
            "\n---\n:scissors: Cut here to stay under {}'s limit of {} characters per comment: {shown} of {total} lines shown. The full plan is in the {place}.\n",
            forge.name(),
            limit
        )
    };
    let fixed = marker.chars().count()
        + 1
        + intro.chars().count()
        + outro.chars().count()
        + pointer_text(total).chars().count();
    let mut kept = String::new();
    let (mut used, mut shown) = (fixed, 0);
    let mut fence = false;
    let mut details = 0usize;
    for line in markdown.lines() {
        let (f, d) = track(line, fence, details);
        let closers = closers(f, d);
        let len = line.chars().count() + 1;
        if used + len + closers.chars().count() > limit {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
        used += len;
        shown += 1;
        (fence, details) = (f, d);
    }
    let mut text = format!("{marker}\n{intro}{kept}{}", closers(fence, details));
    if !outro.is_empty() {
        text.push_str(outro.trim_start());
        text.push('\n');
    }
    let _ = write!(text, "{}", pointer_text(shown));
    Body {
        text,
        cut: Some((shown, total)),
    }
}

/// The open code fence and `<details>` depth after `line`.
fn track(line: &str, fence: bool, details: usize) -> (bool, usize) {
    let t = line.trim_start();
    if t.starts_with("```") {
        return (!fence, details);
    }
    if fence {
        return (fence, details);
    }
    let opened = t.matches("<details>").count();
    let closed = t.matches("</details>").count();
    (fence, (details + opened).saturating_sub(closed))
}

fn closers(fence: bool, details: usize) -> String {
    let mut out = String::new();
    if fence {
        out.push_str("```\n");
    }
    for _ in 0..details {
        out.push_str("\n</details>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointer() -> Pointer {
        Pointer {
            place: "job summary",
            url: Some("https://example.test/run/1".into()),
        }
    }

    #[test]
    fn marker_is_an_html_comment_that_cannot_be_broken_by_the_key() {
        assert_eq!(marker("charts/shop"), "<!-- helm-hooks:charts/shop -->");
        assert_eq!(marker("a-->b c"), "<!-- helm-hooks:a-__b_c -->");
        let m = marker("a-->b");
        assert!(!m[4..m.len() - 3].contains("--"), "{m}");
        assert!(!m[4..m.len() - 3].contains('>'), "{m}");
    }

    #[test]
    fn a_short_plan_is_posted_whole() {
        let b = compose(
            "<!-- m -->",
            "# plan\n| a |\n",
            PlanResult::Changes,
            Forge::GitHub,
            &pointer(),
        );
        assert_eq!(b.text, "<!-- m -->\n# plan\n| a |\n");
        assert!(b.cut.is_none());
    }

    #[test]
    fn a_long_plan_is_cut_at_a_line_under_the_limit_with_fences_closed() {
        let mut md = String::from("# plan\n<details><summary>x</summary>\n\n```diff\n");
        for i in 0..200 {
            md.push_str(&format!("+ line {i:04} of the diff\n"));
        }
        md.push_str("```\n</details>\n");
        let b = compose_within(
            "<!-- m -->",
            &md,
            PlanResult::Changes,
            Forge::GitHub,
            &pointer(),
            1000,
        );
        assert!(b.text.chars().count() <= 1000, "{}", b.text.len());
        let (shown, total) = b.cut.unwrap();
        assert!(shown < total && shown > 10, "{shown}/{total}");
        assert!(b.text.contains("```\n\n</details>\n"), "{}", b.text);
        assert!(b.text.contains("[job summary](https://example.test/run/1)"));
        assert!(b.text.contains(&format!("{shown} of {total} lines shown")));
        // Every kept line is a whole line of the plan.
        for l in b.text.lines().skip(1).take(shown) {
            assert!(md.lines().any(|m| m == l), "{l:?}");
        }
    }

    #[test]
    fn no_changes_without_an_earlier_comment_posts_nothing_but_replaces_one() {
        let m = marker("k");
        let none = decide(Mode::Update, PlanResult::NoChanges, &[], &m, "b".into());
        assert!(matches!(none, Action::Leave(_)));
        let earlier = [
            Comment {
                id: 1,
                body: format!("{m}\nold"),
            },
            Comment {
                id: 2,
                body: "other".into(),
            },
            Comment {
                id: 3,
                body: format!("{m}\nnewer"),
            },
        ];
        let up = decide(
            Mode::Update,
            PlanResult::NoChanges,
            &earlier,
            &m,
            "b".into(),
        );
        assert_eq!(
            up,
            Action::Update {
                id: 3,
                body: "b".into()
            }
        );
        let new = decide(Mode::New, PlanResult::Changes, &earlier, &m, "b".into());
        assert_eq!(new, Action::Create("b".into()));
        assert!(matches!(
            decide(Mode::Off, PlanResult::Changes, &earlier, &m, "b".into()),
            Action::Leave("comment: off")
        ));
    }

    #[test]
    fn a_comment_quoting_the_marker_is_not_ours() {
        let m = marker("k");
        let quoted = [Comment {
            id: 1,
            body: format!("> {m}\n> the old plan\n\nwhy did this change?"),
        }];
        let a = decide(Mode::Update, PlanResult::Changes, &quoted, &m, "b".into());
        assert_eq!(a, Action::Create("b".into()));
    }

    #[test]
    fn another_keys_marker_is_not_this_ones() {
        let earlier = [Comment {
            id: 1,
            body: format!("{}\nx", marker("charts/ab")),
        }];
        let a = decide(
            Mode::Update,
            PlanResult::Changes,
            &earlier,
            &marker("charts/a"),
            "b".into(),
        );
        assert_eq!(a, Action::Create("b".into()));
    }
}
