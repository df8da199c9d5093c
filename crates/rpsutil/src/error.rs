//! The error model: psutil's exceptions as one Rust enum.
//!
//! | psutil | rpsutil |
//! |---|---|
//! | `NoSuchProcess` | [`Error::NoSuchProcess`] |
//! | `ZombieProcess` | [`Error::ZombieProcess`] ([`Error::is_no_such_process`] is true for it too, as it subclasses NoSuchProcess) |
//! | `AccessDenied` | [`Error::AccessDenied`] |
//! | `TimeoutExpired` | [`Error::TimeoutExpired`] |
//! | attribute missing on this OS | [`Error::Unsupported`] |
//! | `ValueError` / `TypeError` | [`Error::InvalidInput`] |
//! | other `OSError` | [`Error::Os`] |
//! | (a psutil bug: `ValueError` while parsing) | [`Error::Parse`] |
//!
//! Each backend translates OS errors in one place (`sys::<os>::errors`), following
//! psutil's `wrap_exceptions`.

use std::fmt;
use std::io;

use crate::Pid;

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong. `Display` follows psutil's `str(exc)`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The process does not exist (any more), or its PID was reused.
    #[error("{}", fmt_proc(msg, Some(*pid), None, name.as_deref()))]
    NoSuchProcess {
        /// The pid asked for.
        pid: Pid,
        /// The process name, if it was known before it vanished.
        name: Option<String>,
        /// `"process no longer exists"` or a more precise reason.
        msg: String,
    },
    /// The process exists but is a zombie: most data is gone, some (name, status,
    /// ppid, times) is still there.
    #[error("{}", fmt_proc(msg, Some(*pid), *ppid, name.as_deref()))]
    ZombieProcess {
        /// The zombie's pid.
        pid: Pid,
        /// Its name, if known.
        name: Option<String>,
        /// Its parent, if known (psutil's Linux backend never fills it either).
        ppid: Option<Pid>,
        /// `"PID still exists but it's a zombie"`.
        msg: String,
    },
    /// Permission denied by the OS (EACCES/EPERM).
    #[error("{}", fmt_proc(msg, *pid, None, name.as_deref()))]
    AccessDenied {
        /// The pid concerned.
        pid: Option<Pid>,
        /// Its name, if known.
        name: Option<String>,
        /// An optional detail (empty, as psutil, by default).
        msg: String,
    },
    /// A wait took longer than its timeout.
    #[error("{}", fmt_proc(&format!("timeout after {} seconds", fmt_secs(*seconds)), *pid, None, name.as_deref()))]
    TimeoutExpired {
        /// The timeout, in seconds.
        seconds: f64,
        /// The pid waited for.
        pid: Option<Pid>,
        /// Its name, if known.
        name: Option<String>,
    },
    /// This OS, this kernel or this build has no such data or operation.
    #[error("not supported: {what}")]
    Unsupported {
        /// What is missing.
        what: String,
    },
    /// A bad argument (psutil's `ValueError`/`TypeError`).
    #[error("{what}")]
    InvalidInput {
        /// What is wrong with it.
        what: String,
    },
    /// Any other OS error, with the path or syscall it came from.
    #[error("{context}: {source}")]
    Os {
        /// The underlying error.
        source: io::Error,
        /// The path or syscall.
        context: String,
    },
    /// Data from the OS in a shape the parser does not know: a bug report, never a panic.
    #[error("cannot parse {path}: {detail}")]
    Parse {
        /// The file (or call) the data came from.
        path: String,
        /// What was wrong.
        detail: String,
    },
}

fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}

