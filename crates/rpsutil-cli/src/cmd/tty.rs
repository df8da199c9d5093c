//! `rpsutil tty [PID]`: the controlling terminal of a process.

use std::io::Write;

use rpsutil::Process;
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{parse_pid, print_json, process};

/// Arguments of `rpsutil tty`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process (default: rpsutil itself, i.e. the terminal it was started from).
    #[arg(value_parser = parse_pid)]
    pub pid: Option<rpsutil::Pid>,
    /// Print `{"pid": .., "terminal": str|null}` (exit status 0 even without one).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    pid: rpsutil::Pid,
    terminal: Option<String>,
}

/// Runs `rpsutil tty`: prints the terminal, or `not a tty` with exit status 1 as
/// tty(1) does.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let p = match args.pid {
        Some(pid) => process(pid)?,
        None => Process::current()?,
    };
    let terminal = p.terminal()?;
    if args.json {
        return print_json(
            out,
            &Report {
                pid: p.pid(),
                terminal,
            },
        );
    }
    match terminal {
        Some(t) => {
            writeln!(out, "{t}")?;
            Ok(())
        }
        None => {
            writeln!(out, "not a tty")?;
            Err(CliError::Silent(1))
        }
    }
}
