//! `rpsutil nice PID [VALUE]`: get or set a process's nice value.

use std::io::Write;

use serde::Serialize;

use crate::error::CliResult;
use crate::util::{parse_pid, print_json, process};

/// Arguments of `rpsutil nice`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process.
    #[arg(value_parser = parse_pid)]
    pub pid: rpsutil::Pid,
    /// The new nice value (-20 highest priority .. 19 lowest); omit to read it.
    #[arg(allow_negative_numbers = true)]
    pub value: Option<i32>,
    /// Print `{"pid": .., "nice": ..}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    pid: rpsutil::Pid,
    nice: i32,
}

/// Runs `rpsutil nice`: sets the value if one is given, then prints the value the
/// kernel reports (it clamps out-of-range values).
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let p = process(args.pid)?;
    if let Some(v) = args.value {
        p.set_nice(v)?;
    }
    let nice = p.nice()?;
    if args.json {
        return print_json(out, &Report { pid: p.pid(), nice });
    }
    writeln!(out, "{nice}")?;
    Ok(())
}
