//! Scheduling and limits: `setpriority(2)`, `ioprio_get/set(2)`, `prlimit(2)`,
//! `sched_getaffinity/sched_setaffinity(2)`.

use std::io;

use super::errors::os_error;
use super::handle::Proc;
use crate::sys::posix::raw_pid;
use crate::types::process::{IoNice, IoPriorityClass, Resource, Rlimit, RLIM_INFINITY};
use crate::{Error, Result};

// ioprio_set(2): IOPRIO_WHO_PROCESS = 1, the class in bits 13.., the level below.
const IOPRIO_WHO_PROCESS: libc::c_long = 1;
const IOPRIO_CLASS_SHIFT: i32 = 13;

/// `ioprio_get(IOPRIO_WHO_PROCESS, pid)`.
pub(crate) fn ionice(p: &mut Proc) -> Result<IoNice> {
    let raw = raw_pid(p.pid)?;
    // SAFETY: ioprio_get takes two integers and returns an integer.
    let prio = unsafe {
        libc::syscall(
            libc::SYS_ioprio_get,
            IOPRIO_WHO_PROCESS,
            raw as libc::c_long,
        )
    };
    if prio < 0 {
        return Err(os_error(io::Error::last_os_error(), "ioprio_get"));
    }
    let prio = prio as i32;
    let class = prio >> IOPRIO_CLASS_SHIFT;
    let value = prio & ((1 << IOPRIO_CLASS_SHIFT) - 1);
    let ioclass = IoPriorityClass::from_raw(class).ok_or_else(|| Error::Parse {
        path: "ioprio_get".into(),
        detail: format!("unknown I/O class {class}"),
    })?;
    Ok(IoNice { ioclass, value })
}

/// `ioprio_set(IOPRIO_WHO_PROCESS, pid, class << 13 | value)`.
pub(crate) fn set_ionice(p: &mut Proc, class: IoPriorityClass, value: i32) -> Result<()> {
    let raw = raw_pid(p.pid)?;
    let prio = (class.as_raw() << IOPRIO_CLASS_SHIFT) | value;
    // SAFETY: ioprio_set takes three integers.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_ioprio_set,
            IOPRIO_WHO_PROCESS,
            raw as libc::c_long,
            prio as libc::c_long,
        )
    };
    if rc < 0 {
        return Err(os_error(io::Error::last_os_error(), "ioprio_set"));
    }
    Ok(())
}

fn to_psutil(v: libc::rlim_t) -> i64 {
    if v == libc::RLIM_INFINITY {
        RLIM_INFINITY
    } else {
        i64::try_from(v).unwrap_or(i64::MAX)
    }
}

fn from_psutil(v: i64) -> Result<libc::rlim_t> {
    if v == RLIM_INFINITY {
        Ok(libc::RLIM_INFINITY)
    } else {
        libc::rlim_t::try_from(v).map_err(|_| Error::invalid(format!("invalid resource limit {v}")))
    }
}

fn resource_raw(r: Resource) -> Result<libc::__rlimit_resource_t> {
    let raw = rlimit_raw(r).ok_or_else(|| Error::unsupported(format!("{} on Linux", r.name())))?;
    // Small non-negative constants: the cast is lossless.
    Ok(raw as libc::__rlimit_resource_t)
}

/// `prlimit(pid, resource, NULL, &old)`.
pub(crate) fn rlimit(p: &mut Proc, r: Resource) -> Result<Rlimit> {
    let res = resource_raw(r)?;
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `old` is a valid writable rlimit; a null new-limit pointer means "get".
    let rc = unsafe { libc::prlimit(raw_pid(p.pid)?, res, std::ptr::null(), &mut old) };
    if rc != 0 {
        return Err(os_error(io::Error::last_os_error(), "prlimit"));
    }
    Ok(Rlimit(to_psutil(old.rlim_cur), to_psutil(old.rlim_max)))
}

