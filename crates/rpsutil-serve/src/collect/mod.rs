//! The collectors: node_exporter's system metrics and process-exporter's process
//! groups, read at scrape time, each enabled collector on its own thread.
//!
//! [`Scraper`] is the [`MetricsSource`] the HTTP server asks at each scrape. It owns
//! the little state that must outlive a scrape: the process groups' accumulated
//! counters (which never decrease, as process-exporter's `groupAccum`), the mounts
//! whose `statfs` hung, and the CPU counters' last values.
//!
//! Layout, one concern per file: `parse` (pure parsers, no I/O), `system` (cpu,
//! meminfo, loadavg, stat, uname, os, time), `filesystem`, `diskstats`, `net`
//! (netdev, netclass), `hwmon` (hwmon, thermal_zone), `process` (process groups and
//! the top-K processes).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::{Family, GatherError, MetricType, MetricsSource};

#[cfg(target_os = "linux")]
mod diskstats;
#[cfg(target_os = "linux")]
mod filesystem;
#[cfg(target_os = "linux")]
mod hwmon;
#[cfg(target_os = "linux")]
mod net;
pub mod parse;
pub mod process;
mod system;

/// What the collectors read and how (the `--path.*`, `--collector.*` and process
/// flags). [`Default`] gives node_exporter's and process-exporter's defaults.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Root of the proc filesystem (`--path.procfs`, default `/proc`).
    pub procfs: PathBuf,
    /// Root of sysfs (`--path.sysfs`, default `/sys`).
    pub sysfs: PathBuf,
    /// Root of the host's file system (`--path.rootfs`, default `/`): prefix of the
    /// mount points that are stat'ed (stripped from their labels) and of
    /// `/etc/os-release`.
    pub rootfs: PathBuf,
    /// udev's database (`--path.udev.data`, default `/run/udev/data`), for
    /// `node_disk_info`'s model/serial labels.
    pub udev_data: PathBuf,
    /// Resolved collector names (see [`COLLECTORS`] and [`default_enabled`]).
    pub enabled: Vec<String>,
    /// process-exporter's YAML config (`process_names:`); None gives the Debian
    /// package's default (`name: "{{.Comm}}"`, `cmdline: ['.+']`).
    pub process_config: Option<PathBuf>,
    /// process-exporter's `-children` (default true): a process that matches no
    /// rule joins the group of its nearest tracked ancestor.
    pub proc_children: bool,
    /// How many of the heaviest individual processes (by CPU over the last scrape
    /// interval, and by resident memory) get `rpsutil_process_*{pid,name}` series.
    /// Default 0: off, so that the output is what the two replaced exporters give;
    /// at most `2 * proc_topk` processes whatever the number running.
    pub proc_topk: usize,
    /// node_exporter's `--collector.filesystem.mount-timeout` (5 s): a `statfs`
    /// that takes longer gives `node_filesystem_device_error` 1 and the mount is
    /// skipped until that call returns.
    pub fs_mount_timeout: Duration,
    /// `--collector.filesystem.mount-points-exclude` (node's default).
    pub fs_mount_points_exclude: String,
    /// `--collector.filesystem.fs-types-exclude` (node's default).
    pub fs_types_exclude: String,
    /// `--collector.diskstats.device-exclude` (node's default: partitions, ram,
    /// loop, fd).
    pub disk_device_exclude: String,
    /// `--collector.netdev.device-exclude` (node's default: none).
    pub netdev_device_exclude: Option<String>,
    /// `--collector.netdev.device-include` (node's default: all).
    pub netdev_device_include: Option<String>,
    /// `--collector.netclass.ignored-devices` (node's default `^$`).
    pub netclass_ignored_devices: String,
}

/// node_exporter 1.5's `defMountPointsExcluded` (Linux).
pub const DEFAULT_MOUNT_POINTS_EXCLUDE: &str =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
/// node_exporter 1.5's `defFSTypesExcluded` (Linux).
pub const DEFAULT_FS_TYPES_EXCLUDE: &str = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$";
/// node_exporter 1.5's `diskstatsDefaultIgnoredDevices`.
pub const DEFAULT_DISK_DEVICE_EXCLUDE: &str = r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            procfs: PathBuf::from("/proc"),
            sysfs: PathBuf::from("/sys"),
            rootfs: PathBuf::from("/"),
            udev_data: PathBuf::from("/run/udev/data"),
            enabled: default_enabled(),
            process_config: None,
            proc_children: true,
            proc_topk: 0,
            fs_mount_timeout: Duration::from_secs(5),
            fs_mount_points_exclude: DEFAULT_MOUNT_POINTS_EXCLUDE.to_owned(),
            fs_types_exclude: DEFAULT_FS_TYPES_EXCLUDE.to_owned(),
            disk_device_exclude: DEFAULT_DISK_DEVICE_EXCLUDE.to_owned(),
            netdev_device_exclude: None,
            netdev_device_include: None,
            netclass_ignored_devices: "^$".to_owned(),
        }
    }
}

