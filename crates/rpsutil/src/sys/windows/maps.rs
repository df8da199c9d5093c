//! `memory_full_info` (psutil's `pmem` + USS from the working set) and
//! `memory_maps` (psutil's `VirtualQueryEx` walk with `GetMappedFileNameW`), and
//! psutil's `convert_dos_path`, which `files.rs` shares.
//!
//! Wine 8: `MemoryWorkingSetInformation` (what `QueryWorkingSet` asks) answers
//! `STATUS_INVALID_INFO_CLASS`; `MemoryWorkingSetExInformation` works for the
//! calling process only (through the `GetCurrentProcess()` pseudo handle), so
//! USS falls back to it for our own process and stays an error for others.
//! `GetMappedFileNameW` gives `\??\C:\...` names, not `\Device\HarddiskVolumeN`.

use std::ffi::c_void;
use std::mem::size_of;

use windows_sys::Win32::Foundation::{ERROR_BAD_LENGTH, HANDLE};
use windows_sys::Win32::Storage::FileSystem::QueryDosDeviceW;
use windows_sys::Win32::System::Memory::{
    MEM_COMMIT, PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY,
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
};
use windows_sys::Win32::System::ProcessStatus::{
    K32GetMappedFileNameW, K32QueryWorkingSet, K32QueryWorkingSetEx,
    PSAPI_WORKING_SET_EX_INFORMATION,
};
use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, PROCESS_QUERY_INFORMATION, PROCESS_VM_READ,
};

use super::errors::last_error;
use super::peb::{current_pid, open_proc};
use super::util::regions;
use super::Proc;
use crate::types::process::{MemoryFullInfo, MemoryMap, MemoryMapGrouped, Pid};
use crate::{Error, Result};

/// `GetSystemInfo`: the page size and the highest application address.
fn system_info() -> SYSTEM_INFO {
    let mut si = SYSTEM_INFO::default();
    // SAFETY: si is a writable SYSTEM_INFO.
    unsafe { GetSystemInfo(&mut si) };
    si
}

/// A working-set entry (`PSAPI_WORKING_SET_BLOCK`) counts as private when it is
/// not shared or shared by one process only (`Protection:5 ShareCount:3
/// Shared:1`), psutil's rule.
fn private_block(flags: usize) -> bool {
    let share_count = (flags >> 5) & 0x7;
    let shared = (flags >> 8) & 1;
    shared == 0 || share_count <= 1
}

