//! Text in the terminal's width: prose wrapped between words, names in
//! tables shortened with an ellipsis. A width of `None` (a pipe, a file)
//! leaves everything whole, for grep and machines.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width};

/// Columns a line takes on screen, colour codes left out.
pub fn visible_width(line: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in line.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// `text` in lines of at most `width` columns, broken at spaces; a word
/// longer than a line (a URL, a path) stays whole on its own line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, width)
}

/// As `wrap`, the first line `first` columns wide, the others `rest`.
/// Spaces inside a line are kept as they are; those at a break go.
pub fn wrap_hanging(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    // Spaces before the next word, less the one `split` eats.
    let mut gap = 0;
    for word in text.split(' ') {
        if word.is_empty() {
            // Runs of spaces: `split` yields an empty piece per extra one.
            gap += 1;
            continue;
        }
        let width = if lines.is_empty() { first } else { rest };
        let w = visible_width(word);
        let sep = if len == 0 { 0 } else { gap + 1 };
        if len > 0 && len + sep + w > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        } else if len > 0 {
            line.push_str(&" ".repeat(sep));
            len += sep;
        }
        line.push_str(word);
        len += w;
        gap = 0;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Each line of `text` that is wider than `width` columns, wrapped at
/// spaces to one column less (a line ending in the last column leaves
/// some terminals' cursor there); its continuation lines indented as the line is, plus
/// `hang` columns. Lines that fit are left as they are.
pub fn fill(text: &str, width: Option<usize>, hang: usize) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // A tab (in Helm's error lines) takes up to 8 columns, not one.
        let expanded;
        let line = match line.contains('\t') {
            true => {
                expanded = expand_tabs(line);
                expanded.as_str()
            }
            false => line,
        };
        if visible_width(line) <= width {
            out.push_str(line);
            continue;
        }
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let first = width.saturating_sub(indent + 1).max(MIN_TEXT);
        let rest = width.saturating_sub(indent + hang + 1).max(MIN_TEXT);
        let cont = format!("\n{}", " ".repeat(indent + hang));
        out.push_str(&" ".repeat(indent));
        out.push_str(&wrap_hanging(body, first, rest).join(&cont));
    }
    out
}

/// `line` with each tab replaced by the spaces to the next tab stop.
fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        match c {
            '\t' => {
                let n = 8 - visible_width(&out) % 8;
                out.push_str(&" ".repeat(n));
            }
            c => out.push(c),
        }
    }
    out
}

/// The narrowest a wrapped line is made, however narrow the terminal:
/// below that, words would stand one to a line.
const MIN_TEXT: usize = 30;

/// `{indent}{label} {text}`, wrapped at spaces to `width`, continuation
/// lines indented under the text (not under the label).
pub fn labelled(width: Option<usize>, indent: &str, label: &str, text: &str) -> String {
    fill(
        &format!("{indent}{label} {text}"),
        width,
        visible_width(label) + 1,
    )
}

