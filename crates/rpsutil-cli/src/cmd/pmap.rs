//! `rpsutil pmap PID`: the memory mappings of a process, like psutil's
//! `scripts/pmap.py`.

use std::io::Write;

use crate::error::CliResult;
use crate::util::{bytes2human, parse_pid, print_json, process, term_width, write_line};

/// Arguments of `rpsutil pmap`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process.
    #[arg(value_parser = parse_pid)]
    pub pid: rpsutil::Pid,
    /// Print psutil's `memory_maps(grouped=False)` as JSON.
    #[arg(long)]
    pub json: bool,
}

fn row(addr: &str, rss: &str, mode: &str, path: &str) -> String {
    format!("{addr:<20} {rss:>10}  {mode:<7} {path}")
}

/// Runs `rpsutil pmap`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let proc = process(args.pid)?;
    let maps = proc.memory_maps_ext()?;
    if args.json {
        return print_json(out, &maps);
    }
    let width = term_width();
    write_line(out, &row("Address", "RSS", "Mode", "Mapping"), width)?;
    let mut total: u64 = 0;
    for m in &maps {
        total = total.saturating_add(m.region.rss);
        let start = m.addr.split('-').next().unwrap_or("");
        let addr = format!("{start:0>16}");
        let line = row(
            &addr,
            &bytes2human(m.region.rss),
            &m.perms,
            &m.region.path.to_string_lossy(),
        );
        write_line(out, &line, width)?;
    }
    writeln!(out, "{}", "-".repeat(31))?;
    writeln!(out, "{}", row("Total", &bytes2human(total), "", ""))?;
    let name = proc.name().unwrap_or_default();
    writeln!(out, "PID = {}, name = {}", proc.pid(), name)?;
    Ok(())
}