/// Private pages of the working set by `QueryWorkingSet` (psutil's
/// `MemoryWorkingSetInformation`), the buffer grown on `ERROR_BAD_LENGTH`.
fn private_pages(h: HANDLE, pid: Pid) -> Result<u64> {
    let word = size_of::<usize>();
    let mut entries = 0x8000 / word;
    for _ in 0..16 {
        let mut buf = vec![0usize; entries + 1];
        let bytes = u32::try_from(buf.len() * word).unwrap_or(u32::MAX);
        // SAFETY: buf is writable for `bytes` bytes and usize-aligned, as
        // PSAPI_WORKING_SET_INFORMATION (a count, then the blocks) needs.
        let ok = unsafe { K32QueryWorkingSet(h, buf.as_mut_ptr().cast(), bytes) };
        let count = buf[0];
        if ok != 0 {
            let n = count.min(buf.len() - 1);
            return Ok(buf[1..=n].iter().filter(|&&f| private_block(f)).count() as u64);
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(ERROR_BAD_LENGTH as i32) {
            return Err(Error::os(e, format!("QueryWorkingSet({pid})")));
        }
        // The set grows while we look: ask for what it said plus some.
        entries = count.max(entries) + count / 4 + 256;
    }
    Err(Error::os(
        std::io::Error::from_raw_os_error(ERROR_BAD_LENGTH as i32),
        format!("QueryWorkingSet({pid}): the working set kept growing"),
    ))
}

/// Private resident pages by `QueryWorkingSetEx` over every committed page
/// (`Valid` and not shared, or shared by one process only): the same count by
/// the call Wine 8 has, for the calling process.
fn private_pages_ex(h: HANDLE, page: usize) -> Result<u64> {
    let mut pages: Vec<PSAPI_WORKING_SET_EX_INFORMATION> = Vec::new();
    for mbi in regions(h) {
        if mbi.State == MEM_COMMIT {
            let base = mbi.BaseAddress as usize;
            for i in 0..mbi.RegionSize / page {
                pages.push(PSAPI_WORKING_SET_EX_INFORMATION {
                    VirtualAddress: (base + i * page) as *mut c_void,
                    ..Default::default()
                });
            }
        }
    }
    let mut private = 0u64;
    for chunk in pages.chunks_mut(4096) {
        let bytes = std::mem::size_of_val(chunk) as u32;
        // SAFETY: chunk is a writable array of the entries, `bytes` long.
        if unsafe { K32QueryWorkingSetEx(h, chunk.as_mut_ptr().cast(), bytes) } == 0 {
            return Err(last_error("QueryWorkingSetEx"));
        }
        for e in chunk.iter() {
            // SAFETY: the union is plain bits; Flags reads all of them.
            let f = unsafe { e.VirtualAttributes.Flags };
            // Valid:1 ShareCount:3 Win32Protection:11 Shared:1.
            let valid = f & 1;
            let share_count = (f >> 1) & 0x7;
            let shared = (f >> 15) & 1;
            if valid == 1 && (shared == 0 || share_count <= 1) {
                private += 1;
            }
        }
    }
    Ok(private)
}

/// psutil's `memory_full_info()` on Windows: `memory_info()`'s fields
/// (`proc_info::memory_info`: `GetProcessMemoryInfo`, SPI when denied) plus
/// `uss` = private working-set pages × page size
/// (`QueryWorkingSet`; for our own process, where that is missing (Wine), the
/// same count by `QueryWorkingSetEx`). Unsupported where the OS lacks the
/// working-set query (Wine 8, for another process).
pub(crate) fn memory_full_info(p: &mut Proc<'_>) -> Result<MemoryFullInfo> {
    if p.pid == 0 {
        return Err(Error::access_denied(p.pid));
    }
    let basic = super::proc_info::memory_info(p)?;
    let h = open_proc(p, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ)?;
    let page = system_info().dwPageSize.max(1) as usize;
    let pages = match private_pages(h.raw(), p.pid) {
        Ok(n) => n,
        Err(Error::Os { source, .. }) if source.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(Error::access_denied(p.pid))
        }
        Err(e) if p.pid == current_pid() => {
            // SAFETY: the pseudo handle of the calling process needs no closing.
            let me = unsafe { GetCurrentProcess() };
            private_pages_ex(me, page).map_err(|_| e)?
        }
        // STATUS_INVALID_INFO_CLASS (87) for a live process: the OS lacks
        // MemoryWorkingSetInformation (Wine 8). Unsupported, as the backend's other
        // Wine gaps (swap_memory, getloadavg), not a raw 87 a translation could
        // take for "no such process".
        Err(Error::Os { source, .. }) if source.raw_os_error() == Some(87) => {
            return Err(Error::unsupported(
                "memory_full_info: QueryWorkingSet (MemoryWorkingSetInformation) is not \
                 implemented by this Windows (Wine 8)",
            ))
        }
        Err(e) => return Err(e),
    };
    Ok(MemoryFullInfo {
        basic,
        uss: Some(pages * page as u64),
        pss: None,
        swap: None,
    })
}

/// psutil's protection string of `Protect & 0xff`.
fn perms(protect: u32) -> &'static str {
    match protect & 0xff {
        PAGE_NOACCESS => "",
        PAGE_READONLY => "r",
        PAGE_READWRITE => "rw",
        PAGE_WRITECOPY => "wc",
        PAGE_EXECUTE => "x",
        PAGE_EXECUTE_READ => "xr",
        PAGE_EXECUTE_READWRITE => "xrw",
        PAGE_EXECUTE_WRITECOPY => "xwc",
        _ => "?",
    }
}

/// The `\Device\...` target of each drive letter (`QueryDosDeviceW("A:")` ...
/// `("Z:")`), for [`convert_dos_path`].
pub(crate) fn dos_devices() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for letter in b'A'..=b'Z' {
        let drive = format!("{}:", letter as char);
        let name = super::util::wide(std::ffi::OsStr::new(&drive));
        let mut buf = vec![0u16; 1024];
        // SAFETY: name is NUL-terminated; buf is writable for its length.
        let n = unsafe { QueryDosDeviceW(name.as_ptr(), buf.as_mut_ptr(), buf.len() as u32) };
        if n > 0 {
            // The first string of the returned list is the current target.
            out.push((drive, super::util::from_wide(&buf)));
        }
    }
    out
}