/// One collector: its `--collector.NAME` name, whether node_exporter enables it by
/// default, and the flag's help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectorInfo {
    /// The collector's name (`--collector.NAME`, `collect[]=NAME`).
    pub name: &'static str,
    /// On unless `--no-collector.NAME` or `--collector.disable-defaults`.
    pub default_enabled: bool,
    /// What it exposes (the flag's help).
    pub help: &'static str,
}

/// Every collector name (for the `--collector.X` flags), in name order.
///
/// `process` is off by default: node_exporter has no process groups, so the
/// default output stays node_exporter's; `--collector.process` adds
/// process-exporter's metrics (with the Debian default grouping by `comm` unless
/// a config file is given).
pub const COLLECTORS: &[CollectorInfo] = &[
    CollectorInfo {
        name: "cpu",
        default_enabled: true,
        help: "Exposes CPU statistics (node_cpu_seconds_total, node_cpu_guest_seconds_total).",
    },
    CollectorInfo {
        name: "diskstats",
        default_enabled: true,
        help: "Exposes disk I/O statistics from /proc/diskstats.",
    },
    CollectorInfo {
        name: "filesystem",
        default_enabled: true,
        help: "Exposes filesystem statistics, such as disk space used.",
    },
    CollectorInfo {
        name: "hwmon",
        default_enabled: true,
        help: "Exposes hardware monitoring and sensor data from /sys/class/hwmon/.",
    },
    CollectorInfo {
        name: "loadavg",
        default_enabled: true,
        help: "Exposes load average.",
    },
    CollectorInfo {
        name: "meminfo",
        default_enabled: true,
        help: "Exposes memory statistics from /proc/meminfo.",
    },
    CollectorInfo {
        name: "netclass",
        default_enabled: true,
        help: "Exposes network interface info from /sys/class/net/.",
    },
    CollectorInfo {
        name: "netdev",
        default_enabled: true,
        help: "Exposes network interface statistics such as bytes transferred.",
    },
    CollectorInfo {
        name: "os",
        default_enabled: true,
        help: "Exposes os-release information (node_os_info, node_os_version).",
    },
    CollectorInfo {
        name: "process",
        default_enabled: false,
        help: "Exposes process-exporter's namedprocess_namegroup_* metrics (and the top-K processes when --proc.topk > 0).",
    },
    CollectorInfo {
        name: "stat",
        default_enabled: true,
        help: "Exposes various statistics from /proc/stat (boot time, forks, interrupts).",
    },
    CollectorInfo {
        name: "thermal_zone",
        default_enabled: true,
        help: "Exposes thermal zone & cooling device statistics from /sys/class/thermal.",
    },
    CollectorInfo {
        name: "time",
        default_enabled: true,
        help: "Exposes the current system time.",
    },
    CollectorInfo {
        name: "uname",
        default_enabled: true,
        help: "Exposes system information as provided by the uname system call.",
    },
];

/// The names of the collectors enabled by default.
pub fn default_enabled() -> Vec<String> {
    COLLECTORS
        .iter()
        .filter(|c| c.default_enabled)
        .map(|c| c.name.to_owned())
        .collect()
}

