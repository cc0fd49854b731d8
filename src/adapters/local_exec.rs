//! Runs one local hook: the command itself (no shell), in its directory,
//! with a timeout, its output lines passed on as they arrive.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

#[derive(Debug, Clone, PartialEq)]
pub struct ExecResult {
    /// `None` when it never started, was killed or died of a signal.
    pub exit_code: Option<i32>,
    /// Why it did not succeed; `None` on exit 0.
    pub failure: Option<String>,
    pub duration: Duration,
    /// The last output lines (stdout and stderr, as they came).
    pub tail: Vec<String>,
    pub interrupted: bool,
}

/// After the command exits, how long output still held open by a
/// background child of it is read.
const DRAIN: Duration = Duration::from_secs(2);

fn forward(
    pipe: impl AsyncRead + Unpin + Send + 'static,
    tx: tokio::sync::mpsc::UnboundedSender<String>,
) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']).to_string();
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
}

fn kill_group(pid: Option<u32>, signal: i32) {
    if let Some(p) = pid {
        // The hook runs in its own process group: this reaches whatever it
        // started too.
        unsafe {
            libc::kill(-(p as i32), signal);
        }
    }
}

/// Runs `program` with `args` in `cwd`. A relative program with a `/`
/// (`./backup.sh`) is taken relative to `cwd`; a bare name is looked up on
/// `PATH`. `stop` resolving (Ctrl-C) ends the hook early.
pub async fn run(
    program: &str,
    args: &[String],
    cwd: &Path,
    timeout: Duration,
    tail_len: usize,
    mut on_line: impl FnMut(&str),
    stop: impl Future<Output = ()>,
) -> ExecResult {
    let t0 = Instant::now();
    let path = if program.contains('/') && Path::new(program).is_relative() {
        cwd.join(program)
    } else {
        PathBuf::from(program)
    };
    let mut cmd = tokio::process::Command::new(&path);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return ExecResult {
                exit_code: None,
                failure: Some(format!("cannot run {program} in {}: {e}", cwd.display())),
                duration: t0.elapsed(),
                tail: Vec::new(),
                interrupted: false,
            };
        }
    };
    let pid = child.id();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    forward(child.stdout.take().expect("piped stdout"), tx.clone());
    forward(child.stderr.take().expect("piped stderr"), tx);

    let mut tail: std::collections::VecDeque<String> = Default::default();
    let mut push = |line: String, tail: &mut std::collections::VecDeque<String>| {
        on_line(&line);
        tail.push_back(line);
        if tail.len() > tail_len {
            tail.pop_front();
        }
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let mut status = None;
    let mut open = true;
    let mut timed_out = false;
    let mut interrupted = false;
    tokio::pin!(stop);
    while status.is_none() {
        tokio::select! {
            s = child.wait() => status = Some(s),
            line = rx.recv(), if open => match line {
                Some(l) => push(l, &mut tail),
                None => open = false,
            },
            _ = tokio::time::sleep_until(deadline) => {
                timed_out = true;
                kill_group(pid, libc::SIGKILL);
                status = Some(child.wait().await);
            }
            _ = &mut stop => {
                interrupted = true;
                kill_group(pid, libc::SIGTERM);
                let grace = tokio::time::sleep(Duration::from_secs(5));
                status = Some(tokio::select! {
                    s = child.wait() => s,
                    _ = grace => {
                        kill_group(pid, libc::SIGKILL);
                        child.wait().await
                    }
                });
            }
        }
    }
    let drain = tokio::time::Instant::now() + DRAIN;
    while open {
        match tokio::time::timeout_at(drain, rx.recv()).await {
            Ok(Some(l)) => push(l, &mut tail),
            Ok(None) | Err(_) => open = false,
        }
    }
    let duration = t0.elapsed();
    let status = status.expect("loop ends with a status");
    let exit_code = status.as_ref().ok().and_then(|s| s.code());
    let failure = if interrupted {
        Some("interrupted".to_string())
    } else if timed_out {
        Some(format!(
            "timed out after {}; killed",
            humantime::format_duration(timeout)
        ))
    } else {
        match &status {
            Err(e) => Some(format!("cannot wait for {program}: {e}")),
            Ok(s) if s.success() => None,
            Ok(s) => Some(match s.code() {
                Some(c) => format!("exited with {c}"),
                None => {
                    use std::os::unix::process::ExitStatusExt;
                    format!("killed by signal {}", s.signal().unwrap_or(0))
                }
            }),
        }
    };
    ExecResult {
        exit_code,
        failure,
        duration,
        tail: tail.into_iter().collect(),
        interrupted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn which_sh() -> PathBuf {
        ["/bin/sh", "/usr/bin/sh"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("a POSIX sh")
    }

    fn never() -> impl Future<Output = ()> {
        std::future::pending()
    }

    #[test]
    fn local_exec_passes_arguments_as_given_and_keeps_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = Vec::new();
        let r = rt().block_on(run(
            "sh",
            &[
                "-c".into(),
                "pwd; for i in 1 2 3; do echo \"$i $0\"; done; echo err >&2; exit 3".into(),
                "a b; $(x)".into(),
            ],
            dir.path(),
            Duration::from_secs(10),
            3,
            |l| seen.push(l.to_string()),
            never(),
        ));
        assert_eq!(r.exit_code, Some(3));
        assert_eq!(r.failure.as_deref(), Some("exited with 3"));
        assert_eq!(seen.len(), 5, "{seen:?}");
        let real = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(seen[0], real.display().to_string(), "runs in its directory");
        assert!(
            seen.contains(&"2 a b; $(x)".to_string()),
            "no shell expansion of args: {seen:?}"
        );
        assert_eq!(r.tail.len(), 3);
    }

    #[test]
    fn local_exec_times_out_and_kills() {
        let t0 = Instant::now();
        let r = rt().block_on(run(
            "sh",
            &["-c".into(), "echo started; sleep 30".into()],
            Path::new("."),
            Duration::from_millis(300),
            5,
            |_| {},
            never(),
        ));
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        assert!(
            r.failure
                .as_deref()
                .unwrap()
                .starts_with("timed out after 300ms"),
            "{r:?}"
        );
        assert_eq!(r.tail, ["started"]);
        assert_eq!(r.exit_code, None);
    }

    #[test]
    fn local_exec_missing_command_and_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let r = rt().block_on(run(
            "no-such-command-hh",
            &[],
            dir.path(),
            Duration::from_secs(5),
            5,
            |_| {},
            never(),
        ));
        assert!(
            r.failure
                .unwrap()
                .starts_with("cannot run no-such-command-hh")
        );
        // A link, not a written script: exec right after a write can meet
        // ETXTBSY while other tests fork.
        let sh = which_sh();
        std::os::unix::fs::symlink(&sh, dir.path().join("hook")).unwrap();
        let r = rt().block_on(run(
            "./hook",
            &["-c".into(), "echo from script".into()],
            dir.path(),
            Duration::from_secs(5),
            5,
            |_| {},
            never(),
        ));
        assert_eq!(r.failure, None, "{r:?}");
        assert_eq!(r.tail, ["from script"]);
    }

    #[test]
    fn local_exec_stops_when_told() {
        let r = rt().block_on(run(
            "sleep",
            &["30".into()],
            Path::new("."),
            Duration::from_secs(60),
            5,
            |_| {},
            async { tokio::time::sleep(Duration::from_millis(200)).await },
        ));
        assert!(r.interrupted);
        assert_eq!(r.failure.as_deref(), Some("interrupted"));
    }
}
