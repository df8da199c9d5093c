//! `rpsutil pidof NAME`: the pids of the processes called NAME, like psutil's
//! `scripts/pidof.py` and procps `pidof`.

use std::io::Write;

use rpsutil::{Attr, ProcessTable};

use crate::error::{CliError, CliResult};
use crate::util::{field, print_json};

/// Arguments of `rpsutil pidof`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process name, or the first word of its command line.
    pub name: String,
    /// Print a JSON array of pids.
    #[arg(long)]
    pub json: bool,
}

/// Runs `rpsutil pidof`. Exit status 1 and no output when nothing matches (procps).
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let me = std::process::id();
    let rows = ProcessTable::new().snapshot(&[Attr::Pid, Attr::Name, Attr::Cmdline])?;
    let pids: Vec<rpsutil::Pid> = rows
        .iter()
        .filter(|(p, _)| p.pid() != me) // procps pidof never lists itself
        .filter(|(_, info)| {
            field(&info.name).is_some_and(|n| *n == args.name)
                || field(&info.cmdline)
                    .and_then(|c| c.first())
                    .is_some_and(|a| *a == args.name)
        })
        .map(|(p, _)| p.pid())
        .collect();
    if args.json {
        print_json(out, &pids)?;
    } else if !pids.is_empty() {
        let text: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
        writeln!(out, "{}", text.join(" "))?;
    }
    if pids.is_empty() {
        return Err(CliError::Silent(1));
    }
    Ok(())
}