/// psutil's `Error.__str__`: the message, then `(pid=…, ppid=…, name='…')` with the
/// known items.
fn fmt_proc(msg: &str, pid: Option<Pid>, ppid: Option<Pid>, name: Option<&str>) -> String {
    let mut details = Vec::new();
    if let Some(pid) = pid {
        details.push(format!("pid={pid}"));
    }
    if let Some(ppid) = ppid {
        details.push(format!("ppid={ppid}"));
    }
    if let Some(name) = name {
        if !name.is_empty() {
            details.push(format!("name='{name}'"));
        }
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!("({})", details.join(", "))
    };
    [msg, details.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Error {
    /// `NoSuchProcess` with psutil's default message.
    pub fn no_such_process(pid: Pid) -> Self {
        Error::NoSuchProcess {
            pid,
            name: None,
            msg: "process no longer exists".into(),
        }
    }

    /// `NoSuchProcess` for a pid that now names another process (psutil's message
    /// when the identity check before a signal or setter fails).
    pub(crate) fn pid_reused(pid: Pid, name: Option<String>) -> Self {
        Error::NoSuchProcess {
            pid,
            name,
            msg: "process no longer exists and its PID has been reused".into(),
        }
    }

    /// `ZombieProcess` with psutil's default message.
    pub fn zombie(pid: Pid) -> Self {
        Error::ZombieProcess {
            pid,
            name: None,
            ppid: None,
            msg: "PID still exists but it's a zombie".into(),
        }
    }

    /// `AccessDenied` for a pid.
    pub fn access_denied(pid: Pid) -> Self {
        Error::AccessDenied {
            pid: Some(pid),
            name: None,
            msg: String::new(),
        }
    }

    /// `Unsupported` for a feature name.
    pub fn unsupported(what: impl Into<String>) -> Self {
        Error::Unsupported { what: what.into() }
    }

    /// `InvalidInput` with a message.
    pub fn invalid(what: impl Into<String>) -> Self {
        Error::InvalidInput { what: what.into() }
    }

    /// An OS error with its context.
    pub fn os(source: io::Error, context: impl Into<String>) -> Self {
        Error::Os {
            source,
            context: context.into(),
        }
    }

    /// True for `NoSuchProcess` and `ZombieProcess` (psutil: ZombieProcess subclasses
    /// NoSuchProcess).
    pub fn is_no_such_process(&self) -> bool {
        matches!(
            self,
            Error::NoSuchProcess { .. } | Error::ZombieProcess { .. }
        )
    }

    /// True for `ZombieProcess`.
    pub fn is_zombie(&self) -> bool {
        matches!(self, Error::ZombieProcess { .. })
    }

    /// True for `AccessDenied`.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Error::AccessDenied { .. })
    }

    /// True for `Unsupported`.
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Error::Unsupported { .. })
    }

    /// Fills the process name into a process error that has none (psutil fills it
    /// from the name last read on the instance).
    pub(crate) fn with_name(mut self, known: Option<&str>) -> Self {
        if let Some(known) = known {
            match &mut self {
                Error::NoSuchProcess { name, .. }
                | Error::ZombieProcess { name, .. }
                | Error::AccessDenied { name, .. }
                | Error::TimeoutExpired { name, .. }
                    if name.is_none() =>
                {
                    *name = Some(known.to_string());
                }
                _ => {}
            }
        }
        self
    }
}

/// What an attribute of a snapshot holds when it could not be read for that process:
/// the kinds of error that `as_dict(ad_value=...)` replaces with a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldError {
    /// AccessDenied for this attribute.
    AccessDenied,
    /// The process is a zombie and this attribute is gone with its memory.
    ZombieProcess,
    /// The attribute does not exist on this OS or kernel.
    Unsupported,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldError::AccessDenied => "access denied",
            FieldError::ZombieProcess => "zombie process",
            FieldError::Unsupported => "not supported",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_psutil() {
        let e = Error::no_such_process(1).with_name(Some("a"));
        assert_eq!(e.to_string(), "process no longer exists (pid=1, name='a')");
        let e = Error::access_denied(1).with_name(Some("x"));
        assert_eq!(e.to_string(), "(pid=1, name='x')");
        let e = Error::TimeoutExpired {
            seconds: 3.0,
            pid: Some(1),
            name: Some("x".into()),
        };
        assert_eq!(e.to_string(), "timeout after 3 seconds (pid=1, name='x')");
        let e = Error::TimeoutExpired {
            seconds: 0.5,
            pid: None,
            name: None,
        };
        assert_eq!(e.to_string(), "timeout after 0.5 seconds");
        assert!(Error::zombie(3).is_no_such_process());
        assert_eq!(
            Error::zombie(3).to_string(),
            "PID still exists but it's a zombie (pid=3)"
        );
    }
}