/// psutil's `convert_dos_path`: `\\...` unchanged; `\??\UNC\srv\share\x` and
/// `\Device\Mup\srv\share\x` → `\\srv\share\x`; `\??\C:\x` → `C:\x`;
/// `\Device\HarddiskVolumeN\x` → the drive letter whose `QueryDosDevice` target
/// is `\Device\HarddiskVolumeN` (none: the rooted path without a drive).
pub(crate) fn convert_dos_path(s: &str, devices: &[(String, String)]) -> String {
    if s.starts_with("\\\\") {
        return s.to_string();
    }
    let parts: Vec<&str> = s.split('\\').collect();
    let head = |n: usize| parts[..n.min(parts.len())].join("\\");
    let rawdrive = head(3);
    let (rawdrive, drive) = if rawdrive == "\\??\\UNC" || rawdrive == "\\Device\\Mup" {
        let raw = head(5);
        let unc = format!(
            "\\\\{}",
            parts.get(3..5).map(|p| p.join("\\")).unwrap_or_default()
        );
        (raw, unc)
    } else if rawdrive.starts_with("\\??\\") {
        let letter = parts.get(2).copied().unwrap_or("").to_string();
        (rawdrive, letter)
    } else {
        let letter = devices
            .iter()
            .find(|(_, target)| target.eq_ignore_ascii_case(&rawdrive))
            .map(|(d, _)| d.clone())
            .unwrap_or_default();
        (rawdrive, letter)
    };
    let remainder = s.get(rawdrive.len()..).unwrap_or("");
    // Python's ntpath.join(drive, remainder): a rooted remainder keeps the drive.
    if drive.is_empty() {
        remainder.to_string()
    } else if remainder.is_empty() || remainder.starts_with('\\') {
        format!("{drive}{remainder}")
    } else {
        format!("{drive}\\{remainder}")
    }
}

