//! `rpsutil ionice PID [CLASS [VALUE]]`: get or set a process's I/O scheduling class
//! and priority.

use std::io::Write;

use rpsutil::{IoNice, IoPriorityClass};
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{parse_pid, print_json, process};

/// Arguments of `rpsutil ionice`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process.
    #[arg(value_parser = parse_pid)]
    pub pid: rpsutil::Pid,
    /// The class: 0-3, none, rt|realtime, be|best-effort, idle, or IOPRIO_CLASS_*.
    pub class: Option<String>,
    /// The priority within the class, 0 (highest) to 7 (realtime and best-effort only).
    #[arg(allow_negative_numbers = true)]
    pub value: Option<i32>,
    /// Print `{"pid": .., "ionice": {"ioclass": int, "value": int}}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    pid: rpsutil::Pid,
    ionice: IoNice,
}

/// ionice(1)'s name of a class.
fn class_name(c: IoPriorityClass) -> &'static str {
    match c {
        IoPriorityClass::Realtime => "realtime",
        IoPriorityClass::BestEffort => "best-effort",
        IoPriorityClass::Idle => "idle",
        _ => "none",
    }
}

/// Runs `rpsutil ionice`: sets the class if one is given, then prints the current
/// setting the way ionice(1) does (`best-effort: prio 4`, `idle`).
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let p = process(args.pid)?;
    if let Some(class) = &args.class {
        let class: IoPriorityClass = class
            .parse()
            .map_err(|e: rpsutil::Error| CliError::Usage(e.to_string()))?;
        p.set_ionice(class, args.value)?;
    }
    let io = p.ionice()?;
    if args.json {
        return print_json(
            out,
            &Report {
                pid: p.pid(),
                ionice: io,
            },
        );
    }
    if io.ioclass == IoPriorityClass::Idle {
        writeln!(out, "{}", class_name(io.ioclass))?;
    } else {
        writeln!(out, "{}: prio {}", class_name(io.ioclass), io.value)?;
    }
    Ok(())
}