/// Why a [`Scraper`] could not be made from its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// `enabled` names no such collector.
    UnknownCollector(String),
    /// A device/mount-point regular expression does not compile.
    BadRegex {
        /// The flag whose value it is.
        option: &'static str,
        /// The regex crate's message.
        detail: String,
    },
    /// The process-exporter config file cannot be read or is invalid.
    ProcessConfig(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownCollector(n) => write!(f, "unknown collector: {n}"),
            ConfigError::BadRegex { option, detail } => {
                write!(f, "bad regex for {option}: {detail}")
            }
            ConfigError::ProcessConfig(d) => write!(f, "process config: {d}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Compiles an option's regular expression.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn regex_option(option: &'static str, pattern: &str) -> Result<regex::Regex, ConfigError> {
    regex::Regex::new(pattern).map_err(|e| ConfigError::BadRegex {
        option,
        detail: e.to_string(),
    })
}

/// What a collector returns: its families, or why it failed
/// (`node_scrape_collector_success` 0).
type Collected = Result<Vec<Family>, String>;

/// The collectors' scrape-time state and options; built once, shared by every
/// concurrent scrape.
#[derive(Debug)]
struct Collectors {
    opts: CollectOptions,
    system: system::System,
    #[cfg(target_os = "linux")]
    filesystem: filesystem::Filesystem,
    #[cfg(target_os = "linux")]
    diskstats: diskstats::Diskstats,
    #[cfg(target_os = "linux")]
    net: net::Net,
    process: Option<process::ProcessCollector>,
}

impl Collectors {
    fn run(&self, name: &str) -> Collected {
        let o = &self.opts;
        match name {
            "cpu" => self.system.cpu(o),
            "loadavg" => system::loadavg(o),
            "process" => match &self.process {
                Some(p) => p.collect(),
                None => Ok(Vec::new()),
            },
            #[cfg(target_os = "linux")]
            "meminfo" => system::meminfo(o),
            #[cfg(target_os = "linux")]
            "stat" => system::stat(o),
            #[cfg(target_os = "linux")]
            "uname" => system::uname(),
            #[cfg(target_os = "linux")]
            "os" => system::os(o),
            #[cfg(target_os = "linux")]
            "time" => system::time(o),
            #[cfg(target_os = "linux")]
            "filesystem" => self.filesystem.collect(o),
            #[cfg(target_os = "linux")]
            "diskstats" => self.diskstats.collect(o),
            #[cfg(target_os = "linux")]
            "netdev" => self.net.netdev(o),
            #[cfg(target_os = "linux")]
            "netclass" => self.net.netclass(o),
            #[cfg(target_os = "linux")]
            "hwmon" => hwmon::hwmon(o),
            #[cfg(target_os = "linux")]
            "thermal_zone" => hwmon::thermal_zone(o),
            _ => Err(format!("collector {name} is not available on this OS")),
        }
    }
}

/// The scrape: runs the selected enabled collectors in parallel and adds
/// node_exporter's `node_scrape_collector_{duration_seconds,success}`.
///
/// `Send + Sync`: every scrape thread shares one `Scraper`.
#[derive(Debug, Clone)]
pub struct Scraper {
    inner: Arc<Collectors>,
    enabled: Vec<String>,
}

impl Scraper {
    /// Checks the options (collector names, regular expressions, the process
    /// config) and, when the process collector is enabled, reads the processes
    /// once, so that group counters count from the exporter's start as
    /// process-exporter's do.
    pub fn new(opts: CollectOptions) -> Result<Scraper, ConfigError> {
        let mut enabled = BTreeSet::new();
        for name in &opts.enabled {
            if !COLLECTORS.iter().any(|c| c.name == name) {
                return Err(ConfigError::UnknownCollector(name.clone()));
            }
            enabled.insert(name.clone());
        }
        // The library's roots are process-wide (psutil's PROCFS_PATH): the
        // library's readers (cpu times, processes) follow --path.procfs/sysfs too.
        rpsutil::set_procfs_path(&opts.procfs);
        rpsutil::set_sysfs_path(&opts.sysfs);
        let process = if enabled.contains("process") {
            Some(process::ProcessCollector::new(&opts)?)
        } else {
            None
        };
        let inner = Collectors {
            system: system::System::default(),
            #[cfg(target_os = "linux")]
            filesystem: filesystem::Filesystem::new(&opts)?,
            #[cfg(target_os = "linux")]
            diskstats: diskstats::Diskstats::new(&opts)?,
            #[cfg(target_os = "linux")]
            net: net::Net::new(&opts)?,
            process,
            opts,
        };
        Ok(Scraper {
            inner: Arc::new(inner),
            enabled: enabled.into_iter().collect(),
        })
    }

    /// The enabled collectors' names, sorted.
    pub fn enabled(&self) -> &[String] {
        &self.enabled
    }

    /// Which enabled collectors a request selects (node_exporter's `collect[]` /
    /// `exclude[]` rules: a name that is not enabled is an error).
    fn select(&self, include: &[String], exclude: &[String]) -> Result<Vec<String>, GatherError> {
        for name in include.iter().chain(exclude) {
            if !self.enabled.iter().any(|e| e == name) {
                return Err(GatherError::UnknownCollector(name.clone()));
            }
        }
        Ok(self
            .enabled
            .iter()
            .filter(|n| include.is_empty() || include.contains(n))
            .filter(|n| !exclude.contains(n))
            .cloned()
            .collect())
    }
}

impl MetricsSource for Scraper {
    fn gather(&self, include: &[String], exclude: &[String]) -> Result<Vec<Family>, GatherError> {
        let selected = self.select(include, exclude)?;
        let results = run_all(&selected, |name| self.inner.run(name));
        let mut duration = Family::new(
            "node_scrape_collector_duration_seconds",
            "node_exporter: Duration of a collector scrape.",
            MetricType::Gauge,
        );
        let mut success = Family::new(
            "node_scrape_collector_success",
            "node_exporter: Whether a collector succeeded.",
            MetricType::Gauge,
        );
        let mut out: Vec<Family> = Vec::new();
        for (name, result, took) in results {
            duration.push(&[("collector", &name)], took.as_secs_f64());
            let ok = match result {
                Ok(families) => {
                    merge_into(&mut out, families);
                    1.0
                }
                Err(_) => 0.0,
            };
            success.push(&[("collector", &name)], ok);
        }
        out.push(duration);
        out.push(success);
        Ok(out)
    }
}

/// Runs `run` for every name on as many threads as there are CPUs (the caller's
/// among them), each thread taking the next name not yet taken: collectors run in
/// parallel as node_exporter's do, without a thread per collector per scrape.
/// Returns, in the order of `names`, each result and how long it took; a
/// collector that panics fails alone.
fn run_all(
    names: &[String],
    run: impl Fn(&str) -> Collected + Sync,
) -> Vec<(String, Collected, Duration)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let slots: Vec<std::sync::Mutex<Option<(Collected, Duration)>>> =
        names.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(name) = names.get(i) else {
            break;
        };
        let begin = Instant::now();
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(name)))
            .unwrap_or_else(|_| Err(format!("collector {name} panicked")));
        if let Some(slot) = slots.get(i) {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((out, begin.elapsed()));
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(names.len());
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    names
        .iter()
        .zip(slots)
        .map(|(name, slot)| {
            let (out, took) = slot
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| (Err(format!("collector {name} did not run")), Duration::ZERO));
            (name.clone(), out, took)
        })
        .collect()
}

