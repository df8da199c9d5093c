//! The CLI's error type. Every failure travels up to `main`, which prints it (one
//! line on stderr, prefixed `rpsutil: `) and picks the exit status: the single
//! error-printing point of the tool.

use std::fmt;
use std::io;

/// Why a subcommand did not finish normally.
#[derive(Debug)]
pub enum CliError {
    /// A library error (NoSuchProcess, AccessDenied, InvalidInput, ...).
    Lib(rpsutil::Error),
    /// Several independent library errors (e.g. `kill` of several pids): one line each.
    Many(Vec<rpsutil::Error>),
    /// Writing the output failed. A closed pipe (`rpsutil ps | head -1`) is a
    /// normal end, not an error: `main` exits 0 without a message.
    Io(io::Error),
    /// A bad argument the parser could not catch (unknown signal name, bad CPU list).
    Usage(String),
    /// A failure that is neither the library's nor a usage error (a config file
    /// that does not parse, an address that cannot be bound): exit status 1.
    Failed(String),
    /// Exit with this status and print nothing more (pidof found nothing, tty had no
    /// terminal): the subcommand already said what it had to say.
    Silent(u8),
}

/// Result of a subcommand.
pub type CliResult<T = ()> = Result<T, CliError>;

impl From<rpsutil::Error> for CliError {
    fn from(e: rpsutil::Error) -> Self {
        CliError::Lib(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Io(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json keeps the io::ErrorKind when converting back, so a closed pipe
        // stays recognisable as BrokenPipe.
        CliError::Io(io::Error::from(e))
    }
}

/// One line describing a library error. psutil's AccessDenied has no message of its
/// own (its `str()` is just `(pid=1, name='x')`), so the kind is spelled out here.
pub fn describe(e: &rpsutil::Error) -> String {
    let text = e.to_string();
    let text = if e.is_access_denied() {
        if text.is_empty() {
            "access denied".to_string()
        } else {
            format!("access denied {text}")
        }
    } else {
        text
    };
    one_line(&text)
}

/// Joins the lines of a message so that each error is exactly one line of stderr.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Lib(e) => f.write_str(&describe(e)),
            CliError::Many(errs) => {
                let lines: Vec<String> = errs.iter().map(describe).collect();
                f.write_str(&lines.join("\n"))
            }
            CliError::Io(e) => write!(f, "cannot write output: {}", one_line(&e.to_string())),
            CliError::Usage(msg) => f.write_str(&one_line(msg)),
            CliError::Failed(msg) => f.write_str(&one_line(msg)),
            CliError::Silent(code) => write!(f, "exit status {code}"),
        }
    }
}
