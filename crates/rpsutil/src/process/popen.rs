//! [`Popen`]: start a command and get a [`Process`] handle on it, with the child's
//! pipes (psutil's `Popen`, a `subprocess.Popen` that is also a `Process`).

use std::ops::Deref;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use std::sync::Arc;
use std::time::Duration;

use super::handle::Process;
use crate::types::process::ExitCode;
use crate::{Error, Result};

/// A started child process: every [`Process`] method (through `Deref`), plus its
/// standard streams. Signals go through [`Process::send_signal`], so they are
/// PID-reuse safe.
///
/// Wait with [`Popen::wait`] (not `child_mut().wait()`): the two would both reap the
/// child and the second would fail.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use std::process::{Command, Stdio};
/// let mut cmd = Command::new("sh");
/// cmd.args(["-c", "exit 3"]).stdout(Stdio::null());
/// let child = rpsutil::Popen::spawn(&mut cmd).unwrap();
/// assert!(child.name().is_ok() || !child.is_running());
/// assert_eq!(child.wait(None).unwrap(), Some(rpsutil::ExitCode::Exited(3)));
/// # }
/// ```
pub struct Popen {
    process: Process,
    child: Child,
}

impl Popen {
    /// Starts `cmd` (std's `Command::spawn`) and wraps the child. The handle is made
    /// even if the child has already exited (psutil's #193).
    ///
    /// Errors: the spawn error as [`Error::Os`].
    pub fn spawn(cmd: &mut Command) -> Result<Popen> {
        let child = cmd
            .spawn()
            .map_err(|e| Error::os(e, format!("spawn {:?}", cmd.get_program())))?;
        let pid = child.id();
        let process = match Process::new(pid) {
            Ok(p) => p,
            Err(e) if e.is_no_such_process() => {
                Process::from_parts(pid, None, crate::sys::imp::Handle::open(pid)?)
            }
            Err(e) => return Err(e),
        };
        Ok(Popen { process, child })
    }

    /// The process handle.
    pub fn process(&self) -> &Process {
        &self.process
    }

    /// The child's stdin, if it was piped.
    pub fn stdin(&mut self) -> Option<&mut ChildStdin> {
        self.child.stdin.as_mut()
    }

    /// The child's stdout, if it was piped.
    pub fn stdout(&mut self) -> Option<&mut ChildStdout> {
        self.child.stdout.as_mut()
    }

    /// The child's stderr, if it was piped.
    pub fn stderr(&mut self) -> Option<&mut ChildStderr> {
        self.child.stderr.as_mut()
    }

    /// Takes ownership of the piped stdout (e.g. to read it on another thread).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// Takes ownership of the piped stderr.
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr.take()
    }

    /// Takes ownership of the piped stdin (dropping it closes the pipe).
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.child.stdin.take()
    }

    /// The std `Child` (for anything else std offers; do not wait on it).
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Waits for the child and returns how it ended: `Exited(code)` or
    /// `Signaled(sig)`. Cached after the first success.
    ///
    /// Errors: [`Error::TimeoutExpired`] if `timeout` passes first.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
        self.process.wait(timeout)
    }

    /// The exit code if the child has ended, without blocking (subprocess's `poll`).
    pub fn poll(&self) -> Result<Option<ExitCode>> {
        match self.process.wait(Some(Duration::ZERO)) {
            Ok(code) => Ok(code),
            Err(Error::TimeoutExpired { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The exit code if [`Popen::wait`] already returned it (subprocess's `returncode`).
    pub fn returncode(&self) -> Option<ExitCode> {
        self.process.cached_exit().flatten()
    }
}

impl Deref for Popen {
    type Target = Process;
    fn deref(&self) -> &Process {
        &self.process
    }
}

impl std::fmt::Debug for Popen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Popen({:?})", self.process)
    }
}

// Popen owns a Child, which is Send + Sync; Process is too.
const _: fn() = || {
    fn check<T: Send + Sync>() {}
    check::<Popen>();
    let _ = Arc::new(0);
};
