//! node_exporter's `diskstats` collector (1.5): the counters of
//! `<procfs>/diskstats` under node_exporter's names (sectors are 512 bytes, times
//! are milliseconds), `node_disk_info` with udev's labels, and udev's
//! filesystem, device-mapper and ATA facts where udev knows them.

use regex::Regex;

use super::parse::{self, DiskStat};
use super::{regex_option, CollectOptions, Collected, ConfigError};
use crate::model::{Family, MetricType};

/// Bytes per sector in `/proc/diskstats`, whatever the device's sector size.
const SECTOR: f64 = 512.0;
/// `/proc/diskstats` times are milliseconds.
const MS: f64 = 0.001;

/// The families of the `/proc/diskstats` counters in the kernel's order: name,
/// help, type, scale.
const COUNTERS: [(&str, &str, MetricType, f64); 17] = [
    (
        "node_disk_reads_completed_total",
        "The total number of reads completed successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_reads_merged_total",
        "The total number of reads merged.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_read_bytes_total",
        "The total number of bytes read successfully.",
        MetricType::Counter,
        SECTOR,
    ),
    (
        "node_disk_read_time_seconds_total",
        "The total number of seconds spent by all reads.",
        MetricType::Counter,
        MS,
    ),
    (
        "node_disk_writes_completed_total",
        "The total number of writes completed successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_writes_merged_total",
        "The number of writes merged.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_written_bytes_total",
        "The total number of bytes written successfully.",
        MetricType::Counter,
        SECTOR,
    ),
    (
        "node_disk_write_time_seconds_total",
        "This is the total number of seconds spent by all writes.",
        MetricType::Counter,
        MS,
    ),
    (
        "node_disk_io_now",
        "The number of I/Os currently in progress.",
        MetricType::Gauge,
        1.0,
    ),
    (
        "node_disk_io_time_seconds_total",
        "Total seconds spent doing I/Os.",
        MetricType::Counter,
        MS,
    ),
    (
        "node_disk_io_time_weighted_seconds_total",
        "The weighted # of seconds spent doing I/Os.",
        MetricType::Counter,
        MS,
    ),
    (
        "node_disk_discards_completed_total",
        "The total number of discards completed successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_discards_merged_total",
        "The total number of discards merged.",
        MetricType::Counter,
        1.0,
    ),
    // node_exporter counts discarded sectors, not bytes.
    (
        "node_disk_discarded_sectors_total",
        "The total number of sectors discarded successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_discard_time_seconds_total",
        "This is the total number of seconds spent by all discards.",
        MetricType::Counter,
        MS,
    ),
    (
        "node_disk_flush_requests_total",
        "The total number of flush requests completed successfully",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_flush_requests_time_seconds_total",
        "This is the total number of seconds spent by all flush requests.",
        MetricType::Counter,
        MS,
    ),
];

/// The `node_disk_ata_*` families: udev key, name, help.
const ATA: [(&str, &str, &str); 3] = [
    (
        "ID_ATA_WRITE_CACHE",
        "node_disk_ata_write_cache",
        "ATA disk has a write cache.",
    ),
    (
        "ID_ATA_WRITE_CACHE_ENABLED",
        "node_disk_ata_write_cache_enabled",
        "ATA disk has its write cache enabled.",
    ),
    (
        "ID_ATA_ROTATION_RATE_RPM",
        "node_disk_ata_rotation_rate_rpm",
        "ATA disk rotation rate in RPMs (0 for SSDs).",
    ),
];

/// The diskstats collector's device filter.
#[derive(Debug)]
pub(super) struct Diskstats {
    exclude: Regex,
}

impl Diskstats {
    pub(super) fn new(o: &CollectOptions) -> Result<Self, ConfigError> {
        Ok(Diskstats {
            exclude: regex_option("collector.diskstats.device-exclude", &o.disk_device_exclude)?,
        })
    }

    pub(super) fn collect(&self, o: &CollectOptions) -> Collected {
        let text = std::fs::read_to_string(o.procfs.join("diskstats"))
            .map_err(|e| format!("couldn't get diskstats: {e}"))?;
        let disks: Vec<DiskStat> = parse::parse_diskstats(&text)
            .into_iter()
            .filter(|d| !self.exclude.is_match(&d.device))
            .collect();
        Ok(families(&disks, |d| {
            let path = o.udev_data.join(format!("b{}:{}", d.major, d.minor));
            std::fs::read_to_string(path)
                .map(|t| parse::parse_udev_properties(&t))
                .unwrap_or_default()
        }))
    }
}

/// The families of these disks; `udev` gives a disk's udev properties (empty
/// when udev has none, as in containers).
pub(super) fn families(
    disks: &[DiskStat],
    udev: impl Fn(&DiskStat) -> std::collections::HashMap<String, String>,
) -> Vec<Family> {
    let mut info = Family::new(
        "node_disk_info",
        "Info of /sys/block/<block_device>.",
        MetricType::Gauge,
    );
    let mut counters: Vec<Family> = COUNTERS
        .iter()
        .map(|(n, h, k, _)| Family::new(*n, *h, *k))
        .collect();
    let mut fs_info = Family::new(
        "node_disk_filesystem_info",
        "Info about disk filesystem.",
        MetricType::Gauge,
    );
    let mut dm_info = Family::new(
        "node_disk_device_mapper_info",
        "Info about disk device mapper.",
        MetricType::Gauge,
    );
    let mut ata: Vec<Family> = ATA
        .iter()
        .map(|(_, n, h)| Family::new(*n, *h, MetricType::Gauge))
        .collect();
    for d in disks {
        let props = udev(d);
        let p = |k: &str| props.get(k).map(String::as_str).unwrap_or("");
        let dev = d.device.as_str();
        info.push(
            &[
                ("device", dev),
                ("major", &d.major.to_string()),
                ("minor", &d.minor.to_string()),
                ("path", p("ID_PATH")),
                ("wwn", p("ID_WWN")),
                ("model", p("ID_MODEL")),
                ("serial", p("ID_SERIAL_SHORT")),
                ("revision", p("ID_REVISION")),
            ],
            1.0,
        );
        for ((fam, (_, _, _, scale)), v) in
            counters.iter_mut().zip(COUNTERS.iter()).zip(&d.counters)
        {
            fam.push(&[("device", dev)], *v as f64 * scale);
        }
        if !p("ID_FS_TYPE").is_empty() {
            fs_info.push(
                &[
                    ("device", dev),
                    ("type", p("ID_FS_TYPE")),
                    ("usage", p("ID_FS_USAGE")),
                    ("uuid", p("ID_FS_UUID")),
                    ("version", p("ID_FS_VERSION")),
                ],
                1.0,
            );
        }
        if !p("DM_NAME").is_empty() {
            dm_info.push(
                &[
                    ("device", dev),
                    ("name", p("DM_NAME")),
                    ("uuid", p("DM_UUID")),
                    ("vg_name", p("DM_VG_NAME")),
                    ("lv_name", p("DM_LV_NAME")),
                    ("lv_layer", p("DM_LV_LAYER")),
                ],
                1.0,
            );
        }
        if !p("ID_ATA").is_empty() {
            for (fam, (key, _, _)) in ata.iter_mut().zip(ATA.iter()) {
                if let Some(v) = props.get(*key).and_then(|v| v.parse::<f64>().ok()) {
                    fam.push(&[("device", dev)], v);
                }
            }
        }
    }
    std::iter::once(info)
        .chain(counters)
        .chain([fs_info, dm_info])
        .chain(ata)
        .filter(|f| !f.samples.is_empty())
        .collect()
}
