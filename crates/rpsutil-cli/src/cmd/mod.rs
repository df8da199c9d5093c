//! The subcommands, one module each. Every `run` writes to the given output and
//! returns errors to `main`, never printing them itself.

use std::io::Write;

use clap::Subcommand;

use crate::error::CliResult;

pub mod cpu;
pub mod df;
pub mod free;
pub mod ifconfig;
pub mod ionice;
pub mod iostat;
pub mod iotop;
pub mod kill;
pub mod lsof;
pub mod netstat;
pub mod nettop;
pub mod nice;
pub mod pidof;
pub mod pmap;
pub mod procinfo;
pub mod procsmem;
pub mod ps;
pub mod pstree;
pub mod sensors;
pub mod serve;
pub mod taskset;
pub mod top;
pub mod tty;
pub mod uptime;
pub mod who;
pub mod winservices;

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List processes (USER PID %MEM VSZ RSS NICE STATUS START TIME CMDLINE), like psutil's ps.py.
    Ps(ps::Args),
    /// Everything about one process, like psutil's procinfo.py.
    Procinfo(procinfo::Args),
    /// Pids of the processes named NAME.
    Pidof(pidof::Args),
    /// The process tree, like psutil's pstree.py.
    Pstree(pstree::Args),
    /// Memory mappings of a process, like pmap.
    Pmap(pmap::Args),
    /// USS, PSS and swap of every process, like smem.
    Procsmem(procsmem::Args),
    /// Open files and sockets of every process, or of one.
    Lsof(lsof::Args),
    /// Send a signal to processes.
    Kill(kill::Args),
    /// Get or set the nice value of a process.
    Nice(nice::Args),
    /// Get or set the I/O scheduling class and priority of a process.
    Ionice(ionice::Args),
    /// Get or set the CPU affinity of a process.
    Taskset(taskset::Args),
    /// The controlling terminal of a process.
    Tty(tty::Args),
    /// Memory and swap use, like free (KiB by default).
    Free(free::Args),
    /// Space of the mounted file systems, like df.
    Df(df::Args),
    /// Every socket with its owner process, like netstat -anp / ss -anp.
    Netstat(netstat::Args),
    /// Traffic rates per network interface, like psutil's nettop.py.
    Nettop(nettop::Args),
    /// Addresses, state and traffic of each network interface, like psutil's ifconfig.py.
    Ifconfig(ifconfig::Args),
    /// Logged-in users, like who.
    Who(who::Args),
    /// Time, time since boot, users and load averages, like uptime.
    Uptime(uptime::Args),
    /// Disk I/O per device, like iostat -d.
    Iostat(iostat::Args),
    /// Disk read/write rates per process, like iotop -b (iotop-c's batch layout).
    Iotop(iotop::Args),
    /// Temperatures, fans and battery, like psutil's sensors.py.
    Sensors(sensors::Args),
    /// CPU counts, frequency, statistics, load, times and busy percent per CPU.
    Cpu(cpu::Args),
    /// Every Windows service, like psutil's winservices.py (Windows only).
    Winservices(winservices::Args),
    /// Processes and system load, refreshed, like top (batch mode: -b, --json).
    Top(top::Args),
    /// A Prometheus exporter: node_exporter's and process-exporter's metrics on
    /// one port (default :9100), collected at scrape time.
    Serve(Box<serve::Args>),
}

/// Runs one subcommand, writing its output to `out`.
pub fn run(command: Command, out: &mut dyn Write) -> CliResult {
    match command {
        Command::Ps(a) => ps::run(&a, out),
        Command::Procinfo(a) => procinfo::run(&a, out),
        Command::Pidof(a) => pidof::run(&a, out),
        Command::Pstree(a) => pstree::run(&a, out),
        Command::Pmap(a) => pmap::run(&a, out),
        Command::Procsmem(a) => procsmem::run(&a, out),
        Command::Lsof(a) => lsof::run(&a, out),
        Command::Kill(a) => kill::run(&a, out),
        Command::Nice(a) => nice::run(&a, out),
        Command::Ionice(a) => ionice::run(&a, out),
        Command::Taskset(a) => taskset::run(&a, out),
        Command::Tty(a) => tty::run(&a, out),
        Command::Free(a) => free::run(&a, out),
        Command::Df(a) => df::run(&a, out),
        Command::Netstat(a) => netstat::run(&a, out),
        Command::Nettop(a) => nettop::run(&a, out),
        Command::Ifconfig(a) => ifconfig::run(&a, out),
        Command::Who(a) => who::run(&a, out),
        Command::Uptime(a) => uptime::run(&a, out),
        Command::Iostat(a) => iostat::run(&a, out),
        Command::Iotop(a) => iotop::run(&a, out),
        Command::Sensors(a) => sensors::run(&a, out),
        Command::Cpu(a) => cpu::run(&a, out),
        Command::Winservices(a) => winservices::run(&a, out),
        Command::Top(a) => top::run(&a, out),
        Command::Serve(a) => serve::run(&a, out),
    }
}
