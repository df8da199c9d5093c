//! `rpsutil ifconfig`: addresses, state and traffic of every network interface, like
//! psutil's `scripts/ifconfig.py`.

use std::collections::BTreeSet;

use rpsutil::IndexMap;
use std::io::Write;

use rpsutil::{AddressFamily, NetIoCounters, NicAddr, NicDuplex, NicStats};
use serde::Serialize;

use crate::error::CliResult;
use crate::util::{bytes2human, print_json};

/// Arguments of `rpsutil ifconfig`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print `{"net_if_addrs": {...}, "net_if_stats": {...}, "net_io_counters": {...}}`
    /// (each by NIC name; counters per NIC).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    net_if_addrs: &'a IndexMap<String, Vec<NicAddr>>,
    net_if_stats: &'a IndexMap<String, NicStats>,
    net_io_counters: &'a IndexMap<String, NetIoCounters>,
}

fn family_label(f: AddressFamily) -> String {
    match f {
        AddressFamily::Inet => "IPv4".to_string(),
        AddressFamily::Inet6 => "IPv6".to_string(),
        AddressFamily::Link => "MAC".to_string(),
        other => other.as_raw().to_string(),
    }
}

/// Runs `rpsutil ifconfig`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let addrs = rpsutil::net_if_addrs()?;
    let stats = rpsutil::net_if_stats()?;
    let io = rpsutil::net_io_counters_pernic(true)?;
    if args.json {
        return print_json(
            out,
            &Report {
                net_if_addrs: &addrs,
                net_if_stats: &stats,
                net_io_counters: &io,
            },
        );
    }
    // ifconfig.py walks net_if_addrs(); a NIC without any address (no MAC either)
    // is still shown when the other calls know it.
    let nics: BTreeSet<&String> = addrs.keys().chain(stats.keys()).chain(io.keys()).collect();
    for nic in nics {
        writeln!(out, "{nic}:")?;
        if let Some(st) = stats.get(nic) {
            let duplex = match st.duplex {
                NicDuplex::Full => "full",
                NicDuplex::Half => "half",
                _ => "?",
            };
            writeln!(
                out,
                "    stats          : speed={}MB, duplex={duplex}, mtu={}, up={}",
                st.speed,
                st.mtu,
                if st.isup { "yes" } else { "no" }
            )?;
        }
        if let Some(c) = io.get(nic) {
            writeln!(
                out,
                "    incoming       : bytes={}, pkts={}, errs={}, drops={}",
                bytes2human(c.bytes_recv),
                c.packets_recv,
                c.errin,
                c.dropin
            )?;
            writeln!(
                out,
                "    outgoing       : bytes={}, pkts={}, errs={}, drops={}",
                bytes2human(c.bytes_sent),
                c.packets_sent,
                c.errout,
                c.dropout
            )?;
        }
        for a in addrs.get(nic).into_iter().flatten() {
            writeln!(
                out,
                "    {:<4} address   : {}",
                family_label(a.family),
                a.address
            )?;
            if let Some(b) = a.broadcast.as_deref().filter(|s| !s.is_empty()) {
                writeln!(out, "         broadcast : {b}")?;
            }
            if let Some(m) = a.netmask.as_deref().filter(|s| !s.is_empty()) {
                writeln!(out, "         netmask   : {m}")?;
            }
            if let Some(p) = a.ptp.as_deref().filter(|s| !s.is_empty()) {
                writeln!(out, "      p2p       : {p}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}
