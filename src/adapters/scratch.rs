//! Private scratch folders for charts handed to Helm.
//!
//! RAM-backed when there is such a folder (`$XDG_RUNTIME_DIR`, `/dev/shm`):
//! writing the ~230 small files of two revisions costs ~100 ms on a disk and
//! a few ms on tmpfs. Mode 0700, since a chart may hold secrets. Removed on
//! every exit path: on drop (errors and panics included), on SIGINT, SIGTERM
//! and SIGHUP, and, after SIGKILL, by the next run (a folder of a dead
//! process, older than an hour). RAM must not fill up with stale charts.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

const PREFIX: &str = "helm-hooks-";

/// Where a scratch folder goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// RAM-backed when possible, else the system's temp folder.
    Ram,
    /// The system's temp folder (for a RAM folder that is full).
    Disk,
}

/// A folder removed when dropped, and on a fatal signal.
pub struct ScratchDir {
    dir: Option<tempfile::TempDir>,
}

impl ScratchDir {
    pub fn new(place: Place) -> io::Result<Self> {
        let base = match place {
            Place::Ram => ram_base().unwrap_or_else(std::env::temp_dir),
            Place::Disk => std::env::temp_dir(),
        };
        install_cleanup();
        sweep_once(&base);
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(&base)?;
        if let Ok(mut live) = LIVE.lock() {
            live.push(dir.path().to_path_buf());
        }
        Ok(Self { dir: Some(dir) })
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("scratch dir is live").path()
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            if let Ok(mut live) = LIVE.lock() {
                live.retain(|p| p != dir.path());
            }
            let _ = dir.close();
        }
    }
}

/// `$XDG_RUNTIME_DIR` (per user, tmpfs by the spec), else `/dev/shm`,
/// when it is a folder on tmpfs this process may write to.
fn ram_base() -> Option<PathBuf> {
    std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/dev/shm")])
        .find(|p| is_writable_tmpfs(p))
}

// `f_type`'s integer type differs between libc targets: cast both sides.
#[allow(clippy::unnecessary_cast)]
fn is_writable_tmpfs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid C string; `st` is written by statfs.
    unsafe {
        let mut st: libc::statfs = std::mem::zeroed();
        libc::statfs(c.as_ptr(), &mut st) == 0
            && st.f_type as i64 == libc::TMPFS_MAGIC as i64
            && libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0
    }
}

/// Removes scratch folders a killed helm-hooks left in `base`: ours (same
/// user), of a process that no longer exists, untouched for an hour (a
/// live process in another PID namespace keeps its folder).
fn sweep_once(base: &Path) {
    static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let Ok(mut swept) = SWEPT.lock() else { return };
    if swept.iter().any(|b| b == base) {
        return;
    }
    swept.push(base.to_path_buf());
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        // SAFETY: signal 0 only checks that the process exists.
        let dead = unsafe { libc::kill(pid, 0) } == -1
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if meta.is_dir() && meta.uid() == uid && old && dead && pid != std::process::id() as i32 {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Live scratch folders, for the signal watcher.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Set once the caller handles SIGINT/SIGTERM itself (apply does, to stop
/// Helm gracefully): drop then removes the folders.
static HANDLED_ELSEWHERE: AtomicBool = AtomicBool::new(false);
/// The write end of the self-pipe the signal handler writes to.
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// From now on the caller handles SIGINT and SIGTERM and exits through
/// drops: the folders are removed there, and a signal no longer ends the
/// process here. Call right before installing the caller's own handlers.
pub fn signals_handled_elsewhere() {
    HANDLED_ELSEWHERE.store(true, Ordering::SeqCst);
}

extern "C" fn on_signal(sig: libc::c_int) {
    if HANDLED_ELSEWHERE.load(Ordering::SeqCst) {
        return;
    }
    let fd = PIPE_WRITE.load(Ordering::SeqCst);
    let byte = sig as u8;
    // SAFETY: write(2) is async-signal-safe; `byte` outlives the call.
    unsafe {
        libc::write(fd, (&byte as *const u8).cast(), 1);
    }
}

/// Installs, once, handlers for the signals that would end the process
/// with the folders in place (only where the default action is in force:
/// an ignored SIGHUP stays ignored). The handler only writes to a pipe; a
/// thread removes the folders, then the signal is raised again with its
/// default action, so the exit status stays "killed by SIGINT".
fn install_cleanup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` has room for the two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        PIPE_WRITE.store(fds[1], Ordering::SeqCst);
        let read_fd = fds[0];
        let spawned = std::thread::Builder::new()
            .name("scratch-cleanup".into())
            .spawn(move || {
                let mut byte = 0u8;
                // SAFETY: reads one byte into `byte`.
                while unsafe { libc::read(read_fd, (&mut byte as *mut u8).cast(), 1) } != 1 {}
                if let Ok(live) = LIVE.lock() {
                    for p in live.iter() {
                        let _ = std::fs::remove_dir_all(p);
                    }
                }
                // SAFETY: restores the default action and re-raises.
                unsafe {
                    libc::signal(byte as libc::c_int, libc::SIG_DFL);
                    libc::raise(byte as libc::c_int);
                }
            });
        if spawned.is_err() {
            return;
        }
        for sig in SIGNALS {
            // SAFETY: reads the current action, then installs ours over
            // the default one only.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction != libc::SIG_DFL
                {
                    continue;
                }
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_signal as *const () as usize;
                act.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut act.sa_mask);
                libc::sigaction(sig, &act, std::ptr::null_mut());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_and_removed_on_drop() {
        for place in [Place::Ram, Place::Disk] {
            let dir = ScratchDir::new(place).unwrap();
            let path = dir.path().to_path_buf();
            std::fs::write(path.join("f"), "x").unwrap();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", path.display());
            drop(dir);
            assert!(!path.exists(), "{}", path.display());
        }
    }

    #[test]
    fn prefers_a_ram_folder() {
        if is_writable_tmpfs(Path::new("/dev/shm")) {
            let dir = ScratchDir::new(Place::Ram).unwrap();
            let base = ram_base().unwrap();
            assert!(dir.path().starts_with(base));
        }
    }
}
