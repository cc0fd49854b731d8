//! A terminal narrower than the text (issue 35 item 7): on a pty of 90
//! columns, what the terminal shows is replayed by a small screen model
//! that notes each line the terminal had to wrap inside a word.

use crate::apply::{Apply, job};
use crate::common::*;
use std::process::Command;
use std::time::Duration;

const COLS: usize = 90;

/// `inner` run on a pty of `cols` columns: `stty` sets the size the
/// program (and dialoguer, indicatif) read from the terminal.
fn in_terminal_of(cols: usize, inner: &Command) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("stty cols {cols} rows 40 && exec \"$0\" \"$@\""))
        .arg(inner.get_program())
        .args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if let Some(dir) = inner.get_current_dir() {
        cmd.current_dir(dir);
    }
    cmd.env("TERM", "xterm").env_remove("COLUMNS");
    cmd
}

/// Where a terminal `cols` wide breaks a word: text it had to wrap
/// between two characters that are not spaces, as `…left|right…`. A
/// model of what matters here: printable characters, CR, LF, backspace,
/// tab, and CSI sequences (colours, cursor moves and line clears, which
/// move no column but `G`, `C` and `D`).
fn words_cut(screen: &str, cols: usize) -> Vec<String> {
    let chars: Vec<char> = screen.chars().collect();
    let (mut col, mut prev, mut cuts) = (0usize, ' ', Vec::new());
    let mut line = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\r' => col = 0,
            '\n' => {
                line.clear();
                prev = ' ';
            }
            '\x08' => col = col.saturating_sub(1),
            '\t' => col = (col / 8 + 1) * 8,
            '\x1b' if chars.get(i) == Some(&'[') => {
                let start = i + 1;
                i = start;
                while i < chars.len() && !('@'..='~').contains(&chars[i]) {
                    i += 1;
                }
                let n: usize = chars[start..i.min(chars.len())]
                    .iter()
                    .collect::<String>()
                    .trim_start_matches('?')
                    .split(';')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1);
                match chars.get(i) {
                    Some('G') => col = n.saturating_sub(1),
                    Some('C') => col += n,
                    Some('D') => col = col.saturating_sub(n),
                    _ => {}
                }
                i += 1;
            }
            '\x1b' => i += 1,
            c if c.is_control() => {}
            c => {
                if col >= cols {
                    if prev != ' ' && c != ' ' {
                        let tail: String = chars[i..(i + 20).min(chars.len())].iter().collect();
                        cuts.push(format!(
                            "…{}|{c}{tail}…",
                            line.chars()
                                .rev()
                                .take(30)
                                .collect::<String>()
                                .chars()
                                .rev()
                                .collect::<String>()
                        ));
                    }
                    col = 0;
                    line.clear();
                }
                line.push(c);
                col += 1;
                prev = c;
            }
        }
    }
    cuts
}

/// What rexpect read (one byte to a char) as the UTF-8 the program wrote.
fn utf8(read: &str) -> String {
    let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn the_screen_model_sees_a_word_cut_and_a_full_line_that_is_not() {
    assert!(words_cut(&format!("{}\r\n", "a".repeat(90)), 90).is_empty());
    assert!(words_cut(&format!("{} next", "a".repeat(90)), 90).is_empty());
    assert_eq!(words_cut(&format!("{}bb", "a".repeat(89)), 90).len(), 1);
    // Colours take no column; a cursor move back does.
    assert!(words_cut(&format!("\x1b[1m{}\x1b[0m\r\n", "a".repeat(90)), 90).is_empty());
    assert!(words_cut(&format!("{}\x1b[5Dbbbbb", "a".repeat(89)), 90).is_empty());
}

/// Long hook names, a hook that fails with a long log line: on a
/// 90-column terminal no word is cut (the question, the tables, the
/// bars, the failure and Helm's error), names are shortened with an
/// ellipsis, and the question shows once: dialoguer redraws only the
/// prompt's last line with the answer, so the prompt must be one line.
#[test]
fn on_a_90_column_terminal_no_word_is_cut_and_the_question_shows_once() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/migrate.yaml",
        &job(
            "database-schema-migration-for-the-orders-service",
            "pre-install",
            -5,
            0,
            "200ms",
            "migrated",
        ),
    );
    repo.write(
        "app/templates/notify.yaml",
        &job(
            "notify-the-release-channel-about-the-new-deployment-of-orders",
            "post-install",
            5,
            1,
            "200ms",
            "notification endpoint refused the connection: dial tcp 10.0.0.1:443: connect: connection refused",
        ),
    );
    repo.commit("v1");
    for major in [3, 4] {
        let a = Apply::new(major, "narrow");
        let mut inner = a.hooks();
        inner.current_dir(repo.path()).args(["apply", "web", "app"]);
        let mut p =
            rexpect::session::spawn_command(in_terminal_of(COLS, &inner), Some(60_000)).unwrap();
        let before = p.exp_string("[y/N]").unwrap();
        // The prompt reads single keys once the tty is raw.
        std::thread::sleep(Duration::from_millis(500));
        p.send("y").unwrap();
        p.flush().unwrap();
        let after = p.exp_eof().unwrap();
        let screen = utf8(&format!("{before}[y/N]{after}"));
        let cuts = words_cut(&screen, COLS);
        assert!(
            cuts.is_empty(),
            "helm {major}: words cut: {cuts:#?}\n{screen}"
        );
        assert_eq!(
            screen.matches("Install web in namespace").count(),
            1,
            "helm {major}: the question once\n{screen}"
        );
        assert!(screen.contains("Continue yes"), "helm {major}: {screen}");
        // Tables shortened the names; the failure line names the hook whole.
        assert!(screen.contains("Job/notify-the-"), "{screen}");
        assert!(screen.contains("…"), "helm {major}: {screen}");
        assert!(
            screen.contains(
                "Job/notify-the-release-channel-about-the-new-deployment-of-orders (post-install)"
            ),
            "helm {major}: {screen}"
        );
        assert!(
            screen.contains("connection refused"),
            "helm {major}: {screen}"
        );
        let hist = a.history("web");
        assert_eq!(hist.last().unwrap()["status"], "failed", "helm {major}");
    }
}
