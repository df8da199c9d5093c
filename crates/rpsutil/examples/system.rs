//! Prints every system-wide function as one JSON object keyed by psutil's function
//! names: `cargo run -p rpsutil --example system`.
use serde_json::{json, Value};

fn v<T: serde::Serialize>(r: rpsutil::Result<T>) -> Value {
    match r {
        Ok(x) => serde_json::to_value(x).unwrap_or(Value::Null),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

fn main() {
    let out = json!({
        "cpu_times": v(rpsutil::cpu_times()),
        "cpu_times_percpu": v(rpsutil::cpu_times_percpu()),
        "cpu_count": v(rpsutil::cpu_count(true)),
        "cpu_count_cores": v(rpsutil::cpu_count(false)),
        "cpu_stats": v(rpsutil::cpu_stats()),
        "cpu_freq": v(rpsutil::cpu_freq()),
        "cpu_freq_percpu": v(rpsutil::cpu_freq_percpu()),
        "getloadavg": v(rpsutil::getloadavg()),
        "virtual_memory": v(rpsutil::virtual_memory()),
        "swap_memory": v(rpsutil::swap_memory()),
        "disk_partitions": v(rpsutil::disk_partitions(false)),
        "disk_partitions_all": v(rpsutil::disk_partitions(true).map(|p| p.len())),
        "disk_usage": v(rpsutil::disk_usage("/")),
        "disk_io_counters": v(rpsutil::disk_io_counters(true)),
        "disk_io_counters_perdisk": v(rpsutil::disk_io_counters_perdisk(true)),
        "net_io_counters": v(rpsutil::net_io_counters(true)),
        "net_io_counters_pernic": v(rpsutil::net_io_counters_pernic(true)),
        "net_if_addrs": v(rpsutil::net_if_addrs()),
        "net_if_stats": v(rpsutil::net_if_stats()),
        "net_connections": v(rpsutil::net_connections(rpsutil::ConnKind::Inet, true)),
        "sensors_temperatures": v(rpsutil::sensors_temperatures(false)),
        "sensors_fans": v(rpsutil::sensors_fans()),
        "sensors_battery": v(rpsutil::sensors_battery()),
        "boot_time": v(rpsutil::boot_time()),
        "users": v(rpsutil::users()),
        "heap_info": v(rpsutil::heap_info()),
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}
