//! `rpsutil free`: physical memory and swap, like procps `free` and psutil's
//! `scripts/free.py`.

use std::io::Write;

use serde::Serialize;

use crate::error::CliResult;
use crate::util::{bytes2human, part, print_json};

/// Arguments of `rpsutil free`. `-h` is "human", as in procps, so help is `--help`.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
#[command(group(clap::ArgGroup::new("unit").multiple(false)))]
pub struct Args {
    /// Show sizes in bytes.
    #[arg(short = 'b', long = "bytes", group = "unit")]
    pub bytes: bool,
    /// Show sizes in kibibytes (the default).
    #[arg(short = 'k', long = "kibi", group = "unit")]
    pub kibi: bool,
    /// Show sizes in mebibytes.
    #[arg(short = 'm', long = "mebi", group = "unit")]
    pub mebi: bool,
    /// Show sizes in gibibytes.
    #[arg(short = 'g', long = "gibi", group = "unit")]
    pub gibi: bool,
    /// Show sizes in human-readable form (psutil's bytes2human: 1.5G).
    #[arg(short = 'h', long = "human", group = "unit")]
    pub human: bool,
    /// Print `{"virtual_memory": {...}, "swap_memory": {...}}` (bytes, psutil's fields).
    #[arg(long)]
    pub json: bool,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

#[derive(Serialize)]
struct Report {
    virtual_memory: rpsutil::VirtualMemory,
    swap_memory: Option<rpsutil::SwapMemory>,
}

/// How a byte count is shown.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Shift(u32),
    Human,
}

impl Unit {
    fn show(self, n: u64) -> String {
        match self {
            // procps truncates: `free -m` of 1.9 MiB is 1.
            Unit::Shift(s) => (n >> s).to_string(),
            Unit::Human => bytes2human(n),
        }
    }
}

/// procps's layout: an 8-column label, then values right-aligned in 12 columns.
fn line(label: &str, cols: &[String]) -> String {
    let mut s = format!("{label:<8}");
    for c in cols {
        s.push_str(&format!(" {c:>11}"));
    }
    s.trim_end().to_string()
}

/// Runs `rpsutil free`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let vm = rpsutil::virtual_memory()?;
    // Swap may be missing (Windows under Wine: no PDH paging-file counter).
    let sw = part("swap_memory", rpsutil::swap_memory())?;
    if args.json {
        return print_json(
            out,
            &Report {
                virtual_memory: vm,
                swap_memory: sw,
            },
        );
    }
    let unit = if args.bytes {
        Unit::Shift(0)
    } else if args.mebi {
        Unit::Shift(20)
    } else if args.gibi {
        Unit::Shift(30)
    } else if args.human {
        Unit::Human
    } else {
        Unit::Shift(10)
    };
    let header: Vec<String> = ["total", "used", "free", "shared", "buff/cache", "available"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    writeln!(out, "{}", line("", &header))?;
    let buff_cache = vm.buffers.unwrap_or(0) + vm.cached.unwrap_or(0);
    let mem = [
        vm.total,
        vm.used,
        vm.free,
        vm.shared.unwrap_or(0),
        buff_cache,
        vm.available,
    ];
    let mem: Vec<String> = mem.iter().map(|&n| unit.show(n)).collect();
    writeln!(out, "{}", line("Mem:", &mem))?;
    if let Some(sw) = sw {
        let swap: Vec<String> = [sw.total, sw.used, sw.free]
            .iter()
            .map(|&n| unit.show(n))
            .collect();
        writeln!(out, "{}", line("Swap:", &swap))?;
    }
    Ok(())
}
