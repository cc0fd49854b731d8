//! The Helm process: started in its own process group, told of Ctrl-C and
//! SIGTERM once, its output kept whole.

use std::path::Path;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::task::JoinHandle;

pub struct HelmProcess {
    child: tokio::process::Child,
    pid: Option<i32>,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

/// All of a pipe's text (empty without a pipe).
async fn pipe_text(pipe: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
    let mut s = String::new();
    if let Some(mut p) = pipe {
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut p, &mut s).await;
    }
    s
}

impl HelmProcess {
    pub fn spawn(helm: &Path, args: &[String]) -> std::io::Result<Self> {
        let mut cmd = tokio::process::Command::new(helm);
        cmd.args(args).stdin(std::process::Stdio::null());
        // Its own process group: a terminal's Ctrl-C reaches us, and we
        // pass it on once, so Helm sees one interrupt and can record the
        // failure.
        cmd.process_group(0);
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn()?;
        let pid = child.id().map(|p| p as i32);
        let stdout = tokio::spawn(pipe_text(child.stdout.take()));
        let stderr = tokio::spawn(pipe_text(child.stderr.take()));
        Ok(Self {
            child,
            pid,
            stdout,
            stderr,
        })
    }

    /// Waits for Helm to exit (cancel-safe: used inside `select!`).
    pub async fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.child.wait().await
    }

    pub fn forward(&self, sig: i32) {
        if let Some(p) = self.pid {
            // SAFETY: kill(2) on our own child's pid; no memory involved.
            unsafe {
                libc::kill(p, sig);
            }
        }
    }

    /// Helm's stdout and stderr, once it has exited.
    pub async fn output(self) -> (String, String) {
        (
            self.stdout.await.unwrap_or_default(),
            self.stderr.await.unwrap_or_default(),
        )
    }
}

/// Ctrl-C and SIGTERM, caught for the whole run.
pub struct Signals {
    int: Signal,
    term: Signal,
}

impl Signals {
    pub fn catch() -> std::io::Result<Self> {
        // Ctrl-C now stops Helm gracefully; chart copies go on drop.
        crate::adapters::scratch::signals_handled_elsewhere();
        Ok(Self {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// The next signal: `libc::SIGINT` or `libc::SIGTERM`.
    pub async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.int.recv() => libc::SIGINT,
            _ = self.term.recv() => libc::SIGTERM,
        }
    }
}

/// Helm's error as one line: it can span several ("1 error occurred:\n\t*
/// job x failed").
pub fn error_line(stderr: &str) -> Option<String> {
    stderr.find("Error: ").map(|at| {
        stderr[at + "Error: ".len()..]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn keeps_exit_status_and_both_outputs() {
        runtime().block_on(async {
            let script = "echo deployed; printf 'Error: 1 error occurred:\\n\\t* job x failed\\n' >&2; exit 3";
            let mut p = HelmProcess::spawn(Path::new("sh"), &["-c".into(), script.into()]).unwrap();
            let status = p.wait().await.unwrap();
            assert_eq!(status.code(), Some(3));
            let (out, err) = p.output().await;
            assert_eq!(out, "deployed\n");
            assert_eq!(
                error_line(&err).as_deref(),
                Some("1 error occurred: * job x failed")
            );
        });
    }

    #[test]
    fn a_forwarded_signal_reaches_the_process() {
        runtime().block_on(async {
            let mut p = HelmProcess::spawn(Path::new("sleep"), &["30".into()]).unwrap();
            p.forward(libc::SIGTERM);
            let status = p.wait().await.unwrap();
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(libc::SIGTERM));
        });
    }

    #[test]
    fn no_error_line_without_helms_prefix() {
        assert_eq!(error_line("walk.go: warning\n"), None);
    }
}
