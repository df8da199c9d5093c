//! The collectors' pure parsers never panic, whatever the input, and the process
//! config never panics on any YAML or template text.

use proptest::prelude::*;
use rpsutil_serve::collect::parse::*;
use rpsutil_serve::collect::process::config::{ProcessConfig, Template};

/// Text that looks like kernel files often enough to reach the parsers' depths.
fn kernelish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z_()0-9: \\t\\n.\\-x]{0,400}",
        "([a-z]{1,8}[0-9]{0,3}(_[a-z]{1,6})?[: ]+[0-9 ]{0,40}( kB)?\n){0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(text in kernelish()) {
        let _ = parse_meminfo(&text);
        let _ = parse_loadavg(&text);
        let _ = parse_proc_stat(&text);
        let _ = parse_diskstats(&text);
        let _ = parse_net_dev(&text);
        let _ = parse_mounts(&text);
        let _ = parse_os_release(&text);
        let _ = parse_udev_properties(&text);
        let _ = explode_hwmon_filename(&text);
        let _ = clean_metric_name(&text);
        let _ = sanitize_metric_name(&text);
        let _ = parse_sysfs_int(&text);
        let _ = parse_passwd(&text);
        let _ = parse_pid_stat_faults(&text);
        let _ = parse_pid_status(&text);
        let _ = parse_limits_nofile(&text);
        let _ = Template::parse(&text);
        let _ = ProcessConfig::from_yaml(&text);
    }

    #[test]
    fn meminfo_names_are_valid_metric_names(text in kernelish()) {
        if let Ok(fields) = parse_meminfo(&text) {
            for f in fields {
                let name = format!("node_memory_{}", f.name);
                prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "{}", name);
            }
        }
    }

    #[test]
    fn hwmon_split_round_trips(kind in "[a-z_]{0,11}[a-z]", num in 0u32..100, prop in "[a-z_]{1,10}") {
        let name = format!("{kind}{num}_{prop}");
        prop_assert_eq!(explode_hwmon_filename(&name), Some((kind, u64::from(num), prop)));
    }
}

#[test]
fn mounts_and_net_dev_parse_real_lines() {
    let m = parse_mounts("/dev/sda1 /mnt/my\\040disk ext4 rw,relatime 0 0\nbad line\n");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].mountpoint, "/mnt/my disk");
    assert_eq!(m[0].options, "rw,relatime");
    let d = parse_net_dev(
        "Inter-|   Receive\n face |bytes\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
    );
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, "eth0");
    assert_eq!(d[0].1[15], 16);
    let s = parse_diskstats(
        "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n 7 0 loop0 1\n",
    );
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].counters.len(), 17);
    assert_eq!(parse_sysfs_int("0x1003\n"), Some(4099));
    assert_eq!(
        parse_limits_nofile(
            "Max open files            1024                 524288               files\n"
        ),
        Some(1024)
    );
    assert_eq!(
        parse_loadavg("0.52 0.58 0.59 1/234 5678\n"),
        Some([0.52, 0.58, 0.59])
    );
}
