//! Columns laid out as the borderless tables of `Painter::table` are (a
//! space either side of each cell, blanks at a line's end trimmed), in
//! one pass and a few allocations. For listings of up to a thousand runs
//! (`history`), where building a comfy-table took a quarter of the time;
//! tables that must fit a width keep comfy-table (`fit::fit_table`).

use super::{Painter, Style};
use unicode_width::UnicodeWidthStr;

/// One cell: its text, how it is painted when colour is on, and whether it
/// is aligned right.
pub struct Cell {
    text: String,
    style: Option<Style>,
    right: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            style: None,
            right: false,
        }
    }

    pub fn style(mut self, style: impl Into<Option<Style>>) -> Self {
        self.style = style.into();
        self
    }

    pub fn right(mut self) -> Self {
        self.right = true;
        self
    }
}

/// Rows of cells; each column as wide as its widest cell.
#[derive(Default)]
pub struct Columns {
    rows: Vec<Vec<Cell>>,
    widths: Vec<usize>,
}

impl Columns {
    pub fn row(&mut self, cells: Vec<Cell>) {
        if self.widths.len() < cells.len() {
            self.widths.resize(cells.len(), 0);
        }
        for (w, c) in self.widths.iter_mut().zip(&cells) {
            *w = (*w).max(c.text.width());
        }
        self.rows.push(cells);
    }

    /// Row `i`'s line (no newline) appended to `out`.
    pub fn write_line(&self, i: usize, p: Painter, out: &mut String) {
        let start = out.len();
        for (cell, &width) in self.rows[i].iter().zip(&self.widths) {
            let blank = width - cell.text.width();
            let (before, after) = match cell.right {
                true => (blank, 0),
                false => (0, blank),
            };
            push_spaces(out, 1 + before);
            match cell.style {
                Some(style) => out.push_str(&p.paint(style, &cell.text)),
                None => out.push_str(&cell.text),
            }
            push_spaces(out, after + 1);
        }
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
    }

    pub fn row_count(&self) -> usize {
        self.rows.len()
    }
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Painter = Painter {
        color: false,
        width: None,
    };

    /// Without colour, the same text as the comfy-table it replaces.
    #[test]
    fn lines_are_those_of_the_borderless_comfy_table() {
        let rows: [&[&str]; 4] = [
            &["RUN", "FROM → TO", "TOOK", ""],
            &["20250101T000000-000001", "a → b", "7.4s", ""],
            &["r", "ünïcode 漢字", "22.6s", "a message  "],
            &["", "", "-", ""],
        ];
        let mut table = PLAIN.table();
        let mut columns = Columns::default();
        for (i, row) in rows.iter().enumerate() {
            let cells = row.iter().enumerate().map(|(j, t)| {
                let c = comfy_table::Cell::new(t);
                match j {
                    2 => c.set_alignment(comfy_table::CellAlignment::Right),
                    _ => c,
                }
            });
            match i {
                0 => table.set_header(cells.collect::<Vec<_>>()),
                _ => table.add_row(cells.collect::<Vec<_>>()),
            };
            columns.row(
                row.iter()
                    .enumerate()
                    .map(|(j, t)| match j {
                        2 => Cell::new(*t).right(),
                        _ => Cell::new(*t).style(Style::Bold),
                    })
                    .collect(),
            );
        }
        let mut ours = Vec::new();
        for i in 0..columns.row_count() {
            let mut line = String::new();
            columns.write_line(i, PLAIN, &mut line);
            ours.push(line);
        }
        assert_eq!(ours.join("\n"), table.trim_fmt());
    }

    #[test]
    fn colour_paints_the_text_not_the_padding() {
        let p = Painter {
            color: true,
            width: None,
        };
        let mut columns = Columns::default();
        columns.row(vec![Cell::new("ok").style(Style::Added), Cell::new("x")]);
        columns.row(vec![Cell::new("long"), Cell::new("y").style(Style::Bold)]);
        let mut out = String::new();
        columns.write_line(0, p, &mut out);
        assert_eq!(out, " \x1b[32mok\x1b[0m    x");
        out.clear();
        columns.write_line(1, p, &mut out);
        assert_eq!(out, " long  \x1b[1my\x1b[0m");
    }
}
