//! `rpsutil serve`: node_exporter's and process-exporter's metrics from one
//! process, collected by the library at scrape time (crate `rpsutil-serve`).
//!
//! The flags are node_exporter's where the two overlap (`--web.listen-address`,
//! `--collector.X`, `--path.procfs`...) and process-exporter's for the process
//! groups (`--config.path`, `--children`), so existing service files and scrape
//! configs keep working.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgAction, ArgMatches, FromArgMatches};
use rpsutil_serve::collect::{
    CollectOptions, Scraper, COLLECTORS, DEFAULT_DISK_DEVICE_EXCLUDE, DEFAULT_FS_TYPES_EXCLUDE,
    DEFAULT_MOUNT_POINTS_EXCLUDE,
};
use rpsutil_serve::encode::{encode, Format};
use rpsutil_serve::http::{serve, HttpOptions};
use rpsutil_serve::model::MetricsSource;

use crate::error::{CliError, CliResult};

const NOTES: &str = "\
Collectors (node_exporter's names; on by default unless marked):
  cpu diskstats filesystem hwmon loadavg meminfo netclass netdev os stat
  thermal_zone time uname, and process (off by default, on with
  --collector.process or --config.path: process-exporter's namedprocess_*
  metrics). --collector.NAME turns one on, --no-collector.NAME off,
  --collector.disable-defaults starts from none. A scrape can narrow them with
  ?collect[]=NAME or ?exclude[]=NAME.

Formats: Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the scraper's Accept
header prefers it (Prometheus does); ?format=text|openmetrics forces one.

Fleet: point Prometheus at host:9100 (see README, \"Monitor a fleet\").";

/// Arguments of `rpsutil serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = NOTES)]
pub struct Args {
    /// Address to listen on: `:PORT` (every address), `HOST:PORT` or `[V6]:PORT`.
    #[arg(
        long = "web.listen-address",
        default_value = ":9100",
        value_name = "ADDR"
    )]
    pub listen: String,
    /// Path under which metrics are served.
    #[arg(
        long = "web.telemetry-path",
        default_value = "/metrics",
        value_name = "PATH"
    )]
    pub telemetry_path: String,
    /// Scrapes answered at once; more get 503 (0: no limit).
    #[arg(long = "web.max-requests", default_value_t = 40, value_name = "N")]
    pub max_requests: usize,
    /// node_exporter's web config file (TLS and basic auth), re-read when it
    /// changes.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config: Option<PathBuf>,
    /// Leave out the metrics about the exporter itself (promhttp_*, process_*).
    #[arg(long = "web.disable-exporter-metrics")]
    pub disable_exporter_metrics: bool,
    /// Print one exposition (text 0.0.4) to stdout and exit: for textfile
    /// collectors, cron jobs and debugging.
    #[arg(long)]
    pub once: bool,
    /// With --once: the format to print.
    #[arg(long = "once.format", value_parser = ["text", "openmetrics"], default_value = "text")]
    pub once_format: String,
    /// procfs mount point.
    #[arg(long = "path.procfs", default_value = "/proc", value_name = "DIR")]
    pub procfs: PathBuf,
    /// sysfs mount point.
    #[arg(long = "path.sysfs", default_value = "/sys", value_name = "DIR")]
    pub sysfs: PathBuf,
    /// The host's root file system (mount points and os-release are read under it).
    #[arg(long = "path.rootfs", default_value = "/", value_name = "DIR")]
    pub rootfs: PathBuf,
    /// udev's database (disk model and serial labels).
    #[arg(
        long = "path.udev.data",
        default_value = "/run/udev/data",
        value_name = "DIR"
    )]
    pub udev_data: PathBuf,
    /// A statfs slower than this marks the mount `device_error` and is skipped.
    #[arg(long = "collector.filesystem.mount-timeout", default_value = "5s", value_name = "DURATION",
          value_parser = parse_duration)]
    pub mount_timeout: Duration,
    /// Mount points to leave out (regular expression).
    #[arg(long = "collector.filesystem.mount-points-exclude", value_name = "REGEX",
          default_value = DEFAULT_MOUNT_POINTS_EXCLUDE)]
    pub mount_points_exclude: String,
    /// File system types to leave out (regular expression).
    #[arg(long = "collector.filesystem.fs-types-exclude", value_name = "REGEX",
          default_value = DEFAULT_FS_TYPES_EXCLUDE)]
    pub fs_types_exclude: String,
    /// Disks to leave out (regular expression; default: partitions, ram, loop).
    #[arg(long = "collector.diskstats.device-exclude", value_name = "REGEX",
          default_value = DEFAULT_DISK_DEVICE_EXCLUDE)]
    pub disk_device_exclude: String,
    /// Network devices to leave out (regular expression).
    #[arg(long = "collector.netdev.device-exclude", value_name = "REGEX")]
    pub netdev_device_exclude: Option<String>,
    /// Only these network devices (regular expression).
    #[arg(long = "collector.netdev.device-include", value_name = "REGEX")]
    pub netdev_device_include: Option<String>,
    /// Network devices netclass leaves out (regular expression).
    #[arg(
        long = "collector.netclass.ignored-devices",
        value_name = "REGEX",
        default_value = "^$"
    )]
    pub netclass_ignored_devices: String,
    /// process-exporter's YAML config (process_names:); turns the process
    /// collector on.
    #[arg(long = "config.path", value_name = "FILE")]
    pub process_config: Option<PathBuf>,
    /// process-exporter's -children: a process no rule matches joins the group of
    /// its nearest matched ancestor.
    #[arg(long = "children", default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub children: bool,
    /// Also expose the N heaviest processes (by CPU and by memory) one by one:
    /// at most 2N processes, whatever the number running.
    #[arg(long = "proc.topk", default_value_t = 0, value_name = "N")]
    pub topk: usize,
    /// --collector.NAME, --no-collector.NAME, --collector.disable-defaults.
    #[command(flatten)]
    pub collectors: CollectorSwitches,
}