/// `text` in at most `max` columns: the middle replaced by `…` when it is
/// longer, so that the start (the kind) and the end (where generated names
/// differ: `app-db-migrate`, `app-db-seed`) both stay.
pub fn ellipsize(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 3 {
        return text.to_string();
    }
    let keep = max - 1;
    let tail = keep / 2;
    let head = keep - tail;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// `text` in at most `max` columns, its end replaced by `…` when it is
/// longer: for a message whose whole text is printed elsewhere.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// The least a shortened name keeps while other cells can still wrap:
/// enough to tell hooks apart.
pub const NAME_FLOOR: usize = 30;

/// The least a name keeps at all, on a terminal too narrow for the rest.
const NAME_MIN: usize = 16;

/// The table `build(limit)` makes, in `width` columns less `indent` (the
/// columns printed before each line). When it is wider, the name column
/// (`name_col`; `build` shortens its cells to `limit` with `ellipsize`)
/// gives up what is missing, down to `NAME_FLOOR`; then cells of several
/// words wrap between words, no column narrower than its longest word;
/// then names give up what is still missing, down to `NAME_MIN`. With
/// the table, the most columns its names were given, if they were cut.
pub fn fit_table(
    width: Option<usize>,
    indent: usize,
    name_col: usize,
    build: &dyn Fn(Option<usize>) -> Table,
) -> (Table, Option<usize>) {
    let mut t = build(None);
    let Some(width) = width else {
        return (t, None);
    };
    let room = width.saturating_sub(indent);
    let excess = |t: &Table| {
        t.trim_fmt()
            .lines()
            .map(visible_width)
            .max()
            .unwrap_or(0)
            .saturating_sub(room)
    };
    let names = t
        .column_max_content_widths()
        .get(name_col)
        .copied()
        .unwrap_or(0) as usize;
    let mut limit = names;
    if excess(&t) == 0 {
        return (t, None);
    }
    let shorter = names.saturating_sub(excess(&t)).max(NAME_FLOOR);
    if shorter < names {
        limit = shorter;
        t = build(Some(limit));
    }
    if excess(&t) > 0 {
        wrap_cells(&mut t, room);
    }
    // How much wrapping saves depends on comfy-table's layout: names give
    // way a column at a time until it fits.
    while excess(&t) > 0 && limit > NAME_MIN {
        limit = limit.min(names) - 1;
        t = build(Some(limit));
        wrap_cells(&mut t, room);
    }
    (t, (limit < names).then_some(limit))
}

/// Lets comfy-table wrap cells to fit `room` columns, never inside a word:
/// no column is made narrower than its longest word.
pub fn wrap_cells(t: &mut Table, room: usize) {
    t.set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(room.max(20) as u16);
    let mut longest: Vec<usize> = Vec::new();
    for row in t.header().into_iter().chain(t.row_iter()) {
        for (i, cell) in row.cell_iter().enumerate() {
            let word = cell
                .content()
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            if longest.len() <= i {
                longest.resize(i + 1, 0);
            }
            longest[i] = longest[i].max(word);
        }
    }
    for (i, w) in longest.into_iter().enumerate() {
        if let Some(c) = t.column_mut(i)
            && c.constraint().is_none()
        {
            // The width counts the cell's padding, one column each side.
            c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(w as u16 + 2)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comfy_table::Cell;

    #[test]
    fn wraps_at_spaces_and_keeps_long_words_whole() {
        assert_eq!(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        assert_eq!(
            wrap("a https://example.com/very/long b", 10),
            ["a", "https://example.com/very/long", "b"]
        );
        assert_eq!(wrap("", 10), [""]);
        assert!(wrap(&"word ".repeat(80), 40).iter().all(|l| l.len() <= 40));
        // Spaces inside a line stay; colour codes take no room.
        assert_eq!(wrap("a  b c", 4), ["a  b", "c"]);
        assert_eq!(wrap("\x1b[1mab\x1b[0m cd", 5), ["\x1b[1mab\x1b[0m cd"]);
    }

    /// Every word of `text` is whole in `lines`, in order.
    fn words_kept(text: &str, lines: &str) -> bool {
        let a: Vec<&str> = text.split_whitespace().collect();
        let b: Vec<&str> = lines.split_whitespace().collect();
        a == b
    }

    #[test]
    fn fill_wraps_long_lines_under_their_indent_and_leaves_the_rest() {
        let long = "  hook Job/notify-the-release-channel (post-upgrade) failed: BackoffLimitExceeded: Job has reached the specified backoff limit";
        let text = format!("short line\n{long}\n    log: a b");
        let out = fill(&text, Some(60), 2);
        assert!(out.starts_with("short line\n  hook Job/"), "{out}");
        assert!(out.ends_with("\n    log: a b"), "{out}");
        for l in out.lines() {
            assert!(visible_width(l) < 60, "{l:?}");
        }
        // Continuation lines sit two columns in from the line's indent.
        let cont: Vec<&str> = out
            .lines()
            .skip(2)
            .take_while(|l| !l.contains("log:"))
            .collect();
        assert!(!cont.is_empty());
        assert!(
            cont.iter()
                .all(|l| l.starts_with("    ") && !l.starts_with("     "))
        );
        assert!(words_kept(&text, &out));
        assert_eq!(fill(&text, None, 2), text, "a pipe gets the text whole");
        assert_eq!(fill("ab\tc", Some(80), 0), "ab      c");
    }

    #[test]
    fn a_label_hangs_its_text() {
        let out = labelled(Some(40), "", "warning:", &"word ".repeat(12));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("warning: word"));
        assert!(lines[1..].iter().all(|l| l.starts_with("         word")));
    }

    #[test]
    fn ellipsis_keeps_both_ends() {
        assert_eq!(ellipsize("Job/short", 20), "Job/short");
        let name = "Job/notify-the-release-channel-about-the-deployment-of-orders";
        let short = ellipsize(name, 30);
        assert_eq!(short.chars().count(), 30);
        assert_eq!(short, "Job/notify-the-…ment-of-orders");
        assert!(short.starts_with("Job/") && short.ends_with("of-orders"));
        assert_eq!(
            truncate("BackoffLimitExceeded: Job has", 12),
            "BackoffLimi…"
        );
        assert_eq!(truncate("short", 12), "short");
    }

    fn table(names: &[&str], limit: Option<usize>) -> Table {
        let mut t = Table::new();
        t.load_style(comfy_table::presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty()
            .set_header(["EVENT", "HOOK", "ON SUCCESS"]);
        for n in names {
            let name = limit.map_or(n.to_string(), |l| ellipsize(n, l));
            t.add_row(vec![
                Cell::new("post-upgrade"),
                Cell::new(name),
                Cell::new("kept"),
            ]);
        }
        t
    }

    #[test]
    fn a_wide_table_shortens_its_names_to_fit() {
        let names = [
            "Job/database-schema-migration-for-the-orders-service",
            "Job/notify-the-release-channel-about-the-new-deployment-of-orders",
        ];
        let build = |l: Option<usize>| table(&names, l);
        // Wide enough: untouched.
        let wide = fit_table(Some(200), 1, 1, &build).0.trim_fmt();
        assert!(wide.contains(names[1]));
        // 70 columns: the names give up what is missing, nothing wraps.
        let fitted = fit_table(Some(70), 1, 1, &build).0.trim_fmt();
        assert_eq!(fitted.lines().count(), 3, "{fitted}");
        assert!(fitted.lines().all(|l| visible_width(l) < 70), "{fitted}");
        assert!(
            fitted.contains("Job/notify-the-rel") && fitted.contains('…'),
            "{fitted}"
        );
        assert!(fitted.contains("of-orders"), "{fitted}");
        // 55 columns: names stop at the floor while headers of two words
        // wrap; 50: names give up more. No word is cut but the names,
        // and those only at the ellipsis.
        for (width, names) in [(55, NAME_FLOOR..NAME_FLOOR + 1), (50, NAME_MIN..NAME_FLOOR)] {
            let narrow = fit_table(Some(width), 1, 1, &build).0.trim_fmt();
            assert!(
                narrow.lines().any(|l| l.trim_end().ends_with("ON")),
                "{narrow}"
            );
            assert!(narrow.lines().all(|l| visible_width(l) < width), "{narrow}");
            for w in narrow.split_whitespace() {
                assert!(
                    ["EVENT", "HOOK", "ON", "SUCCESS", "post-upgrade", "kept"].contains(&w)
                        || (w.contains('…') && names.contains(&w.chars().count())),
                    "{w:?} in {narrow}"
                );
            }
        }
        // A pipe: whole.
        assert!(
            fit_table(None, 1, 1, &build)
                .0
                .trim_fmt()
                .contains(names[1])
        );
    }
}
