//! The Mach VM calls of `Process.memory_full_info()` (USS) that the `libc` crate
//! does not declare: `task_for_pid`'s port, `mach_vm_region(VM_REGION_TOP_INFO)`
//! and `mach_port_deallocate` (psutil `psutil_proc_memory_uss`,
//! `arch/osx/proc.c`). The counting rules are `rpsutil_parse::macos::uss`.

use rpsutil_parse::macos::uss::{self, RegionTop};

use super::ffi;
use crate::types::process::Pid;
use crate::{Error, Result};

/// `struct vm_region_top_info` (XNU `osfmk/mach/vm_region.h`, inside its
/// `#pragma pack(push, 4)`): four `unsigned int` and an `unsigned char`, padded
/// to 20 bytes.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Default)]
struct VmRegionTopInfo {
    obj_id: u32,
    ref_count: u32,
    private_pages_resident: u32,
    shared_pages_resident: u32,
    share_mode: u8,
}
const _: () = assert!(std::mem::size_of::<VmRegionTopInfo>() == 20);
const _: () = assert!(std::mem::offset_of!(VmRegionTopInfo, ref_count) == 4);
const _: () = assert!(std::mem::offset_of!(VmRegionTopInfo, private_pages_resident) == 8);
const _: () = assert!(std::mem::offset_of!(VmRegionTopInfo, shared_pages_resident) == 12);
const _: () = assert!(std::mem::offset_of!(VmRegionTopInfo, share_mode) == 16);

/// `VM_REGION_TOP_INFO` (`vm_region.h`).
const VM_REGION_TOP_INFO: libc::c_int = 12;
/// `VM_REGION_TOP_INFO_COUNT`: the struct's size in `natural_t` words.
const VM_REGION_TOP_INFO_COUNT: libc::mach_msg_type_number_t =
    (std::mem::size_of::<VmRegionTopInfo>() / std::mem::size_of::<libc::natural_t>()) as _;
/// `MACH_VM_MIN_ADDRESS` (0 on arm64 and x86_64, `mach/{arm,i386}/vm_param.h`).
const MACH_VM_MIN_ADDRESS: u64 = 0;
/// `MACH_PORT_NULL`.
const MACH_PORT_NULL: libc::mach_port_t = 0;

// <mach/mach_vm.h> (MIG, `osfmk/mach/mach_vm.defs`) and <mach/mach_port.h>.
extern "C" {
    fn mach_vm_region(
        target_task: libc::vm_map_t,
        address: *mut libc::mach_vm_address_t,
        size: *mut libc::mach_vm_size_t,
        flavor: libc::c_int,
        info: *mut libc::c_int,
        info_count: *mut libc::mach_msg_type_number_t,
        object_name: *mut libc::mach_port_t,
    ) -> libc::kern_return_t;
    fn mach_port_deallocate(
        task: libc::mach_port_t,
        name: libc::mach_port_t,
    ) -> libc::kern_return_t;
}

/// A send right this process holds, released on drop.
struct Port(libc::mach_port_t);

impl Drop for Port {
    fn drop(&mut self) {
        if self.0 != MACH_PORT_NULL {
            // SAFETY: self.0 is a send right of this task, released exactly once.
            unsafe { mach_port_deallocate(libc::mach_task_self(), self.0) };
        }
    }
}

/// psutil's `psutil_task_for_pid` with psutil 8.0's pre-check (#2885): without
/// root, a process of another effective user is AccessDenied at once, because
/// `task_for_pid` may block forever for it instead of failing. On failure: the
/// pid gone → NoSuchProcess; a zombie → ZombieProcess; otherwise AccessDenied.
fn task_for_pid(pid: Pid, raw: libc::pid_t, owner_euid: u32) -> Result<Port> {
    // SAFETY: geteuid takes no arguments and cannot fail.
    let me = unsafe { libc::geteuid() };
    if me != 0 && owner_euid != me {
        return Err(Error::access_denied(pid));
    }
    let mut task: libc::mach_port_t = MACH_PORT_NULL;
    // SAFETY: task is a valid out-pointer; mach_task_self() is this task's port.
    let kr = unsafe { libc::task_for_pid(libc::mach_task_self(), raw, &mut task) };
    if kr != libc::KERN_SUCCESS {
        if !super::system::pid_exists(pid) {
            return Err(Error::no_such_process(pid));
        }
        if super::process::is_zombie(pid) {
            return Err(Error::zombie(pid));
        }
        return Err(Error::access_denied(pid));
    }
    Ok(Port(task))
}

/// The CPU type whose shared region is excluded: `sysctl.proc_cputype` (the
/// caller's type, as psutil), else this build's architecture.
fn cpu_type() -> i32 {
    ffi::sysctlbyname_int("sysctl.proc_cputype")
        .ok()
        .and_then(|t| i32::try_from(t).ok())
        .unwrap_or(if cfg!(target_arch = "aarch64") {
            uss::CPU_TYPE_ARM64
        } else {
            uss::CPU_TYPE_X86_64
        })
}

/// The USS of `pid` in bytes: the resident pages `uss::unique_pages` counts over
/// every region of the task (`KERN_INVALID_ADDRESS` ends the walk; another Mach
/// error is psutil's RuntimeError).
pub(crate) fn uss(pid: Pid, raw: libc::pid_t, owner_euid: u32) -> Result<u64> {
    let task = task_for_pid(pid, raw, owner_euid)?;
    let cpu = cpu_type();
    let mut pages: u64 = 0;
    let mut asked = MACH_VM_MIN_ADDRESS;
    loop {
        let mut addr = asked;
        let mut size: u64 = 0;
        let mut info = VmRegionTopInfo::default();
        let mut count = VM_REGION_TOP_INFO_COUNT;
        let mut object_name: libc::mach_port_t = MACH_PORT_NULL;
        // SAFETY: every out-pointer is valid; info is writable for `count`
        // natural_t words (its own size), which the kernel does not exceed.
        let kr = unsafe {
            mach_vm_region(
                task.0,
                &mut addr,
                &mut size,
                VM_REGION_TOP_INFO,
                (&mut info as *mut VmRegionTopInfo).cast(),
                &mut count,
                &mut object_name,
            )
        };
        // The object name is a right we are handed (MACH_MSG_TYPE_MOVE_SEND).
        drop(Port(object_name));
        if kr == libc::KERN_INVALID_ADDRESS {
            break;
        }
        if kr != libc::KERN_SUCCESS {
            return Err(ffi::mach_error(kr, "mach_vm_region(VM_REGION_TOP_INFO)"));
        }
        let Some(next) = uss::next_address(asked, addr, size) else {
            break;
        };
        let region = RegionTop {
            ref_count: info.ref_count,
            private_pages_resident: info.private_pages_resident,
            shared_pages_resident: info.shared_pages_resident,
            share_mode: info.share_mode,
        };
        let shared = uss::in_shared_region(addr, cpu);
        pages = pages.saturating_add(uss::unique_pages(&region, shared));
        asked = next;
    }
    Ok(uss::uss_bytes(pages, crate::sys::posix::page_size()))
}