/// node_exporter's collector switches, one pair per collector of [`COLLECTORS`].
#[derive(Debug, Clone, Default)]
pub struct CollectorSwitches {
    /// `--collector.disable-defaults`.
    pub disable_defaults: bool,
    /// Collectors turned on by `--collector.NAME`.
    pub on: Vec<String>,
    /// Collectors turned off by `--no-collector.NAME`.
    pub off: Vec<String>,
}

impl CollectorSwitches {
    /// The enabled collectors: the defaults (unless disabled), plus `on`, less
    /// `off`; the process collector also when a process config is given.
    fn resolve(&self, process_config: bool) -> Vec<String> {
        COLLECTORS
            .iter()
            .filter(|c| {
                let named = |list: &[String]| list.iter().any(|n| n == c.name);
                let on = (c.default_enabled && !self.disable_defaults)
                    || named(&self.on)
                    || (c.name == "process" && process_config);
                on && !named(&self.off)
            })
            .map(|c| c.name.to_owned())
            .collect()
    }
}

impl FromArgMatches for CollectorSwitches {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut s = CollectorSwitches {
            disable_defaults: m.get_flag("collector.disable-defaults"),
            ..Default::default()
        };
        for c in COLLECTORS {
            if m.get_flag(&format!("collector.{}", c.name)) {
                s.on.push(c.name.to_owned());
            }
            if m.get_flag(&format!("no-collector.{}", c.name)) {
                s.off.push(c.name.to_owned());
            }
        }
        Ok(s)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = CollectorSwitches::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for CollectorSwitches {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let mut cmd = cmd.arg(
            clap::Arg::new("collector.disable-defaults")
                .long("collector.disable-defaults")
                .action(ArgAction::SetTrue)
                .help("Start from no collector (then --collector.NAME adds)"),
        );
        for c in COLLECTORS {
            let on = format!("collector.{}", c.name);
            let off = format!("no-collector.{}", c.name);
            cmd = cmd
                .arg(
                    clap::Arg::new(on.clone())
                        .long(on)
                        .action(ArgAction::SetTrue)
                        .help(format!(
                            "{} ({})",
                            c.help,
                            if c.default_enabled {
                                "default: on"
                            } else {
                                "default: off"
                            }
                        ))
                        .hide_short_help(true),
                )
                .arg(
                    clap::Arg::new(off.clone())
                        .long(off)
                        .action(ArgAction::SetTrue)
                        .hide(true),
                );
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// `5s`, `500ms`, `1m` or plain seconds (`2.5`), as Go's durations are written.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {s:?}"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("not a duration: {s:?} (units: ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("not a duration: {s:?}"))
}

/// Runs `rpsutil serve`: serves until killed, or prints one exposition with
/// `--once`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let options = CollectOptions {
        procfs: args.procfs.clone(),
        sysfs: args.sysfs.clone(),
        rootfs: args.rootfs.clone(),
        udev_data: args.udev_data.clone(),
        enabled: args.collectors.resolve(args.process_config.is_some()),
        process_config: args.process_config.clone(),
        proc_children: args.children,
        proc_topk: args.topk,
        fs_mount_timeout: args.mount_timeout,
        fs_mount_points_exclude: args.mount_points_exclude.clone(),
        fs_types_exclude: args.fs_types_exclude.clone(),
        disk_device_exclude: args.disk_device_exclude.clone(),
        netdev_device_exclude: args.netdev_device_exclude.clone(),
        netdev_device_include: args.netdev_device_include.clone(),
        netclass_ignored_devices: args.netclass_ignored_devices.clone(),
    };
    let scraper = Scraper::new(options).map_err(|e| CliError::Failed(e.to_string()))?;
    if args.once {
        let families = scraper
            .gather(&[], &[])
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let format = if args.once_format == "openmetrics" {
            Format::OpenMetrics100
        } else {
            Format::Text004
        };
        let mut body = Vec::new();
        encode(&families, format, &mut body);
        out.write_all(&body)?;
        return Ok(());
    }
    let mut http = HttpOptions::default();
    http.listen = args.listen.clone();
    http.telemetry_path = args.telemetry_path.clone();
    http.max_requests = args.max_requests;
    http.exporter_metrics = !args.disable_exporter_metrics;
    // Loaded (and checked) by bind, then re-read whenever it changes.
    http.web_config_file = args.web_config.clone();
    serve(http, Arc::new(scraper)).map_err(|e| CliError::Failed(format!("serve: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_go_writes_them() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn collector_switches_resolve_as_node_exporters() {
        let defaults: Vec<String> = COLLECTORS
            .iter()
            .filter(|c| c.default_enabled)
            .map(|c| c.name.to_owned())
            .collect();
        let none = CollectorSwitches::default();
        assert_eq!(none.resolve(false), defaults);
        assert!(!defaults.contains(&"process".to_string()));
        // A process config turns the process collector on.
        assert!(none.resolve(true).contains(&"process".to_string()));
        let only_cpu = CollectorSwitches {
            disable_defaults: true,
            on: vec!["cpu".into(), "meminfo".into()],
            off: vec!["meminfo".into()],
        };
        assert_eq!(only_cpu.resolve(false), vec!["cpu".to_string()]);
        let no_time = CollectorSwitches {
            off: vec!["time".into()],
            ..Default::default()
        };
        let got = no_time.resolve(false);
        assert_eq!(got.len(), defaults.len() - 1);
        assert!(!got.contains(&"time".to_string()));
    }
}
