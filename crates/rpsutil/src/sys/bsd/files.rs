//! OpenBSD and NetBSD descriptor lists: `Process.num_fds()` and
//! `Process.open_files()`, and the records `net_connections` reads.
//!
//! psutil emulates FreeBSD's `kinfo_getfile(3)` with `sysctl {CTL_KERN,
//! KERN_FILE, KERN_FILE_BYPID, pid, sizeof(struct kinfo_file), count}`
//! (`arch/bsd/proc_utils.c`). In 7.2.2 it passes a count of 0, so the kernel
//! copies nothing: `open_files()` is always `[]` and `num_fds()` reads the size
//! probe; on NetBSD `KERN_FILE` also ignores the pid (#2929). psutil 8.0 asks for
//! `INT_MAX` records and uses `KERN_FILE2` on NetBSD; so does this module
//! (docs/DIFFERENCES.md). Neither kernel's `kinfo_file` has a path: open files
//! have the path `""`, as in psutil.

use std::path::PathBuf;

use rpsutil_parse::bsd::kfile;
#[cfg(target_os = "netbsd")]
use rpsutil_parse::bsd::kfile::{NetbsdFile, NetbsdFileLayout};
#[cfg(target_os = "openbsd")]
use rpsutil_parse::bsd::kfile::{OpenbsdFile, OpenbsdFileLayout};

use super::process::{assert_alive, kinfo as proc_kinfo, os_error, Proc};
use super::sysctl;
use super::sysctl::parse_err;
use crate::sys::posix::raw_pid;
use crate::types::process::OpenFile;
use crate::Result;

/// `DTYPE_VNODE`, `DTYPE_SOCKET` (`sys/file.h`, the same on OpenBSD and NetBSD).
pub(super) const DTYPE_VNODE: i64 = 1;
/// A socket descriptor.
#[cfg(target_os = "openbsd")]
pub(super) const DTYPE_SOCKET: i64 = 2;
/// `VREG` (`sys/vnode.h`: `enum vtype { VNON, VREG, ... }`).
const VREG: i64 = 1;

/// The record layout of OpenBSD's `struct kinfo_file` (`sys/sysctl.h`), from libc.
#[cfg(target_os = "openbsd")]
const LAYOUT: OpenbsdFileLayout = {
    type F = libc::kinfo_file;
    OpenbsdFileLayout {
        size: std::mem::size_of::<F>(),
        f_type: fld!(F, f_type),
        v_type: fld!(F, v_type),
        fd: fld!(F, fd_fd),
        pid: fld!(F, p_pid),
        so_family: fld!(F, so_family),
        so_type: fld!(F, so_type),
        lport: fld!(F, inp_lport),
        fport: fld!(F, inp_fport),
        laddr: fld!(F, inp_laddru),
        faddr: fld!(F, inp_faddru),
        unp_path: fld!(F, unp_path),
        t_state: fld!(F, t_state),
    }
};

/// The descriptor records of process `arg` (-1: every process), `KERN_FILE`
/// with `KERN_FILE_BYPID` and an element count of `INT_MAX` (psutil 8.0).
#[cfg(target_os = "openbsd")]
pub(super) fn kinfo_files(arg: libc::c_int) -> Result<Vec<OpenbsdFile>> {
    let mib = [
        libc::CTL_KERN,
        libc::KERN_FILE,
        libc::KERN_FILE_BYPID,
        arg,
        LAYOUT.size as libc::c_int,
        libc::c_int::MAX,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.file"))?;
    kfile::decode_openbsd(&buf, &LAYOUT).map_err(|e| parse_err("kern.file", e))
}

/// The record layout of NetBSD's `struct kinfo_file` (`sys/sysctl.h`), from libc.
#[cfg(target_os = "netbsd")]
const LAYOUT: NetbsdFileLayout = {
    type F = libc::kinfo_file;
    NetbsdFileLayout {
        size: std::mem::size_of::<F>(),
        ftype: fld!(F, ki_ftype),
        vtype: fld!(F, ki_vtype),
        fd: fld!(F, ki_fd),
        pid: fld!(F, ki_pid),
        fdata: fld!(F, ki_fdata),
    }
};

/// `KERN_FILE2` records: `op` `KERN_FILE_BYPID` with a pid (-1: all), or
/// `KERN_FILE_BYFILE` with 0 (each open file once), element count `INT_MAX`.
#[cfg(target_os = "netbsd")]
pub(super) fn kinfo_files(op: libc::c_int, arg: libc::c_int) -> Result<Vec<NetbsdFile>> {
    let mib = [
        libc::CTL_KERN,
        libc::KERN_FILE2,
        op,
        arg,
        LAYOUT.size as libc::c_int,
        libc::c_int::MAX,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.file2"))?;
    kfile::decode_netbsd(&buf, &LAYOUT).map_err(|e| parse_err("kern.file2", e))
}

/// The process's descriptor records (`fd`, `f_type`, `v_type`), psutil's
/// `kinfo_getfile(pid)`. OpenBSD: PID 0 answering ESRCH has none (psutil).
#[cfg(target_os = "openbsd")]
fn proc_files(p: &mut Proc<'_>) -> Result<Vec<(i64, i64, i64)>> {
    proc_kinfo(p)?;
    match kinfo_files(raw_pid(p.pid)?) {
        Ok(v) => Ok(v.into_iter().map(|f| (f.fd, f.f_type, f.v_type)).collect()),
        Err(crate::Error::Os { source, .. })
            if p.pid == 0 && source.raw_os_error() == Some(libc::ESRCH) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

#[cfg(target_os = "netbsd")]
fn proc_files(p: &mut Proc<'_>) -> Result<Vec<(i64, i64, i64)>> {
    let v = kinfo_files(libc::KERN_FILE_BYPID, raw_pid(p.pid)?)?;
    Ok(v.into_iter().map(|f| (f.fd, f.ftype, f.vtype)).collect())
}

/// The number of open descriptors: the records with `fd >= 0` (OpenBSD also
/// lists the text, cwd, root and trace vnodes with negative numbers, which
/// psutil would count; FreeBSD's rule, docs/DIFFERENCES.md). Then psutil's
/// `_assert_alive()` (NetBSD; on OpenBSD the record was read first).
pub(crate) fn num_fds(p: &mut Proc<'_>) -> Result<u32> {
    let n = proc_files(p)?.iter().filter(|f| f.0 >= 0).count();
    assert_alive(p.pid)?;
    Ok(n as u32)
}

/// Regular files open on a descriptor (`DTYPE_VNODE` + `VREG`, `fd >= 0`), with
/// the path `""`: the kernel's record has none (psutil the same).
pub(crate) fn open_files(p: &mut Proc<'_>) -> Result<Vec<OpenFile>> {
    #[cfg(target_os = "netbsd")]
    proc_kinfo(p)?;
    Ok(proc_files(p)?
        .into_iter()
        .filter(|&(fd, ftype, vtype)| fd >= 0 && ftype == DTYPE_VNODE && vtype == VREG)
        .map(|(fd, _, _)| OpenFile {
            path: PathBuf::new(),
            fd: fd as i32,
            position: None,
            mode: None,
            flags: None,
        })
        .collect())
}
