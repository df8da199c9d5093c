//! `rpsutil df`: space of the mounted file systems, like coreutils `df -T` and
//! psutil's `scripts/disk_usage.py`.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{bytes2human, print_json, push_padded, Align};

/// Arguments of `rpsutil df`. `-h` is "human", as in coreutils, so help is `--help`.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Every mounted file system (psutil's `disk_partitions(all=True)`), not only
    /// physical devices: tmpfs, proc, overlay...
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Show sizes in human-readable form (psutil's bytes2human: 1.5G).
    #[arg(short = 'h', long = "human-readable")]
    pub human: bool,
    /// Show sizes in blocks of SIZE bytes: a number, or K, M, G, T (powers of 1024),
    /// e.g. `-B1` for bytes. Default 1K, as df.
    #[arg(short = 'B', long = "block-size", value_name = "SIZE")]
    pub block_size: Option<String>,
    /// Print `{"disk_partitions": [...], "disk_usage": {"<mountpoint>": {...}}}`
    /// (bytes; null for a mount point that cannot be read).
    #[arg(long)]
    pub json: bool,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

#[derive(Serialize)]
struct Report<'a> {
    disk_partitions: &'a [rpsutil::DiskPartition],
    disk_usage: BTreeMap<&'a str, Option<rpsutil::DiskUsage>>,
}

/// Parses `-B SIZE`: `1`, `4096`, `K`, `1K`, `M`, `2G`... (powers of 1024).
fn parse_block_size(s: &str) -> CliResult<u64> {
    let bad = || CliError::Usage(format!("invalid block size '{s}'"));
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    let n: u64 = if digits.is_empty() {
        1
    } else {
        digits.parse().map_err(|_| bad())?
    };
    let mult: u64 = match suffix.to_ascii_uppercase().as_str() {
        "" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).filter(|b| *b > 0).ok_or_else(bad)
}

/// The size column's title: `1K-blocks`, `1B-blocks`, `4K-blocks`, `1M-blocks`.
fn blocks_title(b: u64) -> String {
    for (shift, sym) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
        if b % (1 << shift) == 0 {
            return format!("{}{sym}-blocks", b >> shift);
        }
    }
    format!("{b}B-blocks")
}

/// How a byte count is shown.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// Blocks of this many bytes, rounded up as df does.
    Blocks(u64),
    Human,
}

impl Unit {
    fn show(self, n: u64) -> String {
        match self {
            Unit::Blocks(b) => n.div_ceil(b).to_string(),
            Unit::Human => bytes2human(n),
        }
    }
}

/// df's Use%: `used / (used + avail)` rounded up, `-` when both are 0.
fn use_percent(u: &rpsutil::DiskUsage) -> String {
    let denom = u128::from(u.used) + u128::from(u.free);
    if denom == 0 {
        return "-".to_string();
    }
    let pct = (u128::from(u.used) * 100).div_ceil(denom);
    format!("{pct}%")
}

/// Prints rows in columns as wide as their widest cell; `right` marks the numeric
/// columns; the last column is not padded. The widths come from the mount table, so
/// they can exceed what a `{:w$}` format argument accepts: `push_padded` pads.
fn print_table(out: &mut dyn Write, rows: &[Vec<String>], right: &[bool]) -> CliResult {
    let ncols = right.len();
    let mut widths = vec![0usize; ncols];
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            match (widths.get(i), right.get(i)) {
                (Some(&w), Some(&numeric)) if i + 1 < ncols => {
                    let align = if numeric { Align::Right } else { Align::Left };
                    push_padded(&mut line, c, w, align);
                }
                _ => line.push_str(c),
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Runs `rpsutil df`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let unit = if args.human {
        Unit::Human
    } else {
        Unit::Blocks(match &args.block_size {
            Some(s) => parse_block_size(s)?,
            None => 1024,
        })
    };
    let parts = rpsutil::disk_partitions(args.all)?;
    // A mount point that cannot be read (permission, a hung network file system)
    // is left out of the table and null in the JSON, not fatal.
    let usage: Vec<Option<rpsutil::DiskUsage>> = parts
        .iter()
        .map(|p| rpsutil::disk_usage(&p.mountpoint).ok())
        .collect();
    if args.json {
        let report = Report {
            disk_partitions: &parts,
            disk_usage: parts
                .iter()
                .zip(&usage)
                .map(|(p, u)| (p.mountpoint.as_str(), *u))
                .collect(),
        };
        return print_json(out, &report);
    }
    let size_title = match unit {
        Unit::Human => "Size".to_string(),
        Unit::Blocks(b) => blocks_title(b),
    };
    let mut rows = vec![vec![
        "Filesystem".to_string(),
        "Type".to_string(),
        size_title,
        "Used".to_string(),
        "Avail".to_string(),
        "Use%".to_string(),
        "Mounted on".to_string(),
    ]];
    for (p, u) in parts.iter().zip(&usage) {
        let Some(u) = u else { continue };
        let device = if p.device.is_empty() {
            "none"
        } else {
            &p.device
        };
        rows.push(vec![
            device.to_string(),
            p.fstype.clone(),
            unit.show(u.total),
            unit.show(u.used),
            unit.show(u.free),
            use_percent(u),
            p.mountpoint.clone(),
        ]);
    }
    print_table(out, &rows, &[false, false, true, true, true, true, false])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes() {
        assert_eq!(parse_block_size("1").ok(), Some(1));
        assert_eq!(parse_block_size("K").ok(), Some(1024));
        assert_eq!(parse_block_size("4k").ok(), Some(4096));
        assert_eq!(parse_block_size("1M").ok(), Some(1 << 20));
        for bad in ["", "0", "x", "1Q", "-1", "99999999999999999999"] {
            assert!(parse_block_size(bad).is_err(), "{bad}");
        }
        assert_eq!(blocks_title(1), "1B-blocks");
        assert_eq!(blocks_title(1024), "1K-blocks");
        assert_eq!(blocks_title(4096), "4K-blocks");
        assert_eq!(blocks_title(1 << 20), "1M-blocks");
        assert_eq!(blocks_title(1000), "1000B-blocks");
    }

    fn table(rows: &[Vec<String>]) -> String {
        let mut out = Vec::new();
        print_table(&mut out, rows, &[false, true, false]).expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    fn row(cells: [&str; 3]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn table_columns() {
        let rows = [
            row(["Filesystem", "Size", "Mounted on"]),
            row(["a", "1234567890123", "/"]),
        ];
        assert_eq!(
            table(&rows),
            "Filesystem          Size Mounted on
a          1234567890123 /
"
        );
    }

    /// A cell longer than u16::MAX characters: the formatter's `{:w$}` would panic
    /// ("Formatting argument out of range"); the table pads every other row to it.
    #[test]
    fn table_with_a_cell_wider_than_u16_max() {
        let device = format!("/dev/{}", "x".repeat(70_000));
        let size = "9".repeat(66_000);
        let rows = [
            row(["Filesystem", "Size", "Mounted on"]),
            row([&device, "1", "/"]),
            row(["tmpfs", &size, "/tmp"]),
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let w0 = device.len();
        let w1 = size.len();
        assert_eq!(lines[1], format!("{device} {}1 /", " ".repeat(w1 - 1)));
        assert_eq!(
            lines[2],
            format!("tmpfs{} {size} /tmp", " ".repeat(w0 - "tmpfs".len()))
        );
        assert!(lines[0].starts_with("Filesystem "));
        assert!(lines[0].ends_with("Size Mounted on"));
        assert_eq!(lines[0].len(), w0 + 1 + w1 + 1 + "Mounted on".len());
    }
}
