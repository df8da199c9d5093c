//! System-wide functions of the macOS backend: the process table, CPU (Mach host
//! statistics, `hw.*` sysctls), memory (`hw.memsize`, `host_statistics64`,
//! `vm.swapusage`), boot time, users (utmpx), the malloc heap, and the battery
//! and arm64 CPU frequency through IOKit (`super::iokit`)
//! (`_psosx.py`, `arch/osx/{pids,cpu,mem,sys,heap,sensors}.c`).

use std::io;

use rpsutil_parse::macos::kinfo;
use rpsutil_parse::macos::time::sched_ticks_to_secs;

use super::ffi;
use crate::sys::posix::page_size;
use crate::types::cpu::{CpuFreq, CpuStats, SystemCpuTimes};
use crate::types::host::{HeapInfo, User};
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::types::process::Pid;
use crate::types::sensors::{Battery, BatteryTime};
use crate::{Error, Result};

/// `sysctl({CTL_KERN, KERN_PROC, KERN_PROC_ALL})`: every process's kinfo_proc.
pub(crate) fn kern_proc_all() -> Result<Vec<u8>> {
    ffi::sysctl_vec(&[libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_ALL, 0])
        .map_err(|e| ffi::os(e, "sysctl(KERN_PROC_ALL)"))
}

/// Every pid, sorted. PID 0 (kernel_task) is added when the kernel's list lacks
/// it and its kinfo record can be read or is refused (`_psosx.py:319-332`).
pub(crate) fn pids() -> Result<Vec<Pid>> {
    let buf = kern_proc_all()?;
    let mut pids: Vec<Pid> = kinfo::parse_kinfo_pids(&buf)
        .into_iter()
        .filter_map(|p| Pid::try_from(p).ok())
        .collect();
    if pids.is_empty() {
        return Err(Error::os(io::Error::other("no PIDs found"), "pids"));
    }
    if !pids.contains(&0) {
        match super::process::read_kinfo(0) {
            Ok(_) => pids.push(0),
            Err(Error::Os { source, .. })
                if matches!(
                    source.raw_os_error(),
                    Some(libc::EPERM) | Some(libc::EACCES)
                ) =>
            {
                pids.push(0)
            }
            Err(_) => {}
        }
    }
    pids.sort_unstable();
    pids.dedup();
    Ok(pids)
}

/// psutil's POSIX `pid_exists` (`kill(pid, 0)`; EPERM means it exists); pid 0
/// exists on macOS (`has_pid_zero`).
pub(crate) fn pid_exists(pid: Pid) -> bool {
    match libc::pid_t::try_from(pid) {
        Ok(0) => true,
        Ok(raw) => crate::sys::posix::pid_exists_by_signal(raw),
        Err(_) => false,
    }
}

/// `sysctl({CTL_KERN, KERN_BOOTTIME})`, whole seconds as psutil.
pub(crate) fn boot_time() -> Result<f64> {
    let tv: libc::timeval = ffi::sysctl_value(&[libc::CTL_KERN, libc::KERN_BOOTTIME])
        .map_err(|e| ffi::os(e, "sysctl(KERN_BOOTTIME)"))?;
    Ok(tv.tv_sec as f64)
}

// ---------------------------------------------------------------------- CPU

fn cpu_times_from_ticks(ticks: &[libc::c_uint]) -> SystemCpuTimes {
    let clk = crate::sys::posix::clock_ticks();
    let t = |i: libc::c_int| {
        let v = usize::try_from(i)
            .ok()
            .and_then(|i| ticks.get(i))
            .copied()
            .unwrap_or(0);
        sched_ticks_to_secs(v, clk)
    };
    SystemCpuTimes {
        user: t(libc::CPU_STATE_USER),
        nice: Some(t(libc::CPU_STATE_NICE)),
        system: t(libc::CPU_STATE_SYSTEM),
        idle: t(libc::CPU_STATE_IDLE),
        ..SystemCpuTimes::default()
    }
}

