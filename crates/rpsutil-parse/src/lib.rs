//! Pure parsers for the text operating systems hand out through pseudo-files
//! (`/proc`, `/sys`): bytes in, typed data out.
//!
//! Nothing here touches the file system, calls libc or depends on the target OS:
//! every parser takes the bytes of one file (or one line) and returns a typed value
//! or a [`ParseError`]. Malformed input never panics; the property tests in each
//! module feed arbitrary bytes to check that.
//!
//! ```
//! let stat = rpsutil_parse::linux::stat::parse_stat(
//!     b"42 (my (odd) name) S 1 42 42 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 1 0 1234 1000 10 0",
//! ).unwrap();
//! assert_eq!(stat.comm, b"my (odd) name");
//! assert_eq!(stat.ppid, 1);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bsd;
pub mod linux;
pub mod macos;
pub mod sunos;
mod util;

use std::fmt;

/// Malformed input: what was expected and where it was not found.
///
/// The caller (the I/O layer) adds the path of the file the bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// A short human description of what was wrong.
    pub detail: String,
}

impl ParseError {
    /// Builds an error with the given description.
    pub fn new(detail: impl Into<String>) -> Self {
        ParseError {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ParseError {}

/// Result of a parser.
pub type Result<T> = std::result::Result<T, ParseError>;