/// `prlimit(pid, resource, &new, NULL)`.
pub(crate) fn set_rlimit(p: &mut Proc, r: Resource, limits: Rlimit) -> Result<()> {
    let res = resource_raw(r)?;
    let new = libc::rlimit {
        rlim_cur: from_psutil(limits.0)?,
        rlim_max: from_psutil(limits.1)?,
    };
    // SAFETY: `new` is a valid rlimit; a null old-limit pointer means "do not return it".
    let rc = unsafe { libc::prlimit(raw_pid(p.pid)?, res, &new, std::ptr::null_mut()) };
    if rc != 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EINVAL) {
            return Err(Error::invalid("current limit exceeds maximum limit"));
        }
        return Err(os_error(err, "prlimit"));
    }
    Ok(())
}

/// `sched_getaffinity(pid)`, with a mask grown until the kernel accepts its size.
pub(crate) fn cpu_affinity(p: &mut Proc) -> Result<Vec<u32>> {
    let raw = raw_pid(p.pid)?;
    let mut words = 16usize; // 1024 CPUs
    loop {
        let mut mask = vec![0u64; words];
        // SAFETY: the buffer is `words * 8` writable bytes, the size passed.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_sched_getaffinity,
                raw as libc::c_long,
                (words * 8) as libc::c_long,
                mask.as_mut_ptr(),
            )
        };
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINVAL) && words < (1 << 16) {
                words *= 2;
                continue;
            }
            return Err(os_error(err, "sched_getaffinity"));
        }
        // The syscall returns the number of bytes it filled.
        let filled = (rc as usize).min(words * 8) / 8;
        let mut cpus = Vec::new();
        for (w, word) in mask.iter().take(filled.max(1)).enumerate() {
            for bit in 0..64 {
                if word & (1u64 << bit) != 0 {
                    cpus.push((w * 64 + bit) as u32);
                }
            }
        }
        return Ok(cpus);
    }
}

/// `sched_setaffinity(pid, mask)`. The caller validated the CPU numbers.
pub(crate) fn set_cpu_affinity(p: &mut Proc, cpus: &[u32]) -> Result<()> {
    let raw = raw_pid(p.pid)?;
    let max = cpus.iter().copied().max().unwrap_or(0) as usize;
    let words = (max / 64 + 1).max(16);
    let mut mask = vec![0u64; words];
    for &c in cpus {
        mask[c as usize / 64] |= 1u64 << (c % 64);
    }
    // SAFETY: the buffer is `words * 8` readable bytes, the size passed.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_sched_setaffinity,
            raw as libc::c_long,
            (words * 8) as libc::c_long,
            mask.as_ptr(),
        )
    };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EINVAL) {
            return Err(Error::invalid(format!(
                "invalid CPU affinity {cpus:?}: no usable CPU in the set"
            )));
        }
        return Err(os_error(err, "sched_setaffinity"));
    }
    Ok(())
}

/// The kernel's number for a resource, None for resources Linux lacks.
pub(crate) fn rlimit_raw(r: Resource) -> Option<i32> {
    // The libc constants' integer type differs between glibc and musl; every value
    // is a small non-negative number.
    Some(match r {
        Resource::As => libc::RLIMIT_AS as i32,
        Resource::Core => libc::RLIMIT_CORE as i32,
        Resource::Cpu => libc::RLIMIT_CPU as i32,
        Resource::Data => libc::RLIMIT_DATA as i32,
        Resource::Fsize => libc::RLIMIT_FSIZE as i32,
        Resource::Locks => libc::RLIMIT_LOCKS as i32,
        Resource::Memlock => libc::RLIMIT_MEMLOCK as i32,
        Resource::Msgqueue => libc::RLIMIT_MSGQUEUE as i32,
        Resource::Nice => libc::RLIMIT_NICE as i32,
        Resource::Nofile => libc::RLIMIT_NOFILE as i32,
        Resource::Nproc => libc::RLIMIT_NPROC as i32,
        Resource::Rss => libc::RLIMIT_RSS as i32,
        Resource::Rtprio => libc::RLIMIT_RTPRIO as i32,
        Resource::Rttime => libc::RLIMIT_RTTIME as i32,
        Resource::Sigpending => libc::RLIMIT_SIGPENDING as i32,
        Resource::Stack => libc::RLIMIT_STACK as i32,
        Resource::Swap | Resource::Sbsize | Resource::Npts => return None,
    })
}