/// `host_statistics(HOST_CPU_LOAD_INFO)`: ticks / `CLK_TCK`.
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    let mut info = libc::host_cpu_load_info {
        cpu_ticks: [0; libc::CPU_STATE_MAX as usize],
    };
    let mut count = libc::HOST_CPU_LOAD_INFO_COUNT as libc::mach_msg_type_number_t;
    // SAFETY: info is a writable host_cpu_load_info of `count` natural_t words.
    let kr = unsafe {
        libc::host_statistics(
            libc::mach_host_self(),
            libc::HOST_CPU_LOAD_INFO,
            (&mut info as *mut libc::host_cpu_load_info).cast(),
            &mut count,
        )
    };
    if kr != libc::KERN_SUCCESS {
        return Err(ffi::mach_error(kr, "host_statistics(HOST_CPU_LOAD_INFO)"));
    }
    Ok(cpu_times_from_ticks(&info.cpu_ticks))
}

/// `host_processor_info(PROCESSOR_CPU_LOAD_INFO)`: one entry per CPU.
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    let mut ncpu: libc::natural_t = 0;
    let mut info: libc::processor_info_array_t = std::ptr::null_mut();
    let mut count: libc::mach_msg_type_number_t = 0;
    // SAFETY: all out-pointers are valid; the kernel allocates `info` in our task.
    let kr = unsafe {
        libc::host_processor_info(
            libc::mach_host_self(),
            libc::PROCESSOR_CPU_LOAD_INFO,
            &mut ncpu,
            &mut info,
            &mut count,
        )
    };
    if kr != libc::KERN_SUCCESS || info.is_null() {
        return Err(ffi::mach_error(
            kr,
            "host_processor_info(PROCESSOR_CPU_LOAD_INFO)",
        ));
    }
    let words = count as usize;
    // SAFETY: the kernel returned `count` integer_t words at `info`, valid until
    // vm_deallocate below.
    let slice = unsafe { std::slice::from_raw_parts(info, words) };
    let per = libc::CPU_STATE_MAX as usize;
    let out = slice
        .chunks_exact(per)
        .take(ncpu as usize)
        .map(|c| {
            let ticks: Vec<libc::c_uint> = c.iter().map(|&v| v as libc::c_uint).collect();
            cpu_times_from_ticks(&ticks)
        })
        .collect();
    // SAFETY: info/count describe the region the kernel allocated for us.
    unsafe {
        libc::vm_deallocate(
            libc::mach_task_self(),
            info as libc::vm_address_t,
            (words * std::mem::size_of::<libc::integer_t>()) as libc::vm_size_t,
        )
    };
    Ok(out)
}

/// `hw.logicalcpu`; None when unreadable or < 1.
pub(crate) fn cpu_count_logical() -> Result<Option<u32>> {
    Ok(ffi::sysctlbyname_int("hw.logicalcpu")
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0))
}

/// `hw.physicalcpu`; None when unreadable or < 1.
pub(crate) fn cpu_count_cores() -> Result<Option<u32>> {
    Ok(ffi::sysctlbyname_int("hw.physicalcpu")
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0))
}

/// macOS has no system-wide context-switch, interrupt or syscall counters. psutil
/// 7.2.2 reads `host_statistics(HOST_VM_INFO)` into a `vmmeter` and so reports VM
/// page counts under these names (#847); here they are 0 (docs/DIFFERENCES.md).
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    Ok(CpuStats {
        ctx_switches: 0,
        interrupts: 0,
        soft_interrupts: 0,
        syscalls: 0,
    })
}

/// x86_64: `hw.cpufrequency` (current) and `hw.cpufrequency_min/max` (0 when
/// missing), Hz → MHz by integer division as psutil (`osx/cpu.c:242-272`).
#[cfg(target_arch = "x86_64")]
pub(crate) fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    let cur: libc::c_uint = ffi::sysctl_value(&[libc::CTL_HW, libc::HW_CPU_FREQ])
        .map_err(|e| ffi::os(e, "sysctl(HW_CPU_FREQ)"))?;
    let mhz = |hz: i64| (hz.max(0) / 1000 / 1000) as f64;
    let min = ffi::sysctlbyname_int("hw.cpufrequency_min").unwrap_or(0);
    let max = ffi::sysctlbyname_int("hw.cpufrequency_max").unwrap_or(0);
    Ok(vec![CpuFreq {
        current: mhz(i64::from(cur)),
        min: mhz(min),
        max: mhz(max),
    }])
}

/// arm64: psutil 7.2.2 reads the `pmgr` device's voltage-state tables
/// (`osx/cpu.c:140-238`): current = max; MHz in integers. Unsupported when the
/// device is missing (psutil then has no `cpu_freq`).
#[cfg(target_arch = "aarch64")]
pub(crate) fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    let f = super::iokit::pmgr_freq()?;
    Ok(vec![CpuFreq {
        current: f.current as f64,
        min: f.min as f64,
        max: f.max as f64,
    }])
}

