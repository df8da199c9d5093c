//! node_exporter's `netdev` (interface counters, its legacy names) and `netclass`
//! (`/sys/class/net/<iface>` properties, `node_network_up`,
//! `node_network_info`) collectors.

use std::path::Path;

use regex::Regex;

use super::parse;
use super::{regex_option, CollectOptions, Collected, ConfigError, FamilySet};
use crate::model::MetricType;

/// node_exporter's names for the 16 columns of `/proc/net/dev` (its "legacy"
/// names: the kernel's own column sums, which node_exporter 1.5 rebuilds from
/// netlink's finer counters).
const NET_DEV_KEYS: [&str; 16] = [
    "receive_bytes",
    "receive_packets",
    "receive_errs",
    "receive_drop",
    "receive_fifo",
    "receive_frame",
    "receive_compressed",
    "receive_multicast",
    "transmit_bytes",
    "transmit_packets",
    "transmit_errs",
    "transmit_drop",
    "transmit_fifo",
    "transmit_colls",
    "transmit_carrier",
    "transmit_compressed",
];

/// The numeric properties of `/sys/class/net/<iface>`: file, metric suffix, type.
const NETCLASS_PROPS: [(&str, &str, MetricType); 16] = [
    ("addr_assign_type", "address_assign_type", MetricType::Gauge),
    ("carrier", "carrier", MetricType::Gauge),
    (
        "carrier_changes",
        "carrier_changes_total",
        MetricType::Counter,
    ),
    (
        "carrier_up_count",
        "carrier_up_changes_total",
        MetricType::Counter,
    ),
    (
        "carrier_down_count",
        "carrier_down_changes_total",
        MetricType::Counter,
    ),
    ("dev_id", "device_id", MetricType::Gauge),
    ("dormant", "dormant", MetricType::Gauge),
    ("flags", "flags", MetricType::Gauge),
    ("ifindex", "iface_id", MetricType::Gauge),
    ("iflink", "iface_link", MetricType::Gauge),
    ("link_mode", "iface_link_mode", MetricType::Gauge),
    ("mtu", "mtu_bytes", MetricType::Gauge),
    ("name_assign_type", "name_assign_type", MetricType::Gauge),
    ("netdev_group", "net_dev_group", MetricType::Gauge),
    ("tx_queue_len", "transmit_queue_length", MetricType::Gauge),
    ("type", "protocol_type", MetricType::Gauge),
];

/// The device filters of both collectors.
#[derive(Debug)]
pub(super) struct Net {
    netdev_exclude: Option<Regex>,
    netdev_include: Option<Regex>,
    netclass_ignored: Regex,
}

impl Net {
    pub(super) fn new(o: &CollectOptions) -> Result<Self, ConfigError> {
        let opt = |name, p: &Option<String>| -> Result<Option<Regex>, ConfigError> {
            p.as_deref().map(|p| regex_option(name, p)).transpose()
        };
        Ok(Net {
            netdev_exclude: opt("collector.netdev.device-exclude", &o.netdev_device_exclude)?,
            netdev_include: opt("collector.netdev.device-include", &o.netdev_device_include)?,
            netclass_ignored: regex_option(
                "collector.netclass.ignored-devices",
                &o.netclass_ignored_devices,
            )?,
        })
    }

    /// node_exporter's `deviceFilter.ignored`.
    fn netdev_ignored(&self, dev: &str) -> bool {
        self.netdev_exclude
            .as_ref()
            .is_some_and(|r| r.is_match(dev))
            || self
                .netdev_include
                .as_ref()
                .is_some_and(|r| !r.is_match(dev))
    }

    /// `node_network_<key>_total{device}` for every `/proc/net/dev` column, plus
    /// `receive_nohandler` from sysfs where the kernel has it (node_exporter 1.5
    /// reads it over netlink).
    pub(super) fn netdev(&self, o: &CollectOptions) -> Collected {
        let text = std::fs::read_to_string(o.procfs.join("net/dev"))
            .map_err(|e| format!("couldn't get netstats: {e}"))?;
        let mut set = FamilySet::default();
        for (dev, counters) in parse::parse_net_dev(&text) {
            if self.netdev_ignored(&dev) {
                continue;
            }
            let nohandler = read_trimmed(
                &o.sysfs
                    .join("class/net")
                    .join(&dev)
                    .join("statistics/rx_nohandler"),
            )
            .and_then(|t| t.parse::<u64>().ok());
            let rows = NET_DEV_KEYS
                .iter()
                .zip(counters)
                .chain(nohandler.map(|v| (&"receive_nohandler", v)));
            for (key, v) in rows {
                set.add(
                    &format!("node_network_{key}_total"),
                    &format!("Network device statistic {key}."),
                    MetricType::Counter,
                    &[("device", &dev)],
                    v as f64,
                );
            }
        }
        Ok(set.into_vec())
    }

    /// node_exporter's `netclass` (sysfs): `node_network_up`, `node_network_info`
    /// and each readable numeric property. An unreadable file (a down link's
    /// `speed`) leaves its series out, as node_exporter.
    pub(super) fn netclass(&self, o: &CollectOptions) -> Collected {
        let dir = o.sysfs.join("class/net");
        let mut devices: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| format!("could not get net class info: {e}"))?
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !self.netclass_ignored.is_match(n))
            .collect();
        devices.sort();
        let mut set = FamilySet::default();
        for dev in &devices {
            let d = dir.join(dev);
            let text = |f: &str| read_trimmed(&d.join(f)).unwrap_or_default();
            let operstate = text("operstate");
            set.add(
                "node_network_up",
                "Value is 1 if operstate is 'up', 0 otherwise.",
                MetricType::Gauge,
                &[("device", dev)],
                if operstate == "up" { 1.0 } else { 0.0 },
            );
            set.add(
                "node_network_info",
                "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                MetricType::Gauge,
                &[
                    ("device", dev),
                    ("address", &text("address")),
                    ("broadcast", &text("broadcast")),
                    ("duplex", &text("duplex")),
                    ("operstate", &operstate),
                    ("ifalias", &text("ifalias")),
                ],
                1.0,
            );
            let num = |f: &str| read_trimmed(&d.join(f)).and_then(|t| parse::parse_sysfs_int(&t));
            let mut props: Vec<(&str, MetricType, f64)> = NETCLASS_PROPS
                .iter()
                .filter_map(|(file, name, kind)| num(file).map(|v| (*name, *kind, v as f64)))
                .collect();
            if let Some(speed) = num("speed") {
                // Mbit/s to bytes/s; node_exporter 1.5 keeps -1 (unknown) as -125000.
                props.push((
                    "speed_bytes",
                    MetricType::Gauge,
                    (speed as f64 * 1e6 / 8.0).trunc(),
                ));
            }
            props.sort_by(|a, b| a.0.cmp(b.0));
            for (name, kind, v) in props {
                set.add(
                    &format!("node_network_{name}"),
                    &format!("Network device property: {name}"),
                    kind,
                    &[("device", dev)],
                    v,
                );
            }
        }
        Ok(set.into_vec())
    }
}

/// A sysfs file's text without its trailing newline; None when unreadable (some
/// attributes answer EINVAL while the link is down).
pub(super) fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim_end_matches('\n').to_owned())
}