/// Appends `more` to `out`, joining families of the same name (two collectors may
/// add to one family, e.g. hwmon's per-chip families), so names stay unique.
fn merge_into(out: &mut Vec<Family>, more: Vec<Family>) {
    for fam in more {
        match out.iter_mut().find(|f| f.name == fam.name) {
            Some(existing) => existing.samples.extend(fam.samples),
            None => out.push(fam),
        }
    }
}

/// Families keyed by name, built sample by sample (the collectors whose family set
/// depends on the data: meminfo, netdev, hwmon).
#[derive(Debug, Default)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) struct FamilySet {
    families: Vec<Family>,
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl FamilySet {
    /// Adds a sample to the family `name`, creating it with `help` and `kind`.
    pub(crate) fn add(
        &mut self,
        name: &str,
        help: &str,
        kind: MetricType,
        labels: &[(&'static str, &str)],
        value: f64,
    ) {
        let fam = match self.families.iter().position(|f| f.name == name) {
            Some(i) => &mut self.families[i],
            None => {
                self.families
                    .push(Family::new(name.to_owned(), help.to_owned(), kind));
                let last = self.families.len() - 1;
                &mut self.families[last]
            }
        };
        // node_exporter's registry rejects duplicate label sets; keep the first.
        let dup = fam.samples.iter().any(|s| {
            s.labels.len() == labels.len()
                && s.labels
                    .iter()
                    .zip(labels)
                    .all(|((k, v), (k2, v2))| k == k2 && v == v2)
        });
        if !dup {
            fam.push(labels, value);
        }
    }

    /// True when no sample was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// The families, in the order they were first added.
    pub(crate) fn into_vec(self) -> Vec<Family> {
        self.families
    }
}