// ------------------------------------------------------------------- memory

/// `sysctl({CTL_HW, HW_MEMSIZE})`, bytes.
pub(crate) fn total_memory() -> Result<u64> {
    ffi::sysctl_value::<u64>(&[libc::CTL_HW, libc::HW_MEMSIZE])
        .map_err(|e| ffi::os(e, "sysctl(HW_MEMSIZE)"))
}

/// `host_statistics64(HOST_VM_INFO64)` with the `vm_statistics64` of the `libc`
/// in use (the macOS 26 size): a larger buffer than older kernels fill is fine
/// (they report the count they wrote), while psutil's compile-time size fails on
/// macOS 26+ (#2853).
fn vm_stats() -> Result<libc::vm_statistics64> {
    // SAFETY: vm_statistics64 is plain old data; all-zero is valid.
    let mut vm: libc::vm_statistics64 = unsafe { std::mem::zeroed() };
    let mut count = libc::HOST_VM_INFO64_COUNT;
    // SAFETY: vm is writable for HOST_VM_INFO64_COUNT integer_t words.
    let kr = unsafe {
        libc::host_statistics64(
            libc::mach_host_self(),
            libc::HOST_VM_INFO64,
            (&mut vm as *mut libc::vm_statistics64).cast(),
            &mut count,
        )
    };
    if kr != libc::KERN_SUCCESS {
        return Err(ffi::mach_error(kr, "host_statistics64(HOST_VM_INFO64)"));
    }
    Ok(vm)
}

/// psutil's `svmem` for macOS (`_psosx.py:91-105`): available = inactive + free,
/// used = active + wired, free = free − speculative.
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let total = total_memory()?;
    let vm = vm_stats()?;
    let page = page_size();
    let pages = |n: u32| u64::from(n).saturating_mul(page);
    let active = pages(vm.active_count);
    let inactive = pages(vm.inactive_count);
    let wired = pages(vm.wire_count);
    let free_raw = pages(vm.free_count);
    let speculative = pages(vm.speculative_count);
    let available = inactive.saturating_add(free_raw);
    let used = active.saturating_add(wired);
    let free = free_raw.saturating_sub(speculative);
    let percent = rpsutil_parse_percent(total.saturating_sub(available), total);
    Ok(VirtualMemory {
        total,
        available,
        percent,
        used,
        free,
        active: Some(active),
        inactive: Some(inactive),
        buffers: None,
        cached: None,
        shared: None,
        slab: None,
        wired: Some(wired),
    })
}

/// `round(part / total * 100, 1)`, 0.0 when total is 0.
fn rpsutil_parse_percent(part: u64, total: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    (part as f64 / total as f64 * 1000.0).round() / 10.0
}

/// `vm.swapusage` (`xsw_usage`, bytes); sin/sout = `pageins`/`pageouts` × page
/// size (all pager traffic, as psutil).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    let sw: libc::xsw_usage = ffi::sysctl_value(&[libc::CTL_VM, libc::VM_SWAPUSAGE])
        .map_err(|e| ffi::os(e, "sysctl(VM_SWAPUSAGE)"))?;
    let vm = vm_stats()?;
    let page = page_size();
    Ok(SwapMemory {
        total: sw.xsu_total,
        used: sw.xsu_used,
        free: sw.xsu_avail,
        percent: rpsutil_parse_percent(sw.xsu_used, sw.xsu_total),
        sin: vm.pageins.saturating_mul(page),
        sout: vm.pageouts.saturating_mul(page),
    })
}

// ------------------------------------------------------------------ battery

/// The first IOKit power source (`osx/sensors.c`, `_psosx.py:200-214`); None
/// without one.
pub(crate) fn sensors_battery() -> Result<Option<Battery>> {
    use rpsutil_parse::macos::iokit::{POWER_TIME_UNKNOWN, POWER_TIME_UNLIMITED};
    let Some(b) = super::iokit::battery()? else {
        return Ok(None);
    };
    let secsleft = match b.secsleft {
        POWER_TIME_UNLIMITED => BatteryTime::Unlimited,
        POWER_TIME_UNKNOWN => BatteryTime::Unknown,
        s => u64::try_from(s).map_or(BatteryTime::Unknown, BatteryTime::Seconds),
    };
    Ok(Some(Battery {
        percent: b.percent,
        secsleft,
        power_plugged: Some(b.power_plugged),
    }))
}

