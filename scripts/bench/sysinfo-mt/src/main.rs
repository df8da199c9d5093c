//! sysinfo's multithread refresh for scripts/bench/compare.sh, in the output format
//! of crates/rpsutil/benches/snapshot.rs's table mode:
//!
//! `sysinfo-mt LABEL [ROUNDS] [SECONDS]` prints
//! `time<TAB>LABEL<TAB>variant<TAB>procs<TAB>min_us<TAB>median_us<TAB>iterations` and
//! `peak<TAB>variant<TAB>rss_before_kB<TAB>hwm_kB`.
use std::hint::black_box;
use std::time::{Duration, Instant};

use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, ThreadKind, UpdateKind};

fn kind() -> ProcessRefreshKind {
    ProcessRefreshKind::nothing()
        .with_cpu()
        .with_memory()
        .with_user(UpdateKind::Always)
        .with_cmd(UpdateKind::Always)
}

fn refresh(kind: ProcessRefreshKind) -> usize {
    let mut sys = System::new().expect("sysinfo");
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, kind);
    black_box(&sys)
        .processes()
        .values()
        .filter(|p| p.thread_kind() != Some(ThreadKind::Userland))
        .count()
}

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let label = args.get(1).map(String::as_str).unwrap_or("current");
    let rounds: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    let budget = Duration::from_secs_f64(args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0.5));
    let before = status_kb("VmRSS:");
    let variants: [(&str, ProcessRefreshKind); 2] = [
        ("sysinfo_multithread_fresh", kind()),
        ("sysinfo_multithread_fresh_no_tasks", kind().without_tasks()),
    ];
    for (_, k) in &variants {
        refresh(*k); // warm-up (starts the rayon pool)
    }
    let mut samples = vec![Vec::new(); variants.len()];
    let mut procs = vec![0; variants.len()];
    for _ in 0..rounds {
        for (i, (_, k)) in variants.iter().enumerate() {
            let start = Instant::now();
            let mut iters = 0;
            while iters < 3 || start.elapsed() < budget {
                let t = Instant::now();
                let n = refresh(*k);
                samples[i].push(t.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64);
                procs[i] = n;
                iters += 1;
            }
        }
    }
    let hwm = status_kb("VmHWM:");
    for (i, (name, _)) in variants.iter().enumerate() {
        let s = &mut samples[i];
        s.sort_by(f64::total_cmp);
        println!(
            "time\t{label}\t{name}\t{}\t{:.3}\t{:.3}\t{}",
            procs[i],
            s[0],
            s[s.len() / 2],
            s.len()
        );
    }
    println!("peak\tsysinfo_multithread_fresh\t{before}\t{hwm}");
}