/// psutil's `memory_maps()` on Windows: `VirtualQueryEx` from address 0 to the
/// highest application address; each region `GetMappedFileNameW` names (images
/// and mapped files; anonymous memory never appears) gives `addr` (`hex()` of the
/// base), `perms`, `path` (DOS form) and `rss` = the region's size in bytes.
pub(crate) fn memory_maps(p: &mut Proc<'_>) -> Result<Vec<MemoryMap>> {
    if p.pid == 0 {
        return Err(Error::access_denied(p.pid));
    }
    let h = open_proc(p, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ)?;
    let devices = dos_devices();
    let mut out = Vec::new();
    let mut name = vec![0u16; 32 * 1024];
    for mbi in regions(h.raw()) {
        let base = mbi.BaseAddress as usize;
        // SAFETY: name is writable for its length in characters.
        let len = unsafe {
            K32GetMappedFileNameW(
                h.raw(),
                mbi.BaseAddress,
                name.as_mut_ptr(),
                name.len() as u32,
            )
        };
        if len > 0 {
            let path = String::from_utf16_lossy(&name[..(len as usize).min(name.len())]);
            out.push(MemoryMap {
                addr: format!("{base:#x}"),
                perms: perms(mbi.Protect).to_string(),
                region: MemoryMapGrouped {
                    path: convert_dos_path(&path, &devices).into(),
                    rss: mbi.RegionSize as u64,
                    ..Default::default()
                },
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::peb::tests::with_proc;
    use crate::sys::windows::wine;

    #[test]
    fn dos_paths_convert_as_psutil() {
        let dev = vec![
            ("C:".to_string(), "\\Device\\HarddiskVolume1".to_string()),
            ("D:".to_string(), "\\Device\\HarddiskVolume2".to_string()),
        ];
        let c = |s| convert_dos_path(s, &dev);
        assert_eq!(c("\\??\\C:\\windows\\x.dll"), "C:\\windows\\x.dll");
        assert_eq!(c("\\Device\\HarddiskVolume2\\a\\b"), "D:\\a\\b");
        assert_eq!(c("\\Device\\HarddiskVolume9\\a"), "\\a");
        assert_eq!(c("\\??\\UNC\\srv\\share\\f"), "\\\\srv\\share\\f");
        assert_eq!(c("\\Device\\Mup\\srv\\share\\f"), "\\\\srv\\share\\f");
        assert_eq!(c("\\\\srv\\share\\f"), "\\\\srv\\share\\f");
        assert_eq!(perms(PAGE_EXECUTE_READ), "xr");
        assert_eq!(perms(PAGE_READWRITE | 0x100), "rw");
        assert_eq!(perms(0x55), "?");
        // PSAPI_WORKING_SET_BLOCK: shared with ShareCount 2 is not private.
        assert!(private_block(0));
        assert!(private_block(1 << 8 | 1 << 5));
        assert!(!private_block(1 << 8 | 2 << 5));
    }

    #[test]
    fn uss_of_our_own_process() {
        // Touch 8 MiB so that the private set is clearly non-zero.
        let v = vec![1u8; 8 << 20];
        let me = current_pid();
        let full = with_proc(me, memory_full_info).expect("memory_full_info");
        let uss = full.uss.expect("uss");
        assert!(uss > 0, "{full:?}");
        assert!(uss <= full.basic.rss, "{full:?}");
        assert!(uss >= (8 << 20) as u64, "{full:?}");
        assert_eq!(Some(full.basic.rss), full.basic.wset);
        assert_eq!(Some(full.basic.vms), full.basic.pagefile);
        let basic =
            with_proc(me, crate::sys::windows::proc_info::memory_info).expect("memory_info");
        assert!(basic.rss > 0 && basic.vms > 0);
        assert!(v.iter().all(|&b| b == 1));
    }

    #[test]
    fn another_process_maps_and_its_uss_gap() {
        let dir = std::env::temp_dir();
        let (child, _) = crate::sys::windows::peb::tests::spawn_sleeper(&dir);
        let pid = child.0.id();
        match with_proc(pid, memory_full_info) {
            Ok(full) => {
                let uss = full.uss.expect("uss");
                assert!(uss > 0 && uss <= full.basic.rss, "{full:?}");
            }
            // Wine 8: MemoryWorkingSetInformation is STATUS_INVALID_INFO_CLASS:
            // Unsupported (not NoSuchProcess: the process is there).
            Err(Error::Unsupported { what }) if wine::version().is_some() => {
                assert!(what.contains("MemoryWorkingSetInformation"), "{what}");
            }
            Err(e) => panic!("memory_full_info: {e}"),
        }
        // Its maps (read from another process) show the same executable as ours.
        let exe = std::env::current_exe().expect("current_exe");
        let maps = with_proc(pid, memory_maps).expect("child's maps");
        assert!(
            maps.iter().any(|m| m
                .region
                .path
                .to_string_lossy()
                .eq_ignore_ascii_case(&exe.to_string_lossy())),
            "{exe:?} not in {maps:?}"
        );
        drop(child);
    }

    #[test]
    fn memory_maps_of_our_own_process_list_our_exe() {
        let me = current_pid();
        let maps = with_proc(me, memory_maps).expect("memory_maps");
        let exe = std::env::current_exe().expect("current_exe");
        let exe = exe.to_string_lossy();
        let ours: Vec<&MemoryMap> = maps
            .iter()
            .filter(|m| m.region.path.to_string_lossy().eq_ignore_ascii_case(&exe))
            .collect();
        assert!(!ours.is_empty(), "{exe} not in {maps:?}");
        // The image's code is executable; every region has a hex address and a size.
        assert!(ours.iter().any(|m| m.perms.starts_with('x')), "{ours:?}");
        for m in &maps {
            assert!(m.addr.starts_with("0x"), "{m:?}");
            assert!(m.region.rss > 0 && m.region.rss % 4096 == 0, "{m:?}");
            assert!(
                !m.region.path.to_string_lossy().starts_with("\\??\\"),
                "{m:?}"
            );
        }
        // Ascending addresses.
        let addrs: Vec<u64> = maps
            .iter()
            .filter_map(|m| u64::from_str_radix(m.addr.trim_start_matches("0x"), 16).ok())
            .collect();
        assert_eq!(addrs.len(), maps.len());
        assert!(addrs.windows(2).all(|w| w[0] < w[1]));
        // ntdll is mapped in every process.
        assert!(maps.iter().any(|m| m
            .region
            .path
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with("\\ntdll.dll")));
    }
}
