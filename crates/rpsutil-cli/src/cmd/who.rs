//! `rpsutil who [FILE]`: logged-in users, like coreutils `who` and psutil's
//! `scripts/who.py`.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{print_json, LocalTime};

/// Arguments of `rpsutil who`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read this utmp file instead of the system's (`/var/run/utmp`), like `who FILE`.
    pub file: Option<PathBuf>,
    /// Print `{"users": [...]}` (psutil's suser objects: name, terminal, host,
    /// started, pid).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    users: &'a [rpsutil::User],
}

/// Runs `rpsutil who`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let users = match &args.file {
        Some(path) => {
            // psutil (and the library) treat a missing system utmp as "nobody is
            // logged in"; a file named on the command line must exist.
            std::fs::metadata(path)
                .map_err(|e| CliError::Usage(format!("cannot open '{}': {e}", path.display())))?;
            rpsutil::users_from(path)?
        }
        None => rpsutil::users()?,
    };
    if args.json {
        return print_json(out, &Report { users: &users });
    }
    for u in &users {
        // coreutils' layout: name, line, login time, then the host in parentheses.
        let started = LocalTime::from_epoch(u.started).ymd_hm();
        let terminal = u.terminal.as_deref().unwrap_or("-");
        let mut line = format!("{:<8} {:<12} {started}", u.name, terminal);
        if !u.host.is_empty() {
            line.push_str(&format!(" ({})", u.host));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
