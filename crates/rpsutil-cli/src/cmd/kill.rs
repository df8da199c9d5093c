//! `rpsutil kill [-s SIGNAL] PID...`: send a signal to processes, PID-reuse safe.

use std::io::Write;

use serde::Serialize;

use crate::error::{describe, CliError, CliResult};
use crate::util::{parse_pid, parse_signal, print_json, process};

/// Arguments of `rpsutil kill`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signal: a name (TERM, SIGTERM, KILL, HUP...) or a number.
    #[arg(short, long, default_value = "TERM")]
    pub signal: String,
    /// The processes.
    #[arg(required = true, value_parser = parse_pid)]
    pub pids: Vec<rpsutil::Pid>,
    /// Print a JSON array of `{pid, signal, ok, error}`.
    #[arg(long)]
    pub json: bool,
}

/// The outcome for one pid.
#[derive(Debug, Serialize)]
struct Outcome {
    pid: rpsutil::Pid,
    signal: i32,
    ok: bool,
    error: Option<String>,
}

/// Runs `rpsutil kill`. Every pid is tried; the status is 1 if any failed.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let sig = parse_signal(&args.signal)?;
    let mut outcomes = Vec::new();
    let mut errors = Vec::new();
    for &pid in &args.pids {
        match process(pid).and_then(|p| Ok(p.send_signal(sig)?)) {
            Ok(()) => outcomes.push(Outcome {
                pid,
                signal: sig,
                ok: true,
                error: None,
            }),
            Err(CliError::Lib(e)) => {
                outcomes.push(Outcome {
                    pid,
                    signal: sig,
                    ok: false,
                    error: Some(describe(&e)),
                });
                errors.push(e);
            }
            Err(other) => return Err(other),
        }
    }
    if args.json {
        print_json(out, &outcomes)?;
        if !errors.is_empty() {
            return Err(CliError::Silent(1));
        }
        return Ok(());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Many(errors))
    }
}