// -------------------------------------------------------------------- users

/// utmpx `USER_PROCESS` entries (`posix/users.c`, `_psosx.py:299-311`): entries
/// with tty `~` or time 0 dropped; host "", ":0", ":0.0" → "localhost".
pub(crate) fn users() -> Result<Vec<User>> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::new();
    // SAFETY: the utmpx iteration functions are used under a lock (they keep
    // global state); each returned pointer is read before the next call.
    unsafe {
        libc::setutxent();
        loop {
            let ut = libc::getutxent();
            if ut.is_null() {
                break;
            }
            let ut = &*ut;
            if ut.ut_type != libc::USER_PROCESS {
                continue;
            }
            let text =
                |chars: &[libc::c_char]| String::from_utf8_lossy(&ffi::c_chars(chars)).into_owned();
            let name = text(&ut.ut_user);
            let line = text(&ut.ut_line);
            let host = text(&ut.ut_host);
            let started = ut.ut_tv.tv_sec as f64;
            if line == "~" || ut.ut_tv.tv_sec == 0 {
                continue;
            }
            let host = match host.as_str() {
                "" | ":0" | ":0.0" => "localhost".to_string(),
                _ => host,
            };
            out.push(User {
                name,
                terminal: (!line.is_empty()).then_some(line),
                host,
                started,
                pid: Some(ut.ut_pid),
            });
        }
        libc::endutxent();
    }
    Ok(out)
}

// --------------------------------------------------------------------- heap

// <malloc/malloc.h>: not declared by the libc crate.
extern "C" {
    fn malloc_get_all_zones(
        task: libc::task_t,
        reader: *const libc::c_void,
        addresses: *mut *mut libc::vm_address_t,
        count: *mut libc::c_uint,
    ) -> libc::kern_return_t;
    fn malloc_zone_pressure_relief(
        zone: *mut libc::malloc_zone_t,
        goal: libc::size_t,
    ) -> libc::size_t;
}

/// The malloc zones of this process (psutil `osx/heap.c`: all zones, falling back
/// to the default zone).
fn zones() -> Vec<*mut libc::malloc_zone_t> {
    let mut addrs: *mut libc::vm_address_t = std::ptr::null_mut();
    let mut count: libc::c_uint = 0;
    // SAFETY: a NULL reader means "this task"; the out-pointers are valid. The
    // array returned belongs to the allocator and is not freed by the caller.
    let kr = unsafe {
        malloc_get_all_zones(
            libc::mach_task_self(),
            std::ptr::null(),
            &mut addrs,
            &mut count,
        )
    };
    if kr == libc::KERN_SUCCESS && !addrs.is_null() && count > 0 {
        // SAFETY: the allocator returned `count` zone addresses at `addrs`.
        let list = unsafe { std::slice::from_raw_parts(addrs, count as usize) };
        return list
            .iter()
            .map(|&a| a as *mut libc::malloc_zone_t)
            .filter(|z| !z.is_null())
            .collect();
    }
    // SAFETY: returns the process's default zone.
    let z = unsafe { libc::malloc_default_zone() };
    if z.is_null() {
        Vec::new()
    } else {
        vec![z]
    }
}

/// `heap_used` = Σ `size_in_use` over the zones; `mmap_used` 0.
pub(crate) fn heap_info() -> Result<HeapInfo> {
    let mut used: u64 = 0;
    for z in zones() {
        // SAFETY: malloc_statistics_t is plain old data.
        let mut st: libc::malloc_statistics_t = unsafe { std::mem::zeroed() };
        // SAFETY: z is a live zone of this process; st is writable.
        unsafe { libc::malloc_zone_statistics(z, &mut st) };
        used = used.saturating_add(st.size_in_use as u64);
    }
    Ok(HeapInfo {
        heap_used: used,
        mmap_used: 0,
        heap_count: None,
    })
}

/// `malloc_zone_pressure_relief(zone, 0)` on every zone.
pub(crate) fn heap_trim() -> Result<()> {
    for z in zones() {
        // SAFETY: z is a live zone of this process; goal 0 means "as much as possible".
        unsafe { malloc_zone_pressure_relief(z, 0) };
    }
    Ok(())
}
